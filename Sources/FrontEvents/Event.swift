public import PluralKit

/// A member as events carry it: id and the names known when the event happened.
public struct MemberRef: Sendable, Hashable, Codable {
    public var id: MemberID
    public var name: String?
    public var displayName: String?

    public init(id: MemberID, name: String? = nil, displayName: String? = nil) {
        self.id = id
        self.name = name
        self.displayName = displayName
    }

    /// The name to show a person.
    public var shown: String { displayName ?? name ?? id.rawValue }

    /// A fetched member, as events carry it.
    public init(_ member: Member) {
        self.init(id: member.id, name: member.name, displayName: member.displayName)
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case displayName = "display_name"
    }
}

/// A switch as the tracker remembers it.
public struct TrackedSwitch: Sendable, Hashable, Codable {
    public var id: SwitchID
    public var timestamp: Timestamp
    /// The members' short ids, in order.
    public var members: [MemberID]

    public init(id: SwitchID, timestamp: Timestamp, members: [MemberID]) {
        self.id = id
        self.timestamp = timestamp
        self.members = members
    }

    /// A switch from the history.
    public init(_ s: Switch) {
        self.init(id: s.id, timestamp: s.timestamp, members: s.memberIDs)
    }

    /// The switch behind the current fronters.
    public init(_ f: Fronters) {
        self.init(id: f.switchID, timestamp: f.timestamp, members: f.members.map(\.id))
    }
}

/// One thing that happened to a system's front (see PRODUCT.md, "Events").
public struct FrontEvent: Sendable, Hashable, Codable {
    /// The kinds of event, with their journal names.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case `switch` = "switch"
        case fronterAdded = "fronter_added"
        case fronterRemoved = "fronter_removed"
        case firstFronterChanged = "first_fronter_changed"
        case frontCleared = "front_cleared"
        case switchEdited = "switch_edited"
        case switchDeleted = "switch_deleted"
        case apiUnreachable = "api_unreachable"
        case apiRecovered = "api_recovered"
        case tokenRejected = "token_rejected"
        /// A poll worked again after `token_rejected` (the token was replaced, or the 401s stopped).
        case tokenAccepted = "token_accepted"
        /// The state database lost a tracked system's state; tracking restarted from the current front.
        case stateReset = "state_reset"
        /// The daemon started (rules can re-apply state).
        case daemonStarted = "daemon_started"
        /// The daemon is stopping.
        case daemonStopping = "daemon_stopping"
        /// The configuration and rules were reloaded.
        case rulesReloaded = "rules_reloaded"
        /// A reload was refused; the running configuration and rules stay.
        case reloadFailed = "reload_failed"
        /// A rule's action was given up (a PluralKit write refused or failing past its retries).
        case actionFailed = "action_failed"
    }

    /// Sequence number in the outbox (0 until stored).
    public var seq: Int64 = 0
    public var kind: Kind
    /// The system's short id.
    public var system: String
    public var switchID: SwitchID?
    public var timestamp: Timestamp?
    /// Fronters after the change, in order.
    public var fronters: [MemberRef] = []
    /// Fronters before the change, in order.
    public var previous: [MemberRef] = []
    public var added: [MemberRef] = []
    public var removed: [MemberRef] = []
    /// The member of `fronter_added` / `fronter_removed`.
    public var member: MemberRef?
    /// `first_fronter_changed`: the first fronter before and after (nil: nobody).
    public var oldFirst: MemberRef?
    public var newFirst: MemberRef?
    /// `switch_edited` / `switch_deleted`: the switch before, and after (edits).
    public var before: TrackedSwitch?
    public var after: TrackedSwitch?
    /// Found after downtime (emitted late).
    public var catchUp = false
    /// Health events and `reload_failed`: what went wrong.
    public var error: String?
    /// The daemon's own events: what it runs with.
    public var daemon: DaemonInfo?
    /// `action_failed`: which rule's action, where it is written, and the error.
    public var failure: ActionFailureInfo?
    /// The switch was logged by pkfrontd itself (a rule's `log_switch`): the front and `while`
    /// rules follow it, `when` rules do not run for it (journal `PK_OWN=1`).
    public var own: Bool {
        get { ownSwitch ?? false }
        set { ownSwitch = newValue ? true : nil }
    }
    /// Stored only when set, so that events stored by earlier versions still decode.
    var ownSwitch: Bool?

    public init(kind: Kind, system: String) {
        self.kind = kind
        self.system = system
    }

    /// A `switch_edited` (with `after`) or `switch_deleted` event for a known switch.
    public static func changed(
        _ kind: Kind, system: String, before: TrackedSwitch, after: TrackedSwitch? = nil, catchUp: Bool = false
    ) -> FrontEvent {
        var e = FrontEvent(kind: kind, system: system)
        e.switchID = before.id
        e.before = before
        e.after = after
        e.catchUp = catchUp
        return e
    }
}

/// What an `action_failed` event carries: the rule, the action, where the action is written, the
/// error (its code, for logging each failure once).
public struct ActionFailureInfo: Sendable, Hashable, Codable {
    /// The rule's name.
    public var rule: String
    /// The action (`system`, `member`, `autoproxy`, `log_switch`, …).
    public var action: String
    /// The remote value it writes (`system.tag`), when it writes one.
    public var target: String?
    /// Where the action is written (`rules.yaml:12:9`).
    public var location: String
    /// A short code for the error (`400`, `404`, `5xx`, `timeout`, …).
    public var code: String

    /// Creates the information.
    public init(rule: String, action: String, target: String?, location: String, code: String) {
        self.rule = rule
        self.action = action
        self.target = target
        self.location = location
        self.code = code
    }
}

/// What the daemon's own events (`daemon_started`, `daemon_stopping`, `rules_reloaded`,
/// `reload_failed`) carry.
public struct DaemonInfo: Sendable, Hashable, Codable {
    public var version: String
    public var apiURL: String?
    /// Where the token came from (never the token).
    public var tokenSource: String?
    public var stateDirectory: String?
    public var pollInterval: String?
    /// The rule file or directory, or nil for none.
    public var rules: String?
    public var rulesLoaded: Int
    /// Reloads so far.
    public var reloads: Int

    public init(
        version: String, apiURL: String? = nil, tokenSource: String? = nil, stateDirectory: String? = nil,
        pollInterval: String? = nil, rules: String? = nil, rulesLoaded: Int = 0, reloads: Int = 0
    ) {
        self.version = version
        self.apiURL = apiURL
        self.tokenSource = tokenSource
        self.stateDirectory = stateDirectory
        self.pollInterval = pollInterval
        self.rules = rules
        self.rulesLoaded = rulesLoaded
        self.reloads = reloads
    }

    enum CodingKeys: String, CodingKey {
        case version
        case apiURL = "api_url"
        case tokenSource = "token_source"
        case stateDirectory = "state_dir"
        case pollInterval = "poll_interval"
        case rules
        case rulesLoaded = "rules_loaded"
        case reloads
    }
}

/// The front as the tracker last saw it.
public struct FrontSnapshot: Sendable, Hashable {
    /// The fronters, in order (the first is the first fronter).
    public var fronters: [MemberRef]
    /// The switch that made this front (nil: no switch yet).
    public var switchID: SwitchID?
    /// When the front started (the switch's time).
    public var since: Timestamp?
    /// When a poll last confirmed it (nil: not yet).
    public var asOf: Timestamp?

    public init(fronters: [MemberRef] = [], switchID: SwitchID? = nil, since: Timestamp? = nil, asOf: Timestamp? = nil)
    {
        self.fronters = fronters
        self.switchID = switchID
        self.since = since
        self.asOf = asOf
    }
}
