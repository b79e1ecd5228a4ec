public import Foundation
public import PluralKit

/// What `check` can say about schedules once it knows the rules' time zone and the time:
/// the next times of every schedule, and the days within a year on which a schedule's time
/// does not exist or happens twice (daylight saving time).
public enum ScheduleCheck {
    /// One schedule of one rule.
    public struct Entry: Sendable {
        /// The rule's name.
        public var rule: String
        /// Where the trigger was written.
        public var location: SourceLocation
        /// The schedule.
        public var schedule: Schedule
    }

    /// Every schedule trigger of the rules, in file order.
    public static func schedules(in rules: RuleSet) -> [Entry] {
        rules.rules.flatMap { rule in
            rule.triggers.compactMap { trigger in
                guard case .schedule(let s) = trigger.kind else { return nil }
                return Entry(rule: rule.name, location: trigger.location, schedule: s)
            }
        }
    }

    /// The next `count` times each schedule falls at after `now`.
    public static func upcoming(_ rules: RuleSet, zone: TimeZone, now: Timestamp, count: Int) -> [(Entry, [Timestamp])]
    {
        let clock = ScheduleClock(zone: zone)
        return schedules(in: rules).map { entry in
            var times: [Timestamp] = []
            var from = now
            while times.count < count, let next = clock.next(entry.schedule, after: from) {
                times.append(next)
                from = next
            }
            return (entry, times)
        }
    }

    /// Warnings for schedule times that fall into a DST gap or repeat of `zone` within a year
    /// from `now`, naming the date and when the schedule runs instead.
    public static func dstWarnings(_ rules: RuleSet, zone: TimeZone, now: Timestamp) -> [Diagnostic] {
        let clock = ScheduleClock(zone: zone)
        var out: [Diagnostic] = []
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "HH:mm"
        for entry in schedules(in: rules) {
            var day = clock.day(of: now)
            for _ in 0..<366 {
                let applies =
                    entry.schedule.days.isEmpty || clock.weekday(of: day).map(entry.schedule.days.contains) == true
                if applies {
                    for time in entry.schedule.times {
                        let date = String(format: "%04d-%02d-%02d", day.year ?? 0, day.month ?? 0, day.day ?? 0)
                        switch clock.existence(day: day, time: time) {
                        case .normal: break
                        case .gap(let runsAt):
                            out.append(
                                .init(
                                    .warning, entry.location,
                                    "\(time) does not exist on \(date) in \(zone.identifier) (the clocks go forward); '\(entry.rule)' runs at \(formatter.string(from: runsAt.date)) that day"
                                ))
                        case .repeated:
                            out.append(
                                .init(
                                    .warning, entry.location,
                                    "\(time) happens twice on \(date) in \(zone.identifier) (the clocks go back); '\(entry.rule)' runs once, the first time"
                                ))
                        }
                    }
                }
                guard let noon = clock.instant(day: day, time: TimeOfDay(hour: 12, minute: 0)) else { break }
                day = clock.day(of: noon.adding(.seconds(86_400)))
            }
        }
        return out
    }
}
