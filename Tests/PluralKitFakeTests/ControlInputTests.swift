import Foundation
import PluralKitFake
import Testing

@Suite("The fake's control interface refuses bad input")
struct ControlInputTests {
    @Test(
        "a rate of 1e-300 (which crashed the fake) or 0 is refused with 400; a tiny rate set through Swift does not crash a request"
    )
    func rates() {
        let fake = FakePluralKit()
        let system = fake.loadDemo()
        for body in [#"{"get_rate":1e-300}"#, #"{"update_rate":0}"#, #"{"get_rate":1e300}"#, #"{"get_rate":-1}"#] {
            #expect(fake.handle(request("POST", "/_control/ratelimit", body: body)).status == 400, "\(body)")
        }
        #expect(fake.rateLimits == RateLimitSettings())
        fake.rateLimits = RateLimitSettings(getRate: 1e-300)
        let first = fake.handle(request("GET", "/v2/systems/\(system.id)"))
        #expect(first.status == 200 || first.status == 429)
        #expect(fake.handle(request("GET", "/v2/systems/\(system.id)")).status == 429)
    }

    @Test(
        "a control switch with bad JSON, no members or a members value that is not a list of strings is a 400 and logs nothing"
    )
    func switches() {
        let fake = FakePluralKit()
        _ = fake.loadDemo()
        let before = fake.handle(request("GET", "/_control/state")).body
        for body in ["{members: [Sam]", #"{"members":"Sam"}"#, #"{"members":[1,2]}"#, #"{"system":null}"#, "not json"] {
            let response = fake.handle(request("POST", "/_control/switches", body: body))
            #expect(response.status == 400, "\(body)")
        }
        #expect(fake.handle(request("GET", "/_control/state")).body == before)
        // A switch-out, on purpose.
        #expect(fake.handle(request("POST", "/_control/switches", body: #"{"members":[]}"#)).status == 200)
        #expect(fake.handle(request("POST", "/_control/switches", body: #"{"members":["Sam"]}"#)).status == 200)
    }
}
