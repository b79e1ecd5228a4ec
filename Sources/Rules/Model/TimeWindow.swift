/// From a time to a time; when `to` is not after `from` the window crosses midnight.
public struct TimeWindow: Sendable, Hashable {
    /// Start (inclusive).
    public var from: TimeOfDay
    /// End (exclusive).
    public var to: TimeOfDay

    /// Whether a time of day falls in the window.
    public func contains(_ time: TimeOfDay) -> Bool {
        if from < to { return from <= time && time < to }
        return time >= from || time < to
    }
}
