import CSystemd

#if canImport(Glibc)
    import Glibc
#endif

/// Direct access to the systemd journal's native protocol.
public enum Journal {
    /// Where journald listens (fixed in libsystemd).
    public static let socketPath = "/run/systemd/journal/socket"

    /// Sends one entry with the given fields (`NAME=value`, names already valid). Values may
    /// contain newlines and any UTF-8. Returns 0 or a negative errno.
    ///
    /// libsystemd returns 0 and silently drops the entry when the socket does not exist, so
    /// check ``isAvailable`` first.
    @discardableResult
    public static func send(_ fields: [(String, String)]) -> Int32 {
        let buffers = fields.map { field -> UnsafeMutableRawBufferPointer in
            let bytes = Array("\(field.0)=\(field.1)".utf8)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            buffer.copyBytes(from: bytes)
            return UnsafeMutableRawBufferPointer(rebasing: buffer[0..<bytes.count])
        }
        defer {
            for buffer in buffers { buffer.deallocate() }
        }
        var iovecs = buffers.map { iovec(iov_base: $0.baseAddress, iov_len: $0.count) }
        return iovecs.withUnsafeMutableBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
    }

    /// Whether the native journal socket exists and is writable.
    public static var isAvailable: Bool { isAvailable(at: socketPath) }

    /// Whether a journal socket exists and is writable at a path.
    public static func isAvailable(at path: String) -> Bool { access(path, W_OK) == 0 }

    /// Whether stderr is connected to the journal (systemd sets `JOURNAL_STREAM=dev:inode`).
    public static var stderrIsJournal: Bool {
        guard let value = getenv("JOURNAL_STREAM").map({ String(cString: $0) }) else { return false }
        var st = stat()
        guard fstat(2, &st) == 0 else { return false }
        return value == "\(st.st_dev):\(st.st_ino)"
    }

    /// Whether stderr is a terminal.
    public static var stderrIsTerminal: Bool { isatty(2) == 1 }

    /// Turns any key into a valid journal field name: uppercase ASCII letters, digits and `_`,
    /// not starting with a digit or `_`, at most 64 characters.
    public static func fieldName(_ key: String) -> String {
        var out = ""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "a"..."z": out.unicodeScalars.append(Unicode.Scalar(scalar.value - 32)!)
            case "A"..."Z", "0"..."9", "_": out.unicodeScalars.append(scalar)
            default: out.append("_")
            }
        }
        while let first = out.first, first == "_" || first.isNumber { out.removeFirst() }
        if out.isEmpty { out = "FIELD" }
        return String(out.prefix(64))
    }
}
