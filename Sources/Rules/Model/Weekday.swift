/// A day of the week.
public enum Weekday: String, Sendable, Hashable, CaseIterable, Comparable {
    /// The days, Monday first (ISO 8601 order).
    case monday, tuesday, wednesday, thursday, friday, saturday, sunday

    /// 1 = Monday … 7 = Sunday (ISO 8601).
    public var isoNumber: Int { Self.allCases.firstIndex(of: self)! + 1 }

    /// Earlier in the week (Monday first).
    public static func < (a: Weekday, b: Weekday) -> Bool { a.isoNumber < b.isoNumber }
}
