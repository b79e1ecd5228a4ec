import Clocks
import Foundation
import FrontEvents
import FrontTracking
import Logging
import PluralKit
import PluralKitFake
import PluralKitTesting
import Rules
import ServiceLifecycle
import Synchronization
import Testing

@testable import FrontTracking
@testable import Systemd
@testable import pkfrontd

/// What a capturing notifier received, one message per element.
final class NotifyLog: Sendable {
    let messages = Mutex<[[String: String]]>([])
    var all: [[String: String]] { messages.withLock { $0 } }
    var notifier: Notifier {
        Notifier { fields in
            let message = Dictionary(fields.map { ($0.0, $0.1) }) { _, b in b }
            self.messages.withLock { $0.append(message) }
        }
    }
    /// The message kinds in order (READY, STATUS, RELOADING, STOPPING, WATCHDOG).
    var kinds: [String] {
        all.map { m in ["READY", "RELOADING", "STOPPING", "WATCHDOG"].first { m[$0] != nil } ?? "STATUS" }
    }
}

/// Waits (real time, up to `within` ms) until `done` holds.
func eventually(within: Int = 10_000, _ done: () throws -> Bool) async rethrows -> Bool {
    for _ in 0..<within {
        if try done() { return true }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return false
}

let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
    .appendingPathComponent("rules/examples").path

/// The daemon's services in a group for a test. A guard, not a measure: a service that ignores
/// the graceful shutdown is cancelled (and the test fails with ServiceLifecycle's error) instead
/// of hanging the run.
func testServiceGroup(_ services: [any Service]) -> ServiceGroup {
    var configuration = ServiceGroupConfiguration(
        services: services.map { .init(service: $0) }, logger: Logger(label: "group") { _ in SwiftLogNoOpLogHandler() })
    configuration.maximumGracefulShutdownDuration = .seconds(60)
    configuration.maximumCancellationDuration = .seconds(30)
    return ServiceGroup(configuration: configuration)
}

/// A daemon built by `DaemonAssembly` against the fake over a real socket, on a test clock,
/// with a capturing notifier and logger, its services running in a `ServiceGroup`.
struct DaemonHarness: Sendable {
    let fake: FakePluralKit
    let assembly: DaemonAssembly
    let log: NotifyLog
    let entries: Entries
    let clock: TestClock<Duration>
    let reload: AsyncStream<Void>.Continuation
    let directory: String
    let system: SeededSystem

    /// Builds the daemon with `rules` (copied from the examples, nil for none), runs `body`
    /// while its services run, then stops them (graceful shutdown) and the client.
    static func run(
        rules: String? = nil, prepare: @Sendable (StateStore) -> Void = { _ in },
        _ body: @Sendable (DaemonHarness) async throws -> Void,
        afterStop: @Sendable (DaemonHarness) throws -> Void = { _ in }
    ) async throws {
        let directory = NSTemporaryDirectory() + "pkfrontd-services-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let rulesPath = rules.map { _ in directory + "/rules.yaml" }
        if let rules, let rulesPath {
            try FileManager.default.copyItem(atPath: examples + "/" + rules, toPath: rulesPath)
        }
        let log = NotifyLog()
        let entries = Entries()
        let logger = entries.logger
        // Over a real socket: the daemon builds its own client, as in production.
        try await FakeFixture.run(.socket, seed: .demo) { fixture in
            let (fake, system) = (fixture.fake, fixture.system)
            let settings = DaemonSettings(
                apiURL: fixture.baseURL, tokenFile: nil, configTokenFile: nil, stateDirectory: directory + "/state",
                rules: rulesPath,
                pollInterval: .seconds(15), systems: [], dryRun: false, configFile: nil)
            let credential = try #require(
                try Credentials.resolve(
                    tokenFile: nil, configTokenFile: nil, environment: ["PK_TOKEN": system.token], naming: .pluralKit))
            let assembly = try DaemonAssembly.make(
                settings: settings, credential: credential, replay: 0, logger: logger, notifier: log.notifier,
                redact: { $0 })
            prepare(assembly.store)
            let (reloads, reload) = AsyncStream.makeStream(of: Void.self)
            let clock = TestClock<Duration>()
            let services = assembly.services(clock: clock, reloads: reloads, reload: { settings }, watchdog: nil)
            let group = testServiceGroup(services)
            let running = Task { try await group.run() }
            let harness = DaemonHarness(
                fake: fake, assembly: assembly, log: log, entries: entries, clock: clock, reload: reload,
                directory: directory, system: system)
            do {
                try await body(harness)
            } catch {
                await group.triggerGracefulShutdown()
                _ = try? await running.value
                try? await assembly.client.shutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await running.value
            reload.finish()
            try afterStop(harness)
            try await assembly.client.shutdown()
        }
    }

    var store: StateStore { assembly.store }
    var rulesPath: String { directory + "/rules.yaml" }

    /// Advances the test clock a second at a time (at most `seconds`) until `done` holds.
    func advance(upTo seconds: Int, until done: () -> Bool) async -> Bool {
        for _ in 0..<seconds {
            await clock.advance(by: .seconds(1))
            if await eventually(within: 50, done) { return true }
        }
        return false
    }
}

@Suite("The daemon's services on a test clock, against the fake", .serialized)
struct ServicesTests {
    /// A request to the fake's API as the system's owner.
    static func asOwner(_ d: DaemonHarness, _ method: String, _ path: String, _ json: String) -> FakeResponse {
        d.fake.handle(
            FakeRequest(
                method: method, path: "/v2" + path,
                headers: [
                    ("Authorization", d.system.token), ("Content-Type", "application/json"), ("User-Agent", "tests"),
                ], body: Array(json.utf8)))
    }

    @Test(
        "names resolve against live lists: a first start without a cache binds them after the first poll; a rename at the next list refresh is logged once per place and the rules keep the member"
    )
    func liveNames() async throws {
        try await DaemonHarness.run(rules: "autoproxy-alex-art-club.yaml") { d in
            let alex = try #require(d.system.member("Alex")?.id)
            // No cache at the start: the names wait for the lists.
            #expect(d.entries.lines.contains { $0.contains("member 'Alex' was not checked") })
            #expect(await eventually { d.log.kinds.contains("READY") })
            #expect(await eventually { d.assembly.rules.current.withLock { $0?.memberIDs["Alex"] } == alex })
            #expect(!d.entries.lines.contains { $0.contains("is not in the member and group lists") })

            // Alex becomes Alexis; the tracker's next list refresh (hourly, here at once) has it,
            // and the next tick re-binds the rules.
            #expect(Self.asOwner(d, "PATCH", "/members/\(alex)", #"{"name": "Alexis"}"#).status == 200)
            try await d.assembly.tracker.refreshMembers(system: d.system.id)
            func renames() -> [String] { d.entries.lines.filter { $0.contains("'Alex' is now 'Alexis'") } }
            #expect(await d.advance(upTo: 30) { renames().count == 2 }, "\(d.entries.lines.suffix(5))")
            #expect(
                renames().first?.hasPrefix("notice \(d.rulesPath):10: 'Alex' is now 'Alexis' (member \(alex))") == true,
                "\(renames())")
            #expect(d.assembly.rules.current.withLock { $0?.memberIDs["Alex"] } == alex)
            // The next refresh says nothing new.
            try await d.assembly.tracker.refreshMembers(system: d.system.id)
            try d.fake.logSwitch(members: ["Sam"])
            #expect(await d.advance(upTo: 30) { d.entries.lines.contains { $0.contains("Sam is fronting") } })
            #expect(renames().count == 2)
        }
    }

    @Test(
        "start, READY after the first poll, STATUS, reload (swap and refusal), stop order — each daemon event with a sequence number"
    )
    func lifecycle() async throws {
        try await DaemonHarness.run(rules: "log-every-switch.yaml") { d in
            let (log, entries, store) = (d.log, d.entries, d.store)
            #expect(d.assembly.rules.count == 1)
            // READY=1 comes after the first poll, with the status line; daemon_started went through the outbox.
            #expect(await eventually { log.kinds.contains("READY") })
            #expect(log.all.first?["READY"] == "1")
            #expect(log.all.first?["STATUS"] == "Fronting: Alex; first poll ok; 1 rule active")
            #expect(try await eventually { try store.allEvents().first?.kind == .daemonStarted })
            #expect(await eventually { entries.all.contains { $0.event == "daemon_started" && $0.seq == "1" } })

            // A switch: the next tick (15 s ± jitter of test-clock time later) reports it, STATUS follows.
            try d.fake.logSwitch(members: ["Sam"])
            #expect(
                await d.advance(upTo: 30) { log.all.last?["STATUS"]?.hasPrefix("Fronting: Sam; last poll ok") == true })
            #expect(await eventually { entries.all.contains { $0.message.hasPrefix("Sam is fronting") } })

            // A reload with a valid file swaps the rules in; RELOADING=1 then READY=1.
            try FileManager.default.removeItem(atPath: d.rulesPath)
            try FileManager.default.copyItem(
                atPath: examples + "/display-name-follows-first-fronter.yaml", toPath: d.rulesPath)
            d.reload.yield()
            #expect(try await eventually { try store.allEvents().contains { $0.kind == .rulesReloaded } })
            #expect(await eventually { log.kinds.suffix(2) == ["RELOADING", "READY"] })
            #expect(d.assembly.rules.count == 2)
            #expect(log.all.last?["STATUS"]?.hasSuffix("reloads: 1") == true)

            // A broken file is refused: the running rules stay, one reload_failed with a sequence number.
            try "rules:\n  - name: half written\n    when: switch\n".write(
                toFile: d.rulesPath, atomically: true, encoding: .utf8)
            d.reload.yield()
            #expect(try await eventually { try store.allEvents().contains { $0.kind == .reloadFailed } })
            #expect(d.assembly.rules.count == 2)
            let failed = try store.allEvents().filter { $0.kind == .reloadFailed }
            #expect(failed.count == 1 && failed[0].seq > 0 && failed[0].error?.contains("1 error") == true)
            #expect(
                await eventually {
                    entries.all.contains { $0.event == "reload_failed" && $0.seq == "\(failed[0].seq)" }
                })
        } afterStop: { d in
            // Stop: polling stops, STOPPING=1 and daemon_stopping, and the journal writer drains last.
            #expect(d.log.kinds.last == "STOPPING")
            let all = try d.store.allEvents()
            #expect(all.last?.kind == .daemonStopping)
            #expect(try d.store.acknowledged(consumer: EventJournal.consumer) == all.last?.seq)
            #expect(d.entries.all.last { $0.event != nil }?.event == "daemon_stopping")
            #expect(all.map(\.seq) == all.map(\.seq).sorted())
        }
    }

    @Test(
        "a database that fails during a poll: state_error with the file and the cause, in STATUS, not api_unreachable; retried at the next tick"
    )
    func stateErrors() async throws {
        let failing = Failing()
        let failReads: @Sendable (StateStore) -> Void = { store in
            store.fault.withLock {
                $0 = { op in
                    if op == .readState, failing.on.withLock({ $0 }) {
                        throw StateStoreError(.cannotWrite, "database is locked")
                    }
                }
            }
        }
        try await DaemonHarness.run(prepare: failReads) { d in
            let (log, entries) = (d.log, d.entries)
            #expect(await eventually { log.kinds.contains("READY") })
            #expect(log.all.first?["STATUS"]?.contains("last poll failed: database is locked") == true)
            #expect(await eventually { entries.all.contains { $0.event == "state_error" } })
            for _ in 0..<600 { await d.clock.advance(by: .seconds(1)) }  // backoff: 30, 60, 120, 240 s
            #expect(log.all.count >= 4)
            let events = try d.store.allEvents()
            #expect(!events.contains { $0.kind == .apiUnreachable })
            failing.on.withLock { $0 = false }
            #expect(await d.advance(upTo: 330) { log.all.last?["STATUS"] == "Fronting: Alex; first poll ok" })
        }
    }
}

/// A switch a test turns off.
final class Failing: Sendable {
    let on = Mutex(true)
}
