import Clocks
import Foundation
import Testing

@testable import PluralKit

/// One client call and the exact request it must produce.
struct CallCase: Sendable, CustomTestStringConvertible {
    var name: String
    var method: String
    var path: String
    var body: String? = nil
    var reply: String = "{}"
    var status: Int = 200
    var call: @Sendable (PluralKitClient) async throws -> Void

    var testDescription: String { name }
}

private let member = try! Fixture.string("member-owner.json")
private let system = try! Fixture.string("system-owner.json")
private let settings = try! Fixture.string("system-settings-owner.json")
private let groups = try! Fixture.string("groups-list-with-members.json")
private let group = String(groups.dropFirst().dropLast(2)).replacingOccurrences(of: "\n  ", with: "\n")
private let fronters = try! Fixture.string("fronters.json")
private let switches = try! Fixture.string("switches-list.json")
private let autoproxy = try! Fixture.string("autoproxy-settings.json")
private let message = try! Fixture.string("message.json")
private let switchID: SwitchID = "b7e3a9c2-4d1f-4e8a-9c0b-1a2b3c4d5e6f"
private let guildSettings =
    #"{"proxying_enabled":true,"tag":"| TES","tag_enabled":true,"avatar_url":null,"display_name":"Example","name_format":null}"#
private let memberGuild = #"{"display_name":"Robin (Art)","avatar_url":null,"keep_proxy":null}"#

/// Every seed call (35) plus the extras, with the request each must send.
let allCalls: [CallCase] = [
    .init(name: "get_system @me", method: "GET", path: "/v2/systems/@me", reply: system) {
        _ = try await $0.getSystem()
    },
    .init(name: "get_system by id (any case, dashed)", method: "GET", path: "/v2/systems/fxbtov", reply: system) {
        _ = try await $0.getSystem(.id(SystemID(String("FXB-TOV"))!))
    },
    .init(name: "get_system by Discord account", method: "GET", path: "/v2/systems/466378653216014359", reply: system) {
        _ = try await $0.getSystem(.discordAccount(466_378_653_216_014_359))
    },
    .init(
        name: "update_system", method: "PATCH", path: "/v2/systems/@me",
        body: #"{"tag":"| TES","description":null,"privacy":{"front_privacy":"private"}}"#, reply: system
    ) {
        var update = SystemUpdate(description: .clear, tag: "| TES")
        update.frontPrivacy = .set(.private)
        _ = try await $0.updateSystem(update)
    },
    .init(name: "get_system_settings", method: "GET", path: "/v2/systems/@me/settings", reply: settings) {
        _ = try await $0.getSystemSettings()
    },
    .init(
        name: "update_system_settings", method: "PATCH", path: "/v2/systems/@me/settings",
        body: #"{"timezone":"Europe/Berlin","latch_timeout":null,"pings_enabled":false}"#, reply: settings
    ) {
        var update = SystemSettingsUpdate(timezone: .set("Europe/Berlin"))
        update.latchTimeout = .clear
        update.pingsEnabled = false
        _ = try await $0.updateSystemSettings(update)
    },
    .init(
        name: "get_system_guild_settings", method: "GET", path: "/v2/systems/@me/guilds/100000000000000001",
        reply: guildSettings
    ) { _ = try await $0.getSystemGuildSettings(guild: 100_000_000_000_000_001) },
    .init(
        name: "update_system_guild_settings", method: "PATCH", path: "/v2/systems/@me/guilds/100000000000000001",
        body: #"{"tag":"✨ Art","display_name":null}"#, reply: guildSettings
    ) {
        _ = try await $0.updateSystemGuildSettings(
            guild: 100_000_000_000_000_001, SystemGuildSettingsUpdate(tag: "✨ Art", displayName: .clear))
    },
    .init(
        name: "get_autoproxy_settings", method: "GET", path: "/v2/systems/@me/autoproxy?guild_id=100000000000000001",
        reply: autoproxy
    ) { _ = try await $0.getAutoproxySettings(guild: 100_000_000_000_000_001) },
    .init(
        name: "update_autoproxy_settings", method: "PATCH",
        path: "/v2/systems/@me/autoproxy?guild_id=100000000000000002",
        body: #"{"autoproxy_mode":"member","autoproxy_member":"hrnakw"}"#, reply: autoproxy
    ) {
        _ = try await $0.updateAutoproxySettings(
            guild: 100_000_000_000_000_002, AutoproxyUpdate(mode: .member, member: .set("HRN-AKW")))
    },
    .init(name: "get_members", method: "GET", path: "/v2/systems/@me/members", reply: "[\(member)]") {
        _ = try await $0.getMembers()
    },
    .init(name: "get_members of another system", method: "GET", path: "/v2/systems/kzvyp/members", reply: "[]") {
        _ = try await $0.getMembers(system: "kzvyp")
    },
    .init(
        name: "new_member", method: "POST", path: "/v2/members",
        body:
            #"{"name":"Robin","birthday":"0004-02-29","proxy_tags":[{"prefix":"r:","suffix":null}],"privacy":{"visibility":"private"}}"#,
        reply: member
    ) {
        var fields = MemberUpdate(
            birthday: .set(Birthday(month: 2, day: 29)!), proxyTags: .set([ProxyTag(prefix: "r:")!]))
        fields.visibility = .set(.private)
        _ = try await $0.createMember(name: "Robin", fields)
    },
    .init(name: "get_member", method: "GET", path: "/v2/members/hrnakw", reply: member) {
        _ = try await $0.getMember("HRNAKW")
    },
    .init(
        name: "update_member", method: "PATCH", path: "/v2/members/hrnakw",
        body: #"{"display_name":null,"color":"22c55e","pronouns":"she/her","privacy":{"name_privacy":null}}"#,
        reply: member
    ) {
        var update = MemberUpdate(displayName: .clear, pronouns: "she/her", color: .set("#22C55E"))
        update.namePrivacy = .clear
        _ = try await $0.updateMember("hrn-akw", update)
    },
    .init(name: "delete_member", method: "DELETE", path: "/v2/members/hrnakw", reply: "", status: 204) {
        try await $0.deleteMember("hrnakw")
    },
    .init(name: "get_member_groups", method: "GET", path: "/v2/members/hrnakw/groups", reply: groups) {
        _ = try await $0.getMemberGroups("hrnakw")
    },
    .init(
        name: "add_member_groups", method: "POST", path: "/v2/members/hrnakw/groups/add",
        body: #"["qwert","5d0c2b9e-7f3a-4e1b-8c6d-0a9b8c7d6e5f"]"#, reply: "", status: 204
    ) { try await $0.addMemberGroups("hrnakw", groups: ["QWERT", "5D0C2B9E-7F3A-4E1B-8C6D-0A9B8C7D6E5F"]) },
    .init(
        name: "remove_member_groups", method: "POST", path: "/v2/members/hrnakw/groups/remove", body: #"["qwert"]"#,
        reply: "", status: 204
    ) { try await $0.removeMemberGroups("hrnakw", groups: ["qwert"]) },
    .init(
        name: "set_member_groups (empty)", method: "POST", path: "/v2/members/hrnakw/groups/overwrite", body: "[]",
        reply: "", status: 204
    ) { try await $0.setMemberGroups("hrnakw", groups: []) },
    .init(
        name: "get_member_guild_settings", method: "GET", path: "/v2/members/hrnakw/guilds/100000000000000001",
        reply: memberGuild
    ) { _ = try await $0.getMemberGuildSettings("hrnakw", guild: 100_000_000_000_000_001) },
    .init(
        name: "update_member_guild_settings", method: "PATCH", path: "/v2/members/hrnakw/guilds/100000000000000001",
        body: #"{"display_name":"Robin (Art)"}"#, reply: memberGuild
    ) {
        _ = try await $0.updateMemberGuildSettings(
            "hrnakw", guild: 100_000_000_000_000_001, MemberGuildSettingsUpdate(displayName: "Robin (Art)"))
    },
    .init(name: "get_groups", method: "GET", path: "/v2/systems/@me/groups", reply: groups) {
        _ = try await $0.getGroups()
    },
    .init(
        name: "get_groups with_members", method: "GET", path: "/v2/systems/@me/groups?with_members=true", reply: groups
    ) {
        _ = try await $0.getGroups(withMembers: true)
    },
    .init(
        name: "new_group", method: "POST", path: "/v2/groups",
        body: #"{"name":"Littles","color":"f59e0b","privacy":{"list_privacy":"private"}}"#, reply: group
    ) {
        var fields = GroupUpdate(color: .set("f59e0b"))
        fields.listPrivacy = .set(.private)
        _ = try await $0.createGroup(name: "Littles", fields)
    },
    .init(name: "get_group", method: "GET", path: "/v2/groups/qwert", reply: group) {
        _ = try await $0.getGroup("qwert")
    },
    .init(
        name: "update_group", method: "PATCH", path: "/v2/groups/qwert", body: #"{"description":"Our littles."}"#,
        reply: group
    ) { _ = try await $0.updateGroup("qwert", GroupUpdate(description: "Our littles.")) },
    .init(name: "delete_group", method: "DELETE", path: "/v2/groups/qwert", reply: "", status: 204) {
        try await $0.deleteGroup("qwert")
    },
    .init(name: "get_group_members", method: "GET", path: "/v2/groups/qwert/members", reply: "[\(member)]") {
        _ = try await $0.getGroupMembers("qwert")
    },
    .init(
        name: "add_group_members (canonical ids in body)", method: "POST", path: "/v2/groups/qwert/members/add",
        body: #"["hrnakw","kzvyp"]"#, reply: "", status: 204
    ) { try await $0.addGroupMembers("qwert", members: ["HRN-AKW", "KZVYP"]) },
    .init(
        name: "remove_group_members", method: "POST", path: "/v2/groups/qwert/members/remove", body: #"["kzvyp"]"#,
        reply: "", status: 204
    ) { try await $0.removeGroupMembers("qwert", members: ["kzvyp"]) },
    .init(
        name: "set_group_members", method: "POST", path: "/v2/groups/qwert/members/overwrite",
        body: #"["8c4e0f6a-1d2b-4c3e-9f70-5b6a7c8d9e01"]"#, reply: "", status: 204
    ) { try await $0.setGroupMembers("qwert", members: ["8C4E0F6A-1D2B-4C3E-9F70-5B6A7C8D9E01"]) },
    .init(name: "get_fronters", method: "GET", path: "/v2/systems/@me/fronters", reply: fronters) {
        _ = try await $0.getFronters()
    },
    .init(name: "get_switches", method: "GET", path: "/v2/systems/@me/switches", reply: switches) {
        _ = try await $0.getSwitches()
    },
    .init(
        name: "get_switches before+limit (exact microseconds, limit capped)", method: "GET",
        path: "/v2/systems/@me/switches?before=2024-07-24T08:03:55.5Z&limit=100", reply: switches
    ) { _ = try await $0.getSwitches(before: Timestamp("2024-07-24T08:03:55.500000Z"), limit: 500) },
    .init(
        name: "new_switch", method: "POST", path: "/v2/systems/@me/switches",
        body: #"{"members":["hrnakw","kzvyp"]}"#, reply: fronters
    ) { _ = try await $0.createSwitch(members: ["HRN-AKW", "Kzvyp"]) },
    .init(
        name: "new_switch with timestamp (switch-out)", method: "POST", path: "/v2/systems/@me/switches",
        body: #"{"timestamp":"2024-07-24T21:58:10.226991Z","members":[]}"#, reply: fronters
    ) { _ = try await $0.createSwitch(members: [], timestamp: Timestamp("2024-07-24T21:58:10.226991Z")) },
    .init(name: "get_switch", method: "GET", path: "/v2/systems/@me/switches/\(switchID)", reply: fronters) {
        _ = try await $0.getSwitch(switchID)
    },
    .init(
        name: "update_switch (timestamp)", method: "PATCH", path: "/v2/systems/@me/switches/\(switchID)",
        body: #"{"timestamp":"2024-07-24T21:00:00Z"}"#, reply: fronters
    ) { _ = try await $0.updateSwitch(switchID, timestamp: Timestamp("2024-07-24T21:00:00Z")) },
    .init(
        name: "update_switch members", method: "PATCH", path: "/v2/systems/@me/switches/\(switchID)/members",
        body: #"["kzvyp","hrnakw"]"#, reply: fronters
    ) { _ = try await $0.updateSwitchMembers(switchID, members: ["kzvyp", "hrnakw"]) },
    .init(name: "delete_switch", method: "DELETE", path: "/v2/systems/@me/switches/\(switchID)", reply: "", status: 204)
    {
        try await $0.deleteSwitch(switchID)
    },
    .init(name: "get_message", method: "GET", path: "/v2/messages/1265798347125751828", reply: message) {
        _ = try await $0.getMessage(1_265_798_347_125_751_828)
    },
]

@Suite("Requests")
struct RequestShapeTests {
    @Test("each call sends the exact request", arguments: allCalls)
    func exactRequest(_ call: CallCase) async throws {
        let stub = StubTransport(status: call.status, body: call.reply)
        let client = makeClient(stub, clock: ImmediateClock())
        try await call.call(client)
        let sent = try #require(stub.requests.first)
        #expect(stub.requests.count == 1)
        #expect(sent.method == call.method)
        #expect(sent.url == "http://pk.test" + call.path)
        #expect(sent.header("Authorization") == testToken.reveal())
        #expect(sent.header("User-Agent") == "pkfrontd-tests")
        if let body = call.body {
            #expect(try json(bytes: sent.body) == json(body))
            #expect(sent.header("Content-Type") == "application/json")
        } else {
            #expect(sent.body == nil)
        }
    }

    @Test("the seed's 35 calls are all covered")
    func coversSeed() {
        let seed = [
            "add_group_members", "add_member_groups", "delete_group", "delete_member", "delete_switch",
            "get_autoproxy_settings", "get_fronters", "get_group", "get_group_members", "get_groups", "get_member",
            "get_member_groups", "get_member_guild_settings", "get_members", "get_message", "get_switch",
            "get_switches", "get_system", "get_system_guild_settings", "get_system_settings", "new_group",
            "new_member", "new_switch", "remove_group_members", "remove_member_groups", "set_group_members",
            "set_member_groups", "update_autoproxy_settings", "update_group", "update_member",
            "update_member_guild_settings", "update_switch", "update_system", "update_system_guild_settings",
            "update_system_settings",
        ]
        #expect(seed.count == 35)
        let covered = Set(allCalls.map { String($0.name.split(separator: " ").first!) })
        #expect(Set(seed).subtracting(covered).isEmpty)
    }

    @Test("no token: no Authorization header")
    func anonymous() async throws {
        let stub = StubTransport(body: try Fixture.string("system-public-view.json"))
        let client = makeClient(stub, clock: ImmediateClock(), token: nil)
        let system = try await client.getSystem("fxbtov")
        #expect(system.privacy == nil)
        #expect(stub.requests.first?.header("Authorization") == nil)
    }

    @Test("fronters: 204 means no switch yet, not an error")
    func frontersNoContent() async throws {
        let stub = StubTransport(status: 204, body: "")
        let client = makeClient(stub, clock: ImmediateClock())
        #expect(try await client.getFronters() == nil)
    }

    @Test("fronters carry the switch id and timestamp")
    func frontersCarrySwitch() async throws {
        let stub = StubTransport(body: try Fixture.string("fronters.json"))
        let client = makeClient(stub, clock: ImmediateClock())
        let front = try #require(try await client.getFronters())
        #expect(front.switchID == "b7e3a9c2-4d1f-4e8a-9c0b-1a2b3c4d5e6f")
        #expect(front.timestamp.description == "2024-07-24T21:58:10.226991Z")
        #expect(front.members.map(\.name) == ["Robin"])
    }

    @Test("updates that change nothing or break limits are refused before sending")
    func refusedBeforeSending() async throws {
        let stub = StubTransport()
        let client = makeClient(stub, clock: ImmediateClock())
        await #expect(throws: PluralKitError.self) { try await client.updateMember("hrnakw", MemberUpdate()) }
        let error = await #expect(throws: PluralKitError.self) {
            try await client.updateSystem(SystemUpdate(tag: .set(String(repeating: "x", count: 80))))
        }
        #expect(error?.category == .invalidRequest)
        #expect(error?.fieldErrors["tag"]?.first?.actualLength == 80)
        #expect(error?.fieldErrors["tag"]?.first?.maxLength == 79)
        await #expect(throws: PluralKitError.self) { try await client.createSwitch(members: ["hrnakw", "HRNAKW"]) }
        await #expect(throws: PluralKitError.self) { try await client.addGroupMembers("qwert", members: []) }
        await #expect(throws: PluralKitError.self) {
            try await client.updateAutoproxySettings(guild: 1, AutoproxyUpdate(mode: .member))
        }
        await #expect(throws: PluralKitError.self) {
            try await client.updateMember("hrnakw", MemberUpdate(name: .clear))
        }
        #expect(stub.requests.isEmpty)
    }
}
