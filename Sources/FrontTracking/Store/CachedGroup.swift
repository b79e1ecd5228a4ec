public import PluralKit

/// A group as the cache keeps it.
public struct CachedGroup: Sendable, Hashable {
    public var id: GroupID
    public var uuid: String
    public var name: String
    /// The members' short ids.
    public var members: [MemberID]

    public init(id: GroupID, uuid: String, name: String, members: [MemberID]) {
        self.id = id
        self.uuid = uuid
        self.name = name
        self.members = members
    }
}
