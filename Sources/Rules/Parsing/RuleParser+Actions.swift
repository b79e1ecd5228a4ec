/// The kinds of value a settable field takes.
enum FieldKind {
    case text(max: Int, nullable: Bool)
    case color
    case url
    case birthday
    case flag
}

extension RuleParser {
    static let actionKeys = [
        "autoproxy", "system", "system_server", "member", "member_server", "log_switch", "log", "exec", "webhook",
    ]

    static let actionExamples: [String: String] = [
        "autoproxy": "`- autoproxy: { server: Work, mode: front }`",
        "system": "`- system: { tag: \"| {{ first.shown }}\" }`",
        "system_server": "`- system_server: { server: Work, display_name: \"{{ first.shown }}\" }`",
        "member": "`- member: { member: Alex, pronouns: they/them }`",
        "member_server": "`- member_server: { member: Alex, server: Work, display_name: Alex }`",
        "log_switch": "`- log_switch: [Alex, Sam]` (or `[]` for a switch-out)",
        "log": "`- log: \"{{ fronter_names }} fronting\"`",
        "exec": "`- exec: [\"/usr/bin/notify-send\", \"{{ fronter_names }}\"]`",
        "webhook": "`- webhook: { url: \"https://example.org/hook\" }`",
    ]

    static let systemFields: [(String, FieldKind)] = [
        ("name", .text(max: 100, nullable: true)), ("description", .text(max: 1000, nullable: true)),
        ("tag", .text(max: 79, nullable: true)), ("pronouns", .text(max: 100, nullable: true)), ("color", .color),
        ("avatar_url", .url), ("banner", .url),
    ]
    static let systemServerFields: [(String, FieldKind)] = [
        ("tag", .text(max: 79, nullable: true)), ("display_name", .text(max: 100, nullable: true)),
        ("avatar_url", .url),
        ("tag_enabled", .flag), ("proxying_enabled", .flag),
    ]
    static let memberFields: [(String, FieldKind)] = [
        ("name", .text(max: 100, nullable: false)), ("display_name", .text(max: 100, nullable: true)),
        ("description", .text(max: 1000, nullable: true)), ("pronouns", .text(max: 100, nullable: true)),
        ("color", .color),
        ("avatar_url", .url), ("webhook_avatar_url", .url), ("banner", .url), ("birthday", .birthday),
        ("keep_proxy", .flag), ("tts", .flag),
    ]
    static let memberServerFields: [(String, FieldKind)] = [
        ("display_name", .text(max: 100, nullable: true)), ("avatar_url", .url), ("keep_proxy", .flag),
    ]

    /// The actions that could be read, and whether all could.
    mutating func actions(_ node: YNode, _ what: String) -> ([Action], Bool) {
        if node.isNull { return ([], true) }
        let items = node.sequence ?? [node]
        var out: [Action] = []
        var ok = true
        for item in items {
            if let a = action(item) { out.append(a) } else { ok = false }
        }
        return (out, ok)
    }

    mutating func action(_ node: YNode) -> Action? {
        if let word = node.string {
            if Self.actionKeys.contains(word) {
                reader.error(
                    node.location,
                    "`\(word)` needs its settings after a colon, e.g. \(Self.actionExamples[word] ?? "`- \(word): …`")")
                return nil
            }
            let hint = Suggest.hint(word, Self.actionKeys)
            reader.error(
                node.location,
                "'\(word)' is not an action\(hint); an action is a key and its settings, e.g. `- log: \"{{ fronter_names }} fronting\"`"
            )
            return nil
        }
        guard let pairs = node.mapping else {
            reader.error(
                node.location,
                "an action must be a mapping such as `autoproxy: { server: Work, mode: front }`, not \(node.kindDescription)"
            )
            return nil
        }
        guard pairs.count == 1, let key = pairs[0].key.string else {
            if pairs.isEmpty {
                reader.error(node.location, "an empty action")
            } else {
                let names = pairs.compactMap(\.key.string)
                if names.filter({ Self.actionKeys.contains($0) }).count > 1 {
                    reader.error(
                        pairs[1].key.location, "one action per list item: start each action with '- ' on its own line")
                } else {
                    let odd = pairs.first { !Self.actionKeys.contains($0.key.string ?? "") }!
                    let hint = Suggest.hint(odd.key.string ?? "", Self.actionKeys)
                    reader.error(
                        odd.key.location,
                        "unknown action '\(odd.key.string ?? "")'\(hint.isEmpty ? "" : hint)\(hint.isEmpty ? "; is the indentation right? an action's settings go under it" : ""); actions: \(Self.actionKeys.joined(separator: ", "))"
                    )
                }
            }
            return nil
        }
        let value = pairs[0].value
        let at = pairs[0].key.location
        guard Self.actionKeys.contains(key) else {
            reader.error(
                at,
                "unknown action '\(key)'\(Suggest.hint(key, Self.actionKeys)); actions: \(Self.actionKeys.joined(separator: ", "))"
            )
            return nil
        }
        let kind: Action.Kind?
        switch key {
        case "autoproxy": kind = autoproxy(value)
        case "system": kind = changes(value, "system", Self.systemFields, extra: []).map { .system($0.1) }
        case "system_server":
            kind = changes(value, "system_server", Self.systemServerFields, extra: ["server"]).flatMap { f, c in
                serverTarget(f, "system_server").map { .systemServer($0, c) }
            }
        case "member":
            kind = changes(value, "member", Self.memberFields, extra: ["member"]).flatMap { f, c in
                memberTarget(f, "member", at: value.location).map { .member($0, c) }
            }
        case "member_server":
            kind = changes(value, "member_server", Self.memberServerFields, extra: ["member", "server"]).flatMap {
                f, c in
                guard let m = memberTarget(f, "member_server", at: value.location),
                    let s = serverTarget(f, "member_server")
                else { return nil }
                return .memberServer(m, s, c)
            }
        case "log_switch": kind = logSwitch(value)
        case "log": kind = log(value)
        case "exec": kind = exec(value, at: at)
        case "webhook": kind = webhook(value, at: at)
        default: kind = nil
        }
        return kind.map { Action(kind: $0, location: at) }
    }

    mutating func serverTarget(_ f: NodeReader.Fields, _ what: String) -> ServerTarget? {
        guard let node = f["server"] else {
            reader.error(f.location, "\(what) needs `server:` (an alias from `aliases:`, a server id, or `all`)")
            return nil
        }
        var refs: [ServerRef] = []
        for item in reader.list(node) {
            guard let s = reader.text(item, "server") else { return nil }
            if s.lowercased() == "all" {
                if reader.list(node).count > 1 {
                    reader.error(item.location, "`all` already means every aliased server; do not list others with it")
                    return nil
                }
                if servers.isEmpty {
                    reader.error(
                        item.location, "`server: all` means every server in `aliases:`, but no aliases are defined")
                    return nil
                }
                return .all
            }
            if let alias = servers[s] {
                refs.append(ServerRef(text: s, guildID: alias.guildID, location: item.location))
            } else if let alias = servers.values.first(where: { $0.name.lowercased() == s.lowercased() }) {
                refs.append(ServerRef(text: s, guildID: alias.guildID, location: item.location))
            } else if DiscordID.isValid(s) {
                refs.append(ServerRef(text: s, guildID: s, location: item.location))
            } else {
                let known = servers.keys.sorted()
                let list =
                    known.isEmpty
                    ? "no aliases are defined; add them under `aliases:`" : "aliases: \(known.joined(separator: ", "))"
                reader.error(item.location, "unknown server '\(s)'\(Suggest.hint(s, known)); \(list)")
                return nil
            }
        }
        if refs.isEmpty {
            reader.error(node.location, "\(what): `server:` names no server")
            return nil
        }
        return .servers(refs)
    }

    mutating func memberTarget(_ f: NodeReader.Fields, _ what: String, at: SourceLocation) -> MemberName? {
        guard let node = f["member"] else {
            reader.error(at, "\(what) needs `member:` (a name, id or template such as \"{{ first.id }}\")")
            return nil
        }
        guard let s = reader.text(node, "member") else { return nil }
        if s.contains("{{") {
            guard reader.template(node, "member") != nil else { return nil }
        }
        return MemberName(text: s, location: node.location)
    }

    /// Reads field changes; returns the fields (for the extra keys) and the changes.
    mutating func changes(_ node: YNode, _ what: String, _ spec: [(String, FieldKind)], extra: [String]) -> (
        NodeReader.Fields, [FieldChange]
    )? {
        if what == "member", let key = node.mapping?.first(where: { $0.key.string == "autoproxy_enabled" })?.key {
            reader.error(
                key.location,
                "`member:` cannot set autoproxy_enabled: PluralKit's API does not write it (use `pk;member NAME autoproxy off` in Discord, or an `autoproxy:` action)"
            )
            return nil
        }
        guard let f = reader.fields(node, "`\(what):`", allowed: extra + spec.map(\.0)) else { return nil }
        var out: [FieldChange] = []
        var ok = true
        for key in f.order where !extra.contains(key) {
            let kind = spec.first { $0.0 == key }!.1
            let v = f[key]!
            if let value = fieldValue(v, key, kind) {
                out.append(FieldChange(field: key, value: value, location: f.keyLocation(key)!))
            } else {
                ok = false
            }
        }
        if ok, out.isEmpty, !f.hadUnknownKeys {
            reader.error(
                node.location, "`\(what):` changes nothing; set one of \(spec.map(\.0).joined(separator: ", "))")
            return nil
        }
        return ok ? (f, out) : nil
    }

    mutating func fieldValue(_ v: YNode, _ key: String, _ kind: FieldKind) -> FieldValue? {
        if v.isNull {
            switch kind {
            case .text(_, false), .flag:
                reader.error(v.location, "\(key) cannot be cleared")
                return nil
            default: return .clear
            }
        }
        if case .flag = kind { return reader.bool(v, key).map { .bool($0) } }
        guard let t = reader.template(v, key) else { return nil }
        guard t.isConstant else { return .text(t) }
        let s = t.source
        switch kind {
        case .text(let max, let nullable):
            if s.utf16.count > max {
                reader.error(v.location, "\(key) is \(s.utf16.count) characters long; PluralKit allows at most \(max)")
                return nil
            }
            if !nullable, s.trimmingSpaces.isEmpty {
                reader.error(v.location, "\(key) cannot be empty")
                return nil
            }
        case .color:
            let hex = s.hasPrefix("#") ? String(s.dropFirst()) : s
            guard hex.count == 6, hex.allSatisfy(\.isHexDigit) else {
                reader.error(
                    v.location, "\(key) '\(s)' is not a colour; write six hex digits such as \"ff8800\" (quote it)")
                return nil
            }
            return .text(TextTemplate(constant: hex.lowercased(), location: v.location))
        case .url:
            guard s.lowercased().hasPrefix("https://"), s.count > 8, s.utf16.count <= 256, !s.contains(" ") else {
                reader.error(v.location, "\(key) must be an https:// URL of at most 256 characters")
                return nil
            }
        case .birthday:
            let parts = s.split(separator: "-")
            let valid =
                (parts.count == 3 && parts[0].count == 4 && Int(parts[0]) != nil
                    ? Array(parts.dropFirst()) : parts.count == 2 ? parts : [])
            guard valid.count == 2, let m = Int(valid[0]), let d = Int(valid[1]), (1...12).contains(m),
                (1...31).contains(d)
            else {
                reader.error(v.location, "birthday '\(s)' is not a date; write YYYY-MM-DD or MM-DD")
                return nil
            }
        case .flag:
            break
        }
        return .text(t)
    }

    mutating func autoproxy(_ node: YNode) -> Action.Kind? {
        guard
            let f = reader.fields(
                node, "`autoproxy:`", allowed: ["server", "mode", "member"],
                hint: "; e.g. `{ server: Art Club, mode: front }`")
        else { return nil }
        guard let target = serverTarget(f, "autoproxy") else { return nil }
        let modes = ["off", "front", "latch", "member"]
        var mode = f["member"] != nil ? "member" : nil
        if let m = f["mode"] {
            guard let s = m.string?.lowercased(), modes.contains(s) else {
                reader.error(
                    m.location,
                    "autoproxy mode '\(m.string ?? m.kindDescription)' is not one of \(modes.joined(separator: ", "))\(Suggest.hint(m.string ?? "", modes))"
                )
                return nil
            }
            mode = s
        }
        switch mode {
        case nil:
            reader.error(node.location, "autoproxy needs `mode:` (off, front, latch or member)")
            return nil
        case "member":
            guard let member = memberTarget(f, "autoproxy mode member", at: f.keyLocation("mode") ?? node.location)
            else { return nil }
            return .autoproxy(target, .member(member))
        default:
            if let m = f.keyLocation("member") {
                reader.error(m, "`member:` only goes with `mode: member`")
                return nil
            }
            return .autoproxy(target, mode == "off" ? .off : mode == "front" ? .front : .latch)
        }
    }

    mutating func logSwitch(_ node: YNode) -> Action.Kind? {
        var list = node
        if node.mapping != nil {
            guard let f = reader.fields(node, "`log_switch:`", allowed: ["members"]) else { return nil }
            guard let m = f["members"] else {
                reader.error(node.location, "log_switch needs `members:` (a list; [] for a switch-out)")
                return nil
            }
            list = m
        }
        if let s = list.string, ["nobody", "none", "out", "switch out", "switch-out"].contains(s.lowercased()) {
            return .logSwitch([])
        }
        var out: [MemberName] = []
        for item in reader.list(list) {
            guard let s = reader.text(item, "a member") else { return nil }
            out.append(MemberName(text: s, location: item.location))
        }
        if out.count > 100 {
            reader.error(list.location, "a switch can have at most 100 members")
            return nil
        }
        return .logSwitch(out)
    }

    mutating func log(_ node: YNode) -> Action.Kind? {
        if node.string != nil { return reader.template(node, "log message").map { .log($0, .info) } }
        guard
            let f = reader.fields(
                node, "`log:`", allowed: ["message", "priority"], hint: "; e.g. `log: \"{{ fronter_names }} fronting\"`"
            )
        else { return nil }
        guard let m = f["message"] else {
            if !f.suggested.contains("message") { reader.error(node.location, "log needs `message:`") }
            return nil
        }
        guard let message = reader.template(m, "log message") else { return nil }
        var priority = LogPriority.info
        if let p = f["priority"] {
            guard let s = p.string?.lowercased(), let found = LogPriority.spellings[s] else {
                let words = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]
                reader.error(
                    p.location,
                    "priority '\(p.string ?? p.kindDescription)' is not one of \(words.joined(separator: ", "))\(Suggest.hint(p.string ?? "", words))"
                )
                return nil
            }
            priority = found
        }
        return .log(message, priority)
    }

    mutating func optIn(_ opt: Rule.Opt, at: SourceLocation) -> Bool {
        guard allows.contains(opt) else {
            reader.error(
                at,
                "`\(opt.rawValue)` is off unless the file opts in: add `allow: [\(opt.rawValue)]` at the top of \(file)"
            )
            return false
        }
        return true
    }

    mutating func exec(_ node: YNode, at: SourceLocation) -> Action.Kind? {
        let allowed = optIn(.exec, at: at)
        var commandNode = node
        var timeout = ExecAction.defaultTimeout
        var environment: [(name: String, value: TextTemplate)] = []
        if node.mapping != nil {
            guard let f = reader.fields(node, "`exec:`", allowed: ["command", "timeout", "environment"]) else {
                return nil
            }
            guard let c = f["command"] else {
                reader.error(node.location, "exec needs `command:` (a list: program, then arguments)")
                return nil
            }
            commandNode = c
            if let t = f["timeout"] {
                guard let d = reader.duration(t, "timeout", minimum: .seconds(1)) else { return nil }
                timeout = d
            }
            if let e = f["environment"] {
                let named = namedTemplates(
                    e, "environment", what: "an environment variable name (letters, digits and _)"
                ) { name in
                    name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
                        && !(name.first?.isNumber ?? true)
                }
                guard let named else { return nil }
                if let reserved = named.first(where: { $0.name.hasPrefix("PK_") }) {
                    reader.error(
                        reserved.value.location, "\(reserved.name): names starting with PK_ are set by pkfrontd itself")
                    return nil
                }
                environment = named
            }
        }
        if let s = commandNode.string {
            let words = s.split(separator: " ").map { "\"\($0)\"" }.joined(separator: ", ")
            reader.error(
                commandNode.location,
                "exec takes a list of arguments, never a shell string (so no value can be run as shell code): write `command: [\(words)]`"
            )
            return nil
        }
        guard let items = commandNode.sequence, !items.isEmpty else {
            reader.error(commandNode.location, "exec's command must be a list: the program, then its arguments")
            return nil
        }
        var argv: [TextTemplate] = []
        for item in items {
            guard let t = reader.template(item, "an argument") else { return nil }
            argv.append(t)
        }
        if !argv[0].isConstant {
            reader.error(items[0].location, "the program to run must be written out, not a template")
            return nil
        }
        if !argv[0].source.hasPrefix("/") {
            reader.warning(
                items[0].location,
                "'\(argv[0].source)' is not an absolute path; under systemd PATH is short, so write the full path (e.g. /usr/bin/\(argv[0].source))"
            )
        }
        guard allowed else { return nil }
        return .exec(ExecAction(argv: argv, environment: environment, timeout: timeout))
    }

    mutating func webhook(_ node: YNode, at: SourceLocation) -> Action.Kind? {
        let allowed = optIn(.webhook, at: at)
        var urlNode = node
        var timeout = WebhookAction.defaultTimeout
        var headers: [(name: String, value: TextTemplate)] = []
        var body: JSONTemplate?
        if node.mapping != nil {
            guard let f = reader.fields(node, "`webhook:`", allowed: ["url", "body", "headers", "timeout"]) else {
                return nil
            }
            guard let u = f["url"] else {
                reader.error(node.location, "webhook needs `url:`")
                return nil
            }
            urlNode = u
            if let t = f["timeout"] {
                guard let d = reader.duration(t, "timeout", minimum: .seconds(1)) else { return nil }
                timeout = d
            }
            if let h = f["headers"] {
                guard
                    let named = namedTemplates(
                        h, "headers", what: "a header name",
                        valid: { name in
                            name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
                        })
                else { return nil }
                headers = named
            }
            if let b = f["body"] {
                guard let parsed = json(b, depth: 0) else { return nil }
                body = parsed
            }
        }
        guard let url = reader.template(urlNode, "url") else { return nil }
        if url.isConstant {
            let lower = url.source.lowercased()
            if !(lower.hasPrefix("https://") || lower.hasPrefix("http://")) || url.source.contains(" ") {
                reader.error(urlNode.location, "webhook url '\(url.source)' must start with https:// (or http://)")
                return nil
            }
        }
        guard allowed else { return nil }
        return .webhook(WebhookAction(url: url, headers: headers, body: body, timeout: timeout))
    }

    /// A mapping of names to templates (environment variables, headers).
    mutating func namedTemplates(_ node: YNode, _ key: String, what: String, valid: (String) -> Bool) -> [(
        name: String, value: TextTemplate
    )]? {
        guard let pairs = node.mapping else {
            reader.error(node.location, "\(key) must map names to values")
            return nil
        }
        var out: [(name: String, value: TextTemplate)] = []
        for (k, v) in pairs {
            guard let name = k.string, !name.isEmpty, valid(name) else {
                reader.error(k.location, "'\(k.string ?? "")' is not \(what)")
                return nil
            }
            guard let t = reader.template(v, name) else { return nil }
            out.append((name, t))
        }
        return out
    }

    mutating func json(_ node: YNode, depth: Int) -> JSONTemplate? {
        switch node.value {
        case .scalar(let s, let plain):
            if node.isNull { return .null }
            if plain {
                if ["true", "false"].contains(s) { return .bool(s == "true") }
                if Self.isJSONNumber(s) { return .number(s) }
            }
            return reader.template(node, "a body value").map { .string($0) }
        case .sequence(let items):
            var out: [JSONTemplate] = []
            for i in items {
                guard let v = json(i, depth: depth + 1) else { return nil }
                out.append(v)
            }
            return .array(out)
        case .mapping(let pairs):
            var out: [(key: String, value: JSONTemplate)] = []
            for (k, v) in pairs {
                guard let key = k.string else {
                    reader.error(k.location, "JSON keys must be text")
                    return nil
                }
                guard let value = json(v, depth: depth + 1) else { return nil }
                out.append((key, value))
            }
            return .object(out)
        }
    }
}

extension RuleParser {
    /// Whether a plain scalar is a number exactly as JSON writes one (`-1`, `2.5`, `1e3`; not `.5`, `0x1F`, `inf`).
    static func isJSONNumber(_ s: String) -> Bool {
        var chars = Substring(s)
        if chars.first == "-" { chars = chars.dropFirst() }
        let intPart = chars.prefix { $0.isASCII && $0.isNumber }
        guard !intPart.isEmpty, intPart == "0" || intPart.first != "0" else { return false }
        chars = chars.dropFirst(intPart.count)
        if chars.first == "." {
            let frac = chars.dropFirst().prefix { $0.isASCII && $0.isNumber }
            guard !frac.isEmpty else { return false }
            chars = chars.dropFirst(1 + frac.count)
        }
        if chars.first == "e" || chars.first == "E" {
            chars = chars.dropFirst()
            if chars.first == "+" || chars.first == "-" { chars = chars.dropFirst() }
            let exp = chars.prefix { $0.isASCII && $0.isNumber }
            guard !exp.isEmpty else { return false }
            chars = chars.dropFirst(exp.count)
        }
        return chars.isEmpty
    }
}
