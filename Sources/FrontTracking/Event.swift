public import PluralKit

/// A member as events carry it: id and the names known when the event happened.
public struct MemberRef: Sendable, Hashable, Codable {
    public var id: String
    public var name: String?
    public var displayName: String?

    public init(id: String, name: String? = nil, displayName: String? = nil) {
        self.id = id
        self.name = name
        self.displayName = displayName
    }

    /// The name to show a person.
    public var shown: String { displayName ?? name ?? id }

    enum CodingKeys: String, CodingKey { case id, name, displayName = "display_name" }
}

/// A switch as the tracker remembers it.
public struct TrackedSwitch: Sendable, Hashable, Codable {
    public var id: String
    public var timestamp: Timestamp
    /// Member short ids, in order.
    public var members: [String]

    public init(id: String, timestamp: Timestamp, members: [String]) {
        self.id = id
        self.timestamp = timestamp
        self.members = members
    }
}

/// One thing that happened to a system's front (see PRODUCT.md, "Events").
public struct FrontEvent: Sendable, Hashable, Codable {
    /// The kinds of event, with their journal names.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case `switch` = "switch"
        case fronterAdded = "fronter_added"
        case fronterRemoved = "fronter_removed"
        case firstFronterChanged = "first_fronter_changed"
        case frontCleared = "front_cleared"
        case switchEdited = "switch_edited"
        case switchDeleted = "switch_deleted"
        case apiUnreachable = "api_unreachable"
        case apiRecovered = "api_recovered"
        case tokenRejected = "token_rejected"
        /// A poll worked again after `token_rejected` (the token was replaced, or the 401s stopped).
        case tokenAccepted = "token_accepted"
        /// The state database lost a tracked system's state; tracking restarted from the current front.
        case stateReset = "state_reset"
    }

    /// Sequence number in the outbox (0 until stored).
    public var seq: Int64 = 0
    public var kind: Kind
    /// The system's short id.
    public var system: String
    public var switchID: String?
    public var timestamp: Timestamp?
    /// Fronters after the change, in order.
    public var fronters: [MemberRef] = []
    /// Fronters before the change, in order.
    public var previous: [MemberRef] = []
    public var added: [MemberRef] = []
    public var removed: [MemberRef] = []
    /// The member of `fronter_added` / `fronter_removed`.
    public var member: MemberRef?
    /// `first_fronter_changed`: the first fronter before and after (nil: nobody).
    public var oldFirst: MemberRef?
    public var newFirst: MemberRef?
    /// `switch_edited` / `switch_deleted`: the switch before, and after (edits).
    public var before: TrackedSwitch?
    public var after: TrackedSwitch?
    /// Found after downtime (emitted late).
    public var catchUp = false
    /// Health events: what went wrong.
    public var error: String?

    public init(kind: Kind, system: String) {
        self.kind = kind
        self.system = system
    }

    /// A `switch_edited` (with `after`) or `switch_deleted` event for a known switch.
    static func changed(
        _ kind: Kind, system: String, before: TrackedSwitch, after: TrackedSwitch? = nil, catchUp: Bool = false
    ) -> FrontEvent {
        var e = FrontEvent(kind: kind, system: system)
        e.switchID = before.id
        e.before = before
        e.after = after
        e.catchUp = catchUp
        return e
    }

    /// A sentence for the journal's MESSAGE.
    public var message: String {
        func names(_ refs: [MemberRef]) -> String {
            let shown = refs.map(\.shown)
            switch shown.count {
            case 0: return "nobody"
            case 1: return shown[0]
            default: return shown.dropLast().joined(separator: ", ") + " and " + shown.last!
            }
        }
        switch kind {
        case .switch:
            let now = fronters.isEmpty ? "Nobody is fronting" : "\(names(fronters)) \(fronters.count == 1 ? "is" : "are") fronting"
            return now + " (was: \(names(previous)))" + (catchUp ? " [while pkfrontd was down]" : "")
        case .fronterAdded: return "\(member?.shown ?? "?") started fronting"
        case .fronterRemoved: return "\(member?.shown ?? "?") stopped fronting"
        case .firstFronterChanged: return "First fronter is now \(newFirst?.shown ?? "nobody") (was: \(oldFirst?.shown ?? "nobody"))"
        case .frontCleared: return "Nobody is fronting (switch-out)"
        case .switchEdited:
            return "Switch \(switchID ?? "?") was edited: \(before?.timestamp.description ?? "?") \(before?.members.joined(separator: ",") ?? "") → \(after?.timestamp.description ?? "?") \(after?.members.joined(separator: ",") ?? "")"
        case .switchDeleted: return "Switch \(switchID ?? "?") of \(before?.timestamp.description ?? "?") was deleted"
        case .apiUnreachable: return "PluralKit API unreachable: \(error ?? "unknown error")"
        case .apiRecovered: return "PluralKit API reachable again"
        case .tokenRejected: return "PluralKit rejected the token (401): refresh it with pk;token and update the token file"
        case .tokenAccepted: return "PluralKit accepts the token again"
        case .stateReset: return "Tracking state was lost: \(error ?? "the stored state is gone")"
        }
    }

    /// The member ids the event concerns, for repeated `PK_MEMBER_ID=` fields: the member of
    /// `fronter_added`/`fronter_removed`; the old and new first fronter; for a `switch`, those now
    /// fronting and those who left; for edits and deletions, the members before and after.
    public var memberIDs: [String] {
        var refs: [String]
        switch kind {
        case .fronterAdded, .fronterRemoved: refs = member.map { [$0.id] } ?? []
        case .firstFronterChanged: refs = [oldFirst, newFirst].compactMap { $0?.id }
        case .switch, .frontCleared: refs = (fronters + removed + (kind == .frontCleared ? previous : [])).map(\.id)
        case .switchEdited, .switchDeleted: refs = (before?.members ?? []) + (after?.members ?? [])
        case .apiUnreachable, .apiRecovered, .tokenRejected, .tokenAccepted, .stateReset: refs = []
        }
        var ids: [String] = []
        for id in refs where !ids.contains(id) { ids.append(id) }
        return ids
    }
}
