public import PluralKit
import Synchronization

/// Remote values (`TARGET.FIELD`) as last read or written, with when: the rules consumer's
/// `previous` values and already-set checks and the write queue's skip-if-equal use reads up to
/// 30 s old (RULES-ENGINE.md, "Writes"); our own writes update it, so a cached read includes them.
public final class RemoteCache: Sendable {
    private let entries = Mutex<[String: (value: String?, at: Timestamp)]>([:])

    /// How old a read may be and still stand in for a fresh one.
    public static let maxAge: Duration = .seconds(30)

    /// Creates an empty cache.
    public init() {}

    /// Records values read or written at `at`.
    public func store(_ values: [String: String?], at: Timestamp) {
        entries.withLock { e in
            for (key, value) in values { e[key] = (value, at) }
        }
    }

    /// The values of `keys` known within ``maxAge`` of `now` (a key that is not is left out).
    public func values(_ keys: some Sequence<String>, now: Timestamp, maxAge: Duration = RemoteCache.maxAge)
        -> [String: String?]
    {
        entries.withLock { e in
            var out: [String: String?] = [:]
            for key in keys {
                if let entry = e[key], entry.at.adding(maxAge) >= now { out[key] = .some(entry.value) }
            }
            return out
        }
    }

    /// Forgets every value (after a 401 or a reload nothing cached is trusted).
    public func clear() { entries.withLock { $0 = [:] } }
}
