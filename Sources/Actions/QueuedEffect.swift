public import PluralKit
public import Rules

/// One `exec` or `webhook` invocation the engine decided (`../shared/RULES-ENGINE.md`,
/// "Delivery"): recorded with the decisions (one transaction), marked started just before it
/// runs and done after. One found started at the next start — the process died in between —
/// is repeated once, with the same ``actionID`` (exec's `PK_ACTION_ID`, a webhook's
/// `Idempotency-Key`), so the receiver can drop the repeat; never a third time.
public struct QueuedEffect: Sendable, Hashable, Codable {
    /// What it runs.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// A local program.
        case exec
        /// An HTTP POST.
        case webhook
    }

    /// The store's number for it (0 before it is stored).
    public var id: Int64 = 0
    /// What it runs.
    public var kind: Kind
    /// The rule that decided it.
    public var rule: String
    /// Where the action is written (`rules.yaml:12:9`).
    public var location: String
    /// The outbox sequence number of the event that started the run (0 for a wake-up).
    public var eventSeq: Int64
    /// Stable per event, rule and action (`PK_ACTION_ID`, `Idempotency-Key`).
    public var actionID: String
    /// When it was decided.
    public var decided: Timestamp
    /// The rendered invocation: argv and environment, or URL, headers and body; the timeout.
    public var outcome: DecisionRecord.ActionOutcome
    /// How often it was started (1 while it runs; 2 when it is the repeat after a crash).
    public var starts: Int = 0

    /// Creates an invocation record.
    public init(
        kind: Kind, rule: String, location: String, eventSeq: Int64, actionID: String, decided: Timestamp,
        outcome: DecisionRecord.ActionOutcome
    ) {
        self.kind = kind
        self.rule = rule
        self.location = location
        self.eventSeq = eventSeq
        self.actionID = actionID
        self.decided = decided
        self.outcome = outcome
    }

    /// The invocations a step's `ran` records ask for, in order (dry runs and deferred runs
    /// have none: they are not `ran`).
    public static func effects(from records: [DecisionRecord], decided: Timestamp) -> [QueuedEffect] {
        var out: [QueuedEffect] = []
        for record in records where record.kind == .ran {
            guard let rule = record.rule else { continue }
            let seq = record.event?.seq ?? 0
            for outcome in record.actions ?? [] {
                guard let kind = Kind(rawValue: outcome.action) else { continue }
                out.append(
                    QueuedEffect(
                        kind: kind, rule: rule, location: outcome.location, eventSeq: seq,
                        actionID: ActionID.make(
                            seq: seq, rule: rule, location: outcome.location, key: nil,
                            time: seq == 0 ? record.time : nil),
                        decided: decided, outcome: outcome))
            }
        }
        return out
    }
}

/// Where the executor keeps the `exec` and `webhook` invocations (the state store, beside the
/// write queue; they are added by ``ActionStore/commit(_:)`` with the decisions).
public protocol EffectStore: Sendable {
    /// The invocations not done yet, oldest first (those started by an earlier process too).
    func queuedEffects() throws -> [QueuedEffect]
    /// Records that an invocation starts now (its ``QueuedEffect/starts`` goes up by one).
    func startEffect(_ id: Int64) throws
    /// Records that an invocation is done (ran, failed, or was dropped); `result` says how.
    func finishEffect(_ id: Int64, result: String) throws
}
