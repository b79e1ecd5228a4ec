/// Checks a settings file (such as the daemon's config file) with the rule files' YAML reader:
/// the same size and nesting limits, the same syntax messages, and unknown keys reported at
/// their `file:line:column` with a "did you mean" suggestion.
public enum SettingsFile {
    /// The problems of a settings text that must be a mapping whose keys are all in `allowed`.
    /// An empty text (or a bare `null`) is a valid, empty file.
    /// - Parameters:
    ///   - text: the file's content.
    ///   - file: the file as the user named it, for the locations.
    ///   - what: what the file is called in messages ("the config file").
    ///   - allowed: the known keys.
    /// - Returns: errors, sorted by position; none when the file is fine.
    public static func check(text: String, file: String, what: String, allowed: [String]) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        guard let root = YAMLReader.parse(text: text, label: file, diagnostics: &diagnostics) else {
            return diagnostics.sortedByLocation
        }
        if root.isNull { return diagnostics }
        var reader = NodeReader(file: file, text: text)
        _ = reader.fields(root, what, allowed: allowed)
        return (diagnostics + reader.diagnostics).sortedByLocation
    }
}
