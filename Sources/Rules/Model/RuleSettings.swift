/// `settings:` — how and when rules act.
public struct RuleSettings: Sendable, Hashable {
    /// How long the front must stay the same before state-changing actions run (debounce). Default 5s.
    public var settle: Duration = .seconds(5)
    /// The cooldown every rule has unless it sets its own. Default none.
    public var cooldown: Duration = .zero
    /// IANA time zone for schedules, time windows and quiet hours; nil means the system's PluralKit time zone.
    public var timezone: String?
    /// Quiet hours, if any.
    public var quietHours: QuietHours?
    /// Log actions instead of performing them.
    public var dryRun = false
    /// How late a missed schedule, or a catch-up exec or webhook, may still run. Default 15m.
    public var catchUpWindow: Duration = .seconds(15 * 60)

    /// Default settings.
    public init() {}
}
