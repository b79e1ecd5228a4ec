public import FrontEvents
public import PluralKit
public import Rules

/// The executor's write queue (`../shared/RULES-ENGINE.md`, "Writes"): takes the queued
/// PluralKit writes from the store, one target at a time — one PATCH carrying all of a target's
/// pending fields — skips values PluralKit already holds (a fresh read, or one ≤ 30 s old that
/// includes our own writes), restores `while` values only when PluralKit still holds what the
/// rule wrote (always a fresh read), and applies the failure policy:
///
/// - 429: the write waits `retry_after` and stays queued; it never fails the rule.
/// - 5xx, timeouts, connection failures: the client's own retries (3 tries in all for the daemon's
///   client) and then given up; a `log_switch`, which the client does not repeat, is retried by
///   the queue (3 tries, each after a fresh look at the front).
/// - 401: every write pauses until a poll works again.
/// - Other 4xx and values PluralKit cannot take: given up at once; a 404 for a member re-reads
///   the member list.
///
/// Every give-up is reported (``Report/Outcome/failed(code:error:)``) for the `action_failed`
/// event. A write is removed from the queue only after it was performed and recorded (with its
/// own-write record), so a crash in between repeats it once — harmlessly, because the repeat
/// finds the value already set (or the front already switched).
public actor WriteQueue {
    /// What happened to one queued write.
    public struct Report: Sendable {
        /// The outcome.
        public enum Outcome: Sendable, Hashable {
            /// Written to PluralKit (or a switch logged).
            case performed
            /// PluralKit already held the value; nothing sent.
            case alreadySet
            /// A restore found a value the rule did not write, and left it.
            case changedByHand(remote: String?)
            /// Held back (rate limit, a paused token, a retry after a server error); it stays queued.
            case waiting(String)
            /// Given up: `code` is short (`400`, `404`, `5xx`, `timeout`, `invalid`), `error` says what happened.
            case failed(code: String, error: String)
        }

        /// The write.
        public var write: QueuedWrite
        /// What happened.
        public var outcome: Outcome
        /// The value PluralKit held before (when it was read).
        public var remote: String??
        /// Whether this failure was already reported since the action last worked (log it once).
        public var repeated: Bool
    }

    /// Where a test makes the process "crash" (``WriteQueue/fault``).
    public enum FaultPoint: Sendable, Hashable {
        /// After PluralKit accepted a write, before it is recorded as done.
        case afterWrite
    }

    /// Thrown by a fault hook to stop the queue as a crash would: nothing after it is recorded.
    public struct SimulatedCrash: Error {
        /// Creates the error.
        public init() {}
    }

    private let store: any ActionStore
    private let reader: RemoteReader
    private let writer: PluralKitWriter
    private let cache: RemoteCache
    private let names: @Sendable () async -> (rules: RuleSet?, members: [NameEntry])
    private let report: @Sendable (Report) -> Void
    private let lastPoll: @Sendable () async -> Timestamp?
    private let membersChanged: @Sendable () async -> Void
    private let now: @Sendable () -> Timestamp
    /// After a 401: the last successful poll then (writes resume after a newer one).
    private var pausedAfter: Timestamp??
    private var reported: Set<String> = []
    private var halted = false
    private var fault: (@Sendable (FaultPoint) throws -> Void)?

    /// Creates a queue.
    /// - Parameters:
    ///   - names: the rules in force (server aliases, resolved member names) and the member list.
    ///   - report: told about every write's outcome (the journal, `action_failed`).
    ///   - lastPoll: when a poll last worked (writes paused by a 401 resume after a newer one).
    ///   - membersChanged: asks for the member list to be read again (after a 404 for a member).
    public init(
        store: any ActionStore, client: PluralKitClient, cache: RemoteCache,
        names: @escaping @Sendable () async -> (rules: RuleSet?, members: [NameEntry]),
        report: @escaping @Sendable (Report) -> Void, lastPoll: @escaping @Sendable () async -> Timestamp?,
        membersChanged: @escaping @Sendable () async -> Void = {}, now: @escaping @Sendable () -> Timestamp = { .now }
    ) {
        self.store = store
        reader = RemoteReader(client: client)
        writer = PluralKitWriter(client: client)
        self.cache = cache
        self.names = names
        self.report = report
        self.lastPoll = lastPoll
        self.membersChanged = membersChanged
        self.now = now
    }

    /// Test hook: called at each ``FaultPoint``; throwing ``SimulatedCrash`` stops the queue there.
    public func setFault(_ hook: (@Sendable (FaultPoint) throws -> Void)?) { fault = hook }

    /// Whether writes are paused after a 401.
    public var paused: Bool { pausedAfter != nil }

    /// Performs every queued write that is due. Returns when the earliest write still queued
    /// may go (nil: none waits for a time — the queue is empty, or paused until a poll works).
    @discardableResult
    public func drain() async -> Timestamp? {
        guard !halted else { return nil }
        if let pausedAfter {
            let polled = await lastPoll()
            guard polled != nil, polled != pausedAfter else { return nil }
            self.pausedAfter = nil
        }
        let queued: [QueuedWrite]
        do { queued = try store.queuedWrites() } catch { return now().adding(.seconds(5)) }
        let (rules, members) = await names()
        let start = now()
        var order: [String] = []
        var byTarget: [String: [QueuedWrite]] = [:]
        for w in queued where (w.notBefore ?? start) <= start {
            if byTarget[w.target] == nil { order.append(w.target) }
            byTarget[w.target, default: []].append(w)
        }
        for target in order {
            guard !halted, pausedAfter == nil, let group = byTarget[target] else { break }
            guard let rules, let ref = TargetRef.resolve(target, rules: rules, members: members) else {
                giveUp(group, code: "target", error: "'\(target)' does not name anything in PluralKit")
                continue
            }
            if case .switchLog = ref {
                for w in group { await logSwitch(w) }
            } else {
                await patch(ref, target: target, group)
            }
        }
        guard !halted, pausedAfter == nil, let left = try? store.queuedWrites() else { return nil }
        // What is left without a time could not be recorded as done (or came in meanwhile, and
        // rang): try again in a second rather than at once.
        return left.map { $0.notBefore ?? now().adding(.seconds(1)) }.min()
    }

    // MARK: - PATCH

    private func patch(_ ref: TargetRef, target: String, _ group: [QueuedWrite]) async {
        let keys = group.map(\.key)
        var remote = cache.values(keys, now: now())
        let fresh = group.contains { $0.kind == .revert } || remote.count < Set(keys).count
        if fresh {
            do {
                let object = try await reader.fields(of: ref) ?? [:]
                var read: [String: String?] = [:]
                for (field, value) in object {
                    if let text = RemoteReader.text(value, field: field) { read["\(target).\(field)"] = text }
                }
                // The models leave empty fields out of their JSON: a field the object lacks is empty.
                for w in group where read[w.key] == nil { read[w.key] = .some(nil) }
                cache.store(read, at: now())
                remote = read
            } catch {
                await handle(error, group, retryable: false)
                return
            }
        }
        var send: [String: String?] = [:]
        var sending: [QueuedWrite] = []
        var settled: [(QueuedWrite, Report.Outcome)] = []
        for w in group {
            let current = remote[w.key] ?? nil
            switch w.kind {
            case .revert where ExecutorChecks.revert(original: w.value, written: w.written, remote: current) == nil:
                settled.append((w, .changedByHand(remote: current)))
            case .set, .revert, .logSwitch:
                if ExecutorChecks.isAlreadySet(desired: w.value, remote: current) {
                    settled.append((w, .alreadySet))
                } else {
                    send[w.field] = .some(w.value)
                    sending.append(w)
                }
            }
        }
        if case .autoproxy = ref, !send.isEmpty {
            // Autoproxy takes the mode with the member: send both when either changes.
            let mode = send["mode"] ?? remote["\(target).mode"] ?? nil
            send["mode"] = .some(mode)
            if mode == "member", send["member"] == nil { send["member"] = remote["\(target).member"] ?? nil }
            if mode != "member" { send["member"] = nil }
        }
        if sending.isEmpty {
            finish(settled, own: [], remote: remote)
            return
        }
        do {
            try await writer.write(ref, send)
            try fault?(.afterWrite)
        } catch is SimulatedCrash {
            halted = true
            return
        } catch {
            // What was already set is done; what was to be sent fails (or waits) together.
            finish(settled, own: [], remote: remote)
            await handle(error, sending, retryable: false)
            return
        }
        let at = now()
        cache.store(Dictionary(sending.map { ($0.key, $0.value) }, uniquingKeysWith: { _, b in b }), at: at)
        let own = sending.map { OwnWrite(target: $0.target, field: $0.field, value: $0.value, at: at) }
        finish(settled + sending.map { ($0, .performed) }, own: own, remote: remote)
    }

    // MARK: - log_switch

    private func logSwitch(_ w: QueuedWrite) async {
        let members = PluralKitWriter.members(w.value)
        let current: [MemberID]
        do {
            // Always fresh: a repeat after a crash, or a rule that switches to the front, sends nothing.
            let object = try await reader.fields(of: .switchLog)
            current = PluralKitWriter.members(object?["members"].flatMap { RemoteReader.text($0) ?? nil } ?? nil)
        } catch {
            await handle(error, [w], retryable: true)
            return
        }
        let before = current.map(\.rawValue).joined(separator: ",")
        guard ExecutorChecks.switchNeeded(to: members, current: current) else {
            finish([(w, .alreadySet)], own: [], remote: [w.key: before])
            return
        }
        do {
            let intent = try store.noteSwitchIntent(members: members, at: now())
            guard let id = try await writer.write(.switchLog, ["members": w.value]) else { return }
            try fault?(.afterWrite)
            try store.recordOwnSwitch(intent: intent, id: id)
            finish(
                [(w, .performed)],
                own: [OwnWrite(target: "switch", field: "members", value: w.value, switchID: id, at: now())],
                remote: [w.key: before])
        } catch is SimulatedCrash {
            halted = true
        } catch {
            await handle(error, [w], retryable: true)
        }
    }

    // MARK: - Outcomes

    private func finish(_ done: [(QueuedWrite, Report.Outcome)], own: [OwnWrite], remote: [String: String?]) {
        guard !done.isEmpty else { return }
        do {
            try store.finish(done.map(\.0), own: own)
        } catch {
            // Not recorded: they stay queued and are tried again (and then found already set).
            return
        }
        for (w, outcome) in done {
            reported = reported.filter { !$0.hasPrefix(Self.failureKey(w, "")) }
            report(Report(write: w, outcome: outcome, remote: remote[w.key], repeated: false))
        }
    }

    private func handle(_ error: any Error, _ writes: [QueuedWrite], retryable: Bool) async {
        // Stopping: the writes stay queued for the next start (nothing is given up).
        if error is CancellationError || Task.isCancelled { return }
        guard let error = error as? PluralKitError else {
            let text = (error as? PluralKitWriter.InvalidValue)?.description ?? "\(error)"
            giveUp(writes, code: "invalid", error: text)
            return
        }
        let at = now()
        switch error.category {
        case .rateLimited:
            let until = at.adding(max(error.retryAfter ?? .seconds(1), .milliseconds(250)))
            wait(writes, until: until, attempt: false, why: "rate limited by PluralKit; trying again")
        case .unauthorized:
            pausedAfter = .some(await lastPoll())
            cache.clear()
            for w in writes {
                report(
                    Report(
                        write: w,
                        outcome: .waiting("PluralKit rejected the token (401); writes wait for a poll that works"),
                        remote: nil, repeated: false))
            }
        case .serverError, .timeout, .transport:
            let code = error.category == .serverError ? "5xx" : error.category.rawValue
            let tries = writes.map(\.attempts).max() ?? 0
            if retryable, tries + 1 < 3 {
                wait(
                    writes, until: at.adding(.seconds(2 << min(tries, 4))), attempt: true, why: "\(code); trying again")
            } else {
                giveUp(writes, code: code, error: "\(error)")
            }
        case .memberNotFound:
            giveUp(writes, code: "404", error: "\(error)")
            await membersChanged()
        default:
            giveUp(writes, code: error.status.map(String.init) ?? error.category.rawValue, error: "\(error)")
        }
    }

    private func wait(_ writes: [QueuedWrite], until: Timestamp, attempt: Bool, why: String) {
        for var w in writes {
            if attempt { w.attempts += 1 }
            w.notBefore = until
            try? store.reschedule(w)
            report(Report(write: w, outcome: .waiting(why), remote: nil, repeated: false))
        }
    }

    private func giveUp(_ writes: [QueuedWrite], code: String, error: String) {
        do { try store.finish(writes, own: []) } catch { return }
        for w in writes {
            let key = Self.failureKey(w, code)
            let repeated = !reported.insert(key).inserted
            report(Report(write: w, outcome: .failed(code: code, error: error), remote: nil, repeated: repeated))
        }
    }

    private static func failureKey(_ w: QueuedWrite, _ code: String) -> String {
        "\(w.rule)|\(w.action)|\(w.location)|" + code
    }
}
