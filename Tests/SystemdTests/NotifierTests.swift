import Foundation
import Synchronization
import Testing

@testable import Systemd

#if canImport(Glibc)
    import Glibc
#endif

/// A datagram socket standing in for the service manager.
final class NotifySocket: @unchecked Sendable {
    let fd: Int32
    let path: String

    init(abstract: Bool = false) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        path =
            abstract
            ? "@pkfrontd-test-\(UUID().uuidString)" : NSTemporaryDirectory() + "notify-\(UUID().uuidString).sock"
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard rc == 0 else { throw POSIXError(.EADDRINUSE) }
    }

    /// Every datagram waiting now (does not block).
    func drain() -> [String] {
        var out: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if n <= 0 { break }
            out.append(String(decoding: buffer[0..<n], as: UTF8.self))
        }
        return out
    }

    deinit {
        close(fd)
        if !path.hasPrefix("@") { unlink(path) }
    }
}

@Suite("sd_notify and the watchdog")
struct NotifierTests {
    @Test("messages arrive as KEY=value lines, on path and abstract sockets", arguments: [false, true])
    func messages(abstract: Bool) throws {
        let socket = try NotifySocket(abstract: abstract)
        let notifier = Notifier(socketPath: socket.path)
        #expect(notifier.ready(status: "running; 2 fronters"))
        #expect(notifier.watchdog())
        #expect(notifier.reloading())
        #expect(notifier.stopping())
        #expect(notifier.errno(22, status: "bad config"))
        let got = socket.drain()
        #expect(got.count == 5)
        #expect(got[0] == "READY=1\nSTATUS=running; 2 fronters")
        #expect(got[1] == "WATCHDOG=1")
        #expect(got[2].hasPrefix("RELOADING=1\nMONOTONIC_USEC="))
        let usec = got[2].split(separator: "=").last.flatMap { UInt64($0) }
        #expect((usec ?? 0) > 0)
        #expect(got[3] == "STOPPING=1")
        #expect(got[4] == "ERRNO=22\nSTATUS=bad config")
    }

    @Test("without NOTIFY_SOCKET every call is a no-op")
    func noSocket() {
        let notifier = Notifier(socketPath: nil)
        #expect(!notifier.isActive)
        #expect(!notifier.ready())
    }

    @Test(
        "the watchdog pings while the guarded work is within its bound; a unit that runs past it without a beat stops the pings"
    )
    func watchdogFollowsProgress() async throws {
        let socket = try NotifySocket()
        let heartbeat = Heartbeat()
        // After a first unit (no pings before it), one unit of work bounded at 2 s (each period
        // here counts as 1 s).
        heartbeat.waiting()
        heartbeat.working(within: .seconds(2))
        // The test runs the periods one by one: the service says when it waits, the test
        // decides whether the work made progress, then ends the wait.
        let (waiting, waitingSink) = AsyncStream.makeStream(of: Duration.self)
        let (release, releaseSink) = AsyncStream.makeStream(of: Void.self)
        let service = WatchdogService(
            notifier: Notifier(socketPath: socket.path), interval: .seconds(2), heartbeat: heartbeat,
            sleep: { duration in
                waitingSink.yield(duration)
                var iterator = release.makeAsyncIterator()  // one waiter at a time
                guard await iterator.next() != nil else { throw CancellationError() }
            })
        let task = Task { try await service.run() }
        var waits = waiting.makeAsyncIterator()
        var pings: [Int] = []
        // 4 periods of progress, then the work hangs for 6 periods (the process stays alive):
        // pings go on while the hang is within the bound (2 periods), then stop.
        for period in 0..<10 {
            let asked = await waits.next()
            #expect(asked == .seconds(1))  // half the watchdog interval
            if period > 0 { pings.append(socket.drain().filter { $0 == "WATCHDOG=1" }.count) }
            if period < 4 { heartbeat.beat() }
            releaseSink.yield()
        }
        _ = await waits.next()
        pings.append(socket.drain().filter { $0 == "WATCHDOG=1" }.count)
        releaseSink.finish()
        task.cancel()
        _ = await task.result
        #expect(pings == [1, 1, 1, 1, 1, 1, 0, 0, 0, 0])
    }

    @Test(
        "the watchdog judge: waiting on purpose is alive however long; a beat restarts a unit's bound; a hang is reported once"
    )
    func judge() {
        var judge = WatchdogService.Judge()
        let bound = Duration.seconds(10)
        #expect(judge.alive(beats: 0, phase: .starting, now: .seconds(0)) == .notStarted)
        #expect(judge.alive(beats: 1, phase: .waiting, now: .seconds(0)) == .alive)
        #expect(judge.alive(beats: 1, phase: .waiting, now: .seconds(3600)) == .alive)
        #expect(judge.alive(beats: 2, phase: .working(bound: bound), now: .seconds(3601)) == .alive)
        #expect(judge.alive(beats: 2, phase: .working(bound: bound), now: .seconds(3611)) == .alive)
        #expect(judge.alive(beats: 3, phase: .working(bound: bound), now: .seconds(3612)) == .alive)
        #expect(judge.alive(beats: 3, phase: .working(bound: bound), now: .seconds(3622)) == .alive)
        #expect(
            judge.alive(beats: 3, phase: .working(bound: bound), now: .seconds(3623))
                == .hung(elapsed: .seconds(11), bound: bound))
        #expect(judge.alive(beats: 3, phase: .working(bound: bound), now: .seconds(3650)) == .stillHung)
        // It came back (a late answer): alive again.
        #expect(judge.alive(beats: 4, phase: .waiting, now: .seconds(3651)) == .alive)
    }
}
