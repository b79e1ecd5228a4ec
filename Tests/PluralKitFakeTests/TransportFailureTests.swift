import Foundation
import PluralKit
import PluralKitFake
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback port that refuses connections and stays refused while the test runs: a socket
/// bound to it that never listens (a port freed by a stopped server could be taken by another
/// test's server meanwhile).
final class RefusingPort {
    let fd: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard fd >= 0, bound == 0, named == 0 else {
            close(fd)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        self.fd = fd
        port = UInt16(bigEndian: address.sin_port)
    }

    deinit { close(fd) }
}

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
