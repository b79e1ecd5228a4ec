/// A PluralKit system, as `GET /systems/{ref}` returns it.
///
/// Fields hidden by privacy settings are nil for anyone but the owner; ``privacy`` and
/// ``webhookURL`` are only present for the owner.
public struct System: Hashable, Sendable, Codable, Identifiable {
    /// The short id.
    public var id: SystemID
    /// The UUID.
    public var uuid: String
    public var name: String?
    public var description: String?
    /// The system tag, appended to proxied names (always visible).
    public var tag: String?
    public var pronouns: String?
    public var avatarURL: String?
    public var banner: String?
    public var color: Color?
    /// When the system was created.
    public var created: Timestamp?
    /// The dispatch webhook URL (owner only; set through the bot, read-only here).
    public var webhookURL: String?
    /// Privacy settings (owner only).
    public var privacy: SystemPrivacy?

    /// Creates a system value (mostly for tests and fakes).
    public init(
        id: SystemID, uuid: String, name: String? = nil, description: String? = nil, tag: String? = nil,
        pronouns: String? = nil, avatarURL: String? = nil, banner: String? = nil, color: Color? = nil,
        created: Timestamp? = nil, webhookURL: String? = nil, privacy: SystemPrivacy? = nil
    ) {
        self.id = id
        self.uuid = uuid
        self.name = name
        self.description = description
        self.tag = tag
        self.pronouns = pronouns
        self.avatarURL = avatarURL
        self.banner = banner
        self.color = color
        self.created = created
        self.webhookURL = webhookURL
        self.privacy = privacy
    }

    enum CodingKeys: String, CodingKey {
        case id, uuid, name, description, tag, pronouns, banner, color, created, privacy
        case avatarURL = "avatar_url"
        case webhookURL = "webhook_url"
    }
}

/// A system's privacy settings.
public struct SystemPrivacy: Hashable, Sendable, Codable {
    public var namePrivacy: Privacy?
    public var avatarPrivacy: Privacy?
    public var descriptionPrivacy: Privacy?
    public var bannerPrivacy: Privacy?
    public var pronounPrivacy: Privacy?
    public var memberListPrivacy: Privacy?
    public var groupListPrivacy: Privacy?
    public var frontPrivacy: Privacy?
    public var frontHistoryPrivacy: Privacy?

    /// Creates privacy settings; nil fields are unknown.
    public init(
        namePrivacy: Privacy? = nil, avatarPrivacy: Privacy? = nil, descriptionPrivacy: Privacy? = nil,
        bannerPrivacy: Privacy? = nil, pronounPrivacy: Privacy? = nil, memberListPrivacy: Privacy? = nil,
        groupListPrivacy: Privacy? = nil, frontPrivacy: Privacy? = nil, frontHistoryPrivacy: Privacy? = nil
    ) {
        self.namePrivacy = namePrivacy
        self.avatarPrivacy = avatarPrivacy
        self.descriptionPrivacy = descriptionPrivacy
        self.bannerPrivacy = bannerPrivacy
        self.pronounPrivacy = pronounPrivacy
        self.memberListPrivacy = memberListPrivacy
        self.groupListPrivacy = groupListPrivacy
        self.frontPrivacy = frontPrivacy
        self.frontHistoryPrivacy = frontHistoryPrivacy
    }

    enum CodingKeys: String, CodingKey {
        case namePrivacy = "name_privacy"
        case avatarPrivacy = "avatar_privacy"
        case descriptionPrivacy = "description_privacy"
        case bannerPrivacy = "banner_privacy"
        case pronounPrivacy = "pronoun_privacy"
        case memberListPrivacy = "member_list_privacy"
        case groupListPrivacy = "group_list_privacy"
        case frontPrivacy = "front_privacy"
        case frontHistoryPrivacy = "front_history_privacy"
    }
}

/// A system's settings. The owner sees every field; others see a public subset (`pings_enabled`,
/// `latch_timeout`, proxy and display settings), so every field is optional.
public struct SystemSettings: Hashable, Sendable, Codable {
    /// The system's time zone (default UTC). Owner only.
    public var timezone: Timezone?
    public var pingsEnabled: Bool?
    /// Latch autoproxy timeout in seconds: nil means the default (6 hours), 0 means never.
    public var latchTimeout: Int?
    public var memberDefaultPrivate: Bool?
    public var groupDefaultPrivate: Bool?
    /// Read-only through the API.
    public var showPrivateInfo: Bool?
    /// Read-only.
    public var memberLimit: Int?
    /// Read-only.
    public var groupLimit: Int?
    public var caseSensitiveProxyTags: Bool?
    public var proxyErrorMessageEnabled: Bool?
    public var hidDisplaySplit: Bool?
    public var hidDisplayCaps: Bool?
    /// `off`, `left` or `right`; read-only through the API.
    public var hidListPadding: String?
    /// Only present in PATCH responses.
    public var cardShowColorHex: Bool?
    /// `off`, `new` or `add`.
    public var proxySwitch: String?
    public var nameFormat: String?
    public var descriptionTemplates: [String]?

    /// Creates settings (mostly for tests and fakes).
    public init(timezone: Timezone? = nil, pingsEnabled: Bool? = nil, latchTimeout: Int? = nil) {
        self.timezone = timezone
        self.pingsEnabled = pingsEnabled
        self.latchTimeout = latchTimeout
    }

    enum CodingKeys: String, CodingKey {
        case timezone
        case pingsEnabled = "pings_enabled"
        case latchTimeout = "latch_timeout"
        case memberDefaultPrivate = "member_default_private"
        case groupDefaultPrivate = "group_default_private"
        case showPrivateInfo = "show_private_info"
        case memberLimit = "member_limit"
        case groupLimit = "group_limit"
        case caseSensitiveProxyTags = "case_sensitive_proxy_tags"
        case proxyErrorMessageEnabled = "proxy_error_message_enabled"
        case hidDisplaySplit = "hid_display_split"
        case hidDisplayCaps = "hid_display_caps"
        case hidListPadding = "hid_list_padding"
        case cardShowColorHex = "card_show_color_hex"
        case proxySwitch = "proxy_switch"
        case nameFormat = "name_format"
        case descriptionTemplates = "description_templates"
    }
}

/// A system's settings in one Discord server. Exists only once the bot has created it.
public struct SystemGuildSettings: Hashable, Sendable, Codable {
    public var proxyingEnabled: Bool?
    /// The server-specific system tag.
    public var tag: String?
    public var tagEnabled: Bool?
    public var avatarURL: String?
    /// The server-specific system display name.
    public var displayName: String?
    public var nameFormat: String?
    /// Present only in dispatch payloads.
    public var guildID: Snowflake?

    /// Creates settings (mostly for tests and fakes).
    public init(proxyingEnabled: Bool? = nil, tag: String? = nil, tagEnabled: Bool? = nil, displayName: String? = nil) {
        self.proxyingEnabled = proxyingEnabled
        self.tag = tag
        self.tagEnabled = tagEnabled
        self.displayName = displayName
    }

    enum CodingKeys: String, CodingKey {
        case tag
        case proxyingEnabled = "proxying_enabled"
        case tagEnabled = "tag_enabled"
        case avatarURL = "avatar_url"
        case displayName = "display_name"
        case nameFormat = "name_format"
        case guildID = "guild_id"
    }
}

/// Autoproxy settings of a system in one Discord server.
public struct AutoproxySettings: Hashable, Sendable, Codable {
    public var mode: AutoproxyMode
    /// The fixed member (short id in REST replies; UUID in dispatch payloads); nil in front mode.
    public var member: MemberID?
    /// When the latch last moved (read-only).
    public var lastLatchTimestamp: Timestamp?

    /// Creates settings (mostly for tests and fakes).
    public init(mode: AutoproxyMode, member: MemberID? = nil, lastLatchTimestamp: Timestamp? = nil) {
        self.mode = mode
        self.member = member
        self.lastLatchTimestamp = lastLatchTimestamp
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mode = try container.decodeIfPresent(AutoproxyMode.self, forKey: .mode) ?? .off
        member = try container.decodeIfPresent(MemberID.self, forKey: .member)
        lastLatchTimestamp = try container.decodeIfPresent(Timestamp.self, forKey: .lastLatchTimestamp)
    }

    enum CodingKeys: String, CodingKey {
        case mode = "autoproxy_mode"
        case member = "autoproxy_member"
        case lastLatchTimestamp = "last_latch_timestamp"
    }
}
