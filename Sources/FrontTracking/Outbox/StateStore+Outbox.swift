import Foundation
public import FrontEvents
import GRDB
public import PluralKit

extension StateStore {
    /// Records events without touching any system's state (health events before a first poll).
    @discardableResult
    public func appendOnly(_ events: [FrontEvent], now: Timestamp = .now) throws -> [FrontEvent] {
        try pool.write { db in try insert(events, db, now: now) }
    }

    /// Appends events to the outbox, giving each its sequence number.
    /// Each row is written once: its sequence number is taken inside the write transaction (the
    /// table's AUTOINCREMENT counter, so a number is never reused, even after the newest rows
    /// were deleted).
    func insert(_ events: [FrontEvent], _ db: Database, now: Timestamp) throws -> [FrontEvent] {
        guard !events.isEmpty else { return [] }
        let last = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'") ?? 0
        let newest = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM outbox") ?? 0
        var next = max(last, newest)
        return try events.map { event in
            var event = event
            next += 1
            event.seq = next
            event.error = event.error.map(redact)
            try db.execute(
                sql: "INSERT INTO outbox (seq, system, kind, payload, created) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    event.seq, event.system, event.kind.rawValue, redact(try Self.json(event)), now.description,
                ])
            return event
        }
    }

    /// One outbox row as a consumer gets it.
    public enum Entry: Sendable, Hashable {
        /// An event.
        case event(FrontEvent)
        /// A row that does not decode (written by a broken or newer version, or damaged): the
        /// consumer reports it once and goes on; the row stays in the outbox.
        case undecodable(seq: Int64, kind: String, problem: String)

        /// The row's sequence number.
        public var seq: Int64 {
            switch self {
            case .event(let e): e.seq
            case .undecodable(let seq, _, _): seq
            }
        }
    }

    /// Outbox rows a consumer has not acknowledged yet, in order; a row that does not decode
    /// comes as ``Entry/undecodable(seq:kind:problem:)`` instead of blocking the rows after it.
    public func pendingEntries(consumer: String, limit: Int = 500) throws -> [Entry] {
        try pool.read { db in
            let acked =
                try Int64.fetchOne(db, sql: "SELECT seq FROM consumer_ack WHERE consumer = ?", arguments: [consumer])
                ?? 0
            return try Row.fetchAll(
                db, sql: "SELECT seq, kind, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
                arguments: [acked, limit]
            ).map { row in
                let seq: Int64 = row["seq"]
                do {
                    guard let payload = row["payload"] as String? else {
                        throw StateStoreError(.malformedState, "the payload is not text")
                    }
                    var event = try Self.decode(FrontEvent.self, payload)
                    event.seq = seq
                    return .event(event)
                } catch {
                    let problem = (error as? DecodingError).map { Self.describe($0) } ?? "\(error)"
                    return .undecodable(seq: seq, kind: (row["kind"] as String?) ?? "?", problem: problem)
                }
            }
        }
    }

    /// Events a consumer has not acknowledged yet, in order (rows that do not decode are left out).
    public func pending(consumer: String, limit: Int = 500) throws -> [FrontEvent] {
        try pendingEntries(consumer: consumer, limit: limit).compactMap {
            if case .event(let e) = $0 { return e }
            return nil
        }
    }

    /// Records that a consumer passed over an undecodable row (the row itself stays).
    public func quarantine(consumer: String, seq: Int64, problem: String, now: Timestamp = .now) throws {
        try pool.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO quarantine (consumer, seq, problem, noted) VALUES (?, ?, ?, ?)",
                arguments: [consumer, seq, problem, now.description])
        }
    }

    /// The rows a consumer passed over, by sequence number.
    public func quarantined(consumer: String) throws -> [Int64] {
        try pool.read { db in
            try Int64.fetchAll(
                db, sql: "SELECT seq FROM quarantine WHERE consumer = ? ORDER BY seq", arguments: [consumer])
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing key '\(key.stringValue)'"
        case .typeMismatch(let type, let c):
            "expected \(type) at '\(c.codingPath.map(\.stringValue).joined(separator: "."))'"
        case .valueNotFound(let type, let c):
            "null where \(type) was expected at '\(c.codingPath.map(\.stringValue).joined(separator: "."))'"
        case .dataCorrupted(let c):
            "not valid JSON or value (\(c.codingPath.map(\.stringValue).joined(separator: ".")))"
        @unknown default: "does not decode"
        }
    }

    /// Marks everything up to `seq` as handled by a consumer.
    public func acknowledge(consumer: String, through seq: Int64) throws {
        try check(.acknowledge)
        try pool.write { db in
            try db.execute(
                sql:
                    "INSERT INTO consumer_ack (consumer, seq) VALUES (?, ?) ON CONFLICT(consumer) DO UPDATE SET seq = max(seq, excluded.seq)",
                arguments: [consumer, seq])
        }
    }

    /// The highest sequence number a consumer acknowledged.
    public func acknowledged(consumer: String) throws -> Int64 {
        try pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT seq FROM consumer_ack WHERE consumer = ?", arguments: [consumer]) ?? 0
        }
    }

    /// Every event in the outbox, in order (for tests and `history`; rows that do not decode
    /// are left out).
    public func allEvents() throws -> [FrontEvent] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, payload FROM outbox ORDER BY seq").compactMap { row in
                guard let payload = row["payload"] as String?, var event = try? Self.decode(FrontEvent.self, payload)
                else { return nil }
                event.seq = row["seq"]
                return event
            }
        }
    }
}
