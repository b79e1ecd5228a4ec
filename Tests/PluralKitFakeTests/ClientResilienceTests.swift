import Foundation
import NIOHTTP1
import PluralKit
import PluralKitFake
import PluralKitTesting
import Testing

/// The client against the fake's limiter and faults, over real sockets.
@Suite("Client under rate limits and faults", .serialized)
struct ClientResilienceTests {
    static func configuration(
        reads: Double = 10, writes: Double = 3, timeout: Duration = .seconds(5),
        retry: RetryPolicy = RetryPolicy(initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(100))
    ) -> PluralKitClient.Configuration {
        .init(
            baseURL: "", userAgent: "pkfrontd-resilience-tests", timeout: timeout,
            rateLimit: .init(readsPerSecond: reads, writesPerSecond: writes), retry: retry)
    }

    @Test("200 GETs and 40 writes at once, strict limiter at 100/s and 30/s: all succeed, no 429 reaches the caller")
    func underLoad() async throws {
        let limits = RateLimitSettings(getRate: 100, updateRate: 30, strict: true)
        try await withFake(.socket, limits: limits, clientConfiguration: Self.configuration(reads: 100, writes: 30)) {
            env in
            let alex = env.id("Alex")
            let started = ContinuousClock.now
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<200 {
                    group.addTask {
                        switch i % 3 {
                        case 0: _ = try await env.owner.getSystem()
                        case 1: _ = try await env.owner.getMember(alex)
                        default: _ = try await env.owner.getFronters()
                        }
                        return true
                    }
                }
                for i in 0..<40 {
                    group.addTask {
                        try await env.owner.updateMember(alex, MemberUpdate(pronouns: .set("p\(i)")))
                        return false
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            let elapsed = started.duration(to: .now)
            let log = env.fake.requestLog
            let refused = log.filter { $0.status == 429 }.count
            #expect(outcomes.count == 240)
            #expect(refused <= 5, "429 in the fake's log: \(refused)")
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let getShare = 200 / (seconds * 100) * 100
            print(
                "load: 200 GETs + 40 writes in \(String(format: "%.2f", seconds)) s; 429 in log: \(refused); achieved GET rate \(String(format: "%.0f", getShare)) % of 100/s"
            )
        }
    }

    @Test("5xx on GETs: retried with backoff until success, or until the cap, then a typed error")
    func serverErrors() async throws {
        try await withFake(.socket, clientConfiguration: Self.configuration()) { env in
            env.fake.inject(Fault(.serverError, count: 2, pathContains: "/fronters"))
            _ = try await env.owner.getFronters()
            #expect(env.fake.requestLog.map(\.status) == [500, 500, 204])
            env.fake.clearRequestLog()
            env.fake.inject(Fault(.badGateway, count: nil))
            let error = await expectAPIError(502, nil) { _ = try await env.owner.getSystem() }
            #expect(error?.category == .serverError)
            #expect(error?.message.contains("502 Bad Gateway") == true)
            #expect(env.fake.requestLog.count == 4)  // 1 + 3 retries
            env.fake.clearFaults()
        }
    }

    @Test("writes are not blindly retried; idempotent ones are")
    func writes() async throws {
        try await withFake(.socket, clientConfiguration: Self.configuration()) { env in
            env.fake.inject(Fault(.serverError, count: 1, method: "POST"))
            await expectAPIError(500, 0) { try await env.owner.createSwitch(members: [env.id("Alex")]) }
            #expect(env.fake.requestLog.count == 1)
            env.fake.clearRequestLog()
            env.fake.inject(Fault(.connectionReset, count: 1, method: "POST"))
            do {
                try await env.owner.createSwitch(members: [env.id("Alex")])
                Issue.record("expected a transport error")
            } catch let error as PluralKitError {
                #expect(error.category == .transport)
            }
            #expect(env.fake.requestLog.count == 1)
            env.fake.clearRequestLog()
            env.fake.inject(Fault(.serverError, count: 1, method: "PATCH"))
            try await env.owner.updateMember(env.id("Alex"), MemberUpdate(pronouns: "any"))
            #expect(env.fake.requestLog.map(\.status) == [500, 200])
        }
    }

    @Test("a reset connection or a truncated body on a GET is retried")
    func connectionFaults() async throws {
        try await withFake(.socket, clientConfiguration: Self.configuration()) { env in
            env.fake.inject(Fault(.connectionReset, count: 1))
            let system = try await env.owner.getSystem()
            #expect(system.id.rawValue == env.system.id)
            env.fake.inject(Fault(.truncatedBody, count: 1))
            let members = try await env.owner.getMembers()
            #expect(members.count == 6)
            #expect(env.fake.requestLog.count == 4)
        }
    }

    @Test("malformed JSON is a decoding error naming the request, not retried")
    func malformed() async throws {
        try await withFake(.socket, clientConfiguration: Self.configuration()) { env in
            env.fake.inject(Fault(.malformedJSON, count: 1))
            do {
                _ = try await env.owner.getMember(env.id("Sam"))
                Issue.record("expected a decoding error")
            } catch let error as PluralKitError {
                #expect(error.category == .decoding)
                #expect(error.request == "GET /members/\(env.id("Sam"))")
            }
            #expect(env.fake.requestLog.count == 1)
        }
    }

    @Test("a reply slower than the timeout is a timeout error; the connection pool recovers")
    func timeouts() async throws {
        let config = Self.configuration(
            timeout: .milliseconds(300), retry: RetryPolicy(maxRetries: 1, initialBackoff: .milliseconds(10)))
        try await withFake(.socket, clientConfiguration: config) { env in
            env.fake.inject(Fault(.delay(1.5), count: 2))
            do {
                _ = try await env.owner.getSystem()
                Issue.record("expected a timeout")
            } catch let error as PluralKitError {
                #expect(error.category == .timeout)
                #expect(error.isTransient)
            }
            // The next requests work on the same client.
            for _ in 0..<3 { #expect(try await env.owner.getSystem().id.rawValue == env.system.id) }
        }
    }

    @Test("a revoked token is an unauthorized error at once")
    func revoked() async throws {
        try await withFake(.socket, clientConfiguration: Self.configuration()) { env in
            env.fake.inject(Fault(.tokenRevoked, count: nil))
            let error = await expectAPIError(401, 0) { _ = try await env.owner.getFronters() }
            #expect(error?.isUnauthorized == true)
            #expect(env.fake.requestLog.count == 1)
        }
    }

    @Test(
        "a 429 storm is waited out, never faster than the server's rate, even with retry_after 0 or 1 ms",
        arguments: [0, 1])
    func storm(retryAfter: Int) async throws {
        try await withFake(.socket, clientConfiguration: Self.configuration()) { env in
            env.fake.inject(Fault(.rateLimited(retryAfterMilliseconds: retryAfter), count: 4))
            _ = try await env.owner.getSystem()
            let log = env.fake.requestLog
            #expect(log.map(\.status) == [429, 429, 429, 429, 200])
            for (a, b) in zip(log, log.dropFirst()) {
                #expect(b.time.micros - a.time.micros >= 95_000, "retried after \(b.time.micros - a.time.micros) µs")
            }
            env.fake.clearRequestLog()
            env.fake.inject(Fault(.rateLimited(retryAfterMilliseconds: retryAfter), count: nil))
            let error = await expectAPIError(429, 0) { _ = try await env.owner.getSystem() }
            #expect(error?.category == .rateLimited && error?.scope == "generic_get")
            #expect(env.fake.requestLog.count == 6)  // 1 + 5 retries
            env.fake.clearFaults()
        }
    }

    @Test("X-RateLimit-Reset in seconds or milliseconds: a depleted bucket is waited out", arguments: [false, true])
    func resetUnits(milliseconds: Bool) async throws {
        let limits = RateLimitSettings(getRate: 10, updateRate: 3, strict: false, resetInMilliseconds: milliseconds)
        try await withFake(.socket, limits: limits, clientConfiguration: Self.configuration()) { env in
            // Someone else on this address empties the per-address bucket.
            for _ in 0..<10 { _ = try await raw(.GET, env.baseURL + "/systems/\(env.system.id)") }
            env.fake.clearRequestLog()
            let system = SystemRef.id(SystemID(env.system.id)!)
            for _ in 0..<10 { _ = try await env.stranger.getSystem(system) }
            let log = env.fake.requestLog
            #expect(log.filter { $0.status == 200 }.count == 10)
            #expect(log.count <= 13, "statuses: \(log.map(\.status))")
        }
    }

    @Test("a client configured faster than the server learns the server's limit")
    func learns() async throws {
        let limits = RateLimitSettings(getRate: 10, updateRate: 3, strict: true)
        try await withFake(.socket, limits: limits, clientConfiguration: Self.configuration(reads: 40)) { env in
            for _ in 0..<25 { _ = try await env.owner.getSystem() }
            let refused = env.fake.requestLog.filter { $0.status == 429 }.count
            #expect(refused == 0)
        }
    }
}
