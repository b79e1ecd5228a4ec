import Foundation
import FrontEvents
import PluralKit
import Testing

@testable import Rules

/// Builds engines over rule text with the demo names, and fronts on a fixed clock.
struct EngineBench {
    static let origin = Timestamp(secondsSince1970: 1_796_000_000)  // a fixed instant
    let rules: RuleSet
    let context: EngineContext

    /// - Parameters:
    ///   - yaml: the rules (the list under `rules:`).
    ///   - settings: the `settings:` mapping; by default no settle time (the settle tests set one).
    init(
        _ yaml: String, remote: [String: String?] = [:], zone: String = "UTC", settings: String = "{ settle: 0s }"
    ) throws {
        let result = load(
            "settings: \(settings)\nrules:\n"
                + yaml.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(
                    separator: "\n"))
        #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.map(\.description))")
        rules = try #require(result.ruleSet)
        context = EngineContext(
            members: demoDirectory.members,
            groups: demoDirectory.engineGroups,
            system: ("sysab", "Demo", "| Demo"), timeZone: TimeZone(identifier: zone)!, remote: remote)
    }

    func engine(_ state: EngineState = EngineState()) -> RuleEngine { RuleEngine(rules: rules, state: state) }

    static func at(_ d: Duration) -> Timestamp { origin.adding(d) }

    func ref(_ name: String) -> MemberRef {
        let entry = demoDirectory.members.first { $0.name == name }!
        return MemberRef(id: MemberID(entry.id)!, name: entry.name)
    }

    /// A front of `names`, everyone's stint starting at `since`.
    func front(_ names: [String], since: Duration = .zero, previous: [String] = []) -> EngineFront {
        EngineFront(
            fronters: names.map { .init(member: ref($0), since: Self.at(since)) }, lastChange: Self.at(since),
            previous: previous.map(ref))
    }

    /// A switch event to `front`.
    func switchEvent(_ front: EngineFront, seq: Int64 = 1, added: [String] = [], catchUp: Bool = false) -> FrontEvent {
        var e = FrontEvent(kind: .switch, system: "sysab")
        e.seq = seq
        e.fronters = front.members
        e.previous = front.previous
        e.added = added.map(ref)
        e.catchUp = catchUp
        return e
    }
}

extension RuleEngine.Output {
    func of(_ kind: DecisionRecord.Kind) -> [DecisionRecord] { records.filter { $0.kind == kind } }
}

@Suite(
    "The rule engine: events, conditions, fronting_for, cooldowns (RULES-ENGINE.md: Shape; Timing; Conditions, settle, cooldown, quiet hours; Two rules, one field; The decision record)"
)
struct EngineTests {
    @Test("an event runs the rules it triggers, with templates rendered and the value each write replaces")
    func eventRuns() throws {
        let bench = try EngineBench(
            """
            - name: Tag the front
              when: switch
              do:
                - system: { tag: "| {{ first.name }}" }
                - log: "{{ fronter_names }} (was {{ previous_names }})"
            - name: Not on switches
              when: front_cleared
              do:
                - log: "cleared"
            """, remote: ["system.tag": "| Sam"])
        var engine = bench.engine()
        let front = bench.front(["Kit", "Alex"], previous: ["Sam"])
        let out = engine.handle(bench.switchEvent(front), front: front, context: bench.context, now: EngineBench.origin)
        #expect(out.records.first?.kind == .event)
        let ran = try #require(out.of(.ran).first)
        #expect(out.of(.ran).count == 1 && out.of(.notRun).isEmpty)
        #expect(ran.rule == "Tag the front" && ran.event?.seq == 1 && ran.event?.kind == "switch")
        #expect(
            ran.actions?.first
                == .init(
                    action: "system", target: "system", field: "tag", value: "| Kit", previous: "| Sam",
                    location: "rules.yaml:6:9"))
        #expect(ran.actions?.last?.value == "Kit, Alex (was Sam)")
        #expect(ran.actions?.last?.target == nil)
    }

    @Test("a condition that does not hold: not_run, condition_false, with each test's result and what it compared")
    func conditionFalse() throws {
        let bench = try EngineBench(
            """
            - name: Littles
              when: switch
              if:
                fronters: { any_in_group: Littles }
                time: { from: "08:00", to: "20:00" }
              do:
                - system: { tag: "| little" }
            """)
        var engine = bench.engine()
        let sam = bench.front(["Sam"])
        let out = engine.handle(bench.switchEvent(sam), front: sam, context: bench.context, now: EngineBench.origin)
        let record = try #require(out.of(.notRun).first)
        #expect(record.reason == .conditionFalse)
        let group = try #require(record.conditions?.first)
        #expect(!group.result && group.test == "fronters any in group Littles" && group.compared == "fronters: Sam")
        // Both conditions are evaluated and shown, so a person sees every reason at once.
        #expect(record.conditions?.count == 2)
        // The origin is 00:53 UTC: Kit (a Little) at night fails the time window, at 12:53 the rule runs.
        let kit = bench.front(["Kit"])
        var night = bench.engine()
        let atNight = night.handle(bench.switchEvent(kit), front: kit, context: bench.context, now: EngineBench.origin)
        let window = try #require(atNight.of(.notRun).first?.conditions?.last)
        #expect(!window.result && window.compared == "local time: 00:53")
        var day = bench.engine()
        let noon = EngineBench.at(.seconds(3600 * 12))
        #expect(day.handle(bench.switchEvent(kit), front: kit, context: bench.context, now: noon).of(.ran).count == 1)
    }

    @Test("fronting_for 4h for anyone with a 4h cooldown: each member once per stint, cooldowns per member")
    func anyoneWithCooldown() throws {
        let bench = try EngineBench(
            """
            - name: Four-hour reminder
              when: { fronting_for: 4h, member: anyone }
              cooldown: 4h
              do:
                - log: "{{ member.shown }} has fronted for {{ duration }}"
            """)
        var engine = bench.engine()
        let front = bench.front(["Alex", "Sam"])
        let first = engine.handle(
            bench.switchEvent(front), front: front, context: bench.context, now: EngineBench.origin)
        #expect(first.of(.armed).count == 2)
        #expect(first.nextWake == EngineBench.at(.seconds(4 * 3600)))
        let due = engine.wake(front: front, context: bench.context, now: EngineBench.at(.seconds(4 * 3600)))
        #expect(due.of(.fired).count == 2)
        #expect(
            due.of(.ran).compactMap { $0.actions?.first?.value }.sorted() == [
                "Alex has fronted for 4h", "Sam has fronted for 4h",
            ])
        #expect(due.nextWake == nil)
        // Nothing fires twice for the same stint.
        let again = engine.wake(front: front, context: bench.context, now: EngineBench.at(.seconds(5 * 3600)))
        #expect(again.records.isEmpty)
        // Sam leaves and comes back an hour later: a new stint, but Sam's cooldown (per member) still runs.
        let back = EngineFront(
            fronters: [front.fronters[0], .init(member: bench.ref("Sam"), since: EngineBench.at(.seconds(5 * 3600)))],
            lastChange: EngineBench.at(.seconds(5 * 3600)), previous: [bench.ref("Alex")])
        _ = engine.handle(
            bench.switchEvent(back, seq: 2), front: back, context: bench.context,
            now: EngineBench.at(.seconds(5 * 3600)))
        let samDue = engine.wake(front: back, context: bench.context, now: EngineBench.at(.seconds(9 * 3600)))
        #expect(samDue.of(.ran).count == 1, "\(samDue.records)")  // 9h − 4h = 5h since Sam's last run
        let tooSoon = try EngineBench(
            """
            - name: Reminder
              when: { fronting_for: 1h, member: anyone }
              cooldown: 4h
              do:
                - log: "{{ member.shown }}"
            """)
        var e2 = tooSoon.engine()
        let alex = tooSoon.front(["Alex"])
        _ = e2.wake(front: alex, context: tooSoon.context, now: EngineBench.at(.seconds(3600)))
        let rejoined = EngineFront(
            fronters: [.init(member: tooSoon.ref("Alex"), since: EngineBench.at(.seconds(7200)))],
            lastChange: EngineBench.at(.seconds(7200)))
        let cooling = e2.wake(front: rejoined, context: tooSoon.context, now: EngineBench.at(.seconds(3 * 3600)))
        #expect(cooling.of(.notRun).first?.reason == .cooldown)
    }

    @Test(
        "fronting_for 4h with a restart at 3h fires at 4h, once; with the daemon down at 4h it fires once at start, as catch-up"
    )
    func restarts() throws {
        let bench = try EngineBench(
            """
            - name: Alex reminder
              when: { fronting_for: 4h, member: Alex }
              do:
                - log: "{{ member.name }} for {{ duration }}"
            """)
        let front = bench.front(["Alex"])
        var before = bench.engine()
        _ = before.wake(front: front, context: bench.context, now: EngineBench.at(.seconds(3600)))
        // The shell stores the state as JSON and a new process reads it back.
        let stored = try JSONEncoder().encode(before.state)
        var after = bench.engine(try JSONDecoder().decode(EngineState.self, from: stored))
        let at3h = after.wake(
            front: front, context: bench.context, now: EngineBench.at(.seconds(3 * 3600)), starting: true)
        #expect(at3h.of(.fired).isEmpty && at3h.nextWake == EngineBench.at(.seconds(4 * 3600)))
        let at4h = after.wake(front: front, context: bench.context, now: EngineBench.at(.seconds(4 * 3600)))
        #expect(at4h.of(.fired).count == 1 && at4h.of(.fired).first?.event?.catchUp == false)

        var down = bench.engine()
        _ = down.wake(front: front, context: bench.context, now: EngineBench.at(.seconds(3600)))
        let start = down.wake(
            front: front, context: bench.context, now: EngineBench.at(.seconds(5 * 3600)), starting: true)
        #expect(start.of(.fired).count == 1 && start.of(.fired).first?.event?.catchUp == true)
        #expect(start.of(.ran).first?.actions?.first?.value == "Alex for 4h")
        #expect(
            down.wake(front: front, context: bench.context, now: EngineBench.at(.seconds(6 * 3600))).records.isEmpty)
    }

    @Test(
        "a co-front change keeps a member's stint (no re-fire, no reset); an edit that backdates a stint fires at once")
    func stints() throws {
        let bench = try EngineBench(
            """
            - name: Alex 4h
              when: { fronting_for: 4h, member: Alex }
              do: [ { log: "Alex 4h" } ]
            - name: Front 4h
              when: { fronting_for: 4h }
              do: [ { log: "front 4h" } ]
            """)
        var engine = bench.engine()
        let alone = bench.front(["Alex"])
        _ = engine.handle(bench.switchEvent(alone), front: alone, context: bench.context, now: EngineBench.origin)
        let cofront = alone.switched(to: [bench.ref("Alex"), bench.ref("Sam")], at: EngineBench.at(.seconds(2 * 3600)))
        #expect(cofront.since(bench.ref("Alex").id) == EngineBench.origin)
        _ = engine.handle(
            bench.switchEvent(cofront, seq: 2, added: ["Sam"]), front: cofront, context: bench.context,
            now: EngineBench.at(.seconds(2 * 3600)))
        let at4h = engine.wake(front: cofront, context: bench.context, now: EngineBench.at(.seconds(4 * 3600)))
        #expect(at4h.of(.ran).map(\.rule) == ["Alex 4h"])
        #expect(at4h.nextWake == EngineBench.at(.seconds(6 * 3600)))  // the front changed at 2h

        var edited = bench.engine()
        let recent = bench.front(["Kit", "Alex"], since: .seconds(3600))
        _ = edited.handle(
            bench.switchEvent(recent), front: recent, context: bench.context, now: EngineBench.at(.seconds(2 * 3600)))
        // The switch is edited: Alex had been fronting since the origin, 5 hours ago.
        var backdated = recent
        backdated.fronters[1].since = EngineBench.origin.adding(.seconds(-3 * 3600))
        var edit = FrontEvent(kind: .switchEdited, system: "sysab")
        edit.seq = 2
        let out = edited.handle(edit, front: backdated, context: bench.context, now: EngineBench.at(.seconds(2 * 3600)))
        #expect(out.of(.fired).count == 1 && out.of(.ran).first?.rule == "Alex 4h")
        #expect(out.of(.fired).first?.event?.catchUp == false)
    }

    @Test("enabled: false, dry run and already set are reasons of their own; dry run still starts the cooldown")
    func reasons() throws {
        let bench = try EngineBench(
            """
            - name: Off
              enabled: false
              when: switch
              do: [ { system: { tag: "| off" } } ]
            - name: Dry
              dry_run: true
              cooldown: 1h
              when: switch
              do: [ { system: { tag: "| dry" } } ]
            - name: Same
              when: switch
              do: [ { system: { tag: "| Demo" } } ]
            """, remote: ["system.tag": "| Demo"])
        var engine = bench.engine()
        let front = bench.front(["Alex"])
        let out = engine.handle(bench.switchEvent(front), front: front, context: bench.context, now: EngineBench.origin)
        #expect(out.of(.notRun).map(\.reason) == [.disabled, .dryRun, .alreadySet])
        #expect(out.of(.notRun)[1].actions?.first?.value == "| dry")
        let next = engine.handle(
            bench.switchEvent(front, seq: 2), front: front, context: bench.context, now: EngineBench.at(.seconds(60)))
        #expect(next.of(.notRun).map(\.reason) == [.disabled, .cooldown, .alreadySet])
    }

    @Test(
        "two when rules on one event writing one field: both run in file order, the earlier one's trace names the override"
    )
    func overrides() throws {
        let bench = try EngineBench(
            """
            - name: First
              when: switch
              do: [ { system: { tag: "| first" } } ]
            - name: Second
              when: switch
              do: [ { system: { tag: "| second", description: "x" } } ]
            """)
        var engine = bench.engine()
        let front = bench.front(["Alex"])
        let ran = engine.handle(bench.switchEvent(front), front: front, context: bench.context, now: EngineBench.origin)
            .of(.ran)
        #expect(ran.map(\.rule) == ["First", "Second"])
        #expect(ran[0].note == "overridden by Second (later in the file): system.tag")
        #expect(ran[1].note == nil)
    }

    @Test("now.* template variables are local to the rules' time zone")
    func nowVariables() throws {
        let bench = try EngineBench(
            """
            - name: Clock
              when: switch
              do: [ { log: "{{ now.date }} {{ now.time }} {{ now.weekday }} {{ now.iso }}" } ]
            """, zone: "Europe/Berlin")
        var engine = bench.engine()
        let front = bench.front(["Alex"])
        let at = Timestamp("2026-12-06T23:30:00Z")!  // Monday 00:30 in Berlin
        let out = engine.handle(bench.switchEvent(front), front: front, context: bench.context, now: at)
        #expect(out.of(.ran).first?.actions?.first?.value == "2026-12-07 00:30 monday 2026-12-07T00:30:00+01:00")
    }

    @Test("the decision record's JSON uses RULES-ENGINE.md's names")
    func recordJSON() throws {
        let record = DecisionRecord(
            time: "2026-12-04T22:00:00+01:00", kind: .notRun, rule: "R",
            event: .init(kind: "switch", seq: 3, catchUp: true), reason: .conditionFalse)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(record), as: UTF8.self)
        #expect(text.contains(#""kind":"not_run""#) && text.contains(#""catch_up":true"#))
        #expect(text.contains(#""reason":"condition_false""#))
        #expect(
            RuleEngine.iso(Timestamp("2026-12-04T21:00:00Z")!, TimeZone(identifier: "Europe/Berlin")!)
                == "2026-12-04T22:00:00+01:00")
    }

    @Test(
        "the executor's checks: skip if equal (empty is cleared), compare-and-set on revert, log_switch when the front differs"
    )
    func executorChecks() {
        #expect(ExecutorChecks.isAlreadySet(desired: "| Kit", remote: "| Kit"))
        #expect(ExecutorChecks.isAlreadySet(desired: nil, remote: ""))
        #expect(!ExecutorChecks.isAlreadySet(desired: "| Kit", remote: "| Sam"))
        #expect(ExecutorChecks.revert(original: "| Sam", written: "| Kit", remote: "| Kit") == .some("| Sam"))
        #expect(ExecutorChecks.revert(original: "| Sam", written: "| Kit", remote: "| by hand") == nil)
        let a = MemberID("aaaaa")
        let b = MemberID("bbbbb")
        #expect(!ExecutorChecks.switchNeeded(to: [a, b], current: [a, b]))
        #expect(ExecutorChecks.switchNeeded(to: [b, a], current: [a, b]))
    }
}
