#if canImport(Glibc)
    import Glibc
#endif

/// Talks to the service manager through the `sd_notify` protocol (a datagram to
/// `$NOTIFY_SOCKET`). Without a socket every call is a no-op, so the same code runs under
/// systemd, in a container and on a terminal.
public struct Notifier: Sendable {
    /// The socket path (`@name` for the abstract namespace), or nil when not run by a manager.
    public let socketPath: String?
    /// Where messages go instead of a socket (tests capture them).
    private let sink: (@Sendable ([(String, String)]) -> Void)?

    /// Reads `NOTIFY_SOCKET` from the environment.
    public init() {
        socketPath = getenv("NOTIFY_SOCKET").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        sink = nil
    }

    /// Uses a given socket (tests, or nil for none).
    public init(socketPath: String?) {
        self.socketPath = socketPath
        sink = nil
    }

    /// Hands every message to `sink` instead of a socket (tests of the daemon's wiring).
    public init(sink: @escaping @Sendable ([(String, String)]) -> Void) {
        socketPath = nil
        self.sink = sink
    }

    /// Whether a service manager (or a sink) is listening.
    public var isActive: Bool { socketPath != nil || sink != nil }

    /// Sends `KEY=value` lines in one datagram. Returns false when there is no socket or sending failed.
    @discardableResult
    public func send(_ fields: [(String, String)]) -> Bool {
        if let sink {
            sink(fields)
            return true
        }
        guard let socketPath else { return false }
        let message = fields.map { "\($0.0)=\($0.1)" }.joined(separator: "\n")
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.enumerated() { raw[i] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count + (path.first == 0 ? 0 : 1))
        let sent = message.utf8CString.withUnsafeBufferPointer { text in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, text.baseAddress, text.count - 1, Int32(MSG_NOSIGNAL), $0, length)
                }
            }
        }
        return sent >= 0
    }

    /// `READY=1`, with a status text.
    @discardableResult
    public func ready(status: String? = nil) -> Bool {
        send([("READY", "1")] + (status.map { [("STATUS", $0)] } ?? []))
    }

    /// `STATUS=…`: the one-line text `systemctl status` shows.
    @discardableResult
    public func status(_ text: String) -> Bool { send([("STATUS", text)]) }

    /// `WATCHDOG=1`.
    @discardableResult
    public func watchdog() -> Bool { send([("WATCHDOG", "1")]) }

    /// `RELOADING=1` with `MONOTONIC_USEC` (as systemd wants for reload tracking).
    @discardableResult
    public func reloading(status: String? = nil) -> Bool {
        send(
            [("RELOADING", "1"), ("MONOTONIC_USEC", String(Self.monotonicMicroseconds()))]
                + (status.map { [("STATUS", $0)] } ?? []))
    }

    /// `STOPPING=1`.
    @discardableResult
    public func stopping(status: String? = nil) -> Bool {
        send([("STOPPING", "1")] + (status.map { [("STATUS", $0)] } ?? []))
    }

    /// `ERRNO=…`: why the service is failing.
    @discardableResult
    public func errno(_ code: Int32, status: String? = nil) -> Bool {
        send([("ERRNO", String(code))] + (status.map { [("STATUS", $0)] } ?? []))
    }

    /// The watchdog interval the manager asked for (`WATCHDOG_USEC`, when `WATCHDOG_PID` is
    /// unset or this process), or nil.
    public static func watchdogInterval() -> Duration? {
        guard let usec = getenv("WATCHDOG_USEC").flatMap({ UInt64(String(cString: $0)) }), usec > 0 else { return nil }
        if let pid = getenv("WATCHDOG_PID").flatMap({ Int32(String(cString: $0)) }), pid != getpid() { return nil }
        return .microseconds(Int64(usec))
    }

    /// CLOCK_MONOTONIC in microseconds.
    public static func monotonicMicroseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
    }
}
