import Foundation
import FrontEvents

/// One file's top level, before the files of a directory are merged.
struct FileTop {
    var file: String
    var allows: Set<Rule.Opt> = []
    var allowLocation: SourceLocation?
    var settings: [(key: YNode, value: YNode)] = []
    var aliases: [(key: YNode, value: YNode)] = []
    var rules: YNode?
}

/// Parses rule files: the top level first (so aliases of all files are known), then the rules.
struct FileParser {
    static let topKeys = ["allow", "settings", "aliases", "rules"]
    static let settingKeys = ["settle", "cooldown", "timezone", "quiet_hours", "dry_run", "catch_up_window"]
    static let ruleKeys = [
        "name", "description", "when", "while", "if", "do", "after", "cooldown", "settle", "quiet_hours", "enabled",
        "dry_run", "catch_up",
    ]

    /// Reads the top level of a file.
    static func top(_ root: YNode, file: String, reader: inout NodeReader) -> FileTop {
        var top = FileTop(file: file)
        if root.isNull { return top }
        guard
            let fields = reader.fields(
                root, "the rule file", allowed: topKeys, hint: " (start with `rules:`; see rules/README.md)")
        else {
            return top
        }
        if let allow = fields["allow"] {
            top.allowLocation = fields.keyLocation("allow")
            for item in reader.list(allow) {
                guard let word = item.string, let opt = Rule.Opt(rawValue: word.lowercased()) else {
                    reader.error(
                        item.location,
                        "allow: '\(item.string ?? item.kindDescription)' is not something a file can allow\(Suggest.hint(item.string ?? "", Rule.Opt.allCases.map(\.rawValue))); write allow: [exec] and/or allow: [webhook]"
                    )
                    continue
                }
                top.allows.insert(opt)
            }
        }
        if let settings = fields["settings"], !settings.isNull {
            if let f = reader.fields(settings, "settings", allowed: settingKeys) {
                top.settings = f.order.map { f.values[$0]! }
            }
        }
        if let aliases = fields["aliases"], !aliases.isNull {
            if let pairs = aliases.mapping {
                top.aliases = pairs
            } else {
                reader.error(
                    aliases.location,
                    "aliases must map names to Discord server ids, e.g.\n    aliases:\n      Art Club: \"100000000000000001\""
                )
            }
        }
        top.rules = fields["rules"]
        return top
    }
}
