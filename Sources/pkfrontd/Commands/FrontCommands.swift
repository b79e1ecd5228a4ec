import ArgumentParser
import Foundation
import FrontEvents
import FrontTracking
import PluralKit
import Rules

/// What `front` and `switch` share: settings, the token, a client, times in words.
enum FrontReading {
    /// Exit codes of `front` and `switch` (listed in their `--help`).
    enum Exit {
        /// PluralKit could not be reached, refused the request, or nothing can be shown.
        static let failed: Int32 = 1
        /// The command line is wrong: an unknown or ambiguous member, flags that do not go together.
        static let usage: Int32 = 2
        /// No token was given, or PluralKit rejected it.
        static let token: Int32 = 3
    }

    static func fail(_ command: String, _ message: String, code: Int32) -> ExitCode {
        FileHandle.standardError.write(Data("pkfrontd \(command): \(message)\n".utf8))
        return ExitCode(code)
    }

    static func settings(_ shared: SharedOptions, command: String) throws -> DaemonSettings {
        do {
            return try DaemonSettings.resolve(
                flags: shared, rules: nil, pollInterval: nil, systems: [], dryRun: false,
                environment: ProcessInfo.processInfo.environment)
        } catch {
            throw fail(command, "\(error)", code: Exit.usage)
        }
    }

    /// "2 h 10 min", "5 min", "under a minute", "3 d 4 h".
    static func span(_ d: Duration) -> String {
        let s = max(0, d.components.seconds)
        if s < 60 { return "under a minute" }
        let minutes = s / 60
        if minutes < 60 { return "\(minutes) min" }
        let hours = minutes / 60
        if hours < 48 { return minutes % 60 == 0 ? "\(hours) h" : "\(hours) h \(minutes % 60) min" }
        return hours % 24 == 0 ? "\(hours / 24) d" : "\(hours / 24) d \(hours % 24) h"
    }

    /// "14:02" today, "Mon 14:02" within the week, else "2026-11-30 14:02" (in `zone`).
    static func when(_ t: Timestamp, now: Timestamp, zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        if calendar.isDate(t.date, inSameDayAs: now.date) {
            formatter.dateFormat = "HH:mm"
        } else if t.duration(to: now) < .seconds(6 * 86_400) {
            formatter.dateFormat = "EEE HH:mm"
        } else {
            formatter.dateFormat = "yyyy-MM-dd HH:mm"
        }
        return formatter.string(from: t.date)
    }

    /// What a client error means for a person, and the exit code.
    static func explain(_ error: any Error, settings: DaemonSettings) -> (String, Int32) {
        guard let e = error as? PluralKitError else { return ("\(error)", Exit.failed) }
        if e.isUnauthorized {
            return (
                "PluralKit rejected the token (it was reset or revoked?): get a new one with pk;token and put it in the token file",
                Exit.token
            )
        }
        switch e.kind {
        case .transport, .timeout:
            return (
                "PluralKit could not be reached at \(settings.apiURL) (\(e)); check the network or --api-url, and try again",
                Exit.failed
            )
        default: return ("PluralKit refused it: \(e)", Exit.failed)
        }
    }
}

/// `pkfrontd front`: who is fronting, first fronter first, each with since when.
struct FrontCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "front",
        abstract: "Show who is fronting, first fronter first, each with since when.",
        discussion: """
            With a token (--token-file, PK_TOKEN, or the config's token_file) it asks PluralKit; \
            the "since" is each member's stint start, as the rules measure fronting_for: the \
            oldest switch of the unbroken run that includes them (co-fronters coming and going \
            do not end it), read back through the switch history as far as needed. Without a \
            token, or when PluralKit cannot be reached, it reads what the daemon last stored \
            in the state directory and says how old that is. Times are in the system's time \
            zone (PluralKit's setting), else the local one.

            Example: pkfrontd front
              Alex — since 14:02 (2 h 10 min)
              Sam — since 15:40 (32 min)
              (from PluralKit, 16:12)

            Exit status: 0 shown; 1 nothing to show (no token and no state, or PluralKit \
            unreachable and no state); 2 bad options; 3 PluralKit rejected the token.
            """)

    @OptionGroup var shared: SharedOptions

    @Flag(name: .customLong("json"), help: "Print one JSON object: source, as_of, fronters [{id, name, since, …}].")
    var json = false

    /// What `front --json` prints.
    struct Report: Encodable {
        struct Fronter: Encodable {
            var id: String
            var name: String?
            var displayName: String?
            var since: Timestamp
            var seconds: Int64
            /// False when the history ran out before the stint's start (it is at least this old).
            var exact: Bool
            enum CodingKeys: String, CodingKey {
                case id, name, since, seconds, exact
                case displayName = "display_name"
            }
        }
        /// `api` or `state`.
        var source: String
        /// When the front was read (the daemon's last record for `state`).
        var asOf: Timestamp
        var switchID: String?
        var switchTime: Timestamp?
        var fronters: [Fronter]
        var note: String?
        enum CodingKeys: String, CodingKey {
            case source, fronters, note
            case asOf = "as_of"
            case switchID = "switch_id"
            case switchTime = "switch_timestamp"
        }
    }

    func run() async throws {
        let settings = try FrontReading.settings(shared, command: "front")
        let now = Timestamp.now
        var note: String?
        var zone = TimeZone.current
        do {
            if let secret = try NameSources.token(
                settings: settings, environment: ProcessInfo.processInfo.environment, command: "front")
            {
                let client = NameSources.quickClient(settings: settings, secret: secret, command: "front")
                do {
                    let (report, z) = try await Self.fromAPI(client, now: now)
                    zone = z ?? zone
                    try? await client.shutdown()
                    return try print(report, zone: zone, now: now)
                } catch {
                    try? await client.shutdown()
                    let (message, code) = FrontReading.explain(error, settings: settings)
                    if code == FrontReading.Exit.token { throw FrontReading.fail("front", message, code: code) }
                    note = message
                }
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            note = "\(error)"
        }
        guard let report = try Self.fromState(settings.stateDirectory, note: note, now: now) else {
            throw FrontReading.fail(
                "front",
                (note.map { $0 + "; " } ?? "no token was given (--token-file, PK_TOKEN); ")
                    + "and \(settings.stateDirectory) holds no front the daemon stored: give a token, or --state-dir",
                code: FrontReading.Exit.failed)
        }
        try print(report, zone: zone, now: now)
    }

    static func fromAPI(_ client: PluralKitClient, now: Timestamp) async throws -> (Report, TimeZone?) {
        let zone = (try? await client.getSystemSettings().timezone?.identifier).flatMap(TimeZone.init(identifier:))
        guard let front = try await client.getFronters() else {
            return (Report(source: "api", asOf: now, fronters: []), zone)
        }
        var walk = StintWalk()
        var seen = 0
        var cut = false
        // Stint starts: back through the history until every fronter's run has ended (at most
        // 20 pages; a longer stint is shown as "at least"). The oldest switch starts a run too.
        for try await s in client.switchHistory() {
            seen += 1
            guard walk.older(TrackedSwitch(s)) else { break }
            if seen >= 2000 {
                cut = true
                break
            }
        }
        let fronters = front.members.map { m in
            let since = walk.starts[m.id] ?? front.timestamp
            return Report.Fronter(
                id: m.id.rawValue, name: m.name, displayName: m.displayName, since: since,
                seconds: since.duration(to: now).components.seconds, exact: !cut || !walk.open.contains(m.id))
        }
        return (
            Report(
                source: "api", asOf: now, switchID: front.switchID.rawValue, switchTime: front.timestamp,
                fronters: fronters),
            zone
        )
    }

    /// The front the daemon last stored, with the stint starts it found; nil when there is none.
    static func fromState(_ directory: String, note: String?, now: Timestamp) throws -> Report? {
        guard FileManager.default.fileExists(atPath: directory + "/state.sqlite") else { return nil }
        let store = try StateStore(directory: directory)
        guard let stored = try store.storedFronts().first, let front = stored.state.front else { return nil }
        let names = (try? store.cachedNames())?.first { $0.system == stored.state.system }
        var walk = StintWalk()
        for s in [front] + stored.state.known.filter({ $0.id != front.id && $0.timestamp <= front.timestamp })
        where !walk.older(s) { break }
        var starts = walk.starts
        if !walk.complete, let memo = try? store.stintStarts(system: stored.state.system) {
            for (id, t) in memo.starts where walk.open.contains(id) { starts[id] = min(t, starts[id] ?? t) }
        }
        let fronters = front.members.map { id in
            let entry = names?.members.first { $0.id == id.rawValue }
            let since = starts[id] ?? front.timestamp
            return Report.Fronter(
                id: id.rawValue, name: entry?.name, displayName: entry?.displayName, since: since,
                seconds: since.duration(to: now).components.seconds, exact: true)
        }
        return Report(
            source: "state", asOf: stored.updated, switchID: front.id.rawValue, switchTime: front.timestamp,
            fronters: fronters, note: note)
    }

    func print(_ r: Report, zone: TimeZone, now: Timestamp) throws {
        if json {
            StateReading.write(String(decoding: try StateReading.encoder.encode(r), as: UTF8.self) + "\n")
            return
        }
        var out = ""
        if r.fronters.isEmpty {
            if let t = r.switchTime {
                out +=
                    "Nobody is fronting (switch-out at \(FrontReading.when(t, now: now, zone: zone)), \(FrontReading.span(t.duration(to: now))) ago)\n"
            } else {
                out += "Nobody is fronting (no switch logged yet)\n"
            }
        }
        for f in r.fronters {
            let name = f.displayName ?? f.name ?? f.id
            let span = FrontReading.span(f.since.duration(to: now))
            out +=
                "\(name) — since \(FrontReading.when(f.since, now: now, zone: zone)) (\(f.exact ? "" : "at least ")\(span))\n"
        }
        switch r.source {
        case "api": out += "(from PluralKit, \(FrontReading.when(r.asOf, now: now, zone: zone)))\n"
        default:
            out +=
                "(from the state directory: what the daemon last recorded, at \(FrontReading.when(r.asOf, now: now, zone: zone)), \(FrontReading.span(r.asOf.duration(to: now))) ago\(r.note.map { "; " + $0 } ?? "; no token was given"))\n"
        }
        StateReading.write(out)
    }
}

/// `pkfrontd switch`: logs a switch by member name, sending nothing when the front already is that.
struct SwitchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switch",
        abstract: "Log a switch by member name (nothing is sent when the front already is exactly that).",
        discussion: """
            Members are given by name, display name or id (first fronter first). The front is \
            read first: when it already is exactly those members in that order, nothing is sent \
            and it says so (exit 0), so a button pressed twice logs one switch.

            Examples:
              pkfrontd switch Alex Sam        Alex and Sam front, Alex first
              pkfrontd switch --out           a switch-out: nobody fronts
              pkfrontd switch --add Kit       Kit joins the current front (at the end)
              pkfrontd switch --remove Sam    Sam leaves the current front
              pkfrontd switch Kit --ago 20m   Kit has been fronting for 20 minutes
              pkfrontd switch Kit --at 21:40  from 21:40 today (the system's time zone), or an ISO 8601 time

            Exit status: 0 logged, or nothing to do; 1 PluralKit could not be reached or \
            refused it; 2 bad input (an unknown or ambiguous member, options that do not go \
            together, a time in the future); 3 no token, or PluralKit rejected it; 64 an \
            unknown option.
            """)

    @OptionGroup var shared: SharedOptions

    @Argument(help: ArgumentHelp("The new fronters, first fronter first.", valueName: "MEMBER"))
    var members: [String] = []

    @Flag(name: .customLong("out"), help: "A switch-out: nobody fronts.")
    var out = false

    @Option(
        name: .customLong("add"),
        help: ArgumentHelp("Add a member to the current front (repeatable).", valueName: "MEMBER"))
    var add: [String] = []

    @Option(
        name: .customLong("remove"),
        help: ArgumentHelp("Remove a member from the current front (repeatable).", valueName: "MEMBER"))
    var remove: [String] = []

    @Option(
        name: .customLong("at"), help: ArgumentHelp("When it happened: HH:MM today, or ISO 8601.", valueName: "TIME"))
    var at: String?

    @Option(
        name: .customLong("ago"),
        help: ArgumentHelp("When it happened: this long ago (20m, 1h30m).", valueName: "DURATION"))
    var ago: String?

    @Flag(name: .customLong("quiet"), help: "Print nothing on success (errors still go to stderr).")
    var quiet = false

    func run() async throws {
        let modes = [!members.isEmpty, out, !(add.isEmpty && remove.isEmpty)].filter { $0 }.count
        guard modes == 1 else {
            throw FrontReading.fail(
                "switch",
                modes == 0
                    ? "say who fronts: members (pkfrontd switch Alex Sam), --out, or --add/--remove"
                    : "give either members, --out, or --add/--remove, not several",
                code: FrontReading.Exit.usage)
        }
        if at != nil && ago != nil {
            throw FrontReading.fail("switch", "give --at or --ago, not both", code: FrontReading.Exit.usage)
        }
        let settings = try FrontReading.settings(shared, command: "switch")
        let secret: String?
        do {
            secret = try NameSources.token(
                settings: settings, environment: ProcessInfo.processInfo.environment, command: "switch")
        } catch {
            throw FrontReading.fail("switch", "\(error)", code: FrontReading.Exit.token)
        }
        guard let secret else {
            throw FrontReading.fail(
                "switch",
                "no token was given: put the one pk;token prints in a file (mode 600) and pass --token-file FILE, or set PK_TOKEN",
                code: FrontReading.Exit.token)
        }
        let client = NameSources.quickClient(settings: settings, secret: secret, command: "switch")
        let result: Result<String?, ExitCode>
        do {
            result = try await perform(client, settings: settings)
        } catch {
            try? await client.shutdown()
            let (message, code) = FrontReading.explain(error, settings: settings)
            throw FrontReading.fail("switch", message, code: code)
        }
        try? await client.shutdown()
        switch result {
        case .success(let text): if let text, !quiet { StateReading.write(text + "\n") }
        case .failure(let exit): throw exit
        }
    }

    /// Reads the members and the front, works out the new front, sends it unless it is already so.
    func perform(_ client: PluralKitClient, settings: DaemonSettings) async throws -> Result<String?, ExitCode> {
        async let listed = client.getMembers()
        async let fronters = client.getFronters()
        let all = try await listed
        let front = try await fronters
        let current = front?.members.map(\.id) ?? []
        let byID = Dictionary(all.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        func shown(_ ids: [MemberID]) -> String {
            ids.isEmpty
                ? "nobody"
                : ids.map { byID[$0].map { $0.displayName ?? $0.name } ?? $0.rawValue }.joined(separator: ", ")
        }
        var target: [MemberID]
        do {
            if out {
                target = []
            } else if !members.isEmpty {
                target = try members.map { try Self.resolve($0, in: all) }
            } else {
                target = current
                for name in remove {
                    let id = try Self.resolve(name, in: all)
                    guard target.contains(id) else {
                        return .failure(
                            FrontReading.fail(
                                "switch", "\(shown([id])) is not fronting (fronting: \(shown(current)))",
                                code: FrontReading.Exit.usage))
                    }
                    target.removeAll { $0 == id }
                }
                for name in add {
                    let id = try Self.resolve(name, in: all)
                    if !target.contains(id) { target.append(id) }
                }
            }
        } catch let message as Unresolved {
            return .failure(FrontReading.fail("switch", message.text, code: FrontReading.Exit.usage))
        }
        if Set(target).count != target.count {
            return .failure(
                FrontReading.fail("switch", "a member is named twice: \(shown(target))", code: FrontReading.Exit.usage))
        }
        let timestamp: Timestamp?
        let zoneName = try? await client.getSystemSettings().timezone?.identifier
        let zone = zoneName.flatMap(TimeZone.init(identifier:)) ?? .current
        switch Self.time(at: at, ago: ago, zone: zoneName) {
        case .success(let t): timestamp = t
        case .failure(let message):
            return .failure(FrontReading.fail("switch", message.text, code: FrontReading.Exit.usage))
        }
        if timestamp == nil && target == current {
            return .success("Already fronting: \(shown(current)); nothing sent")
        }
        do {
            try await client.createSwitch(members: target, timestamp: timestamp)
        } catch let e as PluralKitError where e.code == .sameSwitchMembers {
            return .success("Already fronting: \(shown(target)); PluralKit logged nothing")
        }
        let now = Timestamp.now
        guard let timestamp else {
            return .success("Logged a switch to \(shown(target)) (was \(shown(current)))")
        }
        var text = "Logged a switch to \(shown(target)) at \(FrontReading.when(timestamp, now: now, zone: zone))"
        if let front, front.timestamp > timestamp {
            text +=
                "; note: the switch at \(FrontReading.when(front.timestamp, now: now, zone: zone)) is later, so \(shown(current)) still front\(current.count == 1 ? "s" : "")"
        } else {
            text += " (was \(shown(current)))"
        }
        return .success(text)
    }

    struct Unresolved: Error {
        let text: String
    }

    /// A member by id, name or display name (exact first, then ignoring case); did-you-mean otherwise.
    static func resolve(_ text: String, in members: [Member]) throws -> MemberID {
        if let id = MemberID(text), let m = members.first(where: { $0.id == id }) { return m.id }
        for match: (Member) -> Bool in [
            { $0.name == text }, { $0.displayName == text },
            { $0.name.lowercased() == text.lowercased() }, { $0.displayName?.lowercased() == text.lowercased() },
        ] {
            let found = members.filter(match)
            if found.count == 1 { return found[0].id }
            if found.count > 1 {
                throw Unresolved(
                    text:
                        "'\(text)' names several members (\(found.map { "\($0.name) (\($0.id))" }.joined(separator: ", "))): give the id"
                )
            }
        }
        let hint = Suggest.closest(to: text, in: members.map(\.name)).map { " — did you mean '\($0)'?" } ?? ""
        throw Unresolved(text: "no member named '\(text)'\(hint)")
    }

    /// The switch time from `--at` (HH:MM today in the system's zone, or ISO 8601) or `--ago`.
    static func time(at: String?, ago: String?, zone: String?, now: Timestamp = .now) -> Result<Timestamp?, Unresolved>
    {
        if let ago {
            guard let d = DurationParser.parse(ago) else {
                return .failure(Unresolved(text: "--ago takes a duration such as 20m or 1h30m, not '\(ago)'"))
            }
            return .success(now.adding(.zero - d))
        }
        guard let at else { return .success(nil) }
        if let t = Timestamp(at) {
            return t > now ? .failure(Unresolved(text: "--at \(at) is in the future")) : .success(t)
        }
        let parts = at.split(separator: ":")
        guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m)
        else {
            return .failure(
                Unresolved(text: "--at takes HH:MM (today) or an ISO 8601 time with an offset, not '\(at)'"))
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone.flatMap(TimeZone.init(identifier:)) ?? .current
        guard let date = calendar.date(bySettingHour: h, minute: m, second: 0, of: now.date) else {
            return .failure(Unresolved(text: "--at \(at) does not exist today (a daylight-saving change?)"))
        }
        let t = Timestamp(date)
        return t > now
            ? .failure(Unresolved(text: "--at \(at) is later than now; a switch cannot be logged in the future"))
            : .success(t)
    }
}
