import Foundation
import FrontEvents
import PluralKit
import Testing

@testable import Rules

/// Every condition of the language against one front: Kit (a Little) first, then Alex (a
/// Host); before them Sam; Alex's stint 2 hours old, Kit's 30 minutes; the event's member Kit;
/// the time 02:53 UTC (the bench's origin, 2026-11-30 00:53 UTC, + 2h).
@Suite("Conditions: each test of the language (rules/README.md: Conditions; RULES-ENGINE.md: Conditions)")
struct ConditionTests {
    static let cases: [(condition: String, holds: Bool)] = [
        ("fronters: { include: [Kit, Alex] }", true),
        ("fronters: { include: [Kit, Sam] }", false),
        ("fronters: { exactly: [Alex, Kit] }", true),
        ("fronters: { exactly: [Kit] }", false),
        ("fronters: { include_any: [Sam, Alex] }", true),
        ("fronters: { include_none: [Sam, Robin] }", true),
        ("fronters: { include_none: [Kit] }", false),
        ("fronters: { first: Kit }", true),
        ("fronters: { first: Alex }", false),
        ("fronters: { count: 2 }", true),
        ("fronters: { count: { at_least: 3 } }", false),
        ("fronters: { any_in_group: Littles }", true),
        ("fronters: { all_in_group: Littles }", false),
        ("fronters: { none_in_group: Hosts }", false),
        ("fronters: { first_in_group: Littles }", true),
        ("fronters: Alex", true),
        ("previous_fronters: { exactly: [Sam] }", true),
        ("previous_fronters: Kit", false),
        ("member: Kit", true),
        ("member: { is: [Alex, Sam] }", false),
        ("member: { in_group: Littles }", true),
        ("front_duration: { at_least: 30m }", true),
        ("front_duration: { at_least: 31m }", false),
        ("front_duration: { member: Alex, at_least: 1h, less_than: 3h }", true),
        ("front_duration: { member: Kit, at_least: 1h }", false),
        ("front_duration: { member: Sam, at_least: 1m }", false),
        ("time: { from: \"02:00\", to: \"03:00\" }", true),
        ("time: \"22:00-02:00\"", false),
        ("not: { fronters: Sam }", true),
        ("any: [ { fronters: Sam }, { fronters: Kit } ]", true),
        ("all: [ { fronters: Alex }, { fronters: Sam } ]", false),
    ]

    @Test("each condition holds or not as documented", arguments: cases)
    func condition(_ c: (condition: String, holds: Bool)) throws {
        let bench = try EngineBench(
            """
            - name: R
              when: fronter_added
              if: { \(c.condition) }
              do: [ { log: "ran" } ]
            """)
        var engine = bench.engine()
        let now = EngineBench.at(.seconds(2 * 3600))
        let front = EngineFront(
            fronters: [
                .init(member: bench.ref("Kit"), since: EngineBench.at(.seconds(5400))),
                .init(member: bench.ref("Alex"), since: EngineBench.origin),
            ], lastChange: EngineBench.at(.seconds(5400)), previous: [bench.ref("Sam")])
        var event = FrontEvent(kind: .fronterAdded, system: "sysab")
        event.seq = 1
        event.member = bench.ref("Kit")
        event.fronters = front.members
        event.previous = [bench.ref("Sam")]
        let out = engine.handle(event, front: front, context: bench.context, now: now)
        #expect(out.of(.ran).count == (c.holds ? 1 : 0), "\(c.condition): \(out.records)")
        if !c.holds { #expect(out.of(.notRun).first?.reason == .conditionFalse) }
    }

    @Test("days: today is one of them, in the rules' time zone")
    func days() throws {
        // 2026-12-06T23:30Z is Sunday in UTC and already Monday in Berlin.
        let instant = Timestamp("2026-12-06T23:30:00Z")!
        for (zone, day, holds) in [
            ("UTC", "sun", true), ("Europe/Berlin", "sun", false), ("Europe/Berlin", "mon", true),
        ] {
            let bench = try EngineBench(
                """
                - name: R
                  when: switch
                  if: { days: [\(day)] }
                  do: [ { log: "ran" } ]
                """, zone: zone)
            var engine = bench.engine()
            let front = bench.front(["Alex"])
            let out = engine.handle(bench.switchEvent(front), front: front, context: bench.context, now: instant)
            #expect(out.of(.ran).count == (holds ? 1 : 0), "\(zone) \(day)")
        }
    }
}
