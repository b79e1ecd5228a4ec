/// Everything loaded from a rule file or a directory of rule files.
public struct RuleSet: Sendable {
    /// Settings merged from every file.
    public var settings: RuleSettings
    /// Discord server aliases (alias → guild id), merged from every file.
    public var servers: [String: ServerAlias]
    /// The rules, in file order and then in the order written.
    public var rules: [Rule]
    /// The files that were read, in the order they were read.
    public var files: [String]
    /// Member names as written → short id, for the names that were checked against a member list.
    public var memberIDs: [String: String] = [:]
    /// Group names as written → short id, for the names that were checked against a group list.
    public var groupIDs: [String: String] = [:]

    /// An empty rule set with default settings.
    public init(
        settings: RuleSettings = .init(), servers: [String: ServerAlias] = [:], rules: [Rule] = [], files: [String] = [],
        memberIDs: [String: String] = [:], groupIDs: [String: String] = [:]
    ) {
        self.memberIDs = memberIDs
        self.groupIDs = groupIDs
        self.settings = settings
        self.servers = servers
        self.rules = rules
        self.files = files
    }
}

/// A Discord server the user named in `aliases:`.
public struct ServerAlias: Sendable, Hashable {
    /// The alias as written.
    public var name: String
    /// The Discord guild id.
    public var guildID: String
    /// Where the alias was defined.
    public var location: SourceLocation
}

/// `settings:` — how and when rules act.
public struct RuleSettings: Sendable, Hashable {
    /// How long the front must stay the same before state-changing actions run (debounce). Default 5s.
    public var settle: Duration = .seconds(5)
    /// The cooldown every rule has unless it sets its own. Default none.
    public var cooldown: Duration = .zero
    /// IANA time zone for schedules, time windows and quiet hours; nil means the system's PluralKit time zone.
    public var timezone: String?
    /// Quiet hours, if any.
    public var quietHours: QuietHours?
    /// Log actions instead of performing them.
    public var dryRun = false

    /// Default settings.
    public init() {}
}

/// A time window in which state-changing actions are held back.
public struct QuietHours: Sendable, Hashable {
    /// What happens to an action that falls into quiet hours.
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// The action is dropped.
        case skip
        /// The action runs when quiet hours end (only the latest value per target is kept).
        case `defer`
    }

    /// The window (may cross midnight).
    public var window: TimeWindow
    /// The days it applies on (the day the window starts); all days when empty.
    public var days: Set<Weekday>
    /// Skip or defer.
    public var mode: Mode
}

/// A time of day, to the minute.
public struct TimeOfDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// 0–23.
    public var hour: Int
    /// 0–59.
    public var minute: Int

    /// Creates a time of day.
    public init(hour: Int, minute: Int) {
        self.hour = hour
        self.minute = minute
    }

    /// Minutes since midnight.
    public var minutes: Int { hour * 60 + minute }
    /// `HH:MM`.
    public var description: String { (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)" }

    /// Earlier in the day.
    public static func < (a: TimeOfDay, b: TimeOfDay) -> Bool { a.minutes < b.minutes }

    /// Parses `7:00`, `07:00`, `23:30`, `24:00` (end of day).
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
            let h = Int(parts[0]), let m = Int(parts[1]), (0...24).contains(h), (0...59).contains(m), h < 24 || m == 0
        else { return nil }
        hour = h
        minute = m
    }
}

/// From a time to a time; when `to` is not after `from` the window crosses midnight.
public struct TimeWindow: Sendable, Hashable {
    /// Start (inclusive).
    public var from: TimeOfDay
    /// End (exclusive).
    public var to: TimeOfDay

    /// Whether a time of day falls in the window.
    public func contains(_ time: TimeOfDay) -> Bool {
        if from < to { return from <= time && time < to }
        return time >= from || time < to
    }
}

/// A day of the week.
public enum Weekday: String, Sendable, Hashable, CaseIterable, Comparable {
    /// The days, Monday first (ISO 8601 order).
    case monday, tuesday, wednesday, thursday, friday, saturday, sunday

    /// 1 = Monday … 7 = Sunday (ISO 8601).
    public var isoNumber: Int { Self.allCases.firstIndex(of: self)! + 1 }

    /// Earlier in the week (Monday first).
    public static func < (a: Weekday, b: Weekday) -> Bool { a.isoNumber < b.isoNumber }
}

/// A member named in a rule: by name, display name, short id or UUID; or a template resolved when the rule runs.
public struct MemberName: Sendable, Hashable {
    /// As written.
    public var text: String
    /// Where it was written.
    public var location: SourceLocation
    /// True when the text is a template (`{{ first.id }}`), resolved only when the rule runs.
    public var isTemplate: Bool { text.contains("{{") }
}

/// A group named in a rule, by name, display name, short id or UUID.
public struct GroupName: Sendable, Hashable {
    /// As written.
    public var text: String
    /// Where it was written.
    public var location: SourceLocation
}

/// Where an action goes: some named servers, or all aliased ones.
public enum ServerTarget: Sendable, Hashable {
    /// `server: all` — every server in `aliases:`.
    case all
    /// Servers by alias or by guild id, resolved to guild ids.
    case servers([ServerRef])
}

/// A server named in a rule.
public struct ServerRef: Sendable, Hashable {
    /// As written (an alias or a guild id).
    public var text: String
    /// The guild id.
    public var guildID: String
    /// Where it was written.
    public var location: SourceLocation
}
