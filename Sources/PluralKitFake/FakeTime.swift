#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// An instant with microsecond precision (the server's database precision), formatted like
/// NodaTime's `InstantPattern.ExtendedIso`: UTC, `Z`, fraction with trailing zeros removed.
public struct FakeTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var micros: Int64

    public init(micros: Int64) { self.micros = micros }

    /// From a `Date`, rounded to microseconds.
    public init(_ date: Date) {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        micros = Int64(seconds) * 1_000_000 + Int64(((date.timeIntervalSince1970 - seconds) * 1e6).rounded())
    }

    /// Seconds since the epoch.
    public init(seconds: Int64) { micros = seconds * 1_000_000 }

    public static func < (a: FakeTime, b: FakeTime) -> Bool { a.micros < b.micros }

    /// This instant plus some seconds.
    public func adding(seconds: Double) -> FakeTime { FakeTime(micros: micros + Int64(seconds * 1e6)) }

    private static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    public var description: String { format(fraction: true) }

    /// Without fraction (the message model's timestamp).
    public var wholeSeconds: String { format(fraction: false) }

    private func format(fraction: Bool) -> String {
        var seconds = micros / 1_000_000
        var fractionMicros = micros % 1_000_000
        if fractionMicros < 0 {
            fractionMicros += 1_000_000
            seconds -= 1
        }
        let date = Date(timeIntervalSince1970: TimeInterval(seconds))
        let c = Self.calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ v: Int?) -> String {
            let v = v ?? 0
            return v < 10 ? "0\(v)" : "\(v)"
        }
        var year = String(c.year ?? 0)
        while year.count < 4 { year = "0" + year }
        var out = "\(year)-\(two(c.month))-\(two(c.day))T\(two(c.hour)):\(two(c.minute)):\(two(c.second))"
        if fraction, fractionMicros > 0 {
            var digits = String(fractionMicros)
            digits = String(repeating: "0", count: 6 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            out += "." + digits
        }
        return out + "Z"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.f{1,9}]` followed by `Z` (and, when `lenient`, an offset or
    /// nothing, read as UTC — like .NET `DateTime.Parse` on a UTC server). Fractions beyond
    /// microseconds are truncated, as the database would store them.
    public static func parse(_ text: String, lenient: Bool = false) -> FakeTime? {
        let u = Array(text.utf8)
        guard u.count >= 19 else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            guard r.upperBound <= u.count, r.allSatisfy({ u[$0] >= 48 && u[$0] <= 57 }) else { return nil }
            return r.reduce(0) { $0 * 10 + Int(u[$1] - 48) }
        }
        guard let y = num(0..<4), u[4] == 45, let mo = num(5..<7), u[7] == 45, let d = num(8..<10),
            u[10] == 84 || (lenient && (u[10] == 32 || u[10] == 116)), let h = num(11..<13), u[13] == 58,
            let mi = num(14..<16), u[16] == 58, let s = num(17..<19)
        else { return nil }
        var i = 19
        var micros = 0
        if i < u.count, u[i] == 46 {
            i += 1
            var digits = 0
            while i < u.count, u[i] >= 48, u[i] <= 57 {
                if digits < 6 { micros = micros * 10 + Int(u[i] - 48) }
                digits += 1
                i += 1
            }
            guard (1...9).contains(digits) else { return nil }
            for _ in min(digits, 6)..<6 { micros *= 10 }
        }
        var offset = 0
        if i == u.count {
            guard lenient else { return nil }
        } else if u[i] == 90 && i + 1 == u.count {
            // Z
        } else if lenient, u[i] == 43 || u[i] == 45, i + 6 == u.count, let oh = num(i + 1..<i + 3), u[i + 3] == 58,
            let om = num(i + 4..<i + 6)
        {
            offset = (u[i] == 43 ? 1 : -1) * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        var comps = DateComponents()
        comps.year = y
        comps.month = mo
        comps.day = d
        comps.hour = h
        comps.minute = mi
        comps.second = s
        guard (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 60,
            let date = calendar.date(from: comps),
            calendar.component(.day, from: date) == d
        else { return nil }
        let seconds = Int64(date.timeIntervalSince1970.rounded()) - Int64(offset)
        return FakeTime(micros: seconds * 1_000_000 + Int64(micros))
    }
}

/// A small deterministic random generator (SplitMix64), so a seed always builds the same system.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A new 6-letter id from the server's alphabet (5 letters: a legacy id, as systems created
    /// before 2022 have).
    public mutating func shortID(length: Int = 6) -> String {
        let alphabet = Array("abcefghjknoprstuvwxyz")
        return String((0..<length).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] })
    }

    /// A random (version 4) UUID, lowercase.
    public mutating func uuid() -> String {
        var bytes = (0..<16).map { _ in UInt8(truncatingIfNeeded: next()) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }
        return hex[0..<4].joined() + "-" + hex[4..<6].joined() + "-" + hex[6..<8].joined() + "-"
            + hex[8..<10].joined() + "-" + hex[10..<16].joined()
    }

    /// A 64-character base64 token (48 random bytes), like `pk;token`'s.
    public mutating func token() -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        return String((0..<64).map { _ in table[Int(next() % 64)] })
    }
}
