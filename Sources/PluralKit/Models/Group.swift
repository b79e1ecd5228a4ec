/// A group of members.
public struct Group: Hashable, Sendable, Codable, Identifiable {
    /// The short id.
    public var id: GroupID
    public var uuid: String
    public var name: String
    /// The owning system's short id.
    public var system: SystemID?
    public var displayName: String?
    public var description: String?
    public var icon: String?
    public var banner: String?
    public var color: Color?
    public var created: Timestamp?
    /// Member UUIDs; only when requested with `withMembers: true`.
    public var members: [MemberID]?
    /// Privacy settings (owner only).
    public var privacy: GroupPrivacy?

    /// The name to show a person: the display name when set, else the name.
    public var shownName: String { displayName ?? name }

    /// Creates a group value (mostly for tests and fakes).
    public init(id: GroupID, uuid: String, name: String, members: [MemberID]? = nil) {
        self.id = id
        self.uuid = uuid
        self.name = name
        self.members = members
    }

    enum CodingKeys: String, CodingKey {
        case id, uuid, name, system, description, icon, banner, color, created, members, privacy
        case displayName = "display_name"
    }
}

/// A group's privacy settings.
public struct GroupPrivacy: Hashable, Sendable, Codable {
    public var namePrivacy: Privacy?
    public var descriptionPrivacy: Privacy?
    public var bannerPrivacy: Privacy?
    public var iconPrivacy: Privacy?
    /// Whether others may list the group's members.
    public var listPrivacy: Privacy?
    public var metadataPrivacy: Privacy?
    /// Whether the group appears in lists seen by others.
    public var visibility: Privacy?

    /// Creates privacy settings; nil fields are unknown.
    public init(listPrivacy: Privacy? = nil, visibility: Privacy? = nil) {
        self.listPrivacy = listPrivacy
        self.visibility = visibility
    }

    enum CodingKeys: String, CodingKey {
        case visibility
        case namePrivacy = "name_privacy"
        case descriptionPrivacy = "description_privacy"
        case bannerPrivacy = "banner_privacy"
        case iconPrivacy = "icon_privacy"
        case listPrivacy = "list_privacy"
        case metadataPrivacy = "metadata_privacy"
    }
}
