import Clocks
import ConcurrencyExtras
import Foundation
import Logging
import Synchronization
import Testing

@testable import PluralKit

/// Records the clock time at which each request reached the transport.
final class TimedStub: Sendable {
    final class Log: Sendable {
        let entries = Mutex<[Duration]>([])
    }
    private let log = Log()
    let stub: StubTransport

    /// When each request arrived, relative to the stub's creation.
    var times: [Duration] { log.entries.withLock { $0 } }

    init<C: Clock<Duration>>(clock: C, handler: @escaping StubTransport.Handler) {
        let start = clock.now
        let log = self.log
        stub = StubTransport { request, index in
            log.entries.withLock { $0.append(start.duration(to: clock.now)) }
            return try await handler(request, index)
        }
    }
}

private let ok: StubTransport.Handler = { _, _ in TransportResponse(status: 200, body: Array("[]".utf8)) }
private let rateLimited429 = #"{"message":"429: too many requests","retry_after":0,"scope":"generic_get","code":0}"#

@Suite("Rate limits and retries")
struct RateLimitTests {
    @Test("concurrent callers get slots exactly 1/rate apart per scope, reads independent of writes")
    func pacingSlots() async throws {
        let clock = TestClock()
        let limiter = RateLimiter(configuration: .init(readsPerSecond: 10, writesPerSecond: 3), clock: ClockBox(clock))
        let slots = try await withThrowingTaskGroup(of: (RateLimitScope, Duration).self) { group in
            for _ in 0..<5 { group.addTask { (.read, try await limiter.acquire(.read)) } }
            for _ in 0..<3 { group.addTask { (.write, try await limiter.acquire(.write)) } }
            // Every caller has reserved its slot (time has not moved); then let time pass.
            while true {
                let read = await limiter.nextFreeSlot(.read)
                let write = await limiter.nextFreeSlot(.write)
                if read == .milliseconds(500), write == .nanoseconds(1_000_000_002) { break }
                await Task.yield()
            }
            await clock.advance(by: .seconds(2))
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let reads = slots.filter { $0.0 == .read }.map(\.1).sorted()
        let writes = slots.filter { $0.0 == .write }.map(\.1).sorted()
        #expect(reads == (0..<5).map { Duration.milliseconds(100) * $0 })
        #expect(writes == (0..<3).map { Duration.nanoseconds(333_333_334) * $0 })
    }

    @Test("the client waits for its slot: 5 GETs take 400 ms of clock time; 3 writes then 667 ms more")
    func clientPacing() async throws {
        let clock = ImmediateClock()
        let start = clock.now
        let stub = StubTransport(body: "[]")
        let client = makeClient(stub, clock: clock)
        for _ in 0..<5 { _ = try await client.getMembers() }
        #expect(start.duration(to: clock.now) == .milliseconds(400))
        for _ in 0..<3 { try await client.setGroupMembers("qwert", members: []) }
        // Writes have their own budget: the first one did not wait for the reads.
        let expected: Duration = .milliseconds(400) + .nanoseconds(666_666_668)
        #expect(start.duration(to: clock.now) == expected)
        #expect(stub.requests.count == 8)
    }

    @Test("a lower X-RateLimit-Limit from the server slows the pacing down to it")
    func learnsServerLimit() async throws {
        let clock = ImmediateClock()
        let start = clock.now
        let stub = StubTransport(
            body: "[]", headers: [.init("X-RateLimit-Limit", "5"), .init("X-RateLimit-Remaining", "4")])
        let client = makeClient(stub, clock: clock)
        for _ in 0..<4 { _ = try await client.getMembers() }
        // First gap at the configured 100 ms (nothing known yet), then 200 ms each.
        #expect(start.duration(to: clock.now) == .milliseconds(100 + 200 + 200))
    }

    @Test("the limiter hands out slots exactly 1/rate apart, and waits on the clock")
    func limiterSlots() async throws {
        let clock = TestClock()
        let limiter = RateLimiter(configuration: .init(readsPerSecond: 10, writesPerSecond: 3), clock: ClockBox(clock))
        try await limiter.acquire(.read)  // immediate
        let done = Mutex(false)
        let second = Task {
            try await limiter.acquire(.read)
            done.withLock { $0 = true }
        }
        await Task.megaYield()
        await clock.advance(by: .milliseconds(99))
        await Task.megaYield()
        #expect(done.withLock { $0 } == false)
        await clock.advance(by: .milliseconds(1))
        try await second.value
        #expect(done.withLock { $0 })
        #expect(limiter.interval(.write) == .nanoseconds(333_333_334))
    }

    @Test("429 is waited out (max of retry_after and 1/rate) and retried; the caller never sees it")
    func retryOn429() async throws {
        let clock = TestClock()
        let timed = TimedStub(clock: clock) { _, index in
            index < 2
                ? TransportResponse(
                    status: 429,
                    body: Array(
                        rateLimited429.replacingOccurrences(
                            of: "\"retry_after\":0", with: "\"retry_after\":\(index == 0 ? 0 : 250)"
                        ).utf8))
                : TransportResponse(status: 200, body: Array("[]".utf8))
        }
        let client = makeClient(timed.stub, clock: clock)
        let task = Task { try await client.getMembers() }
        for _ in 0..<10 {
            await Task.megaYield()
            await clock.advance(by: .milliseconds(50))
        }
        _ = try await task.value
        let times = timed.times
        #expect(times.count == 3)
        // retry_after 0 → wait the 100 ms floor, not a hot loop.
        #expect(times[1] - times[0] >= .milliseconds(100))
        // retry_after 250 → at least 250 ms.
        #expect(times[2] - times[1] >= .milliseconds(250))
    }

    @Test("a 429 storm past the cap becomes a rate-limited error with retry_after and scope")
    func stormCap() async throws {
        let stub = StubTransport(
            status: 429,
            body: #"{"message":"429: too many requests","retry_after":1,"scope":"generic_update","code":0}"#)
        let client = makeClient(stub, clock: ImmediateClock(), retry: RetryPolicy(maxRateLimitRetries: 3, jitter: 0))
        let error = await #expect(throws: PluralKitError.self) {
            try await client.deleteSwitch("b7e3a9c2-4d1f-4e8a-9c0b-1a2b3c4d5e6f")
        }
        #expect(error?.category == .rateLimited)
        #expect(error?.retryAfter == .milliseconds(1))
        #expect(error?.scope == "generic_update")
        #expect(stub.requests.count == 4)
    }

    @Test("GETs retry 5xx and timeouts with capped exponential backoff, then fail typed")
    func getRetries() async throws {
        let clock = TestClock()
        let timed = TimedStub(clock: clock) { _, index in
            if index == 0 { throw TransportFailure(isTimeout: true, mayHaveBeenSent: true, description: "timed out") }
            return TransportResponse(status: 503, body: Array("Service Unavailable".utf8))
        }
        let client = makeClient(
            timed.stub, clock: clock,
            retry: RetryPolicy(maxRetries: 3, initialBackoff: .milliseconds(500), maxBackoff: .seconds(1), jitter: 0))
        let task = Task { try await client.getSystem() }
        for _ in 0..<40 {
            await Task.megaYield()
            await clock.advance(by: .milliseconds(100))
        }
        let result = await task.result
        #expect(throws: PluralKitError.self) { try result.get() }
        let times = timed.times
        #expect(times.count == 4)
        #expect(times[1] - times[0] >= .milliseconds(500))
        #expect(times[2] - times[1] >= .seconds(1))
        #expect(times[3] - times[2] >= .seconds(1))  // capped
        if case .failure(let error as PluralKitError) = result { #expect(error.category == .serverError) }
    }

    @Test("a write that may have been applied is not retried; one that never left is")
    func writeRetries() async throws {
        let sent = StubTransport { _, _ in
            throw TransportFailure(isTimeout: true, mayHaveBeenSent: true, description: "read timeout")
        }
        let client = makeClient(sent, clock: ImmediateClock())
        let error = await #expect(throws: PluralKitError.self) { try await client.createSwitch(members: ["hrnakw"]) }
        #expect(error?.category == .timeout)
        #expect(sent.requests.count == 1)

        let refused = StubTransport { _, index in
            if index == 0 { throw TransportFailure(isTimeout: false, mayHaveBeenSent: false, description: "refused") }
            return TransportResponse(status: 200, body: Array(try Fixture.string("fronters.json").utf8))
        }
        _ = try await makeClient(refused, clock: ImmediateClock()).createSwitch(members: ["hrnakw"])
        #expect(refused.requests.count == 2)

        let serverError = StubTransport(status: 500, body: #"{"message":"500: Internal Server Error","code":0}"#)
        await #expect(throws: PluralKitError.self) {
            try await makeClient(serverError, clock: ImmediateClock()).createMember(name: "Sam")
        }
        #expect(serverError.requests.count == 1)

        // PATCH is idempotent: retried.
        let patch = StubTransport { _, index in
            index == 0
                ? TransportResponse(status: 502, body: Array("<html>".utf8))
                : TransportResponse(status: 200, body: Array(try Fixture.string("member-owner.json").utf8))
        }
        _ = try await makeClient(patch, clock: ImmediateClock()).updateMember("hrnakw", MemberUpdate(name: "Robin"))
        #expect(patch.requests.count == 2)
    }

    @Test("X-RateLimit-Reset is read as seconds or milliseconds")
    func resetUnits() {
        let now = Timestamp(secondsSince1970: 1_700_000_000, nanoseconds: 250_000_000)
        #expect(PluralKitClient.resetDelay(headerValue: 1_700_000_001, now: now) == .milliseconds(750))
        #expect(PluralKitClient.resetDelay(headerValue: 1_700_000_000_900, now: now) == .milliseconds(650))
    }

    @Test("Remaining 0 holds the next request until the reset (seconds or milliseconds)", arguments: [false, true])
    func remainingZero(milliseconds: Bool) async throws {
        let clock = TestClock()
        let now = Timestamp(secondsSince1970: 1_700_000_000, nanoseconds: 500_000_000)
        let reset = milliseconds ? "1700000000900" : "1700000001"
        let timed = TimedStub(clock: clock) { _, _ in
            TransportResponse(
                status: 200,
                headers: [
                    .init("X-RateLimit-Remaining", "0"), .init("X-RateLimit-Reset", reset),
                    .init("X-RateLimit-Limit", "10"),
                ], body: Array("[]".utf8))
        }
        let client = makeClient(timed.stub, clock: clock, wallClock: { now })
        let task = Task {
            _ = try await client.getMembers()
            _ = try await client.getMembers()
        }
        for _ in 0..<12 {
            await Task.megaYield()
            await clock.advance(by: .milliseconds(50))
        }
        try await task.value
        let times = timed.times
        #expect(times[1] - times[0] >= (milliseconds ? .milliseconds(400) : .milliseconds(500)))
    }

    @Test("cancellation ends a wait in the limiter")
    func cancellation() async throws {
        let clock = TestClock()
        let client = makeClient(
            StubTransport(
                status: 429,
                body: rateLimited429.replacingOccurrences(of: "\"retry_after\":0", with: "\"retry_after\":60000")),
            clock: clock)
        let task = Task { try await client.getMembers() }
        await Task.megaYield()
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
    }
}
