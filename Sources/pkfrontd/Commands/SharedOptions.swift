import ArgumentParser

/// Options every command that talks to PluralKit or reads state shares.
struct SharedOptions: ParsableArguments {
    @Option(
        name: .customLong("api-url"),
        help: ArgumentHelp(
            "PluralKit API base URL (default https://api.pluralkit.me/v2; env PKFRONTD_API_URL).", valueName: "URL"))
    var apiURL: String?

    @Option(
        name: .customLong("token-file"),
        help: ArgumentHelp(
            "File holding the API token (mode 600). Otherwise $CREDENTIALS_DIRECTORY/token, PK_TOKEN, or the config's token_file.",
            valueName: "PATH"))
    var tokenFile: String?

    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp(
            "State directory (env PKFRONTD_STATE_DIR; under systemd $STATE_DIRECTORY).", valueName: "DIR"))
    var stateDir: String?

    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "YAML config file with the same keys as the flags (default /etc/pkfrontd/pkfrontd.yaml).", valueName: "PATH"
        ))
    var config: String?
}
