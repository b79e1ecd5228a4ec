/// A member named in a rule: by name, display name, short id or UUID; or a template resolved when the rule runs.
public struct MemberName: Sendable, Hashable {
    /// As written.
    public var text: String
    /// Where it was written.
    public var location: SourceLocation
    /// Creates a name as written at a place.
    public init(text: String, location: SourceLocation) {
        self.text = text
        self.location = location
    }

    /// True when the text is a template (`{{ first.id }}`), resolved only when the rule runs.
    public var isTemplate: Bool { text.contains("{{") }
}
