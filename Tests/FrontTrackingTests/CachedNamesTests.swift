import Foundation
import FrontTracking
import PluralKitFake
import Testing

/// The member and group lists the tracker caches, read back read-only as `pkfrontd check` does.
@Suite("Cached names")
struct CachedNamesTests {
    @Test("after the first poll the state directory holds the system's members and groups")
    func cachedAfterPoll() async throws {
        try await withTracker { env in
            #expect(try StateStore.readCachedNames(directory: env.directory).isEmpty)
            let tracker = try env.tracker()
            _ = await tracker.tick()
            let cached = try StateStore.readCachedNames(directory: env.directory)
            #expect(cached.count == 1)
            let names = try #require(cached.first)
            #expect(names.system == env.system.id)
            #expect(Set(names.members.map(\.name)).isSuperset(of: ["Alex", "Sam", "Kit", "Jordan", "Robin"]))
            #expect(names.members.allSatisfy { $0.uuid?.count == 36 && $0.id.count >= 5 })
            #expect(Set(names.groups.map(\.name)) == ["Littles", "Hosts"])
            #expect(names.refreshed != nil)
        }
    }

    @Test("no state database: nothing cached, and nothing is created")
    func missing() throws {
        let directory = NSTemporaryDirectory() + "pkfrontd-none-\(UUID().uuidString)"
        #expect(try StateStore.readCachedNames(directory: directory).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: directory))
    }
}
