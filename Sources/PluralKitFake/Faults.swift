/// A failure the fake injects instead of (or before) answering normally.
public struct Fault: Sendable, Hashable {
    /// What goes wrong.
    public enum Kind: Sendable, Hashable {
        /// `500 {"message":"500: Internal Server Error","code":0}`.
        case serverError
        /// `502` with an HTML body, as a proxy in front of the API sends it.
        case badGateway
        /// `200` with a body that is not JSON.
        case malformedJSON
        /// `200` whose body stops halfway (the connection closes early).
        case truncatedBody
        /// The connection is closed without an answer.
        case connectionReset
        /// The answer comes after this many seconds (then normally).
        case delay(Double)
        /// `401` on `@me` paths, as after `pk;token refresh`.
        case tokenRevoked
        /// `429` with the server's body and headers.
        case rateLimited(retryAfterMilliseconds: Int)
        /// `400 40001` (`Error parsing JSON model`), as for a value the server's model refuses.
        case badRequest

        var name: String {
            switch self {
            case .serverError: "server_error"
            case .badGateway: "bad_gateway"
            case .malformedJSON: "malformed_json"
            case .truncatedBody: "truncated_body"
            case .connectionReset: "connection_reset"
            case .delay: "delay"
            case .tokenRevoked: "token_revoked"
            case .rateLimited: "rate_limited"
            case .badRequest: "bad_request"
            }
        }

        /// Parses the control interface's form: `{"kind": "delay", "seconds": 3}` and so on.
        static func parse(_ json: JSON) -> Kind? {
            switch json["kind"]?.stringValue {
            case "server_error": .serverError
            case "bad_gateway": .badGateway
            case "malformed_json": .malformedJSON
            case "truncated_body": .truncatedBody
            case "connection_reset": .connectionReset
            case "delay":
                .delay(
                    json["seconds"].flatMap { if case .double(let d) = $0 { d } else { $0.intValue.map(Double.init) } }
                        ?? 5)
            case "token_revoked": .tokenRevoked
            case "bad_request": .badRequest
            case "rate_limited": .rateLimited(retryAfterMilliseconds: Int(json["retry_after"]?.intValue ?? 0))
            default: nil
            }
        }
    }

    public var kind: Kind
    /// Applies to this many matching requests, then is used up; nil for no count limit.
    public var count: Int?
    /// Applies to this share (0…1) of matching requests; nil for all.
    public var probability: Double?
    /// Applies only to paths containing this text.
    public var pathContains: String?
    /// Applies only to this method.
    public var method: String?

    public init(
        _ kind: Kind, count: Int? = 1, probability: Double? = nil, pathContains: String? = nil, method: String? = nil
    ) {
        self.kind = kind
        self.count = count
        self.probability = probability
        self.pathContains = pathContains
        self.method = method
    }

    func matches(_ request: FakeRequest) -> Bool {
        if let pathContains, !request.path.contains(pathContains) { return false }
        if let method, method != request.method { return false }
        if case .tokenRevoked = kind, !request.path.contains("/@me") { return false }
        return true
    }

    var json: JSON {
        var pairs: [(String, JSON)] = [("kind", .string(kind.name))]
        if case .delay(let s) = kind { pairs.append(("seconds", .double(s))) }
        if case .rateLimited(let ms) = kind { pairs.append(("retry_after", .int(Int64(ms)))) }
        pairs += [
            ("count", count.map { .int(Int64($0)) } ?? .null), ("probability", probability.map(JSON.double) ?? .null),
            ("path_contains", .optional(pathContains)), ("method", .optional(method)),
        ]
        return .object(pairs)
    }
}

/// What the HTTP layer must do besides sending the response.
public enum ConnectionAction: Sendable, Hashable {
    /// Close the connection without answering.
    case reset
    /// Send the headers and this many body bytes, then close.
    case truncate(Int)
}

extension FakeState {
    /// Takes the first fault that applies to the request (using up one of its count).
    mutating func takeFault(for request: FakeRequest) -> Fault? {
        for i in faults.indices where faults[i].matches(request) {
            if let p = faults[i].probability, Double.random(in: 0..<1, using: &random) >= p { continue }
            let fault = faults[i]
            if let count = faults[i].count {
                if count <= 1 { faults.remove(at: i) } else { faults[i].count = count - 1 }
            }
            return fault
        }
        return nil
    }

    /// ASP.NET's answer to a body without `Content-Type: application/json` (a ProblemDetails
    /// object, not PluralKit's error shape).
    static let unsupportedMediaType = FakeResponse(
        status: 415, headers: [("Content-Type", "application/problem+json; charset=utf-8")],
        body: Array(
            #"{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.16","title":"Unsupported Media Type","status":415}"#
                .utf8))

    /// The response a fault produces (a delay produces none: the request then goes on).
    static func response(for fault: Fault, request: FakeRequest, now: FakeTime, limits: RateLimitSettings)
        -> FakeResponse?
    {
        switch fault.kind {
        case .serverError: return .error(500, 0, "500: Internal Server Error")
        case .badGateway:
            let html =
                "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
            return FakeResponse(status: 502, headers: [("Content-Type", "text/html")], body: Array(html.utf8))
        case .malformedJSON:
            return FakeResponse(
                status: 200, headers: [("Content-Type", "application/json")],
                body: Array(#"{"id": "abcde", "name": "Al"#.utf8))
        case .truncatedBody, .delay: return nil
        case .connectionReset: return FakeResponse(status: 500, connection: .reset)
        case .tokenRevoked: return .unauthorized
        case .badRequest: return .error(400, 40001, "Error parsing JSON model")
        case .rateLimited(let ms):
            // All four headers, as the gateway sends them with a real 429.
            let scope = Self.scope(method: request.method)
            var r = tooManyRequests(retryAfter: ms, scope: scope)
            let seconds = Double(now.micros) / 1e6 + Double(ms) / 1000
            let reset = limits.resetInMilliseconds ? String(Int64(seconds * 1000)) : String(Int64(seconds.rounded(.up)))
            r.headers += [
                ("X-RateLimit-Limit", request.method == "GET" ? "10" : "3"), ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", reset), ("X-RateLimit-Scope", scope),
            ]
            return r
        }
    }
}
