import Actions
import FrontEvents
import FrontTracking
import Logging
import PluralKit
import Rules
import ServiceLifecycle
import Synchronization
import Systemd
import UnixSignals

/// Why the daemon could not start: what to tell the user, and the `ERRNO=` for systemd.
struct StartupFailure: Error, CustomStringConvertible {
    let description: String
    let errno: Int32
}

/// The one place that knows how the daemon's parts fit: from the settings and the token it
/// builds the client, the store, the tracker, the rules and the services (`run` uses it; the
/// demo will too). Nothing here talks to PluralKit until the services run.
final class DaemonAssembly: Sendable {
    let settings: Mutex<DaemonSettings>
    let tokenSource: String
    let logger: Logger
    let notifier: Notifier
    let client: PluralKitClient
    let store: StateStore
    let tracker: FrontTracker
    let rules: LoadedRules
    let status = DaemonStatus()
    let heartbeat = Heartbeat()
    let wakeJournal = Wakeup()
    let wakeStatus = Wakeup()
    /// Remote values as last read or written (the rules and the write queue share it).
    let remote = RemoteCache()
    /// Wakes the rules consumer (new events, reloads).
    let wakeRules = Doorbell()
    /// Wakes the write queue (writes queued, a poll that worked).
    let wakeWrites = Doorbell()
    /// Wakes the exec and webhook runner (invocations recorded, one ended).
    let wakeEffects = Doorbell()
    /// The exec and webhook runner of the running services (tests reach its fault hook through it).
    let effectRunner = Mutex<EffectRunner?>(nil)
    /// Member names for the journal's messages (the rules consumer keeps it current).
    let memberNames = NameBook()
    /// The write queue of the running services (tests reach its fault hook through it).
    let writeQueue = Mutex<WriteQueue?>(nil)

    /// Builds the parts. Throws ``StartupFailure`` when the state database or the rules cannot
    /// be used (the caller exits 78).
    /// - Parameters:
    ///   - redact: applied to everything stored (the token is replaced by `[token]`).
    ///   - rateLimit: the client's pacing (PluralKit's limits; tests on virtual time lift them).
    static func make(
        settings: DaemonSettings, credential: Credential, replay: Int, logger: Logger, notifier: Notifier,
        redact: @escaping @Sendable (String) -> String, rateLimit: RateLimitConfiguration = .init()
    ) throws -> DaemonAssembly {
        let store: StateStore
        do {
            store = try StateStore(directory: settings.stateDirectory, redact: redact)
        } catch {
            throw StartupFailure(description: "cannot start: \(error)", errno: 5)
        }
        let loaded: RuleSet?
        do {
            loaded = try RuleLoading.load(settings, names: Result { try FrontTracker.names(in: store) }, logger: logger)
        } catch {
            throw StartupFailure(
                description: "cannot start: \(error); `pkfrontd check \(settings.rules ?? "")` shows them too",
                errno: 22)
        }
        // 3 tries in all for a request (RULES-ENGINE.md, "Writes": the client's retries count).
        let configuration = PluralKitClient.Configuration(
            baseURL: settings.apiURL, userAgent: "pkfrontd/\(PKFrontd.version) (+https://pluralkit.me)",
            rateLimit: rateLimit, retry: RetryPolicy(maxRetries: 2))
        let client = PluralKitClient(token: Token(credential.reveal()), configuration: configuration, logger: logger)
        let tracker = FrontTracker(client: client, store: store, configuration: .init(replay: replay), logger: logger)
        return DaemonAssembly(
            settings: settings, tokenSource: credential.origin.description, logger: logger, notifier: notifier,
            client: client, store: store, tracker: tracker, rules: LoadedRules(loaded))
    }

    init(
        settings: DaemonSettings, tokenSource: String, logger: Logger, notifier: Notifier, client: PluralKitClient,
        store: StateStore, tracker: FrontTracker, rules: LoadedRules
    ) {
        self.settings = Mutex(settings)
        self.tokenSource = tokenSource
        self.logger = logger
        self.notifier = notifier
        self.client = client
        self.store = store
        self.tracker = tracker
        self.rules = rules
    }

    /// What the daemon's own events carry now.
    func info() -> DaemonInfo {
        let s = settings.withLock { $0 }
        return DaemonInfo(
            version: PKFrontd.version, apiURL: s.apiURL, tokenSource: tokenSource, stateDirectory: s.stateDirectory,
            pollInterval: DurationParser.format(s.pollInterval), rules: s.rules, rulesLoaded: rules.count,
            reloads: status.reloads.withLock { $0 })
    }

    /// The services, in start order (they stop in reverse: polling first, the journal writer last).
    /// - Parameters:
    ///   - clock: what every wait uses (a test clock in tests).
    ///   - reloads: one element per reload request (SIGHUP in the daemon).
    ///   - reload: re-reads the configuration.
    ///   - watchdog: the manager's watchdog interval, when it asked for one.
    ///   - now: the wall time (tests derive it from their clock).
    func services<C: Clock<Duration>, Reloads: AsyncSequence & Sendable>(
        clock: C, reloads: Reloads, reload: @escaping @Sendable () throws -> DaemonSettings, watchdog: Duration?,
        now: @escaping @Sendable () -> Timestamp = { .now }
    ) -> [any Service] where Reloads.Element: Sendable {
        var events = DaemonEvents(store: store, logger: logger, info: { [self] in info() }, journal: wakeJournal)
        events.rules = wakeRules
        let interval = settings.withLock { $0.pollInterval }
        let (runner, queue) = rulesParts(events: events, now: now)
        let (effects, sender) = effectParts(events: events, clock: clock, now: now)
        // In the first STATUS= already (the rules consumer keeps it current after each step).
        if let loaded = rules.current.withLock({ $0 }) {
            let queued = (try? store.queuedWrites().count) ?? 0
            let dryRun = settings.withLock { $0.dryRun }
            status.rules.withLock { $0 = RulesRunner.summary(loaded, queued: queued, dryRun: dryRun) }
        }
        var services: [any Service] = [
            JournalService(
                consumer: EventJournal.consumer(store: store, logger: logger), wake: wakeJournal, logger: logger),
            StatusService(notifier: notifier, status: status, tracker: tracker, wake: wakeStatus, events: events),
            ReloadService(
                signals: reloads, notifier: notifier, status: status, tracker: tracker, rules: rules, events: events,
                logger: logger,
                reload: reload, adopt: { [self] fresh in settings.withLock { $0 = fresh } }),
            PollService(
                tracker: tracker,
                schedule: PollLoop.Schedule(
                    interval: interval, tickBound: PollService.tickBound(for: client.configuration)),
                clock: clock, heartbeat: heartbeat, status: status, wakeJournal: wakeJournal, wakeStatus: wakeStatus,
                names: NameWatch(), rules: rules, logger: logger, after: [wakeRules, wakeWrites]),
        ]
        // Before polling (so they stop after it): the rules consumer, then the write queue.
        services.insert(WakeLoopService(work: { await runner.step() }, bell: wakeRules, clock: clock, now: now), at: 3)
        services.insert(WakeLoopService(work: { await queue.drain() }, bell: wakeWrites, clock: clock, now: now), at: 4)
        services.insert(EffectService(runner: effects, sender: sender, bell: wakeEffects, clock: clock), at: 5)
        if let watchdog {
            services.append(
                WatchdogService(
                    notifier: notifier, interval: watchdog, heartbeat: heartbeat, clock: clock, logger: logger,
                    hungMetadata: Logger.Metadata(journal: JournalEntry.watchdogStarved.fields)))
        }
        return services
    }

    /// The rules consumer and the write queue over the assembly's store, client and tracker.
    func rulesParts(events: DaemonEvents, now: @escaping @Sendable () -> Timestamp) -> (RulesRunner, WriteQueue) {
        let names = memberNames
        let journal = ActionJournal(logger: logger) { id in names.name(id) }
        let dryRun = settings.withLock { $0.dryRun }
        let runner = RulesRunner(
            store: store, tracker: tracker, client: client, rules: rules, cache: remote, journal: journal,
            status: status, dryRun: dryRun, writes: wakeWrites, effects: wakeEffects, memberNames: memberNames,
            logger: logger, now: now)
        let (tracker, rules, wakeStatus) = (tracker, rules, wakeStatus)
        let queue = WriteQueue(
            store: store, client: client, cache: remote,
            names: { (rules.current.withLock { $0 }, (try? await tracker.names())?.members ?? []) },
            report: { report in
                if let (failure, error) = journal.write(report) {
                    events.append(.actionFailed, error: error, failure: failure)
                }
                wakeStatus.signal()
            },
            lastPoll: { await tracker.lastSuccess },
            membersChanged: {
                if let system = await tracker.system { try? await tracker.refreshMembers(system: system) }
            }, now: now)
        writeQueue.withLock { $0 = queue }
        return (runner, queue)
    }

    /// The exec and webhook runner over the assembly's store: programs run in the state
    /// directory; what is older than the rules' catch-up window is not run.
    func effectParts<C: Clock<Duration>>(events: DaemonEvents, clock: C, now: @escaping @Sendable () -> Timestamp)
        -> (EffectRunner, WebhookSender)
    {
        let names = memberNames
        let journal = ActionJournal(logger: logger) { id in names.name(id) }
        let sender = WebhookSender(userAgent: "pkfrontd/\(PKFrontd.version)") { try await clock.sleep(for: $0) }
        let (rules, wakeStatus) = (rules, wakeStatus)
        let runner = EffectRunner(
            store: store, exec: ExecRunner(), webhooks: sender,
            directory: settings.withLock { $0.stateDirectory },
            window: { rules.current.withLock { $0?.settings.catchUpWindow } ?? .seconds(15 * 60) },
            report: { report in
                if let (failure, error) = journal.effect(report) {
                    events.append(.actionFailed, error: error, failure: failure)
                }
                wakeStatus.signal()
            }, now: now)
        effectRunner.withLock { $0 = runner }
        return (runner, sender)
    }

    /// Runs the services until SIGTERM or SIGINT (or `shutdown` in tests); then shuts the client down.
    func run(services: [any Service], signals: [UnixSignal] = [.sigterm, .sigint]) async throws {
        var groupLogger = logger
        groupLogger.logLevel = .warning
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) }, gracefulShutdownSignals: signals, logger: groupLogger))
        do {
            try await group.run()
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }
}
