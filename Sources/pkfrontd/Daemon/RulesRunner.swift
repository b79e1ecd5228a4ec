import Actions
import Foundation
import FrontEvents
import FrontTracking
import Logging
import PluralKit
import Rules
import Synchronization

/// The daemon's shell around the rule engine (`../shared/RULES-ENGINE.md`, "Shape"): the rules
/// consumer of the outbox. It feeds the engine the events in `PK_EVENT_SEQ` order with the front
/// (stint starts from the tracker), the names and the remote values, wakes it on time, and
/// stores its state, its decision records, the writes they queue and the acknowledgment in one
/// transaction. Nothing runs before the first poll worked: with PluralKit unreachable at start,
/// the last known front is kept and nothing is reverted.
actor RulesRunner {
    private let store: StateStore
    private let tracker: FrontTracker
    private let client: PluralKitClient
    private let rules: LoadedRules
    private let cache: RemoteCache
    private let journal: ActionJournal
    private let status: DaemonStatus
    private let dryRun: Bool
    private let logger: Logger
    private let now: @Sendable () -> Timestamp
    /// Rung when writes were queued.
    let writes: Doorbell
    /// Rung when exec or webhook invocations were recorded.
    let effects: Doorbell
    /// Member names for the journal's messages.
    private let memberNames: NameBook

    private var engine: RuleEngine?
    private var generation = -1
    private var nextWake: Timestamp?
    private var systemZone: TimeZone??
    private var failedCommits = 0

    init(
        store: StateStore, tracker: FrontTracker, client: PluralKitClient, rules: LoadedRules, cache: RemoteCache,
        journal: ActionJournal, status: DaemonStatus, dryRun: Bool, writes: Doorbell,
        effects: Doorbell, memberNames: NameBook, logger: Logger, now: @escaping @Sendable () -> Timestamp
    ) {
        self.memberNames = memberNames
        self.store = store
        self.tracker = tracker
        self.client = client
        self.rules = rules
        self.cache = cache
        self.journal = journal
        self.status = status
        self.dryRun = dryRun
        self.writes = writes
        self.effects = effects
        self.logger = logger
        self.now = now
    }

    /// The rules in force, with the daemon's `--dry-run` applied.
    private func current() -> (RuleSet, Int)? {
        let (set, generation) = rules.snapshot
        guard var set else { return nil }
        if dryRun { set.settings.dryRun = true }
        return (set, generation)
    }

    /// Handles what is there: pending events, a wake-up that came due, a reload. Returns when
    /// the engine next wants to be woken (nil: at the next event).
    func step() async -> Timestamp? {
        // After the first poll worked (its front and events are in): with PluralKit unreachable
        // at start, the last known front is kept and nothing is reverted until it answers.
        guard status.polled.withLock({ $0 }) else { return nil }
        guard let (ruleSet, generation) = current() else {
            // No rules: nothing to decide; the events are acknowledged as they come.
            if let last = try? store.pendingEntries(consumer: StateStore.rulesConsumer, limit: 500).last {
                try? store.acknowledge(consumer: StateStore.rulesConsumer, through: last.seq)
            }
            engine = nil
            status.rules.withLock { $0 = nil }
            return nil
        }
        var starting = false
        var reloaded = false
        if engine == nil {
            let state: EngineState
            do {
                state = try store.engineState() ?? EngineState()
            } catch {
                logger.error("\(error)")
                return now().adding(.seconds(30))
            }
            engine = RuleEngine(rules: ruleSet, state: state)
            self.generation = generation
            starting = true
        } else if generation != self.generation {
            engine?.rules = ruleSet
            self.generation = generation
            reloaded = true
            cache.clear()
        }
        guard var engine else { return nil }
        let entries: [StateStore.Entry]
        do {
            entries = try store.pendingEntries(consumer: StateStore.rulesConsumer, limit: 200)
        } catch {
            logger.warning("the rules could not read the outbox (tried again shortly): \(error)")
            return now().adding(.seconds(5))
        }
        let events = entries.compactMap { entry -> FrontEvent? in
            if case .event(let e) = entry { return e }
            return nil
        }
        let at = now()
        logger.trace("rules step at \(at): \(events.count) events, next wake \(nextWake?.description ?? "none")")
        if events.isEmpty, !starting, !reloaded, nextWake.map({ $0 > at }) ?? true {
            publish(ruleSet)
            return nextWake
        }
        let context = await context(for: ruleSet, at: at)
        let front = await currentFront(context)
        var records: [DecisionRecord] = []
        var wake: Timestamp?
        var index = 0
        while index < events.count {
            // Runs of the daemon's own switches and of the rest, in order.
            let own = events[index].own
            var end = index
            while end < events.count, events[end].own == own { end += 1 }
            let batch = events[index..<end].map { ($0, self.front(for: $0, current: front, context: context)) }
            let out = engine.handle(
                batch: batch, context: context, now: at, own: own, starting: starting && index == 0)
            records += out.records
            wake = out.nextWake
            index = end
        }
        if starting || reloaded || events.isEmpty {
            let out = engine.wake(front: front, context: context, now: at, starting: starting)
            records += out.records
            wake = out.nextWake
        }
        let queued = QueuedWrite.writes(from: records, decided: at)
        let invocations = QueuedEffect.effects(from: records, decided: at)
        do {
            try store.commit(
                DecisionBatch(
                    consumer: StateStore.rulesConsumer, through: entries.last?.seq, state: engine.state,
                    records: records, writes: queued, effects: invocations))
            failedCommits = 0
        } catch {
            // Nothing was stored: the engine goes back to the stored state and the events come again.
            failedCommits += 1
            self.engine = nil
            logger.error("storing the rules' decisions failed (the events are handled again): \(error)")
            return now().adding(.seconds(min(60, 1 << min(failedCommits, 6))))
        }
        self.engine = engine
        nextWake = wake
        journal.record(records, rules: ruleSet)
        if !queued.isEmpty { writes.ring() }
        if !invocations.isEmpty { effects.ring() }
        publish(ruleSet)
        // A full page means more events wait: go on at once.
        return entries.count == 200 ? at : wake
    }

    /// `STATUS=`: how many rules are active, and the writes waiting.
    private func publish(_ set: RuleSet) {
        status.rules.withLock {
            $0 = Self.summary(set, queued: (try? store.queuedWrites().count) ?? 0, dryRun: dryRun)
        }
    }

    /// "3 rules active, 1 write queued (dry run)".
    static func summary(_ set: RuleSet, queued: Int, dryRun: Bool) -> String {
        let active = set.rules.filter(\.enabled).count
        var text = "\(active) rule\(active == 1 ? "" : "s") active"
        if queued > 0 { text += ", \(queued) write\(queued == 1 ? "" : "s") queued" }
        if dryRun || set.settings.dryRun { text += " (dry run)" }
        return text
    }

    // MARK: - What the engine is given

    private func context(for set: RuleSet, at: Timestamp) async -> EngineContext {
        let names = try? await tracker.names()
        if let names {
            let book = Dictionary(
                names.members.map { ($0.id, $0.displayName ?? $0.name) }, uniquingKeysWith: { a, _ in a })
            memberNames.set(book)
        }
        let directory = names.map {
            NameDirectory(members: $0.members, groups: $0.groups, source: "", groupMembers: $0.groupMembers)
        }
        var zone = set.settings.timezone.flatMap(TimeZone.init(identifier:))
        if zone == nil {
            if systemZone == nil, let settings = try? await client.getSystemSettings() {
                // The system's time zone (PluralKit's settings), read once it answers.
                systemZone = .some(settings.timezone.flatMap { TimeZone(identifier: $0.identifier) })
            }
            zone = (systemZone ?? nil) ?? TimeZone.current
        }
        let keys = set.remoteKeys.union(["system.name", "system.tag"])
        var remote = cache.values(keys, now: at)
        let missing = keys.subtracting(remote.keys)
        if !missing.isEmpty {
            let read = await RemoteReader(client: client).read(missing, rules: set, members: names?.members ?? [])
            cache.store(read, at: at)
            remote.merge(read) { _, b in b }
        }
        return EngineContext(
            members: names?.members ?? [], groups: directory?.engineGroups ?? [],
            system: (names?.system ?? "", (remote["system.name"] ?? nil), (remote["system.tag"] ?? nil)),
            timeZone: zone ?? TimeZone(identifier: "UTC")!,
            remote: remote.filter { set.remoteKeys.contains($0.key) })
    }

    /// The front now, with each fronter's stint start (paging back through history when needed).
    private func currentFront(_ context: EngineContext) async -> EngineFront {
        let refs = await tracker.currentFront
        let snapshot = await tracker.snapshot
        let starts = (try? await tracker.stintStarts()) ?? [:]
        let change = await tracker.frontChange()
        let since = snapshot.since ?? now()
        return EngineFront(
            fronters: refs.map { .init(member: Self.named($0, context), since: starts[$0.id] ?? since) },
            lastChange: change.changed ?? snapshot.since, previous: change.previous.map { Self.named($0, context) })
    }

    /// The front an event leaves: the current one, except for a front change the tracker found
    /// earlier in the same batch (catch-up), which carries its own fronters.
    private func front(for event: FrontEvent, current: EngineFront, context: EngineContext) -> EngineFront {
        let own: Set<FrontEvent.Kind> = [.switch, .frontCleared, .fronterAdded, .fronterRemoved, .firstFronterChanged]
        guard own.contains(event.kind), let at = event.timestamp, event.fronters.map(\.id) != current.members.map(\.id)
        else { return current }
        return EngineFront(
            fronters: event.fronters.map { .init(member: Self.named($0, context), since: current.since($0.id) ?? at) },
            lastChange: at, previous: event.previous)
    }

    private static func named(_ ref: MemberRef, _ context: EngineContext) -> MemberRef {
        guard ref.name == nil else { return ref }
        return context.reference(ref.id)
    }
}
