import Foundation
import FrontEvents
import PluralKit

/// `check`'s warning for two rules that can write the same (target, field) at the same time:
/// two `when` rules on events of one switch, a `when` rule while a `while` rule holds, or two
/// `while` rules that can hold together — unless their conditions exclude each other (a small
/// satisfiability check over the front: count, who is in, who is out, who is first, groups).
/// The warning names both rules and the combined condition in which both hold.
struct WriteConflicts {
    let directory: NameDirectory?

    /// At most this many warnings (then one that says how many more pairs there are).
    static let maximumWarnings = 20
    /// Each rule is compared with at most this many earlier rules writing the same field, so
    /// that checking stays linear in the file's size.
    static let window = 16

    /// The warnings for `rules`, at the later rule of each pair.
    func warnings(_ rules: [Rule]) -> [Diagnostic] {
        var out: [Diagnostic] = []
        var more = 0
        let writes = rules.map(Self.keys)
        var known: [Int: [Situation]] = [:]
        func situations(_ i: Int) -> [Situation] {
            if let s = known[i] { return s }
            let s = self.situations(rules[i])
            known[i] = s
            return s
        }
        // Rules by the fields they write, `server: all` and one server in one bucket.
        var buckets: [String: [Int]] = [:]
        for (j, b) in rules.enumerated() where b.enabled {
            var partners: [Int] = []
            for bucket in Set(writes[j].map(Self.bucket)) {
                partners += (buckets[bucket] ?? []).suffix(Self.window)
                buckets[bucket, default: []].append(j)
            }
            for i in Set(partners).sorted() {
                let a = rules[i]
                let shared = Self.overlap(writes[i], writes[j])
                guard !shared.isEmpty, let both = Self.together(situations(i), situations(j)) else { continue }
                guard out.count < Self.maximumWarnings else {
                    more += 1
                    continue
                }
                let fields = shared.sorted().joined(separator: ", ")
                let place = a.location.file == b.location.file ? "line \(a.location.line)" : "\(a.location)"
                out.append(
                    Diagnostic(
                        .warning, b.location,
                        "rules '\(a.name)' (\(place)) and '\(b.name)' can both write \(fields): \(both) — then the value depends on which runs last (the later rule's write wins, and a `while` rule's release puts back what it replaced); narrow one rule's conditions if that is not what you want"
                    ))
            }
        }
        if more > 0, let last = out.last {
            out.append(
                Diagnostic(
                    .warning, last.location,
                    "\(more) more pair\(more == 1 ? "" : "s") of rules can write the same field at the same time (not listed; each rule is compared with the \(Self.window) rules before it that write the same field)"
                ))
        }
        return out
    }

    /// A key with its server left out (`autoproxy:*.mode`), to find the rules that may share it.
    static func bucket(_ key: String) -> String {
        key.replacingOccurrences(of: #":[^.@]+([.@])"#, with: ":*$1", options: .regularExpression)
    }

    // MARK: - What a rule writes

    /// The rule's (target, field) keys, servers by guild id and members by name in lower case;
    /// `*` stands for every server (`server: all`).
    static func keys(_ rule: Rule) -> Set<String> {
        Set(
            rule.writtenFields.map { w in
                let server = w.server?.guildID ?? "*"
                let member = w.member?.text.lowercased() ?? ""
                switch w.target {
                case .system: return "system.\(w.field)"
                case .systemServer: return "system_server:\(server).\(w.field)"
                case .member: return "member:\(member).\(w.field)"
                case .memberServer: return "member_server:\(member)@\(server).\(w.field)"
                case .autoproxy: return "autoproxy:\(server).\(w.field)"
                case .front: return "switch"
                }
            })
    }

    /// The keys both sets write (`*` matches any server).
    static func overlap(_ a: Set<String>, _ b: Set<String>) -> Set<String> {
        func matches(_ x: String, _ y: String) -> Bool {
            guard x != y else { return true }
            return (x.contains(":*") || y.contains(":*")) && bucket(x) == bucket(y)
        }
        var out: Set<String> = []
        for x in a {
            for y in b where matches(x, y) { out.insert(x.contains(":*") ? y : x) }
        }
        return out
    }

    // MARK: - When both hold

    /// The situations in which a rule acts: a trigger group (events of one switch, the daemon
    /// starting, one timer) and the front it needs.
    struct Situation {
        var moment: String?
        var space: Space
        var words: String
    }

    /// The combined condition in which two rules (their situations) act, in words; nil when they cannot.
    static func together(_ a: [Situation], _ b: [Situation]) -> String? {
        for x in a {
            for y in b {
                if let mx = x.moment, let my = y.moment, mx != my { continue }
                if x.space.and(y.space).possible { return x.words + " and " + y.words }
            }
        }
        return nil
    }

    func situations(_ rule: Rule) -> [Situation] {
        let spaces = rule.condition.map(spaces) ?? [Space()]
        let words = rule.condition.map(Self.words)
        switch rule.activation {
        case .while(let condition):
            return self.spaces(condition).map {
                Situation(moment: nil, space: $0, words: "while " + Self.words(condition))
            }
        case .when(let triggers):
            var out: [Situation] = []
            for trigger in triggers {
                var space = Space()
                let moment: String
                let said: String
                switch trigger.kind {
                case .event(let kind):
                    switch kind {
                    case .switch, .fronterAdded, .fronterRemoved, .firstFronterChanged, .frontCleared, .switchEdited,
                        .switchDeleted:
                        moment = "switch"
                    default: moment = kind.rawValue
                    }
                    if kind == .frontCleared { space.hi = 0 }
                    if kind == .fronterAdded { space.lo = 1 }
                    said = "on \(kind.rawValue)"
                case .frontingFor(let d, let subject):
                    moment = "fronting_for"
                    switch subject {
                    case .member(let m): space.include.insert(key(m))
                    case .anyMember: space.lo = 1
                    case .front: break
                    }
                    said = "after \(DurationParser.format(d)) of fronting"
                case .schedule(let s):
                    moment = "schedule \(s)"
                    said = "at " + s.times.map(\.description).joined(separator: ", ")
                }
                for extra in spaces {
                    out.append(
                        Situation(
                            moment: moment, space: space.and(extra), words: said + (words.map { " if " + $0 } ?? "")))
                }
            }
            return out
        }
    }

    /// Who fronts, as far as conditions can say (current front only; the previous front and
    /// times of day are left open).
    struct Space {
        var lo = 0
        var hi = Int.max
        var include: Set<String> = []
        var exclude: Set<String> = []
        /// Allowed first fronters (nil: anyone).
        var first: Set<String>?
        /// Only these may front (from `exactly`); nil: anyone.
        var only: Set<String>?
        /// Each set needs at least one of its members fronting.
        var anyOf: [Set<String>] = []

        func and(_ o: Space) -> Space {
            var s = self
            s.lo = max(lo, o.lo)
            s.hi = min(hi, o.hi)
            s.include.formUnion(o.include)
            s.exclude.formUnion(o.exclude)
            if let f = o.first { s.first = s.first.map { $0.intersection(f) } ?? f }
            if let x = o.only { s.only = s.only.map { $0.intersection(x) } ?? x }
            s.anyOf += o.anyOf
            return s
        }

        var possible: Bool {
            var needed = lo
            if first != nil { needed = max(needed, 1) }
            if !anyOf.isEmpty { needed = max(needed, 1) }
            guard needed <= hi, include.isDisjoint(with: exclude), include.count <= hi else { return false }
            if let only, !include.isSubset(of: only) { return false }
            if let only, only.subtracting(exclude).count < lo { return false }
            if let first {
                let allowed = first.subtracting(exclude).filter { only?.contains($0) ?? true }
                if allowed.isEmpty { return false }
            }
            for set in anyOf where set.subtracting(exclude).filter({ only?.contains($0) ?? true }).isEmpty {
                return false
            }
            return true
        }
    }

    /// A member's identity for the check: its id when the lists know it, else its name.
    func key(_ name: MemberName) -> String {
        if let directory, case .found(let entry) = NameDirectory.resolve(name.text, in: directory.members) {
            return entry.id
        }
        return name.text.lowercased()
    }

    /// A group's members, when the lists say.
    func members(_ group: GroupName) -> Set<String>? {
        guard let directory, case .found(let entry) = NameDirectory.resolve(group.text, in: directory.groups),
            let ids = directory.groupMembers[entry.id]
        else { return nil }
        return Set(ids.map(\.rawValue))
    }

    /// The condition as alternatives (at most 64), each a front it allows.
    func spaces(_ condition: Condition) -> [Space] {
        switch condition {
        case .all(let items, _):
            var out = [Space()]
            for item in items {
                let next = spaces(item)
                out = Array(out.flatMap { s in next.map { s.and($0) } }.prefix(64))
            }
            return out
        case .any(let items, _):
            return Array(items.flatMap(spaces).prefix(64))
        case .not(let inner, _):
            return negated(inner)
        case .fronters(let test, let previous, _):
            guard !previous else { return [Space()] }
            return [space(test)]
        case .frontDuration(.member(let m), let atLeast, _, _) where atLeast != nil:
            var s = Space()
            s.include.insert(key(m))
            return [s]
        case .member, .time, .days, .frontDuration:
            return [Space()]
        }
    }

    func space(_ test: FrontTest) -> Space {
        var s = Space()
        switch test {
        case .include(let names): s.include.formUnion(names.map(key))
        case .exactly(let names):
            let set = Set(names.map(key))
            s.include = set
            s.only = set
            s.lo = set.count
            s.hi = set.count
        case .includeAny(let names): s.anyOf = [Set(names.map(key))]
        case .includeNone(let names): s.exclude.formUnion(names.map(key))
        case .first(let name):
            s.first = [key(name)]
            s.include.insert(key(name))
        case .count(let range):
            s.lo = range.lowerBound
            s.hi = range.upperBound
        case .anyInGroup(let g):
            s.lo = 1
            if let m = members(g) { s.anyOf = [m] }
        case .allInGroup(let g): if let m = members(g) { s.include.formUnion(m) }
        case .noneInGroup(let g): if let m = members(g) { s.exclude.formUnion(m) }
        case .firstInGroup(let g):
            s.lo = 1
            if let m = members(g) { s.first = m }
        }
        return s
    }

    /// `not:` of a condition, where it can be said exactly; otherwise anything.
    func negated(_ condition: Condition) -> [Space] {
        guard case .fronters(let test, false, _) = condition else { return [Space()] }
        switch test {
        case .include(let names):
            return names.map { n in
                var s = Space()
                s.exclude.insert(key(n))
                return s
            }
        case .includeNone(let names):
            return names.map { n in
                var s = Space()
                s.include.insert(key(n))
                return s
            }
        case .count(let range):
            var below = Space()
            below.hi = range.lowerBound - 1
            var above = Space()
            above.lo = range.upperBound == Int.max ? Int.max : range.upperBound + 1
            return [below, above].filter { $0.lo <= $0.hi }
        case .anyInGroup(let g):
            var s = Space()
            if let m = members(g) { s.exclude = m }
            return [s]
        case .noneInGroup(let g):
            var s = Space()
            s.lo = 1
            if let m = members(g) { s.anyOf = [m] }
            return [s]
        default:
            return [Space()]
        }
    }

    /// A condition in words ("fronters include Alex", "not fronters count 0").
    static func words(_ condition: Condition) -> String {
        switch condition {
        case .all(let items, _): return items.map(words).joined(separator: " and ")
        case .any(let items, _): return "(" + items.map(words).joined(separator: " or ") + ")"
        case .not(let inner, _): return "not " + words(inner)
        case .fronters(let test, let previous, _): return (previous ? "previous fronters " : "fronters ") + test.words
        case .member(.isOneOf(let names), _): return "the member is one of " + names.map(\.text).joined(separator: ", ")
        case .member(.inGroup(let g), _): return "the member is in group \(g.text)"
        case .time(let window, _): return "the time is \(window)"
        case .days(let days, _): return "the day is " + days.map(\.rawValue).sorted().joined(separator: ", ")
        case .frontDuration(let subject, let atLeast, let lessThan, _):
            var text = "front_duration of \(subject.words)"
            if let atLeast { text += " at least \(DurationParser.format(atLeast))" }
            if let lessThan { text += " less than \(DurationParser.format(lessThan))" }
            return text
        }
    }
}

extension FrontTest {
    /// The test in words ("include Alex", "count 1–100", "any in group Littles").
    var words: String {
        func list(_ names: [MemberName]) -> String { names.map(\.text).joined(separator: ", ") }
        switch self {
        case .include(let n): return "include \(list(n))"
        case .exactly(let n): return "are exactly \(list(n))"
        case .includeAny(let n): return "include any of \(list(n))"
        case .includeNone(let n): return "include none of \(list(n))"
        case .first(let n): return "first is \(n.text)"
        case .count(let r):
            return r.lowerBound == r.upperBound ? "count \(r.lowerBound)" : "count \(r.lowerBound)–\(r.upperBound)"
        case .anyInGroup(let g): return "any in group \(g.text)"
        case .allInGroup(let g): return "all in group \(g.text)"
        case .noneInGroup(let g): return "none in group \(g.text)"
        case .firstInGroup(let g): return "first in group \(g.text)"
        }
    }
}

extension FrontSubject {
    /// Whose fronting time, in words.
    var words: String {
        switch self {
        case .front: "the front"
        case .anyMember: "anyone"
        case .member(let m): m.text
        }
    }
}
