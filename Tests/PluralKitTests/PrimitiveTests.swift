import Foundation
import Testing

@testable import PluralKit

@Suite("Primitives")
struct PrimitiveTests {
    @Test(
        "ids normalise to the canonical form",
        arguments: [
            ("hrnakw", "hrnakw"), ("HRNAKW", "hrnakw"), ("hrn-akw", "hrnakw"), ("HRN-AKW", "hrnakw"),
            ("kzvyp", "kzvyp"), ("KZVYP", "kzvyp"), (" abcdef ", "abcdef"),
            ("8C4E0F6A-1D2B-4C3E-9F70-5B6A7C8D9E01", "8c4e0f6a-1d2b-4c3e-9f70-5b6a7c8d9e01"),
        ])
    func idNormalisation(input: String, canonical: String) throws {
        #expect(try #require(MemberID(input)).rawValue == canonical)
    }

    @Test("invalid ids are rejected", arguments: ["abcd", "abcdefg", "abc1ef", "ab-cdef", "", "hrn_akw", "äbcde"])
    func invalidIDs(input: String) {
        #expect(MemberID(input) == nil)
    }

    @Test("ids encode canonically in JSON")
    func idJSON() throws {
        let data = try JSONEncoder().encode([MemberID(String("HRN-AKW"))!])
        #expect(String(decoding: data, as: UTF8.self) == #"["hrnakw"]"#)
        #expect(MemberID(String("hrnakw"))!.displayForm == "hrn-akw")
    }

    @Test("system refs")
    func systemRefs() {
        #expect(SystemRef(String("@me")) == .me)
        #expect(SystemRef(String("FXB-TOV")) == .id("fxbtov"))
        #expect(SystemRef(String("466378653216014359")) == .discordAccount(466_378_653_216_014_359))
        #expect(SystemRef(String("12")) == nil)
        #expect(SystemRef.discordAccount(466_378_653_216_014_359).pathComponent == "466378653216014359")
    }

    @Test("snowflakes: strings on the wire, numbers accepted")
    func snowflakes() throws {
        let a = try JSONDecoder().decode(Snowflake.self, from: Data(#""1265798347125751828""#.utf8))
        let b = try JSONDecoder().decode(Snowflake.self, from: Data("1265798347125751828".utf8))
        #expect(a == b)
        #expect(String(decoding: try JSONEncoder().encode(a), as: UTF8.self) == #""1265798347125751828""#)
        #expect(Snowflake("12a") == nil)
    }

    @Test(
        "birthdays: 0001 and 0004 hide the year; 0004 is written",
        arguments: [
            ("0004-03-14", nil, 3, 14, "0004-03-14"), ("0001-03-14", nil, 3, 14, "0004-03-14"),
            ("1990-12-31", 1990, 12, 31, "1990-12-31"), ("0004-02-29", nil, 2, 29, "0004-02-29"),
            ("2000-02-29", 2000, 2, 29, "2000-02-29"), ("02-29", nil, 2, 29, "0004-02-29"),
        ] as [(String, Int?, Int, Int, String)])
    func birthdays(input: String, year: Int?, month: Int, day: Int, written: String) throws {
        let b = try #require(Birthday(input))
        #expect(b.year == year)
        #expect(b.month == month)
        #expect(b.day == day)
        #expect(b.description == written)
    }

    @Test(
        "impossible birthdays are rejected",
        arguments: ["2023-02-29", "1900-02-29", "0004-04-31", "2000-13-01", "2000-1-01", "x"])
    func badBirthdays(input: String) {
        #expect(Birthday(input) == nil)
    }

    @Test(
        "timestamps round-trip exactly",
        arguments: [
            "2021-11-07T17:34:21.511327Z", "2024-07-24T08:03:55.5Z", "2024-07-23T19:12:00Z",
            "2024-07-24T22:30:43.412Z", "2024-02-29T00:00:00.000001Z", "1969-12-31T23:59:59.999999Z",
            "2024-07-24T22:30:43.123456789Z",
        ])
    func timestampRoundTrip(text: String) throws {
        let t = try #require(Timestamp(text))
        #expect(t.description == text)
        let again = try JSONDecoder().decode(Timestamp.self, from: JSONEncoder().encode(t))
        #expect(again == t)
    }

    @Test("timestamps: trailing zeros trimmed, offsets converted, 0-9 digits")
    func timestampParsing() throws {
        #expect(Timestamp("2024-07-24T08:03:55.500000Z")?.description == "2024-07-24T08:03:55.5Z")
        #expect(Timestamp("2024-07-24T08:03:55.000Z")?.description == "2024-07-24T08:03:55Z")
        #expect(Timestamp("2024-07-24T10:03:55+02:00")?.description == "2024-07-24T08:03:55Z")
        #expect(Timestamp("2024-07-24T08:03:55.1234567890Z") == nil)
        #expect(Timestamp("2024-07-24T08:03:55") == nil)
        #expect(Timestamp("2024-02-30T08:03:55Z") == nil)
        let a = try #require(Timestamp("2024-07-24T08:03:55.5Z"))
        let b = try #require(Timestamp("2024-07-24T08:03:55.500001Z"))
        #expect(a < b)
        #expect(a.duration(to: b) == .microseconds(1))
        #expect(a.adding(.microseconds(1)) == b)
        #expect(Timestamp(a.date).description == a.description)
    }

    @Test("colours")
    func colours() {
        #expect(Color(String("#FF00AA"))?.hex == "ff00aa")
        #expect(Color(String("ff00aa"))?.hex == "ff00aa")
        #expect(Color(String("fff")) == nil)
        #expect(Color(String("red")) == nil)
        #expect(Color(red: 255, green: 0, blue: 10).hex == "ff000a")
        #expect(Color(String("22c55e"))!.components == (red: 0x22, green: 0xc5, blue: 0x5e))
    }

    @Test("time zones")
    func zones() {
        #expect(Timezone(String("Europe/Berlin")) != nil)
        #expect(Timezone(String("Mars/Olympus")) == nil)
    }

    @Test("proxy tags match like the bot")
    func proxyTags() throws {
        let brackets = try #require(ProxyTag(prefix: "{", suffix: "}"))
        #expect(!brackets.matches("This is an example."))
        #expect(brackets.matches("{This is another example.}"))
        #expect(!brackets.matches("{}"))
        #expect(!brackets.matches("{   }"))
        let prefix = try #require(ProxyTag(prefix: "r:"))
        #expect(prefix.matches("r: hello"))
        #expect(!prefix.matches("R: hello"))
        #expect(prefix.matches("R: hello", caseSensitive: false))
        #expect(ProxyTag(prefix: "", suffix: nil) == nil)
        let tags: ProxyTags = [prefix, try #require(ProxyTag(prefix: "r:(", suffix: ")"))]
        #expect(tags.matching("r:(hi)")?.suffix == ")")
        #expect(tags.matches("r:hi"))
        #expect(!tags.matches("hi"))
        #expect(brackets.description == "{text}")
    }

    @Test("tri-state updates: omitted, null, value")
    func triState() throws {
        var update = MemberUpdate()
        update.pronouns = "they/them"
        update.description = nil
        update.keepProxy = true
        let body = try json(bytes: Array(JSONEncoder().encode(update)))
        #expect(body == (try json(#"{"pronouns":"they/them","description":null,"keep_proxy":true}"#)))
        #expect(update.displayName == .unchanged)
    }

    @Test("lengths are counted in UTF-16 code units, like the server")
    func utf16Limits() throws {
        // 50 emoji are 50 Characters but 100 UTF-16 units: allowed for a 100 limit.
        let fifty = String(repeating: "🌿", count: 50)
        try MemberUpdate(name: .set(fifty)).validate()
        // 51 emoji are 102 units: refused, though only 51 Characters.
        let fiftyOne = String(repeating: "🌿", count: 51)
        let error = #expect(throws: PluralKitError.self) { try MemberUpdate(name: .set(fiftyOne)).validate() }
        #expect(error?.fieldErrors["name"]?.first?.actualLength == 102)
        #expect(error?.fieldErrors["name"]?.first?.maxLength == 100)
        // A system tag allows 79.
        #expect(throws: PluralKitError.self) {
            try SystemUpdate(tag: .set(String(repeating: "a", count: 80))).validate()
        }
        try SystemUpdate(tag: .set(String(repeating: "a", count: 79))).validate()
    }

    @Test("URLs must be https and at most 256 units; proxy tags at most 100 with text")
    func urlAndTagRules() throws {
        var update = MemberUpdate()
        update.avatarURL = "http://example.org/a.png"
        #expect(throws: PluralKitError.self) { try update.validate() }
        update.avatarURL = "https://example.org/a.png"
        try update.validate()
        update.avatarURL = .set("https://example.org/" + String(repeating: "a", count: 240))
        #expect(throws: PluralKitError.self) { try update.validate() }
        let long = try #require(ProxyTag(prefix: String(repeating: "p", count: 97)))
        #expect(long.serverLength == 101)
        #expect(throws: PluralKitError.self) { try MemberUpdate(proxyTags: .set([long])).validate() }
    }

    @Test("a token never shows itself")
    func tokenRedacted() {
        let rendered = ["\(testToken)", String(describing: testToken), String(reflecting: testToken), "\([testToken])"]
        for text in rendered { #expect(!text.contains(testToken.reveal()), "\(text)") }
        var dumped = ""
        dump(testToken, to: &dumped)
        #expect(!dumped.contains(testToken.reveal()))
        #expect(Token("  \n") == nil)
        #expect(Token("abc\n")?.reveal() == "abc")
    }
}
