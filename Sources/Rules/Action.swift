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

/// The autoproxy mode to set.
public enum AutoproxyChoice: Sendable, Hashable {
    /// Autoproxy off.
    case off
    /// Proxy as the first fronter.
    case front
    /// Proxy as whoever proxied last.
    case latch
    /// Member mode, with the member to proxy as.
    case member(MemberName)

    /// The API's name of the mode.
    public var apiMode: String {
        switch self {
        case .off: "off"
        case .front: "front"
        case .latch: "latch"
        case .member: "member"
        }
    }
}

/// A field an action sets, by its PluralKit API name.
public struct FieldChange: Sendable {
    /// The API field name (`tag`, `display_name`, `color`, …).
    public var field: String
    /// The new value.
    public var value: FieldValue
    /// Where it was written.
    public var location: SourceLocation
}

/// A new field value.
public enum FieldValue: Sendable {
    /// `null`: clear the field.
    case clear
    /// Text (a template).
    case text(TextTemplate)
    /// A yes/no field (`tag_enabled`, `proxying_enabled`, …).
    case bool(Bool)
}

/// Journal priorities (syslog levels).
public enum LogPriority: String, Sendable, Hashable, CaseIterable {
    /// The syslog levels, most severe first.
    case emerg, alert, crit, err, warning, notice, info, debug

    /// The syslog number (0 = emerg … 7 = debug).
    public var level: Int { Self.allCases.firstIndex(of: self)! }

    /// Words users write, mapped to priorities (`error` → err, `critical` → crit, …).
    static let spellings: [String: LogPriority] = [
        "emerg": .emerg, "emergency": .emerg, "alert": .alert, "crit": .crit, "critical": .crit,
        "err": .err, "error": .err, "warning": .warning, "warn": .warning, "notice": .notice,
        "info": .info, "debug": .debug,
    ]
}

/// A local command (`exec:`): an argument list, never a shell string.
public struct ExecAction: Sendable {
    /// The program and its arguments (each a template).
    public var argv: [TextTemplate]
    /// Extra environment variables (values are templates); the event always arrives as `PK_*` variables.
    public var environment: [(name: String, value: TextTemplate)]
    /// Killed after this long.
    public var timeout: Duration
    /// The timeout when the rule gives none.
    public static let defaultTimeout: Duration = .seconds(30)
}

/// A webhook call (`webhook:`): a POST of a JSON body.
public struct WebhookAction: Sendable {
    /// The URL (a template).
    public var url: TextTemplate
    /// Extra headers.
    public var headers: [(name: String, value: TextTemplate)]
    /// The JSON body; nil means the event itself as JSON.
    public var body: JSONTemplate?
    /// Given up after this long.
    public var timeout: Duration
    /// The timeout when the rule gives none.
    public static let defaultTimeout: Duration = .seconds(10)
}

/// A JSON value whose strings are templates.
public indirect enum JSONTemplate: Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number as written.
    case number(String)
    /// A string, rendered from a template.
    case string(TextTemplate)
    /// An array.
    case array([JSONTemplate])
    /// An object, keys in the order written.
    case object([(key: String, value: JSONTemplate)])

    /// Every template inside.
    public var templates: [TextTemplate] {
        switch self {
        case .null, .bool, .number: []
        case .string(let t): [t]
        case .array(let items): items.flatMap(\.templates)
        case .object(let pairs): pairs.flatMap(\.value.templates)
        }
    }
}
