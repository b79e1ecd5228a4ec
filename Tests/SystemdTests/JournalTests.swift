import Foundation
import Logging
import Synchronization
import Testing

@testable import Systemd

/// Whether a real journald is reachable (the test command runs the suite in a journald sandbox).
/// Under CI the journal tests must run, so their absence is a failure rather than a skip.
let journalAvailable = Journal.isAvailable
let requireJournal = ProcessInfo.processInfo.environment["CI"] == "true"

final class Lines: Sendable {
    let store = Mutex<[String]>([])
    var all: [String] { store.withLock { $0 } }
    var sink: @Sendable (String) -> Void { { line in self.store.withLock { $0.append(line) } } }
}

func journalctl(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/journalctl")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

@Suite("Journal")
struct JournalTests {
    @Test("a real journald is available when CI requires it")
    func journalPresentInCI() {
        if requireJournal {
            #expect(
                journalAvailable,
                "CI=true but no journald socket: run the suite inside Tests/system/journald-sandbox.sh")
        }
    }

    @Test(
        "entries are read back with every field intact: multi-line, non-ASCII, repeated", .enabled(if: journalAvailable)
    )
    func roundTrip() throws {
        let run = UUID().uuidString.replacingOccurrences(of: "-", with: "")
        var logger = Logger(label: "test") { _ in
            JournalLogHandler(identifier: "pkfrontd-test", fieldPrefix: "PK_", output: .journal)
        }
        logger.logLevel = .debug
        logger[metadataKey: "PK_SYSTEM"] = "fxbtov"
        logger.notice(
            "Alex and Sam are fronting\n(was: Kit 🌿 — ünïcödé)",
            metadata: [
                "PK_EVENT": "switch", "PK_TEST_RUN": "\(run)", "MESSAGE_ID": "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e01",
                "PK_MEMBER_ID": ["hrnakw", "kzvyp", "abcdef"], "event seq": "42", "PK_NOTE": "line one\nline two ✨",
            ])
        _ = try journalctl(["--sync"])
        let output = try journalctl(["-o", "json", "--no-pager", "PK_TEST_RUN=\(run)"])
        let entries = output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(entries.count == 1)
        let entry = try #require(entries.first)
        #expect(entry["MESSAGE"] as? String == "Alex and Sam are fronting\n(was: Kit 🌿 — ünïcödé)")
        #expect(entry["PRIORITY"] as? String == "5")
        #expect(entry["SYSLOG_IDENTIFIER"] as? String == "pkfrontd-test")
        #expect(entry["MESSAGE_ID"] as? String == "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e01")
        #expect(entry["PK_EVENT"] as? String == "switch")
        #expect(entry["PK_SYSTEM"] as? String == "fxbtov")
        #expect(entry["PK_EVENT_SEQ"] as? String == "42")
        #expect(entry["PK_NOTE"] as? String == "line one\nline two ✨")
        #expect(entry["PK_MEMBER_ID"] as? [String] == ["hrnakw", "kzvyp", "abcdef"])
        #expect((entry["CODE_FILE"] as? String)?.hasSuffix("JournalTests.swift") == true)
        #expect(entry["CODE_LINE"] != nil && entry["CODE_FUNC"] != nil)
        // Filtering on one of the repeated values finds the entry.
        let byMember = try journalctl(["-o", "cat", "--no-pager", "PK_TEST_RUN=\(run)", "PK_MEMBER_ID=kzvyp"])
        #expect(byMember.contains("Alex and Sam are fronting"))
    }

    @Test("without a journal, entries go to stderr with <N> prefixes and all fields")
    func fallback() {
        let lines = Lines()
        let logger = Logger(label: "test") { _ in
            JournalLogHandler(
                identifier: "pkfrontd", fieldPrefix: "PK_", output: .automatic, stderr: lines.sink,
                journalSocket: "/nonexistent/socket")
        }
        logger.warning(
            "first line\nsecond line", metadata: ["PK_EVENT": "api_unreachable", "PK_MEMBER_ID": ["a", "b"]])
        logger.error("failed", metadata: ["error": "HTTP 502: <html> bad"])
        let all = lines.all
        #expect(all.count == 2)
        #expect(all[0] == "<4>first line\n<4>second line [PK_EVENT=api_unreachable PK_MEMBER_ID=a PK_MEMBER_ID=b]\n")
        #expect(all[1] == "<3>failed [PK_ERROR=\"HTTP 502: <html> bad\"]\n")
    }

    @Test("the redactor is applied to the message and every field before anything is written")
    func redacted() {
        let lines = Lines()
        let logger = Logger(label: "test") { _ in
            var handler = JournalLogHandler(
                identifier: "pkfrontd", fieldPrefix: "PK_", output: .prefixedStderr, stderr: lines.sink)
            handler.redact = { $0.replacing("s3cr3t-token", with: "[token]") }
            return handler
        }
        logger.error(
            "request failed: bad header s3cr3t-token",
            metadata: ["error": "value s3cr3t-token", "list": ["s3cr3t-token"]])
        #expect(lines.all.count == 1)
        #expect(!lines.all[0].contains("s3cr3t-token"))
        #expect(lines.all[0].contains("[token]"))
    }

    @Test("readable coloured lines for a terminal")
    func terminal() {
        let lines = Lines()
        let logger = Logger(label: "test") { _ in
            JournalLogHandler(
                identifier: "pkfrontd", fieldPrefix: "PK_", output: .readableStderr(colour: false), stderr: lines.sink)
        }
        logger.info("Alex is fronting", metadata: ["PK_EVENT": "switch", "MESSAGE_ID": "x"])
        #expect(lines.all == ["INFO Alex is fronting PK_EVENT=switch\n"])
        let coloured = Lines()
        Logger(label: "t") { _ in
            JournalLogHandler(
                identifier: "pkfrontd", fieldPrefix: "PK_", output: .readableStderr(colour: true), stderr: coloured.sink
            )
        }.error("boom")
        #expect(coloured.all.first?.hasPrefix("\u{1B}[31m") == true)
    }

    @Test(
        "field names are sanitised to the journal's rules",
        arguments: [
            ("member id", "MEMBER_ID"), ("pk_event", "PK_EVENT"), ("_private", "PRIVATE"), ("9lives", "LIVES"),
            ("ümlaut", "_MLAUT"),
        ])
    func fieldNames(key: String, expected: String) {
        let name = Journal.fieldName(key)
        #expect(name.allSatisfy { $0.isUppercase || $0.isNumber || $0 == "_" })
        #expect(name.first != "_" && !(name.first?.isNumber ?? true))
        if expected != "_MLAUT" { #expect(name == expected) }
    }

    @Test("levels map to syslog priorities")
    func priorities() {
        #expect(
            [Logger.Level.trace, .debug, .info, .notice, .warning, .error, .critical].map(JournalLogHandler.priority)
                == [7, 7, 6, 5, 4, 3, 2])
    }
}
