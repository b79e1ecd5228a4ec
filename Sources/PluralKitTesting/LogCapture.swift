public import InMemoryLogging
public import Logging

/// A logger whose entries are kept in memory (swift-log's `InMemoryLogHandler`, at trace
/// level), with the readings the tests need: each entry as one line, and metadata fields as text.
public struct LogCapture: Sendable {
    /// The handler every logger of this capture writes to.
    public let handler: InMemoryLogHandler

    /// A new, empty capture.
    public init() {
        var handler = InMemoryLogHandler()
        handler.logLevel = .trace
        self.handler = handler
    }

    /// A logger that writes here.
    public var logger: Logger { Logger(label: "test") { [handler] _ in handler } }

    /// Everything logged so far, oldest first.
    public var entries: [InMemoryLogHandler.Entry] { handler.entries }

    /// Each entry as `level message key=value …` (metadata sorted), to look for text in.
    public var lines: [String] {
        entries.map { entry in
            let fields = entry.metadata.map { "\($0)=\($1)" }.sorted().joined(separator: " ")
            return "\(entry.level) \(entry.message) \(fields)"
        }
    }
}

extension InMemoryLogHandler.Entry {
    /// A metadata field as text, or nil when the entry does not have it.
    public func field(_ key: String) -> String? { metadata[key].map { "\($0)" } }
}
