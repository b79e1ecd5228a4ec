public import Foundation
public import FrontEvents
public import PluralKit

/// A what-if story for `pkfrontd simulate --script`: a first start, then steps in time —
/// switches logged, edited or deleted, remote values changed by hand, the daemon stopped,
/// started and reloaded (rules/README.md, "Simulating rules").
public struct SimulationScript: Sendable {
    /// The first start of a daemon with no engine state.
    public struct Start: Sendable {
        /// When (the front was logged as a switch then).
        public var at: Timestamp
        /// Who fronts, first fronter first.
        public var front: [MemberName]
        /// Remote values by `TARGET.FIELD` (nil: the field is empty); others are unknown.
        public var values: [String: String?]
        /// Switches known before `at`, oldest first (a replayed history): stint starts come from
        /// them and the last one is the front at the start; `front` is then not used.
        public var history: [TrackedSwitch]

        /// Creates a start.
        public init(
            at: Timestamp, front: [MemberName], values: [String: String?] = [:], history: [TrackedSwitch] = []
        ) {
            self.at = at
            self.front = front
            self.values = values
            self.history = history
        }
    }

    /// What a step does once its time has come.
    public enum Action: Sendable {
        /// Only time passes (timers and schedules fire).
        case wait
        /// A switch is logged.
        case front([MemberName])
        /// The latest switch is edited: its members, its time, or both.
        case editLast(members: [MemberName]?, at: Timestamp?)
        /// The latest switch is deleted.
        case deleteLast
        /// The daemon stops.
        case stop
        /// The daemon starts (and catches up).
        case start
        /// The daemon reloads its rules (from another file, when given).
        case reload(rules: String?)
        /// Remote values change by hand (no event).
        case set([String: String?])
        /// A switch of a replayed history is logged (its own id and member ids).
        case replay(TrackedSwitch)
    }

    /// One step.
    public struct Step: Sendable {
        /// How long after the previous step.
        public var after: Duration
        /// What happens.
        public var action: Action
        /// Where it was written.
        public var location: SourceLocation

        /// Creates a step.
        public init(after: Duration, action: Action, location: SourceLocation) {
            self.after = after
            self.action = action
            self.location = location
        }
    }

    /// The start.
    public var start: Start
    /// The steps, in order.
    public var steps: [Step]

    /// Creates a script.
    public init(start: Start, steps: [Step]) {
        self.start = start
        self.steps = steps
    }

    /// One what-if switch (`simulate --front`): `previous` fronts until `at`, then `front`;
    /// time runs on past every settle time, so the settled outcomes show.
    public static func oneSwitch(
        to front: [MemberName], from previous: [MemberName], at: Timestamp, settle: Duration
    ) -> SimulationScript {
        let place = SourceLocation(file: "--front", line: 1, column: 1)
        return SimulationScript(
            start: .init(at: at.adding(.seconds(-1)), front: previous),
            steps: [
                .init(after: .seconds(1), action: .front(front), location: place),
                .init(after: settle + .seconds(1), action: .wait, location: place),
            ])
    }

    /// A replay of real history (`simulate --since`): `switches` (any order) are cut at `from` —
    /// the earlier ones are the history at the start, the ones in `(from, to]` are logged at their
    /// times — and time runs on to `to`, so the deadlines and schedules of the period fire.
    public static func replay(_ switches: [TrackedSwitch], from: Timestamp, to: Timestamp) -> SimulationScript {
        let sorted = switches.sorted { $0.timestamp < $1.timestamp }
        let place = SourceLocation(file: "history", line: 1, column: 1)
        var steps: [Step] = []
        var last = from
        for s in sorted where s.timestamp > from && s.timestamp <= to {
            steps.append(.init(after: last.duration(to: s.timestamp), action: .replay(s), location: place))
            last = s.timestamp
        }
        steps.append(.init(after: last.duration(to: to), action: .wait, location: place))
        return SimulationScript(
            start: .init(at: from, front: [], history: sorted.filter { $0.timestamp <= from }), steps: steps)
    }

    /// Member names from a comma-separated list (`"Alex, Sam"`), each placed at its column of `option`.
    public static func names(_ text: String, option: String) -> [MemberName] {
        var out: [MemberName] = []
        var column = 1
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let leading = part.prefix { $0 == " " }.count
            let name = part.trimmingCharacters(in: .whitespaces)
            if !name.isEmpty {
                out.append(
                    MemberName(text: name, location: SourceLocation(file: option, line: 1, column: column + leading)))
            }
            column += part.count + 1
        }
        return out
    }

    /// Reads a script. Times without an offset are in `zone`.
    /// - Returns: the script, or nil, and the problems found (file:line:column).
    public static func parse(text: String, file: String, zone: TimeZone) -> (SimulationScript?, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        guard let root = YAMLReader.parse(text: text, label: file, diagnostics: &diagnostics) else {
            return (nil, diagnostics)
        }
        var parser = ScriptParser(reader: NodeReader(file: file, text: text), zone: zone)
        let script = parser.script(root)
        let all = (diagnostics + parser.reader.diagnostics).sortedByLocation
        return (all.hasErrors ? nil : script, all)
    }
}

/// Reads `SimulationScript`s with the rule files' YAML reader.
struct ScriptParser {
    var reader: NodeReader
    let zone: TimeZone

    mutating func script(_ root: YNode) -> SimulationScript? {
        guard
            let f = reader.fields(
                root, "the script", allowed: ["start", "steps"], hint: "; see rules/README.md, \"Simulating rules\"")
        else { return nil }
        guard let startNode = f["start"] else {
            reader.error(root.location, "the script needs `start: { at: …, front: [...] }`")
            return nil
        }
        guard let start = start(startNode) else { return nil }
        var steps: [SimulationScript.Step] = []
        if let list = f["steps"] {
            guard let items = list.sequence else {
                reader.error(list.location, "steps must be a list, not \(list.kindDescription)")
                return nil
            }
            for item in items {
                if let s = step(item) { steps.append(s) }
            }
        }
        return SimulationScript(start: start, steps: steps)
    }

    mutating func start(_ node: YNode) -> SimulationScript.Start? {
        guard let f = reader.fields(node, "start", allowed: ["at", "front", "values"]) else { return nil }
        guard let atNode = f["at"], let at = time(atNode, "start.at") else {
            if f["at"] == nil { reader.error(node.location, "start needs `at:` (e.g. \"2026-12-04T22:00:00\")") }
            return nil
        }
        var front: [MemberName] = []
        if let node = f["front"] { front = members(node) }
        var values: [String: String?] = [:]
        if let node = f["values"] { values = self.values(node, "values") ?? [:] }
        return .init(at: at, front: front, values: values)
    }

    mutating func step(_ node: YNode) -> SimulationScript.Step? {
        let actions = ["front", "edit_last", "delete_last", "daemon", "set"]
        guard let f = reader.fields(node, "a step", allowed: ["after", "rules"] + actions) else { return nil }
        let after = f["after"].flatMap { reader.duration($0, "after") } ?? .zero
        if let a = f["after"], reader.duration(a, "after") == nil { return nil }
        let given = actions.filter { f[$0] != nil }
        guard given.count <= 1 else {
            reader.error(node.location, "a step does one thing; this one has \(given.joined(separator: " and "))")
            return nil
        }
        var action = SimulationScript.Action.wait
        switch given.first {
        case "front"?: action = .front(members(f["front"]!))
        case "edit_last"?:
            let e = f["edit_last"]!
            guard let g = reader.fields(e, "edit_last", allowed: ["members", "at"]) else { return nil }
            let at = g["at"].flatMap { time($0, "edit_last.at") }
            if g["at"] != nil, at == nil { return nil }
            var names: [MemberName]?
            if let m = g["members"] { names = members(m) }
            action = .editLast(members: names, at: at)
        case "delete_last"?:
            guard reader.bool(f["delete_last"]!, "delete_last") == true else { return nil }
            action = .deleteLast
        case "daemon"?:
            let d = f["daemon"]!
            switch d.string?.lowercased() {
            case "stop": action = .stop
            case "start": action = .start
            case "reload": action = .reload(rules: f["rules"].flatMap { reader.text($0, "rules") })
            default:
                reader.error(d.location, "daemon is one of stop, start, reload, not \(d.kindDescription)")
                return nil
            }
        case "set"?:
            guard let v = values(f["set"]!, "set") else { return nil }
            action = .set(v)
        default: break
        }
        if f["rules"] != nil, case .reload = action {
        } else if let r = f["rules"] {
            reader.error(r.location, "`rules:` goes with `daemon: reload`")
        }
        return .init(after: after, action: action, location: node.location)
    }

    mutating func members(_ node: YNode) -> [MemberName] {
        if node.isNull { return [] }
        return reader.list(node).compactMap { item in
            reader.text(item, "a member").map { MemberName(text: $0, location: item.location) }
        }
    }

    mutating func values(_ node: YNode, _ what: String) -> [String: String?]? {
        guard let pairs = node.mapping else {
            reader.error(node.location, "\(what) must be a mapping of TARGET.FIELD: value, not \(node.kindDescription)")
            return nil
        }
        var out: [String: String?] = [:]
        for (key, value) in pairs {
            guard let name = key.string, name.contains(".") else {
                reader.error(
                    key.location, "\(what): keys are TARGET.FIELD, such as system.tag or member:Sam.display_name")
                continue
            }
            out[name] = value.isNull ? .some(nil) : .some(value.string ?? "")
        }
        return out
    }

    /// `2026-12-04T22:00:00`, `2026-12-04 22:00` (in the rules' time zone) or with an offset/`Z`.
    mutating func time(_ node: YNode, _ what: String) -> Timestamp? {
        guard let text = node.string, let t = SimulationScript.parseTime(text, zone: zone) else {
            reader.error(
                node.location,
                "\(what) must be a date and time such as \"2026-12-04T22:00:00\" (the rules' time zone) or with an offset, not \(node.kindDescription)"
            )
            return nil
        }
        return t
    }

}

extension SimulationScript {
    /// A script time: `2026-12-04T22:00:00` or `2026-12-04 22:00` in `zone`, or with an offset / `Z`.
    public static func parseTime(_ text: String, zone: TimeZone) -> Timestamp? {
        if let absolute = Timestamp(text) { return absolute }
        let normalized = text.replacingOccurrences(of: " ", with: "T")
        let parts = normalized.split(separator: "T")
        guard parts.count == 2 else { return nil }
        let date = parts[0].split(separator: "-").compactMap { Int($0) }
        let clock = parts[1].split(separator: ":").compactMap { Int($0) }
        guard date.count == 3, (2...3).contains(clock.count), (0..<24).contains(clock[0]), (0..<60).contains(clock[1])
        else { return nil }
        let seconds = clock.count == 3 ? clock[2] : 0
        guard (1...12).contains(date[1]), (1...31).contains(date[2]), (0..<60).contains(seconds),
            let minute = TimeOfDay(parsing: "\(clock[0]):\(clock[1] < 10 ? "0" : "")\(clock[1])"),
            let base = ScheduleClock(zone: zone).instant(
                day: DateComponents(year: date[0], month: date[1], day: date[2]), time: minute)
        else { return nil }
        let day = ScheduleClock(zone: zone).day(of: base)
        guard day.year == date[0], day.month == date[1], day.day == date[2] else { return nil }  // 31 February
        return base.adding(.seconds(seconds))
    }
}
