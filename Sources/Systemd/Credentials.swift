#if canImport(Glibc)
    import Glibc
#endif

/// The API token and where it came from. Its description never shows the secret.
public struct Credential: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Where the token was found.
    public enum Origin: Sendable, Hashable, CustomStringConvertible {
        /// `--token-file PATH`.
        case tokenFile(String)
        /// `$CREDENTIALS_DIRECTORY/token` (systemd `LoadCredential=`).
        case systemdCredential(String)
        /// An environment variable (its name).
        case environment(String)
        /// The config file's `token_file`.
        case configTokenFile(String)

        public var description: String {
            switch self {
            case .tokenFile(let p): "--token-file \(Credentials.shown(p))"
            case .systemdCredential(let p): "systemd credential \(Credentials.shown(p))"
            case .environment(let name): name
            case .configTokenFile(let p): "token_file \(Credentials.shown(p)) (config)"
            }
        }
    }

    public let origin: Origin
    private let secret: String

    init(origin: Origin, secret: String) {
        self.origin = origin
        self.secret = secret
    }

    /// The token. Handle with care.
    public func reveal() -> String { secret }

    public var description: String { "Credential(from \(origin), redacted)" }
    public var debugDescription: String { description }
}

/// What a program calls its token: the environment variable that may hold it, and how to say
/// what a token file must hold (for messages).
public struct CredentialNaming: Sendable, Hashable {
    /// The environment variable (e.g. the program's `…_TOKEN`).
    public var environmentVariable: String
    /// What the token is, for "it must hold only …" (e.g. "the token from `…`").
    public var hint: String

    public init(environmentVariable: String, hint: String) {
        self.environmentVariable = environmentVariable
        self.hint = hint
    }
}

/// Finds an API token, in this order: `--token-file`, `$CREDENTIALS_DIRECTORY/token`
/// (`LoadCredential=token:…`), the environment variable `naming` names, the config file's
/// `token_file`.
///
/// A token from any source must be printable ASCII without spaces once one trailing newline
/// (LF or CRLF) is trimmed; anything else (a comment line, Windows line endings inside, a CR,
/// a NUL, a second line) is refused with a message that names the source and the problem and
/// never shows the value.
public enum Credentials {
    /// Resolves the token from the sources in precedence order; nil when none is set.
    /// - Parameters:
    ///   - environment: the process environment (injected for tests).
    ///   - naming: the environment variable and how to describe the token.
    public static func resolve(
        tokenFile: String?, configTokenFile: String?, environment: [String: String], naming: CredentialNaming
    ) throws -> Credential? {
        if let tokenFile {
            return Credential(
                origin: .tokenFile(tokenFile), secret: try read(tokenFile, checkMode: true, naming: naming))
        }
        if let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty {
            let path = directory.hasSuffix("/") ? directory + "token" : directory + "/token"
            if access(path, F_OK) == 0 {
                // systemd owns credential files (and their mode); no permission check.
                return Credential(
                    origin: .systemdCredential(path),
                    secret: try read(path, checkMode: false, origin: "the systemd credential \(path)", naming: naming))
            }
        }
        let variable = naming.environmentVariable
        if let value = environment[variable], !value.allSatisfy({ $0.isWhitespace }) {
            return Credential(
                origin: .environment(variable),
                secret: try validate(Array(value.utf8), source: variable, naming: naming))
        }
        if let configTokenFile {
            return Credential(
                origin: .configTokenFile(configTokenFile),
                secret: try read(
                    configTokenFile, checkMode: true,
                    origin: "the token file \(shown(configTokenFile)) (token_file in the config)",
                    naming: naming))
        }
        return nil
    }

    /// Reads a token file (see ``Credentials`` for what it may hold). With `checkMode`, a file
    /// readable by group or others is refused.
    public static func read(_ path: String, checkMode: Bool, naming: CredentialNaming) throws -> String {
        try read(path, checkMode: checkMode, origin: "the token file \(shown(path))", naming: naming)
    }

    static func read(_ path: String, checkMode: Bool, origin: String, naming: CredentialNaming) throws -> String {
        let name = shown(path)
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw CredentialError(
                .unreadable,
                "cannot read \(origin): \(String(cString: strerror(errno))). Create it with \(naming.hint) (mode 600).")
        }
        if checkMode, st.st_mode & 0o077 != 0 {
            let mode = String(st.st_mode & 0o777, radix: 8)
            throw CredentialError(
                .insecureMode,
                "\(origin) is readable by others (mode \(mode)); run `chmod 600 \(name)` so only its owner can read it."
            )
        }
        guard let handle = fopen(path, "r") else {
            throw CredentialError(.unreadable, "cannot open \(origin): \(String(cString: strerror(errno))).")
        }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, handle)
            if n <= 0 { break }
            bytes += buffer[0..<n]
            if bytes.count > 64 * 1024 {
                throw CredentialError(
                    .tooLarge, "\(origin) is too large to be a token; it must hold only \(naming.hint).")
            }
        }
        return try validate(bytes, source: origin, naming: naming)
    }

    /// Checks a token's bytes: one trailing LF or CRLF is trimmed; what is left must be
    /// printable ASCII (no spaces). The message names `source` and the problem, never the value.
    public static func validate(_ raw: [UInt8], source: String, naming: CredentialNaming) throws -> String {
        var bytes = raw[...]
        if bytes.last == 0x0A {
            bytes = bytes.dropLast()
            if bytes.last == 0x0D { bytes = bytes.dropLast() }
        }
        let what = "it must hold only \(naming.hint), on one line"
        guard !bytes.isEmpty else { throw CredentialError(.empty, "\(source) is empty; \(what).") }
        if bytes.contains(0x0A) {
            let firstLine = bytes.prefix { $0 != 0x0A }
            let comment =
                firstLine.first == UInt8(ascii: "#") ? " (the first line is a comment: comments are not allowed)" : ""
            throw CredentialError(.malformed, "\(source) has more than one line\(comment); \(what).")
        }
        if bytes.contains(0x0D) {
            throw CredentialError(
                .malformed,
                "\(source) has a carriage return (CR) inside (Windows line endings?); \(what). Fix it with `sed -i 's/\\r//' FILE`."
            )
        }
        if bytes.contains(0) { throw CredentialError(.malformed, "\(source) has a NUL byte; \(what).") }
        if bytes.contains(where: { $0 == 0x20 || $0 == 0x09 }) {
            throw CredentialError(.malformed, "\(source) has spaces or tabs around or inside the token; \(what).")
        }
        if bytes.contains(where: { $0 < 0x21 || $0 > 0x7E }) {
            throw CredentialError(.malformed, "\(source) has control or non-ASCII characters; \(what).")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether a value given as something else (a path, a URL) looks like a pasted token: long,
    /// only base64 characters (`A–Z a–z 0–9 + / =`), upper case, lower case and digits mixed, a
    /// long run without `/`.
    public static func looksLikeToken(_ value: String) -> Bool {
        guard value.utf8.count >= 32 else { return false }
        let base64 = value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+/=".contains($0)) }
        let mixed =
            value.contains(where: \.isUppercase) && value.contains(where: \.isLowercase)
            && value.contains(where: \.isNumber)
        let longestRun = value.split(separator: "/").map(\.count).max() ?? 0
        return base64 && mixed && longestRun >= 24
    }

    /// A text (another library's error quoting a file, say) with every word that looks like a
    /// token replaced by `[token?]`.
    public static func scrubbed(_ text: String) -> String {
        var out = ""
        var word = ""
        func flush() {
            out += looksLikeToken(word) ? "[token?]" : word
            word = ""
        }
        for c in text {
            if c.isASCII && (c.isLetter || c.isNumber || "+/=".contains(c)) {
                word.append(c)
            } else {
                flush()
                out.append(c)
            }
        }
        flush()
        return out
    }

    /// A user's value for a message: itself, or a note in its place when it looks like a token.
    public static func shown(_ value: String) -> String {
        looksLikeToken(value) ? "(a value that looks like a token; not shown)" : value
    }
}
