#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// A tz database time zone name as PluralKit stores it in system settings (`Europe/Berlin`).
public struct Timezone: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The IANA identifier.
    public let identifier: String

    /// UTC, the server's default.
    public static let utc = Timezone(unchecked: "UTC")

    /// Accepts an IANA identifier known to this machine's tz database; nil otherwise.
    public init?(_ identifier: String) {
        guard TimeZone(identifier: identifier) != nil else { return nil }
        self.identifier = identifier
    }

    /// Wraps an identifier without checking it (for names the server knows and this machine does not).
    public init(unchecked identifier: String) { self.identifier = identifier }

    /// Parses a literal; traps when the zone is unknown (a programming error).
    public init(stringLiteral value: String) {
        guard let zone = Timezone(value) else { preconditionFailure("unknown time zone: \(value)") }
        self = zone
    }

    /// The zone as a Foundation `TimeZone`, if this machine knows it.
    public var timeZone: TimeZone? { TimeZone(identifier: identifier) }

    public var description: String { identifier }

    /// Decoding never fails on an unknown name: the server's tz database may be newer than ours.
    public init(from decoder: any Decoder) throws {
        identifier = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(identifier)
    }
}
