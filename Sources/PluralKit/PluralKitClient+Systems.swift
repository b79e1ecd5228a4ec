extension PluralKitClient {
    /// Fetches a system (`GET /systems/{ref}`); the owner's view when it is the token's system.
    /// Pass `.discordAccount(id)` to look a system up by a linked Discord account.
    public func getSystem(_ system: SystemRef = .me) async throws -> System {
        try await request(.get, "/systems/\(system.pathComponent)")
    }

    /// Updates the token's system (`PATCH /systems/{ref}`).
    @discardableResult
    public func updateSystem(_ update: SystemUpdate, system: SystemRef = .me) async throws -> System {
        try await request(
            .patch, "/systems/\(system.pathComponent)", body: checked(update, "System update"), idempotent: true)
    }

    /// Fetches system settings (`GET /systems/{ref}/settings`): all of them for the owner, the
    /// public subset for others.
    public func getSystemSettings(_ system: SystemRef = .me) async throws -> SystemSettings {
        try await request(.get, "/systems/\(system.pathComponent)/settings")
    }

    /// Updates system settings (`PATCH /systems/{ref}/settings`).
    @discardableResult
    public func updateSystemSettings(_ update: SystemSettingsUpdate, system: SystemRef = .me) async throws
        -> SystemSettings
    {
        try await request(
            .patch, "/systems/\(system.pathComponent)/settings", body: checked(update, "Settings update"),
            idempotent: true)
    }

    /// Fetches the system's settings in a Discord server (`GET /systems/{ref}/guilds/{guild}`).
    /// Fails with ``PluralKitError/Category/guildSettingsNotFound`` until the bot has created them.
    public func getSystemGuildSettings(guild: Snowflake, system: SystemRef = .me) async throws -> SystemGuildSettings {
        try await request(.get, "/systems/\(system.pathComponent)/guilds/\(guild)")
    }

    /// Updates the system's settings in a Discord server (`PATCH /systems/{ref}/guilds/{guild}`).
    @discardableResult
    public func updateSystemGuildSettings(
        guild: Snowflake, _ update: SystemGuildSettingsUpdate, system: SystemRef = .me
    ) async throws -> SystemGuildSettings {
        try await request(
            .patch, "/systems/\(system.pathComponent)/guilds/\(guild)", body: checked(update, "Server settings update"),
            idempotent: true)
    }

    /// Fetches autoproxy settings in a Discord server (`GET /systems/{ref}/autoproxy?guild_id=`).
    public func getAutoproxySettings(guild: Snowflake, system: SystemRef = .me) async throws -> AutoproxySettings {
        try await request(.get, "/systems/\(system.pathComponent)/autoproxy", query: [("guild_id", guild.description)])
    }

    /// Updates autoproxy in a Discord server (`PATCH /systems/{ref}/autoproxy?guild_id=`).
    @discardableResult
    public func updateAutoproxySettings(
        guild: Snowflake, _ update: AutoproxyUpdate, system: SystemRef = .me
    ) async throws -> AutoproxySettings {
        try await request(
            .patch, "/systems/\(system.pathComponent)/autoproxy", query: [("guild_id", guild.description)],
            body: checked(update, "Autoproxy update"), idempotent: true)
    }
}
