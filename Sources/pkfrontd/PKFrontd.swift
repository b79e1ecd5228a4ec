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

            Commands: run (the daemon: tracks the front, runs the rules and carries out their \
            actions, writes every event to the journal, as a systemd service), check (checks rule \
            files and reports every problem as file:line:column; the language is described in \
            rules/README.md), simulate (what rules would do on a scripted front story), why and \
            pending (what the rules did and will do, from the daemon's state), front (who fronts, \
            since when), switch (log a switch by name) and fake-api (a fake PluralKit API for \
            testing). History, stats and demo arrive in later releases.

            Example: pkfrontd front
            """,
        version: "pkfrontd \(version) (PluralKit.swift \(PluralKitClient.version))",
        subcommands: [
            RunCommand.self, CheckCommand.self, SimulateCommand.self, WhyCommand.self, PendingCommand.self,
            FrontCommand.self, SwitchCommand.self,
            FakeAPICommand.self,
        ]
    )
}
