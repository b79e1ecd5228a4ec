import Foundation
import FrontEvents
import FrontTracking
import Logging
import PluralKit
import Rules
import Synchronization

/// What the daemon's services share: the outcome of the last poll, the reload count, whether
/// READY=1 was sent — and the `STATUS=` line made from them.
final class DaemonStatus: Sendable {
    let ready = Mutex(false)
    let reloads = Mutex(0)
    let lastOutcome = Mutex("starting")
    /// Whether a poll has worked and been taken in (its front and events are there).
    let polled = Mutex(false)
    /// When the last poll failed: the time of the last successful one (the front shown is as of then).
    let staleSince = Mutex<Timestamp??>(nil)
    /// When a poll worked again after the token was rejected.
    let tokenAcceptedAt = Mutex<Timestamp?>(nil)
    /// The rules' part of the status: active rules and queued writes (nil: no rules).
    let rules = Mutex<String?>(nil)
    private let rejected = Mutex(false)

    /// Takes in one poll's result (`lastSuccess`: when a poll last worked).
    func record(_ result: FrontTracker.TickResult, at lastSuccess: Timestamp?) {
        let failing: Bool
        switch result {
        case .failed, .tokenDoubted, .unauthorized: failing = true
        case .unchanged, .changed, .baseline: failing = false
        }
        let wasRejected = rejected.withLock { r in
            let was = r
            if case .unauthorized = result { r = true } else if !failing { r = false }
            return was
        }
        if !failing, wasRejected { tokenAcceptedAt.withLock { $0 = lastSuccess } }
        if failing { tokenAcceptedAt.withLock { $0 = nil } }
        staleSince.withLock { $0 = failing ? .some(lastSuccess) : nil }
        if !failing { polled.withLock { $0 = true } }
        var text = Self.describe(result)
        if let accepted = tokenAcceptedAt.withLock({ $0 }) {
            text = "token accepted again at \(Self.clockTime(accepted)); " + text
        }
        lastOutcome.withLock { $0 = text }
    }

    static func describe(_ result: FrontTracker.TickResult) -> String {
        switch result {
        case .unchanged: "last poll ok"
        case .changed(let n): "last poll ok (\(n) event\(n == 1 ? "" : "s"))"
        case .baseline: "first poll ok"
        case .failed(let message): "last poll failed: \(message.prefix(120))"
        case .tokenDoubted: "PluralKit answered 401 once; checking again in 30s"
        case .unauthorized: "token rejected (401): update the token file"
        }
    }

    /// A time for a status line: `14:02` today, `2026-12-01 14:02` before.
    static func clockTime(_ timestamp: Timestamp, now: Date = Date()) -> String {
        let date = Date(timeIntervalSince1970: Double(timestamp.secondsSince1970) + Double(timestamp.nanoseconds) / 1e9)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone.current
        formatter.dateFormat = Calendar.current.isDate(date, inSameDayAs: now) ? "HH:mm" : "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

    /// The STATUS= line: the fronters (with, during an outage, when they were last seen), the
    /// last poll's outcome, the reload count.
    func line(front: [MemberRef]) -> String {
        var text = front.isEmpty ? "Nobody fronting" : "Fronting: " + front.map(\.shown).joined(separator: ", ")
        if let stale = staleSince.withLock({ $0 }) {
            // During an outage the front shown is the last one seen.
            text += stale.map { " (as of \(Self.clockTime($0)))" } ?? " (not polled yet)"
        }
        text += "; " + lastOutcome.withLock { $0 }
        if let rules = rules.withLock({ $0 }) { text += "; " + rules }
        let reloads = reloads.withLock { $0 }
        if reloads > 0 { text += "; reloads: \(reloads)" }
        return text
    }
}

/// The rules in force (swapped on a reload only when the new ones are valid).
final class LoadedRules: Sendable {
    let current: Mutex<RuleSet?>
    /// Counts changes (a reload, names re-bound), so the rules consumer knows to take them in.
    private let changes = Mutex(0)
    init(_ rules: RuleSet?) { current = Mutex(rules) }
    var count: Int { current.withLock { $0?.rules.count ?? 0 } }

    /// Puts new rules in force.
    func replace(_ rules: RuleSet?) {
        current.withLock { $0 = rules }
        changed()
    }

    /// Notes that the rules in force changed in place.
    func changed() { changes.withLock { $0 += 1 } }

    /// The rules in force and the change count they go with.
    var snapshot: (RuleSet?, Int) {
        current.withLock { rules in (rules, changes.withLock { $0 }) }
    }
}

/// Re-binds the rules' member and group names whenever the tracker has reloaded its lists, so
/// a first start without a cache resolves them after the first poll and a renamed member keeps
/// its rules (RuleSet.resolvingNames). Each rename and each problem is logged once.
final class NameWatch: Sendable {
    private let state = Mutex<(seen: Timestamp?, logged: Set<String>)>((nil, []))

    /// Checks after a poll: nothing to do unless the lists were reloaded since the last check.
    func refresh(tracker: FrontTracker, rules: LoadedRules, logger: Logger) async {
        guard let stamp = await tracker.listsRefreshed, state.withLock({ $0.seen != stamp }) else { return }
        guard let names = try? await tracker.names() else { return }
        state.withLock { $0.seen = stamp }
        let directory = NameDirectory(
            members: names.members, groups: names.groups, source: "the member and group lists",
            groupMembers: names.groupMembers)
        let notes: [(Logger.Level, String)] = rules.current.withLock { current in
            guard let set = current else { return [] }
            let refreshed = set.resolvingNames(against: directory)
            current = refreshed.rules
            return refreshed.renames.map { (.notice, $0.description) }
                + refreshed.problems.map { (.warning, $0.description) }
        }
        rules.changed()
        for (level, message) in notes where state.withLock({ $0.logged.insert(message).inserted }) {
            logger.log(level: level, "\(message)")
        }
    }
}

/// A wake-up call between services: `signal()` from any task, `next()` in one.
final class Wakeup: Sendable {
    let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        // One pending wake-up is enough: the woken side handles everything that is there.
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func signal() { continuation.yield() }
    func finish() { continuation.finish() }
}

/// Loading rules for the daemon, at start and on reload.
enum RuleLoading {
    /// How long a reload may take to load and check the rules before it is given up (the
    /// running rules stay).
    static let reloadBound: Duration = .seconds(30)

    /// Loads the rules the settings name (nil when none), resolving names against `names` (the
    /// tracker's lists, or its store's cache before the first poll), logging every problem; throws
    /// when they have errors (at start that stops the daemon; on a reload the running rules stay).
    static func load(_ settings: DaemonSettings, names: Result<SystemNames?, any Error>, logger: Logger) throws
        -> RuleSet?
    {
        guard let path = settings.rules else { return nil }
        let loader: RuleLoader
        switch names {
        case .success(let names?):
            loader = RuleLoader(directory: NameDirectory(cached: names, location: settings.stateDirectory))
        case .success(nil):
            loader = RuleLoader(
                directory: nil, missingDirectoryReason: "the member list is not cached yet (it is after the first poll)"
            )
        case .failure(let error):
            loader = RuleLoader(
                directory: nil, missingDirectoryReason: "the cached member list cannot be read (\(error))")
        }
        let result = loader.load(path: path)
        for d in result.diagnostics {
            logger.log(level: d.severity == .error ? .error : .warning, "\(d)", metadata: ["PK_RULES": "\(path)"])
        }
        guard let loaded = result.ruleSet else {
            let errors = result.diagnostics.filter { $0.severity == .error }.count
            throw SettingsError(
                .rulesInvalid, "the rules in \(path) have \(errors) error\(errors == 1 ? "" : "s") (listed above)")
        }
        return loaded
    }

    /// Runs `work` on a thread of its own (not the cooperative pool) and waits for it at most
    /// `bound`; past that, throws and leaves the thread to finish and its result to be dropped.
    static func offThePool<T: Sendable>(bound: Duration, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        let once = ResumeOnce<T>()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            once.set(continuation)
            let worker = Thread { once.finish(Result { try work() }) }
            worker.stackSize = 8 << 20
            worker.start()
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(bound / .milliseconds(1)))) {
                once.finish(
                    .failure(
                        SettingsError(
                            .rulesTimedOut,
                            "loading the rules took longer than \(bound); the running rules stay (check the file with `pkfrontd check`)"
                        )))
            }
        }
    }

    /// A continuation resumed by whichever comes first (the load or the bound); later calls do nothing.
    final class ResumeOnce<T: Sendable>: Sendable {
        private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)
        func set(_ c: CheckedContinuation<T, any Error>) { continuation.withLock { $0 = c } }
        func finish(_ result: Result<T, any Error>) {
            continuation.withLock { c in
                defer { c = nil }
                return c
            }?.resume(with: result)
        }
    }
}
