import Foundation
import FrontEvents
import PluralKit

extension RuleEngine {
    /// Re-evaluates every `while` rule on the current front: a rule whose condition became true
    /// applies its actions and takes its fields (ownership stacks); one whose condition became
    /// false runs its `after:` actions or restores its fields by compare-and-set; a holder whose
    /// rule is gone (a reload removed it) is released the same way.
    mutating func whileRules(
        front: EngineFront, context: EngineContext, now: Timestamp, event: DecisionRecord.EventRef
    ) -> [DecisionRecord] {
        var records: [DecisionRecord] = []
        state.paused = state.paused.filter { $0.value > now }
        let current = Set(rules.rules.filter { if case .while = $0.activation { true } else { false } }.map(\.name))
        for gone in state.holding.sorted() where !current.contains(gone) && !gone.hasPrefix("dry:") {
            records.append(
                contentsOf: release(rule: gone, after: nil, front: front, context: context, now: now, event: event))
        }
        state.holding = state.holding.filter { current.contains($0.hasPrefix("dry:") ? String($0.dropFirst(4)) : $0) }
        for rule in rules.rules {
            guard case .while(let condition) = rule.activation, rule.enabled else { continue }
            let dry = rule.dryRun || rules.settings.dryRun
            let key = dry ? "dry:" + rule.name : rule.name
            let run = RunContext(
                front: front, event: event, member: nil, duration: nil, source: nil, now: now, context: context,
                rules: rules, rule: rule)
            let variables = run.variables
            var conditions: [DecisionRecord.ConditionOutcome] = []
            let holds = run.evaluate(condition, variables, into: &conditions)
            let held = state.holding.contains(key)
            let time = Self.iso(now, context.timeZone)
            if holds, !held, !dry, let until = state.paused[rule.name], until > now {
                // Paused by the circuit breaker: it does not take hold (it may once the pause ends).
                records.append(
                    DecisionRecord(
                        time: time, kind: .notRun, rule: rule.name, event: event, reason: .circuitBreaker,
                        note: "paused by the circuit breaker until \(Self.iso(until, context.timeZone))"))
                continue
            } else if holds, !held {
                state.holding.insert(key)
                let actions = run.outcomes(rule.actions, variables)
                if dry {
                    records.append(
                        DecisionRecord(
                            time: time, kind: .notRun, rule: rule.name, event: event, reason: .dryRun, actions: actions,
                            conditions: conditions))
                    continue
                }
                for outcome in actions {
                    guard let field = outcome.key, outcome.action != "log_switch" else { continue }
                    var stack =
                        state.ownership[field]
                        ?? .init(
                            original: context.remote[field] ?? nil, originalKnown: context.remote[field] != nil,
                            holders: [])
                    stack.holders.removeAll { $0.rule == rule.name }
                    stack.holders.append(
                        .init(rule: rule.name, value: outcome.value, action: outcome.action, location: outcome.location)
                    )
                    state.ownership[field] = stack
                }
                // As for `when` runs: fields that already hold the value are not written (the
                // rule still holds them, so its release puts back what was there).
                let equal = actions.filter { outcome in
                    guard let key = outcome.key, let remote = context.remote[key] else { return false }
                    return ExecutorChecks.isAlreadySet(desired: outcome.value, remote: remote)
                }
                records.append(
                    DecisionRecord(
                        time: time, kind: .ran, rule: rule.name, event: event, actions: actions,
                        conditions: conditions.isEmpty ? nil : conditions,
                        note: equal.isEmpty
                            ? nil : "already set, not written: " + equal.compactMap(\.key).joined(separator: ", ")))
                if let trip = countForBreaker(rule.name, now: now, zone: context.timeZone, event: event) {
                    records.append(trip)
                }
            } else if !holds, held {
                state.holding.remove(key)
                if dry { continue }
                if let after = rule.after {
                    let covered = Set(
                        state.ownership.filter { entry in
                            guard let index = entry.value.holders.lastIndex(where: { $0.rule == rule.name }) else {
                                return false
                            }
                            return index < entry.value.holders.count - 1
                        }.keys)
                    let actions = run.outcomes(after, variables).filter { $0.key.map { !covered.contains($0) } ?? true }
                    records.append(
                        DecisionRecord(
                            time: time, kind: .ran, rule: rule.name, event: event, actions: actions,
                            note: covered.isEmpty
                                ? "after:"
                                : "after: (left out, another rule holds: \(covered.sorted().joined(separator: ", ")))"))
                }
                records.append(
                    contentsOf: release(
                        rule: rule.name, after: rule.after, front: front, context: context, now: now, event: event))
            }
        }
        return records
    }

    /// Takes a `while` rule off every stack it is on. Without `after:` actions, each field where
    /// it was on top gets the next holder's value, or the original when it was the last — only
    /// if PluralKit still holds the rule's value (compare-and-set); otherwise the field is left
    /// alone (`changed_by_hand`).
    mutating func release(
        rule name: String, after: [Action]?, front: EngineFront, context: EngineContext, now: Timestamp,
        event: DecisionRecord.EventRef
    ) -> [DecisionRecord] {
        var reverted: [DecisionRecord.ActionOutcome] = []
        var byHand: [DecisionRecord.ActionOutcome] = []
        for field in state.ownership.keys.sorted() {
            guard var stack = state.ownership[field],
                let index = stack.holders.lastIndex(where: { $0.rule == name })
            else { continue }
            let mine = stack.holders[index]
            let onTop = index == stack.holders.count - 1
            stack.holders.remove(at: index)
            if onTop, after == nil, !stack.holders.isEmpty || stack.originalKnown {
                let next = stack.holders.last?.value ?? stack.original
                let parts = field.split(separator: ".", maxSplits: 1).map(String.init)
                var outcome = DecisionRecord.ActionOutcome(
                    action: mine.action, target: parts.first, field: parts.count > 1 ? parts[1] : nil, value: next,
                    previous: mine.value, location: mine.location)
                // A value of this rule that quiet hours still hold back counts as written.
                let pendingMine =
                    state.deferred[field].map { $0.rule == name && $0.outcome.value == mine.value } ?? false
                if !pendingMine, let remote = context.remote[field],
                    ExecutorChecks.revert(original: next, written: mine.value, remote: remote) == nil
                {
                    outcome.value = remote
                    byHand.append(outcome)
                } else {
                    reverted.append(outcome)
                }
            }
            state.ownership[field] = stack.holders.isEmpty ? nil : stack
        }
        let time = Self.iso(now, context.timeZone)
        var records: [DecisionRecord] = []
        if !reverted.isEmpty {
            records.append(DecisionRecord(time: time, kind: .reverted, rule: name, event: event, actions: reverted))
        }
        if !byHand.isEmpty {
            records.append(
                DecisionRecord(
                    time: time, kind: .notRun, rule: name, event: event, reason: .changedByHand, actions: byHand,
                    note: "changed by hand, not restored: " + byHand.compactMap(\.key).joined(separator: ", ")))
        }
        return records
    }
}

extension RuleEngine {
    /// The next instant at which a `while` rule's condition can change without an event: a
    /// `time` window opening or closing, midnight for `days`, a `front_duration` bound passing.
    func boundary(front: EngineFront, context: EngineContext, now: Timestamp) -> Timestamp? {
        let clock = ScheduleClock(zone: context.timeZone)
        var out: [Timestamp] = []
        func walk(_ condition: Condition) {
            switch condition {
            case .all(let items, _), .any(let items, _): items.forEach(walk)
            case .not(let item, _): walk(item)
            case .time(let window, _):
                if let t = clock.next(Schedule(times: [window.from, window.to], days: []), after: now) {
                    out.append(t)
                }
            case .days:
                if let t = clock.next(Schedule(times: [TimeOfDay(hour: 0, minute: 0)], days: []), after: now) {
                    out.append(t)
                }
            case .frontDuration(let subject, let atLeast, let lessThan, _):
                let starts: [Timestamp]
                switch subject {
                case .front: starts = front.lastChange.map { [$0] } ?? []
                case .anyMember: starts = front.fronters.map(\.since)
                case .member(let name):
                    let id = rules.memberIDs[name.text].flatMap(MemberID.init) ?? context.member(named: name.text)
                    starts = id.flatMap(front.since).map { [$0] } ?? []
                }
                for start in starts {
                    for bound in [atLeast, lessThan].compactMap({ $0 }) where start.adding(bound) > now {
                        out.append(start.adding(bound))
                    }
                }
            case .fronters, .member: break
            }
        }
        for rule in rules.rules where rule.enabled {
            if case .while(let condition) = rule.activation { walk(condition) }
        }
        return out.min()
    }
}
