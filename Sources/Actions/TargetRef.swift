public import FrontEvents
public import PluralKit
public import Rules

/// A write target as decision records name it (`system`, `system_server:Art Club`,
/// `member:Sam`, `member_server:Sam@Work`, `autoproxy:Work`, `switch`), resolved to PluralKit
/// ids: server aliases through the rule file's `aliases`, members through the names the rules
/// resolved or the member list.
public enum TargetRef: Sendable, Hashable {
    /// The system (`PATCH /systems/@me`).
    case system
    /// The system's settings in one server.
    case systemServer(Snowflake)
    /// A member.
    case member(MemberID)
    /// A member's settings in one server.
    case memberServer(MemberID, Snowflake)
    /// Autoproxy in one server.
    case autoproxy(Snowflake)
    /// The front (`POST /systems/@me/switches`).
    case switchLog

    /// Resolves a target; nil when a server or member cannot be named in PluralKit ids.
    public static func resolve(_ target: String, rules: RuleSet, members: [NameEntry]) -> TargetRef? {
        func guild(_ server: String) -> Snowflake? {
            Snowflake(rules.servers[server]?.guildID ?? server)
        }
        func member(_ name: String) -> MemberID? {
            if let id = rules.memberIDs[name].flatMap(MemberID.init) { return id }
            if case .found(let entry) = NameDirectory.resolve(name, in: members) { return MemberID(entry.id) }
            return MemberID(name)
        }
        let (kind, rest) =
            target.firstIndex(of: ":").map { (String(target[..<$0]), String(target[target.index(after: $0)...])) }
            ?? (target, "")
        switch kind {
        case "system": return .system
        case "switch": return .switchLog
        case "system_server": return guild(rest).map { .systemServer($0) }
        case "member": return member(rest).map { .member($0) }
        case "autoproxy": return guild(rest).map { .autoproxy($0) }
        case "member_server":
            guard let at = rest.lastIndex(of: "@"), let m = member(String(rest[..<at])),
                let g = guild(String(rest[rest.index(after: at)...]))
            else { return nil }
            return .memberServer(m, g)
        default: return nil
        }
    }
}
