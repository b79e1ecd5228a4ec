/// One action of a rule.
public struct Action: Sendable {
    /// What the action does.
    public enum Kind: Sendable {
        /// Set autoproxy in servers.
        case autoproxy(ServerTarget, AutoproxyChoice)
        /// Update the system (`PATCH /systems/@me`).
        case system([FieldChange])
        /// Update the system's settings in servers (server tag, display name, …).
        case systemServer(ServerTarget, [FieldChange])
        /// Update a member.
        case member(MemberName, [FieldChange])
        /// Update a member's settings in servers (server display name, avatar).
        case memberServer(MemberName, ServerTarget, [FieldChange])
        /// Log a new switch with these members (none: a switch-out).
        case logSwitch([MemberName])
        /// Write a journal entry.
        case log(TextTemplate, LogPriority)
        /// Run a local command (file opt-in `allow: [exec]`).
        case exec(ExecAction)
        /// Call a webhook (file opt-in `allow: [webhook]`).
        case webhook(WebhookAction)
    }

    /// What.
    public var kind: Kind
    /// Where it was written.
    public var location: SourceLocation

    /// The action's name as written in a rule file (`autoproxy`, `system`, …), used as `PK_ACTION=`.
    public var name: String {
        switch kind {
        case .autoproxy: "autoproxy"
        case .system: "system"
        case .systemServer: "system_server"
        case .member: "member"
        case .memberServer: "member_server"
        case .logSwitch: "log_switch"
        case .log: "log"
        case .exec: "exec"
        case .webhook: "webhook"
        }
    }

    /// Whether the action changes something in PluralKit (settle time, cooldown, quiet hours and
    /// "no write when the value already matches" apply to these).
    public var writesToPluralKit: Bool {
        switch kind {
        case .autoproxy, .system, .systemServer, .member, .memberServer, .logSwitch: true
        case .log, .exec, .webhook: false
        }
    }

    /// Every template in the action.
    public var templates: [TextTemplate] {
        func fields(_ changes: [FieldChange]) -> [TextTemplate] {
            changes.compactMap { if case .text(let t) = $0.value { return t } else { return nil } }
        }
        switch kind {
        case .autoproxy: return []
        case .system(let c), .systemServer(_, let c), .member(_, let c), .memberServer(_, _, let c): return fields(c)
        case .logSwitch: return []
        case .log(let t, _): return [t]
        case .exec(let e): return e.argv + e.environment.map(\.value)
        case .webhook(let w): return [w.url] + w.headers.map(\.value) + (w.body?.templates ?? [])
        }
    }
}

extension Action {
    /// Whether the action only writes a journal entry (it does not wait for settle or quiet hours).
    public var isLog: Bool {
        if case .log = kind { return true }
        return false
    }
}
