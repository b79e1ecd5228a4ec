import Foundation

extension DecisionRecord {
    /// The record in words, one line, for a person in a terminal
    /// ("22:10:05 Littles tag ran: system tag '| TES' → '| little'").
    public var text: String {
        let clock = time.count >= 19 ? String(time.dropFirst(11).prefix(8)) : time
        let who = rule ?? ""
        func quoted(_ v: String?) -> String { v.map { "'\($0)'" } ?? "nothing" }
        func words(_ actions: [ActionOutcome]?) -> String {
            (actions ?? []).map { a in
                guard let target = a.target, let field = a.field else { return "\(a.action): \(quoted(a.value))" }
                let place = target == "system" ? "system" : target
                let change = a.previous.map { "\(quoted($0)) → " } ?? "→ "
                return "\(place) \(field.replacingOccurrences(of: "_", with: " ")) \(change)\(quoted(a.value))"
            }.joined(separator: "; ")
        }
        let via =
            event.map { e -> String in
                let seq = e.seq > 0 ? " #\(e.seq)" : ""
                return " (on \(e.kind)\(seq)\(e.catchUp ? ", catch-up" : ""))"
            } ?? ""
        switch kind {
        case .event:
            return
                "\(clock) event \(event?.kind ?? "?")\(event.map { " #\($0.seq)" } ?? "")\(event?.catchUp == true ? " (catch-up)" : "")"
        case .ran:
            return "\(clock) \(who) ran\(via): \(words(actions))\(note.map { " — \($0)" } ?? "")"
        case .notRun:
            let why = (reason?.rawValue ?? "").replacingOccurrences(of: "_", with: " ")
            let failed = (conditions ?? []).filter { !$0.result }.map { c in
                c.compared.map { "\(c.test) — \($0)" } ?? c.test
            }
            var detail = failed.isEmpty ? "" : ": " + failed.joined(separator: "; ")
            if let note { detail += " — \(note)" }
            if reason == .dryRun { detail += " (would: \(words(actions)))" }
            return "\(clock) \(who) did not run\(via): \(why)\(detail)"
        case .armed:
            return "\(clock) \(who) armed: due \(due ?? "?")\(note.map { " (\($0))" } ?? "")"
        case .fired:
            return "\(clock) \(who) fired\(note.map { ": \($0)" } ?? "")"
        case .deferred:
            return "\(clock) \(who) deferred until quiet hours end: \(words(actions))"
        case .reverted:
            return "\(clock) \(who) reverted: \(words(actions))"
        }
    }
}
