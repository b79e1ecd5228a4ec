import FrontEvents

/// Checks that need the whole rule set: unique names, template variables, member names, loops.
struct RuleChecker {
    let directory: NameDirectory?
    let missingDirectoryReason: String
    /// The files' readers, to place template problems on their columns.
    let readers: [String: NodeReader]
    var diagnostics: [Diagnostic] = []
    var memberIDs: [String: String] = [:]
    var groupIDs: [String: String] = [:]

    init(directory: NameDirectory?, missingDirectoryReason: String, readers: [String: NodeReader]) {
        self.directory = directory
        self.missingDirectoryReason = missingDirectoryReason
        self.readers = readers
    }

    mutating func error(_ at: SourceLocation, _ message: String) { diagnostics.append(.init(.error, at, message)) }
    mutating func warning(_ at: SourceLocation, _ message: String) { diagnostics.append(.init(.warning, at, message)) }

    mutating func check(_ parsed: [RuleParser.Parsed]) {
        var names: [String: SourceLocation] = [:]
        for p in parsed {
            let rule = p.rule
            if !rule.name.isEmpty {
                if let earlier = names[rule.name.lowercased()] {
                    let place = earlier.file == rule.location.file ? "line \(earlier.line)" : "\(earlier)"
                    error(
                        rule.location,
                        "another rule is already named '\(rule.name)' (at \(place)); rule names must be unique, they identify the rule in the journal"
                    )
                } else {
                    names[rule.name.lowercased()] = rule.location
                }
            }
            checkNames(rule)
            // Without a known trigger, the variables and members a rule may use are unknown.
            guard p.activationKnown else { continue }
            checkTemplates(rule)
            checkMemberConditions(rule)
            checkLoops(rule)
        }
    }

    // MARK: templates

    mutating func checkTemplates(_ rule: Rule) {
        let (available, partial) = TemplateVariables.available(for: rule.activation)
        var templates = rule.allActions.flatMap(\.templates)
        for action in rule.allActions {
            for member in Self.actionMembers(action) where member.isTemplate {
                var problems: [TextTemplate.Problem] = []
                let t = TextTemplate(source: member.text, location: member.location, problems: &problems)
                if problems.isEmpty { templates.append(t) }
            }
        }
        for template in templates {
            var placer: NodeReader.TagPlacer?
            for reference in template.references {
                guard
                    let (severity, message) = TemplateVariables.check(reference, available: available, partial: partial)
                else { continue }
                if placer == nil {
                    placer = .init(
                        reader: readers[template.location.file] ?? NodeReader(file: template.location.file, text: ""),
                        template: template)
                }
                diagnostics.append(
                    .init(severity, placer!.place(offset: reference.offset, tag: reference.tag), message))
            }
        }
    }

    // MARK: conditions about the event's member

    mutating func checkMemberConditions(_ rule: Rule) {
        var conditions: [Condition] = []
        if let c = rule.condition { conditions.append(c) }
        if case .while(let c) = rule.activation { conditions.append(c) }
        let memberTests = conditions.flatMap { Self.flatten($0) }.filter {
            if case .member = $0 { true } else { false }
        }
        guard let first = memberTests.first else { return }
        let triggers = rule.triggers
        let providing = triggers.filter { TemplateVariables.extra(for: $0.kind)["member"] != nil }
        if triggers.isEmpty || providing.isEmpty {
            error(
                first.location,
                "`member:` tests the member of a fronter_added, fronter_removed or per-member fronting_for event, and this rule has none; to test who is fronting use `fronters: { include: … }`"
            )
        } else if providing.count < triggers.count {
            warning(
                first.location,
                "`member:` is false when the rule runs on \(triggers.filter { TemplateVariables.extra(for: $0.kind)["member"] == nil }.map { TemplateVariables.describe($0.kind) }.joined(separator: ", ")) (those events have no member)"
            )
        }
    }

    static func flatten(_ c: Condition) -> [Condition] {
        switch c {
        case .all(let items, _), .any(let items, _): return [c] + items.flatMap(flatten)
        case .not(let inner, _): return [c] + flatten(inner)
        default: return [c]
        }
    }

    // MARK: loops

    mutating func checkLoops(_ rule: Rule) {
        let reactsToSwitches: Bool
        switch rule.activation {
        case .while: reactsToSwitches = true
        case .when(let triggers):
            reactsToSwitches = triggers.contains {
                if case .event(let e) = $0.kind { return e.isFrontChange }
                return false
            }
        }
        guard reactsToSwitches else { return }
        for action in rule.allActions {
            if case .logSwitch = action.kind {
                warning(
                    action.location,
                    "this rule reacts to front changes and also logs a switch: its own switch changes the front again (a loop risk). pkfrontd does not react to switches it logged itself, but another rule or device may; prefer a schedule or fronting_for trigger"
                )
            }
        }
    }

    // MARK: names

    static func actionMembers(_ action: Action) -> [MemberName] {
        switch action.kind {
        case .autoproxy(_, .member(let m)): [m]
        case .member(let m, _), .memberServer(let m, _, _): [m]
        case .logSwitch(let ms): ms
        default: []
        }
    }

    static func conditionNames(_ c: Condition) -> (members: [MemberName], groups: [GroupName]) {
        var members: [MemberName] = []
        var groups: [GroupName] = []
        for part in flatten(c) {
            switch part {
            case .fronters(let test, _, _):
                switch test {
                case .include(let m), .exactly(let m), .includeAny(let m), .includeNone(let m): members += m
                case .first(let m): members.append(m)
                case .anyInGroup(let g), .allInGroup(let g), .noneInGroup(let g), .firstInGroup(let g): groups.append(g)
                case .count: break
                }
            case .member(.isOneOf(let m), _): members += m
            case .member(.inGroup(let g), _): groups.append(g)
            case .frontDuration(.member(let m), _, _, _): members.append(m)
            default: break
            }
        }
        return (members, groups)
    }

    mutating func checkNames(_ rule: Rule) {
        let (members, groups) = Self.names(of: rule)
        var memberIDs = self.memberIDs
        var groupIDs = self.groupIDs
        for m in members where !m.isTemplate {
            resolve(m.text, m.location, kind: "member", entries: directory?.members, into: &memberIDs)
        }
        for g in groups {
            resolve(g.text, g.location, kind: "group", entries: directory?.groups, into: &groupIDs)
        }
        self.memberIDs = memberIDs
        self.groupIDs = groupIDs
    }

    /// Every member and group a rule names (template members excluded by the caller).
    static func names(of rule: Rule) -> (members: [MemberName], groups: [GroupName]) {
        var members: [MemberName] = []
        var groups: [GroupName] = []
        for trigger in rule.triggers {
            if case .frontingFor(_, .member(let m)) = trigger.kind { members.append(m) }
        }
        for c in [rule.condition, { if case .while(let c) = rule.activation { return c } else { return nil } }()]
            .compactMap({ $0 })
        {
            let found = Self.conditionNames(c)
            members += found.members
            groups += found.groups
        }
        members += rule.allActions.flatMap(Self.actionMembers)
        return (members, groups)
    }

    mutating func resolve(
        _ text: String, _ at: SourceLocation, kind: String, entries: [NameDirectory.Entry]?,
        into ids: inout [String: String]
    ) {
        guard let directory, let entries else {
            warning(at, "\(kind) '\(text)' was not checked: \(missingDirectoryReason)")
            return
        }
        switch NameDirectory.resolve(text, in: entries) {
        case .found(let entry):
            ids[text] = entry.id
        case .ambiguous(let found):
            error(
                at,
                "several \(kind)s are called '\(text)' (\(found.map { "\($0.id)" }.joined(separator: ", "))); use the id instead"
            )
        case .notFound(let suggestion):
            let hint = suggestion.map { " (did you mean '\($0)'?)" } ?? ""
            error(
                at,
                "unknown \(kind) '\(text)'\(hint): no \(kind) has this name, display name, id or UUID in \(directory.source)"
            )
        }
    }
}
