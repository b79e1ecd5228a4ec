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
import ServiceLifecycle
import Synchronization
import Testing

@testable import Systemd
@testable import pkfrontd

/// One time for the daemon, its engine and the fake: a test clock started at a fixed instant
/// (Monday 2026-12-07 08:50 in the demo system's Europe/Berlin), so every run sees the same
/// wall times.
final class VirtualTime: Sendable {
    let clock = TestClock<Duration>()
    let base: Timestamp
    private let origin: TestClock<Duration>.Instant

    init(base: Timestamp = Timestamp("2026-12-07T07:50:00Z")!) {
        self.base = base
        origin = clock.now
    }

    var now: Timestamp { base.adding(origin.duration(to: clock.now)) }
    var fakeTime: FakeTime {
        let t = now
        return FakeTime(micros: t.secondsSince1970 * 1_000_000 + Int64(t.nanoseconds / 1000))
    }
}

/// The whole daemon (`DaemonAssembly`, every service) with a rule file against the fake over a
/// real socket, on virtual time; it can be stopped and started again on the same state
/// directory (a restart, or after a simulated crash).
final class RulesDaemon: Sendable {
    let assembly: DaemonAssembly
    let entries: LogCapture
    let time: VirtualTime
    let reload: AsyncStream<Void>.Continuation
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    private init(
        assembly: DaemonAssembly, entries: LogCapture, time: VirtualTime, reload: AsyncStream<Void>.Continuation,
        group: ServiceGroup, running: Task<Void, any Error>
    ) {
        self.assembly = assembly
        self.entries = entries
        self.time = time
        self.reload = reload
        self.group = group
        self.running = running
    }

    /// Starts the daemon with the rule file at `rules` and the state in `directory`;
    /// `effectFault` is in place in the exec and webhook runner before anything runs.
    static func start(
        _ fixture: FakeFixture, time: VirtualTime, directory: String, rules: String, dryRun: Bool = false,
        effectFault: (@Sendable (EffectRunner.FaultPoint) throws -> Void)? = nil
    ) throws -> RulesDaemon {
        let entries = LogCapture()
        let settings = DaemonSettings(
            apiURL: fixture.baseURL, tokenFile: nil, configTokenFile: nil, stateDirectory: directory, rules: rules,
            pollInterval: .seconds(15), systems: [], dryRun: dryRun, configFile: nil)
        let credential = try #require(
            try Credentials.resolve(
                tokenFile: nil, configTokenFile: nil, environment: ["PK_TOKEN": fixture.system.token],
                naming: .pluralKit))
        let assembly = try DaemonAssembly.make(
            settings: settings, credential: credential, replay: 0, logger: entries.logger,
            notifier: NotifyLog().notifier, redact: { $0 },
            // The limiter waits in real time; on virtual time it would let hours pass per request.
            rateLimit: .init(readsPerSecond: 10_000, writesPerSecond: 10_000))
        let (reloads, reload) = AsyncStream.makeStream(of: Void.self)
        let services = assembly.services(
            clock: time.clock, reloads: reloads, reload: { settings }, watchdog: nil, now: { time.now })
        let group = testServiceGroup(services)
        let runner = assembly.effectRunner.withLock { $0 }
        let running = Task {
            if let effectFault { await runner?.setFault(effectFault) }
            try await group.run()
        }
        return RulesDaemon(
            assembly: assembly, entries: entries, time: time, reload: reload, group: group, running: running)
    }

    /// Stops the services (graceful shutdown) and the client.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
        reload.finish()
        try await assembly.client.shutdown()
    }

    /// Advances virtual time a second at a time (at most `seconds`) until `done` holds.
    @discardableResult
    func advance(upTo seconds: Int, until done: () throws -> Bool) async rethrows -> Bool {
        for _ in 0..<seconds {
            await time.clock.advance(by: .seconds(1))
            if try await eventually(within: 30, done) { return true }
        }
        return false
    }

    /// Lets `seconds` of virtual time pass, a second at a time, giving the services time to act.
    func pass(_ seconds: Int) async {
        for _ in 0..<seconds {
            await time.clock.advance(by: .seconds(1))
            _ = await eventually(within: 5) { false }
        }
    }

    var store: StateStore { assembly.store }

    /// Waits (real time) until the daemon has gone quiet: no request reached the fake for a few
    /// milliseconds in a row (every step of the daemon — a poll, the rules' reads, a write — talks
    /// to it), at most 2 s.
    func quiesce(_ fake: FakePluralKit) async {
        var last = -1
        var quiet = 0
        for _ in 0..<1000 {
            let count = fake.requestLog.count
            quiet = count == last ? quiet + 1 : 0
            if quiet >= 3 { return }
            last = count
            try? await Task.sleep(for: .milliseconds(2))
        }
    }

    /// The journal lines of the rules' entries (those with `PK_RULE`).
    var ruleLines: [String] {
        entries.entries.filter { $0.field("PK_RULE") != nil }.map { "\($0.level) \($0.message)" }
    }
}

extension FakeFixture {
    /// The writes the fake received (method, path and query, body), in order; 2xx answers only
    /// unless `all`.
    func writes(all: Bool = false) -> [String] {
        fake.requestLog.filter { $0.method != "GET" && !$0.path.hasPrefix("/_control") }
            .filter { all || (200..<300).contains($0.status) }
            .map { "\($0.method) \($0.path)\($0.query.isEmpty ? "" : "?" + $0.query) \($0.body ?? "")" }
    }

    /// A GET to the fake as the system's owner, decoded as a JSON object.
    func get(_ target: String) -> [String: Any] {
        let parts = target.split(separator: "?", maxSplits: 1).map(String.init)
        let r = fake.handle(
            FakeRequest(
                method: "GET", path: "/v2" + parts[0], query: parts.count > 1 ? parts[1] : "",
                headers: [("Authorization", system.token), ("User-Agent", "tests")], body: []))
        return (try? JSONSerialization.jsonObject(with: Data(r.body))) as? [String: Any] ?? [:]
    }

    /// A PATCH to the fake as the system's owner (a change "by hand").
    @discardableResult
    func patch(_ path: String, _ json: String) -> Int {
        fake.handle(
            FakeRequest(
                method: "PATCH", path: "/v2" + path,
                headers: [
                    ("Authorization", system.token), ("Content-Type", "application/json"), ("User-Agent", "tests"),
                ], body: Array(json.utf8))
        ).status
    }
}

/// A temporary directory holding a rule file (the text given) and the state directory.
struct RulesScratch {
    let path: String
    var rules: String { path + "/rules.yaml" }
    var state: String { path + "/state" }

    init(_ yaml: String) throws {
        path = NSTemporaryDirectory() + "pkfrontd-rules-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try yaml.write(toFile: path + "/rules.yaml", atomically: true, encoding: .utf8)
    }

    init(example: String) throws {
        try self.init(try String(contentsOfFile: examples + "/" + example, encoding: .utf8))
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs `body` against the demo system served over a socket on virtual time.
func withVirtualFake(
    limits: RateLimitSettings = .off, _ body: @Sendable (FakeFixture, VirtualTime) async throws -> Void
) async throws {
    let time = VirtualTime()
    let fake = FakePluralKit(now: { time.fakeTime })
    try await FakeFixture.run(.socket, seed: .demo, limits: limits, fake: fake) { fixture in
        try await body(fixture, time)
    }
}
