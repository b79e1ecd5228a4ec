/// Fields of a member to set when creating it or change when updating it
/// (`POST /members`, `PATCH /members/{ref}`). Fields left ``Update/unchanged`` are not sent.
public struct MemberUpdate: Sendable, Hashable, CheckedUpdate {
    /// Required when creating; cannot be cleared.
    public var name: Update<String> = .unchanged
    public var displayName: Update<String> = .unchanged
    public var color: Update<Color> = .unchanged
    public var birthday: Update<Birthday> = .unchanged
    public var pronouns: Update<String> = .unchanged
    public var avatarURL: Update<String> = .unchanged
    public var webhookAvatarURL: Update<String> = .unchanged
    public var banner: Update<String> = .unchanged
    public var description: Update<String> = .unchanged
    /// Replaces the whole list; `.set([])` removes every tag.
    public var proxyTags: Update<[ProxyTag]> = .unchanged
    public var keepProxy: Update<Bool> = .unchanged
    public var tts: Update<Bool> = .unchanged
    public var visibility: Update<Privacy> = .unchanged
    public var namePrivacy: Update<Privacy> = .unchanged
    public var descriptionPrivacy: Update<Privacy> = .unchanged
    public var bannerPrivacy: Update<Privacy> = .unchanged
    public var birthdayPrivacy: Update<Privacy> = .unchanged
    public var pronounPrivacy: Update<Privacy> = .unchanged
    public var avatarPrivacy: Update<Privacy> = .unchanged
    public var metadataPrivacy: Update<Privacy> = .unchanged
    public var proxyPrivacy: Update<Privacy> = .unchanged

    /// An update that changes nothing yet.
    public init() {}

    /// An update with the common fields set.
    public init(
        name: Update<String> = .unchanged, displayName: Update<String> = .unchanged,
        pronouns: Update<String> = .unchanged, color: Update<Color> = .unchanged,
        birthday: Update<Birthday> = .unchanged, proxyTags: Update<[ProxyTag]> = .unchanged
    ) {
        self.name = name
        self.displayName = displayName
        self.pronouns = pronouns
        self.color = color
        self.birthday = birthday
        self.proxyTags = proxyTags
    }

    var privacy: PrivacyPatch {
        PrivacyPatch(entries: [
            ("visibility", visibility), ("name_privacy", namePrivacy),
            ("description_privacy", descriptionPrivacy), ("banner_privacy", bannerPrivacy),
            ("birthday_privacy", birthdayPrivacy), ("pronoun_privacy", pronounPrivacy),
            ("avatar_privacy", avatarPrivacy), ("metadata_privacy", metadataPrivacy),
            ("proxy_privacy", proxyPrivacy),
        ])
    }

    var hasChanges: Bool {
        [name, displayName, pronouns, avatarURL, webhookAvatarURL, banner, description].contains { $0.isChange }
            || color.isChange || birthday.isChange || proxyTags.isChange || keepProxy.isChange || tts.isChange
            || !privacy.isEmpty
    }

    func validate() throws {
        var v = Validation()
        v.required("name", name, what: "Member")
        v.length("name", name, max: 100)
        v.length("display_name", displayName, max: 100)
        v.length("pronouns", pronouns, max: 100)
        v.length("description", description, max: 1000)
        v.url("avatar_url", avatarURL)
        v.url("webhook_avatar_url", webhookAvatarURL)
        v.url("banner", banner)
        v.proxyTags(proxyTags)
        try v.check("Member update")
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(name, forKey: AnyKey("name"))
        try c.encode(displayName, forKey: AnyKey("display_name"))
        try c.encode(color, forKey: AnyKey("color"))
        try c.encode(birthday, forKey: AnyKey("birthday"))
        try c.encode(pronouns, forKey: AnyKey("pronouns"))
        try c.encode(avatarURL, forKey: AnyKey("avatar_url"))
        try c.encode(webhookAvatarURL, forKey: AnyKey("webhook_avatar_url"))
        try c.encode(banner, forKey: AnyKey("banner"))
        try c.encode(description, forKey: AnyKey("description"))
        try c.encode(proxyTags, forKey: AnyKey("proxy_tags"))
        try c.encode(keepProxy, forKey: AnyKey("keep_proxy"))
        try c.encode(tts, forKey: AnyKey("tts"))
        if !privacy.isEmpty { try c.encode(privacy, forKey: AnyKey("privacy")) }
    }
}

/// Changes to a member's settings in one Discord server (`PATCH /members/{ref}/guilds/{guild}`).
public struct MemberGuildSettingsUpdate: Sendable, Hashable, CheckedUpdate {
    /// The server-specific display name.
    public var displayName: Update<String> = .unchanged
    public var avatarURL: Update<String> = .unchanged
    /// `.clear` follows the member-wide setting.
    public var keepProxy: Update<Bool> = .unchanged

    /// An update that changes nothing yet.
    public init() {}

    /// An update of the display name.
    public init(displayName: Update<String>) { self.displayName = displayName }

    var hasChanges: Bool { displayName.isChange || avatarURL.isChange || keepProxy.isChange }

    func validate() throws {
        var v = Validation()
        v.length("display_name", displayName, max: 100)
        v.url("avatar_url", avatarURL)
        try v.check("Member server settings update")
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(displayName, forKey: AnyKey("display_name"))
        try c.encode(avatarURL, forKey: AnyKey("avatar_url"))
        try c.encode(keepProxy, forKey: AnyKey("keep_proxy"))
    }
}

/// Fields of a group to set when creating it or change when updating it
/// (`POST /groups`, `PATCH /groups/{ref}`).
public struct GroupUpdate: Sendable, Hashable, CheckedUpdate {
    /// Required when creating; cannot be cleared.
    public var name: Update<String> = .unchanged
    public var displayName: Update<String> = .unchanged
    public var description: Update<String> = .unchanged
    public var icon: Update<String> = .unchanged
    public var banner: Update<String> = .unchanged
    public var color: Update<Color> = .unchanged
    public var namePrivacy: Update<Privacy> = .unchanged
    public var descriptionPrivacy: Update<Privacy> = .unchanged
    public var bannerPrivacy: Update<Privacy> = .unchanged
    public var iconPrivacy: Update<Privacy> = .unchanged
    public var listPrivacy: Update<Privacy> = .unchanged
    public var metadataPrivacy: Update<Privacy> = .unchanged
    public var visibility: Update<Privacy> = .unchanged

    /// An update that changes nothing yet.
    public init() {}

    /// An update with the common fields set.
    public init(
        name: Update<String> = .unchanged, displayName: Update<String> = .unchanged,
        description: Update<String> = .unchanged, color: Update<Color> = .unchanged
    ) {
        self.name = name
        self.displayName = displayName
        self.description = description
        self.color = color
    }

    var privacy: PrivacyPatch {
        PrivacyPatch(entries: [
            ("name_privacy", namePrivacy), ("description_privacy", descriptionPrivacy),
            ("banner_privacy", bannerPrivacy), ("icon_privacy", iconPrivacy), ("list_privacy", listPrivacy),
            ("metadata_privacy", metadataPrivacy), ("visibility", visibility),
        ])
    }

    var hasChanges: Bool {
        [name, displayName, description, icon, banner].contains { $0.isChange } || color.isChange
            || !privacy.isEmpty
    }

    func validate() throws {
        var v = Validation()
        v.required("name", name, what: "Group")
        v.length("name", name, max: 100)
        v.length("display_name", displayName, max: 100)
        v.length("description", description, max: 1000)
        v.url("icon", icon)
        v.url("banner", banner)
        try v.check("Group update")
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode(name, forKey: AnyKey("name"))
        try c.encode(displayName, forKey: AnyKey("display_name"))
        try c.encode(description, forKey: AnyKey("description"))
        try c.encode(icon, forKey: AnyKey("icon"))
        try c.encode(banner, forKey: AnyKey("banner"))
        try c.encode(color, forKey: AnyKey("color"))
        if !privacy.isEmpty { try c.encode(privacy, forKey: AnyKey("privacy")) }
    }
}
