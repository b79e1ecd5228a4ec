import Foundation
import FrontEvents
import PluralKit
import Testing

@testable import Rules

/// The committed simulations: `Simulations/NAME/` holds `rules.yaml`, `script.yaml` and the
/// expected `simulate --json` output, `expected.jsonl` (one decision record per line).
/// `PKFRONTD_RECORD=1 swift test --filter SimulationTests` rewrites the expected files; read the
/// diff before committing it.
enum Simulations {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Simulations"
    )
    .path

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// The examples' simulations: `ExampleSimulations/NAME/` holds `script.yaml` and
    /// `expected.jsonl` for `rules/examples/NAME.yaml`, played in the demo system's time zone.
    static let examplesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("ExampleSimulations").path

    /// The repository's `rules/examples`.
    static let examplesRules = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("rules/examples").path

    static var exampleCases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: examplesFolder)) ?? []).filter { !$0.hasPrefix(".") }
            .sorted()
    }

    /// Plays a case with the demo names, as `pkfrontd simulate --script … --json` prints it.
    static func play(_ name: String) throws -> [String] {
        let dir = folder + "/" + name
        return try play(script: dir + "/script.yaml", rules: dir + "/rules.yaml", label: "rules.yaml", zone: "UTC")
    }

    /// Plays an example's script against `rules/examples/NAME.yaml`.
    static func playExample(_ name: String) throws -> [String] {
        try play(
            script: examplesFolder + "/" + name + "/script.yaml", rules: examplesRules + "/" + name + ".yaml",
            label: name + ".yaml", zone: "Europe/Berlin")
    }

    /// Plays `script` against the rules at `rules` (labelled `label` in the records, so no machine
    /// paths appear), in the rules' time zone or else `zone`.
    static func play(script: String, rules rulesPath: String, label: String, zone zoneName: String) throws -> [String] {
        let dir = URL(fileURLWithPath: script).deletingLastPathComponent().path
        let loader = RuleLoader(directory: demoDirectory)
        let result = loader.load(text: try String(contentsOfFile: rulesPath, encoding: .utf8), label: label)
        let rules = try #require(result.ruleSet, "\(result.diagnostics)")
        let zone = TimeZone(identifier: rules.settings.timezone ?? zoneName)!
        let text = try String(contentsOfFile: script, encoding: .utf8)
        let (parsedScript, problems) = SimulationScript.parse(text: text, file: "script.yaml", zone: zone)
        let parsed = try #require(parsedScript, "\(problems)")
        let context = EngineContext(
            members: demoDirectory.members, groups: demoDirectory.engineGroups, system: ("sysab", "Demo", nil),
            timeZone: zone)
        var simulator = Simulator(rules: rules, context: context) { path in
            let text = (try? String(contentsOfFile: dir + "/" + path, encoding: .utf8)) ?? ""
            let other = loader.load(text: text, label: path)
            return other.ruleSet.map { .success($0) }
                ?? .failure(.init(description: other.diagnostics.map(\.description).joined(separator: "\n")))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try simulator.run(parsed).map { String(decoding: try encoder.encode($0), as: UTF8.self) }
    }

    /// Compares `lines` with `path` (rewriting it first with `PKFRONTD_RECORD=1`).
    static func compare(_ lines: [String], with path: String, name: String) throws {
        if ProcessInfo.processInfo.environment["PKFRONTD_RECORD"] == "1" {
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == expected.count, "\(name): \(lines.count) records, expected \(expected.count)")
        for (i, (got, want)) in zip(lines, expected).enumerated() where got != want {
            Issue.record("\(name) line \(i + 1):\n  got  \(got)\n  want \(want)")
            break
        }
    }
}

@Suite(
    "simulate --script: the committed simulations (RULES-ENGINE.md: Shape — the simulate shell; The decision record)")
struct SimulationTests {
    @Test("each simulation prints exactly its expected decision records", arguments: Simulations.cases)
    func expected(name: String) throws {
        try Simulations.compare(
            try Simulations.play(name), with: Simulations.folder + "/" + name + "/expected.jsonl", name: name)
    }

    @Test(
        "every file in rules/examples has a simulation, and it prints exactly its expected decision records",
        arguments: Simulations.exampleCases)
    func example(name: String) throws {
        try Simulations.compare(
            try Simulations.playExample(name), with: Simulations.examplesFolder + "/" + name + "/expected.jsonl",
            name: name)
    }

    @Test("the examples and their simulations match one to one")
    func everyExampleHasOne() throws {
        let examples = try FileManager.default.contentsOfDirectory(atPath: Simulations.examplesRules)
            .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
        #expect(examples.count == 14)
        #expect(Simulations.exampleCases == examples)
    }

    @Test("a script with an unknown member, a bad time or a malformed step says where")
    func badScripts() {
        let zone = TimeZone(identifier: "Europe/Berlin")!
        let (_, badTime) = SimulationScript.parse(
            text: "start: { at: \"tomorrow\", front: [Alex] }\n", file: "s.yaml", zone: zone)
        #expect(
            badTime.first?.description.hasPrefix("s.yaml:1:14: error: start.at must be a date and time") == true,
            "\(badTime)")
        let (_, twoThings) = SimulationScript.parse(
            text: "start: { at: \"2026-12-04 22:00\" }\nsteps:\n  - { after: 1m, front: [Kit], delete_last: true }\n",
            file: "s.yaml", zone: zone)
        #expect(
            twoThings.first?.description.contains("s.yaml:3:5: error: a step does one thing") == true, "\(twoThings)")
        let (_, unknownKey) = SimulationScript.parse(
            text: "start: { at: \"2026-12-04 22:00\" }\nsteps:\n  - { aftr: 1m }\n", file: "s.yaml", zone: zone)
        #expect(unknownKey.first?.description.contains("unknown key 'aftr' in a step (did you mean 'after'?)") == true)
        let (script, _) = SimulationScript.parse(
            text: "start: { at: \"2026-12-04 22:00\", front: [Nobody] }\n", file: "s.yaml", zone: zone)
        var simulator = Simulator(rules: RuleSet(), context: EngineContext(timeZone: zone)) { _ in .success(RuleSet()) }
        #expect(throws: Simulator.Failure.self) { try simulator.run(script!) }
        do {
            _ = try simulator.run(script!)
        } catch {
            #expect(error.description.hasPrefix("s.yaml:1:42: unknown member 'Nobody'"), "\(error)")
        }
        // Times without an offset are in the rules' time zone; with one, as written.
        #expect(SimulationScript.parseTime("2026-12-04T22:00:00", zone: zone) == Timestamp("2026-12-04T21:00:00Z"))
        #expect(SimulationScript.parseTime("2026-12-04 22:00", zone: zone) == Timestamp("2026-12-04T21:00:00Z"))
        #expect(SimulationScript.parseTime("2026-12-04T22:00:00Z", zone: zone) == Timestamp("2026-12-04T22:00:00Z"))
        #expect(SimulationScript.parseTime("2026-13-04 22:00", zone: zone) == nil)
    }
}
