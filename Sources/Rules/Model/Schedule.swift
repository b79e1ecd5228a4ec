/// A schedule: times of day on weekdays, in the rules' time zone.
public struct Schedule: Sendable, Hashable {
    /// The times (at least one).
    public var times: [TimeOfDay]
    /// The days; empty means every day.
    public var days: Set<Weekday>
}
