public import FrontEvents
public import PluralKit

/// What the engine must remember across events, restarts and reloads; the shell stores it as
/// JSON. Keys name rules by their `name`, so a reload that changes only a rule's text keeps
/// its cooldown clocks and fired deadlines (RULES-ENGINE.md, "Start, reload, stop").
public struct EngineState: Sendable, Hashable, Codable {
    /// `fronting_for` deadlines that fired (`rule|subject|seconds|stint start`) and when they
    /// were due. Kept for a week after they were due, so that a stint that comes back (the
    /// switch that ended it was deleted) does not fire again.
    public var fired: [String: Timestamp] = [:]
    /// The event of the last front change, for the `while` rules evaluated when settle ends.
    public var whileEvent: DecisionRecord.EventRef?
    /// When each (rule, member) — or rule — last performed an action: the cooldown clocks.
    public var cooldowns: [String: Timestamp] = [:]
    /// Per schedule trigger (`rule|at|index`): the last time it came due and was handled.
    public var schedules: [String: Timestamp] = [:]
    /// Per schedule trigger: the next time announced as `armed`.
    public var scheduleArmed: [String: Timestamp] = [:]
    /// `fronting_for` deadlines already announced as `armed`.
    public var armed: Set<String> = []
    /// The last time the engine was woken or handled an event.
    public var lastSeen: Timestamp?
    /// The front before the current burst of front changes (changes less than the longest
    /// settle time apart): settled runs see it as the previous front, so a correction inside
    /// settle is one change from it.
    public var burstOrigin: [MemberRef]?
    /// When the current burst ends (the last front change + the longest settle time).
    public var burstUntil: Timestamp?

    /// The `while` rules that hold now (by name); dry-run holders are kept apart (`dry:` + name)
    /// so that turning dry run off does not "restore" writes that never happened.
    public var holding: Set<String> = []
    /// Per remote value (`TARGET.FIELD`): who holds it, and what it was before the first holder.
    public var ownership: [String: Ownership] = [:]

    /// The ownership stack of one remote value (RULES-ENGINE.md, "Two rules, one field").
    public struct Ownership: Sendable, Hashable, Codable {
        /// The value before the first holder wrote (nil inside: the field was empty).
        public var original: String?
        /// Whether ``original`` is known (the shell had read the value).
        public var originalKnown: Bool
        /// The holders, bottom first; the last one's value is in force.
        public var holders: [Holder]

        /// One holder: a `while` rule and the value it wrote.
        public struct Holder: Sendable, Hashable, Codable {
            /// The rule's name.
            public var rule: String
            /// The value it wrote (nil: it cleared the field).
            public var value: String?
            /// The action that wrote it.
            public var action: String
            /// Where that action was written.
            public var location: String
        }
    }

    /// Runs waiting for the front to settle, in event order.
    public var pending: [PendingRun] = []
    /// When `while` rules are next re-evaluated after a front change (nil: none waiting).
    public var whileSettle: Timestamp?

    /// A run of a `when` rule waiting for settle: re-checked when the front has not changed
    /// for the rule's settle time (RULES-ENGINE.md, "Conditions, settle, cooldown").
    public struct PendingRun: Sendable, Hashable, Codable {
        /// The rule's name.
        public var rule: String
        /// The event that started it.
        public var event: FrontEvent
        /// When the run may go ahead (the last front change + the settle time).
        public var due: Timestamp
        /// Whether its `log` actions already ran at the event (they do not wait unless the rule
        /// sets its own `settle:`).
        public var logged: Bool
        /// The front before the burst the event belongs to (its previous front when the run goes ahead).
        public var origin: [MemberRef]?
    }

    /// Values held back by quiet hours (`defer`), per remote value: the latest desired one wins.
    public var deferred: [String: Deferred] = [:]
    /// exec and webhook runs held back by quiet hours: the latest per rule.
    public var deferredEffects: [String: Deferred] = [:]

    /// A value (or an exec or webhook run) waiting for quiet hours to end.
    public struct Deferred: Sendable, Hashable, Codable {
        /// The rule that wants it.
        public var rule: String
        /// What it would write or run.
        public var outcome: DecisionRecord.ActionOutcome
        /// The event that started the run.
        public var event: DecisionRecord.EventRef?
    }

    /// The circuit breaker (RULES-ENGINE.md, "Our own writes and loops"): per rule, when its
    /// recent runs performed an action other than `log` (the last 5 minutes).
    public var breakerRuns: [String: [Timestamp]] {
        get { storedBreakerRuns ?? [:] }
        set { storedBreakerRuns = newValue.isEmpty ? nil : newValue }
    }
    /// Rules the circuit breaker paused, and until when.
    public var paused: [String: Timestamp] {
        get { storedPaused ?? [:] }
        set { storedPaused = newValue.isEmpty ? nil : newValue }
    }
    // Stored only when set, so that states stored before the breaker existed still decode.
    var storedBreakerRuns: [String: [Timestamp]]?
    var storedPaused: [String: Timestamp]?

    /// An empty state (a first start).
    public init() {}

    static func cooldownKey(rule: String, member: MemberID?) -> String {
        member.map { "\(rule)|\($0.rawValue)" } ?? rule
    }
}
