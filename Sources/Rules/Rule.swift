public import FrontEvents

/// One rule: when something happens (or while something is true), if conditions hold, do actions.
public struct Rule: Sendable {
    /// The rule's name (unique; shown as `PK_RULE=` in the journal).
    public var name: String
    /// Where the rule starts.
    public var location: SourceLocation
    /// The rule's `description:`, if any (free text for people).
    public var description: String?
    /// What makes the rule run.
    public var activation: Activation
    /// Extra conditions (`if:`), all of which must hold.
    public var condition: Condition?
    /// What the rule does (`do:`).
    public var actions: [Action]
    /// For `while` rules: what to do when the condition stops holding (`after:`); nil means
    /// "put back the values the rule's actions replaced".
    public var after: [Action]?
    /// Minimum time between two runs of this rule (rule's own, else the settings' cooldown).
    public var cooldown: Duration?
    /// Settle time for this rule (overrides `settings.settle`).
    public var settle: Duration?
    /// How quiet hours apply to this rule.
    public var quietHours: QuietHoursPolicy
    /// A disabled rule is loaded and checked but never runs.
    public var enabled: Bool
    /// Log this rule's actions instead of performing them.
    public var dryRun: Bool
    /// Whether the rule's file opted in to `exec` / `webhook`.
    public var allows: Set<Opt>

    /// How a rule is started.
    public enum Activation: Sendable {
        /// `when:` — runs each time one of the triggers fires.
        case when([Trigger])
        /// `while:` — applies its actions when the condition becomes true (and on daemon start
        /// while it is true), and undoes them when it becomes false.
        case `while`(Condition)
    }

    /// How a rule treats quiet hours.
    public enum QuietHoursPolicy: String, Sendable, Hashable {
        /// Follow `settings.quiet_hours`.
        case follow
        /// Act even during quiet hours.
        case ignore
        /// Skip during quiet hours (whatever the settings say).
        case skip
        /// Defer to the end of quiet hours (whatever the settings say).
        case `defer`
    }

    /// Opt-ins a file declares with `allow:`.
    public enum Opt: String, Sendable, Hashable, CaseIterable {
        /// `exec` actions may run local commands.
        case exec
        /// `webhook` actions may call URLs.
        case webhook
    }

    /// The triggers of a `when` rule (empty for `while` rules).
    public var triggers: [Trigger] {
        if case .when(let t) = activation { return t }
        return []
    }

    /// Every action of the rule, `after:` included.
    public var allActions: [Action] { actions + (after ?? []) }
}

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

/// A schedule: times of day on weekdays, in the rules' time zone.
public struct Schedule: Sendable, Hashable {
    /// The times (at least one).
    public var times: [TimeOfDay]
    /// The days; empty means every day.
    public var days: Set<Weekday>
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

/// A test of the event's member.
public enum MemberTest: Sendable, Hashable {
    /// The member is one of these.
    case isOneOf([MemberName])
    /// The member belongs to the group.
    case inGroup(GroupName)
}
