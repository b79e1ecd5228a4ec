import Foundation
import FrontEvents
import PluralKit

/// The simulate shell: plays a ``SimulationScript`` through the same ``RuleEngine`` the daemon
/// runs, on a virtual clock, against virtual remote values — no token, no writes. It keeps the
/// switch history the script makes (stint starts come from it, as in the daemon), derives the
/// tracker's events from it, applies each decided write to the remote values through the
/// executor's checks, and stores the engine's state across `daemon:` steps as the daemon would.
public struct Simulator {
    /// What went wrong with a script (an unknown member, a rule file that does not load).
    public struct Failure: Error, CustomStringConvertible, Sendable {
        /// Where (`file:line:column`), and what.
        public var description: String

        /// Creates a failure.
        public init(description: String) { self.description = description }
    }

    private var rules: RuleSet
    private var context: EngineContext
    private let loadRules: (String) -> Result<RuleSet, Failure>
    private var engine: RuleEngine
    private var stored: Data?
    private var history: [TrackedSwitch] = []
    /// What the daemon last saw: the switches it knew when it stopped.
    private var seen: [TrackedSwitch] = []
    private var up = true
    private var seq: Int64 = 0
    private var now: Timestamp
    private var nextWake: Timestamp?
    private var records: [DecisionRecord] = []
    private var switchCounter = 0

    /// Creates a simulator.
    /// - Parameters:
    ///   - rules: the rules at the start.
    ///   - context: names, groups, the system and the rules' time zone (its remote values are replaced by the script's).
    ///   - loadRules: loads another rule file for `daemon: reload` (its path as the script wrote it).
    public init(
        rules: RuleSet, context: EngineContext, loadRules: @escaping (String) -> Result<RuleSet, Failure>
    ) {
        self.rules = rules
        self.context = context
        self.loadRules = loadRules
        engine = RuleEngine(rules: rules)
        now = Timestamp(secondsSince1970: 0)
    }

    /// Plays the script and returns the whole timeline of decision records, in time order.
    public mutating func run(_ script: SimulationScript) throws(Failure) -> [DecisionRecord] {
        records = []
        context.remote = script.start.values
        now = script.start.at
        if script.start.history.isEmpty {
            history = [newSwitch(try refs(script.start.front).map(\.id), at: now)]
        } else {
            history = script.start.history
        }
        // A first start: no events for the start's front, nothing caught up.
        apply(engine.wake(front: engineFront, context: context, now: now, starting: true))
        daemonEvent(.daemonStarted)
        for step in script.steps {
            advance(to: now.adding(step.after))
            try perform(step)
        }
        return records
    }

    // MARK: - Steps

    private mutating func perform(_ step: SimulationScript.Step) throws(Failure) {
        switch step.action {
        case .wait: break
        case .front(let names):
            let members = try refs(names).map(\.id)
            logSwitch(members, own: false)
        case .replay(let s):
            logSwitch(s.members, own: false, id: s.id)
        case .editLast(let names, let at):
            guard let last = history.last else {
                throw Failure(description: "\(step.location): there is no switch to edit")
            }
            let old = currentRefs
            var edited = last
            if let names { edited.members = try refs(names).map(\.id) }
            if let at { edited.timestamp = at }
            history[history.count - 1] = edited
            history.sort { $0.timestamp < $1.timestamp }
            guard up else { return }
            var events = [FrontEvent.changed(.switchEdited, system: context.system.id, before: last, after: edited)]
            if edited.members != last.members {
                events += SwitchDiff.derived(
                    from: old, to: currentRefs, system: context.system.id, switchID: edited.id,
                    timestamp: edited.timestamp, catchUp: false)
            }
            feed(events, own: false)
        case .deleteLast:
            guard let last = history.popLast() else {
                throw Failure(description: "\(step.location): there is no switch to delete")
            }
            guard up else { return }
            let old = context.reference
            let before = last.members.map(old)
            var events = [FrontEvent.changed(.switchDeleted, system: context.system.id, before: last)]
            events += SwitchDiff.derived(
                from: before, to: currentRefs, system: context.system.id, switchID: history.last?.id,
                timestamp: history.last?.timestamp, catchUp: false)
            feed(events, own: false)
        case .stop:
            guard up else { return }
            daemonEvent(.daemonStopping)
            stored = try? JSONEncoder().encode(engine.state)
            seen = history
            up = false
            nextWake = nil
        case .start:
            guard !up else { return }
            up = true
            let state = stored.flatMap { try? JSONDecoder().decode(EngineState.self, from: $0) } ?? EngineState()
            engine = RuleEngine(rules: rules, state: state)
            catchUp()
            apply(engine.wake(front: engineFront, context: context, now: now, starting: true))
            daemonEvent(.daemonStarted)
        case .reload(let path):
            guard up else { return }
            if let path {
                switch loadRules(path) {
                case .success(let loaded):
                    rules = loaded
                    engine.rules = loaded
                case .failure(let failure):
                    var e = event(.reloadFailed)
                    e.error = failure.description
                    feed([e], own: false)
                    return
                }
            }
            daemonEvent(.rulesReloaded)
            apply(engine.wake(front: engineFront, context: context, now: now))
        case .set(let values):
            for (key, value) in values { context.remote[key] = value }
        }
    }

    /// Runs the engine's own wake-ups up to `target`, then moves the clock there.
    private mutating func advance(to target: Timestamp) {
        var guardCount = 0
        while up, let wake = nextWake, wake <= target, guardCount < 10_000 {
            guardCount += 1
            now = max(now, wake)
            apply(engine.wake(front: engineFront, context: context, now: now))
            if nextWake == wake { break }
        }
        now = max(now, target)
    }

    // MARK: - History, front and events

    private mutating func newSwitch(_ members: [MemberID], at time: Timestamp) -> TrackedSwitch {
        switchCounter += 1
        let id = SwitchID(String(format: "00000000-0000-4000-8000-%012d", switchCounter))!
        return TrackedSwitch(id: id, timestamp: time, members: members)
    }

    private mutating func logSwitch(_ members: [MemberID], own: Bool, id: SwitchID? = nil) {
        let old = currentRefs
        var s = newSwitch(members, at: now)
        if let id { s.id = id }
        history.append(s)
        guard up else { return }
        feed(
            SwitchDiff.switchEvents(s, fronters: currentRefs, previous: old, system: context.system.id, catchUp: false),
            own: own)
    }

    /// The switches logged, edited or deleted while the daemon was down, as catch-up events —
    /// each with the front it left, as the tracker's catch-up carries it.
    private mutating func catchUp() {
        var events: [(event: FrontEvent, front: EngineFront)] = []
        let front = engineFront
        let known = Dictionary(seen.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let present = Set(history.map(\.id))
        for gone in seen where !present.contains(gone.id) {
            events.append((.changed(.switchDeleted, system: context.system.id, before: gone, catchUp: true), front))
        }
        for s in history {
            if let old = known[s.id], old != s {
                events.append(
                    (.changed(.switchEdited, system: context.system.id, before: old, after: s, catchUp: true), front))
            }
        }
        var previous = seen.last.map { $0.members.map(context.reference) } ?? []
        for (index, s) in history.enumerated() where known[s.id] == nil {
            let fronters = s.members.map(context.reference)
            let after = Self.front(of: Array(history[...index]), context: context)
            events += SwitchDiff.switchEvents(
                s, fronters: fronters, previous: previous, system: context.system.id, catchUp: true
            ).map { ($0, after) }
            previous = fronters
        }
        if !events.isEmpty { feed(events, starting: true) }
    }

    private var currentRefs: [MemberRef] { (history.last?.members ?? []).map(context.reference) }

    /// The front from the history: stint starts and the last change, as PluralKit's history says.
    private var engineFront: EngineFront { Self.front(of: history, context: context) }

    /// The front at the end of a history (sorted by time).
    static func front(of history: [TrackedSwitch], context: EngineContext) -> EngineFront {
        guard let last = history.last else { return EngineFront() }
        var walk = StintWalk()
        for s in history.reversed() where !walk.older(s) { break }
        let fronters = last.members.map { member in
            EngineFront.Fronter(member: context.reference(member), since: walk.starts[member] ?? last.timestamp)
        }
        var change = last.timestamp
        var previous: [MemberRef] = []
        for s in history.reversed().dropFirst() {
            if s.members == last.members {
                change = s.timestamp
            } else {
                previous = s.members.map(context.reference)
                break
            }
        }
        return EngineFront(fronters: fronters, lastChange: change, previous: previous)
    }

    private mutating func event(_ kind: FrontEvent.Kind) -> FrontEvent {
        var e = FrontEvent(kind: kind, system: context.system.id)
        e.fronters = currentRefs
        return e
    }

    private mutating func daemonEvent(_ kind: FrontEvent.Kind) {
        feed([event(kind)], own: false)
    }

    /// Numbers the events and hands them to the engine with the current front.
    private mutating func feed(_ events: [FrontEvent], own: Bool) {
        let front = engineFront
        feed(events.map { ($0, front) }, own: own)
    }

    /// Numbers the events and hands them to the engine, each with the front it leaves.
    private mutating func feed(
        _ events: [(event: FrontEvent, front: EngineFront)], own: Bool = false, starting: Bool = false
    ) {
        let numbered = events.map { pair -> (event: FrontEvent, front: EngineFront) in
            var e = pair.event
            seq += 1
            e.seq = seq
            return (e, pair.front)
        }
        apply(engine.handle(batch: numbered, context: context, now: now, own: own, starting: starting))
    }

    /// Records the output and applies its writes to the remote values, through the executor's checks.
    private mutating func apply(_ output: RuleEngine.Output) {
        records.append(contentsOf: output.records)
        nextWake = output.nextWake
        var switches: [[MemberID]] = []
        for record in output.records where record.kind == .ran || record.kind == .reverted {
            for action in record.actions ?? [] {
                if action.action == "log_switch" {
                    let members = (action.value ?? "").split(separator: ",").compactMap { MemberID(String($0)) }
                    if ExecutorChecks.switchNeeded(to: members, current: history.last?.members ?? []) {
                        switches.append(members)
                    }
                } else if let key = action.key {
                    context.remote[key] = .some(action.value)
                }
            }
        }
        for members in switches { logSwitch(members, own: true) }
    }

    private func refs(_ names: [MemberName]) throws(Failure) -> [MemberRef] {
        var out: [MemberRef] = []
        for name in names {
            guard let id = rules.memberIDs[name.text].flatMap(MemberID.init) ?? context.member(named: name.text) else {
                throw Failure(
                    description:
                        "\(name.location): unknown member '\(name.text)'; name a member of the system (or, without a member list, give its 5- or 6-letter id)"
                )
            }
            out.append(context.reference(id))
        }
        return out
    }
}
