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
/// on every completed tick), reloads on SIGHUP, and says goodbye on shutdown.
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
        _ = try? journal.drain()
        let shared = SharedStatus()

        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                let schedule = PollLoop.Schedule(interval: settings.pollInterval)
                let loop = PollLoop(tracker: tracker, schedule: schedule, clock: ContinuousClock()) { result in
                    do {
                        try journal.drain()
                    } catch {
                        logger.error("writing events to the journal failed (they stay in the outbox): \(error)")
                    }
                    shared.lastOutcome.withLock { $0 = Self.describe(result) }
                    // A handled failure counts as progress: an outage must not become a restart loop.
                    heartbeat.beat()
                    let text = await status(reloads: shared.reloads.withLock { $0 }, outcome: shared.lastOutcome.withLock { $0 })
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
                        let newRules = try Self.loadRules(fresh, logger: logger)
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
                    notifier.ready(status: await status(reloads: shared.reloads.withLock { $0 }, outcome: shared.lastOutcome.withLock { $0 }))
                }
            }
            group.addTask {
                try? await gracefulShutdown()
                notifier.stopping(status: "stopping")
                logger.notice("pkfrontd stopping", metadata: event("daemon_stopping"))
            }
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
    }

    static func describe(_ result: FrontTracker.TickResult) -> String {
        switch result {
        case .unchanged: "last poll ok"
        case .changed(let n): "last poll ok (\(n) event\(n == 1 ? "" : "s"))"
        case .baseline: "first poll ok"
        case .failed(let message): "last poll failed: \(message.prefix(120))"
        case .unauthorized: "token rejected (401): update the token file"
        }
    }

    func status(reloads: Int, outcome: String) async -> String {
        let front = await tracker.currentFront
        var text = front.isEmpty ? "Nobody fronting" : "Fronting: " + front.map(\.shown).joined(separator: ", ")
        text += "; " + outcome
        if reloads > 0 { text += "; reloads: \(reloads)" }
        return text
    }

    func event(_ kind: String) -> Logger.Metadata {
        ["PK_EVENT": "\(kind)", "MESSAGE_ID": "\(MessageID.id(kind))"]
    }
}
