/// Collects problems with an update before it is sent, by field, as the server would report them.
struct Validation {
    private(set) var errors: [String: [PluralKitError.FieldError]] = [:]

    mutating func add(_ field: String, _ message: String, actual: Int? = nil, max: Int? = nil) {
        errors[field, default: []].append(.init(message: message, actualLength: actual, maxLength: max))
    }

    /// Length in UTF-16 code units, as the server (.NET `string.Length`) counts.
    mutating func length(_ field: String, _ update: Update<String>, max: Int) {
        guard let value = update.value else { return }
        let length = value.utf16.count
        if length > max { add(field, "Field \(field) is too long.", actual: length, max: max) }
    }

    /// An absolute https URL of at most 256 UTF-16 code units (angle brackets tolerated).
    mutating func url(_ field: String, _ update: Update<String>) {
        guard var value = update.value, !value.isEmpty else { return }
        length(field, update, max: 256)
        if value.hasPrefix("<"), value.hasSuffix(">") { value = String(value.dropFirst().dropLast()) }
        let lower = value.lowercased()
        let host = lower.dropFirst("https://".count).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if !lower.hasPrefix("https://") || host.isEmpty || value.contains(" ") {
            add(field, "Field \(field) is invalid.")
        }
    }

    mutating func required(_ field: String, _ update: Update<String>, what: String) {
        switch update {
        case .clear: add(field, "\(what) name can not be set to null.")
        case .set(let v) where v.isEmpty: add(field, "\(what) name can not be set to null.")
        default: break
        }
    }

    mutating func proxyTags(_ update: Update<[ProxyTag]>) {
        guard let tags = update.value else { return }
        if tags.count > 100 || tags.contains(where: { $0.serverLength > 100 }) {
            add("proxy_tags", "Field proxy_tags is invalid.")
        }
    }

    func check(_ what: String) throws {
        guard !errors.isEmpty else { return }
        let fields = errors.keys.sorted()
        throw PluralKitError(
            kind: .invalidRequest,
            message: "\(what) was not sent: invalid \(fields.joined(separator: ", ")) ("
                + fields.flatMap { errors[$0]!.map(\.message) }.joined(separator: " ") + ")",
            fieldErrors: errors)
    }
}

extension KeyedEncodingContainer {
    mutating func encode<V: Encodable>(_ update: Update<V>, forKey key: Key) throws {
        switch update {
        case .unchanged: break
        case .clear: try encodeNil(forKey: key)
        case .set(let value): try encode(value, forKey: key)
        }
    }
}

/// Encodes the keys of a privacy sub-object that are being changed, or nothing at all.
struct PrivacyPatch: Encodable {
    var entries: [(String, Update<Privacy>)]
    var isEmpty: Bool { !entries.contains { $0.1.isChange } }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        for (key, update) in entries { try c.encode(update, forKey: AnyKey(key)) }
    }
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// An update that can be checked before it is sent.
protocol CheckedUpdate: Encodable, Sendable {
    /// Throws ``PluralKitError`` with field errors when a value breaks the server's limits.
    func validate() throws
    /// Whether anything would be sent.
    var hasChanges: Bool { get }
}
