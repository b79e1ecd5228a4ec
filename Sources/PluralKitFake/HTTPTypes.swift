/// A request as the fake sees it (independent of the HTTP server library).
public struct FakeRequest: Sendable {
    public var method: String
    /// The path without the query, e.g. `/v2/systems/@me`.
    public var path: String
    /// The raw query string without `?`.
    public var query: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// The client's address, for per-IP rate-limit buckets.
    public var remoteAddress: String

    public init(
        method: String, path: String, query: String = "", headers: [(String, String)] = [], body: [UInt8] = [],
        remoteAddress: String = "127.0.0.1"
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// The first value of a header (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// Decoded query parameters (first value wins).
    public var queryItems: [String: String] {
        var out: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.percentDecode(String(parts[0]))
            if out[key] == nil { out[key] = parts.count > 1 ? Self.percentDecode(String(parts[1])) : "" }
        }
        return out
    }

    static func percentDecode(_ s: String) -> String {
        var bytes: [UInt8] = []
        var u = Array(s.utf8)[...]
        while let c = u.first {
            u = u.dropFirst()
            if c == UInt8(ascii: "%"), u.count >= 2,
                let v = UInt8(String(decoding: u.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(v)
                u = u.dropFirst(2)
            } else if c == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(c)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A response the fake sends.
public struct FakeResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Something the HTTP layer does to the connection instead of a clean answer.
    public var connection: ConnectionAction?
    /// Seconds to wait before answering.
    public var delay: Double?

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = [], connection: ConnectionAction? = nil)
    {
        self.status = status
        self.headers = headers
        self.body = body
        self.connection = connection
    }

    /// A JSON reply.
    static func json(_ value: JSON, status: Int = 200) -> FakeResponse {
        FakeResponse(
            status: status, headers: [("Content-Type", "application/json; charset=utf-8")],
            body: Array(value.serialized().utf8))
    }

    /// PluralKit's error shape: `{"message":…,"code":…}`.
    static func error(_ status: Int, _ code: Int, _ message: String) -> FakeResponse {
        json(.object([("message", .string(message)), ("code", .int(Int64(code)))]), status: status)
    }

    static func empty(_ status: Int) -> FakeResponse { FakeResponse(status: status) }

    static let badRequest = error(400, 0, "400: Bad Request")
    static let unauthorized = error(401, 0, "401: Missing or invalid Authorization header")
    static let forbidden = error(403, 0, "403: Missing permissions to access this resource")
    static let noContent = empty(204)
}

/// A failure that ends request handling with a response.
struct Reply: Error {
    var response: FakeResponse
    init(_ response: FakeResponse) { self.response = response }
}
