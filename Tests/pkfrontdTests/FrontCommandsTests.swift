import Foundation
import FrontEvents
import FrontTracking
import PluralKit
import PluralKitFake
import PluralKitTesting
import Testing

/// `pkfrontd front` and `pkfrontd switch` as a user runs them, against the fake over a socket.
@Suite("pkfrontd front and switch", .serialized)
struct FrontCommandsTests {
    let cli = SimulateCommandTests()

    func run(_ fixture: FakeFixture, _ arguments: [String], token: String? = nil) async throws
        -> SimulateCommandTests.Run
    {
        let folder = NSTemporaryDirectory()
        return try await cli.pkfrontd(
            arguments + [
                "--api-url", fixture.baseURL, "--state-dir", folder + "/pkfrontd-no-state-\(UUID().uuidString)",
            ],
            in: folder, environment: ["PK_TOKEN": token ?? fixture.system.token])
    }

    static func posts(_ fixture: FakeFixture) -> [String] {
        fixture.fake.requestLog.filter { $0.method == "POST" && $0.path.hasSuffix("/switches") }.map { $0.body ?? "" }
    }

    @Test(
        "switch by name: sent once, the same front again sends nothing; --add, --remove, --out, --ago; front shows it")
    func switchAndFront() async throws {
        try await FakeFixture.run(.socket, seed: .demo) { fixture in
            let id = { (name: String) in fixture.system.member(name)?.id ?? "?" }
            let first = try await run(fixture, ["front"])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.hasPrefix("Alex — since "), "\(first.stdout)")
            #expect(first.stdout.hasSuffix(")\n") && first.stdout.contains("\n(from PluralKit, "), "\(first.stdout)")

            let sent = try await run(fixture, ["switch", "Sam", "kit"])
            #expect(sent.status == 0, "\(sent.stderr)")
            #expect(sent.stdout == "Logged a switch to Sam, Kit (was Alex)\n")
            let again = try await run(fixture, ["switch", "Sam", "Kit"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout == "Already fronting: Sam, Kit; nothing sent\n")
            #expect(Self.posts(fixture).count == 1, "the same front twice is one POST: \(Self.posts(fixture))")
            #expect(Self.posts(fixture).first?.contains("\"\(id("Sam"))\",\"\(id("Kit"))\"") == true)

            let json = try await run(fixture, ["front", "--json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            let fronters = try #require(object["fronters"] as? [[String: Any]])
            #expect(fronters.compactMap { $0["id"] as? String } == [id("Sam"), id("Kit")])
            #expect(object["source"] as? String == "api")

            #expect(
                try await run(fixture, ["switch", "--add", "Jordan"]).stdout.hasPrefix(
                    "Logged a switch to Sam, Kit, Jordan"))
            #expect(try await run(fixture, ["switch", "--remove", "Kit", "--quiet"]).stdout == "")
            let now = try await run(fixture, ["front"])
            #expect(now.stdout.hasPrefix("Sam — since "), "\(now.stdout)")
            #expect(now.stdout.contains("\nJordan — since "), "\(now.stdout)")
            #expect(
                try await run(fixture, ["switch", "--out"]).stdout == "Logged a switch to nobody (was Sam, Jordan)\n")
            let nobody = try await run(fixture, ["front"])
            #expect(nobody.stdout.hasPrefix("Nobody is fronting (switch-out at "), "\(nobody.stdout)")
            let late = try await run(fixture, ["switch", "Robin", "--ago", "20m"])
            #expect(late.status == 0, "\(late.stderr)")
            #expect(
                late.stdout.contains("; note: the switch at "), "a later switch still decides the front: \(late.stdout)"
            )
            #expect(Self.posts(fixture).count == 5)
            #expect(Self.posts(fixture).last?.contains("\"timestamp\"") == true)
        }
    }

    @Test("bad input: an unknown member (did you mean), no token, a rejected token, PluralKit down, options that clash")
    func badInput() async throws {
        try await FakeFixture.run(.socket, seed: .demo) { fixture in
            let typo = try await run(fixture, ["switch", "Alx"])
            #expect(typo.status == 2)
            #expect(typo.stderr == "pkfrontd switch: no member named 'Alx' — did you mean 'Alex'?\n")
            let clash = try await run(fixture, ["switch", "Sam", "--out"])
            #expect(clash.status == 2 && clash.stderr.contains("not several"), "\(clash.stderr)")
            let none = try await run(fixture, ["switch"])
            #expect(none.status == 2 && none.stderr.contains("say who fronts"), "\(none.stderr)")
            let future = try await run(fixture, ["switch", "Sam", "--at", "2099-01-01T00:00:00Z"])
            #expect(future.status == 2 && future.stderr.contains("in the future"), "\(future.stderr)")
            let rejected = try await run(
                fixture, ["switch", "Sam"], token: "not-the-token-" + String(repeating: "x", count: 50))
            #expect(rejected.status == 3, "\(rejected.stderr)")
            #expect(rejected.stderr.contains("rejected the token"), "\(rejected.stderr)")
            #expect(Self.posts(fixture).isEmpty)

            let folder = NSTemporaryDirectory()
            let empty = folder + "/pkfrontd-no-state-\(UUID().uuidString)"
            let noToken = try await cli.pkfrontd(
                ["switch", "Sam", "--api-url", fixture.baseURL, "--state-dir", empty], in: folder)
            #expect(noToken.status == 3)
            #expect(noToken.stderr.contains("no token was given"), "\(noToken.stderr)")
            let noFront = try await cli.pkfrontd(
                ["front", "--api-url", fixture.baseURL, "--state-dir", empty], in: folder)
            #expect(noFront.status == 1)
            #expect(noFront.stderr.contains("holds no front the daemon stored"), "\(noFront.stderr)")

            let refusing = try RefusingPort()
            let down = try await cli.pkfrontd(
                ["switch", "Sam", "--api-url", "http://127.0.0.1:\(refusing.port)/v2", "--state-dir", empty],
                in: folder,
                environment: ["PK_TOKEN": fixture.system.token])
            #expect(down.status == 1)
            #expect(
                down.stderr.contains("PluralKit could not be reached at http://127.0.0.1:\(refusing.port)/v2"),
                "\(down.stderr)")
            #expect(!down.stderr.contains(fixture.system.token))
        }
    }

    @Test("front without a token reads the daemon's state directory and says so")
    func frontFromState() async throws {
        try await RulesActTests.scenario("rules: []\n") { fixture, time, scratch, d in
            try fixture.fake.logSwitch(members: ["Kit", "Sam"])
            #expect(
                await RulesActTests.run(d, fixture, seconds: 60) {
                    try d.store.storedFronts().first?.state.front?.members.count == 2
                })
            try await d.stop()
            let shown = try await cli.pkfrontd(["front", "--state-dir", scratch.state], in: scratch.path)
            #expect(shown.status == 0, "\(shown.stderr)")
            #expect(shown.stdout.hasPrefix("Kit — since "), "\(shown.stdout)")
            #expect(shown.stdout.contains("\nSam — since "), "\(shown.stdout)")
            #expect(
                shown.stdout.contains("(from the state directory: what the daemon last recorded, at "),
                "\(shown.stdout)")
            #expect(shown.stdout.contains("no token was given"), "\(shown.stdout)")
            // With a token but PluralKit out of reach: the same, with the reason.
            let refusing = try RefusingPort()
            let down = try await cli.pkfrontd(
                ["front", "--state-dir", scratch.state, "--api-url", "http://127.0.0.1:\(refusing.port)/v2"],
                in: scratch.path, environment: ["PK_TOKEN": fixture.system.token])
            #expect(down.status == 0, "\(down.stderr)")
            #expect(down.stdout.hasPrefix("Kit — since "), "\(down.stdout)")
            #expect(down.stdout.contains("; PluralKit could not be reached at http://127.0.0.1:"), "\(down.stdout)")
        }
    }
}
