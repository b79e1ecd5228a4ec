import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Keeps secrets out of text that is logged or stored: every occurrence of a secret is replaced
/// by `[token]`. The client applies it to its own errors; the daemon applies it again, as a last
/// line of defence, in its log handler and to what it stores.
public enum Redaction {
    /// What a secret is replaced with.
    public static let placeholder = "[token]"

    /// `text` with every occurrence of each non-empty secret replaced by ``placeholder``.
    public static func redact(_ text: String, secrets: [String]) -> String {
        var out = text
        for secret in secrets where !secret.isEmpty && out.contains(secret) {
            out = out.replacing(secret, with: placeholder)
        }
        return out
    }
}

/// A process-wide list of secrets to redact, filled once the token is known (the log handler
/// is set up before that). Thread-safe.
public final class SecretRedactor: Sendable {
    private let secrets = Mutex<[String]>([])

    public init() {}

    /// Adds a secret (ignored when empty or already there).
    public func add(_ secret: String) {
        guard !secret.isEmpty else { return }
        secrets.withLock { if !$0.contains(secret) { $0.append(secret) } }
    }

    /// `text` with every known secret replaced by `[token]`.
    public func redact(_ text: String) -> String {
        let list = secrets.withLock { $0 }
        return list.isEmpty ? text : Redaction.redact(text, secrets: list)
    }
}

/// Checks an API base URL before any request is made, so a typo fails at start with a clear
/// message instead of crashing deep in the network stack or being retried forever.
public enum APIBaseURL {
    /// Why a base URL was refused. The message never repeats a user name or password.
    public struct Invalid: Error, CustomStringConvertible, Sendable, Hashable {
        public let description: String
    }

    /// The URL, checked: `http` or `https`, a host, a port from 1 to 65535 if any, no user name
    /// or password, no query or fragment, no spaces or control characters.
    public static func validate(_ text: String) throws(Invalid) -> String {
        func refuse(_ why: String) -> Invalid {
            Invalid(
                description:
                    "the API URL \(why); write it like https://api.pluralkit.me/v2 (or http://127.0.0.1:PORT/v2 for a local test server)"
            )
        }
        if text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            throw refuse("contains spaces or control characters")
        }
        let lower = text.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            throw refuse("must start with https:// (or http://)")
        }
        let rest = text.drop { $0 != "/" }.dropFirst(2)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if authority.contains("@") {
            throw Invalid(
                description:
                    "the API URL has a user name or password in it (before '@'); PluralKit needs none (the token is sent as a header): remove that part (the URL is not repeated here)"
            )
        }
        guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw refuse("has no host, or its host or port is malformed")
        }
        if let port = components.port, !(1...65535).contains(port) { throw refuse("has port \(port), outside 1–65535") }
        // URLComponents drops a port it cannot read: compare with what is written.
        let hostPart =
            authority.hasPrefix("[")
            ? String(authority.prefix { $0 != "]" }) + "]" : String(authority.prefix { $0 != ":" })
        let portText = authority.dropFirst(hostPart.count)
        if !portText.isEmpty {
            guard portText.first == ":", let port = Int(portText.dropFirst()) else {
                throw refuse("has a malformed port")
            }
            if !(1...65535).contains(port) { throw refuse("has port \(port), outside 1–65535") }
        }
        if components.query != nil { throw refuse("has a query (?…)") }
        if components.fragment != nil { throw refuse("has a fragment (#…)") }
        return text
    }
}
