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
            systemd service) and fake-api (a fake PluralKit API for testing). The rule file \
            (check, simulate) and front, history and demo arrive in later releases.
            """,
        version: "pkfrontd \(version) (PluralKit.swift \(PluralKitClient.version))",
        subcommands: [RunCommand.self, CheckCommand.self, FakeAPICommand.self]
    )
}
