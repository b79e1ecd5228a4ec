public import Foundation
public import FrontEvents
public import PluralKit

/// The rule engine: a pure, clock-driven state machine (`../shared/RULES-ENGINE.md`). An event
/// or a wake-up goes in with the front, the names and the time; decision records come out —
/// what each rule ran with its resolved values, and for each rule that did not act, why — and
/// the time it next wants to be woken. No I/O and no clock of its own: the daemon and
/// `simulate` are its shells, and ``state`` is what they persist.
///
/// It decides every trigger (events, `fronting_for` from stint starts, schedules across DST),
/// every `if:` condition, settle, cooldowns, quiet hours, `while` with ownership stacks and
/// revert, the catch-up policies, dry run and own writes; the "already set" check uses the
/// remote values the shell passes in ``EngineContext``.
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
        handle(batch: [(event, front)], context: context, now: now)
    }

    /// Handles events delivered together — the catch-up after downtime, in order, each with the
    /// front after it. Each rule's `catch_up:` policy decides which catch-up events it runs for:
    /// `all`, `latest` (its last one only; exec and webhook only within the catch-up window) or
    /// `skip`. Events that are not catch-up run as usual.
    /// - Parameter starting: the batch is the catch-up of a start: overdue deadlines fire as catch-up.
    /// - Parameter own: the events come from the daemon's own write (a switch it logged): the
    ///   front, timers and `while` rules follow them, `when` rules do not run (`own_write`).
    public mutating func handle(
        batch events: [(event: FrontEvent, front: EngineFront)], context: EngineContext, now: Timestamp,
        own: Bool = false, starting: Bool = false
    ) -> Output {
        let time = Self.iso(now, context.timeZone)
        var records: [DecisionRecord] = []
        for (index, (event, front)) in events.enumerated() {
            let ref = DecisionRecord.EventRef(kind: event.kind.rawValue, seq: event.seq, catchUp: event.catchUp)
            records.append(DecisionRecord(time: time, kind: .event, event: ref))
            let firstOfEvent = records.count
            if event.kind.info.isFrontChange, !event.catchUp {
                if state.burstUntil.map({ $0 <= now }) ?? true { state.burstOrigin = front.previous }
                state.burstUntil = now.adding(longestSettle)
            }
            for rule in rules.rules where rule.triggers.contains(where: { $0.kind == .event(event.kind) }) {
                var policy = CatchUpHandling.run
                if own {
                    policy = .own
                } else if event.catchUp {
                    switch rule.effectiveCatchUp {
                    case .all: break
                    case .skip: policy = .skip("catch_up: skip")
                    case .latest:
                        let later = events[(index + 1)...].contains { e in
                            e.event.catchUp && rule.triggers.contains { $0.kind == .event(e.event.kind) }
                        }
                        if later {
                            policy = .skip("catch_up: latest, and a later catch-up event follows")
                        } else if let at = event.timestamp, at.adding(rules.settings.catchUpWindow) < now {
                            policy = .withoutEffects
                        }
                    }
                }
                let run = RunContext(
                    front: front, event: ref, member: event.member, duration: nil, source: event, now: now,
                    context: context, rules: rules, rule: rule)
                let settle = rule.settle ?? rules.settings.settle
                if !own, event.kind.info.isFrontChange, !event.catchUp, settle > .zero, rule.enabled,
                    rule.actions.contains(where: { $0.writesToPluralKit || !$0.isLog || rule.settle != nil })
                {
                    // Seen from the front before the burst: a correction inside settle is one
                    // change from there. `if:` must hold now and again when settle ends.
                    let origin = state.burstOrigin ?? front.previous
                    let seen = Self.run(run, from: origin)
                    var conditions: [DecisionRecord.ConditionOutcome] = []
                    if let condition = rule.condition, !seen.evaluate(condition, seen.variables, into: &conditions) {
                        records.append(
                            DecisionRecord(
                                time: time, kind: .notRun, rule: rule.name, event: ref, reason: .conditionFalse,
                                conditions: conditions))
                        continue
                    }
                    // The log actions run now (unless the rule sets its own settle); the rest waits.
                    let logNow = rule.settle == nil && rule.actions.contains { $0.isLog }
                    if logNow { records.append(contentsOf: self.run(run, only: { $0.isLog })) }
                    state.pending.append(
                        .init(rule: rule.name, event: event, due: now.adding(settle), logged: logNow, origin: origin))
                    continue
                }
                records.append(contentsOf: self.run(run, catchUp: policy))
            }
            Self.noteOverrides(&records[firstOfEvent...])
            if event.kind.info.isFrontChange, !event.catchUp {
                // A front change restarts every settle clock (a trailing debounce on the front).
                state.pending = state.pending.map { pending in
                    var p = pending
                    let settle = rules.rules.first { $0.name == p.rule }.flatMap(\.settle) ?? rules.settings.settle
                    p.due = now.adding(settle)
                    return p
                }
                let hasWhile = rules.rules.contains { if case .while = $0.activation { true } else { false } }
                if hasWhile, rules.settings.settle > .zero {
                    state.whileSettle = now.adding(rules.settings.settle)
                    state.whileEvent = ref
                }
            }
        }
        let front = events.last?.front ?? EngineFront()
        if let last = events.last?.event, state.whileSettle == nil || state.whileSettle! <= now {
            let ref = DecisionRecord.EventRef(kind: last.kind.rawValue, seq: last.seq, catchUp: last.catchUp)
            state.whileSettle = nil
            records.append(contentsOf: whileRules(front: front, context: context, now: now, event: ref))
        }
        let (due, next) = deadlines(front: front, context: context, now: now, starting: starting)
        records.append(contentsOf: due)
        records = applyQuietHours(records, context: context, now: now)
        state.lastSeen = now
        return Output(
            records: records,
            nextWake: wakeAfter(next, front: front, context: context, now: now))
    }

    /// Two `when` rules on one event writing the same (target, field): file order, the last one
    /// wins (one write goes out); the earlier run's trace says which rule overrode it.
    static func noteOverrides(_ records: inout ArraySlice<DecisionRecord>) {
        var lastWriter: [String: String] = [:]
        for record in records.reversed() where record.kind == .ran {
            guard let rule = record.rule else { continue }
            for key in (record.actions ?? []).compactMap(\.key) where lastWriter[key] == nil { lastWriter[key] = rule }
        }
        for i in records.indices where records[i].kind == .ran {
            let overridden = (records[i].actions ?? []).compactMap(\.key).filter {
                lastWriter[$0] != nil && lastWriter[$0] != records[i].rule
            }
            guard !overridden.isEmpty else { continue }
            let by = Set(overridden.compactMap { lastWriter[$0] }).sorted().joined(separator: ", ")
            let note = "overridden by \(by) (later in the file): " + overridden.joined(separator: ", ")
            records[i].note = records[i].note.map { $0 + "; " + note } ?? note
        }
    }

    /// The longest settle time of the settings and the rules: how long a burst of front changes lasts.
    var longestSettle: Duration {
        ([rules.settings.settle] + rules.rules.compactMap(\.settle)).max() ?? .zero
    }

    /// `run` with `origin` as its previous front (the front before a burst of changes).
    static func run(_ run: RunContext, from origin: [MemberRef]) -> RunContext {
        var seen = run
        seen.front.previous = origin
        seen.source?.previous = origin
        return seen
    }

    /// How a run treats being a catch-up.
    enum CatchUpHandling {
        /// Run normally.
        case run
        /// Do not run (`catch_up_skipped`, with why).
        case skip(String)
        /// Run, but without exec and webhook actions (older than the catch-up window).
        case withoutEffects
        /// Do not run: the event is the daemon's own write (`own_write`).
        case own
    }

    /// Wakes the engine at `now`: `fronting_for` deadlines that came due fire.
    /// - Parameter starting: the daemon is starting: deadlines that passed while it was down
    ///   fire once, as catch-up.
    public mutating func wake(
        front: EngineFront, context: EngineContext, now: Timestamp, starting: Bool = false
    ) -> Output {
        var records = releaseDeferred(context: context, now: now)
        records.append(contentsOf: settled(front: front, context: context, now: now))
        let (due, next) = deadlines(front: front, context: context, now: now, starting: starting)
        records.append(contentsOf: due)
        if state.whileSettle.map({ $0 <= now }) ?? true {
            let ref =
                state.whileSettle != nil && state.whileEvent != nil
                ? state.whileEvent! : DecisionRecord.EventRef(kind: starting ? "start" : "wake", seq: 0, catchUp: false)
            state.whileSettle = nil
            state.whileEvent = nil
            records.append(contentsOf: whileRules(front: front, context: context, now: now, event: ref))
        }
        records = applyQuietHours(records, context: context, now: now)
        state.lastSeen = now
        return Output(
            records: records,
            nextWake: wakeAfter(next, front: front, context: context, now: now))
    }

    // MARK: - Runs

    /// The earliest of the next deadline or schedule, a `while` boundary, a settle clock.
    func wakeAfter(_ next: Timestamp?, front: EngineFront, context: EngineContext, now: Timestamp) -> Timestamp? {
        ([
            next, boundary(front: front, context: context, now: now), state.whileSettle,
            quietEnd(context: context, now: now),
        ]
            + state.pending.map(\.due))
            .compactMap { $0 }.min()
    }

    /// Runs the pending runs whose settle time elapsed — each only if its event still describes
    /// the front and its `if:` still holds, else `settle_superseded`.
    mutating func settled(front: EngineFront, context: EngineContext, now: Timestamp) -> [DecisionRecord] {
        let ready = state.pending.filter { $0.due <= now }
        state.pending.removeAll { $0.due <= now }
        var records: [DecisionRecord] = []
        for pending in ready {
            guard let rule = rules.rules.first(where: { $0.name == pending.rule }) else { continue }
            let e = pending.event
            let ref = DecisionRecord.EventRef(kind: e.kind.rawValue, seq: e.seq, catchUp: e.catchUp)
            let ids = front.members.map(\.id)
            let still: Bool =
                switch e.kind {
                case .switch: ids == e.fronters.map(\.id)
                case .fronterAdded: e.member.map { ids.contains($0.id) } ?? false
                case .fronterRemoved: e.member.map { !ids.contains($0.id) } ?? false
                case .firstFronterChanged: ids.first == e.newFirst?.id
                case .frontCleared: ids.isEmpty
                default: true
                }
            // A→B→A: the burst ended where it began; nothing changed.
            let back = e.kind.info.isFrontChange && pending.origin.map { $0.map(\.id) == ids } == true
            guard still, !back else {
                records.append(
                    DecisionRecord(
                        time: Self.iso(now, context.timeZone), kind: .notRun, rule: rule.name, event: ref,
                        reason: .settleSuperseded,
                        note: still
                            ? "the front is back to what it was before the settle time"
                            : "the front changed again within the settle time"))
                continue
            }
            var run = RunContext(
                front: front, event: ref, member: e.member, duration: nil, source: e, now: now, context: context,
                rules: rules, rule: rule)
            if let origin = pending.origin { run = Self.run(run, from: origin) }
            records.append(
                contentsOf: self.run(
                    run, only: pending.logged ? { !$0.isLog } : { _ in true }, checkCooldown: !pending.logged,
                    settleRecheck: true))
        }
        return records
    }

    /// One run of one rule: disabled, catch-up policy, condition, cooldown, then the actions.
    /// - Parameters:
    ///   - only: which of the rule's actions this run performs (the log part of a settled run
    ///     runs at once, the rest after settle).
    ///   - checkCooldown: false for the second part of a run whose first part already counted.
    ///   - settleRecheck: a condition that no longer holds after settle is `settle_superseded`.
    mutating func run(
        _ run: RunContext, catchUp: CatchUpHandling = .run, only: (Action) -> Bool = { _ in true },
        checkCooldown: Bool = true, settleRecheck: Bool = false
    ) -> [DecisionRecord] {
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
        if let until = state.paused[rule.name] {
            if until > run.now {
                let when = Self.iso(until, run.context.timeZone)
                return [record(.notRun, .circuitBreaker, note: "paused by the circuit breaker until \(when)")]
            }
            state.paused[rule.name] = nil
        }
        switch catchUp {
        case .skip(let why): return [record(.notRun, .catchUpSkipped, note: why)]
        case .own: return [record(.notRun, .ownWrite, note: "the daemon's own switch")]
        case .run, .withoutEffects: break
        }
        let variables = run.variables
        var conditions: [DecisionRecord.ConditionOutcome] = []
        if let condition = rule.condition, !run.evaluate(condition, variables, into: &conditions) {
            return [record(.notRun, settleRecheck ? .settleSuperseded : .conditionFalse, conditions: conditions)]
        }
        let shownConditions = conditions.isEmpty ? nil : conditions
        let cooldown = rule.cooldown ?? rules.settings.cooldown
        let key = EngineState.cooldownKey(rule: rule.name, member: run.member?.id)
        if checkCooldown, cooldown > .zero, let last = state.cooldowns[key], last.adding(cooldown) > run.now {
            let until = Self.iso(last.adding(cooldown), run.context.timeZone)
            return [record(.notRun, .cooldown, conditions: shownConditions, note: "cooling down until \(until)")]
        }
        var actions = run.outcomes(rule.actions.filter(only), variables)
        var notes: [String] = []
        if case .withoutEffects = catchUp {
            let effects = actions.filter { $0.action == "exec" || $0.action == "webhook" }
            if !effects.isEmpty {
                actions.removeAll { $0.action == "exec" || $0.action == "webhook" }
                notes.append("exec and webhook left out: the event is older than the catch-up window")
                if actions.isEmpty { return [record(.notRun, .catchUpSkipped, note: notes[0])] }
            }
        }
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
        if !equal.isEmpty {
            notes.append("already set, not written: " + equal.compactMap(\.key).joined(separator: ", "))
        }
        let note = notes.isEmpty ? nil : notes.joined(separator: "; ")
        if rule.dryRun || rules.settings.dryRun {
            return [record(.notRun, .dryRun, actions: actions, conditions: shownConditions, note: note)]
        }
        var out = [record(.ran, actions: actions, conditions: shownConditions, note: note)]
        if actions.contains(where: { $0.action != "log" }),
            let trip = countForBreaker(rule.name, now: run.now, zone: run.context.timeZone, event: run.event)
        {
            out.append(trip)
        }
        return out
    }

    /// How many runs with an action other than `log` a rule may make in ``breakerWindow``.
    public static let breakerLimit = 10
    /// The circuit breaker's window.
    public static let breakerWindow: Duration = .seconds(5 * 60)
    /// How long a tripped rule is paused.
    public static let breakerPause: Duration = .seconds(15 * 60)

    /// Counts a run that acted (several at one instant count once); past ``breakerLimit`` in
    /// ``breakerWindow`` the rule is paused for ``breakerPause`` and the record saying so is returned.
    mutating func countForBreaker(
        _ name: String, now: Timestamp, zone: TimeZone, event: DecisionRecord.EventRef?
    ) -> DecisionRecord? {
        var runs = (state.breakerRuns[name] ?? []).filter { $0.adding(Self.breakerWindow) > now }
        // Runs decided at one instant (the switches one poll found, a catch-up) count once: a
        // loop feeds itself through later steps, a burst of outside switches arrives together.
        guard runs.last != now else { return nil }
        runs.append(now)
        guard runs.count > Self.breakerLimit else {
            state.breakerRuns[name] = runs
            return nil
        }
        state.breakerRuns[name] = nil
        let until = now.adding(Self.breakerPause)
        state.paused[name] = until
        return DecisionRecord(
            time: Self.iso(now, zone), kind: .notRun, rule: name, event: event, reason: .circuitBreaker,
            note:
                "circuit breaker tripped: \(runs.count) runs with actions other than log in 5 minutes; paused until \(Self.iso(until, zone)) (does the rule react to its own writes or failures?)"
        )
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
        state.fired = state.fired.filter { $0.value.adding(.seconds(7 * 86_400)) > now }
        state.armed.formIntersection(current)
        var records: [DecisionRecord] = []
        let time = Self.iso(now, context.timeZone)
        for deadline in planned.sorted(by: { $0.due < $1.due }) where state.fired[deadline.key] == nil {
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
            state.fired[deadline.key] = deadline.due
            let overdue = starting && deadline.due < now
            let ref = DecisionRecord.EventRef(kind: "fronting_for", seq: 0, catchUp: overdue)
            records.append(
                DecisionRecord(
                    time: time, kind: .fired, rule: deadline.rule.name, event: ref,
                    note: "fronting_for \(DurationParser.format(deadline.duration))\(who), due "
                        + Self.iso(deadline.due, context.timeZone)))
            let run = RunContext(
                front: front, event: ref, member: deadline.member, duration: deadline.duration, source: nil, now: now,
                context: context, rules: rules, rule: deadline.rule)
            let skip = overdue && deadline.rule.effectiveCatchUp == .skip
            records.append(contentsOf: self.run(run, catchUp: skip ? .skip("catch_up: skip (overdue at start)") : .run))
        }
        let (scheduled, nextSchedule) = schedules(front: front, context: context, now: now, starting: starting)
        records.append(contentsOf: scheduled)
        let nextDeadline = planned.filter { state.fired[$0.key] == nil && $0.due > now }.map(\.due).min()
        let next = [nextDeadline, nextSchedule].compactMap { $0 }.min()
        return (records, next)
    }

    // MARK: - Schedules

    /// Runs the schedules that came due since each was last handled — one run for the latest
    /// time missed, if it is within the catch-up window, else a `catch_up_skipped` — and returns
    /// the next time one falls.
    mutating func schedules(
        front: EngineFront, context: EngineContext, now: Timestamp, starting: Bool
    ) -> (records: [DecisionRecord], next: Timestamp?) {
        let clock = ScheduleClock(zone: context.timeZone)
        let time = Self.iso(now, context.timeZone)
        var records: [DecisionRecord] = []
        var next: Timestamp?
        var keys: Set<String> = []
        for rule in rules.rules {
            for (index, trigger) in rule.triggers.enumerated() {
                guard case .schedule(let schedule) = trigger.kind else { continue }
                let key = "\(rule.name)|at|\(index)"
                keys.insert(key)
                let from = state.schedules[key] ?? now
                let missed =
                    clock.falls(schedule, after: from, through: now)
                    ? clock.occurrences(of: schedule, after: from, through: now) : []
                state.schedules[key] = missed.last ?? from
                if let due = missed.last {
                    let late = due.duration(to: now)
                    let catchUp = starting && due < now
                    let ref = DecisionRecord.EventRef(kind: "schedule", seq: 0, catchUp: catchUp)
                    let earlier = missed.count > 1 ? " (\(missed.count - 1) earlier time(s) missed too)" : ""
                    records.append(
                        DecisionRecord(
                            time: time, kind: .fired, rule: rule.name, event: ref,
                            note: "schedule due \(Self.iso(due, context.timeZone))\(earlier)"))
                    let run = RunContext(
                        front: front, event: ref, member: nil, duration: nil, source: nil, now: now, context: context,
                        rules: rules, rule: rule)
                    var handling = CatchUpHandling.run
                    if catchUp, rule.effectiveCatchUp == .skip {
                        handling = .skip("catch_up: skip (missed while the daemon was down)")
                    } else if late > rules.settings.catchUpWindow {
                        handling = .skip(
                            "missed by \(DurationParser.format(RunContext.whole(late))), more than the catch-up window ("
                                + "\(DurationParser.format(rules.settings.catchUpWindow)))")
                    }
                    records.append(contentsOf: self.run(run, catchUp: handling))
                }
                if let upcoming = clock.next(schedule, after: max(now, state.schedules[key] ?? now)) {
                    next = min(next ?? upcoming, upcoming)
                    if state.scheduleArmed[key] != upcoming {
                        state.scheduleArmed[key] = upcoming
                        records.append(
                            DecisionRecord(
                                time: time, kind: .armed, rule: rule.name, due: Self.iso(upcoming, context.timeZone),
                                note: "schedule at "
                                    + schedule.times.sorted().map(\.description).joined(separator: ", ")))
                    }
                }
            }
        }
        state.schedules = state.schedules.filter { keys.contains($0.key) }
        state.scheduleArmed = state.scheduleArmed.filter { keys.contains($0.key) }
        return (records, next)
    }

    // MARK: - Time

    /// ISO 8601 with the offset of `zone` at that instant (`2026-12-04T22:00:00+01:00`).
    public static func iso(_ t: Timestamp, _ zone: TimeZone) -> String {
        // A value-type format style: no DateFormatter built for every record.
        t.date.formatted(Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: zone))
    }
}
