import Foundation
import PluralKit
import Rules
import Systemd
import Yams

/// The daemon's settings after merging flags, environment and the config file
/// (precedence: flag > environment > config file > default).
struct DaemonSettings: Sendable, Equatable {
    var apiURL: String
    var tokenFile: String?
    var configTokenFile: String?
    var stateDirectory: String
    var rules: String?
    var pollInterval: Duration
    var systems: [String]
    var dryRun: Bool
    /// The config file that was read, if any.
    var configFile: String?

    static let defaultConfigFile = "/etc/pkfrontd/pkfrontd.yaml"
    /// The rule file used when none is named, if it exists.
    static let defaultRulesFile = "/etc/pkfrontd/rules.yaml"
    static let defaultPollInterval: Duration = .seconds(15)
}

/// The config file (`/etc/pkfrontd/pkfrontd.yaml`): the same keys as the flags.
struct ConfigFile: Decodable, Equatable {
    var apiURL: String?
    var tokenFile: String?
    var stateDir: String?
    var rules: String?
    var pollInterval: String?
    var system: [String]?
    var dryRun: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case apiURL = "api_url"
        case tokenFile = "token_file"
        case stateDir = "state_dir"
        case rules
        case pollInterval = "poll_interval"
        case system
        case dryRun = "dry_run"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiURL = try c.decodeIfPresent(String.self, forKey: .apiURL)
        tokenFile = try c.decodeIfPresent(String.self, forKey: .tokenFile)
        stateDir = try c.decodeIfPresent(String.self, forKey: .stateDir)
        rules = try c.decodeIfPresent(String.self, forKey: .rules)
        pollInterval = try c.decodeIfPresent(String.self, forKey: .pollInterval)
        if let one = try? c.decodeIfPresent(String.self, forKey: .system) {
            system = [one]
        } else {
            system = try c.decodeIfPresent([String].self, forKey: .system)
        }
        dryRun = try c.decodeIfPresent(Bool.self, forKey: .dryRun)
    }

    /// Reads a config file. A missing default file is no error; a missing named file is.
    static func load(_ path: String, required: Bool) throws -> ConfigFile? {
        guard FileManager.default.fileExists(atPath: path) else {
            if required {
                throw SettingsError(.configNotFound, "config file \(Credentials.shown(path)) does not exist")
            }
            return nil
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SettingsError(
                .configUnreadable, "cannot read config file \(Credentials.shown(path)): \(error.localizedDescription)",
                underlying: error)
        }
        let problems = SettingsFile.check(
            text: text, file: Credentials.shown(path), what: "the config file",
            allowed: CodingKeys.allCases.map(\.rawValue))
        if !problems.isEmpty {
            throw SettingsError(
                .invalidConfig, problems.map { "\($0.location): \($0.message)" }.joined(separator: "\n"))
        }
        do {
            if try Yams.compose(yaml: text) == nil { return ConfigFile() }
            return try YAMLDecoder().decode(ConfigFile.self, from: text)
        } catch {
            throw SettingsError(
                .invalidConfig, "\(path): not a valid config file: \(Credentials.scrubbed("\(error)"))",
                underlying: error)
        }
    }
}

extension DaemonSettings {
    /// Merges the sources.
    /// - Parameters:
    ///   - flags: the command-line values (nil when not given).
    ///   - environment: the process environment.
    static func resolve(
        flags: SharedOptions, rules: String?, pollInterval: String?, systems: [String], dryRun: Bool,
        environment: [String: String]
    ) throws -> DaemonSettings {
        let configPath = flags.config ?? DaemonSettings.defaultConfigFile
        let loaded = try ConfigFile.load(configPath, required: flags.config != nil)
        let config = loaded ?? ConfigFile()

        let (apiURL, urlSource): (String, String) =
            if let flag = flags.apiURL { (flag, "--api-url") } else if let env = environment["PKFRONTD_API_URL"] {
                (env, "PKFRONTD_API_URL")
            } else if let configured = config.apiURL { (configured, "api_url in \(configPath)") } else {
                ("https://api.pluralkit.me/v2", "the default")
            }
        do {
            _ = try APIBaseURL.validate(apiURL)
        } catch {
            // The URL itself is not repeated when it holds a user name or password or looks like a token.
            let shown = apiURL.contains("@") ? "" : " \(Credentials.shown(apiURL))"
            throw SettingsError(.invalidValue, "\(urlSource)\(shown): \(error)", underlying: error)
        }
        let intervalText = pollInterval ?? config.pollInterval
        var interval = DaemonSettings.defaultPollInterval
        if let intervalText {
            guard let parsed = DurationParser.parse(intervalText), parsed >= .seconds(1) else {
                throw SettingsError(
                    .invalidValue,
                    "poll interval '\(Credentials.shown(intervalText))' is not a duration of at least 1s (write e.g. 15s, 1m, 1h30m, 2.5m)"
                )
            }
            interval = parsed
        }
        return DaemonSettings(
            apiURL: apiURL,
            tokenFile: flags.tokenFile,
            configTokenFile: config.tokenFile,
            stateDirectory: try stateDirectory(flag: flags.stateDir, config: config.stateDir, environment: environment),
            rules: rules ?? environment["PKFRONTD_RULES"] ?? config.rules ?? defaultRules(),
            pollInterval: interval,
            systems: systems.isEmpty ? (config.system ?? []) : systems,
            dryRun: dryRun || (config.dryRun ?? false),
            configFile: loaded == nil ? nil : configPath)
    }

    /// `/etc/pkfrontd/rules.yaml` when it exists (a missing default rule file is no error).
    static func defaultRules() -> String? {
        FileManager.default.fileExists(atPath: DaemonSettings.defaultRulesFile) ? DaemonSettings.defaultRulesFile : nil
    }

    /// `--state-dir` > `PKFRONTD_STATE_DIR` > `$STATE_DIRECTORY` (systemd) > config `state_dir` >
    /// `/var/lib/pkfrontd` for root, `$XDG_STATE_HOME/pkfrontd` or `~/.local/state/pkfrontd` otherwise.
    static func stateDirectory(flag: String?, config: String?, environment: [String: String]) throws -> String {
        if let flag { return flag }
        if let env = environment["PKFRONTD_STATE_DIR"], !env.isEmpty { return env }
        if let systemd = environment["STATE_DIRECTORY"], !systemd.isEmpty {
            // systemd may list several, separated by colons; ours is the first.
            return String(systemd.split(separator: ":").first ?? Substring(systemd))
        }
        if let config { return config }
        if getuid() == 0 { return "/var/lib/pkfrontd" }
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") { return xdg + "/pkfrontd" }
        guard let home = environment["HOME"], !home.isEmpty else {
            throw SettingsError(.noStateDirectory, "cannot choose a state directory: HOME is not set; pass --state-dir")
        }
        return home + "/.local/state/pkfrontd"
    }
}

extension CredentialNaming {
    /// PluralKit's token: `PK_TOKEN`, from `pk;token`.
    static let pluralKit = CredentialNaming(
        environmentVariable: "PK_TOKEN", hint: "the token from `pk;token` (64 characters, no spaces)")
}
