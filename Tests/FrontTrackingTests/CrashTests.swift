import Foundation
import FrontEvents
import PluralKit
import PluralKitFake
import Testing

@testable import FrontTracking

@Suite("Crashes lose nothing", .serialized)
struct CrashTests {
    @Test("a tick cancelled at any point, then a restart: the outbox holds exactly the crash-free sequence")
    func cancelledTicks() async throws {
        // The crash-free reference: a tracker that is never interrupted.
        let expectedKinds = try await withTracker { env in
            let reference = try env.tracker()
            _ = await reference.tick()
            for who in [["Sam"], ["Kit", "Sam"], [], ["Robin"]] { try env.fake.logSwitch(members: who) }
            _ = await reference.tick()
            return try env.store().allEvents().map(\.kind.rawValue)
        }
        #expect(expectedKinds.count > 10)
        for yields in [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89] {
            try await withTracker { env in
                _ = await (try env.tracker()).tick()  // baseline
                for who in [["Sam"], ["Kit", "Sam"], [], ["Robin"]] { try env.fake.logSwitch(members: who) }
                // Crash: the tick is cancelled after a varying amount of progress.
                let doomed = try env.tracker()
                let task = Task { await doomed.tick() }
                for _ in 0..<yields { await Task.yield() }
                task.cancel()
                _ = await task.value
                // Restart on the same database until the front is caught up.
                let restarted = try env.tracker()
                for _ in 0..<3 { _ = await restarted.tick() }
                let events = try env.store().allEvents()
                let switches = events.filter { $0.kind == .switch }.map { $0.fronters.map(\.name!) }
                #expect(switches == [["Sam"], ["Kit", "Sam"], [], ["Robin"]], "after \(yields) yields")
                #expect(events.map(\.kind.rawValue) == expectedKinds, "after \(yields) yields")
                let seqs = events.map(\.seq)
                #expect(seqs == Array(seqs.sorted()) && Set(seqs).count == seqs.count)
            }
        }
    }

    @Test("a consumer that dies between writing and acknowledging sees every sequence number at least once, in order")
    func consumerCrash() async throws {
        try await withTracker { env in
            let tracker = try env.tracker()
            _ = await tracker.tick()
            for who in [["Sam"], ["Kit"], ["Jordan"]] { try env.fake.logSwitch(members: who) }
            _ = await tracker.tick()
            let all = try env.store().allEvents().map(\.seq)
            var seen: [Int64] = []
            // Die after writing each event but before acknowledging it, once per event.
            var crashedAt = Set<Int64>()
            while true {
                let store = try env.store()  // a new process each time
                let pending = try store.pending(consumer: "journal")
                if pending.isEmpty { break }
                for event in pending {
                    seen.append(event.seq)
                    if !crashedAt.contains(event.seq) {
                        crashedAt.insert(event.seq)
                        break  // crash: written, not acknowledged
                    }
                    try store.acknowledge(consumer: "journal", through: event.seq)
                }
            }
            #expect(Set(seen) == Set(all))
            // Each repeat is the same event again, right after itself: in order.
            #expect(seen == all.flatMap { [$0, $0] })
        }
    }
}
