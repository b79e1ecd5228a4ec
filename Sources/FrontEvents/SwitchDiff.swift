public import PluralKit

/// Derives the events that follow a front change, in PRODUCT.md's order: `fronter_removed`…,
/// `fronter_added`…, `first_fronter_changed` (also to or from nobody), `front_cleared`.
public enum SwitchDiff {
    public static func derived(
        from old: [MemberRef], to new: [MemberRef], system: String, switchID: SwitchID?, timestamp: Timestamp?,
        catchUp: Bool
    ) -> [FrontEvent] {
        var events: [FrontEvent] = []
        func event(_ kind: FrontEvent.Kind) -> FrontEvent {
            var e = FrontEvent(kind: kind, system: system)
            e.switchID = switchID
            e.timestamp = timestamp
            e.fronters = new
            e.previous = old
            e.catchUp = catchUp
            return e
        }
        let oldIDs = old.map(\.id)
        let newIDs = new.map(\.id)
        for member in old where !newIDs.contains(member.id) {
            var e = event(.fronterRemoved)
            e.member = member
            events.append(e)
        }
        for member in new where !oldIDs.contains(member.id) {
            var e = event(.fronterAdded)
            e.member = member
            events.append(e)
        }
        if oldIDs.first != newIDs.first {
            var e = event(.firstFronterChanged)
            e.oldFirst = old.first
            e.newFirst = new.first
            events.append(e)
        }
        if new.isEmpty, !old.isEmpty { events.append(event(.frontCleared)) }
        return events
    }

    /// A `switch` event followed by its derived events.
    public static func switchEvents(
        _ s: TrackedSwitch, fronters: [MemberRef], previous: [MemberRef], system: String, catchUp: Bool
    ) -> [FrontEvent] {
        var e = FrontEvent(kind: .switch, system: system)
        e.switchID = s.id
        e.timestamp = s.timestamp
        e.fronters = fronters
        e.previous = previous
        e.added = fronters.filter { f in !previous.contains { $0.id == f.id } }
        e.removed = previous.filter { p in !fronters.contains { $0.id == p.id } }
        e.catchUp = catchUp
        return [e]
            + derived(
                from: previous, to: fronters, system: system, switchID: s.id, timestamp: s.timestamp, catchUp: catchUp)
    }
}
