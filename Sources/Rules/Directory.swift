/// The system's members and groups, to resolve the names rules use.
public struct Directory: Sendable {
    /// A member or group.
    public struct Entry: Sendable, Hashable {
        /// Short id (`abcde`).
        public var id: String
        /// UUID.
        public var uuid: String?
        /// Name.
        public var name: String
        /// Display name.
        public var displayName: String?

        /// Creates an entry.
        public init(id: String, uuid: String?, name: String, displayName: String?) {
            self.id = id
            self.uuid = uuid
            self.name = name
            self.displayName = displayName
        }
    }

    /// Members.
    public var members: [Entry]
    /// Groups.
    public var groups: [Entry]
    /// Where the lists came from, for messages ("the live member list", "the cached member list").
    public var source: String

    /// Creates a directory.
    public init(members: [Entry], groups: [Entry], source: String) {
        self.members = members
        self.groups = groups
        self.source = source
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
