import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PluralKit
import PluralKitFake
import PluralKitTesting
import Testing

/// The shared fixture (`PluralKitTesting`): a fake with a seeded owner system and clients.
typealias FakeEnv = FakeFixture

extension FakeFixture {
    /// A client with no token (public data only).
    var stranger: PluralKitClient { anonymous }
    /// A client with a token the fake does not know.
    var wrongToken: PluralKitClient { client(token: String(repeating: "x", count: 64)) }

    static func configuration(_ baseURL: String) -> PluralKitClient.Configuration {
        var configuration = testConfiguration(userAgent: "pkfrontd-fake-tests")
        configuration.baseURL = baseURL
        return configuration
    }
}

/// Runs `body` against a seeded fake: in process unless `wire` says `.socket` (the tests about
/// the wire itself: resets, truncated bodies, the connection pool).
/// - Parameter limits: the fake's rate limiter; off by default, since these tests are about
///   behaviour, not pacing (the rate-limit tests turn it on).
func withFake<T: Sendable>(
    _ wire: FakeFixture.Wire = .inProcess, demo: Bool = false, limits: RateLimitSettings = .off,
    clientConfiguration: PluralKitClient.Configuration? = nil,
    _ body: @Sendable (FakeEnv) async throws -> T
) async throws -> T {
    try await FakeFixture.run(
        wire, seed: demo ? .demo : .generated(7, members: 6, groups: 2), limits: limits,
        configuration: clientConfiguration ?? FakeFixture.testConfiguration(userAgent: "pkfrontd-fake-tests"), body)
}

/// Expects a PluralKitError with that status and code.
@discardableResult
func expectAPIError(
    _ status: Int, _ code: Int?, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async -> PluralKitError? {
    do {
        try await body()
        Issue.record("expected HTTP \(status) \(code.map(String.init) ?? "")", sourceLocation: sourceLocation)
        return nil
    } catch let error as PluralKitError {
        #expect(error.status == status, "\(error)", sourceLocation: sourceLocation)
        #expect(error.code?.rawValue == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// A raw HTTP exchange, for what the client cannot produce.
struct RawReply {
    var status: Int
    var headers: HTTPHeaders
    var body: String
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8), options: [.fragmentsAllowed]) }
}

func raw(
    _ method: HTTPMethod, _ url: String, token: String? = nil, userAgent: String? = "raw-test", body: String? = nil
) async throws -> RawReply {
    var request = HTTPClientRequest(url: url)
    request.method = method
    if let userAgent { request.headers.add(name: "User-Agent", value: userAgent) }
    if let token { request.headers.add(name: "Authorization", value: token) }
    if let body {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
    }
    if let fake = FakeFixture.fake(serving: url) {
        let reply = try await InProcessTransport(fake: fake).send(
            TransportRequest(
                method: method.rawValue, url: url, headers: request.headers.map { .init($0.name, $0.value) },
                body: body.map { Array($0.utf8) }),
            timeout: .seconds(5))
        return RawReply(
            status: reply.status, headers: HTTPHeaders(reply.headers.map { ($0.name, $0.value) }),
            body: String(decoding: reply.body, as: UTF8.self))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
    let bytes = try await response.body.collect(upTo: 1 << 22)
    return RawReply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
}

/// The keys of a JSON object in document order (JSONSerialization loses the order).
func orderedKeys(_ text: String) -> [String] {
    guard let value = JSONValueOrder.parse(text) else { return [] }
    return value
}

enum JSONValueOrder {
    /// Top-level object keys in order, or for an array, the first element's keys.
    static func parse(_ text: String) -> [String]? {
        var depth = 0
        var keys: [String] = []
        var inString = false
        var escaped = false
        var current = ""
        var startDepth = -1
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if inString {
                if escaped {
                    escaped = false
                    current.append(c)
                } else if c == "\\" {
                    escaped = true
                } else if c == "\"" {
                    inString = false
                    var j = i + 1
                    while j < chars.count, chars[j].isWhitespace { j += 1 }
                    if j < chars.count, chars[j] == ":", depth == startDepth { keys.append(current) }
                } else {
                    current.append(c)
                }
            } else if c == "\"" {
                inString = true
                current = ""
            } else if c == "{" {
                depth += 1
                if startDepth == -1 { startDepth = depth }
            } else if c == "}" {
                if depth == startDepth { return keys }
                depth -= 1
            } else if c == "[" || c == "]" {
                // arrays don't change object depth for our purpose
            }
            i += 1
        }
        return startDepth == -1 ? nil : keys
    }
}
