import Foundation
import FrontEvents
import PluralKit

/// Everything one run of one rule looks at: the front at the trigger, the event, now, names —
/// and from it the template variables, the conditions' results and the actions' values.
struct RunContext {
    var front: EngineFront
    let event: DecisionRecord.EventRef
    /// The member the trigger carries (`fronter_added`, a member's `fronting_for`), if any.
    let member: MemberRef?
    /// The `fronting_for` duration that came due, if that started the run.
    let duration: Duration?
    /// The event itself, for its own variables (nil for the engine's wake-ups).
    var source: FrontEvent?
    let now: Timestamp
    let context: EngineContext
    let rules: RuleSet
    let rule: Rule

    // MARK: Names

    /// The member a rule names: as resolved at load (`memberIDs`), else by the live names.
    func resolve(_ name: MemberName, _ variables: [String: Any]) -> MemberID? {
        var problems: [TextTemplate.Problem] = []
        let text =
            name.isTemplate
            ? TextTemplate(source: name.text, location: name.location, problems: &problems).render(variables)
            : name.text
        if let id = rules.memberIDs[text].flatMap(MemberID.init) { return id }
        return context.member(named: text)
    }

    func resolve(_ name: GroupName) -> EngineContext.Group? {
        if let id = rules.groupIDs[name.text], let group = context.groups.first(where: { $0.entry.id == id }) {
            return group
        }
        return context.group(named: name.text)
    }

    func shown(_ ref: MemberRef) -> String { context.reference(ref.id).shown }

    // MARK: Local time

    var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = context.timeZone
        return calendar
    }

    var localTime: TimeOfDay {
        let c = calendar.dateComponents([.hour, .minute], from: now.date)
        return TimeOfDay(hour: c.hour ?? 0, minute: c.minute ?? 0)
    }

    var weekday: Weekday {
        // Calendar: 1 = Sunday … 7 = Saturday.
        let w = calendar.component(.weekday, from: now.date)
        return Weekday.allCases[(w + 5) % 7]
    }

    // MARK: Variables

    func memberVariables(_ ref: MemberRef) -> [String: Any] {
        let entry = context.members.first { $0.id == ref.id.rawValue }
        let name = ref.name ?? entry?.name
        let display = ref.displayName ?? entry?.displayName
        var out: [String: Any] = ["id": ref.id.rawValue, "shown": display ?? name ?? ref.id.rawValue]
        if let uuid = entry?.uuid { out["uuid"] = uuid }
        if let name { out["name"] = name }
        if let display { out["display_name"] = display }
        return out
    }

    func names(_ refs: [MemberRef]) -> String { refs.map(shown).joined(separator: ", ") }

    func switchVariables(_ s: TrackedSwitch) -> [String: Any] {
        let refs = s.members.map(context.reference)
        return [
            "id": s.id.rawValue, "timestamp": s.timestamp.description, "fronters": refs.map(memberVariables),
            "fronter_names": names(refs),
        ]
    }

    var variables: [String: Any] {
        let fronters = front.members
        var v: [String: Any] = [
            "event": ["kind": event.kind, "seq": event.seq, "catch_up": event.catchUp],
            "rule": ["name": rule.name],
            "system": [
                "id": context.system.id, "name": context.system.name ?? "", "tag": context.system.tag ?? "",
                "timezone": context.timeZone.identifier,
            ],
            "now": nowVariables,
            "fronters": fronters.map(memberVariables),
            "fronter_names": names(fronters),
            "fronter_count": fronters.count,
        ]
        if let first = fronters.first { v["first"] = memberVariables(first) }
        if let member { v["member"] = memberVariables(member) }
        if let duration { v["duration"] = DurationParser.format(duration) }
        if let e = source {
            let previous = e.previous.isEmpty ? front.previous : e.previous
            v["previous_fronters"] = previous.map(memberVariables)
            if let first = previous.first { v["previous_first"] = memberVariables(first) }
            v["previous_names"] = names(previous)
            if !e.added.isEmpty || e.kind == .switch {
                v["added"] = e.added.map(memberVariables)
                v["added_names"] = names(e.added)
                v["removed"] = e.removed.map(memberVariables)
                v["removed_names"] = names(e.removed)
            }
            if let id = e.switchID, let time = e.timestamp {
                v["switch"] = switchVariables(TrackedSwitch(id: id, timestamp: time, members: e.fronters.map(\.id)))
            }
            if let before = e.before { v["before"] = switchVariables(before) }
            if let after = e.after { v["after"] = switchVariables(after) }
            if let error = e.error { v["error"] = error }
            if let failure = e.failure {
                v["failed"] = [
                    "rule": failure.rule, "action": failure.action, "target": failure.target ?? "",
                    "location": failure.location, "code": failure.code,
                ]
            }
            if let daemon = e.daemon {
                v["version"] = daemon.version
                v["rules_loaded"] = daemon.rulesLoaded
            }
        }
        return v
    }

    var nowVariables: [String: Any] {
        let date = now.date.formatted(Date.ISO8601FormatStyle(timeZone: context.timeZone).year().month().day())
        return [
            "time": localTime.description, "date": date, "weekday": weekday.rawValue,
            "iso": RuleEngine.iso(now, context.timeZone),
        ]
    }
}
