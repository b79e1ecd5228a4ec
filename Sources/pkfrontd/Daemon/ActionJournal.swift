import Actions
import Foundation
import FrontEvents
import Logging
import PluralKit
import Rules
import Synchronization

/// The journal's account of what the rules did: one entry per action performed, skipped as
/// already set, deferred, or failed — with `PK_RULE=`, `PK_ACTION=`, `PK_EVENT_SEQ=`,
/// `PK_ACTION_ID=` and the rule file's `CODE_FILE=`/`CODE_LINE=`; rules that did not run at
/// debug level; dry runs as "would set … (now …)".
struct ActionJournal: Sendable {
    let logger: Logger
    /// A member's name for messages (`aaaaa` → `Alex`).
    let memberName: @Sendable (String) -> String?

    /// The entries of one step's decision records (PluralKit writes are logged when the write
    /// queue has performed them; `log` actions are written here, at their priority).
    func record(_ records: [DecisionRecord], rules: RuleSet) {
        for record in records {
            guard let rule = record.rule else { continue }
            let seq = record.event?.seq ?? 0
            switch record.kind {
            case .ran:
                for outcome in record.actions ?? [] {
                    let fields = Self.fields(
                        rule: rule, action: outcome.action, seq: seq, outcome: outcome, time: record.time)
                    switch outcome.action {
                    case "log":
                        let priority = Self.priority(of: outcome, in: rules)
                        logger.log(
                            level: priority, "\(outcome.value ?? "")", metadata: Logger.Metadata(journal: fields))
                    default: break
                    }
                }
            case .deferred:
                for outcome in record.actions ?? [] {
                    let fields = Self.fields(
                        rule: rule, action: outcome.action, seq: seq, outcome: outcome, time: record.time)
                    logger.info(
                        "rule '\(rule)': deferred by quiet hours: \(outcome.key == nil ? effect(outcome) : describe(outcome, verb: "set"))",
                        metadata: Logger.Metadata(journal: fields))
                }
            case .notRun where record.reason == .dryRun:
                for outcome in record.actions ?? [] {
                    let fields = Self.fields(
                        rule: rule, action: outcome.action, seq: seq, outcome: outcome, time: record.time)
                    let text =
                        outcome.key == nil
                        ? "would \(effect(outcome))"
                        : describe(outcome, verb: "would set", previousWord: "now")
                    logger.notice("rule '\(rule)' (dry run): \(text)", metadata: Logger.Metadata(journal: fields))
                }
            case .notRun where record.reason == .alreadySet || record.reason == .changedByHand:
                for outcome in record.actions ?? [] where outcome.key != nil {
                    let fields = Self.fields(
                        rule: rule, action: outcome.action, seq: seq, outcome: outcome, time: record.time)
                    let text =
                        record.reason == .alreadySet
                        ? "already set: \(describe(outcome, verb: "set"))"
                        : "changed by hand, not restored: \(name(outcome.target ?? "")) \(field(outcome.field ?? "")) is '\(outcome.value ?? "")'"
                    logger.info("rule '\(rule)': \(text)", metadata: Logger.Metadata(journal: fields))
                }
            case .notRun
            where record.reason == .circuitBreaker && (record.note ?? "").hasPrefix("circuit breaker tripped"):
                logger.error(
                    "rule '\(rule)': \(record.note ?? "circuit breaker tripped")",
                    metadata: Logger.Metadata(journal: [("PK_RULE", rule), ("PK_EVENT_SEQ", "\(seq)")]))
            case .notRun:
                logger.debug(
                    "rule '\(rule)' did not run: \(record.reason?.rawValue ?? "?")\(record.note.map { " (\($0))" } ?? "")",
                    metadata: Logger.Metadata(journal: [("PK_RULE", rule), ("PK_EVENT_SEQ", "\(seq)")]))
            case .event, .armed, .fired, .reverted: break
            }
        }
    }

    /// The entry for one write the queue handled. A failure is not logged here: it returns what
    /// the `action_failed` event carries, whose journal entry says it (nil when this failure was
    /// already reported since the action last worked).
    func write(_ report: WriteQueue.Report) -> (ActionFailureInfo, String)? {
        let w = report.write
        let outcome = DecisionRecord.ActionOutcome(
            action: w.action, target: w.target, field: w.field, value: w.value,
            previous: report.remote.map { $0 } ?? w.previous, location: w.location)
        let fields =
            [
                ("PK_RULE", w.rule), ("PK_ACTION", w.action), ("PK_EVENT_SEQ", "\(w.eventSeq)"),
                ("PK_ACTION_ID", w.actionID),
            ]
            + ruleFilePosition(w.location)
        let metadata = Logger.Metadata(journal: fields)
        switch report.outcome {
        case .performed:
            logger.notice("\(describe(outcome, verb: w.kind == .revert ? "restored" : "set"))", metadata: metadata)
        case .alreadySet:
            logger.info("already set, not written: \(describe(outcome, verb: "set"))", metadata: metadata)
        case .changedByHand(let remote):
            logger.info(
                "changed by hand, not restored: \(name(w.target)) \(field(w.field)) is '\(remote ?? "")' (the rule wrote '\(w.written ?? "")')",
                metadata: metadata)
        case .waiting(let why):
            logger.debug("waiting: \(describe(outcome, verb: "set")): \(why)", metadata: metadata)
        case .failed(let code, let error):
            // The `action_failed` event is the entry (with the rule's file:line); the same failure
            // again, before the action worked once, is only a debug line.
            guard !report.repeated else {
                logger.debug(
                    "\(w.location): rule '\(w.rule)' could not \(describe(outcome, verb: "set")) again: \(error)",
                    metadata: metadata)
                return nil
            }
            return (
                ActionFailureInfo(rule: w.rule, action: w.action, target: w.key, location: w.location, code: code),
                error
            )
        }
        return nil
    }

    /// The entries of one exec or webhook invocation: its start, each line the program wrote,
    /// its end. A failure is not logged here: it returns what the `action_failed` event carries
    /// (nil when this failure was already reported since the action last worked).
    func effect(_ report: EffectRunner.Report) -> (ActionFailureInfo, String)? {
        let e = report.effect
        let metadata = Logger.Metadata(
            journal: [
                ("PK_RULE", e.rule), ("PK_ACTION", e.kind.rawValue), ("PK_EVENT_SEQ", "\(e.eventSeq)"),
                ("PK_ACTION_ID", e.actionID),
            ] + ruleFilePosition(e.location))
        let what =
            e.kind == .exec
            ? "running \(e.outcome.argv?.first ?? "?")"
            : "posting to \(WebhookSender.shown(e.outcome.url ?? ""))"
        switch report.outcome {
        case .started(let repeated):
            if repeated {
                logger.notice(
                    "rule '\(e.rule)': \(what) again: pkfrontd stopped before it ended (same PK_ACTION_ID \(e.actionID))",
                    metadata: metadata)
            } else {
                logger.info("rule '\(e.rule)': \(what)", metadata: metadata)
            }
        case .output(let stream, let line):
            logger.info("rule '\(e.rule)': \(stream.rawValue): \(line)", metadata: metadata)
        case .done(let text):
            logger.notice("rule '\(e.rule)': \(e.kind.rawValue): \(text)", metadata: metadata)
        case .dropped(let why):
            logger.warning("rule '\(e.rule)': \(e.kind.rawValue) not run: \(why)", metadata: metadata)
        case .failed(let code, let error):
            guard !report.repeated else {
                logger.debug(
                    "\(e.location): rule '\(e.rule)': \(e.kind.rawValue) failed again: \(error)", metadata: metadata)
                return nil
            }
            let target = e.kind == .exec ? e.outcome.argv?.first : WebhookSender.shown(e.outcome.url ?? "")
            return (
                ActionFailureInfo(
                    rule: e.rule, action: e.kind.rawValue, target: target, location: e.location, code: code),
                error
            )
        }
        return nil
    }

    /// An action without a PluralKit field in words: "run /usr/bin/notify-send", "post to
    /// https://discord.com/…" (never a webhook URL's path: it often holds a token), "log: …".
    func effect(_ o: DecisionRecord.ActionOutcome) -> String {
        switch o.action {
        case "exec": "run \(o.argv?.first ?? o.value ?? "")"
        case "webhook": "post to \(WebhookSender.shown(o.url ?? o.value ?? ""))"
        default: "\(o.action): \(o.value ?? "")"
        }
    }

    /// "set the system tag to '| Alex' (was '| Sam')", "logged a switch to Alex, Sam (was Kit)".
    func describe(_ o: DecisionRecord.ActionOutcome, verb: String, previousWord: String = "was") -> String {
        if o.target == "switch" {
            let to = members(o.value)
            let verb = verb == "would set" ? "would log" : verb == "set" ? "logged" : verb
            return
                "\(verb) a switch to \(to.isEmpty ? "nobody (switch-out)" : to) (\(previousWord) \(members(o.previous).isEmpty ? "nobody" : members(o.previous)))"
        }
        let target = name(o.target ?? "")
        var value = o.value.map { "'\($0)'" } ?? "nothing (cleared)"
        var previous = o.previous.map { "'\($0)'" } ?? "empty"
        if o.field == "member" {
            value = o.value.map { "'\(memberName($0) ?? $0)'" } ?? value
            previous = o.previous.map { "'\(memberName($0) ?? $0)'" } ?? previous
        }
        return "\(verb) the \(target) \(field(o.field ?? "")) to \(value) (\(previousWord) \(previous))"
    }

    /// A target for people: `system`, `Art Club system settings`, `Alex`, `Alex in Work`, `Art Club autoproxy`.
    func name(_ target: String) -> String {
        let (kind, rest) =
            target.firstIndex(of: ":").map { (String(target[..<$0]), String(target[target.index(after: $0)...])) }
            ?? (target, "")
        switch kind {
        case "system_server": return "system's \(rest)"
        case "member": return "member \(memberName(rest) ?? rest)'s"
        case "member_server":
            let parts = rest.split(separator: "@", maxSplits: 1).map(String.init)
            return "member \(memberName(parts[0]) ?? parts[0])'s \(parts.count > 1 ? parts[1] : "")"
        case "autoproxy": return "\(rest) autoproxy"
        default: return target
        }
    }

    func field(_ f: String) -> String { f.replacingOccurrences(of: "_", with: " ") }

    private func members(_ ids: String?) -> String {
        (ids ?? "").split(separator: ",").map { memberName(String($0)) ?? String($0) }.joined(separator: ", ")
    }

    static func fields(rule: String, action: String, seq: Int64, outcome: DecisionRecord.ActionOutcome, time: String)
        -> [(name: String, value: String)]
    {
        let id = ActionID.make(
            seq: seq, rule: rule, location: outcome.location, key: outcome.key, time: seq == 0 ? time : nil)
        return [("PK_RULE", rule), ("PK_ACTION", action), ("PK_EVENT_SEQ", "\(seq)"), ("PK_ACTION_ID", id)]
            + ruleFilePosition(outcome.location)
    }

    /// A `log` action's priority, from the rule that wrote it.
    static func priority(of outcome: DecisionRecord.ActionOutcome, in rules: RuleSet) -> Logger.Level {
        for rule in rules.rules {
            for action in rule.allActions where action.location.description == outcome.location {
                if case .log(_, let p) = action.kind {
                    switch p {
                    case .emerg, .alert, .crit: return .critical
                    case .err: return .error
                    case .warning: return .warning
                    case .notice: return .notice
                    case .info: return .info
                    case .debug: return .debug
                    }
                }
            }
        }
        return .info
    }
}

/// Member names by id, for messages (the rules consumer keeps it current).
final class NameBook: Sendable {
    private let names = Mutex<[String: String]>([:])

    /// Replaces the names.
    func set(_ book: [String: String]) { names.withLock { $0 = book } }

    /// A member's name (display name, else name), or nil.
    func name(_ id: String) -> String? { names.withLock { $0[id] } }
}
