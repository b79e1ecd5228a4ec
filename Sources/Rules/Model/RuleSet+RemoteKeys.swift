extension RuleSet {
    /// Every remote value (`TARGET.FIELD`, as decision records name it) the rules can write —
    /// the fields a shell reads before it runs them. Members named by a template are left out
    /// (who they are is known only when the rule runs); `log_switch` writes the front, not a field.
    public var remoteKeys: Set<String> {
        var keys: Set<String> = []
        func servers(_ target: ServerTarget) -> [String] {
            switch target {
            case .all: self.servers.keys.sorted()
            case .servers(let refs): refs.map(\.text)
            }
        }
        for rule in rules {
            for action in rule.allActions {
                switch action.kind {
                case .autoproxy(let target, let choice):
                    for s in servers(target) {
                        keys.insert("autoproxy:\(s).mode")
                        if case .member = choice { keys.insert("autoproxy:\(s).member") }
                    }
                case .system(let changes): keys.formUnion(changes.map { "system.\($0.field)" })
                case .systemServer(let target, let changes):
                    for s in servers(target) { keys.formUnion(changes.map { "system_server:\(s).\($0.field)" }) }
                case .member(let name, let changes) where !name.isTemplate:
                    keys.formUnion(changes.map { "member:\(name.text).\($0.field)" })
                case .memberServer(let name, let target, let changes) where !name.isTemplate:
                    for s in servers(target) {
                        keys.formUnion(changes.map { "member_server:\(name.text)@\(s).\($0.field)" })
                    }
                default: break
                }
            }
        }
        return keys
    }
}
