/// A test of the event's member.
public enum MemberTest: Sendable, Hashable {
    /// The member is one of these.
    case isOneOf([MemberName])
    /// The member belongs to the group.
    case inGroup(GroupName)
}
