#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// The kinds of entity that have a PluralKit short id ("hid") and a UUID.
public protocol EntityKind: Sendable {
    /// A human word for the kind, used in error messages ("member").
    static var noun: String { get }
}

/// Marker type for system ids.
public enum SystemKind: EntityKind { public static let noun = "system" }
/// Marker type for member ids.
public enum MemberKind: EntityKind { public static let noun = "member" }
/// Marker type for group ids.
public enum GroupKind: EntityKind { public static let noun = "group" }

/// A reference to a system, member or group: its 5- or 6-letter short id, or its UUID.
///
/// The initialiser accepts every form the bot displays — uppercase (`HRNAKW`), dash-split
/// (`hrn-akw`), legacy 5-letter ids, and UUIDs in any case — and keeps the canonical form the
/// server needs in request bodies: a lowercase short id without a dash, or a lowercase
/// hyphenated UUID. (The server matches ids in bodies by exact string equality, so sending
/// any other form yields "not found"; see ``PluralKitClient/createSwitch(members:timestamp:system:)``.)
public struct EntityID<Kind: EntityKind>: Hashable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral, Comparable
{
    /// The canonical string: a lowercase short id without a dash, or a lowercase hyphenated UUID.
    public let rawValue: String

    /// Whether this reference is a UUID rather than a short id.
    public var isUUID: Bool { rawValue.count == 36 }

    /// Parses a short id (5 or 6 letters, any case, optionally split `abc-def`) or a UUID.
    /// Returns nil for anything else.
    public init?(_ string: String) {
        let trimmed = string.trimmed
        if let uuid = UUID(uuidString: trimmed) {
            rawValue = uuid.uuidString.lowercased()
            return
        }
        var letters = trimmed.lowercased()
        if letters.count == 7, letters.firstIndex(of: "-") == letters.index(letters.startIndex, offsetBy: 3) {
            letters.remove(at: letters.index(letters.startIndex, offsetBy: 3))
        }
        guard (5...6).contains(letters.count),
            letters.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) })
        else { return nil }
        rawValue = letters
    }

    /// Creates an id from a UUID.
    public init(uuid: UUID) { rawValue = uuid.uuidString.lowercased() }

    /// Creates an id from a literal; traps on an invalid literal (a programming error).
    public init(stringLiteral value: String) {
        guard let id = Self(value) else { preconditionFailure("invalid \(Kind.noun) id literal: \(value)") }
        self = id
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        guard let id = Self(string) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not a \(Kind.noun) id or UUID: \(string)")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The canonical form (see ``rawValue``).
    public var description: String { rawValue }

    /// The id as PluralKit's bot displays it with "split ids" on: `abc-def` for 6-letter ids.
    public var displayForm: String {
        guard !isUUID, rawValue.count == 6 else { return rawValue }
        return String(rawValue.prefix(3)) + "-" + String(rawValue.suffix(3))
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A system's short id or UUID.
public typealias SystemID = EntityID<SystemKind>
/// A member's short id or UUID.
public typealias MemberID = EntityID<MemberKind>
/// A group's short id or UUID.
public typealias GroupID = EntityID<GroupKind>

/// How a system is named in a request path: the token's own system (`@me`), its id or UUID,
/// or the Discord account id of an account linked to it.
public enum SystemRef: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The system that owns the client's token. Requests fail with 401 without a valid token.
    case me
    /// A system by short id or UUID.
    case id(SystemID)
    /// The system linked to a Discord account.
    case discordAccount(Snowflake)

    /// Parses `@me`, a short id or UUID, or a Discord account snowflake (17–20 digits).
    public init?(_ string: String) {
        if string == "@me" {
            self = .me
        } else if let id = SystemID(string) {
            self = .id(id)
        } else if string.count >= 15, let flake = Snowflake(string) {
            self = .discordAccount(flake)
        } else {
            return nil
        }
    }

    /// Parses a literal; traps on an invalid one (a programming error).
    public init(stringLiteral value: String) {
        guard let ref = Self(value) else { preconditionFailure("invalid system reference: \(value)") }
        self = ref
    }

    /// The path component for this reference.
    public var pathComponent: String {
        switch self {
        case .me: "@me"
        case .id(let id): id.rawValue
        case .discordAccount(let flake): flake.description
        }
    }

    public var description: String { pathComponent }
}

/// A switch's id, which is always a UUID (kept as the lowercase hyphenated form).
public struct SwitchID: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The switch UUID.
    public let uuid: UUID
    /// The canonical lowercase hyphenated form.
    public var rawValue: String { uuid.uuidString.lowercased() }

    /// Parses a UUID in any case; nil otherwise.
    public init?(_ string: String) {
        guard let uuid = UUID(uuidString: string) else { return nil }
        self.uuid = uuid
    }

    /// Wraps a UUID.
    public init(uuid: UUID) { self.uuid = uuid }

    /// Parses a literal; traps on an invalid one (a programming error).
    public init(stringLiteral value: String) {
        guard let id = Self(value) else { preconditionFailure("invalid switch id literal: \(value)") }
        self = id
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        guard let id = Self(string) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a switch UUID: \(string)")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }
}

/// A Discord id (guild, channel, message, user). Sent as a JSON string, as the API does; decodes
/// from a string or a number.
public struct Snowflake: Hashable, Sendable, Codable, Comparable, CustomStringConvertible,
    ExpressibleByIntegerLiteral
{
    /// The numeric value.
    public let rawValue: UInt64

    /// Wraps a number.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// Parses decimal digits; nil for anything else.
    public init?(_ string: String) {
        guard !string.isEmpty, string.allSatisfy(\.isASCII), let value = UInt64(string) else { return nil }
        rawValue = value
    }

    public init(integerLiteral value: UInt64) { rawValue = value }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(UInt64.self) {
            rawValue = number
            return
        }
        let string = try container.decode(String.self)
        guard let flake = Snowflake(string) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a Discord id: \(string)")
        }
        self = flake
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// The moment Discord encoded in the id (milliseconds since the Discord epoch, 2015).
    public var timestamp: Timestamp {
        let ms = Int64(rawValue >> 22) + 1_420_070_400_000
        return Timestamp(secondsSince1970: ms / 1000, nanoseconds: Int32(ms % 1000) * 1_000_000)
    }

    public var description: String { String(rawValue) }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension String {
    /// The string without leading and trailing white space and newlines.
    var trimmed: String {
        String(drop { $0.isWhitespace || $0.isNewline }.reversed().drop { $0.isWhitespace || $0.isNewline }.reversed())
    }
}
