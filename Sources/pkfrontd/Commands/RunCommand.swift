import ArgumentParser
import Foundation
import FrontEvents
import FrontTracking
import Logging
import PluralKit
import Rules
import ServiceLifecycle
import Systemd
import UnixSignals

/// `pkfrontd run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon (as a systemd service, or in a terminal).",
        discussion: """
            Reads its settings from flags, the environment (PKFRONTD_API_URL, PKFRONTD_STATE_DIR, \
            PKFRONTD_RULES, PK_TOKEN) and the config file (--config, default \
            /etc/pkfrontd/pkfrontd.yaml), in that order of precedence. The token comes from \
            --token-file, then $CREDENTIALS_DIRECTORY/token (systemd LoadCredential=), then PK_TOKEN, \
            then the config's token_file.

            It polls the token's system every --poll-interval (one request when nothing changed), \
            turns every switch into events (switch, fronter_added, fronter_removed, \
            first_fronter_changed, front_cleared, switch_edited, switch_deleted, and the health \
            events api_unreachable, api_recovered, token_rejected, token_accepted, state_reset; and \
            the daemon's own daemon_started, daemon_stopping, rules_reloaded, reload_failed, \
            action_failed), stores them in an outbox in \
            the state directory (state.sqlite) and writes each to the journal with PK_* fields: \
            journalctl -u pkfrontd PK_EVENT=switch, or PK_MEMBER_ID=<id>.

            With --rules (or PKFRONTD_RULES, or the config's rules), the rule file or directory is \
            loaded and checked at start (errors stop the start) and again on reload (an invalid \
            file is refused and the running rules stay); see rules/README.md. The rules run on \
            every event in order and on time (fronting_for, schedules, settle, quiet hours), and \
            their PluralKit writes go through one persisted write queue: coalesced per field (one \
            PATCH per target), skipped when PluralKit already holds the value, paced under the \
            limits (a 429 waits, 5xx and timeouts get 3 tries in all, a 401 pauses the writes until \
            a poll works again, a refused write fires action_failed). A while rule's release \
            restores a field only if PluralKit still holds what the rule wrote. Switches a rule \
            logged are journaled with PK_OWN=1 and do not trigger when rules. Each action \
            performed, already set, deferred or failed has a journal entry with PK_RULE, PK_ACTION, \
            PK_EVENT_SEQ, PK_ACTION_ID and the rule file's CODE_FILE/CODE_LINE. exec runs an \
            argument list (never a shell) with the PK_* variables in its environment, in its own \
            process group, killed at its timeout; a webhook carries Idempotency-Key: PK_ACTION_ID \
            and is retried on connection errors and 5xx only; a crash repeats either once with \
            the same PK_ACTION_ID. --dry-run (or the \
            rules' dry_run) reads and decides everything and writes nothing: the journal says \
            "would set the system tag to '| Alex' (now '| Sam')".

            A first 401 is confirmed by a second try 30s later before token_rejected is logged; \
            once a poll works again, token_accepted. api_unreachable means the API itself is out \
            of reach (network errors, timeouts, 5xx, garbage replies, rate-limit storms), never a \
            local problem. A state database that lost the state of a system it tracked before is \
            reported as state_reset before tracking starts afresh; a failed read of it is retried.

            The token, from whichever source, must be printable ASCII without spaces on one line \
            (one trailing newline is allowed); anything else stops the start with exit 78, and so \
            does an API URL that is malformed or has a user name or password in it. The token is \
            never written to the journal, stderr or the state database.

            Under systemd it reports READY=1 after the first poll, STATUS= with the fronters (and, \
            during an outage, the time they were last seen), the last poll's outcome, the active \
            rules and the writes queued, feeds the \
            watchdog while the poll loop waits on purpose or polls within its bound (a hung poll \
            stops the feed, so systemd restarts it), reloads on SIGHUP (systemctl reload; a reload \
            that fails or takes over 30s keeps the running rules) and stops on SIGTERM. Without a \
            journal it logs to stderr.
            """)

    @OptionGroup var shared: SharedOptions

    @Option(
        help: ArgumentHelp(
            "Rule file or directory (env PKFRONTD_RULES; default /etc/pkfrontd/rules.yaml if it exists).",
            valueName: "PATH"))
    var rules: String?

    @Option(
        name: .customLong("poll-interval"),
        help: ArgumentHelp("How often to poll, e.g. 15s, 1m (default 15s).", valueName: "DURATION"))
    var pollInterval: String?

    @Option(
        name: .customLong("system"),
        help: ArgumentHelp("System to track (repeatable; default the token's own system).", valueName: "ID"))
    var systems: [String] = []

    @Flag(
        name: .customLong("dry-run"),
        help: "Read and decide everything, write nothing to PluralKit; the journal says what would be set.")
    var dryRun = false

    @Option(
        help: ArgumentHelp("On a first start (no state yet), replay this many past switches as events.", valueName: "N")
    )
    var replay: Int = 0

    func run() async throws {
        // Every entry passes through the redactor: once the token is known, no text that
        // reaches the journal or stderr can carry it.
        let secrets = SecretRedactor()
        LoggingSystem.bootstrap { _ in
            var handler = JournalLogHandler(identifier: "pkfrontd", fieldPrefix: "PK_")
            handler.logLevel = .info
            handler.redact = { secrets.redact($0) }
            return handler
        }
        let logger = Logger(label: "pkfrontd")
        let notifier = Notifier()
        let environment = ProcessInfo.processInfo.environment
        let resolve = { @Sendable in
            try DaemonSettings.resolve(
                flags: shared, rules: rules, pollInterval: pollInterval, systems: systems, dryRun: dryRun,
                environment: environment)
        }
        let assembly: DaemonAssembly
        do {
            let settings: DaemonSettings
            let credential: Credential
            do {
                settings = try resolve()
                guard
                    let found = try Credentials.resolve(
                        tokenFile: settings.tokenFile, configTokenFile: settings.configTokenFile,
                        environment: environment, naming: .pluralKit)
                else {
                    throw SettingsError(
                        .noToken,
                        """
                        no PluralKit token. Get one with `pk;token` in a DM with the bot, then either \
                        put it in /etc/pkfrontd/token (mode 600; the unit loads it with LoadCredential=), \
                        pass --token-file PATH, or set PK_TOKEN.
                        """)
                }
                credential = found
                secrets.add(found.reveal())
            } catch {
                throw StartupFailure(description: "cannot start: \(error)", errno: 22)
            }
            assembly = try DaemonAssembly.make(
                settings: settings, credential: credential, replay: replay, logger: logger, notifier: notifier,
                redact: { secrets.redact($0) })
        } catch let failure as StartupFailure {
            // Before the store is open nothing can go through the outbox: a journal entry only.
            logger.critical(
                "\(failure.description)", metadata: Logger.Metadata(journal: JournalEntry.startupFailed.fields))
            notifier.errno(failure.errno, status: failure.description)
            throw ExitCode(78)  // EX_CONFIG: systemd does not restart-loop on a configuration error
        }
        let sighup = await UnixSignalsSequence(trapping: .sighup).map { _ in () }
        let services = assembly.services(
            clock: ContinuousClock(), reloads: sighup, reload: resolve, watchdog: Notifier.watchdogInterval())
        try await assembly.run(services: services)
    }
}
