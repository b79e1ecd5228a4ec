import Foundation
import FrontEvents
import PluralKit
import Testing

@testable import Rules

/// The demo system's names (as `pkfrontd fake-api --demo` has them), for tests that do not need the server.
let demoDirectory = NameDirectory(
    members: [
        ("aaaaa", "Alex"), ("bbbbb", "Sam"), ("ccccc", "Kit"), ("ddddd", "Jordan"), ("eeeee", "Robin"),
        ("fffff", "Morgan"),
        ("ggggg", "Quinn"), ("hhhhh", "Riley"),
    ].enumerated().map { i, m in
        .init(id: m.0, uuid: "00000000-0000-4000-8000-00000000000\(i)", name: m.1, displayName: nil)
    },
    groups: [
        .init(id: "lllll", uuid: "10000000-0000-4000-8000-000000000001", name: "Littles", displayName: nil),
        .init(id: "hosts", uuid: "10000000-0000-4000-8000-000000000002", name: "Hosts", displayName: nil),
    ],
    source: "the test member list",
    groupMembers: ["lllll": [MemberID("ccccc"), MemberID("eeeee")], "hosts": [MemberID("aaaaa"), MemberID("bbbbb")]])

/// The repository's `rules/` folder.
let rulesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("rules").path

/// The example files, sorted.
var exampleFiles: [String] {
    (try? RuleLoader.files(at: rulesFolder + "/examples")) ?? []
}

/// Loads rule text with the demo directory.
func load(_ text: String, directory: NameDirectory? = demoDirectory) -> RuleLoader.Result {
    RuleLoader(directory: directory).load(text: text, label: "rules.yaml")
}

/// The diagnostics as `line:column: severity: message` (file name dropped).
func problems(_ text: String, directory: NameDirectory? = demoDirectory) -> [String] {
    load(text, directory: directory).diagnostics.map {
        "\($0.location.line):\($0.location.column): \($0.severity.rawValue): \($0.message)"
    }
}

/// A scratch directory removed when the test ends.
struct TempDir: ~Copyable {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "pkfrontd-rules-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
