internal import CSpawn
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs an `exec` action's program (`../shared/RULES-ENGINE.md`, "Delivery"): an argument list,
/// never a shell; the program by its full path (a bare name is looked up in `PATH` once, here,
/// not by a shell); exactly the environment given plus `PATH`, `HOME` and `LANG`; its own
/// process group, which the timeout kills as a whole (SIGTERM, then SIGKILL); every line it
/// writes on standard output and standard error handed to `line`; nothing else inherited —
/// no descriptor but standard input (`/dev/null`), output and error, no blocked or ignored
/// signal. The waiting happens on a thread of its own, never on the cooperative pool.
public struct ExecRunner: Sendable {
    /// Which output a line came from.
    public enum Stream: String, Sendable, Hashable {
        /// Standard output.
        case stdout
        /// Standard error.
        case stderr
    }

    /// How a run ended.
    public enum Termination: Sendable, Hashable, CustomStringConvertible {
        /// The program exited with this status.
        case exited(Int32)
        /// The program was ended by this signal (not ours).
        case signaled(Int32)
        /// It ran past its timeout; its process group was killed.
        case timedOut
        /// The daemon stopped while it ran; its process group was killed.
        case cancelled

        /// "exited with status 0", "killed by signal 9", "timed out", "stopped with the daemon".
        public var description: String {
            switch self {
            case .exited(let s): "exited with status \(s)"
            case .signaled(let s): "ended by signal \(s)"
            case .timedOut: "timed out; its process group was killed"
            case .cancelled: "stopped with the daemon"
            }
        }

        /// Whether the program ran to a successful end (status 0).
        public var succeeded: Bool { self == .exited(0) }
    }

    /// The program could not be started.
    public struct StartFailure: Error, Sendable, CustomStringConvertible {
        /// What went wrong and what to do.
        public var description: String
    }

    /// The variables taken over from pkfrontd's own environment.
    public static let inheritedNames = ["PATH", "HOME", "LANG"]

    /// `PATH`, `HOME` and `LANG` as pkfrontd has them (a default `PATH` when it has none).
    public var inherited: [String: String]
    /// Lines kept per stream and run; later ones are counted, not passed on.
    public var maxLines = 200
    /// Longer lines are cut here (bytes).
    public var maxLineBytes = 4096
    /// After SIGTERM, how long the group has before SIGKILL.
    public var killGrace: Duration = .seconds(2)

    /// Creates a runner taking `PATH`, `HOME` and `LANG` from `environment` (pkfrontd's own when nil).
    public init(environment: [String: String]? = nil) {
        var inherited = (environment ?? ProcessInfo.processInfo.environment).filter {
            Self.inheritedNames.contains($0.key)
        }
        if inherited["PATH"] == nil { inherited["PATH"] = "/usr/local/bin:/usr/bin:/bin" }
        self.inherited = inherited
    }

    /// The program to start: `argv[0]` when it holds a slash, else found in `PATH`.
    public func program(_ name: String) throws(StartFailure) -> String {
        if name.contains("/") {
            guard name.hasPrefix("/") else {
                throw StartFailure(description: "'\(name)' is a relative path; write the program's full path")
            }
            return name
        }
        let path = inherited["PATH"] ?? ""
        for dir in path.split(separator: ":") where dir.hasPrefix("/") {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw StartFailure(
            description:
                "'\(name)' was not found in PATH (\(path)); write the program's full path (e.g. /usr/bin/\(name))")
    }

    /// Runs `argv` with `environment` (on top of `PATH`, `HOME`, `LANG`) in `directory`, killing
    /// its process group after `timeout` or when the task is cancelled. Returns how it ended;
    /// throws ``StartFailure`` when it could not start.
    public func run(
        argv: [String], environment: [String: String], directory: String, timeout: Duration,
        line: @escaping @Sendable (Stream, String) -> Void
    ) async throws(StartFailure) -> Termination {
        guard let first = argv.first else { throw StartFailure(description: "exec has no program") }
        let path = try program(first)
        var env = inherited
        env.merge(environment) { _, given in given }
        // A C string ends at NUL: a value cannot carry one.
        func clean(_ s: String) -> String { s.replacingOccurrences(of: "\0", with: "") }
        let args = argv.map(clean)
        let envp = env.sorted { $0.key < $1.key }.map { clean($0.key) + "=" + clean($0.value) }

        var out: [Int32] = [-1, -1]
        var err: [Int32] = [-1, -1]
        guard pk_pipe(&out) == 0 else { throw StartFailure(description: "pipe: \(Self.errno())") }
        guard pk_pipe(&err) == 0 else {
            close(out[0])
            close(out[1])
            throw StartFailure(description: "pipe: \(Self.errno())")
        }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        var pid: pid_t = 0
        let rc = Self.withCStrings(args) { cargs in
            Self.withCStrings(envp) { cenv in
                pk_spawn(&pid, path, cargs, cenv, directory, null, out[1], err[1])
            }
        }
        close(null)
        close(out[1])
        close(err[1])
        guard rc == 0 else {
            close(out[0])
            close(err[0])
            let reason = String(cString: strerror(rc))
            throw StartFailure(description: "could not start \(path): \(reason)")
        }
        let stop = StopFlag()
        let monitor = Monitor(
            pid: pid, fds: [out[0], err[0]], timeout: timeout, grace: killGrace, maxLines: maxLines,
            maxLineBytes: maxLineBytes, line: line, stop: stop)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Termination, Never>) in
                let thread = Thread { c.resume(returning: monitor.run()) }
                thread.name = "pkfrontd exec \(pid)"
                thread.start()
            }
        } onCancel: {
            stop.flag.withLock { $0 = true }
        }
    }

    private static func errno() -> String { String(cString: strerror(Glibc.errno)) }

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer { for p in pointers { free(p) } }
        return body(pointers)
    }
}

/// Set when the run's task is cancelled.
private final class StopFlag: Sendable {
    let flag = Mutex(false)
}

/// The waiting side of one run: reads both pipes line by line, reaps the child, enforces the
/// timeout on the whole process group.
private struct Monitor: Sendable {
    let pid: pid_t
    let fds: [Int32]
    let timeout: Duration
    let grace: Duration
    let maxLines: Int
    let maxLineBytes: Int
    let line: @Sendable (ExecRunner.Stream, String) -> Void
    let stop: StopFlag

    func run() -> ExecRunner.Termination {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var open = fds.map { _ in true }
        var partial = fds.map { _ in [UInt8]() }
        var skipping = fds.map { _ in false }
        var counts = fds.map { _ in 0 }
        var status: Int32?
        var killedBy: ExecRunner.Termination?
        var termAt: ContinuousClock.Instant?
        var sentKill = false
        var buffer = [UInt8](repeating: 0, count: 65536)

        func emit(_ index: Int, _ bytes: ArraySlice<UInt8>) {
            counts[index] += 1
            guard counts[index] <= maxLines else { return }
            var bytes = bytes
            if bytes.last == 13 { bytes = bytes.dropLast() }
            var text = String(decoding: bytes.prefix(maxLineBytes), as: UTF8.self)
            if bytes.count > maxLineBytes { text += "…" }
            line(index == 0 ? .stdout : .stderr, text)
        }

        while true {
            if status == nil {
                var st: Int32 = 0
                if waitpid(pid, &st, WNOHANG) == pid { status = st }
            }
            if status != nil, !open.contains(true) { break }
            let now = clock.now
            if killedBy == nil, status == nil {
                if now >= deadline { killedBy = .timedOut } else if stop.flag.withLock({ $0 }) { killedBy = .cancelled }
                if killedBy != nil {
                    kill(-pid, SIGTERM)
                    termAt = now
                }
            } else if killedBy == nil, termAt == nil, status != nil, now >= deadline || stop.flag.withLock({ $0 }) {
                // The program is gone but something it started still holds its output: end the group.
                kill(-pid, SIGTERM)
                termAt = now
            }
            if let termAt, !sentKill, now >= termAt.advanced(by: grace) {
                kill(-pid, SIGKILL)
                sentKill = true
            }
            if let termAt, sentKill, status != nil, now >= termAt.advanced(by: grace * 2) {
                // A process that left the group holds the pipes: stop reading.
                break
            }
            var polls = fds.enumerated().filter { open[$0.offset] }.map {
                pollfd(fd: $0.element, events: Int16(POLLIN), revents: 0)
            }
            let ready = poll(&polls, nfds_t(polls.count), 50)
            guard ready > 0 else { continue }
            for p in polls where p.revents != 0 {
                guard let index = fds.firstIndex(of: p.fd) else { continue }
                let n = read(p.fd, &buffer, buffer.count)
                if n <= 0 {
                    if n < 0, Glibc.errno == EINTR || Glibc.errno == EAGAIN { continue }
                    open[index] = false
                    continue
                }
                partial[index] += buffer[0..<n]
                if skipping[index] {
                    // The rest of a line already logged (cut): drop it up to its end.
                    guard let newline = partial[index].firstIndex(of: 10) else {
                        partial[index].removeAll()
                        continue
                    }
                    partial[index].removeSubrange(...newline)
                    skipping[index] = false
                }
                while let newline = partial[index].firstIndex(of: 10) {
                    emit(index, partial[index][..<newline])
                    partial[index].removeSubrange(...newline)
                }
                if partial[index].count > maxLineBytes {
                    // One entry for the line however long it gets: logged cut now, the rest dropped.
                    emit(index, partial[index][...])
                    partial[index].removeAll()
                    skipping[index] = true
                }
            }
        }
        for index in fds.indices {
            if !partial[index].isEmpty, !skipping[index] { emit(index, partial[index][...]) }
            if counts[index] > maxLines {
                line(index == 0 ? .stdout : .stderr, "(\(counts[index] - maxLines) more lines not logged)")
            }
            close(fds[index])
        }
        if status == nil {
            var st: Int32 = 0
            waitpid(pid, &st, 0)
            status = st
        }
        if let killedBy { return killedBy }
        let st = status ?? 0
        if st & 0x7f == 0 { return .exited((st >> 8) & 0xff) }
        return .signaled(st & 0x7f)
    }
}
