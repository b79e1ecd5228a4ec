import Foundation
import Testing

@testable import Rules

/// A rule whose `log` message is `template` (a double-quoted YAML value on line 5).
func logRule(_ template: String, name: String = "r") -> String {
    "  - name: \(name)\n    when: switch\n    do:\n      - log:\n          message: \"\(template)\"\n"
}

@Suite("Template limits: refused before parsing, with their place; checking stays linear")
struct TemplateLimitTests {
    @Test("600 nested sections (which crashed check and run) are refused at the 33rd, with line and column")
    func deepNesting() {
        let template =
            String(repeating: "{{#fronters}}", count: 600) + "x" + String(repeating: "{{/fronters}}", count: 600)
        let result = load("rules:\n" + logRule(template))
        #expect(result.ruleSet == nil)
        let errors = result.diagnostics.filter { $0.severity == .error }
        #expect(errors.count == 1)
        #expect(errors.first?.message == "sections are nested more than 32 deep; flatten the template")
        // The 33rd section's tag: 32 tags of 13 characters after the value's opening quote (column 20).
        #expect(errors.first.map { "\($0.location.line):\($0.location.column)" } == "6:\(21 + 32 * 13)")
    }

    @Test("32 nested sections are fine")
    func nestingAtTheLimit() {
        let template =
            String(repeating: "{{#fronters}}", count: 32) + "{{name}}" + String(repeating: "{{/fronters}}", count: 32)
        #expect(load("rules:\n" + logRule(template)).ruleSet != nil)
    }

    @Test("more than 1000 tags in one template are refused")
    func tagsPerTemplate() {
        let template = String(repeating: "{{first.name}}", count: 1001)
        let result = load("rules:\n" + logRule(template))
        #expect(result.ruleSet == nil)
        #expect(result.diagnostics.contains { $0.message.hasPrefix("a template may have at most 1000") })
    }

    @Test("more than 100000 tags in one file are refused once, at the template that goes over")
    func tagsPerFile() {
        let template = String(repeating: "{{first}}", count: 1000)
        let text = "rules:\n" + (0..<101).map { logRule(template, name: "r\($0)") }.joined()
        let result = load(text)
        #expect(result.ruleSet == nil)
        let over = result.diagnostics.filter { $0.message.hasPrefix("the file has more than 100000") }
        #expect(over.count == 1)
        #expect(over.first?.location.line == 6 + 100 * 5)
    }

    @Test(
        "10 000 unknown variables are each reported at their own tag (placing them is linear now; `make bench-check` measures 50 000 and more)"
    )
    func manyUnknownVariables() {
        let template = (0..<100).map { "{{nope\($0)}}" }.joined()
        let text = "rules:\n" + (0..<100).map { logRule(template, name: "r\($0)") }.joined()
        let result = load(text)
        let unknown = result.diagnostics.filter { $0.message.contains("nope") }
        #expect(unknown.count == 10_000)
        // Rule k's tag j is on line 6 + 5k, after the quote at column 20, each tag "{{nopeN}}" long.
        let sample = unknown[100 * 7 + 23]
        let column = 21 + (0..<23).map { "{{nope\($0)}}".count }.reduce(0, +)
        #expect("\(sample.location.line):\(sample.location.column)" == "\(6 + 5 * 7):\(column)", "\(sample)")
    }
}
