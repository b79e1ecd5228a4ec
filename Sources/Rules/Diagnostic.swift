/// A position in a rule file: 1-based line and column, as editors count them.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The file as the user named it (a path, or a label for text that came from elsewhere).
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column, in Unicode scalars (as the YAML parser counts).
    public var column: Int

    /// Creates a location.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`.
    public var description: String { "\(file):\(line):\(column)" }

    /// By file, then line, then column.
    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.file, a.line, a.column) < (b.file, b.line, b.column)
    }
}

/// One problem found in a rule file.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    /// How bad a problem is: an error stops the rules from loading, a warning does not.
    public enum Severity: String, Sendable, Hashable {
        /// The rules cannot load.
        case error
        /// Probably not what was meant, but the rules load.
        case warning
    }

    /// Error or warning.
    public var severity: Severity
    /// Where the problem is.
    public var location: SourceLocation
    /// What is wrong and, where we can tell, what to do about it.
    public var message: String

    /// Creates a diagnostic.
    public init(_ severity: Severity, _ location: SourceLocation, _ message: String) {
        self.severity = severity
        self.location = location
        self.message = message
    }

    /// The compiler-style line: `file:line:column: error: message`.
    public var description: String { "\(location): \(severity.rawValue): \(message)" }
}

extension [Diagnostic] {
    /// Whether any of these is an error.
    public var hasErrors: Bool { contains { $0.severity == .error } }

    /// Sorted by file, line and column; errors before warnings at the same place.
    public var sortedByLocation: [Diagnostic] {
        enumerated().sorted { a, b in
            if a.element.location != b.element.location { return a.element.location < b.element.location }
            return a.offset < b.offset
        }.map(\.element)
    }
}

/// "did you mean" suggestions for misspelt words.
enum Suggest {
    /// The candidate closest to `word`, if it is close enough to be a likely typo.
    static func closest(to word: String, in candidates: some Sequence<String>) -> String? {
        let w = word.lowercased()
        var best: (String, Int)?
        for c in candidates {
            let d = distance(w, c.lowercased())
            if best == nil || d < best!.1 { best = (c, d) }
        }
        guard let (candidate, d) = best else { return nil }
        let limit = max(1, min(3, (max(w.count, candidate.count) + 2) / 4))
        if d <= limit { return candidate }
        // A prefix or a differently separated word ("autoproxymode", "fronter-added").
        let squash = { (s: String) in s.lowercased().filter { $0.isLetter || $0.isNumber } }
        if squash(candidate) == squash(word) { return candidate }
        return nil
    }

    /// ` (did you mean 'x'?)` or an empty string.
    static func hint(_ word: String, _ candidates: some Sequence<String>) -> String {
        closest(to: word, in: candidates).map { " (did you mean '\($0)'?)" } ?? ""
    }

    /// Damerau-Levenshtein distance (optimal string alignment), on characters.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev2 = [Int](repeating: 0, count: b.count + 1)
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                cur[j] = Swift.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    cur[j] = Swift.min(cur[j], prev2[j - 2] + 1)
                }
            }
            (prev2, prev, cur) = (prev, cur, prev2)
        }
        return prev[b.count]
    }
}
