/// A PluralKit API token (from `pk;token`). Its description, debug description and reflection
/// never show the secret, so it can be logged, interpolated or dumped safely.
public struct Token: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    private let secret: String

    /// Wraps a token, trimming surrounding white space and a trailing newline (as token files
    /// have). Nil when nothing is left.
    public init?(_ value: String) {
        let trimmed = value.trimmed
        guard !trimmed.isEmpty else { return nil }
        secret = trimmed
    }

    /// The token itself, for the `Authorization` header. Handle with care.
    public func reveal() -> String { secret }

    public var description: String { "Token(redacted, \(secret.count) characters)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
