import Foundation
import PluralKitFake
import Synchronization
import Testing

/// A settable clock for in-process requests.
final class ManualTime: Sendable {
    let micros = Mutex<Int64>(1_780_000_000_123_456)
    var now: FakeTime { FakeTime(micros: micros.withLock { $0 }) }
    func advance(seconds: Double) { micros.withLock { $0 += Int64(seconds * 1e6) } }
}

func request(_ method: String, _ path: String, token: String? = nil, body: String = "", query: String = "")
    -> FakeRequest
{
    var headers = [("User-Agent", "test")]
    if let token { headers.append(("Authorization", token)) }
    if !body.isEmpty { headers.append(("Content-Type", "application/json")) }
    return FakeRequest(method: method, path: path, query: query, headers: headers, body: Array(body.utf8))
}

@Suite("The fake's rate limiter")
struct FakeRateLimitTests {
    @Test("strict mode: a burst from idle gets 8 GETs or 2 writes, like the server (gcra_sim.py)")
    func burst() throws {
        let time = ManualTime()
        let fake = FakePluralKit(now: { time.now })
        let system = fake.seed(3, members: 3, groups: 0)
        let gets = (0..<14).map { _ in fake.handle(request("GET", "/v2/systems/\(system.id)")) }
        #expect(gets.filter { $0.status == 200 }.count == 8)
        #expect(gets.prefix(8).allSatisfy { $0.status == 200 })
        let remaining = gets.prefix(8).map { r in r.headers.first { $0.0 == "X-RateLimit-Remaining" }?.1 }
        #expect(remaining == ["8", "7", "6", "5", "4", "3", "2", "1"])
        let first429 = try #require(gets.first { $0.status == 429 })
        #expect(
            String(decoding: first429.body, as: UTF8.self)
                == #"{"message":"429: too many requests","retry_after":0,"scope":"generic_get","code":0}"#)
        let later = String(decoding: gets[9].body, as: UTF8.self)
        #expect(later.contains(#""retry_after":1,"#))

        let member = system.members[0].id
        let writes = (0..<5).map { i in
            fake.handle(request("PATCH", "/v2/members/\(member)", token: system.token, body: #"{"pronouns":"p\#(i)"}"#))
        }
        #expect(writes.map(\.status) == [200, 200, 429, 429, 429])
        #expect(
            String(decoding: writes[3].body, as: UTF8.self).contains(#""retry_after":334,"scope":"generic_update""#))
    }

    @Test("strict mode: pacing at the rate never trips; sustained over-rate traffic starves")
    func pacing() {
        let time = ManualTime()
        let fake = FakePluralKit(now: { time.now })
        let system = fake.seed(3, members: 1, groups: 0)
        var paced = ""
        for _ in 0..<60 {
            paced += fake.handle(request("GET", "/v2/systems/\(system.id)")).status == 200 ? "." : "X"
            time.advance(seconds: 0.1)
        }
        #expect(paced == String(repeating: ".", count: 60))
        time.advance(seconds: 5)
        var fast = ""
        for _ in 0..<60 {
            fast += fake.handle(request("GET", "/v2/systems/\(system.id)")).status == 200 ? "." : "X"
            time.advance(seconds: 0.05)
        }
        #expect(fast == String(repeating: ".", count: 16) + String(repeating: "X", count: 44))
    }

    @Test("headers: limit, remaining, reset in seconds (or milliseconds), scope own_system_* for own requests")
    func headers() throws {
        let time = ManualTime()
        let fake = FakePluralKit(now: { time.now })
        let system = fake.seed(3, members: 1, groups: 0)
        func header(_ r: FakeResponse, _ name: String) -> String? { r.headers.first { $0.0 == name }?.1 }
        let own = fake.handle(request("GET", "/v2/systems/@me", token: system.token))
        #expect(header(own, "X-RateLimit-Scope") == "own_system_get")
        #expect(header(own, "X-RateLimit-Limit") == "10")
        let reset = try #require(header(own, "X-RateLimit-Reset").flatMap(Int64.init))
        #expect(reset == 1_780_000_000 || reset == 1_780_000_001)
        let generic = fake.handle(request("GET", "/v2/systems/\(system.id)"))
        #expect(header(generic, "X-RateLimit-Scope") == "generic_get")
        // Own and generic traffic use separate buckets.
        #expect(header(generic, "X-RateLimit-Remaining") == "8")
        let write = fake.handle(request("PATCH", "/v2/systems/@me", token: system.token, body: #"{"tag":"x"}"#))
        #expect(header(write, "X-RateLimit-Scope") == "own_system_update")
        #expect(header(write, "X-RateLimit-Limit") == "3")
        var ms = fake.rateLimits
        ms.resetInMilliseconds = true
        fake.rateLimits = ms
        let inMs = try #require(
            header(fake.handle(request("GET", "/v2/systems/\(system.id)")), "X-RateLimit-Reset").flatMap(Int64.init))
        #expect(inMs > 1_780_000_000_000 && inMs < 1_780_000_002_000)
    }

    @Test("the 429 body has the shape of the examples (code and docs)")
    func fidelity429() throws {
        let time = ManualTime()
        let fake = FakePluralKit(now: { time.now })
        let system = fake.seed(3, members: 1, groups: 0)
        let refused = try #require((0..<10).map { _ in fake.handle(request("GET", "/v2/systems/\(system.id)")) }.last)
        #expect(refused.status == 429)
        let got = try #require(JSON.parse(refused.body))
        #expect(sameShape(try example("error-429-rate-limited.json"), got).isEmpty)
        let docsText = String(
            decoding: try Data(
                contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                    .deletingLastPathComponent().appendingPathComponent(
                        "PluralKitTests/Fixtures/docs-429-as-shown-in-docs.jsonc")), as: UTF8.self)
        let docs = try #require(
            JSON.parse(
                docsText.split(separator: "\n").map { $0.split(separator: "//").first.map(String.init) ?? "" }.joined(
                    separator: "\n")))
        // The server adds `scope` between `retry_after` and `code`; the documented keys keep their order.
        #expect(got.keys.filter { docs.keys.contains($0) } == docs.keys)
    }

    @Test("gateway answers before the limiter cost nothing and carry no rate-limit headers")
    func beforeLimiter() {
        let time = ManualTime()
        let fake = FakePluralKit(now: { time.now })
        let system = fake.seed(3, members: 1, groups: 0)
        for _ in 0..<20 {
            let r = fake.handle(request("GET", "/v2/systems/zzzzzz"))
            #expect(r.status == 404)
            #expect(!r.headers.contains { $0.0 == "X-RateLimit-Remaining" })
            #expect(fake.handle(request("GET", "/v2/systems/@me")).status == 401)
        }
        #expect(fake.handle(request("GET", "/v2/systems/\(system.id)")).status == 200)
    }

    @Test("rates are configurable and limiting can be switched off")
    func configurable() {
        let time = ManualTime()
        let fake = FakePluralKit(now: { time.now })
        let system = fake.seed(3, members: 1, groups: 0)
        fake.rateLimits = RateLimitSettings(getRate: 100, updateRate: 30)
        // 99, as gcra_sim.py computes for rate 100.
        #expect(
            (0..<120).filter { _ in fake.handle(request("GET", "/v2/systems/\(system.id)")).status == 200 }.count == 99)
        fake.rateLimits = .off
        #expect((0..<500).allSatisfy { _ in fake.handle(request("GET", "/v2/systems/\(system.id)")).status == 200 })
    }

    @Test("faults: count, path filter, probability, and the control interface")
    func faults() {
        let fake = FakePluralKit()
        fake.rateLimits = .off
        let system = fake.seed(3, members: 1, groups: 0)
        fake.inject(Fault(.serverError, count: 2, pathContains: "/fronters"))
        #expect(fake.handle(request("GET", "/v2/systems/\(system.id)")).status == 200)
        #expect(fake.handle(request("GET", "/v2/systems/\(system.id)/fronters")).status == 500)
        #expect(fake.handle(request("GET", "/v2/systems/\(system.id)/fronters")).status == 500)
        #expect(fake.handle(request("GET", "/v2/systems/\(system.id)/fronters")).status == 204)
        fake.inject(Fault(.tokenRevoked, count: nil))
        #expect(fake.handle(request("GET", "/v2/systems/@me", token: system.token)).status == 401)
        #expect(fake.handle(request("GET", "/v2/systems/\(system.id)", token: system.token)).status == 200)
        fake.clearFaults()
        fake.inject(Fault(.badGateway, count: nil, probability: 0.5))
        let statuses = (0..<200).map { _ in fake.handle(request("GET", "/v2/systems/\(system.id)")).status }
        let failed = statuses.filter { $0 == 502 }.count
        #expect(failed > 50 && failed < 150)
        fake.clearFaults()
        let added = fake.handle(
            request(
                "POST", "/_control/faults", body: #"{"kind":"rate_limited","retry_after":250,"count":3,"method":"GET"}"#
            ))
        #expect(added.status == 200)
        #expect(fake.pendingFaults == [Fault(.rateLimited(retryAfterMilliseconds: 250), count: 3, method: "GET")])
        let limited = fake.handle(request("GET", "/v2/systems/\(system.id)"))
        #expect(limited.status == 429 && String(decoding: limited.body, as: UTF8.self).contains(#""retry_after":250"#))
        #expect(fake.handle(request("POST", "/_control/faults", body: #"{"kind":"nonsense"}"#)).status == 400)
        #expect(fake.handle(request("DELETE", "/_control/faults")).status == 204)
        #expect(fake.pendingFaults.isEmpty)
        #expect(
            fake.handle(
                request("POST", "/_control/ratelimit", body: #"{"enabled":true,"get_rate":50,"reset_unit":"ms"}"#)
            ).status == 200)
        #expect(fake.rateLimits == RateLimitSettings(getRate: 50, resetInMilliseconds: true))
    }
}
