import Synchronization

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// An in-memory fake of the PluralKit API v2, faithful to what the real server does
/// (privacy, error codes and bodies, switch semantics, key order, quirks).
///
/// Use it in-process with ``handle(_:)``, or over a real socket with ``withServer(host:port:_:)``
/// or ``run(host:port:onRunning:)``. Scenarios are set up through the Swift methods here or the
/// HTTP control interface under `/_control/` (see ``FakePluralKit/control(_:)``).
public final class FakePluralKit: Sendable {
    let state = Mutex(FakeState())
    let clock: @Sendable () -> FakeTime

    /// Creates an empty fake.
    /// - Parameter now: the fake's idea of the current time (switch times, `before` default).
    public init(now: @escaping @Sendable () -> FakeTime = { FakeTime(Date()) }) {
        clock = now
    }

    /// The fake's current time.
    public var now: FakeTime { clock() }

    // MARK: - Requests

    /// Answers one API or control request, and logs it.
    public func handle(_ request: FakeRequest) -> FakeResponse {
        let now = clock()
        if request.path.hasPrefix("/_control/") || request.path == "/_control" {
            return control(request)
        }
        var scope: String?
        var response = state.withLock { state -> FakeResponse in
            let fault = state.takeFault(for: request)
            if let fault,
                let injected = FakeState.response(for: fault, request: request, now: now, limits: state.limits)
            {
                return injected
            }
            var answer: FakeResponse
            switch state.gateway(request) {
            case .failure(let reply):
                answer = reply.response
            case .success(let match):
                scope = FakeState.scope(method: match.method)
                let (limitHeaders, refusal) = state.rateLimit(match, request, now: now)
                if let refusal { return refusal }
                // ASP.NET refuses a body that is not declared JSON before any handler runs.
                if match.method == "POST" || match.method == "PATCH",
                    !(request.header("Content-Type") ?? "").lowercased().hasPrefix("application/json")
                {
                    var refused = FakeState.unsupportedMediaType
                    refused.headers += limitHeaders
                    return refused
                }
                do {
                    answer = try state.execute(match, request, now: now)
                } catch let reply as Reply {
                    answer = reply.response
                } catch {
                    answer = .error(500, 0, "500: Internal Server Error")
                }
                answer.headers += limitHeaders
            }
            switch fault?.kind {
            case .delay(let seconds)?: answer.delay = seconds
            case .truncatedBody?: answer.connection = .truncate(max(1, answer.body.count / 2))
            default: break
            }
            return answer
        }
        response.headers.append(contentsOf: Self.commonHeaders)
        let entry = RequestLogEntry(
            method: request.method, path: request.path, query: request.query,
            status: response.connection == .reset ? 0 : response.status, time: now, scope: scope,
            body: request.body.isEmpty ? nil : String(decoding: request.body, as: UTF8.self))
        state.withLock { $0.log.append(entry) }
        return response
    }

    static let commonHeaders: [(String, String)] = [
        ("X-PluralKit-Version", FakeState.version), ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Methods", "*"), ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Allow-Headers", "Content-Type, Authorization, sentry-trace, User-Agent"),
        (
            "Access-Control-Expose-Headers",
            "X-PluralKit-Version, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, X-RateLimit-Scope"
        ),
        ("Access-Control-Max-Age", "86400"),
    ]

    // MARK: - Scenario API

    /// Adds a system with `members` members and `groups` groups, the same for the same seed.
    /// With `legacyIDs`, the system, its members and groups get 5-letter ids (as systems created
    /// before 2022 have).
    @discardableResult
    public func seed(_ seed: UInt64, members: Int = 8, groups: Int = 2, token: String? = nil, legacyIDs: Bool = false)
        -> SeededSystem
    {
        let now = clock()
        return state.withLock { state in
            state.legacyIDs = legacyIDs
            defer { state.legacyIDs = false }
            return state.seed(seed, memberCount: members, groupCount: groups, token: token, now: now)
        }
    }

    /// Adds the demo system (PRODUCT.md): Alex, Sam, Kit, Jordan, Robin, …; group "Littles";
    /// guild-settings rows for "Art Club" and "Work".
    @discardableResult
    public func loadDemo(token: String? = nil) -> SeededSystem {
        let now = clock()
        return state.withLock { $0.loadDemo(token: token, now: now) }
    }

    /// Gives the demo system (``loadDemo(token:)`` first) `days` days of lived-in switch history
    /// before its current switch, for replays (`simulate --demo --since 7d`).
    /// - Returns: how many switches were added.
    @discardableResult
    public func loadDemoHistory(days: Int = 7) -> Int {
        let now = clock()
        return state.withLock { $0.loadDemoHistory(days: days, now: now) }
    }

    /// Removes everything, including the request log.
    public func reset() {
        state.withLock { $0 = FakeState() }
    }

    /// Logs a switch as the bot would (no 40004 check), by member id, UUID or name.
    @discardableResult
    public func logSwitch(system: String? = nil, members: [String], at timestamp: FakeTime? = nil) throws
        -> SwitchRecord
    {
        let now = clock()
        return try state.withLock { state in
            let sys = try state.controlSystem(system)
            let uuids = try members.map { ref in
                guard let m = state.controlMember(ref, system: sys.uuid) else {
                    throw FakeError(.notFound, "no member \(ref)")
                }
                return m.uuid
            }
            let record = SwitchRecord(
                uuid: state.random.uuid(), system: sys.uuid, timestamp: timestamp ?? now, members: uuids)
            state.switches.append(record)
            return record
        }
    }

    /// Edits a switch: its members and/or its time (a move).
    @discardableResult
    public func editSwitch(_ id: String, members: [String]? = nil, timestamp: FakeTime? = nil) throws -> SwitchRecord {
        try state.withLock { state in
            guard let i = state.switches.firstIndex(where: { $0.uuid == id.lowercased() }) else {
                throw FakeError(.notFound, "no switch \(id)")
            }
            if let members {
                state.switches[i].members = try members.map { ref in
                    guard let m = state.controlMember(ref, system: state.switches[i].system) else {
                        throw FakeError(.notFound, "no member \(ref)")
                    }
                    return m.uuid
                }
            }
            if let timestamp { state.switches[i].timestamp = timestamp }
            return state.switches[i]
        }
    }

    /// Deletes one switch.
    public func deleteSwitch(_ id: String) throws {
        try state.withLock { state in
            guard state.switches.contains(where: { $0.uuid == id.lowercased() }) else {
                throw FakeError(.notFound, "no switch \(id)")
            }
            state.switches.removeAll { $0.uuid == id.lowercased() }
        }
    }

    /// Deletes every switch of a system (the bot's `pk;switch delete all`).
    public func deleteAllSwitches(system: String? = nil) throws {
        try state.withLock { state in
            let sys = try state.controlSystem(system)
            state.switches.removeAll { $0.system == sys.uuid }
        }
    }

    /// Deletes a member; it disappears from groups and past switches.
    public func deleteMember(_ ref: String) throws {
        try state.withLock { state in
            guard let m = state.controlMember(ref, system: nil) else { throw FakeError(.notFound, "no member \(ref)") }
            state.deleteMember(uuid: m.uuid)
        }
    }

    /// Creates (or replaces) a system's settings row for a guild, as the bot does on first use there.
    public func addSystemGuildSettings(
        system: String? = nil, guild: UInt64, tag: String? = nil, displayName: String? = nil
    ) throws {
        try state.withLock { state in
            let sys = try state.controlSystem(system)
            var row = FakeState.defaultSystemGuildRow()
            row["tag"] = .optional(tag)
            row["display_name"] = .optional(displayName)
            state.systemGuilds[sys.uuid, default: [:]][guild] = row
        }
    }

    /// Creates (or replaces) a member's settings row for a guild.
    public func addMemberGuildSettings(member: String, guild: UInt64, displayName: String? = nil) throws {
        try state.withLock { state in
            guard let m = state.controlMember(member, system: nil) else {
                throw FakeError(.notFound, "no member \(member)")
            }
            var row = FakeState.defaultMemberGuildRow()
            row["display_name"] = .optional(displayName)
            state.memberGuilds[m.uuid, default: [:]][guild] = row
        }
    }

    /// Links a Discord account to a system.
    public func linkAccount(_ account: UInt64, system: String? = nil) throws {
        try state.withLock { state in
            let sys = try state.controlSystem(system)
            let i = state.systemIndex(uuid: sys.uuid)!
            if !state.systems[i].accounts.contains(account) { state.systems[i].accounts.append(account) }
        }
    }

    /// Records a proxied message.
    public func addMessage(
        id: UInt64, original: UInt64? = nil, sender: UInt64, channel: UInt64, guild: UInt64?, member: String?
    ) throws {
        let now = clock()
        try state.withLock { state in
            let m = try member.map { ref in
                guard let m = state.controlMember(ref, system: nil) else {
                    throw FakeError(.notFound, "no member \(ref)")
                }
                return m
            }
            state.messages[id] = MessageRecord(
                id: id, original: original, sender: sender, channel: channel, guild: guild, system: m?.system,
                member: m?.uuid)
            // The member's counters move as the bot's do.
            if let m, let i = state.memberIndex(uuid: m.uuid) {
                let count = (state.members[i].fields["message_count"]?.intValue ?? 0) + 1
                state.members[i].fields["message_count"] = .int(count)
                state.members[i].fields["last_message_timestamp"] = .string(now.description)
            }
        }
    }

    /// Changes privacy settings of a system, member or group (key → `public`/`private`).
    public func setPrivacy(_ kind: String, _ ref: String, _ values: [String: String]) throws {
        try state.withLock { state in
            switch kind {
            case "system":
                let sys = try state.controlSystem(ref)
                let i = state.systemIndex(uuid: sys.uuid)!
                for (k, v) in values { state.systems[i].privacy[k] = .string(v) }
            case "member":
                guard let m = state.controlMember(ref, system: nil), let i = state.memberIndex(uuid: m.uuid) else {
                    throw FakeError(.notFound, "no member \(ref)")
                }
                for (k, v) in values { state.members[i].privacy[k] = .string(v) }
            default:
                guard let i = state.groups.firstIndex(where: { $0.id == ref || $0.uuid == ref || $0.name == ref })
                else {
                    throw FakeError(.notFound, "no group \(ref)")
                }
                for (k, v) in values { state.groups[i].privacy[k] = .string(v) }
            }
        }
    }

    /// Switches of a system, oldest first.
    public func switches(system: String? = nil) throws -> [SwitchRecord] {
        try state.withLock { state in try state.switches(of: state.controlSystem(system).uuid) }
    }

    /// The rate limiter's settings (default: as the real server, strict, 10 GET/s and 3 writes/s).
    public var rateLimits: RateLimitSettings {
        get { state.withLock { $0.limits } }
        set {
            state.withLock {
                $0.limits = newValue
                $0.gcra = GCRALimiter()
            }
        }
    }

    /// Injects a fault (see ``Fault``); faults are tried in the order they were added.
    public func inject(_ fault: Fault) {
        state.withLock { $0.faults.append(fault) }
    }

    /// Removes every fault that is still pending.
    public func clearFaults() {
        state.withLock { $0.faults.removeAll() }
    }

    /// Faults still pending.
    public var pendingFaults: [Fault] { state.withLock { $0.faults } }

    /// Every request answered so far (method, path, query, status, time; status 0 for a reset connection).
    public var requestLog: [RequestLogEntry] { state.withLock { $0.log } }

    /// Forgets the request log.
    public func clearRequestLog() { state.withLock { $0.log.removeAll() } }
}

extension FakeState {
    /// A system by id, UUID or token for control calls; the first system when nil.
    func controlSystem(_ ref: String?) throws -> SystemRecord {
        guard let ref else {
            guard let first = systems.first else { throw FakeError(.notFound, "no system yet; seed one first") }
            return first
        }
        let id = String(ref.lowercased().filter { $0 != "-" })
        guard let s = systems.first(where: { $0.id == id || $0.uuid == ref.lowercased() || $0.token == ref }) else {
            throw FakeError(.notFound, "no system \(ref)")
        }
        return s
    }
}
