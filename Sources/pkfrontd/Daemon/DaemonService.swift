import Logging
import ServiceLifecycle
import Systemd
import UnixSignals

/// The daemon's main service: announces itself to systemd, keeps the heartbeat that feeds the
/// watchdog, reloads on SIGHUP, and says goodbye on shutdown.
///
/// (Polling PluralKit arrives with front tracking; for now each tick only proves the loop is alive.)
struct DaemonService: Service {
    let settings: DaemonSettings
    let tokenOrigin: String
    let notifier: Notifier
    let heartbeat: Heartbeat
    let logger: Logger
    /// Re-reads the configuration for a reload; throws when it is invalid.
    let reload: @Sendable () throws -> DaemonSettings

    func run() async throws {
        logger.info(
            "pkfrontd \(PKFrontd.version) started (API \(settings.apiURL), token from \(tokenOrigin))",
            metadata: event("daemon_started").merging([
                "PK_VERSION": "\(PKFrontd.version)", "PK_API_URL": "\(settings.apiURL)",
                "PK_TOKEN_SOURCE": "\(tokenOrigin)", "PK_STATE_DIR": "\(settings.stateDirectory)",
                "PK_POLL_INTERVAL": "\(DurationText.format(settings.pollInterval))",
            ]) { $1 })
        notifier.ready(status: status(reloads: 0))

        try await withThrowingDiscardingTaskGroup { group in
            group.addTask {
                // The guarded loop: each completed tick beats the heartbeat.
                let tick = min(settings.pollInterval, (Notifier.watchdogInterval() ?? .seconds(3600)) / 4)
                while !Task.isShuttingDownGracefully {
                    heartbeat.beat()
                    do {
                        try await cancelWhenGracefulShutdown { try await Task.sleep(for: tick) }
                    } catch {
                        return
                    }
                }
            }
            group.addTask {
                var reloads = 0
                for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
                    notifier.reloading(status: "reloading")
                    do {
                        let fresh = try reload()
                        reloads += 1
                        logger.notice(
                            "configuration reloaded (\(reloads) reload\(reloads == 1 ? "" : "s"))",
                            metadata: event("rules_reloaded").merging([
                                "PK_RELOADS": "\(reloads)", "PK_RULES": "\(fresh.rules ?? "none")",
                            ]) { $1 })
                    } catch {
                        logger.error(
                            "reload failed, keeping the running configuration: \(error)",
                            metadata: event("reload_failed"))
                    }
                    notifier.ready(status: status(reloads: reloads))
                }
            }
            group.addTask {
                try? await gracefulShutdown()
                notifier.stopping(status: "stopping")
                logger.notice("pkfrontd stopping", metadata: event("daemon_stopping"))
            }
        }
    }

    func status(reloads: Int) -> String {
        var text = "running; polling every \(DurationText.format(settings.pollInterval)) (front tracking not enabled yet)"
        if reloads > 0 { text += "; reloads: \(reloads)" }
        return text
    }

    func event(_ kind: String) -> Logger.Metadata {
        ["PK_EVENT": "\(kind)", "MESSAGE_ID": "\(MessageID.id(kind))"]
    }
}
