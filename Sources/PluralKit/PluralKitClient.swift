public import Logging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A client for the PluralKit HTTP API v2.
///
/// One client holds one connection pool and one rate limiter; share it across tasks (it is
/// `Sendable`) and call ``shutdown()`` when done.
///
/// ```swift
/// let client = PluralKitClient(token: Token(tokenString))
/// if let front = try await client.getFronters() {
///     print(front.members.map(\.shownName), "since", front.timestamp)
/// }
/// try await client.createSwitch(members: ["hrnakw"])
/// try await client.updateAutoproxySettings(guild: 100000000000000001, AutoproxyUpdate(mode: .front))
/// try await client.shutdown()
/// ```
///
/// Requests are paced under PluralKit's limits (10 reads and 3 writes per second), 429 replies
/// are waited out and retried, and GETs are retried on server errors and timeouts (see
/// ``RetryPolicy``). Errors are ``PluralKitError``. The token never appears in descriptions,
/// logs or errors.
public final class PluralKitClient: Sendable, CustomStringConvertible {
    /// Settings of a client.
    public struct Configuration: Sendable, Hashable {
        /// The API root, e.g. `https://api.pluralkit.me/v2` or a self-hosted or fake instance.
        public var baseURL: String
        /// Sent with every request; PluralKit asks for one that names the application.
        public var userAgent: String
        /// How long one attempt may take before it counts as a timeout.
        public var timeout: Duration
        public var rateLimit: RateLimitConfiguration
        public var retry: RetryPolicy

        /// The longest one request can take when every attempt times out: each attempt's
        /// timeout plus the backoffs between them (at their largest jitter). Waits for the rate
        /// limit are not included.
        public var longestRequest: Duration {
            let attempts = retry.maxRetries + 1
            var total = timeout * attempts
            for attempt in stride(from: 1, through: retry.maxRetries, by: 1) {
                total += retry.backoff(attempt: attempt) * (1 + retry.jitter)
            }
            return total
        }

        /// The public PluralKit API.
        public static let defaultBaseURL = "https://api.pluralkit.me/v2"
        /// The default User-Agent.
        public static let defaultUserAgent = "PluralKit.swift/\(PluralKitClient.version) (pkfrontd)"

        public init(
            baseURL: String = defaultBaseURL, userAgent: String = defaultUserAgent, timeout: Duration = .seconds(10),
            rateLimit: RateLimitConfiguration = .init(), retry: RetryPolicy = .init()
        ) {
            self.baseURL = baseURL
            self.userAgent = userAgent
            self.timeout = timeout
            self.rateLimit = rateLimit
            self.retry = retry
        }
    }

    /// This library's version.
    public static let version = "0.1.0"

    public let configuration: Configuration
    private let token: Token?
    private let transport: any HTTPTransport
    private let ownsTransport: Bool
    let limiter: RateLimiter
    private let clock: ClockBox
    private let wallClock: @Sendable () -> Timestamp
    private let logger: Logger
    private let base: String

    /// Creates a client with its own connection pool.
    /// - Parameters:
    ///   - token: the system's token (`pk;token`); nil for public data only.
    ///   - configuration: base URL, User-Agent, timeout, limits, retries.
    ///   - logger: where requests are logged (debug level); silent by default.
    public convenience init(
        token: Token?, configuration: Configuration = .init(),
        logger: Logger = Logger(label: "PluralKit", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.init(
            token: token, configuration: configuration, transport: AsyncHTTPClientTransport(),
            ownsTransport: true, clock: ContinuousClock(), wallClock: { .now }, logger: logger)
    }

    /// Creates a client over a given transport, with a given clock for every wait (pacing,
    /// backoff) and wall clock (to read `X-RateLimit-Reset`). For tests and embedders.
    public init<C: Clock<Duration>>(
        token: Token?, configuration: Configuration = .init(), transport: any HTTPTransport,
        ownsTransport: Bool = false, clock: C, wallClock: @escaping @Sendable () -> Timestamp = { .now },
        logger: Logger = Logger(label: "PluralKit", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.token = token
        self.configuration = configuration
        self.transport = transport
        self.ownsTransport = ownsTransport
        let box = ClockBox(clock)
        self.clock = box
        self.wallClock = wallClock
        self.limiter = RateLimiter(configuration: configuration.rateLimit, clock: box)
        self.logger = logger
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
    }

    /// Closes the connection pool (if this client created it). Call once, when done.
    public func shutdown() async throws {
        if ownsTransport { try await transport.shutdown() }
    }

    /// Whether the client has a token.
    public var hasToken: Bool { token != nil }

    public var description: String {
        "PluralKitClient(\(base), token: \(token == nil ? "none" : "redacted"))"
    }

    // MARK: - Requests

    enum Method: String {
        case get = "GET"
        case post = "POST"
        case patch = "PATCH"
        case delete = "DELETE"
    }

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// Sends a request and decodes the JSON reply.
    func request<T: Decodable>(
        _ method: Method, _ path: String, query: [(String, String)] = [], body: (any Encodable & Sendable)? = nil,
        idempotent: Bool = false, as type: T.Type = T.self
    ) async throws -> T {
        let response = try await send(method, path, query: query, body: body, idempotent: idempotent)
        return try decode(T.self, response, method, path)
    }

    /// Sends a request whose reply has no body we need (204).
    func requestNoContent(
        _ method: Method, _ path: String, body: (any Encodable & Sendable)? = nil, idempotent: Bool = false
    ) async throws {
        _ = try await send(method, path, body: body, idempotent: idempotent)
    }

    func decode<T: Decodable>(_ type: T.Type, _ response: TransportResponse, _ method: Method, _ path: String) throws
        -> T
    {
        do {
            return try JSONDecoder().decode(T.self, from: Data(response.body))
        } catch {
            throw PluralKitError(
                kind: .decoding, status: response.status,
                message: "the reply was not the expected \(T.self) JSON (\(response.body.count) bytes)",
                request: "\(method.rawValue) \(path)", underlying: Self.describe(decodingError: error)
            ).redacting(secrets)
        }
    }

    /// The secrets this client must never show: its token.
    private var secrets: [String] { token.map { [$0.reveal()] } ?? [] }

    /// `text` with this client's token replaced by `[token]`: for any text built from an error
    /// that may have passed through other libraries, before it is logged or stored.
    public func redacted(_ text: String) -> String { Redaction.redact(text, secrets: secrets) }

    /// Sends one logical request (see ``sendOnce``); every error it throws has the token
    /// redacted from its texts.
    func send(
        _ method: Method, _ path: String, query: [(String, String)] = [], body: (any Encodable & Sendable)? = nil,
        idempotent: Bool = false
    ) async throws -> TransportResponse {
        do {
            return try await sendOnce(method, path, query: query, body: body, idempotent: idempotent)
        } catch let error as PluralKitError {
            throw error.redacting(secrets)
        }
    }

    /// Sends one logical request: paces it, retries what is safe to retry, maps failures.
    private func sendOnce(
        _ method: Method, _ path: String, query: [(String, String)] = [], body: (any Encodable & Sendable)? = nil,
        idempotent: Bool = false
    ) async throws -> TransportResponse {
        let scope: RateLimitScope = method == .get ? .read : .write
        let label = "\(method.rawValue) \(path)"
        let mayRepeat = method == .get || idempotent
        var headers: [TransportRequest.Header] = [
            .init("User-Agent", configuration.userAgent), .init("Accept", "application/json"),
        ]
        if let token { headers.append(.init("Authorization", token.reveal())) }
        var bytes: [UInt8]?
        if let body {
            headers.append(.init("Content-Type", "application/json"))
            do {
                bytes = Array(try Self.encoder.encode(body))
            } catch {
                throw PluralKitError(
                    kind: .invalidRequest, message: "could not encode the body: \(error)", request: label)
            }
        }
        let request = TransportRequest(
            method: method.rawValue, url: base + path + Self.queryString(query), headers: headers, body: bytes)

        var failures = 0
        var rateLimited = 0
        while true {
            try Task.checkCancellation()
            try await limiter.acquire(scope)
            let response: TransportResponse
            do {
                response = try await transport.send(request, timeout: configuration.timeout)
            } catch let failure as TransportFailure {
                let error = PluralKitError(
                    kind: failure.isTimeout ? .timeout : .transport,
                    message: failure.isTimeout ? "no answer within \(configuration.timeout)" : "the request failed",
                    request: label, underlying: failure.description)
                guard mayRepeat || !failure.mayHaveBeenSent, failures < configuration.retry.maxRetries else {
                    throw error
                }
                failures += 1
                let wait = configuration.retry.withJitter(configuration.retry.backoff(attempt: failures))
                logger.warning(
                    "PluralKit request failed; retrying",
                    metadata: [
                        "request": "\(label)", "error": "\(redacted(failure.description))", "retry_in": "\(wait)",
                        "attempt": "\(failures)",
                    ])
                try await clock.sleep(wait)
                continue
            }

            await limiterObserve(scope, response)
            logger.debug("PluralKit request", metadata: ["request": "\(label)", "status": "\(response.status)"])

            if (200..<300).contains(response.status) { return response }

            let error = Self.apiError(response, label)
            if response.status == 429 {
                guard rateLimited < configuration.retry.maxRateLimitRetries else { throw error }
                rateLimited += 1
                // Wait at least one emission interval of the server's limit: its retry_after
                // can be 0 or 1 ms, which would otherwise make a hot loop.
                let floor = await limiter.currentInterval(scope)
                let wait = configuration.retry.withJitter(max(error.retryAfter ?? .zero, floor))
                logger.notice(
                    "PluralKit rate limit hit; waiting",
                    metadata: ["request": "\(label)", "scope": "\(error.scope ?? "")", "wait": "\(wait)"])
                await limiter.delay(scope, by: wait)
                continue
            }
            if response.status >= 500, response.status != 501, mayRepeat, failures < configuration.retry.maxRetries {
                failures += 1
                let wait = configuration.retry.withJitter(configuration.retry.backoff(attempt: failures))
                logger.warning(
                    "PluralKit server error; retrying",
                    metadata: ["request": "\(label)", "status": "\(response.status)", "retry_in": "\(wait)"])
                try await clock.sleep(wait)
                continue
            }
            throw error
        }
    }

    private func limiterObserve(_ scope: RateLimitScope, _ response: TransportResponse) async {
        let limit = response.header("X-RateLimit-Limit").flatMap { Int($0) }
        let remaining = response.header("X-RateLimit-Remaining").flatMap { Int($0) }
        guard limit != nil || remaining != nil else { return }
        let resetAfter = response.header("X-RateLimit-Reset").flatMap(Double.init).map {
            Self.resetDelay(headerValue: $0, now: wallClock())
        }
        await limiter.observe(scope, limit: limit, remaining: remaining, resetAfter: resetAfter)
    }

    /// How long until a `X-RateLimit-Reset` moment. PluralKit sends UNIX seconds, its docs say
    /// milliseconds: values above 10^11 are taken as milliseconds.
    static func resetDelay(headerValue: Double, now: Timestamp) -> Duration {
        let resetMilliseconds = Int64(headerValue > 1e11 ? headerValue : headerValue * 1000)
        let nowMilliseconds = now.secondsSince1970 * 1000 + Int64(now.nanoseconds / 1_000_000)
        return .milliseconds(resetMilliseconds - nowMilliseconds)
    }

    static func apiError(_ response: TransportResponse, _ label: String) -> PluralKitError {
        let status = response.status
        let body = try? JSONDecoder().decode(APIErrorBody.self, from: Data(response.body))
        var message = body?.message
        if message == nil {
            switch status {
            case 400 where response.body.isEmpty:
                message = "bad request (empty reply; the server sends this when the User-Agent header is missing)"
            case 404 where response.body.isEmpty:
                message = "not found (empty reply: no such route; check the API base URL and version)"
            default:
                let text = String(
                    String(decoding: response.body.prefix(120), as: UTF8.self).map { $0.isNewline ? " " : $0 })
                message = response.body.isEmpty ? "HTTP \(status) with an empty reply" : "HTTP \(status): \(text)"
            }
        }
        return PluralKitError(
            kind: .api, status: status, code: body?.code.map(PluralKitError.Code.init(rawValue:)),
            message: message!, fieldErrors: body?.errors ?? [:],
            retryAfter: body?.retryAfter.map { .milliseconds(Int64($0.rounded(.up))) }, scope: body?.scope,
            request: label)
    }

    static func queryString(_ query: [(String, String)]) -> String {
        guard !query.isEmpty else { return "" }
        return "?" + query.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    static func percentEncode(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"), UInt8(ascii: ":"), UInt8(ascii: "@"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    static func describe(decodingError error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing key \(path(context)).\(key.stringValue)"
        case .typeMismatch(let type, let context): return "expected \(type) at \(path(context))"
        case .valueNotFound(let type, let context): return "null where \(type) was expected at \(path(context))"
        case .dataCorrupted(let context): return "\(context.debugDescription) at \(path(context))"
        @unknown default: return "\(error)"
        }
    }

    /// Checks an update before sending it.
    func checked<U: CheckedUpdate>(_ update: U, _ what: String) throws -> U {
        guard update.hasChanges else {
            throw PluralKitError(kind: .invalidRequest, message: "\(what) changes nothing; set at least one field")
        }
        try update.validate()
        return update
    }
}
