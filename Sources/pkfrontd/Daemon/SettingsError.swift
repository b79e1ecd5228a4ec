import Foundation

/// A problem with the settings, worded for the user.
///
/// Shaped like `PluralKitError` and ServiceLifecycle's `ServiceGroupError`: an extensible
/// ``Code`` to match on, the message for people, and the error underneath, if any.
struct SettingsError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure it is. New codes may be added; match with `==` and a default.
    struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case configNotFound, configUnreadable, invalidConfig, invalidValue, noToken, noStateDirectory, rulesInvalid,
                rulesTimedOut, namesUnavailable
        }
        private let base: Base
        /// A config file named with --config does not exist.
        static let configNotFound = Code(base: .configNotFound)
        /// The config file cannot be read.
        static let configUnreadable = Code(base: .configUnreadable)
        /// The config file is not a mapping of known settings with valid values.
        static let invalidConfig = Code(base: .invalidConfig)
        /// A setting's value is invalid (URL, poll interval).
        static let invalidValue = Code(base: .invalidValue)
        /// No token was found in any source.
        static let noToken = Code(base: .noToken)
        /// No state directory can be chosen.
        static let noStateDirectory = Code(base: .noStateDirectory)
        /// The rules have errors.
        static let rulesInvalid = Code(base: .rulesInvalid)
        /// Loading the rules took longer than allowed.
        static let rulesTimedOut = Code(base: .rulesTimedOut)
        /// The member and group names cannot be read.
        static let namesUnavailable = Code(base: .namesUnavailable)
        var description: String { base.rawValue }
    }

    /// What kind of failure it is.
    let code: Code
    /// What went wrong and what to do, for people.
    let message: String
    /// The error that caused it, if any (already described in ``message``).
    let underlying: (any Error)?

    var description: String { message }

    /// Creates an error.
    init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }
}
