public import PluralKit

/// The executor's checks as plain functions (RULES-ENGINE.md, "Delivery" and "Writes"): the
/// PluralKit writer calls them on fresh reads, `simulate` on its virtual remote values.
public enum ExecutorChecks {
    /// Whether a desired value is already what PluralKit holds: skip the write ("already set").
    /// An empty text and a cleared field are the same to PluralKit.
    public static func isAlreadySet(desired: String?, remote: String?) -> Bool {
        normalized(desired) == normalized(remote)
    }

    /// Compare-and-set on revert: restore `original` only when PluralKit still holds the value
    /// the rule wrote; otherwise someone changed it by hand and it is left alone.
    /// - Returns: the value to write back, or nil to leave the field (`changed_by_hand`).
    public static func revert(original: String?, written: String?, remote: String?) -> String?? {
        guard isAlreadySet(desired: written, remote: remote) else { return nil }
        return .some(original)
    }

    /// Whether `log_switch` has anything to do: not when the front already is exactly these
    /// members, in this order (a repeat after a crash, or a rule that switches to the current front).
    public static func switchNeeded(to members: [MemberID], current: [MemberID]) -> Bool {
        members != current
    }

    private static func normalized(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}
