import Actions
import Foundation
import PluralKitTesting
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

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

    @Test("a line of 200 KiB without a newline is one entry, cut at maxLineBytes; the next line follows as its own")
    func oneHugeLine() async throws {
        let dir = try scratchDirectory("exec")
        defer { try? FileManager.default.removeItem(at: dir) }
        let runner = ExecRunner(environment: ["PATH": "/usr/bin:/bin"])
        let lines = Lines()
        let end = try await runner.run(
            argv: [
                "/bin/sh", "-c",
                "head -c 204800 /dev/zero | tr '\\0' a; echo; echo next; head -c 9000 /dev/zero | tr '\\0' b",
            ],
            environment: [:], directory: dir.path, timeout: .seconds(20)
        ) { lines.add($0, $1) }
        #expect(end == .exited(0))
        let texts = lines.all.map(\.1)
        #expect(
            texts == [String(repeating: "a", count: 4096) + "…", "next", String(repeating: "b", count: 4096) + "…"])
    }

    static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
        return stat.split(separator: ")").last?.split(separator: " ").first == "Z"
    }
}
