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
