/// A switch: who started fronting, and when. An empty member list is a switch-out.
public struct Switch: Hashable, Sendable, Codable, Identifiable {
    /// The switch UUID.
    public var id: SwitchID
    public var timestamp: Timestamp
    /// The fronters, in order: member short ids in history listings, full members elsewhere.
    public var members: SwitchMembers

    /// Creates a switch value.
    public init(id: SwitchID, timestamp: Timestamp, members: SwitchMembers) {
        self.id = id
        self.timestamp = timestamp
        self.members = members
    }

    /// The fronters' ids, whichever shape the server sent.
    public var memberIDs: [MemberID] { members.ids }

    /// Whether this is a switch-out (nobody fronting).
    public var isSwitchOut: Bool { members.isEmpty }
}

/// The members of a switch, in the shape the endpoint sent them.
public enum SwitchMembers: Hashable, Sendable, Codable {
    /// Member references (short ids from switch history; UUIDs in dispatch payloads).
    case ids([MemberID])
    /// Full member objects (fronters, get/create/patch switch).
    case members([Member])

    /// The member ids in order.
    public var ids: [MemberID] {
        switch self {
        case .ids(let ids): ids
        case .members(let members): members.map(\.id)
        }
    }

    /// The full members, if the server sent them.
    public var fullMembers: [Member]? {
        if case .members(let members) = self { members } else { nil }
    }

    /// Number of fronters.
    public var count: Int { ids.count }
    /// Whether nobody is fronting.
    public var isEmpty: Bool { count == 0 }

    public init(from decoder: any Decoder) throws {
        if let ids = try? decoder.singleValueContainer().decode([MemberID].self) {
            self = .ids(ids)
        } else {
            self = .members(try decoder.singleValueContainer().decode([Member].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .ids(let ids): try container.encode(ids)
        case .members(let members): try container.encode(members)
        }
    }
}

/// The current front: the latest switch with full member objects.
///
/// ``PluralKitClient/getFronters(system:)`` returns nil instead when the system has never
/// logged a switch (the server's `204 No Content`).
public struct Fronters: Hashable, Sendable, Codable {
    /// The id of the switch that made this front.
    public var switchID: SwitchID
    /// When that switch happened.
    public var timestamp: Timestamp
    /// The fronters in order (the first is the "first fronter" used by front-mode autoproxy);
    /// empty after a switch-out.
    public var members: [Member]

    /// Creates a value.
    public init(switchID: SwitchID, timestamp: Timestamp, members: [Member]) {
        self.switchID = switchID
        self.timestamp = timestamp
        self.members = members
    }

    enum CodingKeys: String, CodingKey {
        case switchID = "id"
        case timestamp, members
    }
}

/// A proxied message, as `GET /messages/{id}` returns it.
public struct Message: Hashable, Sendable, Codable {
    /// When it was sent (derived from the id; whole seconds).
    public var timestamp: Timestamp
    /// The proxied (webhook) message.
    public var id: Snowflake
    /// The trigger message the bot deleted; nil when unknown (the server sends `""`).
    public var original: Snowflake?
    /// The Discord account that sent the trigger message.
    public var sender: Snowflake
    public var channel: Snowflake
    /// nil for very old records.
    public var guild: Snowflake?
    /// The system, or nil if it was deleted.
    public var system: System?
    /// The member, or nil if it was deleted.
    public var member: Member?

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        timestamp = try c.decode(Timestamp.self, forKey: .timestamp)
        id = try c.decode(Snowflake.self, forKey: .id)
        let original = try c.decodeIfPresent(String.self, forKey: .original)
        self.original = original.flatMap(Snowflake.init)
        sender = try c.decode(Snowflake.self, forKey: .sender)
        channel = try c.decode(Snowflake.self, forKey: .channel)
        guild = try c.decodeIfPresent(Snowflake.self, forKey: .guild)
        system = try c.decodeIfPresent(System.self, forKey: .system)
        member = try c.decodeIfPresent(Member.self, forKey: .member)
    }

    enum CodingKeys: String, CodingKey { case timestamp, id, original, sender, channel, guild, system, member }
}
