import Actions
import FrontEvents
import FrontTracking
import Logging
import PluralKit
import Rules
import ServiceLifecycle
import Synchronization
import Systemd

/// The daemon's own events go through the outbox like the tracker's, with sequence numbers.
struct DaemonEvents: Sendable {
    let store: StateStore
    let logger: Logger
    /// What the daemon runs with now (the reload count and rules change).
    let info: @Sendable () -> DaemonInfo
    /// Wakes the journal writer.
    let journal: Wakeup
    /// Wakes the rules consumer.
    var rules: Doorbell?

    func append(_ kind: FrontEvent.Kind, error: String? = nil, failure: ActionFailureInfo? = nil) {
        var event = FrontEvent(kind: kind, system: "")
        if failure == nil { event.daemon = info() }
        event.error = error
        event.failure = failure
        do {
            try store.appendOnly([event])
        } catch {
            // The store refuses: say it directly (with the kind's message id), so nothing is silent.
            var fields = event.journalFields
            fields.removeAll { $0.name == "PK_EVENT_SEQ" }
            logger.log(
                level: Logger.Level(event.level), "\(event.message) (not stored: \(error))",
                metadata: Logger.Metadata(journal: fields))
        }
        journal.signal()
        rules?.ring()
    }
}

/// A service that does its work, then sleeps until it is rung or until the time its work
/// returned: the rules consumer (rung by new events and reloads; it wakes for the engine's
/// deadlines) and the write queue (rung when writes are queued and after each poll; it wakes
/// when a held write may go). On stop the write queue's writes stay in the state database.
struct WakeLoopService<C: Clock<Duration>>: Service {
    /// One round of work; returns when to be woken at the latest (nil: only when rung).
    let work: @Sendable () async -> Timestamp?
    let bell: Doorbell
    let clock: C
    let now: @Sendable () -> Timestamp

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let next = await work()
                await bell.wait(until: next, now: now, clock: clock)
            }
        }
    }
}

/// Runs the recorded `exec` and `webhook` invocations, each in a child task of its own (so a
/// slow program does not hold up the others), rung when the rules record new ones and when one
/// ends. On stop nothing new starts; the running ones get `stopGrace` (real time) to end, then
/// they are stopped — a program's process group gets SIGTERM (then SIGKILL), a request is
/// abandoned — so the stop stays well inside systemd's `TimeoutStopSec=`. One stopped that way
/// stays started and is repeated once at the next start, with the same `PK_ACTION_ID`.
struct EffectService<C: Clock<Duration>>: Service {
    let runner: EffectRunner
    let sender: WebhookSender
    let bell: Doorbell
    let clock: C
    var stopGrace: Duration = .seconds(3)

    /// Thrown by the stop timer to cancel the runs still going.
    private struct GraceOver: Error {}

    /// How many runs are going.
    private final class InFlight: Sendable {
        let count = Mutex(0)
    }

    func run() async throws {
        let stopping = Mutex(false)
        let inFlight = InFlight()
        let grace = stopGrace
        await withGracefulShutdownHandler {
            try? await withThrowingDiscardingTaskGroup { group in
                while !Task.isCancelled, !stopping.withLock({ $0 }) {
                    guard let claimed = await runner.claim() else {
                        // The store could not be read: try again shortly.
                        try? await clock.sleep(for: .seconds(1))
                        continue
                    }
                    for effect in claimed {
                        inFlight.count.withLock { $0 += 1 }
                        group.addTask {
                            await runner.perform(effect)
                            inFlight.count.withLock { $0 -= 1 }
                            bell.ring()
                        }
                    }
                    await bell.wait()
                }
                guard inFlight.count.withLock({ $0 }) > 0 else { return }
                group.addTask {
                    let clock = ContinuousClock()
                    let end = clock.now.advanced(by: grace)
                    while inFlight.count.withLock({ $0 }) > 0 {
                        guard clock.now < end else { throw GraceOver() }
                        try await clock.sleep(for: .milliseconds(20))
                    }
                }
            }
        } onGracefulShutdown: {
            stopping.withLock { $0 = true }
            bell.ring()
        }
        try? await sender.shutdown()
    }
}

/// Writes the outbox to the journal: at start (what a previous run left), whenever woken, and a
/// last time when the daemon stops (it is the last service to stop, so `daemon_stopping` is in).
struct JournalService: Service {
    let consumer: OutboxConsumer
    let wake: Wakeup
    let logger: Logger

    func run() async throws {
        drain(what: "the events a previous run left")
        for await _ in wake.stream.cancelOnGracefulShutdown() {
            drain(what: "events")
        }
        drain(what: "the last events")
    }

    private func drain(what: String) {
        do {
            try consumer.drain()
        } catch {
            logger.error(
                "writing \(what) to the journal failed (they stay in the outbox and are tried again): \(error)")
        }
    }
}

/// Polls PluralKit through the tracker on the loop's schedule, feeding the watchdog's heartbeat
/// from the loop's phases; after each tick it records the outcome and wakes the journal writer
/// and the status service.
struct PollService: Service {
    private let loop: PollLoop

    init<C: Clock<Duration>>(
        tracker: FrontTracker, schedule: PollLoop.Schedule, clock: C, heartbeat: Heartbeat, status: DaemonStatus,
        wakeJournal: Wakeup, wakeStatus: Wakeup, names: NameWatch, rules: LoadedRules, logger: Logger,
        after: [Doorbell] = []
    ) {
        let loop = Self.pollLoop(tracker: tracker, schedule: schedule, clock: clock, heartbeat: heartbeat) { result in
            await names.refresh(tracker: tracker, rules: rules, logger: logger)
            status.record(result, at: await tracker.lastSuccess)
            wakeJournal.signal()
            for bell in after { bell.ring() }
            wakeStatus.signal()
        }
        self.loop = loop
    }

    func run() async throws {
        await cancelWhenGracefulShutdown { await loop.run() }
    }

    /// The poll loop, feeding `heartbeat` from its phases: a tick is work with a bound, a wait on
    /// purpose (the interval, backoff, the pause after a 401) is alive however long it is.
    /// `observe` sees each phase too (tests follow the loop with it).
    static func pollLoop<C: Clock<Duration>>(
        tracker: FrontTracker, schedule: PollLoop.Schedule, clock: C, heartbeat: Heartbeat,
        observe: @escaping @Sendable (PollLoop.Phase) -> Void = { _ in },
        afterTick: @escaping @Sendable (FrontTracker.TickResult) async -> Void
    ) -> PollLoop {
        PollLoop(
            tracker: tracker, schedule: schedule, clock: clock,
            phase: { phase in
                switch phase {
                case .working(let bound): heartbeat.working(within: bound)
                case .waiting: heartbeat.waiting()
                }
                observe(phase)
            },
            afterTick: afterTick)
    }

    /// The bound of one tick for the watchdog: a tick stops at its first failed request, so
    /// the worst case is one request failing every attempt, after a few that took long, plus margin.
    static func tickBound(for configuration: PluralKitClient.Configuration) -> Duration {
        configuration.longestRequest * 2 + .seconds(60)
    }
}

/// Talks to systemd about the daemon's state: `daemon_started` at start, `READY=1` after the
/// first poll, `STATUS=` after each, and on stop `STOPPING=1` and `daemon_stopping`.
struct StatusService: Service {
    let notifier: Notifier
    let status: DaemonStatus
    let tracker: FrontTracker
    let wake: Wakeup
    let events: DaemonEvents

    func run() async throws {
        events.append(.daemonStarted)
        for await _ in wake.stream.cancelOnGracefulShutdown() {
            let text = status.line(front: await tracker.currentFront)
            if status.ready.withLock({
                let was = $0
                $0 = true
                return !was
            }) {
                notifier.ready(status: text)
            } else {
                notifier.status(text)
            }
        }
        notifier.stopping(status: "stopping")
        events.append(.daemonStopping)
    }
}

/// Reloads on each signal (SIGHUP): re-reads the configuration and loads the rules off the poll
/// loop's threads, within a bound; swaps them in (`rules_reloaded`) or keeps the running ones
/// (`reload_failed`), then `READY=1` with the status line.
struct ReloadService<Signals: AsyncSequence & Sendable>: Service where Signals.Element: Sendable {
    let signals: Signals
    let notifier: Notifier
    let status: DaemonStatus
    let tracker: FrontTracker
    let rules: LoadedRules
    let events: DaemonEvents
    let logger: Logger
    /// Re-reads the configuration; throws when it is invalid.
    let reload: @Sendable () throws -> DaemonSettings
    /// Tells the daemon the settings in force (the rules path changes with a reload).
    let adopt: @Sendable (DaemonSettings) -> Void
    var bound: Duration = RuleLoading.reloadBound

    func run() async throws {
        for try await _ in signals.cancelOnGracefulShutdown() {
            notifier.reloading(status: "reloading")
            do {
                let fresh = try reload()
                let logger = self.logger
                let names: Result<SystemNames?, any Error>
                do { names = .success(try await tracker.names()) } catch { names = .failure(error) }
                let loaded = try await RuleLoading.offThePool(bound: bound) {
                    try RuleLoading.load(fresh, names: names, logger: logger)
                }
                rules.replace(loaded)
                adopt(fresh)
                status.reloads.withLock { $0 += 1 }
                events.append(.rulesReloaded)
            } catch {
                events.append(.reloadFailed, error: "\(error)")
            }
            let text = status.line(front: await tracker.currentFront)
            if status.ready.withLock({ $0 }) { notifier.ready(status: text) } else { notifier.status(text) }
        }
    }
}
