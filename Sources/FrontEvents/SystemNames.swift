public import PluralKit

/// A member or group as names are resolved against: its short id, UUID, name and display name.
public struct NameEntry: Sendable, Hashable {
    /// Short id (`abcde`), lowercase.
    public var id: String
    /// UUID, lowercase (nil when not known).
    public var uuid: String?
    /// Name.
    public var name: String
    /// Display name (members; nil for groups without one).
    public var displayName: String?

    /// Creates an entry.
    public init(id: String, uuid: String?, name: String, displayName: String?) {
        self.id = id
        self.uuid = uuid
        self.name = name
        self.displayName = displayName
    }

    /// A fetched member.
    public init(_ member: Member) {
        self.init(id: member.id.rawValue, uuid: member.uuid, name: member.name, displayName: member.displayName)
    }

    /// A fetched group.
    public init(_ group: Group) {
        self.init(id: group.id.rawValue, uuid: group.uuid, name: group.name, displayName: group.displayName)
    }
}

/// The member and group names known for one system, from the live lists or the state
/// directory's cache.
public struct SystemNames: Sendable, Hashable {
    /// The system's short id.
    public var system: String
    /// Members.
    public var members: [NameEntry]
    /// Groups.
    public var groups: [NameEntry]
    /// When the member list was fetched (nil: not known).
    public var refreshed: Timestamp?
    /// Each group's members, by the group's short id (empty when not known).
    public var groupMembers: [String: [MemberID]]

    /// Creates the names of a system.
    public init(
        system: String, members: [NameEntry], groups: [NameEntry], refreshed: Timestamp?,
        groupMembers: [String: [MemberID]] = [:]
    ) {
        self.system = system
        self.members = members
        self.groups = groups
        self.refreshed = refreshed
        self.groupMembers = groupMembers
    }
}
