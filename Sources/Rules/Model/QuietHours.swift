/// A time window in which state-changing actions are held back.
public struct QuietHours: Sendable, Hashable {
    /// What happens to an action that falls into quiet hours.
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// The action is dropped.
        case skip
        /// The action runs when quiet hours end (only the latest value per target is kept).
        case `defer`
    }

    /// The window (may cross midnight).
    public var window: TimeWindow
    /// The days it applies on (the day the window starts); all days when empty.
    public var days: Set<Weekday>
    /// Skip or defer.
    public var mode: Mode
}
