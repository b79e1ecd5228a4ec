import Synchronization

/// The HTTP control interface under `/_control/` (outside `/v2`), for scenarios driven from
/// other processes. Bodies and replies are JSON; errors are `{"error": "…"}` with status 400/404.
///
/// | request | effect |
/// |---|---|
/// | `GET /_control/state` | systems (id, uuid, token, members, groups) and switches |
/// | `POST /_control/reset` | forget everything |
/// | `POST /_control/seed` `{"seed":1,"members":8,"groups":2,"token":"…"?,"legacy_ids":false?}` | add a seeded system (5-letter ids with `legacy_ids`) |
/// | `POST /_control/demo` `{"token":"…"?}` | add the demo system |
/// | `POST /_control/switches` `{"system"?,"members":[ref…],"timestamp"?}` | log a switch as the bot |
/// | `PATCH /_control/switches/{id}` `{"members"?,"timestamp"?}` | edit or move a switch |
/// | `DELETE /_control/switches/{id}` | delete a switch |
/// | `DELETE /_control/switches?system=ref` | delete all switches |
/// | `DELETE /_control/members/{ref}` | delete a member |
/// | `POST /_control/guild-settings` `{"system"?,"guild_id","tag"?,"display_name"?}` | create a system guild row |
/// | `POST /_control/member-guild-settings` `{"member","guild_id","display_name"?}` | create a member guild row |
/// | `POST /_control/accounts` `{"system"?,"account_id"}` | link a Discord account |
/// | `POST /_control/messages` `{"id","original"?,"sender","channel","guild"?,"member"?}` | record a proxied message |
/// | `POST /_control/privacy` `{"kind":"system|member|group","ref","values":{key:value}}` | set privacy |
/// | `GET /_control/requests` / `DELETE /_control/requests` | read / clear the request log |
/// | `GET /_control/ratelimit`, `POST /_control/ratelimit` `{"enabled"?,"strict"?,"get_rate"?,"update_rate"?,"reset_unit":"s|ms"?}` | read / change the limiter |
/// | `POST /_control/faults` `{"kind","count"?,"probability"?,"path_contains"?,"method"?,"seconds"?,"retry_after"?}` | inject a fault (`count: null` = until cleared) |
/// | `GET /_control/faults`, `DELETE /_control/faults` | list / clear pending faults |
///
/// Member refs are ids, UUIDs or names; `system` is an id, UUID or token (default: the first).
extension FakePluralKit {
    func control(_ request: FakeRequest) -> FakeResponse {
        let parts = request.path.split(separator: "/").map(String.init).dropFirst()
        let parsed = JSON.parse(request.body)
        let body = parsed ?? .object([])
        if parsed == nil, request.body.contains(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) {
            return .json(.object([("error", .string("the body is not valid JSON"))]), status: 400)
        }
        /// A list of member references (short ids, UUIDs or names); nil when the key is absent.
        func memberList(_ key: String) throws -> [String]? {
            guard let value = body[key] else { return nil }
            guard let items = value.arrayValue else {
                throw FakeError(
                    .invalidInput, "'\(key)' must be a list of member references (an empty list logs a switch-out)")
            }
            return try items.map {
                guard let ref = $0.stringValue else {
                    throw FakeError(.invalidInput, "'\(key)' must hold only strings (member ids, UUIDs or names)")
                }
                return ref
            }
        }
        func str(_ key: String) -> String? { body[key]?.stringValue }
        func flake(_ key: String) -> UInt64? {
            body[key]?.stringValue.flatMap(UInt64.init) ?? body[key]?.intValue.map { UInt64($0) }
        }
        func time(_ key: String) throws -> FakeTime? {
            guard let text = str(key) else { return nil }
            guard let t = FakeTime.parse(text, lenient: true) else {
                throw FakeError(.invalidInput, "bad timestamp \(text)")
            }
            return t
        }
        do {
            let resource = parts.first ?? ""
            let id = parts.count > 1 ? parts[parts.startIndex + 1] : nil
            switch (request.method, resource, id) {
            case ("GET", "state", nil):
                return .json(stateJSON())
            case ("POST", "reset", nil):
                reset()
                return .json(.object([("ok", true)]))
            case ("POST", "seed", nil):
                try refuseTakenToken(str("token"))
                let seeded = seed(
                    UInt64(body["seed"]?.intValue ?? 1), members: Int(body["members"]?.intValue ?? 8),
                    groups: Int(body["groups"]?.intValue ?? 2), token: str("token"),
                    legacyIDs: body["legacy_ids"]?.boolValue ?? false)
                return .json(seeded.json)
            case ("POST", "demo", nil):
                try refuseTakenToken(str("token"))
                return .json(loadDemo(token: str("token")).json)
            case ("POST", "switches", nil):
                guard let refs = try memberList("members") else {
                    throw FakeError(
                        .invalidInput, "'members' is required: a list of member references ([] for a switch-out)")
                }
                let record = try logSwitch(system: str("system"), members: refs, at: try time("timestamp"))
                return .json(Self.switchJSON(record))
            case ("PATCH", "switches", let id?):
                let refs = try memberList("members")
                return .json(Self.switchJSON(try editSwitch(id, members: refs, timestamp: try time("timestamp"))))
            case ("DELETE", "switches", let id?):
                try deleteSwitch(id)
                return .noContent
            case ("DELETE", "switches", nil):
                try deleteAllSwitches(system: request.queryItems["system"])
                return .noContent
            case ("DELETE", "members", let ref?):
                try deleteMember(ref)
                return .noContent
            case ("POST", "guild-settings", nil):
                guard let guild = flake("guild_id") else { throw FakeError(.invalidInput, "guild_id is required") }
                try addSystemGuildSettings(
                    system: str("system"), guild: guild, tag: str("tag"), displayName: str("display_name"))
                return .noContent
            case ("POST", "member-guild-settings", nil):
                guard let guild = flake("guild_id"), let member = str("member") else {
                    throw FakeError(.invalidInput, "member and guild_id are required")
                }
                try addMemberGuildSettings(member: member, guild: guild, displayName: str("display_name"))
                return .noContent
            case ("POST", "accounts", nil):
                guard let account = flake("account_id") else {
                    throw FakeError(.invalidInput, "account_id is required")
                }
                try linkAccount(account, system: str("system"))
                return .noContent
            case ("POST", "messages", nil):
                guard let id = flake("id"), let sender = flake("sender"), let channel = flake("channel") else {
                    throw FakeError(.invalidInput, "id, sender and channel are required")
                }
                try addMessage(
                    id: id, original: flake("original"), sender: sender, channel: channel, guild: flake("guild"),
                    member: str("member"))
                return .noContent
            case ("POST", "privacy", nil):
                guard let kind = str("kind"), let ref = str("ref"), case .object(let pairs)? = body["values"] else {
                    throw FakeError(.invalidInput, "kind, ref and values are required")
                }
                try setPrivacy(kind, ref, Dictionary(pairs.compactMap { k, v in v.stringValue.map { (k, $0) } }) { $1 })
                return .noContent
            case ("GET", "ratelimit", nil):
                return .json(rateLimits.json)
            case ("POST", "ratelimit", nil):
                var settings = rateLimits
                if let v = body["enabled"]?.boolValue { settings.enabled = v }
                if let v = body["strict"]?.boolValue { settings.strict = v }
                if let v = body["get_rate"].flatMap(Self.number) { settings.getRate = v }
                if let v = body["update_rate"].flatMap(Self.number) { settings.updateRate = v }
                if let v = str("reset_unit") { settings.resetInMilliseconds = v == "ms" }
                guard
                    [settings.getRate, settings.updateRate].allSatisfy({ $0.isFinite && $0 >= 0.001 && $0 <= 1_000_000 }
                    )
                else {
                    throw FakeError(
                        .invalidInput, "get_rate and update_rate must be between 0.001 and 1000000 requests per second")
                }
                rateLimits = settings
                return .json(settings.json)
            case ("GET", "faults", nil):
                return .json(.array(pendingFaults.map(\.json)))
            case ("POST", "faults", nil):
                guard let kind = Fault.Kind.parse(body) else {
                    throw FakeError(
                        .invalidInput,
                        "kind must be server_error, bad_gateway, malformed_json, truncated_body, connection_reset, delay, token_revoked, rate_limited or bad_request"
                    )
                }
                let fault = Fault(
                    kind, count: body["count"].map { $0.intValue.map(Int.init) } ?? 1,
                    probability: body["probability"].flatMap(Self.number), pathContains: str("path_contains"),
                    method: str("method"))
                inject(fault)
                return .json(fault.json)
            case ("DELETE", "faults", nil):
                clearFaults()
                return .noContent
            case ("GET", "requests", nil):
                return .json(.array(requestLog.map(\.json)))
            case ("DELETE", "requests", nil):
                clearRequestLog()
                return .noContent
            default:
                return .json(
                    .object([("error", .string("unknown control request \(request.method) \(request.path)"))]),
                    status: 404)
            }
        } catch {
            return .json(.object([("error", .string("\(error)"))]), status: 400)
        }
    }

    /// Two systems never share a token.
    func refuseTakenToken(_ token: String?) throws {
        guard let token else { return }
        if state.withLock({ $0.systems.contains { $0.token == token } }) {
            throw FakeError(.conflict, "another system already has that token; tokens are unique")
        }
    }

    static func number(_ json: JSON) -> Double? {
        switch json {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }

    static func switchJSON(_ s: SwitchRecord) -> JSON {
        .object([
            ("id", .string(s.uuid)), ("timestamp", .string(s.timestamp.description)),
            ("members", .array(s.members.map(JSON.string))),
        ])
    }

    func stateJSON() -> JSON {
        state.withLock { state in
            .object([
                (
                    "systems",
                    .array(
                        state.systems.map { s in
                            .object([
                                ("id", .string(s.id)), ("uuid", .string(s.uuid)), ("token", .optional(s.token)),
                                (
                                    "members",
                                    .array(
                                        state.members.filter { $0.system == s.uuid }.map {
                                            .object([
                                                ("id", .string($0.id)), ("uuid", .string($0.uuid)),
                                                ("name", .string($0.name)),
                                            ])
                                        })
                                ),
                                (
                                    "groups",
                                    .array(
                                        state.groups.filter { $0.system == s.uuid }.map {
                                            .object([
                                                ("id", .string($0.id)), ("uuid", .string($0.uuid)),
                                                ("name", .string($0.name)),
                                            ])
                                        })
                                ),
                                ("switches", .array(state.switches(of: s.uuid).map(FakePluralKit.switchJSON))),
                            ])
                        })
                )
            ])
        }
    }
}
