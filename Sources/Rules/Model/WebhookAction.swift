/// A webhook call (`webhook:`): a POST of a JSON body.
public struct WebhookAction: Sendable {
    /// The URL (a template).
    public var url: TextTemplate
    /// Extra headers.
    public var headers: [(name: String, value: TextTemplate)]
    /// The JSON body; nil means the event itself as JSON.
    public var body: JSONTemplate?
    /// Given up after this long.
    public var timeout: Duration
    /// The timeout when the rule gives none.
    public static let defaultTimeout: Duration = .seconds(10)
}

/// A JSON value whose strings are templates.
public indirect enum JSONTemplate: Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number as written.
    case number(String)
    /// A string, rendered from a template.
    case string(TextTemplate)
    /// An array.
    case array([JSONTemplate])
    /// An object, keys in the order written.
    case object([(key: String, value: JSONTemplate)])

    /// Every template inside.
    public var templates: [TextTemplate] {
        switch self {
        case .null, .bool, .number: []
        case .string(let t): [t]
        case .array(let items): items.flatMap(\.templates)
        case .object(let pairs): pairs.flatMap(\.value.templates)
        }
    }
}
