/// One line of the engine's account of itself — the record `simulate --json` prints, one JSON
/// object per line (`../shared/RULES-ENGINE.md`, "The decision record").
public struct DecisionRecord: Sendable, Hashable, Codable {
    /// What the record says.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// An event came in.
        case event
        /// A rule ran, with the actions it performed.
        case ran
        /// A rule was started but did not act; `reason` says why.
        case notRun = "not_run"
        /// A deadline was armed (`due`).
        case armed
        /// A deadline or schedule came due; its `ran` or `not_run` follows.
        case fired
        /// A run held by quiet hours.
        case deferred
        /// A release that writes a value back.
        case reverted
    }

    /// Why a rule did not act.
    public enum Reason: String, Sendable, Hashable, Codable {
        /// An `if:` condition did not hold.
        case conditionFalse = "condition_false"
        /// The rule (for this member) ran too recently.
        case cooldown
        /// The front changed again within the settle time.
        case settleSuperseded = "settle_superseded"
        /// Quiet hours, and the rule skips them.
        case quietHoursSkip = "quiet_hours_skip"
        /// Every write of the run was already set.
        case alreadySet = "already_set"
        /// A catch-up the rule's `catch_up:` policy leaves out.
        case catchUpSkipped = "catch_up_skipped"
        /// The event was the daemon's own write.
        case ownWrite = "own_write"
        /// The rule has `enabled: false`.
        case disabled
        /// Dry run: what it would have done.
        case dryRun = "dry_run"
        /// A release found a value the rule did not write and left it.
        case changedByHand = "changed_by_hand"
        /// The rule is paused by the circuit breaker.
        case circuitBreaker = "circuit_breaker"
    }

    /// The event a record is about.
    public struct EventRef: Sendable, Hashable, Codable {
        /// The event's kind (`switch`, `fronting_for`, …).
        public var kind: String
        /// Its outbox sequence number (0 for the engine's own wake-ups).
        public var seq: Int64
        /// Whether it was delivered as catch-up after downtime.
        public var catchUp: Bool

        enum CodingKeys: String, CodingKey {
            case kind, seq
            case catchUp = "catch_up"
        }

        /// Creates a reference.
        public init(kind: String, seq: Int64, catchUp: Bool) {
            self.kind = kind
            self.seq = seq
            self.catchUp = catchUp
        }
    }

    /// One field an action writes (or, for `log`, the message).
    public struct ActionOutcome: Sendable, Hashable, Codable {
        /// The action's name (`system`, `member`, `log`, …).
        public var action: String
        /// `system`, `member:Sam`, `autoproxy:Work`, …; nil for `log`, `exec` and `webhook`.
        public var target: String?
        /// The API field (`tag`, `mode`, …); nil for `log`, `exec` and `webhook`.
        public var field: String?
        /// The value written (nil clears the field); for `log`, the message.
        public var value: String?
        /// The value it replaces, when known.
        public var previous: String?
        /// Where the action was written (`file:line:column`).
        public var location: String
        /// For `exec`: the program and its arguments, rendered.
        public var argv: [String]?
        /// For `exec`: the environment the rule gives it (its `environment:` rendered, and the
        /// event's `PK_*` variables but `PK_ACTION_ID`, which the executor adds).
        public var environment: [String: String]?
        /// For `webhook`: the URL, rendered.
        public var url: String?
        /// For `webhook`: the rule's headers, rendered.
        public var headers: [String: String]?
        /// For `webhook`: the JSON body, rendered (without `body:` in the rule, the event's record).
        public var body: String?
        /// For `exec` and `webhook`: the timeout, in seconds.
        public var timeout: Double?

        /// Creates an outcome.
        public init(
            action: String, target: String?, field: String?, value: String?, previous: String?, location: String
        ) {
            self.action = action
            self.target = target
            self.field = field
            self.value = value
            self.previous = previous
            self.location = location
        }

        /// The remote value this outcome writes (`system.tag`, `member:Sam.display_name`), if any.
        public var key: String? {
            guard let target, let field else { return nil }
            return "\(target).\(field)"
        }
    }

    /// A condition's result, with the values it compared.
    public struct ConditionOutcome: Sendable, Hashable, Codable {
        /// The condition as people read it (`fronters include Alex`).
        public var test: String
        /// Whether it held.
        public var result: Bool
        /// What it looked at (`fronters: Sam, Kit`).
        public var compared: String?
        /// Where it was written.
        public var location: String

        /// Creates an outcome.
        public init(test: String, result: Bool, compared: String?, location: String) {
            self.test = test
            self.result = result
            self.compared = compared
            self.location = location
        }
    }

    /// When it happened (ISO 8601 with the rules' time-zone offset).
    public var time: String
    /// What the record says.
    public var kind: Kind
    /// The rule's name, where it applies.
    public var rule: String?
    /// The event, where it applies.
    public var event: EventRef?
    /// For `not_run`.
    public var reason: Reason?
    /// The fields written (`ran`, `deferred`, `reverted`; for `not_run`, those it would have written).
    public var actions: [ActionOutcome]?
    /// Each condition's result (`ran` and `not_run` of rules with `if:`).
    public var conditions: [ConditionOutcome]?
    /// For `armed`: when it comes due.
    public var due: String?
    /// A note for people (`dry run: would set …`, the member a deadline is for).
    public var note: String?

    /// Creates a record.
    public init(
        time: String, kind: Kind, rule: String? = nil, event: EventRef? = nil, reason: Reason? = nil,
        actions: [ActionOutcome]? = nil, conditions: [ConditionOutcome]? = nil, due: String? = nil, note: String? = nil
    ) {
        self.time = time
        self.kind = kind
        self.rule = rule
        self.event = event
        self.reason = reason
        self.actions = actions
        self.conditions = conditions
        self.due = due
        self.note = note
    }
}
