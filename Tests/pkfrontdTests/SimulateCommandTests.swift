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
                lines.contains(
                    "23:30:05 Littles tag ran (on first_fronter_changed #6): system tag '| demo' → '| little'"),
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

    static let replayRules = """
        rules:
          - name: Log every switch
            when: switch
            do: [ { log: "now {{ fronter_names or \\"nobody\\" }}" } ]
          - name: Tag the first fronter
            when: first_fronter_changed
            do: [ { system: { tag: "| {{ first.name or \\"all\\" }}" } } ]
          - name: Littles mode
            while: { fronters: { any_in_group: Littles } }
            do: [ { system: { description: "little space" } } ]
        """

    @Test(
        "--since 7d replays a scripted week from the API, paged (130 switches, two pages and more), and counts runs and writes per rule"
    )
    func sinceAWeek() async throws {
        let folder = NSTemporaryDirectory() + "pkfrontd-sim-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.replayRules.write(toFile: folder + "/rules.yaml", atomically: true, encoding: .utf8)
        try await FakeFixture.run(.socket, seed: .demo) { fixture in
            try fixture.fake.deleteAllSwitches()
            let now = FakeTime(Date())
            // Before the period: Alex since 9 days ago; inside it: 130 switches, 75 minutes apart, the
            // last about 3 hours ago.
            try fixture.fake.logSwitch(members: ["Alex"], at: now.adding(seconds: -9 * 86_400))
            let cycle: [[String]] = [["Sam"], ["Kit", "Alex"], ["Jordan"], [], ["Alex"]]
            for i in 0..<130 {
                let at = now.adding(seconds: -6.9 * 86_400 + Double(i * 75 * 60))
                try fixture.fake.logSwitch(members: cycle[i % cycle.count], at: at)
            }
            fixture.fake.clearRequestLog()
            let run = try await simulate(
                ["--rules", "rules.yaml", "--since", "7d", "--api-url", fixture.baseURL, "--state-dir", folder + "/s"],
                in: folder, environment: ["PK_TOKEN": fixture.system.token])
            #expect(run.status == 0, "\(run.stderr)")
            let lines = run.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("Replayed your system's switch history from ") == true, "\(run.stdout)")
            #expect(lines.first?.contains("(Europe/Berlin), read from \(fixture.baseURL):") == true)
            func row(_ rule: String) -> [String] {
                (lines.first { $0.hasPrefix(rule + "  ") } ?? "").dropFirst(rule.count).split(separator: " ").map(
                    String.init)
            }
            #expect(row("Log every switch").prefix(5) == ["130", "0", "0", "130", "0"], "\(run.stdout)")
            // First fronters: Sam, Kit, Jordan, nobody, Alex — every switch changes the first one.
            #expect(row("Tag the first fronter").prefix(3) == ["130", "0", "130"], "\(run.stdout)")
            // Kit comes in 26 times and leaves 26 times: the description is set and put back (the
            // replay starts from the values PluralKit has now, read before it).
            #expect(row("Littles mode").prefix(3) == ["26", "26", "52"], "\(run.stdout)")
            #expect(lines.last == "130 switches replayed, 546 events, 182 PluralKit writes decided", "\(run.stdout)")
            // Paged: 100 per page, newest first, down to the switch before the period.
            let pages = fixture.fake.requestLog.filter { $0.path.hasSuffix("/switches") && $0.method == "GET" }
            #expect(pages.count == 2, "\(pages.map(\.query))")
            // --json: every decision, the period's switch events among them, none from before it.
            let json = try await simulate(
                [
                    "--rules", "rules.yaml", "--since", "7d", "--json", "--api-url", fixture.baseURL, "--state-dir",
                    folder + "/s",
                ],
                in: folder, environment: ["PK_TOKEN": fixture.system.token])
            let records = json.stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            let switches = records.filter {
                ($0["event"] as? [String: Any])?["kind"] as? String == "switch" && $0["kind"] as? String == "event"
            }
            #expect(switches.count == 130)
            #expect(!records.contains { ($0["event"] as? [String: Any])?["kind"] as? String == "daemon_started" })
        }
    }

    @Test("--demo works for every form with no token: a script, one switch, and a week of the demo's history")
    func demoForms() async throws {
        let folder = Self.simulations + "/story"
        let state = NSTemporaryDirectory() + "pkfrontd-sim-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: state) }
        let script = try await simulate(
            ["--rules", "rules.yaml", "--script", "script.yaml", "--json", "--demo", "--state-dir", state], in: folder)
        #expect(script.status == 0, "\(script.stderr)")
        #expect(script.stdout == (try String(contentsOfFile: folder + "/expected.jsonl", encoding: .utf8)))
        let one = try await simulate(
            [
                "--rules", "rules.yaml", "--front", "Kit, Alex", "--at", "2026-12-04 23:30", "--demo", "--state-dir",
                state,
            ],
            in: folder)
        #expect(one.status == 0, "\(one.stderr)")
        #expect(
            one.stdout.contains(
                "23:30:05 Littles tag ran (on first_fronter_changed #5): system tag '| demo' → '| little'"),
            "\(one.stdout)")
        let week = try await simulate(
            ["--rules", Self.examples, "--since", "7d", "--demo", "--state-dir", state], in: folder)
        #expect(week.status == 0, "\(week.stderr)")
        #expect(week.stdout.hasPrefix("Replayed the demo system's switch history from "), "\(week.stdout)")
        #expect(week.stdout.contains("(Europe/Berlin):\nrule "), "\(week.stdout)")
        let summary = try #require(week.stdout.split(separator: "\n").last)
        let replayed = Int(summary.prefix { $0.isNumber }) ?? 0
        #expect(replayed >= 35, "\(summary)")  // six a day, the last day up to an hour ago
        #expect(week.stderr.isEmpty, "\(week.stderr)")
    }

    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("rules/examples").path

    @Test("input that is wrong for a replay or one switch exits 1 and says what to do")
    func badReplays() async throws {
        let folder = NSTemporaryDirectory() + "pkfrontd-sim-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.replayRules.write(toFile: folder + "/rules.yaml", atomically: true, encoding: .utf8)
        let state = ["--state-dir", folder + "/s", "--timezone", "Europe/Berlin"]
        let cases: [([String], String)] = [
            (["--since", "a week"], "--since 'a week' is not a duration such as 7d, 36h or 90m"),
            (["--since", "400d"], "--since 400d is longer than a year"),
            (["--since", "7d", "--front", "Alex"], "give only one of --script, --front and --since/--from"),
            (["--since", "7d", "--from", "2026-11-01"], "give --since or --from, not both"),
            (["--to", "2026-11-01"], "--to needs --from (or use --since)"),
            (["--from", "the first"], "--from 'the first' is not a date such as \"2026-11-26\""),
            (["--from", "2026-11-20", "--to", "2026-11-10"], "the period ends before it starts"),
            (
                ["--since", "7d"],
                "give a token (--token-file, PK_TOKEN, or token_file in the config file), or try --demo"
            ),
            ([], "give one of --script FILE, --front NAMES or --since DURATION (--from DATE)"),
            (
                ["--front", "Alx"],
                "--front:1:1: unknown member 'Alx'; name a member of the system (or, without a member list, give its 5- or 6-letter id)"
            ),
            (
                ["--front", "aaaaa", "--at", "tomorrow"],
                "--at 'tomorrow' is not a date and time such as \"2026-12-04 23:30\""
            ),
            (["--since", "7d", "--previous", "aaaaa"], "--previous and --at go with --front, not --since"),
            (["--script", "missing.yaml"], "cannot read the script missing.yaml"),
        ]
        for (arguments, message) in cases {
            let run = try await simulate(["--rules", "rules.yaml"] + arguments + state, in: folder)
            #expect(run.status == 1, "\(arguments)")
            #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
        }
    }
}
