import Foundation
import PluralKit
import PluralKitFake
import PluralKitTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("The transport fails fast and in its own words")
struct TransportFailureTests {
    @Test(
        "a refused connection fails the attempt at once (not after the connect timeout), as not sent, so even a write may retry"
    )
    func refused() async throws {
        let refusing = try RefusingPort()
        let base = "http://127.0.0.1:\(refusing.port)/v2"
        let defaults = AsyncHTTPClientTransport()
        #expect(defaults.connectTimeout == .seconds(4))
        try await defaults.shutdown()
        // A connect timeout of 30 s: a pool that quietly retries the connection waits all of it
        // (this is a behaviour, not a speed: it answers in milliseconds or in 30 s).
        let transport = AsyncHTTPClientTransport(connectTimeout: .seconds(30))
        let clock = ContinuousClock()
        let started = clock.now
        do {
            _ = try await transport.send(
                .init(method: "GET", url: base + "/systems/@me", headers: [.init("User-Agent", "t")], body: nil),
                timeout: .seconds(10))
            Issue.record("expected a failure")
        } catch let failure as TransportFailure {
            #expect(!failure.isTimeout, "the pool waited out the connect timeout: \(failure)")
            #expect(!failure.mayHaveBeenSent)
        }
        let took = started.duration(to: clock.now)
        #expect(took < .seconds(15), "the connect timeout was waited out")
        print("a refused connection failed after \(took)")
        try await transport.shutdown()
        withExtendedLifetime(refusing) {}
    }

    @Test("a header value the HTTP library refuses (a CR inside) is a failure whose text quotes nothing of it")
    func refusedHeader() async throws {
        let fake = FakePluralKit()
        let secret = "AbCdEfGhIjKlMnOp\rQrStUvWxYz0123456789"
        try await fake.withServer { base in
            let transport = AsyncHTTPClientTransport()
            do {
                _ = try await transport.send(
                    .init(
                        method: "GET", url: base + "/systems/@me",
                        headers: [.init("User-Agent", "t"), .init("Authorization", secret)], body: nil),
                    timeout: .seconds(5))
                Issue.record("expected a refusal")
            } catch let failure as TransportFailure {
                #expect(!failure.description.contains("AbCdEfGh"), "\(failure.description)")
                #expect(!failure.description.contains("QrStUv"))
            } catch {
                Issue.record("unexpected \(error)")
            }
            try await transport.shutdown()
        }
    }
}
