/// A field an action sets, by its PluralKit API name.
public struct FieldChange: Sendable {
    /// The API field name (`tag`, `display_name`, `color`, …).
    public var field: String
    /// The new value.
    public var value: FieldValue
    /// Where it was written.
    public var location: SourceLocation
}

/// A new field value.
public enum FieldValue: Sendable {
    /// `null`: clear the field.
    case clear
    /// Text (a template).
    case text(TextTemplate)
    /// A yes/no field (`tag_enabled`, `proxying_enabled`, …).
    case bool(Bool)
}
