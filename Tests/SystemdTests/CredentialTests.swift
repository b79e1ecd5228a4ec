import Foundation
import Testing

@testable import Systemd

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
        #expect(try Credentials.resolve(tokenFile: file, configTokenFile: nil, environment: [:])?.reveal() == "from-file")
        try FileManager.default.createDirectory(atPath: dir.path + "/creds", withIntermediateDirectories: true)
        _ = try dir.file("creds/token", "from-credential", mode: 0o644)  // systemd owns the mode
        let credential = try Credentials.resolve(tokenFile: nil, configTokenFile: nil, environment: ["CREDENTIALS_DIRECTORY": dir.path + "/creds"])
        #expect(credential?.reveal() == "from-credential")
        #expect(credential?.origin == .systemdCredential(dir.path + "/creds/token"))
        #expect(try Credentials.resolve(tokenFile: nil, configTokenFile: nil, environment: ["PK_TOKEN": "from-env\n"])?.reveal() == "from-env")
        let config = try dir.file("config-token", "from-config", mode: 0o400)
        #expect(try Credentials.resolve(tokenFile: nil, configTokenFile: config, environment: [:])?.origin == .configTokenFile(config))
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
        #expect(try Credentials.resolve(tokenFile: nil, configTokenFile: config, environment: env)?.reveal() == "credential")
        #expect(try Credentials.resolve(tokenFile: nil, configTokenFile: config, environment: ["PK_TOKEN": "env", "CREDENTIALS_DIRECTORY": dir.path + "/empty"])?.reveal() == "env")
        #expect(try Credentials.resolve(tokenFile: nil, configTokenFile: config, environment: [:])?.reveal() == "config")
    }

    @Test("a group- or world-readable token file is refused, naming the file and the fix", arguments: [0o640, 0o644, 0o604, 0o660])
    func permissions(mode: Int) throws {
        let dir = try TempDir()
        let file = try dir.file("token", "secret-value", mode: mode)
        do {
            _ = try Credentials.resolve(tokenFile: file, configTokenFile: nil, environment: [:])
            Issue.record("expected a refusal")
        } catch let error as CredentialError {
            #expect(error.description.contains(file))
            #expect(error.description.contains("chmod 600 \(file)"))
            #expect(!error.description.contains("secret-value"))
        }
    }

    @Test("missing, empty and multi-line files get clear errors")
    func badFiles() throws {
        let dir = try TempDir()
        #expect(throws: CredentialError.self) { try Credentials.read(dir.path + "/none", checkMode: true) }
        let empty = try dir.file("empty", " \n", mode: 0o600)
        #expect(throws: CredentialError.self) { try Credentials.read(empty, checkMode: true) }
        let two = try dir.file("two", "a\nb\n", mode: 0o600)
        #expect(throws: CredentialError.self) { try Credentials.read(two, checkMode: true) }
    }

    @Test("a credential never shows its secret")
    func redacted() throws {
        let c = try #require(try Credentials.resolve(tokenFile: nil, configTokenFile: nil, environment: ["PK_TOKEN": "hunter2-secret"]))
        for text in ["\(c)", String(reflecting: c), c.description] { #expect(!text.contains("hunter2")) }
    }
}
