import Foundation
import NIOHTTP1
import PluralKit
import PluralKitFake
import PluralKitTesting
import Testing

/// Every client call against the fake over HTTP: the happy path as owner, and what a stranger
/// (no token) and a wrong token get.
@Suite("Contract: client against the fake")
struct ContractTests {
    @Test("systems: get by @me, id, dashed uppercase id, UUID, Discord account; update")
    func systems() async throws {
        try await withFake { env in
            let me = try await env.owner.getSystem()
            #expect(me.id.rawValue == env.system.id)
            #expect(me.privacy != nil)
            let byID = try await env.stranger.getSystem(.id(me.id))
            #expect(byID.privacy == nil && byID.webhookURL == nil)
            let dashed =
                String(me.id.rawValue.uppercased().prefix(3)) + "-" + String(me.id.rawValue.uppercased().suffix(3))
            #expect(try await env.stranger.getSystem(SystemRef(dashed)!).id == me.id)
            #expect(try await env.stranger.getSystem(.id(SystemID(me.uuid)!)).id == me.id)
            try env.fake.linkAccount(466_378_653_216_014_359)
            #expect(try await env.stranger.getSystem(.discordAccount(466_378_653_216_014_359)).id == me.id)
            // Wrong token is anonymous: public view works, @me is 401.
            #expect(try await env.wrongToken.getSystem(.id(me.id)).privacy == nil)
            await expectAPIError(401, 0) { _ = try await env.wrongToken.getSystem() }
            await expectAPIError(401, 0) { _ = try await env.stranger.getSystem() }
            await expectAPIError(404, 20001) { _ = try await env.stranger.getSystem("zzzzz") }

            var update = SystemUpdate(description: "Hello", tag: "| t", color: .set("#AABBCC"))
            update.frontHistoryPrivacy = .set(.private)
            let updated = try await env.owner.updateSystem(update)
            #expect(updated.description == "Hello")
            #expect(updated.color?.hex == "aabbcc")
            #expect(updated.privacy?.frontHistoryPrivacy == .private)
            let cleared = try await env.owner.updateSystem(SystemUpdate(description: .clear))
            #expect(cleared.description == nil)
            await expectAPIError(403, 0) {
                try await env.stranger.updateSystem(SystemUpdate(tag: "x"), system: .id(me.id))
            }
            await expectAPIError(403, 0) {
                try await env.wrongToken.updateSystem(SystemUpdate(tag: "x"), system: .id(me.id))
            }
        }
    }

    @Test("settings: owner sees all; others the public subset; update; bad time zone is 40001")
    func settings() async throws {
        try await withFake { env in
            let full = try await env.owner.getSystemSettings()
            #expect(full.timezone?.identifier == "UTC")
            #expect(full.memberLimit == 1000)
            #expect(full.nameFormat == "{name} {tag}")
            let pub = try await env.stranger.getSystemSettings(.id(SystemID(env.system.id)!))
            #expect(pub.timezone == nil && pub.memberLimit == nil)
            #expect(pub.pingsEnabled == true)
            let updated = try await env.owner.updateSystemSettings(
                SystemSettingsUpdate(timezone: .set("Europe/Berlin")))
            #expect(updated.timezone?.identifier == "Europe/Berlin")
            #expect(updated.cardShowColorHex == false)
            let error = await expectAPIError(400, 40001) {
                try await env.owner.updateSystemSettings(
                    SystemSettingsUpdate(timezone: .set(Timezone(unchecked: "Mars/Olympus"))))
            }
            #expect(error?.fieldErrors["timezone"]?.first?.message == "Field timezone is invalid.")
            await expectAPIError(403, 0) {
                try await env.stranger.updateSystemSettings(
                    SystemSettingsUpdate(timezone: .clear), system: .id(SystemID(env.system.id)!))
            }
        }
    }

    @Test("system guild settings: 20009 until the bot made a row; then get and update")
    func systemGuild() async throws {
        try await withFake { env in
            await expectAPIError(404, 20009) { _ = try await env.owner.getSystemGuildSettings(guild: 1234) }
            try env.fake.addSystemGuildSettings(guild: 1234)
            let row = try await env.owner.getSystemGuildSettings(guild: 1234)
            #expect(row.proxyingEnabled == true && row.tag == nil)
            let updated = try await env.owner.updateSystemGuildSettings(
                guild: 1234, SystemGuildSettingsUpdate(tag: "✨", displayName: "Art"))
            #expect(updated.tag == "✨" && updated.displayName == "Art")
            await expectAPIError(403, 0) {
                _ = try await env.stranger.getSystemGuildSettings(guild: 1234, system: .id(SystemID(env.system.id)!))
            }
            await expectAPIError(401, 0) { _ = try await env.wrongToken.getSystemGuildSettings(guild: 1234) }
        }
    }

    @Test("autoproxy: defaults on first GET; member mode; errors")
    func autoproxy() async throws {
        try await withFake { env in
            let initial = try await env.owner.getAutoproxySettings(guild: 55)
            #expect(initial.mode == .off && initial.member == nil)
            let member = try await env.owner.updateAutoproxySettings(
                guild: 55, AutoproxyUpdate(mode: .member, member: .set(env.id("Sam"))))
            #expect(member.mode == .member && member.member == env.id("Sam"))
            let front = try await env.owner.updateAutoproxySettings(guild: 55, AutoproxyUpdate(mode: .front))
            #expect(front.mode == .front && front.member == nil)
            let error = await expectAPIError(400, 40001) {
                try await env.owner.updateAutoproxySettings(
                    guild: 55, AutoproxyUpdate(mode: .latch, member: .set("zzzzzz")))
            }
            #expect(error?.fieldErrors["autoproxy_member"]?.first?.message == "Member not found.")
            await expectAPIError(403, 0) {
                _ = try await env.stranger.getAutoproxySettings(guild: 55, system: .id(SystemID(env.system.id)!))
            }
        }
    }

    @Test("members: list, create, get, update, delete, privacy for strangers")
    func members() async throws {
        try await withFake { env in
            let list = try await env.owner.getMembers()
            #expect(list.count == 6)
            var fields = MemberUpdate(
                displayName: "Nova ✨", pronouns: "xe/xem", birthday: .set(Birthday(month: 2, day: 29)!))
            fields.birthdayPrivacy = .set(.private)
            fields.namePrivacy = .set(.private)
            let created = try await env.owner.createMember(name: "Nova", fields)
            #expect(created.name == "Nova" && created.system?.rawValue == env.system.id)
            #expect(created.birthday?.description == "0004-02-29")
            let seen = try await env.stranger.getMember(created.id)
            #expect(seen.name == "Nova ✨" && seen.displayName == nil)
            #expect(seen.birthday == nil && seen.privacy == nil && seen.autoproxyEnabled == nil)
            let updated = try await env.owner.updateMember(created.id, MemberUpdate(pronouns: .clear))
            #expect(updated.pronouns == nil)
            await expectAPIError(401, 0) {
                _ = try await env.stranger.updateMember(created.id, MemberUpdate(name: "x"))
            }
            await expectAPIError(401, 0) { _ = try await env.wrongToken.createMember(name: "x") }
            let other = env.fake.seed(99, members: 1, groups: 0)
            let otherClient = env.client(token: other.token)
            await expectAPIError(403, 30006) {
                _ = try await otherClient.updateMember(created.id, MemberUpdate(name: "x"))
            }
            await expectAPIError(403, 30006) { try await otherClient.deleteMember(created.id) }
            try await otherClient.shutdown()
            try await env.owner.deleteMember(created.id)
            await expectAPIError(404, 20002) { _ = try await env.owner.getMember(created.id) }
            await expectAPIError(404, 20002) { _ = try await env.stranger.getMember("zzzzzz") }
        }
    }

    @Test("server-side validation: 40001 with field errors (the client's checks bypassed)")
    func serverValidation() async throws {
        try await withFake { env in
            let reply = try await raw(
                .PATCH, env.baseURL + "/members/\(env.id("Alex"))", token: env.system.token,
                body: #"{"name":"\#(String(repeating: "n", count: 123))","color":"nothex"}"#)
            #expect(reply.status == 400)
            #expect(
                reply.body
                    == #"{"message":"Error parsing JSON model","code":40001,"errors":{"name":[{"message":"Field name is too long.","actual_length":123,"max_length":100}],"color":[{"message":"Field color is invalid."}]}}"#
            )
        }
    }

    @Test("member groups: list, add, remove, overwrite; unknown groups")
    func memberGroups() async throws {
        try await withFake { env in
            let alex = env.id("Alex")
            let littles = env.group("Littles")
            try await env.owner.setMemberGroups(alex, groups: [])
            #expect(try await env.owner.getMemberGroups(alex).isEmpty)
            try await env.owner.addMemberGroups(alex, groups: [littles])
            #expect(try await env.owner.getMemberGroups(alex).map(\.id) == [littles])
            try await env.owner.removeMemberGroups(alex, groups: [littles])
            #expect(try await env.owner.getMemberGroups(alex).isEmpty)
            await expectAPIError(404, 20004) { try await env.owner.addMemberGroups(alex, groups: ["zzzzz"]) }
            await expectAPIError(404, 20005) { try await env.owner.removeMemberGroups(alex, groups: ["zzzzz"]) }
            await expectAPIError(401, 0) { try await env.stranger.addMemberGroups(alex, groups: [littles]) }
        }
    }

    @Test("member guild settings")
    func memberGuild() async throws {
        try await withFake(demo: true) { env in
            let kit = env.id("Kit")
            let row = try await env.owner.getMemberGuildSettings(kit, guild: 100_000_000_000_000_001)
            #expect(row.displayName == nil)
            let updated = try await env.owner.updateMemberGuildSettings(
                kit, guild: 100_000_000_000_000_001, MemberGuildSettingsUpdate(displayName: "Kit (art)"))
            #expect(updated.displayName == "Kit (art)")
            await expectAPIError(404, 20010) { _ = try await env.owner.getMemberGuildSettings(kit, guild: 42) }
            await expectAPIError(401, 0) {
                _ = try await env.stranger.getMemberGuildSettings(kit, guild: 100_000_000_000_000_001)
            }
        }
    }

    @Test("groups: list with and without members, create, get, update, members, delete")
    func groups() async throws {
        try await withFake(demo: true) { env in
            let groups = try await env.owner.getGroups(withMembers: true)
            let littles = try #require(groups.first { $0.name == "Littles" })
            #expect(
                Set(littles.members ?? [])
                    == Set([env.system.member("Kit")!.uuid, env.system.member("Robin")!.uuid].map { MemberID($0)! }))
            #expect(try await env.owner.getGroups().allSatisfy { $0.members == nil })
            let created = try await env.owner.createGroup(name: "Artists", GroupUpdate(description: "We draw"))
            #expect(created.description == "We draw")
            #expect(try await env.owner.getGroup(created.id).name == "Artists")
            try await env.owner.addGroupMembers(created.id, members: [env.id("Kit"), env.id("Sam")])
            try await env.owner.addGroupMembers(created.id, members: [env.id("Kit")])  // already there: skipped
            #expect(try await env.owner.getGroupMembers(created.id).map(\.name) == ["Kit", "Sam"])
            try await env.owner.removeGroupMembers(created.id, members: [env.id("Kit")])
            try await env.owner.setGroupMembers(created.id, members: [env.id("Jordan")])
            #expect(try await env.owner.getGroupMembers(created.id).map(\.name) == ["Jordan"])
            try await env.owner.setGroupMembers(created.id, members: [])
            #expect(try await env.owner.getGroupMembers(created.id).isEmpty)
            let renamed = try await env.owner.updateGroup(created.id, GroupUpdate(name: "Art crew"))
            #expect(renamed.name == "Art crew")
            await expectAPIError(401, 0) { _ = try await env.stranger.updateGroup(created.id, GroupUpdate(name: "x")) }
            await expectAPIError(401, 0) { _ = try await env.wrongToken.createGroup(name: "x") }
            await expectAPIError(404, 20003) { try await env.owner.addGroupMembers(created.id, members: ["zzzzzz"]) }
            try await env.owner.deleteGroup(created.id)
            await expectAPIError(404, 20004) { _ = try await env.owner.getGroup(created.id) }
        }
    }

    @Test("switches: create, history, get, move, change members, delete; fronters")
    func switches() async throws {
        try await withFake { env in
            #expect(try await env.owner.getFronters() == nil)
            let t0 = Timestamp("2024-07-24T08:00:00.123456Z")!
            let first = try await env.owner.createSwitch(members: [env.id("Alex")], timestamp: t0)
            #expect(first.timestamp == t0)
            #expect(first.members.fullMembers?.first?.name == "Alex")
            let second = try await env.owner.createSwitch(members: [env.id("Sam"), env.id("Alex")])
            let front = try #require(try await env.owner.getFronters())
            #expect(front.switchID == second.id)
            #expect(front.members.map(\.name) == ["Sam", "Alex"])
            let history = try await env.owner.getSwitches()
            #expect(history.map(\.id) == [second.id, first.id])
            #expect(history[1].members == .ids([env.id("Alex")]))
            #expect(try await env.owner.getSwitch(first.id).memberIDs == [env.id("Alex")])
            let moved = try await env.owner.updateSwitchTimestamp(first.id, to: Timestamp("2024-07-24T07:00:00Z")!)
            #expect(moved.timestamp.description == "2024-07-24T07:00:00Z")
            let changed = try await env.owner.updateSwitchMembers(first.id, members: [env.id("Kit")])
            #expect(changed.memberIDs == [env.id("Kit")])
            let both = try await env.owner.updateSwitch(
                first.id, timestamp: Timestamp("2024-07-24T06:00:00Z")!, members: [env.id("Jordan")])
            #expect(both.memberIDs == [env.id("Jordan")] && both.timestamp.description == "2024-07-24T06:00:00Z")
            try await env.owner.deleteSwitch(first.id)
            await expectAPIError(404, 20007) { _ = try await env.owner.getSwitch(first.id) }
            let sys = SystemRef.id(SystemID(env.system.id)!)
            await expectAPIError(403, 0) { _ = try await env.stranger.createSwitch(members: [], system: sys) }
            await expectAPIError(403, 0) { try await env.wrongToken.deleteSwitch(second.id, system: sys) }
            #expect(try await env.stranger.getFronters(system: sys)?.switchID == second.id)
            #expect(try await env.stranger.getSwitches(system: sys).count == 1)
        }
    }

    @Test("messages: by id, by original within 30 minutes, not found, bad id")
    func messages() async throws {
        try await withFake { env in
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let id = UInt64(now - 1_420_070_400_000) << 22
            try env.fake.addMessage(
                id: id, original: id - 5, sender: 466_378_653_216_014_359, channel: 9, guild: 10, member: "Alex")
            let message = try await env.stranger.getMessage(Snowflake(id))
            #expect(message.member?.name == "Alex" && message.member?.system == nil)
            #expect(message.system?.id.rawValue == env.system.id)
            #expect(message.original == Snowflake(id - 5))
            #expect(!message.timestamp.description.contains("."))
            #expect(try await env.stranger.getMessage(Snowflake(id - 5)).id == Snowflake(id))
            await expectAPIError(404, 20006) { _ = try await env.stranger.getMessage(12345) }
            let bad = try await raw(.GET, env.baseURL + "/messages/abc")
            #expect(bad.status == 400 && bad.body == #"{"message":"400: Bad Request","code":0}"#)
        }
    }

    @Test("switch history pages over the fake with exclusive cursors")
    func historyPaging() async throws {
        try await withFake { env in
            for i in 0..<230 {
                try env.fake.logSwitch(
                    members: [i % 2 == 0 ? "Alex" : "Sam"],
                    at: FakeTime(micros: 1_700_000_000_000_000 + Int64(i) * 60_000_001))
            }
            var count = 0
            var last: Timestamp?
            for try await entry in env.owner.switchHistory() {
                if let last { #expect(entry.timestamp < last) }
                last = entry.timestamp
                count += 1
            }
            #expect(count == 230)
            #expect(env.fake.requestLog.filter { $0.path.hasSuffix("/switches") }.count == 3)
        }
    }
}
