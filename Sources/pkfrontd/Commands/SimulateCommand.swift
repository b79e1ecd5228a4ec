import ArgumentParser
import Foundation
import FrontEvents
import PluralKit
import Rules

/// `pkfrontd simulate --rules PATH --script FILE`: plays a what-if story through the rule engine.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Play a what-if script through your rules and print what they would do.",
        discussion: """
            `--front "Alex, Sam" [--previous Kit] [--at "2026-12-04 23:30"]` plays one what-if switch \
            instead of a script: the events it makes, every rule's outcome once settle has passed, \
            and the deadlines it arms.

            Runs the same rule engine as `pkfrontd run` on a virtual clock against virtual remote \
            values: nothing is written and no token is needed. The script (YAML) has a `start` \
            (time, front, remote values) and `steps` (switches, edits, deletions, values changed \
            by hand, the daemon stopped, started or reloaded, or only time passing); see \
            rules/README.md, "Simulating rules". The output is the whole timeline in time order, \
            in words, or with --json the decision records, one JSON object per line.

            Names: with a token (--token-file, PK_TOKEN, …) the live member and group lists and \
            the system's time zone are used; otherwise the lists the daemon cached in the state \
            directory; otherwise members must be given by their 5- or 6-letter id. The time zone \
            is the rules' `settings.timezone`, else --timezone, else the system's, else UTC. \
            Exits 1 on a bad script, an unknown member or rules that do not load.
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

    @Flag(name: .customLong("json"), help: "Print the decision records, one JSON object per line.")
    var json = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        func fail(_ message: String) -> ExitCode {
            FileHandle.standardError.write(Data("pkfrontd simulate: \(message)\n".utf8))
            return ExitCode(1)
        }
        let settings: DaemonSettings
        do {
            settings = try DaemonSettings.resolve(
                flags: shared, rules: rules, pollInterval: nil, systems: [], dryRun: false, environment: environment)
        } catch {
            throw fail("\(error)")
        }
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
        let parsed: SimulationScript
        var shownFrom: Timestamp?
        switch (script, front) {
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
            throw fail("give either --script FILE or --front NAMES")
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
            // One switch: from the switch on (the start before it is scaffolding).
            let cut = RuleEngine.iso(shownFrom, zone)
            records = records.filter { $0.time >= cut && !($0.kind == .event && $0.event?.kind == "daemon_started") }
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
        if shownFrom != nil, !json {
            let mentioned = Set(records.compactMap(\.rule))
            for rule in ruleSet.rules where !mentioned.contains(rule.name) {
                out += "\(rule.name): not started by this switch\n"
            }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}
