import Actions
import Foundation
import FrontEvents
import FrontTracking
import PluralKit
import PluralKitFake
import PluralKitTesting
import Rules
import Testing

@testable import pkfrontd

@Suite("pkfrontd why and pending read what the daemon stored", .serialized)
struct StateCommandsTests {
    static let rules = """
        aliases: { Work: "100000000000000002" }
        settings:
          settle: 0s
          quiet_hours: { from: "08:00", to: "09:00", mode: defer }
        rules:
          - name: Sam here
            while: { fronters: { include: Sam } }
            quiet_hours: ignore
            do:
              - system: { tag: "| Sam here" }
          - name: Long front
            when: { fronting_for: 4h, member: anyone }
            do:
              - log: "{{ member.shown }} fronted 4h"
          - name: Morning
            when: { at: "10:00" }
            do:
              - log: "morning"
          - name: Work name
            when: switch
            do:
              - member_server: { member: Alex, server: Work, display_name: "{{ first.shown }} fronts" }
        """

    @Test(
        "why: a rule's decisions in words (or as records); pending: deadlines, schedules, holders, deferred values, queued writes"
    )
    func whyAndPending() async throws {
        try await RulesActTests.scenario(Self.rules) { fixture, time, scratch, d in
            #expect(try await RulesActTests.samHolds(d, fixture))
            await RulesActTests.run(d, fixture, seconds: 30)
            try await d.stop()
            // A write waiting for a retry, as after a 429.
            var write = QueuedWrite(
                kind: .set, target: "system", field: "description", value: "later", rule: "Sam here", action: "system",
                location: scratch.rules + ":10:9", eventSeq: 2, actionID: "2-x", decided: time.now)
            write.notBefore = time.now.adding(.seconds(90))
            try d.store.commit(
                DecisionBatch(
                    consumer: "test", through: nil, state: try #require(try d.store.engineState()), records: [],
                    writes: [write]))

            let cli = SimulateCommandTests()
            let why = try await cli.pkfrontd(["why", "Sam here", "--state-dir", scratch.state], in: scratch.path)
            #expect(why.status == 0, "\(why.stderr)")
            #expect(why.stdout.hasPrefix("2026-12-07:\n"), "\(why.stdout)")
            #expect(why.stdout.contains("Sam here ran (on first_fronter_changed #"), "\(why.stdout)")
            #expect(why.stdout.contains("system tag '| demo' → '| Sam here'"), "\(why.stdout)")
            let records = try await cli.pkfrontd(
                ["why", "Sam here", "--json", "--limit", "1", "--state-dir", scratch.state], in: scratch.path)
            let record = try JSONDecoder().decode(DecisionRecord.self, from: Data(records.stdout.utf8))
            #expect(record.rule == "Sam here")
            let typo = try await cli.pkfrontd(["why", "Sam hre", "--state-dir", scratch.state], in: scratch.path)
            #expect(typo.status == 1)
            #expect(typo.stderr.contains("(did you mean 'Sam here'?)"), "\(typo.stderr)")

            let pending = try await cli.pkfrontd(["pending", "--state-dir", scratch.state], in: scratch.path)
            #expect(pending.status == 0, "\(pending.stderr)")
            let text = pending.stdout
            #expect(text.hasPrefix("rules paused by the circuit breaker: none\n"), "\(text)")
            #expect(text.contains("fronting_for deadlines armed:\n"), "\(text)")
            #expect(text.contains("Long front (member:"), "\(text)")
            #expect(text.contains("next schedule times:\n"), "\(text)")
            #expect(text.contains("  Morning"), "\(text)")
            #expect(
                text.contains("Sam here: system.tag = '| Sam here'; on release restores '| demo'"), "\(text)")
            #expect(
                text.contains(
                    "deferred by quiet hours:\n  Work name: member_server:Alex@Work.display_name → 'Sam fronts'"),
                "\(text)")
            #expect(text.contains("Sam here: system.description → 'later' — waits until"), "\(text)")
            let json = try await cli.pkfrontd(["pending", "--json", "--state-dir", scratch.state], in: scratch.path)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect((object["held"] as? [Any])?.count == 1)
            #expect((object["writes"] as? [[String: Any]])?.first?["not_before"] != nil)

            let none = try await cli.pkfrontd(["pending", "--state-dir", scratch.path + "/nothing"], in: scratch.path)
            #expect(none.status == 1)
            #expect(none.stderr.contains("there is no state database in"), "\(none.stderr)")
        }
    }
}
