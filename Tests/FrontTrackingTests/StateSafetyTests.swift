import Foundation
import FrontEvents
import GRDB
import PluralKit
import PluralKitFake
import PluralKitTesting
import Synchronization
import Testing

@testable import FrontTracking

/// A failure switch for the state store's test hook.
final class StoreFaults: Sendable {
    let failing = Mutex<Set<StateStore.Operation>>([])
    let remaining = Mutex<Int?>(nil)
    let hits = Mutex(0)

    struct Injected: Error, CustomStringConvertible {
        var description: String { "database is locked (injected)" }
    }

    /// Fails `operation` the next `count` times (nil: until `clear()`).
    func fail(_ operation: StateStore.Operation, count: Int? = nil) {
        _ = failing.withLock { $0.insert(operation) }
        remaining.withLock { $0 = count }
    }

    func clear() { failing.withLock { $0.removeAll() } }

    func install(on store: StateStore) {
        store.fault.withLock {
            $0 = { [self] operation in
                guard failing.withLock({ $0.contains(operation) }) else { return }
                let left = remaining.withLock { r -> Int? in
                    guard let n = r else { return nil }
                    r = n - 1
                    return n
                }
                if let left, left <= 0 {
                    clear()
                    return
                }
                hits.withLock { $0 += 1 }
                throw Injected()
            }
        }
    }
}

@Suite("State safety: failed reads, lost state, local failures", .serialized)
struct StateSafetyTests {
    /// Tracks once, stops; switches are logged while it is down; a new tracker on the same
    /// database then fails to read its state `failedTicks` times before it reads it.
    @Test(
        "a failed state read is retried and never becomes a first start: switches logged meanwhile all come once, in order, as catch-up",
        arguments: [1, 2, 4])
    func failedReads(failedTicks: Int) async throws {
        try await withTracker { env in
            let first = try env.tracker()
            #expect(await first.tick() == .baseline(replayed: 0))
            let before = try env.store().allEvents().count
            for who in [["Sam"], ["Kit", "Sam"], ["Jordan"]] { try env.fake.logSwitch(members: who) }

            let store = try env.store()
            let faults = StoreFaults()
            faults.install(on: store)
            faults.fail(.readState)
            let restarted = FrontTracker(client: env.client, store: store)
            // 4 failing ticks stand for a minute of failures at the default 15 s interval.
            for _ in 0..<failedTicks {
                guard case .failed(let message) = await restarted.tick() else {
                    Issue.record("expected a failed tick while the state cannot be read")
                    continue
                }
                #expect(message.contains("database"))
            }
            faults.clear()
            guard case .changed = await restarted.tick() else {
                Issue.record("expected the catch-up once the state reads")
                return
            }
            let caught = Array(try store.allEvents().dropFirst(before))
            #expect(!caught.contains { $0.kind == .stateReset || $0.kind == .apiUnreachable })
            #expect(
                caught.filter { $0.kind == .switch }.map { $0.fronters.map(\.name!) } == [
                    ["Sam"], ["Kit", "Sam"], ["Jordan"],
                ])
            #expect(caught.allSatisfy { $0.catchUp })
            #expect(caught.map(\.seq) == caught.map(\.seq).sorted())
            #expect(await restarted.tick() == .unchanged)
            #expect(try store.allEvents().count == before + caught.count)
        }
    }

    @Test(
        "a database emptied after tracking (or replaced by a new file) is reported as state_reset before the new baseline; a first start is not"
    )
    func lostState() async throws {
        try await withTracker { env in
            let first = try env.tracker()
            #expect(await first.tick() == .baseline(replayed: 0))
            #expect(try env.store().allEvents().isEmpty)  // a first start says nothing
            #expect(env.system.id.isEmpty == false)

            // Emptied: the file is still there, with nothing in it.
            let path = env.directory + "/state.sqlite"
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            #expect(FileManager.default.createFile(atPath: path, contents: Data()))
            let emptied = try env.store()
            #expect(emptied.found == .emptied)
            let second = FrontTracker(client: env.client, store: emptied)
            #expect(await second.tick() == .baseline(replayed: 0))
            let events = try emptied.allEvents()
            #expect(events.map(\.kind) == [.stateReset])
            #expect(events.first?.error?.contains("empty") == true)

            // Replaced: no database at all, but the marker says the system was tracked.
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            let fresh = try env.store()
            #expect(fresh.found == .new)
            let third = FrontTracker(client: env.client, store: fresh)
            #expect(await third.tick() == .baseline(replayed: 0))
            #expect(try fresh.allEvents().map(\.kind) == [.stateReset])
            #expect(try fresh.allEvents().first?.error?.contains("tracked before") == true)
            #expect(await third.tick() == .unchanged)
        }
    }

    @Test("a malformed stored timestamp is a failed poll with a message, not a crash and not a first start")
    func malformedTimestamp() async throws {
        try await withTracker { env in
            _ = await (try env.tracker()).tick()
            let queue = try DatabaseQueue(path: env.directory + "/state.sqlite")
            try await queue.write { db in try db.execute(sql: "UPDATE known_switch SET timestamp = 'not a time'") }
            let store = try env.store()
            let tracker = FrontTracker(client: env.client, store: store)
            guard case .failed(let message) = await tracker.tick() else {
                Issue.record("expected a failure")
                return
            }
            #expect(message.contains("malformed switch timestamp"))
            #expect(try store.allEvents().isEmpty)
        }
    }

    @Test(
        "a local failure (the database refusing writes) or a 400 never reports api_unreachable; api_recovered only follows api_unreachable"
    )
    func healthIsAboutTheAPI() async throws {
        try await withTracker { env in
            let store = try env.store()
            let tracker = FrontTracker(client: env.client, store: store)
            _ = await tracker.tick()
            let faults = StoreFaults()
            faults.install(on: store)
            faults.fail(.commit)
            for i in 0..<6 {
                try env.fake.logSwitch(members: [["Sam"], ["Kit"]][i % 2])
                guard case .failed = await tracker.tick() else {
                    Issue.record("expected a failed tick while the database refuses writes")
                    continue
                }
            }
            faults.clear()
            guard case .changed = await tracker.tick() else {
                Issue.record("expected the switches once the database takes writes again")
                return
            }
            #expect(try store.allEvents().filter { $0.kind == .switch }.count == 6)
            #expect(!(try store.allEvents().contains { $0.kind == .apiUnreachable || $0.kind == .apiRecovered }))

            // One or two API failures: below the threshold, so no api_unreachable and no api_recovered.
            env.fake.inject(Fault(.serverError, count: 2))
            _ = await tracker.tick()
            _ = await tracker.tick()
            #expect(await tracker.tick() == .unchanged)
            #expect(!(try store.allEvents().contains { $0.kind == .apiUnreachable || $0.kind == .apiRecovered }))
        }

        // A 400 (here: the wrong API version in the URL) is not an outage.
        try await withTracker { env in
            let client = env.fixture.client(
                token: env.system.token, baseURL: env.fixture.baseURL.replacing("/v2", with: "/v9"))
            let store = try env.store()
            let tracker = FrontTracker(client: client, store: store)
            for _ in 0..<5 {
                guard case .failed(let message) = await tracker.tick() else {
                    Issue.record("expected failures")
                    continue
                }
                #expect(message.contains("400"))
            }
            #expect(try store.allEvents().isEmpty)
        }
    }

    @Test(
        "one 401 is confirmed by a second try before token_rejected; the first good poll after it logs token_accepted")
    func unauthorizedIsConfirmed() async throws {
        try await withTracker { env in
            let store = try env.store()
            let tracker = FrontTracker(client: env.client, store: store)
            _ = await tracker.tick()
            env.fake.inject(Fault(.tokenRevoked, count: 1))
            #expect(await tracker.tick() == .tokenDoubted)
            #expect(await tracker.tick() == .unchanged)
            #expect(try store.allEvents().isEmpty)  // a blip: nothing reported

            env.fake.inject(Fault(.tokenRevoked, count: 4))
            #expect(await tracker.tick() == .tokenDoubted)
            #expect(await tracker.tick() == .unauthorized)
            #expect(await tracker.tick() == .unauthorized)
            #expect(await tracker.tick() == .unauthorized)
            #expect(await tracker.tick() == .unchanged)
            #expect(try store.allEvents().map(\.kind) == [.tokenRejected, .tokenAccepted])
        }
    }

    @Test(
        "what is stored in the outbox passes through the redactor: a token in an error text never reaches state.sqlite")
    func storedPayloadsAreRedacted() throws {
        let directory = NSTemporaryDirectory() + "pkfrontd-redact-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let secret = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
        let store = try StateStore(directory: directory, redact: { $0.replacing(secret, with: "[token]") })
        var event = FrontEvent(kind: .apiUnreachable, system: "exmpl")
        event.error = "header value \(secret) refused"
        let stored = try store.appendOnly([event])
        #expect(stored.first?.error == "header value [token] refused")
        let raw = try DatabaseQueue(path: directory + "/state.sqlite").read { db in
            try String.fetchAll(db, sql: "SELECT payload FROM outbox")
        }
        #expect(raw.count == 1 && !raw[0].contains(secret) && raw[0].contains("[token]"))
    }

    @Test(
        "outbox rows are written once with their sequence number; numbers are never reused, even after the newest rows were deleted"
    )
    func sequenceNumbers() throws {
        let directory = NSTemporaryDirectory() + "pkfrontd-seq-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try StateStore(directory: directory)
        let first = try store.appendOnly([
            FrontEvent(kind: .apiUnreachable, system: "x"), FrontEvent(kind: .apiRecovered, system: "x"),
        ])
        #expect(first.map(\.seq) == [1, 2])
        let queue = try DatabaseQueue(path: directory + "/state.sqlite")
        let payload = try queue.read { db in try String.fetchOne(db, sql: "SELECT payload FROM outbox WHERE seq = 2") }
        #expect(payload?.contains(#""seq":2"#) == true)
        try queue.write { db in try db.execute(sql: "DELETE FROM outbox WHERE seq = 2") }
        #expect(try store.appendOnly([FrontEvent(kind: .apiUnreachable, system: "x")]).map(\.seq) == [3])
        #expect(try store.allEvents().map(\.seq) == [1, 3])
    }
}
