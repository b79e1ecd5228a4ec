import Foundation
import FrontEvents
import Testing

@testable import Rules

@Suite("Loading files and directories")
struct LoaderTests {
    @Test("a directory merges its *.yaml files in name order; same alias twice with the same id is fine")
    func directoryMerge() throws {
        let dir = try TempDir()
        _ = try dir.write(
            "20-b.yaml",
            "aliases: { Work: \"100000000000000002\" }\nrules:\n  - name: second\n    when: switch\n    do: [ { autoproxy: { server: Art Club, mode: front } } ]\n"
        )
        _ = try dir.write(
            "10-a.yaml",
            "aliases: { Art Club: \"100000000000000001\", Work: \"100000000000000002\" }\nsettings: { settle: 3s }\nrules:\n  - name: first\n    when: switch\n    do: [ { log: hi } ]\n"
        )
        _ = try dir.write("notes.txt", "not a rule file")
        _ = try dir.write(".hidden.yaml", "garbage: [")
        try FileManager.default.createDirectory(atPath: dir.path + "/old.yaml", withIntermediateDirectories: false)
        let result = RuleLoader(directory: demoDirectory).load(path: dir.path)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.description))")
        let set = try #require(result.ruleSet)
        #expect(set.rules.map(\.name) == ["first", "second"])
        #expect(set.files.map { ($0 as NSString).lastPathComponent } == ["10-a.yaml", "20-b.yaml"])
        #expect(set.settings.settle == .seconds(3))
        #expect(set.servers.count == 2)
    }

    @Test("the same setting or alias with another value in two files is an error, at the second")
    func conflicts() throws {
        let dir = try TempDir()
        _ = try dir.write("a.yaml", "aliases:\n  Work: \"100000000000000002\"\nsettings:\n  settle: 3s\nrules: []\n")
        let b = try dir.write(
            "b.yaml", "aliases:\n  Work: \"100000000000000009\"\nsettings:\n  settle: 4s\nrules: []\n")
        let a = dir.path + "/a.yaml"
        let result = RuleLoader(directory: demoDirectory).load(path: dir.path)
        #expect(result.ruleSet == nil)
        #expect(
            result.diagnostics.map(\.description) == [
                "\(b):2:3: error: the alias 'Work' is already defined at \(a):2:3 as 100000000000000002; an alias can stand for one server only",
                "\(b):4:3: error: the setting 'settle' is already set at \(a):4:3 to a different value; set each setting in one file only",
            ])
    }

    @Test("the exec and webhook opt-in covers only its own file")
    func optInPerFile() throws {
        let dir = try TempDir()
        _ = try dir.write(
            "a.yaml", "allow: [exec]\nrules:\n  - name: a\n    when: switch\n    do: [ { exec: [\"/bin/true\"] } ]\n")
        let b = try dir.write(
            "b.yaml", "rules:\n  - name: b\n    when: switch\n    do: [ { exec: [\"/bin/true\"] } ]\n")
        let result = RuleLoader(directory: demoDirectory).load(path: dir.path)
        #expect(
            result.diagnostics.map(\.description) == [
                "\(b):4:13: error: `exec` is off unless the file opts in: add `allow: [exec]` at the top of \(b)"
            ])
    }

    @Test("missing paths and empty directories")
    func missing() throws {
        let gone = RuleLoader(directory: nil).load(path: "/nonexistent/rules.yaml")
        #expect(
            gone.diagnostics.map(\.description) == [
                "/nonexistent/rules.yaml:1:1: error: /nonexistent/rules.yaml: no such file or directory"
            ])
        let dir = try TempDir()
        let empty = RuleLoader(directory: nil).load(path: dir.path)
        #expect(empty.ruleSet?.rules.isEmpty == true)
        #expect(empty.diagnostics.first?.severity == .warning)
    }

    @Test("`rules: []` and an empty file are valid")
    func emptyFiles() {
        #expect(load("rules: []\n").ruleSet?.rules.isEmpty == true)
        #expect(load("rules: []\n").diagnostics.isEmpty)
        #expect(load("").ruleSet?.rules.isEmpty == true)
        #expect(load("# just a comment\n").diagnostics.isEmpty)
    }

    @Test("every problem in one run, not just the first")
    func allProblems() {
        let yaml = """
            rules:
              - name: one
                when: swtich
                do: [ { log: "{{ nope }}" } ]
              - name: two
                when: switch
                if: { fronters: { include: Alxe } }
                do: [ { sytem: { tag: x } } ]
              - name: three
                when: { fronting_for: 10 }
                do: [ { log: "{{ frist }}" } ]
            """
        let lines = problems(yaml).map { String($0.prefix(while: { $0 != ":" })) }
        #expect(lines == ["3", "7", "8", "10"], "\(problems(yaml))")
    }

    @Test("names resolve by name, display name, id, UUID and case; ambiguity is an error")
    func names() throws {
        let directory = NameDirectory(
            members: [
                .init(id: "abcde", uuid: "11111111-2222-4333-8444-555555555555", name: "Alex", displayName: "Lex ✨"),
                .init(id: "fghij", uuid: nil, name: "Sam", displayName: nil),
                .init(id: "klmno", uuid: nil, name: "Sam", displayName: "Sammy"),
            ], groups: [], source: "the list")
        let rule = { (who: String) in
            "rules:\n  - name: a\n    when: switch\n    if: { fronters: { first: \"\(who)\" } }\n    do: [ { log: hi } ]\n"
        }
        for ok in ["Alex", "alex", "Lex ✨", "ABCDE", "11111111-2222-4333-8444-555555555555", "Sammy", "fghij"] {
            let result = load(rule(ok), directory: directory)
            #expect(result.diagnostics.isEmpty, "\(ok): \(result.diagnostics.map(\.description))")
        }
        #expect(load(rule("Alex"), directory: directory).ruleSet?.memberIDs == ["Alex": "abcde"])
        #expect(
            problems(rule("Sam"), directory: directory) == [
                "4:30: error: several members are called 'Sam' (fghij, klmno); use the id instead"
            ])
    }

    @Test("without a member list, names are warnings and the rules still load")
    func offlineNames() {
        let result = load(
            "rules:\n  - name: a\n    when: switch\n    if: { fronters: { any_in_group: Littles } }\n    do: [ { log: hi } ]\n",
            directory: nil)
        #expect(result.ruleSet != nil)
        #expect(
            result.diagnostics.map(\.description) == [
                "rules.yaml:4:37: warning: group 'Littles' was not checked: no token was given and the state directory has no cached member list"
            ])
    }

    @Test("settings: defaults and every key")
    func settings() throws {
        #expect(try #require(load("rules: []").ruleSet).settings == RuleSettings())
        let set = try #require(
            load(
                """
                settings:
                  settle: 1m30s
                  cooldown: 10m
                  timezone: America/New_York
                  dry_run: yes
                  quiet_hours: { from: "22:30", to: "6:00", days: [fri, sat], mode: skip }
                rules: []
                """
            ).ruleSet)
        #expect(set.settings.settle == .seconds(90) && set.settings.cooldown == .seconds(600))
        #expect(set.settings.timezone == "America/New_York" && set.settings.dryRun)
        #expect(
            set.settings.quietHours
                == QuietHours(
                    window: .init(from: .init(hour: 22, minute: 30), to: .init(hour: 6, minute: 0)),
                    days: [.friday, .saturday], mode: .skip))
    }

    @Test("every condition form parses")
    func conditions() throws {
        let yaml = """
            rules:
              - name: all forms
                when: [fronter_added, fronter_removed]
                if:
                  any:
                    - fronters: { exactly: [Alex, Sam] }
                    - fronters: { include_any: [Kit, Robin] }
                    - fronters: { include_none: [Jordan] }
                    - fronters: { all_in_group: Hosts }
                    - fronters: { none_in_group: Littles }
                    - fronters: { first_in_group: Hosts }
                    - fronters: { count: { at_least: 2, at_most: 3 } }
                    - previous_fronters: { first: Alex }
                    - member: { in_group: Littles }
                    - member: [Kit, Robin]
                    - not: { days: weekends }
                    - time: "22:00-06:00"
                    - days: mon-wed
                    - front_duration: { member: Alex, less_than: 2h }
                    - fronters: Alex
                do: [ { log: hi } ]
            """
        let result = load(yaml)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.description))")
        guard case .any(let parts, _) = try #require(result.ruleSet?.rules.first?.condition) else {
            Issue.record("any")
            return
        }
        #expect(parts.count == 15)
        guard case .days(let days, _) = parts[12] else {
            Issue.record("days")
            return
        }
        #expect(days == [.monday, .tuesday, .wednesday])
    }

    @Test("webhook bodies: plain numbers as JSON writes them stay numbers, anything else is text")
    func jsonNumbers() {
        for number in ["0", "-1", "2.5", "1e3", "-0.5E-2", "100000000000000001"] {
            #expect(RuleParser.isJSONNumber(number), "\(number)")
        }
        for text in ["", "-", ".5", "5.", "01", "0x1F", "inf", "nan", "+1", "1e", "1_000", "1.2.3"] {
            #expect(!RuleParser.isJSONNumber(text), "\(text)")
        }
    }

    @Test("every action form parses")
    func actions() throws {
        let yaml = """
            allow: [exec, webhook]
            aliases: { Art Club: "100000000000000001", Work: "100000000000000002" }
            rules:
              - name: everything
                description: Every action once.
                when: { at: "12:00" }
                do:
                  - autoproxy: { server: [Art Club, Work], mode: latch }
                  - autoproxy: { server: "100000000000000003", mode: front }
                  - system: { name: Sys, description: null, tag: "| {{ first.shown }}", pronouns: they/them, color: "#FF8800", avatar_url: "https://example.org/a.png", banner: null }
                  - system_server: { server: all, tag: null, tag_enabled: false, display_name: "{{ first.shown }}", proxying_enabled: yes }
                  - member: { member: Alex, display_name: Lex, birthday: 2000-02-29, keep_proxy: true, color: 00ff00 }
                  - member_server: { member: Sam, server: Work, display_name: null, avatar_url: "https://example.org/s.png" }
                  - log_switch: { members: [Alex, Sam] }
                  - log: { message: "{{ fronter_names }}", priority: warning }
                  - exec: { command: ["/usr/local/bin/hook", "{{ event.kind }}"], environment: { WHO: "{{ first.name }}" }, timeout: 5s }
                  - webhook: { url: "https://example.org/hook", headers: { X-Token: abc }, body: { who: "{{ first.name }}", count: 2, on: true, none: null, list: [1, "{{ event.seq }}"] }, timeout: 3s }
            """
        let result = load(yaml)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.description))")
        #expect(result.ruleSet?.rules.first?.description == "Every action once.")
        let actions = try #require(result.ruleSet?.rules.first?.actions)
        #expect(
            actions.map(\.name) == [
                "autoproxy", "autoproxy", "system", "system_server", "member", "member_server", "log_switch", "log",
                "exec", "webhook",
            ])
        guard case .system(let changes) = actions[2].kind, case .text(let color) = changes[4].value else {
            Issue.record("system")
            return
        }
        #expect(color.source == "ff8800")
        guard case .webhook(let hook) = actions[9].kind, case .object(let body) = hook.body else {
            Issue.record("webhook")
            return
        }
        #expect(body.map(\.key) == ["who", "count", "on", "none", "list"])
        #expect(actions.filter(\.writesToPluralKit).count == 7)
    }
}
