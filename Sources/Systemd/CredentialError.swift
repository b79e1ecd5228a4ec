/// A token source that cannot be used; the message names the source, never the secret.
///
/// Shaped like ServiceLifecycle's `ServiceGroupError`: an extensible
/// ``Code`` to match on, the message for people, and the error underneath, if any.
public struct CredentialError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure it is. New codes may be added; match with `==` and a default.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case unreadable, insecureMode, tooLarge, empty, malformed
        }
        private let base: Base
        /// The file cannot be read or opened.
        public static let unreadable = Code(base: .unreadable)
        /// Others may read the file.
        public static let insecureMode = Code(base: .insecureMode)
        /// The file is too large to be a token.
        public static let tooLarge = Code(base: .tooLarge)
        /// The source is empty.
        public static let empty = Code(base: .empty)
        /// The content is not one line of printable ASCII without spaces.
        public static let malformed = Code(base: .malformed)
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
