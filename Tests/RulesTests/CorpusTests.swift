import Foundation
import Testing

@testable import Rules

/// Malformed input of every kind gives errors or a clean refusal, never a crash, and every
/// diagnostic points inside the file.
@Suite("Malformed input corpus")
struct CorpusTests {
    static var corpus: String {
        Bundle.module.resourceURL!.appendingPathComponent("Corpus").path
    }

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: corpus)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    /// Loads and checks the invariants every result must keep.
    @discardableResult
    func loadChecked(path: String, directory: NameDirectory? = demoDirectory) -> RuleLoader.Result {
        let result = RuleLoader(directory: directory).load(path: path)
        for d in result.diagnostics {
            #expect(d.location.line >= 1 && d.location.column >= 1, "\(d)")
            #expect(!d.message.isEmpty)
            #expect(
                d.description.hasPrefix("\(path):\(d.location.line):\(d.location.column): \(d.severity.rawValue): "))
        }
        #expect((result.ruleSet == nil) == result.diagnostics.hasErrors)
        return result
    }

    @Test("the corpus is there")
    func present() {
        #expect(Self.files.count >= 20)
    }

    @Test("each corpus file: errors or a clean load", arguments: files)
    func corpusFile(_ name: String) {
        let result = loadChecked(path: Self.corpus + "/" + name)
        let valid = ["empty.yaml", "empty-rules.yaml", "bom-crlf.yaml"]
        if valid.contains(name) {
            #expect(result.ruleSet != nil, "\(result.diagnostics.map(\.description))")
        } else {
            #expect(result.diagnostics.hasErrors, "\(name) should be refused")
        }
    }

    @Test("specific corpus answers")
    func specifics() throws {
        func first(_ name: String) -> String {
            let r = RuleLoader(directory: demoDirectory).load(path: Self.corpus + "/" + name)
            return r.diagnostics.first.map { "\($0.location.line):\($0.location.column): \($0.message)" } ?? ""
        }
        #expect(first("not-utf8.yaml") == "2:11: the file is not UTF-8 text")
        #expect(first("billion-laughs.yaml").contains("more than 200000 values"))
        #expect(first("deep-flow.yaml").contains("nested"))
        #expect(first("deep-nesting.yaml").contains("nested"))
        #expect(first("undefined-alias.yaml").contains("undefined alias"))
        #expect(first("tabs.yaml").contains("tabs"))
        #expect(
            first("duplicate-keys.yaml")
                == "3:3: duplicate key 'Work': it was already set at line 2, column 3; each key may appear once in a mapping"
        )
        #expect(first("two-documents.yaml").contains("not valid YAML"))
        let bom = try #require(RuleLoader(directory: demoDirectory).load(path: Self.corpus + "/bom-crlf.yaml").ruleSet)
        #expect(bom.rules.map(\.name) == ["crlf and bom"])
        let templates = RuleLoader(directory: demoDirectory).load(path: Self.corpus + "/bad-templates.yaml").diagnostics
        #expect(templates.filter { $0.severity == .error }.count == 9, "\(templates.map(\.description))")
        let members = RuleLoader(directory: demoDirectory).load(path: Self.corpus + "/unknown-members.yaml").diagnostics
        #expect(
            members.map(\.message).filter { $0.hasPrefix("unknown member") || $0.hasPrefix("unknown group") }.count == 5
        )
        let wrong = RuleLoader(directory: demoDirectory).load(path: Self.corpus + "/wrong-types.yaml").diagnostics
        #expect(wrong.count >= 6, "\(wrong.map(\.description))")
    }

    @Test("a 10 MB file is refused before parsing")
    func huge() throws {
        let dir = try TempDir()
        let line = "# " + String(repeating: "x", count: 1021) + "\n"
        let big = try dir.write("big.yaml", "rules: []\n" + String(repeating: line, count: 10 * 1024))
        let clock = ContinuousClock()
        let start = clock.now
        let result = loadChecked(path: big)
        #expect(
            result.diagnostics.map(\.description) == [
                "\(big):1:1: error: the file is 10.0 MB; rule files may be at most 1 MB (split the rules into a directory of files)"
            ])
        // Refused by size, not parsed: far quicker than parsing 10 MB would be (not a timing test; a sanity bound).
        #expect(clock.now - start < .seconds(5))
        // Exactly 1 MB is accepted.
        let limit = try dir.write(
            "limit.yaml", "rules: []\n" + String(repeating: "#", count: YAMLReader.maxBytes - 11) + "\n")
        #expect(loadChecked(path: limit).ruleSet != nil)
    }

    @Test("every truncation of every example: errors or a clean load, never a crash")
    func truncations() throws {
        let dir = try TempDir()
        var checked = 0
        for file in exampleFiles {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            for cut in stride(from: 0, to: bytes.count, by: 3) {
                let path = dir.path + "/cut.yaml"
                try bytes.prefix(cut).write(to: URL(fileURLWithPath: path))
                loadChecked(path: path)
                checked += 1
            }
        }
        #expect(checked > 1000)
    }

    @Test("seeded random byte flips of the examples: never a crash")
    func mutations() throws {
        var rng = SplitMix(seed: 0x5eed)
        let dir = try TempDir()
        let path = dir.path + "/mutant.yaml"
        for file in exampleFiles {
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
            for _ in 0..<60 {
                var bytes = original
                for _ in 0..<(1 + Int(rng.next() % 4)) {
                    let at = Int(rng.next() % UInt64(bytes.count))
                    let choices: [UInt8] = [
                        0x09, 0x0A, 0x20, 0x22, 0x27, 0x2D, 0x3A, 0x5B, 0x5D, 0x7B, 0x7D, 0x2A, 0x26, 0x23, 0xFF,
                        UInt8(rng.next() % 256),
                    ]
                    bytes[at] = choices[Int(rng.next() % UInt64(choices.count))]
                }
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                loadChecked(path: path)
            }
        }
    }

    @Test("random garbage: never a crash")
    func garbage() throws {
        var rng = SplitMix(seed: 42)
        let dir = try TempDir()
        let path = dir.path + "/garbage.yaml"
        for size in [1, 7, 64, 512, 4096] {
            for _ in 0..<10 {
                let bytes = (0..<size).map { _ in UInt8(rng.next() % 256) }
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                loadChecked(path: path)
            }
        }
    }
}

/// A small seeded generator (SplitMix64), so failures reproduce.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
