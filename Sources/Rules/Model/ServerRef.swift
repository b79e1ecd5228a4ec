/// Where an action goes: some named servers, or all aliased ones.
public enum ServerTarget: Sendable, Hashable {
    /// `server: all` — every server in `aliases:`.
    case all
    /// Servers by alias or by guild id, resolved to guild ids.
    case servers([ServerRef])
}

/// A server named in a rule.
public struct ServerRef: Sendable, Hashable {
    /// As written (an alias or a guild id).
    public var text: String
    /// The guild id.
    public var guildID: String
    /// Where it was written.
    public var location: SourceLocation
}
