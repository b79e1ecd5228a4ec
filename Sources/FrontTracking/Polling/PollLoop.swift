/// The schedule of polls: every `interval` (jittered), faster for a while after a change,
/// backing off (capped) while the API fails, slowly after a rejected token; the recent history
/// is re-read every `rereadInterval`. After each tick, `afterTick` runs (the daemon drains the
/// outbox to the journal there and updates STATUS).
///
/// The loop reports what it is doing through `phase`: ``Phase/working(bound:)`` when a tick
/// starts, ``Phase/waiting(_:)`` when it waits on purpose. The daemon feeds the systemd
/// watchdog from these, so an intended wait (however long) never looks like a hang, and a tick
/// that runs past its bound does.
public struct PollLoop: Sendable {
    /// What the loop is doing, for a watchdog.
    public enum Phase: Sendable, Hashable {
        /// A tick (with its re-read and `afterTick`) started; it should end within `bound`.
        case working(bound: Duration)
        /// The loop waits on purpose for this long before the next tick.
        case waiting(Duration)
    }

    /// Timing of the loop.
    public struct Schedule: Sendable {
        public var interval: Duration
        /// The interval right after a change.
        public var fastInterval: Duration
        /// How many ticks stay fast after a change.
        public var fastTicks: Int
        public var rereadInterval: Duration
        /// The longest wait while failing.
        public var maxBackoff: Duration
        /// The wait after a rejected token.
        public var unauthorizedInterval: Duration
        /// The wait after a first 401, before the second try that confirms it.
        public var confirmInterval: Duration
        /// ± this share of the interval, at random.
        public var jitter: Double
        /// The longest a tick may run before it counts as hung (see ``Phase``).
        public var tickBound: Duration

        public init(
            interval: Duration = .seconds(15), fastInterval: Duration? = nil, fastTicks: Int = 4,
            rereadInterval: Duration = .seconds(300), maxBackoff: Duration = .seconds(300),
            unauthorizedInterval: Duration = .seconds(300), confirmInterval: Duration = .seconds(30),
            jitter: Double = 0.1,
            tickBound: Duration = .seconds(120)
        ) {
            self.interval = interval
            self.fastInterval = fastInterval ?? max(interval / 3, .seconds(1))
            self.fastTicks = fastTicks
            self.rereadInterval = rereadInterval
            self.maxBackoff = maxBackoff
            self.unauthorizedInterval = unauthorizedInterval
            self.confirmInterval = confirmInterval
            self.jitter = jitter
            self.tickBound = tickBound
        }
    }

    let tracker: FrontTracker
    let schedule: Schedule
    let sleep: @Sendable (Duration) async throws -> Void
    let elapsed: @Sendable () -> Duration
    let afterTick: @Sendable (FrontTracker.TickResult) async -> Void
    let phase: @Sendable (Phase) -> Void

    /// - Parameters:
    ///   - clock: what every wait uses (a test clock in tests).
    ///   - phase: told when a tick starts and when a wait starts (the daemon's watchdog feed).
    public init<C: Clock<Duration>>(
        tracker: FrontTracker, schedule: Schedule, clock: C,
        phase: @escaping @Sendable (Phase) -> Void = { _ in },
        afterTick: @escaping @Sendable (FrontTracker.TickResult) async -> Void
    ) {
        let start = clock.now
        self.init(
            tracker: tracker, schedule: schedule,
            sleep: { try await clock.sleep(until: clock.now.advanced(by: $0), tolerance: nil) },
            elapsed: { start.duration(to: clock.now) }, phase: phase, afterTick: afterTick)
    }

    init(
        tracker: FrontTracker, schedule: Schedule, sleep: @escaping @Sendable (Duration) async throws -> Void,
        elapsed: @escaping @Sendable () -> Duration, phase: @escaping @Sendable (Phase) -> Void = { _ in },
        afterTick: @escaping @Sendable (FrontTracker.TickResult) async -> Void
    ) {
        self.tracker = tracker
        self.schedule = schedule
        self.sleep = sleep
        self.elapsed = elapsed
        self.phase = phase
        self.afterTick = afterTick
    }

    /// Runs until cancelled (or `ticks` ticks, for tests).
    public func run(ticks: Int? = nil) async {
        var lastReread = elapsed()
        var fastLeft = 0
        var failures = 0
        var count = 0
        while !Task.isCancelled {
            phase(.working(bound: schedule.tickBound))
            let result = await tracker.tick()
            if elapsed() - lastReread >= schedule.rereadInterval {
                await tracker.reread()
                lastReread = elapsed()
            }
            await afterTick(result)
            count += 1
            if let ticks, count >= ticks { return }
            var wait = schedule.interval
            switch result {
            case .changed:
                fastLeft = schedule.fastTicks
                failures = 0
                wait = schedule.fastInterval
            case .failed:
                failures += 1
                wait = min(schedule.interval * (1 << min(failures, 10)), schedule.maxBackoff)
            case .unauthorized:
                wait = max(schedule.unauthorizedInterval, schedule.interval)
            case .tokenDoubted:
                wait = schedule.confirmInterval
            case .unchanged, .baseline:
                failures = 0
                if fastLeft > 0 {
                    fastLeft -= 1
                    wait = schedule.fastInterval
                }
            }
            if schedule.jitter > 0 { wait = wait * Double.random(in: (1 - schedule.jitter)...(1 + schedule.jitter)) }
            phase(.waiting(wait))
            do { try await sleep(wait) } catch { return }
        }
    }
}
