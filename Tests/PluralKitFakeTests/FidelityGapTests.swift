import Foundation
import PluralKitFake
import Testing

@Suite("The fake's remaining fidelity gaps, closed")
struct FidelityGapTests {
    @Test(
        "POST and PATCH on /v2 without Content-Type: application/json are 415 (ProblemDetails); the control interface does not care"
    )
    func contentType() {
        let fake = FakePluralKit()
        fake.rateLimits = .off
        let system = fake.loadDemo()
        let body = Array(#"{"name":"New"}"#.utf8)
        let bare = FakeRequest(
            method: "PATCH", path: "/v2/systems/@me", headers: [("User-Agent", "t"), ("Authorization", system.token)],
            body: body)
        let refused = fake.handle(bare)
        #expect(refused.status == 415)
        #expect(String(decoding: refused.body, as: UTF8.self).contains(#""title":"Unsupported Media Type""#))
        var json = bare
        json.headers.append(("Content-Type", "application/json; charset=utf-8"))
        #expect(fake.handle(json).status == 200)
        let post = FakeRequest(
            method: "POST", path: "/v2/systems/@me/switches",
            headers: [("User-Agent", "t"), ("Authorization", system.token)], body: Array(#"{"members":[]}"#.utf8))
        #expect(fake.handle(post).status == 415)
        let control = FakeRequest(method: "POST", path: "/_control/switches", body: Array(#"{"members":["Sam"]}"#.utf8))
        #expect(fake.handle(control).status == 200)
    }

    @Test("an injected rate_limited fault carries all four rate-limit headers, like a real 429")
    func rateLimitedHeaders() {
        let fake = FakePluralKit()
        let system = fake.loadDemo()
        fake.inject(Fault(.rateLimited(retryAfterMilliseconds: 1500), count: 1))
        let response = fake.handle(request("GET", "/v2/systems/\(system.id)"))
        #expect(response.status == 429)
        let names = Set(response.headers.map { $0.0 })
        for name in ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Scope"] {
            #expect(names.contains(name), "\(name)")
        }
        let reset = Int64(response.headers.first { $0.0 == "X-RateLimit-Reset" }?.1 ?? "") ?? 0
        #expect(reset >= fake.now.micros / 1_000_000 + 1)
        #expect(response.headers.first { $0.0 == "X-RateLimit-Scope" }?.1 == "generic_get")
    }

    @Test("time zones are tz database names: GMT+5 is 400 / 40001, Etc/GMT+5 and Europe/Berlin are fine")
    func timeZones() {
        let fake = FakePluralKit()
        fake.rateLimits = .off
        let system = fake.loadDemo()
        func patch(_ tz: String) -> Int {
            fake.handle(
                request("PATCH", "/v2/systems/@me/settings", token: system.token, body: #"{"timezone":"\#(tz)"}"#)
            ).status
        }
        let refused = fake.handle(
            request("PATCH", "/v2/systems/@me/settings", token: system.token, body: #"{"timezone":"GMT+5"}"#))
        #expect(refused.status == 400)
        #expect(String(decoding: refused.body, as: UTF8.self).contains("40001"))
        #expect(patch("Etc/GMT+5") == 200)
        #expect(patch("Europe/Berlin") == 200)
        #expect(patch("UTC") == 200)
    }

    @Test("the request log records each request's body")
    func requestBodies() {
        let fake = FakePluralKit()
        let system = fake.loadDemo()
        fake.clearRequestLog()
        _ = fake.handle(request("PATCH", "/v2/systems/@me", token: system.token, body: #"{"tag":"| x"}"#))
        _ = fake.handle(request("GET", "/v2/systems/@me", token: system.token))
        #expect(fake.requestLog.map(\.body) == [#"{"tag":"| x"}"#, nil])
    }
}

@Suite("The fake's control interface: unique systems")
struct UniqueSystemTests {
    @Test("demo twice and the same seed twice give systems with distinct ids and tokens; a taken token is refused")
    func distinct() {
        let fake = FakePluralKit()
        let a = fake.loadDemo()
        let b = fake.loadDemo()
        let c = fake.seed(7)
        let d = fake.seed(7)
        #expect(Set([a.token, b.token, c.token, d.token]).count == 4)
        #expect(Set([a.id, b.id, c.id, d.id]).count == 4)
        #expect(
            fake.handle(
                FakeRequest(method: "POST", path: "/_control/demo", body: Array(#"{"token":"\#(a.token)"}"#.utf8))
            ).status == 400)
        #expect(
            fake.handle(
                FakeRequest(
                    method: "POST", path: "/_control/seed", body: Array(#"{"seed":3,"token":"\#(c.token)"}"#.utf8))
            ).status == 400)
        // The first use of a seed is still the same system every time.
        #expect(FakePluralKit().seed(7) == c)
    }

    @Test("seeded creation times carry microseconds, as PluralKit's do")
    func microseconds() {
        let fake = FakePluralKit()
        let system = fake.loadDemo()
        let body = String(decoding: fake.handle(request("GET", "/v2/systems/\(system.id)")).body, as: UTF8.self)
        #expect(
            body.range(of: #""created":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z""#, options: .regularExpression) != nil,
            "\(body)")
    }
}

@Suite("The fake's messages")
struct MessageFidelityTests {
    @Test(
        "a proxied message bumps its member's message_count and last_message_timestamp; after the member is deleted, the message has system and member null"
    )
    func messages() throws {
        let fake = FakePluralKit()
        fake.rateLimits = .off
        let system = fake.loadDemo()
        let sam = try #require(system.member("Sam"))
        for id in [900_000_000_000_000_001, 900_000_000_000_000_002] as [UInt64] {
            let body = #"{"id":"\#(id)","sender":"100","channel":"200","guild":"\#(DemoGuild.artClub)","member":"Sam"}"#
            #expect(
                fake.handle(FakeRequest(method: "POST", path: "/_control/messages", body: Array(body.utf8))).status
                    == 204)
        }
        let member = String(
            decoding: fake.handle(request("GET", "/v2/members/\(sam.id)", token: system.token)).body, as: UTF8.self)
        #expect(member.contains(#""message_count":2"#), "\(member)")
        #expect(
            member.range(of: #""last_message_timestamp":"\d{4}-\d\d-\d\dT"#, options: .regularExpression) != nil,
            "\(member)")

        try fake.deleteMember("Sam")
        let message = String(
            decoding: fake.handle(request("GET", "/v2/messages/900000000000000001")).body, as: UTF8.self)
        #expect(message.contains(#""system":null"#), "\(message)")
        #expect(message.contains(#""member":null"#), "\(message)")
    }
}

@Suite("The fake's media links")
struct MediaLinkTests {
    @Test("an old media.discordapp.net attachment link is stored as sent and comes out as a cdn.discordapp.com link")
    func rewritten() throws {
        let fake = FakePluralKit()
        fake.rateLimits = .off
        let system = fake.loadDemo()
        let sam = try #require(system.member("Sam"))
        let old = "https://media.discordapp.net/attachments/1/2/sam.png"
        #expect(
            fake.handle(
                request("PATCH", "/v2/members/\(sam.id)", token: system.token, body: #"{"avatar_url":"\#(old)"}"#)
            ).status == 200)
        let member = String(decoding: fake.handle(request("GET", "/v2/members/\(sam.id)")).body, as: UTF8.self)
        #expect(member.contains(#""avatar_url":"https://cdn.discordapp.com/attachments/1/2/sam.png""#), "\(member)")
        let other = "https://example.org/media.discordapp.net/attachments/x.png"
        #expect(
            fake.handle(
                request("PATCH", "/v2/members/\(sam.id)", token: system.token, body: #"{"avatar_url":"\#(other)"}"#)
            ).status == 200)
        #expect(
            String(decoding: fake.handle(request("GET", "/v2/members/\(sam.id)")).body, as: UTF8.self).contains(other))
    }
}

@Suite("The fake's gateway resolves switch ids")
struct SwitchGatewayTests {
    @Test(
        "an unknown switch UUID is 404 / 20007 at the gateway: before the owner check and before the User-Agent check; a malformed one is 400 / 40006"
    )
    func unknownSwitch() throws {
        let fake = FakePluralKit()
        fake.rateLimits = .off
        let system = fake.loadDemo()
        let unknown = "00000000-0000-4000-8000-000000000000"
        // Not the owner (no token), and no User-Agent: the gateway answers first.
        let bare = fake.handle(FakeRequest(method: "DELETE", path: "/v2/systems/\(system.id)/switches/\(unknown)"))
        #expect(bare.status == 404)
        #expect(String(decoding: bare.body, as: UTF8.self).contains("20007"))
        #expect(
            fake.handle(request("GET", "/v2/systems/\(system.id)/switches/\(unknown)", token: system.token)).status
                == 404)
        let malformed = fake.handle(request("GET", "/v2/systems/\(system.id)/switches/not-a-uuid", token: system.token))
        #expect(malformed.status == 400 && String(decoding: malformed.body, as: UTF8.self).contains("40006"))
        // A known switch without a User-Agent is the usual empty 400.
        let known = try fake.logSwitch(members: ["Sam"])
        #expect(
            fake.handle(FakeRequest(method: "GET", path: "/v2/systems/\(system.id)/switches/\(known.uuid)")).status
                == 400)
    }
}

@Suite("The fake's legacy ids")
struct LegacyIDTests {
    @Test(
        "a system seeded with legacy_ids has 5-letter ids for itself, its members and groups, served and resolved like any"
    )
    func fiveLetters() throws {
        let fake = FakePluralKit()
        fake.rateLimits = .off
        let response = fake.handle(
            FakeRequest(method: "POST", path: "/_control/seed", body: Array(#"{"seed":9,"legacy_ids":true}"#.utf8)))
        #expect(response.status == 200)
        let state = fake.seed(10, legacyIDs: true)
        #expect(
            state.id.count == 5 && state.members.allSatisfy { $0.id.count == 5 }
                && state.groups.allSatisfy { $0.id.count == 5 })
        let member = try #require(state.members.first)
        #expect(fake.handle(request("GET", "/v2/members/\(member.id)")).status == 200)
        #expect(fake.handle(request("GET", "/v2/systems/\(state.id)")).status == 200)
        #expect(fake.seed(11).id.count == 6)
    }
}
