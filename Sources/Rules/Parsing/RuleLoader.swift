import Foundation

/// Loads rules from a file or a directory exactly as `pkfrontd run --rules PATH` does, and checks them.
public struct RuleLoader: Sendable {
    /// The member and group lists to check names against (nil: names are not checked, which is a warning).
    public var directory: NameDirectory?
    /// Why there is no directory, for the warning ("no token and no cached member list").
    public var missingDirectoryReason: String

    /// Creates a loader.
    public init(
        directory: NameDirectory?,
        missingDirectoryReason: String = "no token was given and the state directory has no cached member list"
    ) {
        self.directory = directory
        self.missingDirectoryReason = missingDirectoryReason
    }

    /// What loading produced: the rules (nil when there are errors) and every problem found.
    public struct Result: Sendable {
        /// The rules, when there were no errors.
        public var ruleSet: RuleSet?
        /// Errors and warnings, sorted by file and position.
        public var diagnostics: [Diagnostic]
    }

    /// The files `path` stands for: the file itself, or a directory's `*.yaml` (and `*.yml`) files in name order.
    public static func files(at path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RuleLoadError(.notFound, "\(path): no such file or directory")
        }
        guard isDirectory.boolValue else { return [path] }
        let base = path.hasSuffix("/") ? path : path + "/"
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw RuleLoadError(
                .unreadable, "\(path): cannot list the directory: \(error.localizedDescription)", underlying: error)
        }
        let names =
            entries
            .filter { name in
                var isDir: ObjCBool = false
                return (name.hasSuffix(".yaml") || name.hasSuffix(".yml")) && !name.hasPrefix(".")
                    && FileManager.default.fileExists(atPath: base + name, isDirectory: &isDir) && !isDir.boolValue
            }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return names.map { base + $0 }
    }

    /// Loads a file or a directory.
    public func load(path: String) -> Result {
        let files: [String]
        do {
            files = try Self.files(at: path)
        } catch {
            return Result(ruleSet: nil, diagnostics: [.init(.error, .init(file: path, line: 1, column: 1), "\(error)")])
        }
        var diagnostics: [Diagnostic] = []
        var sources: [(file: String, text: String, root: YNode)] = []
        for file in files {
            var fileDiagnostics: [Diagnostic] = []
            if let (root, text) = YAMLReader.read(path: file, label: file, diagnostics: &fileDiagnostics) {
                sources.append((file, text, root))
            }
            diagnostics += fileDiagnostics
        }
        if files.isEmpty {
            diagnostics.append(
                .init(
                    .warning, .init(file: path, line: 1, column: 1),
                    "the directory holds no *.yaml files: no rules are loaded"))
        }
        var result = load(parsed: sources)
        result.diagnostics = (diagnostics + result.diagnostics).sortedByLocation
        if diagnostics.hasErrors { result.ruleSet = nil }
        result.ruleSet?.files = files
        return result
    }

    /// Loads rule text (for tests and `simulate`); `label` stands for the file name in messages.
    public func load(text: String, label: String = "rules.yaml") -> Result {
        var diagnostics: [Diagnostic] = []
        guard let root = YAMLReader.parse(data: Data(text.utf8), label: label, diagnostics: &diagnostics) else {
            return Result(ruleSet: nil, diagnostics: diagnostics.sortedByLocation)
        }
        var result = load(parsed: [(label, text, root)])
        result.diagnostics = (diagnostics + result.diagnostics).sortedByLocation
        if diagnostics.hasErrors { result.ruleSet = nil }
        result.ruleSet?.files = [label]
        return result
    }

    func load(parsed sources: [(file: String, text: String, root: YNode)]) -> Result {
        var diagnostics: [Diagnostic] = []
        var tops: [FileTop] = []
        // One reader per file (it holds the file's lines, to place template problems).
        var readers: [String: NodeReader] = [:]
        for source in sources {
            var reader = NodeReader(file: source.file, text: source.text)
            tops.append(FileParser.top(source.root, file: source.file, reader: &reader))
            diagnostics += reader.diagnostics
            reader.diagnostics = []
            readers[source.file] = reader
        }
        // Aliases and settings merge key by key across files.
        var servers: [String: ServerAlias] = [:]
        var settingNodes: [String: (key: YNode, value: YNode)] = [:]
        var mergeReader = NodeReader(file: "", text: "")
        for top in tops {
            for (key, value) in top.aliases {
                guard let name = key.string?.trimmingSpaces, !name.isEmpty else {
                    mergeReader.error(key.location, "a server alias must be a name, not \(key.kindDescription)")
                    continue
                }
                if name.lowercased() == "all" {
                    mergeReader.error(
                        key.location,
                        "'all' is reserved (`server: all` means every aliased server); choose another alias")
                    continue
                }
                guard let id = value.string, DiscordID.isValid(id) else {
                    mergeReader.error(
                        value.location,
                        "the alias '\(name)' must be a Discord server id (15–20 digits, e.g. \"100000000000000001\"), not \(value.kindDescription); copy it with Developer Mode → right-click the server → Copy Server ID"
                    )
                    continue
                }
                if let earlier = servers[name]
                    ?? servers.values.first(where: { $0.name.lowercased() == name.lowercased() })
                {
                    if earlier.guildID != id {
                        mergeReader.error(
                            key.location,
                            "the alias '\(name)' is already defined at \(earlier.location) as \(earlier.guildID); an alias can stand for one server only"
                        )
                    }
                    continue
                }
                servers[name] = ServerAlias(name: name, guildID: id, location: key.location)
            }
            for (key, value) in top.settings {
                let name = key.string!
                if let earlier = settingNodes[name] {
                    if earlier.value.canonical != value.canonical {
                        mergeReader.error(
                            key.location,
                            "the setting '\(name)' is already set at \(earlier.key.location) to a different value; set each setting in one file only"
                        )
                    }
                    continue
                }
                settingNodes[name] = (key, value)
            }
        }
        diagnostics += mergeReader.diagnostics
        var settingsReader = NodeReader(file: "", text: "")
        let settings = Self.settings(settingNodes, reader: &settingsReader)
        diagnostics += settingsReader.diagnostics

        var parsed: [RuleParser.Parsed] = []
        for top in tops {
            var parser = RuleParser(reader: readers[top.file]!, servers: servers, allows: top.allows, file: top.file)
            parsed += parser.rules(top.rules)
            diagnostics += parser.reader.diagnostics
            let fileRules = parsed.map(\.rule).filter { $0.location.file == top.file }
            if !parser.reader.diagnostics.hasErrors, let allowAt = top.allowLocation {
                for opt in top.allows.sorted(by: { $0.rawValue < $1.rawValue })
                where !fileRules.contains(where: { $0.allActions.contains { $0.name == opt.rawValue } }) {
                    diagnostics.append(
                        .init(
                            .warning, allowAt,
                            "the file allows `\(opt.rawValue)` but none of its rules uses it; remove it from `allow:`"))
                }
            }
        }
        var checker = RuleChecker(
            directory: directory, missingDirectoryReason: missingDirectoryReason, readers: readers)
        checker.check(parsed)
        diagnostics += checker.diagnostics
        // Only complete rules load; an incomplete one has always been reported, but never load it silently.
        if !diagnostics.hasErrors, let incomplete = parsed.first(where: { !$0.complete }) {
            diagnostics.append(.init(.error, incomplete.rule.location, "this rule could not be read completely"))
        }
        let rules = parsed.filter(\.complete).map(\.rule)
        if !diagnostics.hasErrors { diagnostics += WriteConflicts(directory: directory).warnings(rules) }

        let ruleSet = RuleSet(
            settings: settings ?? RuleSettings(), servers: servers, rules: rules, files: sources.map(\.file),
            memberIDs: checker.memberIDs, groupIDs: checker.groupIDs)
        return Result(ruleSet: diagnostics.hasErrors ? nil : ruleSet, diagnostics: diagnostics.sortedByLocation)
    }

    static func settings(_ nodes: [String: (key: YNode, value: YNode)], reader: inout NodeReader) -> RuleSettings? {
        var s = RuleSettings()
        var ok = true
        if let v = nodes["settle"]?.value {
            if let d = reader.duration(v, "settle") { s.settle = d } else { ok = false }
        }
        if let v = nodes["cooldown"]?.value {
            if let d = reader.duration(v, "cooldown") { s.cooldown = d } else { ok = false }
        }
        if let v = nodes["timezone"]?.value {
            if let tz = reader.text(v, "timezone") {
                if TimeZone(identifier: tz) != nil || tz == "UTC" {
                    s.timezone = tz
                } else {
                    let known = TimeZone.knownTimeZoneIdentifiers
                    reader.error(
                        v.location,
                        "unknown time zone '\(tz)'\(Suggest.hint(tz, known)); write an IANA name such as Europe/Berlin or America/New_York"
                    )
                    ok = false
                }
            } else {
                ok = false
            }
        }
        if let v = nodes["dry_run"]?.value {
            if let b = reader.bool(v, "dry_run") { s.dryRun = b } else { ok = false }
        }
        if let v = nodes["catch_up_window"]?.value {
            if let d = reader.duration(v, "catch_up_window") { s.catchUpWindow = d } else { ok = false }
        }
        if let v = nodes["quiet_hours"]?.value, !v.isNull {
            if let q = quietHours(v, reader: &reader) { s.quietHours = q } else { ok = false }
        }
        return ok ? s : nil
    }

    static func quietHours(_ node: YNode, reader: inout NodeReader) -> QuietHours? {
        var parser = RuleParser(reader: reader, servers: [:], allows: [], file: reader.file)
        defer { reader = parser.reader }
        if node.string != nil {
            return parser.timeWindow(node, "quiet_hours").map { QuietHours(window: $0, days: [], mode: .defer) }
        }
        guard
            let f = parser.reader.fields(
                node, "quiet_hours", allowed: ["from", "to", "days", "mode"],
                hint: "; e.g. `{ from: \"23:00\", to: \"07:00\", mode: defer }`")
        else { return nil }
        guard let fromNode = f["from"], let toNode = f["to"] else {
            parser.reader.error(node.location, "quiet_hours needs `from:` and `to:`")
            return nil
        }
        guard let a = parser.reader.timeOfDay(fromNode, "`from:`"), let b = parser.reader.timeOfDay(toNode, "`to:`"),
            let window = parser.window(a, b, node.location, "quiet_hours")
        else { return nil }
        var days: Set<Weekday> = []
        if let d = f["days"] {
            guard let parsed = parser.reader.days(d, "days") else { return nil }
            days = parsed
        }
        var mode = QuietHours.Mode.defer
        if let m = f["mode"] {
            let words = QuietHours.Mode.allCases.map(\.rawValue)
            guard let s = m.string?.lowercased(), let parsed = QuietHours.Mode(rawValue: s) else {
                parser.reader.error(
                    m.location,
                    "quiet_hours mode is skip or defer\(Suggest.hint(m.string ?? "", words)), not \(m.kindDescription)")
                return nil
            }
            mode = parsed
        }
        return QuietHours(window: window, days: days, mode: mode)
    }
}

extension YNode {
    /// A text form for comparing values across files.
    var canonical: String {
        switch value {
        case .scalar(let s, _): return isNull ? "null" : s
        case .sequence(let items): return "[" + items.map(\.canonical).joined(separator: ",") + "]"
        case .mapping(let pairs):
            return "{" + pairs.map { $0.key.canonical + ":" + $0.value.canonical }.joined(separator: ",") + "}"
        }
    }
}
