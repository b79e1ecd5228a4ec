/// A system member.
///
/// Fields hidden by privacy are nil (``proxyTags`` empty) for anyone but the owner; a
/// member whose name is private shows its display name as ``name`` to others.
public struct Member: Hashable, Sendable, Codable, Identifiable {
    /// The short id.
    public var id: MemberID
    public var uuid: String
    /// The owning system's short id (absent in message payloads).
    public var system: SystemID?
    public var name: String
    public var displayName: String?
    public var color: Color?
    public var birthday: Birthday?
    public var pronouns: String?
    public var avatarURL: String?
    /// The avatar used for proxied messages.
    public var webhookAvatarURL: String?
    public var banner: String?
    public var description: String?
    public var created: Timestamp?
    public var keepProxy: Bool?
    public var tts: Bool?
    /// Whether autoproxy applies to this member (owner only; read-only).
    public var autoproxyEnabled: Bool?
    public var messageCount: Int?
    public var lastMessageTimestamp: Timestamp?
    public var proxyTags: [ProxyTag]
    /// Privacy settings (owner only).
    public var privacy: MemberPrivacy?

    /// The name to show a person: the display name when set, else the name.
    public var shownName: String { displayName ?? name }

    /// Creates a member value (mostly for tests and fakes).
    public init(id: MemberID, uuid: String, system: SystemID? = nil, name: String, displayName: String? = nil) {
        self.id = id
        self.uuid = uuid
        self.system = system
        self.name = name
        self.displayName = displayName
        self.proxyTags = []
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(MemberID.self, forKey: .id)
        uuid = try c.decode(String.self, forKey: .uuid)
        system = try c.decodeIfPresent(SystemID.self, forKey: .system)
        name = try c.decode(String.self, forKey: .name)
        displayName = try c.decodeIfPresent(String.self, forKey: .displayName)
        color = try c.decodeIfPresent(Color.self, forKey: .color)
        birthday = try c.decodeIfPresent(Birthday.self, forKey: .birthday)
        pronouns = try c.decodeIfPresent(String.self, forKey: .pronouns)
        avatarURL = try c.decodeIfPresent(String.self, forKey: .avatarURL)
        webhookAvatarURL = try c.decodeIfPresent(String.self, forKey: .webhookAvatarURL)
        banner = try c.decodeIfPresent(String.self, forKey: .banner)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        created = try c.decodeIfPresent(Timestamp.self, forKey: .created)
        keepProxy = try c.decodeIfPresent(Bool.self, forKey: .keepProxy)
        tts = try c.decodeIfPresent(Bool.self, forKey: .tts)
        autoproxyEnabled = try c.decodeIfPresent(Bool.self, forKey: .autoproxyEnabled)
        messageCount = try c.decodeIfPresent(Int.self, forKey: .messageCount)
        lastMessageTimestamp = try c.decodeIfPresent(Timestamp.self, forKey: .lastMessageTimestamp)
        proxyTags = try c.decodeIfPresent([ProxyTag].self, forKey: .proxyTags) ?? []
        privacy = try c.decodeIfPresent(MemberPrivacy.self, forKey: .privacy)
    }

    enum CodingKeys: String, CodingKey {
        case id, uuid, system, name, color, birthday, pronouns, banner, description, created, tts, privacy
        case displayName = "display_name"
        case avatarURL = "avatar_url"
        case webhookAvatarURL = "webhook_avatar_url"
        case keepProxy = "keep_proxy"
        case autoproxyEnabled = "autoproxy_enabled"
        case messageCount = "message_count"
        case lastMessageTimestamp = "last_message_timestamp"
        case proxyTags = "proxy_tags"
    }
}

/// A member's privacy settings.
public struct MemberPrivacy: Hashable, Sendable, Codable {
    /// Whether the member appears in lists seen by others.
    public var visibility: Privacy?
    public var namePrivacy: Privacy?
    public var descriptionPrivacy: Privacy?
    public var bannerPrivacy: Privacy?
    public var birthdayPrivacy: Privacy?
    public var pronounPrivacy: Privacy?
    public var avatarPrivacy: Privacy?
    /// Covers created, message count and last message time.
    public var metadataPrivacy: Privacy?
    public var proxyPrivacy: Privacy?

    /// Creates privacy settings; nil fields are unknown.
    public init(visibility: Privacy? = nil, namePrivacy: Privacy? = nil) {
        self.visibility = visibility
        self.namePrivacy = namePrivacy
    }

    enum CodingKeys: String, CodingKey {
        case visibility
        case namePrivacy = "name_privacy"
        case descriptionPrivacy = "description_privacy"
        case bannerPrivacy = "banner_privacy"
        case birthdayPrivacy = "birthday_privacy"
        case pronounPrivacy = "pronoun_privacy"
        case avatarPrivacy = "avatar_privacy"
        case metadataPrivacy = "metadata_privacy"
        case proxyPrivacy = "proxy_privacy"
    }
}

/// A member's settings in one Discord server. Exists only once the bot has created it.
public struct MemberGuildSettings: Hashable, Sendable, Codable {
    /// The server-specific display name.
    public var displayName: String?
    public var avatarURL: String?
    /// nil follows the member-wide setting.
    public var keepProxy: Bool?
    /// Present only in dispatch payloads.
    public var guildID: Snowflake?

    /// Creates settings (mostly for tests and fakes).
    public init(displayName: String? = nil, avatarURL: String? = nil, keepProxy: Bool? = nil) {
        self.displayName = displayName
        self.avatarURL = avatarURL
        self.keepProxy = keepProxy
    }

    enum CodingKeys: String, CodingKey {
        case displayName = "display_name"
        case avatarURL = "avatar_url"
        case keepProxy = "keep_proxy"
        case guildID = "guild_id"
    }
}
