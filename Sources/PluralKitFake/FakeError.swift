/// A failure of the fake PluralKit's own interface (control calls, the server).
///
/// Shaped like `PluralKitError` and ServiceLifecycle's `ServiceGroupError`: an extensible
/// ``Code`` to match on, the message for people, and the error underneath, if any.
public struct FakeError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure it is. New codes may be added; match with `==` and a default.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case notFound, invalidInput, conflict, injected, serverFailed
        }
        private let base: Base
        /// A system, member, group or switch named in a control call does not exist.
        public static let notFound = Code(base: .notFound)
        /// A control call's input is missing or malformed.
        public static let invalidInput = Code(base: .invalidInput)
        /// The call would break an invariant (two systems with one token).
        public static let conflict = Code(base: .conflict)
        /// A failure injected by a fault (a reset connection).
        public static let injected = Code(base: .injected)
        /// The server could not start.
        public static let serverFailed = Code(base: .serverFailed)
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
