import Clocks
import Foundation
import FrontTracking
import Logging
import PluralKit
import PluralKitFake
import PluralKitTesting
import Synchronization
import Systemd
import Testing

@testable import Systemd
@testable import pkfrontd

/// The daemon's poll loop and the watchdog service on one test clock, against the fake over a
/// real socket, with the unit's real numbers (WatchdogSec=2min): virtual time runs only while
/// the loop waits, so a request takes no virtual time unless it hangs.
final class LoopDriver: Sendable {
    let clock = TestClock<Duration>()
    let start: TestClock<Duration>.Instant
    /// When the loop's current wait ends (virtual), and how many waits it began.
    let due = Mutex<(at: TestClock<Duration>.Instant?, waits: Int)>((nil, 0))
    /// Virtual times of the WATCHDOG=1 pings, as offsets from the start.
    let pings = Mutex<[Duration]>([])
    /// How many periods the watchdog has checked.
    let checks = Mutex(0)
    let half: Duration

    init(watchdog: Duration) {
        start = clock.now
        half = watchdog / 2
    }

    var elapsed: Duration { start.duration(to: clock.now) }

    func observe(_ phase: PollLoop.Phase) {
        if case .waiting(let wait) = phase {
            let at = clock.now.advanced(by: wait)
            due.withLock { $0 = (at, $0.waits + 1) }
        }
    }

    func ping() {
        let at = elapsed
        pings.withLock { $0.append(at) }
    }

    /// Waits (real time) until `done` holds; false after 10 s.
    func waitFor(_ done: () -> Bool) async -> Bool {
        for _ in 0..<10_000 {
            if done() { return true }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return false
    }

    func waitForWait(after waits: Int) async -> Bool { await waitFor { due.withLock { $0.waits } > waits } }

    /// Runs virtual time forward in 1 s steps for `total`; whenever the loop's wait ends, lets its
    /// tick finish (in real time) before going on. With `hanging`, ticks after the first never
    /// finish: time just runs.
    func run(for total: Duration, hanging: Bool = false) async {
        #expect(await waitForWait(after: 0), "the first tick never finished")
        while elapsed < total {
            let (at, waits) = due.withLock { $0 }
            await clock.advance(by: .seconds(1))
            if !hanging, let at, clock.now >= at {
                #expect(await waitForWait(after: waits), "a tick did not finish at \(elapsed)")
            }
            // The watchdog checks at every multiple of half its interval: let it, before time goes on.
            let periods = Int(elapsed / half)
            #expect(await waitFor { checks.withLock { $0 } >= periods }, "the watchdog did not check at \(elapsed)")
        }
    }

    /// The longest time without a ping, counting from the start and up to the end.
    func longestGap(until end: Duration) -> Duration {
        var last = Duration.zero
        var longest = Duration.zero
        for p in pings.withLock({ $0 }) + [end] {
            longest = max(longest, p - last)
            last = p
        }
        return longest
    }
}

/// A transport that forwards to the real one until `hang` is set; then requests never answer
/// (until cancelled): a hung poll.
final class HangingTransport: HTTPTransport {
    let inner: InProcessTransport
    init(_ fake: FakePluralKit) { inner = InProcessTransport(fake: fake) }
    let hang = Mutex(false)
    func send(_ request: TransportRequest, timeout: Duration) async throws -> TransportResponse {
        if hang.withLock({ $0 }) {
            try await Task.sleep(for: .seconds(3600))
            throw CancellationError()
        }
        return try await inner.send(request, timeout: timeout)
    }
    func shutdown() async throws { try await inner.shutdown() }
}

@Suite("The watchdog and the poll loop", .serialized)
struct WatchdogLoopTests {
    static let watchdog: Duration = .seconds(120)  // the unit's WatchdogSec=2min
    static let half: Duration = .seconds(60)

    /// Runs the loop and the watchdog for `total` of virtual time; `prepare` sets up the fake.
    func scenario(
        interval: Duration, total: Duration, prepare: @Sendable (FakePluralKit) -> Void = { _ in }
    ) async throws -> (driver: LoopDriver, results: [FrontTracker.TickResult]) {
        let directory = NSTemporaryDirectory() + "pkfrontd-watchdog-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let driver = LoopDriver(watchdog: Self.watchdog)
        let results = Mutex<[FrontTracker.TickResult]>([])
        try await FakeFixture.run(seed: .demo) { fixture in
            prepare(fixture.fake)
            let tracker = FrontTracker(client: fixture.owner, store: try StateStore(directory: directory))
            try await run(driver: driver, tracker: tracker, interval: interval, total: total) { r in
                results.withLock { $0.append(r) }
            }
        }
        return (driver, results.withLock { $0 })
    }

    func run(
        driver: LoopDriver, tracker: FrontTracker, interval: Duration, total: Duration, hanging: Bool = false,
        logger: Logger? = nil, record: @escaping @Sendable (FrontTracker.TickResult) -> Void = { _ in }
    ) async throws {
        let heartbeat = Heartbeat()
        let schedule = PollLoop.Schedule(
            interval: interval, maxBackoff: .seconds(300), unauthorizedInterval: .seconds(300), jitter: 0,
            tickBound: .seconds(90))
        let loop = PollService.pollLoop(
            tracker: tracker, schedule: schedule, clock: driver.clock, heartbeat: heartbeat, observe: driver.observe
        ) { record($0) }
        let watchdog = WatchdogService(
            interval: Self.watchdog, heartbeat: heartbeat, clock: driver.clock, logger: logger,
            checked: { driver.checks.withLock { $0 += 1 } }, ping: { driver.ping() })
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await loop.run() }
            group.addTask { try? await watchdog.run() }
            await driver.run(for: total, hanging: hanging)
            group.cancelAll()
        }
    }

    @Test("after a 401 (and its 5-minute pauses) the heartbeat never stops for more than half the watchdog interval")
    func afterUnauthorized() async throws {
        let (driver, results) = try await scenario(interval: .seconds(15), total: .seconds(1800)) { fake in
            fake.inject(Fault(.tokenRevoked, count: 10_000))
        }
        #expect(results.contains(.tokenDoubted) && results.contains(.unauthorized))
        #expect(driver.longestGap(until: driver.elapsed) <= Self.half, "pings at \(driver.pings.withLock { $0 })")
        #expect(driver.pings.withLock { $0.count } >= 29)
    }

    @Test(
        "during a long outage (backoff up to 5 minutes) the heartbeat never stops for more than half the watchdog interval"
    )
    func duringOutage() async throws {
        let (driver, results) = try await scenario(interval: .seconds(15), total: .seconds(1800)) { fake in
            fake.inject(Fault(.serverError, count: 10_000))
        }
        #expect(results.allSatisfy { if case .failed = $0 { true } else { false } })
        #expect(driver.longestGap(until: driver.elapsed) <= Self.half)
    }

    @Test(
        "with a poll interval of 5 minutes (longer than the watchdog) the heartbeat never stops for more than half its interval"
    )
    func longInterval() async throws {
        let (driver, results) = try await scenario(interval: .seconds(300), total: .seconds(1800))
        #expect(results.count == 7)  // at 0, 5, 10, … 30 minutes
        #expect(driver.longestGap(until: driver.elapsed) <= Self.half)
    }

    @Test("a tick that hangs stops the heartbeat once it runs past its bound, and says so once")
    func hangingTick() async throws {
        let directory = NSTemporaryDirectory() + "pkfrontd-watchdog-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let driver = LoopDriver(watchdog: Self.watchdog)
        let entries = Entries()
        let logger = entries.logger
        try await FakeFixture.run(seed: .demo) { fixture in
            let transport = HangingTransport(fixture.fake)
            var configuration = fixture.configuration
            configuration.baseURL = fixture.baseURL
            let client = PluralKitClient(
                token: Token(fixture.system.token), configuration: configuration, transport: transport,
                clock: ContinuousClock())
            let tracker = FrontTracker(client: client, store: try StateStore(directory: directory))
            // The first tick works (the baseline); every later one hangs.
            try await run(
                driver: driver, tracker: tracker, interval: .seconds(15), total: .seconds(600), hanging: true,
                logger: logger
            ) { _ in
                transport.hang.withLock { $0 = true }
            }
            try await transport.shutdown()
        }
        let pings = driver.pings.withLock { $0 }
        // The second tick begins at 15 s with a bound of 90 s. The watchdog first sees it at 60
        // (and counts from then: it cannot know better), pings at 60 and 120, and stops at 180:
        // systemd restarts the service 120 s after the last ping.
        #expect(pings == [.seconds(60), .seconds(120)], "\(pings)")
        #expect(entries.all.filter { $0.message.contains("no progress") }.count == 1)
    }
}
