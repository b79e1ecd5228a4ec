/// One proxy tag: text before and/or after a message that makes PluralKit proxy it as a member.
public struct ProxyTag: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Text the message starts with, or nil.
    public let prefix: String?
    /// Text the message ends with, or nil.
    public let suffix: String?

    /// Creates a tag; empty strings count as absent. Nil when both sides are absent (the server
    /// would silently drop such a tag).
    public init?(prefix: String? = nil, suffix: String? = nil) {
        let prefix = prefix?.isEmpty == true ? nil : prefix
        let suffix = suffix?.isEmpty == true ? nil : suffix
        guard prefix != nil || suffix != nil else { return nil }
        self.prefix = prefix
        self.suffix = suffix
    }

    /// Whether a message would be proxied by this tag: it starts with the prefix, ends with the
    /// suffix, and has something between them. Case-sensitive unless told otherwise (the system
    /// setting `case_sensitive_proxy_tags`).
    public func matches(_ message: String, caseSensitive: Bool = true) -> Bool {
        content(of: message, caseSensitive: caseSensitive) != nil
    }

    /// The text between prefix and suffix if the message matches, else nil.
    public func content(of message: String, caseSensitive: Bool = true) -> Substring? {
        let fold: (String) -> String = caseSensitive ? { $0 } : { $0.lowercased() }
        let haystack = fold(message)
        let pre = fold(prefix ?? "")
        let suf = fold(suffix ?? "")
        guard haystack.hasPrefix(pre), haystack.hasSuffix(suf),
            haystack.count > pre.count + suf.count
        else { return nil }
        let inner = message.dropFirst(pre.count).dropLast(suf.count)
        return inner.allSatisfy(\.isWhitespace) ? nil : inner
    }

    /// The tag as the bot shows it: `prefix` + `text` + `suffix`.
    public var description: String { (prefix ?? "") + "text" + (suffix ?? "") }

    /// The length the server checks (`prefix + "text" + suffix`, UTF-16 code units, at most 100).
    public var serverLength: Int { description.utf16.count }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let prefix = try container.decodeIfPresent(String.self, forKey: .prefix)
        let suffix = try container.decodeIfPresent(String.self, forKey: .suffix)
        self.prefix = prefix?.isEmpty == true ? nil : prefix
        self.suffix = suffix?.isEmpty == true ? nil : suffix
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(prefix, forKey: .prefix)
        try container.encode(suffix, forKey: .suffix)
    }

    private enum CodingKeys: String, CodingKey { case prefix, suffix }
}

extension Array where Element == ProxyTag {
    /// The tag that would proxy a message, if any: like the bot, the longest matching tag wins.
    public func matching(_ message: String, caseSensitive: Bool = true) -> ProxyTag? {
        filter { $0.matches(message, caseSensitive: caseSensitive) }
            .max { $0.serverLength < $1.serverLength }
    }

    /// Whether any tag would proxy the message.
    public func matches(_ message: String, caseSensitive: Bool = true) -> Bool {
        matching(message, caseSensitive: caseSensitive) != nil
    }
}

/// A list of proxy tags (the member model's `proxy_tags`).
public typealias ProxyTags = [ProxyTag]
