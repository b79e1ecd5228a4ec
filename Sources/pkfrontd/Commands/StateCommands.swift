import Actions
import ArgumentParser
import Foundation
import FrontEvents
import FrontTracking
import PluralKit
import Rules

/// What `why` and `pending` share: the state directory, opened for reading while the daemon may run.
enum StateReading {
    /// Opens the daemon's state database; fails (exit 1) when there is none yet.
    static func open(_ shared: SharedOptions, command: String) throws -> StateStore {
        let settings: DaemonSettings
        do {
            settings = try DaemonSettings.resolve(
                flags: shared, rules: nil, pollInterval: nil, systems: [], dryRun: false,
                environment: ProcessInfo.processInfo.environment)
        } catch {
            throw fail(command, "\(error)")
        }
        let path = settings.stateDirectory + "/state.sqlite"
        guard FileManager.default.fileExists(atPath: path) else {
            throw fail(
                command,
                "there is no state database in \(settings.stateDirectory): pkfrontd run has not run with this state directory (give the daemon's with --state-dir)"
            )
        }
        do {
            return try StateStore(directory: settings.stateDirectory)
        } catch {
            throw fail(command, "\(error)")
        }
    }

    static func fail(_ command: String, _ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("pkfrontd \(command): \(message)\n".utf8))
        return ExitCode(1)
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// A time for people, in this machine's time zone: "2026-12-07 21:04".
    static func shown(_ t: Timestamp) -> String {
        let date = Date(timeIntervalSince1970: Double(t.secondsSince1970) + Double(t.nanoseconds) / 1e9)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone.current
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: date)
    }

    static func write(_ text: String) { FileHandle.standardOutput.write(Data(text.utf8)) }
}

/// `pkfrontd why RULE`: a rule's recent decisions in words.
struct WhyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "why",
        abstract: "Show what a rule did and did not do recently, and why.",
        discussion: """
            Reads the decision records the daemon stored in its state database (state.sqlite in \
            the state directory; safe while it runs) and prints the newest of RULE's, oldest \
            first, one line each: when it ran and on which event, what it set (old → new), and \
            for every time it did not act the reason — the condition that failed with what it \
            compared, cooldown, settle, quiet hours, already set, dry run, changed by hand.

            Example: pkfrontd why "Tag shows the first fronter" --limit 5
            Exits 1 when there is no state database or no record of the rule (the rules with \
            records are listed).
            """)

    @OptionGroup var shared: SharedOptions

    @Argument(help: ArgumentHelp("The rule's name, as in the rule file.", valueName: "RULE"))
    var rule: String

    @Option(help: ArgumentHelp("How many records at most (default 20).", valueName: "N"))
    var limit: Int = 20

    @Flag(name: .customLong("json"), help: "Print the decision records, one JSON object per line.")
    var json = false

    func run() async throws {
        let store = try StateReading.open(shared, command: "why")
        let records = try store.recentDecisions(rule: rule, limit: max(limit, 1))
        guard !records.isEmpty else {
            let known = try store.decisionRules()
            let hint = Suggest.hint(rule, known)
            throw StateReading.fail(
                "why",
                known.isEmpty
                    ? "no rule has a recorded decision yet"
                    : "no decision of a rule named '\(rule)' is recorded\(hint); rules with records: \(known.joined(separator: ", "))"
            )
        }
        var out = ""
        var day = ""
        for record in records {
            if json {
                out +=
                    String(decoding: try StateReading.encoder.encode(Self.hidingSecrets(record)), as: UTF8.self) + "\n"
                continue
            }
            let date = String(record.time.prefix(10))
            if date != day {
                out += date + ":\n"
                day = date
            }
            out += "  " + record.text + "\n"
        }
        StateReading.write(out)
    }

    /// The record with what may be secret in a webhook hidden (the output is pasted into bug
    /// reports): header values become `[hidden]`, the URL loses its path and query (Discord's
    /// and Slack's webhook URLs hold their token there).
    static func hidingSecrets(_ record: DecisionRecord) -> DecisionRecord {
        var record = record
        record.actions = record.actions?.map { a in
            var a = a
            a.headers = a.headers?.mapValues { _ in "[hidden]" }
            if let url = a.url { a.url = WebhookSender.shown(url) }
            if a.action == "webhook", let value = a.value { a.value = WebhookSender.shown(value) }
            return a
        }
        return record
    }
}

/// `pkfrontd pending`: what the rules will do without anything else happening.
struct PendingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pending",
        abstract: "Show armed deadlines, held while rules, deferred values, queued writes and runs.",
        discussion: """
            Reads the rule engine's state and the write queue from the daemon's state database \
            (safe while it runs): the fronting_for deadlines armed, the next time of each \
            schedule, runs waiting for the front to settle, the while rules that hold and what \
            each would restore, values held back by quiet hours, the PluralKit writes queued \
            with why they wait (a rate limit or a retry, with the time they may go), the exec and \
            webhook runs not finished (waiting their turn, or started), and the rules \
            the circuit breaker paused (more than 10 runs with actions other than log in 5 \
            minutes pause a rule for 15).

            Example: pkfrontd pending --json
            """)

    @OptionGroup var shared: SharedOptions

    @Flag(name: .customLong("json"), help: "Print one JSON object.")
    var json = false

    /// What `pending --json` prints.
    struct Report: Encodable {
        struct Deadline: Encodable {
            var rule: String
            var subject: String
            var due: Timestamp
        }
        struct Schedule: Encodable {
            var rule: String
            var next: Timestamp
        }
        struct Settling: Encodable {
            var rule: String
            var event: String
            var due: Timestamp
        }
        struct Held: Encodable {
            var rule: String
            var field: String
            var value: String?
            var restores: String?
            var restoresKnown: Bool
            var dryRun: Bool
            enum CodingKeys: String, CodingKey {
                case rule, field, value, restores
                case restoresKnown = "restores_known"
                case dryRun = "dry_run"
            }
        }
        struct Deferred: Encodable {
            var rule: String
            var field: String
            var value: String?
        }
        struct Write: Encodable {
            var rule: String
            var field: String
            var value: String?
            var kind: String
            var decided: Timestamp
            var attempts: Int
            var notBefore: Timestamp?
            enum CodingKeys: String, CodingKey {
                case rule, field, value, kind, decided, attempts
                case notBefore = "not_before"
            }
        }
        struct Paused: Encodable {
            var rule: String
            var until: Timestamp
        }
        struct Effect: Encodable {
            var rule: String
            var action: String
            /// The program, or the webhook's scheme and host (never its path).
            var target: String
            var actionID: String
            var decided: Timestamp
            var starts: Int
            enum CodingKeys: String, CodingKey {
                case rule, action, target, decided, starts
                case actionID = "action_id"
            }
        }
        var paused: [Paused] = []
        var deadlines: [Deadline] = []
        var schedules: [Schedule] = []
        var settling: [Settling] = []
        var held: [Held] = []
        var deferred: [Deferred] = []
        var writes: [Write] = []
        var effects: [Effect] = []
    }

    func run() async throws {
        let store = try StateReading.open(shared, command: "pending")
        let state = try store.engineState() ?? EngineState()
        let report = Self.report(state, writes: try store.queuedWrites(), effects: try store.queuedEffects())
        if json {
            StateReading.write(String(decoding: try StateReading.encoder.encode(report), as: UTF8.self) + "\n")
        } else {
            StateReading.write(Self.text(report))
        }
    }

    static func report(
        _ state: EngineState, writes: [QueuedWrite], effects: [QueuedEffect] = [], now: Timestamp = .now
    ) -> Report {
        var r = Report()
        r.paused = state.paused.filter { $0.value > now }.sorted { $0.key < $1.key }.map {
            .init(rule: $0.key, until: $0.value)
        }
        for key in state.armed.sorted() {
            // rule|subject|seconds|stint start (the rule's name may hold '|').
            let parts = key.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 4, let seconds = Int64(parts[parts.count - 2]),
                let start = Timestamp(parts[parts.count - 1])
            else { continue }
            let rule = parts.dropLast(3).joined(separator: "|")
            let due = start.adding(.seconds(seconds))
            guard state.fired[key] == nil else { continue }
            r.deadlines.append(.init(rule: rule, subject: parts[parts.count - 3], due: due))
        }
        for (key, next) in state.scheduleArmed.sorted(by: { $0.value < $1.value }) {
            let rule = key.split(separator: "|", omittingEmptySubsequences: false).dropLast(2).joined(separator: "|")
            r.schedules.append(.init(rule: rule, next: next))
        }
        r.settling = state.pending.map { .init(rule: $0.rule, event: $0.event.kind.rawValue, due: $0.due) }
        for (field, stack) in state.ownership.sorted(by: { $0.key < $1.key }) {
            for (i, holder) in stack.holders.enumerated() {
                let below = i > 0 ? stack.holders[i - 1].value : stack.original
                r.held.append(
                    .init(
                        rule: holder.rule, field: field, value: holder.value, restores: below,
                        restoresKnown: i > 0 || stack.originalKnown, dryRun: false))
            }
        }
        for name in state.holding.sorted() where name.hasPrefix("dry:") {
            r.held.append(
                .init(
                    rule: String(name.dropFirst(4)), field: "", value: nil, restores: nil, restoresKnown: false,
                    dryRun: true))
        }
        r.deferred = state.deferred.sorted { $0.key < $1.key }.map {
            .init(rule: $0.value.rule, field: $0.key, value: $0.value.outcome.value)
        }
        r.deferred += state.deferredEffects.sorted { $0.key < $1.key }.map {
            .init(rule: $0.value.rule, field: $0.value.outcome.action, value: $0.value.outcome.value)
        }
        r.writes = writes.map {
            .init(
                rule: $0.rule, field: $0.key, value: $0.value, kind: $0.kind.rawValue, decided: $0.decided,
                attempts: $0.attempts, notBefore: $0.notBefore)
        }
        r.effects = effects.map {
            .init(
                rule: $0.rule, action: $0.kind.rawValue,
                target: $0.kind == .exec ? $0.outcome.argv?.first ?? "" : WebhookSender.shown($0.outcome.url ?? ""),
                actionID: $0.actionID, decided: $0.decided, starts: $0.starts)
        }
        return r
    }

    static func text(_ r: Report) -> String {
        func q(_ v: String?) -> String { v.map { "'\($0)'" } ?? "nothing" }
        var out = ""
        func section(_ title: String, _ lines: [String]) {
            out += title + (lines.isEmpty ? ": none\n" : ":\n") + lines.map { "  " + $0 + "\n" }.joined()
        }
        section(
            "rules paused by the circuit breaker",
            r.paused.map { "\($0.rule) until \(StateReading.shown($0.until))" })
        section(
            "fronting_for deadlines armed",
            r.deadlines.map {
                "\(StateReading.shown($0.due))  \($0.rule) (\($0.subject == "front" ? "the front" : $0.subject))"
            })
        section("next schedule times", r.schedules.map { "\(StateReading.shown($0.next))  \($0.rule)" })
        section(
            "waiting for the front to settle",
            r.settling.map { "\(StateReading.shown($0.due))  \($0.rule) (on \($0.event))" })
        section(
            "while rules holding",
            r.held.map { h in
                h.dryRun
                    ? "\(h.rule): holds in dry run (nothing was written)"
                    : "\(h.rule): \(h.field) = \(q(h.value)); on release restores \(h.restoresKnown ? q(h.restores) : "nothing (the value before was not known)")"
            })
        section("deferred by quiet hours", r.deferred.map { "\($0.rule): \($0.field) → \(q($0.value))" })
        section(
            "PluralKit writes queued",
            r.writes.map { w in
                let why =
                    w.notBefore.map { "waits until \(StateReading.shown($0)) (rate limit or retry)" }
                    ?? "goes at the next try (decided \(StateReading.shown(w.decided)))"
                let tries = w.attempts > 0 ? ", \(w.attempts) tr\(w.attempts == 1 ? "y" : "ies") so far" : ""
                return "\(w.rule): \(w.field) → \(q(w.value))\(w.kind == "revert" ? " (restore)" : "") — \(why)\(tries)"
            })
        section(
            "exec and webhook runs queued",
            r.effects.map { e in
                let what = e.action == "exec" ? "run \(e.target)" : "post to \(e.target)"
                let state =
                    switch e.starts {
                    case 0: "waits its turn"
                    case 1:
                        "started, not finished (it runs now, or pkfrontd stopped meanwhile: then it is repeated once)"
                    default: "started twice, never finished: it is not started again"
                    }
                return
                    "\(e.rule): \(what) (PK_ACTION_ID \(e.actionID), decided \(StateReading.shown(e.decided))) — \(state)"
            })
        return out
    }
}
