import Foundation

/// Reading typed values out of `YNode`s while collecting diagnostics.
struct NodeReader {
    let file: String
    /// The file's lines, to place template problems on the exact column.
    let lines: [Substring]
    var diagnostics: [Diagnostic] = []
    /// Template tags seen so far in this file (bounded by ``maxTagsPerFile``).
    var templateTags = 0

    init(file: String, text: String) {
        self.file = file
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    mutating func error(_ at: SourceLocation, _ message: String) { diagnostics.append(.init(.error, at, message)) }
    mutating func warning(_ at: SourceLocation, _ message: String) { diagnostics.append(.init(.warning, at, message)) }

    /// The keys of a mapping, checked against the allowed ones; unknown keys are errors with a suggestion.
    /// Returns nil (after an error) when the node is not a mapping.
    mutating func fields(
        _ node: YNode, _ what: String, allowed: [String], hint: String = "", synonyms: [String: String] = [:]
    ) -> Fields? {
        guard let pairs = node.mapping else {
            error(
                node.location,
                "\(what) must be a mapping of \(allowed.prefix(6).joined(separator: ", "))…, not \(node.kindDescription)\(hint)"
            )
            return nil
        }
        var out = Fields(location: node.location)
        for (key, value) in pairs {
            guard let name = key.string else {
                error(key.location, "\(what): keys must be plain words, not \(key.kindDescription)")
                continue
            }
            guard allowed.contains(name) else {
                let suggestion =
                    synonyms[name.lowercased()].map { " (did you mean '\($0)'?)" } ?? Suggest.hint(name, allowed)
                error(
                    key.location,
                    "unknown key '\(name)' in \(what)\(suggestion); allowed: \(allowed.joined(separator: ", "))")
                out.hadUnknownKeys = true
                if let target = synonyms[name.lowercased()] ?? Suggest.closest(to: name, in: allowed) {
                    out.suggested.insert(target)
                }
                continue
            }
            out.order.append(name)
            out.values[name] = (key, value)
        }
        return out
    }

    struct Fields {
        var location: SourceLocation
        var order: [String] = []
        /// Some keys were unknown (already reported): skip "nothing set" follow-up errors.
        var hadUnknownKeys = false
        /// Keys suggested for misspelt ones: a missing key that was suggested is not reported again.
        var suggested: Set<String> = []
        var values: [String: (key: YNode, value: YNode)] = [:]
        subscript(_ name: String) -> YNode? { values[name]?.value }
        func keyLocation(_ name: String) -> SourceLocation? { values[name]?.key.location }
    }

    /// A non-empty text scalar.
    mutating func text(_ node: YNode, _ what: String) -> String? {
        guard let s = node.string else {
            error(node.location, "\(what) must be a text value, not \(node.kindDescription)")
            return nil
        }
        return s
    }

    /// `yes`/`no`, `true`/`false`, `on`/`off`.
    mutating func bool(_ node: YNode, _ what: String) -> Bool? {
        switch node.string?.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            error(node.location, "\(what) must be true or false, not \(node.kindDescription)")
            return nil
        }
    }

    /// A whole number in a range.
    mutating func int(_ node: YNode, _ what: String, range: ClosedRange<Int>) -> Int? {
        guard let s = node.string, let n = Int(s), range.contains(n) else {
            error(
                node.location,
                "\(what) must be a whole number from \(range.lowerBound) to \(range.upperBound), not \(node.kindDescription)"
            )
            return nil
        }
        return n
    }

    /// `30s`, `15m`, `4h`, `1h30m`, `2d`.
    mutating func duration(_ node: YNode, _ what: String, minimum: Duration = .zero) -> Duration? {
        guard let s = node.string else {
            error(
                node.location, "\(what) must be a duration such as 30s, 15m, 4h or 1h30m, not \(node.kindDescription)")
            return nil
        }
        guard let d = DurationParser.parse(s) else {
            var hint = ""
            if Int(s) != nil { hint = " (add a unit: \(s)s, \(s)m or \(s)h)" }
            error(node.location, "'\(s)' is not a duration; write e.g. 30s, 15m, 4h or 1h30m\(hint)")
            return nil
        }
        if d < minimum {
            error(node.location, "\(what) must be at least \(DurationParser.format(minimum)), not \(s)")
            return nil
        }
        return d
    }

    /// `21:30` (also `7:00`).
    mutating func timeOfDay(_ node: YNode, _ what: String) -> TimeOfDay? {
        guard let s = node.string, let t = TimeOfDay(parsing: s) else {
            var hint = ""
            if case .scalar(let raw, _) = node.value, Int(raw) != nil { hint = " (quote times: \"21:30\")" }
            error(
                node.location,
                "\(what) must be a time of day such as \"07:00\" or \"23:30\", not \(node.kindDescription)\(hint)")
            return nil
        }
        return t
    }

    /// A scalar or a list of scalars, as a list.
    func list(_ node: YNode) -> [YNode] {
        if let items = node.sequence { return items }
        if node.isNull { return [] }
        return [node]
    }

    static let dayWords: [String: Weekday] = {
        var out: [String: Weekday] = [:]
        for d in Weekday.allCases {
            out[d.rawValue] = d
            out[String(d.rawValue.prefix(3))] = d
        }
        out["tues"] = .tuesday
        out["wednes"] = .wednesday
        out["thur"] = .thursday
        out["thurs"] = .thursday
        return out
    }()

    /// `[mon, tue]`, `weekdays`, `weekends`, `every day`, `mon-fri`, `saturday`.
    mutating func days(_ node: YNode, _ what: String) -> Set<Weekday>? {
        var out: Set<Weekday> = []
        var ok = true
        let items = list(node)
        if items.isEmpty {
            error(node.location, "\(what) lists no days; write e.g. [mon, wed] or weekdays")
            return nil
        }
        for item in items {
            guard let raw = item.string?.lowercased().trimmingSpaces else {
                error(
                    item.location, "\(what): a day must be a word such as mon or saturday, not \(item.kindDescription)")
                ok = false
                continue
            }
            switch raw {
            case "weekdays": out.formUnion([.monday, .tuesday, .wednesday, .thursday, .friday])
            case "weekends", "weekend": out.formUnion([.saturday, .sunday])
            case "every day", "everyday", "daily", "all": out.formUnion(Weekday.allCases)
            default:
                let parts = raw.split(separator: "-").map { String($0).trimmingSpaces }
                let days = parts.compactMap { Self.dayWords[$0] }
                if parts.count == 1, let d = days.first {
                    out.insert(d)
                } else if parts.count == 2, days.count == 2 {
                    var i = days[0].isoNumber
                    while true {
                        out.insert(Weekday.allCases[i - 1])
                        if i == days[1].isoNumber { break }
                        i = i % 7 + 1
                    }
                } else {
                    let words = Weekday.allCases.map(\.rawValue) + ["weekdays", "weekends", "every day"]
                    error(
                        item.location,
                        "'\(item.string ?? "")' is not a day\(Suggest.hint(raw, words)); write mon … sun, monday … sunday, weekdays, weekends, every day or a range like mon-fri"
                    )
                    ok = false
                }
            }
        }
        return ok ? out : nil
    }

    /// A template; its problems are reported where they are in the file.
    mutating func template(_ node: YNode, _ what: String) -> TextTemplate? {
        guard let s = node.string else {
            if node.isNull {
                error(node.location, "\(what) is empty")
            } else {
                error(node.location, "\(what) must be a text value, not \(node.kindDescription)")
            }
            return nil
        }
        return template(s, at: node.location)
    }

    /// The most `{{ … }}` tags one rule file may have in all its templates.
    static let maxTagsPerFile = 100_000

    mutating func template(_ s: String, at location: SourceLocation) -> TextTemplate? {
        var opens = 0
        var previous: UInt8 = 0
        for byte in s.utf8 {
            if byte == UInt8(ascii: "{"), previous == UInt8(ascii: "{") {
                opens += 1
                previous = 0
            } else {
                previous = byte
            }
        }
        if opens > 0 {
            let before = templateTags
            templateTags += opens
            if templateTags > Self.maxTagsPerFile {
                if before <= Self.maxTagsPerFile {
                    error(
                        location,
                        "the file has more than \(Self.maxTagsPerFile) {{ … }} template tags; split it into several files or write shorter templates"
                    )
                }
                return nil
            }
        }
        var problems: [TextTemplate.Problem] = []
        let t = TextTemplate(source: s, location: location, problems: &problems)
        for p in problems {
            error(place(offset: p.offset, tag: p.tag, in: t), p.message)
        }
        return problems.isEmpty ? t : nil
    }

    /// Places many tags of one template in one pass over the value's lines: the k-th `{{` of the
    /// template is the k-th `{{` in the file from the value's start (checked; a tag that is not
    /// where expected is searched for as ``place(offset:tag:in:)`` does). Linear in the size of
    /// the value, however many tags it has.
    struct TagPlacer {
        let reader: NodeReader
        let template: TextTemplate
        /// `{{` offsets in the template's characters → their index.
        let indexByOffset: [Int: Int]
        /// File positions (line index, scalar column) of the `{{`s from the value's start.
        let filePositions: [(line: Int, column: Int)]

        init(reader: NodeReader, template: TextTemplate) {
            self.reader = reader
            self.template = template
            var index: [Int: Int] = [:]
            var previousBrace = false
            var offset = 0
            for c in template.source {
                if c == "{", previousBrace {
                    index[offset - 1] = index.count
                    previousBrace = false
                } else {
                    previousBrace = c == "{"
                }
                offset += 1
            }
            indexByOffset = index
            var positions: [(Int, Int)] = []
            let first = template.location.line - 1
            if first >= 0, first < reader.lines.count {
                outer: for lineIndex in first..<min(reader.lines.count, first + 200) {
                    var column = 0
                    var previous: Unicode.Scalar = "\0"
                    let start = lineIndex == first ? template.location.column - 1 : 0
                    for scalar in reader.lines[lineIndex].unicodeScalars {
                        if column >= start {
                            if scalar == "{", previous == "{" {
                                positions.append((lineIndex, column - 1))
                                previous = "\0"
                                if positions.count >= index.count { break outer }
                                column += 1
                                continue
                            }
                            previous = scalar
                        }
                        column += 1
                    }
                }
            }
            filePositions = positions
        }

        /// Where a tag that starts at `offset` in the template is in the file.
        func place(offset: Int, tag: String) -> SourceLocation {
            if let k = indexByOffset[offset], k < filePositions.count {
                let (lineIndex, column) = filePositions[k]
                let line = reader.lines[lineIndex].unicodeScalars
                let expected = tag.unicodeScalars.prefix { $0 != "\n" }
                if let start = line.index(line.startIndex, offsetBy: column, limitedBy: line.endIndex),
                    line[start...].starts(with: expected)
                {
                    return .init(file: reader.file, line: lineIndex + 1, column: column + 1)
                }
            }
            return reader.place(offset: offset, tag: tag, in: template)
        }
    }

    /// The file position of a tag inside a template value (the value's start when it cannot be found).
    func place(offset: Int?, tag: String?, in template: TextTemplate) -> SourceLocation {
        guard let tag, template.location.line >= 1, template.location.line <= lines.count else {
            return template.location
        }
        // Find which occurrence of the tag this is, then find that occurrence in the file from the value on.
        let before = offset.map { String(template.source.prefix($0)) } ?? ""
        let occurrence = before.components(separatedBy: tag).count - 1
        var seen = 0
        for lineIndex in (template.location.line - 1)..<min(lines.count, template.location.line + 200) {
            // Columns count Unicode scalars, as the YAML parser's positions do.
            let line = Array(lines[lineIndex].unicodeScalars)
            var col = lineIndex == template.location.line - 1 ? template.location.column - 1 : 0
            let needle = Array(tag.unicodeScalars)
            while col + needle.count <= line.count {
                if Array(line[col..<(col + needle.count)]) == needle {
                    if seen == occurrence { return .init(file: file, line: lineIndex + 1, column: col + 1) }
                    seen += 1
                }
                col += 1
            }
        }
        return template.location
    }
}
