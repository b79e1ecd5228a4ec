import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Sends a `webhook` action (`../shared/RULES-ENGINE.md`, "Delivery"): a POST of its JSON body
/// with the rule's headers, `Content-Type: application/json` (unless the rule sets one) and
/// `Idempotency-Key: <PK_ACTION_ID>`, so a receiver can drop a repeat. Retried only on
/// connection errors and 5xx answers, 3 tries in all; redirects are not followed; the answer's
/// body is read up to 64 KiB and dropped. One request at a time per URL is the caller's part
/// (``EffectRunner``).
public final class WebhookSender: Sendable {
    /// How a delivery ended.
    public enum Outcome: Sendable, Hashable {
        /// The receiver answered 2xx.
        case delivered(status: Int, tries: Int)
        /// Given up: `code` is short (`http_404`, `5xx`, `connection`, `timeout`, `invalid`),
        /// `error` says what happened.
        case failed(code: String, error: String, tries: Int)
    }

    /// Tries in all (the first one included).
    public static let tries = 3
    /// How much of an answer's body is read (the rest is not waited for).
    public static let bodyLimit = 64 * 1024

    private let client = Mutex<HTTPClient?>(nil)
    private let userAgent: String
    private let pause: @Sendable (Duration) async throws -> Void

    /// Creates a sender; its HTTP client is made at the first request (shut it down with ``shutdown()``).
    /// - Parameters:
    ///   - pause: waits between tries (1 s, then 2 s; a test clock in tests).
    public init(userAgent: String, pause: @escaping @Sendable (Duration) async throws -> Void) {
        self.userAgent = userAgent
        self.pause = pause
    }

    /// Shuts the HTTP client down (if one was made).
    public func shutdown() async throws {
        let made = client.withLock { c in
            defer { c = nil }
            return c
        }
        try await made?.shutdown()
    }

    private func httpClient() -> HTTPClient {
        client.withLock { c in
            if let c { return c }
            var configuration = HTTPClient.Configuration()
            configuration.redirectConfiguration = .disallow
            configuration.timeout = .init(connect: .seconds(10))
            // A refused connection fails the try at once (our own 3 tries follow), rather than
            // the pool retrying quietly until the request's timeout.
            configuration.connectionPool.retryConnectionEstablishment = false
            let made = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            c = made
            return made
        }
    }

    /// POSTs `body` to `url`; returns how it ended (never throws: a failure is an outcome).
    public func send(
        url: String, headers: [String: String], body: String, idempotencyKey: String, timeout: Duration
    ) async -> Outcome {
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
            parsed.host != nil
        else {
            return .failed(code: "invalid", error: "'\(Self.shown(url))' is not an http(s) URL", tries: 0)
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "User-Agent", value: userAgent)
        if !headers.keys.contains(where: { $0.lowercased() == "content-type" }) {
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        for (name, value) in headers.sorted(by: { $0.key < $1.key })
        where name.lowercased() != "idempotency-key" && name.lowercased() != "content-length" {
            // A rendered value cannot end the header (no CR/LF reaches the wire).
            let flat = value.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
            request.headers.add(name: name, value: flat)
        }
        request.headers.add(name: "Idempotency-Key", value: idempotencyKey)
        let bytes = ByteBuffer(string: body)
        var last: Outcome = .failed(code: "connection", error: "not sent", tries: 0)
        for attempt in 1...Self.tries {
            if Task.isCancelled { return .failed(code: "cancelled", error: "the daemon stopped", tries: attempt - 1) }
            request.body = .bytes(bytes)
            let retry: Bool
            do {
                let response = try await httpClient().execute(request, timeout: .nanoseconds(timeout.nanoseconds))
                var read = 0
                for try await chunk in response.body {
                    read += chunk.readableBytes
                    if read >= Self.bodyLimit { break }
                }
                let status = Int(response.status.code)
                if (200..<300).contains(status) { return .delivered(status: status, tries: attempt) }
                let code = status >= 500 ? "5xx" : "http_\(status)"
                last = .failed(
                    code: code, error: "\(Self.shown(url)) answered \(status) \(response.status.reasonPhrase)",
                    tries: attempt)
                retry = status >= 500
            } catch {
                let (code, text, retryable) = Self.describe(error, url: url)
                last = .failed(code: code, error: text, tries: attempt)
                retry = retryable
            }
            guard retry, attempt < Self.tries else { return last }
            do { try await pause(.seconds(1 << (attempt - 1))) } catch { return last }
        }
        return last
    }

    /// What an error means for a delivery: its code, words for people, whether to try again.
    static func describe(_ error: any Error, url: String) -> (String, String, Bool) {
        let shown = Self.shown(url)
        if error is CancellationError { return ("cancelled", "the daemon stopped", false) }
        if let e = error as? HTTPClientError {
            switch e {
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                return ("timeout", "\(shown) did not answer in time", false)
            case .connectTimeout:
                return ("connection", "could not connect to \(shown) in time", true)
            case .remoteConnectionClosed:
                return ("connection", "\(shown) closed the connection", true)
            default: break
            }
        }
        if error is ChannelError || error is IOError {
            return ("connection", "could not connect to \(shown): \(error)", true)
        }
        return ("connection", "sending to \(shown) failed: \(error)", true)
    }

    /// A URL as the journal shows it: scheme, host and port only (paths and queries often hold
    /// secrets, e.g. a Discord webhook's token).
    public static func shown(_ url: String) -> String {
        guard let u = URL(string: url), let scheme = u.scheme, let host = u.host else { return "the webhook URL" }
        let port = u.port.map { ":\($0)" } ?? ""
        let rest = (u.path.isEmpty || u.path == "/") && u.query == nil ? "" : "/…"
        return "\(scheme)://\(host)\(port)\(rest)"
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    var nanoseconds: Int64 {
        let (s, attos) = components
        return s * 1_000_000_000 + attos / 1_000_000_000
    }
}
