import Foundation
import GRDB
public import PluralKit

/// What the tracker knows about one system between polls.
public struct SystemState: Sendable, Hashable {
    /// The system's short id.
    public var system: String
    /// The current front's switch (the latest known), nil before any switch.
    public var front: TrackedSwitch?
    /// Recent known switches, newest first (a window for edit/delete detection).
    public var known: [TrackedSwitch]

    public init(system: String, front: TrackedSwitch?, known: [TrackedSwitch]) {
        self.system = system
        self.front = front
        self.known = known
    }
}

/// A state database refused or broken; the message says what to do.
public struct StateStoreError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The daemon's state in SQLite (`state.sqlite` in the state directory, WAL mode): per system,
/// the known recent switches and the front; the outbox of events with sequence numbers; what
/// each consumer acknowledged; cached members and groups. GRDB stays behind this type.
public final class StateStore: Sendable {
    let pool: DatabasePool
    /// The database file.
    public let path: String
    /// How many known switches are kept per system.
    public static let knownWindow = 200

    /// Opens (creating if needed) the database in a directory, and migrates it.
    /// Refuses a database written by a newer pkfrontd.
    public init(directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StateStoreError("cannot create the state directory \(directory): \(error.localizedDescription). Pass --state-dir to choose another.")
        }
        path = directory + "/state.sqlite"
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StateStoreError("cannot open the state database \(path): \(error)")
        }
        let migrator = Self.migrator
        let superseded = try pool.read { db in try migrator.hasBeenSuperseded(db) }
        if superseded {
            throw StateStoreError("the state database \(path) was written by a newer pkfrontd (its schema has migrations this version does not know). Run the newer pkfrontd, or move the file away to start afresh.")
        }
        try migrator.migrate(pool)
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.create(table: "system_state") { t in
                t.primaryKey("system", .text)
                t.column("front", .text)  // JSON TrackedSwitch
                t.column("updated", .text).notNull()
            }
            try db.create(table: "known_switch") { t in
                t.column("system", .text).notNull()
                t.column("id", .text).notNull()
                t.column("timestamp", .text).notNull()
                t.column("ts_sort", .integer).notNull()
                t.column("members", .text).notNull()
                t.primaryKey(["system", "id"])
            }
            try db.create(table: "outbox") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("system", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("payload", .text).notNull()
                t.column("created", .text).notNull()
            }
            try db.create(table: "consumer_ack") { t in
                t.primaryKey("consumer", .text)
                t.column("seq", .integer).notNull()
            }
            try db.create(table: "member_cache") { t in
                t.column("system", .text).notNull()
                t.column("id", .text).notNull()
                t.column("uuid", .text).notNull()
                t.column("name", .text).notNull()
                t.column("display_name", .text)
                t.primaryKey(["system", "id"])
            }
            try db.create(table: "group_cache") { t in
                t.column("system", .text).notNull()
                t.column("id", .text).notNull()
                t.column("uuid", .text).notNull()
                t.column("name", .text).notNull()
                t.column("members", .text).notNull()  // JSON [member short id]
                t.primaryKey(["system", "id"])
            }
            try db.create(table: "cache_info") { t in
                t.primaryKey("system", .text)
                t.column("members_refreshed", .text)
            }
        }
        return m
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    static func json<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T { try JSONDecoder().decode(T.self, from: Data(text.utf8)) }

    /// The stored state of a system, or nil on first start.
    public func state(system: String) throws -> SystemState? {
        try pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT front FROM system_state WHERE system = ?", arguments: [system]) else {
                return nil
            }
            let front: TrackedSwitch? = try (row["front"] as String?).map { try Self.decode(TrackedSwitch.self, $0) }
            let known = try Row.fetchAll(
                db, sql: "SELECT id, timestamp, members FROM known_switch WHERE system = ? ORDER BY ts_sort DESC", arguments: [system]
            ).map { row in
                TrackedSwitch(
                    id: row["id"], timestamp: Timestamp(row["timestamp"] as String)!,
                    members: try Self.decode([String].self, row["members"]))
            }
            return SystemState(system: system, front: front, known: known)
        }
    }

    /// Records events and the new state in one transaction; returns the events with their
    /// sequence numbers. Either both are stored or neither.
    @discardableResult
    public func commit(_ state: SystemState, events: [FrontEvent], now: Timestamp = .now) throws -> [FrontEvent] {
        try pool.write { db in
            let stored = try Self.insert(events, db, now: now)
            try db.execute(
                sql: "INSERT INTO system_state (system, front, updated) VALUES (?, ?, ?) ON CONFLICT(system) DO UPDATE SET front = excluded.front, updated = excluded.updated",
                arguments: [state.system, try state.front.map { try Self.json($0) }, now.description])
            try db.execute(sql: "DELETE FROM known_switch WHERE system = ?", arguments: [state.system])
            for s in state.known.sorted(by: { $0.timestamp > $1.timestamp }).prefix(Self.knownWindow) {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO known_switch (system, id, timestamp, ts_sort, members) VALUES (?, ?, ?, ?, ?)",
                    arguments: [state.system, s.id, s.timestamp.description, s.timestamp.secondsSince1970 * 1_000_000_000 + Int64(s.timestamp.nanoseconds), try Self.json(s.members)])
            }
            return stored
        }
    }

    /// Records events without touching any system's state (health events before a first poll).
    @discardableResult
    public func appendOnly(_ events: [FrontEvent], now: Timestamp = .now) throws -> [FrontEvent] {
        try pool.write { db in try Self.insert(events, db, now: now) }
    }

    /// Appends events to the outbox, giving each its sequence number.
    private static func insert(_ events: [FrontEvent], _ db: Database, now: Timestamp) throws -> [FrontEvent] {
        try events.map { event in
            var event = event
            try db.execute(
                sql: "INSERT INTO outbox (system, kind, payload, created) VALUES (?, ?, ?, ?)",
                arguments: [event.system, event.kind.rawValue, "", now.description])
            event.seq = db.lastInsertedRowID
            try db.execute(sql: "UPDATE outbox SET payload = ? WHERE seq = ?", arguments: [try json(event), event.seq])
            return event
        }
    }

    /// Events a consumer has not acknowledged yet, in order.
    public func pending(consumer: String, limit: Int = 500) throws -> [FrontEvent] {
        try pool.read { db in
            let acked = try Int64.fetchOne(db, sql: "SELECT seq FROM consumer_ack WHERE consumer = ?", arguments: [consumer]) ?? 0
            return try Row.fetchAll(
                db, sql: "SELECT seq, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [acked, limit]
            ).map { row in
                var event = try Self.decode(FrontEvent.self, row["payload"])
                event.seq = row["seq"]
                return event
            }
        }
    }

    /// Marks everything up to `seq` as handled by a consumer.
    public func acknowledge(consumer: String, through seq: Int64) throws {
        try pool.write { db in
            try db.execute(
                sql: "INSERT INTO consumer_ack (consumer, seq) VALUES (?, ?) ON CONFLICT(consumer) DO UPDATE SET seq = max(seq, excluded.seq)",
                arguments: [consumer, seq])
        }
    }

    /// The highest sequence number a consumer acknowledged.
    public func acknowledged(consumer: String) throws -> Int64 {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT seq FROM consumer_ack WHERE consumer = ?", arguments: [consumer]) ?? 0 }
    }

    /// Every event in the outbox, in order (for tests and `history`).
    public func allEvents() throws -> [FrontEvent] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, payload FROM outbox ORDER BY seq").map { row in
                var event = try Self.decode(FrontEvent.self, row["payload"])
                event.seq = row["seq"]
                return event
            }
        }
    }

    // MARK: - Member and group cache

    /// Replaces the cached member list of a system.
    public func cacheMembers(_ members: [Member], system: String, now: Timestamp = .now) throws {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM member_cache WHERE system = ?", arguments: [system])
            for m in members {
                try db.execute(
                    sql: "INSERT INTO member_cache (system, id, uuid, name, display_name) VALUES (?, ?, ?, ?, ?)",
                    arguments: [system, m.id.rawValue, m.uuid, m.name, m.displayName])
            }
            try db.execute(
                sql: "INSERT INTO cache_info (system, members_refreshed) VALUES (?, ?) ON CONFLICT(system) DO UPDATE SET members_refreshed = excluded.members_refreshed",
                arguments: [system, now.description])
        }
    }

    /// Cached members by short id.
    public func cachedMembers(system: String) throws -> [String: MemberRef] {
        try pool.read { db in
            var out: [String: MemberRef] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, name, display_name FROM member_cache WHERE system = ?", arguments: [system]) {
                out[row["id"]] = MemberRef(id: row["id"], name: row["name"], displayName: row["display_name"])
            }
            return out
        }
    }

    /// When the member cache was last refreshed.
    public func membersRefreshed(system: String) throws -> Timestamp? {
        try pool.read { db in
            try (String.fetchOne(db, sql: "SELECT members_refreshed FROM cache_info WHERE system = ?", arguments: [system])).flatMap(Timestamp.init)
        }
    }

    /// Replaces the cached groups of a system (`members` are member short ids).
    public func cacheGroups(_ groups: [(id: String, uuid: String, name: String, members: [String])], system: String) throws {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM group_cache WHERE system = ?", arguments: [system])
            for g in groups {
                try db.execute(
                    sql: "INSERT INTO group_cache (system, id, uuid, name, members) VALUES (?, ?, ?, ?, ?)",
                    arguments: [system, g.id, g.uuid, g.name, try Self.json(g.members)])
            }
        }
    }

    /// Cached groups: name → member short ids.
    public func cachedGroups(system: String) throws -> [(id: String, name: String, members: [String])] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, members FROM group_cache WHERE system = ? ORDER BY name", arguments: [system]).map {
                (id: $0["id"], name: $0["name"], members: try Self.decode([String].self, $0["members"]))
            }
        }
    }
}

/// The member and group names a state directory has cached for one system.
public struct CachedNames: Sendable {
    /// A cached member or group.
    public struct Entry: Sendable, Hashable {
        /// Short id.
        public var id: String
        /// UUID.
        public var uuid: String?
        /// Name.
        public var name: String
        /// Display name (members only).
        public var displayName: String?
    }

    /// The system's short id.
    public var system: String
    /// Members.
    public var members: [Entry]
    /// Groups.
    public var groups: [Entry]
    /// When the member list was fetched.
    public var refreshed: Timestamp?
}

extension StateStore {
    /// Reads the cached member and group lists of every system in a state directory, read-only
    /// (nothing is created or migrated). Returns an empty list when there is no state database.
    public static func readCachedNames(directory: String) throws -> [CachedNames] {
        let path = directory + "/state.sqlite"
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw StateStoreError("cannot read the state database \(path): \(error)")
        }
        return try queue.read { db in
            guard try db.tableExists("member_cache"), try db.tableExists("group_cache") else { return [] }
            let systems = try String.fetchAll(db, sql: "SELECT system FROM cache_info UNION SELECT DISTINCT system FROM member_cache ORDER BY system")
            return try systems.map { system in
                let members = try Row.fetchAll(db, sql: "SELECT id, uuid, name, display_name FROM member_cache WHERE system = ? ORDER BY id", arguments: [system]).map {
                    CachedNames.Entry(id: $0["id"], uuid: $0["uuid"], name: $0["name"] ?? "", displayName: $0["display_name"])
                }
                let groups = try Row.fetchAll(db, sql: "SELECT id, uuid, name FROM group_cache WHERE system = ? ORDER BY id", arguments: [system]).map {
                    CachedNames.Entry(id: $0["id"], uuid: $0["uuid"], name: $0["name"] ?? "", displayName: nil)
                }
                let refreshed = try String.fetchOne(db, sql: "SELECT members_refreshed FROM cache_info WHERE system = ?", arguments: [system]).flatMap(Timestamp.init)
                return CachedNames(system: system, members: members, groups: groups, refreshed: refreshed)
            }
        }
    }
}
