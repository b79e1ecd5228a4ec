import Foundation
import NIOHTTP1
import PluralKit
import PluralKitFake
import PluralKitTesting
import Testing

/// `pkfrontd fake-api` run as a process, as scripts and other clients use it.
struct FakeAPIProcess {
    let process: Process
    let baseURL: String
    let token: String

    /// The built `pkfrontd` next to the test bundle.
    static var binary: URL {
        get throws { try #require(BuiltProducts.url(of: "pkfrontd"), "pkfrontd not built") }
    }

    static func start(_ arguments: [String]) async throws -> FakeAPIProcess {
        let process = Process()
        process.executableURL = try binary
        process.arguments = ["fake-api"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String, any Error>) in
            DispatchQueue.global().async {
                var bytes: [UInt8] = []
                while true {
                    let chunk = out.fileHandleForReading.readData(ofLength: 1)
                    if chunk.isEmpty || chunk.first == 10 { break }
                    bytes.append(contentsOf: chunk)
                }
                continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
            }
        }
        let json = try #require(JSON.parse(line), "not a JSON line: \(line)")
        #expect(json.keys == ["base_url", "token"])
        return FakeAPIProcess(
            process: process, baseURL: try #require(json["base_url"]?.stringValue),
            token: try #require(json["token"]?.stringValue))
    }

    /// Sends SIGTERM and waits for the exit; returns the exit status.
    func stop() async -> Int32 {
        process.terminate()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                process.waitUntilExit()
                continuation.resume()
            }
        }
        return process.terminationStatus
    }
}

@Suite("fake-api as a process", .serialized)
struct FakeAPIProcessTests {
    @Test("prints its JSON line, serves the seeded system, stops cleanly on SIGTERM")
    func basics() async throws {
        let server = try await FakeAPIProcess.start(["--seed", "5"])
        #expect(server.baseURL.hasPrefix("http://127.0.0.1:") && server.baseURL.hasSuffix("/v2"))
        #expect(server.token.count == 64)
        let reply = try await raw(.GET, server.baseURL + "/systems/@me", token: server.token)
        #expect(reply.status == 200)
        let id = JSON.parse(reply.body)?["id"]?.stringValue
        #expect(await server.stop() == 0)
        #expect(!server.process.isRunning)

        // The same seed gives the same system and token.
        let again = try await FakeAPIProcess.start(["--seed", "5"])
        #expect(again.token == server.token)
        #expect(
            JSON.parse(try await raw(.GET, again.baseURL + "/systems/@me", token: again.token).body)?["id"]?.stringValue
                == id)
        #expect(await again.stop() == 0)

        // Another seed, another system.
        let other = try await FakeAPIProcess.start(["--seed", "6"])
        #expect(other.token != server.token)
        #expect(await other.stop() == 0)
    }

    @Test("--token and --demo; the client works against it")
    func tokenAndDemo() async throws {
        let token = "MyTestToken0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP+"
        let server = try await FakeAPIProcess.start(["--demo", "--token", token])
        #expect(server.token == token)
        let client = PluralKitClient(token: Token(token), configuration: FakeEnv.configuration(server.baseURL))
        let names = try await client.getMembers().map(\.name)
        #expect(Set(["Alex", "Sam", "Kit", "Jordan", "Robin"]).isSubset(of: Set(names)))
        let littles = try await client.getGroups(withMembers: true).first { $0.name == "Littles" }
        #expect(littles?.members?.count == 2)
        #expect(try await client.getSystemGuildSettings(guild: 100_000_000_000_000_001).proxyingEnabled == true)
        #expect(try await client.getSystemGuildSettings(guild: 100_000_000_000_000_002).tagEnabled == true)
        #expect(try await client.getFronters()?.members.map(\.name) == ["Alex"])
        try await client.shutdown()
        #expect(await server.stop() == 0)
    }

    @Test("the /_control/ interface over HTTP and the request log")
    func control() async throws {
        let server = try await FakeAPIProcess.start(["--seed", "9"])
        let root = server.baseURL.replacingOccurrences(of: "/v2", with: "")
        let state = try #require(JSON.parse(try await raw(.GET, root + "/_control/state").body))
        let members = try #require(state["systems"]?.arrayValue?.first?["members"]?.arrayValue)
        let first = try #require(members.first?["name"]?.stringValue)
        let logged = try await raw(
            .POST, root + "/_control/switches", body: #"{"members":["\#(first)"],"timestamp":"2024-01-01T00:00:00Z"}"#)
        #expect(logged.status == 200)
        let switchID = try #require(JSON.parse(logged.body)?["id"]?.stringValue)
        let fronters = try await raw(.GET, server.baseURL + "/systems/@me/fronters", token: server.token)
        #expect(JSON.parse(fronters.body)?["id"]?.stringValue == switchID)
        #expect(
            try await raw(
                .PATCH, root + "/_control/switches/\(switchID)", body: #"{"timestamp":"2024-01-02T00:00:00Z"}"#
            ).status == 200)
        #expect(try await raw(.DELETE, root + "/_control/switches/\(switchID)").status == 204)
        #expect(try await raw(.GET, server.baseURL + "/systems/@me/fronters", token: server.token).status == 204)
        #expect(
            try await raw(.POST, root + "/_control/guild-settings", body: #"{"guild_id":"77","tag":"T"}"#).status == 204
        )
        #expect(try await raw(.GET, server.baseURL + "/systems/@me/guilds/77", token: server.token).status == 200)
        let log = try #require(JSON.parse(try await raw(.GET, root + "/_control/requests").body)?.arrayValue)
        #expect(log.map { $0["status"]?.intValue } == [200, 204, 200])
        #expect(log.first?["path"]?.stringValue == "/v2/systems/@me/fronters")
        #expect(try await raw(.DELETE, root + "/_control/requests").status == 204)
        #expect(JSON.parse(try await raw(.GET, root + "/_control/requests").body)?.arrayValue?.isEmpty == true)
        let unknown = try await raw(.POST, root + "/_control/nothing")
        #expect(unknown.status == 404)
        #expect(await server.stop() == 0)
    }
}
