import Foundation
import FrontEvents
import PluralKit
import Testing

@testable import Rules

/// A `while` test: an engine, a front, and remote values the test applies writes to (as the
/// simulate shell does).
struct WhileBench {
    let bench: EngineBench
    var engine: RuleEngine
    var remote: [String: String?]
    var seq: Int64 = 0
    var clock = EngineBench.origin

    init(_ yaml: String, remote: [String: String?]) throws {
        bench = try EngineBench(yaml, remote: remote)
        engine = bench.engine()
        self.remote = remote
    }

    var context: EngineContext {
        var c = bench.context
        c.remote = remote
        return c
    }

    /// A switch to `names` one minute later; the writes it decides are applied to `remote`.
    mutating func switchTo(_ names: [String]) -> RuleEngine.Output {
        seq += 1
        clock = clock.adding(.seconds(60))
        let front = bench.front(names, since: EngineBench.origin.duration(to: clock))
        let out = engine.handle(bench.switchEvent(front, seq: seq), front: front, context: context, now: clock)
        apply(out)
        return out
    }

    mutating func apply(_ out: RuleEngine.Output) {
        for record in out.records where record.kind == .ran || record.kind == .reverted {
            for action in record.actions ?? [] {
                if let key = action.key { remote[key] = .some(action.value) }
            }
        }
    }
}

@Suite(
    "while rules: hold, release, ownership stacks, compare-and-set (RULES-ENGINE.md: `while` and revert; Two rules, one field)"
)
struct WhileTests {
    static let littles = """
        - name: Littles tag
          while: { fronters: { any_in_group: Littles } }
          do: [ { system: { tag: "| little" } } ]
        """
    static let alex = """
        - name: Alex tag
          while: { fronters: Alex }
          do: [ { system: { tag: "| alex" } } ]
        """

    @Test("a while rule whose value is already there says so in its trace, and still holds the field")
    func alreadySet() throws {
        var w = try WhileBench(Self.littles, remote: ["system.tag": "| little"])
        let on = w.switchTo(["Kit"])
        #expect(on.of(.ran).first?.note == "already set, not written: system.tag")
        #expect(w.engine.state.ownership["system.tag"]?.original == "| little")
    }

    @Test("a while rule applies its values when it becomes true and restores the one it replaced when it becomes false")
    func holdAndRelease() throws {
        var w = try WhileBench(Self.littles, remote: ["system.tag": "| Demo"])
        let on = w.switchTo(["Kit"])
        #expect(on.of(.ran).first?.actions?.first?.value == "| little")
        #expect(w.engine.state.ownership["system.tag"]?.original == "| Demo")
        // Staying true is not a new run.
        #expect(w.switchTo(["Kit", "Sam"]).of(.ran).isEmpty)
        let off = w.switchTo(["Sam"])
        let reverted = try #require(off.of(.reverted).first)
        #expect(reverted.actions?.first?.value == "| Demo" && reverted.actions?.first?.previous == "| little")
        #expect(w.remote["system.tag"] == "| Demo" && w.engine.state.ownership.isEmpty)
    }

    @Test(
        "two while rules on one field: the latest holder is in force; releases give the field to the next holder, then the original"
    )
    func stacks() throws {
        var w = try WhileBench(Self.littles + "\n" + Self.alex, remote: ["system.tag": "| Demo"])
        _ = w.switchTo(["Kit"])
        _ = w.switchTo(["Kit", "Alex"])
        #expect(w.remote["system.tag"] == "| alex")
        #expect(w.engine.state.ownership["system.tag"]?.holders.map(\.rule) == ["Littles tag", "Alex tag"])
        // The top holder releases: the one below it comes back.
        let alexLeaves = w.switchTo(["Kit"])
        #expect(alexLeaves.of(.reverted).first?.actions?.first?.value == "| little")
        let kitLeaves = w.switchTo(["Sam"])
        #expect(kitLeaves.of(.reverted).first?.actions?.first?.value == "| Demo")

        // The other order: the lower holder releases first and writes nothing.
        var v = try WhileBench(Self.littles + "\n" + Self.alex, remote: ["system.tag": "| Demo"])
        _ = v.switchTo(["Kit", "Alex"])
        let lower = v.switchTo(["Alex"])
        #expect(lower.of(.reverted).isEmpty && v.remote["system.tag"] == "| alex")
        let last = v.switchTo(["Sam"])
        #expect(last.of(.reverted).first?.actions?.first?.value == "| Demo")
    }

    @Test(
        "a when rule writing a held field wins; at release the value is not the rule's, so it is left (changed_by_hand)"
    )
    func whenOverHolder() throws {
        var w = try WhileBench(
            Self.littles + """

                - name: Sam joins
                  when: fronter_added
                  if: { member: Sam }
                  do: [ { system: { tag: "| sam" } } ]
                """, remote: ["system.tag": "| Demo"])
        _ = w.switchTo(["Kit"])
        w.seq += 1
        w.clock = w.clock.adding(.seconds(60))
        let front = w.bench.front(["Kit", "Sam"], since: EngineBench.origin.duration(to: w.clock))
        var added = w.bench.switchEvent(front, seq: w.seq, added: ["Sam"])
        added.kind = .fronterAdded
        added.member = w.bench.ref("Sam")
        let out = w.engine.handle(added, front: front, context: w.context, now: w.clock)
        w.apply(out)
        #expect(w.remote["system.tag"] == "| sam")
        let off = w.switchTo(["Sam"])
        #expect(off.of(.reverted).isEmpty)
        #expect(off.of(.notRun).first?.reason == .changedByHand)
        #expect(w.remote["system.tag"] == "| sam")
    }

    @Test("a release after a hand edit leaves the hand-made value and says so")
    func handEdit() throws {
        var w = try WhileBench(Self.littles, remote: ["system.tag": "| Demo"])
        _ = w.switchTo(["Kit"])
        w.remote["system.tag"] = "| by hand"
        let off = w.switchTo(["Sam"])
        let record = try #require(off.of(.notRun).first)
        #expect(record.reason == .changedByHand && record.note?.contains("system.tag") == true)
        #expect(w.remote["system.tag"] == "| by hand")
    }

    @Test("at start a while rule that holds runs; a holder whose rule a reload removed is released")
    func startAndReload() throws {
        var w = try WhileBench(Self.littles, remote: ["system.tag": "| Demo"])
        let front = w.bench.front(["Robin"])
        let start = w.engine.wake(front: front, context: w.context, now: EngineBench.origin, starting: true)
        w.apply(start)
        #expect(start.of(.ran).first?.event?.kind == "start")
        let other = try EngineBench(Self.alex, remote: [:])
        var reloaded = RuleEngine(rules: other.rules, state: w.engine.state)
        let after = reloaded.wake(front: front, context: w.context, now: EngineBench.at(.seconds(60)))
        #expect(after.of(.reverted).first?.actions?.first?.value == "| Demo")
        #expect(reloaded.state.holding.isEmpty)
    }

    @Test("a while rule on a time window asks to be woken when the window opens or closes")
    func timeBoundary() throws {
        let bench = try EngineBench(
            """
            - name: Night
              while: { time: "22:00-06:00" }
              do: [ { system: { tag: "| night" } } ]
            """)
        var engine = bench.engine()
        // The origin is 00:53 UTC: inside the window, which closes at 06:00.
        let out = engine.wake(
            front: bench.front(["Alex"]), context: bench.context, now: EngineBench.origin, starting: true)
        #expect(out.of(.ran).count == 1)
        #expect(RuleEngine.iso(try #require(out.nextWake), bench.context.timeZone).hasSuffix("T06:00:00Z"))
    }
}
