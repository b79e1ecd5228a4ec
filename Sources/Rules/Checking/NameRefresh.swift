import FrontEvents

extension RuleSet {
    /// What resolving a loaded rule set's names against a newer member and group list found
    /// (``RuleSet/resolvingNames(against:)``).
    public struct NameRefresh: Sendable {
        /// The rules with their names bound to the new lists.
        public var rules: RuleSet
        /// Names whose member or group was renamed: the rule keeps meaning the one it meant.
        public var renames: [Rename]
        /// Names that no longer (or still do not) resolve, as warnings at their place.
        public var problems: [Diagnostic]
    }

    /// A name in a rule file whose member (or group) now has another name.
    public struct Rename: Sendable, Hashable, CustomStringConvertible {
        /// Where the name is written.
        public var location: SourceLocation
        /// `member` or `group`.
        public var kind: String
        /// The name as the file writes it.
        public var written: String
        /// The short id it was bound to (and still is).
        public var id: String
        /// The member's (or group's) name now.
        public var now: String

        /// `rules.yaml:7: 'Alex' is now 'Alexis' (member aaaaa); …`
        public var description: String {
            "\(location.file):\(location.line): '\(written)' is now '\(now)' (\(kind) \(id)); the rule still means that \(kind) — write '\(now)' in the file to keep it that way"
        }
    }

    /// Binds the rules' member and group names to `directory` (a list just reloaded), as the
    /// daemon does whenever its lists change — not only when the file is loaded. A name bound
    /// before to a member that is still there under another name keeps that member (a
    /// ``Rename``); a name that resolves now and did not before (a first start without a cache)
    /// is bound; one that resolves to nothing is a warning and keeps its old binding, if any.
    public func resolvingNames(against directory: NameDirectory) -> NameRefresh {
        var refreshed = self
        var renames: [Rename] = []
        var problems: [Diagnostic] = []
        var seen = Set<String>()
        func bind(
            _ text: String, _ at: SourceLocation, kind: String, entries: [NameEntry], old: String?,
            into ids: inout [String: String]
        ) {
            guard seen.insert("\(kind)|\(text)|\(at)").inserted else { return }
            let byID = old.flatMap { id in entries.first { $0.id == id } }
            switch NameDirectory.resolve(text, in: entries) {
            case .found(let entry) where old == nil || entry.id == old:
                ids[text] = entry.id
            case .found, .notFound, .ambiguous:
                if let byID {
                    // Renamed (and maybe the old name passed to someone else): the rule keeps its member.
                    ids[text] = byID.id
                    renames.append(.init(location: at, kind: kind, written: text, id: byID.id, now: byID.name))
                } else if case .found(let entry) = NameDirectory.resolve(text, in: entries) {
                    ids[text] = entry.id
                } else {
                    problems.append(
                        Diagnostic(
                            .warning, at,
                            "\(kind) '\(text)' is not in \(directory.source) any more (or never was): the rules that name it cannot match it until it is back — check the name"
                        ))
                }
            }
        }
        for rule in rules {
            let (members, groups) = RuleChecker.names(of: rule)
            for m in members where !m.isTemplate {
                bind(
                    m.text, m.location, kind: "member", entries: directory.members, old: memberIDs[m.text],
                    into: &refreshed.memberIDs)
            }
            for g in groups {
                bind(
                    g.text, g.location, kind: "group", entries: directory.groups, old: groupIDs[g.text],
                    into: &refreshed.groupIDs)
            }
        }
        return NameRefresh(rules: refreshed, renames: renames, problems: problems)
    }
}
