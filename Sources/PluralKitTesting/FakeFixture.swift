import Foundation
public import PluralKit
public import PluralKitFake
import Synchronization

/// A fake PluralKit with one seeded system, and clients that talk to it — the fixture that
/// the client, fake, tracker and daemon tests share (in the manner of HummingbirdTesting's
/// test client).
///
/// ``run(_:seed:limits:configuration:_:)`` builds it, runs the body and shuts every client it
/// made down, also when the body throws. Over ``Wire/inProcess`` (the default) requests go
/// through ``InProcessTransport``; over ``Wire/socket`` the fake listens on a free loopback
/// port and the clients use async-http-client, as in production.
public struct FakeFixture: Sendable {
    /// How requests reach the fake.
    public enum Wire: Sendable, Hashable {
        /// Straight to the fake's handler (``InProcessTransport``).
        case inProcess
        /// Over HTTP on a loopback port (Hummingbird and async-http-client).
        case socket
    }

    /// Which system the fake starts with.
    public enum Seed: Sendable, Hashable {
        /// The demo system (Alex, Sam, Kit, …), as `fake-api --demo` has it.
        case demo
        /// A generated system: a seed, how many members and groups.
        case generated(UInt64, members: Int, groups: Int)
    }

    /// The fake.
    public let fake: FakePluralKit
    /// The seeded system (ids, token, members, groups).
    public let system: SeededSystem
    /// The API base URL the clients use (`http://127.0.0.1:PORT/v2`, or a placeholder in process).
    public let baseURL: String
    /// How requests reach the fake.
    public let wire: Wire
    /// The configuration of the clients this fixture makes (with ``baseURL``).
    public let configuration: PluralKitClient.Configuration
    private let clients: Clients

    private init(
        fake: FakePluralKit, system: SeededSystem, baseURL: String, wire: Wire,
        configuration: PluralKitClient.Configuration
    ) {
        let clients = Clients()
        self.fake = fake
        self.system = system
        self.baseURL = baseURL
        self.wire = wire
        self.configuration = configuration
        self.clients = clients
        owner = Self.makeClient(
            token: system.token, configuration: configuration, baseURL: baseURL, wire: wire, fake: fake,
            clients: clients)
        anonymous = Self.makeClient(
            token: nil, configuration: configuration, baseURL: baseURL, wire: wire, fake: fake, clients: clients)
    }

    /// Clients made so far, shut down when the fixture ends.
    private final class Clients: Sendable {
        let list = Mutex<[PluralKitClient]>([])
    }

    /// A configuration for tests: a generous rate limit (the fake's limiter decides when it is
    /// on), no retries, a short timeout.
    public static func testConfiguration(
        userAgent: String = "pkfrontd-tests", timeout: Duration = .seconds(5), retry: RetryPolicy = .none
    ) -> PluralKitClient.Configuration {
        .init(
            baseURL: "http://pluralkit.invalid/v2", userAgent: userAgent, timeout: timeout,
            rateLimit: .init(readsPerSecond: 10_000, writesPerSecond: 10_000), retry: retry)
    }

    /// A client with the system's own token (one for the fixture's life).
    public let owner: PluralKitClient
    /// A client with no token, for public data (one for the fixture's life).
    public let anonymous: PluralKitClient

    /// A client with another token, or none (nil: public data only). Shut down with the fixture.
    /// - Parameters:
    ///   - configuration: instead of the fixture's (its base URL is replaced).
    ///   - baseURL: instead of ``baseURL`` (a wrong path on the same fake, say).
    public func client(
        token: String?, configuration: PluralKitClient.Configuration? = nil, baseURL: String? = nil
    ) -> PluralKitClient {
        Self.makeClient(
            token: token, configuration: configuration ?? self.configuration, baseURL: baseURL ?? self.baseURL,
            wire: wire, fake: fake, clients: clients)
    }

    private static func makeClient(
        token: String?, configuration: PluralKitClient.Configuration, baseURL: String, wire: Wire,
        fake: FakePluralKit, clients: Clients
    ) -> PluralKitClient {
        var configuration = configuration
        configuration.baseURL = baseURL
        let token = token.flatMap(Token.init)
        let client: PluralKitClient
        switch wire {
        case .inProcess:
            client = PluralKitClient(
                token: token, configuration: configuration, transport: InProcessTransport(fake: fake),
                clock: ContinuousClock())
        case .socket:
            client = PluralKitClient(token: token, configuration: configuration)
        }
        clients.list.withLock { $0.append(client) }
        return client
    }

    /// A member's id by name (the test's mistake, not a runtime condition, when it is unknown).
    public func id(_ name: String) -> MemberID {
        guard let id = system.member(name).flatMap({ MemberID($0.id) }) else {
            preconditionFailure("the seeded system has no member named \(name)")
        }
        return id
    }

    /// A group's id by name.
    public func group(_ name: String) -> GroupID {
        guard let id = system.group(name).flatMap({ GroupID($0.id) }) else {
            preconditionFailure("the seeded system has no group named \(name)")
        }
        return id
    }

    /// Seeds a fake, runs `body` with the fixture, then shuts down every client it made.
    /// - Parameters:
    ///   - wire: in process (default) or over a loopback socket.
    ///   - seed: the demo system or a generated one.
    ///   - limits: the fake's rate limiter; off by default (tests about pacing turn it on).
    ///   - configuration: the clients' configuration (its base URL is replaced).
    ///   - fake: the fake to seed (one made with a test clock, say).
    public static func run<T: Sendable>(
        _ wire: Wire = .inProcess, seed: Seed = .demo, limits: RateLimitSettings = .off,
        configuration: PluralKitClient.Configuration = testConfiguration(),
        fake: FakePluralKit = FakePluralKit(),
        _ body: @Sendable (FakeFixture) async throws -> T
    ) async throws -> T {
        fake.rateLimits = limits
        let system: SeededSystem
        switch seed {
        case .demo: system = fake.loadDemo()
        case .generated(let seed, let members, let groups): system = fake.seed(seed, members: members, groups: groups)
        }
        @Sendable func run(baseURL: String) async throws -> T {
            let fixture = FakeFixture(
                fake: fake, system: system, baseURL: baseURL, wire: wire, configuration: configuration)
            do {
                let result = try await body(fixture)
                try await fixture.shutdown()
                return result
            } catch {
                try? await fixture.shutdown()
                throw error
            }
        }
        switch wire {
        case .inProcess:
            let host = "fake-\(UUID().uuidString.lowercased()).pluralkit.invalid"
            registry.withLock { $0[host] = fake }
            defer { _ = registry.withLock { $0.removeValue(forKey: host) } }
            return try await run(baseURL: "http://\(host)/v2")
        case .socket: return try await fake.withServer { base in try await run(baseURL: base) }
        }
    }

    /// The fakes of running in-process fixtures, by the host of their base URL.
    private static let registry = Mutex<[String: FakePluralKit]>([:])

    /// The fake of a running in-process fixture whose base URL `url` points into, so that a
    /// test's hand-made requests (``InProcessTransport`` or its own raw exchange) reach it;
    /// nil for any other URL (a socket fixture's URL is a real one).
    public static func fake(serving url: String) -> FakePluralKit? {
        guard let scheme = url.range(of: "://") else { return nil }
        let rest = url[scheme.upperBound...]
        let host = rest.prefix { $0 != "/" && $0 != ":" && $0 != "?" }
        return registry.withLock { $0[String(host)] }
    }

    private func shutdown() async throws {
        for client in clients.list.withLock({ $0 }) { try await client.shutdown() }
    }
}
