import Foundation
import FrontEvents
import PluralKit
import Testing

@testable import Rules

@Suite(
    "Settle: a trailing debounce on the front, with a re-check (RULES-ENGINE.md: Conditions, settle, cooldown, quiet hours)"
)
struct SettleTests {
    static let tagRule = """
        - name: Tag
          when: switch
          do:
            - log: "switch to {{ fronter_names }}"
            - system: { tag: "| {{ first.name }}" }
        """

    func step(
        _ engine: inout RuleEngine, _ bench: EngineBench, _ names: [String], seq: Int64, at seconds: Int64,
        remote: [String: String?], previous: [String] = []
    ) -> RuleEngine.Output {
        var context = bench.context
        context.remote = remote
        let front = bench.front(names, since: .seconds(seconds), previous: previous)
        return engine.handle(
            bench.switchEvent(front, seq: seq), front: front, context: context, now: EngineBench.at(.seconds(seconds)))
    }

    @Test(
        "A→B→A inside the settle time sends no writes: B's run and A's are superseded (back where it began); the log lines come at once"
    )
    func flipFlop() throws {
        let bench = try EngineBench(Self.tagRule, settings: "{ settle: 5s }")
        var engine = bench.engine()
        let remote: [String: String?] = ["system.tag": "| Alex"]
        let toSam = step(&engine, bench, ["Sam"], seq: 1, at: 0, remote: remote, previous: ["Alex"])
        #expect(toSam.of(.ran).map { $0.actions?.map(\.action) } == [["log"]])
        #expect(toSam.nextWake == EngineBench.at(.seconds(5)))
        let back = step(&engine, bench, ["Alex"], seq: 2, at: 2, remote: remote, previous: ["Sam"])
        #expect(back.of(.ran).first?.actions?.first?.value == "switch to Alex")
        #expect(back.nextWake == EngineBench.at(.seconds(7)))  // the second change restarted the clock
        var context = bench.context
        context.remote = remote
        let early = engine.wake(
            front: bench.front(["Alex"], since: .seconds(2)), context: context, now: EngineBench.at(.seconds(5)))
        #expect(early.records.isEmpty)
        let settled = engine.wake(
            front: bench.front(["Alex"], since: .seconds(2)), context: context, now: EngineBench.at(.seconds(7)))
        #expect(settled.of(.notRun).map(\.reason) == [.settleSuperseded, .settleSuperseded])
        #expect(settled.of(.notRun).last?.note == "the front is back to what it was before the settle time")
        #expect(settled.of(.ran).isEmpty)
        #expect(engine.state.pending.isEmpty)
    }

    static let welcomeRule = """
        - name: Welcome
          when: switch
          if:
            previous_fronters: { count: 0 }
          settle: 10s
          do:
            - log: 'welcome {{ fronter_names }} (before: {{ previous_names or "nobody" }})'
        """

    @Test(
        "a correction inside settle is one change from the front before the burst: previous_fronters is that front, and the rule's own settle covers its log"
    )
    func correctionSeesTheSettledFront() throws {
        let bench = try EngineBench(Self.welcomeRule, settings: "{ settle: 0s }")
        var engine = bench.engine()
        let first = step(&engine, bench, ["Alex"], seq: 1, at: 0, remote: [:])
        #expect(first.of(.ran).isEmpty)  // the rule's settle holds the log back too
        // Sam added 3 s later: its own previous front is Alex, the burst began with nobody.
        let corrected = step(&engine, bench, ["Alex", "Sam"], seq: 2, at: 3, remote: [:], previous: ["Alex"])
        #expect(corrected.of(.notRun).isEmpty)
        let settled = engine.wake(
            front: bench.front(["Alex", "Sam"], since: .seconds(3), previous: ["Alex"]), context: bench.context,
            now: EngineBench.at(.seconds(13)))
        #expect(settled.of(.notRun).map(\.reason) == [.settleSuperseded])
        #expect(settled.of(.ran).map { $0.actions?.first?.value } == ["welcome Alex, Sam (before: nobody)"])
        // Long after the burst, a switch's previous front is its own again.
        let later = step(&engine, bench, ["Kit"], seq: 3, at: 600, remote: [:], previous: ["Alex", "Sam"])
        #expect(later.of(.notRun).map(\.reason) == [.conditionFalse])
    }

    @Test("an if: that is false at the event is condition_false at once, not a pending run")
    func falseAtTheEvent() throws {
        let bench = try EngineBench(Self.welcomeRule, settings: "{ settle: 0s }")
        var engine = bench.engine()
        let output = step(&engine, bench, ["Sam"], seq: 1, at: 0, remote: [:], previous: ["Alex"])
        #expect(output.of(.notRun).map(\.reason) == [.conditionFalse])
        #expect(output.of(.notRun).first?.conditions?.first?.compared == "previous fronters: Alex")
        #expect(engine.state.pending.isEmpty)
    }

    @Test("a switch that stays: the write goes out when the settle time has passed, once")
    func stays() throws {
        let bench = try EngineBench(Self.tagRule, settings: "{ settle: 5s }")
        var engine = bench.engine()
        _ = step(&engine, bench, ["Kit"], seq: 1, at: 0, remote: ["system.tag": "| Alex"])
        let out = engine.wake(front: bench.front(["Kit"]), context: bench.context, now: EngineBench.at(.seconds(5)))
        let ran = try #require(out.of(.ran).first)
        #expect(ran.actions?.map(\.action) == ["system"] && ran.actions?.first?.value == "| Kit")
        #expect(
            engine.wake(front: bench.front(["Kit"]), context: bench.context, now: EngineBench.at(.seconds(9))).records
                .isEmpty)
    }

    @Test("a rule with its own settle holds its log actions too; the pending runs survive a restart")
    func ownSettle() throws {
        let bench = try EngineBench(
            """
            - name: Slow log
              when: switch
              settle: 30s
              do: [ { log: "settled on {{ fronter_names }}" } ]
            """, settings: "{ settle: 5s }")
        var engine = bench.engine()
        let out = step(&engine, bench, ["Sam"], seq: 1, at: 0, remote: [:])
        #expect(out.of(.ran).isEmpty && out.nextWake == EngineBench.at(.seconds(30)))
        let stored = try JSONEncoder().encode(engine.state)
        var restarted = bench.engine(try JSONDecoder().decode(EngineState.self, from: stored))
        let later = restarted.wake(
            front: bench.front(["Sam"]), context: bench.context, now: EngineBench.at(.seconds(30)))
        #expect(later.of(.ran).first?.actions?.first?.value == "settled on Sam")
    }

    @Test("a while rule is re-evaluated only after settle: A→B→A with a Little in between sends nothing")
    func whileSettles() throws {
        let bench = try EngineBench(WhileTests.littles, remote: ["system.tag": "| Demo"], settings: "{ settle: 5s }")
        var engine = bench.engine()
        let start = engine.wake(
            front: bench.front(["Sam"]), context: bench.context, now: EngineBench.origin, starting: true)
        #expect(start.records.isEmpty)
        let kit = step(&engine, bench, ["Kit"], seq: 1, at: 10, remote: ["system.tag": "| Demo"])
        #expect(kit.of(.ran).isEmpty && kit.nextWake == EngineBench.at(.seconds(15)))
        _ = step(&engine, bench, ["Sam"], seq: 2, at: 12, remote: ["system.tag": "| Demo"])
        let settled = engine.wake(
            front: bench.front(["Sam"], since: .seconds(12)), context: bench.context, now: EngineBench.at(.seconds(17)))
        #expect(settled.records.isEmpty)
        // A Little who stays: the tag is set once settle has passed.
        _ = step(&engine, bench, ["Robin"], seq: 3, at: 20, remote: ["system.tag": "| Demo"])
        let held = engine.wake(
            front: bench.front(["Robin"], since: .seconds(20)), context: bench.context,
            now: EngineBench.at(.seconds(25)))
        #expect(held.of(.ran).first?.actions?.first?.value == "| little")
    }
}
