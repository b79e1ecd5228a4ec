import Foundation
import FrontEvents
import PluralKit

extension RunContext {
    /// What each action would write, resolved: target, field, value (templates rendered) and
    /// the value it replaces when the shell knows it.
    func outcomes(_ actions: [Action], _ variables: [String: Any]) -> [DecisionRecord.ActionOutcome] {
        actions.flatMap { outcomes($0, variables) }
    }

    func outcomes(_ action: Action, _ variables: [String: Any]) -> [DecisionRecord.ActionOutcome] {
        let at = action.location.description
        func write(_ target: String, _ changes: [FieldChange]) -> [DecisionRecord.ActionOutcome] {
            changes.map { change in
                let value: String? =
                    switch change.value {
                    case .clear: nil
                    case .bool(let b): b ? "true" : "false"
                    case .text(let t): t.render(variables)
                    }
                return .init(
                    action: action.name, target: target, field: change.field, value: value,
                    previous: context.remote["\(target).\(change.field)"] ?? nil, location: at)
            }
        }
        switch action.kind {
        case .autoproxy(let servers, let choice):
            return self.servers(servers).flatMap { server -> [DecisionRecord.ActionOutcome] in
                let target = "autoproxy:\(server)"
                var out: [DecisionRecord.ActionOutcome] = [
                    .init(
                        action: action.name, target: target, field: "mode", value: choice.apiMode,
                        previous: context.remote["\(target).mode"] ?? nil, location: at)
                ]
                if case .member(let name) = choice {
                    out.append(
                        .init(
                            action: action.name, target: target, field: "member",
                            value: resolve(name, variables)?.rawValue ?? name.text,
                            previous: context.remote["\(target).member"] ?? nil, location: at))
                }
                return out
            }
        case .system(let changes):
            return write("system", changes)
        case .systemServer(let servers, let changes):
            return self.servers(servers).flatMap { write("system_server:\($0)", changes) }
        case .member(let name, let changes):
            return write("member:\(memberText(name, variables))", changes)
        case .memberServer(let name, let servers, let changes):
            let member = memberText(name, variables)
            return self.servers(servers).flatMap { write("member_server:\(member)@\($0)", changes) }
        case .logSwitch(let names):
            let ids = names.map { resolve($0, variables)?.rawValue ?? $0.text }
            return [
                .init(
                    action: action.name, target: "switch", field: "members", value: ids.joined(separator: ","),
                    previous: front.members.map(\.id.rawValue).joined(separator: ","), location: at)
            ]
        case .log(let message, _):
            return [
                .init(
                    action: action.name, target: nil, field: nil, value: message.render(variables), previous: nil,
                    location: at)
            ]
        case .exec(let exec):
            let argv = exec.argv.map { $0.render(variables) }
            var outcome = DecisionRecord.ActionOutcome(
                action: action.name, target: nil, field: nil, value: argv.joined(separator: " "), previous: nil,
                location: at)
            outcome.argv = argv
            var environment = Dictionary(
                exec.environment.map { ($0.name, $0.value.render(variables)) }, uniquingKeysWith: { _, b in b })
            environment.merge(eventEnvironment) { _, ours in ours }
            outcome.environment = environment
            outcome.timeout = exec.timeout.seconds
            return [outcome]
        case .webhook(let hook):
            let url = hook.url.render(variables)
            var outcome = DecisionRecord.ActionOutcome(
                action: action.name, target: nil, field: nil, value: url, previous: nil, location: at)
            outcome.url = url
            outcome.headers = Dictionary(
                hook.headers.map { ($0.name, $0.value.render(variables)) }, uniquingKeysWith: { _, b in b })
            outcome.body = hook.body?.render(variables) ?? eventBody
            outcome.timeout = hook.timeout.seconds
            return [outcome]
        }
    }

    /// What an `exec` always gets: `PK_EVENT`, `PK_EVENT_SEQ`, `PK_SYSTEM`, `PK_RULE`, and
    /// `PK_SWITCH_ID` / `PK_MEMBER_ID` when the trigger has them (the executor adds `PK_ACTION_ID`).
    var eventEnvironment: [String: String] {
        var out = [
            "PK_EVENT": event.kind, "PK_EVENT_SEQ": "\(event.seq)", "PK_SYSTEM": context.system.id,
            "PK_RULE": rule.name,
        ]
        if let id = source?.switchID { out["PK_SWITCH_ID"] = id.rawValue }
        if let member { out["PK_MEMBER_ID"] = member.id.rawValue }
        return out
    }

    /// A webhook's body without `body:`: the event's decision record, with the rule's name.
    var eventBody: String {
        let record = DecisionRecord(
            time: RuleEngine.iso(now, context.timeZone), kind: .event, rule: rule.name, event: event)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(record)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
    }

    /// A member target as the rules wrote it (a template rendered).
    func memberText(_ name: MemberName, _ variables: [String: Any]) -> String {
        guard name.isTemplate else { return name.text }
        return resolve(name, variables)?.rawValue ?? name.text
    }

    /// The servers of a target, by alias (or id) as the rules wrote them.
    func servers(_ target: ServerTarget) -> [String] {
        switch target {
        case .all: rules.servers.keys.sorted()
        case .servers(let refs): refs.map(\.text)
        }
    }
}
