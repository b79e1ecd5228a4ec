import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix

/// The default transport: one async-http-client `HTTPClient` with one connection pool,
/// shared by every request of a ``PluralKitClient``.
public final class AsyncHTTPClientTransport: HTTPTransport {
    private let client: HTTPClient
    /// The largest response body accepted (PluralKit's largest, a 1000-member list, is ~2 MB).
    public let maxBodyBytes: Int
    /// How long to wait for a TCP connection.
    public let connectTimeout: Duration

    /// Creates a transport with its own connection pool on the shared event loop group.
    /// - Parameters:
    ///   - connectTimeout: how long to wait for a TCP connection (short: a host that does not
    ///     answer should fail a poll in seconds; the read timeout is the client's `timeout`).
    ///   - maxConnections: connections kept per host.
    public init(connectTimeout: Duration = .seconds(4), maxConnections: Int = 4, maxBodyBytes: Int = 16 << 20) {
        self.connectTimeout = connectTimeout
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(
            connect: .nanoseconds(
                Int64(connectTimeout.components.seconds) * 1_000_000_000
                    + connectTimeout.components.attoseconds / 1_000_000_000))
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnections)
        // A refused or failed connection fails the attempt at once: the client retries on its
        // own schedule (RetryPolicy). Left on, the pool would retry quietly until the connect
        // timeout, so every attempt against a host that refuses would take the whole timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.maxBodyBytes = maxBodyBytes
    }

    public func send(_ request: TransportRequest, timeout: Duration) async throws -> TransportResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for header in request.headers { outgoing.headers.add(name: header.name, value: header.value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        let deadline = TimeAmount.nanoseconds(
            Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        do {
            let response = try await client.execute(outgoing, timeout: deadline)
            var buffer = try await response.body.collect(upTo: maxBodyBytes)
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            return TransportResponse(
                status: Int(response.status.code),
                headers: response.headers.map { .init($0.name, $0.value) },
                body: bytes)
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPClientError {
            if error == .cancelled { throw CancellationError() }
            if Task.isCancelled { throw CancellationError() }
            throw Self.failure(error, timeout: timeout)
        } catch let error as NIOConnectionError {
            throw TransportFailure(isTimeout: false, mayHaveBeenSent: false, description: "could not connect: \(error)")
        } catch let error as ChannelError {
            if Task.isCancelled { throw CancellationError() }
            var timeout = false
            if case .connectTimeout = error { timeout = true }
            throw TransportFailure(
                isTimeout: timeout, mayHaveBeenSent: !timeout, description: "connection failed: \(error)")
        } catch let error as IOError {
            let refused = error.errnoCode == 111  // ECONNREFUSED
            throw TransportFailure(
                isTimeout: false, mayHaveBeenSent: !refused, description: "connection failed: \(error)")
        } catch {
            if Task.isCancelled { throw CancellationError() }
            // Other libraries' error texts may quote the request (headers included): only the type is named.
            throw TransportFailure(
                isTimeout: false, mayHaveBeenSent: true, description: "request failed (\(type(of: error)))")
        }
    }

    /// Our own words for async-http-client's errors. Their descriptions are never used: some
    /// quote header values (the Authorization header among them).
    static func failure(_ error: HTTPClientError, timeout: Duration) -> TransportFailure {
        switch error {
        case .connectTimeout, .tlsHandshakeTimeout, .getConnectionFromPoolTimeout:
            return TransportFailure(isTimeout: true, mayHaveBeenSent: false, description: "could not connect in time")
        case .deadlineExceeded, .readTimeout, .writeTimeout:
            return TransportFailure(isTimeout: true, mayHaveBeenSent: true, description: "no answer within \(timeout)")
        case .remoteConnectionClosed:
            return TransportFailure(
                isTimeout: false, mayHaveBeenSent: true, description: "the server closed the connection")
        case .bodyLengthMismatch:
            return TransportFailure(isTimeout: false, mayHaveBeenSent: true, description: "the reply was cut short")
        case .invalidProxyResponse, .proxyAuthenticationRequired, .httpProxyHandshakeTimeout, .socksHandshakeTimeout:
            return TransportFailure(isTimeout: false, mayHaveBeenSent: false, description: "the proxy failed")
        case .invalidURL, .emptyHost, .emptyScheme:
            return TransportFailure(isTimeout: false, mayHaveBeenSent: false, description: "the API URL is not valid")
        case .alreadyShutdown:
            return TransportFailure(
                isTimeout: false, mayHaveBeenSent: false, description: "the HTTP client was already shut down")
        default:
            return TransportFailure(
                isTimeout: false, mayHaveBeenSent: true,
                description:
                    "the HTTP library refused or failed the request (a header or the URL it cannot send, or a protocol error)"
            )
        }
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }
}
