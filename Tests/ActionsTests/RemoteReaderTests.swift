import Actions
import FrontEvents
import PluralKit
import PluralKitFake
import PluralKitTesting
import Rules
import Testing

@Suite("RemoteReader: the values rules write, read from PluralKit (the fake's demo system)")
struct RemoteReaderTests {
    static let rules = """
        aliases: { Art Club: "100000000000000001", Work: "100000000000000002" }
        rules:
          - name: Everything
            when: switch
            do:
              - system: { tag: "| x", description: "y" }
              - system_server: { server: Art Club, display_name: "z", tag_enabled: false }
              - member: { member: Sam, display_name: "Sam 🌙" }
              - member_server: { member: Jordan, server: Work, display_name: "on shift" }
              - autoproxy: { server: all, mode: member, member: Alex }
        """

    @Test("every kind of target, with the rule set's keys; unreadable keys are left out")
    func everyTarget() async throws {
        try await FakeFixture.run(seed: .demo) { fixture in
            let directory = NameDirectory(
                members: try await fixture.owner.getMembers(), groups: try await fixture.owner.getGroups())
            let loaded = RuleLoader(directory: directory).load(text: Self.rules, label: "rules.yaml")
            let rules = try #require(loaded.ruleSet, "\(loaded.diagnostics)")
            #expect(
                rules.remoteKeys == [
                    "system.tag", "system.description", "system_server:Art Club.display_name",
                    "system_server:Art Club.tag_enabled", "member:Sam.display_name",
                    "member_server:Jordan@Work.display_name", "autoproxy:Art Club.mode", "autoproxy:Art Club.member",
                    "autoproxy:Work.mode", "autoproxy:Work.member",
                ])
            let sam = try #require(fixture.system.member("Sam")?.id)
            var update = MemberUpdate()
            update.displayName = .set("Samuel")
            _ = try await fixture.owner.updateMember(MemberID(sam)!, update)
            let reader = RemoteReader(client: fixture.owner)
            let values = await reader.read(
                rules.remoteKeys.union(["member:Nobody.display_name", "webhook:x.y"]),
                rules: rules, members: directory.members)
            #expect(values["system.tag"] == .some("| demo"))
            #expect(values["system.description"] == .some(nil))
            #expect(values["system_server:Art Club.display_name"] == .some(nil))
            #expect(values["system_server:Art Club.tag_enabled"] == .some("true"))
            #expect(values["member:Sam.display_name"] == .some("Samuel"))
            #expect(values["member_server:Jordan@Work.display_name"] == .some(nil))
            #expect(values["autoproxy:Work.mode"] != nil)
            #expect(values["autoproxy:Work.member"] == .some(nil))
            // An unknown member and a target that is not PluralKit's are unknown.
            #expect(values["member:Nobody.display_name"] == nil)
            #expect(values["webhook:x.y"] == nil)
            #expect(values.count == 10)
        }
    }
}
