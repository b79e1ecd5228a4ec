import Foundation
import Logging
import PluralKitTesting
import Synchronization
import Testing

@testable import PluralKit

/// A transport that records every request and answers from a handler.
final class StubTransport: HTTPTransport {
    typealias Handler = @Sendable (TransportRequest, Int) async throws -> TransportResponse
    private let state = Mutex<[TransportRequest]>([])
    private let handler: Handler

    init(_ handler: @escaping Handler) { self.handler = handler }

    /// Always answers with one status and body.
    convenience init(status: Int = 200, body: String = "{}", headers: [TransportRequest.Header] = []) {
        self.init { _, _ in TransportResponse(status: status, headers: headers, body: Array(body.utf8)) }
    }

    var requests: [TransportRequest] { state.withLock { $0 } }

    func send(_ request: TransportRequest, timeout: Duration) async throws -> TransportResponse {
        let index = state.withLock { log in
            log.append(request)
            return log.count - 1
        }
        return try await handler(request, index)
    }

    func shutdown() async throws {}
}

enum Fixture {
    static func data(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
        return try Data(contentsOf: url)
    }

    static func string(_ name: String) throws -> String {
        String(decoding: try data(name), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
        try JSONDecoder().decode(T.self, from: data(name))
    }
}

func json(_ string: String) throws -> JSONValue {
    try JSONDecoder().decode(JSONValue.self, from: Data(string.utf8))
}

func json(bytes: [UInt8]?) throws -> JSONValue? {
    guard let bytes else { return nil }
    return try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
}

let testToken = Token("AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/AbCdEfGhIjKlMnOpQrStUvWxYz01")!

/// A client over a stub, with no jitter and an immediate clock unless one is given.
func makeClient<C: Clock<Duration>>(
    _ transport: StubTransport, clock: C, token: Token? = testToken,
    rateLimit: RateLimitConfiguration = .init(), retry: RetryPolicy = RetryPolicy(jitter: 0),
    wallClock: @escaping @Sendable () -> Timestamp = { .now }, logger: Logger? = nil
) -> PluralKitClient {
    PluralKitClient(
        token: token,
        configuration: .init(
            baseURL: "http://pk.test/v2/", userAgent: "pkfrontd-tests", rateLimit: rateLimit, retry: retry),
        transport: transport, clock: clock, wallClock: wallClock,
        logger: logger ?? Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
}
