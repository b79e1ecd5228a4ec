import HTTPTypes
public import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The request context of the fake's HTTP server: keeps the connection, for the client
/// address and for faults that act on the connection.
public struct FakeContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection the request came on.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

extension FakePluralKit {
    /// The Hummingbird application serving this fake.
    /// - Parameter onRunning: called with the bound port once the server listens.
    public func application(
        host: String = "127.0.0.1", port: Int = 0, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let responder = CallbackResponder<FakeContext> { [self] request, context in
            let body = try await request.body.collect(upTo: 4 << 20)
            let fake = FakeRequest(
                method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
                headers: request.headers.map { ($0.name.rawName, $0.value) },
                body: Array(body.readableBytesView),
                remoteAddress: context.channel.remoteAddress?.ipAddress ?? "unknown")
            let answer = handle(fake)
            if let delay = answer.delay { try await Task.sleep(for: .milliseconds(Int64(delay * 1000))) }
            var headers = HTTPFields()
            for (name, value) in answer.headers {
                if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
            }
            let channel = context.channel
            switch answer.connection {
            case .reset?:
                try? await channel.close()
                throw FakeError(.injected, "connection reset by fault injection")
            case .truncate(let count)?:
                headers[.contentLength] = String(answer.body.count)
                let part = Array(answer.body.prefix(count))
                return Response(
                    status: HTTPResponse.Status(code: answer.status), headers: headers,
                    body: ResponseBody { writer in
                        try await writer.write(ByteBuffer(bytes: part))
                        try? await channel.close()
                        try await writer.finish(nil)
                    })
            case nil:
                return Response(
                    status: HTTPResponse.Status(code: answer.status), headers: headers,
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
            }
        }
        var logger = Logger(label: "PluralKitFake")
        logger.logLevel = .warning
        return Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// Runs the server until the task is cancelled.
    public func run(
        host: String = "127.0.0.1", port: Int = 0, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        try await application(host: host, port: port, onRunning: onRunning).run()
    }

    /// Starts the server on a free loopback port, runs `body` with its base URL
    /// (`http://127.0.0.1:PORT/v2`), then stops the server.
    public func withServer<T: Sendable>(
        host: String = "127.0.0.1", port: Int = 0, _ body: @Sendable (_ baseURL: String) async throws -> T
    ) async throws -> T {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = application(host: host, port: port) { port in continuation.yield(port) }
        var logger = Logger(label: "PluralKitFake")
        logger.logLevel = .warning
        // Stopped by a graceful shutdown, not a cancellation (which Hummingbird logs as an error).
        let services = ServiceGroup(
            configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await services.run()
                continuation.finish()
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let bound = await iterator.next() else {
                throw FakeError(.serverFailed, "the fake server did not start")
            }
            let result: T
            do {
                result = try await body("http://\(host):\(bound)/v2")
            } catch {
                await services.triggerGracefulShutdown()
                while try await group.next() != nil {}
                throw error
            }
            await services.triggerGracefulShutdown()
            while try await group.next() != nil {}
            return result
        }
    }
}
