/// Changes to a system (`PATCH /systems/{ref}`). Fields left ``Update/unchanged`` are not sent.
public struct SystemUpdate: Sendable, Hashable, CheckedUpdate {
    public var name: Update<String> = .unchanged
    public var description: Update<String> = .unchanged
    public var tag: Update<String> = .unchanged
    public var pronouns: Update<String> = .unchanged
    public var avatarURL: Update<String> = .unchanged
    public var banner: Update<String> = .unchanged
    public var color: Update<Color> = .unchanged
    public var namePrivacy: Update<Privacy> = .unchanged
    public var avatarPrivacy: Update<Privacy> = .unchanged
    public var descriptionPrivacy: Update<Privacy> = .unchanged
    public var bannerPrivacy: Update<Privacy> = .unchanged
    public var pronounPrivacy: Update<Privacy> = .unchanged
    public var memberListPrivacy: Update<Privacy> = .unchanged
    public var groupListPrivacy: Update<Privacy> = .unchanged
    public var frontPrivacy: Update<Privacy> = .unchanged
    public var frontHistoryPrivacy: Update<Privacy> = .unchanged

    /// An update that changes nothing yet.
    public init() {}

    /// An update with the common fields set.
    public init(
        name: Update<String> = .unchanged, description: Update<String> = .unchanged,
        tag: Update<String> = .unchanged, pronouns: Update<String> = .unchanged, color: Update<Color> = .unchanged
    ) {
        self.name = name
        self.description = description
        self.tag = tag
        self.pronouns = pronouns
        self.color = color
    }

    var privacy: PrivacyPatch {
        PrivacyPatch(entries: [
            ("name_privacy", namePrivacy), ("avatar_privacy", avatarPrivacy),
            ("description_privacy", descriptionPrivacy), ("banner_privacy", bannerPrivacy),
            ("pronoun_privacy", pronounPrivacy), ("member_list_privacy", memberListPrivacy),
            ("group_list_privacy", groupListPrivacy), ("front_privacy", frontPrivacy),
            ("front_history_privacy", frontHistoryPrivacy),
        ])
    }

    var hasChanges: Bool {
        [name, description, tag, pronouns, avatarURL, banner].contains { $0.isChange } || color.isChange
            || !privacy.isEmpty
    }

    func validate() throws {
        var v = Validation()
        v.length("name", name, max: 100)
        v.length("description", description, max: 1000)
        v.length("tag", tag, max: 79)
        v.length("pronouns", pronouns, max: 100)
        v.url("avatar_url", avatarURL)
        v.url("banner", banner)
        try v.check("System update")
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(name, forKey: AnyKey("name"))
        try c.encode(description, forKey: AnyKey("description"))
        try c.encode(tag, forKey: AnyKey("tag"))
        try c.encode(pronouns, forKey: AnyKey("pronouns"))
        try c.encode(avatarURL, forKey: AnyKey("avatar_url"))
        try c.encode(banner, forKey: AnyKey("banner"))
        try c.encode(color, forKey: AnyKey("color"))
        if !privacy.isEmpty { try c.encode(privacy, forKey: AnyKey("privacy")) }
    }
}

/// Changes to a system's settings (`PATCH /systems/{ref}/settings`).
///
/// `show_private_info`, `hid_list_padding` and the limits cannot be changed through the API.
public struct SystemSettingsUpdate: Sendable, Hashable, CheckedUpdate {
    /// `.clear` resets to UTC.
    public var timezone: Update<Timezone> = .unchanged
    public var pingsEnabled: Update<Bool> = .unchanged
    /// Seconds; `.clear` resets to the default (6 hours), 0 never times out.
    public var latchTimeout: Update<Int> = .unchanged
    public var memberDefaultPrivate: Update<Bool> = .unchanged
    public var groupDefaultPrivate: Update<Bool> = .unchanged
    public var caseSensitiveProxyTags: Update<Bool> = .unchanged
    public var proxyErrorMessageEnabled: Update<Bool> = .unchanged
    public var hidDisplaySplit: Update<Bool> = .unchanged
    public var hidDisplayCaps: Update<Bool> = .unchanged
    public var cardShowColorHex: Update<Bool> = .unchanged
    /// `off`, `new` or `add`.
    public var proxySwitch: Update<String> = .unchanged
    public var nameFormat: Update<String> = .unchanged
    /// At most 3 templates of at most 1000 characters.
    public var descriptionTemplates: Update<[String]> = .unchanged

    /// An update that changes nothing yet.
    public init() {}

    /// An update of the time zone.
    public init(timezone: Update<Timezone>) { self.timezone = timezone }

    var hasChanges: Bool {
        timezone.isChange || latchTimeout.isChange || proxySwitch.isChange || nameFormat.isChange
            || descriptionTemplates.isChange
            || [
                pingsEnabled, memberDefaultPrivate, groupDefaultPrivate, caseSensitiveProxyTags,
                proxyErrorMessageEnabled, hidDisplaySplit, hidDisplayCaps, cardShowColorHex,
            ].contains { $0.isChange }
    }

    func validate() throws {
        var v = Validation()
        if let mode = proxySwitch.value, !["off", "new", "add"].contains(mode) {
            v.add("proxy_switch", "Field proxy_switch is invalid.")
        }
        if let templates = descriptionTemplates.value {
            if templates.count > 3 { v.add("description_templates", "Field description_templates is invalid.") }
            for (i, t) in templates.enumerated() { v.length("description_templates[\(i)]", .set(t), max: 1000) }
        }
        if let timeout = latchTimeout.value, timeout < 0 { v.add("latch_timeout", "Field latch_timeout is invalid.") }
        try v.check("Settings update")
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(timezone, forKey: AnyKey("timezone"))
        try c.encode(pingsEnabled, forKey: AnyKey("pings_enabled"))
        try c.encode(latchTimeout, forKey: AnyKey("latch_timeout"))
        try c.encode(memberDefaultPrivate, forKey: AnyKey("member_default_private"))
        try c.encode(groupDefaultPrivate, forKey: AnyKey("group_default_private"))
        try c.encode(caseSensitiveProxyTags, forKey: AnyKey("case_sensitive_proxy_tags"))
        try c.encode(proxyErrorMessageEnabled, forKey: AnyKey("proxy_error_message_enabled"))
        try c.encode(hidDisplaySplit, forKey: AnyKey("hid_display_split"))
        try c.encode(hidDisplayCaps, forKey: AnyKey("hid_display_caps"))
        try c.encode(cardShowColorHex, forKey: AnyKey("card_show_color_hex"))
        try c.encode(proxySwitch, forKey: AnyKey("proxy_switch"))
        try c.encode(nameFormat, forKey: AnyKey("name_format"))
        try c.encode(descriptionTemplates, forKey: AnyKey("description_templates"))
    }
}

/// Changes to a system's settings in one Discord server (`PATCH /systems/{ref}/guilds/{guild}`).
public struct SystemGuildSettingsUpdate: Sendable, Hashable, CheckedUpdate {
    /// `.clear` is ignored by the server.
    public var proxyingEnabled: Update<Bool> = .unchanged
    /// The server tag.
    public var tag: Update<String> = .unchanged
    /// `.clear` is ignored by the server.
    public var tagEnabled: Update<Bool> = .unchanged
    public var avatarURL: Update<String> = .unchanged
    /// The server-specific system display name.
    public var displayName: Update<String> = .unchanged
    public var nameFormat: Update<String> = .unchanged

    /// An update that changes nothing yet.
    public init() {}

    /// An update of the common fields.
    public init(tag: Update<String> = .unchanged, displayName: Update<String> = .unchanged) {
        self.tag = tag
        self.displayName = displayName
    }

    var hasChanges: Bool {
        proxyingEnabled.isChange || tagEnabled.isChange
            || [tag, avatarURL, displayName, nameFormat].contains { $0.isChange }
    }

    func validate() throws {
        var v = Validation()
        v.length("tag", tag, max: 79)
        v.length("display_name", displayName, max: 100)
        v.url("avatar_url", avatarURL)
        try v.check("Server settings update")
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(proxyingEnabled, forKey: AnyKey("proxying_enabled"))
        try c.encode(tag, forKey: AnyKey("tag"))
        try c.encode(tagEnabled, forKey: AnyKey("tag_enabled"))
        try c.encode(avatarURL, forKey: AnyKey("avatar_url"))
        try c.encode(displayName, forKey: AnyKey("display_name"))
        try c.encode(nameFormat, forKey: AnyKey("name_format"))
    }
}

/// Changes to autoproxy in one Discord server (`PATCH /systems/{ref}/autoproxy?guild_id=`).
public struct AutoproxyUpdate: Sendable, Hashable, CheckedUpdate {
    /// The new mode, or nil to keep it.
    public var mode: AutoproxyMode?
    /// The member for `member` (and optionally `latch`) mode.
    public var member: Update<MemberID> = .unchanged

    /// An update of the mode and, for `member` mode, the member.
    public init(mode: AutoproxyMode?, member: Update<MemberID> = .unchanged) {
        self.mode = mode
        self.member = member
    }

    var hasChanges: Bool { mode != nil || member.isChange }

    func validate() throws {
        var v = Validation()
        if mode == .member, member.value == nil {
            v.add("autoproxy_member", "An autoproxy member must be supplied for autoproxy mode 'member'")
        }
        if let mode, mode == .off || mode == .front, member.value != nil {
            v.add("autoproxy_member", "Cannot update autoproxy member if autoproxy is disabled or set to 'front' mode")
        }
        try v.check("Autoproxy update")
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        if let mode { try c.encode(mode, forKey: AnyKey("autoproxy_mode")) }
        try c.encode(member, forKey: AnyKey("autoproxy_member"))
    }
}
