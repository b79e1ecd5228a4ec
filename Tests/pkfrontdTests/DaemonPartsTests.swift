import ArgumentParser
import Foundation
import FrontEvents
import FrontTracking
import GRDB
import InMemoryLogging
import Logging
import PluralKit
import PluralKitTesting
import Synchronization
import Testing

@testable import FrontTracking
@testable import pkfrontd

/// A state directory removed after the test.
func withStore<T>(_ body: (StateStore, String) throws -> T) throws -> T {
    let directory = NSTemporaryDirectory() + "pkfrontd-daemon-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try body(try StateStore(directory: directory), directory)
}

func switchEvent(_ n: Int) -> FrontEvent {
    var e = FrontEvent(kind: .switch, system: "exmpl")
    e.switchID = SwitchID(uuid: UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", n))!)
    // "mAAAA" with n's digits as letters (0 → a): a valid 5-letter id per n.
    let letters = String(format: "%04d", n).map { Character(UnicodeScalar(UInt8(97) + UInt8(String($0))!)) }
    e.fronters = [MemberRef(id: MemberID("m" + String(letters))!, name: "Member \(n)")]
    return e
}

/// What a test logger received, read as journal entries: message, PK_EVENT_SEQ and PK_EVENT.
typealias Entries = LogCapture

extension LogCapture {
    var all: [(message: String, seq: String?, event: String?)] {
        entries.map { ("\($0.message)", $0.field("PK_EVENT_SEQ"), $0.field("PK_EVENT")) }
    }
}

/// Fails the acknowledgments while `on` is set.
final class AckSwitch: Sendable {
    let on = Mutex(false)
    struct Refused: Error {}
}

@Suite("Daemon parts: the journal consumer, STATUS, reload off the pool", .serialized)
struct DaemonPartsTests {
    @Test(
        "an undecodable outbox row is reported once with its seq, kept, listed in quarantine, and the events after it go on"
    )
    func quarantine() throws {
        try withStore { store, directory in
            try store.appendOnly((1...5).map(switchEvent))
            let queue = try DatabaseQueue(path: directory + "/state.sqlite")
            try queue.write { db in try db.execute(sql: "UPDATE outbox SET payload = '{not json' WHERE seq = 2") }
            let entries = Entries()
            let journal = EventJournal.consumer(
                store: store, logger: entries.logger)
            #expect(try journal.drain() == 5)
            #expect(entries.all.map(\.seq) == ["1", "2", "3", "4", "5"])
            #expect(entries.all[1].event == "outbox_quarantined")
            #expect(entries.all[1].message.contains("outbox entry 2 (switch) cannot be read"))
            #expect(try journal.drain() == 0)
            #expect(try store.quarantined(consumer: EventJournal.consumer) == [2])
            let rows = try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox") }
            #expect(rows == 5)  // never deleted
            // A new process does not report it again either: it was acknowledged past.
            let again = Entries()
            #expect(
                try EventJournal.consumer(
                    store: store, logger: again.logger
                ).drain() == 0)
        }
    }

    @Test("when acknowledging fails, written events are not written again, and the retries back off")
    func acknowledgeBackoff() throws {
        try withStore { store, _ in
            let refusing = AckSwitch()
            store.fault.withLock {
                $0 = { operation in
                    if operation == .acknowledge, refusing.on.withLock({ $0 }) { throw AckSwitch.Refused() }
                }
            }
            try store.appendOnly([switchEvent(1), switchEvent(2)])
            let entries = Entries()
            let journal = EventJournal.consumer(
                store: store, logger: entries.logger)
            refusing.on.withLock { $0 = true }
            var outcomes: [String] = []
            for _ in 0..<8 {
                do {
                    outcomes.append("\(try journal.drain())")
                } catch let error as OutboxConsumer.AcknowledgeFailed {
                    outcomes.append("fail(\(error.retryAfterDrains))")
                }
            }
            // 1 entry written, then tries after 1, 2, 4 drains: skipped drains return 0.
            #expect(outcomes == ["fail(1)", "fail(2)", "0", "fail(4)", "0", "0", "0", "fail(8)"], "\(outcomes)")
            #expect(entries.all.map(\.seq) == ["1"])
            refusing.on.withLock { $0 = false }
            var written = 0
            for _ in 0..<9 { written += try journal.drain() }
            #expect(written == 1)  // only event 2 was still to write
            #expect(entries.all.map(\.seq) == ["1", "2"])
            #expect(try store.acknowledged(consumer: EventJournal.consumer) == 2)
        }
    }

    @Test(
        "STATUS during an outage shows when the front was last seen; after a rejected token, that it was accepted again"
    )
    func statusLine() throws {
        let shared = DaemonStatus()
        let front = [MemberRef(id: "aaaaa", name: "Alex")]
        let seen = Timestamp("2026-12-02T14:02:00Z")!
        shared.record(.unchanged, at: seen)
        #expect(shared.line(front: front) == "Fronting: Alex; last poll ok")
        shared.record(.failed("PluralKit timeout error"), at: seen)
        let during = shared.line(front: front)
        #expect(during.hasPrefix("Fronting: Alex (as of \(DaemonStatus.clockTime(seen)))"), "\(during)")
        #expect(during.contains("last poll failed"))
        shared.record(.tokenDoubted, at: seen)
        shared.record(.unauthorized, at: seen)
        #expect(shared.line(front: front).contains("token rejected"))
        let later = Timestamp("2026-12-02T15:30:00Z")!
        shared.record(.unchanged, at: later)
        let accepted = shared.line(front: front)
        #expect(
            accepted == "Fronting: Alex; token accepted again at \(DaemonStatus.clockTime(later)); last poll ok",
            "\(accepted)")
        #expect(DaemonStatus.clockTime(seen, now: Date(timeIntervalSince1970: 0)).count == "2026-12-02 14:02".count)
    }

    @Test("rules load off the cooperative pool within a bound: a load past it is given up (the running rules stay)")
    func offThePool() async throws {
        #expect(try await RuleLoading.offThePool(bound: .seconds(30)) { 42 } == 42)
        await #expect(throws: SettingsError.self) {
            try await RuleLoading.offThePool(bound: .seconds(30)) { () throws -> Int in
                throw SettingsError(.rulesInvalid, "broken")
            }
        }
        let release = DispatchSemaphore(value: 0)
        do {
            _ = try await RuleLoading.offThePool(bound: .milliseconds(200)) { () -> Int in
                release.wait()  // a load that does not end by itself
                return 1
            }
            Issue.record("expected the bound to end the wait")
        } catch {
            #expect("\(error)".contains("took longer than"))
        }
        release.signal()
    }

    @Test(
        "API URLs that used to crash or retry forever stop the start with a message",
        arguments: [
            "http://127.0.0.1:70000/v2", "http://[::1", "http://", "http://exa mple/v2",
            "http://user:hunter2@127.0.0.1:8080/v2",
        ])
    func badURLs(url: String) throws {
        do {
            _ = try DaemonSettings.resolve(
                flags: SharedOptions.parse(["--api-url", url]), rules: nil, pollInterval: nil, systems: [],
                dryRun: false,
                environment: ["HOME": "/home/u"])
            Issue.record("accepted \(url)")
        } catch let error as SettingsError {
            #expect(error.description.hasPrefix("--api-url"))
            #expect(!error.description.contains("hunter2"))
        }
    }
}
