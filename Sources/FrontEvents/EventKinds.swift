public import PluralKit

/// How urgent an entry is; the journal's `PRIORITY=` comes from it.
public enum EventLevel: String, Sendable, Hashable, CaseIterable {
    case debug, info, notice, warning, error, critical

    /// The syslog priority (7 debug … 2 critical).
    public var syslogPriority: Int {
        switch self {
        case .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}

/// The shape of a template variable (what `check` knows about it).
public indirect enum VariableShape: Sendable, Hashable {
    /// Text.
    case text
    /// A number.
    case number
    /// true or false.
    case flag
    /// A mapping with known keys.
    case object([String: VariableShape])
    /// A list of items of a shape.
    case list(VariableShape)

    /// A member: `id`, `uuid`, `name`, `display_name`, `shown` (display name, else name).
    public static let member: VariableShape = .object([
        "id": .text, "uuid": .text, "name": .text, "display_name": .text, "shown": .text,
    ])
    /// A switch: `id`, `timestamp`, `fronters`, `fronter_names`.
    public static let switchInfo: VariableShape = .object([
        "id": .text, "timestamp": .text, "fronters": .list(member), "fronter_names": .text,
    ])
    /// What the previous front looked like.
    public static let previous: [String: VariableShape] = [
        "previous_fronters": .list(member), "previous_first": member, "previous_names": .text,
    ]
}

/// Everything about one kind of event, in one place: its level, its `MESSAGE_ID`, whether it is
/// a front change, the template variables a rule triggered by it can use, and how an event of
/// the kind becomes a journal entry (its message, the members it concerns, its own fields).
public struct EventKindDescription: Sendable {
    /// The journal level.
    public let level: EventLevel
    /// The stable `MESSAGE_ID` (`systemd/pkfrontd.catalog` explains it). Never change one once released.
    public let messageID: String
    /// Whether the event means the front changed.
    public let isFrontChange: Bool
    /// The template variables it provides on top of the common ones.
    public let variables: [String: VariableShape]
    /// The journal's `MESSAGE`.
    let message: @Sendable (FrontEvent) -> String
    /// The members it concerns, for repeated `PK_MEMBER_ID=` fields (before de-duplication).
    let members: @Sendable (FrontEvent) -> [MemberID]
    /// The kind's own journal fields, besides the common ones.
    let fields: @Sendable (FrontEvent) -> [(String, String)]
}

extension FrontEvent.Kind {
    /// This kind's description.
    public var info: EventKindDescription {
        switch self {
        case .switch:
            return .init(
                level: .notice, messageID: Self.id(0x01), isFrontChange: true,
                variables: VariableShape.previous.merging([
                    "switch": .switchInfo, "added": .list(.member), "removed": .list(.member), "added_names": .text,
                    "removed_names": .text,
                ]) { a, _ in a },
                message: { e in
                    let now =
                        e.fronters.isEmpty
                        ? "Nobody is fronting" : "\(names(e.fronters)) \(e.fronters.count == 1 ? "is" : "are") fronting"
                    return now + " (was: \(names(e.previous)))" + (e.catchUp ? " [while pkfrontd was down]" : "")
                },
                members: { e in (e.fronters + e.removed).map(\.id) }, fields: frontFields)
        case .fronterAdded, .fronterRemoved:
            let added = self == .fronterAdded
            return .init(
                level: .info, messageID: Self.id(added ? 0x02 : 0x03), isFrontChange: true,
                variables: VariableShape.previous.merging(["switch": .switchInfo, "member": .member]) { a, _ in a },
                message: { e in "\(e.member?.shown ?? "?") \(added ? "started" : "stopped") fronting" },
                members: { e in e.member.map { [$0.id] } ?? [] },
                fields: { e in e.member.map { [("PK_MEMBER_NAME", $0.shown)] } ?? [] })
        case .firstFronterChanged:
            return .init(
                level: .info, messageID: Self.id(0x04), isFrontChange: true,
                variables: VariableShape.previous.merging(["switch": .switchInfo]) { a, _ in a },
                message: { e in
                    "First fronter is now \(e.newFirst?.shown ?? "nobody") (was: \(e.oldFirst?.shown ?? "nobody"))"
                },
                members: { e in [e.oldFirst, e.newFirst].compactMap { $0?.id } }, fields: { _ in [] })
        case .frontCleared:
            return .init(
                level: .info, messageID: Self.id(0x05), isFrontChange: true,
                variables: VariableShape.previous.merging(["switch": .switchInfo]) { a, _ in a },
                message: { _ in "Nobody is fronting (switch-out)" },
                members: { e in (e.fronters + e.removed + e.previous).map(\.id) }, fields: frontFields)
        case .switchEdited:
            return .init(
                level: .notice, messageID: Self.id(0x06), isFrontChange: true,
                variables: VariableShape.previous.merging(["before": .switchInfo, "after": .switchInfo]) { a, _ in a },
                message: { e in
                    "Switch \(e.switchID?.rawValue ?? "?") was edited: \(e.before?.timestamp.description ?? "?") \(e.before.map { ids($0.members) } ?? "") → \(e.after?.timestamp.description ?? "?") \(e.after.map { ids($0.members) } ?? "")"
                },
                members: { e in (e.before?.members ?? []) + (e.after?.members ?? []) }, fields: { _ in [] })
        case .switchDeleted:
            return .init(
                level: .notice, messageID: Self.id(0x07), isFrontChange: true,
                variables: VariableShape.previous.merging(["before": .switchInfo]) { a, _ in a },
                message: { e in
                    "Switch \(e.switchID?.rawValue ?? "?") of \(e.before?.timestamp.description ?? "?") was deleted"
                },
                members: { e in e.before?.members ?? [] }, fields: { _ in [] })
        case .apiUnreachable:
            return health(.warning, 0x08) { e in "PluralKit API unreachable: \(e.error ?? "unknown error")" }
        case .apiRecovered:
            return health(.notice, 0x09) { _ in "PluralKit API reachable again" }
        case .tokenRejected:
            return health(.error, 0x0a) { _ in
                "PluralKit rejected the token (401): refresh it with pk;token and update the token file"
            }
        case .tokenAccepted:
            return health(.notice, 0x10) { _ in "PluralKit accepts the token again" }
        case .stateReset:
            return health(.critical, 0x11) { e in "Tracking state was lost: \(e.error ?? "the stored state is gone")" }
        case .daemonStarted:
            return daemon(.info, 0x0b) { e, d in
                "pkfrontd \(d.version) started (API \(d.apiURL ?? "?"), token from \(d.tokenSource ?? "?"))"
            }
        case .daemonStopping:
            return daemon(.notice, 0x0c) { _, _ in "pkfrontd stopping" }
        case .rulesReloaded:
            return daemon(.notice, 0x0d) { _, d in
                "configuration reloaded (\(d.reloads) reload\(d.reloads == 1 ? "" : "s"); \(d.rulesLoaded) rule\(d.rulesLoaded == 1 ? "" : "s") loaded)"
            }
        case .reloadFailed:
            return daemon(.error, 0x0e, error: true) { e, _ in
                "reload failed, keeping the running configuration: \(e.error ?? "unknown error")"
            }
        case .actionFailed:
            return .init(
                level: .error, messageID: Self.id(0x15), isFrontChange: false,
                variables: [
                    "failed": .object([
                        "rule": .text, "action": .text, "target": .text, "location": .text, "code": .text,
                    ]),
                    "error": .text,
                ],
                message: { e in
                    let f = e.failure
                    let what = f.map { "\($0.action)" + ($0.target.map { " (\($0))" } ?? "") } ?? "an action"
                    return
                        "\(f?.location ?? "?"): rule '\(f?.rule ?? "?")' could not write \(what), given up: \(e.error ?? "unknown error")"
                },
                members: { _ in [] },
                fields: { e in
                    guard let f = e.failure else { return [] }
                    return [("PK_RULE", f.rule), ("PK_ACTION", f.action), ("PK_ERROR_CODE", f.code)]
                        + ruleFilePosition(f.location)
                })
        }
    }

    /// Whether the event means the front changed.
    public var isFrontChange: Bool { info.isFrontChange }

    /// The `MESSAGE_ID`s share a prefix; the last byte numbers them.
    static func id(_ n: UInt8) -> String {
        let hex = String(n, radix: 16)
        return "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e" + (hex.count == 1 ? "0" + hex : hex)
    }

    private func health(_ level: EventLevel, _ n: UInt8, _ message: @escaping @Sendable (FrontEvent) -> String)
        -> EventKindDescription
    {
        .init(
            level: level, messageID: Self.id(n), isFrontChange: false, variables: ["error": .text], message: message,
            members: { _ in [] }, fields: { _ in [] })
    }

    private func daemon(
        _ level: EventLevel, _ n: UInt8, error: Bool = false,
        _ message: @escaping @Sendable (FrontEvent, DaemonInfo) -> String
    ) -> EventKindDescription {
        var variables: [String: VariableShape] = ["version": .text, "rules_loaded": .number]
        if error { variables["error"] = .text }
        let kind = self
        return .init(
            level: level, messageID: Self.id(n), isFrontChange: false, variables: variables,
            message: { e in message(e, e.daemon ?? DaemonInfo(version: "?")) }, members: { _ in [] },
            fields: { e in
                guard let d = e.daemon else { return [] }
                var out = [("PK_VERSION", d.version)]
                if kind == .daemonStarted {
                    out += [
                        ("PK_API_URL", d.apiURL ?? ""), ("PK_TOKEN_SOURCE", d.tokenSource ?? ""),
                        ("PK_STATE_DIR", d.stateDirectory ?? ""),
                        ("PK_POLL_INTERVAL", d.pollInterval ?? ""),
                    ]
                }
                out += [("PK_RULES", d.rules ?? "none"), ("PK_RULES_LOADED", "\(d.rulesLoaded)")]
                if kind == .rulesReloaded || kind == .reloadFailed { out.append(("PK_RELOADS", "\(d.reloads)")) }
                return out
            })
    }
}

/// `PK_FRONTERS=` and `PK_PREVIOUS=`, for switches and switch-outs.
private let frontFields: @Sendable (FrontEvent) -> [(String, String)] = { e in
    [
        ("PK_FRONTERS", e.fronters.map(\.shown).joined(separator: ", ")),
        ("PK_PREVIOUS", e.previous.map(\.shown).joined(separator: ", ")),
    ]
}

/// `CODE_FILE=` and `CODE_LINE=` for a position in a rule file (`rules.yaml:12:9`), so the
/// journal points at the rule instead of the Swift source.
public func ruleFilePosition(_ location: String) -> [(String, String)] {
    let parts = location.split(separator: ":", omittingEmptySubsequences: false)
    guard parts.count >= 3, Int(parts[parts.count - 2]) != nil else { return [("CODE_FILE", location)] }
    return [("CODE_FILE", parts.dropLast(2).joined(separator: ":")), ("CODE_LINE", String(parts[parts.count - 2]))]
}

/// "abcde,fghij": member ids as a switch lists them.
private func ids(_ members: [MemberID]) -> String { members.map(\.rawValue).joined(separator: ",") }

/// "Alex", "Alex and Sam", "Alex, Sam and Kit", "nobody".
private func names(_ refs: [MemberRef]) -> String {
    let shown = refs.map(\.shown)
    switch shown.count {
    case 0: return "nobody"
    case 1: return shown[0]
    default: return shown.dropLast().joined(separator: ", ") + " and " + (shown.last ?? "")
    }
}

extension FrontEvent {
    /// The level of its journal entry.
    public var level: EventLevel { kind.info.level }

    /// A sentence for the journal's MESSAGE.
    public var message: String { kind.info.message(self) }

    /// The member ids the event concerns, once each, for repeated `PK_MEMBER_ID=` fields: the
    /// member of `fronter_added`/`fronter_removed`; the old and new first fronter; for a `switch`,
    /// those now fronting and those who left; for edits and deletions, the members before and after.
    public var memberIDs: [MemberID] {
        var ids: [MemberID] = []
        for id in kind.info.members(self) where !ids.contains(id) { ids.append(id) }
        return ids
    }

    /// The journal fields of PRODUCT.md ("systemd citizenship"), in order; a name repeats for a
    /// list (`PK_MEMBER_ID=` once per member).
    public var journalFields: [(name: String, value: String)] {
        var out: [(String, String)] = [
            ("PK_EVENT", kind.rawValue), ("PK_EVENT_SEQ", "\(seq)"), ("MESSAGE_ID", kind.info.messageID),
        ]
        if !system.isEmpty { out.append(("PK_SYSTEM", system)) }
        if let switchID { out.append(("PK_SWITCH_ID", switchID.rawValue)) }
        if let timestamp { out.append(("PK_SWITCH_TIMESTAMP", timestamp.description)) }
        out += memberIDs.map { ("PK_MEMBER_ID", $0.rawValue) }
        out += kind.info.fields(self)
        if catchUp { out.append(("PK_CATCH_UP", "1")) }
        if own { out.append(("PK_OWN", "1")) }
        if let error { out.append(("PK_ERROR", error)) }
        return out
    }
}

/// Journal entries that are not events (they have no sequence number and trigger no rule).
public enum JournalEntry: String, Sendable, CaseIterable {
    /// The daemon could not start (before the state database is open, or a configuration error).
    case startupFailed = "startup_failed"
    /// The state database failed during a poll (busy, I/O, a full disk); retried at the next poll.
    case stateError = "state_error"
    /// An outbox row could not be read and was set aside.
    case outboxQuarantined = "outbox_quarantined"
    /// The poll loop made no progress past its bound; the watchdog is no longer fed.
    case watchdogStarved = "watchdog_starved"

    /// The stable `MESSAGE_ID`.
    public var messageID: String {
        switch self {
        case .startupFailed: FrontEvent.Kind.id(0x0f)
        case .outboxQuarantined: FrontEvent.Kind.id(0x12)
        case .stateError: FrontEvent.Kind.id(0x13)
        case .watchdogStarved: FrontEvent.Kind.id(0x14)
        }
    }

    /// `PK_EVENT=` and `MESSAGE_ID=` for the entry.
    public var fields: [(name: String, value: String)] { [("PK_EVENT", rawValue), ("MESSAGE_ID", messageID)] }
}
