public import Foundation
public import PluralKit
import Synchronization

/// When a schedule's times of day fall, as instants, in a time zone — with cron's handling of
/// daylight saving time (RULES-ENGINE.md, "Timing"): a local time that does not exist (spring
/// forward) falls at the first instant after the gap, once; a local time that occurs twice
/// (fall back) falls once, at its first occurrence.
public struct ScheduleClock: Sendable {
    /// The time zone of the local times.
    public let zone: TimeZone

    /// Creates a clock for a time zone.
    public init(zone: TimeZone) { self.zone = zone }

    private var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }

    /// The instant a local date and time of day falls at (see the type's DST rules).
    /// - Parameters:
    ///   - day: a local calendar date (year, month, day).
    ///   - time: the time of day.
    public func instant(day: DateComponents, time: TimeOfDay) -> Timestamp? {
        guard let year = day.year, let month = day.month, let date = day.day else { return nil }
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(secondsFromGMT: 0)!
        guard
            let naive = utc.date(
                from: DateComponents(year: year, month: month, day: date, hour: time.hour, minute: time.minute))
        else { return nil }
        let local = Int64(naive.timeIntervalSince1970)
        let offsets = Set(
            [-43_200, 43_200].map { zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local + Int64($0)))) })
        let valid = offsets.map { local - Int64($0) }.filter { candidate in
            zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(candidate))) == Int(local - candidate)
        }
        if let first = valid.min() { return Timestamp(secondsSince1970: first) }
        // In a gap: the first instant after it is the transition, between the two readings.
        let readings = offsets.map { local - Int64($0) }.sorted()
        guard var low = readings.first, var high = readings.last else { return nil }
        let before = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(low)))
        while high - low > 1 {
            let mid = (low + high) / 2
            if zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(mid))) == before {
                low = mid
            } else {
                high = mid
            }
        }
        return Timestamp(secondsSince1970: high)
    }

    /// How a local time of day exists on a date.
    public enum Existence: Sendable, Hashable {
        /// Once, as written.
        case normal
        /// Not at all (the clocks go forward over it): the schedule runs at this instant instead.
        case gap(runsAt: Timestamp)
        /// Twice (the clocks go back): the schedule runs once, at the first.
        case repeated(first: Timestamp)
    }

    /// Whether a local time exists on a date once, not at all, or twice.
    public func existence(day: DateComponents, time: TimeOfDay) -> Existence {
        guard let t = instant(day: day, time: time) else { return .normal }
        let c = calendar.dateComponents([.hour, .minute], from: t.date)
        if c.hour != time.hour || c.minute != time.minute { return .gap(runsAt: t) }
        // The same wall time one offset-change later: a second valid reading means a repeat.
        for shift in [1800, 3600, 7200] {
            let later = t.adding(.seconds(Int64(shift)))
            let l = calendar.dateComponents([.hour, .minute], from: later.date)
            if l.hour == time.hour, l.minute == time.minute, self.day(of: later) == day { return .repeated(first: t) }
        }
        return .normal
    }

    /// The local calendar date of an instant.
    public func day(of t: Timestamp) -> DateComponents {
        calendar.dateComponents([.year, .month, .day], from: t.date)
    }

    /// The weekday of a local date.
    func weekday(of day: DateComponents) -> Weekday? {
        guard let noon = instant(day: day, time: TimeOfDay(hour: 12, minute: 0)) else { return nil }
        let w = calendar.component(.weekday, from: noon.date)  // 1 = Sunday
        return Weekday.allCases[(w + 5) % 7]
    }

    /// The times a schedule falls at after `start` (exclusive) and up to `end` (inclusive), in order.
    public func occurrences(of schedule: Schedule, after start: Timestamp, through end: Timestamp) -> [Timestamp] {
        guard start < end else { return [] }
        var out: [Timestamp] = []
        var day = self.day(of: start.adding(.seconds(-86_400)))
        let last = self.day(of: end.adding(.seconds(86_400)))
        var guardDays = 0
        while guardDays < 400 {
            guardDays += 1
            if schedule.days.isEmpty || weekday(of: day).map(schedule.days.contains) == true {
                for time in schedule.times.sorted() {
                    if let t = instant(day: day, time: time), t > start, t <= end { out.append(t) }
                }
            }
            if day == last { break }
            guard let noon = instant(day: day, time: TimeOfDay(hour: 12, minute: 0)) else { break }
            day = self.day(of: noon.adding(.seconds(86_400)))
        }
        return Array(Set(out)).sorted()
    }

    /// The first time a schedule falls at after `t` (within a year), or nil.
    ///
    /// Answers from a small memo when it can: a next time found after some `t₀ ≤ t` that is
    /// still later than `t` is also the first after `t` (nothing falls between). The engine asks
    /// this on every event and wake-up, and the calendar arithmetic is the costly part.
    public func next(_ schedule: Schedule, after t: Timestamp) -> Timestamp? {
        let key = Memo.Key(zone: zone.identifier, schedule: schedule)
        if let known = Memo.shared.answer(key, after: t) { return known }
        let found = compute(schedule, after: t)
        Memo.shared.remember(key, after: t, next: found)
        return found
    }

    /// Whether the schedule falls at any time in `(start, end]` (the memo answers most calls).
    public func falls(_ schedule: Schedule, after start: Timestamp, through end: Timestamp) -> Bool {
        guard start < end else { return false }
        return next(schedule, after: start).map { $0 <= end } ?? false
    }

    /// Next times already found, per (zone, schedule): the instant asked after and the answer.
    final class Memo: Sendable {
        struct Key: Hashable {
            var zone: String
            var schedule: Schedule
        }

        static let shared = Memo()
        private let entries = Mutex<[Key: (after: Timestamp, next: Timestamp)]>([:])

        func answer(_ key: Key, after t: Timestamp) -> Timestamp? {
            entries.withLock { entries in
                guard let e = entries[key], e.after <= t, t < e.next else { return nil }
                return e.next
            }
        }

        func remember(_ key: Key, after t: Timestamp, next: Timestamp?) {
            guard let next else { return }
            entries.withLock { entries in
                if entries.count > 4_096 { entries.removeAll() }
                entries[key] = (t, next)
            }
        }
    }

    private func compute(_ schedule: Schedule, after t: Timestamp) -> Timestamp? {
        var from = t
        for _ in 0..<53 {
            let to = from.adding(.seconds(7 * 86_400))
            if let first = occurrences(of: schedule, after: from, through: to).first { return first }
            from = to
        }
        return nil
    }
}
