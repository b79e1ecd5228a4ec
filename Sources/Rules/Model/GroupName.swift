/// A group named in a rule, by name, display name, short id or UUID.
public struct GroupName: Sendable, Hashable {
    /// As written.
    public var text: String
    /// Where it was written.
    public var location: SourceLocation
}
