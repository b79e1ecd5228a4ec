/// Journal priorities (syslog levels).
public enum LogPriority: String, Sendable, Hashable, CaseIterable {
    /// The syslog levels, most severe first.
    case emerg, alert, crit, err, warning, notice, info, debug

    /// The syslog number (0 = emerg … 7 = debug).
    public var level: Int { Self.allCases.firstIndex(of: self)! }

    /// Words users write, mapped to priorities (`error` → err, `critical` → crit, …).
    static let spellings: [String: LogPriority] = [
        "emerg": .emerg, "emergency": .emerg, "alert": .alert, "crit": .crit, "critical": .crit,
        "err": .err, "error": .err, "warning": .warning, "warn": .warning, "notice": .notice,
        "info": .info, "debug": .debug,
    ]
}
