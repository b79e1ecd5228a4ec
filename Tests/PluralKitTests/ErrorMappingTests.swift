import Clocks
import Testing

@testable import PluralKit

/// Every code of the reference's error table, with the status it comes with and the category
/// it must land in.
let errorTable: [(status: Int, code: Int, message: String, category: PluralKitError.Category)] = [
    (400, 0, "400: Bad Request", .badRequest),
    (400, 0, "Unsupported API version", .badRequest),
    (401, 0, "401: Missing or invalid Authorization header", .unauthorized),
    (403, 0, "403: Missing permissions to access this resource", .notOwnSystem),
    (410, 0, "Unsupported API version", .unsupported),
    (429, 0, "429: too many requests", .rateLimited),
    (500, 0, "500: Internal Server Error", .serverError),
    (404, 20001, "System not found.", .systemNotFound),
    (404, 20002, "Member not found.", .memberNotFound),
    (404, 20003, "Member 'abcdef' not found.", .memberNotFound),
    (404, 20004, "Group not found.", .groupNotFound),
    (404, 20005, "Group 'abcdef' not found.", .groupNotFound),
    (404, 20006, "Message not found.", .messageNotFound),
    (404, 20007, "Switch not found.", .switchNotFound),
    (
        404, 20008, "Switch not found, switch associated with different system, or unauthorized to view front history.",
        .switchNotFound
    ),
    (404, 20009, "No system guild settings found for target guild.", .guildSettingsNotFound),
    (404, 20010, "No member guild settings found for target guild.", .guildSettingsNotFound),
    (403, 30001, "Unauthorized to view member list", .privacyForbidden),
    (403, 30002, "Unauthorized to view group list", .privacyForbidden),
    (403, 30003, "Unauthorized to view group member list", .privacyForbidden),
    (403, 30004, "Unauthorized to view current fronters.", .privacyForbidden),
    (403, 30005, "Unauthorized to view front history.", .privacyForbidden),
    (403, 30006, "Target member is not part of your system.", .notOwnMember),
    (403, 30007, "Target group is not part of your system.", .notOwnGroup),
    (403, 30008, "Member 'abcdef' is not part of your system.", .notOwnMember),
    (403, 30009, "Group 'abcdef' is not part of your system.", .notOwnGroup),
    (400, 40001, "Error parsing JSON model", .badRequest),
    (400, 40002, "Missing autoproxy member for member-mode autoproxy.", .badRequest),
    (400, 40003, "Duplicate members in member list.", .badRequest),
    (400, 40004, "Member list identical to current fronter list.", .badRequest),
    (400, 40005, "Switch with provided timestamp already exists.", .badRequest),
    (400, 40006, "Invalid switch ID.", .badRequest),
    (400, 40007, "Member limit reached.", .badRequest),
    (400, 40008, "Group limit reached.", .badRequest),
    (400, 40009, "Cannot patch autoproxy member with latch-mode autoproxy.", .badRequest),
    (501, 50001, "Unimplemented", .unsupported),
    (418, 99999, "A code from the future", .other),
]

@Suite("Errors")
struct ErrorMappingTests {
    @Test("every code of the table maps to its category, code and message", arguments: errorTable.indices)
    func mapping(_ index: Int) async throws {
        let row = errorTable[index]
        let body = #"{"message":"\#(row.message)","code":\#(row.code)}"#
        let client = makeClient(
            StubTransport(status: row.status, body: body), clock: ImmediateClock(),
            retry: .none)
        let error = await #expect(throws: PluralKitError.self) { _ = try await client.getSystem() }
        #expect(error?.kind == .api)
        #expect(error?.status == row.status)
        #expect(error?.code?.rawValue == row.code)
        #expect(error?.message == row.message)
        #expect(error?.category == row.category)
        #expect(error?.request == "GET /systems/@me")
        if row.code != 99999 { #expect(error?.code?.name != nil) } else { #expect(error?.code?.name == nil) }
    }

    @Test("40001 carries the field errors")
    func validationErrors() async throws {
        let client = makeClient(
            StubTransport(status: 400, body: try Fixture.string("error-400-model-parse-too-long.json")),
            clock: ImmediateClock())
        let error = await #expect(throws: PluralKitError.self) {
            try await client.updateMember("hrnakw", MemberUpdate(name: "x"))
        }
        #expect(error?.code == .validation)
        #expect(error?.fieldErrors["name"]?.first?.actualLength == 123)
        #expect(error?.fieldErrors["color"]?.first?.message == "Field color is invalid.")
        #expect(error?.description.contains("Field name is too long.") == true)
    }

    @Test("empty-body 404 and 400 and non-JSON bodies become readable errors")
    func emptyBodies() async throws {
        for (status, body, category, hint) in [
            (404, "", PluralKitError.Category.notFound, "base URL"), (400, "", .badRequest, "User-Agent"),
            (502, "<html><body>Bad gateway</body></html>", .serverError, "Bad gateway"),
        ] {
            let client = makeClient(StubTransport(status: status, body: body), clock: ImmediateClock(), retry: .none)
            let error = await #expect(throws: PluralKitError.self) { _ = try await client.getFronters() }
            #expect(error?.category == category)
            #expect(error?.code == nil)
            #expect(error?.message.contains(hint) == true, "\(error?.message ?? "")")
        }
    }

    @Test("garbage where JSON is expected is a decoding error naming the request")
    func garbage() async throws {
        let client = makeClient(StubTransport(body: #"{"id": 12"#), clock: ImmediateClock())
        let error = await #expect(throws: PluralKitError.self) { _ = try await client.getMember("hrnakw") }
        #expect(error?.kind == .decoding)
        #expect(error?.request == "GET /members/hrnakw")
    }

    @Test("pluralkit.py's categories as conveniences")
    func conveniences() {
        let notFound = PluralKitError(kind: .api, status: 404, code: .memberNotFound, message: "Member not found.")
        #expect(notFound.isNotFound)
        #expect(!notFound.isTransient)
        let unauthorized = PluralKitError(kind: .api, status: 401, code: .generic, message: "401")
        #expect(unauthorized.isUnauthorized)
        #expect(PluralKitError(kind: .timeout, message: "t").isTransient)
        #expect(PluralKitError(kind: .api, status: 503, message: "x").isTransient)
        #expect(!PluralKitError(kind: .api, status: 501, code: .unimplemented, message: "x").isTransient)
    }
}
