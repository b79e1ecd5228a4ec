public import FrontEvents

/// What starts a `when` rule.
public struct Trigger: Sendable, Hashable {
    /// The kinds of trigger.
    public enum Kind: Sendable, Hashable {
        /// A tracker or daemon event.
        case event(EventKind)
        /// Someone (or the whole front) has been fronting, unchanged, for a duration.
        case frontingFor(Duration, FrontSubject)
        /// A time of day on some weekdays.
        case schedule(Schedule)
    }

    /// What kind.
    public var kind: Kind
    /// Where it was written.
    public var location: SourceLocation
}

/// Whose fronting time a `fronting_for` trigger or a `front_duration` condition measures.
public enum FrontSubject: Sendable, Hashable {
    /// The whole front (the fronter list unchanged).
    case front
    /// Any member, each on their own (fires once per member).
    case anyMember
    /// One member.
    case member(MemberName)
}

/// Every event a rule can react to (PRODUCT.md "Events"): the tracker's, and the daemon's own —
/// the one vocabulary of `FrontEvents`, named in rule files and in `PK_EVENT=` by `rawValue`.
public typealias EventKind = FrontEvent.Kind

/// A condition, with where it was written.
public indirect enum Condition: Sendable, Hashable {
    /// All must hold (a list, or several keys in one mapping).
    case all([Condition], SourceLocation)
    /// At least one must hold.
    case any([Condition], SourceLocation)
    /// Must not hold.
    case not(Condition, SourceLocation)
    /// A test of the current (or, with `previous`, the previous) fronters.
    case fronters(FrontTest, previous: Bool, SourceLocation)
    /// A test of the event's member (`fronter_added`, `fronter_removed`, a member's `fronting_for`).
    case member(MemberTest, SourceLocation)
    /// The local time is in a window.
    case time(TimeWindow, SourceLocation)
    /// Today is one of these days.
    case days(Set<Weekday>, SourceLocation)
    /// How long someone (or the whole front) has been fronting: at least / less than.
    case frontDuration(FrontSubject, atLeast: Duration?, lessThan: Duration?, SourceLocation)

    /// Where the condition was written.
    public var location: SourceLocation {
        switch self {
        case .all(_, let l), .any(_, let l), .not(_, let l), .fronters(_, _, let l), .member(_, let l), .time(_, let l),
            .days(_, let l), .frontDuration(_, _, _, let l):
            l
        }
    }
}
