import FrontTracking
import Logging

/// The outbox's first consumer: one journal entry per event, then the acknowledgment.
///
/// An event is acknowledged only after its entry is written, so a crash in between hands it
/// out again — with the same `PK_EVENT_SEQ`, so the repeat can be recognised.
struct EventJournal: Sendable {
    static let consumer = "journal"
    let store: StateStore
    let logger: Logger

    /// Writes every pending event; returns how many.
    @discardableResult
    func drain() throws -> Int {
        var written = 0
        while true {
            let batch = try store.pending(consumer: Self.consumer, limit: 200)
            if batch.isEmpty { return written }
            for event in batch {
                logger.log(level: Self.level(event.kind), "\(event.message)", metadata: Self.fields(event))
                try store.acknowledge(consumer: Self.consumer, through: event.seq)
                written += 1
            }
        }
    }

    static func level(_ kind: FrontEvent.Kind) -> Logger.Level {
        switch kind {
        case .switch, .switchEdited, .switchDeleted, .apiRecovered: .notice
        case .fronterAdded, .fronterRemoved, .firstFronterChanged, .frontCleared: .info
        case .apiUnreachable: .warning
        case .tokenRejected: .error
        }
    }

    /// The journal fields of PRODUCT.md ("systemd citizenship").
    static func fields(_ event: FrontEvent) -> Logger.Metadata {
        var m: Logger.Metadata = [
            "PK_EVENT": "\(event.kind.rawValue)", "PK_EVENT_SEQ": "\(event.seq)",
            "MESSAGE_ID": "\(MessageID.id(event.kind.rawValue))",
        ]
        if !event.system.isEmpty { m["PK_SYSTEM"] = "\(event.system)" }
        if let id = event.switchID { m["PK_SWITCH_ID"] = "\(id)" }
        if let t = event.timestamp { m["PK_SWITCH_TIMESTAMP"] = "\(t)" }
        let ids = event.memberIDs
        if !ids.isEmpty { m["PK_MEMBER_ID"] = .array(ids.map { .string($0) }) }
        if event.kind == .switch || event.kind == .frontCleared {
            m["PK_FRONTERS"] = "\(event.fronters.map(\.shown).joined(separator: ", "))"
            m["PK_PREVIOUS"] = "\(event.previous.map(\.shown).joined(separator: ", "))"
        }
        if let member = event.member { m["PK_MEMBER_NAME"] = "\(member.shown)" }
        if event.catchUp { m["PK_CATCH_UP"] = "1" }
        if let error = event.error { m["PK_ERROR"] = "\(error)" }
        return m
    }
}
