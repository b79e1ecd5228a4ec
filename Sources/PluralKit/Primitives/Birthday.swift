/// A member's birthday: month and day, and a year unless it is hidden.
///
/// PluralKit stores a hidden year as the sentinel year `0004` (a leap year, so 29 February
/// works); birthdays stored before 2020 may carry the older sentinel `0001`. Both are read as
/// "year hidden"; `0004` is written.
public struct Birthday: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The year, or nil when hidden.
    public let year: Int?
    /// 1...12
    public let month: Int
    /// 1...31, valid for the month (29 February needs a leap year or a hidden year).
    public let day: Int

    /// The year PluralKit uses to mean "year hidden" when writing.
    public static let hiddenYearSentinel = 4

    /// Creates a birthday; nil if the date does not exist (e.g. 29 February 2023, 31 April).
    public init?(year: Int? = nil, month: Int, day: Int) {
        let year = (year == 1 || year == 4) ? nil : year
        if let year, !(1...9999).contains(year) { return nil }
        guard (1...12).contains(month), day >= 1, day <= Timestamp.daysIn(month: month, year: year) else {
            return nil
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` (years `0001` and `0004` mean "year hidden") or `MM-DD`.
    public init?(_ string: String) {
        let parts = string.split(separator: "-", omittingEmptySubsequences: false)
        let numbers = parts.map { part in part.allSatisfy(\.isASCII) ? Int(part) : nil }
        switch parts.count {
        case 3 where parts[0].count == 4 && parts[1].count == 2 && parts[2].count == 2:
            guard let y = numbers[0], let m = numbers[1], let d = numbers[2] else { return nil }
            self.init(year: y, month: m, day: d)
        case 2 where parts[0].count == 2 && parts[1].count == 2:
            guard let m = numbers[0], let d = numbers[1] else { return nil }
            self.init(month: m, day: d)
        default:
            return nil
        }
    }

    /// Whether the year is hidden.
    public var hidesYear: Bool { year == nil }

    /// The wire form `YYYY-MM-DD`, with `0004` for a hidden year.
    public var description: String {
        Timestamp.pad(year ?? Self.hiddenYearSentinel, 4) + "-" + Timestamp.pad(month, 2) + "-"
            + Timestamp.pad(day, 2)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        guard let value = Birthday(string) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a birthday: \(string)")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A colour as PluralKit stores it: six hexadecimal digits, no `#`.
public struct Color: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// Six lowercase hex digits.
    public let hex: String

    /// Parses `rrggbb` or `#rrggbb` in any case; nil otherwise.
    public init?(_ string: String) {
        var s = Substring(string)
        if s.hasPrefix("#") { s = s.dropFirst() }
        guard s.count == 6, s.allSatisfy(\.isHexDigit), s.allSatisfy(\.isASCII) else { return nil }
        hex = s.lowercased()
    }

    /// Creates a colour from red, green and blue components.
    public init(red: UInt8, green: UInt8, blue: UInt8) {
        hex = [red, green, blue].map { component in
            let digits = String(component, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }

    /// Parses a literal; traps when it is not a colour (a programming error).
    public init(stringLiteral value: String) {
        guard let color = Color(value) else { preconditionFailure("invalid colour literal: \(value)") }
        self = color
    }

    /// The red, green and blue components.
    public var components: (red: UInt8, green: UInt8, blue: UInt8) {
        let value = UInt32(hex, radix: 16) ?? 0
        return (UInt8(value >> 16), UInt8(value >> 8 & 0xff), UInt8(value & 0xff))
    }

    public var description: String { hex }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let string = try container.decode(String.self)
        guard let value = Color(string) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a colour: \(string)")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
