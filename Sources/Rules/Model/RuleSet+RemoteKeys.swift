/// One field a rule writes, as written: the kind of target, its server (nil: `server: all`),
/// its member and the API field (`log_switch` writes the front, field `members`).
struct WrittenField: Hashable {
    enum Target: Hashable { case system, systemServer, member, memberServer, autoproxy, front }
    var target: Target
    var server: ServerRef?
    var member: MemberName?
    var field: String
}

extension Rule {
    /// Every field the rule's actions (`do` and `after`) write; members named by a template are
    /// left out (who they are is known only when the rule runs).
    var writtenFields: [WrittenField] {
        var out: [WrittenField] = []
        func servers(_ target: ServerTarget) -> [ServerRef?] {
            switch target {
            case .all: [nil]
            case .servers(let refs): refs
            }
        }
        for action in allActions {
            switch action.kind {
            case .autoproxy(let target, let choice):
                for s in servers(target) {
                    out.append(.init(target: .autoproxy, server: s, field: "mode"))
                    if case .member = choice { out.append(.init(target: .autoproxy, server: s, field: "member")) }
                }
            case .system(let changes):
                out += changes.map { .init(target: .system, field: $0.field) }
            case .systemServer(let target, let changes):
                for s in servers(target) {
                    out += changes.map { .init(target: .systemServer, server: s, field: $0.field) }
                }
            case .member(let name, let changes) where !name.isTemplate:
                out += changes.map { .init(target: .member, member: name, field: $0.field) }
            case .memberServer(let name, let target, let changes) where !name.isTemplate:
                for s in servers(target) {
                    out += changes.map { .init(target: .memberServer, server: s, member: name, field: $0.field) }
                }
            case .logSwitch:
                out.append(.init(target: .front, field: "members"))
            default: break
            }
        }
        return out
    }
}

extension RuleSet {
    /// Every remote value (`TARGET.FIELD`, as decision records name it) the rules can write —
    /// the fields a shell reads before it runs them (`server: all` stands for every alias).
    /// Members named by a template are left out; `log_switch` writes the front, not a field.
    public var remoteKeys: Set<String> {
        var keys: Set<String> = []
        for rule in rules {
            for w in rule.writtenFields {
                let servers = w.server.map { [$0.text] } ?? self.servers.keys.sorted()
                let member = w.member?.text ?? ""
                let target: [String]
                switch w.target {
                case .system: target = ["system"]
                case .systemServer: target = servers.map { "system_server:\($0)" }
                case .member: target = ["member:\(member)"]
                case .memberServer: target = servers.map { "member_server:\(member)@\($0)" }
                case .autoproxy: target = servers.map { "autoproxy:\($0)" }
                case .front: target = []
                }
                keys.formUnion(target.map { "\($0).\(w.field)" })
            }
        }
        return keys
    }
}
