import ArgumentParser
import Foundation
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
            """)

    @OptionGroup var shared: SharedOptions

    @Argument(help: ArgumentHelp("Rule files or directories to check (default: the configured rules, PKFRONTD_RULES, or /etc/pkfrontd/rules.yaml).", valueName: "PATH"))
    var paths: [String] = []

    @Flag(name: .customLong("quiet"), help: "Print problems only, no summary line.")
    var quiet = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let settings: DaemonSettings
        do {
            settings = try DaemonSettings.resolve(flags: shared, rules: nil, pollInterval: nil, systems: [], dryRun: false, environment: environment)
        } catch {
            FileHandle.standardError.write(Data("pkfrontd check: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let targets = paths.isEmpty ? [settings.rules ?? "/etc/pkfrontd/rules.yaml"] : paths
        let (directory, reason) = await NameDirectory.load(settings: settings, environment: environment)
        let loader = RuleLoader(directory: directory, missingDirectoryReason: reason)
        var failed = false
        var output = ""
        for path in targets {
            let result = loader.load(path: path)
            for d in result.diagnostics { output += d.description + "\n" }
            let errors = result.diagnostics.filter { $0.severity == .error }.count
            let warnings = result.diagnostics.count - errors
            if errors > 0 { failed = true }
            if !quiet {
                let rules = result.ruleSet.map { "\($0.rules.count) rule\($0.rules.count == 1 ? "" : "s")" } ?? "not loaded"
                let counts = "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")"
                output += "\(path): \(errors > 0 ? "invalid" : "valid"), \(rules) (\(counts))\n"
            }
        }
        FileHandle.standardOutput.write(Data(output.utf8))
        if failed { throw ExitCode(1) }
    }
}

/// The member and group lists `check` resolves names against.
enum NameDirectory {
    /// Live lists when there is a token, else the state directory's cache; nil with the reason otherwise.
    static func load(settings: DaemonSettings, environment: [String: String]) async -> (Directory?, String) {
        var notes: [String] = []
        do {
            if let secret = try token(settings: settings, environment: environment) {
                var logger = Logger(label: "pkfrontd.check")
                logger.logLevel = .critical
                let client = PluralKitClient(
                    token: Token(secret),
                    // One retry and a short timeout: with the API out of reach, check falls back
                    // to the cache in seconds instead of waiting out the daemon's patient retries.
                    configuration: .init(
                        baseURL: settings.apiURL, userAgent: "pkfrontd/\(PKFrontd.version) check", timeout: .seconds(8),
                        retry: RetryPolicy(maxRetries: 1)),
                    logger: logger)
                do {
                    async let members = client.getMembers()
                    async let groups = client.getGroups()
                    let (m, g) = try await (members, groups)
                    try? await client.shutdown()
                    return (Directory(
                        members: m.map { .init(id: $0.id.rawValue, uuid: $0.uuid, name: $0.name, displayName: $0.displayName) },
                        groups: g.map { .init(id: $0.id.rawValue, uuid: $0.uuid, name: $0.name, displayName: $0.displayName) },
                        source: "the live member and group lists"), "")
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
                FileHandle.standardError.write(Data("pkfrontd check: note: \(notes.joined(separator: "; ")); names are checked against \(directory.source) instead\n".utf8))
            }
            return (directory, "")
        case .success(nil): break
        case .failure(let note): notes.append(note.description)
        }
        if notes.isEmpty {
            return (nil, "no token was given (--token-file, PK_TOKEN) and \(settings.stateDirectory) has no cached member list")
        }
        return (nil, notes.joined(separator: "; "))
    }

    /// The token, from the same sources as `run`. A token file that others may read is still used
    /// (`check` only reads member and group lists) but gets a note on stderr, since `run` refuses it.
    static func token(settings: DaemonSettings, environment: [String: String]) throws -> String? {
        do {
            return try Credentials.resolve(
                tokenFile: settings.tokenFile, configTokenFile: settings.configTokenFile, environment: environment, naming: .pluralKit)?.reveal()
        } catch let error as CredentialError {
            let file = settings.tokenFile ?? settings.configTokenFile
            guard let file, let secret = try? Credentials.read(file, checkMode: false, naming: .pluralKit), !secret.isEmpty else { throw error }
            FileHandle.standardError.write(Data("pkfrontd check: note: \(error) (`pkfrontd run` refuses it; `check` used it anyway)\n".utf8))
            return secret
        }
    }

    /// The member and group lists the daemon cached in a state directory (nil when there are none).
    static func cached(stateDirectory: String) -> Result<Directory?, SettingsError> {
        do {
            let cached = try StateStore.readCachedNames(directory: stateDirectory)
            if cached.count == 1, let names = cached.first {
                let when = names.refreshed.map { " from \($0)" } ?? ""
                return .success(Directory(
                    members: names.members.map { .init(id: $0.id, uuid: $0.uuid, name: $0.name, displayName: $0.displayName) },
                    groups: names.groups.map { .init(id: $0.id, uuid: $0.uuid, name: $0.name, displayName: $0.displayName) },
                    source: "the member list cached in \(stateDirectory)\(when)"))
            }
            if cached.count > 1 {
                return .failure(SettingsError("the state directory \(stateDirectory) caches several systems (\(cached.map(\.system).joined(separator: ", "))), so it cannot tell whose names these are"))
            }
            return .success(nil)
        } catch {
            return .failure(SettingsError("\(error)"))
        }
    }

    /// Loads the daemon's rules (`--rules`), checking names against the cached lists.
    static func loadRules(path: String, stateDirectory: String) -> RuleLoader.Result {
        switch cached(stateDirectory: stateDirectory) {
        case .success(let directory?):
            return RuleLoader(directory: directory).load(path: path)
        case .success(nil):
            return RuleLoader(directory: nil, missingDirectoryReason: "the member list is not cached yet (it is after the first poll)").load(path: path)
        case .failure(let note):
            return RuleLoader(directory: nil, missingDirectoryReason: note.description).load(path: path)
        }
    }
}
