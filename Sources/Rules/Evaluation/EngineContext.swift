public import Foundation
public import FrontEvents
public import PluralKit

/// What the engine knows besides the front: whose names are whose, who is in which group, the
/// system, the rules' time zone, and the remote values the shell last read (for the `previous`
/// of a write and for skip-if-equal).
public struct EngineContext: Sendable {
    /// The system's members (names to resolve, and the variables of a member).
    public var members: [NameEntry]
    /// The system's groups, each with its members' ids.
    public var groups: [Group]
    /// The system's id, name and tag for templates.
    public var system: (id: String, name: String?, tag: String?)
    /// The time zone of schedules, `time` windows, `days` and quiet hours.
    public var timeZone: TimeZone
    /// Remote values by `TARGET.FIELD` (`system.tag`); a key that is absent is unknown, a nil
    /// value is an empty field.
    public var remote: [String: String?]

    /// A group and its members.
    public struct Group: Sendable, Hashable {
        /// The group's names and ids.
        public var entry: NameEntry
        /// Its members.
        public var members: Set<MemberID>

        /// Creates a group.
        public init(entry: NameEntry, members: Set<MemberID>) {
            self.entry = entry
            self.members = members
        }
    }

    /// Creates a context.
    public init(
        members: [NameEntry] = [], groups: [Group] = [],
        system: (id: String, name: String?, tag: String?) = ("", nil, nil),
        timeZone: TimeZone = TimeZone(identifier: "UTC")!, remote: [String: String?] = [:]
    ) {
        self.members = members
        self.groups = groups
        self.system = system
        self.timeZone = timeZone
        self.remote = remote
    }

    /// The member a rule names (by short id, UUID, name or display name, case-insensitive for
    /// names), or nil. Without a member list, a short id written in lowercase stands for itself.
    public func member(named text: String) -> MemberID? {
        if let entry = Self.find(text, in: members) { return MemberID(entry.id) }
        guard members.isEmpty, text == text.lowercased() else { return nil }
        return MemberID(text)
    }

    /// The group a rule names, or nil.
    public func group(named text: String) -> Group? {
        let entry = Self.find(text, in: groups.map(\.entry))
        return entry.flatMap { found in groups.first { $0.entry.id == found.id } }
    }

    /// A member's reference with the best names known.
    public func reference(_ id: MemberID) -> MemberRef {
        let entry = members.first { $0.id == id.rawValue }
        return MemberRef(id: id, name: entry?.name, displayName: entry?.displayName)
    }

    private static func find(_ text: String, in entries: [NameEntry]) -> NameEntry? {
        let lowered = text.lowercased()
        return entries.first { $0.id == lowered || $0.uuid?.lowercased() == lowered }
            ?? entries.first { $0.name == text } ?? entries.first { $0.displayName == text }
            ?? entries.first { $0.name.lowercased() == lowered || $0.displayName?.lowercased() == lowered }
    }
}
