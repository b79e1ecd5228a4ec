import Foundation
import Yams

/// Turns rule-file text into a `YNode` tree, reporting what is wrong with the YAML itself.
enum YAMLReader {
    /// Files larger than this are refused before parsing.
    static let maxBytes = 1_048_576
    /// Deeper nesting than this is refused (no rule needs more than a handful of levels).
    static let maxDepth = 64
    /// More values than this (after expanding aliases) is refused.
    static let maxNodes = 200_000

    /// Reads a file from disk, refusing large and non-text files before parsing; returns the tree and the text.
    static func read(path: String, label: String, diagnostics: inout [Diagnostic]) -> (root: YNode, text: String)? {
        let start = SourceLocation(file: label, line: 1, column: 1)
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let size = (attributes?[.size] as? NSNumber)?.intValue, size > maxBytes {
            diagnostics.append(
                .init(
                    .error, start,
                    "the file is \(formatSize(size)); rule files may be at most 1 MB (split the rules into a directory of files)"
                ))
            return nil
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            diagnostics.append(.init(.error, start, "cannot read the file (does it exist, and may this user read it?)"))
            return nil
        }
        guard let root = parse(data: data, label: label, diagnostics: &diagnostics) else { return nil }
        return (root, String(decoding: data, as: UTF8.self))
    }

    /// Parses bytes (at most `maxBytes`).
    static func parse(data: Data, label: String, diagnostics: inout [Diagnostic]) -> YNode? {
        let start = SourceLocation(file: label, line: 1, column: 1)
        guard data.count <= maxBytes else {
            diagnostics.append(
                .init(
                    .error, start,
                    "the file is \(formatSize(data.count)); rule files may be at most 1 MB (split the rules into a directory of files)"
                ))
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            let offset = firstInvalidUTF8(data)
            diagnostics.append(
                .init(.error, location(ofByte: offset, in: data, file: label), "the file is not UTF-8 text"))
            return nil
        }
        return parse(text: text, label: label, diagnostics: &diagnostics)
    }

    /// Parses text.
    static func parse(text: String, label: String, diagnostics: inout [Diagnostic]) -> YNode? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            diagnostics.append(describe(error, text: text, file: label))
            return nil
        } catch {
            diagnostics.append(.init(.error, .init(file: label, line: 1, column: 1), "not valid YAML: \(error)"))
            return nil
        }
        guard let root else {
            return YNode(value: .scalar("", plain: true), location: .init(file: label, line: 1, column: 1))
        }
        var converter = Converter(file: label)
        let tree = converter.convert(root, depth: 0)
        diagnostics.append(contentsOf: converter.diagnostics)
        return converter.aborted ? nil : tree
    }

    private struct Converter {
        let file: String
        var count = 0
        var aborted = false
        var depthReported = false
        var diagnostics: [Diagnostic] = []

        func loc(_ node: Node) -> SourceLocation {
            SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
        }

        mutating func convert(_ node: Node, depth: Int) -> YNode {
            let location = loc(node)
            count += 1
            if count > YAMLReader.maxNodes {
                if !aborted {
                    aborted = true
                    diagnostics.append(
                        .init(
                            .error, location,
                            "the file holds more than \(YAMLReader.maxNodes) values once its aliases (*name) are expanded; it is refused"
                        ))
                }
                return YNode(value: .scalar("", plain: true), location: location)
            }
            if depth > YAMLReader.maxDepth, !aborted {
                if !depthReported {
                    depthReported = true
                    diagnostics.append(
                        .init(
                            .error, location,
                            "values are nested more than \(YAMLReader.maxDepth) levels deep here; rules never need that many"
                        ))
                }
                return YNode(value: .scalar("", plain: true), location: location)
            }
            switch node {
            case .scalar(let scalar):
                return YNode(value: .scalar(scalar.string, plain: scalar.style == .plain), location: location)
            case .mapping(let mapping):
                var pairs: [(key: YNode, value: YNode)] = []
                for (k, v) in mapping where !aborted {
                    pairs.append((convert(k, depth: depth + 1), convert(v, depth: depth + 1)))
                }
                return YNode(value: .mapping(pairs), location: location)
            case .sequence(let sequence):
                var items: [YNode] = []
                for item in sequence where !aborted { items.append(convert(item, depth: depth + 1)) }
                return YNode(value: .sequence(items), location: location)
            case .alias:
                diagnostics.append(.init(.error, location, "this alias (*name) could not be expanded"))
                return YNode(value: .scalar("", plain: true), location: location)
            }
        }
    }

    static func describe(_ error: YamlError, text: String, file: String) -> Diagnostic {
        func at(_ mark: Mark) -> SourceLocation {
            .init(file: file, line: max(1, mark.line), column: max(1, mark.column))
        }
        func message(_ problem: String, _ context: YamlError.Context?, _ mark: Mark) -> String {
            var text = problem
            if let context, !context.text.isEmpty {
                text += " (\(context.text) that started at line \(context.mark.line), column \(context.mark.column))"
            }
            return "not valid YAML: " + text + hint(problem, mark, in: lines(text: textOf(error)))
        }
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            if problem.contains("end of stream"), let context, context.text.contains("quoted") {
                return .init(
                    .error, at(context.mark),
                    "not valid YAML: this quoted text is never closed (the file ends first); add the closing quote")
            }
            return .init(.error, at(mark), message(problem, context, mark))
        case .reader(let problem, let offset, _, _):
            let data = Data(text.utf8)
            return .init(.error, location(ofByte: offset ?? 0, in: data, file: file), "not valid YAML text: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? "?"
            let first = at(context.mark)
            let second =
                secondOccurrence(of: key, after: context.mark, in: text).map {
                    SourceLocation(file: file, line: $0.line, column: $0.column)
                } ?? first
            let also = duplicates.count > 1 ? " (also: \(duplicates.dropFirst().joined(separator: ", ")))" : ""
            return .init(
                .error, second,
                "duplicate key '\(key)'\(also): it was already set at line \(first.line), column \(first.column); each key may appear once in a mapping"
            )
        default:
            return .init(.error, .init(file: file, line: 1, column: 1), "not valid YAML: \(error)")
        }
    }

    private static func textOf(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, _, _, let yaml), .parser(_, _, _, let yaml), .composer(_, _, _, let yaml): return yaml
        default: return ""
        }
    }

    private static func lines(text: String) -> [Substring] {
        text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// A hint for the commonest YAML mistakes of people new to it.
    private static func hint(_ problem: String, _ mark: Mark, in lines: [Substring]) -> String {
        let line = mark.line >= 1 && mark.line <= lines.count ? lines[mark.line - 1] : ""
        if line.prefix(while: { $0 == " " || $0 == "\t" }).contains("\t")
            || (problem.contains("cannot start any token") && line.contains("\t"))
        {
            return "; YAML does not allow tabs for indentation: indent with spaces"
        }
        if problem.contains("end of stream") && problem.contains("quoted") {
            return "; a quoted text was not closed (add the closing quote)"
        }
        if problem.contains("mapping values are not allowed") {
            return "; a value containing ': ' must be quoted, e.g. \"note: text\""
        }
        if problem.contains("did not find expected key") || problem.contains("expected <block end>") {
            return "; check the indentation of this line against the lines above it"
        }
        if problem.contains("Maximum nesting level") {
            return "; the file is nested far too deeply"
        }
        return ""
    }

    /// Finds where a duplicated key appears again (Yams reports the first one only).
    private static func secondOccurrence(of key: String, after mark: Mark, in text: String) -> (line: Int, column: Int)?
    {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard mark.line >= 1, mark.line <= lines.count else { return nil }
        let indent = mark.column - 1
        for index in mark.line..<lines.count {
            let line = lines[index]
            let leading = line.prefix { $0 == " " }.count
            if leading < indent, !line.trimmingCharacters(in: .whitespaces).isEmpty,
                !line.trimmingCharacters(in: .whitespaces).hasPrefix("#"), !line.dropFirst(leading).hasPrefix("-")
            {
                return nil  // left the mapping
            }
            let rest = line.dropFirst(indent)
            for candidate in [key, "\"\(key)\"", "'\(key)'"] where leading == indent {
                if rest.hasPrefix(candidate + ":") { return (index + 1, indent + 1) }
            }
        }
        return nil
    }

    static func location(ofByte offset: Int, in data: Data, file: String) -> SourceLocation {
        var line = 1
        var column = 1
        for byte in data.prefix(offset) {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return .init(file: file, line: line, column: column)
    }

    private static func firstInvalidUTF8(_ data: Data) -> Int {
        var index = 0
        let bytes = [UInt8](data)
        while index < bytes.count {
            let b = bytes[index]
            let length = b < 0x80 ? 1 : b >> 5 == 0b110 ? 2 : b >> 4 == 0b1110 ? 3 : b >> 3 == 0b11110 ? 4 : 0
            guard length > 0, index + length <= bytes.count,
                bytes[(index + 1)..<(index + length)].allSatisfy({ $0 & 0xC0 == 0x80 })
            else { return index }
            index += length
        }
        return 0
    }

    static func formatSize(_ bytes: Int) -> String {
        bytes >= 1_048_576 ? String(format: "%.1f MB", Double(bytes) / 1_048_576) : "\(bytes / 1024) kB"
    }
}
