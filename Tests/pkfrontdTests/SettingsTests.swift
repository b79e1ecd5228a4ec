import ArgumentParser
import Foundation
import Rules
import Testing

@testable import pkfrontd

@Suite("Daemon settings")
struct SettingsTests {
    func options(_ args: [String]) throws -> SharedOptions { try SharedOptions.parse(args) }

    func config(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "pkfrontd-\(UUID().uuidString).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("precedence: flag > environment > config file > default")
    func precedence() throws {
        let file = try config(
            "api_url: http://config/v2\npoll_interval: 1m\nstate_dir: /config-state\nrules: /config-rules.yaml\n")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let env = ["PKFRONTD_API_URL": "http://env/v2", "PKFRONTD_STATE_DIR": "/env-state", "HOME": "/home/u"]
        let flagged = try DaemonSettings.resolve(
            flags: options(["--config", file, "--api-url", "http://flag/v2", "--state-dir", "/flag-state"]),
            rules: nil, pollInterval: "30s", systems: [], dryRun: false, environment: env)
        #expect(flagged.apiURL == "http://flag/v2")
        #expect(flagged.stateDirectory == "/flag-state")
        #expect(flagged.pollInterval == .seconds(30))
        #expect(flagged.rules == "/config-rules.yaml")
        let fromEnv = try DaemonSettings.resolve(
            flags: options(["--config", file]), rules: nil, pollInterval: nil, systems: [], dryRun: false,
            environment: env)
        #expect(fromEnv.apiURL == "http://env/v2")
        #expect(fromEnv.stateDirectory == "/env-state")
        #expect(fromEnv.pollInterval == .seconds(60))
        let fromConfig = try DaemonSettings.resolve(
            flags: options(["--config", file]), rules: nil, pollInterval: nil, systems: [], dryRun: false,
            environment: ["HOME": "/home/u"])
        #expect(fromConfig.apiURL == "http://config/v2")
        #expect(fromConfig.stateDirectory == "/config-state")
    }

    @Test("state directory: flag, PKFRONTD_STATE_DIR, $STATE_DIRECTORY, config, then the default")
    func stateDirectory() throws {
        #expect(
            try DaemonSettings.stateDirectory(
                flag: "/f", config: "/c", environment: ["PKFRONTD_STATE_DIR": "/e", "STATE_DIRECTORY": "/s"]) == "/f")
        #expect(
            try DaemonSettings.stateDirectory(
                flag: nil, config: "/c", environment: ["PKFRONTD_STATE_DIR": "/e", "STATE_DIRECTORY": "/s"]) == "/e")
        #expect(
            try DaemonSettings.stateDirectory(
                flag: nil, config: "/c", environment: ["STATE_DIRECTORY": "/var/lib/pkfrontd:/other"])
                == "/var/lib/pkfrontd")
        #expect(try DaemonSettings.stateDirectory(flag: nil, config: "/c", environment: [:]) == "/c")
        let fallback = try DaemonSettings.stateDirectory(
            flag: nil, config: nil, environment: ["HOME": "/home/u", "XDG_STATE_HOME": "/xdg"])
        #expect(fallback == (getuid() == 0 ? "/var/lib/pkfrontd" : "/xdg/pkfrontd"))
    }

    @Test("config file errors name the file, line and the known keys")
    func configErrors() throws {
        let file = try config("api_url: http://x/v2\npol_interval: 15s\n")
        defer { try? FileManager.default.removeItem(atPath: file) }
        do {
            _ = try DaemonSettings.resolve(
                flags: options(["--config", file]), rules: nil, pollInterval: nil, systems: [], dryRun: false,
                environment: ["HOME": "/h"])
            Issue.record("expected an error")
        } catch let error as SettingsError {
            #expect(error.code == .invalidConfig)
            #expect(
                error.description.hasPrefix(
                    "\(file):2:1: unknown key 'pol_interval' in the config file (did you mean 'poll_interval'?)"))
            #expect(error.description.contains("poll_interval"))
        }
        #expect(throws: SettingsError.self) {
            try DaemonSettings.resolve(
                flags: options(["--config", "/nonexistent.yaml"]), rules: nil, pollInterval: nil, systems: [],
                dryRun: false, environment: [:])
        }
        #expect(throws: SettingsError.self) {
            try DaemonSettings.resolve(
                flags: options(["--config", file.replacingOccurrences(of: "x", with: "y")]), rules: nil,
                pollInterval: "soon", systems: [], dryRun: false, environment: [:])
        }
    }

    @Test(
        "the config file is read with the rule files' YAML reader: syntax errors and non-mappings at their line, an empty file is fine"
    )
    func configSyntax() throws {
        func problem(_ text: String) throws -> SettingsError? {
            let file = try config(text)
            defer { try? FileManager.default.removeItem(atPath: file) }
            do {
                _ = try DaemonSettings.resolve(
                    flags: options(["--config", file]), rules: nil, pollInterval: nil, systems: [], dryRun: false,
                    environment: ["HOME": "/h"])
                return nil
            } catch let error as SettingsError {
                #expect(error.description.hasPrefix(file + ":"), "\(error)")
                return error
            }
        }
        let unclosed = try #require(try problem("api_url: http://x/v2\nrules: \"/etc/rules.yaml\n"))
        #expect(unclosed.code == .invalidConfig)
        #expect(unclosed.description.contains(":2:"), "\(unclosed)")
        let list = try #require(try problem("- api_url\n- rules\n"))
        #expect(list.description.contains("must be a mapping"), "\(list)")
        let duplicate = try #require(try problem("rules: /a.yaml\nrules: /b.yaml\n"))
        #expect(duplicate.description.contains("rules"), "\(duplicate)")
        #expect(try problem("") == nil)
        #expect(try problem("# only a comment\n") == nil)
    }

    @Test("durations", arguments: [("30s", 30), ("15m", 900), ("4h", 14_400), ("1h30m", 5400), ("2d", 172_800)])
    func durations(text: String, seconds: Int64) {
        #expect(DurationParser.parse(text) == .seconds(seconds))
        #expect(DurationParser.parse(DurationParser.format(.seconds(seconds))) == .seconds(seconds))
    }

    @Test("bad durations", arguments: ["", "15", "s", "1x", "1h 30m", "-5s", ".5s", "5.s", "1.2.3s", "1s1s", "1,5s"])
    func badDurations(text: String) {
        #expect(DurationParser.parse(text) == nil)
    }

    @Test("decimal durations: 1.5s, 2.5m, 0.5h, 1.25s (rounded to the millisecond)")
    func decimalDurations() throws {
        #expect(DurationParser.parse("1.5s") == .milliseconds(1500))
        #expect(DurationParser.parse("2.5m") == .seconds(150))
        #expect(DurationParser.parse("0.5h") == .seconds(1800))
        #expect(DurationParser.parse("1h0.5m") == .seconds(3630))
        #expect(DurationParser.parse("0.0004s") == .zero)
        // A poll interval of 1.5s is accepted (it was refused with a message saying it was not a duration).
        let settings = try DaemonSettings.resolve(
            flags: options([]), rules: nil, pollInterval: "1.5s", systems: [], dryRun: false,
            environment: ["HOME": "/home/u"])
        #expect(settings.pollInterval == .milliseconds(1500))
        #expect(throws: SettingsError.self) {
            try DaemonSettings.resolve(
                flags: options([]), rules: nil, pollInterval: "0.5s", systems: [], dryRun: false,
                environment: ["HOME": "/home/u"])
        }
    }
}
