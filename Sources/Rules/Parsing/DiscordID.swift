/// Discord ids (guild ids in aliases and `server:`).
enum DiscordID {
    /// 15 to 20 digits.
    static func isValid(_ s: String) -> Bool {
        (15...20).contains(s.count) && s.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
