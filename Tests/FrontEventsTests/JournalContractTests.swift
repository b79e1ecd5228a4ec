import Foundation
import FrontEvents
import PluralKit
import Testing

let alex = MemberRef(id: "aaaaa", name: "Alex")
let sam = MemberRef(id: "bbbbb", name: "Sam", displayName: "Sammy")
let when = Timestamp("2026-12-02T14:02:00Z")!

/// A sample event of each kind, with what its journal entry must carry (PRODUCT.md, "systemd
/// citizenship"): the fields, in order, and the message.
func sample(_ kind: FrontEvent.Kind) -> (FrontEvent, [(String, String)], String, EventLevel) {
    var e = FrontEvent(kind: kind, system: "exmpl")
    e.seq = 42
    let head: [(String, String)] = [
        ("PK_EVENT", kind.rawValue), ("PK_EVENT_SEQ", "42"), ("MESSAGE_ID", kind.info.messageID),
        ("PK_SYSTEM", "exmpl"),
    ]
    let daemon = DaemonInfo(
        version: "1.0", apiURL: "http://127.0.0.1:1/v2", tokenSource: "PK_TOKEN", stateDirectory: "/var/lib/pkfrontd",
        pollInterval: "15s",
        rules: "/etc/pkfrontd/rules.yaml", rulesLoaded: 3, reloads: 2)
    switch kind {
    case .switch:
        e.switchID = "5b3c1a2e-0000-4000-8000-000000000001"
        e.timestamp = when
        e.fronters = [alex, sam]
        e.previous = [MemberRef(id: "ccccc", name: "Kit")]
        e.removed = [MemberRef(id: "ccccc", name: "Kit")]
        e.catchUp = true
        return (
            e,
            head + [
                ("PK_SWITCH_ID", "5b3c1a2e-0000-4000-8000-000000000001"),
                ("PK_SWITCH_TIMESTAMP", "2026-12-02T14:02:00Z"), ("PK_MEMBER_ID", "aaaaa"), ("PK_MEMBER_ID", "bbbbb"),
                ("PK_MEMBER_ID", "ccccc"),
                ("PK_FRONTERS", "Alex, Sammy"), ("PK_PREVIOUS", "Kit"), ("PK_CATCH_UP", "1"),
            ],
            "Alex and Sammy are fronting (was: Kit) [while pkfrontd was down]", .notice
        )
    case .fronterAdded, .fronterRemoved:
        e.switchID = "5b3c1a2e-0000-4000-8000-000000000001"
        e.member = sam
        let verb = kind == .fronterAdded ? "started" : "stopped"
        return (
            e,
            head + [
                ("PK_SWITCH_ID", "5b3c1a2e-0000-4000-8000-000000000001"), ("PK_MEMBER_ID", "bbbbb"),
                ("PK_MEMBER_NAME", "Sammy"),
            ], "Sammy \(verb) fronting", .info
        )
    case .firstFronterChanged:
        e.oldFirst = alex
        e.newFirst = nil
        return (e, head + [("PK_MEMBER_ID", "aaaaa")], "First fronter is now nobody (was: Alex)", .info)
    case .frontCleared:
        e.previous = [alex]
        return (
            e, head + [("PK_MEMBER_ID", "aaaaa"), ("PK_FRONTERS", ""), ("PK_PREVIOUS", "Alex")],
            "Nobody is fronting (switch-out)", .info
        )
    case .switchEdited:
        e.switchID = "5b3c1a2e-0000-4000-8000-000000000001"
        e.before = TrackedSwitch(id: "5b3c1a2e-0000-4000-8000-000000000001", timestamp: when, members: ["aaaaa"])
        e.after = TrackedSwitch(
            id: "5b3c1a2e-0000-4000-8000-000000000001", timestamp: when, members: ["aaaaa", "bbbbb"])
        return (
            e,
            head + [
                ("PK_SWITCH_ID", "5b3c1a2e-0000-4000-8000-000000000001"), ("PK_MEMBER_ID", "aaaaa"),
                ("PK_MEMBER_ID", "bbbbb"),
            ],
            "Switch 5b3c1a2e-0000-4000-8000-000000000001 was edited: 2026-12-02T14:02:00Z aaaaa → 2026-12-02T14:02:00Z aaaaa,bbbbb",
            .notice
        )
    case .switchDeleted:
        e.switchID = "5b3c1a2e-0000-4000-8000-000000000001"
        e.before = TrackedSwitch(id: "5b3c1a2e-0000-4000-8000-000000000001", timestamp: when, members: ["bbbbb"])
        return (
            e, head + [("PK_SWITCH_ID", "5b3c1a2e-0000-4000-8000-000000000001"), ("PK_MEMBER_ID", "bbbbb")],
            "Switch 5b3c1a2e-0000-4000-8000-000000000001 of 2026-12-02T14:02:00Z was deleted", .notice
        )
    case .apiUnreachable:
        e.error = "HTTP 502"
        return (e, head + [("PK_ERROR", "HTTP 502")], "PluralKit API unreachable: HTTP 502", .warning)
    case .apiRecovered:
        return (e, head, "PluralKit API reachable again", .notice)
    case .tokenRejected:
        e.error = "401"
        return (
            e, head + [("PK_ERROR", "401")],
            "PluralKit rejected the token (401): refresh it with pk;token and update the token file", .error
        )
    case .tokenAccepted:
        return (e, head, "PluralKit accepts the token again", .notice)
    case .stateReset:
        e.error = "the database was found empty"
        return (
            e, head + [("PK_ERROR", "the database was found empty")],
            "Tracking state was lost: the database was found empty", .critical
        )
    case .daemonStarted:
        e.daemon = daemon
        return (
            e,
            head + [
                ("PK_VERSION", "1.0"), ("PK_API_URL", "http://127.0.0.1:1/v2"), ("PK_TOKEN_SOURCE", "PK_TOKEN"),
                ("PK_STATE_DIR", "/var/lib/pkfrontd"),
                ("PK_POLL_INTERVAL", "15s"), ("PK_RULES", "/etc/pkfrontd/rules.yaml"), ("PK_RULES_LOADED", "3"),
            ],
            "pkfrontd 1.0 started (API http://127.0.0.1:1/v2, token from PK_TOKEN)", .info
        )
    case .daemonStopping:
        e.daemon = daemon
        return (
            e, head + [("PK_VERSION", "1.0"), ("PK_RULES", "/etc/pkfrontd/rules.yaml"), ("PK_RULES_LOADED", "3")],
            "pkfrontd stopping", .notice
        )
    case .rulesReloaded:
        e.daemon = daemon
        return (
            e,
            head + [
                ("PK_VERSION", "1.0"), ("PK_RULES", "/etc/pkfrontd/rules.yaml"), ("PK_RULES_LOADED", "3"),
                ("PK_RELOADS", "2"),
            ],
            "configuration reloaded (2 reloads; 3 rules loaded)", .notice
        )
    case .reloadFailed:
        e.daemon = daemon
        e.error = "rules.yaml:2:5: error"
        return (
            e,
            head + [
                ("PK_VERSION", "1.0"), ("PK_RULES", "/etc/pkfrontd/rules.yaml"), ("PK_RULES_LOADED", "3"),
                ("PK_RELOADS", "2"), ("PK_ERROR", "rules.yaml:2:5: error"),
            ],
            "reload failed, keeping the running configuration: rules.yaml:2:5: error", .error
        )
    case .actionFailed:
        e.failure = ActionFailureInfo(
            rule: "Tag follows front", action: "system", target: "system.tag",
            location: "/etc/pkfrontd/rules.yaml:12:9",
            code: "400")
        e.error = "PluralKit refused PATCH /systems/@me (400)"
        return (
            e,
            head + [
                ("PK_RULE", "Tag follows front"), ("PK_ACTION", "system"), ("PK_ERROR_CODE", "400"),
                ("CODE_FILE", "/etc/pkfrontd/rules.yaml"), ("CODE_LINE", "12"),
                ("PK_ERROR", "PluralKit refused PATCH /systems/@me (400)"),
            ],
            "/etc/pkfrontd/rules.yaml:12:9: rule 'Tag follows front' could not write system (system.tag), given up: PluralKit refused PATCH /systems/@me (400)",
            .error
        )
    }
}

@Suite("The PK_* journal contract, from each kind's one description")
struct JournalContractTests {
    @Test("each kind's journal entry: fields in order, message, level", arguments: FrontEvent.Kind.allCases)
    func contract(kind: FrontEvent.Kind) {
        let (event, fields, message, level) = sample(kind)
        #expect(event.journalFields.map { "\($0.name)=\($0.value)" } == fields.map { "\($0.0)=\($0.1)" })
        #expect(event.message == message)
        #expect(event.level == level)
    }

    @Test("a member is named once in PK_MEMBER_ID even when it is in several lists")
    func memberOnce() {
        var e = FrontEvent(kind: .switch, system: "x")
        e.fronters = [alex]
        e.removed = [alex]
        #expect(e.memberIDs == ["aaaaa"])
    }

    @Test("every event kind and journal entry has its own MESSAGE_ID and a catalog entry")
    func messageIDs() throws {
        let ids = FrontEvent.Kind.allCases.map(\.info.messageID) + JournalEntry.allCases.map(\.messageID)
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.count == 32 && $0.allSatisfy(\.isHexDigit) })
        let catalog = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("systemd/pkfrontd.catalog")
        let text = try String(contentsOf: catalog, encoding: .utf8)
        for id in ids { #expect(text.contains("-- \(id)\n"), "\(id) has no catalog entry") }
        // Released ids never change.
        #expect(FrontEvent.Kind.switch.info.messageID == "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e01")
        #expect(FrontEvent.Kind.daemonStarted.info.messageID == "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e0b")
        #expect(JournalEntry.startupFailed.messageID == "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e0f")
    }

    @Test("front changes are the switch kinds; health and daemon kinds are not")
    func frontChanges() {
        #expect(
            FrontEvent.Kind.allCases.filter(\.isFrontChange) == [
                .switch, .fronterAdded, .fronterRemoved, .firstFronterChanged, .frontCleared, .switchEdited,
                .switchDeleted,
            ])
    }

    @Test("a switch pkfrontd logged itself says PK_OWN=1; events stored before the flag existed still decode")
    func own() throws {
        var (event, fields, _, _) = sample(.switch)
        event.own = true
        #expect(event.journalFields.map { "\($0.name)=\($0.value)" } == fields.map { "\($0.0)=\($0.1)" } + ["PK_OWN=1"])
        #expect(try JSONDecoder().decode(FrontEvent.self, from: JSONEncoder().encode(event)).own)
        event.own = false
        let old = try JSONEncoder().encode(event)
        #expect(!String(decoding: old, as: UTF8.self).contains("own"))
        #expect(try JSONDecoder().decode(FrontEvent.self, from: old) == event)
    }

    @Test("events round-trip through the stored JSON, the daemon's details included")
    func codable() throws {
        let (event, _, _, _) = sample(.daemonStarted)
        let data = try JSONEncoder().encode(event)
        #expect(try JSONDecoder().decode(FrontEvent.self, from: data) == event)
    }
}
