public import PluralKit
import Rules

/// Carries out the recorded `exec` and `webhook` invocations (`../shared/RULES-ENGINE.md`,
/// "Delivery", "Concurrency"): at most 4 exec runs per rule at a time (more are dropped, and
/// said so), webhooks to one URL one at a time (the next waits its turn), each marked started
/// before it runs and done after. One an earlier process started and did not finish is repeated
/// once with the same `PK_ACTION_ID`; one decided longer ago than the catch-up window is not
/// run at all (a notification hours late helps nobody). exec is never retried; a webhook only
/// on connection errors and 5xx (``WebhookSender``).
///
/// The caller starts what ``claim()`` returns, each in a task of its own, with ``perform(_:)``.
public actor EffectRunner {
    /// What happened to one invocation.
    public struct Report: Sendable {
        /// The outcome.
        public enum Outcome: Sendable, Hashable {
            /// It starts; `repeated` when it is the repeat after a crash.
            case started(repeated: Bool)
            /// One line the program wrote.
            case output(ExecRunner.Stream, String)
            /// It ran: "exited with status 0", "answered 204".
            case done(String)
            /// It failed: `code` is short (`exit_3`, `timeout`, `5xx`, `http_404`, `connection`,
            /// `start`), `error` says what happened.
            case failed(code: String, error: String)
            /// It was not run, and why.
            case dropped(String)
        }

        /// The invocation.
        public var effect: QueuedEffect
        /// What happened.
        public var outcome: Outcome
        /// Whether this failure was already reported since the action last worked (log it once).
        public var repeated = false
    }

    /// Where a test makes the process "crash" (``setFault(_:)``).
    public enum FaultPoint: Sendable, Hashable {
        /// After the program ended or the receiver answered, before it is recorded as done.
        case afterRun
    }

    /// At most this many runs of one rule's `exec` at a time.
    public static let execsPerRule = 4

    private let store: any EffectStore
    private let exec: ExecRunner
    private let webhooks: WebhookSender
    private let directory: String
    private let window: @Sendable () -> Duration
    private let report: @Sendable (Report) -> Void
    private let now: @Sendable () -> Timestamp
    private var running: Set<Int64> = []
    private var execs: [String: Int] = [:]
    private var busy: Set<String> = []
    private var reported: Set<String> = []
    private var halted = false
    private var fault: (@Sendable (FaultPoint) throws -> Void)?

    /// Creates a runner.
    /// - Parameters:
    ///   - directory: the working directory of every program (the state directory).
    ///   - window: the rules' catch-up window: older invocations are not run.
    ///   - report: told about every start, output line and end (the journal, `action_failed`).
    public init(
        store: any EffectStore, exec: ExecRunner, webhooks: WebhookSender, directory: String,
        window: @escaping @Sendable () -> Duration, report: @escaping @Sendable (Report) -> Void,
        now: @escaping @Sendable () -> Timestamp = { .now }
    ) {
        self.store = store
        self.exec = exec
        self.webhooks = webhooks
        self.directory = directory
        self.window = window
        self.report = report
        self.now = now
    }

    /// Test hook: called at each ``FaultPoint``; throwing stops the runner there, as a crash would.
    public func setFault(_ hook: (@Sendable (FaultPoint) throws -> Void)?) { fault = hook }

    /// The invocations that start now, marked started; drops those that may not run. Returns
    /// nil when the store could not be read (try again shortly).
    public func claim() -> [QueuedEffect]? {
        guard !halted else { return [] }
        let queued: [QueuedEffect]
        do { queued = try store.queuedEffects() } catch { return nil }
        let at = now()
        let window = window()
        var out: [QueuedEffect] = []
        for var e in queued where !running.contains(e.id) {
            if e.starts >= 2 {
                drop(e, "it was started twice and pkfrontd stopped both times before it ended; not started again")
                continue
            }
            let age = e.decided.duration(to: at)
            if age > window {
                drop(
                    e,
                    "decided at \(e.decided), more than the catch-up window (\(DurationParser.format(window))) ago; too late to run"
                )
                continue
            }
            let url = e.outcome.url ?? ""
            switch e.kind {
            case .exec:
                if execs[e.rule, default: 0] >= Self.execsPerRule {
                    drop(e, "\(Self.execsPerRule) runs of this rule's exec are still running; this one is dropped")
                    continue
                }
            case .webhook:
                // One request at a time per URL: this one waits its turn.
                if busy.contains(url) { continue }
            }
            do { try store.startEffect(e.id) } catch { continue }
            let repeated = e.starts > 0
            e.starts += 1
            running.insert(e.id)
            switch e.kind {
            case .exec: execs[e.rule, default: 0] += 1
            case .webhook: busy.insert(url)
            }
            report(Report(effect: e, outcome: .started(repeated: repeated)))
            out.append(e)
        }
        return out
    }

    /// Runs one claimed invocation and records it done (unless the daemon stops meanwhile: then
    /// it stays started, and the next start repeats it once).
    public func perform(_ e: QueuedEffect) async {
        let outcome: Report.Outcome?
        switch e.kind {
        case .exec: outcome = await runExec(e)
        case .webhook: outcome = await send(e)
        }
        defer {
            running.remove(e.id)
            switch e.kind {
            case .exec: execs[e.rule, default: 1] -= 1
            case .webhook: busy.remove(e.outcome.url ?? "")
            }
        }
        guard let outcome, !halted else { return }
        do {
            try fault?(.afterRun)
        } catch {
            halted = true
            return
        }
        let result: String
        switch outcome {
        case .done(let text): result = text
        case .failed(let code, let error): result = "failed (\(code)): \(error)"
        default: result = "\(outcome)"
        }
        do { try store.finishEffect(e.id, result: result) } catch { return }
        let key = "\(e.rule)|\(e.location)|"
        var repeated = false
        if case .failed(let code, _) = outcome {
            repeated = !reported.insert(key + code).inserted
        } else {
            reported = reported.filter { !$0.hasPrefix(key) }
        }
        report(Report(effect: e, outcome: outcome, repeated: repeated))
    }

    private func runExec(_ e: QueuedEffect) async -> Report.Outcome? {
        var environment = e.outcome.environment ?? [:]
        environment["PK_ACTION_ID"] = e.actionID
        let report = self.report
        let termination: ExecRunner.Termination
        do {
            termination = try await exec.run(
                argv: e.outcome.argv ?? [], environment: environment, directory: directory,
                timeout: .seconds(e.outcome.timeout ?? 30)
            ) { stream, line in
                report(Report(effect: e, outcome: .output(stream, line)))
            }
        } catch {
            return .failed(code: "start", error: error.description)
        }
        let program = e.outcome.argv?.first ?? "the program"
        switch termination {
        case .cancelled: return nil
        case .exited(0): return .done("\(program) \(termination)")
        case .exited(let status): return .failed(code: "exit_\(status)", error: "\(program) \(termination)")
        case .signaled(let signal): return .failed(code: "signal_\(signal)", error: "\(program) \(termination)")
        case .timedOut:
            return .failed(
                code: "timeout",
                error:
                    "\(program) ran longer than its timeout (\(DurationParser.format(.seconds(e.outcome.timeout ?? 30)))); its process group was killed"
            )
        }
    }

    private func send(_ e: QueuedEffect) async -> Report.Outcome? {
        let url = e.outcome.url ?? ""
        let outcome = await webhooks.send(
            url: url, headers: e.outcome.headers ?? [:], body: e.outcome.body ?? "{}", idempotencyKey: e.actionID,
            timeout: .seconds(e.outcome.timeout ?? 10))
        switch outcome {
        case .delivered(let status, let tries):
            return .done(
                "\(WebhookSender.shown(url)) answered \(status)\(tries > 1 ? " (after \(tries) tries)" : "")")
        case .failed(let code, _, _) where code == "cancelled":
            return nil
        case .failed(let code, let error, let tries):
            return .failed(code: code, error: error + (tries > 1 ? " (\(tries) tries)" : ""))
        }
    }

    private func drop(_ e: QueuedEffect, _ why: String) {
        do { try store.finishEffect(e.id, result: "dropped: \(why)") } catch { return }
        report(Report(effect: e, outcome: .dropped(why)))
    }
}
