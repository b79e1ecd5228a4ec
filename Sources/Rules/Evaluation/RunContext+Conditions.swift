import FrontEvents
import PluralKit

extension RunContext {
    /// Evaluates a condition, recording each leaf test's result and the values it compared.
    func evaluate(_ condition: Condition, _ variables: [String: Any], into out: inout [DecisionRecord.ConditionOutcome])
        -> Bool
    {
        switch condition {
        case .all(let items, _):
            var all = true
            for item in items where !evaluate(item, variables, into: &out) { all = false }
            return all
        case .any(let items, let location):
            var inner: [DecisionRecord.ConditionOutcome] = []
            let any = items.map { evaluate($0, variables, into: &inner) }.contains(true)
            out.append(
                .init(
                    test: "any of: " + inner.map(\.test).joined(separator: "; "), result: any,
                    compared: inner.compactMap(\.compared).first, location: location.description))
            return any
        case .not(let item, let location):
            var inner: [DecisionRecord.ConditionOutcome] = []
            let held = evaluate(item, variables, into: &inner)
            out.append(
                .init(
                    test: "not: " + inner.map(\.test).joined(separator: "; "), result: !held,
                    compared: inner.compactMap(\.compared).first, location: location.description))
            return !held
        case .fronters(let test, let previous, let location):
            let list =
                previous ? (source?.previous.isEmpty == false ? source!.previous : front.previous) : front.members
            let result = evaluate(test, list.map(\.id), variables)
            out.append(
                .init(
                    test: (previous ? "previous fronters " : "fronters ") + describe(test), result: result,
                    compared: (previous ? "previous fronters: " : "fronters: ")
                        + (list.isEmpty ? "nobody" : names(list)),
                    location: location.description))
            return result
        case .member(let test, let location):
            let result: Bool
            let text: String
            switch test {
            case .isOneOf(let names):
                text = "member is " + names.map(\.text).joined(separator: " or ")
                result = member.map { m in names.contains { resolve($0, variables) == m.id } } ?? false
            case .inGroup(let group):
                text = "member in group \(group.text)"
                result = member.map { resolve(group)?.members.contains($0.id) ?? false } ?? false
            }
            out.append(
                .init(
                    test: text, result: result, compared: "member: " + (member.map(shown) ?? "none"),
                    location: location.description))
            return result
        case .time(let window, let location):
            let result = window.contains(localTime)
            out.append(
                .init(
                    test: "time \(window.from)–\(window.to)", result: result, compared: "local time: \(localTime)",
                    location: location.description))
            return result
        case .days(let days, let location):
            let result = days.contains(weekday)
            out.append(
                .init(
                    test: "days " + days.sorted().map(\.rawValue).joined(separator: ", "), result: result,
                    compared: "today: \(weekday.rawValue)", location: location.description))
            return result
        case .frontDuration(let subject, let atLeast, let lessThan, let location):
            let elapsed = fronting(subject, variables)
            var result = elapsed != nil
            if let elapsed, let atLeast, elapsed < atLeast { result = false }
            if let elapsed, let lessThan, elapsed >= lessThan { result = false }
            var text = "front_duration of \(describe(subject))"
            if let atLeast { text += " at least \(DurationParser.format(atLeast))" }
            if let lessThan { text += " less than \(DurationParser.format(lessThan))" }
            out.append(
                .init(
                    test: text, result: result,
                    compared: elapsed.map { "fronting for \(DurationParser.format(Self.whole($0)))" } ?? "not fronting",
                    location: location.description))
            return result
        }
    }

    /// How long the subject has been fronting, or nil when it does not front.
    func fronting(_ subject: FrontSubject, _ variables: [String: Any]) -> Duration? {
        switch subject {
        case .front:
            // A cleared front is a front too: "nobody" has lasted since the switch-out.
            guard let change = front.lastChange else { return nil }
            return change.duration(to: now)
        case .anyMember:
            return front.fronters.map { $0.since.duration(to: now) }.max()
        case .member(let name):
            guard let id = resolve(name, variables), let since = front.since(id) else { return nil }
            return since.duration(to: now)
        }
    }

    static func whole(_ d: Duration) -> Duration { .seconds(d.components.seconds) }

    func evaluate(_ test: FrontTest, _ ids: [MemberID], _ variables: [String: Any]) -> Bool {
        let set = Set(ids)
        func all(_ names: [MemberName]) -> [MemberID?] { names.map { resolve($0, variables) } }
        switch test {
        case .include(let names): return all(names).allSatisfy { $0.map(set.contains) ?? false }
        case .exactly(let names):
            let wanted = all(names)
            return !wanted.contains(nil) && Set(wanted.compactMap { $0 }) == set
        case .includeAny(let names): return all(names).contains { $0.map(set.contains) ?? false }
        case .includeNone(let names): return !all(names).contains { $0.map(set.contains) ?? false }
        case .first(let name): return ids.first != nil && ids.first == resolve(name, variables)
        case .count(let range): return range.contains(ids.count)
        case .anyInGroup(let g): return resolve(g).map { !$0.members.isDisjoint(with: set) } ?? false
        case .allInGroup(let g): return !ids.isEmpty && (resolve(g).map { set.isSubset(of: $0.members) } ?? false)
        case .noneInGroup(let g): return resolve(g).map { $0.members.isDisjoint(with: set) } ?? true
        case .firstInGroup(let g): return ids.first.map { resolve(g)?.members.contains($0) ?? false } ?? false
        }
    }

    func describe(_ test: FrontTest) -> String { test.words }

    func describe(_ subject: FrontSubject) -> String { subject.words }
}
