import Actions
import ArgumentParser
import Foundation
import FrontEvents
import PluralKit
import PluralKitFake
import Rules

/// `pkfrontd simulate --rules PATH --script FILE | --front NAMES | --since 7d`: plays a what-if
/// story, one switch, or the system's real history through the rule engine.
struct SimulateCommand: AsyncParsableCommand, Sendable {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract:
            "Play a what-if script, one switch or last week's history through your rules and print what they would do.",
        discussion: """
            `--front "Alex, Sam" [--previous Kit] [--at "2026-12-04 23:30"]` plays one what-if switch \
            instead of a script: the events it makes, every rule's outcome once settle has passed, \
            and the deadlines it arms.

            `--since 7d` (or `--from DATE [--to DATE]`) replays the system's real switch history of \
            the period, read from the API with your token (paged under PluralKit's read limit): \
            "what would my rules have done last week?". It prints the runs and writes per rule \
            (--timeline: every decision in words first; --json: the decision records).

            `--demo` uses the demo system (Alex, Sam, Kit, Jordan, Robin, …; groups Littles and \
            Hosts; servers Art Club and Work; Europe/Berlin) instead of yours, with no token and no \
            network — with --since, a week of its lived-in history.

            Examples:
              pkfrontd simulate --rules rules.yaml --front "Alex, Sam" --at "2026-12-04 23:30"
              pkfrontd simulate --rules rules.yaml --since 7d
              pkfrontd simulate --rules rules/examples/ --demo --since 7d

            Runs the same rule engine as `pkfrontd run` on a virtual clock against virtual remote \
            values: nothing is written. A script needs no token; with one, --front and a replay \
            start from the values PluralKit has now for every field the rules write, and a replay \
            needs one (or --demo). The script (YAML) has a `start` \
            (time, front, remote values) and `steps` (switches, edits, deletions, values changed \
            by hand, the daemon stopped, started or reloaded, or only time passing); see \
            rules/README.md, "Simulating rules". The output is the whole timeline in time order, \
            in words, or with --json the decision records, one JSON object per line.

            Names: with a token (--token-file, PK_TOKEN, …) the live member and group lists and \
            the system's time zone are used; otherwise the lists the daemon cached in the state \
            directory; otherwise members must be given by their 5- or 6-letter id. The time zone \
            is the rules' `settings.timezone`, else --timezone, else the system's, else UTC. \
            Exits 1 on a bad script, an unknown member, rules that do not load, a bad period, or a \
            replay without a token or whose history cannot be read.
            """)

    @OptionGroup var shared: SharedOptions

    @Option(name: .customLong("rules"), help: ArgumentHelp("The rule file or directory.", valueName: "PATH"))
    var rules: String

    @Option(name: .customLong("script"), help: ArgumentHelp("The script to play.", valueName: "FILE"))
    var script: String?

    @Option(
        name: .customLong("front"),
        help: ArgumentHelp(
            "One what-if switch to these members (comma-separated; \"\" for a switch-out).", valueName: "NAMES"))
    var front: String?

    @Option(
        name: .customLong("previous"),
        help: ArgumentHelp("Who fronted before the --front switch (default: nobody).", valueName: "NAMES"))
    var previous: String?

    @Option(
        name: .customLong("at"),
        help: ArgumentHelp(
            "When the --front switch happens (default: now), e.g. \"2026-12-04 23:30\".", valueName: "TIME"))
    var at: String?

    @Option(
        name: .customLong("timezone"),
        help: ArgumentHelp("Time zone without settings.timezone (IANA name).", valueName: "TZ"))
    var timezone: String?

    @Option(
        name: .customLong("since"),
        help: ArgumentHelp("Replay the real switch history of this long before now, e.g. 7d.", valueName: "DURATION"))
    var since: String?

    @Option(
        name: .customLong("from"),
        help: ArgumentHelp(
            "Replay the real switch history from this time (\"2026-11-26\" or with a time).", valueName: "DATE"))
    var from: String?

    @Option(
        name: .customLong("to"),
        help: ArgumentHelp("End of the replayed period (default: now).", valueName: "DATE"))
    var to: String?

    @Flag(name: .customLong("demo"), help: "Use the demo system instead of yours (no token, no network).")
    var demo = false

    @Flag(name: .customLong("timeline"), help: "With a replay: print every decision in words before the summary.")
    var timeline = false

    @Flag(name: .customLong("json"), help: "Print the decision records, one JSON object per line.")
    var json = false

    /// Whether this is a replay of history (`--since`, `--from`).
    var replaying: Bool { since != nil || from != nil || to != nil }

    func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("pkfrontd simulate: \(message)\n".utf8))
        return ExitCode(1)
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let settings: DaemonSettings
        do {
            settings = try DaemonSettings.resolve(
                flags: shared, rules: rules, pollInterval: nil, systems: [], dryRun: false, environment: environment)
        } catch {
            throw fail("\(error)")
        }
        let forms = [script != nil, front != nil, replaying].filter { $0 }.count
        guard forms == 1 else {
            throw fail(
                forms == 0
                    ? "give one of --script FILE, --front NAMES or --since DURATION (--from DATE)"
                    : "give only one of --script, --front and --since/--from")
        }
        guard demo else {
            try await simulate(settings: settings, environment: environment)
            return
        }
        // The demo system, served by the fake on a loopback port only this process knows.
        let fake = FakePluralKit()
        let seeded = fake.loadDemo()
        if replaying { fake.loadDemoHistory(days: 8) }
        try await fake.withServer { base in
            var demoSettings = settings
            demoSettings.apiURL = base
            demoSettings.tokenFile = nil
            demoSettings.configTokenFile = nil
            try await simulate(settings: demoSettings, environment: ["PK_TOKEN": seeded.token])
        }
    }

    /// Simulates with the names, time zone and (for a replay) history of the API `settings` name
    /// (the demo system's, with --demo).
    func simulate(settings: DaemonSettings, environment: [String: String]) async throws {
        let (directory, reason) = await NameSources.forCheck(settings: settings, environment: environment)
        let loader = RuleLoader(directory: directory, missingDirectoryReason: reason)
        func load(_ path: String) -> Result<RuleSet, Simulator.Failure> {
            let result = loader.load(path: path)
            guard let set = result.ruleSet else {
                return .failure(.init(description: result.diagnostics.map(\.description).joined(separator: "\n")))
            }
            return .success(set)
        }
        let ruleSet: RuleSet
        switch load(rules) {
        case .success(let set): ruleSet = set
        case .failure(let failure):
            FileHandle.standardError.write(Data((failure.description + "\n").utf8))
            throw fail("the rules in \(rules) do not load (problems above)")
        }
        var chosen = ruleSet.settings.timezone ?? timezone
        if chosen == nil {
            chosen = await NameSources.systemTimeZone(settings: settings, environment: environment, command: "simulate")
        }
        let zoneName = chosen ?? "UTC"
        guard let zone = TimeZone(identifier: zoneName) else { throw fail("unknown time zone '\(zoneName)'") }
        // One client for the replay's history and the current values (with a token; --demo has
        // one). A script sets its own values and needs none.
        let client: PluralKitClient?
        do {
            client =
                script != nil
                ? nil
                : try NameSources.token(settings: settings, environment: environment).map {
                    NameSources.quickClient(settings: settings, secret: $0, command: "simulate")
                }
        } catch {
            if replaying { throw fail("\(error)") }
            client = nil
        }
        do {
            try await simulate(
                settings: settings, ruleSet: ruleSet, directory: directory, zone: zone, client: client, load: load)
            try? await client?.shutdown()
        } catch {
            try? await client?.shutdown()
            throw error
        }
    }

    /// Plays the chosen form with the loaded rules and prints the outcome.
    func simulate(
        settings: DaemonSettings, ruleSet: RuleSet, directory: NameDirectory?, zone: TimeZone, client: PluralKitClient?,
        load: @escaping (String) -> Result<RuleSet, Simulator.Failure>
    ) async throws {
        var parsed: SimulationScript
        var shownFrom: Timestamp?
        var replayed: (from: Timestamp, to: Timestamp)?
        switch (script, front) {
        case (nil, nil):
            guard previous == nil, at == nil else { throw fail("--previous and --at go with --front, not --since") }
            let period = try replayPeriod(zone: zone)
            guard let client else {
                throw fail(
                    "replaying history reads it from PluralKit: give a token (--token-file, PK_TOKEN, or token_file in the config file), or try --demo"
                )
            }
            let history = try await replayHistory(period, client: client, apiURL: settings.apiURL)
            parsed = SimulationScript.replay(history, from: period.from, to: period.to)
            replayed = period
            shownFrom = period.from
        case (let script?, nil):
            guard previous == nil, at == nil else { throw fail("--previous and --at go with --front, not --script") }
            guard let data = FileManager.default.contents(atPath: script) else {
                throw fail("cannot read the script \(script)")
            }
            let (read, problems) = SimulationScript.parse(
                text: String(decoding: data, as: UTF8.self), file: script, zone: zone)
            guard let read else {
                throw fail("the script has errors:\n" + problems.map(\.description).joined(separator: "\n"))
            }
            parsed = read
        case (nil, let front?):
            var when = Timestamp.now
            if let at {
                guard let t = SimulationScript.parseTime(at, zone: zone) else {
                    throw fail(
                        "--at '\(at)' is not a date and time such as \"2026-12-04 23:30\" (\(zone.identifier)) or with an offset"
                    )
                }
                when = t
            }
            let settle = ([ruleSet.settings.settle] + ruleSet.rules.compactMap(\.settle)).max() ?? .zero
            parsed = SimulationScript.oneSwitch(
                to: SimulationScript.names(front, option: "--front"),
                from: SimulationScript.names(previous ?? "", option: "--previous"), at: when, settle: settle)
            shownFrom = when
        default:
            throw fail("give only one of --script, --front and --since/--from")
        }
        if let client {
            // One switch or a replay starts from the values PluralKit has now (a script says its own).
            let values = await RemoteReader(client: client).read(
                ruleSet.remoteKeys, rules: ruleSet, members: directory?.members ?? [])
            parsed.start.values = values.merging(parsed.start.values) { _, given in given }
        }
        let context = EngineContext(
            members: directory?.members ?? [], groups: directory?.engineGroups ?? [], system: ("", nil, nil),
            timeZone: zone)
        let base = URL(fileURLWithPath: script ?? ".").deletingLastPathComponent().path
        var simulator = Simulator(rules: ruleSet, context: context) { path in
            load(path.hasPrefix("/") ? path : base + "/" + path)
        }
        var records: [DecisionRecord]
        do throws(Simulator.Failure) {
            records = try simulator.run(parsed)
        } catch {
            throw fail(error.description)
        }
        if let shownFrom {
            // From the switch (or the period) on: the start before it is scaffolding, and so is
            // the daemon start that begins a replay (the daemon was running all along).
            let cut = RuleEngine.iso(shownFrom, zone)
            records = records.filter { record in
                guard record.time >= cut else { return false }
                if record.kind == .event { return record.event?.kind != "daemon_started" }
                guard replayed != nil, record.time == cut, record.kind != .armed else { return true }
                return !["daemon_started", "start"].contains(record.event?.kind ?? "")
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var out = ""
        for record in records {
            if json {
                out += String(decoding: try encoder.encode(record), as: UTF8.self) + "\n"
            } else {
                out += record.text + "\n"
            }
        }
        if let replayed, !json {
            let summary = SimulationSummary(records: records, rules: ruleSet.rules.map(\.name))
            if !timeline { out = "" }
            let whose = demo ? "the demo system's" : "your system's"
            let read = demo ? "" : ", read from \(settings.apiURL)"
            out +=
                "Replayed \(whose) switch history from \(Self.shown(replayed.from, zone)) to \(Self.shown(replayed.to, zone)) (\(zone.identifier))\(read):\n"
            out += summary.text + "\n"
        } else if shownFrom != nil, !json {
            let mentioned = Set(records.compactMap(\.rule))
            for rule in ruleSet.rules where !mentioned.contains(rule.name) {
                out += "\(rule.name): not started by this switch\n"
            }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }

    /// A time for the summary's header ("2026-11-26 17:34").
    static func shown(_ t: Timestamp, _ zone: TimeZone) -> String {
        String(RuleEngine.iso(t, zone).prefix(16)).replacingOccurrences(of: "T", with: " ")
    }

    /// The period `--since`/`--from`/`--to` name.
    func replayPeriod(zone: TimeZone) throws -> (from: Timestamp, to: Timestamp) {
        let now = Timestamp.now
        func time(_ text: String, _ option: String) throws -> Timestamp {
            guard
                let t = SimulationScript.parseTime(text, zone: zone)
                    ?? SimulationScript.parseTime(text + " 00:00", zone: zone)
            else {
                throw fail(
                    "\(option) '\(text)' is not a date such as \"2026-11-26\" or a date and time such as \"2026-11-26 18:00\" (\(zone.identifier))"
                )
            }
            return t
        }
        let start: Timestamp
        switch (since, from) {
        case (let since?, nil):
            guard let length = DurationParser.parse(since), length > .zero else {
                throw fail("--since '\(since)' is not a duration such as 7d, 36h or 90m")
            }
            guard length <= .seconds(366 * 86_400) else { throw fail("--since \(since) is longer than a year") }
            start = now.adding(.zero - length)
        case (nil, let from?): start = try time(from, "--from")
        case (nil, nil): throw fail("--to needs --from (or use --since)")
        default: throw fail("give --since or --from, not both")
        }
        let end = try to.map { try time($0, "--to") } ?? now
        guard start < end else {
            throw fail("the period ends before it starts (\(Self.shown(start, zone)) to \(Self.shown(end, zone)))")
        }
        return (start, end)
    }

    /// The switches to replay `period`: those inside it and, before it, as many as the stint
    /// starts of its first front need. Read newest first, a page at a time under the limiter.
    func replayHistory(_ period: (from: Timestamp, to: Timestamp), client: PluralKitClient, apiURL: String) async throws
        -> [TrackedSwitch]
    {
        do {
            var out: [TrackedSwitch] = []
            var walk = StintWalk()
            let before = period.to < Timestamp.now ? period.to.adding(.milliseconds(1)) : nil
            for try await s in client.switchHistory(before: before) {
                guard s.timestamp <= period.to else { continue }
                let tracked = TrackedSwitch(s)
                out.append(tracked)
                guard tracked.timestamp <= period.from else { continue }
                // Before the period: back until every first fronter's stint start is known.
                if !walk.older(tracked) || out.count >= 20_000 { break }
            }
            return out
        } catch {
            throw fail("could not read the switch history from \(apiURL): \(error)")
        }
    }
}
