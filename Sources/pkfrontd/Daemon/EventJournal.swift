import FrontTracking
import Logging
import Synchronization

/// The outbox's first consumer: one journal entry per event, then the acknowledgment.
///
/// An event is acknowledged only after its entry is written, so a crash in between hands it
/// out again — with the same `PK_EVENT_SEQ`, so the repeat can be recognised.
///
/// A row that does not decode is reported once (`outbox_quarantined`, with its sequence
/// number), recorded in the quarantine table and passed over; the row stays in the outbox and
/// the events after it go on. When acknowledging fails, the events already written are not
/// written again by this process, and the next tries back off (1, 2, 4 … up to 32 drains apart).
final class EventJournal: Sendable {
    static let consumer = "journal"
    let store: StateStore
    let logger: Logger

    private struct Progress {
        /// The last sequence number written to the journal by this process.
        var writtenThrough: Int64 = 0
        /// Acknowledgment failures in a row.
        var ackFailures = 0
        /// Drains still to skip before acknowledging is tried again.
        var skip = 0
    }

    private let progress = Mutex(Progress())

    init(store: StateStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Why a drain stopped early; the events stay in the outbox.
    struct AcknowledgeFailed: Error, CustomStringConvertible {
        let seq: Int64
        let underlying: String
        let retryAfterDrains: Int
        var description: String {
            "acknowledging event \(seq) failed (\(underlying)); the events already written are not written again, next try in \(retryAfterDrains) poll\(retryAfterDrains == 1 ? "" : "s")"
        }
    }

    /// Writes every pending event; returns how many were written.
    @discardableResult
    func drain() throws -> Int {
        let skipping = progress.withLock { p -> Bool in
            guard p.skip > 0 else { return false }
            p.skip -= 1
            return true
        }
        if skipping { return 0 }
        var written = 0
        while true {
            let batch = try store.pendingEntries(consumer: Self.consumer, limit: 200)
            if batch.isEmpty { return written }
            for entry in batch {
                if progress.withLock({ entry.seq > $0.writtenThrough }) {
                    write(entry)
                    progress.withLock { $0.writtenThrough = entry.seq }
                    written += 1
                }
                do {
                    try store.acknowledge(consumer: Self.consumer, through: entry.seq)
                    progress.withLock { $0.ackFailures = 0 }
                } catch {
                    let wait = progress.withLock { p -> Int in
                        p.ackFailures += 1
                        p.skip = (1 << min(p.ackFailures - 1, 5)) - 1
                        return p.skip + 1
                    }
                    throw AcknowledgeFailed(seq: entry.seq, underlying: "\(error)", retryAfterDrains: wait)
                }
            }
        }
    }

    private func write(_ entry: StateStore.Entry) {
        switch entry {
        case .event(let event):
            logger.log(level: Self.level(event.kind), "\(event.message)", metadata: Self.fields(event))
        case .undecodable(let seq, let kind, let problem):
            logger.error(
                "outbox entry \(seq) (\(kind)) cannot be read (\(problem)); it is set aside — kept in state.sqlite and listed in its quarantine table — and the events after it go on",
                metadata: [
                    "PK_EVENT": "outbox_quarantined", "PK_EVENT_SEQ": "\(seq)", "PK_KIND": "\(kind)",
                    "MESSAGE_ID": "\(MessageID.id("outbox_quarantined"))",
                ])
            do {
                try store.quarantine(consumer: Self.consumer, seq: seq, problem: problem)
            } catch {
                logger.warning("could not record outbox entry \(seq) in the quarantine table: \(error)")
            }
        }
    }

    static func level(_ kind: FrontEvent.Kind) -> Logger.Level {
        switch kind {
        case .switch, .switchEdited, .switchDeleted, .apiRecovered, .tokenAccepted: .notice
        case .fronterAdded, .fronterRemoved, .firstFronterChanged, .frontCleared: .info
        case .apiUnreachable: .warning
        case .tokenRejected: .error
        case .stateReset: .critical
        }
    }

    /// The journal fields of PRODUCT.md ("systemd citizenship").
    static func fields(_ event: FrontEvent) -> Logger.Metadata {
        var m: Logger.Metadata = [
            "PK_EVENT": "\(event.kind.rawValue)", "PK_EVENT_SEQ": "\(event.seq)",
            "MESSAGE_ID": "\(MessageID.id(event.kind.rawValue))",
        ]
        if !event.system.isEmpty { m["PK_SYSTEM"] = "\(event.system)" }
        if let id = event.switchID { m["PK_SWITCH_ID"] = "\(id)" }
        if let t = event.timestamp { m["PK_SWITCH_TIMESTAMP"] = "\(t)" }
        let ids = event.memberIDs
        if !ids.isEmpty { m["PK_MEMBER_ID"] = .array(ids.map { .string($0) }) }
        if event.kind == .switch || event.kind == .frontCleared {
            m["PK_FRONTERS"] = "\(event.fronters.map(\.shown).joined(separator: ", "))"
            m["PK_PREVIOUS"] = "\(event.previous.map(\.shown).joined(separator: ", "))"
        }
        if let member = event.member { m["PK_MEMBER_NAME"] = "\(member.shown)" }
        if event.catchUp { m["PK_CATCH_UP"] = "1" }
        if let error = event.error { m["PK_ERROR"] = "\(error)" }
        return m
    }
}
