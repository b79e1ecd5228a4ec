import Foundation
import PluralKit
import PluralKitFake
import Synchronization
import Testing

@testable import FrontTracking

final class Waits: Sendable {
    let list = Mutex<[Duration]>([])
    var all: [Duration] { list.withLock { $0 } }
    var total: Duration { all.reduce(.zero, +) }
}

@Suite("Poll schedule", .serialized)
struct ScheduleTests {
    @Test(
        "faster for a while after a change, capped backoff while failing, a 401 confirmed after 30s, slow after a rejected token"
    )
    func schedule() async throws {
        try await withTracker { env in
            let tracker = try env.tracker()
            let fake = env.fake
            let ticks = Mutex(0)
            let recorded = Waits()
            let real = PollLoop(
                tracker: tracker,
                schedule: .init(
                    interval: .seconds(15), fastInterval: .seconds(5), fastTicks: 2, rereadInterval: .seconds(86_400),
                    maxBackoff: .seconds(60), unauthorizedInterval: .seconds(300), jitter: 0),
                sleep: { wait in recorded.list.withLock { $0.append(wait) } },
                elapsed: { recorded.total },
                afterTick: { _ in
                    let n = ticks.withLock {
                        $0 += 1
                        return $0
                    }
                    switch n {
                    case 1: _ = try? fake.logSwitch(members: ["Sam"])
                    case 5: fake.inject(Fault(.serverError, count: 4))
                    case 9: fake.inject(Fault(.tokenRevoked, count: 2))
                    default: break
                    }
                })
            await real.run(ticks: 12)
            let seconds = recorded.all.map { Int($0.components.seconds) }
            // baseline, change (fast ×2 more), back to normal, 4 failures (30, 60, 60, 60 capped),
            // a first 401 (confirmed 30 s later), the confirmed 401 (300)
            #expect(seconds == [15, 5, 5, 5, 15, 30, 60, 60, 60, 30, 300], "\(seconds)")
        }
    }
}
