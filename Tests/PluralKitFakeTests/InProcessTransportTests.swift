import Clocks
import PluralKit
import PluralKitFake
import PluralKitTesting
import Testing

@Suite("The in-process transport")
struct InProcessTransportTests {
    func request(_ path: String, fixture: FakeFixture) -> TransportRequest {
        TransportRequest(
            method: "GET", url: fixture.baseURL + path,
            headers: [.init("User-Agent", "in-process-test"), .init("Authorization", fixture.system.token)], body: nil)
    }

    @Test("the fake's answer comes back unchanged: status, headers, body; path and query are split off the URL")
    func answers() async throws {
        try await FakeFixture.run(seed: .demo) { fixture in
            let transport = InProcessTransport(fake: fixture.fake)
            let reply = try await transport.send(
                request("/systems/@me/switches?limit=2", fixture: fixture), timeout: .seconds(5))
            #expect(reply.status == 200)
            #expect(reply.header("content-type")?.hasPrefix("application/json") == true)
            let logged = try #require(fixture.fake.requestLog.last)
            #expect(logged.path == "/v2/systems/@me/switches" && logged.query == "limit=2")
            _ = try await fixture.owner.createSwitch(members: [fixture.id("Sam")])
            let switches = try await fixture.owner.getSwitches(limit: 2)
            #expect(switches.count == 2)
        }
    }

    @Test("a reset and a truncated body are failures that may have been sent; a delay past the timeout is a timeout")
    func faults() async throws {
        try await FakeFixture.run(seed: .demo) { fixture in
            // An immediate clock: the injected delay takes no time, and nothing races a test clock.
            let transport = InProcessTransport(fake: fixture.fake, clock: ImmediateClock())
            for fault in [Fault.Kind.connectionReset, .truncatedBody] {
                fixture.fake.inject(Fault(fault, count: 1))
                do {
                    _ = try await transport.send(request("/systems/@me", fixture: fixture), timeout: .seconds(5))
                    Issue.record("\(fault) answered")
                } catch let failure as TransportFailure {
                    #expect(failure.mayHaveBeenSent && !failure.isTimeout, "\(fault): \(failure)")
                }
            }
            fixture.fake.inject(Fault(.delay(1), count: 1))
            #expect(
                try await transport.send(request("/systems/@me", fixture: fixture), timeout: .seconds(5)).status == 200)
            fixture.fake.inject(Fault(.delay(30), count: 1))
            do {
                _ = try await transport.send(request("/systems/@me", fixture: fixture), timeout: .seconds(5))
                Issue.record("a 30 s delay answered within a 5 s timeout")
            } catch let failure as TransportFailure {
                #expect(failure.isTimeout)
            }
        }
    }

    @Test("a URL no running fixture serves is not found; a finished fixture's URL is forgotten")
    func registry() async throws {
        let base = try await FakeFixture.run(seed: .demo) { fixture in
            #expect(FakeFixture.fake(serving: fixture.baseURL + "/systems/@me") === fixture.fake)
            return fixture.baseURL
        }
        #expect(FakeFixture.fake(serving: base) == nil)
        #expect(FakeFixture.fake(serving: "http://127.0.0.1:1/v2") == nil)
    }
}
