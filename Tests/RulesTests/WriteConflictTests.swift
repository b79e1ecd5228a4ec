import Foundation
import Testing

@testable import Rules

@Suite("check: two rules that can write one (target, field) at once (RULES-ENGINE.md: Two rules, one field)")
struct WriteConflictTests {
    func conflicts(_ rules: String) -> [String] {
        problems("aliases: { Work: \"100000000000000002\" }\nrules:\n" + rules).filter { $0.contains("can both write") }
    }

    @Test("two when rules on events of one switch, with conditions that can both hold: one warning at the later rule")
    func twoWhen() {
        let found = conflicts(
            """
              - name: Tag on switch
                when: switch
                do: [ { system: { tag: "| {{ first.name }}" } } ]
              - name: Tag for Alex
                when: fronter_added
                if: { fronters: { include: Alex } }
                do: [ { system: { tag: "| Alex here" } } ]
            """)
        #expect(
            found == [
                "6:5: warning: rules 'Tag on switch' (line 3) and 'Tag for Alex' can both write system.tag: on switch and on fronter_added if fronters include Alex — then the value depends on which runs last (the later rule's write wins, and a `while` rule's release puts back what it replaced); narrow one rule's conditions if that is not what you want"
            ], "\(found)")
    }

    @Test(
        "conditions that exclude each other say nothing: count 0 against at least 1, include against count 0, exactly against a group, a switch-out against a member in"
    )
    func exclusive() {
        #expect(
            conflicts(
                """
                  - name: Named
                    when: [first_fronter_changed, daemon_started]
                    if: { fronters: { count: { at_least: 1 } } }
                    do: [ { system_server: { server: "100000000000000001", display_name: "{{ first.name }}" } } ]
                  - name: Cleared
                    when: [front_cleared, daemon_started]
                    if: { fronters: { count: 0 } }
                    do: [ { system_server: { server: "100000000000000001", display_name: null } } ]
                """
            ).isEmpty)
        #expect(
            conflicts(
                """
                  - name: Alex
                    while: { fronters: { include: Alex } }
                    do: [ { autoproxy: { server: "100000000000000001", mode: member, member: Alex } } ]
                  - name: Nobody
                    while: { fronters: { count: 0 } }
                    do: [ { autoproxy: { server: all, mode: off } } ]
                """
            ).isEmpty)
        #expect(
            conflicts(
                """
                  - name: Only Alex
                    while: { fronters: { exactly: [Alex] } }
                    do: [ { system: { tag: "| Alex" } } ]
                  - name: Littles
                    while: { fronters: { any_in_group: Littles } }
                    do: [ { system: { tag: "| little" } } ]
                  - name: Out
                    when: front_cleared
                    if: { not: { fronters: { count: 0 } } }
                    do: [ { system: { tag: "| never" } } ]
                """
            ).isEmpty)
    }

    @Test(
        "a when rule while a while rule holds, server all against one server, and two while rules that can hold together"
    )
    func overlapping() throws {
        let found = conflicts(
            """
              - name: Littles
                while: { fronters: { any_in_group: Littles } }
                do: [ { autoproxy: { server: "100000000000000002", mode: off } } ]
              - name: Night
                when: { at: "23:00" }
                do: [ { autoproxy: { server: all, mode: off } } ]
              - name: Alex first
                while: { fronters: { first: Alex } }
                do: [ { autoproxy: { server: "100000000000000002", mode: front } } ]
            """)
        try #require(found.count == 3, "\(found)")
        #expect(
            found.first?.contains(
                "'Littles' (line 3) and 'Night' can both write autoproxy:100000000000000002.mode: while fronters any in group Littles and at 23:00"
            ) == true, "\(found)")
        #expect(
            found[1].contains(
                "'Littles' (line 3) and 'Alex first' can both write autoproxy:100000000000000002.mode: while fronters any in group Littles and while fronters first is Alex"
            ), "\(found)")
        #expect(
            found[2].contains(
                "'Night' (line 6) and 'Alex first' can both write autoproxy:100000000000000002.mode: at 23:00 and while fronters first is Alex"
            ), "\(found)")
        // A schedule and a switch never act in the same moment.
        #expect(
            conflicts(
                """
                  - name: Morning
                    when: { at: "09:00" }
                    do: [ { system: { tag: "| morning" } } ]
                  - name: Switch
                    when: switch
                    do: [ { system: { tag: "| switched" } } ]
                """
            ).isEmpty)
    }

    @Test("every example alone is free of it; all thirteen together warn once, for the two system tag rules")
    func examples() throws {
        for file in exampleFiles {
            let result = RuleLoader(directory: demoDirectory).load(path: file)
            #expect(!result.diagnostics.contains { $0.message.contains("can both write") }, "\(file)")
        }
        let all = RuleLoader(directory: demoDirectory).load(path: rulesFolder + "/examples")
        let found = all.diagnostics.filter { $0.message.contains("can both write") }
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("rules 'Littles mode'") == true, "\(found)")
        #expect(found.first?.message.contains("and 'Tag shows the first fronter' can both write system.tag") == true)
    }

    @Test(
        "a file where every rule writes the system tag: at most 20 warnings, then how many more pairs, and linear work")
    func many() {
        var text = ""
        for k in 0..<200 {
            text += "  - name: r\(k)\n    when: switch\n    do: [ { system: { tag: \"| \(k)\" } } ]\n"
        }
        let found = problems("aliases: { Work: \"100000000000000002\" }\nrules:\n" + text).filter {
            $0.contains("can both write") || $0.contains("more pairs")
        }
        #expect(found.count == WriteConflicts.maximumWarnings + 1)
        // Each of the 200 rules meets the (up to) 16 before it: 16·15/2 + 184·16 pairs in all.
        let pairs = 16 * 15 / 2 + 184 * 16
        #expect(
            found.last?.contains(
                "\(pairs - WriteConflicts.maximumWarnings) more pairs of rules can write the same field at the same time"
            )
                == true, "\(found.last ?? "")")
    }
}
