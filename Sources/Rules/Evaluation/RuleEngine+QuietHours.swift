import Foundation
import FrontEvents
import PluralKit

extension RuleEngine {
    /// Whether `now` is inside the quiet hours (a window crossing midnight belongs to the day it
    /// starts, so `days` names the evenings).
    func isQuiet(_ quiet: QuietHours, context: EngineContext, now: Timestamp) -> Bool {
        let clock = ScheduleClock(zone: context.timeZone)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = context.timeZone
        let c = calendar.dateComponents([.hour, .minute], from: now.date)
        let time = TimeOfDay(hour: c.hour ?? 0, minute: c.minute ?? 0)
        guard quiet.window.contains(time) else { return false }
        if quiet.days.isEmpty { return true }
        let startedYesterday = !(quiet.window.from < quiet.window.to) && time < quiet.window.to
        let day = clock.day(of: startedYesterday ? now.adding(.seconds(-86_400)) : now)
        return clock.weekday(of: day).map(quiet.days.contains) ?? false
    }

    /// What quiet hours do to a rule now: nothing, skip or defer.
    func quietMode(for ruleName: String?, context: EngineContext, now: Timestamp) -> QuietHours.Mode? {
        guard let quiet = rules.settings.quietHours, isQuiet(quiet, context: context, now: now) else { return nil }
        switch rules.rules.first(where: { $0.name == ruleName })?.quietHours ?? .follow {
        case .ignore: return nil
        case .skip: return .skip
        case .defer: return .defer
        case .follow: return quiet.mode
        }
    }

    /// Holds back the non-`log` actions of runs and releases that fall into quiet hours:
    /// `skip` drops them (`quiet_hours_skip`), `defer` keeps the desired values — the latest
    /// per remote value, and per rule for exec and webhook — for the end of quiet hours.
    mutating func applyQuietHours(_ records: [DecisionRecord], context: EngineContext, now: Timestamp)
        -> [DecisionRecord]
    {
        var out: [DecisionRecord] = []
        for record in records {
            guard record.kind == .ran || record.kind == .reverted,
                let mode = quietMode(for: record.rule, context: context, now: now)
            else {
                out.append(record)
                continue
            }
            let actions = record.actions ?? []
            let held = actions.filter { $0.action != "log" }
            guard !held.isEmpty else {
                out.append(record)
                continue
            }
            let logs = actions.filter { $0.action == "log" }
            if !logs.isEmpty {
                var logged = record
                logged.actions = logs
                out.append(logged)
            }
            var rest = record
            rest.actions = held
            switch mode {
            case .skip:
                rest.kind = .notRun
                rest.reason = .quietHoursSkip
                rest.note = "quiet hours: skipped"
            case .defer:
                rest.kind = .deferred
                rest.note = "quiet hours: held back until they end"
                for outcome in held {
                    let entry = EngineState.Deferred(rule: record.rule ?? "", outcome: outcome, event: record.event)
                    if let key = outcome.key {
                        state.deferred[key] = entry
                    } else {
                        state.deferredEffects[record.rule ?? ""] = entry
                    }
                }
            }
            out.append(rest)
        }
        return out
    }

    /// At the end of quiet hours: each net deferred value that PluralKit does not already have
    /// is one `ran` line; deferred exec and webhook runs (the latest per rule) run.
    mutating func releaseDeferred(context: EngineContext, now: Timestamp) -> [DecisionRecord] {
        guard !state.deferred.isEmpty || !state.deferredEffects.isEmpty else { return [] }
        if let quiet = rules.settings.quietHours, isQuiet(quiet, context: context, now: now) { return [] }
        let time = Self.iso(now, context.timeZone)
        var records: [DecisionRecord] = []
        for (key, entry) in state.deferred.sorted(by: { $0.key < $1.key }) {
            if let remote = context.remote[key],
                ExecutorChecks.isAlreadySet(desired: entry.outcome.value, remote: remote)
            {
                records.append(
                    DecisionRecord(
                        time: time, kind: .notRun, rule: entry.rule, event: entry.event, reason: .alreadySet,
                        actions: [entry.outcome], note: "quiet hours ended: \(key) already set"))
                continue
            }
            var outcome = entry.outcome
            outcome.previous = context.remote[key] ?? outcome.previous
            records.append(
                DecisionRecord(
                    time: time, kind: .ran, rule: entry.rule, event: entry.event, actions: [outcome],
                    note: "quiet hours ended"))
        }
        for (rule, entry) in state.deferredEffects.sorted(by: { $0.key < $1.key }) {
            records.append(
                DecisionRecord(
                    time: time, kind: .ran, rule: rule, event: entry.event, actions: [entry.outcome],
                    note: "quiet hours ended"))
        }
        state.deferred = [:]
        state.deferredEffects = [:]
        return records
    }

    /// When the current quiet hours end, if values wait for it.
    func quietEnd(context: EngineContext, now: Timestamp) -> Timestamp? {
        guard !state.deferred.isEmpty || !state.deferredEffects.isEmpty, let quiet = rules.settings.quietHours else {
            return nil
        }
        return ScheduleClock(zone: context.timeZone).next(Schedule(times: [quiet.window.to], days: []), after: now)
    }
}
