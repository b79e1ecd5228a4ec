public import PluralKit

/// What the engine must remember across events, restarts and reloads; the shell stores it as
/// JSON. Keys name rules by their `name`, so a reload that changes only a rule's text keeps
/// its cooldown clocks and fired deadlines (RULES-ENGINE.md, "Start, reload, stop").
public struct EngineState: Sendable, Hashable, Codable {
    /// `fronting_for` deadlines that fired: `rule|subject|seconds|stint start`.
    public var fired: Set<String> = []
    /// When each (rule, member) — or rule — last performed an action: the cooldown clocks.
    public var cooldowns: [String: Timestamp] = [:]
    /// Per schedule trigger (`rule|at|index`): the last time it came due and was handled.
    public var schedules: [String: Timestamp] = [:]
    /// `fronting_for` deadlines already announced as `armed`.
    public var armed: Set<String> = []
    /// The last time the engine was woken or handled an event.
    public var lastSeen: Timestamp?

    /// An empty state (a first start).
    public init() {}

    static func cooldownKey(rule: String, member: MemberID?) -> String {
        member.map { "\(rule)|\($0.rawValue)" } ?? rule
    }
}
