#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// How the fake limits request rates, like PluralKit's gateway (`ratelimit.lua`, `ratelimit.rs`).
public struct RateLimitSettings: Sendable, Hashable {
    /// Whether requests are limited at all.
    public var enabled: Bool
    /// GET requests per second per bucket (PluralKit: 10).
    public var getRate: Double
    /// POST/PATCH/DELETE per second per bucket (PluralKit: 3).
    public var updateRate: Double
    /// Reproduce the server's integer truncation: a request passes only if the truncated
    /// "remaining" is above 0 (a burst from idle gets about 8 GETs or 2 writes), and requests
    /// refused that way still advance the bucket (sustained over-rate traffic starves).
    public var strict: Bool
    /// Send `X-RateLimit-Reset` in milliseconds (as the docs describe) instead of seconds (as the
    /// server does).
    public var resetInMilliseconds: Bool

    public init(
        enabled: Bool = true, getRate: Double = 10, updateRate: Double = 3, strict: Bool = true,
        resetInMilliseconds: Bool = false
    ) {
        self.enabled = enabled
        self.getRate = getRate
        self.updateRate = updateRate
        self.strict = strict
        self.resetInMilliseconds = resetInMilliseconds
    }

    /// What the real server does.
    public static let server = RateLimitSettings()
    /// No limits.
    public static let off = RateLimitSettings(enabled: false)

    var json: JSON {
        .object([
            ("enabled", .bool(enabled)), ("get_rate", .double(getRate)), ("update_rate", .double(updateRate)),
            ("strict", .bool(strict)), ("reset_unit", resetInMilliseconds ? "ms" : "s"),
        ])
    }
}

/// The generic cell rate algorithm of the gateway's Lua script, per bucket key.
struct GCRALimiter: Sendable {
    /// Bucket key → theoretical arrival time (seconds since the script's 2017 epoch).
    var tat: [String: Double] = [:]

    struct Outcome {
        var allowed: Bool
        var remaining: Int
        /// Milliseconds, rounded up (0 when allowed).
        var retryAfterMilliseconds: Int
        /// Seconds until the bucket is full again, truncated to whole seconds (as the server sends).
        var resetAfter: Double
    }

    mutating func check(key: String, rate: Double, now nowAbsolute: Double, strict: Bool) -> Outcome {
        let now = nowAbsolute - 1_483_228_800
        let period = 1.0
        let emission = period / rate
        let increment = emission
        let burstOffset = emission * rate
        let stored = max(tat[key] ?? now, now)
        let newTAT = stored + increment
        let allowAt = newTAT - burstOffset
        let diff = now - allowAt
        let remaining = diff / emission
        if remaining < 0 {
            return Outcome(
                allowed: false, remaining: 0, retryAfterMilliseconds: max(0, Int((-diff * 1000).rounded(.up))),
                resetAfter: (stored - now).rounded(.towardZero))
        }
        let resetAfter = newTAT - now
        if resetAfter > 0 { tat[key] = newTAT }
        let truncated = Int(remaining)
        if strict, truncated <= 0 {
            // Lua returned retry_after -1: the 429 body says max(0, ceil(-1000)) = 0.
            return Outcome(
                allowed: false, remaining: 0, retryAfterMilliseconds: 0, resetAfter: resetAfter.rounded(.towardZero))
        }
        return Outcome(
            allowed: true, remaining: truncated, retryAfterMilliseconds: 0, resetAfter: resetAfter.rounded(.towardZero))
    }
}

extension FakeState {
    /// Applies the limiter to a matched route: returns the headers to add, or the 429 reply.
    mutating func rateLimit(_ match: RouteMatch, _ req: FakeRequest, now: FakeTime) -> (
        headers: [(String, String)], refusal: FakeResponse?
    ) {
        guard limits.enabled else { return ([], nil) }
        let isGet = match.method == "GET"
        let scope = isGet ? "generic_get" : "generic_update"
        let own = match.ownEntity && match.caller != nil
        let key = (own ? match.caller! : req.remoteAddress) + ":" + scope
        let headerScope = own ? (isGet ? "own_system_get" : "own_system_update") : scope
        // Kept within what the arithmetic below handles (a rate set through the Swift API is not checked).
        let asked = isGet ? limits.getRate : limits.updateRate
        let rate = asked.isFinite ? min(max(asked, 0.001), 1_000_000) : 10
        let seconds = Double(now.micros) / 1e6
        let outcome = gcra.check(key: key, rate: rate, now: seconds, strict: limits.strict)
        let reset =
            limits.resetInMilliseconds
            ? String(Int64((seconds + outcome.resetAfter) * 1000))
            : String(Int64(seconds) + Int64(outcome.resetAfter))
        let headers = [
            ("X-RateLimit-Limit", String(Int(rate))), ("X-RateLimit-Remaining", String(outcome.remaining)),
            ("X-RateLimit-Reset", reset), ("X-RateLimit-Scope", headerScope),
        ]
        guard !outcome.allowed else { return (headers, nil) }
        var refusal = Self.tooManyRequests(retryAfter: outcome.retryAfterMilliseconds, scope: scope)
        refusal.headers += headers
        return (headers, refusal)
    }

    /// The gateway's exact 429 body.
    static func tooManyRequests(retryAfter: Int, scope: String) -> FakeResponse {
        let body = #"{"message":"429: too many requests","retry_after":\#(retryAfter),"scope":"\#(scope)","code":0}"#
        return FakeResponse(status: 429, headers: [("Content-Type", "application/json")], body: Array(body.utf8))
    }
}
