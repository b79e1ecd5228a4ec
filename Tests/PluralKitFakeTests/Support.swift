import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PluralKit
import PluralKitFake
import Testing

/// A running fake with a seeded owner system, plus clients as the owner, as a stranger with no
/// token, and with a wrong token. Everything is stopped when the body returns.
struct FakeEnv: Sendable {
    let fake: FakePluralKit
    let system: SeededSystem
    let baseURL: String
    let owner: PluralKitClient
    let stranger: PluralKitClient
    let wrongToken: PluralKitClient

    /// A client for another token.
    func client(token: String?) -> PluralKitClient {
        PluralKitClient(token: token.flatMap(Token.init), configuration: Self.configuration(baseURL))
    }

    static func configuration(_ baseURL: String) -> PluralKitClient.Configuration {
        .init(
            baseURL: baseURL, userAgent: "pkfrontd-fake-tests", timeout: .seconds(5),
            rateLimit: .init(readsPerSecond: 1000, writesPerSecond: 1000), retry: .none)
    }

    func id(_ name: String) -> MemberID { MemberID(system.member(name)!.id)! }
    func group(_ name: String) -> GroupID { GroupID(system.group(name)!.id)! }
}

/// - Parameter limits: the fake's rate limiter; off by default, since these tests are about
///   behaviour, not pacing (the rate-limit tests turn it on).
func withFake<T: Sendable>(
    demo: Bool = false, limits: RateLimitSettings = .off, clientConfiguration: PluralKitClient.Configuration? = nil,
    _ body: @Sendable (FakeEnv) async throws -> T
) async throws -> T {
    let fake = FakePluralKit()
    fake.rateLimits = limits
    let system = demo ? fake.loadDemo() : fake.seed(7, members: 6, groups: 2)
    return try await fake.withServer { base in
        var config = clientConfiguration ?? FakeEnv.configuration(base)
        config.baseURL = base
        let env = FakeEnv(
            fake: fake, system: system, baseURL: base,
            owner: PluralKitClient(token: Token(system.token), configuration: config),
            stranger: PluralKitClient(token: nil, configuration: config),
            wrongToken: PluralKitClient(token: Token(String(repeating: "x", count: 64)), configuration: config))
        do {
            let result = try await body(env)
            try await shutdown(env)
            return result
        } catch {
            try? await shutdown(env)
            throw error
        }
    }
}

private func shutdown(_ env: FakeEnv) async throws {
    try await env.owner.shutdown()
    try await env.stranger.shutdown()
    try await env.wrongToken.shutdown()
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
                if escaped { escaped = false; current.append(c) }
                else if c == "\\" { escaped = true }
                else if c == "\"" {
                    inString = false
                    var j = i + 1
                    while j < chars.count, chars[j].isWhitespace { j += 1 }
                    if j < chars.count, chars[j] == ":", depth == startDepth { keys.append(current) }
                } else { current.append(c) }
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
