#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A system in the fake's store. `fields` holds the public model keys in server order.
public struct SystemRecord: Sendable {
    public var uuid: String
    public var id: String
    /// The API token, if the system has one.
    public var token: String?
    var fields: JSON
    var webhookURL: String?
    var privacy: JSON
    var settings: JSON
    /// Linked Discord accounts.
    public var accounts: [UInt64] = []
}

/// A member in the fake's store.
public struct MemberRecord: Sendable {
    public var uuid: String
    public var id: String
    public var system: String
    var fields: JSON
    var privacy: JSON
    public var name: String { fields["name"]?.stringValue ?? "" }
}

/// A group in the fake's store.
public struct GroupRecord: Sendable {
    public var uuid: String
    public var id: String
    public var system: String
    var fields: JSON
    /// Member UUIDs, in the order they were added.
    public var members: [String]
    var privacy: JSON
    public var name: String { fields["name"]?.stringValue ?? "" }
}

/// A switch in the fake's store.
public struct SwitchRecord: Sendable, Hashable {
    public var uuid: String
    public var system: String
    public var timestamp: FakeTime
    /// Member UUIDs in order.
    public var members: [String]
}

/// A proxied message in the fake's store.
public struct MessageRecord: Sendable {
    public var id: UInt64
    public var original: UInt64?
    public var sender: UInt64
    public var channel: UInt64
    public var guild: UInt64?
    public var system: String?
    public var member: String?
}

/// One request the fake answered.
public struct RequestLogEntry: Sendable, Hashable {
    public var method: String
    public var path: String
    public var query: String
    public var status: Int
    /// When it arrived.
    public var time: FakeTime
    /// The rate-limit scope it was counted under, if any.
    public var scope: String?
    /// The request body as text (nil when it had none), for tests that assert exact writes.
    public var body: String?

    public init(
        method: String, path: String, query: String, status: Int, time: FakeTime, scope: String?, body: String? = nil
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.status = status
        self.time = time
        self.scope = scope
        self.body = body
    }

    var json: JSON {
        .object([
            ("method", .string(method)), ("path", .string(path)), ("query", .string(query)),
            ("status", .int(Int64(status))), ("time", .string(time.description)), ("scope", .optional(scope)),
            ("body", .optional(body)),
        ])
    }
}

/// Everything the fake knows.
struct FakeState: Sendable {
    var systems: [SystemRecord] = []
    var members: [MemberRecord] = []
    var groups: [GroupRecord] = []
    var switches: [SwitchRecord] = []
    /// System UUID → guild id → system guild settings.
    var systemGuilds: [String: [UInt64: JSON]] = [:]
    /// Member UUID → guild id → member guild settings.
    var memberGuilds: [String: [UInt64: JSON]] = [:]
    /// System UUID → guild id → autoproxy row.
    var autoproxy: [String: [UInt64: JSON]] = [:]
    var messages: [UInt64: MessageRecord] = [:]
    var log: [RequestLogEntry] = []
    var random = SeededGenerator(seed: 0)
    /// How often each seed was used: a seed used again gives a different system (never the same
    /// ids or token twice).
    var seedUses: [UInt64: UInt64] = [:]
    /// While set, new entities get 5-letter (legacy) ids.
    var legacyIDs = false
    var limits = RateLimitSettings.server
    var gcra = GCRALimiter()
    var faults: [Fault] = []

    func system(uuid: String) -> SystemRecord? { systems.first { $0.uuid == uuid } }
    func systemIndex(uuid: String) -> Int? { systems.firstIndex { $0.uuid == uuid } }
    func member(uuid: String) -> MemberRecord? { members.first { $0.uuid == uuid } }
    func memberIndex(uuid: String) -> Int? { members.firstIndex { $0.uuid == uuid } }
    func groupIndex(uuid: String) -> Int? { groups.firstIndex { $0.uuid == uuid } }

    /// Switches of a system, oldest first.
    func switches(of system: String) -> [SwitchRecord] {
        switches.filter { $0.system == system }.sorted { $0.timestamp < $1.timestamp }
    }

    /// A new short id unused by that entity type.
    mutating func newShortID(taken: Set<String>) -> String {
        while true {
            let id = random.shortID(length: legacyIDs ? 5 : 6)
            if !taken.contains(id) { return id }
        }
    }

    // MARK: - Defaults

    static func systemPrivacy() -> JSON {
        .object(Self.systemPrivacyKeys.map { ($0, "public") })
    }
    static let systemPrivacyKeys = [
        "name_privacy", "avatar_privacy", "description_privacy", "banner_privacy", "pronoun_privacy",
        "member_list_privacy", "group_list_privacy", "front_privacy", "front_history_privacy",
    ]
    static let memberPrivacyKeys = [
        "visibility", "name_privacy", "description_privacy", "banner_privacy", "birthday_privacy",
        "pronoun_privacy", "avatar_privacy", "metadata_privacy", "proxy_privacy",
    ]
    static let groupPrivacyKeys = [
        "name_privacy", "description_privacy", "banner_privacy", "icon_privacy", "list_privacy",
        "metadata_privacy", "visibility",
    ]

    static func defaultSettings() -> JSON {
        .object([
            ("timezone", "UTC"), ("pings_enabled", true), ("latch_timeout", nil),
            ("member_default_private", false), ("group_default_private", false), ("show_private_info", true),
            ("member_limit", 1000), ("group_limit", 250), ("case_sensitive_proxy_tags", true),
            ("proxy_error_message_enabled", true), ("hid_display_split", false), ("hid_display_caps", false),
            ("hid_list_padding", "off"), ("card_show_color_hex", false), ("proxy_switch", "off"),
            ("name_format", nil), ("description_templates", []),
        ])
    }

    mutating func makeSystem(name: String?, token: String?, created: FakeTime) -> SystemRecord {
        let id = newShortID(taken: Set(systems.map(\.id)))
        let uuid = random.uuid()
        return SystemRecord(
            uuid: uuid, id: id, token: token,
            fields: .object([
                ("id", .string(id)), ("uuid", .string(uuid)), ("name", .optional(name)), ("description", nil),
                ("tag", nil), ("pronouns", nil), ("avatar_url", nil), ("banner", nil), ("color", nil),
                ("created", .string(created.description)),
            ]),
            webhookURL: nil, privacy: Self.systemPrivacy(), settings: Self.defaultSettings())
    }

    mutating func makeMember(system: SystemRecord, name: String, created: FakeTime) -> MemberRecord {
        let id = newShortID(taken: Set(members.map(\.id)))
        let uuid = random.uuid()
        return MemberRecord(
            uuid: uuid, id: id, system: system.uuid,
            fields: .object([
                ("id", .string(id)), ("uuid", .string(uuid)), ("system", .string(system.id)), ("name", .string(name)),
                ("display_name", nil), ("color", nil), ("birthday", nil), ("pronouns", nil), ("avatar_url", nil),
                ("webhook_avatar_url", nil), ("banner", nil), ("description", nil),
                ("created", .string(created.description)), ("keep_proxy", false), ("tts", false),
                ("autoproxy_enabled", true), ("message_count", 0), ("last_message_timestamp", nil),
                ("proxy_tags", []),
            ]),
            privacy: .object(Self.memberPrivacyKeys.map { ($0, "public") }))
    }

    mutating func makeGroup(system: SystemRecord, name: String, created: FakeTime) -> GroupRecord {
        let id = newShortID(taken: Set(groups.map(\.id)))
        let uuid = random.uuid()
        return GroupRecord(
            uuid: uuid, id: id, system: system.uuid,
            fields: .object([
                ("id", .string(id)), ("uuid", .string(uuid)), ("name", .string(name)), ("system", .string(system.id)),
                ("display_name", nil), ("description", nil), ("icon", nil), ("banner", nil), ("color", nil),
                ("created", .string(created.description)),
            ]),
            members: [], privacy: .object(Self.groupPrivacyKeys.map { ($0, "public") }))
    }
}
