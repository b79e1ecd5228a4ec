public import FrontEvents
public import PluralKit
public import Rules

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Reads the values rules write — `TARGET.FIELD`, as decision records and simulate scripts
/// name them (`system.tag`, `system_server:Art Club.display_name`, `member:Sam.display_name`,
/// `member_server:Jordan@Work.display_name`, `autoproxy:Work.mode`) — from PluralKit, one
/// request per target. `simulate` seeds its virtual values with them; the executor's fresh
/// reads (skip-if-equal, compare-and-set) go through the same mapping.
public struct RemoteReader: Sendable {
    /// The client the reads go through (its limiter paces them).
    public let client: PluralKitClient

    /// Creates a reader.
    public init(client: PluralKitClient) { self.client = client }

    /// The current values of `keys` (nil: the field is empty, or the object does not carry it —
    /// the rule language only names fields PluralKit has). A key that cannot be read — an
    /// unknown member or server, a target that is not a PluralKit one, a request that failed —
    /// is left out, which to the engine means "unknown".
    /// - Parameters:
    ///   - rules: for server aliases and the member names the rules resolved.
    ///   - members: the member list, for names the rules did not resolve.
    public func read(_ keys: Set<String>, rules: RuleSet, members: [NameEntry] = []) async -> [String: String?] {
        var fetched: [String: [String: JSONValue]?] = [:]
        var out: [String: String?] = [:]
        for key in keys.sorted() {
            guard let dot = key.lastIndex(of: ".") else { continue }
            let target = String(key[..<dot])
            let field = String(key[key.index(after: dot)...])
            if fetched[target] == nil {
                fetched[target] = .some(await fields(of: target, rules: rules, members: members))
            }
            guard let object = fetched[target] ?? nil else { continue }
            // The models leave empty fields out of their JSON: a field the object lacks is empty.
            guard let text = Self.text(object[field] ?? .null, field: field) else { continue }
            out[key] = text
        }
        return out
    }

    /// The target's object from PluralKit as API field names → values, or nil when it cannot be read.
    func fields(of target: String, rules: RuleSet, members: [NameEntry]) async -> [String: JSONValue]? {
        guard let ref = TargetRef.resolve(target, rules: rules, members: members) else { return nil }
        return try? await fields(of: ref)
    }

    /// The target's object from PluralKit as API field names → values (throws what the client throws).
    public func fields(of ref: TargetRef) async throws -> [String: JSONValue]? {
        switch ref {
        case .system: return try Self.object(try await client.getSystem())
        case .systemServer(let g): return try Self.object(try await client.getSystemGuildSettings(guild: g))
        case .member(let m): return try Self.object(try await client.getMember(m))
        case .memberServer(let m, let g): return try Self.object(try await client.getMemberGuildSettings(m, guild: g))
        case .autoproxy(let g):
            let settings = try await client.getAutoproxySettings(guild: g)
            return [
                "mode": .string(settings.mode.rawValue),
                "member": settings.member.map { .string($0.rawValue) } ?? .null,
            ]
        case .switchLog:
            let front = try await client.getFronters()
            return ["members": .string((front?.members ?? []).map(\.id.rawValue).joined(separator: ","))]
        }
    }

    /// A model as its API JSON object.
    static func object(_ value: some Encodable) throws -> [String: JSONValue] {
        try JSONDecoder().decode([String: JSONValue].self, from: JSONEncoder().encode(value))
    }

    /// A field's value as the rules write it: `text(_:)`, and a birthday with a hidden year
    /// (PluralKit answers `0004-03-14`) as `03-14`, so an unchanged birthday reads as already set.
    public static func text(_ value: JSONValue, field: String) -> String?? {
        if field == "birthday", case .string(let s) = value, s.hasPrefix("0004-") {
            return .some(String(s.dropFirst(5)))
        }
        return text(value)
    }

    /// A field's value as the engine writes it (nil: empty; yes/no fields as `true`/`false`);
    /// `.none` for a value no field of the rule language has (an array, an object).
    public static func text(_ value: JSONValue) -> String?? {
        switch value {
        case .string(let s): .some(s)
        case .bool(let b): .some(b ? "true" : "false")
        case .number(let d): .some(d == d.rounded() ? String(Int(d)) : String(d))
        case .null: .some(nil)
        case .array, .object: .none
        }
    }
}
