/// When and how the client retries.
///
/// GET requests are retried on 5xx, timeouts and connection failures with capped exponential
/// backoff. Writes are retried only where repeating them cannot apply them twice: a 429 (the
/// limiter refused before anything happened), a connection that never opened, and idempotent
/// writes (PATCH, group-membership changes).
public struct RetryPolicy: Sendable, Hashable {
    /// Retries after 5xx, timeouts and connection failures.
    public var maxRetries: Int
    /// Retries after 429.
    public var maxRateLimitRetries: Int
    /// The first backoff delay; doubled each time.
    public var initialBackoff: Duration
    /// The longest backoff delay.
    public var maxBackoff: Duration
    /// Random extra wait, as a fraction of the delay (0 for none), so clients do not retry in step.
    public var jitter: Double

    /// Defaults: 3 retries from 0.5 s up to 8 s, 5 retries on 429, 20 % jitter.
    public init(
        maxRetries: Int = 3, maxRateLimitRetries: Int = 5, initialBackoff: Duration = .milliseconds(500),
        maxBackoff: Duration = .seconds(8), jitter: Double = 0.2
    ) {
        self.maxRetries = maxRetries
        self.maxRateLimitRetries = maxRateLimitRetries
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.jitter = jitter
    }

    /// No retries at all.
    public static let none = RetryPolicy(maxRetries: 0, maxRateLimitRetries: 0)

    /// The backoff before retry number `attempt` (1-based), without jitter.
    public func backoff(attempt: Int) -> Duration {
        var delay = initialBackoff
        for _ in 1..<max(attempt, 1) {
            delay = delay * 2
            if delay >= maxBackoff { return maxBackoff }
        }
        return min(delay, maxBackoff)
    }

    func withJitter(_ delay: Duration) -> Duration {
        guard jitter > 0 else { return delay }
        return delay + delay * Double.random(in: 0...jitter)
    }
}
