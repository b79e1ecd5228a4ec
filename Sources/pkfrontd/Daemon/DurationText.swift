/// Durations as users write them: `30s`, `15m`, `4h`, `1h30m`, `500ms`, `2d`.
enum DurationText {
    /// Parses a duration; nil when the text is not one.
    static func parse(_ text: String) -> Duration? {
        let s = text.trimmingWhitespace
        guard !s.isEmpty else { return nil }
        var total: Duration = .zero
        var number = ""
        var unit = ""
        var parts: [(Int64, String)] = []
        for c in s + "#" {
            if c.isASCII, c.isNumber {
                if !unit.isEmpty {
                    guard let n = Int64(number) else { return nil }
                    parts.append((n, unit))
                    number = ""
                    unit = ""
                }
                number.append(c)
            } else if c == "#" {
                guard !number.isEmpty, !unit.isEmpty, let n = Int64(number) else { return nil }
                parts.append((n, unit))
            } else if c.isLetter {
                guard !number.isEmpty else { return nil }
                unit.append(c)
            } else {
                return nil
            }
        }
        for (n, unit) in parts {
            switch unit {
            case "ms": total += .milliseconds(n)
            case "s": total += .seconds(n)
            case "m": total += .seconds(n * 60)
            case "h": total += .seconds(n * 3600)
            case "d": total += .seconds(n * 86_400)
            default: return nil
            }
        }
        return total
    }

    /// Formats a duration the same way (`1h30m`, `15s`, `250ms`).
    static func format(_ duration: Duration) -> String {
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

extension String {
    var trimmingWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
