public import Logging
public import ServiceLifecycle
import Synchronization

/// What the work a watchdog guards (the poll loop) is doing: beating while it makes progress,
/// waiting on purpose between units of work, or working on one that should end within a bound.
///
/// The watchdog keeps pinging while the work waits on purpose (a 5-minute pause after a
/// rejected token, backoff during an outage, a long poll interval) and while a unit of work is
/// within its bound; it stops pinging only when one runs past its bound without progress — a hung
/// loop — so systemd restarts the service then, and only then.
public final class Heartbeat: Sendable {
    /// The guarded work's phase.
    public enum Phase: Sendable, Hashable {
        /// Not started yet: no pings until the first unit of work is done (the loop's first
        /// wait; the daemon sends `READY=1` just before it). Until then systemd's start timeout
        /// guards the start, not the watchdog.
        case starting
        /// Waiting on purpose: alive for as long as it waits.
        case waiting
        /// Working on a unit that should end (or beat) within `bound`.
        case working(bound: Duration)
    }

    private struct State {
        var beats: UInt64 = 0
        var phase: Phase = .starting
        /// Whether a first unit of work has been done (the work waited once).
        var hasWaited = false
    }

    private let state = Mutex(State())

    public init() {}

    /// Records progress (also extends the current unit's bound from now).
    public func beat() { state.withLock { $0.beats &+= 1 } }

    /// The guarded work begins a unit that should end, or beat, within `bound`.
    public func working(within bound: Duration) {
        state.withLock {
            $0.beats &+= 1
            $0.phase = .working(bound: bound)
        }
    }

    /// The guarded work waits on purpose until its next unit.
    public func waiting() {
        state.withLock {
            $0.beats &+= 1
            $0.phase = .waiting
            $0.hasWaited = true
        }
    }

    /// How many beats so far (each phase change counts as one).
    public var count: UInt64 { state.withLock { $0.beats } }

    fileprivate var snapshot: (beats: UInt64, phase: Phase, started: Bool) {
        state.withLock { ($0.beats, $0.phase, $0.hasWaited) }
    }
}

/// Pings the systemd watchdog (`WATCHDOG=1`) at half its interval while the guarded work is
/// alive by its ``Heartbeat``: waiting on purpose, or working within its bound (progress — a beat
/// — restarts the bound). A unit of work that runs past its bound without a beat stops the pings,
/// so systemd restarts the service; a live process with a stuck loop is not kept alive by a timer
/// that runs on its own.
public struct WatchdogService: Service {
    let interval: Duration
    let heartbeat: Heartbeat
    let ping: @Sendable () -> Void
    /// Waits until this long after the service started (checks keep a fixed cadence, no drift).
    let sleepUntil: @Sendable (Duration) async throws -> Void
    let now: @Sendable () -> Duration
    let logger: Logger?
    /// Called after each period's check (tests follow the service with it).
    let checked: @Sendable () -> Void
    /// Fields of the entry that says the loop is hung.
    let hungMetadata: Logger.Metadata

    /// - Parameters:
    ///   - interval: the manager's watchdog interval (`WatchdogSec=`, from ``Notifier/watchdogInterval()``).
    ///   - clock: what waiting and measuring a unit's time use (a test clock in tests).
    ///   - logger: where a hung unit is reported once, before the pings stop.
    ///   - hungMetadata: the fields of that entry (the program's event name, `MESSAGE_ID`).
    public init<C: Clock<Duration>>(
        notifier: Notifier, interval: Duration, heartbeat: Heartbeat, clock: C = ContinuousClock(),
        logger: Logger? = nil,
        hungMetadata: Logger.Metadata = [:]
    ) {
        self.init(
            interval: interval, heartbeat: heartbeat, clock: clock, logger: logger, hungMetadata: hungMetadata,
            checked: {}, ping: { notifier.watchdog() })
    }

    /// Calls `ping` instead of sending `WATCHDOG=1` (tests capture the pings this way).
    public init<C: Clock<Duration>>(
        interval: Duration, heartbeat: Heartbeat, clock: C, logger: Logger? = nil, ping: @escaping @Sendable () -> Void
    ) {
        self.init(interval: interval, heartbeat: heartbeat, clock: clock, logger: logger, checked: {}, ping: ping)
    }

    init<C: Clock<Duration>>(
        interval: Duration, heartbeat: Heartbeat, clock: C, logger: Logger?,
        hungMetadata: Logger.Metadata = [:], checked: @escaping @Sendable () -> Void,
        ping: @escaping @Sendable () -> Void
    ) {
        self.hungMetadata = hungMetadata
        let start = clock.now
        self.interval = interval
        self.heartbeat = heartbeat
        self.ping = ping
        self.sleepUntil = { try await clock.sleep(until: start.advanced(by: $0), tolerance: nil) }
        self.now = { start.duration(to: clock.now) }
        self.logger = logger
        self.checked = checked
    }

    /// Uses a custom wait between checks (tests drive the periods one by one); a unit's time is
    /// counted in periods.
    init(
        notifier: Notifier, interval: Duration, heartbeat: Heartbeat,
        sleep: @escaping @Sendable (Duration) async throws -> Void
    ) {
        let periods = Mutex<Int64>(0)
        self.interval = interval
        self.heartbeat = heartbeat
        self.ping = { notifier.watchdog() }
        self.sleepUntil = { _ in
            try await sleep(interval / 2)
            periods.withLock { $0 += 1 }
        }
        self.now = { (interval / 2) * Int(periods.withLock { $0 }) }
        self.logger = nil
        self.checked = {}
        self.hungMetadata = [:]
    }

    public func run() async throws {
        var judge = Judge()
        let half = interval / 2
        var next = half
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let deadline = next
            do {
                try await cancelWhenGracefulShutdown { try await sleepUntil(deadline) }
            } catch {
                return
            }
            let now = now()
            // A fixed cadence; after a long stall (the process was stopped) start afresh from now.
            next = next + half > now ? next + half : now + half
            let (beats, phase, started) = heartbeat.snapshot
            switch judge.alive(beats: beats, phase: started ? phase : .starting, now: now) {
            case .alive: ping()
            case .hung(let elapsed, let bound):
                logger?.critical(
                    "the guarded work (the poll loop) has made no progress for \(elapsed) (its bound is \(bound)); no longer feeding the watchdog, so systemd will restart the service",
                    metadata: hungMetadata)
            case .stillHung, .notStarted: break
            }
            checked()
        }
    }
    /// Decides, period by period, whether the guarded work is alive.
    struct Judge {
        enum Verdict: Equatable {
            case alive
            case hung(elapsed: Duration, bound: Duration)
            case stillHung, notStarted
        }
        var lastBeats: UInt64?
        var progressAt: Duration = .zero
        var reported = false

        mutating func alive(beats: UInt64, phase: Heartbeat.Phase, now: Duration) -> Verdict {
            if beats != lastBeats {
                lastBeats = beats
                progressAt = now
                reported = false
            }
            switch phase {
            case .starting:
                return .notStarted
            case .waiting:
                return .alive
            case .working(let bound):
                let elapsed = now - progressAt
                if elapsed <= bound { return .alive }
                if reported { return .stillHung }
                reported = true
                return .hung(elapsed: elapsed, bound: bound)
            }
        }
    }
}
