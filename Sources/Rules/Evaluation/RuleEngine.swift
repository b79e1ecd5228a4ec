public import Foundation
public import FrontEvents
public import PluralKit

/// The rule engine: a pure, clock-driven state machine (`../shared/RULES-ENGINE.md`). An event
/// or a wake-up goes in with the front, the names and the time; decision records come out —
/// what each rule ran with its resolved values, and for each rule that did not act, why — and
/// the time it next wants to be woken. No I/O and no clock of its own: the daemon and
/// `simulate` are its shells, and ``state`` is what they persist.
///
/// Built so far: event triggers, `fronting_for` (front, a member, anyone) from stint starts with
/// fired keys that survive restarts and reloads, every `if:` condition, cooldowns per (rule,
/// member), `enabled: false`, dry run, templates, and the "already set" check against the
/// remote values the shell knows. Schedules, settle, quiet hours, `while` and the catch-up
/// policies are the next part of the engine (issue 14) and are not decided here yet.
public struct RuleEngine: Sendable {
    /// The rules in force.
    public var rules: RuleSet
    /// What the engine remembers (the shell stores it).
    public var state: EngineState

    /// What one step decided.
    public struct Output: Sendable, Hashable {
        /// The records, in the order things happened.
        public var records: [DecisionRecord]
        /// When the engine next wants to be woken (nil: only by events).
        public var nextWake: Timestamp?
    }

    /// Creates an engine over rules, with stored state (or a first start's empty one).
    public init(rules: RuleSet, state: EngineState = EngineState()) {
        self.rules = rules
        self.state = state
    }

    /// Handles one event. `front` is the front after it (with stint starts).
    public mutating func handle(
        _ event: FrontEvent, front: EngineFront, context: EngineContext, now: Timestamp
    ) -> Output {
        let ref = DecisionRecord.EventRef(kind: event.kind.rawValue, seq: event.seq, catchUp: event.catchUp)
        let time = Self.iso(now, context.timeZone)
        var records = [DecisionRecord(time: time, kind: .event, event: ref)]
        for rule in rules.rules where rule.triggers.contains(where: { $0.kind == .event(event.kind) }) {
            let run = RunContext(
                front: front, event: ref, member: event.member, duration: nil, source: event, now: now,
                context: context, rules: rules, rule: rule)
            records.append(contentsOf: self.run(run))
        }
        let (due, next) = deadlines(front: front, context: context, now: now, starting: false)
        records.append(contentsOf: due)
        state.lastSeen = now
        return Output(records: records, nextWake: next)
    }

    /// Wakes the engine at `now`: `fronting_for` deadlines that came due fire.
    /// - Parameter starting: the daemon is starting: deadlines that passed while it was down
    ///   fire once, as catch-up.
    public mutating func wake(
        front: EngineFront, context: EngineContext, now: Timestamp, starting: Bool = false
    ) -> Output {
        let (records, next) = deadlines(front: front, context: context, now: now, starting: starting)
        state.lastSeen = now
        return Output(records: records, nextWake: next)
    }

    // MARK: - Runs

    /// One run of one rule: disabled, condition, cooldown, then the actions.
    mutating func run(_ run: RunContext) -> [DecisionRecord] {
        let rule = run.rule
        let time = Self.iso(run.now, run.context.timeZone)
        func record(
            _ kind: DecisionRecord.Kind, _ reason: DecisionRecord.Reason? = nil,
            actions: [DecisionRecord.ActionOutcome]? = nil, conditions: [DecisionRecord.ConditionOutcome]? = nil,
            note: String? = nil
        ) -> DecisionRecord {
            DecisionRecord(
                time: time, kind: kind, rule: rule.name, event: run.event, reason: reason, actions: actions,
                conditions: conditions, note: note)
        }
        guard rule.enabled else { return [record(.notRun, .disabled)] }
        let variables = run.variables
        var conditions: [DecisionRecord.ConditionOutcome] = []
        if let condition = rule.condition, !run.evaluate(condition, variables, into: &conditions) {
            return [record(.notRun, .conditionFalse, conditions: conditions)]
        }
        let shownConditions = conditions.isEmpty ? nil : conditions
        let cooldown = rule.cooldown ?? rules.settings.cooldown
        let key = EngineState.cooldownKey(rule: rule.name, member: run.member?.id)
        if cooldown > .zero, let last = state.cooldowns[key], last.adding(cooldown) > run.now {
            let until = Self.iso(last.adding(cooldown), run.context.timeZone)
            return [record(.notRun, .cooldown, conditions: shownConditions, note: "cooling down until \(until)")]
        }
        let actions = run.outcomes(rule.actions, variables)
        let equal = actions.filter { outcome in
            guard let key = outcome.key, let remote = run.context.remote[key] else { return false }
            return ExecutorChecks.isAlreadySet(desired: outcome.value, remote: remote)
        }
        if !actions.isEmpty, equal.count == actions.count {
            return [
                record(
                    .notRun, .alreadySet, actions: actions, conditions: shownConditions,
                    note: "already set: " + equal.compactMap(\.key).joined(separator: ", "))
            ]
        }
        if !actions.isEmpty { state.cooldowns[key] = run.now }
        let note = equal.isEmpty ? nil : "already set, not written: " + equal.compactMap(\.key).joined(separator: ", ")
        if rule.dryRun || rules.settings.dryRun {
            return [record(.notRun, .dryRun, actions: actions, conditions: shownConditions, note: note)]
        }
        return [record(.ran, actions: actions, conditions: shownConditions, note: note)]
    }

    // MARK: - fronting_for

    /// A `fronting_for` deadline of the current front.
    struct Deadline {
        var rule: Rule
        var duration: Duration
        var member: MemberRef?
        var due: Timestamp
        var key: String
    }

    /// The deadlines the current front has, one per (rule, trigger, member or front, stint).
    func plannedDeadlines(front: EngineFront, context: EngineContext) -> [Deadline] {
        var out: [Deadline] = []
        for rule in rules.rules {
            for trigger in rule.triggers {
                guard case .frontingFor(let duration, let subject) = trigger.kind else { continue }
                let seconds = duration.components.seconds
                func deadline(_ member: MemberRef?, _ start: Timestamp, _ who: String) -> Deadline {
                    Deadline(
                        rule: rule, duration: duration, member: member, due: start.adding(duration),
                        key: "\(rule.name)|\(who)|\(seconds)|\(start)")
                }
                switch subject {
                case .front:
                    if let change = front.lastChange {
                        out.append(deadline(nil, change, "front"))
                    }
                case .anyMember:
                    for f in front.fronters {
                        out.append(deadline(f.member, f.since, "member:\(f.member.id.rawValue)"))
                    }
                case .member(let name):
                    let id = rules.memberIDs[name.text].flatMap(MemberID.init) ?? context.member(named: name.text)
                    if let id, let f = front.fronters.first(where: { $0.member.id == id }) {
                        out.append(deadline(f.member, f.since, "member:\(id.rawValue)"))
                    }
                }
            }
        }
        return out
    }

    /// Fires the deadlines that are due (once per key), arms the new ones, and forgets the keys
    /// of stints that ended.
    mutating func deadlines(
        front: EngineFront, context: EngineContext, now: Timestamp, starting: Bool
    ) -> (records: [DecisionRecord], next: Timestamp?) {
        let planned = plannedDeadlines(front: front, context: context)
        let current = Set(planned.map(\.key))
        state.fired.formIntersection(current)
        state.armed.formIntersection(current)
        var records: [DecisionRecord] = []
        let time = Self.iso(now, context.timeZone)
        for deadline in planned.sorted(by: { $0.due < $1.due }) where !state.fired.contains(deadline.key) {
            let who = deadline.member.map { " for \(context.reference($0.id).shown)" } ?? " for the front"
            guard deadline.due <= now else {
                if state.armed.insert(deadline.key).inserted {
                    records.append(
                        DecisionRecord(
                            time: time, kind: .armed, rule: deadline.rule.name,
                            due: Self.iso(deadline.due, context.timeZone),
                            note: "fronting_for \(DurationParser.format(deadline.duration))\(who)"))
                }
                continue
            }
            state.fired.insert(deadline.key)
            let ref = DecisionRecord.EventRef(kind: "fronting_for", seq: 0, catchUp: starting && deadline.due < now)
            records.append(
                DecisionRecord(
                    time: time, kind: .fired, rule: deadline.rule.name, event: ref,
                    note: "fronting_for \(DurationParser.format(deadline.duration))\(who), due "
                        + Self.iso(deadline.due, context.timeZone)))
            let run = RunContext(
                front: front, event: ref, member: deadline.member, duration: deadline.duration, source: nil, now: now,
                context: context, rules: rules, rule: deadline.rule)
            records.append(contentsOf: self.run(run))
        }
        let next = planned.filter { !state.fired.contains($0.key) && $0.due > now }.map(\.due).min()
        return (records, next)
    }

    // MARK: - Time

    /// ISO 8601 with the offset of `zone` at that instant (`2026-12-04T22:00:00+01:00`).
    public static func iso(_ t: Timestamp, _ zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssXXXXX"
        return formatter.string(from: t.date)
    }
}
