import Actions
import Foundation
import PluralKitTesting
import Synchronization
import Testing

@Suite("webhook: one POST with the Idempotency-Key, retried only on connection errors and 5xx, 3 tries")
struct WebhookSenderTests {
    final class Pauses: Sendable {
        let taken = Mutex<[Duration]>([])
        var all: [Duration] { taken.withLock { $0 } }
    }

    static func sender(_ pauses: Pauses) -> WebhookSender {
        WebhookSender(userAgent: "pkfrontd/test") { d in pauses.taken.withLock { $0.append(d) } }
    }

    @Test("the body, the rule's headers, JSON by default, the Idempotency-Key; a header value cannot add a header")
    func delivered() async throws {
        let recorder = WebhookRecorder()
        let pauses = Pauses()
        let sender = Self.sender(pauses)
        let outcome = try await recorder.withServer { base in
            await sender.send(
                url: base + "/hook/secret-token?x=1",
                headers: ["X-Front": "Sam\r\nX-Injected: yes", "Idempotency-Key": "not-this"],
                body: #"{"front":"Sam"}"#, idempotencyKey: "12-00ab", timeout: .seconds(5))
        }
        try await sender.shutdown()
        #expect(outcome == .delivered(status: 204, tries: 1))
        let request = try #require(recorder.requests.first)
        #expect(recorder.requests.count == 1)
        #expect(request.method == "POST")
        #expect(request.path == "/hook/secret-token?x=1")
        #expect(request.body == #"{"front":"Sam"}"#)
        #expect(request.headers["content-type"] == "application/json")
        #expect(request.headers["idempotency-key"] == "12-00ab")
        #expect(request.headers["user-agent"] == "pkfrontd/test")
        #expect(request.headers["x-front"] == "Sam  X-Injected: yes")
        #expect(request.headers["x-injected"] == nil)
        #expect(pauses.all.isEmpty)
    }

    @Test("5xx answers are tried again (1 s, then 2 s), 3 tries in all, with the same key")
    func serverErrors() async throws {
        let pauses = Pauses()
        let sender = Self.sender(pauses)
        let recovering = WebhookRecorder(statuses: [503, 500])
        let first = try await recovering.withServer { base in
            await sender.send(url: base + "/h", headers: [:], body: "{}", idempotencyKey: "k1", timeout: .seconds(5))
        }
        #expect(first == .delivered(status: 204, tries: 3))
        #expect(Set(recovering.requests.map { $0.headers["idempotency-key"] }) == ["k1"])
        #expect(pauses.all == [.seconds(1), .seconds(2)])
        let failing = WebhookRecorder(statuses: [502, 503, 504, 200])
        let second = try await failing.withServer { base in
            await sender.send(url: base + "/h", headers: [:], body: "{}", idempotencyKey: "k2", timeout: .seconds(5))
        }
        guard case .failed(let code, let error, let tries) = second else {
            Issue.record("\(second)")
            return
        }
        #expect(code == "5xx")
        #expect(tries == 3)
        #expect(failing.requests.count == 3)
        #expect(error.contains("504"))
        // The journal's words never hold the URL's path (a Discord webhook's token is there).
        #expect(!error.contains("/h"))
        try await sender.shutdown()
    }

    @Test("a 4xx answer is not tried again; a refused connection is, 3 times; a URL that is not http(s) is refused")
    func refusals() async throws {
        let pauses = Pauses()
        let sender = Self.sender(pauses)
        let recorder = WebhookRecorder(statuses: [404])
        let outcome = try await recorder.withServer { base in
            await sender.send(url: base + "/h", headers: [:], body: "{}", idempotencyKey: "k", timeout: .seconds(5))
        }
        #expect(recorder.requests.count == 1)
        guard case .failed("http_404", _, 1) = outcome else {
            Issue.record("\(outcome)")
            return
        }
        let refusing = try RefusingPort()
        let refused = await sender.send(
            url: "http://127.0.0.1:\(refusing.port)/h", headers: [:], body: "{}", idempotencyKey: "k",
            timeout: .seconds(5))
        guard case .failed("connection", _, 3) = refused else {
            Issue.record("\(refused)")
            return
        }
        let invalid = await sender.send(
            url: "ftp://x/y", headers: [:], body: "{}", idempotencyKey: "k", timeout: .seconds(5))
        guard case .failed("invalid", _, 0) = invalid else {
            Issue.record("\(invalid)")
            return
        }
        try await sender.shutdown()
    }

    @Test("the URL as the journal shows it: scheme, host and port, never the path or query")
    func shown() {
        #expect(WebhookSender.shown("https://discord.com/api/webhooks/1/TOKEN") == "https://discord.com/…")
        #expect(WebhookSender.shown("http://127.0.0.1:8080") == "http://127.0.0.1:8080")
        #expect(WebhookSender.shown("http://h:1/?token=x") == "http://h:1/…")
    }
}
