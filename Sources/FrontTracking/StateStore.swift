import Foundation
import GRDB
public import FrontEvents
public import PluralKit
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

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
    /// The state directory.
    public let directory: String
    /// How many known switches are kept per system.
    public static let knownWindow = 200
    /// How the database was found when it was opened.
    public let found: Found
    /// Applied to every text stored in the outbox (the last line of defence against secrets).
    let redact: @Sendable (String) -> String
    /// The operations a test can make fail (see `fault`).
    enum Operation: Sendable { case readState, commit, acknowledge }
    /// Test hook: called before each such operation; throwing simulates a failure there (busy,
    /// I/O, a full disk).
    let fault = Mutex<(@Sendable (Operation) throws -> Void)?>(nil)

    private func check(_ operation: Operation) throws {
        if let fault = fault.withLock({ $0 }) { try fault(operation) }
    }

    /// How the database was found at open.
    public enum Found: Sendable, Hashable {
        /// There was no database: a first start.
        case new
        /// A database with pkfrontd's schema.
        case existing
        /// A file was there but held no pkfrontd schema (emptied, truncated, or its WAL lost
        /// before the first checkpoint): whatever it held is gone.
        case emptied
    }

    /// Opens (creating if needed) the database in a directory, and migrates it.
    /// Refuses a database written by a newer pkfrontd.
    /// - Parameter redact: applied to every event payload before it is stored.
    public init(directory: String, redact: @escaping @Sendable (String) -> String = { $0 }) throws {
        self.directory = directory
        self.redact = redact
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StateStoreError("cannot create the state directory \(directory): \(error.localizedDescription). Pass --state-dir to choose another.")
        }
        path = directory + "/state.sqlite"
        let existed = FileManager.default.fileExists(atPath: path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StateStoreError("cannot open the state database \(path): \(error)")
        }
        let migrator = Self.migrator
        let hadSchema = try pool.read { db in try db.tableExists("grdb_migrations") }
        found = !existed ? .new : hadSchema ? .existing : .emptied
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
        m.registerMigration("v2") { db in
            // Rows a consumer passed over because they do not decode (the rows stay in the outbox).
            try db.create(table: "quarantine") { t in
                t.column("consumer", .text).notNull()
                t.column("seq", .integer).notNull()
                t.column("problem", .text).notNull()
                t.column("noted", .text).notNull()
                t.primaryKey(["consumer", "seq"])
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
        try check(.readState)
        return try pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT front FROM system_state WHERE system = ?", arguments: [system]) else {
                return nil
            }
            let front: TrackedSwitch? = try (row["front"] as String?).map { try Self.decode(TrackedSwitch.self, $0) }
            let known = try Row.fetchAll(
                db, sql: "SELECT id, timestamp, members FROM known_switch WHERE system = ? ORDER BY ts_sort DESC", arguments: [system]
            ).map { row in
                let text: String = row["timestamp"]
                guard let timestamp = Timestamp(text) else {
                    throw StateStoreError("the state database \(path) holds a malformed switch timestamp '\(text.prefix(40))' for system \(system); move the file away to start afresh (the switches logged meanwhile are then not reported)")
                }
                let idText: String = row["id"]
                guard let id = SwitchID(idText) else {
                    throw StateStoreError("the state database \(path) holds a malformed switch id '\(idText.prefix(40))' for system \(system); move the file away to start afresh (the switches logged meanwhile are then not reported)")
                }
                return TrackedSwitch(id: id, timestamp: timestamp, members: try Self.decode([MemberID].self, row["members"]))
            }
            return SystemState(system: system, front: front, known: known)
        }
    }

    /// Records events and the new state in one transaction; returns the events with their
    /// sequence numbers. Either both are stored or neither.
    @discardableResult
    public func commit(_ state: SystemState, events: [FrontEvent], now: Timestamp = .now) throws -> [FrontEvent] {
        try check(.commit)
        return try pool.write { db in
            let stored = try insert(events, db, now: now)
            try db.execute(
                sql: "INSERT INTO system_state (system, front, updated) VALUES (?, ?, ?) ON CONFLICT(system) DO UPDATE SET front = excluded.front, updated = excluded.updated",
                arguments: [state.system, try state.front.map { try Self.json($0) }, now.description])
            try db.execute(sql: "DELETE FROM known_switch WHERE system = ?", arguments: [state.system])
            for s in state.known.sorted(by: { $0.timestamp > $1.timestamp }).prefix(Self.knownWindow) {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO known_switch (system, id, timestamp, ts_sort, members) VALUES (?, ?, ?, ?, ?)",
                    arguments: [state.system, s.id.rawValue, s.timestamp.description, s.timestamp.secondsSince1970 * 1_000_000_000 + Int64(s.timestamp.nanoseconds), try Self.json(s.members)])
            }
            return stored
        }
    }

    /// Records events without touching any system's state (health events before a first poll).
    @discardableResult
    public func appendOnly(_ events: [FrontEvent], now: Timestamp = .now) throws -> [FrontEvent] {
        try pool.write { db in try insert(events, db, now: now) }
    }

    /// Appends events to the outbox, giving each its sequence number.
    /// Each row is written once: its sequence number is taken inside the write transaction (the
    /// table's AUTOINCREMENT counter, so a number is never reused, even after the newest rows
    /// were deleted).
    private func insert(_ events: [FrontEvent], _ db: Database, now: Timestamp) throws -> [FrontEvent] {
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
                arguments: [event.seq, event.system, event.kind.rawValue, redact(try Self.json(event)), now.description])
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
            let acked = try Int64.fetchOne(db, sql: "SELECT seq FROM consumer_ack WHERE consumer = ?", arguments: [consumer]) ?? 0
            return try Row.fetchAll(
                db, sql: "SELECT seq, kind, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [acked, limit]
            ).map { row in
                let seq: Int64 = row["seq"]
                do {
                    guard let payload = row["payload"] as String? else { throw StateStoreError("the payload is not text") }
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
        try pool.read { db in try Int64.fetchAll(db, sql: "SELECT seq FROM quarantine WHERE consumer = ? ORDER BY seq", arguments: [consumer]) }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing key '\(key.stringValue)'"
        case .typeMismatch(let type, let c): "expected \(type) at '\(c.codingPath.map(\.stringValue).joined(separator: "."))'"
        case .valueNotFound(let type, let c): "null where \(type) was expected at '\(c.codingPath.map(\.stringValue).joined(separator: "."))'"
        case .dataCorrupted(let c): "not valid JSON or value (\(c.codingPath.map(\.stringValue).joined(separator: ".")))"
        @unknown default: "does not decode"
        }
    }

    /// Marks everything up to `seq` as handled by a consumer.
    public func acknowledge(consumer: String, through seq: Int64) throws {
        try check(.acknowledge)
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

    /// Every event in the outbox, in order (for tests and `history`; rows that do not decode
    /// are left out).
    public func allEvents() throws -> [FrontEvent] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, payload FROM outbox ORDER BY seq").compactMap { row in
                guard let payload = row["payload"] as String?, var event = try? Self.decode(FrontEvent.self, payload) else { return nil }
                event.seq = row["seq"]
                return event
            }
        }
    }

    // MARK: - Which systems have been tracked

    /// The marker file beside the database: one system id per line, for every system whose
    /// state was ever stored. It outlives an emptied database or a lost WAL, so a database that
    /// lost a system's state is told apart from a first start.
    public var markerPath: String { directory + "/tracked-systems" }

    /// Whether the marker says this system's state was stored before.
    public func wasTracked(system: String) -> Bool {
        guard let text = try? String(contentsOfFile: markerPath, encoding: .utf8) else { return false }
        return text.split(whereSeparator: \.isNewline).contains { $0 == system }
    }

    /// Adds a system to the marker file (written to a temporary file, synced, renamed).
    public func markTracked(system: String) throws {
        guard !wasTracked(system: system) else { return }
        var lines = ((try? String(contentsOfFile: markerPath, encoding: .utf8)) ?? "").split(whereSeparator: \.isNewline).map(String.init)
        lines.append(system)
        let text = lines.joined(separator: "\n") + "\n"
        let temporary = markerPath + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StateStoreError("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let ok = text.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) == $0.count - 1 } && fsync(fd) == 0
        close(fd)
        guard ok, rename(temporary, markerPath) == 0 else {
            unlink(temporary)
            throw StateStoreError("cannot write \(markerPath): \(String(cString: strerror(errno)))")
        }
        let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            fsync(dir)
            close(dir)
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
    public func cachedMembers(system: String) throws -> [MemberID: MemberRef] {
        try pool.read { db in
            var out: [MemberID: MemberRef] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, name, display_name FROM member_cache WHERE system = ?", arguments: [system]) {
                guard let id = MemberID(row["id"] as String? ?? "") else { continue }
                out[id] = MemberRef(id: id, name: row["name"], displayName: row["display_name"])
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

    /// Replaces the cached groups of a system.
    public func cacheGroups(_ groups: [CachedGroup], system: String) throws {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM group_cache WHERE system = ?", arguments: [system])
            for g in groups {
                try db.execute(
                    sql: "INSERT INTO group_cache (system, id, uuid, name, members) VALUES (?, ?, ?, ?, ?)",
                    arguments: [system, g.id.rawValue, g.uuid, g.name, try Self.json(g.members)])
            }
        }
    }

    /// The cached groups of a system, by name.
    public func cachedGroups(system: String) throws -> [CachedGroup] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, uuid, name, members FROM group_cache WHERE system = ? ORDER BY name", arguments: [system]).compactMap {
                guard let id = GroupID($0["id"] as String? ?? "") else { return nil }
                return CachedGroup(id: id, uuid: $0["uuid"], name: $0["name"], members: try Self.decode([MemberID].self, $0["members"]))
            }
        }
    }
}

/// A group as the cache keeps it.
public struct CachedGroup: Sendable, Hashable {
    public var id: GroupID
    public var uuid: String
    public var name: String
    /// The members' short ids.
    public var members: [MemberID]

    public init(id: GroupID, uuid: String, name: String, members: [MemberID]) {
        self.id = id
        self.uuid = uuid
        self.name = name
        self.members = members
    }
}

extension StateStore {
    /// Reads the cached member and group lists of every system in a state directory, read-only
    /// (nothing is created or migrated). Returns an empty list when there is no state database.
    public static func readCachedNames(directory: String) throws -> [SystemNames] {
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
        return try queue.read(Self.cachedNames)
    }

    /// The cached member and group lists of every system in this store.
    public func cachedNames() throws -> [SystemNames] {
        try pool.read(Self.cachedNames)
    }

    private static func cachedNames(_ db: Database) throws -> [SystemNames] {
        guard try db.tableExists("member_cache"), try db.tableExists("group_cache") else { return [] }
        let systems = try String.fetchAll(db, sql: "SELECT system FROM cache_info UNION SELECT DISTINCT system FROM member_cache ORDER BY system")
        return try systems.map { system in
            let members = try Row.fetchAll(db, sql: "SELECT id, uuid, name, display_name FROM member_cache WHERE system = ? ORDER BY id", arguments: [system]).map {
                NameEntry(id: $0["id"], uuid: $0["uuid"], name: $0["name"] ?? "", displayName: $0["display_name"])
            }
            let groups = try Row.fetchAll(db, sql: "SELECT id, uuid, name FROM group_cache WHERE system = ? ORDER BY id", arguments: [system]).map {
                NameEntry(id: $0["id"], uuid: $0["uuid"], name: $0["name"] ?? "", displayName: nil)
            }
            let refreshed = try String.fetchOne(db, sql: "SELECT members_refreshed FROM cache_info WHERE system = ?", arguments: [system]).flatMap(Timestamp.init)
            return SystemNames(system: system, members: members, groups: groups, refreshed: refreshed)
        }
    }
}
