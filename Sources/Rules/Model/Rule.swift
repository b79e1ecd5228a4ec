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
