import Foundation
import FrontEvents
import FrontTracking
import PluralKit
import PluralKitFake
import PluralKitTesting
import Testing

@testable import Rules

/// The files in `rules/examples/` load into the model their comments describe.
@Suite("Example rule files")
struct ExampleTests {
    func example(_ name: String, directory: NameDirectory? = demoDirectory) throws -> RuleSet {
        let result = RuleLoader(directory: directory).load(path: rulesFolder + "/examples/" + name)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.description))")
        return try #require(result.ruleSet)
    }

    static let artClub = "100000000000000001"
    static let work = "100000000000000002"

    @Test("every example defines the demo's two server aliases")
    func aliases() throws {
        #expect(exampleFiles.count >= 8)
        for file in exampleFiles {
            let set = try #require(RuleLoader(directory: demoDirectory).load(path: file).ruleSet, "\(file)")
            #expect(set.servers.mapValues(\.guildID) == ["Art Club": Self.artClub, "Work": Self.work], "\(file)")
            #expect(!set.rules.isEmpty)
        }
    }

    @Test("autoproxy to Alex in Art Club while Alex fronts, front mode after")
    func autoproxyAlex() throws {
        let rule = try #require(try example("autoproxy-alex-art-club.yaml").rules.first)
        guard case .while(.fronters(.include(let who), previous: false, _)) = rule.activation else {
            Issue.record("\(rule.activation)")
            return
        }
        #expect(who.map(\.text) == ["Alex"])
        guard case .autoproxy(.servers(let servers), .member(let member)) = rule.actions.first?.kind else {
            Issue.record("actions")
            return
        }
        #expect(servers.map(\.guildID) == [Self.artClub])
        #expect(member.text == "Alex")
        guard case .autoproxy(.servers(let after), .front) = rule.after?.first?.kind else {
            Issue.record("after")
            return
        }
        #expect(after.map(\.guildID) == [Self.artClub])
    }

    @Test("autoproxy off everywhere after 30 minutes with nobody fronting, restored after")
    func autoproxyOff() throws {
        let rule = try #require(try example("autoproxy-off-when-nobody-fronts.yaml").rules.first)
        guard case .while(.all(let parts, _)) = rule.activation, parts.count == 2 else {
            Issue.record("\(rule.activation)")
            return
        }
        guard case .fronters(.count(0...0), false, _) = parts[0] else {
            Issue.record("\(parts[0])")
            return
        }
        guard case .frontDuration(.front, let atLeast, nil, _) = parts[1] else {
            Issue.record("\(parts[1])")
            return
        }
        #expect(atLeast == .seconds(1800))
        guard case .autoproxy(.all, .off) = rule.actions.first?.kind else {
            Issue.record("actions")
            return
        }
        #expect(rule.after == nil)  // nil: undo what `do` changed
    }

    @Test("log every switch with who joined and left")
    func logSwitches() throws {
        let rule = try #require(try example("log-every-switch.yaml").rules.first)
        #expect(rule.triggers.map(\.kind) == [.event(.switch)])
        guard case .log(let message, .notice) = rule.actions.first?.kind else {
            Issue.record("actions")
            return
        }
        #expect(message.references.map(\.path) == ["fronter_names", "added_names", "removed_names"])
        let text = message.render(["fronter_names": "Sam, Kit", "added_names": "Kit"])
        #expect(text == "Now fronting: Sam, Kit. Joined: Kit. Left: nobody.")
    }

    @Test("Littles: system tag and autoproxy off in Work while a Little fronts")
    func littles() throws {
        let set = try example("littles-mode.yaml")
        let rule = try #require(set.rules.first)
        guard case .while(.fronters(.anyInGroup(let group), false, _)) = rule.activation else {
            Issue.record("\(rule.activation)")
            return
        }
        #expect(group.text == "Littles")
        #expect(set.groupIDs["Littles"] == "lllll")
        #expect(rule.actions.map(\.name) == ["system", "autoproxy"])
        guard case .system(let changes) = rule.actions[0].kind, case .text(let tag) = changes.first?.value else {
            Issue.record("system")
            return
        }
        #expect(changes.map(\.field) == ["tag"])
        #expect(tag.source == "| little space")
        guard case .autoproxy(.servers(let servers), .off) = rule.actions[1].kind else {
            Issue.record("autoproxy")
            return
        }
        #expect(servers.map(\.guildID) == [Self.work])
    }

    @Test("the server display name follows the first fronter (also at start)")
    func displayName() throws {
        let set = try example("display-name-follows-first-fronter.yaml")
        #expect(set.rules.count == 2)
        #expect(set.rules[0].triggers.map(\.kind) == [.event(.firstFronterChanged), .event(.daemonStarted)])
        guard case .systemServer(.servers(let servers), let changes) = set.rules[0].actions.first?.kind,
            case .text(let name) = changes.first?.value
        else {
            Issue.record("actions")
            return
        }
        #expect(servers.map(\.guildID) == [Self.artClub])
        #expect(changes.map(\.field) == ["display_name"])
        #expect(name.render(["first": ["shown": "Alex"]]) == "Alex")
        guard case .systemServer(_, let clear) = set.rules[1].actions.first?.kind, case .clear = clear.first?.value
        else {
            Issue.record("clear")
            return
        }
    }

    @Test("a reminder after 4 hours of the same fronter, at most every 4 hours")
    func reminder() throws {
        let rule = try #require(try example("four-hour-reminder.yaml").rules.first)
        #expect(rule.triggers.map(\.kind) == [.frontingFor(.seconds(14_400), .anyMember)])
        #expect(rule.cooldown == .seconds(14_400))
        guard case .time(let window, _) = rule.condition else {
            Issue.record("condition")
            return
        }
        #expect(window == TimeWindow(from: .init(hour: 8, minute: 0), to: .init(hour: 22, minute: 0)))
        guard case .log(let message, .notice) = rule.actions.first?.kind else {
            Issue.record("log")
            return
        }
        #expect(
            message.render(["member": ["shown": "Sam"], "duration": "4h"])
                == "Sam has fronted for 4h; time for a break or a check-in?")
    }

    @Test("quiet hours 23:00–07:00 defer changes")
    func quietHours() throws {
        let set = try example("quiet-hours.yaml")
        let quiet = try #require(set.settings.quietHours)
        #expect(quiet.mode == .defer)
        #expect(quiet.window.contains(.init(hour: 23, minute: 30)) && quiet.window.contains(.init(hour: 6, minute: 59)))
        #expect(
            !quiet.window.contains(.init(hour: 7, minute: 0)) && !quiet.window.contains(.init(hour: 22, minute: 59)))
        #expect(set.rules.first?.quietHours == .follow)
        #expect(set.rules.first?.actions.first?.writesToPluralKit == true)
    }

    @Test("exec is opted in and takes an argument list")
    func exec() throws {
        let rule = try #require(try example("exec-hook.yaml").rules.first)
        #expect(rule.allows == [.exec])
        guard case .exec(let exec) = rule.actions.first?.kind else {
            Issue.record("exec")
            return
        }
        #expect(exec.argv.first?.source == "/usr/bin/notify-send")
        #expect(exec.timeout == .seconds(10))
        #expect(exec.environment.map(\.name) == ["FRONT_FIRST"])
        #expect(exec.argv[2].render(["fronter_names": "Alex"]) == "Alex fronting")
        #expect(exec.argv[2].render([:]) == "Nobody fronting")
    }

    @Test("schedule, switch-out, member settings, previous front and time windows")
    func others() throws {
        let morning = try #require(try example("morning-check-in.yaml").rules.first)
        guard case .schedule(let schedule) = morning.triggers.first?.kind else {
            Issue.record("schedule")
            return
        }
        #expect(schedule.times == [.init(hour: 9, minute: 0)])
        #expect(schedule.days == [.monday, .tuesday, .wednesday, .thursday, .friday])

        let night = try #require(try example("switch-out-overnight.yaml").rules.first)
        guard case .logSwitch(let members) = night.actions.first?.kind else {
            Issue.record("log_switch")
            return
        }
        #expect(members.isEmpty)
        #expect(night.quietHours == .ignore)

        let jordan = try #require(try example("work-display-name.yaml").rules.first)
        guard case .memberServer(let m, .servers(let s), let changes) = jordan.actions.first?.kind else {
            Issue.record("member_server")
            return
        }
        #expect(m.text == "Jordan" && s.map(\.guildID) == [Self.work] && changes.map(\.field) == ["display_name"])

        let welcome = try #require(try example("welcome-back.yaml").rules.first)
        guard case .fronters(.count(0...0), previous: true, _) = welcome.condition else {
            Issue.record("previous")
            return
        }
        #expect(welcome.settle == .seconds(10))
        guard case .log(let text, .info) = welcome.actions.first?.kind else {
            Issue.record("log")
            return
        }
        #expect(
            text.render(["first": ["shown": "Kit"], "fronters": [["name": "Kit"], ["name": "Sam"]]])
                == "Welcome back, Kit (Kit Sam fronting)")

        let sam = try #require(try example("sam-night-name.yaml").rules.first)
        guard case .while(.all(let parts, _)) = sam.activation, case .time(let window, _) = parts.last else {
            Issue.record("while")
            return
        }
        #expect(
            window.contains(.init(hour: 23, minute: 0)) && window.contains(.init(hour: 5, minute: 0))
                && !window.contains(.init(hour: 12, minute: 0)))
    }

    @Test("offline (no member list) every example passes with warnings only")
    func offline() throws {
        for file in exampleFiles {
            let result = RuleLoader(directory: nil).load(path: file)
            #expect(result.ruleSet != nil, "\(file)")
            #expect(!result.diagnostics.hasErrors, "\(result.diagnostics.map(\.description))")
            #expect(result.diagnostics.allSatisfy { $0.message.contains("was not checked") })
        }
    }

    @Test("against the fake's live demo system every name resolves: no warnings")
    func live() async throws {
        let directory = try await FakeFixture.run(seed: .demo) { fixture in
            NameDirectory(members: try await fixture.owner.getMembers(), groups: try await fixture.owner.getGroups())
        }
        for file in exampleFiles {
            let result = RuleLoader(directory: directory).load(path: file)
            #expect(result.diagnostics.isEmpty, "\(file): \(result.diagnostics.map(\.description))")
        }
        // The whole folder also loads as one directory (aliases repeated with the same value merge);
        // its one warning is that two of the files write the system tag (WriteConflictTests).
        let all = RuleLoader(directory: directory).load(path: rulesFolder + "/examples")
        #expect(
            all.diagnostics.map(\.message).allSatisfy {
                $0.hasPrefix("rules 'Littles mode'") && $0.contains("can both write system.tag")
            },
            "\(all.diagnostics.map(\.description))")
        #expect(all.ruleSet?.rules.count == exampleFiles.count + 1)
    }
}
