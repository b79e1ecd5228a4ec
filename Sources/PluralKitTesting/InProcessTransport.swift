import Foundation
public import PluralKit
public import PluralKitFake

/// An ``HTTPTransport`` that hands each request straight to a ``FakePluralKit``'s handler, in
/// the same process: no socket, no event loop, no connection pool to shut down.
///
/// It behaves like the socket path where the client can tell: the fake's status, headers and
/// body come back unchanged; an injected connection reset or truncated body is a
/// ``TransportFailure`` that may have been sent; an injected delay past the request's timeout is
/// a timeout. Tests that are about the wire itself (connection refused, pools, Hummingbird) keep
/// using ``FakePluralKit/withServer(host:port:_:)``.
public struct InProcessTransport: HTTPTransport {
    /// The fake that answers.
    public let fake: FakePluralKit
    /// The client address the fake sees (its rate limiter keys some buckets by it).
    public let remoteAddress: String
    private let sleep: @Sendable (Duration) async throws -> Void

    /// Creates a transport over `fake`.
    /// - Parameters:
    ///   - remoteAddress: the address the fake sees as the client's.
    ///   - clock: the clock an injected delay is waited on (a test clock makes it instant).
    public init<C: Clock<Duration>>(
        fake: FakePluralKit, remoteAddress: String = "127.0.0.1", clock: C = ContinuousClock()
    ) {
        self.fake = fake
        self.remoteAddress = remoteAddress
        sleep = { try await clock.sleep(for: $0) }
    }

    public func send(_ request: TransportRequest, timeout: Duration) async throws -> TransportResponse {
        try Task.checkCancellation()
        let target = Self.pathAndQuery(of: request.url)
        let answer = fake.handle(
            FakeRequest(
                method: request.method, path: target.path, query: target.query,
                headers: request.headers.map { ($0.name, $0.value) }, body: request.body ?? [],
                remoteAddress: remoteAddress))
        if let delay = answer.delay {
            let wait = Duration.milliseconds(Int64(delay * 1000))
            if wait >= timeout {
                try await sleep(timeout)
                throw TransportFailure(
                    isTimeout: true, mayHaveBeenSent: true, description: "no answer within \(timeout) (in process)")
            }
            try await sleep(wait)
        }
        switch answer.connection {
        case .reset?:
            throw TransportFailure(
                isTimeout: false, mayHaveBeenSent: true, description: "connection reset by peer (in process)")
        case .truncate(let count)?:
            throw TransportFailure(
                isTimeout: false, mayHaveBeenSent: true,
                description: "connection closed after \(count) of \(answer.body.count) body bytes (in process)")
        case nil:
            return TransportResponse(
                status: answer.status, headers: answer.headers.map { TransportRequest.Header($0.0, $0.1) },
                body: answer.body)
        }
    }

    /// Nothing to release.
    public func shutdown() async throws {}

    /// The path (without scheme and authority) and the raw query of an absolute URL.
    static func pathAndQuery(of url: String) -> (path: String, query: String) {
        var rest = Substring(url)
        if let scheme = rest.range(of: "://") {
            rest = rest[scheme.upperBound...]
            rest = rest.firstIndex(of: "/").map { rest[$0...] } ?? "/"
        }
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        guard let mark = rest.firstIndex(of: "?") else { return (String(rest), "") }
        return (String(rest[..<mark]), String(rest[rest.index(after: mark)...]))
    }
}
