import Testing

@testable import Rules

@Suite("Templates")
struct TemplateTests {
    func template(_ source: String) throws -> TextTemplate {
        var problems: [TextTemplate.Problem] = []
        let t = TextTemplate(source: source, location: .init(file: "t", line: 1, column: 1), problems: &problems)
        #expect(problems.isEmpty, "\(problems)")
        return t
    }

    @Test("text is not HTML-escaped")
    func noEscaping() throws {
        let t = try template("{{ first.name }} & co <3 \"quoted\"")
        #expect(t.render(["first": ["name": "Rosé & <Kit>"]]) == "Rosé & <Kit> & co <3 \"quoted\"")
    }

    @Test("defaults: `or \"text\"`, and Mustache inverted sections")
    func defaults() throws {
        let t = try template("{{ first.shown or \"nobody\" }} fronts")
        #expect(t.render([:]) == "nobody fronts")
        #expect(t.render(["first": ["shown": "Sam"]]) == "Sam fronts")
        let single = try template("{{first.name or 'someone'}}")
        #expect(single.render([:]) == "someone")
        let inverted = try template("{{#first}}{{ name }}{{/first}}{{^first}}no one{{/first}}")
        #expect(inverted.render([:]) == "no one")
        #expect(inverted.render(["first": ["name": "Kit"]]) == "Kit")
        #expect(t.references.map(\.path) == ["first.shown"])
        // An empty value counts as missing.
        #expect(t.render(["first": ["shown": ""]]) == "nobody fronts")
        #expect(try template("[{{ fronter_names or \"-\" }}]").render(["fronter_names": ""]) == "[-]")
    }

    @Test("lists: sections repeat per item; transforms")
    func lists() throws {
        let fronters: [[String: Any]] = [["name": "Alex"], ["name": "Sam"]]
        #expect(try template("{{#fronters}}[{{ name }}]{{/fronters}}").render(["fronters": fronters]) == "[Alex][Sam]")
        #expect(try template("{{ count(fronters) }} fronting").render(["fronters": fronters]) == "2 fronting")
        #expect(try template("{{ uppercased(first.name) }}").render(["first": ["name": "kit"]]) == "KIT")
        let refs = try template("{{#fronters}}{{ name }}{{/fronters}}").references
        #expect(refs.map(\.path) == ["fronters", "name"])
        #expect(refs[1].sections == ["fronters"])
    }

    @Test("constant text stays as written, even with braces that are not placeholders")
    func constants() throws {
        let t = try template("a { b } c")
        #expect(t.isConstant && t.render([:]) == "a { b } c")
    }

    @Test("variables are checked per trigger, inside sections too")
    func variables() {
        #expect(
            problems(
                "rules:\n  - name: a\n    when: switch\n    do:\n      - log: \"{{#added}}{{ shown }}{{/added}}\"\n"
            ).isEmpty)
        #expect(
            problems(
                "rules:\n  - name: a\n    when: switch\n    do:\n      - log: \"{{#added}}{{ showm }}{{/added}}\"\n")
                == [
                    "5:25: error: unknown template variable 'showm' (did you mean 'shown'?); available here: added, added_names, display_name, event, first, fronter_count, fronter_names, fronters, id, name, now, previous_first, previous_fronters, previous_names, removed, removed_names, rule, shown, switch, system, uuid"
                ])
        #expect(
            problems("rules:\n  - name: a\n    when: switch\n    do:\n      - log: \"{{ fronters.name }}\"\n")
                == ["5:15: error: 'fronters' is a list: use {{#fronters}}…{{/fronters}} to go through it"])
        #expect(
            problems(
                "rules:\n  - name: a\n    when: api_unreachable\n    do:\n      - log: \"{{ error }} ({{ system.name }})\"\n"
            ).isEmpty)
        #expect(
            problems(
                "rules:\n  - name: a\n    when: { fronting_for: 1h }\n    do:\n      - log: \"{{ duration }} {{ member.name }}\"\n"
            )
            .first?.hasPrefix("5:30: error: unknown template variable 'member'") == true)
        #expect(
            problems(
                "rules:\n  - name: a\n    when: { fronting_for: 1h, member: Alex }\n    do:\n      - log: \"{{ duration }} {{ member.name }}\"\n"
            ).isEmpty)
        #expect(
            problems(
                "rules:\n  - name: a\n    when: daemon_started\n    do:\n      - log: \"{{ version }}: {{ rules_loaded }} rules\"\n"
            ).isEmpty)
        #expect(
            problems(
                "rules:\n  - name: a\n    when: switch_edited\n    do:\n      - log: \"{{ before.id }} → {{ after.fronter_names }}\"\n"
            ).isEmpty)
    }

    @Test("the position of a template problem is found on later lines of a block scalar")
    func blockPositions() {
        let yaml =
            "rules:\n  - name: a\n    when: switch\n    do:\n      - log: |\n          first line\n          second {{ nope }} here\n"
        #expect(problems(yaml).first?.hasPrefix("7:18: error: unknown template variable 'nope'") == true)
    }

    @Test("columns count Unicode scalars, as the YAML parser does (also after emoji)")
    func unicodeColumns() {
        let yaml =
            "rules:\n  - name: a\n    when: switch\n    do: [ { log: \"🏳️‍🌈 ééé {{ nope }}\" } ]\n    if: { fronters: { include: [Ålex, Zed] } }\n"
        let found = problems(yaml).map { String($0.prefix { $0 != " " }) }
        #expect(found == ["4:28:", "5:33:", "5:39:"], "\(problems(yaml))")
    }

    @Test("a member given as a template is checked as one")
    func memberTemplate() {
        #expect(
            problems(
                "aliases: { Work: \"100000000000000002\" }\nrules:\n  - name: a\n    when: switch\n    do:\n      - autoproxy: { server: Work, member: \"{{ first.id }}\" }\n"
            ).isEmpty)
        #expect(
            problems(
                "aliases: { Work: \"100000000000000002\" }\nrules:\n  - name: a\n    when: switch\n    do:\n      - autoproxy: { server: Work, member: \"{{ frist.id }}\" }\n"
            )
            .first?.hasPrefix("6:45: error: unknown template variable 'frist'") == true)
    }
}
