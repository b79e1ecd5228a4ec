import Foundation
import FrontEvents
import PluralKit
import Testing

@testable import Rules

@Suite(
    "Quiet hours: follow, ignore, skip, defer with net values (RULES-ENGINE.md: Conditions, settle, cooldown, quiet hours; Timing)"
)
struct QuietHoursTests {
    static func utc(_ text: String) -> Timestamp { Timestamp(text)! }

    func switchTo(
        _ engine: inout RuleEngine, _ bench: EngineBench, _ names: [String], seq: Int64, at: String,
        remote: [String: String?]
    ) -> RuleEngine.Output {
        var context = bench.context
        context.remote = remote
        let now = Self.utc(at)
        let front = EngineFront(
            fronters: names.map { .init(member: bench.ref($0), since: now) }, lastChange: now, previous: [])
        return engine.handle(bench.switchEvent(front, seq: seq), front: front, context: context, now: now)
    }

    static let tag = """
        - name: Tag
          when: switch
          do:
            - log: "now {{ fronter_names }}"
            - system: { tag: "| {{ first.name }}" }
        """

    @Test("defer: writes inside quiet hours wait; at their end the net value is written once; log lines do not wait")
    func deferNet() throws {
        let bench = try EngineBench(
            Self.tag, settings: #"{ settle: 0s, quiet_hours: { from: "23:00", to: "07:00", mode: defer } }"#)
        var engine = bench.engine()
        let remote: [String: String?] = ["system.tag": "| Alex"]
        let kit = switchTo(&engine, bench, ["Kit"], seq: 1, at: "2026-12-04T23:30:00Z", remote: remote)
        #expect(kit.of(.ran).first?.actions?.map(\.action) == ["log"])
        #expect(kit.of(.deferred).first?.actions?.first?.value == "| Kit")
        #expect(kit.nextWake == Self.utc("2026-12-05T07:00:00Z"))
        _ = switchTo(&engine, bench, ["Sam"], seq: 2, at: "2026-12-05T01:00:00Z", remote: remote)
        var context = bench.context
        context.remote = remote
        let front = EngineFront(fronters: [.init(member: bench.ref("Sam"), since: Self.utc("2026-12-05T01:00:00Z"))])
        let end = engine.wake(front: front, context: context, now: Self.utc("2026-12-05T07:00:00Z"))
        #expect(end.of(.ran).count == 1)
        #expect(
            end.of(.ran).first?.actions?.first?.value == "| Sam"
                && end.of(.ran).first?.actions?.first?.previous == "| Alex")
        #expect(engine.state.deferred.isEmpty)
    }

    @Test(
        "defer: a net value PluralKit already has is not written; a while rule that held and released inside leaves nothing"
    )
    func deferNothing() throws {
        let bench = try EngineBench(
            WhileTests.littles, remote: ["system.tag": "| Demo"],
            settings: #"{ settle: 0s, quiet_hours: "23:00-07:00" }"#)
        var engine = bench.engine()
        let remote: [String: String?] = ["system.tag": "| Demo"]
        let on = switchTo(&engine, bench, ["Kit"], seq: 1, at: "2026-12-04T23:30:00Z", remote: remote)
        #expect(on.of(.deferred).count == 1)
        let off = switchTo(&engine, bench, ["Sam"], seq: 2, at: "2026-12-05T00:30:00Z", remote: remote)
        #expect(off.of(.notRun).isEmpty, "\(off.records)")  // not changed_by_hand: the value was still held back
        var context = bench.context
        context.remote = remote
        let end = engine.wake(front: EngineFront(), context: context, now: Self.utc("2026-12-05T07:00:00Z"))
        #expect(end.of(.ran).isEmpty && end.of(.notRun).map(\.reason) == [.alreadySet])
    }

    @Test(
        "skip drops the writes (quiet_hours_skip); a rule with quiet_hours: ignore acts; outside quiet hours nothing changes"
    )
    func skipAndIgnore() throws {
        let bench = try EngineBench(
            Self.tag + """

                - name: Urgent
                  when: switch
                  quiet_hours: ignore
                  do: [ { system: { description: "urgent" } } ]
                """,
            settings: #"{ settle: 0s, quiet_hours: { from: "23:00", to: "07:00", mode: skip } }"#)
        var engine = bench.engine()
        let night = switchTo(&engine, bench, ["Kit"], seq: 1, at: "2026-12-04T23:30:00Z", remote: [:])
        #expect(night.of(.notRun).first?.reason == .quietHoursSkip)
        #expect(night.of(.ran).map(\.rule) == ["Tag", "Urgent"])  // Tag's log line, and Urgent
        let day = switchTo(&engine, bench, ["Sam"], seq: 2, at: "2026-12-05T12:00:00Z", remote: [:])
        #expect(day.of(.ran).count == 2 && day.of(.notRun).isEmpty)
    }

    @Test("quiet hours and time windows in local wall time across DST: the gap and the repeated hour")
    func dst() throws {
        let bench = try EngineBench(
            Self.tag, zone: "Europe/Berlin",
            settings: #"{ settle: 0s, quiet_hours: { from: "01:00", to: "04:00", mode: skip } }"#)
        let engine = bench.engine()
        let quiet = try #require(bench.rules.settings.quietHours)
        // 2026-03-29: 02:00 → 03:00. 03:30 CEST is 01:30Z, inside; 04:00 CEST (02:00Z) is the end.
        #expect(engine.isQuiet(quiet, context: bench.context, now: Self.utc("2026-03-29T01:30:00Z")))
        #expect(!engine.isQuiet(quiet, context: bench.context, now: Self.utc("2026-03-29T02:00:00Z")))
        // 2026-10-25: 02:30 happens twice (00:30Z and 01:30Z); a 02:00–03:00 window holds both.
        let window = TimeWindow(from: TimeOfDay(hour: 2, minute: 0), to: TimeOfDay(hour: 3, minute: 0))
        for instant in ["2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"] {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = bench.context.timeZone
            let c = calendar.dateComponents([.hour, .minute], from: Self.utc(instant).date)
            #expect(window.contains(TimeOfDay(hour: c.hour!, minute: c.minute!)), "\(instant)")
        }
        #expect(!window.contains(TimeOfDay(hour: 3, minute: 0)))
    }
}
