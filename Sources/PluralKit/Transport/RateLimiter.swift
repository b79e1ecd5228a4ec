/// A clock reduced to what the client needs, so any `Clock<Duration>` (a test clock too) fits.
struct ClockBox: Sendable {
    /// Time elapsed since the box was made.
    let now: @Sendable () -> Duration
    let sleep: @Sendable (Duration) async throws -> Void

    init<C: Clock<Duration>>(_ clock: C) {
        let start = clock.now
        now = { start.duration(to: clock.now) }
        sleep = { duration in try await clock.sleep(until: clock.now.advanced(by: duration), tolerance: nil) }
    }
}

/// Rate-limit settings of a ``PluralKitClient``.
public struct RateLimitConfiguration: Sendable, Hashable {
    /// GET requests per second (PluralKit allows 10).
    public var readsPerSecond: Double
    /// POST/PATCH/DELETE requests per second (PluralKit allows 3).
    public var writesPerSecond: Double
    /// Whether to pace at all (turn off only against a server without limits).
    public var enabled: Bool

    /// PluralKit's documented limits: 10 reads and 3 writes per second, paced evenly.
    public init(readsPerSecond: Double = 10, writesPerSecond: Double = 3, enabled: Bool = true) {
        self.readsPerSecond = readsPerSecond
        self.writesPerSecond = writesPerSecond
        self.enabled = enabled
    }
}

/// The two budgets PluralKit keeps per caller.
public enum RateLimitScope: String, Sendable, Hashable, CaseIterable {
    /// GET requests (`generic_get` / `own_system_get`).
    case read
    /// POST, PATCH and DELETE (`generic_update` / `own_system_update`).
    case write
}

/// Paces requests per scope so the server's limiter (GCRA, which lets only ~8 GETs or 2 writes
/// through a burst from idle) never has to refuse one: every request gets a slot at least
/// 1/rate after the previous one. Server hints (`X-RateLimit-Remaining: 0` with its reset time,
/// a 429's `retry_after`) push the next slot later.
actor RateLimiter {
    private let configuration: RateLimitConfiguration
    private let clock: ClockBox
    private var nextSlot: [RateLimitScope: Duration] = [:]
    /// Server limits learnt from `X-RateLimit-Limit`, when lower than the configured rate.
    private var learnedRate: [RateLimitScope: Double] = [:]

    init(configuration: RateLimitConfiguration, clock: ClockBox) {
        self.configuration = configuration
        self.clock = clock
    }

    /// The configured spacing between two requests of a scope.
    nonisolated func interval(_ scope: RateLimitScope) -> Duration {
        Self.interval(rate: scope == .read ? configuration.readsPerSecond : configuration.writesPerSecond)
    }

    /// The spacing in force: the configured one, or longer if the server said its limit is lower.
    func currentInterval(_ scope: RateLimitScope) -> Duration {
        max(interval(scope), learnedRate[scope].map { Self.interval(rate: $0) } ?? .zero)
    }

    static func interval(rate: Double) -> Duration {
        guard rate > 0 else { return .zero }
        return .nanoseconds(Int64((1e9 / rate).rounded(.up)))
    }

    /// Waits until the scope has a free slot, and takes it. Cancellation ends the wait.
    /// - Returns: the slot (clock time) the request was given.
    @discardableResult
    func acquire(_ scope: RateLimitScope) async throws -> Duration {
        let now = clock.now()
        guard configuration.enabled else { return now }
        let slot = max(now, nextSlot[scope] ?? now)
        nextSlot[scope] = slot + currentInterval(scope)
        if slot > now { try await clock.sleep(slot - now) }
        return slot
    }

    /// The next free slot of a scope (clock time), if any was handed out.
    func nextFreeSlot(_ scope: RateLimitScope) -> Duration? { nextSlot[scope] }

    /// Takes the server's view into account: with nothing remaining, wait until its reset
    /// (bounded to one second, since the server's bucket refills within a second).
    ///
    /// A server limit (`X-RateLimit-Limit`) below the configured rate lowers the pace to it, so a
    /// client configured too fast (or a server whose limits changed) does not run into the
    /// limiter's starvation of over-rate traffic.
    func observe(_ scope: RateLimitScope, limit: Int?, remaining: Int?, resetAfter: Duration?) {
        guard configuration.enabled else { return }
        let configured = scope == .read ? configuration.readsPerSecond : configuration.writesPerSecond
        if let limit, limit > 0, Double(limit) < configured { learnedRate[scope] = Double(limit) }
        guard let remaining, remaining <= 0 else { return }
        let step = currentInterval(scope)
        let wait = min(max(resetAfter ?? step, step), .seconds(1))
        delay(scope, by: wait)
    }

    /// Holds every request of the scope back for a while (after a 429).
    func delay(_ scope: RateLimitScope, by wait: Duration) {
        let until = clock.now() + wait
        if until > (nextSlot[scope] ?? .zero) { nextSlot[scope] = until }
    }
}
