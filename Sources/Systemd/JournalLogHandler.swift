public import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// A swift-log handler that writes each entry natively to the systemd journal, with the logger
/// metadata as journal fields under the program's prefix, so `journalctl APP_EVENT=…` finds entries.
///
/// - `MESSAGE`, `PRIORITY` (from the level), `SYSLOG_IDENTIFIER`, `CODE_FILE`/`CODE_LINE`/`CODE_FUNC`.
/// - Metadata keys become field names: uppercased, sanitised, given the field prefix unless they
///   already have it (`MESSAGE_ID` is passed through). An array value becomes a repeated field
///   (one field per item); a dictionary is flattened (`APP_A_B=`).
/// - With no journal reachable (libsystemd would drop entries silently), entries go to stderr:
///   `<N>` priority prefixes when stderr is not a terminal (journald turns them into `PRIORITY=`
///   when it captures stderr), readable coloured lines on a terminal. Fields are appended, so
///   nothing is lost.
public struct JournalLogHandler: LogHandler {
    /// Where entries go.
    public enum Output: Sendable {
        /// The journal when its socket is there, else stderr.
        case automatic
        /// Always the journal (falls back to stderr if sending fails).
        case journal
        /// Always stderr, `<N>`-prefixed lines.
        case prefixedStderr
        /// Always stderr, readable lines (coloured when `colour` is true).
        case readableStderr(colour: Bool)
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    /// Applied to the message and every field value before they are written (the daemon
    /// replaces its token with `[token]` here, as a last line of defence).
    public var redact: (@Sendable (String) -> String)?
    /// `SYSLOG_IDENTIFIER`.
    public let identifier: String
    public let output: Output
    /// Put before every metadata field name that lacks it (e.g. the program's `APP_`).
    public let fieldPrefix: String
    private let writeLine: @Sendable (String) -> Void
    private let journalSocket: String

    /// Creates a handler.
    /// - Parameters:
    ///   - identifier: the `SYSLOG_IDENTIFIER`.
    ///   - fieldPrefix: put before metadata field names (the error of an entry becomes `<prefix>ERROR`).
    ///   - output: where to write; `.automatic` picks the journal, or stderr in the right form.
    ///   - stderr: where fallback lines go (tests capture them).
    ///   - journalSocket: the journal socket whose presence `.automatic` checks.
    public init(
        identifier: String, fieldPrefix: String, output: Output = .automatic,
        stderr: @escaping @Sendable (String) -> Void = JournalLogHandler.writeToStderr,
        journalSocket: String = Journal.socketPath
    ) {
        self.identifier = identifier
        self.fieldPrefix = fieldPrefix
        self.output = output
        self.writeLine = stderr
        self.journalSocket = journalSocket
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let priority = Self.priority(event.level)
        let clean = redact ?? { $0 }
        let message = clean("\(event.message)")
        var fields: [(String, String)] = [
            ("MESSAGE", message), ("PRIORITY", String(priority)), ("SYSLOG_IDENTIFIER", identifier),
            ("CODE_FILE", event.file), ("CODE_LINE", String(event.line)), ("CODE_FUNC", event.function),
        ]
        var custom = Self.fields(from: merged, prefix: fieldPrefix).map { ($0.0, clean($0.1)) }
        if let error = event.error { custom.append((fieldPrefix + "ERROR", clean("\(error)"))) }
        if custom.contains(where: { $0.0 == "CODE_FILE" }) {
            // A position given in the metadata (a rule file's file:line) replaces the Swift one.
            fields.removeAll { ["CODE_FILE", "CODE_LINE", "CODE_FUNC"].contains($0.0) }
        }
        fields += custom

        switch output {
        case .journal:
            if Journal.send(fields) >= 0 { return }
            writeLine(Self.prefixedLines(priority, message, custom))
        case .automatic:
            if Journal.isAvailable(at: journalSocket), Journal.send(fields) >= 0 { return }
            if Journal.stderrIsTerminal, !Journal.stderrIsJournal {
                writeLine(Self.readableLine(event.level, message, custom, colour: true))
            } else {
                writeLine(Self.prefixedLines(priority, message, custom))
            }
        case .prefixedStderr:
            writeLine(Self.prefixedLines(priority, message, custom))
        case .readableStderr(let colour):
            writeLine(Self.readableLine(event.level, message, custom, colour: colour))
        }
    }

    /// syslog priority of a level.
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Metadata keys written as they are, without the prefix: `MESSAGE_ID`, and `CODE_FILE` /
    /// `CODE_LINE` (which then replace the Swift source position).
    public static let passThrough: Set<String> = ["MESSAGE_ID", "CODE_FILE", "CODE_LINE"]

    /// Journal fields for logger metadata, in a stable order.
    public static func fields(from metadata: Logger.Metadata, prefix: String) -> [(String, String)] {
        var out: [(String, String)] = []
        func add(_ name: String, _ value: Logger.Metadata.Value) {
            switch value {
            case .string(let s): out.append((name, s))
            case .stringConvertible(let c): out.append((name, c.description))
            case .array(let items): for item in items { add(name, item) }
            case .dictionary(let dict):
                for key in dict.keys.sorted() { add(name + "_" + Journal.fieldName(key), dict[key]!) }
            }
        }
        for key in metadata.keys.sorted() {
            var name = Journal.fieldName(key)
            if !Self.passThrough.contains(name), !name.hasPrefix(prefix) { name = prefix + name }
            add(name, metadata[key]!)
        }
        return out
    }

    /// `<N>`-prefixed lines, one per message line, fields appended to the last line.
    public static func prefixedLines(_ priority: Int, _ message: String, _ fields: [(String, String)]) -> String {
        var lines = message.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if !fields.isEmpty {
            lines[lines.count - 1] += " [" + fields.map { "\($0.0)=\(escape($0.1))" }.joined(separator: " ") + "]"
        }
        return lines.map { "<\(priority)>\($0)" }.joined(separator: "\n") + "\n"
    }

    /// A line for a person at a terminal.
    public static func readableLine(
        _ level: Logger.Level, _ message: String, _ fields: [(String, String)], colour: Bool
    ) -> String {
        let tint: String
        switch level {
        case .trace, .debug: tint = "\u{1B}[2m"
        case .info: tint = ""
        case .notice: tint = "\u{1B}[1m"
        case .warning: tint = "\u{1B}[33m"
        case .error, .critical: tint = "\u{1B}[31m"
        }
        var line = "\(level.rawValue.uppercased()) \(message)"
        let shown = fields.filter { $0.0 != "MESSAGE_ID" }
        if !shown.isEmpty {
            line +=
                " " + (colour ? "\u{1B}[2m" : "") + shown.map { "\($0.0)=\(escape($0.1))" }.joined(separator: " ")
                + (colour ? "\u{1B}[0m" : "")
        }
        return (colour && !tint.isEmpty ? tint + line + "\u{1B}[0m" : line) + "\n"
    }

    static func escape(_ value: String) -> String {
        value.contains(where: { $0 == " " || $0 == "\n" || $0 == "\"" })
            ? "\"" + value.replacingNewlines() + "\"" : value
    }

    /// Writes to file descriptor 2 in one call (so concurrent lines do not interleave).
    public static let writeToStderr: @Sendable (String) -> Void = { line in
        var line = line
        line.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }
}

extension String {
    fileprivate func replacingNewlines() -> String {
        var out = ""
        for c in self {
            switch c {
            case "\n": out += "\\n"
            case "\"": out += "\\\""
            default: out.append(c)
            }
        }
        return out
    }
}
