import AsyncHTTPClient
import Clocks
import Foundation
import Logging
import PluralKitTesting
import Testing

@testable import PluralKit

@Suite("The token never leaves in an error text; API URLs are checked")
struct RedactionTests {
    let secret = testToken.reveal()

    @Test("an error body that quotes the token is redacted in the error's every text")
    func errorBodies() async throws {
        let transport = StubTransport(
            status: 502, body: "<html>upstream said: Authorization: \(testToken.reveal()) is bad</html>")
        let client = makeClient(transport, clock: ImmediateClock(), retry: .none)
        do {
            _ = try await client.getSystem()
            Issue.record("expected an error")
        } catch let error as PluralKitError {
            #expect(!error.description.contains(secret))
            #expect(!error.message.contains(secret))
            #expect(error.description.contains("[token]"))
        }
        let json = StubTransport(
            status: 400,
            body:
                #"{"message":"bad \#(testToken.reveal())","code":0,"errors":{"name":[{"message":"\#(testToken.reveal())"}]}}"#
        )
        do {
            _ = try await makeClient(json, clock: ImmediateClock(), retry: .none).getSystem()
        } catch let error as PluralKitError {
            #expect(!error.description.contains(secret))
        }
    }

    @Test("a transport failure whose text quotes the header is redacted, in the error and in the retry log")
    func transportTexts() async throws {
        let secret = self.secret
        let transport = StubTransport { request, _ in
            throw TransportFailure(
                isTimeout: false, mayHaveBeenSent: false,
                description: "bad header value \(request.header("Authorization") ?? "")")
        }
        let log = LogCapture()
        let client = makeClient(
            transport, clock: ImmediateClock(), retry: RetryPolicy(maxRetries: 2, jitter: 0),
            logger: log.logger)
        do {
            _ = try await client.getFronters()
            Issue.record("expected an error")
        } catch let error as PluralKitError {
            #expect(!error.description.contains(secret))
            #expect(error.underlying?.contains("[token]") == true)
        }
        #expect(log.lines.count == 2)
        #expect(!log.lines.contains { $0.contains(secret) })
        #expect(client.redacted("x \(secret) y") == "x [token] y")
    }

    @Test("async-http-client's errors are put in our own words (none of its texts, which can quote headers)")
    func ownWords() {
        for error in [
            HTTPClientError.invalidHeaderFieldValues(["secret-header-value"]),
            .invalidHeaderFieldNames(["secret-header-value"]), .unsupportedScheme("secret-header-value"),
        ] {
            let failure = AsyncHTTPClientTransport.failure(error, timeout: .seconds(10))
            #expect(!failure.description.contains("secret-header-value"))
        }
    }

    @Test(
        "API base URLs: a malformed one is refused with a reason, and user names and passwords are never repeated",
        arguments: [
            ("http://127.0.0.1:70000/v2", "port 70000"),
            ("http://[::1", "host or port is malformed"),
            ("http://", "no host"),
            ("http://exa mple/v2", "spaces"),
            ("ftp://example/v2", "must start with https://"),
            ("http://user:hunter2@127.0.0.1:8080/v2", "user name or password"),
            ("http://127.0.0.1:8080/v2?x=1", "query"),
            ("http://127.0.0.1:abc/v2", "port"),
        ])
    func baseURLs(url: String, reason: String) {
        do {
            _ = try APIBaseURL.validate(url)
            Issue.record("\(url) accepted")
        } catch {
            #expect(error.description.contains(reason), "\(error)")
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test(
        "good API base URLs pass",
        arguments: [
            "https://api.pluralkit.me/v2", "http://127.0.0.1:8080/v2", "http://[::1]:8080/v2/", "http://localhost/v2",
        ])
    func goodURLs(url: String) throws {
        #expect(try APIBaseURL.validate(url) == url)
    }

    @Test("the secret redactor replaces every secret it knows")
    func redactor() {
        let redactor = SecretRedactor()
        #expect(redactor.redact("a \(secret)") == "a \(secret)")
        redactor.add(secret)
        redactor.add("")
        #expect(redactor.redact("a \(secret) b \(secret)") == "a [token] b [token]")
    }

    @Test("the longest request, for the watchdog's bound: every attempt's timeout plus the backoffs")
    func longestRequest() {
        let c = PluralKitClient.Configuration(
            timeout: .seconds(10), retry: RetryPolicy(maxRetries: 3, initialBackoff: .milliseconds(500), jitter: 0))
        #expect(c.longestRequest == .seconds(40) + .milliseconds(3500))
    }
}
