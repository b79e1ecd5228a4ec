import ArgumentParser
import Foundation
import FrontEvents
import FrontTracking
import Logging
import PluralKit
import Rules
import Systemd

/// `pkfrontd check PATH…`: loads rule files as `run --rules PATH` would and reports every problem.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check rule files and report every problem as file:line:column.",
        discussion: """
            Loads each PATH (a rule file, or a directory whose *.yaml files are merged in name \
            order) exactly as `run --rules PATH` would, and prints every problem on its own line: \
            `file:line:column: error: message` or `warning: message`. Exits 0 when every PATH is \
            valid (warnings allowed) and 1 otherwise.

            Member and group names are checked against the live lists when a token is available \
            (--token-file, $CREDENTIALS_DIRECTORY/token, PK_TOKEN, or the config's token_file), \
            otherwise against the lists the daemon cached in the state directory; when neither is \
            available, names are reported as warnings. The language is described in \
            rules/README.md.

            Schedules are checked in the rules' time zone (settings.timezone, else the system's \
            when a token is at hand): a time that does not exist or happens twice on a day within \
            the next year (daylight saving time) is a warning naming the date and when the rule \
            runs instead; --next N prints the next N times of every schedule.
            """)

    @OptionGroup var shared: SharedOptions

    @Argument(
        help: ArgumentHelp(
            "Rule files or directories to check (default: the configured rules, PKFRONTD_RULES, or /etc/pkfrontd/rules.yaml).",
            valueName: "PATH"))
    var paths: [String] = []

    @Flag(name: .customLong("quiet"), help: "Print problems only, no summary line.")
    var quiet = false

    @Option(
        name: .customLong("next"),
        help: ArgumentHelp("Also print the next N times of every schedule.", valueName: "N"))
    var next: Int?

    @Option(name: .customLong("now"), help: .hidden)
    var now: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let settings: DaemonSettings
        do {
            settings = try DaemonSettings.resolve(
                flags: shared, rules: nil, pollInterval: nil, systems: [], dryRun: false, environment: environment)
        } catch {
            FileHandle.standardError.write(Data("pkfrontd check: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let targets = paths.isEmpty ? [settings.rules ?? "/etc/pkfrontd/rules.yaml"] : paths
        let (directory, reason) = await NameSources.forCheck(settings: settings, environment: environment)
        let loader = RuleLoader(directory: directory, missingDirectoryReason: reason)
        let instant: Timestamp
        if let now {
            guard let parsed = Timestamp(now) else {
                FileHandle.standardError.write(
                    Data("pkfrontd check: --now must be an ISO 8601 time with an offset\n".utf8))
                throw ExitCode(2)
            }
            instant = parsed
        } else {
            instant = .now
        }
        var systemZone: String??
        var failed = false
        var output = ""
        for path in targets {
            let result = loader.load(path: path)
            var diagnostics = result.diagnostics
            var upcoming = ""
            if let set = result.ruleSet, !ScheduleCheck.schedules(in: set).isEmpty {
                // Schedules need the rules' time zone: settings.timezone, else the system's.
                var name = set.settings.timezone
                if name == nil {
                    if systemZone == nil {
                        systemZone = .some(
                            await NameSources.systemTimeZone(
                                settings: settings, environment: environment, command: "check"))
                    }
                    name = systemZone ?? nil
                }
                if let name, let zone = TimeZone(identifier: name) {
                    diagnostics =
                        (diagnostics + ScheduleCheck.dstWarnings(set, zone: zone, now: instant)).sortedByLocation
                    if let next, next > 0 {
                        for (entry, times) in ScheduleCheck.upcoming(set, zone: zone, now: instant, count: next) {
                            upcoming +=
                                "\(entry.location): '\(entry.rule)' next: "
                                + times.map { Self.local($0, zone) }.joined(separator: ", ") + " (\(name))\n"
                        }
                    }
                } else if next != nil {
                    upcoming +=
                        "\(path): the next schedule times need the rules' time zone (settings.timezone, or a token for the system's)\n"
                }
            }
            for d in diagnostics { output += d.description + "\n" }
            output += upcoming
            let errors = diagnostics.filter { $0.severity == .error }.count
            let warnings = diagnostics.count - errors
            if errors > 0 { failed = true }
            if !quiet {
                let rules =
                    result.ruleSet.map { "\($0.rules.count) rule\($0.rules.count == 1 ? "" : "s")" } ?? "not loaded"
                let counts = "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
                output += "\(path): \(errors > 0 ? "invalid" : "valid"), \(rules) (\(counts))\n"
            }
        }
        FileHandle.standardOutput.write(Data(output.utf8))
        if failed { throw ExitCode(1) }
    }

    /// `Fri 2026-12-04 09:00` in the zone.
    static func local(_ t: Timestamp, _ zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "EEE yyyy-MM-dd HH:mm"
        return formatter.string(from: t.date)
    }
}

/// Where `check` and the daemon get the member and group lists that rule names resolve against.
enum NameSources {
    /// The system's PluralKit time zone, when a token is at hand (nil otherwise, or when it cannot be read).
    static func systemTimeZone(settings: DaemonSettings, environment: [String: String], command: String) async
        -> String?
    {
        guard let secret = try? token(settings: settings, environment: environment) else { return nil }
        let client = quickClient(settings: settings, secret: secret, command: command)
        let zone = try? await client.getSystemSettings().timezone?.identifier
        try? await client.shutdown()
        return zone
    }

    /// A client for the short reads of `check` and `simulate`: one retry and a short timeout, so
    /// that with the API out of reach they fall back in seconds instead of waiting out the
    /// daemon's patient retries; silent logger.
    static func quickClient(settings: DaemonSettings, secret: String, command: String) -> PluralKitClient {
        var logger = Logger(label: "pkfrontd.\(command)")
        logger.logLevel = .critical
        return PluralKitClient(
            token: Token(secret),
            configuration: .init(
                baseURL: settings.apiURL, userAgent: "pkfrontd/\(PKFrontd.version) \(command)", timeout: .seconds(8),
                retry: RetryPolicy(maxRetries: 1)),
            logger: logger)
    }

    /// Live lists when there is a token, else the state directory's cache; nil with the reason otherwise.
    static func forCheck(settings: DaemonSettings, environment: [String: String]) async -> (NameDirectory?, String) {
        var notes: [String] = []
        do {
            if let secret = try token(settings: settings, environment: environment) {
                let client = quickClient(settings: settings, secret: secret, command: "check")
                do {
                    let directory = try await NameDirectory.fetch(from: client)
                    try? await client.shutdown()
                    return (directory, "")
                } catch {
                    try? await client.shutdown()
                    notes.append("the member list could not be fetched from \(settings.apiURL) (\(error))")
                }
            }
        } catch {
            notes.append("\(error)")
        }
        switch cached(stateDirectory: settings.stateDirectory) {
        case .success(let directory?):
            if !notes.isEmpty {
                FileHandle.standardError.write(
                    Data(
                        "pkfrontd check: note: \(notes.joined(separator: "; ")); names are checked against \(directory.source) instead\n"
                            .utf8))
            }
            return (directory, "")
        case .success(nil): break
        case .failure(let note): notes.append(note.description)
        }
        if notes.isEmpty {
            return (
                nil,
                "no token was given (--token-file, PK_TOKEN) and \(settings.stateDirectory) has no cached member list"
            )
        }
        return (nil, notes.joined(separator: "; "))
    }

    /// The token, from the same sources as `run`. A token file that others may read is still used
    /// (`check` only reads member and group lists) but gets a note on stderr, since `run` refuses it.
    static func token(settings: DaemonSettings, environment: [String: String], command: String = "check") throws
        -> String?
    {
        do {
            return try Credentials.resolve(
                tokenFile: settings.tokenFile, configTokenFile: settings.configTokenFile, environment: environment,
                naming: .pluralKit)?.reveal()
        } catch let error as CredentialError {
            let file = settings.tokenFile ?? settings.configTokenFile
            guard let file, let secret = try? Credentials.read(file, checkMode: false, naming: .pluralKit),
                !secret.isEmpty
            else { throw error }
            FileHandle.standardError.write(
                Data(
                    "pkfrontd \(command): note: \(error) (`pkfrontd run` refuses it; `\(command)` used it anyway)\n"
                        .utf8))
            return secret
        }
    }

    /// The member and group lists the daemon cached in a state directory (nil when there are none),
    /// read without opening the database for writing.
    static func cached(stateDirectory: String) -> Result<NameDirectory?, SettingsError> {
        do {
            return try directory(from: StateStore.readCachedNames(directory: stateDirectory), location: stateDirectory)
        } catch {
            return .failure(SettingsError(.namesUnavailable, "\(error)", underlying: error))
        }
    }

    /// The directory for the one system a state directory caches; a failure when it caches several.
    static func directory(from cached: [SystemNames], location: String) -> Result<NameDirectory?, SettingsError> {
        if cached.count > 1 {
            return .failure(
                SettingsError(
                    .namesUnavailable,
                    "the state directory \(location) caches several systems (\(cached.map(\.system).joined(separator: ", "))), so it cannot tell whose names these are"
                ))
        }
        return .success(cached.first.map { NameDirectory(cached: $0, location: location) })
    }
}
