public import FrontEvents
public import PluralKit

/// The system's members and groups, to resolve the names rules use: from the live lists
/// (``fetch(from:)`` or ``init(members:groups:)``) or from the names the daemon cached
/// (``init(cached:location:)``).
public struct NameDirectory: Sendable {
    /// A member or group.
    public typealias Entry = NameEntry

    /// Members.
    public var members: [Entry]
    /// Groups.
    public var groups: [Entry]
    /// Where the lists came from, for messages ("the live member and group lists").
    public var source: String
    /// Each group's members, by the group's short id (empty when the lists did not say).
    public var groupMembers: [String: [MemberID]]

    /// Creates a directory.
    public init(members: [Entry], groups: [Entry], source: String, groupMembers: [String: [MemberID]] = [:]) {
        self.members = members
        self.groups = groups
        self.source = source
        self.groupMembers = groupMembers
    }

    /// The live lists, as fetched (groups with their members when the list has them).
    public init(members: [Member], groups: [Group]) {
        // The API lists a group's members by UUID: keyed back to the short ids here.
        let byUUID = Dictionary(members.map { ($0.uuid.lowercased(), $0.id) }, uniquingKeysWith: { a, _ in a })
        var groupMembers: [String: [MemberID]] = [:]
        for group in groups {
            if let m = group.members {
                groupMembers[group.id.rawValue] = m.map { byUUID[$0.rawValue.lowercased()] ?? $0 }
            }
        }
        self.init(
            members: members.map(Entry.init), groups: groups.map(Entry.init), source: "the live member and group lists",
            groupMembers: groupMembers)
    }

    /// The groups with their members, as the rule engine takes them.
    public var engineGroups: [EngineContext.Group] {
        groups.map { .init(entry: $0, members: Set(groupMembers[$0.id] ?? [])) }
    }

    /// Names the daemon keeps (its cache, or the lists of its last refresh).
    /// - Parameter location: where they are kept, for messages ("the state directory /var/lib/pkfrontd").
    public init(cached names: SystemNames, location: String) {
        let when = names.refreshed.map { " from \($0)" } ?? ""
        self.init(
            members: names.members, groups: names.groups, source: "the member list cached in \(location)\(when)",
            groupMembers: names.groupMembers)
    }

    /// Fetches the member and group lists, both at once.
    public static func fetch(from client: PluralKitClient) async throws -> NameDirectory {
        async let members = client.getMembers()
        async let groups = client.getGroups(withMembers: true)
        let (m, g) = try await (members, groups)
        return NameDirectory(members: m, groups: g)
    }

    /// How a name resolved.
    public enum Resolution: Sendable, Equatable {
        /// Exactly one entry matches.
        case found(Entry)
        /// Several entries share the name.
        case ambiguous([Entry])
        /// Nothing matches; the closest name, if one is close.
        case notFound(suggestion: String?)
    }

    /// Resolves a member or group reference: short id, UUID, exact name, exact display name,
    /// then the same ignoring case.
    public static func resolve(_ text: String, in entries: [Entry]) -> Resolution {
        let t = text.trimmingSpaces
        let lower = t.lowercased()
        if let e = entries.first(where: { $0.id == lower }) { return .found(e) }
        if let e = entries.first(where: { $0.uuid?.lowercased() == lower }) { return .found(e) }
        for match in [
            { (e: Entry) in e.name == t }, { (e: Entry) in e.displayName == t },
            { (e: Entry) in e.name.lowercased() == lower }, { (e: Entry) in e.displayName?.lowercased() == lower },
        ] {
            let found = entries.filter(match)
            if found.count == 1 { return .found(found[0]) }
            if found.count > 1 { return .ambiguous(found) }
        }
        let names = entries.flatMap { [$0.name] + ($0.displayName.map { [$0] } ?? []) }
        return .notFound(suggestion: Suggest.closest(to: t, in: names))
    }
}
