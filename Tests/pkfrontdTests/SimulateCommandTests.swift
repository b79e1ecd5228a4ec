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

    func simulate(_ arguments: [String], in folder: String, environment: [String: String] = [:]) async throws -> Run {
        try await pkfrontd(["simulate"] + arguments, in: folder, environment: environment)
    }

    /// Runs the binary and waits for it off the cooperative pool (the fake it talks to is served
    /// from this process's pool; blocking a pool thread here could starve it).
    func pkfrontd(_ arguments: [String], in folder: String, environment: [String: String] = [:]) async throws -> Run {
        let binary: URL = try #require(BuiltProducts.url(of: "pkfrontd"), "pkfrontd not built")
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result { try Self.blockingRun(binary, arguments, in: folder, environment: environment) })
            }
        }
    }

    static func blockingRun(_ binary: URL, _ arguments: [String], in folder: String, environment: [String: String])
        throws -> Run
    {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
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
            let run = try await simulate(
                [
                    "--rules", "rules.yaml", "--script", "script.yaml", "--json", "--api-url", fixture.baseURL,
                    "--state-dir", NSTemporaryDirectory() + "pkfrontd-sim-\(UUID().uuidString)",
                ],
                in: folder, environment: ["PK_TOKEN": fixture.system.token])
            #expect(run.status == 0, "\(run.stderr)")
            let expected = try String(contentsOfFile: folder + "/expected.jsonl", encoding: .utf8)
            #expect(run.stdout == expected)
            // In words, the same timeline.
            let words = try await simulate(
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
            let run = try await simulate(
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

    @Test(
        "--front plays one what-if switch: its events, every rule's outcome after settle, what it arms, rules it does not start"
    )
    func oneSwitch() async throws {
        try await FakeFixture.run(.socket, seed: .demo) { fixture in
            let run = try await simulate(
                [
                    "--rules", "rules.yaml", "--front", "Kit, Alex", "--previous", "Sam", "--at", "2026-12-04 23:30",
                    "--api-url", fixture.baseURL, "--state-dir",
                    NSTemporaryDirectory() + "pkfrontd-sim-\(UUID().uuidString)",
                ],
                in: Self.simulations + "/story", environment: ["PK_TOKEN": fixture.system.token])
            #expect(run.status == 0, "\(run.stderr)")
            let lines = run.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first == "23:30:00 event switch #2", "\(run.stdout)")
            #expect(lines.contains("23:30:00 Log switches ran (on switch #2): log: 'now Kit, Alex (was Sam)'"))
            #expect(
                lines.contains {
                    $0.hasPrefix(
                        "23:30:00 Four-hour reminder armed: due 2026-12-05T03:30:00+01:00 (fronting_for 4h for Kit)")
                })
            #expect(
                lines.contains("23:30:05 Littles tag ran (on first_fronter_changed #6): system tag → '| little'"),
                "\(run.stdout)")
            #expect(!lines.contains { $0.contains("daemon_started") })
            let none = try await simulate(
                [
                    "--rules", "rules.yaml", "--front", "", "--previous", "Sam", "--at", "2026-12-04 23:30",
                    "--api-url", fixture.baseURL, "--state-dir",
                    NSTemporaryDirectory() + "pkfrontd-sim-\(UUID().uuidString)",
                ],
                in: Self.simulations + "/story", environment: ["PK_TOKEN": fixture.system.token])
            #expect(none.stdout.contains("event front_cleared"), "\(none.stdout)")
            #expect(none.stdout.contains("Littles tag: not started by this switch"), "\(none.stdout)")
        }
    }

    @Test(
        "check --next prints the next schedule times and warns about a time the clocks skip, in the system's time zone")
    func checkNext() async throws {
        let folder = NSTemporaryDirectory() + "pkfrontd-sim-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "rules:\n  - name: Night\n    when: { at: \"02:30\" }\n    do: [ { log: \"x\" } ]\n".write(
            toFile: folder + "/rules.yaml", atomically: true, encoding: .utf8)
        try await FakeFixture.run(.socket, seed: .demo) { fixture in
            let run = try await pkfrontd(
                [
                    "check", "rules.yaml", "--next", "2", "--now", "2026-12-02T12:00:00Z", "--api-url", fixture.baseURL,
                    "--state-dir", folder + "/state",
                ],
                in: folder, environment: ["PK_TOKEN": fixture.system.token])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(
                run.stdout.contains(
                    "rules.yaml:3:11: warning: 02:30 does not exist on 2027-03-28 in Europe/Berlin (the clocks go forward); 'Night' runs at 03:00 that day"
                ), "\(run.stdout)")
            #expect(
                run.stdout.contains(
                    "rules.yaml:3:11: 'Night' next: Thu 2026-12-03 02:30, Fri 2026-12-04 02:30 (Europe/Berlin)"),
                "\(run.stdout)")
        }
    }

    @Test("bad input exits 1 and says where: an unknown member, a malformed script, rules that do not load")
    func badInput() async throws {
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
        let unknown = try await simulate(["--rules", "rules.yaml", "--script", "unknown.yaml"], in: folder)
        #expect(
            unknown.status == 1 && unknown.stderr.contains("unknown.yaml:1:42: unknown member 'Alex'"),
            "\(unknown.stderr)")
        let malformed = try await simulate(["--rules", "rules.yaml", "--script", "malformed.yaml"], in: folder)
        #expect(
            malformed.status == 1 && malformed.stderr.contains("malformed.yaml:3:14: error: 'soon' is not a duration"),
            "\(malformed.stderr)")
        let broken = try await simulate(["--rules", "broken.yaml", "--script", "unknown.yaml"], in: folder)
        #expect(broken.status == 1 && broken.stderr.contains("broken.yaml:3:11: error:"), "\(broken.stderr)")
        // With member ids, no names are needed.
        try "start: { at: \"2026-12-04 22:00\", front: [aaaaa] }\nsteps:\n  - { after: 1m, front: [bbbbb] }\n".write(
            toFile: folder + "/ids.yaml", atomically: true, encoding: .utf8)
        let ids = try await simulate(
            ["--rules", "rules.yaml", "--script", "ids.yaml", "--timezone", "Europe/Berlin"], in: folder)
        #expect(
            ids.status == 0 && ids.stdout.contains("22:01:00 R ran (on switch #2): log: 'x'"),
            "\(ids.stdout) \(ids.stderr)")
    }
}
