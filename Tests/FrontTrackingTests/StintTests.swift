import Foundation
import FrontEvents
import PluralKit
import PluralKitFake
import PluralKitTesting
import Testing

@testable import FrontTracking

@Suite("Stint starts from the tracker (RULES-ENGINE.md: Timing — timers from switch history)", .serialized)
struct StintTests {
    static let origin: Int64 = 1_700_000_000

    func at(_ seconds: Int) -> Timestamp { Timestamp(secondsSince1970: Self.origin + Int64(seconds)) }

    @Test(
        "each fronter's stint starts at the oldest switch of its unbroken run; an edit (at the next re-read) and a deletion (at the next poll) count"
    )
    func fromKnownSwitches() async throws {
        try await withTracker { env in
            try env.fake.deleteAllSwitches()
            try env.log(["Alex"], at: 0)
            let shared = try env.log(["Alex", "Sam"], at: 60)
            try env.log(["Sam"], at: 120)
            try env.log(["Sam", "Kit"], at: 180)
            let tracker = try env.tracker()
            _ = await tracker.tick()
            #expect(try await tracker.stintStarts() == [env.id("Sam"): at(60), env.id("Kit"): at(180)])
            // The switch that began Sam's run is moved earlier: Sam's stint starts then.
            try env.fake.editSwitch(
                shared.uuid, timestamp: FakeTime(micros: (Self.origin + 30) * 1_000_000))
            try env.log(["Sam"], at: 240)
            _ = await tracker.tick()
            _ = await tracker.reread()  // the poll loop re-reads the recent history every 5 minutes
            #expect(try await tracker.stintStarts() == [env.id("Sam"): at(30)])
            // Deleting the latest switches brings back the co-front; Kit's stint is the old one.
            let latest = try #require(try env.fake.switches().last)
            try env.fake.deleteSwitch(latest.uuid)
            _ = await tracker.tick()
            #expect(try await tracker.stintStarts() == [env.id("Sam"): at(30), env.id("Kit"): at(180)])
        }
    }

    @Test("a stint older than the known switches is found by paging back, once, and remembered across restarts")
    func pagingBack() async throws {
        try await withTracker { env in
            try env.fake.deleteAllSwitches()
            try env.log(["Sam"], at: 0)
            // 250 switches with Alex in every one (co-fronters come and go): 100 are known after the
            // first poll, the rest are paged.
            for i in 1...250 { try env.log(i % 2 == 0 ? ["Alex", "Kit"] : ["Alex"], at: i * 60) }
            let tracker = try env.tracker()
            _ = await tracker.tick()
            env.fake.clearRequestLog()
            let starts = try await tracker.stintStarts()
            #expect(starts[env.id("Alex")] == at(60))
            #expect(starts[env.id("Kit")] == at(250 * 60))
            let pages = env.fake.requestLog.filter { $0.path.hasSuffix("/switches") }.count
            #expect(pages == 2, "\(env.fake.requestLog.map(\.query))")
            // Asked again with nothing changed: no request.
            env.fake.clearRequestLog()
            #expect(try await tracker.stintStarts() == starts)
            #expect(env.fake.requestLog.isEmpty)
            // After a restart (a new tracker on the same state database): stored, not paged again.
            let restarted = try env.tracker()
            _ = await restarted.tick()
            env.fake.clearRequestLog()
            #expect(try await restarted.stintStarts() == starts)
            #expect(!env.fake.requestLog.contains { $0.path.hasSuffix("/switches") })
        }
    }

    @Test("before the first poll, and with nobody fronting, there are no stints")
    func none() async throws {
        try await withTracker { env in
            let tracker = try env.tracker()
            #expect(try await tracker.stintStarts().isEmpty)
            try env.fake.logSwitch(members: [])
            _ = await tracker.tick()
            #expect(try await tracker.stintStarts().isEmpty)
        }
    }

    @Test("the walk: co-fronters coming and going do not end a stint; a switch without the member does")
    func walk() {
        func s(_ t: Int, _ m: [String]) -> TrackedSwitch {
            TrackedSwitch(
                id: SwitchID(String(format: "00000000-0000-4000-8000-%012d", t))!,
                timestamp: Timestamp(secondsSince1970: Int64(t)), members: m.compactMap { MemberID($0) })
        }
        var w = StintWalk()
        let goOn = [
            w.older(s(40, ["aaaaa", "bbbbb"])), w.older(s(30, ["aaaaa"])), w.older(s(20, ["aaaaa", "ccccc"])),
            w.older(s(10, ["ccccc"])),
        ]
        #expect(goOn == [true, true, true, false])
        #expect(w.complete)
        #expect(
            w.starts == [
                MemberID("aaaaa"): Timestamp(secondsSince1970: 20), MemberID("bbbbb"): Timestamp(secondsSince1970: 40),
            ])
    }
}
