/// A rule path that cannot be loaded at all (problems inside files are ``Diagnostic``s).
///
/// Shaped like `PluralKitError` and ServiceLifecycle's `ServiceGroupError`: an extensible
/// ``Code`` to match on, the message for people, and the error underneath, if any.
public struct RuleLoadError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure it is. New codes may be added; match with `==` and a default.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case notFound, unreadable
        }
        private let base: Base
        /// The path does not exist.
        public static let notFound = Code(base: .notFound)
        /// The directory cannot be listed.
        public static let unreadable = Code(base: .unreadable)
        public var description: String { base.rawValue }
    }

    /// What kind of failure it is.
    public let code: Code
    /// What went wrong and what to do, for people.
    public let message: String
    /// The error that caused it, if any (already described in ``message``).
    public let underlying: (any Error)?

    public var description: String { message }

    /// Creates an error.
    init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }
}
