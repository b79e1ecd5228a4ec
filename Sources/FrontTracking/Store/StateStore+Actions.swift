public import Actions
import Foundation
public import FrontEvents
import GRDB
public import PluralKit
public import Rules

extension StateStore: ActionStore {
    /// How many decision records are kept (the newest; `why` reads them).
    public static let decisionLogLimit = 20_000
    /// How long own-write records are kept.
    static let ownWriteDays = 7

    /// The outbox consumer name of the rules engine.
    public static let rulesConsumer = "rules"

    public func engineState() throws -> EngineState? {
        try pool.read { db in
            guard let text = try String.fetchOne(db, sql: "SELECT state FROM engine_state WHERE id = 1") else {
                return nil
            }
            do {
                return try Self.decode(EngineState.self, text)
            } catch {
                throw StateStoreError(
                    .malformedState,
                    "the rules engine's state in \(path) does not decode (\(error)); move the file away to start afresh"
                )
            }
        }
    }

    public func commit(_ batch: DecisionBatch) throws {
        try check(.commitDecisions)
        try pool.write { db in
            try db.execute(
                sql:
                    "INSERT INTO engine_state (id, state, updated) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET state = excluded.state, updated = excluded.updated",
                arguments: [try Self.json(batch.state), Timestamp.now.description])
            for record in batch.records {
                try db.execute(
                    sql: "INSERT INTO decision_log (time, rule, kind, record) VALUES (?, ?, ?, ?)",
                    arguments: [record.time, record.rule, record.kind.rawValue, redact(try Self.json(record))])
            }
            if !batch.records.isEmpty {
                try db.execute(
                    sql: "DELETE FROM decision_log WHERE id <= (SELECT MAX(id) FROM decision_log) - ?",
                    arguments: [Self.decisionLogLimit])
            }
            for write in batch.writes {
                let ticket = (try Int64.fetchOne(db, sql: "SELECT MAX(ticket) FROM write_queue") ?? 0) + 1
                var w = write
                w.ticket = ticket
                try db.execute(
                    sql: """
                        INSERT INTO write_queue (key, ticket, position, payload) VALUES (?, ?, ?, ?)
                        ON CONFLICT(key) DO UPDATE SET ticket = excluded.ticket, payload = excluded.payload
                        """,
                    arguments: [w.key, ticket, ticket, try Self.json(w)])
            }
            for effect in batch.effects {
                // A decision made again (a failed commit redone) keeps the invocation recorded first.
                try db.execute(
                    sql: """
                        INSERT INTO effect_queue (action_id, state, starts, decided, payload) VALUES (?, 'queued', 0, ?, ?)
                        ON CONFLICT(action_id) DO NOTHING
                        """,
                    arguments: [effect.actionID, effect.decided.description, try Self.json(effect)])
            }
            if let seq = batch.through {
                try db.execute(
                    sql:
                        "INSERT INTO consumer_ack (consumer, seq) VALUES (?, ?) ON CONFLICT(consumer) DO UPDATE SET seq = max(seq, excluded.seq)",
                    arguments: [batch.consumer, seq])
            }
        }
    }

    public func queuedWrites() throws -> [QueuedWrite] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT ticket, payload FROM write_queue ORDER BY position").compactMap { row in
                guard let text = row["payload"] as String?, var w = try? Self.decode(QueuedWrite.self, text) else {
                    return nil
                }
                w.ticket = row["ticket"]
                return w
            }
        }
    }

    public func finish(_ writes: [QueuedWrite], own: [OwnWrite]) throws {
        try pool.write { db in
            for w in writes {
                try db.execute(
                    sql: "DELETE FROM write_queue WHERE key = ? AND ticket = ?", arguments: [w.key, w.ticket])
            }
            for o in own where o.switchID == nil {
                try db.execute(
                    sql: "INSERT INTO own_write (target, field, value, switch_id, at, ts) VALUES (?, ?, ?, NULL, ?, ?)",
                    arguments: [o.target, o.field, o.value, o.at.description, o.at.secondsSince1970])
            }
            let cutoff = Timestamp.now.secondsSince1970 - Int64(Self.ownWriteDays * 86_400)
            try db.execute(sql: "DELETE FROM own_write WHERE ts < ?", arguments: [cutoff])
        }
    }

    public func reschedule(_ write: QueuedWrite) throws {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE write_queue SET payload = ? WHERE key = ? AND ticket = ?",
                arguments: [try Self.json(write), write.key, write.ticket])
        }
    }

    public func noteSwitchIntent(members: [MemberID], at: Timestamp) throws -> Int64 {
        try pool.write { db in
            try db.execute(
                sql:
                    "INSERT INTO own_write (target, field, value, switch_id, at, ts) VALUES ('switch', 'members', ?, NULL, ?, ?)",
                arguments: [members.map(\.rawValue).joined(separator: ","), at.description, at.secondsSince1970])
            return db.lastInsertedRowID
        }
    }

    public func recordOwnSwitch(intent: Int64, id: SwitchID) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE own_write SET switch_id = ? WHERE id = ?", arguments: [id.rawValue, intent])
        }
    }

    public func recentDecisions(rule: String?, limit: Int) throws -> [DecisionRecord] {
        try pool.read { db in
            let rows: [String]
            if let rule {
                rows = try String.fetchAll(
                    db, sql: "SELECT record FROM decision_log WHERE rule = ? ORDER BY id DESC LIMIT ?",
                    arguments: [rule, limit])
            } else {
                rows = try String.fetchAll(
                    db, sql: "SELECT record FROM decision_log ORDER BY id DESC LIMIT ?", arguments: [limit])
            }
            return rows.reversed().compactMap { try? Self.decode(DecisionRecord.self, $0) }
        }
    }

    /// The names of the rules with recorded decisions, sorted.
    public func decisionRules() throws -> [String] {
        try pool.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT rule FROM decision_log WHERE rule IS NOT NULL ORDER BY rule")
        }
    }

    /// Whether a switch the tracker found was logged by pkfrontd: its id was recorded, or an
    /// intent to log exactly these members was recorded within two minutes of its time (the
    /// process may have died before the id came back).
    public func isOwnSwitch(_ s: TrackedSwitch) throws -> Bool {
        try pool.read { db in
            if try Bool.fetchOne(
                db, sql: "SELECT 1 FROM own_write WHERE switch_id = ?", arguments: [s.id.rawValue]) ?? false
            {
                return true
            }
            let members = s.members.map(\.rawValue).joined(separator: ",")
            let t = s.timestamp.secondsSince1970
            return try Bool.fetchOne(
                db,
                sql:
                    "SELECT 1 FROM own_write WHERE target = 'switch' AND switch_id IS NULL AND value = ? AND ts BETWEEN ? AND ?",
                arguments: [members, t - 120, t + 120]) ?? false
        }
    }

    /// The stint starts the tracker found by paging back through history, with the front and
    /// window they were found for (`key`), or nil.
    public func stintStarts(system: String) throws -> (key: String, starts: [MemberID: Timestamp])? {
        try pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT key, starts FROM stint_memo WHERE system = ?", arguments: [system]),
                let text = row["starts"] as String?,
                let starts = try? Self.decode([String: Timestamp].self, text)
            else { return nil }
            var out: [MemberID: Timestamp] = [:]
            for (id, t) in starts { if let m = MemberID(id) { out[m] = t } }
            return (row["key"], out)
        }
    }

    /// Stores the stint starts found for a front and window (replacing older ones).
    public func saveStintStarts(system: String, key: String, starts: [MemberID: Timestamp]) throws {
        let text = try Self.json(
            Dictionary(starts.map { ($0.key.rawValue, $0.value) }, uniquingKeysWith: { a, _ in a }))
        try pool.write { db in
            try db.execute(
                sql:
                    "INSERT INTO stint_memo (system, key, starts) VALUES (?, ?, ?) ON CONFLICT(system) DO UPDATE SET key = excluded.key, starts = excluded.starts",
                arguments: [system, key, text])
        }
    }

    static func registerActionTables(_ m: inout DatabaseMigrator) {
        m.registerMigration("v3") { db in
            // The rules engine: its state, its decision records, the write queue, own writes.
            try db.create(table: "engine_state") { t in
                t.primaryKey("id", .integer)
                t.column("state", .text).notNull()
                t.column("updated", .text).notNull()
            }
            try db.create(table: "decision_log") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("time", .text).notNull()
                t.column("rule", .text)
                t.column("kind", .text).notNull()
                t.column("record", .text).notNull()
            }
            try db.create(index: "decision_log_rule", on: "decision_log", columns: ["rule", "id"])
            try db.create(table: "write_queue") { t in
                t.primaryKey("key", .text)
                t.column("ticket", .integer).notNull()
                t.column("position", .integer).notNull()
                t.column("payload", .text).notNull()
            }
            try db.create(table: "own_write") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("target", .text).notNull()
                t.column("field", .text).notNull()
                t.column("value", .text)
                t.column("switch_id", .text)
                t.column("at", .text).notNull()
                t.column("ts", .integer).notNull()
            }
            try db.create(index: "own_write_switch", on: "own_write", columns: ["switch_id"])
            // The tracker's stint starts found by paging history, for the front they were found for.
            try db.create(table: "stint_memo") { t in
                t.primaryKey("system", .text)
                t.column("key", .text).notNull()
                t.column("starts", .text).notNull()
            }
        }
        m.registerMigration("v4") { db in
            // exec and webhook invocations: queued, started, done (kept a day against repeats).
            try db.create(table: "effect_queue") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("action_id", .text).notNull().unique()
                t.column("state", .text).notNull()
                t.column("starts", .integer).notNull()
                t.column("decided", .text).notNull()
                t.column("finished", .integer)
                t.column("result", .text)
                t.column("payload", .text).notNull()
            }
        }
    }
}

extension StateStore: EffectStore {
    /// How long finished invocations are kept (a decision made again within it is not run twice).
    static let finishedEffectSeconds: Int64 = 86_400

    public func queuedEffects() throws -> [QueuedEffect] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, starts, payload FROM effect_queue WHERE state != 'done' ORDER BY id")
                .compactMap { row in
                    guard let text = row["payload"] as String?, var e = try? Self.decode(QueuedEffect.self, text)
                    else { return nil }
                    e.id = row["id"]
                    e.starts = row["starts"]
                    return e
                }
        }
    }

    public func startEffect(_ id: Int64) throws {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE effect_queue SET state = 'started', starts = starts + 1 WHERE id = ?", arguments: [id])
        }
    }

    public func finishEffect(_ id: Int64, result: String) throws {
        let now = Timestamp.now.secondsSince1970
        try pool.write { db in
            try db.execute(
                sql: "UPDATE effect_queue SET state = 'done', finished = ?, result = ? WHERE id = ?",
                arguments: [now, result, id])
            try db.execute(
                sql: "DELETE FROM effect_queue WHERE state = 'done' AND finished < ?",
                arguments: [now - Self.finishedEffectSeconds])
        }
    }
}
