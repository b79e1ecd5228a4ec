extension PluralKitClient {
    /// The current front (`GET /systems/{ref}/fronters`), with the switch's id and timestamp;
    /// nil when the system has never logged a switch (the server's 204).
    public func getFronters(system: SystemRef = .me) async throws -> Fronters? {
        let path = "/systems/\(system.pathComponent)/fronters"
        let response = try await send(.get, path)
        if response.status == 204 || response.body.isEmpty { return nil }
        return try decode(Fronters.self, response, .get, path)
    }

    /// One page of switch history (`GET /systems/{ref}/switches`), newest first, strictly
    /// before `before` (default: now), at most `limit` (the server caps it at 100). Members are
    /// short ids (``SwitchMembers/ids(_:)``). For more than one page use ``switchHistory(system:before:until:pageSize:)``.
    public func getSwitches(system: SystemRef = .me, before: Timestamp? = nil, limit: Int? = nil) async throws
        -> [Switch]
    {
        var query: [(String, String)] = []
        if let before { query.append(("before", before.description)) }
        if let limit { query.append(("limit", String(min(max(limit, 0), 100)))) }
        return try await request(.get, "/systems/\(system.pathComponent)/switches", query: query)
    }

    /// All switch history as an `AsyncSequence`, newest first, fetched page by page with
    /// exclusive `before` cursors (each cursor is the exact timestamp of the oldest switch
    /// received), down to `until` (inclusive) or the first switch.
    public func switchHistory(
        system: SystemRef = .me, before: Timestamp? = nil, until: Timestamp? = nil, pageSize: Int = 100
    ) -> SwitchHistory {
        SwitchHistory(client: self, system: system, before: before, until: until, pageSize: min(max(pageSize, 1), 100))
    }

    /// Logs a switch (`POST /systems/{ref}/switches`). An empty list is a switch-out.
    ///
    /// Member ids are sent in the canonical form the server matches exactly. Fails with code
    /// ``PluralKitError/Code/sameSwitchMembers`` (40004) when the front would not change.
    @discardableResult
    public func createSwitch(members: [MemberID], timestamp: Timestamp? = nil, system: SystemRef = .me) async throws
        -> Switch
    {
        if Set(members).count != members.count {
            throw PluralKitError(
                kind: .invalidRequest, code: .duplicateMembers, message: "a member is listed twice in the new switch")
        }
        return try await request(
            .post, "/systems/\(system.pathComponent)/switches",
            body: NewSwitch(timestamp: timestamp, members: members.map(\.rawValue)))
    }

    /// Fetches one switch with full members (`GET /systems/{ref}/switches/{id}`).
    public func getSwitch(_ id: SwitchID, system: SystemRef = .me) async throws -> Switch {
        try await request(.get, "/systems/\(system.pathComponent)/switches/\(id.rawValue)")
    }

    /// Moves a switch to another time (`PATCH /systems/{ref}/switches/{id}`).
    @discardableResult
    public func updateSwitchTimestamp(_ id: SwitchID, to timestamp: Timestamp, system: SystemRef = .me) async throws
        -> Switch
    {
        try await request(
            .patch, "/systems/\(system.pathComponent)/switches/\(id.rawValue)",
            body: ["timestamp": timestamp.description], idempotent: true)
    }

    /// Replaces a switch's members (`PATCH /systems/{ref}/switches/{id}/members`).
    @discardableResult
    public func updateSwitchMembers(_ id: SwitchID, members: [MemberID], system: SystemRef = .me) async throws
        -> Switch
    {
        try await request(
            .patch, "/systems/\(system.pathComponent)/switches/\(id.rawValue)/members",
            body: members.map(\.rawValue), idempotent: true)
    }

    /// Updates a switch's timestamp and/or members (pluralkit.py's `update_switch`): one
    /// request per part that changes; returns the switch after the last one.
    @discardableResult
    public func updateSwitch(
        _ id: SwitchID, timestamp: Timestamp? = nil, members: [MemberID]? = nil, system: SystemRef = .me
    ) async throws -> Switch {
        var result: Switch?
        if let timestamp { result = try await updateSwitchTimestamp(id, to: timestamp, system: system) }
        if let members { result = try await updateSwitchMembers(id, members: members, system: system) }
        guard let result else {
            throw PluralKitError(
                kind: .invalidRequest, message: "switch update changes nothing; give a timestamp or members")
        }
        return result
    }

    /// Deletes a switch (`DELETE /systems/{ref}/switches/{id}`).
    public func deleteSwitch(_ id: SwitchID, system: SystemRef = .me) async throws {
        try await requestNoContent(.delete, "/systems/\(system.pathComponent)/switches/\(id.rawValue)")
    }

    /// Looks up a proxied message (`GET /messages/{id}`) by its id, or by the trigger message's
    /// id within 30 minutes of sending.
    public func getMessage(_ id: Snowflake) async throws -> Message {
        try await request(.get, "/messages/\(id)")
    }
}

struct NewSwitch: Encodable, Sendable {
    var timestamp: Timestamp?
    var members: [String]

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encodeIfPresent(timestamp, forKey: AnyKey("timestamp"))
        try c.encode(members, forKey: AnyKey("members"))
    }
}

/// Switch history as an `AsyncSequence` of ``Switch`` (newest first). See
/// ``PluralKitClient/switchHistory(system:before:until:pageSize:)``.
public struct SwitchHistory: AsyncSequence, Sendable {
    public typealias Element = Switch
    let client: PluralKitClient
    let system: SystemRef
    let before: Timestamp?
    let until: Timestamp?
    let pageSize: Int

    public func makeAsyncIterator() -> Iterator {
        Iterator(history: self, cursor: before)
    }

    /// Fetches pages as they are needed.
    public struct Iterator: AsyncIteratorProtocol {
        let history: SwitchHistory
        var cursor: Timestamp?
        var buffer: [Switch] = []
        var index = 0
        var exhausted = false

        init(history: SwitchHistory, cursor: Timestamp?) {
            self.history = history
            self.cursor = cursor
        }

        public mutating func next() async throws -> Switch? {
            if index == buffer.count {
                guard !exhausted else { return nil }
                let page = try await history.client.getSwitches(
                    system: history.system, before: cursor, limit: history.pageSize)
                buffer = page
                index = 0
                if page.count < history.pageSize { exhausted = true }
                guard let oldest = page.last else { return nil }
                if let cursor, oldest.timestamp >= cursor {
                    // A server that ignores the cursor would loop forever; stop instead.
                    throw PluralKitError(
                        kind: .decoding, message: "switch history did not move past \(cursor); stopping")
                }
                cursor = oldest.timestamp
            }
            let item = buffer[index]
            index += 1
            if let until = history.until, item.timestamp < until {
                exhausted = true
                index = buffer.count
                return nil
            }
            return item
        }
    }
}
