extension PluralKitClient {
    /// Lists a system's members (`GET /systems/{ref}/members`), all at once (the API does not page).
    public func getMembers(system: SystemRef = .me) async throws -> [Member] {
        try await request(.get, "/systems/\(system.pathComponent)/members")
    }

    /// Creates a member in the token's system (`POST /members`).
    /// - Parameters:
    ///   - name: the name (required, at most 100 characters).
    ///   - fields: anything else to set.
    public func createMember(name: String, _ fields: MemberUpdate = .init()) async throws -> Member {
        var body = fields
        body.name = .set(name)
        try body.validate()
        return try await request(.post, "/members", body: body)
    }

    /// Fetches a member (`GET /members/{ref}`).
    public func getMember(_ member: MemberID) async throws -> Member {
        try await request(.get, "/members/\(member.rawValue)")
    }

    /// Updates a member (`PATCH /members/{ref}`).
    @discardableResult
    public func updateMember(_ member: MemberID, _ update: MemberUpdate) async throws -> Member {
        try await request(
            .patch, "/members/\(member.rawValue)", body: checked(update, "Member update"), idempotent: true)
    }

    /// Deletes a member (`DELETE /members/{ref}`); it also vanishes from past switches.
    public func deleteMember(_ member: MemberID) async throws {
        try await requestNoContent(.delete, "/members/\(member.rawValue)")
    }

    /// Lists the groups a member is in (`GET /members/{ref}/groups`).
    public func getMemberGroups(_ member: MemberID) async throws -> [Group] {
        try await request(.get, "/members/\(member.rawValue)/groups")
    }

    /// Adds a member to groups (`POST /members/{ref}/groups/add`); groups it is in already are skipped.
    public func addMemberGroups(_ member: MemberID, groups: [GroupID]) async throws {
        try await changeMemberGroups(member, "add", groups)
    }

    /// Removes a member from groups (`POST /members/{ref}/groups/remove`).
    public func removeMemberGroups(_ member: MemberID, groups: [GroupID]) async throws {
        try await changeMemberGroups(member, "remove", groups)
    }

    /// Sets exactly which groups a member is in (`POST /members/{ref}/groups/overwrite`);
    /// an empty list removes it from every group.
    public func setMemberGroups(_ member: MemberID, groups: [GroupID]) async throws {
        try await changeMemberGroups(member, "overwrite", groups)
    }

    private func changeMemberGroups(_ member: MemberID, _ verb: String, _ groups: [GroupID]) async throws {
        try await changeMembership("/members/\(member.rawValue)/groups", verb, groups.map(\.rawValue), noun: "groups")
    }

    /// `POST {base}/add|remove|overwrite` with a list of canonical ids; add and remove need at
    /// least one (the server answers 400 to an empty list).
    func changeMembership(_ base: String, _ verb: String, _ ids: [String], noun: String) async throws {
        if verb != "overwrite", ids.isEmpty {
            throw PluralKitError(kind: .invalidRequest, message: "no \(noun) given to \(verb)")
        }
        try await requestNoContent(.post, "\(base)/\(verb)", body: ids, idempotent: true)
    }

    /// Fetches a member's settings in a Discord server (`GET /members/{ref}/guilds/{guild}`).
    public func getMemberGuildSettings(_ member: MemberID, guild: Snowflake) async throws -> MemberGuildSettings {
        try await request(.get, "/members/\(member.rawValue)/guilds/\(guild)")
    }

    /// Updates a member's settings in a Discord server (`PATCH /members/{ref}/guilds/{guild}`).
    @discardableResult
    public func updateMemberGuildSettings(
        _ member: MemberID, guild: Snowflake, _ update: MemberGuildSettingsUpdate
    ) async throws -> MemberGuildSettings {
        try await request(
            .patch, "/members/\(member.rawValue)/guilds/\(guild)",
            body: checked(update, "Member server settings update"),
            idempotent: true)
    }
}
