#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(FoundationInternationalization)
    import FoundationInternationalization
#endif

extension FakeState {
    // MARK: Systems

    mutating func patchSystem(_ m: RouteMatch, _ req: FakeRequest) throws -> FakeResponse {
        guard m.ownEntity else { throw Reply(.forbidden) }
        var p = PatchParser(try PatchParser.object(req.body))
        try p.string("name", max: 100)
        try p.string("description", max: 1000)
        try p.string("tag", max: 79)
        try p.string("pronouns", max: 100)
        try p.url("avatar_url")
        try p.url("banner")
        try p.color("color", lowercase: false)
        let privacy = try p.privacy(keys: Self.systemPrivacyKeys)
        try p.check()
        guard !p.changes.isEmpty || !privacy.isEmpty else { throw Reply(.badRequest) }
        let i = systemIndex(uuid: m.system!.uuid)!
        for (k, v) in p.changes { systems[i].fields[k] = v }
        for (k, v) in privacy { systems[i].privacy[k] = v }
        return .json(systemJSON(systems[i], owner: true))
    }

    mutating func patchSettings(_ m: RouteMatch, _ req: FakeRequest) throws -> FakeResponse {
        guard m.ownEntity else { throw Reply(.forbidden) }
        let body = try PatchParser.object(req.body)
        var p = PatchParser(body)
        if let tz = body["timezone"] {
            switch tz {
            case .null: p.changes.append(("timezone", "UTC"))
            case .string(let s) where s.isEmpty: p.changes.append(("timezone", "UTC"))
            case .string(let s):
                if !FakeState.isTzdbName(s) { p.fail("timezone", "Field timezone is invalid.") }
                p.changes.append(("timezone", tz))
            default: throw Reply(.badRequest)
            }
        }
        for key in [
            "pings_enabled", "member_default_private", "group_default_private", "case_sensitive_proxy_tags",
            "proxy_error_message_enabled", "hid_display_split", "hid_display_caps", "card_show_color_hex",
        ] {
            try p.bool(key, nullIgnored: true)
        }
        try p.int("latch_timeout")
        if let mode = body["proxy_switch"] {
            guard mode.isNull || mode.stringValue != nil else { throw Reply(.badRequest) }
            let raw = mode.stringValue ?? "off"
            p.changes.append(("proxy_switch", .string(["off", "new", "add"].contains(raw) ? raw : "off")))
        }
        try p.string("name_format", max: 1000)
        if let templates = body["description_templates"] {
            guard case .array(let items) = templates else { throw Reply(.badRequest) }
            if items.count > 3 { p.fail("description_templates", "Field description_templates is invalid.") }
            for (i, item) in items.enumerated() {
                guard let s = item.stringValue else { throw Reply(.badRequest) }
                // The server swaps the two numbers for individual templates.
                if s.utf16.count > 1000 {
                    p.fail(
                        "description_templates[\(i)]", "Field description_templates[\(i)] is too long.", actual: 1000,
                        max: s.utf16.count)
                }
            }
            p.changes.append(("description_templates", templates))
        }
        try p.check()
        guard !p.changes.isEmpty else { throw Reply(.badRequest) }
        let i = systemIndex(uuid: m.system!.uuid)!
        for (k, v) in p.changes { systems[i].settings[k] = v }
        return .json(systems[i].settings)
    }

    mutating func systemGuild(_ m: RouteMatch, _ req: FakeRequest) throws -> FakeResponse {
        guard m.ownEntity else { throw Reply(.forbidden) }
        let (uuid, guild, row) = try guildRow(m, systemGuilds, owner: m.system!.uuid, code: 20009, what: "system")
        guard m.method == "PATCH" else { return .json(row) }
        var p = PatchParser(try PatchParser.object(req.body))
        try p.bool("proxying_enabled", nullIgnored: true)
        try p.string("tag", max: 79)
        try p.bool("tag_enabled", nullIgnored: true)
        try p.url("avatar_url")
        try p.string("display_name", max: 100)
        try p.string("name_format", max: 1000)
        try p.check()
        guard !p.changes.isEmpty || p.has("proxying_enabled") || p.has("tag_enabled") else { throw Reply(.badRequest) }
        var updated = row
        for (k, v) in p.changes { updated[k] = v }
        systemGuilds[uuid]![guild] = updated
        return .json(updated)
    }

    mutating func autoproxySettings(_ m: RouteMatch, _ req: FakeRequest) throws -> FakeResponse {
        guard m.ownEntity else { throw Reply(.forbidden) }
        let query = req.queryItems
        guard let guildText = query["guild_id"], query["channel_id"] == nil else {
            throw Reply(.error(501, 50001, "Unimplemented"))
        }
        let guild = try Self.guildID(guildText)
        let uuid = m.system!.uuid
        let row =
            autoproxy[uuid]?[guild]
            ?? .object([
                ("autoproxy_mode", "off"), ("autoproxy_member", nil), ("last_latch_timestamp", nil),
            ])
        autoproxy[uuid, default: [:]][guild] = row
        guard m.method == "PATCH" else { return .json(row) }
        let body = try PatchParser.object(req.body)
        var p = PatchParser(body)
        var mode = row["autoproxy_mode"]?.stringValue ?? "off"
        if let value = body["autoproxy_mode"] {
            switch value {
            case .null: mode = "off"
            case .string(let s) where ["off", "front", "latch", "member"].contains(s): mode = s
            case .string: p.fail("autoproxy_mode", "Field autoproxy_mode is invalid.")
            default: throw Reply(.badRequest)
            }
        }
        var memberID: JSON = row["autoproxy_member"] ?? .null
        if let value = body["autoproxy_member"] {
            switch value {
            case .null: memberID = .null
            case .string(let ref):
                if let target = try? resolveMember(ref) {
                    guard target.system == uuid else { throw Reply(.forbidden) }
                    memberID = .string(target.id)
                } else {
                    p.fail("autoproxy_member", "Member not found.")
                }
            default: throw Reply(.badRequest)
            }
            if !value.isNull, mode == "off" || mode == "front" {
                p.fail(
                    "autoproxy_member", "Cannot update autoproxy member if autoproxy is disabled or set to 'front' mode"
                )
            }
        }
        if mode == "member", memberID.isNull {
            p.fail("autoproxy_member", "An autoproxy member must be supplied for autoproxy mode 'member'")
        }
        try p.check()
        guard body["autoproxy_mode"] != nil || body["autoproxy_member"] != nil else { throw Reply(.badRequest) }
        var updated = row
        updated["autoproxy_mode"] = .string(mode)
        // Quirk: switching to off/front clears the stored member, but the reply may still echo it.
        let echo = memberID
        if mode == "off" || mode == "front" { memberID = .null }
        updated["autoproxy_member"] = memberID
        autoproxy[uuid]![guild] = updated
        var reply = updated
        reply["autoproxy_member"] = mode == "front" ? .null : echo
        return .json(reply)
    }

    /// The guild-settings row the path names, or the 404 the server sends when the bot made none.
    func guildRow(
        _ m: RouteMatch, _ table: [String: [UInt64: JSON]], owner: String, code: Int, what: String
    ) throws -> (String, UInt64, JSON) {
        let guild = try Self.guildID(m.parts[3])
        guard let row = table[owner]?[guild] else {
            throw Reply(.error(404, code, "No \(what) guild settings found for target guild."))
        }
        return (owner, guild, row)
    }

    // MARK: Members

    mutating func createMember(_ caller: String?, _ req: FakeRequest, now: FakeTime) throws -> FakeResponse {
        guard let caller, let owner = system(uuid: caller) else { throw Reply(.unauthorized) }
        let body = try PatchParser.object(req.body)
        let count = members.filter { $0.system == caller }.count
        if count >= Int(owner.settings["member_limit"]?.intValue ?? 1000) {
            throw Reply(.error(400, 40007, "Member limit reached."))
        }
        var p = try memberPatch(body, creating: true)
        let privacy = try p.privacy(keys: Self.memberPrivacyKeys)
        try p.check()
        var member = makeMember(system: owner, name: body["name"]?.stringValue ?? "", created: now)
        apply(p.changes, privacy, to: &member)
        members.append(member)
        return .json(memberJSON(member, owner: true))
    }

    func memberPatch(_ body: JSON, creating: Bool) throws -> PatchParser {
        var p = PatchParser(body)
        try p.name("Member", creating: creating)
        try p.string("display_name", max: 100)
        try p.color("color", lowercase: true)
        try p.birthday("birthday")
        try p.string("pronouns", max: 100)
        try p.url("avatar_url")
        try p.url("webhook_avatar_url")
        try p.url("banner")
        try p.string("description", max: 1000)
        try p.proxyTags()
        try p.bool("keep_proxy", nullIgnored: true)
        try p.bool("tts", nullIgnored: true)
        // A webhook avatar equal to the avatar in the same request is stored as null.
        if let avatar = p.changes.first(where: { $0.0 == "avatar_url" })?.1,
            let i = p.changes.firstIndex(where: { $0.0 == "webhook_avatar_url" }), p.changes[i].1 == avatar
        {
            p.changes[i].1 = .null
        }
        return p
    }

    func apply(_ changes: [(String, JSON)], _ privacy: [(String, JSON)], to member: inout MemberRecord) {
        for (k, v) in changes { member.fields[k] = v }
        for (k, v) in privacy { member.privacy[k] = v }
    }

    mutating func patchMember(_ m: RouteMatch, _ req: FakeRequest) throws -> FakeResponse {
        try requireOwnMember(m)
        let body = try PatchParser.object(req.body)
        var p = try memberPatch(body, creating: false)
        let privacy = try p.privacy(keys: Self.memberPrivacyKeys)
        try p.check()
        guard !p.changes.isEmpty || !privacy.isEmpty else { throw Reply(.badRequest) }
        let i = memberIndex(uuid: m.member!.uuid)!
        apply(p.changes, privacy, to: &members[i])
        return .json(memberJSON(members[i], owner: true))
    }

    /// Deletes a member everywhere: lists, groups, switches, guild rows.
    mutating func deleteMember(uuid: String) {
        members.removeAll { $0.uuid == uuid }
        for i in groups.indices { groups[i].members.removeAll { $0 == uuid } }
        for i in switches.indices { switches[i].members.removeAll { $0 == uuid } }
        memberGuilds[uuid] = nil
        // A message of a deleted member keeps neither the member nor the system (as PluralKit's do).
        for (id, message) in messages where message.member == uuid {
            messages[id]?.member = nil
            messages[id]?.system = nil
        }
    }

    mutating func memberGroups(_ m: RouteMatch, _ req: FakeRequest) throws -> FakeResponse {
        let verb = m.parts[3]
        let refs = try PatchParser.stringArray(req.body)
        if verb != "overwrite", refs.isEmpty { throw Reply(.badRequest) }
        try requireOwnMember(m)
        let member = m.member!
        var targets: [Int] = []
        for ref in refs {
            guard let g = groups.firstIndex(where: { $0.system == member.system && ($0.id == ref || $0.uuid == ref) })
            else {
                throw Reply(
                    verb == "add"
                        ? .error(404, 20004, "Group not found.") : .error(404, 20005, "Group '\(ref)' not found."))
            }
            targets.append(g)
        }
        switch verb {
        case "add":
            for g in targets where !groups[g].members.contains(member.uuid) { groups[g].members.append(member.uuid) }
        case "remove":
            for g in targets { groups[g].members.removeAll { $0 == member.uuid } }
        default:
            for g in groups.indices where groups[g].system == member.system {
                let wanted = targets.contains(g)
                let has = groups[g].members.contains(member.uuid)
                if wanted, !has { groups[g].members.append(member.uuid) }
                if !wanted, has { groups[g].members.removeAll { $0 == member.uuid } }
            }
        }
        return .noContent
    }

    mutating func memberGuild(_ m: RouteMatch, _ req: FakeRequest) throws -> FakeResponse {
        try requireOwnMember(m)
        let (uuid, guild, row) = try guildRow(m, memberGuilds, owner: m.member!.uuid, code: 20010, what: "member")
        guard m.method == "PATCH" else { return .json(row) }
        var p = PatchParser(try PatchParser.object(req.body))
        try p.string("display_name", max: 100)
        try p.url("avatar_url")
        try p.bool("keep_proxy")
        try p.check()
        guard !p.changes.isEmpty else { throw Reply(.badRequest) }
        var updated = row
        for (k, v) in p.changes { updated[k] = v }
        memberGuilds[uuid]![guild] = updated
        return .json(updated)
    }

    // MARK: Groups

    func groupPatch(_ body: JSON, creating: Bool) throws -> PatchParser {
        var p = PatchParser(body)
        try p.name("Group", creating: creating)
        try p.string("display_name", max: 100)
        try p.string("description", max: 1000)
        try p.url("icon")
        try p.url("banner")
        try p.color("color", lowercase: true)
        return p
    }

    mutating func createGroup(_ caller: String?, _ req: FakeRequest, now: FakeTime) throws -> FakeResponse {
        guard let caller, let owner = system(uuid: caller) else { throw Reply(.unauthorized) }
        let body = try PatchParser.object(req.body)
        if groups.filter({ $0.system == caller }).count >= Int(owner.settings["group_limit"]?.intValue ?? 250) {
            throw Reply(.error(400, 40008, "Group limit reached."))
        }
        var p = try groupPatch(body, creating: true)
        let privacy = try p.privacy(keys: Self.groupPrivacyKeys)
        try p.check()
        var group = makeGroup(system: owner, name: body["name"]?.stringValue ?? "", created: now)
        for (k, v) in p.changes { group.fields[k] = v }
        for (k, v) in privacy { group.privacy[k] = v }
        groups.append(group)
        return .json(groupJSON(group, owner: true, withMembers: false))
    }

    mutating func patchGroup(_ m: RouteMatch, _ req: FakeRequest) throws -> FakeResponse {
        try requireOwnGroup(m)
        var p = try groupPatch(try PatchParser.object(req.body), creating: false)
        let privacy = try p.privacy(keys: Self.groupPrivacyKeys)
        try p.check()
        guard !p.changes.isEmpty || !privacy.isEmpty else { throw Reply(.badRequest) }
        let i = groupIndex(uuid: m.group!.uuid)!
        for (k, v) in p.changes { groups[i].fields[k] = v }
        for (k, v) in privacy { groups[i].privacy[k] = v }
        return .json(groupJSON(groups[i], owner: true, withMembers: false))
    }

    mutating func groupMembers(_ m: RouteMatch, _ req: FakeRequest) throws -> FakeResponse {
        let verb = m.parts[3]
        let refs = try PatchParser.stringArray(req.body)
        if verb != "overwrite", refs.isEmpty { throw Reply(.badRequest) }
        try requireOwnGroup(m)
        let g = groupIndex(uuid: m.group!.uuid)!
        var targets: [String] = []
        for ref in refs {
            guard let member = exactMember(ref, of: groups[g].system) else {
                throw Reply(.error(404, 20003, "Member '\(ref)' not found."))
            }
            targets.append(member.uuid)
        }
        switch verb {
        case "add": for t in targets where !groups[g].members.contains(t) { groups[g].members.append(t) }
        case "remove": groups[g].members.removeAll { targets.contains($0) }
        default:
            var seen = Set<String>()
            groups[g].members = targets.filter { seen.insert($0).inserted }
        }
        return .noContent
    }

    // MARK: Switches

    mutating func switchHistory(_ m: RouteMatch, _ req: FakeRequest, now: FakeTime) throws -> FakeResponse {
        let s = m.system!
        if !m.ownEntity, Self.isPrivate(s.privacy, "front_history_privacy") {
            throw Reply(.error(403, 30005, "Unauthorized to view front history."))
        }
        let query = req.queryItems
        var before = now
        if let text = query["before"] {
            guard let t = FakeTime.parse(text) else { throw Reply(.badRequest) }
            before = t
        }
        var limit = 100
        if let text = query["limit"] {
            guard let l = Int(text) else { throw Reply(.badRequest) }
            if l < 0 { throw Reply(.error(500, 0, "500: Internal Server Error")) }
            limit = min(l, 100)
        }
        let page = switches(of: s.uuid).filter { $0.timestamp < before }.reversed().prefix(limit)
        return .json(.array(page.map(historySwitchJSON)))
    }

    mutating func createSwitch(_ m: RouteMatch, _ req: FakeRequest, now: FakeTime) throws -> FakeResponse {
        guard m.ownEntity else { throw Reply(.forbidden) }
        let body = try PatchParser.object(req.body)
        var timestamp: FakeTime?
        if let t = body["timestamp"], !t.isNull {
            guard let text = t.stringValue, let parsed = FakeTime.parse(text) else { throw Reply(.badRequest) }
            timestamp = parsed
        }
        guard let list = body["members"], case .array(let items) = list else { throw Reply(.badRequest) }
        let refs = try items.map { item -> String in
            guard let s = item.stringValue else { throw Reply(.badRequest) }
            return s
        }
        if Set(refs).count != refs.count { throw Reply(.error(400, 40003, "Duplicate members in member list.")) }
        let system = m.system!.uuid
        let existing = switches(of: system)
        if let timestamp, existing.contains(where: { $0.timestamp == timestamp }) {
            throw Reply(.error(400, 40005, "Switch with provided timestamp already exists."))
        }
        var uuids: [String] = []
        for ref in refs {
            guard let member = exactMember(ref, of: system) else {
                throw Reply(.error(404, 20003, "Member '\(ref)' not found."))
            }
            uuids.append(member.uuid)
        }
        if let latest = existing.last, timestamp.map({ $0 > latest.timestamp }) ?? true, latest.members == uuids {
            throw Reply(.error(400, 40004, "Member list identical to current fronter list."))
        }
        let record = SwitchRecord(uuid: random.uuid(), system: system, timestamp: timestamp ?? now, members: uuids)
        switches.append(record)
        return .json(fullSwitchJSON(record, owner: true))
    }

    func findSwitch(_ m: RouteMatch, malformed: FakeResponse) throws -> Int {
        guard let ref = m.switchRef, Self.isUUID(ref) else { throw Reply(malformed) }
        let id = ref.lowercased()
        guard let i = switches.firstIndex(where: { $0.uuid == id }) else {
            throw Reply(.error(404, 20007, "Switch not found."))
        }
        return i
    }

    static let switchNotFoundOrPrivate = FakeResponse.error(
        404, 20008, "Switch not found, switch associated with different system, or unauthorized to view front history.")

    mutating func oneSwitch(_ m: RouteMatch, _ req: FakeRequest) throws -> FakeResponse {
        let s = m.system!
        if m.method != "GET", !m.ownEntity { throw Reply(.forbidden) }
        let i = try findSwitch(m, malformed: .error(400, 40006, "Invalid switch ID."))
        guard switches[i].system == s.uuid else { throw Reply(Self.switchNotFoundOrPrivate) }
        switch m.method {
        case "GET":
            if !m.ownEntity, Self.isPrivate(s.privacy, "front_history_privacy") {
                throw Reply(Self.switchNotFoundOrPrivate)
            }
            return .json(fullSwitchJSON(switches[i], owner: m.ownEntity))
        case "DELETE":
            switches.remove(at: i)
            return .noContent
        default:
            let body = try PatchParser.object(req.body)
            guard let value = body["timestamp"], !value.isNull, value.stringValue != "" else {
                throw Reply(
                    .json(
                        .object([
                            ("message", "Error parsing JSON model"), ("code", 40001),
                            (
                                "errors",
                                .object([
                                    ("timestamp", .array([.object([("message", "Key 'timestamp' is required.")])]))
                                ])
                            ),
                        ]), status: 400))
            }
            guard let text = value.stringValue, let t = FakeTime.parse(text, lenient: true) else {
                throw Reply(.badRequest)
            }
            if switches.contains(where: { $0.system == s.uuid && $0.timestamp == t && $0.uuid != switches[i].uuid }) {
                throw Reply(.error(400, 40005, "Switch with provided timestamp already exists."))
            }
            switches[i].timestamp = t
            return .json(fullSwitchJSON(switches[i], owner: true))
        }
    }

    mutating func patchSwitchMembers(_ m: RouteMatch, _ req: FakeRequest) throws -> FakeResponse {
        guard m.ownEntity else { throw Reply(.forbidden) }
        let i = try findSwitch(m, malformed: .error(404, 20007, "Switch not found."))
        let refs = try PatchParser.stringArray(req.body)
        if Set(refs).count != refs.count { throw Reply(.error(400, 40003, "Duplicate members in member list.")) }
        guard switches[i].system == m.system!.uuid else { throw Reply(.error(404, 20007, "Switch not found.")) }
        var uuids: [String] = []
        for ref in refs {
            guard let member = try? resolveMember(ref) else {
                throw Reply(.error(404, 20003, "Member '\(ref)' not found."))
            }
            guard member.system == m.system!.uuid else {
                throw Reply(.error(403, 30008, "Member '\(ref)' is not part of your system."))
            }
            uuids.append(member.uuid)
        }
        if switches[i].members == uuids {
            throw Reply(.error(400, 40004, "Member list identical to current fronter list."))
        }
        switches[i].members = uuids
        return .json(fullSwitchJSON(switches[i], owner: true))
    }

    // MARK: Messages

    func message(_ m: RouteMatch, caller: String?, now: FakeTime) throws -> FakeResponse {
        guard let id = UInt64(m.parts[1]) else { throw Reply(.badRequest) }
        let record =
            messages[id]
            ?? messages.values.first { message in
                // The trigger message id works for 30 minutes.
                guard message.original == id else { return false }
                let sent = FakeTime(micros: Int64((message.id >> 22) + 1_420_070_400_000) * 1000)
                return now.micros - sent.micros <= 30 * 60 * 1_000_000
            }
        guard let record else { throw Reply(.error(404, 20006, "Message not found.")) }
        let sent = FakeTime(micros: Int64((record.id >> 22) + 1_420_070_400_000) * 1000)
        let owner = record.system != nil && record.system == caller
        return .json(
            .object([
                ("timestamp", .string(sent.wholeSeconds)), ("id", .string(String(record.id))),
                ("original", .string(record.original.map(String.init) ?? "")),
                ("sender", .string(String(record.sender))),
                ("channel", .string(String(record.channel))), ("guild", .optional(record.guild.map(String.init))),
                ("system", record.system.flatMap { system(uuid: $0) }.map { systemJSON($0, owner: owner) } ?? .null),
                (
                    "member",
                    record.member.flatMap { member(uuid: $0) }.map {
                        memberJSON($0, owner: owner, includeSystem: false)
                    } ?? .null
                ),
            ]))
    }
}

extension FakeState {
    /// Time zone names as the tz database has them (PluralKit looks them up in NodaTime's tzdb):
    /// `Europe/Berlin`, `UTC`, `Etc/GMT+5` — not Foundation's extra forms such as `GMT+5`.
    static let tzdbNames: Set<String> = Set(TimeZone.knownTimeZoneIdentifiers).union([
        "UTC", "GMT", "Etc/UTC", "Etc/GMT",
    ])

    /// Whether `name` is a tz database zone: one Foundation knows by that exact name, or a zone
    /// file of the system's tz database (`Etc/GMT+5`); the `posix/` and `right/` variants and
    /// the data files are not zones.
    static func isTzdbName(_ name: String) -> Bool {
        if tzdbNames.contains(name) { return true }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard !name.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }),
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_+-/".contains($0)) }),
            let first = parts.first, first != "posix", first != "right", first.first?.isUppercase == true
        else { return false }
        return TimeZone(identifier: name) != nil
            && FileManager.default.fileExists(atPath: "/usr/share/zoneinfo/" + name)
    }
}
