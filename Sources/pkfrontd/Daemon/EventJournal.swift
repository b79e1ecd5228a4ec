import FrontEvents
import FrontTracking
import Logging
import Synchronization

/// A reusable outbox consumer: reads the events one consumer (by name) has not acknowledged,
/// hands each to `handle`, and acknowledges it after — so a crash in between hands it out again,
/// with the same sequence number. The journal writer is one; the rules consumer will be another.
///
/// A row that does not decode is reported once (`outbox_quarantined`, with its sequence
/// number), recorded in the quarantine table and passed over; the row stays in the outbox and
/// the events after it go on. When acknowledging fails, the events already handled are not
/// handed out again by this process, and the next tries back off (1, 2, 4 … up to 32 drains apart).
final class OutboxConsumer: Sendable {
    let name: String
    let store: StateStore
    let logger: Logger
    private let handle: @Sendable (FrontEvent) -> Void

    private struct Progress {
        /// The last sequence number handled by this process.
        var handledThrough: Int64 = 0
        /// Acknowledgment failures in a row.
        var ackFailures = 0
        /// Drains still to skip before acknowledging is tried again.
        var skip = 0
    }

    private let progress = Mutex(Progress())

    init(name: String, store: StateStore, logger: Logger, handle: @escaping @Sendable (FrontEvent) -> Void) {
        self.name = name
        self.store = store
        self.logger = logger
        self.handle = handle
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

    /// Handles every pending event; returns how many were handled.
    @discardableResult
    func drain() throws -> Int {
        let skipping = progress.withLock { p -> Bool in
            guard p.skip > 0 else { return false }
            p.skip -= 1
            return true
        }
        if skipping { return 0 }
        var handled = 0
        while true {
            let batch = try store.pendingEntries(consumer: name, limit: 200)
            if batch.isEmpty { return handled }
            for entry in batch {
                if progress.withLock({ entry.seq > $0.handledThrough }) {
                    switch entry {
                    case .event(let event): handle(event)
                    case .undecodable(let seq, let kind, let problem): quarantine(seq, kind, problem)
                    }
                    progress.withLock { $0.handledThrough = entry.seq }
                    handled += 1
                }
                do {
                    try store.acknowledge(consumer: name, through: entry.seq)
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

    private func quarantine(_ seq: Int64, _ kind: String, _ problem: String) {
        logger.error(
            "outbox entry \(seq) (\(kind)) cannot be read (\(problem)); it is set aside — kept in state.sqlite and listed in its quarantine table — and the events after it go on",
            metadata: Logger.Metadata(
                journal: JournalEntry.outboxQuarantined.fields + [("PK_EVENT_SEQ", "\(seq)"), ("PK_KIND", kind)]))
        do {
            try store.quarantine(consumer: name, seq: seq, problem: problem)
        } catch {
            logger.warning("could not record outbox entry \(seq) in the quarantine table: \(error)")
        }
    }
}

/// The outbox's first consumer: one journal entry per event, with the fields its kind's
/// description gives (`FrontEvent.journalFields`).
enum EventJournal {
    static let consumer = "journal"

    /// The journal writer over a store.
    static func consumer(store: StateStore, logger: Logger) -> OutboxConsumer {
        OutboxConsumer(name: consumer, store: store, logger: logger) { event in
            logger.log(
                level: Logger.Level(event.level), "\(event.message)",
                metadata: Logger.Metadata(journal: event.journalFields))
        }
    }
}

extension Logger.Level {
    init(_ level: EventLevel) {
        switch level {
        case .debug: self = .debug
        case .info: self = .info
        case .notice: self = .notice
        case .warning: self = .warning
        case .error: self = .error
        case .critical: self = .critical
        }
    }
}

extension Logger.Metadata {
    /// Journal fields as logger metadata: a name that repeats becomes a list (a repeated field).
    init(journal fields: [(name: String, value: String)]) {
        var out: Logger.Metadata = [:]
        var counts: [String: Int] = [:]
        for field in fields { counts[field.name, default: 0] += 1 }
        for field in fields {
            if counts[field.name, default: 0] > 1 {
                if case .array(let items) = out[field.name] {
                    out[field.name] = .array(items + [.string(field.value)])
                } else {
                    out[field.name] = .array([.string(field.value)])
                }
            } else {
                out[field.name] = .string(field.value)
            }
        }
        self = out
    }
}
