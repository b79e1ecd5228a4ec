import Actions
import Clocks
import Foundation
import FrontEvents
import FrontTracking
import InMemoryLogging
import Logging
import PluralKit
import PluralKitFake
import PluralKitTesting
import Rules
import Synchronization
import Testing

@testable import FrontTracking
@testable import pkfrontd

/// Rule files for the tests: a tag rule, a server display name and autoproxy on every switch.
enum RuleTexts {
    static let tag = """
        settings:
          settle: 0s
        rules:
          - name: Tag
            when: switch
            do:
              - system: { tag: "| {{ first.shown }}" }
        """

    static let threeWriters =
        "aliases:\n  Work: \"100000000000000002\"\n" + tag + """

              - name: Work name
                when: switch
                do:
                  - member_server: { member: Alex, server: Work, display_name: "Alex with {{ fronter_count }}" }
              - name: Autoproxy
                when: switch
                do:
                  - autoproxy: { server: Work, mode: member, member: "{{ first.id }}" }
            """

    static let whileSam = """
        settings:
          settle: 0s
        rules:
          - name: Sam here
            while:
              fronters: { include: Sam }
            do:
              - system: { tag: "| Sam here" }
        """
}

@Suite("Rules act: pkfrontd run carries out what the engine decides, against the fake", .serialized)
struct RulesActTests {
    /// Starts the daemon with `yaml` on the demo system and waits for its first decisions.
    static func start(
        _ fixture: FakeFixture, _ time: VirtualTime, _ scratch: RulesScratch, dryRun: Bool = false
    ) async throws -> RulesDaemon {
        let d = try RulesDaemon.start(
            fixture, time: time, directory: scratch.state, rules: scratch.rules, dryRun: dryRun)
        await d.advance(upTo: 10) { (try? d.store.engineState()) != nil }
        return d
    }

    /// Runs `body` with the daemon started on `yaml` against the demo system on virtual time
    /// (the body stops it); the scratch directory is removed after.
    static func scenario(
        _ yaml: String, dryRun: Bool = false,
        _ body: @Sendable (FakeFixture, VirtualTime, RulesScratch, RulesDaemon) async throws -> Void
    ) async throws {
        let scratch = try RulesScratch(yaml)
        defer { scratch.remove() }
        try await withVirtualFake { fixture, time in
            let d = try await Self.start(fixture, time, scratch, dryRun: dryRun)
            try await body(fixture, time, scratch, d)
        }
    }

    /// Logs a switch to Sam and waits until the `while` rule holding for Sam has set the tag.
    static func samHolds(_ d: RulesDaemon, _ fixture: FakeFixture) async throws -> Bool {
        try fixture.fake.logSwitch(members: ["Sam"])
        return await run(d, fixture, seconds: 60) { tag(fixture) == "| Sam here" }
    }

    /// Lets virtual time pass in poll-sized steps, waiting for the daemon to go quiet each time.
    @discardableResult
    static func run(_ d: RulesDaemon, _ fixture: FakeFixture, seconds: Int, until done: () throws -> Bool = { false })
        async -> Bool
    {
        var at = 0
        while at < seconds {
            if (try? done()) == true { return true }
            await d.time.clock.advance(by: .seconds(5))
            at += 5
            await d.quiesce(fixture.fake)
        }
        return (try? done()) == true
    }

    /// Like `run`, for waits the client makes in real time (429 and 5xx backoff): advances virtual
    /// time in 5-second steps with 20 ms of real time each, until `done` or 30 s of real time.
    static func settle(_ d: RulesDaemon, _ fixture: FakeFixture, until done: () throws -> Bool) async -> Bool {
        for _ in 0..<1500 {
            if (try? done()) == true { return true }
            await d.time.clock.advance(by: .seconds(5))
            try? await Task.sleep(for: .milliseconds(20))
        }
        return (try? done()) == true
    }

    static func tag(_ fixture: FakeFixture) -> String? { fixture.get("/systems/@me")["tag"] as? String }

    @Test("coalescing: 20 switches in 10 s, three rules → one PATCH per target, the last front's values")
    func coalescing() async throws {
        try await Self.scenario(RuleTexts.threeWriters) { fixture, time, scratch, d in
            fixture.fake.clearRequestLog()
            let names = ["Sam", "Kit", "Jordan", "Robin", "Alex"]
            var last: [String] = []
            for i in 0..<20 {
                last = i % 3 == 0 ? [names[i % 5], names[(i + 1) % 5]] : [names[i % 5]]
                try fixture.fake.logSwitch(members: last)
                await time.clock.advance(by: .milliseconds(500))
            }
            await Self.run(d, fixture, seconds: 60)
            try await d.stop()
            let patches = fixture.writes().filter { $0.hasPrefix("PATCH") }
            let runs = try d.store.recentDecisions(rule: nil, limit: 1000).filter { $0.kind == .ran }
            let decided = runs.flatMap { $0.actions ?? [] }.filter { $0.key != nil }
            print(
                "coalescing: 20 switches in 10 s, 3 rules: \(runs.count) runs decided \(decided.count) field values (one PATCH per run without coalescing: \(runs.count)); \(patches.count) PATCHes sent"
            )
            #expect(patches.count <= 3, "\(patches)")
            let first = last[0]
            let id = try #require(fixture.system.member(first)?.id)
            #expect(Self.tag(fixture) == "| \(first)")
            let alex = try #require(fixture.system.member("Alex")?.id)
            #expect(
                fixture.get("/members/\(alex)/guilds/\(DemoGuild.work)")["display_name"] as? String
                    == "Alex with \(last.count)")
            let ap = fixture.get("/systems/@me/autoproxy?guild_id=\(DemoGuild.work)")
            #expect(ap["autoproxy_mode"] as? String == "member")
            #expect(ap["autoproxy_member"] as? String == id)
        }
    }

    @Test("faults: a 429 storm and 5xx in a write burst — every value lands, none twice, no rule fails")
    func rateLimitsAndServerErrors() async throws {
        try await Self.scenario(RuleTexts.threeWriters) { fixture, time, scratch, d in
            fixture.fake.inject(Fault(.rateLimited(retryAfterMilliseconds: 50), count: 12, method: "PATCH"))
            fixture.fake.inject(Fault(.serverError, count: 2, method: "PATCH"))
            for front in [["Sam"], ["Kit", "Sam"], ["Jordan"]] {
                try fixture.fake.logSwitch(members: front)
                await Self.run(d, fixture, seconds: 30)
            }
            #expect(
                await Self.settle(d, fixture) {
                    try d.store.queuedWrites().isEmpty && Self.tag(fixture) == "| Jordan"
                })
            try await d.stop()
            let ok = fixture.writes()
            #expect(Set(ok).count == ok.count, "a value was written twice: \(ok)")
            #expect(fixture.writes(all: true).count > ok.count, "the faults were hit")
            #expect(Self.tag(fixture) == "| Jordan")
            let jordan = try #require(fixture.system.member("Jordan")?.id)
            #expect(
                fixture.get("/systems/@me/autoproxy?guild_id=\(DemoGuild.work)")["autoproxy_member"] as? String
                    == jordan)
            #expect(try !d.store.allEvents().contains { $0.kind == .actionFailed })
            #expect(
                !d.entries.entries.contains { $0.level == .error },
                "\(d.entries.lines.filter { $0.hasPrefix("error") })")
        }
    }

    @Test("a 401 on a write pauses the writes; they resume after a poll works again")
    func unauthorizedPauses() async throws {
        try await Self.scenario(RuleTexts.tag) { fixture, time, scratch, d in
            fixture.fake.inject(Fault(.tokenRevoked, count: 1, method: "PATCH"))
            try fixture.fake.logSwitch(members: ["Sam"])
            #expect(await Self.run(d, fixture, seconds: 60) { Self.tag(fixture) == "| Sam" })
            try await d.stop()
            let tries = fixture.writes(all: true).filter { $0.hasPrefix("PATCH /v2/systems/@me ") }
            #expect(tries.count == 2, "one refused, one after the next poll: \(tries)")
            let refused = try #require(fixture.fake.requestLog.firstIndex { $0.method == "PATCH" && $0.status == 401 })
            let accepted = try #require(fixture.fake.requestLog.lastIndex { $0.method == "PATCH" && $0.status == 200 })
            #expect(
                fixture.fake.requestLog[refused..<accepted].contains { $0.path.hasSuffix("/fronters") },
                "the write waited for a poll")
            #expect(try !d.store.allEvents().contains { $0.kind == .actionFailed })
        }
    }

    @Test("a 400 is given up, logged once with the rule's file:line, and action_failed fires a rule that logs it")
    func badRequest() async throws {
        try await Self.scenario(
            RuleTexts.tag + """

                  - name: Report failures
                    when: action_failed
                    do:
                      - log: { message: "{{ failed.rule }} failed at {{ failed.location }} ({{ failed.code }})", priority: warning }
                """
        ) { fixture, time, scratch, d in
            fixture.fake.inject(Fault(.badRequest, count: 1, method: "PATCH"))
            try fixture.fake.logSwitch(members: ["Sam"])
            #expect(
                await Self.run(d, fixture, seconds: 60) {
                    d.entries.entries.contains { "\($0.message)".hasPrefix("Tag failed at") }
                })
            try await d.stop()
            let errors = d.entries.entries.filter { $0.level == .error && $0.field("PK_RULE") == "Tag" }
            #expect(errors.count == 1)
            #expect(errors.first?.field("CODE_FILE") == scratch.rules)
            #expect(errors.first?.field("CODE_LINE") == "7")
            let message = "\(errors.first?.message ?? "")"
            #expect(message.hasPrefix("\(scratch.rules):7:"))
            let failed = try d.store.allEvents().filter { $0.kind == .actionFailed }
            #expect(failed.count == 1)
            #expect(failed.first?.failure?.code == "400")
            #expect(fixture.writes(all: true).filter { $0.hasPrefix("PATCH") }.count == 1, "not retried")
            #expect(Self.tag(fixture) == "| demo")
        }
    }

    @Test("crash between performing a write and recording it: after the restart nothing is repeated")
    func crashAfterWrite() async throws {
        try await Self.scenario(
            RuleTexts.tag + """

                  - name: Kit brings Robin
                    when: switch
                    if:
                      - fronters: { include: Kit }
                      - fronters: { include_none: [Robin] }
                    do:
                      - log_switch: [Kit, Robin]
                """
        ) { fixture, time, scratch, d in
            await d.assembly.writeQueue.withLock { $0 }?.setFault { _ in throw WriteQueue.SimulatedCrash() }
            try fixture.fake.logSwitch(members: ["Kit"])
            #expect(await Self.run(d, fixture, seconds: 30) { fixture.writes().count >= 1 })
            try await d.stop()
            let before = fixture.writes()
            #expect(try !d.store.queuedWrites().isEmpty, "the crash left the writes queued")

            let again = try await Self.start(fixture, time, scratch)
            #expect(await Self.run(again, fixture, seconds: 60) { try again.store.queuedWrites().isEmpty })
            await Self.run(again, fixture, seconds: 30)
            try await again.stop()
            let after = fixture.writes()
            #expect(Set(after).count == after.count, "repeated: \(after) (before the crash: \(before))")
            #expect(after.filter { $0.hasPrefix("POST") }.count == 1)
            #expect(after.filter { $0.hasPrefix("PATCH") }.count == 1, "\(after)")
            #expect(Self.tag(fixture) == "| Kit")
            #expect(again.ruleLines.contains { $0.contains("already set, not written") })
        }
    }

    @Test("loops: a rule that logs a switch on switch runs once per outside switch, never for its own")
    func ownSwitches() async throws {
        try await Self.scenario(
            """
            settings:
              settle: 0s
            rules:
              - name: Kit brings Robin
                when: switch
                if:
                  fronters: { include: Kit }
                do:
                  - log_switch: [Kit, Robin]
            """
        ) { fixture, time, scratch, d in
            try fixture.fake.logSwitch(members: ["Kit"])
            await Self.run(d, fixture, seconds: 90)
            #expect(fixture.writes().filter { $0.hasPrefix("POST") }.count == 1)
            try fixture.fake.logSwitch(members: ["Kit", "Sam"])
            await Self.run(d, fixture, seconds: 90)
            try await d.stop()
            #expect(fixture.writes().filter { $0.hasPrefix("POST") }.count == 2, "\(fixture.writes())")
            let switches = try d.store.allEvents().filter { $0.kind == .switch }
            #expect(switches.map(\.own) == [false, true, false, true])
            let own = d.entries.entries.filter { $0.field("PK_OWN") == "1" && $0.field("PK_EVENT") == "switch" }
            #expect(own.count == 2)
            let notRun = try d.store.recentDecisions(rule: "Kit brings Robin", limit: 100).filter {
                $0.reason == .ownWrite
            }
            #expect(notRun.count == 2)
        }
    }

    @Test("revert: a while rule sets and restores; a value changed by hand is left alone, and the trace says so")
    func revert() async throws {
        try await Self.scenario(RuleTexts.whileSam) { fixture, time, scratch, d in
            #expect(try await Self.samHolds(d, fixture))
            try fixture.fake.logSwitch(members: ["Alex"])
            #expect(await Self.run(d, fixture, seconds: 60) { Self.tag(fixture) == "| demo" })
            #expect(try await Self.samHolds(d, fixture))
            #expect(fixture.patch("/systems/@me", #"{"tag": "| mine"}"#) == 200)
            try fixture.fake.logSwitch(members: ["Alex"])
            await Self.run(d, fixture, seconds: 60)
            try await d.stop()
            #expect(Self.tag(fixture) == "| mine")
            #expect(d.ruleLines.contains { $0.contains("changed by hand, not restored") }, "\(d.ruleLines)")
        }
    }

    @Test("a restart while a while rule holds, after its condition became false, reverts it on start")
    func revertOnStart() async throws {
        try await Self.scenario(RuleTexts.whileSam) { fixture, time, scratch, d in
            #expect(try await Self.samHolds(d, fixture))
            try await d.stop()
            try fixture.fake.logSwitch(members: ["Alex"])
            await time.clock.advance(by: .seconds(600))
            let again = try await Self.start(fixture, time, scratch)
            #expect(await Self.run(again, fixture, seconds: 60) { Self.tag(fixture) == "| demo" })
            try await again.stop()
        }
    }

    @Test("dry run: no write reaches PluralKit; the journal says what would be set and what is there now")
    func dryRun() async throws {
        try await Self.scenario(RuleTexts.tag, dryRun: true) { fixture, time, scratch, d in
            try fixture.fake.logSwitch(members: ["Sam"])
            #expect(
                await Self.run(d, fixture, seconds: 60) {
                    d.ruleLines.contains { $0.contains("would set the system tag to '| Sam' (now '| demo')") }
                }, "\(d.ruleLines)")
            try await d.stop()
            #expect(fixture.writes(all: true).isEmpty)
        }
    }

    @Test("reload: a removed while rule reverts; a broken file keeps everything as it was")
    func reload() async throws {
        try await Self.scenario(RuleTexts.whileSam) { fixture, time, scratch, d in
            #expect(try await Self.samHolds(d, fixture))
            // A broken file: the rules stay, nothing is reverted.
            try "rules:\n  - name: [\n".write(toFile: scratch.rules, atomically: true, encoding: .utf8)
            d.reload.yield()
            #expect(
                await Self.run(d, fixture, seconds: 30) {
                    try d.store.allEvents().contains { $0.kind == .reloadFailed }
                })
            await Self.run(d, fixture, seconds: 30)
            #expect(Self.tag(fixture) == "| Sam here")
            // The rule removed: its value is restored.
            try RuleTexts.tag.write(toFile: scratch.rules, atomically: true, encoding: .utf8)
            d.reload.yield()
            #expect(await Self.run(d, fixture, seconds: 60) { Self.tag(fixture) == "| demo" })
            try await d.stop()
        }
    }

    @Test("reload: queued writes survive it and still land")
    func reloadKeepsQueue() async throws {
        try await Self.scenario(RuleTexts.tag) { fixture, time, scratch, d in
            fixture.fake.inject(Fault(.rateLimited(retryAfterMilliseconds: 100), count: 6, method: "PATCH"))
            try fixture.fake.logSwitch(members: ["Sam"])
            #expect(await Self.run(d, fixture, seconds: 30) { try !d.store.queuedWrites().isEmpty })
            d.reload.yield()
            #expect(
                await Self.run(d, fixture, seconds: 30) {
                    try d.store.allEvents().contains { $0.kind == .rulesReloaded }
                })
            #expect(await Self.settle(d, fixture) { Self.tag(fixture) == "| Sam" })
            try await d.stop()
            #expect(fixture.writes().count == 1)
        }
    }

    @Test("reload: a value deferred by quiet hours survives it and is written when they end")
    func reloadKeepsDeferred() async throws {
        let yaml = RuleTexts.tag.replacingOccurrences(
            of: "  settle: 0s", with: "  settle: 0s\n  quiet_hours: { from: \"08:00\", to: \"09:00\", mode: defer }")
        try await Self.scenario(yaml) { fixture, time, scratch, d in
            try fixture.fake.logSwitch(members: ["Sam"])
            #expect(
                await Self.run(d, fixture, seconds: 60) {
                    d.ruleLines.contains { $0.contains("deferred by quiet hours") }
                }, "\(d.ruleLines)")
            d.reload.yield()
            #expect(
                await Self.run(d, fixture, seconds: 30) {
                    try d.store.allEvents().contains { $0.kind == .rulesReloaded }
                })
            #expect(fixture.writes().isEmpty, "held until 09:00")
            // 08:50 + 10 min: quiet hours end.
            #expect(await Self.run(d, fixture, seconds: 600) { Self.tag(fixture) == "| Sam" })
            try await d.stop()
            #expect(fixture.writes() == [#"PATCH /v2/systems/@me {"tag":"| Sam"}"#])
        }
    }

    @Test("a failure to store the decisions leaves the event unacknowledged: it is decided again, written once")
    func decisionsNotStored() async throws {
        try await Self.scenario(RuleTexts.tag) { fixture, time, scratch, d in
            let failures = Mutex(1)
            struct Full: Error {}
            d.store.fault.withLock {
                $0 = { operation in
                    guard operation == .commitDecisions else { return }
                    if failures.withLock({ n in
                        defer { n -= 1 }
                        return n > 0
                    }) {
                        throw Full()
                    }
                }
            }
            try fixture.fake.logSwitch(members: ["Sam"])
            #expect(await Self.run(d, fixture, seconds: 90) { Self.tag(fixture) == "| Sam" })
            try await d.stop()
            #expect(failures.withLock { $0 } < 0, "the first store of the decisions failed")
            #expect(d.entries.lines.contains { $0.contains("storing the rules' decisions failed") })
            #expect(fixture.writes() == [#"PATCH /v2/systems/@me {"tag":"| Sam"}"#])
            let runs = try d.store.recentDecisions(rule: "Tag", limit: 100).filter { $0.kind == .ran }
            #expect(runs.count == 1)
            let switchSeq = try #require(try d.store.allEvents().first { $0.kind == .switch }?.seq)
            #expect(try d.store.acknowledged(consumer: StateStore.rulesConsumer) >= switchSeq)
        }
    }
}
