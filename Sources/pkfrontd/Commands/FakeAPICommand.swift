import ArgumentParser
import Hummingbird
import PluralKitFake
import UnixSignals

#if canImport(Glibc)
    import Glibc
#endif

/// `pkfrontd fake-api`: serves the fake PluralKit API for tests, demos and other clients.
struct FakeAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-api",
        abstract: "Serve an in-memory fake of the PluralKit API v2 on loopback.",
        discussion: """
            Prints one JSON line {"base_url": "http://127.0.0.1:PORT/v2", "token": "…"} once it \
            listens, then serves until stopped (SIGINT or SIGTERM). Point a client at base_url and \
            send the token as its Authorization header. Scenarios are driven through the control \
            interface under /_control/ (state, seed, demo, switches, members, guild-settings, \
            accounts, messages, privacy, requests).

            It is a test tool: the control interface is unauthenticated and hands out every \
            system's token (GET /_control/state). It listens on 127.0.0.1 only.
            """)

    @Option(help: "The port to listen on (0 picks a free one).")
    var port: Int = 0

    @Option(help: "The system's API token (default: generated from the seed).")
    var token: String?

    @Option(help: "Seed for the generated system; the same seed gives the same system.")
    var seed: UInt64 = 1

    @Flag(help: "Serve the demo system (Alex, Sam, Kit, Jordan, Robin, …; group Littles; servers Art Club and Work).")
    var demo = false

    @Option(help: "Members of the generated system (without --demo).")
    var members: Int = 8

    @Option(help: "Groups of the generated system (without --demo).")
    var groups: Int = 2

    func run() async throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        let fake = FakePluralKit()
        let system =
            demo
            ? fake.loadDemo(token: token)
            : fake.seed(seed, members: members, groups: groups, token: token)
        let app = fake.application(port: port) { bound in
            print(#"{"base_url": "http://127.0.0.1:\#(bound)/v2", "token": "\#(system.token)"}"#)
            fflush(nil)
        }
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }
}
