import Foundation
import FrontEvents
import PluralKit
import Testing

@testable import Rules

@Suite(
    "Schedules across DST, the catch-up window and catch-up policies (RULES-ENGINE.md: Timing; Catch-up after downtime; Start, reload, stop)"
)
struct ScheduleTests {
    static func utc(_ text: String) -> Timestamp { Timestamp(text)! }

    @Test(
        "a local time in the spring gap falls at the first instant after it; in the autumn repeat, at its first occurrence",
        arguments: [
            ("Europe/Berlin", 2026, 3, 29, "02:30", "2026-03-29T01:00:00Z"),
            ("Europe/Berlin", 2026, 10, 25, "02:30", "2026-10-25T00:30:00Z"),
            ("Europe/Berlin", 2026, 10, 25, "03:00", "2026-10-25T02:00:00Z"),
            ("America/New_York", 2026, 3, 8, "02:30", "2026-03-08T07:00:00Z"),
            ("America/New_York", 2026, 11, 1, "01:30", "2026-11-01T05:30:00Z"),
            ("America/New_York", 2026, 12, 4, "23:30", "2026-12-05T04:30:00Z"),
        ])
    func dst(zone: String, year: Int, month: Int, day: Int, time: String, expected: String) throws {
        let clock = ScheduleClock(zone: TimeZone(identifier: zone)!)
        let at = try #require(TimeOfDay(parsing: time))
        #expect(clock.instant(day: DateComponents(year: year, month: month, day: day), time: at) == Self.utc(expected))
    }

    @Test("a daily 02:30 in Berlin runs once on each day around both changes, never twice in the repeated hour")
    func dailyAcrossChanges() throws {
        let clock = ScheduleClock(zone: TimeZone(identifier: "Europe/Berlin")!)
        let schedule = Schedule(times: [TimeOfDay(hour: 2, minute: 30)], days: [])
        #expect(
            clock.occurrences(
                of: schedule, after: Self.utc("2026-03-27T12:00:00Z"), through: Self.utc("2026-03-30T12:00:00Z"))
                == ["2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"].map(Self.utc))
        #expect(
            clock.occurrences(
                of: schedule, after: Self.utc("2026-10-24T12:00:00Z"), through: Self.utc("2026-10-26T12:00:00Z"))
                == ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"].map(Self.utc))
        let weekdays = Schedule(times: [TimeOfDay(hour: 9, minute: 0)], days: [.monday, .friday])
        // 2026-12-04 is a Friday; the next is Monday the 7th.
        #expect(clock.next(weekdays, after: Self.utc("2026-12-04T09:00:00Z")) == Self.utc("2026-12-07T08:00:00Z"))
    }

    func bench(_ yaml: String, zone: String = "Europe/Berlin") throws -> EngineBench {
        try EngineBench(yaml, zone: zone)
    }

    @Test(
        "a schedule missed by 10 minutes runs once at start (catch-up); missed by 5 hours it is skipped and the trace says why"
    )
    func missed() throws {
        let bench = try bench(
            """
            - name: Morning
              when: { at: "09:00" }
              do: [ { log: "good morning, {{ fronter_names }}" } ]
            """)
        let front = bench.front(["Alex"])
        // Running at 08:00 Berlin time on 2026-12-04; the next wake is 09:00.
        var engine = bench.engine()
        let first = engine.wake(
            front: front, context: bench.context, now: Self.utc("2026-12-04T07:00:00Z"), starting: true)
        #expect(first.records.map(\.kind) == [.armed] && first.nextWake == Self.utc("2026-12-04T08:00:00Z"))
        #expect(
            first.records.first?.due == "2026-12-04T09:00:00+01:00" && first.records.first?.note == "schedule at 09:00")
        // Down over 09:00, back at 09:10: runs once, as catch-up.
        var tenLate = engine
        let start = tenLate.wake(
            front: front, context: bench.context, now: Self.utc("2026-12-04T08:10:00Z"), starting: true)
        #expect(start.of(.fired).first?.event?.catchUp == true)
        #expect(start.of(.ran).first?.actions?.first?.value == "good morning, Alex")
        #expect(start.nextWake == Self.utc("2026-12-05T08:00:00Z"))
        #expect(
            tenLate.wake(front: front, context: bench.context, now: Self.utc("2026-12-04T08:20:00Z")).records.isEmpty)
        // Back at 14:00 instead: skipped, with the reason.
        var fiveLate = engine
        let late = fiveLate.wake(
            front: front, context: bench.context, now: Self.utc("2026-12-04T13:00:00Z"), starting: true)
        let skipped = try #require(late.of(.notRun).first)
        #expect(skipped.reason == .catchUpSkipped)
        #expect(skipped.note?.contains("missed by 5h") == true && skipped.note?.contains("15m") == true, "\(skipped)")
    }

    @Test(
        "catch-up policies: a log-only rule runs for every catch-up switch, a writing rule for the latest, skip for none"
    )
    func policies() throws {
        let bench = try bench(
            """
            - name: Log each
              when: switch
              do: [ { log: "{{ fronter_names }}" } ]
            - name: Tag latest
              when: switch
              do: [ { system: { tag: "| {{ first.name }}" } } ]
            - name: Never
              when: switch
              catch_up: skip
              do: [ { log: "x" } ]
            """)
        var engine = bench.engine()
        let fronts = [["Sam"], ["Kit"], ["Alex"]].enumerated().map { i, names in
            bench.front(names, since: .seconds(Int64(i) * 600))
        }
        let events = fronts.enumerated().map { i, front in
            (event: bench.switchEvent(front, seq: Int64(i + 1), catchUp: true), front: front)
        }
        let out = engine.handle(batch: events, context: bench.context, now: EngineBench.at(.seconds(3600)))
        #expect(out.of(.ran).filter { $0.rule == "Log each" }.count == 3)
        let tags = out.of(.ran).filter { $0.rule == "Tag latest" }
        #expect(tags.count == 1 && tags.first?.event?.seq == 3 && tags.first?.actions?.first?.value == "| Alex")
        #expect(out.of(.notRun).filter { $0.rule == "Tag latest" }.map(\.reason) == [.catchUpSkipped, .catchUpSkipped])
        #expect(out.of(.notRun).filter { $0.rule == "Never" }.count == 3)
        #expect(out.of(.notRun).allSatisfy { $0.reason == .catchUpSkipped })
    }

    @Test(
        "check's schedule warnings: a time in the spring gap or the autumn repeat within a year, with the date and what happens"
    )
    func dstWarnings() throws {
        let result = load(
            """
            settings: { timezone: America/New_York }
            rules:
              - name: Late
                when: { at: ["01:30", "02:30", "09:00"], days: [sun] }
                do: [ { log: "x" } ]
            """)
        let rules = try #require(result.ruleSet)
        let zone = TimeZone(identifier: "America/New_York")!
        let warnings = ScheduleCheck.dstWarnings(rules, zone: zone, now: Self.utc("2026-12-02T12:00:00Z"))
        #expect(warnings.count == 2, "\(warnings)")
        #expect(warnings.allSatisfy { $0.severity == .warning && $0.location.line == 4 })
        #expect(Set(warnings.map(\.message)).count == 2)
        #expect(warnings.contains { $0.message.hasPrefix("02:30 does not exist on 2027-03-14") })
        #expect(warnings.contains { $0.message.hasPrefix("01:30 happens twice on 2027-11-07") })
        let next = ScheduleCheck.upcoming(rules, zone: zone, now: Self.utc("2026-12-02T12:00:00Z"), count: 4)
        #expect(
            next.first?.1
                == ["2026-12-06T06:30:00Z", "2026-12-06T07:30:00Z", "2026-12-06T14:00:00Z", "2026-12-13T06:30:00Z"]
                .map(Self.utc))
    }

    @Test("catch_up and catch_up_window are read and checked")
    func parsing() {
        let good = load(
            """
            settings: { catch_up_window: 30m }
            rules:
              - name: R
                when: switch
                catch_up: latest
                do: [ { log: "x" } ]
            """)
        #expect(good.ruleSet?.settings.catchUpWindow == .seconds(1800))
        #expect(good.ruleSet?.rules.first?.effectiveCatchUp == .latest)
        let bad = problems(
            """
            rules:
              - name: R
                when: switch
                catch_up: lastest
                do: [ { log: "x" } ]
            """)
        #expect(
            bad.first?.hasPrefix("4:15: error: catch_up is one of all, latest, skip (did you mean 'latest'?)") == true,
            "\(bad)")
    }

    @Test("a reload that changes a rule's text keeps its fired deadlines and cooldown clocks (by name)")
    func reloadKeepsState() throws {
        let v1 = try bench(
            """
            - name: Reminder
              when: { fronting_for: 1h, member: anyone }
              cooldown: 2h
              do: [ { log: "{{ member.name }} for an hour" } ]
            """)
        let v2 = try bench(
            """
            - name: Reminder
              when: { fronting_for: 1h, member: anyone }
              cooldown: 2h
              do: [ { log: "{{ member.name }} has fronted for {{ duration }}" } ]
            """)
        var engine = v1.engine()
        let front = v1.front(["Alex"])
        #expect(engine.wake(front: front, context: v1.context, now: EngineBench.at(.seconds(3600))).of(.ran).count == 1)
        var reloaded = v2.engine(engine.state)
        #expect(reloaded.wake(front: front, context: v2.context, now: EngineBench.at(.seconds(4000))).records.isEmpty)
        #expect(reloaded.state.cooldowns["Reminder|aaaaa"] == EngineBench.at(.seconds(3600)))
    }
}
