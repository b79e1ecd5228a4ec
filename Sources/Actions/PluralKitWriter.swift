public import PluralKit

/// Carries out PluralKit writes for every action of the rule language: one PATCH per target
/// with all its fields (`system`, `system_server`, `member`, `member_server`, `autoproxy` per
/// server), and `log_switch` (a switch-out for no members). Values come as decision records
/// write them: text, `true`/`false` for yes/no fields, nil to clear.
public struct PluralKitWriter: Sendable {
    /// The client the writes go through (its limiter paces them).
    public let client: PluralKitClient

    /// Creates a writer.
    public init(client: PluralKitClient) { self.client = client }

    /// A value the rules wrote that PluralKit cannot take (a colour that is not hex, a date).
    public struct InvalidValue: Error, CustomStringConvertible {
        /// What is wrong.
        public var description: String
    }

    /// Writes `fields` (API name → value) to one target in one request.
    /// - Returns: the switch logged, for ``TargetRef/switchLog``.
    @discardableResult
    public func write(_ target: TargetRef, _ fields: [String: String?]) async throws -> SwitchID? {
        switch target {
        case .system:
            var u = SystemUpdate()
            for (field, value) in fields {
                switch field {
                case "name": u.name = Self.text(value)
                case "description": u.description = Self.text(value)
                case "tag": u.tag = Self.text(value)
                case "pronouns": u.pronouns = Self.text(value)
                case "avatar_url": u.avatarURL = Self.text(value)
                case "banner": u.banner = Self.text(value)
                case "color": u.color = try Self.color(value)
                default: throw Self.unknown(field, "system")
                }
            }
            _ = try await client.updateSystem(u)
        case .systemServer(let guild):
            var u = SystemGuildSettingsUpdate()
            for (field, value) in fields {
                switch field {
                case "tag": u.tag = Self.text(value)
                case "display_name": u.displayName = Self.text(value)
                case "avatar_url": u.avatarURL = Self.text(value)
                case "tag_enabled": u.tagEnabled = try Self.flag(value, field)
                case "proxying_enabled": u.proxyingEnabled = try Self.flag(value, field)
                default: throw Self.unknown(field, "system_server")
                }
            }
            _ = try await client.updateSystemGuildSettings(guild: guild, u)
        case .member(let id):
            var u = MemberUpdate()
            for (field, value) in fields {
                switch field {
                case "name": u.name = Self.text(value)
                case "display_name": u.displayName = Self.text(value)
                case "description": u.description = Self.text(value)
                case "pronouns": u.pronouns = Self.text(value)
                case "avatar_url": u.avatarURL = Self.text(value)
                case "webhook_avatar_url": u.webhookAvatarURL = Self.text(value)
                case "banner": u.banner = Self.text(value)
                case "color": u.color = try Self.color(value)
                case "birthday":
                    guard let value, !value.isEmpty else {
                        u.birthday = .clear
                        continue
                    }
                    guard let b = Birthday(value) else {
                        throw InvalidValue(description: "'\(value)' is not a birthday (YYYY-MM-DD or MM-DD)")
                    }
                    u.birthday = .set(b)
                case "keep_proxy": u.keepProxy = try Self.flag(value, field)
                case "tts": u.tts = try Self.flag(value, field)
                default: throw Self.unknown(field, "member")
                }
            }
            _ = try await client.updateMember(id, u)
        case .memberServer(let id, let guild):
            var u = MemberGuildSettingsUpdate()
            for (field, value) in fields {
                switch field {
                case "display_name": u.displayName = Self.text(value)
                case "avatar_url": u.avatarURL = Self.text(value)
                case "keep_proxy": u.keepProxy = try Self.flag(value, field)
                default: throw Self.unknown(field, "member_server")
                }
            }
            _ = try await client.updateMemberGuildSettings(id, guild: guild, u)
        case .autoproxy(let guild):
            let modeText = fields["mode"] ?? nil
            guard let modeText, let mode = AutoproxyMode(rawValue: modeText) else {
                throw InvalidValue(
                    description: "'\(modeText ?? "")' is not an autoproxy mode (off, front, latch, member)")
            }
            var member: Update<MemberID> = .unchanged
            if mode == .member {
                guard let text = fields["member"] ?? nil, let id = MemberID(text) else {
                    throw InvalidValue(description: "autoproxy mode 'member' needs a member that exists")
                }
                member = .set(id)
            }
            _ = try await client.updateAutoproxySettings(guild: guild, AutoproxyUpdate(mode: mode, member: member))
        case .switchLog:
            let members = Self.members(fields["members"] ?? nil)
            return try await client.createSwitch(members: members).id
        }
        return nil
    }

    /// The member ids of a `log_switch` value (`abcde,fghij`; empty for a switch-out).
    public static func members(_ value: String?) -> [MemberID] {
        (value ?? "").split(separator: ",").compactMap { MemberID(String($0)) }
    }

    static func text(_ value: String?) -> Update<String> {
        guard let value, !value.isEmpty else { return .clear }
        return .set(value)
    }

    static func flag(_ value: String?, _ field: String) throws -> Update<Bool> {
        switch value {
        case nil: return .clear
        case "true": return .set(true)
        case "false": return .set(false)
        case let v?: throw InvalidValue(description: "\(field) takes true or false, not '\(v)'")
        }
    }

    static func color(_ value: String?) throws -> Update<Color> {
        guard let value, !value.isEmpty else { return .clear }
        guard let c = Color(value) else {
            throw InvalidValue(description: "'\(value)' is not a colour (six hex digits, e.g. ff8800)")
        }
        return .set(c)
    }

    static func unknown(_ field: String, _ what: String) -> InvalidValue {
        InvalidValue(description: "`\(what)` has no field '\(field)' that can be written")
    }
}
