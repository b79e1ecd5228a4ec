/// Renders store records the way the server shows them to a viewer: the owner sees everything;
/// anyone else sees privacy-filtered fields and no owner-only keys.
extension FakeState {
    static func isPrivate(_ privacy: JSON, _ key: String) -> Bool { privacy[key]?.stringValue == "private" }

    /// Nulls the fields each private privacy key covers.
    static func hide(_ out: inout JSON, privacy: JSON, _ rules: [(privacyKey: String, fields: [String])]) {
        for rule in rules where isPrivate(privacy, rule.privacyKey) {
            for field in rule.fields { out[field] = .null }
        }
    }

    /// A private name shows the display name (or the name) as `name`, and no display name.
    static func hideName(_ out: inout JSON, fields: JSON, privacy: JSON) {
        guard isPrivate(privacy, "name_privacy") else { return }
        let display = fields["display_name"] ?? .null
        out["name"] = display.isNull ? (fields["name"] ?? .null) : display
        out["display_name"] = .null
    }

    func systemJSON(_ s: SystemRecord, owner: Bool) -> JSON {
        var out = Self.rewritingMediaLinks(s.fields)
        if owner {
            out["webhook_url"] = .optional(s.webhookURL)
            out["privacy"] = s.privacy
            return out
        }
        Self.hide(
            &out, privacy: s.privacy,
            [
                ("name_privacy", ["name"]), ("description_privacy", ["description"]), ("pronoun_privacy", ["pronouns"]),
                ("avatar_privacy", ["avatar_url"]), ("banner_privacy", ["banner"]),
            ])
        out["privacy"] = .null
        return out
    }

    /// - Parameter includeSystem: false in message payloads (the member has no `system` key there).
    func memberJSON(_ m: MemberRecord, owner: Bool, includeSystem: Bool = true) -> JSON {
        var out = Self.rewritingMediaLinks(m.fields)
        if !includeSystem { out["system"] = nil }
        if owner {
            out["privacy"] = m.privacy
            return out
        }
        let p = m.privacy
        Self.hideName(&out, fields: m.fields, privacy: p)
        Self.hide(
            &out, privacy: p,
            [
                ("birthday_privacy", ["birthday"]), ("pronoun_privacy", ["pronouns"]),
                ("avatar_privacy", ["avatar_url", "webhook_avatar_url"]), ("banner_privacy", ["banner"]),
                ("description_privacy", ["description"]),
                ("metadata_privacy", ["created", "message_count", "last_message_timestamp"]),
            ])
        if Self.isPrivate(p, "proxy_privacy") { out["proxy_tags"] = [] }
        out["autoproxy_enabled"] = .null
        out["privacy"] = .null
        return out
    }

    func groupJSON(_ g: GroupRecord, owner: Bool, withMembers: Bool) -> JSON {
        var out = Self.rewritingMediaLinks(g.fields)
        let p = g.privacy
        if !owner {
            Self.hideName(&out, fields: g.fields, privacy: p)
            Self.hide(
                &out, privacy: p,
                [
                    ("description_privacy", ["description"]), ("icon_privacy", ["icon"]),
                    ("banner_privacy", ["banner"]),
                    ("metadata_privacy", ["created"]),
                ])
        }
        if withMembers {
            var uuids = g.members
            if !owner {
                uuids =
                    Self.isPrivate(p, "list_privacy")
                    ? [] : uuids.filter { member(uuid: $0).map { !Self.isPrivate($0.privacy, "visibility") } ?? false }
            }
            out["members"] = .array(uuids.map(JSON.string))
        }
        out["privacy"] = owner ? p : .null
        return out
    }

    /// The full switch shape (member objects, insertion order).
    func fullSwitchJSON(_ s: SwitchRecord, owner: Bool) -> JSON {
        .object([
            ("id", .string(s.uuid)), ("timestamp", .string(s.timestamp.description)),
            ("members", .array(s.members.compactMap { member(uuid: $0) }.map { memberJSON($0, owner: owner) })),
        ])
    }

    /// The history shape (member short ids).
    func historySwitchJSON(_ s: SwitchRecord) -> JSON {
        .object([
            ("id", .string(s.uuid)), ("timestamp", .string(s.timestamp.description)),
            ("members", .array(s.members.compactMap { member(uuid: $0) }.map { .string($0.id) })),
        ])
    }

    /// The 9-key public view of settings, in the gateway's order.
    static func publicSettings(_ settings: JSON) -> JSON {
        var out: [(String, JSON)] = []
        for key in [
            "pings_enabled", "latch_timeout", "case_sensitive_proxy_tags", "proxy_error_message_enabled",
            "hid_display_split", "hid_display_caps", "hid_list_padding", "proxy_switch", "name_format",
        ] {
            var value = settings[key] ?? .null
            if key == "name_format", value.isNull { value = "{name} {tag}" }
            out.append((key, value))
        }
        return .object(out)
    }

    /// The owner's settings as the Rust gateway's GET emits them (no `card_show_color_hex`,
    /// default `name_format` substituted).
    static func ownerSettingsGET(_ settings: JSON) -> JSON {
        var out = settings
        out["card_show_color_hex"] = nil
        if out["name_format"]?.isNull ?? true { out["name_format"] = "{name} {tag}" }
        return out
    }
}

extension FakeState {
    /// Old Discord media-proxy links (`media.discordapp.net/attachments/…`) come out as
    /// `cdn.discordapp.com` links, as PluralKit rewrites them on output (stored as sent).
    static func rewritingMediaLinks(_ fields: JSON) -> JSON {
        var out = fields
        let old = "https://media.discordapp.net/attachments/"
        for key in ["avatar_url", "webhook_avatar_url", "banner", "icon"] {
            if let url = out[key]?.stringValue, url.lowercased().hasPrefix(old) {
                out[key] = .string("https://cdn.discordapp.com/attachments/" + url.dropFirst(old.count))
            }
        }
        return out
    }
}
