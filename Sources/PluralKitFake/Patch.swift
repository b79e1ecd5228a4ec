#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Parses and checks PATCH/POST bodies like `PluralKit.Core/Models/Patch/*.cs`: unknown keys
/// are ignored, `""` means null for strings, wrong JSON types are a generic 400, broken values
/// are collected into one 40001 reply.
struct PatchParser {
    let body: JSON
    var errors: [(String, JSON)] = []
    /// Recognised keys and their new values, in the order applied.
    var changes: [(String, JSON)] = []

    init(_ body: JSON) { self.body = body }

    /// Whether the key is present in the body.
    func has(_ key: String) -> Bool { body[key] != nil }

    mutating func fail(_ key: String, _ message: String, actual: Int? = nil, max: Int? = nil) {
        var entry: [(String, JSON)] = [("message", .string(message))]
        if let actual, let max {
            entry.append(("actual_length", .int(Int64(actual))))
            entry.append(("max_length", .int(Int64(max))))
        }
        if let i = errors.firstIndex(where: { $0.0 == key }), case .array(var list) = errors[i].1 {
            list.append(.object(entry))
            errors[i].1 = .array(list)
        } else {
            errors.append((key, .array([.object(entry)])))
        }
    }

    /// A string (or null) of at most `max` UTF-16 units; `""` becomes null.
    mutating func string(_ key: String, max: Int, from source: JSON? = nil) throws {
        guard let value = (source ?? body)[key] else { return }
        switch value {
        case .null: changes.append((key, .null))
        case .string(let s) where s.isEmpty: changes.append((key, .null))
        case .string(let s):
            let length = s.utf16.count
            if length > max { fail(key, "Field \(key) is too long.", actual: length, max: max) }
            changes.append((key, .string(s)))
        default: throw Reply(.badRequest)
        }
    }

    /// A required name: present and non-empty when `creating`; never null.
    mutating func name(_ what: String, creating: Bool) throws {
        guard let value = body["name"] else {
            if creating { fail("name", "Key 'name' is required when creating new \(what.lowercased()).") }
            return
        }
        switch value {
        case .null: fail("name", "\(what) name can not be set to null.")
        case .string(let s) where s.isEmpty: fail("name", "\(what) name can not be set to null.")
        case .string: try string("name", max: 100)
        default: throw Reply(.badRequest)
        }
    }

    static func isHTTPSURL(_ s: String) -> Bool {
        var s = s
        if s.hasPrefix("<"), s.hasSuffix(">") { s = String(s.dropFirst().dropLast()) }
        guard s.lowercased().hasPrefix("https://"), !s.contains(" ") else { return false }
        let host = s.dropFirst(8).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return !host.isEmpty
    }

    mutating func url(_ key: String) throws {
        guard let value = body[key] else { return }
        switch value {
        case .null: changes.append((key, .null))
        case .string(let s) where s.isEmpty: changes.append((key, .null))
        case .string(let s):
            if s.utf16.count > 256 {
                fail(key, "Field \(key) is too long.", actual: s.utf16.count, max: 256)
            } else if !Self.isHTTPSURL(s) {
                fail(key, "Field \(key) is invalid.")
            }
            var stored = s
            if stored.hasPrefix("<"), stored.hasSuffix(">") { stored = String(stored.dropFirst().dropLast()) }
            changes.append((key, .string(stored)))
        default: throw Reply(.badRequest)
        }
    }

    mutating func color(_ key: String, lowercase: Bool) throws {
        guard let value = body[key] else { return }
        switch value {
        case .null: changes.append((key, .null))
        case .string(let s) where s.isEmpty: changes.append((key, .null))
        case .string(let s):
            if s.count != 6 || !s.allSatisfy({ $0.isHexDigit && $0.isASCII }) { fail(key, "Field \(key) is invalid.") }
            changes.append((key, .string(lowercase ? s.lowercased() : s)))
        default: throw Reply(.badRequest)
        }
    }

    mutating func birthday(_ key: String) throws {
        guard let value = body[key] else { return }
        switch value {
        case .null: changes.append((key, .null))
        case .string(let s) where s.isEmpty: changes.append((key, .null))
        case .string(let s):
            let parts = s.split(separator: "-", omittingEmptySubsequences: false)
            var valid = parts.count == 3 && parts[0].count == 4 && parts[1].count == 2 && parts[2].count == 2
            if valid, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), y >= 1 {
                var comps = DateComponents()
                comps.year = y
                comps.month = m
                comps.day = d
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = TimeZone(identifier: "UTC")!
                valid =
                    (1...12).contains(m)
                    && calendar.date(from: comps).map { calendar.component(.day, from: $0) == d } == true
            } else {
                valid = false
            }
            if !valid { fail(key, "Field \(key) is invalid.") }
            changes.append((key, .string(s)))
        default: throw Reply(.badRequest)
        }
    }

    /// A boolean; null is ignored when `nullIgnored`, else stored.
    mutating func bool(_ key: String, nullIgnored: Bool = false) throws {
        guard let value = body[key] else { return }
        switch value {
        case .bool: changes.append((key, value))
        case .null: if !nullIgnored { changes.append((key, .null)) }
        default: throw Reply(.badRequest)
        }
    }

    mutating func int(_ key: String) throws {
        guard let value = body[key] else { return }
        switch value {
        case .null: changes.append((key, .null))
        case .int: changes.append((key, value))
        default: throw Reply(.badRequest)
        }
    }

    /// The nested `privacy` object (null is ignored); `null` → public, `""` → private.
    mutating func privacy(keys: [String]) throws -> [(String, JSON)] {
        guard let value = body["privacy"], !value.isNull else { return [] }
        guard case .object(let pairs) = value else { throw Reply(.badRequest) }
        var out: [(String, JSON)] = []
        for (key, v) in pairs where keys.contains(key) {
            switch v {
            case .null: out.append((key, "public"))
            case .string(""): out.append((key, "private"))
            case .string("public"), .string("private"): out.append((key, v))
            case .string: fail(key, "Field \(key) is invalid.")
            default: throw Reply(.badRequest)
            }
        }
        return out
    }

    mutating func proxyTags() throws {
        guard let value = body["proxy_tags"] else { return }
        if value.isNull {
            changes.append(("proxy_tags", []))
            return
        }
        guard case .array(let items) = value else { throw Reply(.badRequest) }
        var tags: [JSON] = []
        var invalid = items.count > 100
        for item in items {
            guard item.isObject else { throw Reply(.badRequest) }
            func side(_ k: String) throws -> String? {
                switch item[k] ?? .null {
                case .null: return nil
                case .string(let s): return s.isEmpty ? nil : s
                default: throw Reply(.badRequest)
                }
            }
            let prefix = try side("prefix")
            let suffix = try side("suffix")
            if prefix == nil, suffix == nil { continue }
            if ((prefix ?? "") + "text" + (suffix ?? "")).utf16.count > 100 { invalid = true }
            tags.append(.object([("prefix", .optional(prefix)), ("suffix", .optional(suffix))]))
        }
        if invalid { fail("proxy_tags", "Field proxy_tags is invalid.") }
        changes.append(("proxy_tags", .array(tags)))
    }

    /// Throws the 40001 reply when anything failed.
    func check() throws {
        guard errors.isEmpty else {
            throw Reply(
                .json(
                    .object([
                        ("message", "Error parsing JSON model"), ("code", 40001), ("errors", .object(errors)),
                    ]), status: 400))
        }
    }

    /// Parses a request body as a JSON object, or throws the generic 400.
    static func object(_ bytes: [UInt8]) throws -> JSON {
        guard let value = JSON.parse(bytes), value.isObject else { throw Reply(.badRequest) }
        return value
    }

    /// Parses a request body as a JSON array of strings, or throws the generic 400.
    static func stringArray(_ bytes: [UInt8]) throws -> [String] {
        guard let value = JSON.parse(bytes), case .array(let items) = value else { throw Reply(.badRequest) }
        return try items.map { item in
            guard let s = item.stringValue else { throw Reply(.badRequest) }
            return s
        }
    }
}
