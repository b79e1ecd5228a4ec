public import FrontEvents
public import Logging
public import PluralKit

/// Turns PluralKit's fronters and switch history into events, stored in the outbox before
/// anything acts on them.
///
/// One ``tick()`` costs one request (`GET /systems/@me/fronters`) when nothing changed. When
/// the front differs from what is stored, it pages the history back to the last known switch and
/// emits a `switch` event for every new one, oldest first, each followed by its derived events;
/// an edited or deleted latest switch is seen the same way. ``reread()`` re-reads the recent
/// history window to find older switches that were edited, moved or deleted.
public actor FrontTracker {
    /// Tuning of the tracker.
    public struct Configuration: Sendable {
        /// On a first start (no stored state), replay this many past switches as events.
        public var replay: Int
        /// Failures in a row before `api_unreachable`.
        public var failuresBeforeUnreachable: Int
        /// How often the member list is refreshed even when no unknown member shows up.
        public var memberRefreshInterval: Duration

        public init(
            replay: Int = 0, failuresBeforeUnreachable: Int = 3, memberRefreshInterval: Duration = .seconds(3600)
        ) {
            self.replay = replay
            self.failuresBeforeUnreachable = failuresBeforeUnreachable
            self.memberRefreshInterval = memberRefreshInterval
        }
    }

    /// What one tick did.
    public enum TickResult: Sendable, Hashable {
        /// Nothing changed.
        case unchanged
        /// Events were recorded.
        case changed(events: Int)
        /// The first tick of a system never seen: the current front was taken as the baseline.
        case baseline(replayed: Int)
        /// The API failed (the poll was handled; the error is logged and counted).
        case failed(String)
        /// A first 401: not reported yet; the loop tries again soon to confirm it (a single 401
        /// can be a blip on PluralKit's side).
        case tokenDoubted
        /// The token was rejected (401, confirmed by a second try).
        case unauthorized
    }

    let client: PluralKitClient
    let store: StateStore
    let configuration: Configuration
    let logger: Logger
    let now: @Sendable () -> Timestamp

    var systemID: String?
    var state: SystemState?
    var resumed = false
    var caughtUp = false
    var members: [MemberID: MemberRef] = [:]
    /// The members' UUIDs (names are resolved against them too).
    var memberUUIDs: [MemberID: String] = [:]
    /// The groups of the last refresh (nil: not refreshed since the start).
    var groups: [CachedGroup]?
    /// When the member list was last loaded (kept here so an idle tick reads no database).
    var membersRefreshedAt: Timestamp?
    /// When the member and group lists were last loaded from PluralKit (nil: not since the
    /// start); a change means ``names()`` has new lists.
    public var listsRefreshed: Timestamp? { membersRefreshedAt }
    /// Ids still unknown after a refresh (deleted members): not worth another refresh.
    var unknownMembers: Set<MemberID> = []
    var failures = 0
    var unreachable = false
    var tokenDoubted = false
    var tokenRejected = false
    /// Why the stored state of a known system is missing (reported as `state_reset` with the
    /// new baseline).
    var stateLost: String?
    /// The system id learned from `GET /systems/@me`, before its state could be read.
    var learnedSystem: String?
    /// When a poll last succeeded (for "as of" in status lines during an outage).
    public private(set) var lastSuccess: Timestamp?
    /// The last front, with names, for status lines.
    public private(set) var currentFront: [MemberRef] = []
    /// When the current front started.
    public private(set) var currentSince: Timestamp?
    /// The current front's switch id.
    public private(set) var currentSwitch: SwitchID?

    /// The front as last seen: fronters in order, the switch, since when, and as of which poll.
    public var snapshot: FrontSnapshot {
        FrontSnapshot(fronters: currentFront, switchID: currentSwitch, since: currentSince, asOf: lastSuccess)
    }

    public init(
        client: PluralKitClient, store: StateStore, configuration: Configuration = .init(),
        logger: Logger = Logger(label: "pkfrontd.tracker", factory: { _ in SwiftLogNoOpLogHandler() }),
        now: @escaping @Sendable () -> Timestamp = { .now }
    ) {
        self.client = client
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.now = now
    }

    /// The tracked system's short id, once known.
    public var system: String? { systemID }

    // MARK: - Polling

    /// Polls once. Never throws: failures become health events and a `.failed` result.
    public func tick() async -> TickResult {
        do {
            let result = try await poll()
            try recovered()
            return result
        } catch let error as PluralKitError where error.isUnauthorized {
            return unauthorized(error)
        } catch let error as PluralKitError {
            return failed(client.redacted(error.description), outage: error.isOutage, local: false)
        } catch let error as StateStoreError {
            return failed(client.redacted(error.description), outage: false, local: true)
        } catch is CancellationError {
            return .failed("cancelled")
        } catch {
            // GRDB: busy, I/O, a full disk, a damaged file. Not the API's fault.
            return failed(
                client.redacted("the state database \(store.path) failed: \(error)"), outage: false, local: true)
        }
    }

    /// A 401 is reported (`token_rejected`) only when a second try confirms it.
    private func unauthorized(_ error: PluralKitError) -> TickResult {
        if tokenRejected { return .unauthorized }
        if !tokenDoubted {
            tokenDoubted = true
            logger.warning("PluralKit answered 401 (token rejected); trying again shortly before reporting it")
            return .tokenDoubted
        }
        tokenRejected = true
        var event = FrontEvent(kind: .tokenRejected, system: systemID ?? learnedSystem ?? "")
        event.error = client.redacted(error.message)
        try? append([event])
        return .unauthorized
    }

    /// A handled failure. Only an outage of the API (network errors, timeouts, 5xx, garbage or
    /// rate-limit storms) counts towards `api_unreachable`; a local problem (the database, a
    /// full disk) or a request the API refuses (400, 403, 404) is logged, not reported as one.
    private func failed(_ message: String, outage: Bool, local: Bool) -> TickResult {
        tokenDoubted = false
        guard outage else {
            // A local problem is a journal entry of its own (`state_error`); a request the API
            // refused is logged as it is. Neither is an outage of the API.
            if local {
                logger.error(
                    "poll failed: \(message); retrying at the next poll",
                    metadata: Dictionary(JournalEntry.stateError.fields.map { ($0.name, .string($0.value)) }) { a, _ in
                        a
                    }
                    .merging(["PK_STATE_DB": "\(store.path)"]) { a, _ in a })
            } else {
                logger.error("poll failed: \(message)")
            }
            return .failed(message)
        }
        failures += 1
        logger.warning("poll failed (\(failures) in a row): \(message)")
        if failures >= configuration.failuresBeforeUnreachable, !unreachable {
            unreachable = true
            var event = FrontEvent(kind: .apiUnreachable, system: systemID ?? learnedSystem ?? "")
            event.error = message
            try? append([event])
        }
        return .failed(message)
    }

    private func recovered() throws {
        var events: [FrontEvent] = []
        let system = systemID ?? ""
        if unreachable { events.append(FrontEvent(kind: .apiRecovered, system: system)) }
        if tokenRejected { events.append(FrontEvent(kind: .tokenAccepted, system: system)) }
        if !events.isEmpty { try append(events) }
        failures = 0
        unreachable = false
        tokenRejected = false
        tokenDoubted = false
        lastSuccess = now()
    }

    /// Health events change no tracking state: they only go into the outbox.
    private func append(_ events: [FrontEvent]) throws {
        try store.appendOnly(events, now: now())
    }

    private func poll() async throws -> TickResult {
        if systemID == nil {
            let id: String
            if let learnedSystem {
                id = learnedSystem
            } else {
                id = try await client.getSystem().id.rawValue
                learnedSystem = id
            }
            // Everything is read before the system counts as known: a read that fails is
            // retried by the next tick and never turns into a first start.
            let loaded = try store.state(system: id)
            let cached = try store.cachedMembers(system: id)
            let refreshed = try store.membersRefreshed(system: id)
            if loaded == nil {
                if store.found == .emptied {
                    stateLost =
                        "the state database \(store.path) was found empty or without pkfrontd's tables (emptied, truncated, or its write-ahead log lost)"
                } else if store.wasTracked(system: id) {
                    stateLost =
                        "the state database \(store.path) holds no state for system \(id), which pkfrontd tracked before (the file was replaced, deleted or restored from an older copy)"
                }
            } else {
                try store.markTracked(system: id)
            }
            state = loaded
            resumed = loaded != nil
            members = cached
            membersRefreshedAt = refreshed
            systemID = id
        }
        guard let system = systemID else {
            throw StateStoreError(.notReady, "no system id yet: the first poll has not read the system")
        }
        let fronters = try await client.getFronters()
        if let fronters { remember(fronters.members) }
        let current = fronters.map(TrackedSwitch.init)
        guard var st = state else {
            let result = try await baseline(system: system, current: current, fronters: fronters)
            caughtUp = true
            return result
        }
        try await refreshMembersIfDue(system: system)
        if current == st.front {
            noteFront(current)
            caughtUp = true
            return .unchanged
        }
        let catchUp = resumed && !caughtUp
        var events: [FrontEvent] = []
        let oldFront = try await refs(st.front?.members ?? [], system: system)

        if let cur = current, cur.id == st.front?.id, let before = st.front {
            // The latest switch itself was edited (members or time).
            events.append(.changed(.switchEdited, system: system, before: before, after: cur, catchUp: catchUp))
            if cur.members != before.members {
                events += SwitchDiff.derived(
                    from: oldFront, to: try await refs(cur.members, system: system), system: system, switchID: cur.id,
                    timestamp: cur.timestamp, catchUp: catchUp)
            }
            st.known.removeAll { $0.id == cur.id }
            st.known.append(cur)
        } else if current.map({ c in st.known.contains { $0.id == c.id } }) ?? true {
            // Newer switches were deleted: the front went back to an older (or no) switch.
            let keepFrom = current.flatMap { c in st.known.first { $0.id == c.id }?.timestamp }
            let gone = st.known.filter { s in keepFrom.map { s.timestamp > $0 } ?? true }.sorted {
                $0.timestamp < $1.timestamp
            }
            events += gone.map { .changed(.switchDeleted, system: system, before: $0, catchUp: catchUp) }
            st.known.removeAll { s in gone.contains { $0.id == s.id } }
            if let cur = current, let old = st.known.first(where: { $0.id == cur.id }), old != cur {
                events.append(.changed(.switchEdited, system: system, before: old, after: cur, catchUp: catchUp))
                st.known.removeAll { $0.id == cur.id }
                st.known.append(cur)
            }
            events += SwitchDiff.derived(
                from: oldFront, to: try await refs(current?.members ?? [], system: system), system: system,
                switchID: current?.id, timestamp: current?.timestamp, catchUp: catchUp)
        } else if let cur = current {
            // New switches: page back to the last known one.
            let knownIDs = Set(st.known.map(\.id))
            var collected: [TrackedSwitch] = []
            for try await s in client.switchHistory() {
                if knownIDs.contains(s.id) { break }
                if let stop = st.front?.timestamp, s.timestamp < stop { break }
                collected.append(TrackedSwitch(s))
            }
            // A future-dated switch is the front but not yet listed in history.
            if !collected.contains(where: { $0.id == cur.id }) { collected.insert(cur, at: 0) }
            var previous = oldFront
            for s in collected.reversed() {
                let now = try await refs(s.members, system: system)
                var made = SwitchDiff.switchEvents(
                    s, fronters: now, previous: previous, system: system, catchUp: catchUp)
                if try store.isOwnSwitch(s) {
                    // Logged by a rule: the front follows it, `when` rules do not run for it.
                    for i in made.indices { made[i].own = true }
                }
                events += made
                previous = now
            }
            st.known += collected
        }
        st.front = current
        st.known = Array(st.known.sorted { $0.timestamp > $1.timestamp }.prefix(StateStore.knownWindow))
        try store.commit(st, events: events, now: now())
        state = st
        caughtUp = true
        noteFront(current)
        return .changed(events: events.count)
    }

    private func baseline(system: String, current: TrackedSwitch?, fronters: Fronters?) async throws -> TickResult {
        try await refreshMembers(system: system)
        let page = try await client.getSwitches(limit: 100).map(TrackedSwitch.init)
        var known = page
        if let current, !known.contains(where: { $0.id == current.id }) { known.insert(current, at: 0) }
        var events: [FrontEvent] = []
        let replay = min(configuration.replay, known.count)
        if replay > 0 {
            let chain = Array(known.prefix(replay + 1).reversed())
            var previous = chain.count > replay ? try await refs(chain[0].members, system: system) : []
            for s in chain.suffix(replay) {
                let now = try await refs(s.members, system: system)
                events += SwitchDiff.switchEvents(s, fronters: now, previous: previous, system: system, catchUp: false)
                previous = now
            }
        }
        if let lost = stateLost {
            // Said loudly, before the new baseline: what was lost and from when catch-up starts.
            var reset = FrontEvent(kind: .stateReset, system: system)
            reset.error =
                lost
                + "; switches logged while pkfrontd was not tracking cannot be reported, and tracking starts afresh from the current front"
            reset.switchID = current?.id
            reset.timestamp = current?.timestamp
            events.insert(reset, at: 0)
        }
        let st = SystemState(system: system, front: current, known: known)
        try store.commit(st, events: events, now: now())
        try store.markTracked(system: system)
        stateLost = nil
        state = st
        noteFront(current)
        return .baseline(replayed: replay)
    }

    // MARK: - Re-reading the recent history

    /// Re-reads the history back to the oldest known switch and records `switch_edited`,
    /// `switch_deleted` (and `switch` for back-dated new ones) for switches other than the
    /// current front (which ``tick()`` watches). Returns the number of events.
    @discardableResult
    public func reread() async -> Int {
        guard let system = systemID, var st = state, let oldest = st.known.last?.timestamp else { return 0 }
        do {
            var remote: [TrackedSwitch] = []
            for try await s in client.switchHistory(until: oldest) {
                remote.append(TrackedSwitch(s))
            }
            let frontID = st.front?.id
            let byID = Dictionary(remote.map { ($0.id, $0) }) { a, _ in a }
            var events: [FrontEvent] = []
            for k in st.known.sorted(by: { $0.timestamp < $1.timestamp }) where k.id != frontID && k.timestamp >= oldest
            {
                if let r = byID[k.id] {
                    if r != k { events.append(.changed(.switchEdited, system: system, before: k, after: r)) }
                } else if !(st.front.map { k.timestamp > $0.timestamp } ?? false) {
                    // Not in the window: deleted, or moved out of it. Ask for it by id.
                    if let moved = try await lookup(k.id) {
                        events.append(.changed(.switchEdited, system: system, before: k, after: moved))
                        remote.append(moved)
                    } else {
                        events.append(.changed(.switchDeleted, system: system, before: k))
                    }
                }
            }
            let knownIDs = Set(st.known.map(\.id))
            let ordered = remote.sorted { $0.timestamp < $1.timestamp }
            for (i, r) in ordered.enumerated() where !knownIDs.contains(r.id) && r.id != frontID {
                if let front = st.front, r.timestamp > front.timestamp { continue }  // tick() handles newer ones
                let previous = i > 0 ? try await refs(ordered[i - 1].members, system: system) : []
                var e = FrontEvent(kind: .switch, system: system)
                e.switchID = r.id
                e.timestamp = r.timestamp
                e.fronters = try await refs(r.members, system: system)
                e.previous = previous
                events.append(e)
            }
            guard !events.isEmpty else { return 0 }
            var window = remote.filter { $0.id != frontID }
            if let front = st.front { window.append(front) }
            st.known = window
            try store.commit(st, events: events, now: now())
            state = st
            return events.count
        } catch {
            logger.warning("re-reading the switch history failed: \(error)")
            return 0
        }
    }

    /// One switch by id, or nil when the server says it does not exist.
    private func lookup(_ id: SwitchID) async throws -> TrackedSwitch? {
        do {
            let s = try await client.getSwitch(id)
            return TrackedSwitch(s)
        } catch let error as PluralKitError where error.category == .switchNotFound {
            return nil
        }
    }

    // MARK: - Members

    private func remember(_ full: [Member]) {
        for m in full { members[m.id] = MemberRef(m) }
    }

    /// Names for member ids; an unknown id refreshes the member list once.
    func refs(_ ids: [MemberID], system: String) async throws -> [MemberRef] {
        if ids.contains(where: { members[$0] == nil && !unknownMembers.contains($0) }) {
            try await refreshMembers(system: system)
            unknownMembers.formUnion(ids.filter { members[$0] == nil })
        }
        return ids.map { members[$0] ?? MemberRef(id: $0) }
    }

    private func refreshMembersIfDue(system: String) async throws {
        guard membersRefreshedAt.map({ $0.duration(to: now()) >= configuration.memberRefreshInterval }) ?? true else {
            return
        }
        try await refreshMembers(system: system)
    }

    /// Reloads the member and group lists into the cache (and the names the tracker uses).
    public func refreshMembers(system: String) async throws {
        let list = try await client.getMembers()
        let refreshed = now()
        try store.cacheMembers(list, system: system, now: refreshed)
        members = Dictionary(list.map { ($0.id, MemberRef($0)) }) { a, _ in a }
        memberUUIDs = Dictionary(list.map { ($0.id, $0.uuid) }) { a, _ in a }
        membersRefreshedAt = refreshed
        unknownMembers.removeAll()
        let fetched = try await client.getGroups(withMembers: true)
        let uuidToID = Dictionary(list.map { ($0.uuid, $0.id) }) { a, _ in a }
        let cached = fetched.map { g in
            CachedGroup(
                id: g.id, uuid: g.uuid, name: g.name,
                members: (g.members ?? []).compactMap { uuidToID[$0.rawValue] ?? ($0.isUUID ? nil : $0) })
        }
        try store.cacheGroups(cached, system: system)
        groups = cached
    }

    /// Each current fronter's stint start (what `fronting_for` and `front_duration` measure):
    /// from the known recent switches, and when a stint goes back past them, from the history
    /// paged back as far as it needs (newest first, under the client's limiter; remembered until
    /// the front or the known window changes, and stored, so a restart does not page again). Edits
    /// and deletions of known switches count at once, since the known switches are what the last
    /// poll saw. Empty before the first poll.
    public func stintStarts() async throws -> [MemberID: Timestamp] {
        guard let st = state, let front = st.front else { return [:] }
        let older = st.known.filter { $0.id != front.id && $0.timestamp <= front.timestamp }
            .sorted { $0.timestamp > $1.timestamp }
        var walk = StintWalk()
        for s in [front] + older where !walk.older(s) { break }
        if walk.complete { return walk.starts }
        let oldest = older.last ?? front
        let key = "\(front.id)|\(front.timestamp)|\(oldest.id)|\(oldest.timestamp)"
        if let memo = stintMemo, memo.key == key { return memo.starts }
        if let system = systemID, let stored = try? store.stintStarts(system: system), stored.key == key {
            // Found by an earlier run for this same front and window: no paging after a restart.
            stintMemo = stored
            return stored.starts
        }
        for try await s in client.switchHistory(before: oldest.timestamp) {
            guard walk.older(TrackedSwitch(s)) else { break }
        }
        stintMemo = (key, walk.starts)
        if let system = systemID { try? store.saveStintStarts(system: system, key: key, starts: walk.starts) }
        return walk.starts
    }

    /// The fronters before the current front (the members of the newest known switch older than
    /// the front that lists other members), and when the fronter list last changed.
    public func frontChange() -> (previous: [MemberRef], changed: Timestamp?) {
        guard let st = state, let front = st.front else { return ([], nil) }
        var changed = front.timestamp
        for s in st.known.sorted(by: { $0.timestamp > $1.timestamp }) where s.timestamp <= front.timestamp {
            guard s.id != front.id else { continue }
            if s.members == front.members {
                changed = s.timestamp
                continue
            }
            return (s.members.map { members[$0] ?? MemberRef(id: $0) }, changed)
        }
        return ([], changed)
    }

    /// Stint starts found by paging past the known switches, for the front and window they were found for.
    private var stintMemo: (key: String, starts: [MemberID: Timestamp])?

    /// The member and group names the tracker works with, for resolving rule names: the lists
    /// of the last refresh, or before the first poll the ones its store has cached (when it
    /// caches exactly one system). Nil when no list is known yet.
    public func names() throws -> SystemNames? {
        if let system = systemID, let groups, !members.isEmpty {
            return SystemNames(
                system: system,
                members: members.values.sorted { $0.id < $1.id }.map {
                    NameEntry(
                        id: $0.id.rawValue, uuid: memberUUIDs[$0.id], name: $0.name ?? "", displayName: $0.displayName)
                },
                groups: groups.sorted { $0.id < $1.id }.map {
                    NameEntry(id: $0.id.rawValue, uuid: $0.uuid, name: $0.name, displayName: nil)
                },
                refreshed: membersRefreshedAt,
                groupMembers: Dictionary(groups.map { ($0.id.rawValue, $0.members) }, uniquingKeysWith: { a, _ in a }))
        }
        return try Self.names(in: store, system: systemID ?? learnedSystem)
    }

    /// The names a store has cached for `system`, or when no system is given, for the one
    /// system it caches (nil when it caches none or several).
    public static func names(in store: StateStore, system: String? = nil) throws -> SystemNames? {
        let cached = try store.cachedNames()
        if let system { return cached.first { $0.system == system } }
        return cached.count == 1 ? cached[0] : nil
    }

    private func noteFront(_ current: TrackedSwitch?) {
        currentFront = (current?.members ?? []).map { members[$0] ?? MemberRef(id: $0) }
        currentSince = current?.timestamp
        currentSwitch = current?.id
    }
}
