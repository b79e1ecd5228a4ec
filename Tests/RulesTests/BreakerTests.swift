import Foundation
import FrontEvents
import PluralKit
import Testing

@testable import Rules

@Suite("The circuit breaker (RULES-ENGINE.md: Our own writes and loops)")
struct BreakerTests {
    /// Feeds `count` switches, `every` apart, alternating between two fronts; returns every record.
    static func feed(
        _ bench: EngineBench, _ engine: inout RuleEngine, count: Int, every: Duration, from: Duration = .zero
    )
        -> [DecisionRecord]
    {
        var out: [DecisionRecord] = []
        for i in 0..<count {
            let at = from + every * i
            let front = bench.front(i % 2 == 0 ? ["Sam"] : ["Kit"], since: at, previous: i % 2 == 0 ? ["Kit"] : ["Sam"])
            let event = bench.switchEvent(front, seq: Int64(i + 1))
            out += engine.handle(event, front: front, context: bench.context, now: EngineBench.at(at)).records
        }
        return out
    }

    @Test("a rule that acts more than 10 times in 5 minutes is paused for 15 minutes, said once, then runs again")
    func trips() throws {
        let bench = try EngineBench(
            """
            - name: Tag
              when: switch
              do:
                - system: { tag: "| {{ first.name }}" }
            """)
        var engine = bench.engine()
        let records = Self.feed(bench, &engine, count: 14, every: .seconds(20))
        let ran = records.filter { $0.kind == .ran }
        #expect(ran.count == 11)
        let breaker = records.filter { $0.reason == .circuitBreaker }
        #expect(breaker.count == 4)
        #expect(breaker.first?.note?.hasPrefix("circuit breaker tripped: 11 runs") == true, "\(breaker)")
        #expect(breaker.dropFirst().allSatisfy { $0.note?.hasPrefix("paused by the circuit breaker until") == true })
        #expect(engine.state.paused["Tag"] == EngineBench.at(.seconds(200 + 900)))
        // After the pause it runs again, and the state survives a restart (JSON).
        let stored = try JSONDecoder().decode(EngineState.self, from: JSONEncoder().encode(engine.state))
        var again = bench.engine(stored)
        let later = Self.feed(bench, &again, count: 1, every: .seconds(1), from: .seconds(200 + 901))
        #expect(later.contains { $0.kind == .ran })
        #expect(again.state.paused.isEmpty)
    }

    @Test(
        "log-only rules never trip it, nor do dry runs; runs 31 s apart do not add up to 10 in 5 minutes, nor do runs of one step"
    )
    func doesNotTrip() throws {
        let bench = try EngineBench(
            """
            - name: Log
              when: switch
              do:
                - log: "{{ fronter_names }}"
            - name: Dry
              when: switch
              dry_run: true
              do:
                - system: { tag: "| {{ first.name }}" }
            - name: Slow
              when: switch
              do:
                - system: { description: "{{ first.name }}" }
            """)
        var engine = bench.engine()
        var records = Self.feed(bench, &engine, count: 50, every: .seconds(1))
        #expect(records.filter { $0.rule == "Log" && $0.kind == .ran }.count == 50)
        #expect(!records.contains { $0.reason == .circuitBreaker && $0.rule != "Slow" })
        var slow = bench.engine()
        records = Self.feed(bench, &slow, count: 20, every: .seconds(31))
        #expect(!records.contains { $0.reason == .circuitBreaker })
        // 20 switches found by one poll are one step: they count once.
        var burst = bench.engine()
        records = Self.feed(bench, &burst, count: 20, every: .zero)
        #expect(records.filter { $0.rule == "Slow" && $0.kind == .ran }.count == 20)
        #expect(!records.contains { $0.reason == .circuitBreaker })
    }

    @Test("a while rule that keeps taking hold is paused too; a state stored before the breaker existed decodes")
    func whileRules() throws {
        let bench = try EngineBench(
            """
            - name: Sam tag
              while:
                fronters: { include: Sam }
              do:
                - system: { tag: "| Sam" }
            """)
        var engine = bench.engine()
        let records = Self.feed(bench, &engine, count: 26, every: .seconds(10))
        #expect(records.filter { $0.kind == .ran }.count == 11)
        #expect(
            records.contains { $0.reason == .circuitBreaker && $0.note?.hasPrefix("circuit breaker tripped") == true })
        let old =
            #"{"fired":{},"cooldowns":{},"schedules":{},"scheduleArmed":{},"armed":[],"holding":[],"ownership":{},"pending":[],"deferred":{},"deferredEffects":{}}"#
        let decoded = try JSONDecoder().decode(EngineState.self, from: Data(old.utf8))
        #expect(decoded.paused.isEmpty && decoded.breakerRuns.isEmpty)
    }
}
