import ArgumentParser
import PluralKit

/// The `pkfrontd` command: a PluralKit front tracker and automation daemon.
@main
struct PKFrontd: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "pkfrontd",
        abstract: "Track a plural system's front on PluralKit and automate it.",
        discussion: """
            pkfrontd polls PluralKit (https://pluralkit.me) for a system's fronters and switch \
            history, turns changes into events, runs your rule file against them, and reports to \
            the systemd journal.

            Available now: run (tracks the front and writes every event to the journal, as a \
            systemd service; loads and checks --rules), check (checks rule files and reports \
            every problem as file:line:column; the language is described in rules/README.md) and \
            fake-api (a fake PluralKit API for testing). Acting on rules (simulate) and front, \
            history and demo arrive in later releases.
            """,
        version: "pkfrontd \(version) (PluralKit.swift \(PluralKitClient.version))",
        subcommands: [
            RunCommand.self, CheckCommand.self, SimulateCommand.self, WhyCommand.self, PendingCommand.self,
            FakeAPICommand.self,
        ]
    )
}
