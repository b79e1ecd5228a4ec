import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A local HTTP receiver for webhook tests: records every request (method, path, headers,
/// body) and answers with the statuses it is told, in order (then 204).
public final class WebhookRecorder: Sendable {
    /// One request as it arrived.
    public struct Request: Sendable, Hashable {
        /// `POST`, …
        public var method: String
        /// The path and query.
        public var path: String
        /// The headers, names lowercased.
        public var headers: [String: String]
        /// The body as text.
        public var body: String
    }

    private struct State {
        var requests: [Request] = []
        var statuses: [Int] = []
    }
    private let state = Mutex(State())

    /// Creates a recorder that answers `statuses` in order, then 204.
    public init(statuses: [Int] = []) {
        state.withLock { $0.statuses = statuses }
    }

    /// What arrived so far.
    public var requests: [Request] { state.withLock { $0.requests } }

    /// Starts the receiver on a free loopback port, runs `body` with its base URL
    /// (`http://127.0.0.1:PORT`), then stops it.
    public func withServer<T: Sendable>(_ body: @Sendable (_ baseURL: String) async throws -> T) async throws -> T {
        let responder = CallbackResponder<BasicRequestContext> { [self] request, _ in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let recorded = Request(
                method: request.method.rawValue, path: request.uri.description,
                headers: Dictionary(
                    request.headers.map { ($0.name.canonicalName, $0.value) }, uniquingKeysWith: { a, b in a + "," + b }
                ),
                body: String(buffer: bytes))
            let status = state.withLock { s in
                s.requests.append(recorded)
                return s.statuses.isEmpty ? 204 : s.statuses.removeFirst()
            }
            return Response(
                status: HTTPResponse.Status(code: status),
                body: ResponseBody(byteBuffer: ByteBuffer(string: "recorded")))
        }
        var logger = Logger(label: "WebhookRecorder")
        logger.logLevel = .warning
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await services.run()
                continuation.finish()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            let result: Result<T, any Error>
            do { result = .success(try await body("http://127.0.0.1:\(port)")) } catch { result = .failure(error) }
            await services.triggerGracefulShutdown()
            while try await group.next() != nil {}
            return try result.get()
        }
    }
}
