// The rule engine's speed: decisions per second for 1 000 rules on one switch, and for the
// 13 example rule files over a replay of 10 000 switches — through the same Simulator
// `pkfrontd simulate` uses (the engine, the switch history, the virtual remote values).
// Not a test: it prints figures and asserts nothing. There is no anchor: pluralkit.py and the
// other PluralKit tools have no rule engine to compare with.
//
//     swift run -c release engine-bench          (make bench-engine)
import Foundation
import FrontEvents
import PluralKit
import Rules

let names = ["Alex", "Sam", "Kit", "Jordan", "Robin", "Morgan", "Quinn", "Riley"]
let ids = ["aaaaa", "bbbbb", "ccccc", "ddddd", "eeeee", "fffff", "ggggg", "hhhhh"]
let directory = NameDirectory(
    members: zip(ids, names).map { NameEntry(id: $0, uuid: nil, name: $1, displayName: nil) },
    groups: [
        NameEntry(id: "lllll", uuid: nil, name: "Littles", displayName: nil),
        NameEntry(id: "hosts", uuid: nil, name: "Hosts", displayName: nil),
    ],
    source: "the benchmark's member list",
    groupMembers: ["lllll": [MemberID("ccccc"), MemberID("eeeee")], "hosts": [MemberID("aaaaa"), MemberID("bbbbb")]])
let zone = TimeZone(identifier: "Europe/Berlin")!
let context = EngineContext(
    members: directory.members, groups: directory.engineGroups, system: ("sysab", "Bench", nil), timeZone: zone)

/// 1 000 rules of the kinds people write: event rules with conditions, while rules on groups
/// and members, fronting_for timers, schedules; templates in most of them.
func thousandRules() -> String {
    var out = "aliases: { Art Club: \"100000000000000001\", Work: \"100000000000000002\" }\nrules:\n"
    for k in 0..<1_000 {
        let who = names[k % names.count]
        switch k % 5 {
        case 0:
            out += """
                  - name: r\(k) log
                    when: switch
                    if: { fronters: { include: \(who) } }
                    do: [ { log: "{{ fronter_names }} (was {{ previous_names or \\"nobody\\" }})" } ]

                """
        case 1:
            out += """
                  - name: r\(k) tag
                    when: first_fronter_changed
                    if: { fronters: { first: \(who) } }
                    do: [ { member: { member: \(who), display_name: "{{ first.name }} \(k)" } } ]

                """
        case 2:
            out += """
                  - name: r\(k) while
                    while: [ { fronters: { any_in_group: Littles } }, { fronters: { include_none: [\(who)] } } ]
                    do: [ { member_server: { member: \(who), server: Work, display_name: "\(k)" } } ]

                """
        case 3:
            out += """
                  - name: r\(k) timer
                    when: { fronting_for: \(1 + k % 6)h, member: anyone }
                    cooldown: 1h
                    do: [ { log: "{{ member.name }} has fronted for {{ duration }}" } ]

                """
        default:
            out += """
                  - name: r\(k) schedule
                    when: { at: "0\(k % 10):\(10 + k % 50)", days: weekdays }
                    if: { fronters: { count: { at_least: 1 } } }
                    do: [ { log: "check-in {{ first.name or \\"nobody\\" }}" } ]

                """
        }
    }
    return out
}

func load(text: String) -> RuleSet {
    let result = RuleLoader(directory: directory).load(text: text, label: "bench.yaml")
    guard let set = result.ruleSet else {
        fatalError(result.diagnostics.prefix(3).map(\.description).joined(separator: "\n"))
    }
    return set
}

func simulate(_ rules: RuleSet, _ script: SimulationScript) -> [DecisionRecord] {
    var simulator = Simulator(rules: rules, context: context) { _ in .success(rules) }
    do { return try simulator.run(script) } catch { fatalError("\(error)") }
}

func peakMB() -> Double {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

/// Deterministic pseudo-random numbers (SplitMix64).
struct Mix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

let clock = ContinuousClock()
let start = Timestamp(secondsSince1970: 1_796_400_000)  // 2026-12-04T08:00:00Z, a Friday

// 1. 1 000 rules on one switch (Alex → Kit, Sam), settle included.
let big = load(text: thousandRules())
let one = SimulationScript.oneSwitch(
    to: [
        MemberName(text: "Kit", location: .init(file: "b", line: 1, column: 1)),
        MemberName(text: "Sam", location: .init(file: "b", line: 1, column: 1)),
    ],
    from: [MemberName(text: "Alex", location: .init(file: "b", line: 1, column: 1))], at: start, settle: .seconds(5))
_ = simulate(big, one)  // warm-up
var decisions = 0
let rounds = 20
let t1 = clock.measure {
    for _ in 0..<rounds { decisions += simulate(big, one).filter { $0.rule != nil }.count }
}
print("1 000 rules, one switch (the start, the switch, settle):")
print(
    String(
        format: "  %d decisions per round, %.2f ms per round, %.0f decisions/s (%d rounds)", decisions / rounds,
        seconds(t1) * 1000 / Double(rounds), Double(decisions) / seconds(t1), rounds))

// 2. The 13 examples over 10 000 switches, 5 minutes to 6 hours apart, co-fronts and switch-outs.
let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("rules/examples").path
let loaded = RuleLoader(directory: directory).load(path: examples)
guard let exampleRules = loaded.ruleSet else {
    fatalError(loaded.diagnostics.map(\.description).joined(separator: "\n"))
}
var mix = Mix(state: 42)
var history: [TrackedSwitch] = []
var at = start
let count = Int(ProcessInfo.processInfo.environment["BENCH_SWITCHES"] ?? "") ?? 10_000
for n in 0..<count {
    at = at.adding(.seconds(Int64(300 + mix.next() % 21_300)))
    let size = Int(mix.next() % 4)  // 0: a switch-out
    var members: [MemberID] = []
    while members.count < size {
        let m = MemberID(ids[Int(mix.next() % UInt64(ids.count))])!
        if !members.contains(m) { members.append(m) }
    }
    history.append(
        TrackedSwitch(
            id: SwitchID(String(format: "00000000-0000-4000-8000-%012d", n + 1))!, timestamp: at, members: members))
}
let replay = SimulationScript.replay(history, from: start, to: at.adding(.seconds(3600)))
var records: [DecisionRecord] = []
let t2 = clock.measure { records = simulate(exampleRules, replay) }
let made = records.filter { $0.rule != nil }.count
let days = Double(start.duration(to: at).components.seconds) / 86_400
print("The 13 examples (\(exampleRules.rules.count) rules), \(count) switches over \(Int(days)) days:")
print(
    String(
        format: "  %d decisions, %d events, %.2f s, %.0f decisions/s, %.0f switches/s", made,
        records.count - made, seconds(t2), Double(made) / seconds(t2), Double(count) / seconds(t2)))
print(String(format: "Peak memory (max RSS): %.1f MB", peakMB()))
