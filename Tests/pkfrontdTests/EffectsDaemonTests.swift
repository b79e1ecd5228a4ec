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

@testable import pkfrontd

/// A crash at the point the test names: the exec or webhook ended, its record is not written.
struct SimulatedCrash: Error {}

@Suite("exec and webhook under the daemon: the examples, hostile names, a crash repeats once", .serialized)
struct EffectsDaemonTests {
    /// The exec example with its program replaced by the recorder.
    static func execExample(_ recorder: Recorder) throws -> String {
        let text = try String(contentsOfFile: examples + "/exec-hook.yaml", encoding: .utf8)
        #expect(text.contains("/usr/bin/notify-send"))
        return text.replacingOccurrences(of: "/usr/bin/notify-send", with: recorder.program)
    }

    /// The webhook example posting to `base` (a local recorder) instead of its placeholder.
    static func webhookExample(_ base: String) throws -> String {
        let text = try String(contentsOfFile: examples + "/webhook-on-switch.yaml", encoding: .utf8)
        #expect(text.contains("http://127.0.0.1:8787"))
        return text.replacingOccurrences(of: "http://127.0.0.1:8787", with: base)
    }

    /// A JSON object as text (values escaped by JSONSerialization).
    static func json(_ object: [String: String]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test(
        "the exec example: hostile 100-character names arrive byte for byte as arguments and environment values, never through a shell; one journal entry each"
    )
    func execExampleHostile() async throws {
        let dir = try scratchDirectory("exec-daemon")
        defer { try? FileManager.default.removeItem(at: dir) }
        let recorder = try Recorder(in: dir)
        let scratch = try RulesScratch(try Self.execExample(recorder))
        defer { scratch.remove() }
        // Relative: a shell would create it in the working directory, the state directory.
        let name = Hostile.name(marker: "pwned")
        // PluralKit counts UTF-16 units ("\r\n" is one Character but two units).
        let display = {
            var text = String(Hostile.description(marker: "pwned").prefix(100))
            while text.utf16.count > 100 { text.removeLast() }
            return text + String(repeating: "x", count: 100 - text.utf16.count)
        }()
        #expect(name.utf16.count == 100 && display.utf16.count == 100)
        try await withVirtualFake { fixture, time in
            let sam = try #require(fixture.system.member("Sam")?.id)
            #expect(fixture.patch("/members/\(sam)", try Self.json(["name": name, "display_name": display])) == 200)
            let d = try await RulesActTests.start(fixture, time, scratch)
            let logged = try fixture.fake.logSwitch(members: [sam])
            #expect(
                await RulesActTests.settle(d, fixture) { try recorder.recorded().count == 1 && !d.running(fixture) })
            try await d.stop()

            let call = try #require(try recorder.recorded().first)
            #expect(call.argv == [recorder.program, "Front changed", "\(display) fronting"])
            let rule = "Desktop notification on switch"
            let actionID = try #require(call.env["PK_ACTION_ID"])
            let seq = try #require(
                d.entries.entries.first { $0.field("PK_ACTION_ID") == actionID }?.field("PK_EVENT_SEQ"))
            var expected = [
                "PK_EVENT": "switch", "PK_SYSTEM": fixture.system.id, "PK_RULE": rule, "PK_SWITCH_ID": logged.uuid,
                "PK_ACTION_ID": actionID, "FRONT_FIRST": name, "PK_EVENT_SEQ": seq,
            ]
            let inherited = ProcessInfo.processInfo.environment
            for key in ["PATH", "HOME", "LANG"] { expected[key] = inherited[key] }
            #expect(call.env == expected)
            #expect(call.cwd == scratch.state)
            #expect(call.pgid == call.pid)
            #expect(!FileManager.default.fileExists(atPath: scratch.state + "/pwned"))

            // One entry per step: the start, each line the program wrote (the two streams in
            // either order), the exit status.
            #expect(actionID.hasPrefix(seq + "-"))
            let entries = d.entries.entries.filter { $0.field("PK_ACTION_ID") == actionID }
            let messages = entries.map { "\($0.message)" }
            #expect(messages.count == 4, "\(messages)")
            #expect(messages.first == "rule '\(rule)': running \(recorder.program)")
            #expect(
                Set(messages.dropFirst().dropLast()) == [
                    "rule '\(rule)': stdout: recorded 2 arguments", "rule '\(rule)': stderr: a warning line",
                ])
            #expect(messages.last == "rule '\(rule)': exec: \(recorder.program) exited with status 0")
            #expect(entries.allSatisfy { $0.field("PK_RULE") == rule && $0.field("PK_ACTION") == "exec" })
            #expect(entries.allSatisfy { $0.field("CODE_FILE") == scratch.rules && $0.field("CODE_LINE") != nil })
        }
    }

    @Test("the webhook example posts its body to a local receiver with the rule's header and the Idempotency-Key")
    func webhookExample() async throws {
        let receiver = WebhookRecorder()
        try await receiver.withServer { base in
            let scratch = try RulesScratch(try Self.webhookExample(base))
            defer { scratch.remove() }
            try await withVirtualFake { fixture, time in
                let d = try await RulesActTests.start(fixture, time, scratch)
                let kit = try #require(fixture.system.member("Kit")?.id)
                let logged = try fixture.fake.logSwitch(members: [kit])
                #expect(await RulesActTests.settle(d, fixture) { receiver.requests.count == 1 && !d.running(fixture) })
                try await d.stop()
                let request = try #require(receiver.requests.first)
                let key = try #require(request.headers["idempotency-key"])
                #expect(request.method == "POST")
                #expect(request.path == "/front")
                #expect(request.headers["authorization"] == "Bearer change-me")
                #expect(request.headers["content-type"] == "application/json")
                #expect(key.wholeMatch(of: /[0-9]+-[0-9a-f]{16}/) != nil, "\(key)")
                #expect(request.headers["user-agent"]?.hasPrefix("pkfrontd/") == true)
                let body = try #require(
                    try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: String])
                #expect(
                    body == [
                        "system": fixture.system.id, "fronters": "Kit", "first": "Kit", "switch": logged.uuid,
                    ])
                let done = d.entries.entries.filter { $0.field("PK_ACTION_ID") == key }.map { "\($0.message)" }
                #expect(
                    done == [
                        "rule 'Tell the front board': posting to http://127.0.0.1:\(base.split(separator: ":").last ?? "")/…",
                        "rule 'Tell the front board': webhook: http://127.0.0.1:\(base.split(separator: ":").last ?? "")/… answered 204",
                    ], "\(done)")
                #expect(!d.entries.lines.joined().contains("change-me"), "the header's value is not logged")
            }
        }
    }

    /// Exec and webhook: a crash after the run and before its record repeats it once, with the
    /// same `PK_ACTION_ID` / `Idempotency-Key`; a second crash there and it is not started again.
    @Test("a crash between the run and its record repeats it once with the same id, never a third time")
    func crashRepeatsOnce() async throws {
        let dir = try scratchDirectory("exec-crash")
        defer { try? FileManager.default.removeItem(at: dir) }
        let recorder = try Recorder(in: dir)
        let receiver = WebhookRecorder()
        try await receiver.withServer { base in
            let both =
                try Self.execExample(recorder)
                .replacingOccurrences(of: "allow: [exec]", with: "allow: [exec, webhook]")
                    + """

                      - name: Tell the front board
                        when: switch
                        do:
                          - webhook: { url: "\(base)/front" }

                    """
            let scratch = try RulesScratch(both)
            defer { scratch.remove() }
            try await withVirtualFake { fixture, time in
                let crash: @Sendable (EffectRunner.FaultPoint) throws -> Void = { _ in throw SimulatedCrash() }
                var d = try await RulesActTests.start(fixture, time, scratch)
                await d.effectFault(crash)
                try fixture.fake.logSwitch(members: ["Jordan"])
                #expect(
                    await RulesActTests.settle(d, fixture) {
                        try recorder.recorded().count == 1 && receiver.requests.count == 1
                    })
                await d.settleEffects()
                try await d.stop()
                let started = try d.store.queuedEffects()
                #expect(started.map(\.starts) == [1, 1], "both stay started: \(started)")
                // `pending` shows them as started and not finished.
                let cli = SimulateCommandTests()
                let pending = try await cli.pkfrontd(["pending", "--state-dir", scratch.state], in: scratch.path)
                #expect(pending.status == 0, "\(pending.stderr)")
                #expect(pending.stdout.contains("exec and webhook runs queued:\n"), "\(pending.stdout)")
                #expect(
                    pending.stdout.contains("Desktop notification on switch: run \(recorder.program) (PK_ACTION_ID "),
                    "\(pending.stdout)")
                #expect(pending.stdout.contains("Tell the front board: post to http://127.0.0.1:"), "\(pending.stdout)")
                #expect(pending.stdout.contains("started, not finished"), "\(pending.stdout)")

                // The restart repeats both once, with the same ids; it crashes there again.
                d = try RulesDaemon.start(
                    fixture, time: time, directory: scratch.state, rules: scratch.rules, effectFault: crash)
                #expect(
                    await RulesActTests.settle(d, fixture) {
                        try recorder.recorded().count == 2 && receiver.requests.count == 2
                    })
                await d.settleEffects()
                try await d.stop()
                let calls = try recorder.recorded()
                #expect(calls[0].env["PK_ACTION_ID"] == calls[1].env["PK_ACTION_ID"])
                #expect(calls[0].env["PK_ACTION_ID"] == started.first { $0.kind == .exec }?.actionID)
                let keys = receiver.requests.map { $0.headers["idempotency-key"] }
                #expect(keys[0] == keys[1] && keys[0] == started.first { $0.kind == .webhook }?.actionID)
                #expect(
                    d.entries.entries.contains { "\($0.message)".contains("again: pkfrontd stopped before it ended") })

                // The third start does not run them again, and says so.
                d = try await RulesActTests.start(fixture, time, scratch)
                #expect(
                    await RulesActTests.settle(d, fixture) {
                        try d.store.queuedEffects().isEmpty && !d.running(fixture)
                    })
                await RulesActTests.run(d, fixture, seconds: 10)
                try await d.stop()
                #expect(try recorder.recorded().count == 2)
                #expect(receiver.requests.count == 2)
                let dropped = d.entries.entries.filter { "\($0.message)".contains("not run: it was started twice") }
                #expect(dropped.count == 2, "\(d.entries.lines)")
                #expect(dropped.allSatisfy { $0.level == .warning })
            }
        }
    }
}

@Suite("exec and webhook limits under the daemon", .serialized)
struct EffectLimitsTests {
    @Test(
        "at most 4 runs of one rule's exec at a time: the fifth and sixth are dropped, said so; stopping ends the runs")
    func fourAtATime() async throws {
        let yaml = """
            allow: [exec]
            settings:
              settle: 0s
            rules:
              - name: Slow hook
                when: switch
                do:
                  - exec: { command: ["/bin/sleep", "30"], timeout: 60s }
            """
        try await RulesActTests.scenario(yaml) { fixture, time, scratch, d in
            // Six switches one poll finds: six runs, decided at once.
            for name in ["Sam", "Kit", "Jordan", "Robin", "Alex", "Sam"] { try fixture.fake.logSwitch(members: [name]) }
            let dropped = {
                d.entries.entries.filter {
                    "\($0.message)".contains("exec not run: 4 runs of this rule's exec are still running")
                }
            }
            #expect(await RulesActTests.settle(d, fixture) { dropped().count == 2 }, "\(d.entries.lines.suffix(12))")
            let started = d.entries.entries.filter { "\($0.message)" == "rule 'Slow hook': running /bin/sleep" }
            #expect(started.count == 4)
            #expect(dropped().allSatisfy { $0.level == .warning && $0.field("PK_RULE") == "Slow hook" })
            let clock = ContinuousClock()
            let stopping = clock.now
            try await d.stop()
            let took = stopping.duration(to: clock.now)
            print("four slow execs: stopped in \(took) (the programs sleep 30 s; after 3 s their groups get SIGTERM)")
            #expect(took < .seconds(15), "stopping waited for the programs: \(took)")
            // Stopped mid-run: the four stay started (repeated once at the next start), the two are done.
            #expect(try d.store.queuedEffects().map(\.starts) == [1, 1, 1, 1])
        }
    }

    @Test("an invocation decided longer ago than catch_up_window is not run at the next start, and says why")
    func tooLate() async throws {
        let dir = try scratchDirectory("exec-late")
        defer { try? FileManager.default.removeItem(at: dir) }
        let recorder = try Recorder(in: dir)
        let scratch = try RulesScratch(try EffectsDaemonTests.execExample(recorder))
        defer { scratch.remove() }
        try await withVirtualFake { fixture, time in
            var d = try await RulesActTests.start(fixture, time, scratch)
            try await d.stop()
            var outcome = DecisionRecord.ActionOutcome(
                action: "exec", target: nil, field: nil, value: recorder.program, previous: nil,
                location: scratch.rules + ":12:9")
            outcome.argv = [recorder.program]
            let late = QueuedEffect(
                kind: .exec, rule: "Desktop notification on switch", location: scratch.rules + ":12:9", eventSeq: 1,
                actionID: "1-00000000000000aa", decided: time.now.adding(.seconds(-3600)), outcome: outcome)
            try d.store.commit(
                DecisionBatch(
                    consumer: "test", through: nil, state: try #require(try d.store.engineState()), records: [],
                    writes: [], effects: [late]))
            d = try await RulesActTests.start(fixture, time, scratch)
            #expect(await RulesActTests.settle(d, fixture) { try d.store.queuedEffects().isEmpty })
            try await d.stop()
            #expect(try recorder.recorded().isEmpty)
            let said = d.entries.entries.filter {
                "\($0.message)".contains("more than the catch-up window (15m) ago; too late to run")
            }
            #expect(said.count == 1, "\(d.entries.lines.suffix(8))")
        }
    }
}

extension RulesDaemon {
    /// Whether an exec or webhook is still queued or running, or the rules have events to take.
    func running(_ fixture: FakeFixture) -> Bool {
        ((try? store.queuedEffects()) ?? []).isEmpty == false
    }

    /// Gives a run that just ended (real time) the moment to reach its fault point.
    func settleEffects() async {
        try? await Task.sleep(for: .milliseconds(200))
    }

    /// Puts `hook` in the exec and webhook runner's fault point.
    func effectFault(_ hook: (@Sendable (EffectRunner.FaultPoint) throws -> Void)?) async {
        await assembly.effectRunner.withLock { $0 }?.setFault(hook)
    }
}

@Suite("The circuit breaker under the daemon", .serialized)
struct BreakerDaemonTests {
    /// Two rules that feed each other through their own switches: each one's run makes the
    /// other's `fronting_for` come due a second later.
    static let loop = """
        settings:
          settle: 0s
        rules:
          - name: Sam hands to Kit
            when: { fronting_for: 1s, member: Sam }
            do:
              - log_switch: [Kit]
          - name: Kit hands to Sam
            when: { fronting_for: 1s, member: Kit }
            do:
              - log_switch: [Sam]
        """

    @Test(
        "a self-feeding pair of rules trips the breaker: an error entry once, circuit_breaker in why, pending shows it")
    func selfFeedingPair() async throws {
        try await RulesActTests.scenario(Self.loop) { fixture, time, scratch, d in
            try fixture.fake.logSwitch(members: ["Sam"])
            let tripped = await RulesActTests.run(d, fixture, seconds: 600) {
                !(try d.store.engineState()?.paused ?? [:]).isEmpty
            }
            #expect(tripped, "\(d.ruleLines.suffix(10))")
            await RulesActTests.run(d, fixture, seconds: 120)
            try await d.stop()
            let switches = fixture.writes().filter { $0.hasPrefix("POST /v2/systems/@me/switches") }
            print("self-feeding pair: \(switches.count) switches logged before the breaker stopped it")
            let paused = try #require(try d.store.engineState()?.paused)
            #expect(!paused.isEmpty)
            let errors = d.entries.entries.filter { $0.level == .error && "\($0.message)".contains("circuit breaker") }
            #expect(errors.count == paused.count, "one error entry per paused rule: \(errors.map { "\($0.message)" })")
            let rule = try #require(paused.keys.sorted().first)
            let cli = SimulateCommandTests()
            let pending = try await cli.pkfrontd(["pending", "--state-dir", scratch.state], in: scratch.path)
            #expect(pending.status == 0, "\(pending.stderr)")
            #expect(
                pending.stdout.hasPrefix("rules paused by the circuit breaker:\n  \(rule) until "), "\(pending.stdout)")
            let why = try await cli.pkfrontd(["why", rule, "--json", "--state-dir", scratch.state], in: scratch.path)
            #expect(why.stdout.contains("\"circuit_breaker\""), "\(why.stdout)")
        }
    }

    @Test("log-only rules on a burst of 50 switches never trip it")
    func logOnlyBurst() async throws {
        let yaml = """
            settings:
              settle: 0s
            rules:
              - name: Log each switch
                when: switch
                do:
                  - log: "{{ fronter_names or \\"nobody\\" }}"
              - name: Log each newcomer
                when: fronter_added
                do:
                  - log: "{{ member.shown }} joined"
            """
        try await RulesActTests.scenario(yaml) { fixture, time, scratch, d in
            let names = ["Sam", "Kit", "Jordan", "Robin", "Alex"]
            for i in 0..<50 {
                try fixture.fake.logSwitch(members: [names[i % 5]])
                await RulesActTests.run(d, fixture, seconds: 5)
            }
            await RulesActTests.run(d, fixture, seconds: 30)
            try await d.stop()
            let runs = try d.store.recentDecisions(rule: "Log each switch", limit: 100).filter { $0.kind == .ran }
            #expect(runs.count >= 20, "the last 20 runs are kept: \(runs.count)")
            let logged = d.entries.entries.filter {
                $0.field("PK_RULE") == "Log each switch" && $0.field("PK_ACTION") == "log"
            }
            #expect(logged.count == 50, "one entry per switch: \(logged.count)")
            #expect(try d.store.engineState()?.paused.isEmpty == true)
            #expect(!d.entries.entries.contains { "\($0.message)".contains("circuit breaker") })
        }
    }
}
