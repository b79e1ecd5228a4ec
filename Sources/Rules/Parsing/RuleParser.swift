import Foundation
import FrontEvents

/// Parses rules, given the merged server aliases.
struct RuleParser {
    var reader: NodeReader
    let servers: [String: ServerAlias]
    let allows: Set<Rule.Opt>
    let file: String

    // MARK: rules

    /// A rule as far as it could be read; an incomplete one is still checked (names, templates)
    /// so that one run reports every problem, but it is never loaded.
    struct Parsed {
        var rule: Rule
        var complete: Bool
        var activationKnown: Bool
    }

    mutating func rules(_ node: YNode?) -> [Parsed] {
        guard let node, !node.isNull else { return [] }
        guard let items = node.sequence else {
            reader.error(node.location, "rules must be a list: start each rule with '- name: …'")
            return []
        }
        return items.compactMap { rule($0) }
    }

    mutating func rule(_ node: YNode) -> Parsed? {
        guard let f = reader.fields(node, "a rule", allowed: FileParser.ruleKeys, synonyms: Self.ruleKeySynonyms) else {
            return nil
        }
        var ok = true
        var name = ""
        if let n = f["name"] {
            if let s = reader.text(n, "the rule's name") {
                name = s.trimmingSpaces
                if name.isEmpty {
                    reader.error(
                        n.location, "the rule's name is blank; give it a name (it is shown in the journal as PK_RULE)")
                    ok = false
                }
            } else {
                ok = false
            }
        } else {
            if !f.suggested.contains("name") {
                reader.error(
                    node.location, "this rule has no name: add `name: …` (it is shown in the journal as PK_RULE)")
            }
            ok = false
        }
        let description = f["description"]?.string
        if let d = f["description"], d.string == nil, !d.isNull {
            reader.error(d.location, "description must be a text value, not \(d.kindDescription)")
            ok = false
        }
        // Activation
        var activation: Rule.Activation?
        switch (f["when"], f["while"]) {
        case (let w?, nil):
            let triggers = self.triggers(w)
            if let triggers { activation = .when(triggers) } else { ok = false }
        case (nil, let w?):
            if let c = condition(w, depth: 0) { activation = .while(c) } else { ok = false }
        case (_?, _?):
            reader.error(
                f.keyLocation("while")!,
                "a rule has either `when:` (react to something happening) or `while:` (keep something true), not both")
            ok = false
        case (nil, nil):
            if !f.suggested.contains("when"), !f.suggested.contains("while") {
                let which = name.isEmpty ? "this rule" : "rule '\(name)'"
                reader.error(
                    node.location, "\(which) has no `when:` or `while:`; say what makes it run, e.g. `when: switch`")
            }
            ok = false
        }
        var condition: Condition?
        if let c = f["if"] {
            condition = self.condition(c, depth: 0)
            if condition == nil { ok = false }
        }
        var actions: [Action] = []
        if let d = f["do"] {
            let (parsed, good) = self.actions(d, "do")
            actions = parsed
            if !good { ok = false }
            if d.isNull || d.sequence?.isEmpty == true {
                reader.error(d.location, "`do:` is empty; list what the rule does")
                ok = false
            }
        } else {
            if !f.suggested.contains("do") {
                reader.error(
                    node.location, "\(name.isEmpty ? "this rule" : "rule '\(name)'") has no `do:`; list what it does")
            }
            ok = false
        }
        var after: [Action]?
        if let a = f["after"] {
            if case .when = activation {
                reader.error(
                    f.keyLocation("after")!,
                    "`after:` belongs to `while:` rules (what to do when the condition stops holding)")
                ok = false
            }
            let (parsed, good) = self.actions(a, "after")
            after = parsed
            if !good { ok = false }
        }
        let cooldown = f["cooldown"].flatMap { reader.duration($0, "cooldown") }
        if f["cooldown"] != nil, cooldown == nil { ok = false }
        let settle = f["settle"].flatMap { reader.duration($0, "settle") }
        if f["settle"] != nil, settle == nil { ok = false }
        var policy = Rule.QuietHoursPolicy.follow
        if let q = f["quiet_hours"] {
            let words = ["follow", "ignore", "skip", "defer"]
            if let s = q.string, let p = Rule.QuietHoursPolicy(rawValue: s.lowercased()) {
                policy = p
            } else {
                reader.error(
                    q.location,
                    "quiet_hours in a rule is one of \(words.joined(separator: ", "))\(Suggest.hint(q.string ?? "", words)), not \(q.kindDescription)"
                )
                ok = false
            }
        }
        var catchUp: Rule.CatchUpPolicy?
        if let c = f["catch_up"] {
            let words = Rule.CatchUpPolicy.allCases.map(\.rawValue)
            if let s = c.string, let p = Rule.CatchUpPolicy(rawValue: s.lowercased()) {
                catchUp = p
            } else {
                reader.error(
                    c.location,
                    "catch_up is one of \(words.joined(separator: ", "))\(Suggest.hint(c.string ?? "", words)), not \(c.kindDescription)"
                )
                ok = false
            }
        }
        let enabled = f["enabled"].flatMap { reader.bool($0, "enabled") } ?? true
        let dryRun = f["dry_run"].flatMap { reader.bool($0, "dry_run") } ?? false
        let rule = Rule(
            name: name, location: node.location, description: description, activation: activation ?? .when([]),
            condition: condition, actions: actions,
            after: after, cooldown: cooldown, settle: settle, quietHours: policy, catchUp: catchUp, enabled: enabled,
            dryRun: dryRun, allows: allows)
        return Parsed(rule: rule, complete: ok && activation != nil, activationKnown: activation != nil)
    }

    // MARK: triggers

    static let triggerSynonyms: [String: String] = [
        "start": "daemon_started", "startup": "daemon_started", "started": "daemon_started",
        "daemon_start": "daemon_started",
        "stop": "daemon_stopping", "shutdown": "daemon_stopping", "reload": "rules_reloaded",
        "switch_out": "front_cleared",
        "switched_out": "front_cleared", "fronter_changed": "first_fronter_changed", "member_added": "fronter_added",
        "member_removed": "fronter_removed",
    ]
    static let ruleKeySynonyms = [
        "then": "do", "actions": "do", "action": "do", "on": "when", "trigger": "when", "triggers": "when",
        "event": "when",
        "condition": "if", "conditions": "if", "unless": "if", "title": "name", "id": "name", "disabled": "enabled",
    ]
    static let triggerKeys = ["fronting_for", "member", "at", "days"]

    mutating func triggers(_ node: YNode) -> [Trigger]? {
        if let items = node.sequence {
            if items.isEmpty {
                reader.error(node.location, "`when:` lists no triggers")
                return nil
            }
            var out: [Trigger] = []
            var ok = true
            for item in items {
                if let t = trigger(item) { out.append(t) } else { ok = false }
            }
            return ok ? out : nil
        }
        return trigger(node).map { [$0] }
    }

    mutating func trigger(_ node: YNode) -> Trigger? {
        if let word = node.string {
            if let kind = EventKind(rawValue: word) { return Trigger(kind: .event(kind), location: node.location) }
            let known = EventKind.allCases.map(\.rawValue)
            var hint = Suggest.hint(word, known)
            if hint.isEmpty, let s = Self.triggerSynonyms[word.lowercased()] { hint = " (did you mean '\(s)'?)" }
            if hint.isEmpty, word == "fronting_for" { hint = " (write it as a mapping: `when: { fronting_for: 4h }`)" }
            reader.error(
                node.location,
                "unknown trigger '\(word)'\(hint); triggers are the events \(known.joined(separator: ", ")), `fronting_for: DURATION` and `at: TIME`"
            )
            return nil
        }
        guard
            let f = reader.fields(
                node, "a trigger", allowed: Self.triggerKeys, hint: "; write an event name such as switch")
        else { return nil }
        if let d = f["fronting_for"] {
            if f["at"] != nil || f["days"] != nil {
                reader.error(
                    f.keyLocation("at") ?? f.keyLocation("days")!,
                    "`at:`/`days:` make a schedule trigger; a `fronting_for` trigger cannot have them (use `if: { days: … }`)"
                )
                return nil
            }
            guard let duration = reader.duration(d, "fronting_for", minimum: .seconds(1)) else { return nil }
            var subject = FrontSubject.front
            if let m = f["member"] {
                guard let s = reader.text(m, "member") else { return nil }
                if ["anyone", "any", "anybody", "each"].contains(s.lowercased()) {
                    subject = .anyMember
                } else {
                    subject = .member(MemberName(text: s, location: m.location))
                }
            }
            return Trigger(kind: .frontingFor(duration, subject), location: node.location)
        }
        if let at = f["at"] {
            if let m = f.keyLocation("member") {
                reader.error(
                    m,
                    "`member:` belongs to `fronting_for` triggers; to test who fronts at a time use `if: { fronters: … }`"
                )
                return nil
            }
            var times: [TimeOfDay] = []
            for item in reader.list(at) {
                guard let t = reader.timeOfDay(item, "`at:`") else { return nil }
                if t.hour == 24 {
                    reader.error(
                        item.location, "`at:` \"24:00\" never comes; write \"00:00\" (midnight, at the start of a day)")
                    return nil
                }
                times.append(t)
            }
            if times.isEmpty {
                reader.error(at.location, "`at:` lists no times")
                return nil
            }
            var days: Set<Weekday> = []
            if let d = f["days"] {
                guard let parsed = reader.days(d, "days") else { return nil }
                days = parsed
            }
            return Trigger(kind: .schedule(Schedule(times: times, days: days)), location: node.location)
        }
        if f["days"] != nil {
            reader.error(
                node.location,
                "a schedule trigger needs `at:` (a time of day), e.g. `when: { at: \"09:00\", days: weekdays }`")
        } else if f["member"] != nil {
            reader.error(
                node.location, "`member:` needs `fronting_for:`, e.g. `when: { fronting_for: 4h, member: Alex }`")
        } else {
            reader.error(
                node.location, "empty trigger; write an event such as `switch`, `fronting_for: 4h` or `at: \"09:00\"`")
        }
        return nil
    }

    // MARK: conditions

    static let conditionKeys = [
        "all", "any", "not", "fronters", "previous_fronters", "member", "time", "days", "front_duration",
    ]
    static let frontKeys = [
        "include", "exactly", "include_any", "include_none", "first", "count", "any_in_group", "all_in_group",
        "none_in_group", "first_in_group",
    ]

    mutating func condition(_ node: YNode, depth: Int) -> Condition? {
        guard depth < 32 else {
            reader.error(node.location, "conditions are nested more than 32 levels deep")
            return nil
        }
        if let items = node.sequence {
            var out: [Condition] = []
            var ok = true
            for item in items {
                if let c = condition(item, depth: depth + 1) { out.append(c) } else { ok = false }
            }
            if items.isEmpty {
                reader.error(node.location, "an empty list of conditions")
                return nil
            }
            return ok ? (out.count == 1 ? out[0] : .all(out, node.location)) : nil
        }
        guard
            let f = reader.fields(
                node, "a condition", allowed: Self.conditionKeys, hint: "; e.g. `fronters: { include: Alex }`")
        else { return nil }
        if f.order.isEmpty {
            if !f.hadUnknownKeys { reader.error(node.location, "an empty condition") }
            return nil
        }
        var out: [Condition] = []
        var ok = true
        for key in f.order {
            let value = f[key]!
            let at = f.keyLocation(key)!
            let c: Condition?
            switch key {
            case "all", "any":
                let items = reader.list(value)
                if items.isEmpty {
                    reader.error(value.location, "`\(key):` lists no conditions")
                    c = nil
                } else {
                    var parts: [Condition] = []
                    var good = true
                    for item in items {
                        if let p = condition(item, depth: depth + 1) { parts.append(p) } else { good = false }
                    }
                    c = good ? (key == "all" ? .all(parts, at) : .any(parts, at)) : nil
                }
            case "not":
                c = condition(value, depth: depth + 1).map { .not($0, at) }
            case "fronters", "previous_fronters":
                c = frontTest(value, key: key).map { .fronters($0, previous: key == "previous_fronters", at) }
            case "member":
                c = memberTest(value).map { .member($0, at) }
            case "time":
                c = timeWindow(value, "time").map { .time($0, at) }
            case "days":
                c = reader.days(value, "days").map { .days($0, at) }
            case "front_duration":
                c = frontDuration(value, at: at)
            default:
                c = nil
            }
            if let c { out.append(c) } else { ok = false }
        }
        guard ok else { return nil }
        return out.count == 1 ? out[0] : .all(out, node.location)
    }

    mutating func members(_ node: YNode, _ what: String) -> [MemberName]? {
        let items = reader.list(node)
        if items.isEmpty {
            reader.error(node.location, "\(what) lists no members")
            return nil
        }
        var out: [MemberName] = []
        for item in items {
            guard let s = reader.text(item, "a member") else { return nil }
            out.append(MemberName(text: s, location: item.location))
        }
        return out
    }

    mutating func group(_ node: YNode) -> GroupName? {
        guard let s = reader.text(node, "a group") else { return nil }
        return GroupName(text: s, location: node.location)
    }

    mutating func frontTest(_ node: YNode, key: String) -> FrontTest? {
        if node.string != nil || node.sequence != nil {
            // Shorthand: `fronters: Alex` / `fronters: [Alex, Sam]` means "include".
            return members(node, key).map { .include($0) }
        }
        guard let f = reader.fields(node, "`\(key):`", allowed: Self.frontKeys) else { return nil }
        var tests: [FrontTest] = []
        for k in f.order {
            let v = f[k]!
            let t: FrontTest?
            switch k {
            case "include": t = members(v, k).map { .include($0) }
            case "exactly":
                if v.sequence?.isEmpty == true || v.isNull {
                    t = .count(0...0)
                } else {
                    t = members(v, k).map { .exactly($0) }
                }
            case "include_any": t = members(v, k).map { .includeAny($0) }
            case "include_none": t = members(v, k).map { .includeNone($0) }
            case "first":
                t = reader.text(v, "first").map { .first(MemberName(text: $0, location: v.location)) }
            case "count": t = countRange(v).map { .count($0) }
            case "any_in_group": t = group(v).map { .anyInGroup($0) }
            case "all_in_group": t = group(v).map { .allInGroup($0) }
            case "none_in_group": t = group(v).map { .noneInGroup($0) }
            case "first_in_group": t = group(v).map { .firstInGroup($0) }
            default: t = nil
            }
            guard let t else { return nil }
            tests.append(t)
        }
        if tests.isEmpty {
            if !f.hadUnknownKeys { reader.error(node.location, "`\(key):` has no test; write e.g. `include: Alex`") }
            return nil
        }
        if tests.count > 1 {
            reader.error(
                node.location,
                "`\(key):` has several tests (\(f.order.joined(separator: ", "))); write one per condition, e.g. `all: [ {\(key): {\(f.order[0]): …}}, {\(key): {\(f.order[1]): …}} ]`"
            )
            return nil
        }
        return tests[0]
    }

    mutating func countRange(_ node: YNode) -> ClosedRange<Int>? {
        if node.string != nil {
            return reader.int(node, "count", range: 0...100).map { $0...$0 }
        }
        guard let f = reader.fields(node, "count", allowed: ["at_least", "at_most"]) else { return nil }
        let low = f["at_least"].flatMap { reader.int($0, "at_least", range: 0...100) }
        let high = f["at_most"].flatMap { reader.int($0, "at_most", range: 0...100) }
        if f["at_least"] != nil, low == nil { return nil }
        if f["at_most"] != nil, high == nil { return nil }
        if low == nil, high == nil {
            reader.error(node.location, "count needs `at_least:` and/or `at_most:` (or a number)")
            return nil
        }
        let range = (low ?? 0, high ?? 100)
        guard range.0 <= range.1 else {
            reader.error(node.location, "count: at_least \(range.0) is more than at_most \(range.1)")
            return nil
        }
        return range.0...range.1
    }

    mutating func memberTest(_ node: YNode) -> MemberTest? {
        if node.string != nil || node.sequence != nil {
            return members(node, "member").map { .isOneOf($0) }
        }
        guard let f = reader.fields(node, "`member:`", allowed: ["is", "in_group"]) else { return nil }
        if f.order.count != 1 {
            reader.error(node.location, "`member:` takes one test: `is: NAME` or `in_group: GROUP`")
            return nil
        }
        if let v = f["is"] { return members(v, "is").map { .isOneOf($0) } }
        return group(f["in_group"]!).map { .inGroup($0) }
    }

    mutating func timeWindow(_ node: YNode, _ what: String) -> TimeWindow? {
        if let s = node.string, s.contains("-") {
            let parts = s.split(separator: "-").map { String($0).trimmingSpaces }
            if parts.count == 2, let a = TimeOfDay(parsing: parts[0]), let b = TimeOfDay(parsing: parts[1]) {
                return window(a, b, node.location, what)
            }
            reader.error(
                node.location,
                "\(what) '\(s)' is not a window; write \"09:00-17:00\" or `{ from: \"09:00\", to: \"17:00\" }`")
            return nil
        }
        guard
            let f = reader.fields(
                node, what, allowed: ["from", "to"], hint: "; e.g. `{ from: \"23:00\", to: \"07:00\" }`")
        else { return nil }
        guard let fromNode = f["from"], let toNode = f["to"] else {
            reader.error(node.location, "\(what) needs both `from:` and `to:`")
            return nil
        }
        guard let a = reader.timeOfDay(fromNode, "`from:`"), let b = reader.timeOfDay(toNode, "`to:`") else {
            return nil
        }
        return window(a, b, node.location, what)
    }

    mutating func window(_ a: TimeOfDay, _ b: TimeOfDay, _ at: SourceLocation, _ what: String) -> TimeWindow? {
        if a == b {
            reader.error(at, "\(what): from and to are both \(a); the window would be empty")
            return nil
        }
        return TimeWindow(from: a, to: b)
    }

    mutating func frontDuration(_ node: YNode, at: SourceLocation) -> Condition? {
        guard
            let f = reader.fields(
                node, "front_duration", allowed: ["member", "at_least", "less_than"],
                hint: "; e.g. `{ member: Alex, at_least: 1h }`")
        else { return nil }
        var subject = FrontSubject.front
        if let m = f["member"] {
            guard let s = reader.text(m, "member") else { return nil }
            subject = .member(MemberName(text: s, location: m.location))
        }
        let low = f["at_least"].flatMap { reader.duration($0, "at_least") }
        let high = f["less_than"].flatMap { reader.duration($0, "less_than") }
        if (f["at_least"] != nil && low == nil) || (f["less_than"] != nil && high == nil) { return nil }
        if low == nil, high == nil {
            reader.error(node.location, "front_duration needs `at_least:` and/or `less_than:`")
            return nil
        }
        if let low, let high, low >= high {
            reader.error(
                node.location,
                "front_duration: at_least (\(DurationParser.format(low))) must be less than less_than (\(DurationParser.format(high)))"
            )
            return nil
        }
        return .frontDuration(subject, atLeast: low, lessThan: high, at)
    }
}
