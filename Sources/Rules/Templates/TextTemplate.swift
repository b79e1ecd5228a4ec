import Foundation
import Mustache

/// A string value of a rule that may hold `{{ … }}` placeholders (Mustache, rendered as plain
/// text: nothing is HTML-escaped).
///
/// Besides Mustache (`{{ first.name }}`, sections `{{#fronters}}…{{/fronters}}`, inverted sections
/// `{{^first}}nobody{{/first}}`, transforms `{{ uppercased(first.name) }}`), a default can be
/// written inline: `{{ first.name or "nobody" }}`.
public struct TextTemplate: Sendable {
    /// The text as written in the rule file.
    public let source: String
    /// Where the value starts in the rule file.
    public let location: SourceLocation
    /// The variables it reads, in order.
    public let references: [Reference]
    let compiled: MustacheTemplate?

    /// A variable a template reads.
    public struct Reference: Sendable, Hashable {
        /// The dotted name as written (`first.name`, `.`).
        public var path: String
        /// The names of the sections it sits in, outermost first (`fronters` in `{{#fronters}}{{name}}{{/fronters}}`).
        public var sections: [String]
        /// Character offset of its `{{` in the source.
        public var offset: Int
        /// The tag as written (`{{ frist.name }}`), to find it again in the file.
        public var tag: String
        /// Whether it opens a section (`{{#x}}` or `{{^x}}`).
        public var opensSection: Bool
    }

    /// A problem found while compiling a template.
    public struct Problem: Sendable, Hashable {
        /// Character offset in the source where the problem is (nil: the whole value).
        public var offset: Int?
        /// The tag involved, if any.
        public var tag: String?
        /// What is wrong.
        public var message: String
    }

    /// Whether the value holds placeholders at all.
    public var isConstant: Bool { !source.contains("{{") }

    /// The deepest nesting of sections a template may have.
    public static let maxSectionDepth = 32
    /// The most `{{ … }}` tags one template may have.
    public static let maxTagsPerTemplate = 1_000

    /// Counts tags and section nesting without parsing: refuses what is over the limits before
    /// anything recursive sees it. Returns the number of tags, or nil after a problem.
    static func checkLimits(_ source: String, problems: inout [Problem]) -> Int? {
        var tags = 0
        var depth = 0
        var offset = 0
        var previousBrace = false
        var tagStart: Int?
        var sigilNext = false
        for c in source {
            if sigilNext, c != " ", c != "\t" {
                sigilNext = false
                if c == "#" || c == "^" {
                    depth += 1
                    if depth > maxSectionDepth {
                        let tag = tagStart.map { start -> String in
                            let rest = source.dropFirst(start)
                            let end = rest.range(of: "}}").map { rest[..<$0.upperBound] } ?? rest.prefix(20)
                            return String(end)
                        }
                        problems.append(
                            .init(
                                offset: tagStart, tag: tag,
                                message: "sections are nested more than \(maxSectionDepth) deep; flatten the template"))
                        return nil
                    }
                } else if c == "/" {
                    depth = max(0, depth - 1)
                }
            }
            if c == "{", previousBrace {
                tags += 1
                tagStart = offset - 1
                if tags > maxTagsPerTemplate {
                    problems.append(
                        .init(
                            offset: nil, tag: nil,
                            message:
                                "a template may have at most \(maxTagsPerTemplate) {{ … }} tags; this one has more — split it or write less"
                        ))
                    return nil
                }
                previousBrace = false
                sigilNext = true
            } else {
                previousBrace = c == "{"
            }
            offset += 1
        }
        return tags
    }

    /// Compiles a template; `problems` receives what is wrong with it.
    init(source: String, location: SourceLocation, problems: inout [Problem]) {
        self.source = source
        self.location = location
        guard source.contains("{{"), Self.checkLimits(source, problems: &problems) != nil else {
            references = []
            compiled = nil
            return
        }
        let expanded = Self.expandDefaults(source, problems: &problems)
        references = Self.scan(source, problems: &problems)
        do {
            compiled = try MustacheTemplate(string: Self.pragma + expanded)
        } catch let error as MustacheTemplate.ParserError {
            compiled = nil
            if problems.isEmpty {
                problems.append(.init(offset: nil, tag: nil, message: "template error: \(Self.describe(error.error))"))
            }
        } catch {
            compiled = nil
            if problems.isEmpty { problems.append(.init(offset: nil, tag: nil, message: "template error: \(error)")) }
        }
    }

    /// A constant text (no placeholders are interpreted).
    public init(constant: String, location: SourceLocation) {
        source = constant
        self.location = location
        references = []
        compiled = nil
    }

    /// Renders with the given values (dictionaries, arrays, strings, numbers, booleans).
    /// Missing values render as nothing (or as their `or "default"`).
    public func render(_ values: [String: Any]) -> String {
        guard let compiled else { return source }
        return compiled.render(Self.pruned(values))
    }

    /// Drops empty texts (recursively), so that `or "default"` and inverted sections treat an
    /// empty value as missing.
    static func pruned(_ values: [String: Any]) -> [String: Any] {
        var out: [String: Any] = [:]
        for (key, value) in values {
            switch value {
            case let text as String where text.isEmpty: continue
            case let nested as [String: Any]: out[key] = pruned(nested)
            case let list as [[String: Any]]: out[key] = list.map(pruned)
            default: out[key] = value
            }
        }
        return out
    }

    static let pragma = "{{% CONTENT_TYPE: TEXT}}"

    /// Transforms swift-mustache knows (`{{ uppercased(name) }}`).
    static let transforms: Set<String> = [
        "empty", "capitalized", "lowercased", "uppercased", "reversed", "first", "last", "count", "sorted",
        "enumerated", "equalzero", "plusone", "minusone", "even", "odd",
    ]

    static func describe(_ error: any Error) -> String {
        switch error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect: "a section is closed with a different name than it was opened with"
        case .unfinishedName: "a {{ … }} tag is not finished (missing }} or a bad name)"
        case .expectedSectionEnd: "a section {{#name}} is never closed with {{/name}}"
        case .invalidSetDelimiter: "bad delimiter change {{= … =}}"
        case .invalidConfigVariableSyntax, .unrecognisedConfigVariable: "{{% … }} pragmas are not supported here"
        case .some: "not supported in rule templates"
        case nil: "\(error)"
        }
    }

    /// `{{ path or "default" }}` → `{{#path}}{{.}}{{/path}}{{^path}}default{{/path}}`.
    static func expandDefaults(_ source: String, problems: inout [Problem]) -> String {
        var out = ""
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                out += rest[open.lowerBound...]
                return out
            }
            let inner = rest[open.upperBound..<close.lowerBound]
            if let (path, fallback) = parseDefault(inner) {
                out += "{{#\(path)}}{{.}}{{/\(path)}}{{^\(path)}}\(fallback){{/\(path)}}"
            } else {
                out += rest[open.lowerBound..<close.upperBound]
            }
            rest = rest[close.upperBound...]
        }
        out += rest
        return out
    }

    /// Splits `first.name or "nobody"` into its parts.
    static func parseDefault(_ inner: Substring) -> (String, String)? {
        let trimmed = inner.trimmingSpaces
        guard let first = trimmed.first, first.isLetter || first == "_" || first == "." else { return nil }
        guard let orRange = trimmed.range(of: " or ") else { return nil }
        let path = trimmed[..<orRange.lowerBound].trimmingSpaces
        let literal = trimmed[orRange.upperBound...].trimmingSpaces
        guard !path.isEmpty, path.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }),
            literal.count >= 2, let q = literal.first, q == "\"" || q == "'", literal.last == q
        else { return nil }
        let text = String(literal.dropFirst().dropLast())
        guard !text.contains("{{"), !text.contains("}}") else { return nil }
        return (String(path), text)
    }

    /// Finds the variables a template reads, and what Mustache features it uses that rules do not support.
    static func scan(_ source: String, problems: inout [Problem]) -> [Reference] {
        let chars = Array(source)
        var refs: [Reference] = []
        var sections: [(name: String, offset: Int)] = []
        var i = 0
        func text(_ a: Int, _ b: Int) -> String { String(chars[a..<b]) }
        while i + 1 < chars.count {
            guard chars[i] == "{", chars[i + 1] == "{" else {
                i += 1
                continue
            }
            let start = i
            let triple = i + 2 < chars.count && chars[i + 2] == "{"
            let closeLength = triple ? 3 : 2
            var j = i + closeLength
            var end: Int?
            while j + closeLength <= chars.count {
                if chars[j] == "}", chars[j + 1] == "}", !triple || chars[j + 2] == "}" {
                    end = j
                    break
                }
                j += 1
            }
            guard let end else {
                problems.append(
                    .init(
                        offset: start, tag: text(start, min(chars.count, start + 20)),
                        message: "'{{' is never closed with '}}'"))
                return refs
            }
            let tag = text(start, end + closeLength)
            var inner = text(start + closeLength, end).trimmingSpaces
            i = end + closeLength
            var sigil: Character? = nil
            if !triple, let s = inner.first, "#^/!&>=%$<".contains(s) {
                sigil = s
                inner = String(inner.dropFirst()).trimmingSpaces
            }
            switch sigil {
            case "!": continue
            case ">":
                problems.append(
                    .init(offset: start, tag: tag, message: "partials ({{> name}}) are not supported in rule templates")
                )
                continue
            case "=":
                problems.append(
                    .init(
                        offset: start, tag: tag,
                        message: "changing delimiters ({{= … =}}) is not supported in rule templates"))
                return refs
            case "%":
                problems.append(
                    .init(offset: start, tag: tag, message: "pragmas ({{% … }}) are not supported in rule templates"))
                continue
            case "$", "<":
                problems.append(
                    .init(
                        offset: start, tag: tag,
                        message: "template inheritance ({{$ … }}, {{< … }}) is not supported in rule templates"))
                continue
            default: break
            }
            if sigil == nil, let (path, _) = parseDefault(Substring(inner)) {
                refs.append(
                    .init(path: path, sections: sections.map(\.name), offset: start, tag: tag, opensSection: false))
                continue
            }
            // Strip transforms: uppercased(first.name)
            var name = inner
            var transformNames: [String] = []
            while let paren = name.firstIndex(of: "("), name.hasSuffix(")") {
                transformNames.append(String(name[..<paren]).trimmingSpaces)
                name = String(name[name.index(after: paren)..<name.index(before: name.endIndex)]).trimmingSpaces
            }
            if let bad = transformNames.first(where: { !transforms.contains($0) }) {
                problems.append(
                    .init(
                        offset: start, tag: tag,
                        message:
                            "unknown transform '\(bad)'\(Suggest.hint(bad, transforms)); known: \(transforms.sorted().joined(separator: ", "))"
                    ))
                continue
            }
            let wellFormed =
                name == "."
                || (name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-" })
                    && !name.contains("..") && !name.hasPrefix(".") && !name.hasSuffix("."))
            guard !name.isEmpty, wellFormed else {
                let hint = name.contains(" ") ? " (a default is written {{ name or \"text\" }})" : ""
                problems.append(.init(offset: start, tag: tag, message: "'\(tag)' is not a valid placeholder\(hint)"))
                continue
            }
            switch sigil {
            case "#", "^":
                refs.append(
                    .init(path: name, sections: sections.map(\.name), offset: start, tag: tag, opensSection: true))
                sections.append((name, start))
            case "/":
                guard let open = sections.popLast() else {
                    problems.append(
                        .init(offset: start, tag: tag, message: "'\(tag)' closes a section that was never opened"))
                    return refs
                }
                if open.name != name {
                    problems.append(
                        .init(
                            offset: start, tag: tag,
                            message:
                                "'\(tag)' closes section '\(open.name)' under a different name; write {{/\(open.name)}}"
                        ))
                    return refs
                }
            default:
                refs.append(
                    .init(path: name, sections: sections.map(\.name), offset: start, tag: tag, opensSection: false))
            }
        }
        if let open = sections.last {
            problems.append(
                .init(
                    offset: open.offset, tag: "{{#\(open.name)}}",
                    message: "section '\(open.name)' is never closed; add {{/\(open.name)}}"))
        }
        return refs
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
