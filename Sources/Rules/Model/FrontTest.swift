/// A test of a fronter list.
public enum FrontTest: Sendable, Hashable {
    /// All of these members are fronting.
    case include([MemberName])
    /// Exactly these members are fronting (in any order).
    case exactly([MemberName])
    /// At least one of these is fronting.
    case includeAny([MemberName])
    /// None of these is fronting.
    case includeNone([MemberName])
    /// This member is the first fronter.
    case first(MemberName)
    /// The number of fronters is in a range.
    case count(ClosedRange<Int>)
    /// At least one member of the group is fronting.
    case anyInGroup(GroupName)
    /// Everyone fronting is in the group (and someone is).
    case allInGroup(GroupName)
    /// No member of the group is fronting.
    case noneInGroup(GroupName)
    /// The first fronter is in the group.
    case firstInGroup(GroupName)
}
