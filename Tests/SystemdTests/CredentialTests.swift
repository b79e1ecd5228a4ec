import Foundation
import Testing

@testable import Systemd

/// The naming pkfrontd uses (the Systemd target itself names no program).
let pkNaming = CredentialNaming(
    environmentVariable: "PK_TOKEN", hint: "the token from `pk;token` (64 characters, no spaces)")

extension Credentials {
    static func resolve(tokenFile: String?, configTokenFile: String?, environment: [String: String]) throws
        -> Credential?
    {
        try resolve(tokenFile: tokenFile, configTokenFile: configTokenFile, environment: environment, naming: pkNaming)
    }
    static func read(_ path: String, checkMode: Bool) throws -> String {
        try read(path, checkMode: checkMode, naming: pkNaming)
    }
}

/// A temporary directory removed after the test.
struct TempDir: ~Copyable {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "pkfrontd-cred-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String, _ content: String, mode: Int) throws -> String {
        let p = path + "/" + name
        try content.write(toFile: p, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: p)
        return p
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

@Suite("Credentials")
struct CredentialTests {
    @Test("each source alone")
    func sources() throws {
        let dir = try TempDir()
        let file = try dir.file("token", "from-file\n", mode: 0o600)
        #expect(
            try Credentials.resolve(tokenFile: file, configTokenFile: nil, environment: [:])?.reveal() == "from-file")
        try FileManager.default.createDirectory(atPath: dir.path + "/creds", withIntermediateDirectories: true)
        _ = try dir.file("creds/token", "from-credential", mode: 0o644)  // systemd owns the mode
        let credential = try Credentials.resolve(
            tokenFile: nil, configTokenFile: nil, environment: ["CREDENTIALS_DIRECTORY": dir.path + "/creds"])
        #expect(credential?.reveal() == "from-credential")
        #expect(credential?.origin == .systemdCredential(dir.path + "/creds/token"))
        #expect(
            try Credentials.resolve(tokenFile: nil, configTokenFile: nil, environment: ["PK_TOKEN": "from-env\n"])?
                .reveal() == "from-env")
        let config = try dir.file("config-token", "from-config", mode: 0o400)
        #expect(
            try Credentials.resolve(tokenFile: nil, configTokenFile: config, environment: [:])?.origin
                == .configTokenFile(config))
        #expect(try Credentials.resolve(tokenFile: nil, configTokenFile: nil, environment: [:]) == nil)
    }

    @Test("precedence: --token-file, then the systemd credential, then PK_TOKEN, then the config's token_file")
    func precedence() throws {
        let dir = try TempDir()
        let file = try dir.file("token", "file", mode: 0o600)
        let config = try dir.file("config-token", "config", mode: 0o600)
        try FileManager.default.createDirectory(atPath: dir.path + "/creds", withIntermediateDirectories: true)
        _ = try dir.file("creds/token", "credential", mode: 0o600)
        let env = ["CREDENTIALS_DIRECTORY": dir.path + "/creds", "PK_TOKEN": "env"]
        #expect(try Credentials.resolve(tokenFile: file, configTokenFile: config, environment: env)?.reveal() == "file")
        #expect(
            try Credentials.resolve(tokenFile: nil, configTokenFile: config, environment: env)?.reveal() == "credential"
        )
        #expect(
            try Credentials.resolve(
                tokenFile: nil, configTokenFile: config,
                environment: ["PK_TOKEN": "env", "CREDENTIALS_DIRECTORY": dir.path + "/empty"])?.reveal() == "env")
        #expect(
            try Credentials.resolve(tokenFile: nil, configTokenFile: config, environment: [:])?.reveal() == "config")
    }

    @Test(
        "a group- or world-readable token file is refused, naming the file and the fix",
        arguments: [0o640, 0o644, 0o604, 0o660])
    func permissions(mode: Int) throws {
        let dir = try TempDir()
        let file = try dir.file("token", "secret-value", mode: mode)
        do {
            _ = try Credentials.resolve(tokenFile: file, configTokenFile: nil, environment: [:])
            Issue.record("expected a refusal")
        } catch let error as CredentialError {
            #expect(error.code == .insecureMode)
            #expect(error.description.contains(file))
            #expect(error.description.contains("chmod 600 \(file)"))
            #expect(!error.description.contains("secret-value"))
        }
    }

    @Test("missing, empty and multi-line files get clear errors")
    func badFiles() throws {
        let dir = try TempDir()
        func code(_ path: String) -> CredentialError.Code? {
            do { _ = try Credentials.read(path, checkMode: true) } catch let error as CredentialError {
                return error.code
            } catch {}
            return nil
        }
        #expect(code(dir.path + "/none") == .unreadable)
        #expect(code(try dir.file("empty", "\n", mode: 0o600)) == .empty)
        #expect(code(try dir.file("blank", " \n", mode: 0o600)) == .malformed)
        #expect(code(try dir.file("two", "a\nb\n", mode: 0o600)) == .malformed)
    }

    @Test("a credential never shows its secret")
    func redacted() throws {
        let c = try #require(
            try Credentials.resolve(tokenFile: nil, configTokenFile: nil, environment: ["PK_TOKEN": "hunter2-secret"]))
        for text in ["\(c)", String(reflecting: c), c.description] { #expect(!text.contains("hunter2")) }
    }
}

@Suite("Tokens are checked at start, from every source, and never shown")
struct TokenValidationTests {
    static let token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/AbCdEfGhIjKlMnOpQrStUvWxYz01"

    /// Bad contents, with what the message must say.
    static let bad: [(String, String, String)] = [
        ("a comment line and CRLF", "# token\r\n\(token)\r\n", "comment"),
        ("CRLF inside", "\(token)\r\n\(token)\r\n", "more than one line"),
        ("a CR", "\(token)\r", "carriage return"),
        ("a NUL", "\(token)\u{0}\n", "NUL"),
        ("two lines", "\(token)\nsecond\n", "more than one line"),
        ("spaces around", "  \(token) \n", "spaces"),
        ("two trailing newlines", "\(token)\n\n", "more than one line"),
        ("non-ASCII", "\(token)é\n", "non-ASCII"),
    ]

    @Test(
        "each bad token file is refused through --token-file, the systemd credential and the config's token_file; the message names the source, never the value"
    )
    func files() throws {
        for (name, content, reason) in Self.bad {
            let dir = try TempDir()
            let file = dir.path + "/token"
            #expect(
                FileManager.default.createFile(
                    atPath: file, contents: Data(content.utf8), attributes: [.posixPermissions: 0o600]))
            let cases: [(String?, String?, [String: String], String)] = [
                (file, nil, [:], "the token file \(file)"),
                (nil, nil, ["CREDENTIALS_DIRECTORY": dir.path], "the systemd credential \(file)"),
                (nil, file, [:], "token_file in the config"),
            ]
            for (tokenFile, configFile, environment, source) in cases {
                do {
                    _ = try Credentials.resolve(
                        tokenFile: tokenFile, configTokenFile: configFile, environment: environment)
                    Issue.record("\(name) through \(source) was accepted")
                } catch let error as CredentialError {
                    #expect(error.description.contains(source), "\(name): \(error)")
                    #expect(error.description.contains(reason), "\(name): \(error)")
                    #expect(!error.description.contains(Self.token.prefix(20)), "\(name): the value is shown")
                }
            }
        }
    }

    @Test("PK_TOKEN with a newline, a CR or spaces inside is refused; one trailing newline is fine")
    func environment() throws {
        for value in ["\(Self.token)\nmore", "\(Self.token)\r\n\r\n", "\(Self.token) x", "\r\(Self.token)"] {
            #expect(throws: CredentialError.self) {
                try Credentials.resolve(tokenFile: nil, configTokenFile: nil, environment: ["PK_TOKEN": value])
            }
            do {
                _ = try Credentials.resolve(tokenFile: nil, configTokenFile: nil, environment: ["PK_TOKEN": value])
            } catch {
                #expect("\(error)".hasPrefix("PK_TOKEN "))
                #expect(!"\(error)".contains(Self.token.prefix(20)))
            }
        }
        #expect(
            try Credentials.resolve(
                tokenFile: nil, configTokenFile: nil, environment: ["PK_TOKEN": Self.token + "\r\n"])?.reveal()
                == Self.token)
    }

    @Test("a value that looks like a token is not repeated: a token pasted as --token-file")
    func pastedAsPath() throws {
        do {
            _ = try Credentials.resolve(tokenFile: Self.token, configTokenFile: nil, environment: [:])
            Issue.record("accepted")
        } catch {
            #expect(!"\(error)".contains(Self.token.prefix(20)), "\(error)")
            #expect("\(error)".contains("looks like a token"))
        }
        #expect(Credentials.looksLikeToken(Self.token))
        #expect(!Credentials.looksLikeToken("/tmp/pkfrontd-cred-794472FD-F641-488D-96FD-7A7C3075A9FB/token"))
        #expect(!Credentials.looksLikeToken("/etc/pkfrontd/token"))
        #expect(Credentials.scrubbed("line 3: 'api_url: \(Self.token)'") == "line 3: 'api_url: [token?]'")
    }
}
