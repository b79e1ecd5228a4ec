import Foundation
import FrontEvents
import FrontTracking
import PluralKit
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

    @Test(
        "the tracker's names: the cache before its first poll, its own lists after; a rename is seen at the next refresh"
    )
    func trackerNames() async throws {
        try await withTracker { env in
            #expect(try await env.tracker().names() == nil)
            _ = await (try env.tracker()).tick()
            // A new tracker over the same directory has not polled: it answers from its store.
            let before = try #require(try await env.tracker().names())
            #expect(before.system == env.system.id)
            #expect(before == (try StateStore.readCachedNames(directory: env.directory)).first)
            let tracker = try env.tracker()
            _ = await tracker.tick()
            let alex = env.system.member("Alex")!
            _ = try await env.client.updateMember(MemberID(alex.id)!, MemberUpdate(name: .set("Alexis")))
            #expect(try await tracker.names()?.members.contains { $0.name == "Alex" } == true)
            try await tracker.refreshMembers(system: env.system.id)
            let after = try #require(try await tracker.names())
            #expect(after.members.first { $0.id == alex.id }?.name == "Alexis")
            #expect(after.members.first { $0.id == alex.id }?.uuid == alex.uuid)
            #expect(Set(after.groups.map(\.name)) == ["Littles", "Hosts"])
        }
    }

    @Test("no state database: nothing cached, and nothing is created")
    func missing() throws {
        let directory = NSTemporaryDirectory() + "pkfrontd-none-\(UUID().uuidString)"
        #expect(try StateStore.readCachedNames(directory: directory).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: directory))
    }
}
