import Foundation
import FrontEvents
import Testing

@testable import Rules

/// Every YAML example in rules/README.md loads without a problem, and the README documents every
/// trigger, condition, action, setting and template variable the loader knows.
@Suite("rules/README.md")
struct DocumentationTests {
    static var readme: String {
        (try? String(contentsOfFile: rulesFolder + "/README.md", encoding: .utf8)) ?? ""
    }

    /// The ```yaml blocks; a block that is a single rule (`- name: …`) is wrapped into a file
    /// with the demo's server aliases.
    static var blocks: [String] { allBlocks.filter { !$0.hasPrefix("start:") } }

    /// The ```yaml blocks that are `simulate` scripts (they begin with `start:`).
    static var scripts: [String] { allBlocks.filter { $0.hasPrefix("start:") } }

    static var allBlocks: [String] {
        var out: [String] = []
        var current: [Substring]?
        for line in readme.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```yaml" {
                current = []
            } else if current != nil, line == "```" {
                let text = current!.joined(separator: "\n") + "\n"
                if text.hasPrefix("- name:") {
                    out.append(
                        "aliases: { Art Club: \"100000000000000001\", Work: \"100000000000000002\" }\nrules:\n"
                            + current!.map { "  " + $0 }.joined(separator: "\n") + "\n")
                } else {
                    out.append(text)
                }
                current = nil
            } else if current != nil {
                current!.append(line)
            }
        }
        return out
    }

    @Test("the README has examples")
    func present() {
        #expect(Self.blocks.count >= 15)
    }

    @Test("each YAML example loads cleanly against the demo system", arguments: blocks)
    func example(_ yaml: String) {
        let result = load(yaml)
        #expect(result.ruleSet != nil)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.description))\n\(yaml)")
    }

    @Test("each simulate script example parses", arguments: scripts)
    func script(_ yaml: String) {
        let (script, problems) = SimulationScript.parse(
            text: yaml, file: "README.md", zone: TimeZone(identifier: "Europe/Berlin")!)
        #expect(script != nil && problems.isEmpty, "\(problems.map(\.description))")
    }

    @Test("every key of the language is documented")
    func everythingDocumented() {
        let text = Self.readme
        var words: [String] = []
        words += EventKind.allCases.map { "`\($0.rawValue)`" }
        words += FileParser.topKeys + FileParser.settingKeys + FileParser.ruleKeys
        words += RuleParser.conditionKeys + RuleParser.frontKeys + RuleParser.actionKeys
        words += ["fronting_for", "at", "days", "anyone", "at_least", "at_most", "less_than", "in_group", "is"]
        words +=
            (RuleParser.systemFields + RuleParser.systemServerFields + RuleParser.memberFields
            + RuleParser.memberServerFields).map(\.0)
        words += TemplateVariables.common.keys
        for trigger in EventKind.allCases.map({ Trigger.Kind.event($0) }) + [.frontingFor(.seconds(1), .anyMember)] {
            words += TemplateVariables.extra(for: trigger).keys
        }
        if case .object(let fields) = TemplateVariables.member { words += fields.keys }
        if case .object(let fields) = TemplateVariables.switchInfo { words += fields.keys }
        let missing = Set(words).map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "`")) }.filter { plain in
            !["`\(plain)`", "`\(plain):", "\(plain):", "`\(plain) ", " \(plain),", "`\(plain).", "\(plain)`"].contains {
                text.contains($0)
            }
        }
        #expect(missing.isEmpty, "rules/README.md does not mention \(missing.sorted())")
    }
}
