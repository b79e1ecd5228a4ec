/// A local command (`exec:`): an argument list, never a shell string.
public struct ExecAction: Sendable {
    /// The program and its arguments (each a template).
    public var argv: [TextTemplate]
    /// Extra environment variables (values are templates); the event always arrives as `PK_*` variables.
    public var environment: [(name: String, value: TextTemplate)]
    /// Killed after this long.
    public var timeout: Duration
    /// The timeout when the rule gives none.
    public static let defaultTimeout: Duration = .seconds(30)
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    public var seconds: Double {
        let (s, attos) = components
        return Double(s) + Double(attos) / 1e18
    }
}
