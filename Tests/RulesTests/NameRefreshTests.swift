import Foundation
import FrontEvents
import PluralKit
import Testing

@testable import Rules

@Suite("Names resolve against live lists: after the first poll, and across renames (RuleSet.resolvingNames)")
struct NameRefreshTests {
    static let text = """
        rules:
          - name: Alex in Art Club
            while:
              fronters: { include: Alex }
            do:
              - autoproxy: { server: "100000000000000001", mode: member, member: Alex }
          - name: Littles
            while: { fronters: { any_in_group: Littles } }
            do: [ { system: { tag: "| little" } } ]
        """

    /// `demoDirectory` with one member renamed (and, optionally, one gone).
    func directory(renaming id: String, to name: String, removing gone: String? = nil) -> NameDirectory {
        var d = demoDirectory
        d.members = d.members.compactMap { entry in
            guard entry.id != gone else { return nil }
            var e = entry
            if e.id == id { e.name = name }
            return e
        }
        return d
    }

    @Test("a rule set loaded without lists (a first start, no cache) binds its names once the lists come")
    func firstStart() throws {
        let loaded = RuleLoader(directory: nil, missingDirectoryReason: "the member list is not cached yet").load(
            text: Self.text, label: "rules.yaml")
        let rules = try #require(loaded.ruleSet)
        #expect(loaded.diagnostics.contains { $0.message.hasPrefix("member 'Alex' was not checked") })
        #expect(rules.memberIDs["Alex"] == nil)
        let refreshed = rules.resolvingNames(against: demoDirectory)
        #expect(refreshed.rules.memberIDs["Alex"] == "aaaaa")
        #expect(refreshed.rules.groupIDs["Littles"] == "lllll")
        #expect(refreshed.renames.isEmpty && refreshed.problems.isEmpty)
    }

    @Test("a renamed member keeps its rules, with one rename per place the file names it")
    func rename() throws {
        let rules = try #require(
            RuleLoader(directory: demoDirectory).load(text: Self.text, label: "rules.yaml").ruleSet)
        let refreshed = rules.resolvingNames(against: directory(renaming: "aaaaa", to: "Alexis"))
        #expect(refreshed.rules.memberIDs["Alex"] == "aaaaa")
        #expect(refreshed.renames.map(\.location.line) == [4, 6])
        #expect(
            refreshed.renames.first?.description
                == "rules.yaml:4: 'Alex' is now 'Alexis' (member aaaaa); the rule still means that member — write 'Alexis' in the file to keep it that way"
        )
        #expect(refreshed.problems.isEmpty)
        // The engine, given the refreshed rules and the new names, still sees Alex's rule hold.
        let context = EngineContext(
            members: directory(renaming: "aaaaa", to: "Alexis").members, groups: demoDirectory.engineGroups,
            system: ("sysab", nil, nil), timeZone: TimeZone(identifier: "UTC")!)
        var engine = RuleEngine(rules: refreshed.rules)
        let front = EngineFront(
            fronters: [.init(member: context.reference(MemberID("aaaaa")), since: Timestamp(secondsSince1970: 0))],
            lastChange: Timestamp(secondsSince1970: 0))
        let output = engine.wake(front: front, context: context, now: Timestamp(secondsSince1970: 60), starting: true)
        #expect(output.records.contains { $0.kind == .ran && $0.rule == "Alex in Art Club" }, "\(output.records)")
    }

    @Test("a member that is gone is a warning at each place, and the binding stays for when it is back")
    func gone() throws {
        let rules = try #require(
            RuleLoader(directory: demoDirectory).load(text: Self.text, label: "rules.yaml").ruleSet)
        let refreshed = rules.resolvingNames(against: directory(renaming: "zzzzz", to: "", removing: "aaaaa"))
        #expect(refreshed.renames.isEmpty)
        #expect(refreshed.problems.map(\.location.line) == [4, 6])
        #expect(
            refreshed.problems.first?.description.hasPrefix(
                "rules.yaml:4:28: warning: member 'Alex' is not in the test member list any more") == true,
            "\(refreshed.problems)")
        #expect(refreshed.rules.memberIDs["Alex"] == "aaaaa")
    }
}
