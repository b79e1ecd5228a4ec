#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(FoundationInternationalization)
    import FoundationInternationalization
#endif

/// What a seeded system looks like, for tests and scripts.
public struct SeededSystem: Sendable, Hashable {
    public var id: String
    public var uuid: String
    public var token: String
    /// Members in creation order: short id, UUID, name.
    public var members: [Entity]
    public var groups: [Entity]

    /// A member, group or system reference.
    public struct Entity: Sendable, Hashable {
        public var id: String
        public var uuid: String
        public var name: String
    }

    /// The member with that name.
    public func member(_ name: String) -> Entity? { members.first { $0.name == name } }
    /// The group with that name.
    public func group(_ name: String) -> Entity? { groups.first { $0.name == name } }

    var json: JSON {
        func list(_ items: [Entity]) -> JSON {
            .array(
                items.map { .object([("id", .string($0.id)), ("uuid", .string($0.uuid)), ("name", .string($0.name))]) })
        }
        return .object([
            ("id", .string(id)), ("uuid", .string(uuid)), ("token", .string(token)), ("members", list(members)),
            ("groups", list(groups)),
        ])
    }
}

/// The guild ids of the demo system's Discord servers.
public enum DemoGuild {
    /// "Art Club".
    public static let artClub: UInt64 = 100_000_000_000_000_001
    /// "Work".
    public static let work: UInt64 = 100_000_000_000_000_002
}

extension FakeState {
    static let names = [
        "Alex", "Sam", "Kit", "Jordan", "Robin", "Morgan", "Quinn", "Riley", "Avery", "Casey", "Drew", "Emery",
        "Finley", "Harper", "Jules", "Kai", "Lane", "Micah", "Noel", "Oakley", "Parker", "Reese", "Sage", "Tatum",
    ]
    static let groupNames = ["Littles", "Hosts", "Protectors", "Caretakers", "Gatekeepers", "Trauma holders"]

    /// Adds a system with `memberCount` members and `groupCount` groups, deterministic from `seed`.
    mutating func seed(_ seed: UInt64, memberCount: Int, groupCount: Int, token: String?, now: FakeTime) -> SeededSystem
    {
        // The first use of a seed gives the same system every time; a repeat gives another one.
        let uses = seedUses[seed, default: 0]
        seedUses[seed] = uses + 1
        random = SeededGenerator(seed: uses == 0 ? seed : seed ^ (uses &* 0xA24B_AED4_963E_E407))
        var generated = random.token()
        while systems.contains(where: { $0.token == generated }) { generated = random.token() }
        let token = token ?? generated
        // Like PluralKit's, creation times carry microseconds.
        let created = FakeTime(
            micros: (1_636_306_461 + Int64(random.next() % 10_000_000)) * 1_000_000 + Int64(random.next() % 1_000_000))
        var system = makeSystem(name: "System \(seed)", token: token, created: created)
        system.fields["tag"] = .string("| s\(seed)")
        systems.append(system)
        var memberEntities: [SeededSystem.Entity] = []
        for i in 0..<memberCount {
            let name =
                i < Self.names.count ? Self.names[i] : "\(Self.names[i % Self.names.count]) \(i / Self.names.count + 1)"
            var member = makeMember(system: system, name: name, created: created.adding(seconds: Double(60 * (i + 1))))
            member.fields["pronouns"] = .string(["they/them", "she/her", "he/him", "any"][Int(random.next() % 4)])
            let hex = String(random.next() % 0xFFFFFF, radix: 16)
            member.fields["color"] = .string(String(repeating: "0", count: 6 - hex.count) + hex)
            let tag = String(name.lowercased().prefix(2)) + ":"
            member.fields["proxy_tags"] = .array([.object([("prefix", .string(tag)), ("suffix", .null)])])
            members.append(member)
            memberEntities.append(.init(id: member.id, uuid: member.uuid, name: name))
        }
        var groupEntities: [SeededSystem.Entity] = []
        for g in 0..<groupCount {
            let name = g < Self.groupNames.count ? Self.groupNames[g] : "Group \(g + 1)"
            var group = makeGroup(system: system, name: name, created: created.adding(seconds: Double(3600 + g)))
            if !memberEntities.isEmpty {
                let size = 1 + Int(random.next() % UInt64(max(1, memberEntities.count / 2)))
                group.members = (0..<size).map { memberEntities[(g + $0 * 2) % memberEntities.count].uuid }
                var seen = Set<String>()
                group.members = group.members.filter { seen.insert($0).inserted }
            }
            groups.append(group)
            groupEntities.append(.init(id: group.id, uuid: group.uuid, name: name))
        }
        return SeededSystem(
            id: system.id, uuid: system.uuid, token: token, members: memberEntities, groups: groupEntities)
    }

    /// The demo system of PRODUCT.md: Alex, Sam, Kit, Jordan, Robin and more; "Littles" = Kit and
    /// Robin; guild-settings rows for "Art Club" and "Work"; Alex fronting since an hour ago.
    mutating func loadDemo(token: String?, now: FakeTime) -> SeededSystem {
        var seeded = seed(0xDE40, memberCount: 8, groupCount: 0, token: token, now: now)
        let i = systemIndex(uuid: seeded.uuid)!
        systems[i].fields["name"] = "Demo System"
        systems[i].fields["tag"] = "| demo"
        systems[i].settings["timezone"] = "Europe/Berlin"
        let system = systems[i]
        func uuid(_ name: String) -> String { seeded.member(name)!.uuid }
        var littles = makeGroup(system: system, name: "Littles", created: now.adding(seconds: -86_400))
        littles.members = [uuid("Kit"), uuid("Robin")]
        littles.fields["description"] = "Our younger members."
        var hosts = makeGroup(system: system, name: "Hosts", created: now.adding(seconds: -86_400))
        hosts.members = [uuid("Alex"), uuid("Sam")]
        groups.append(contentsOf: [littles, hosts])
        seeded.groups = [littles, hosts].map { .init(id: $0.id, uuid: $0.uuid, name: $0.name) }
        for guild in [DemoGuild.artClub, DemoGuild.work] {
            systemGuilds[system.uuid, default: [:]][guild] = Self.defaultSystemGuildRow()
            for member in seeded.members {
                memberGuilds[member.uuid, default: [:]][guild] = Self.defaultMemberGuildRow()
            }
        }
        switches.append(
            SwitchRecord(
                uuid: random.uuid(), system: system.uuid, timestamp: now.adding(seconds: -3600), members: [uuid("Alex")]
            ))
        return seeded
    }

    /// A lived-in history for the demo system: `days` days of switches before its current one
    /// (Alex, an hour ago) — mornings, co-fronts, a Little at midday on some days, evenings and a
    /// switch-out at night, in Europe/Berlin, at times that vary a little from day to day
    /// (deterministic: the same `now` gives the same history).
    mutating func loadDemoHistory(days: Int, now: FakeTime) -> Int {
        let demoSystems = systems.filter { $0.fields["name"]?.stringValue == "Demo System" }
        guard let demo = demoSystems.last else { return 0 }
        let byName = Dictionary(
            members.filter { $0.system == demo.uuid }.map { ($0.name, $0.uuid) }, uniquingKeysWith: { a, _ in a })
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Berlin")!
        var rng = SeededGenerator(seed: 0xDE41)
        let latest = switches.filter { $0.system == demo.uuid }.map(\.timestamp.micros).min() ?? now.micros
        let today = calendar.startOfDay(for: Date(timeIntervalSince1970: Double(now.micros) / 1_000_000))
        // (hour, minute, who, ± minutes): a day's shape.
        let shape: [(Int, Int, [String], Int)] = [
            (7, 30, ["Alex"], 25), (10, 0, ["Alex", "Sam"], 30), (12, 30, ["Kit"], 30), (15, 0, ["Jordan"], 40),
            (18, 30, ["Sam", "Robin"], 30), (23, 15, [], 35),
        ]
        var added = 0
        for back in stride(from: days, through: 0, by: -1) {
            guard let day = calendar.date(byAdding: .day, value: -back, to: today) else { continue }
            let weekday = calendar.component(.weekday, from: day)
            for (hour, minute, who, spread) in shape {
                var people = who
                // Odd weekdays have Sam in the morning; a Little only on Monday, Wednesday and Saturday.
                if hour == 7, weekday % 2 == 1 { people = ["Sam"] }
                if hour == 12, ![2, 4, 7].contains(weekday) { people = ["Jordan", "Alex"] }
                let jitter = Int(rng.next() % UInt64(2 * spread + 1)) - spread
                guard
                    let at = calendar.date(bySettingHour: hour, minute: minute, second: 0, of: day)?
                        .addingTimeInterval(Double(jitter * 60 + Int(rng.next() % 60)))
                else { continue }
                let time = FakeTime(at)
                guard time.micros < latest else { continue }
                switches.append(
                    SwitchRecord(
                        uuid: random.uuid(), system: demo.uuid, timestamp: time,
                        members: people.compactMap { byName[$0] }))
                added += 1
            }
        }
        return added
    }

    static func defaultSystemGuildRow() -> JSON {
        .object([
            ("proxying_enabled", true), ("tag", nil), ("tag_enabled", true), ("avatar_url", nil), ("display_name", nil),
            ("name_format", nil),
        ])
    }

    static func defaultMemberGuildRow() -> JSON {
        .object([("display_name", nil), ("avatar_url", nil), ("keep_proxy", nil)])
    }

    /// A member by id, UUID or name within a system (for control requests).
    func controlMember(_ ref: String, system: String?) -> MemberRecord? {
        let pool = members.filter { system == nil || $0.system == system }
        let lower = String(ref.lowercased().filter { $0 != "-" })
        return pool.first { $0.uuid == ref.lowercased() || $0.id == lower } ?? pool.first { $0.name == ref }
    }
}
