import Foundation
import Testing

@testable import PluralKit

@Suite("Decoding the example payloads")
struct ModelDecodingTests {
    @Test("system, owner view")
    func systemOwner() throws {
        let s = try Fixture.decode(System.self, "system-owner.json")
        #expect(s.id == "fxbtov")
        #expect(s.uuid == "2f1b3c1e-6a43-4d8e-9b5a-2a0f0a6a9c11")
        #expect(s.name == "The Example System")
        #expect(s.description == "We are an example.")
        #expect(s.tag == "| TES")
        #expect(s.pronouns == "they/them")
        #expect(s.avatarURL == "https://cdn.example.org/avatars/tes.png")
        #expect(s.banner == nil)
        #expect(s.color == Color(String("3b82f6")))
        #expect(s.created?.description == "2021-11-07T17:34:21.511327Z")
        #expect(s.webhookURL == nil)
        let p = try #require(s.privacy)
        #expect(p.descriptionPrivacy == .private)
        #expect(p.memberListPrivacy == .private)
        #expect(p.frontHistoryPrivacy == .private)
        #expect(p.frontPrivacy == .public)
        #expect(p.namePrivacy == .public)
    }

    @Test("system, public view: no privacy, description hidden")
    func systemPublic() throws {
        let s = try Fixture.decode(System.self, "system-public-view.json")
        #expect(s.privacy == nil)
        #expect(s.description == nil)
        #expect(s.webhookURL == nil)
        #expect(s.tag == "| TES")
    }

    @Test("settings, owner view")
    func settings() throws {
        let s = try Fixture.decode(SystemSettings.self, "system-settings-owner.json")
        #expect(s.timezone == Timezone(String("Europe/Berlin")))
        #expect(s.pingsEnabled == true)
        #expect(s.latchTimeout == nil)
        #expect(s.memberLimit == 1000)
        #expect(s.groupLimit == 250)
        #expect(s.hidListPadding == "off")
        #expect(s.proxySwitch == "off")
        #expect(s.nameFormat == "{name} {tag}")
        #expect(s.descriptionTemplates == [])
        #expect(s.cardShowColorHex == nil)
        #expect(s.showPrivateInfo == true)
        #expect(s.caseSensitiveProxyTags == true)
    }

    @Test("member, owner view: hidden-year birthday, proxy tags, privacy")
    func memberOwner() throws {
        let m = try Fixture.decode(Member.self, "member-owner.json")
        #expect(m.id == "hrnakw")
        #expect(m.system == "fxbtov")
        #expect(m.name == "Robin")
        #expect(m.displayName == "Robin 🌿")
        #expect(m.shownName == "Robin 🌿")
        #expect(m.birthday == Birthday(month: 3, day: 14))
        #expect(m.birthday?.hidesYear == true)
        #expect(m.created?.description == "2021-11-07T17:40:02.003114Z")
        #expect(m.autoproxyEnabled == true)
        #expect(m.messageCount == 1532)
        #expect(m.lastMessageTimestamp?.description == "2024-07-24T22:30:43.412Z")
        #expect(m.proxyTags == [ProxyTag(prefix: "r:")!, ProxyTag(prefix: "[", suffix: "]")!])
        #expect(m.privacy?.birthdayPrivacy == .private)
        #expect(m.privacy?.metadataPrivacy == .private)
        #expect(m.privacy?.visibility == .public)
        #expect(m.keepProxy == false)
        #expect(m.tts == false)
    }

    @Test("member, public view: private fields are nil")
    func memberPublic() throws {
        let m = try Fixture.decode(Member.self, "member-public-view.json")
        #expect(m.birthday == nil)
        #expect(m.created == nil)
        #expect(m.autoproxyEnabled == nil)
        #expect(m.messageCount == nil)
        #expect(m.privacy == nil)
        #expect(m.proxyTags.count == 2)
    }

    @Test("groups with members carry member UUIDs")
    func groups() throws {
        let gs = try Fixture.decode([Group].self, "groups-list-with-members.json")
        let g = try #require(gs.first)
        #expect(g.id == "qwert")
        #expect(g.name == "Littles")
        #expect(g.system == "fxbtov")
        #expect(g.color == Color(String("f59e0b")))
        #expect(g.members == [MemberID(String("8c4e0f6a-1d2b-4c3e-9f70-5b6a7c8d9e01"))!])
        #expect(g.members?.first?.isUUID == true)
        #expect(g.privacy?.listPrivacy == .public)
        #expect(g.created?.description == "2022-01-11T09:15:00Z")
    }

    @Test("switch history: short ids, newest first, a switch-out")
    func switches() throws {
        let list = try Fixture.decode([Switch].self, "switches-list.json")
        #expect(list.count == 3)
        #expect(list[0].members == .ids(["hrnakw"]))
        #expect(list[0].timestamp.description == "2024-07-24T21:58:10.226991Z")
        #expect(list[1].isSwitchOut)
        #expect(list[1].timestamp.description == "2024-07-24T08:03:55.5Z")
        #expect(list[2].memberIDs == ["hrnakw", "kzvyp"])
        #expect(list[0].timestamp > list[1].timestamp && list[1].timestamp > list[2].timestamp)
    }

    @Test("fronters: full member objects in one Switch type too")
    func frontersAsSwitch() throws {
        let s = try Fixture.decode(Switch.self, "fronters.json")
        #expect(s.members.fullMembers?.first?.name == "Robin")
        #expect(s.memberIDs == ["hrnakw"])
        let f = try Fixture.decode(Fronters.self, "fronters.json")
        #expect(f.members.first?.proxyTags.count == 2)
    }

    @Test("autoproxy settings")
    func autoproxy() throws {
        let a = try Fixture.decode(AutoproxySettings.self, "autoproxy-settings.json")
        #expect(a.mode == .member)
        #expect(a.member == "hrnakw")
        #expect(a.lastLatchTimestamp == nil)
    }

    @Test("message: no fraction, member without system key")
    func message() throws {
        let m = try Fixture.decode(Message.self, "message.json")
        #expect(m.timestamp.description == "2024-07-24T22:30:43Z")
        #expect(m.id == 1_265_798_347_125_751_828)
        #expect(m.original == 1_265_798_345_443_848_233)
        #expect(m.sender == 466_378_653_216_014_359)
        #expect(m.guild == 1_004_781_415_879_090_226)
        #expect(m.system?.id == "fxbtov")
        #expect(m.member?.system == nil)
        #expect(m.member?.name == "Robin")
        // The timestamp is derived from the snowflake.
        #expect(m.id.timestamp.secondsSince1970 == m.timestamp.secondsSince1970)
    }

    @Test("message whose original is unknown (\"\") decodes with original nil")
    func messageEmptyOriginal() throws {
        var text = try Fixture.string("message.json")
        text = text.replacingOccurrences(of: #""original": "1265798345443848233""#, with: #""original": """#)
        let m = try JSONDecoder().decode(Message.self, from: Data(text.utf8))
        #expect(m.original == nil)
    }

    @Test("dispatch envelope: CREATE_SWITCH")
    func dispatch() throws {
        let e = try DispatchEvent.decode(from: try Fixture.data("dispatch-create-switch.json"))
        #expect(e.type == .createSwitch)
        #expect(e.systemID == "2f1b3c1e-6a43-4d8e-9b5a-2a0f0a6a9c11")
        #expect(e.id == "b7e3a9c2-4d1f-4e8a-9c0b-1a2b3c4d5e6f")
        #expect(e.type.affectsFront)
        let data = try #require(try e.switchData())
        #expect(data.members == [MemberID(String("8c4e0f6a-1d2b-4c3e-9f70-5b6a7c8d9e01"))!])
        #expect(data.timestamp?.description == "2024-07-24T21:58:10.226991Z")
        #expect(e.isSigned(by: "BwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2"))
        #expect(!e.isSigned(by: "BwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU3"))
        #expect(!e.isSigned(by: ""))
    }

    @Test("dispatch PING has no id or data; unknown kinds are kept")
    func dispatchPing() throws {
        let ping = try DispatchEvent.decode(
            from: Array(#"{"type":"PING","signing_token":"x","system_id":"2f1b3c1e-6a43-4d8e-9b5a-2a0f0a6a9c11"}"#.utf8)
        )
        #expect(ping.type == .ping)
        #expect(ping.id == nil && ping.data == nil)
        let future = try DispatchEvent.decode(
            from: Array(#"{"type":"NEW_THING","signing_token":null,"system_id":"x"}"#.utf8))
        #expect(future.type.rawValue == "NEW_THING")
        #expect(!future.isSigned(by: "x"))
    }

    @Test("unknown keys are ignored and absent optional keys tolerated")
    func tolerant() throws {
        let text =
            #"{"id":"abcdef","uuid":"8c4e0f6a-1d2b-4c3e-9f70-5b6a7c8d9e01","name":"New","brand_new_field":{"x":1}}"#
        let m = try JSONDecoder().decode(Member.self, from: Data(text.utf8))
        #expect(m.name == "New")
        #expect(m.proxyTags.isEmpty)
        #expect(m.system == nil)
    }

    @Test("present values are exact: a bad colour fails decoding")
    func exact() {
        let text = #"{"id":"abcdef","uuid":"u","name":"New","color":"not-a-colour"}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Member.self, from: Data(text.utf8)) }
    }

    @Test("error bodies decode")
    func errorBodies() throws {
        let parse = try Fixture.decode(APIErrorBody.self, "error-400-model-parse-too-long.json")
        #expect(parse.code == 40001)
        #expect(
            parse.errors?["name"]?.first == .init(message: "Field name is too long.", actualLength: 123, maxLength: 100)
        )
        #expect(parse.errors?["color"]?.first?.message == "Field color is invalid.")
        let limited = try Fixture.decode(APIErrorBody.self, "error-429-rate-limited.json")
        #expect(limited.retryAfter == 67)
        #expect(limited.scope == "generic_get")
    }
}
