/// A Discord server the user named in `aliases:`.
public struct ServerAlias: Sendable, Hashable {
    /// The alias as written.
    public var name: String
    /// The Discord guild id.
    public var guildID: String
    /// Where the alias was defined.
    public var location: SourceLocation
}
