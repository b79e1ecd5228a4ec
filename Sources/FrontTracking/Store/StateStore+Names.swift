import Foundation
public import FrontEvents
import GRDB
public import PluralKit

extension StateStore {
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
                sql:
                    "INSERT INTO cache_info (system, members_refreshed) VALUES (?, ?) ON CONFLICT(system) DO UPDATE SET members_refreshed = excluded.members_refreshed",
                arguments: [system, now.description])
        }
    }

    /// Cached members by short id.
    public func cachedMembers(system: String) throws -> [MemberID: MemberRef] {
        try pool.read { db in
            var out: [MemberID: MemberRef] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT id, name, display_name FROM member_cache WHERE system = ?", arguments: [system])
            {
                guard let id = MemberID(row["id"] as String? ?? "") else { continue }
                out[id] = MemberRef(id: id, name: row["name"], displayName: row["display_name"])
            }
            return out
        }
    }

    /// When the member cache was last refreshed.
    public func membersRefreshed(system: String) throws -> Timestamp? {
        try pool.read { db in
            try
                (String.fetchOne(
                    db, sql: "SELECT members_refreshed FROM cache_info WHERE system = ?", arguments: [system])).flatMap(
                    Timestamp.init)
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
            try Row.fetchAll(
                db, sql: "SELECT id, uuid, name, members FROM group_cache WHERE system = ? ORDER BY name",
                arguments: [system]
            ).compactMap {
                guard let id = GroupID($0["id"] as String? ?? "") else { return nil }
                return CachedGroup(
                    id: id, uuid: $0["uuid"], name: $0["name"], members: try Self.decode([MemberID].self, $0["members"])
                )
            }
        }
    }

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
            throw StateStoreError(.cannotOpen, "cannot read the state database \(path): \(error)", underlying: error)
        }
        return try queue.read(Self.cachedNames)
    }

    /// The cached member and group lists of every system in this store.
    public func cachedNames() throws -> [SystemNames] {
        try pool.read(Self.cachedNames)
    }

    private static func cachedNames(_ db: Database) throws -> [SystemNames] {
        guard try db.tableExists("member_cache"), try db.tableExists("group_cache") else { return [] }
        let systems = try String.fetchAll(
            db, sql: "SELECT system FROM cache_info UNION SELECT DISTINCT system FROM member_cache ORDER BY system")
        return try systems.map { system in
            let members = try Row.fetchAll(
                db, sql: "SELECT id, uuid, name, display_name FROM member_cache WHERE system = ? ORDER BY id",
                arguments: [system]
            ).map {
                NameEntry(id: $0["id"], uuid: $0["uuid"], name: $0["name"] ?? "", displayName: $0["display_name"])
            }
            let rows = try Row.fetchAll(
                db, sql: "SELECT id, uuid, name, members FROM group_cache WHERE system = ? ORDER BY id",
                arguments: [system])
            let groups = rows.map {
                NameEntry(id: $0["id"], uuid: $0["uuid"], name: $0["name"] ?? "", displayName: nil)
            }
            var groupMembers: [String: [MemberID]] = [:]
            for row in rows {
                if let text = row["members"] as String?, let ids = try? Self.decode([MemberID].self, text) {
                    groupMembers[row["id"]] = ids
                }
            }
            let refreshed = try String.fetchOne(
                db, sql: "SELECT members_refreshed FROM cache_info WHERE system = ?", arguments: [system]
            ).flatMap(Timestamp.init)
            return SystemNames(
                system: system, members: members, groups: groups, refreshed: refreshed, groupMembers: groupMembers)
        }
    }
}
