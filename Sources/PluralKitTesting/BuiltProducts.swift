public import Foundation

/// The executables `swift build` put next to the test bundle, for tests that run them as a
/// user would (`pkfrontd fake-api`, `pkfrontd simulate`).
public enum BuiltProducts {
    /// The built executable with that name, or nil when it is not built.
    public static func url(of name: String) -> URL? {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return [
            here, here.deletingLastPathComponent(), Bundle.main.bundleURL,
            Bundle.main.bundleURL.deletingLastPathComponent(),
        ]
        .map { $0.appendingPathComponent(name) }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}
