import Clocks
import Foundation
import Logging
import PluralKitTesting
import Testing

@testable import PluralKit

/// A fake history of `count` switches, one minute apart, answering `before`/`limit` like the
/// server (exclusive, newest first, limit capped at 100).
func historyServer(count: Int, start: Timestamp = Timestamp("2024-01-01T00:00:00.000001Z")!) -> StubTransport {
    let all = (0..<count).map { i in
        (id: String(format: "00000000-0000-4000-8000-%012d", i), ts: start.adding(.seconds(60 * i)))
    }
    return StubTransport { request, _ in
        let components = URLComponents(string: request.url)!
        let items = components.queryItems ?? []
        let before =
            items.first { $0.name == "before" }?.value.flatMap(Timestamp.init) ?? Timestamp("2100-01-01T00:00:00Z")!
        let limit = min(items.first { $0.name == "limit" }?.value.flatMap(Int.init) ?? 100, 100)
        let page = all.filter { $0.ts < before }.sorted { $0.ts > $1.ts }.prefix(limit)
        let body =
            "["
            + page.map { #"{"id":"\#($0.id)","timestamp":"\#($0.ts)","members":["abcde"]}"# }
            .joined(separator: ",") + "]"
        return TransportResponse(status: 200, body: Array(body.utf8))
    }
}

@Suite("Switch history")
struct HistoryTests {
    @Test("pages with exclusive before cursors across several pages, newest first, no duplicates")
    func paging() async throws {
        let stub = historyServer(count: 250)
        let client = makeClient(stub, clock: ImmediateClock())
        var seen: [Switch] = []
        for try await entry in client.switchHistory() { seen.append(entry) }
        #expect(seen.count == 250)
        #expect(Set(seen.map(\.id)).count == 250)
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.timestamp > $1.timestamp })
        #expect(stub.requests.count == 3)
        // The second page's cursor is the exact (microsecond) timestamp of the first page's oldest.
        let second = URLComponents(string: stub.requests[1].url)!.queryItems!
        #expect(second.first { $0.name == "before" }?.value == seen[99].timestamp.description)
        #expect(seen[99].timestamp.description.hasSuffix(".000001Z"))
        #expect(second.first { $0.name == "limit" }?.value == "100")
    }

    @Test("stops at `until` without fetching further pages")
    func until() async throws {
        let stub = historyServer(count: 250)
        let client = makeClient(stub, clock: ImmediateClock())
        let until = Timestamp("2024-01-01T00:00:00.000001Z")!.adding(.seconds(60 * 200))
        var seen: [Switch] = []
        for try await entry in client.switchHistory(until: until) { seen.append(entry) }
        #expect(seen.count == 50)
        #expect(seen.last?.timestamp == until)
        #expect(stub.requests.count == 1)
    }

    @Test("an exact multiple of the page size ends with one empty page; an empty history yields nothing")
    func edges() async throws {
        let stub = historyServer(count: 20)
        var n = 0
        for try await _ in makeClient(stub, clock: ImmediateClock()).switchHistory(pageSize: 10) { n += 1 }
        #expect(n == 20)
        #expect(stub.requests.count == 3)
        let empty = historyServer(count: 0)
        for try await _ in makeClient(empty, clock: ImmediateClock()).switchHistory() {
            Issue.record("no entries expected")
        }
        #expect(empty.requests.count == 1)
    }
}

@Suite("Token secrecy")
struct TokenSecrecyTests {
    @Test("the token appears in no description, log line or error")
    func secrecy() async throws {
        let store = LogCapture()
        let logger = store.logger
        let failing = StubTransport { request, index in
            switch index {
            case 0: throw TransportFailure(isTimeout: true, mayHaveBeenSent: true, description: "timed out")
            case 1: return TransportResponse(status: 500, body: Array("oops".utf8))
            default:
                return TransportResponse(
                    status: 401,
                    body: Array(#"{"message":"401: Missing or invalid Authorization header","code":0}"#.utf8))
            }
        }
        let client = makeClient(failing, clock: ImmediateClock(), logger: logger)
        let error = await #expect(throws: PluralKitError.self) { _ = try await client.getSystem() }
        let secret = testToken.reveal()
        #expect(failing.requests.allSatisfy { $0.header("Authorization") == secret })
        var texts = [client.description, "\(client)", String(reflecting: error as Any), "\(error as Any)"]
        texts += store.lines
        var dumped = ""
        dump(error, to: &dumped)
        texts.append(dumped)
        #expect(store.lines.count >= 2)
        for text in texts { #expect(!text.contains(secret), "leaked in: \(text)") }
        #expect(error?.isUnauthorized == true)
    }
}
