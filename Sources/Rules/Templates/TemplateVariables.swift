public import FrontEvents

/// The variables templates can use, per trigger (documented in rules/README.md).
public enum TemplateVariables {
    /// The shape of a variable (defined with the event vocabulary, which says what each kind provides).
    public typealias Shape = VariableShape

    /// A member: `id`, `uuid`, `name`, `display_name`, `shown` (display name, else name).
    public static let member = VariableShape.member
    /// A switch: `id`, `timestamp`, `fronters`, `fronter_names`.
    public static let switchInfo = VariableShape.switchInfo

    /// Variables every rule can use.
    public static let common: [String: Shape] = [
        "event": .object(["kind": .text, "seq": .number, "catch_up": .flag]),
        "rule": .object(["name": .text]),
        "system": .object(["id": .text, "name": .text, "tag": .text, "timezone": .text]),
        "now": .object(["time": .text, "date": .text, "weekday": .text, "iso": .text]),
        "fronters": .list(member),
        "first": member,
        "fronter_names": .text,
        "fronter_count": .number,
    ]

    /// Variables for one trigger (on top of `common`): for an event, what its kind's
    /// description in `FrontEvents` lists.
    public static func extra(for trigger: Trigger.Kind) -> [String: Shape] {
        switch trigger {
        case .event(let kind):
            return kind.info.variables
        case .frontingFor(_, let subject):
            if case .front = subject { return ["duration": .text] }
            return ["duration": .text, "member": member]
        case .schedule:
            return [:]
        }
    }

    /// The variables a rule's templates can use: for a `when` rule with several triggers, those
    /// every trigger provides (`partial` lists those only some provide).
    static func available(for rule: Rule.Activation) -> (all: [String: Shape], partial: [String: [String]]) {
        guard case .when(let triggers) = rule, !triggers.isEmpty else { return (common, [:]) }
        let sets = triggers.map { extra(for: $0.kind) }
        var all = common
        var partial: [String: [String]] = [:]
        let names = Set(sets.flatMap(\.keys))
        for name in names {
            let providers = zip(triggers, sets).filter { $0.1[name] != nil }
            if providers.count == triggers.count {
                all[name] = sets[0][name]
            } else {
                partial[name] = providers.map { describe($0.0.kind) }
            }
        }
        return (all, partial)
    }

    static func describe(_ kind: Trigger.Kind) -> String {
        switch kind {
        case .event(let e): e.rawValue
        case .frontingFor: "fronting_for"
        case .schedule: "schedule"
        }
    }

    /// Checks one reference against the variables in scope; returns a message when it names something unknown.
    static func check(_ reference: TextTemplate.Reference, available: [String: Shape], partial: [String: [String]]) -> (
        Diagnostic.Severity, String
    )? {
        if reference.path == "." { return nil }
        // The scopes: innermost section item first, then the top level.
        var scopes: [[String: Shape]] = [available]
        var resolvedSections: [Shape?] = []
        for section in reference.sections {
            var shape: Shape? = nil
            for scope in scopes.reversed() {
                if let s = lookup(section, in: scope) {
                    shape = s
                    break
                }
            }
            resolvedSections.append(shape)
            switch shape {
            case .list(.object(let keys)), .object(let keys): scopes.append(keys)
            default: scopes.append([:])
            }
        }
        for scope in scopes.reversed() where lookup(reference.path, in: scope) != nil { return nil }
        let head = String(reference.path.split(separator: ".").first ?? "")
        if let triggers = partial[head] {
            return (
                .warning,
                "'\(head)' is only set when the rule runs on \(triggers.joined(separator: ", ")); otherwise \(reference.tag) renders empty"
            )
        }
        // Known head, unknown field?
        for scope in scopes.reversed() {
            if let shape = scope[head] {
                let rest = reference.path.split(separator: ".").dropFirst().map(String.init)
                var current = shape
                var walked = head
                for part in rest {
                    guard case .object(let keys) = current, let next = keys[part] else {
                        if case .object(let keys) = current {
                            return (
                                .error,
                                "'\(walked)' has no field '\(part)'\(Suggest.hint(part, keys.keys)); its fields: \(keys.keys.sorted().joined(separator: ", "))"
                            )
                        }
                        if case .list = current {
                            return (.error, "'\(walked)' is a list: use {{#\(walked)}}…{{/\(walked)}} to go through it")
                        }
                        return (.error, "'\(walked)' is a single value and has no field '\(part)'")
                    }
                    current = next
                    walked += "." + part
                }
            }
        }
        let visible = scopes.flatMap(\.keys)
        return (
            .error,
            "unknown template variable '\(head)'\(Suggest.hint(head, visible)); available here: \(Set(visible).sorted().joined(separator: ", "))"
        )
    }

    /// Looks up a dotted path.
    static func lookup(_ path: String, in scope: [String: Shape]) -> Shape? {
        let parts = path.split(separator: ".").map(String.init)
        guard let head = parts.first, var shape = scope[head] else { return nil }
        for part in parts.dropFirst() {
            guard case .object(let keys) = shape, let next = keys[part] else { return nil }
            shape = next
        }
        return shape
    }
}
