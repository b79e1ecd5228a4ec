#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What the gateway resolved before the request reaches rate limiting and the handler.
struct RouteMatch: Sendable {
    /// Path components after `/v2`.
    var parts: [String]
    var method: String
    /// The authenticated caller's system UUID.
    var caller: String?
    /// The system the path names, if any.
    var system: SystemRecord?
    var member: MemberRecord?
    var group: GroupRecord?
    /// A switch path component as given (checked by the handler).
    var switchRef: String?
    /// Whether the path entity belongs to the caller (own-system rate-limit bucket).
    var ownEntity: Bool
    /// The route's template, e.g. `/v2/systems/{system}/fronters`.
    var template: String
}

extension FakeState {
    static let version = "fake-pluralkit-1"

    /// The gateway part: version checks, authentication, route matching, path-id resolution
    /// and the User-Agent check — in the server's order. Returns a response when the gateway
    /// answers by itself.
    func gateway(_ req: FakeRequest) -> Result<RouteMatch, Reply> {
        let path = req.path
        if req.method == "OPTIONS" { return .failure(Reply(.empty(200))) }
        if path == "/" {
            return .failure(Reply(FakeResponse(status: 302, headers: [("Location", "https://pluralkit.me/api")])))
        }
        if path.hasPrefix("/v1") { return .failure(Reply(.error(410, 0, "Unsupported API version"))) }
        guard path == "/v2" || path.hasPrefix("/v2/") else {
            return .failure(Reply(.error(400, 0, "Unsupported API version")))
        }
        if ["/v2/s", "/v2/m"].contains(path)
            || ["/v2/s/", "/v2/m/", "/v2/a/", "/v2/msg/"].contains(where: path.hasPrefix)
        {
            return .failure(Reply(.error(400, 0, "Invalid path for API version")))
        }
        let parts = path.dropFirst(4).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let caller = req.header("Authorization").flatMap { token in
            systems.first { $0.token != nil && $0.token == token }
        }

        guard let (template, methods) = Self.matchRoute(parts) else { return .failure(Reply(.empty(404))) }
        guard methods.contains(req.method) else { return .failure(Reply(.empty(405))) }

        var match = RouteMatch(
            parts: parts, method: req.method, caller: caller?.uuid, ownEntity: false, template: "/v2" + template)
        do {
            switch parts.first {
            case "systems":
                let system = try resolveSystem(parts[1], caller: caller)
                match.system = system
                match.ownEntity = caller?.uuid == system.uuid
                if parts.count >= 4, parts[2] == "switches" {
                    match.switchRef = parts[3]
                    // The gateway resolves a switch UUID itself (before the owner and User-Agent
                    // checks): one that exists nowhere is 404 20007 there. A malformed one goes on
                    // to the handler's 400 40006 — the real gateway's Postgres cast probably fails
                    // with a 500 first [inferred in the reference]; the fake keeps .NET's answer.
                    let ref = parts[3].lowercased()
                    if Self.isUUID(ref), !switches.contains(where: { $0.uuid == ref }) {
                        return .failure(Reply(.error(404, 20007, "Switch not found.")))
                    }
                }
            case "members" where parts.count >= 2:
                let member = try resolveMember(parts[1])
                match.member = member
                match.ownEntity = caller?.uuid == member.system
            case "groups" where parts.count >= 2:
                let group = try resolveGroup(parts[1])
                match.group = group
                match.ownEntity = caller?.uuid == group.system
            default: break
            }
        } catch let reply as Reply {
            return .failure(reply)
        } catch {
            return .failure(Reply(.error(500, 0, "500: Internal Server Error")))
        }
        if req.header("User-Agent") == nil { return .failure(Reply(.empty(400))) }
        return .success(match)
    }

    static let routes: [(String, Set<String>)] = [
        ("/systems/{system}", ["GET", "PATCH"]),
        ("/systems/{system}/settings", ["GET", "PATCH"]),
        ("/systems/{system}/guilds/{guild}", ["GET", "PATCH"]),
        ("/systems/{system}/autoproxy", ["GET", "PATCH"]),
        ("/systems/{system}/members", ["GET"]),
        ("/systems/{system}/groups", ["GET"]),
        ("/systems/{system}/fronters", ["GET"]),
        ("/systems/{system}/switches", ["GET", "POST"]),
        ("/systems/{system}/switches/{switch}", ["GET", "PATCH", "DELETE"]),
        ("/systems/{system}/switches/{switch}/members", ["PATCH"]),
        ("/systems/{system}/oembed.json", ["GET"]),
        ("/members", ["POST"]),
        ("/members/{member}", ["GET", "PATCH", "DELETE"]),
        ("/members/{member}/groups", ["GET"]),
        ("/members/{member}/groups/add", ["POST"]),
        ("/members/{member}/groups/remove", ["POST"]),
        ("/members/{member}/groups/overwrite", ["POST"]),
        ("/members/{member}/guilds/{guild}", ["GET", "PATCH"]),
        ("/members/{member}/oembed.json", ["GET"]),
        ("/groups", ["POST"]),
        ("/groups/{group}", ["GET", "PATCH", "DELETE"]),
        ("/groups/{group}/members", ["GET"]),
        ("/groups/{group}/members/add", ["POST"]),
        ("/groups/{group}/members/remove", ["POST"]),
        ("/groups/{group}/members/overwrite", ["POST"]),
        ("/groups/{group}/oembed.json", ["GET"]),
        ("/messages/{message}", ["GET"]),
    ]

    static func matchRoute(_ parts: [String]) -> (String, Set<String>)? {
        for (template, methods) in routes {
            let t = template.dropFirst().split(separator: "/").map(String.init)
            guard t.count == parts.count else { continue }
            let matches = zip(t, parts).allSatisfy { tp, p in
                tp.hasPrefix("{") ? !p.isEmpty : tp == p
            }
            if matches { return (template, methods) }
        }
        return nil
    }

    static func isUUID(_ s: String) -> Bool { UUID(uuidString: s) != nil }

    static func normalisedShortID(_ s: String) -> String? {
        guard (5...7).contains(s.count) else { return nil }
        let id = String(s.lowercased().filter { $0 != "-" })
        guard (5...6).contains(id.count), id.allSatisfy({ $0 >= "a" && $0 <= "z" }) else { return nil }
        return id
    }

    func resolveSystem(_ ref: String, caller: SystemRecord?) throws -> SystemRecord {
        let notFound = Reply(.error(404, 20001, "System not found."))
        if ref == "@me" {
            guard let caller else { throw Reply(.unauthorized) }
            return caller
        }
        if Self.isUUID(ref) {
            guard let s = systems.first(where: { $0.uuid == ref.lowercased() }) else { throw notFound }
            return s
        }
        if !ref.isEmpty, ref.allSatisfy(\.isNumber), ref.allSatisfy(\.isASCII) {
            guard let account = UInt64(ref), let s = systems.first(where: { $0.accounts.contains(account) }) else {
                throw notFound
            }
            return s
        }
        guard let id = Self.normalisedShortID(ref), let s = systems.first(where: { $0.id == id }) else {
            throw notFound
        }
        return s
    }

    func resolveMember(_ ref: String) throws -> MemberRecord {
        if Self.isUUID(ref), let m = members.first(where: { $0.uuid == ref.lowercased() }) { return m }
        if let id = Self.normalisedShortID(ref), let m = members.first(where: { $0.id == id }) { return m }
        throw Reply(.error(404, 20002, "Member not found."))
    }

    func resolveGroup(_ ref: String) throws -> GroupRecord {
        if Self.isUUID(ref), let g = groups.first(where: { $0.uuid == ref.lowercased() }) { return g }
        if let id = Self.normalisedShortID(ref), let g = groups.first(where: { $0.id == id }) { return g }
        throw Reply(.error(404, 20004, "Group not found."))
    }

    /// Body refs are matched exactly (lowercase short id or lowercase UUID) among the caller's own.
    func exactMember(_ ref: String, of system: String) -> MemberRecord? {
        members.first { $0.system == system && ($0.id == ref || $0.uuid == ref) }
    }

    func exactGroup(_ ref: String, of system: String) -> GroupRecord? {
        groups.first { $0.system == system && ($0.id == ref || $0.uuid == ref) }
    }

    /// The rate-limit scope name (internal, as in the 429 body) of a matched route.
    static func scope(method: String) -> String { method == "GET" ? "generic_get" : "generic_update" }
}

// MARK: - Handlers (the .NET part)

extension FakeState {
    mutating func execute(_ m: RouteMatch, _ req: FakeRequest, now: FakeTime) throws -> FakeResponse {
        let caller = m.caller
        switch (m.method, m.template) {
        case ("GET", "/v2/systems/{system}"):
            return .json(systemJSON(m.system!, owner: m.ownEntity))
        case ("PATCH", "/v2/systems/{system}"):
            return try patchSystem(m, req)
        case ("GET", "/v2/systems/{system}/settings"):
            return .json(
                m.ownEntity ? Self.ownerSettingsGET(m.system!.settings) : Self.publicSettings(m.system!.settings))
        case ("PATCH", "/v2/systems/{system}/settings"):
            return try patchSettings(m, req)
        case ("GET", "/v2/systems/{system}/guilds/{guild}"), ("PATCH", "/v2/systems/{system}/guilds/{guild}"):
            return try systemGuild(m, req)
        case ("GET", "/v2/systems/{system}/autoproxy"), ("PATCH", "/v2/systems/{system}/autoproxy"):
            return try autoproxySettings(m, req)
        case ("GET", "/v2/systems/{system}/members"):
            let s = m.system!
            if !m.ownEntity, Self.isPrivate(s.privacy, "member_list_privacy") {
                throw Reply(.error(403, 30001, "Unauthorized to view member list"))
            }
            let list = members.filter {
                $0.system == s.uuid && (m.ownEntity || !Self.isPrivate($0.privacy, "visibility"))
            }
            return .json(.array(list.map { memberJSON($0, owner: m.ownEntity) }))
        case ("GET", "/v2/systems/{system}/groups"):
            let s = m.system!
            if !m.ownEntity, Self.isPrivate(s.privacy, "group_list_privacy") {
                throw Reply(.error(403, 30002, "Unauthorized to view group list"))
            }
            let withMembers = req.queryItems["with_members"]?.lowercased() == "true"
            let list = groups.filter {
                $0.system == s.uuid && (m.ownEntity || !Self.isPrivate($0.privacy, "visibility"))
            }
            return .json(.array(list.map { groupJSON($0, owner: m.ownEntity, withMembers: withMembers) }))
        case ("GET", "/v2/systems/{system}/fronters"):
            let s = m.system!
            if !m.ownEntity, Self.isPrivate(s.privacy, "front_privacy") {
                throw Reply(.error(403, 30004, "Unauthorized to view current fronters."))
            }
            guard let latest = switches(of: s.uuid).last else { return .noContent }
            return .json(fullSwitchJSON(latest, owner: m.ownEntity))
        case ("GET", "/v2/systems/{system}/switches"):
            return try switchHistory(m, req, now: now)
        case ("POST", "/v2/systems/{system}/switches"):
            return try createSwitch(m, req, now: now)
        case ("GET", "/v2/systems/{system}/switches/{switch}"), ("PATCH", "/v2/systems/{system}/switches/{switch}"),
            ("DELETE", "/v2/systems/{system}/switches/{switch}"):
            return try oneSwitch(m, req)
        case ("PATCH", "/v2/systems/{system}/switches/{switch}/members"):
            return try patchSwitchMembers(m, req)
        case ("GET", "/v2/systems/{system}/oembed.json"):
            return .json(oembed("System", systemJSON(m.system!, owner: false)["name"]?.stringValue ?? m.system!.id))
        case ("POST", "/v2/members"):
            return try createMember(caller, req, now: now)
        case ("GET", "/v2/members/{member}"):
            return .json(memberJSON(m.member!, owner: m.ownEntity))
        case ("PATCH", "/v2/members/{member}"):
            return try patchMember(m, req)
        case ("DELETE", "/v2/members/{member}"):
            try requireOwnMember(m)
            deleteMember(uuid: m.member!.uuid)
            return .noContent
        case ("GET", "/v2/members/{member}/groups"):
            let member = m.member!
            let owner = system(uuid: member.system)
            if !m.ownEntity, let owner, Self.isPrivate(owner.privacy, "group_list_privacy") {
                throw Reply(.error(403, 30002, "Unauthorized to view group list"))
            }
            let list = groups.filter {
                $0.members.contains(member.uuid) && (m.ownEntity || !Self.isPrivate($0.privacy, "visibility"))
            }
            return .json(.array(list.map { groupJSON($0, owner: m.ownEntity, withMembers: false) }))
        case ("POST", "/v2/members/{member}/groups/add"), ("POST", "/v2/members/{member}/groups/remove"),
            ("POST", "/v2/members/{member}/groups/overwrite"):
            return try memberGroups(m, req)
        case ("GET", "/v2/members/{member}/guilds/{guild}"), ("PATCH", "/v2/members/{member}/guilds/{guild}"):
            return try memberGuild(m, req)
        case ("GET", "/v2/members/{member}/oembed.json"):
            return .json(oembed("Member", memberJSON(m.member!, owner: false)["name"]?.stringValue ?? ""))
        case ("POST", "/v2/groups"):
            return try createGroup(caller, req, now: now)
        case ("GET", "/v2/groups/{group}"):
            return .json(groupJSON(m.group!, owner: m.ownEntity, withMembers: false))
        case ("PATCH", "/v2/groups/{group}"):
            return try patchGroup(m, req)
        case ("DELETE", "/v2/groups/{group}"):
            try requireOwnGroup(m)
            groups.removeAll { $0.uuid == m.group!.uuid }
            return .noContent
        case ("GET", "/v2/groups/{group}/members"):
            let g = m.group!
            if !m.ownEntity, Self.isPrivate(g.privacy, "list_privacy") {
                throw Reply(.error(403, 30003, "Unauthorized to view group member list"))
            }
            let list = g.members.compactMap { member(uuid: $0) }
                .filter { m.ownEntity || !Self.isPrivate($0.privacy, "visibility") }
            return .json(.array(list.map { memberJSON($0, owner: m.ownEntity) }))
        case ("POST", "/v2/groups/{group}/members/add"), ("POST", "/v2/groups/{group}/members/remove"),
            ("POST", "/v2/groups/{group}/members/overwrite"):
            return try groupMembers(m, req)
        case ("GET", "/v2/groups/{group}/oembed.json"):
            return .json(
                oembed("Group", groupJSON(m.group!, owner: false, withMembers: false)["name"]?.stringValue ?? ""))
        case ("GET", "/v2/messages/{message}"):
            return try message(m, caller: caller, now: now)
        default:
            return .empty(404)
        }
    }

    func oembed(_ kind: String, _ title: String) -> JSON {
        .object([
            ("type", "rich"), ("provider_name", .string("PluralKit \(kind)")), ("provider_url", "https://pluralkit.me"),
            ("title", .string(title)),
        ])
    }

    func requireOwnMember(_ m: RouteMatch) throws {
        guard m.caller != nil else { throw Reply(.unauthorized) }
        guard m.ownEntity else { throw Reply(.error(403, 30006, "Target member is not part of your system.")) }
    }

    func requireOwnGroup(_ m: RouteMatch) throws {
        guard m.caller != nil else { throw Reply(.unauthorized) }
        guard m.ownEntity else { throw Reply(.error(403, 30007, "Target group is not part of your system.")) }
    }

    static func guildID(_ s: String) throws -> UInt64 {
        guard let id = UInt64(s) else { throw Reply(.badRequest) }
        return id
    }
}
