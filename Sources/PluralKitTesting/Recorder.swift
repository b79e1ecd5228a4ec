public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A program that records how it was started: its argv, its environment exactly as exec gave
/// it (`/proc/self/environ`, before the interpreter adds anything), its working directory and
/// process group; one JSON file per run in `calls/` beside it. It writes a line on each stream.
public struct Recorder: Sendable {
    /// The directory holding the program and its records.
    public let directory: URL
    /// The program's full path.
    public var program: String { directory.appendingPathComponent("recorder").path }
    /// Where the runs are recorded.
    public var calls: URL { directory.appendingPathComponent("calls") }

    /// The program (Python).
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

    /// Writes the recorder into `directory`.
    public init(in directory: URL) throws {
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

    /// One recorded run.
    public struct Call: Decodable, Sendable {
        /// Its arguments, the program first.
        public var argv: [String]
        /// Its environment exactly.
        public var env: [String: String]
        /// Its working directory.
        public var cwd: String
        /// Its process id.
        public var pid: Int
        /// Its process group.
        public var pgid: Int
    }

    /// The recorded runs, oldest first.
    public func recorded() throws -> [Call] {
        let names = try FileManager.default.contentsOfDirectory(atPath: calls.path).filter { $0.hasSuffix(".json") }
            .sorted()
        return try names.map {
            try JSONDecoder().decode(Call.self, from: Data(contentsOf: calls.appendingPathComponent($0)))
        }
    }
}

/// A new empty directory under the temporary directory, named after `name`.
public func scratchDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("pkfrontd-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Values a member could carry: PluralKit's 100-character names and 1 000-character
/// descriptions with quotes, shell syntax, backticks, newlines and ANSI escapes.
public enum Hostile {
    /// A 100-character name whose shell syntax would create `marker`.
    public static func name(marker: String) -> String {
        let core = "Sam\"'; $(touch \(marker)) `touch \(marker)` \u{1b}[31mred\u{1b}[0m\nline2 & | > <"
        return core + String(repeating: "x", count: max(0, 100 - core.count))
    }

    /// A 1 000-character description whose shell syntax would create `marker`.
    public static func description(marker: String) -> String {
        let core =
            "$(touch \(marker))\n`touch \(marker)`\n\"quoted\" 'single' \\backslash\n\u{1b}[2J\u{1b}[H cleared\r\n"
        return String((core + String(repeating: "desc; $(id) ", count: 100)).prefix(1000))
    }
}
