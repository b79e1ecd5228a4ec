import Clocks
import Foundation
import FrontEvents
import GRDB
import PluralKit
import PluralKitFake
import PluralKitTesting
import Testing

@testable import FrontTracking

/// The shared fixture (the demo system, in process unless a test asks for a socket), its
/// owner client, and a state directory.
struct TrackerEnv: Sendable {
    let fixture: FakeFixture
    let directory: String
    var fake: FakePluralKit { fixture.fake }
    var system: SeededSystem { fixture.system }
    var client: PluralKitClient { fixture.owner }

    func tracker(replay: Int = 0) throws -> FrontTracker {
        FrontTracker(client: client, store: try StateStore(directory: directory), configuration: .init(replay: replay))
    }

    func store() throws -> StateStore { try StateStore(directory: directory) }

    func id(_ name: String) -> MemberID { fixture.id(name) }

    /// Logs a switch as the bot would, `seconds` after a fixed origin.
    @discardableResult
    func log(_ names: [String], at seconds: Int) throws -> SwitchRecord {
        try fake.logSwitch(members: names, at: FakeTime(micros: 1_700_000_000_000_000 + Int64(seconds) * 1_000_000))
    }
}

func withTracker<T: Sendable>(
    _ wire: FakeFixture.Wire = .inProcess, retry: RetryPolicy = .none, _ body: @Sendable (TrackerEnv) async throws -> T
) async throws -> T {
    let directory = NSTemporaryDirectory() + "pkfrontd-tracker-\(UUID().uuidString)"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try await FakeFixture.run(
        wire, seed: .demo, configuration: FakeFixture.testConfiguration(timeout: .seconds(2), retry: retry)
    ) { fixture in
        try await body(TrackerEnv(fixture: fixture, directory: directory))
    }
}

@Suite("Front tracking against the fake", .serialized)
struct TrackerTests {
    @Test(
        "first start takes the front as baseline without events (in process and over a real socket)",
        arguments: [FakeFixture.Wire.inProcess, .socket])
    func baseline(wire: FakeFixture.Wire) async throws {
        try await withTracker(wire) { env in
            let tracker = try env.tracker()
            #expect(await tracker.tick() == .baseline(replayed: 0))
            #expect(try env.store().allEvents().isEmpty)
            #expect(await tracker.currentFront.map(\.name) == ["Alex"])
            let snapshot = await tracker.snapshot
            #expect(
                snapshot.fronters.map(\.name) == ["Alex"] && snapshot.switchID != nil && snapshot.since != nil
                    && snapshot.asOf != nil)
            #expect(await tracker.tick() == .unchanged)
        }
    }

    @Test("--replay 3 emits the last three switches")
    func replay() async throws {
        try await withTracker { env in
            try env.fake.deleteAllSwitches()
            for (i, who) in ["Alex", "Sam", "Kit", "Jordan", "Robin"].enumerated() { try env.log([who], at: i * 60) }
            let tracker = try env.tracker(replay: 3)
            #expect(await tracker.tick() == .baseline(replayed: 3))
            let switches = try env.store().allEvents().filter { $0.kind == .switch }
            #expect(switches.map { $0.fronters.map(\.name!) } == [["Kit"], ["Jordan"], ["Robin"]])
            #expect(switches.first?.previous.map(\.name!) == ["Sam"])
        }
    }

    @Test("one request per idle tick: 100 ticks of the loop on a test clock, 100 requests", .timeLimit(.minutes(1)))
    func idleTicks() async throws {
        try await withTracker { env in
            let tracker = try env.tracker()
            _ = await tracker.tick()
            env.fake.clearRequestLog()
            let loop = PollLoop(
                tracker: tracker, schedule: .init(interval: .seconds(15), rereadInterval: .seconds(86_400), jitter: 0),
                clock: ImmediateClock(), afterTick: { _ in })
            await loop.run(ticks: 100)
            let log = env.fake.requestLog
            #expect(log.count == 100)
            #expect(log.allSatisfy { $0.path == "/v2/systems/@me/fronters" })
        }
    }

    @Test("k switches between two polls become exactly k switch events, in order", arguments: [1, 3, 100, 250])
    func manySwitches(k: Int) async throws {
        try await withTracker { env in
            try env.fake.deleteAllSwitches()
            try env.log(["Alex"], at: 0)
            let tracker = try env.tracker()
            _ = await tracker.tick()
            let names = ["Sam", "Kit", "Jordan", "Robin"]
            var expected: [[String]] = []
            for i in 0..<k {
                let who = i % 7 == 6 ? [names[i % 4], "Alex"] : [names[i % 4]]
                try env.log(who, at: 60 * (i + 1))
                expected.append(who)
            }
            let expectedCount = countEvents(expected, start: ["Alex"])
            let result = await tracker.tick()
            #expect(result == .changed(events: expectedCount))
            let switches = try env.store().allEvents().filter { $0.kind == .switch }
            #expect(switches.count == k)
            #expect(switches.map { $0.fronters.map(\.name!) } == expected)
            var previous = ["Alex"]
            for (event, now) in zip(switches, expected) {
                #expect(event.previous.map(\.name!) == previous)
                #expect(Set(event.added.map(\.name!)) == Set(now).subtracting(previous))
                #expect(Set(event.removed.map(\.name!)) == Set(previous).subtracting(now))
                previous = now
            }
            let seqs = try env.store().allEvents().map(\.seq)
            #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count)
        }
    }

    @Test("derived events: order, co-front reorder, switch-out")
    func derived() async throws {
        try await withTracker { env in
            let tracker = try env.tracker()
            _ = await tracker.tick()  // Alex
            try env.fake.logSwitch(members: ["Sam", "Kit"])
            _ = await tracker.tick()
            var kinds = try env.store().allEvents().map(\.kind.rawValue)
            #expect(kinds == ["switch", "fronter_removed", "fronter_added", "fronter_added", "first_fronter_changed"])
            try env.fake.logSwitch(members: ["Kit", "Sam"])
            _ = await tracker.tick()
            let reorder = try env.store().allEvents().suffix(2)
            #expect(reorder.map(\.kind) == [.switch, .firstFronterChanged])
            #expect(reorder.last?.oldFirst?.name == "Sam" && reorder.last?.newFirst?.name == "Kit")
            try env.fake.logSwitch(members: [])
            _ = await tracker.tick()
            kinds = try env.store().allEvents().suffix(5).map(\.kind.rawValue)
            #expect(
                kinds == ["switch", "fronter_removed", "fronter_removed", "first_fronter_changed", "front_cleared"])
            #expect(try env.store().allEvents().last?.message == "Nobody is fronting (switch-out)")
        }
    }

    @Test("edits and deletions of the latest switch are front changes")
    func latestEditedOrDeleted() async throws {
        try await withTracker { env in
            try env.fake.deleteAllSwitches()
            try env.log(["Alex"], at: 0)
            let latest = try env.log(["Sam"], at: 60)
            let tracker = try env.tracker()
            _ = await tracker.tick()
            try env.fake.editSwitch(latest.uuid, members: ["Kit"])
            _ = await tracker.tick()
            var events = try env.store().allEvents()
            #expect(events.map(\.kind) == [.switchEdited, .fronterRemoved, .fronterAdded, .firstFronterChanged])
            #expect(events[0].before?.members == [env.id("Sam")] && events[0].after?.members == [env.id("Kit")])
            try env.fake.deleteSwitch(latest.uuid)
            _ = await tracker.tick()
            events = Array(try env.store().allEvents().dropFirst(4))
            #expect(events.map(\.kind) == [.switchDeleted, .fronterRemoved, .fronterAdded, .firstFronterChanged])
            #expect(events.last?.newFirst?.name == "Alex")
            try env.fake.deleteAllSwitches()
            _ = await tracker.tick()
            events = Array(try env.store().allEvents().dropFirst(8))
            #expect(events.map(\.kind) == [.switchDeleted, .fronterRemoved, .firstFronterChanged, .frontCleared])
        }
    }

    @Test("older switches edited, moved or deleted are found by re-reading the history")
    func olderEdits() async throws {
        try await withTracker { env in
            try env.fake.deleteAllSwitches()
            let a = try env.log(["Alex"], at: 0)
            let b = try env.log(["Sam"], at: 60)
            let c = try env.log(["Kit"], at: 120)
            _ = try env.log(["Jordan"], at: 180)
            let tracker = try env.tracker()
            _ = await tracker.tick()
            try env.fake.editSwitch(b.uuid, members: ["Robin"])
            try env.fake.editSwitch(a.uuid, timestamp: FakeTime(micros: 1_700_000_000_000_000 - 30_000_000))
            try env.fake.deleteSwitch(c.uuid)
            #expect(await tracker.tick() == .unchanged)
            #expect(await tracker.reread() == 3)
            let events = try env.store().allEvents()
            #expect(
                events.map(\.kind).sorted { $0.rawValue < $1.rawValue } == [
                    .switchDeleted, .switchEdited, .switchEdited,
                ])
            #expect(
                events.first { $0.switchID?.rawValue == a.uuid }?.after?.timestamp.description == "2023-11-14T22:12:50Z"
            )
            #expect(events.first { $0.switchID?.rawValue == b.uuid }?.after?.members == [env.id("Robin")])
            #expect(events.first { $0.kind == .switchDeleted }?.switchID?.rawValue == c.uuid)
            #expect(await tracker.reread() == 0)
        }
    }

    @Test("restart from the same database: nothing repeated; switches made while down come once, marked catch-up")
    func restart() async throws {
        try await withTracker { env in
            let first = try env.tracker()
            _ = await first.tick()
            try env.fake.logSwitch(members: ["Sam"])
            _ = await first.tick()
            let before = try env.store().allEvents().count
            // Down: a new tracker later, on the same database.
            try env.fake.logSwitch(members: ["Kit"])
            try env.fake.logSwitch(members: ["Jordan"])
            let second = try env.tracker()
            #expect(await second.tick() == .changed(events: 8))
            let caught = Array(try env.store().allEvents().dropFirst(before))
            #expect(caught.filter { $0.kind == .switch }.map { $0.fronters.map(\.name!) } == [["Kit"], ["Jordan"]])
            #expect(caught.allSatisfy { $0.catchUp })
            #expect(await second.tick() == .unchanged)
            try env.fake.logSwitch(members: ["Robin"])
            _ = await second.tick()
            #expect(try env.store().allEvents().last { $0.kind == .switch }?.catchUp == false)
        }
    }

    @Test("a database from a newer pkfrontd is refused with a clear message")
    func newerSchema() throws {
        let directory = NSTemporaryDirectory() + "pkfrontd-newer-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try StateStore(directory: directory)
        let store = try StateStore(directory: directory)
        try store.pool.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
        }
        do {
            _ = try StateStore(directory: directory)
            Issue.record("expected a refusal")
        } catch let error as StateStoreError {
            #expect(error.code == .newerSchema)
            #expect(error.description.contains("newer pkfrontd"))
            #expect(error.description.contains(directory))
        }
    }

    @Test("consumers: an unacknowledged event is handed out again with the same sequence number")
    func outbox() async throws {
        try await withTracker { env in
            let tracker = try env.tracker()
            _ = await tracker.tick()
            try env.fake.logSwitch(members: ["Sam"])
            _ = await tracker.tick()
            let store = try env.store()
            let first = try store.pending(consumer: "journal")
            #expect(first.count == 4)
            // The consumer handles two, then "dies" before acknowledging the third.
            try store.acknowledge(consumer: "journal", through: first[1].seq)
            let again = try StateStore(directory: env.directory).pending(consumer: "journal")
            #expect(again.map(\.seq) == Array(first.dropFirst(2)).map(\.seq))
            #expect(again.first == first[2])
            try store.acknowledge(consumer: "journal", through: first[0].seq)  // never goes back
            #expect(try store.acknowledged(consumer: "journal") == first[1].seq)
        }
    }

    @Test("faults (5xx, garbage, resets, 429 storms, timeouts, 401) never lose an event and produce health events")
    func faults() async throws {
        try await withTracker { env in
            let tracker = try env.tracker()
            _ = await tracker.tick()
            var logged: [[String]] = []
            for (i, kind) in [
                Fault.Kind.serverError, .badGateway, .malformedJSON, .connectionReset,
                .rateLimited(retryAfterMilliseconds: 0), .delay(2.5),
            ].enumerated() {
                let who = [["Sam"], ["Kit"], ["Jordan"], ["Robin"], ["Alex"], ["Sam", "Kit"]][i]
                try env.fake.logSwitch(members: who, at: env.fake.now.adding(seconds: Double(i)))
                logged.append(who)
                env.fake.inject(Fault(kind, count: 3))
                for _ in 0..<3 {
                    if case .failed = await tracker.tick() {} else { Issue.record("expected a failure with \(kind)") }
                }
                _ = await tracker.tick()
            }
            env.fake.inject(Fault(.tokenRevoked, count: 3))
            #expect(await tracker.tick() == .tokenDoubted)
            #expect(await tracker.tick() == .unauthorized)
            #expect(await tracker.tick() == .unauthorized)
            #expect(await tracker.tick() == .unchanged)
            let events = try env.store().allEvents()
            #expect(events.filter { $0.kind == .switch }.map { $0.fronters.map(\.name!) } == logged)
            #expect(events.filter { $0.kind == .apiUnreachable }.count == 6)
            #expect(events.filter { $0.kind == .apiRecovered }.count == 6)
            #expect(events.first { $0.kind == .apiUnreachable }?.error?.contains("500") == true)
            #expect(events.filter { $0.kind == .tokenRejected }.count == 1)
            #expect(events.filter { $0.kind == .tokenAccepted }.count == 1)
            #expect(events.last?.kind == .tokenAccepted)
        }
    }
}

/// How many events a chain of switches produces (switch + derived), starting from a front.
func countEvents(_ chain: [[String]], start: [String]) -> Int {
    var previous = start
    var total = 0
    for now in chain {
        total += 1 + previous.filter { !now.contains($0) }.count + now.filter { !previous.contains($0) }.count
        if previous.first != now.first { total += 1 }
        if now.isEmpty, !previous.isEmpty { total += 1 }
        previous = now
    }
    return total
}
