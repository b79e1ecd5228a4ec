import Foundation
import NIOHTTP1
import PluralKit
import PluralKitFake
import PluralKitTesting
import Testing

/// The reference's quirks checklist (section 9.3), one test per item, through the client where
/// the client can produce the request and with raw HTTP where it cannot.
@Suite("Quirks checklist")
struct QuirkTests {
    @Test("1. fronters: 204 before any switch; 200 with no members after a switch-out")
    func q1() async throws {
        try await withFake { env in
            #expect(try await env.owner.getFronters() == nil)
            #expect(try await raw(.GET, env.baseURL + "/systems/@me/fronters", token: env.system.token).status == 204)
            try await env.owner.createSwitch(members: [env.id("Alex")])
            try await env.owner.createSwitch(members: [])
            let front = try #require(try await env.owner.getFronters())
            #expect(front.members.isEmpty)
        }
    }

    @Test("2. history lists short ids; other switch endpoints full members; groups member UUIDs")
    func q2() async throws {
        try await withFake(demo: true) { env in
            let created = try await env.owner.createSwitch(members: [env.id("Kit")])
            #expect(created.members.fullMembers != nil)
            #expect(try await env.owner.getSwitch(created.id).members.fullMembers?.first?.name == "Kit")
            let history = try await env.owner.getSwitches()
            #expect(history.first?.members == .ids([env.id("Kit")]))
            let littles = try await env.owner.getGroups(withMembers: true).first { $0.name == "Littles" }
            #expect(littles?.members?.allSatisfy(\.isUUID) == true)
        }
    }

    @Test("3. history: newest first, exclusive before, limit capped at 100, empty [], future hidden")
    func q3() async throws {
        try await withFake { env in
            #expect(try await env.owner.getSwitches().isEmpty)
            let base: Int64 = 1_700_000_000_000_000
            for i in 0..<120 {
                try env.fake.logSwitch(
                    members: [i % 2 == 0 ? "Alex" : "Sam"], at: FakeTime(micros: base + Int64(i) * 1_000_000))
            }
            try env.fake.logSwitch(members: ["Kit"], at: env.fake.now.adding(seconds: 3600))
            let page = try await env.owner.getSwitches(limit: 500)
            #expect(page.count == 100)
            #expect(page.first?.memberIDs != [env.id("Kit")])  // the future switch is hidden
            #expect(zip(page, page.dropFirst()).allSatisfy { $0.timestamp > $1.timestamp })
            let cursor = page[10].timestamp
            let next = try await env.owner.getSwitches(before: cursor, limit: 5)
            #expect(next.first?.timestamp == page[11].timestamp)  // exclusive
            // The future switch still counts as the current front.
            #expect(try await env.owner.getFronters()?.members.map(\.name) == ["Kit"])
        }
    }

    @Test("4. a switch identical to the current one (same order) is 40004; another order is fine")
    func q4() async throws {
        try await withFake { env in
            try await env.owner.createSwitch(members: [env.id("Alex"), env.id("Sam")])
            await expectAPIError(400, 40004) {
                try await env.owner.createSwitch(members: [env.id("Alex"), env.id("Sam")])
            }
            try await env.owner.createSwitch(members: [env.id("Sam"), env.id("Alex")])
            await expectAPIError(400, 40005) {
                let t = try await env.owner.getFronters()!.timestamp
                try await env.owner.createSwitch(members: [env.id("Kit")], timestamp: t)
            }
        }
    }

    @Test("5. privacy: fields nulled, list privacy 403 30001–30005, private history 404 20008")
    func q5() async throws {
        try await withFake(demo: true) { env in
            let sys = SystemRef.id(SystemID(env.system.id)!)
            let s = try await env.owner.createSwitch(members: [env.id("Sam")])
            try env.fake.setPrivacy(
                "system", env.system.id,
                [
                    "member_list_privacy": "private", "group_list_privacy": "private", "front_privacy": "private",
                    "front_history_privacy": "private", "description_privacy": "private",
                ])
            try env.fake.setPrivacy("group", "Littles", ["list_privacy": "private"])
            try env.fake.setPrivacy("member", "Kit", ["pronoun_privacy": "private"])
            await expectAPIError(403, 30001) { _ = try await env.stranger.getMembers(system: sys) }
            await expectAPIError(403, 30002) { _ = try await env.stranger.getGroups(system: sys) }
            await expectAPIError(403, 30002) { _ = try await env.stranger.getMemberGroups(env.id("Kit")) }
            await expectAPIError(403, 30003) { _ = try await env.stranger.getGroupMembers(env.group("Littles")) }
            await expectAPIError(403, 30004) { _ = try await env.stranger.getFronters(system: sys) }
            await expectAPIError(403, 30005) { _ = try await env.stranger.getSwitches(system: sys) }
            await expectAPIError(404, 20008) { _ = try await env.stranger.getSwitch(s.id, system: sys) }
            #expect(try await env.stranger.getMember(env.id("Kit")).pronouns == nil)
            #expect(try await env.owner.getMember(env.id("Kit")).pronouns != nil)
            #expect(try await env.owner.getMembers().count == 8)
        }
    }

    @Test("6. a private name shows the display name as name, and no display name")
    func q6() async throws {
        try await withFake { env in
            var update = MemberUpdate(displayName: "Al ✨")
            update.namePrivacy = .set(.private)
            try await env.owner.updateMember(env.id("Alex"), update)
            let seen = try await env.stranger.getMember(env.id("Alex"))
            #expect(seen.name == "Al ✨" && seen.displayName == nil)
            let group = env.group(env.system.groups[0].name)
            var groupUpdate = GroupUpdate()
            groupUpdate.namePrivacy = .set(.private)
            try await env.owner.updateGroup(group, groupUpdate)
            #expect(try await env.stranger.getGroup(group).name == env.system.groups[0].name)
        }
    }

    @Test("7. autoproxy_enabled is null for others and cannot be written")
    func q7() async throws {
        try await withFake { env in
            #expect(try await env.owner.getMember(env.id("Alex")).autoproxyEnabled == true)
            #expect(try await env.stranger.getMember(env.id("Alex")).autoproxyEnabled == nil)
            let reply = try await raw(
                .PATCH, env.baseURL + "/members/\(env.id("Alex"))", token: env.system.token,
                body: #"{"autoproxy_enabled":false}"#)
            #expect(reply.status == 400)  // not a recognised key: an empty patch
            #expect(try await env.owner.getMember(env.id("Alex")).autoproxyEnabled == true)
        }
    }

    @Test("8. webhook_url only for the owner")
    func q8() async throws {
        try await withFake { env in
            let own = try await raw(.GET, env.baseURL + "/systems/@me", token: env.system.token)
            let other = try await raw(.GET, env.baseURL + "/systems/\(env.system.id)")
            #expect(own.body.contains("\"webhook_url\""))
            #expect(!other.body.contains("webhook_url"))
        }
    }

    @Test("9. message: original may be \"\"; member without system; timestamp without fraction")
    func q9() async throws {
        try await withFake { env in
            let id: UInt64 = 1_265_798_347_125_751_828
            try env.fake.addMessage(id: id, original: nil, sender: 1, channel: 2, guild: nil, member: "Sam")
            let body = try await raw(.GET, env.baseURL + "/messages/\(id)").body
            #expect(body.contains(#""original":"""#))
            #expect(body.contains(#""timestamp":"2024-07-24T22:30:43Z""#))
            let message = try await env.stranger.getMessage(Snowflake(id))
            #expect(message.original == nil && message.guild == nil && message.member?.system == nil)
        }
    }

    @Test(
        "10. settings: public subset for others; card_show_color_hex only in PATCH replies; show_private_info read-only"
    )
    func q10() async throws {
        try await withFake { env in
            let pub = try await raw(.GET, env.baseURL + "/systems/\(env.system.id)/settings")
            #expect(
                orderedKeys(pub.body) == [
                    "pings_enabled", "latch_timeout", "case_sensitive_proxy_tags", "proxy_error_message_enabled",
                    "hid_display_split", "hid_display_caps", "hid_list_padding", "proxy_switch", "name_format",
                ])
            #expect(
                !(try await raw(.GET, env.baseURL + "/systems/@me/settings", token: env.system.token).body.contains(
                    "card_show_color_hex")))
            let patched = try await raw(
                .PATCH, env.baseURL + "/systems/@me/settings", token: env.system.token,
                body: #"{"pings_enabled":false}"#)
            #expect(patched.body.contains("card_show_color_hex"))
            let ignored = try await raw(
                .PATCH, env.baseURL + "/systems/@me/settings", token: env.system.token,
                body: #"{"show_private_info":false}"#)
            #expect(ignored.status == 400)
            #expect(try await env.owner.getSystemSettings().showPrivateInfo == true)
        }
    }

    @Test("11. autoproxy needs guild_id (501 without, 501 with channel_id); GET creates defaults")
    func q11() async throws {
        try await withFake { env in
            for query in ["", "?guild_id=1&channel_id=2"] {
                let reply = try await raw(.GET, env.baseURL + "/systems/@me/autoproxy" + query, token: env.system.token)
                #expect(reply.status == 501 && reply.body == #"{"message":"Unimplemented","code":50001}"#)
            }
            let settings = try await env.owner.getAutoproxySettings(guild: 77)
            #expect(settings == AutoproxySettings(mode: .off))
        }
    }

    @Test("12. guild settings are 404 20009 / 20010 until the bot created them")
    func q12() async throws {
        try await withFake { env in
            await expectAPIError(404, 20009) { _ = try await env.owner.getSystemGuildSettings(guild: 5) }
            await expectAPIError(404, 20010) {
                _ = try await env.owner.getMemberGuildSettings(env.id("Alex"), guild: 5)
            }
            try env.fake.addMemberGuildSettings(member: "Alex", guild: 5)
            #expect(try await env.owner.getMemberGuildSettings(env.id("Alex"), guild: 5).displayName == nil)
        }
    }

    @Test("13. body id lists must be canonical; the client always sends them so")
    func q13() async throws {
        try await withFake { env in
            let alex = env.system.member("Alex")!.id
            let upper = try await raw(
                .POST, env.baseURL + "/systems/@me/switches", token: env.system.token,
                body: #"{"members":["\#(alex.uppercased())"]}"#)
            #expect(
                upper.status == 404
                    && upper.body == #"{"message":"Member '\#(alex.uppercased())' not found.","code":20003}"#)
            let dashed = String(alex.prefix(3)) + "-" + String(alex.suffix(3))
            let viaClient = try await env.owner.createSwitch(members: [MemberID(dashed.uppercased())!])
            #expect(viaClient.memberIDs == [MemberID(alex)!])
            // Paths are tolerant.
            #expect(try await raw(.GET, env.baseURL + "/members/\(dashed.uppercased())").status == 200)
        }
    }

    @Test("14. empty add/remove lists are 400; overwrite accepts []")
    func q14() async throws {
        try await withFake { env in
            let group = env.system.groups[0].id
            for verb in ["add", "remove"] {
                let reply = try await raw(
                    .POST, env.baseURL + "/groups/\(group)/members/\(verb)", token: env.system.token, body: "[]")
                #expect(reply.status == 400 && reply.body == #"{"message":"400: Bad Request","code":0}"#)
            }
            #expect(
                try await raw(
                    .POST, env.baseURL + "/groups/\(group)/members/overwrite", token: env.system.token, body: "[]"
                ).status == 204)
            try await env.owner.setGroupMembers(GroupID(group)!, members: [])
        }
    }

    @Test("15. unknown routes: 404 empty; no User-Agent: 400 empty; /v1: 410; v1-style paths: 400")
    func q15() async throws {
        try await withFake { env in
            let unknown = try await raw(.GET, env.baseURL + "/nothing/here")
            #expect(unknown.status == 404 && unknown.body.isEmpty)
            let noUA = try await raw(.GET, env.baseURL + "/systems/\(env.system.id)", userAgent: nil)
            #expect(noUA.status == 400 && noUA.body.isEmpty)
            let root = env.baseURL.replacingOccurrences(of: "/v2", with: "")
            let v1 = try await raw(.GET, root + "/v1/s/abcde")
            #expect(v1.status == 410 && v1.body == #"{"message":"Unsupported API version","code":0}"#)
            #expect(
                try await raw(.GET, root + "/v2/s/abcde").body
                    == #"{"message":"Invalid path for API version","code":0}"#)
            #expect(try await raw(.GET, root + "/v3/systems/abcde").status == 400)
            // The client turns the empty 404 into a readable error.
            let wrongBase = env.client(token: nil, baseURL: root + "/v2/nope")
            let routeError = await expectAPIError(404, nil) {
                _ = try await wrongBase.getSystem(.id(SystemID(env.system.id)!))
            }
            #expect(routeError?.category == .notFound)
        }
    }

    @Test("16. creates answer 200, not 201; deletes 204")
    func q16() async throws {
        try await withFake { env in
            let created = try await raw(
                .POST, env.baseURL + "/members", token: env.system.token, body: #"{"name":"Nova"}"#)
            #expect(created.status == 200)
            let id = try #require(JSON.parse(created.body)?["id"]?.stringValue)
            #expect(
                try await raw(.POST, env.baseURL + "/groups", token: env.system.token, body: #"{"name":"G"}"#).status
                    == 200)
            #expect(
                try await raw(
                    .POST, env.baseURL + "/systems/@me/switches", token: env.system.token,
                    body: #"{"members":["\#(id)"]}"#
                ).status == 200)
            #expect(try await raw(.DELETE, env.baseURL + "/members/\(id)", token: env.system.token).status == 204)
        }
    }

    @Test("deleting a member removes it from past switches and groups")
    func deletedMembers() async throws {
        try await withFake(demo: true) { env in
            try await env.owner.createSwitch(members: [env.id("Kit"), env.id("Robin")])
            try env.fake.deleteMember("Kit")
            #expect(try await env.owner.getFronters()?.members.map(\.name) == ["Robin"])
            #expect(try await env.owner.getSwitches().first?.memberIDs == [env.id("Robin")])
            #expect(try await env.owner.getGroupMembers(env.group("Littles")).map(\.name) == ["Robin"])
        }
    }
}
