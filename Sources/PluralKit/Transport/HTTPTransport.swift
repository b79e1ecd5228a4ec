/// One HTTP request as the client hands it to a transport.
public struct TransportRequest: Sendable, Hashable {
    /// `GET`, `POST`, `PATCH` or `DELETE`.
    public var method: String
    /// The absolute URL, with the query.
    public var url: String
    /// Header names and values, in order.
    public var headers: [Header]
    /// The JSON body, if any.
    public var body: [UInt8]?

    /// A header field.
    public struct Header: Sendable, Hashable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(method: String, url: String, headers: [Header], body: [UInt8]?) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The first value of a header (case-insensitive name).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// One HTTP response as a transport returns it.
public struct TransportResponse: Sendable, Hashable {
    public var status: Int
    public var headers: [TransportRequest.Header]
    public var body: [UInt8]

    public init(status: Int, headers: [TransportRequest.Header] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of a header (case-insensitive name).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// What a transport throws when no response arrived.
public struct TransportFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// Whether the failure was a timeout.
    public var isTimeout: Bool
    /// Whether the request may have reached the server (false for connection-setup failures,
    /// so even a non-idempotent write can be retried safely).
    public var mayHaveBeenSent: Bool
    /// What went wrong.
    public var description: String

    public init(isTimeout: Bool, mayHaveBeenSent: Bool, description: String) {
        self.isTimeout = isTimeout
        self.mayHaveBeenSent = mayHaveBeenSent
        self.description = description
    }
}

/// Sends HTTP requests for ``PluralKitClient``. The default is ``AsyncHTTPClientTransport``;
/// tests and embedders can supply their own.
public protocol HTTPTransport: Sendable {
    /// Sends one request and returns the whole response. Throws ``TransportFailure`` when no
    /// response arrived, and `CancellationError` when the task was cancelled.
    func send(_ request: TransportRequest, timeout: Duration) async throws -> TransportResponse
    /// Releases connections. Called by ``PluralKitClient/shutdown()`` for transports it created.
    func shutdown() async throws
}
