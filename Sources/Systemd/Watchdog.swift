public import ServiceLifecycle
import Synchronization

/// Progress reported by the work a watchdog guards (the poll loop): each completed tick beats.
public final class Heartbeat: Sendable {
    private let beats = Mutex<UInt64>(0)

    public init() {}

    /// Records progress.
    public func beat() { beats.withLock { $0 &+= 1 } }

    /// How many beats so far.
    public var count: UInt64 { beats.withLock { $0 } }
}

/// Pings the systemd watchdog (`WATCHDOG=1`) at half its interval — but only when the guarded
/// work has beaten its ``Heartbeat`` since the last ping. A hung loop therefore stops the pings
/// and systemd restarts the service, while a live process with a stuck loop is not kept alive by
/// a timer that runs on its own.
public struct WatchdogService: Service {
    let notifier: Notifier
    let interval: Duration
    let heartbeat: Heartbeat
    let sleep: @Sendable (Duration) async throws -> Void

    /// - Parameters:
    ///   - interval: the manager's watchdog interval (`WatchdogSec=`, from ``Notifier/watchdogInterval()``).
    ///   - clock: what waiting uses (a test clock in tests).
    public init<C: Clock<Duration>>(notifier: Notifier, interval: Duration, heartbeat: Heartbeat, clock: C = ContinuousClock()) {
        self.notifier = notifier
        self.interval = interval
        self.heartbeat = heartbeat
        self.sleep = { try await clock.sleep(until: clock.now.advanced(by: $0), tolerance: nil) }
    }

    /// Uses a custom wait between checks (tests drive the periods one by one).
    init(notifier: Notifier, interval: Duration, heartbeat: Heartbeat, sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.notifier = notifier
        self.interval = interval
        self.heartbeat = heartbeat
        self.sleep = sleep
    }

    public func run() async throws {
        // Every ping is earned by progress; beats before the service started count too.
        var last: UInt64 = 0
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await sleep(interval / 2) }
            } catch {
                return
            }
            let now = heartbeat.count
            if now != last {
                notifier.watchdog()
                last = now
            }
        }
    }
}
