import Foundation
import Yams

/// A YAML value with the position it was written at (aliases already expanded).
struct YNode: Sendable {
    enum Value: Sendable {
        /// A scalar and whether it was written plain (unquoted), where `null`, `~` and nothing mean null.
        case scalar(String, plain: Bool)
        case mapping([(key: YNode, value: YNode)])
        case sequence([YNode])
    }

    var value: Value
    var location: SourceLocation

    /// `null`, `~` or an empty value.
    var isNull: Bool {
        if case .scalar(let s, true) = value { return ["", "~", "null", "Null", "NULL"].contains(s) }
        return false
    }

    /// The text of a non-null scalar.
    var string: String? {
        if case .scalar(let s, _) = value, !isNull { return s }
        return nil
    }

    var mapping: [(key: YNode, value: YNode)]? {
        if case .mapping(let pairs) = value { return pairs }
        return nil
    }

    var sequence: [YNode]? {
        if case .sequence(let items) = value { return items }
        return nil
    }

    /// How the value is described in messages ("a list", "a mapping", …).
    var kindDescription: String {
        switch value {
        case .mapping: return "a mapping (key: value lines)"
        case .sequence: return "a list"
        case .scalar(let s, _): return isNull ? "empty" : "'\(s.count > 40 ? String(s.prefix(40)) + "…" : s)'"
        }
    }
}
