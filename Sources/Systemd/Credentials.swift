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
        /// The `PK_TOKEN` environment variable.
        case environment
        /// The config file's `token_file`.
        case configTokenFile(String)

        public var description: String {
            switch self {
            case .tokenFile(let p): "--token-file \(p)"
            case .systemdCredential(let p): "systemd credential \(p)"
            case .environment: "PK_TOKEN"
            case .configTokenFile(let p): "token_file \(p) (config)"
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

/// Why a token could not be loaded; the message names the file and what to do.
public struct CredentialError: Error, CustomStringConvertible, Sendable, Hashable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Finds the API token, in this order: `--token-file`, `$CREDENTIALS_DIRECTORY/token`
/// (`LoadCredential=token:…`), `PK_TOKEN`, the config file's `token_file`.
public enum Credentials {
    /// Resolves the token from the sources in precedence order; nil when none is set.
    /// - Parameters:
    ///   - environment: the process environment (injected for tests).
    public static func resolve(
        tokenFile: String?, configTokenFile: String?, environment: [String: String]
    ) throws -> Credential? {
        if let tokenFile {
            return Credential(origin: .tokenFile(tokenFile), secret: try read(tokenFile, checkMode: true))
        }
        if let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty {
            let path = directory.hasSuffix("/") ? directory + "token" : directory + "/token"
            if access(path, F_OK) == 0 {
                // systemd owns credential files (and their mode); no permission check.
                return Credential(origin: .systemdCredential(path), secret: try read(path, checkMode: false))
            }
        }
        if let value = environment["PK_TOKEN"], !trim(value).isEmpty {
            return Credential(origin: .environment, secret: trim(value))
        }
        if let configTokenFile {
            return Credential(origin: .configTokenFile(configTokenFile), secret: try read(configTokenFile, checkMode: true))
        }
        return nil
    }

    /// Reads a token file: one line, surrounding white space ignored. With `checkMode`, a file
    /// readable by group or others is refused.
    public static func read(_ path: String, checkMode: Bool) throws -> String {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw CredentialError("cannot read the token file \(path): \(String(cString: strerror(errno))). Create it with the token from `pk;token` (mode 600).")
        }
        if checkMode, st.st_mode & 0o077 != 0 {
            let mode = String(st.st_mode & 0o777, radix: 8)
            throw CredentialError("the token file \(path) is readable by others (mode \(mode)); run `chmod 600 \(path)` so only its owner can read it.")
        }
        guard let handle = fopen(path, "r") else {
            throw CredentialError("cannot open the token file \(path): \(String(cString: strerror(errno))).")
        }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, handle)
            if n <= 0 { break }
            bytes += buffer[0..<n]
            if bytes.count > 64 * 1024 { throw CredentialError("the token file \(path) is too large to be a token.") }
        }
        let token = trim(String(decoding: bytes, as: UTF8.self))
        guard !token.isEmpty else { throw CredentialError("the token file \(path) is empty; put the token from `pk;token` in it.") }
        guard !token.contains("\n") else { throw CredentialError("the token file \(path) has more than one line; it must hold only the token.") }
        return token
    }

    static func trim(_ s: String) -> String {
        String(s.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
