/// The schedule of polls: every `interval` (jittered), faster for a while after a change,
/// backing off (capped) while the API fails, slowly after a rejected token; the recent history
/// is re-read every `rereadInterval`. After each tick, `afterTick` runs (the daemon drains the
/// outbox to the journal there, updates STATUS and beats the watchdog's heartbeat).
public struct PollLoop: Sendable {
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
        /// ± this share of the interval, at random.
        public var jitter: Double

        public init(
            interval: Duration = .seconds(15), fastInterval: Duration? = nil, fastTicks: Int = 4,
            rereadInterval: Duration = .seconds(300), maxBackoff: Duration = .seconds(300),
            unauthorizedInterval: Duration = .seconds(300), jitter: Double = 0.1
        ) {
            self.interval = interval
            self.fastInterval = fastInterval ?? max(interval / 3, .seconds(1))
            self.fastTicks = fastTicks
            self.rereadInterval = rereadInterval
            self.maxBackoff = maxBackoff
            self.unauthorizedInterval = unauthorizedInterval
            self.jitter = jitter
        }
    }

    let tracker: FrontTracker
    let schedule: Schedule
    let sleep: @Sendable (Duration) async throws -> Void
    let elapsed: @Sendable () -> Duration
    let afterTick: @Sendable (FrontTracker.TickResult) async -> Void

    /// - Parameters:
    ///   - clock: what every wait uses (a test clock in tests).
    public init<C: Clock<Duration>>(
        tracker: FrontTracker, schedule: Schedule, clock: C,
        afterTick: @escaping @Sendable (FrontTracker.TickResult) async -> Void
    ) {
        let start = clock.now
        self.init(
            tracker: tracker, schedule: schedule,
            sleep: { try await clock.sleep(until: clock.now.advanced(by: $0), tolerance: nil) },
            elapsed: { start.duration(to: clock.now) }, afterTick: afterTick)
    }

    init(
        tracker: FrontTracker, schedule: Schedule, sleep: @escaping @Sendable (Duration) async throws -> Void,
        elapsed: @escaping @Sendable () -> Duration, afterTick: @escaping @Sendable (FrontTracker.TickResult) async -> Void
    ) {
        self.tracker = tracker
        self.schedule = schedule
        self.sleep = sleep
        self.elapsed = elapsed
        self.afterTick = afterTick
    }

    /// Runs until cancelled (or `ticks` ticks, for tests).
    public func run(ticks: Int? = nil) async {
        var lastReread = elapsed()
        var fastLeft = 0
        var failures = 0
        var count = 0
        while !Task.isCancelled {
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
            case .unchanged, .baseline:
                failures = 0
                if fastLeft > 0 {
                    fastLeft -= 1
                    wait = schedule.fastInterval
                }
            }
            if schedule.jitter > 0 { wait = wait * Double.random(in: (1 - schedule.jitter)...(1 + schedule.jitter)) }
            do { try await sleep(wait) } catch { return }
        }
    }
}
