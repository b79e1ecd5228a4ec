public import PluralKit
public import Rules

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One PluralKit write the engine decided, waiting in the persisted write queue
/// (`../shared/RULES-ENGINE.md`, "Writes"). Writes to one remote value (`TARGET.FIELD`) are
/// coalesced: a later decision replaces the queued one, so the latest desired value wins.
public struct QueuedWrite: Sendable, Hashable, Codable {
    /// What the write does.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Set the field (skipped when PluralKit already holds the value).
        case set
        /// A `while` rule's release: restore ``QueuedWrite/value`` only if PluralKit still holds
        /// ``QueuedWrite/written`` (compare-and-set on a fresh read).
        case revert
        /// `log_switch`: log a switch to the members in ``QueuedWrite/value`` (ids, comma
        /// separated; empty for a switch-out), skipped when the front already is exactly that.
        case logSwitch = "log_switch"
    }

    /// What the write does.
    public var kind: Kind
    /// `system`, `system_server:Art Club`, `member:Sam`, `member_server:Sam@Work`,
    /// `autoproxy:Work`, or `switch` for `log_switch`.
    public var target: String
    /// The API field (`tag`, `display_name`, `mode`, …; `members` for a switch).
    public var field: String
    /// The value to write (nil clears the field).
    public var value: String?
    /// For ``Kind/revert``: the value the rule wrote, which PluralKit must still hold.
    public var written: String?
    /// The value the engine saw when it decided (for messages: "(was '| Sam')").
    public var previous: String?
    /// The rule that decided it.
    public var rule: String
    /// The action's name (`system`, `member_server`, `autoproxy`, `log_switch`, …).
    public var action: String
    /// Where the action is written (`rules.yaml:12:9`).
    public var location: String
    /// The outbox sequence number of the event that started the run (0 for a wake-up).
    public var eventSeq: Int64
    /// Stable per event, rule and action (`PK_ACTION_ID`).
    public var actionID: String
    /// When it was decided.
    public var decided: Timestamp
    /// Tries so far (a 429 does not count).
    public var attempts: Int = 0
    /// Not before this time (a 429's `retry_after`, a backoff).
    public var notBefore: Timestamp?
    /// The store's number for this version of the row: a write done is removed only if no newer
    /// decision replaced it meanwhile.
    public var ticket: Int64 = 0

    /// The remote value it writes (`system.tag`); the coalescing key.
    public var key: String { target + "." + field }

    /// Creates a write.
    public init(
        kind: Kind, target: String, field: String, value: String?, written: String? = nil, previous: String? = nil,
        rule: String, action: String, location: String, eventSeq: Int64, actionID: String, decided: Timestamp
    ) {
        self.kind = kind
        self.target = target
        self.field = field
        self.value = value
        self.written = written
        self.previous = previous
        self.rule = rule
        self.action = action
        self.location = location
        self.eventSeq = eventSeq
        self.actionID = actionID
        self.decided = decided
    }

    /// The writes a step's decision records ask for, in order: every PluralKit field of a `ran`
    /// record (a `while` rule's fields included), every restore of a `reverted` one, every
    /// `log_switch`. Dry runs, `log`, `exec` and `webhook` write nothing to PluralKit.
    public static func writes(from records: [DecisionRecord], decided: Timestamp) -> [QueuedWrite] {
        var out: [QueuedWrite] = []
        for record in records where record.kind == .ran || record.kind == .reverted {
            guard let rule = record.rule else { continue }
            let seq = record.event?.seq ?? 0
            for outcome in record.actions ?? [] {
                guard let target = outcome.target, let field = outcome.field else { continue }
                let kind: Kind =
                    outcome.action == "log_switch" ? .logSwitch : record.kind == .reverted ? .revert : .set
                out.append(
                    QueuedWrite(
                        kind: kind, target: target, field: field, value: outcome.value,
                        written: kind == .revert ? outcome.previous : nil, previous: outcome.previous, rule: rule,
                        action: outcome.action, location: outcome.location, eventSeq: seq,
                        actionID: ActionID.make(
                            seq: seq, rule: rule, location: outcome.location, key: "\(target).\(field)",
                            time: seq == 0 ? record.time : nil),
                        decided: decided))
            }
        }
        return out
    }
}

/// `PK_ACTION_ID`: stable per event, rule and action, so a repeat after a crash carries the
/// same id (exec's environment, a webhook's `Idempotency-Key`, the journal).
public enum ActionID {
    /// The id of one action of one run: `SEQ-HASH`, the hash over the rule, the action's place,
    /// the field it writes and — for the engine's own wake-ups, which have no sequence number —
    /// the time of the run.
    public static func make(seq: Int64, rule: String, location: String, key: String?, time: String?) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in [rule, location, key ?? "", time ?? ""].joined(separator: "\u{1f}").utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "\(seq)-" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// A write pkfrontd made, remembered for the loop guard and for skip-if-equal: the switch id
/// `POST /switches` returned, or a PATCHed field and its value.
public struct OwnWrite: Sendable, Hashable, Codable {
    /// `switch`, or the remote value's target.
    public var target: String
    /// The field (`members` for a switch).
    public var field: String
    /// The value written.
    public var value: String?
    /// The switch's id, for a switch.
    public var switchID: SwitchID?
    /// When it was written.
    public var at: Timestamp

    /// Creates a record.
    public init(target: String, field: String, value: String?, switchID: SwitchID? = nil, at: Timestamp) {
        self.target = target
        self.field = field
        self.value = value
        self.switchID = switchID
        self.at = at
    }
}

/// What the rules consumer stores after one step, in one transaction: the engine's new state,
/// the decision records, the writes they queue, and the consumer's acknowledgment.
public struct DecisionBatch: Sendable {
    /// The outbox consumer.
    public var consumer: String
    /// The last event handled (nil: a wake-up, nothing to acknowledge).
    public var through: Int64?
    /// The engine's state after the step.
    public var state: EngineState
    /// The step's decision records.
    public var records: [DecisionRecord]
    /// The writes to queue (coalesced with those already queued).
    public var writes: [QueuedWrite]
    /// The `exec` and `webhook` invocations to record (each once: a decision made again keeps
    /// the one already recorded).
    public var effects: [QueuedEffect]

    /// Creates a batch.
    public init(
        consumer: String, through: Int64?, state: EngineState, records: [DecisionRecord], writes: [QueuedWrite],
        effects: [QueuedEffect] = []
    ) {
        self.consumer = consumer
        self.through = through
        self.state = state
        self.records = records
        self.writes = writes
        self.effects = effects
    }
}

/// Where the executor keeps what must survive a crash: the engine's state, the decision
/// records, the write queue and the own-write records. The state store implements it in the
/// daemon's SQLite file, so a batch and the event's acknowledgment are one transaction.
public protocol ActionStore: Sendable {
    /// The engine's stored state (nil on a first start).
    func engineState() throws -> EngineState?
    /// Stores a step's outcome in one transaction (see ``DecisionBatch``).
    func commit(_ batch: DecisionBatch) throws
    /// The queued writes, oldest decision first.
    func queuedWrites() throws -> [QueuedWrite]
    /// Removes writes that are done (only the versions given: a newer decision for the same
    /// value stays queued) and records what was written, in one transaction.
    func finish(_ writes: [QueuedWrite], own: [OwnWrite]) throws
    /// Stores a write's new attempt count and not-before time (if it is still that version).
    func reschedule(_ write: QueuedWrite) throws
    /// Records, before `POST /switches`, that pkfrontd is about to log a switch to `members`;
    /// the tracker then takes a switch to exactly these members, seen soon after, as its own
    /// even if the process dies before the id is recorded. Returns the record's number.
    func noteSwitchIntent(members: [MemberID], at: Timestamp) throws -> Int64
    /// Records the id PluralKit gave the switch of an intent.
    func recordOwnSwitch(intent: Int64, id: SwitchID) throws
    /// The most recent decision records (of one rule, or all), newest last.
    func recentDecisions(rule: String?, limit: Int) throws -> [DecisionRecord]
}
