import Testing

@testable import Rules

/// Every kind of mistake is reported at its exact line:column with its exact message.
@Suite("Rule file errors")
struct ErrorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var yaml: String
        var expected: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "blank rule name",
            yaml: "rules:\n  - name: \"  \"\n    when: switch\n    do: [ { log: hi } ]\n",
            expected: [
                "2:11: error: the rule's name is blank; give it a name (it is shown in the journal as PK_RULE)"
            ]),
        Case(
            name: "midnight written as 24:00 in a schedule",
            yaml: "rules:\n  - name: a\n    when: { at: \"24:00\" }\n    do: [ { log: hi } ]\n",
            expected: [
                "3:17: error: `at:` \"24:00\" never comes; write \"00:00\" (midnight, at the start of a day)"
            ]),
        Case(
            name: "unknown top-level key",
            yaml: "rule:\n  - name: x\n",
            expected: [
                "1:1: error: unknown key 'rule' in the rule file (did you mean 'rules'?); allowed: allow, settings, aliases, rules"
            ]),
        Case(
            name: "top level is a list",
            yaml: "- name: x\n",
            expected: [
                "1:1: error: the rule file must be a mapping of allow, settings, aliases, rules…, not a list (start with `rules:`; see rules/README.md)"
            ]),
        Case(
            name: "tab indentation",
            yaml: "rules:\n\t- name: x\n",
            expected: [
                "2:1: error: not valid YAML: found character that cannot start any token (while scanning for the next token that started at line 2, column 1); YAML does not allow tabs for indentation: indent with spaces"
            ]),
        Case(
            name: "unclosed quote",
            yaml: "rules:\n  - name: \"abc\n",
            expected: [
                "2:11: error: not valid YAML: this quoted text is never closed (the file ends first); add the closing quote"
            ]),
        Case(
            name: "bad indentation",
            yaml: "rules:\n  - name: a\n   when: switch\n",
            expected: [
                "3:4: error: not valid YAML: did not find expected '-' indicator (while parsing a block collection that started at line 2, column 3)"
            ]),
        Case(
            name: "duplicate key in a rule",
            yaml: "rules:\n  - name: a\n    when: switch\n    when: front_cleared\n    do:\n      - log: hi\n",
            expected: [
                "4:5: error: duplicate key 'when': it was already set at line 3, column 5; each key may appear once in a mapping"
            ]),
        Case(
            name: "duplicate top-level key",
            yaml: "rules: []\nrules: []\n",
            expected: [
                "2:1: error: duplicate key 'rules': it was already set at line 1, column 1; each key may appear once in a mapping"
            ]),
        Case(
            name: "rule without a name",
            yaml: "rules:\n  - when: switch\n    do:\n      - log: hi\n",
            expected: [
                "2:5: error: this rule has no name: add `name: …` (it is shown in the journal as PK_RULE)"
            ]),
        Case(
            name: "rule without when or while",
            yaml: "rules:\n  - name: a\n    do:\n      - log: hi\n",
            expected: [
                "2:5: error: rule 'a' has no `when:` or `while:`; say what makes it run, e.g. `when: switch`"
            ]),
        Case(
            name: "rule with when and while",
            yaml:
                "rules:\n  - name: a\n    when: switch\n    while: { fronters: { count: 0 } }\n    do:\n      - log: hi\n",
            expected: [
                "4:5: error: a rule has either `when:` (react to something happening) or `while:` (keep something true), not both"
            ]),
        Case(
            name: "rule without do",
            yaml: "rules:\n  - name: a\n    when: switch\n",
            expected: [
                "2:5: error: rule 'a' has no `do:`; list what it does"
            ]),
        Case(
            name: "empty do",
            yaml: "rules:\n  - name: a\n    when: switch\n    do: []\n",
            expected: [
                "4:9: error: `do:` is empty; list what the rule does"
            ]),
        Case(
            name: "unknown rule key with a synonym",
            yaml: "rules:\n  - name: a\n    when: switch\n    then:\n      - log: hi\n",
            expected: [
                "4:5: error: unknown key 'then' in a rule (did you mean 'do'?); allowed: name, description, when, while, if, do, after, cooldown, settle, quiet_hours, enabled, dry_run, catch_up"
            ]),
        Case(
            name: "rules not a list",
            yaml: "rules:\n  name: a\n",
            expected: [
                "2:3: error: rules must be a list: start each rule with '- name: …'"
            ]),
        Case(
            name: "duplicate rule names",
            yaml:
                "rules:\n  - name: A\n    when: switch\n    do: [ { log: hi } ]\n  - name: a\n    when: switch\n    do: [ { log: hi } ]\n",
            expected: [
                "5:5: error: another rule is already named 'a' (at line 2); rule names must be unique, they identify the rule in the journal"
            ]),
        Case(
            name: "unknown trigger",
            yaml: "rules:\n  - name: a\n    when: swich\n    do: [ { log: hi } ]\n",
            expected: [
                "3:11: error: unknown trigger 'swich' (did you mean 'switch'?); triggers are the events switch, fronter_added, fronter_removed, first_fronter_changed, front_cleared, switch_edited, switch_deleted, api_unreachable, api_recovered, token_rejected, token_accepted, state_reset, daemon_started, daemon_stopping, rules_reloaded, reload_failed, action_failed, `fronting_for: DURATION` and `at: TIME`"
            ]),
        Case(
            name: "trigger synonym",
            yaml: "rules:\n  - name: a\n    when: startup\n    do: [ { log: hi } ]\n",
            expected: [
                "3:11: error: unknown trigger 'startup' (did you mean 'daemon_started'?); triggers are the events switch, fronter_added, fronter_removed, first_fronter_changed, front_cleared, switch_edited, switch_deleted, api_unreachable, api_recovered, token_rejected, token_accepted, state_reset, daemon_started, daemon_stopping, rules_reloaded, reload_failed, action_failed, `fronting_for: DURATION` and `at: TIME`"
            ]),
        Case(
            name: "duration with a space",
            yaml: "rules:\n  - name: a\n    when: { fronting_for: 4 hours }\n    do: [ { log: hi } ]\n",
            expected: [
                "3:27: error: '4 hours' is not a duration; write e.g. 30s, 15m, 4h or 1h30m"
            ]),
        Case(
            name: "duration without unit",
            yaml: "rules:\n  - name: a\n    when: { fronting_for: 30 }\n    do: [ { log: hi } ]\n",
            expected: [
                "3:27: error: '30' is not a duration; write e.g. 30s, 15m, 4h or 1h30m (add a unit: 30s, 30m or 30h)"
            ]),
        Case(
            name: "time out of range",
            yaml: "rules:\n  - name: a\n    when: { at: \"25:00\" }\n    do: [ { log: hi } ]\n",
            expected: [
                "3:17: error: `at:` must be a time of day such as \"07:00\" or \"23:30\", not '25:00'"
            ]),
        Case(
            name: "misspelt day",
            yaml: "rules:\n  - name: a\n    when: { at: \"09:00\", days: [mon, tuseday] }\n    do: [ { log: hi } ]\n",
            expected: [
                "3:38: error: 'tuseday' is not a day (did you mean 'tuesday'?); write mon … sun, monday … sunday, weekdays, weekends, every day or a range like mon-fri"
            ]),
        Case(
            name: "schedule without at",
            yaml: "rules:\n  - name: a\n    when: { days: weekdays }\n    do: [ { log: hi } ]\n",
            expected: [
                "3:11: error: a schedule trigger needs `at:` (a time of day), e.g. `when: { at: \"09:00\", days: weekdays }`"
            ]),
        Case(
            name: "unknown condition",
            yaml:
                "rules:\n  - name: a\n    when: switch\n    if: { fronter: { include: Alex } }\n    do: [ { log: hi } ]\n",
            expected: [
                "4:11: error: unknown key 'fronter' in a condition (did you mean 'fronters'?); allowed: all, any, not, fronters, previous_fronters, member, time, days, front_duration"
            ]),
        Case(
            name: "unknown fronters test",
            yaml:
                "rules:\n  - name: a\n    when: switch\n    if: { fronters: { includes: Alex } }\n    do: [ { log: hi } ]\n",
            expected: [
                "4:23: error: unknown key 'includes' in `fronters:` (did you mean 'include'?); allowed: include, exactly, include_any, include_none, first, count, any_in_group, all_in_group, none_in_group, first_in_group"
            ]),
        Case(
            name: "count not a number",
            yaml:
                "rules:\n  - name: a\n    when: switch\n    if: { fronters: { count: many } }\n    do: [ { log: hi } ]\n",
            expected: [
                "4:30: error: count must be a whole number from 0 to 100, not 'many'"
            ]),
        Case(
            name: "time window without to",
            yaml:
                "rules:\n  - name: a\n    when: switch\n    if: { time: { from: \"23:00\" } }\n    do: [ { log: hi } ]\n",
            expected: [
                "4:17: error: time needs both `from:` and `to:`"
            ]),
        Case(
            name: "member condition without a member event",
            yaml: "rules:\n  - name: a\n    when: switch\n    if: { member: Alex }\n    do: [ { log: hi } ]\n",
            expected: [
                "4:11: error: `member:` tests the member of a fronter_added, fronter_removed or per-member fronting_for event, and this rule has none; to test who is fronting use `fronters: { include: … }`"
            ]),
        Case(
            name: "front_duration bounds reversed",
            yaml:
                "rules:\n  - name: a\n    when: switch\n    if: { front_duration: { at_least: 2h, less_than: 1h } }\n    do: [ { log: hi } ]\n",
            expected: [
                "4:27: error: front_duration: at_least (2h) must be less than less_than (1h)"
            ]),
        Case(
            name: "unknown member",
            yaml:
                "rules:\n  - name: a\n    when: switch\n    if: { fronters: { include: [Alex, Smа] } }\n    do: [ { log: hi } ]\n",
            expected: [
                "4:39: error: unknown member 'Smа': no member has this name, display name, id or UUID in the test member list"
            ]),
        Case(
            name: "unknown group",
            yaml:
                "rules:\n  - name: a\n    when: switch\n    if: { fronters: { any_in_group: Litles } }\n    do: [ { log: hi } ]\n",
            expected: [
                "4:37: error: unknown group 'Litles' (did you mean 'Littles'?): no group has this name, display name, id or UUID in the test member list"
            ]),
        Case(
            name: "ambiguous member is resolved by id",
            yaml:
                "rules:\n  - name: a\n    when: switch\n    if: { fronters: { first: aaaaa } }\n    do: [ { log: hi } ]\n",
            expected: []),
        Case(
            name: "unknown action",
            yaml:
                "aliases: { Work: \"100000000000000002\" }\nrules:\n  - name: a\n    when: switch\n    do:\n      - autoproxi: { server: Work, mode: off }\n",
            expected: [
                "6:9: error: unknown action 'autoproxi' (did you mean 'autoproxy'?); actions: autoproxy, system, system_server, member, member_server, log_switch, log, exec, webhook"
            ]),
        Case(
            name: "two actions in one item",
            yaml:
                "aliases: { Work: \"100000000000000002\" }\nrules:\n  - name: a\n    when: switch\n    do:\n      - log: hi\n        autoproxy: { server: Work, mode: off }\n",
            expected: [
                "7:9: error: one action per list item: start each action with '- ' on its own line"
            ]),
        Case(
            name: "action without settings",
            yaml: "rules:\n  - name: a\n    when: switch\n    do:\n      - log\n",
            expected: [
                "5:9: error: `log` needs its settings after a colon, e.g. `- log: \"{{ fronter_names }} fronting\"`"
            ]),
        Case(
            name: "bad autoproxy mode",
            yaml:
                "aliases: { Work: \"100000000000000002\" }\nrules:\n  - name: a\n    when: switch\n    do:\n      - autoproxy: { server: Work, mode: latched }\n",
            expected: [
                "6:42: error: autoproxy mode 'latched' is not one of off, front, latch, member (did you mean 'latch'?)"
            ]),
        Case(
            name: "server without aliases",
            yaml: "rules:\n  - name: a\n    when: switch\n    do:\n      - autoproxy: { server: Work, mode: off }\n",
            expected: [
                "5:30: error: unknown server 'Work'; no aliases are defined; add them under `aliases:`"
            ]),
        Case(
            name: "misspelt server alias",
            yaml:
                "aliases: { Work: \"100000000000000002\" }\nrules:\n  - name: a\n    when: switch\n    do:\n      - autoproxy: { server: Wrok, mode: off }\n",
            expected: [
                "6:30: error: unknown server 'Wrok' (did you mean 'Work'?); aliases: Work"
            ]),
        Case(
            name: "alias not an id",
            yaml: "aliases:\n  Work: 12345\nrules: []\n",
            expected: [
                "2:9: error: the alias 'Work' must be a Discord server id (15–20 digits, e.g. \"100000000000000001\"), not '12345'; copy it with Developer Mode → right-click the server → Copy Server ID"
            ]),
        Case(
            name: "alias all reserved",
            yaml: "aliases:\n  all: \"100000000000000002\"\nrules: []\n",
            expected: [
                "2:3: error: 'all' is reserved (`server: all` means every aliased server); choose another alias"
            ]),
        Case(
            name: "system tag too long",
            yaml:
                "rules:\n  - name: a\n    when: switch\n    do:\n      - system: { tag: \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\" }\n",
            expected: [
                "5:24: error: tag is 80 characters long; PluralKit allows at most 79"
            ]),
        Case(
            name: "bad colour",
            yaml: "rules:\n  - name: a\n    when: switch\n    do:\n      - system: { color: \"zzz\" }\n",
            expected: [
                "5:26: error: color 'zzz' is not a colour; write six hex digits such as \"ff8800\" (quote it)"
            ]),
        Case(
            name: "unknown system field",
            yaml: "rules:\n  - name: a\n    when: switch\n    do:\n      - system: { colour: \"ff0000\" }\n",
            expected: [
                "5:19: error: unknown key 'colour' in `system:` (did you mean 'color'?); allowed: name, description, tag, pronouns, color, avatar_url, banner"
            ]),
        Case(
            name: "member name cannot be cleared",
            yaml: "rules:\n  - name: a\n    when: switch\n    do:\n      - member: { member: Alex, name: null }\n",
            expected: [
                "5:39: error: name cannot be cleared"
            ]),
        Case(
            name: "exec without opt-in",
            yaml: "rules:\n  - name: a\n    when: switch\n    do:\n      - exec: [\"/bin/true\"]\n",
            expected: [
                "5:9: error: `exec` is off unless the file opts in: add `allow: [exec]` at the top of rules.yaml"
            ]),
        Case(
            name: "exec as a shell string",
            yaml:
                "allow: [exec]\nrules:\n  - name: a\n    when: switch\n    do:\n      - exec: { command: \"notify-send hi\" }\n",
            expected: [
                "6:26: error: exec takes a list of arguments, never a shell string (so no value can be run as shell code): write `command: [\"notify-send\", \"hi\"]`"
            ]),
        Case(
            name: "webhook without opt-in",
            yaml:
                "rules:\n  - name: a\n    when: switch\n    do:\n      - webhook: { url: \"https://example.org/hook\" }\n",
            expected: [
                "5:9: error: `webhook` is off unless the file opts in: add `allow: [webhook]` at the top of rules.yaml"
            ]),
        Case(
            name: "webhook with a bad URL",
            yaml:
                "allow: [webhook]\nrules:\n  - name: a\n    when: switch\n    do:\n      - webhook: { url: \"ftp://example.org\" }\n",
            expected: [
                "6:25: error: webhook url 'ftp://example.org' must start with https:// (or http://)"
            ]),
        Case(
            name: "unknown template variable",
            yaml: "rules:\n  - name: a\n    when: switch\n    do:\n      - log: \"hi {{ frist.name }}\"\n",
            expected: [
                "5:18: error: unknown template variable 'frist' (did you mean 'first'?); available here: added, added_names, event, first, fronter_count, fronter_names, fronters, now, previous_first, previous_fronters, previous_names, removed, removed_names, rule, switch, system"
            ]),
        Case(
            name: "unknown template field",
            yaml: "rules:\n  - name: a\n    when: switch\n    do:\n      - log: \"hi {{ first.nmae }}\"\n",
            expected: [
                "5:18: error: 'first' has no field 'nmae' (did you mean 'name'?); its fields: display_name, id, name, shown, uuid"
            ]),
        Case(
            name: "unclosed template section",
            yaml: "rules:\n  - name: a\n    when: switch\n    do:\n      - log: \"{{#fronters}}{{ name }}\"\n",
            expected: [
                "5:15: error: section 'fronters' is never closed; add {{/fronters}}"
            ]),
        Case(
            name: "template variable of one trigger only",
            yaml:
                "rules:\n  - name: a\n    when: [fronter_added, switch]\n    do:\n      - log: \"{{ member.name }}\"\n",
            expected: [
                "5:15: warning: 'member' is only set when the rule runs on fronter_added; otherwise {{ member.name }} renders empty"
            ]),
        Case(
            name: "template variable the trigger lacks",
            yaml: "rules:\n  - name: a\n    when: front_cleared\n    do:\n      - log: \"{{ member.name }}\"\n",
            expected: [
                "5:15: error: unknown template variable 'member'; available here: event, first, fronter_count, fronter_names, fronters, now, previous_first, previous_fronters, previous_names, rule, switch, system"
            ]),
        Case(
            name: "bad placeholder",
            yaml: "rules:\n  - name: a\n    when: switch\n    do:\n      - log: \"{{ first name }}\"\n",
            expected: [
                "5:15: error: '{{ first name }}' is not a valid placeholder (a default is written {{ name or \"text\" }})"
            ]),
        Case(
            name: "partials not supported",
            yaml: "rules:\n  - name: a\n    when: switch\n    do:\n      - log: \"{{> other }}\"\n",
            expected: [
                "5:15: error: partials ({{> name}}) are not supported in rule templates"
            ]),
        Case(
            name: "unknown transform",
            yaml: "rules:\n  - name: a\n    when: switch\n    do:\n      - log: \"{{ shout(first.name) }}\"\n",
            expected: [
                "5:15: error: unknown transform 'shout'; known: capitalized, count, empty, enumerated, equalzero, even, first, last, lowercased, minusone, odd, plusone, reversed, sorted, uppercased"
            ]),
        Case(
            name: "loop risk",
            yaml: "rules:\n  - name: a\n    when: fronter_added\n    do:\n      - log_switch: [Alex]\n",
            expected: [
                "5:9: warning: this rule reacts to front changes and also logs a switch: its own switch changes the front again (a loop risk). pkfrontd does not react to switches it logged itself, but another rule or device may; prefer a schedule or fronting_for trigger"
            ]),
        Case(
            name: "unknown time zone",
            yaml: "settings:\n  timezone: Europe/Berln\nrules: []\n",
            expected: [
                "2:13: error: unknown time zone 'Europe/Berln' (did you mean 'Europe/Berlin'?); write an IANA name such as Europe/Berlin or America/New_York"
            ]),
        Case(
            name: "bad quiet hours mode",
            yaml: "settings:\n  quiet_hours: { from: \"23:00\", to: \"07:00\", mode: later }\nrules: []\n",
            expected: [
                "2:52: error: quiet_hours mode is skip or defer, not 'later'"
            ]),
        Case(
            name: "bad settle",
            yaml: "settings:\n  settle: soon\nrules: []\n",
            expected: [
                "2:11: error: 'soon' is not a duration; write e.g. 30s, 15m, 4h or 1h30m"
            ]),
        Case(
            name: "unknown setting",
            yaml: "settings:\n  setle: 5s\nrules: []\n",
            expected: [
                "2:3: error: unknown key 'setle' in settings (did you mean 'settle'?); allowed: settle, cooldown, timezone, quiet_hours, dry_run, catch_up_window"
            ]),
        Case(
            name: "after on a when rule",
            yaml: "rules:\n  - name: a\n    when: switch\n    do: [ { log: hi } ]\n    after: [ { log: bye } ]\n",
            expected: [
                "5:5: error: `after:` belongs to `while:` rules (what to do when the condition stops holding)"
            ]),
        Case(
            name: "unknown opt-in",
            yaml: "allow: [shell]\nrules: []\n",
            expected: [
                "1:9: error: allow: 'shell' is not something a file can allow; write allow: [exec] and/or allow: [webhook]"
            ]),
        Case(
            name: "unused opt-in",
            yaml: "allow: [exec]\nrules: []\n",
            expected: [
                "1:1: warning: the file allows `exec` but none of its rules uses it; remove it from `allow:`"
            ]),
        Case(
            name: "exec program not absolute",
            yaml:
                "allow: [exec]\nrules:\n  - name: a\n    when: switch\n    do:\n      - exec: [\"notify-send\", \"hi\"]\n",
            expected: [
                "6:16: warning: 'notify-send' is not an absolute path; under systemd PATH is short, so write the full path (e.g. /usr/bin/notify-send)"
            ]),
        Case(
            name: "conditions nested too deep",
            yaml:
                "rules:\n  - name: a\n    when: switch\n    if: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {not: {days: mon}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}\n    do: [ { log: hi } ]\n",
            expected: [
                "4:201: error: conditions are nested more than 32 levels deep"
            ]),
    ]

    @Test("each problem at its place, with its message", arguments: cases)
    func problem(_ c: Case) {
        #expect(problems(c.yaml) == c.expected)
    }
}
