import Actions
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A program that records how it was started: its argv, its environment exactly as exec gave
/// it (`/proc/self/environ`, before the interpreter adds anything), its working directory and
/// process group; one JSON file per run in `calls/` beside it. It writes a line on each stream.
struct Recorder {
    let directory: URL
    var program: String { directory.appendingPathComponent("recorder").path }
    var calls: URL { directory.appendingPathComponent("calls") }

    static let source = """
        #!/usr/bin/python3
        import json, os, sys, time
        calls = os.path.join(os.path.dirname(sys.argv[0]), "calls")
        env = {}
        for item in open("/proc/self/environ", "rb").read().split(b"\\0"):
            if item:
                k, _, v = item.decode().partition("=")
                env[k] = v
        record = {"argv": sys.argv, "env": env, "cwd": os.getcwd(), "pid": os.getpid(), "pgid": os.getpgid(0)}
        name = os.path.join(calls, "%d-%d.json" % (time.time_ns(), os.getpid()))
        with open(name + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(name + ".tmp", name)
        print("recorded " + str(len(sys.argv) - 1) + " arguments")
        print("a warning line", file=sys.stderr)
        sys.exit(int(env.get("EXIT_WITH", "0")))
        """

    init(in directory: URL) throws {
        self.directory = directory
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("calls"), withIntermediateDirectories: true)
        // Written through a close-on-exec descriptor: a process another test forks meanwhile
        // must not hold it open for writing, or starting the recorder fails with "Text file busy".
        let path = directory.appendingPathComponent("recorder").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw POSIXError(.EACCES) }
        defer { close(fd) }
        let bytes = Array(Self.source.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else { throw POSIXError(.EIO) }
    }

    struct Call: Decodable {
        var argv: [String]
        var env: [String: String]
        var cwd: String
        var pid: Int
        var pgid: Int
    }

    /// The recorded runs, oldest first.
    func recorded() throws -> [Call] {
        let names = try FileManager.default.contentsOfDirectory(atPath: calls.path).filter { $0.hasSuffix(".json") }
            .sorted()
        return try names.map {
            try JSONDecoder().decode(Call.self, from: Data(contentsOf: calls.appendingPathComponent($0)))
        }
    }
}

func scratchDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("pkfrontd-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Values a member could carry: PluralKit's 100-character names and 1 000-character
/// descriptions with quotes, shell syntax, backticks, newlines and ANSI escapes.
enum Hostile {
    static func name(marker: String) -> String {
        let core = "Sam\"'; $(touch \(marker)) `touch \(marker)` \u{1b}[31mred\u{1b}[0m\nline2 & | > <"
        return core + String(repeating: "x", count: max(0, 100 - core.count))
    }

    static func description(marker: String) -> String {
        let core =
            "$(touch \(marker))\n`touch \(marker)`\n\"quoted\" 'single' \\backslash\n\u{1b}[2J\u{1b}[H cleared\r\n"
        return String((core + String(repeating: "desc; $(id) ", count: 100)).prefix(1000))
    }
}

@Suite("exec: an argument list, a clean environment, its own process group, a timeout for the whole group")
struct ExecRunnerTests {
    final class Lines: Sendable {
        let lines = Mutex<[(ExecRunner.Stream, String)]>([])
        func add(_ s: ExecRunner.Stream, _ l: String) { lines.withLock { $0.append((s, l)) } }
        var all: [(ExecRunner.Stream, String)] { lines.withLock { $0 } }
    }

    @Test("hostile values arrive byte for byte as arguments and environment values, never run by a shell")
    func hostileValues() async throws {
        let dir = try scratchDirectory("exec")
        defer { try? FileManager.default.removeItem(at: dir) }
        let recorder = try Recorder(in: dir)
        // Relative: a shell would create it in the working directory, `dir`.
        let marker = dir.appendingPathComponent("pwned").path
        let name = Hostile.name(marker: "pwned")
        let description = Hostile.description(marker: "pwned")
        #expect(name.count == 100)
        #expect(description.count == 1000)
        let runner = ExecRunner(environment: [
            "PATH": "/usr/bin:/bin", "HOME": "/home/x", "LANG": "C.UTF-8", "SECRET": "no",
        ])
        let lines = Lines()
        let end = try await runner.run(
            argv: [recorder.program, name, description, ""],
            environment: ["PK_RULE": name, "DESCRIPTION": description], directory: dir.path, timeout: .seconds(20)
        ) { lines.add($0, $1) }
        #expect(end == .exited(0))
        let call = try #require(try recorder.recorded().first)
        #expect(call.argv == [recorder.program, name, description, ""])
        #expect(
            call.env == [
                "PATH": "/usr/bin:/bin", "HOME": "/home/x", "LANG": "C.UTF-8", "PK_RULE": name,
                "DESCRIPTION": description,
            ])
        #expect(!FileManager.default.fileExists(atPath: marker))
        #expect(call.cwd == dir.path)
        #expect(call.pgid == call.pid)
        #expect(lines.all.filter { $0.0 == .stdout }.map(\.1) == ["recorded 3 arguments"])
        #expect(lines.all.filter { $0.0 == .stderr }.map(\.1) == ["a warning line"])
    }

    @Test("the exit status is reported; a bare program name is found in PATH; a missing one says what to write")
    func exitAndStart() async throws {
        let dir = try scratchDirectory("exec")
        defer { try? FileManager.default.removeItem(at: dir) }
        let recorder = try Recorder(in: dir)
        let runner = ExecRunner(environment: ["PATH": dir.path + ":/usr/bin:/bin"])
        let end = try await runner.run(
            argv: ["recorder"], environment: ["EXIT_WITH": "3"], directory: dir.path, timeout: .seconds(20)
        ) { _, _ in }
        #expect(end == .exited(3))
        #expect(try recorder.recorded().first?.argv.first == recorder.program)
        await #expect(throws: ExecRunner.StartFailure.self) {
            _ = try await runner.run(
                argv: ["no-such-program"], environment: [:], directory: dir.path, timeout: .seconds(5)
            ) {
                _, _ in
            }
        }
        do {
            _ = try await runner.run(
                argv: ["/nonexistent/bin/x"], environment: [:], directory: dir.path, timeout: .seconds(5)
            ) {
                _, _ in
            }
            Issue.record("started a missing program")
        } catch {
            #expect(error.description.contains("/nonexistent/bin/x"))
            #expect(error.description.contains("No such file"))
        }
        do {
            _ = try await runner.run(argv: ["bin/x"], environment: [:], directory: dir.path, timeout: .seconds(5)) {
                _, _ in
            }
            Issue.record("ran a relative path")
        } catch {
            #expect(error.description.contains("full path"))
        }
    }

    @Test("at the timeout the whole process group is killed, children included; the run says it timed out")
    func timeoutKillsGroup() async throws {
        let dir = try scratchDirectory("exec")
        defer { try? FileManager.default.removeItem(at: dir) }
        let pidFile = dir.appendingPathComponent("child.pid").path
        let runner = ExecRunner(environment: ["PATH": "/usr/bin:/bin"])
        let lines = Lines()
        // The program is the test's own shell: it starts a child that would outlive it, then waits.
        let end = try await runner.run(
            argv: ["/bin/sh", "-c", "sleep 300 & echo $! > \(pidFile); echo started; wait"], environment: [:],
            directory: dir.path, timeout: .seconds(1)
        ) { lines.add($0, $1) }
        #expect(end == .timedOut)
        #expect(lines.all.map(\.1) == ["started"])
        let child = try #require(
            Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        // The child is gone (or a zombie of init's); kill -0 fails once it was reaped.
        var gone = false
        for _ in 0..<100 {
            if kill(child, 0) != 0 || Self.isZombie(child) {
                gone = true
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(gone)
    }

    @Test("a program that ignores SIGTERM is killed after the grace time; long and many lines are cut")
    func stubbornAndChatty() async throws {
        let dir = try scratchDirectory("exec")
        defer { try? FileManager.default.removeItem(at: dir) }
        var runner = ExecRunner(environment: ["PATH": "/usr/bin:/bin"])
        runner.killGrace = .milliseconds(300)
        runner.maxLines = 5
        runner.maxLineBytes = 100
        let lines = Lines()
        let end = try await runner.run(
            argv: [
                "/bin/sh", "-c",
                "trap '' TERM; i=0; while [ $i -lt 20 ]; do echo line$i; i=$((i+1)); done; head -c 300 /dev/zero | tr '\\0' a; echo; while :; do sleep 0.1; done",
            ], environment: [:], directory: dir.path, timeout: .seconds(1)
        ) { lines.add($0, $1) }
        #expect(end == .timedOut)
        let texts = lines.all.map(\.1)
        #expect(Array(texts.prefix(5)) == ["line0", "line1", "line2", "line3", "line4"])
        #expect(texts.last == "(16 more lines not logged)")
        #expect(texts.count == 6)
    }

    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
    }
}
