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

    /// Creates a transport with its own connection pool on the shared event loop group.
    /// - Parameters:
    ///   - connectTimeout: how long to wait for a TCP/TLS connection.
    ///   - maxConnections: connections kept per host.
    public init(connectTimeout: Duration = .seconds(10), maxConnections: Int = 4, maxBodyBytes: Int = 16 << 20) {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .nanoseconds(Int64(connectTimeout.components.seconds) * 1_000_000_000
            + connectTimeout.components.attoseconds / 1_000_000_000))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnections)
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
            switch error {
            case .connectTimeout:
                throw TransportFailure(isTimeout: true, mayHaveBeenSent: false, description: "connect timed out")
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                throw TransportFailure(isTimeout: true, mayHaveBeenSent: true, description: "no answer within \(timeout)")
            case .bodyLengthMismatch, .remoteConnectionClosed, .invalidProxyResponse:
                throw TransportFailure(isTimeout: false, mayHaveBeenSent: true, description: "connection failed: \(error)")
            default:
                throw TransportFailure(isTimeout: false, mayHaveBeenSent: true, description: "HTTP client error: \(error)")
            }
        } catch let error as NIOConnectionError {
            throw TransportFailure(isTimeout: false, mayHaveBeenSent: false, description: "could not connect: \(error)")
        } catch let error as ChannelError {
            if Task.isCancelled { throw CancellationError() }
            var timeout = false
            if case .connectTimeout = error { timeout = true }
            throw TransportFailure(isTimeout: timeout, mayHaveBeenSent: !timeout, description: "connection failed: \(error)")
        } catch let error as IOError {
            let refused = error.errnoCode == 111  // ECONNREFUSED
            throw TransportFailure(isTimeout: false, mayHaveBeenSent: !refused, description: "connection failed: \(error)")
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw TransportFailure(isTimeout: false, mayHaveBeenSent: true, description: "request failed: \(error)")
        }
    }

    public func shutdown() async throws {
        try await client.shutdown()
    }
}
