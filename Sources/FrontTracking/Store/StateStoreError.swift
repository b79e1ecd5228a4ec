/// A failure of the state database or the state directory.
///
/// Shaped like `PluralKitError` and ServiceLifecycle's `ServiceGroupError`: an extensible
/// ``Code`` to match on, the message for people, and the error underneath, if any.
public struct StateStoreError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure it is. New codes may be added; match with `==` and a default.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case directoryUnavailable, cannotOpen, newerSchema, malformedState, cannotWrite, notReady
        }
        private let base: Base
        /// The state directory cannot be created or used.
        public static let directoryUnavailable = Code(base: .directoryUnavailable)
        /// The state database cannot be opened.
        public static let cannotOpen = Code(base: .cannotOpen)
        /// The database was written by a newer pkfrontd.
        public static let newerSchema = Code(base: .newerSchema)
        /// A stored value does not read back (a malformed timestamp, id or payload).
        public static let malformedState = Code(base: .malformedState)
        /// A file next to the database (the tracked-systems marker) cannot be written.
        public static let cannotWrite = Code(base: .cannotWrite)
        /// The store was used before it knew the system (a programming error).
        public static let notReady = Code(base: .notReady)
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
