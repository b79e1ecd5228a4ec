import Foundation
import NIOHTTP1
import PluralKit
import PluralKitFake
import PluralKitTesting
import Testing

/// The example payloads, read from the client tests' fixtures (copied from the reference).
func example(_ name: String) throws -> JSON {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("PluralKitTests/Fixtures/\(name)")
    return try #require(JSON.parse(Array(try Data(contentsOf: url))))
}

/// Compares key order of objects recursively (values aside); arrays by their first elements.
func sameShape(_ a: JSON, _ b: JSON, path: String = "$") -> [String] {
    switch (a, b) {
    case (.object, .object):
        var problems: [String] = []
        if a.keys != b.keys { problems.append("\(path): keys \(a.keys) vs \(b.keys)") }
        for key in a.keys where b[key] != nil {
            problems += sameShape(a[key]!, b[key]!, path: path + "." + key)
        }
        return problems
    case (.array(let x), .array(let y)):
        guard let first = x.first, let other = y.first else { return [] }
        return sameShape(first, other, path: path + "[0]")
    default:
        return []
    }
}

@Suite("Fidelity: the fake answers like the examples")
struct FidelityTests {
    func check(_ fixture: String, _ reply: RawReply, status: Int, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        #expect(reply.status == status, sourceLocation: sourceLocation)
        let got = try #require(
            JSON.parse(reply.body), "\(fixture): not JSON: \(reply.body)", sourceLocation: sourceLocation)
        let problems = sameShape(try example(fixture), got)
        #expect(problems.isEmpty, "\(fixture): \(problems)", sourceLocation: sourceLocation)
    }

    @Test("models: system, member, groups, switches, fronters, settings, autoproxy, message")
    func models() async throws {
        try await withFake(demo: true) { env in
            let token = env.system.token
            let base = env.baseURL
            let alex = env.system.member("Alex")!.id
            try await env.owner.updateMember(
                MemberID(alex)!,
                MemberUpdate(
                    birthday: .set(Birthday(month: 3, day: 14)!),
                    proxyTags: .set([ProxyTag(prefix: "r:")!, ProxyTag(prefix: "[", suffix: "]")!])))
            try check("system-owner.json", try await raw(.GET, base + "/systems/@me", token: token), status: 200)
            try check("system-public-view.json", try await raw(.GET, base + "/systems/\(env.system.id)"), status: 200)
            try check("member-owner.json", try await raw(.GET, base + "/members/\(alex)", token: token), status: 200)
            try check("member-public-view.json", try await raw(.GET, base + "/members/\(alex)"), status: 200)
            try check(
                "groups-list-with-members.json",
                try await raw(.GET, base + "/systems/@me/groups?with_members=true", token: token), status: 200)
            try env.fake.logSwitch(members: [])
            try env.fake.logSwitch(members: ["Alex", "Sam"])
            try check(
                "switches-list.json", try await raw(.GET, base + "/systems/@me/switches", token: token), status: 200)
            try check("fronters.json", try await raw(.GET, base + "/systems/\(env.system.id)/fronters"), status: 200)
            try check(
                "system-settings-owner.json", try await raw(.GET, base + "/systems/@me/settings", token: token),
                status: 200)
            _ = try await raw(
                .PATCH, base + "/systems/@me/autoproxy?guild_id=1", token: token,
                body: #"{"autoproxy_mode":"member","autoproxy_member":"\#(alex)"}"#)
            try check(
                "autoproxy-settings.json",
                try await raw(.GET, base + "/systems/@me/autoproxy?guild_id=1", token: token), status: 200)
            let id = (UInt64(Date().timeIntervalSince1970 * 1000) - 1_420_070_400_000) << 22
            try env.fake.addMessage(id: id, original: id - 1, sender: 1, channel: 2, guild: 3, member: "Alex")
            try check("message.json", try await raw(.GET, base + "/messages/\(id)"), status: 200)
        }
    }

    @Test("errors: 400, 40001, 40004, 401, 403, 404, 501")
    func errors() async throws {
        try await withFake(demo: true) { env in
            let token = env.system.token
            let base = env.baseURL
            let alex = env.system.member("Alex")!.id
            try check(
                "error-400-generic-bad-request.json",
                try await raw(.PATCH, base + "/members/\(alex)", token: token, body: "{}"), status: 400)
            try check(
                "error-400-model-parse-too-long.json",
                try await raw(
                    .PATCH, base + "/members/\(alex)", token: token,
                    body: #"{"name":"\#(String(repeating: "a", count: 123))","color":"zz"}"#),
                status: 400)
            try check(
                "error-400-same-switch-members.json",
                try await raw(.POST, base + "/systems/@me/switches", token: token, body: #"{"members":["\#(alex)"]}"#),
                status: 400)
            try check("error-401-missing-auth.json", try await raw(.GET, base + "/systems/@me"), status: 401)
            try check(
                "error-403-missing-permissions.json",
                try await raw(.PATCH, base + "/systems/\(env.system.id)", body: #"{"tag":"x"}"#), status: 403)
            try check("error-404-system-not-found.json", try await raw(.GET, base + "/systems/zzzzzz"), status: 404)
            try check(
                "error-501-autoproxy-unimplemented.json",
                try await raw(.GET, base + "/systems/@me/autoproxy", token: token), status: 501)
            // Exact bodies too, not only keys.
            #expect(
                try await raw(.GET, base + "/systems/@me").body
                    == #"{"message":"401: Missing or invalid Authorization header","code":0}"#)
            #expect(
                try await raw(.GET, base + "/systems/zzzzzz").body == #"{"message":"System not found.","code":20001}"#)
        }
    }
}
