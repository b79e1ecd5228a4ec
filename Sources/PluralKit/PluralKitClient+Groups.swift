extension PluralKitClient {
    /// Lists a system's groups (`GET /systems/{ref}/groups`); with `withMembers`, each group
    /// carries its members' UUIDs.
    public func getGroups(system: SystemRef = .me, withMembers: Bool = false) async throws -> [Group] {
        try await request(
            .get, "/systems/\(system.pathComponent)/groups", query: withMembers ? [("with_members", "true")] : [])
    }

    /// Creates a group in the token's system (`POST /groups`).
    public func createGroup(name: String, _ fields: GroupUpdate = .init()) async throws -> Group {
        var body = fields
        body.name = .set(name)
        try body.validate()
        return try await request(.post, "/groups", body: body)
    }

    /// Fetches a group (`GET /groups/{ref}`).
    public func getGroup(_ group: GroupID) async throws -> Group {
        try await request(.get, "/groups/\(group.rawValue)")
    }

    /// Updates a group (`PATCH /groups/{ref}`).
    @discardableResult
    public func updateGroup(_ group: GroupID, _ update: GroupUpdate) async throws -> Group {
        try await request(.patch, "/groups/\(group.rawValue)", body: checked(update, "Group update"), idempotent: true)
    }

    /// Deletes a group (`DELETE /groups/{ref}`).
    public func deleteGroup(_ group: GroupID) async throws {
        try await requestNoContent(.delete, "/groups/\(group.rawValue)")
    }

    /// Lists a group's members (`GET /groups/{ref}/members`).
    public func getGroupMembers(_ group: GroupID) async throws -> [Member] {
        try await request(.get, "/groups/\(group.rawValue)/members")
    }

    /// Adds members to a group (`POST /groups/{ref}/members/add`).
    public func addGroupMembers(_ group: GroupID, members: [MemberID]) async throws {
        try await changeGroupMembers(group, "add", members)
    }

    /// Removes members from a group (`POST /groups/{ref}/members/remove`).
    public func removeGroupMembers(_ group: GroupID, members: [MemberID]) async throws {
        try await changeGroupMembers(group, "remove", members)
    }

    /// Sets exactly who is in a group (`POST /groups/{ref}/members/overwrite`); an empty list
    /// empties it.
    public func setGroupMembers(_ group: GroupID, members: [MemberID]) async throws {
        try await changeGroupMembers(group, "overwrite", members)
    }

    private func changeGroupMembers(_ group: GroupID, _ verb: String, _ members: [MemberID]) async throws {
        try await changeMembership("/groups/\(group.rawValue)/members", verb, members.map(\.rawValue), noun: "members")
    }
}
