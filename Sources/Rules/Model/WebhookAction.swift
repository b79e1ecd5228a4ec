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

extension JSONTemplate {
    /// The JSON text, its strings rendered with `variables` (keys in the order written).
    public func render(_ variables: [String: Any]) -> String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n
        case .string(let t): return Self.quoted(t.render(variables))
        case .array(let items): return "[" + items.map { $0.render(variables) }.joined(separator: ",") + "]"
        case .object(let pairs):
            return "{" + pairs.map { Self.quoted($0.key) + ":" + $0.value.render(variables) }.joined(separator: ",")
                + "}"
        }
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f || (0x2028...0x2029).contains(scalar.value):
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
