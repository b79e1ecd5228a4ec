import Foundation

/// What a simulation did, counted per rule — the summary `simulate --since` prints after a
/// replay of real history ("what would my rules have done last week?").
public struct SimulationSummary: Sendable, Hashable {
    /// One rule's counts.
    public struct RuleCounts: Sendable, Hashable {
        /// The rule's name.
        public var rule: String
        /// `ran` records: runs that performed at least one action.
        public var runs = 0
        /// `reverted` records: releases of a `while` rule that wrote a value back.
        public var reverts = 0
        /// PluralKit writes the runs and reverts decided (one per field; a `log_switch` counts once).
        public var writes = 0
        /// Journal lines (`log` actions).
        public var logs = 0
        /// `exec` and `webhook` invocations.
        public var effects = 0
        /// Runs held back by quiet hours (`deferred` records).
        public var deferred = 0
        /// Runs that did not happen, by reason.
        public var notRun: [DecisionRecord.Reason: Int] = [:]

        /// Creates empty counts for `rule`.
        public init(rule: String) { self.rule = rule }
    }

    /// Switches replayed (switch events that are not the daemon's own).
    public var switches = 0
    /// The daemon's own switches (`log_switch` runs that changed the front).
    public var ownSwitches = 0
    /// Every event the tracker would have reported.
    public var events = 0
    /// Per rule, in the order of the rule file (rules that never appear have zero counts).
    public var rules: [RuleCounts]

    /// Counts `records`, listing `rules` (the rule names in file order) even when they did nothing.
    public init(records: [DecisionRecord], rules names: [String]) {
        var byName: [String: RuleCounts] = [:]
        for name in names { byName[name] = RuleCounts(rule: name) }
        var order = names
        var ownWrite = false
        for record in records {
            if record.kind == .event {
                events += 1
                if record.event?.kind == "switch" { switches += 1 }
                continue
            }
            guard let rule = record.rule else { continue }
            if byName[rule] == nil {
                byName[rule] = RuleCounts(rule: rule)
                order.append(rule)
            }
            var counts = byName[rule]!
            switch record.kind {
            case .ran, .reverted:
                if record.kind == .ran { counts.runs += 1 } else { counts.reverts += 1 }
                for action in record.actions ?? [] {
                    switch action.action {
                    case "log": counts.logs += 1
                    case "exec", "webhook": counts.effects += 1
                    default:
                        counts.writes += 1
                        if action.action == "log_switch" { ownWrite = true }
                    }
                }
            case .deferred: counts.deferred += 1
            case .notRun:
                if let reason = record.reason { counts.notRun[reason, default: 0] += 1 }
                if record.reason == .ownWrite { ownWrite = true }
            case .event, .armed, .fired: break
            }
            byName[rule] = counts
        }
        rules = order.compactMap { byName[$0] }
        // The daemon's own switches show as switch events too; count them apart.
        if ownWrite {
            ownSwitches =
                records.filter { r in r.kind == .ran && (r.actions ?? []).contains { $0.action == "log_switch" } }
                .count
            switches = max(0, switches - ownSwitches)
        }
    }

    /// A table for a terminal: one line per rule with its runs, reverts, writes, journal lines,
    /// exec/webhook invocations, deferrals and non-runs by reason.
    public var text: String {
        let headers = ["rule", "runs", "reverts", "writes", "logs", "exec/webhook", "deferred", "did not run"]
        var rows: [[String]] = []
        for c in rules {
            let total = c.notRun.values.reduce(0, +)
            let reasons = c.notRun.sorted {
                $0.value != $1.value ? $0.value > $1.value : $0.key.rawValue < $1.key.rawValue
            }
            .map { "\($0.key.rawValue.replacingOccurrences(of: "_", with: " ")) \($0.value)" }
            rows.append([
                c.rule, "\(c.runs)", "\(c.reverts)", "\(c.writes)", "\(c.logs)", "\(c.effects)", "\(c.deferred)",
                total == 0 ? "0" : "\(total) (\(reasons.joined(separator: ", ")))",
            ])
        }
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                // Names and the last column read left to right; numbers line up on the right.
                return i == 0 || i == cells.count - 1 ? cell + pad : pad + cell
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var out = [line(headers)]
        out += rows.map(line)
        let total = rules.reduce(0) { $0 + $1.writes }
        let own = ownSwitches > 0 ? ", \(ownSwitches) own switch\(ownSwitches == 1 ? "" : "es")" : ""
        out.append(
            "\(switches) switch\(switches == 1 ? "" : "es") replayed\(own), \(events) events, \(total) PluralKit write\(total == 1 ? "" : "s") decided"
        )
        return out.joined(separator: "\n")
    }
}
