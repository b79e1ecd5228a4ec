import Foundation
import PluralKitFake
import PluralKitTesting
import Testing

/// `pkfrontd simulate` as a user runs it: the built binary, in a folder with the rule file and
/// the script, names from a fake PluralKit over a real socket.
@Suite("pkfrontd simulate", .serialized)
struct SimulateCommandTests {
    static let simulations = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("RulesTests/Simulations").path

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func simulate(_ arguments: [String], in folder: String, environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        let binary: URL = try #require(BuiltProducts.url(of: "pkfrontd"), "pkfrontd not built")
        process.executableURL = binary
        process.arguments = ["simulate"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": folder].merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test("--json prints the committed decision records, with the live names of the system")
    func story() async throws {
        try await FakeFixture.run(.socket, seed: .demo) { fixture in
            let folder = Self.simulations + "/story"
            let run = try simulate(
                [
                    "--rules", "rules.yaml", "--script", "script.yaml", "--json", "--api-url", fixture.baseURL,
                    "--state-dir", NSTemporaryDirectory() + "pkfrontd-sim-\(UUID().uuidString)",
                ],
                in: folder, environment: ["PK_TOKEN": fixture.system.token])
            #expect(run.status == 0, "\(run.stderr)")
            let expected = try String(contentsOfFile: folder + "/expected.jsonl", encoding: .utf8)
            #expect(run.stdout == expected)
            // In words, the same timeline.
            let words = try simulate(
                [
                    "--rules", "rules.yaml", "--script", "script.yaml", "--api-url", fixture.baseURL,
                    "--state-dir", NSTemporaryDirectory() + "pkfrontd-sim-\(UUID().uuidString)",
                ],
                in: folder, environment: ["PK_TOKEN": fixture.system.token])
            #expect(
                words.stdout.contains(
                    "22:10:07 Littles tag ran (on fronter_added #7): system tag '| TES' → '| little'"),
                "\(words.stdout)")
            #expect(words.stdout.split(separator: "\n").count == expected.split(separator: "\n").count)
        }
    }

    @Test("without settings.timezone the system's PluralKit time zone is used (the demo system's is Europe/Berlin)")
    func systemZone() async throws {
        let folder = NSTemporaryDirectory() + "pkfrontd-sim-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "rules:\n  - name: R\n    when: switch\n    do: [ { log: \"{{ first.name }}\" } ]\n".write(
            toFile: folder + "/rules.yaml", atomically: true, encoding: .utf8)
        try "start: { at: \"2026-12-04 22:00\", front: [Alex] }\nsteps:\n  - { after: 1m, front: [Sam] }\n".write(
            toFile: folder + "/script.yaml", atomically: true, encoding: .utf8)
        try await FakeFixture.run(.socket, seed: .demo) { fixture in
            let run = try simulate(
                [
                    "--rules", "rules.yaml", "--script", "script.yaml", "--json", "--api-url", fixture.baseURL,
                    "--state-dir", folder + "/state",
                ],
                in: folder, environment: ["PK_TOKEN": fixture.system.token])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains(#""time":"2026-12-04T22:01:00+01:00""#), "\(run.stdout)")
            #expect(run.stdout.contains(#""value":"Sam""#))
        }
    }

    @Test("bad input exits 1 and says where: an unknown member, a malformed script, rules that do not load")
    func badInput() throws {
        let folder = NSTemporaryDirectory() + "pkfrontd-sim-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "rules:\n  - name: R\n    when: switch\n    do: [ { log: \"x\" } ]\n".write(
            toFile: folder + "/rules.yaml", atomically: true, encoding: .utf8)
        try "start: { at: \"2026-12-04 22:00\", front: [Alex] }\n".write(
            toFile: folder + "/unknown.yaml", atomically: true, encoding: .utf8)
        try "start: { at: \"2026-12-04 22:00\" }\nsteps:\n  - { after: soon }\n".write(
            toFile: folder + "/malformed.yaml", atomically: true, encoding: .utf8)
        try "rules:\n  - name: R\n    when: swich\n    do: []\n".write(
            toFile: folder + "/broken.yaml", atomically: true, encoding: .utf8)
        let unknown = try simulate(["--rules", "rules.yaml", "--script", "unknown.yaml"], in: folder)
        #expect(
            unknown.status == 1 && unknown.stderr.contains("unknown.yaml:1:42: unknown member 'Alex'"),
            "\(unknown.stderr)")
        let malformed = try simulate(["--rules", "rules.yaml", "--script", "malformed.yaml"], in: folder)
        #expect(
            malformed.status == 1 && malformed.stderr.contains("malformed.yaml:3:14: error: 'soon' is not a duration"),
            "\(malformed.stderr)")
        let broken = try simulate(["--rules", "broken.yaml", "--script", "unknown.yaml"], in: folder)
        #expect(broken.status == 1 && broken.stderr.contains("broken.yaml:3:11: error:"), "\(broken.stderr)")
        // With member ids, no names are needed.
        try "start: { at: \"2026-12-04 22:00\", front: [aaaaa] }\nsteps:\n  - { after: 1m, front: [bbbbb] }\n".write(
            toFile: folder + "/ids.yaml", atomically: true, encoding: .utf8)
        let ids = try simulate(
            ["--rules", "rules.yaml", "--script", "ids.yaml", "--timezone", "Europe/Berlin"], in: folder)
        #expect(
            ids.status == 0 && ids.stdout.contains("22:01:00 R ran (on switch #2): log: 'x'"),
            "\(ids.stdout) \(ids.stderr)")
    }
}
