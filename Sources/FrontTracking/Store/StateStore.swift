import Foundation
public import FrontEvents
import GRDB
public import PluralKit
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

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
    enum Operation: Sendable { case readState, commit, acknowledge, commitDecisions }
    /// Test hook: called before each such operation; throwing simulates a failure there (busy,
    /// I/O, a full disk).
    let fault = Mutex<(@Sendable (Operation) throws -> Void)?>(nil)

    func check(_ operation: Operation) throws {
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
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StateStoreError(
                .directoryUnavailable,
                "cannot create the state directory \(directory): \(error.localizedDescription). Pass --state-dir to choose another.",
                underlying: error)
        }
        path = directory + "/state.sqlite"
        let existed = FileManager.default.fileExists(atPath: path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StateStoreError(.cannotOpen, "cannot open the state database \(path): \(error)", underlying: error)
        }
        let migrator = Self.migrator
        let hadSchema = try pool.read { db in try db.tableExists("grdb_migrations") }
        found = !existed ? .new : hadSchema ? .existing : .emptied
        let superseded = try pool.read { db in try migrator.hasBeenSuperseded(db) }
        if superseded {
            throw StateStoreError(
                .newerSchema,
                "the state database \(path) was written by a newer pkfrontd (its schema has migrations this version does not know). Run the newer pkfrontd, or move the file away to start afresh."
            )
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
        registerActionTables(&m)
        return m
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }
    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }

    /// The stored state of a system, or nil on first start.
    public func state(system: String) throws -> SystemState? {
        try check(.readState)
        return try pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT front FROM system_state WHERE system = ?", arguments: [system])
            else {
                return nil
            }
            let front: TrackedSwitch? = try (row["front"] as String?).map { try Self.decode(TrackedSwitch.self, $0) }
            let known = try Row.fetchAll(
                db, sql: "SELECT id, timestamp, members FROM known_switch WHERE system = ? ORDER BY ts_sort DESC",
                arguments: [system]
            ).map { row in
                let text: String = row["timestamp"]
                guard let timestamp = Timestamp(text) else {
                    throw StateStoreError(
                        .malformedState,
                        "the state database \(path) holds a malformed switch timestamp '\(text.prefix(40))' for system \(system); move the file away to start afresh (the switches logged meanwhile are then not reported)"
                    )
                }
                let idText: String = row["id"]
                guard let id = SwitchID(idText) else {
                    throw StateStoreError(
                        .malformedState,
                        "the state database \(path) holds a malformed switch id '\(idText.prefix(40))' for system \(system); move the file away to start afresh (the switches logged meanwhile are then not reported)"
                    )
                }
                return TrackedSwitch(
                    id: id, timestamp: timestamp, members: try Self.decode([MemberID].self, row["members"]))
            }
            return SystemState(system: system, front: front, known: known)
        }
    }

    /// Every system's stored state with when it was last recorded, most recently recorded first.
    public func storedFronts() throws -> [(state: SystemState, updated: Timestamp)] {
        let rows = try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT system, updated FROM system_state ORDER BY updated DESC")
                .map { (system: $0["system"] as String, updated: $0["updated"] as String?) }
        }
        return try rows.compactMap { row in
            guard let state = try state(system: row.system) else { return nil }
            let updated = row.updated.flatMap(Timestamp.init) ?? .now
            return (state, updated)
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
                sql:
                    "INSERT INTO system_state (system, front, updated) VALUES (?, ?, ?) ON CONFLICT(system) DO UPDATE SET front = excluded.front, updated = excluded.updated",
                arguments: [state.system, try state.front.map { try Self.json($0) }, now.description])
            try db.execute(sql: "DELETE FROM known_switch WHERE system = ?", arguments: [state.system])
            for s in state.known.sorted(by: { $0.timestamp > $1.timestamp }).prefix(Self.knownWindow) {
                try db.execute(
                    sql:
                        "INSERT OR REPLACE INTO known_switch (system, id, timestamp, ts_sort, members) VALUES (?, ?, ?, ?, ?)",
                    arguments: [
                        state.system, s.id.rawValue, s.timestamp.description,
                        s.timestamp.secondsSince1970 * 1_000_000_000 + Int64(s.timestamp.nanoseconds),
                        try Self.json(s.members),
                    ])
            }
            return stored
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
        var lines = ((try? String(contentsOfFile: markerPath, encoding: .utf8)) ?? "").split(
            whereSeparator: \.isNewline
        ).map(String.init)
        lines.append(system)
        let text = lines.joined(separator: "\n") + "\n"
        let temporary = markerPath + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StateStoreError(.cannotWrite, "cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        let ok =
            text.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) == $0.count - 1 }
            && fsync(fd) == 0
        close(fd)
        guard ok, rename(temporary, markerPath) == 0 else {
            unlink(temporary)
            throw StateStoreError(.cannotWrite, "cannot write \(markerPath): \(String(cString: strerror(errno)))")
        }
        let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            fsync(dir)
            close(dir)
        }
    }
}
