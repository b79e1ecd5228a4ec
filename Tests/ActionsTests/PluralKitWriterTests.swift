import Actions
import FrontEvents
import PluralKit
import PluralKitFake
import PluralKitTesting
import Rules
import Testing

@Suite("PluralKitWriter: every field the rule language writes, sent and read back (the fake's demo system)")
struct PluralKitWriterTests {
    /// Every writable field of every target, with a value and then a clearing (or another) value.
    static let fields: [(target: String, values: [String: String?], again: [String: String?])] = [
        (
            "system",
            [
                "name": "Demo", "description": "d", "tag": "| t", "pronouns": "they", "color": "ff8800",
                "avatar_url": "https://example.org/a.png", "banner": "https://example.org/b.png",
            ],
            ["tag": nil, "color": nil, "description": ""]
        ),
        (
            "system_server:Art Club",
            [
                "tag": "| art", "display_name": "Arty", "avatar_url": "https://example.org/c.png",
                "tag_enabled": "false",
                "proxying_enabled": "false",
            ],
            ["display_name": nil, "tag_enabled": "true", "proxying_enabled": "true"]
        ),
        (
            "member:Sam",
            [
                "name": "Sammy", "display_name": "Sam 🌙", "description": "x", "pronouns": "she", "color": "00aa00",
                "avatar_url": "https://example.org/d.png", "webhook_avatar_url": "https://example.org/e.png",
                "banner": "https://example.org/f.png", "birthday": "2000-02-29", "keep_proxy": "true", "tts": "true",
            ],
            ["display_name": nil, "birthday": "03-14", "keep_proxy": "false"]
        ),
        (
            "member_server:Jordan@Work",
            ["display_name": "on shift", "avatar_url": "https://example.org/g.png", "keep_proxy": "true"],
            ["display_name": nil, "avatar_url": nil]
        ),
        ("autoproxy:Work", ["mode": "member", "member": "Kit"], ["mode": "front"]),
    ]

    @Test("each target in one request per write; the values read back are the ones written")
    func everyField() async throws {
        try await FakeFixture.run(seed: .demo) { fixture in
            let members = try await fixture.owner.getMembers()
            let directory = NameDirectory(members: members, groups: try await fixture.owner.getGroups())
            let loaded = RuleLoader(directory: directory).load(
                text: "aliases: { Art Club: \"100000000000000001\", Work: \"100000000000000002\" }\nrules: []\n",
                label: "rules.yaml")
            let rules = try #require(loaded.ruleSet, "\(loaded.diagnostics)")
            let writer = PluralKitWriter(client: fixture.owner)
            let reader = RemoteReader(client: fixture.owner)
            for (target, values, again) in Self.fields {
                let ref = try #require(TargetRef.resolve(target, rules: rules, members: directory.members))
                for round in [values, again] {
                    var sent = round
                    if target.hasPrefix("autoproxy"), let name = round["member"] ?? nil {
                        sent["member"] = .some(fixture.system.member(name)?.id)
                    }
                    fixture.fake.clearRequestLog()
                    try await writer.write(ref, sent)
                    let writes = fixture.fake.requestLog.filter { $0.method != "GET" }
                    #expect(writes.count == 1 && writes.allSatisfy { $0.status == 200 }, "\(target): \(writes)")
                    let keys = Set(sent.keys.map { "\(target).\($0)" })
                    let read = await reader.read(keys, rules: rules, members: directory.members)
                    for (field, value) in sent {
                        let expected: String? = value.flatMap { $0.isEmpty ? nil : $0 }
                        #expect(read["\(target).\(field)"] == .some(expected), "\(target).\(field)")
                    }
                }
            }
        }
    }

    @Test("log_switch: a switch to members by id, and a switch-out; the id comes back for the own-write record")
    func logSwitch() async throws {
        try await FakeFixture.run(seed: .demo) { fixture in
            let writer = PluralKitWriter(client: fixture.owner)
            let kit = try #require(fixture.system.member("Kit")?.id)
            let robin = try #require(fixture.system.member("Robin")?.id)
            let id = try await writer.write(.switchLog, ["members": "\(kit),\(robin)"])
            let front = try await fixture.owner.getFronters()
            #expect(front?.switchID == id)
            #expect(front?.members.map(\.id.rawValue) == [kit, robin])
            _ = try await writer.write(.switchLog, ["members": ""])
            #expect(try await fixture.owner.getFronters()?.members.isEmpty == true)
        }
    }

    @Test("values PluralKit cannot take are refused before sending, saying what is wrong")
    func invalid() async throws {
        try await FakeFixture.run(seed: .demo) { fixture in
            let writer = PluralKitWriter(client: fixture.owner)
            await #expect(throws: PluralKitWriter.InvalidValue.self) {
                try await writer.write(.system, ["color": "orange"])
            }
            await #expect(throws: PluralKitWriter.InvalidValue.self) {
                try await writer.write(.system, ["autoproxy_enabled": "true"])
            }
            await #expect(throws: PluralKitWriter.InvalidValue.self) {
                try await writer.write(.autoproxy(100_000_000_000_000_002), ["mode": "sometimes"])
            }
            #expect(!fixture.fake.requestLog.contains { $0.method != "GET" })
        }
    }
}
