import Foundation
import FrontTracking
import Logging
import PluralKit
import Rules
import ServiceLifecycle
import Synchronization
import Systemd
import UnixSignals

/// The daemon's main service: polls PluralKit through the tracker, writes every event to the
/// journal, reports to systemd (READY=1 after the first poll, STATUS=, the watchdog's heartbeat
/// from the loop's phases), reloads on SIGHUP (off the poll loop's threads, bounded), and says
/// goodbye on shutdown.
struct DaemonService: Service {
    let settings: DaemonSettings
    let tokenOrigin: String
    let notifier: Notifier
    let heartbeat: Heartbeat
    let logger: Logger
    let tracker: FrontTracker
    let journal: EventJournal
    /// Re-reads the configuration for a reload; throws when it is invalid.
    let reload: @Sendable () throws -> DaemonSettings
    /// The loaded rules (swapped on a reload only when the new ones are valid).
    let rules: LoadedRules
    /// How long one tick may run before the watchdog counts the loop as hung.
    let tickBound: Duration

    /// The rules in force.
    final class LoadedRules: Sendable {
        let current: Mutex<RuleSet?>
        init(_ rules: RuleSet?) { current = Mutex(rules) }
        var count: Int { current.withLock { $0?.rules.count ?? 0 } }
    }

    func run() async throws {
        logger.info(
            "pkfrontd \(PKFrontd.version) started (API \(settings.apiURL), token from \(tokenOrigin))",
            metadata: event("daemon_started").merging([
                "PK_VERSION": "\(PKFrontd.version)", "PK_API_URL": "\(settings.apiURL)",
                "PK_TOKEN_SOURCE": "\(tokenOrigin)", "PK_STATE_DIR": "\(settings.stateDirectory)",
                "PK_POLL_INTERVAL": "\(DurationParser.format(settings.pollInterval))",
                "PK_RULES": "\(settings.rules ?? "none")", "PK_RULES_LOADED": "\(rules.count)",
            ]) { $1 })
        // Events left unjournaled by a previous run go out first.
        do {
            try journal.drain()
        } catch {
            logger.error("writing the events a previous run left to the journal failed (they stay in the outbox and are tried again after the first poll): \(error)")
        }
        let shared = SharedStatus()

        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                let schedule = PollLoop.Schedule(interval: settings.pollInterval, tickBound: tickBound)
                let loop = Self.pollLoop(tracker: tracker, schedule: schedule, clock: ContinuousClock(), heartbeat: heartbeat) { result in
                    do {
                        try journal.drain()
                    } catch {
                        logger.error("writing events to the journal failed (they stay in the outbox): \(error)")
                    }
                    let lastSuccess = await tracker.lastSuccess
                    shared.record(result, at: lastSuccess)
                    let text = await status(shared)
                    if shared.ready.withLock({ let was = $0; $0 = true; return !was }) {
                        notifier.ready(status: text)
                    } else {
                        notifier.status(text)
                    }
                }
                await cancelWhenGracefulShutdown { await loop.run() }
            }
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
                    notifier.reloading(status: "reloading")
                    do {
                        let fresh = try reload()
                        // Off the cooperative pool and bounded: a slow or hostile rule file never
                        // stalls the poll loop or the watchdog's heartbeat.
                        let newRules = try await Self.offThePool(bound: Self.reloadBound) { try Self.loadRules(fresh, logger: logger) }
                        rules.current.withLock { $0 = newRules }
                        let count = shared.reloads.withLock { $0 += 1; return $0 }
                        logger.notice(
                            "configuration reloaded (\(count) reload\(count == 1 ? "" : "s"); \(rules.count) rule\(rules.count == 1 ? "" : "s") loaded)",
                            metadata: event("rules_reloaded").merging([
                                "PK_RELOADS": "\(count)", "PK_RULES": "\(fresh.rules ?? "none")", "PK_RULES_LOADED": "\(rules.count)",
                            ]) { $1 })
                    } catch {
                        logger.error("reload failed, keeping the running configuration: \(error)", metadata: event("reload_failed"))
                    }
                    notifier.ready(status: await status(shared))
                }
            }
            group.addTask {
                try? await gracefulShutdown()
                notifier.stopping(status: "stopping")
                logger.notice("pkfrontd stopping", metadata: event("daemon_stopping"))
            }
        }
    }

    /// How long a reload may take to load and check the rules before it is given up (the
    /// running rules stay).
    static let reloadBound: Duration = .seconds(30)

    /// The poll loop, feeding `heartbeat` from its phases: a tick is work with a bound, a wait on
    /// purpose (the interval, backoff, the pause after a 401) is alive however long it is.
    /// `observe` sees each phase too (tests follow the loop with it).
    static func pollLoop<C: Clock<Duration>>(
        tracker: FrontTracker, schedule: PollLoop.Schedule, clock: C, heartbeat: Heartbeat,
        observe: @escaping @Sendable (PollLoop.Phase) -> Void = { _ in },
        afterTick: @escaping @Sendable (FrontTracker.TickResult) async -> Void
    ) -> PollLoop {
        PollLoop(
            tracker: tracker, schedule: schedule, clock: clock,
            phase: { phase in
                switch phase {
                case .working(let bound): heartbeat.working(within: bound)
                case .waiting: heartbeat.waiting()
                }
                observe(phase)
            },
            afterTick: afterTick)
    }

    /// The bound of one tick for the watchdog: a tick stops at its first failed request, so
    /// the worst case is one request failing every attempt, after a few that took long, plus margin.
    static func tickBound(for configuration: PluralKitClient.Configuration) -> Duration {
        configuration.longestRequest * 2 + .seconds(60)
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
            let timer = Thread {
                let deadline = ContinuousClock.now.advanced(by: bound)
                while ContinuousClock.now < deadline {
                    if once.isDone { return }
                    Thread.sleep(forTimeInterval: 0.05)
                }
                once.finish(.failure(SettingsError("loading the rules took longer than \(bound); the running rules stay (check the file with `pkfrontd check`)")))
            }
            timer.start()
        }
    }

    /// A continuation resumed by whichever comes first.
    final class ResumeOnce<T: Sendable>: Sendable {
        private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)
        private let done = Mutex(false)
        func set(_ c: CheckedContinuation<T, any Error>) { continuation.withLock { $0 = c } }
        var isDone: Bool { done.withLock { $0 } }
        func finish(_ result: Result<T, any Error>) {
            let c = continuation.withLock { c in defer { c = nil }; return c }
            guard let c else { return }
            done.withLock { $0 = true }
            c.resume(with: result)
        }
    }

    /// Loads the rules the settings name (nil when none), logging every problem; throws when they
    /// have errors (at start that stops the daemon; on a reload the running rules stay).
    static func loadRules(_ settings: DaemonSettings, logger: Logger) throws -> RuleSet? {
        guard let path = settings.rules else { return nil }
        let result = NameDirectory.loadRules(path: path, stateDirectory: settings.stateDirectory)
        for d in result.diagnostics {
            logger.log(level: d.severity == .error ? .error : .warning, "\(d)", metadata: ["PK_RULES": "\(path)"])
        }
        guard let loaded = result.ruleSet else {
            let errors = result.diagnostics.filter { $0.severity == .error }.count
            throw SettingsError("the rules in \(path) have \(errors) error\(errors == 1 ? "" : "s") (listed above)")
        }
        return loaded
    }

    /// State the poll loop and the reload handler share.
    final class SharedStatus: Sendable {
        let ready = Mutex(false)
        let reloads = Mutex(0)
        let lastOutcome = Mutex("starting")
        /// When the last poll failed: the time of the last successful one (the front shown is as of then).
        let staleSince = Mutex<Timestamp??>(nil)
        /// When a poll worked again after the token was rejected.
        let tokenAcceptedAt = Mutex<Timestamp?>(nil)
        private let rejected = Mutex(false)

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
            var text = DaemonService.describe(result)
            if let accepted = tokenAcceptedAt.withLock({ $0 }) { text = "token accepted again at \(DaemonService.clockTime(accepted)); " + text }
            lastOutcome.withLock { $0 = text }
        }
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

    func status(_ shared: SharedStatus) async -> String {
        Self.statusLine(front: await tracker.currentFront, shared)
    }

    /// The STATUS= line: the fronters (with, during an outage, when they were last seen), the
    /// last poll's outcome, the reload count.
    static func statusLine(front: [MemberRef], _ shared: SharedStatus) -> String {
        var text = front.isEmpty ? "Nobody fronting" : "Fronting: " + front.map(\.shown).joined(separator: ", ")
        if let stale = shared.staleSince.withLock({ $0 }) {
            // During an outage the front shown is the last one seen.
            text += stale.map { " (as of \(clockTime($0)))" } ?? " (not polled yet)"
        }
        text += "; " + shared.lastOutcome.withLock { $0 }
        let reloads = shared.reloads.withLock { $0 }
        if reloads > 0 { text += "; reloads: \(reloads)" }
        return text
    }

    func event(_ kind: String) -> Logger.Metadata {
        ["PK_EVENT": "\(kind)", "MESSAGE_ID": "\(MessageID.id(kind))"]
    }
}
