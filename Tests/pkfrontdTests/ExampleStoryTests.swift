import Clocks
import Foundation
import FrontEvents
import FrontTracking
import InMemoryLogging
import PluralKit
import PluralKitFake
import PluralKitTesting
import Rules
import Testing

@testable import pkfrontd

/// A day and a night of the demo system, on virtual time from Monday 08:50 (Europe/Berlin): each
/// step says when (minutes after the start) and what the fake's user does then. Between steps
/// time passes in poll-sized steps near events and in 5-minute strides over quiet hours.
enum FrontStory {
    enum Step {
        /// Log a switch to these members (by name; empty for a switch-out).
        case front([String])
        /// Only let the time pass.
        case wait
    }

    /// (minutes after Monday 08:50, step, whether to pass the time before it in fine steps).
    static let steps: [(minutes: Int, step: Step)] = [
        (1, .front(["Sam"])),  // 08:51
        (3, .front(["Sam", "Kit"])),  // 08:53 a co-front with a Little
        (5, .front(["Jordan"])),  // 08:55 on shift
        (7, .front([])),  // 08:57 switch-out
        (12, .wait),  // 09:02 the morning check-in ran at 09:00
        (45, .front(["Alex"])),  // 09:35 back after 38 min with nobody
        (50, .wait),
        (4 * 60 + 45, .wait),  // 13:35 Alex has fronted for 4 h
        (12 * 60 + 40, .front(["Sam", "Kit"])),  // 21:30
        (13 * 60 + 15, .wait),  // 22:05 Sam's night name
        (19 * 60 + 15, .wait),  // Tue 04:05 switched out overnight
        (20 * 60 + 10, .front(["Robin"])),  // 05:00 in quiet hours
        (22 * 60 + 15, .wait),  // 07:05 quiet hours are over
    ]
}

@Suite("Every example acts against the fake's demo system through one front story", .serialized)
struct ExampleStoryTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "ExampleWrites")

    static let examplesActing = [
        "autoproxy-alex-art-club", "autoproxy-off-when-nobody-fronts", "display-name-follows-first-fronter",
        "four-hour-reminder", "littles-mode", "log-every-switch", "morning-check-in", "quiet-hours",
        "sam-night-name", "switch-out-overnight", "welcome-back", "work-display-name",
    ]

    @Test(
        "the writes in the fake's request log, the rules' log lines and the final remote values",
        arguments: examplesActing)
    func story(example: String) async throws {
        let scratch = try RulesScratch(example: example + ".yaml")
        defer { scratch.remove() }
        try await withVirtualFake { fixture, time in
            let d = try RulesDaemon.start(fixture, time: time, directory: scratch.state, rules: scratch.rules)
            #expect(await d.advance(upTo: 10) { (try? d.store.engineState()) != nil })
            var at = 0
            for (minutes, step) in FrontStory.steps {
                // Fine steps within 20 minutes after something happened, strides otherwise.
                while at < minutes * 60 {
                    let fine =
                        FrontStory.steps.contains { s in
                            if case .wait = s.step { return false }
                            return at >= s.minutes * 60 && at < s.minutes * 60 + 5 * 60
                        } || at < 2 * 60
                    let stride = fine ? 15 : 300
                    let by = min(stride, minutes * 60 - at)
                    await time.clock.advance(by: .seconds(by))
                    at += by
                    await d.quiesce(fixture.fake)
                }
                if case .front(let names) = step {
                    try fixture.fake.logSwitch(members: names)
                }
            }
            // Let the last writes go out.
            await d.pass(60)
            try await d.stop()
            if ProcessInfo.processInfo.environment["PKFRONTD_DEBUG"] == "1" { try Self.dump(d.store, d.entries) }
            let logs = d.entries.entries.filter { $0.field("PK_ACTION") == "log" }.map {
                "log \($0.level): \($0.message)"
            }
            let final = Self.finalValues(fixture)
            let text =
                (["# writes"] + fixture.writes() + ["# log actions"] + logs + ["# final values"] + final).joined(
                    separator: "\n") + "\n"
            let file = Self.folder.appendingPathComponent(example + ".txt")
            if ProcessInfo.processInfo.environment["PKFRONTD_RECORD"] == "1" {
                try FileManager.default.createDirectory(at: Self.folder, withIntermediateDirectories: true)
                try text.write(to: file, atomically: true, encoding: .utf8)
            } else {
                let expected = try String(contentsOf: file, encoding: .utf8)
                #expect(text == expected, "\(example): regenerate with PKFRONTD_RECORD=1 if the change is meant")
            }
            // Nothing a rule wrote was refused or failed.
            #expect(!fixture.fake.requestLog.contains { $0.method != "GET" && $0.status >= 400 })
            #expect(try d.store.queuedWrites().isEmpty)
        }
    }

    /// The events and decisions of a run, for a person looking into a change.
    static func dump(_ store: StateStore, _ entries: LogCapture) throws {
        for e in entries.entries where "\(e.message)".hasPrefix("rules step") || e.field("PK_EVENT") != nil {
            print("LOG", e.message)
        }
        for e in try store.allEvents() {
            print(
                "EV", e.seq, e.kind.rawValue, e.timestamp?.description ?? "", e.fronters.map(\.id.rawValue),
                e.previous.map(\.id.rawValue), e.own)
        }
        for r in try store.recentDecisions(rule: nil, limit: 500) {
            print(
                "REC", r.time, r.kind, r.rule ?? "", r.reason?.rawValue ?? "", r.event?.kind ?? "", r.event?.seq ?? 0,
                r.actions?.map { "\($0.key ?? "") = \($0.value ?? "nil")" } ?? [], r.note ?? "")
        }
    }

    /// The remote values the examples write, after the story.
    static func finalValues(_ fixture: FakeFixture) -> [String] {
        func text(_ v: Any?) -> String { v.map { "\($0)" }.map { $0 == "<null>" ? "null" : $0 } ?? "null" }
        let sam = fixture.system.member("Sam")!.id
        let jordan = fixture.system.member("Jordan")!.id
        return [
            "system.tag = " + text(fixture.get("/systems/@me")["tag"]),
            "system_server:Art Club.display_name = "
                + text(fixture.get("/systems/@me/guilds/\(DemoGuild.artClub)")["display_name"]),
            "autoproxy:Art Club = "
                + text(fixture.get("/systems/@me/autoproxy?guild_id=\(DemoGuild.artClub)")["autoproxy_mode"]) + " "
                + text(fixture.get("/systems/@me/autoproxy?guild_id=\(DemoGuild.artClub)")["autoproxy_member"]),
            "autoproxy:Work = "
                + text(fixture.get("/systems/@me/autoproxy?guild_id=\(DemoGuild.work)")["autoproxy_mode"]),
            "member:Sam.display_name = " + text(fixture.get("/members/\(sam)")["display_name"]),
            "member_server:Jordan@Work.display_name = "
                + text(fixture.get("/members/\(jordan)/guilds/\(DemoGuild.work)")["display_name"]),
            "front = "
                + ((try? fixture.fake.switches().last?.members.map { uuid in
                    fixture.system.members.first { $0.uuid == uuid }?.name ?? uuid
                }.joined(separator: ",")) ?? "?"),
        ]
    }
}
