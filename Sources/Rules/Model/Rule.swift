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
    /// What the rule does with events found after downtime (`catch_up:`); nil: the default —
    /// `all` for rules whose actions only log, else `latest`.
    public var catchUp: CatchUpPolicy?
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

    /// What a rule does with events delivered as catch-up after downtime.
    public enum CatchUpPolicy: String, Sendable, Hashable, CaseIterable {
        /// Run for each, in order.
        case all
        /// Run for the last one only (exec and webhook only within the catch-up window).
        case latest
        /// Run for none; missed schedules and overdue deadlines are skipped too.
        case skip
    }

    /// The catch-up policy in force: the rule's, else `all` for log-only rules, else `latest`.
    public var effectiveCatchUp: CatchUpPolicy {
        catchUp ?? (allActions.allSatisfy { if case .log = $0.kind { true } else { false } } ? .all : .latest)
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
