/// Everything loaded from a rule file or a directory of rule files.
public struct RuleSet: Sendable {
    /// Settings merged from every file.
    public var settings: RuleSettings
    /// Discord server aliases (alias → guild id), merged from every file.
    public var servers: [String: ServerAlias]
    /// The rules, in file order and then in the order written.
    public var rules: [Rule]
    /// The files that were read, in the order they were read.
    public var files: [String]
    /// Member names as written → short id, for the names that were checked against a member list.
    public var memberIDs: [String: String] = [:]
    /// Group names as written → short id, for the names that were checked against a group list.
    public var groupIDs: [String: String] = [:]

    /// An empty rule set with default settings.
    public init(
        settings: RuleSettings = .init(), servers: [String: ServerAlias] = [:], rules: [Rule] = [],
        files: [String] = [],
        memberIDs: [String: String] = [:], groupIDs: [String: String] = [:]
    ) {
        self.memberIDs = memberIDs
        self.groupIDs = groupIDs
        self.settings = settings
        self.servers = servers
        self.rules = rules
        self.files = files
    }
}
