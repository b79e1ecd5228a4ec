/// Whether a field is visible to others.
///
/// Unknown strings from a newer server decode as ``unknown(_:)`` rather than failing.
public enum Privacy: Hashable, Sendable, Codable, CustomStringConvertible {
    case `public`
    case `private`
    /// A value this client does not know.
    case unknown(String)

    public init(rawValue: String) {
        switch rawValue {
        case "public": self = .public
        case "private": self = .private
        default: self = .unknown(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .public: "public"
        case .private: "private"
        case .unknown(let value): value
        }
    }

    public var description: String { rawValue }
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Autoproxy mode in one Discord server.
public enum AutoproxyMode: Hashable, Sendable, Codable, CustomStringConvertible, CaseIterable {
    /// No autoproxy.
    case off
    /// Proxy as the first fronter of the current switch.
    case front
    /// Proxy as the last member who proxied in that server.
    case latch
    /// Proxy as a fixed member (`autoproxy_member`).
    case member

    public init?(rawValue: String) {
        switch rawValue {
        case "off": self = .off
        case "front": self = .front
        case "latch": self = .latch
        case "member": self = .member
        default: return nil
        }
    }

    public var rawValue: String {
        switch self {
        case .off: "off"
        case .front: "front"
        case .latch: "latch"
        case .member: "member"
        }
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // The server treats null as off.
        if container.decodeNil() {
            self = .off
            return
        }
        let raw = try container.decode(String.self)
        guard let mode = AutoproxyMode(rawValue: raw) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown autoproxy mode \(raw)")
        }
        self = mode
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A change to one field in an update: leave it alone, clear it (send `null`), or set it.
///
/// PluralKit's PATCH endpoints leave omitted keys unchanged, so an update needs three states
/// where Swift's `Optional` has two. Assign a value directly thanks to the literal conformances,
/// or use ``clear``:
/// ```swift
/// var update = MemberUpdate()
/// update.pronouns = .set("she/her")
/// update.description = .clear
/// ```
public enum Update<Value: Sendable & Hashable>: Sendable, Hashable {
    /// Leave the field as it is (the key is not sent).
    case unchanged
    /// Clear the field (the key is sent as `null`; for privacy fields this resets to public).
    case clear
    /// Set the field to a value.
    case set(Value)

    /// True unless ``unchanged``.
    public var isChange: Bool { if case .unchanged = self { false } else { true } }

    /// The value being set, if any.
    public var value: Value? { if case .set(let v) = self { v } else { nil } }
}

extension Update: ExpressibleByNilLiteral {
    /// `nil` means ``clear``.
    public init(nilLiteral: ()) { self = .clear }
}

extension Update: ExpressibleByUnicodeScalarLiteral where Value == String {
    public init(unicodeScalarLiteral value: String) { self = .set(value) }
}
extension Update: ExpressibleByExtendedGraphemeClusterLiteral where Value == String {
    public init(extendedGraphemeClusterLiteral value: String) { self = .set(value) }
}
extension Update: ExpressibleByStringLiteral where Value == String {
    public init(stringLiteral value: String) { self = .set(value) }
}
extension Update: ExpressibleByBooleanLiteral where Value == Bool {
    public init(booleanLiteral value: Bool) { self = .set(value) }
}
extension Update: ExpressibleByIntegerLiteral where Value == Int {
    public init(integerLiteral value: Int) { self = .set(value) }
}
