/// Durations as users write them: `30s`, `15m`, `4h`, `1h30m`, `500ms`, `2d`, and decimals
/// (`1.5s`, `2.5m`, `0.5h`): parts of a number and a unit (`ms`, `s`, `m`, `h`, `d`), each unit
/// at most once. The result is rounded to the millisecond.
public enum DurationParser {
    /// What a duration may look like, for messages.
    public static let allowed = "a number and a unit (ms, s, m, h, d), e.g. 30s, 15m, 1h30m, 1.5s, 2.5m"

    /// Parses a duration; nil when the text is not one.
    public static func parse(_ text: String) -> Duration? {
        let s = text.trimmingSpaces
        guard !s.isEmpty else { return nil }
        var parts: [(String, String)] = []
        var number = ""
        var unit = ""
        for c in s + "#" {
            if c.isASCII, c.isNumber || c == "." {
                if !unit.isEmpty {
                    parts.append((number, unit))
                    number = ""
                    unit = ""
                }
                number.append(c)
            } else if c == "#" {
                guard !number.isEmpty, !unit.isEmpty else { return nil }
                parts.append((number, unit))
            } else if c.isASCII, c.isLetter {
                guard !number.isEmpty else { return nil }
                unit.append(c)
            } else {
                return nil
            }
        }
        var seen: Set<String> = []
        var milliseconds: Int64 = 0
        for (number, unit) in parts {
            // Digits, with at most one point that has digits on both sides.
            let pieces = number.split(separator: ".", omittingEmptySubsequences: false)
            guard pieces.count <= 2, pieces.allSatisfy({ !$0.isEmpty }), let value = Double(number),
                value <= 1_000_000_000,
                seen.insert(unit).inserted
            else { return nil }
            let scale: Double
            switch unit {
            case "ms": scale = 1
            case "s": scale = 1000
            case "m": scale = 60_000
            case "h": scale = 3_600_000
            case "d": scale = 86_400_000
            default: return nil
            }
            milliseconds += Int64((value * scale).rounded())
        }
        return .milliseconds(milliseconds)
    }

    /// Formats a duration the same way (`1h30m`, `15s`, `250ms`).
    public static func format(_ duration: Duration) -> String {
        let (seconds, atto) = duration.components
        var rest = seconds
        var out = ""
        for (size, unit) in [(Int64(86_400), "d"), (3600, "h"), (60, "m"), (1, "s")] where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        let ms = atto / 1_000_000_000_000_000
        if ms > 0 { out += "\(ms)ms" }
        return out.isEmpty ? "0s" : out
    }
}
