/// Every error the client throws.
///
/// It carries what PluralKit said (HTTP status, numeric ``code``, message, per-field
/// ``fieldErrors``, ``retryAfter`` and ``scope`` on 429) and which request failed (method and
/// path — never the token). ``category`` sorts it into the familiar groups (system not found,
/// not own member, rate limited, …) for `switch` statements; ``kind`` says whether the server
/// answered at all.
public struct PluralKitError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Where the failure happened.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable { case api, transport, timeout, decoding, invalidRequest }
        private let base: Base
        /// The server answered with an error status.
        public static let api = Kind(base: .api)
        /// The request could not be sent or the connection failed.
        public static let transport = Kind(base: .transport)
        /// The server did not answer in time.
        public static let timeout = Kind(base: .timeout)
        /// The server answered, but not with the JSON this client expects.
        public static let decoding = Kind(base: .decoding)
        /// The client refused to send the request (a value breaks the server's rules).
        public static let invalidRequest = Kind(base: .invalidRequest)
        public var description: String { "\(base)" }
    }

    /// PluralKit's numeric error code. Known codes have names; unknown ones are kept as numbers.
    public struct Code: Hashable, Sendable, RawRepresentable, CustomStringConvertible, ExpressibleByIntegerLiteral {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public init(integerLiteral value: Int) { rawValue = value }
        public var description: String { String(rawValue) }

        /// Generic errors (400, 401, 403 on foreign systems, 410, 429, 500).
        public static let generic: Code = 0
        public static let systemNotFound: Code = 20001
        public static let memberNotFound: Code = 20002
        public static let memberRefNotFound: Code = 20003
        public static let groupNotFound: Code = 20004
        public static let groupRefNotFound: Code = 20005
        public static let messageNotFound: Code = 20006
        public static let switchNotFound: Code = 20007
        public static let switchNotFoundOrPrivate: Code = 20008
        public static let systemGuildSettingsNotFound: Code = 20009
        public static let memberGuildSettingsNotFound: Code = 20010
        public static let memberListPrivate: Code = 30001
        public static let groupListPrivate: Code = 30002
        public static let groupMemberListPrivate: Code = 30003
        public static let frontPrivate: Code = 30004
        public static let frontHistoryPrivate: Code = 30005
        public static let notOwnMember: Code = 30006
        public static let notOwnGroup: Code = 30007
        public static let memberRefNotOwn: Code = 30008
        public static let groupRefNotOwn: Code = 30009
        public static let validation: Code = 40001
        public static let missingAutoproxyMember: Code = 40002
        public static let duplicateMembers: Code = 40003
        public static let sameSwitchMembers: Code = 40004
        public static let duplicateSwitchTimestamp: Code = 40005
        public static let invalidSwitchID: Code = 40006
        public static let memberLimitReached: Code = 40007
        public static let groupLimitReached: Code = 40008
        public static let autoproxyMemberWithLatch: Code = 40009
        public static let unimplemented: Code = 50001

        /// The name of a known code ("sameSwitchMembers"), or nil.
        public var name: String? { Self.names[rawValue] }

        private static let names: [Int: String] = [
            0: "generic", 20001: "systemNotFound", 20002: "memberNotFound", 20003: "memberRefNotFound",
            20004: "groupNotFound", 20005: "groupRefNotFound", 20006: "messageNotFound",
            20007: "switchNotFound", 20008: "switchNotFoundOrPrivate", 20009: "systemGuildSettingsNotFound",
            20010: "memberGuildSettingsNotFound", 30001: "memberListPrivate", 30002: "groupListPrivate",
            30003: "groupMemberListPrivate", 30004: "frontPrivate", 30005: "frontHistoryPrivate",
            30006: "notOwnMember", 30007: "notOwnGroup", 30008: "memberRefNotOwn", 30009: "groupRefNotOwn",
            40001: "validation", 40002: "missingAutoproxyMember", 40003: "duplicateMembers",
            40004: "sameSwitchMembers", 40005: "duplicateSwitchTimestamp", 40006: "invalidSwitchID",
            40007: "memberLimitReached", 40008: "groupLimitReached", 40009: "autoproxyMemberWithLatch",
            50001: "unimplemented",
        ]
    }

    /// The familiar groups of errors (those of pluralkit.py, and a few more).
    public enum Category: String, Hashable, Sendable, CaseIterable {
        case systemNotFound, memberNotFound, groupNotFound, switchNotFound, messageNotFound
        case guildSettingsNotFound
        /// A 404 that names nothing (an unknown route: wrong base URL or API version).
        case notFound
        /// Writing to (or reading private settings of) a system that is not the token's.
        case notOwnSystem, notOwnMember, notOwnGroup
        /// Privacy settings forbid the list or front being read (30001–30005).
        case privacyForbidden
        /// The server rejected the request (400), including validation errors (40001).
        case badRequest
        /// No or an invalid token where one is needed (401).
        case unauthorized
        case rateLimited
        /// 5xx, other than 501.
        case serverError
        /// The server does not support this (410 for old API versions, 501).
        case unsupported
        case transport, timeout, decoding
        /// Refused by the client before sending.
        case invalidRequest
        /// Anything else.
        case other
    }

    /// One problem with one field of a request body.
    public struct FieldError: Hashable, Sendable, Codable {
        public var message: String
        public var actualLength: Int?
        public var maxLength: Int?

        public init(message: String, actualLength: Int? = nil, maxLength: Int? = nil) {
            self.message = message
            self.actualLength = actualLength
            self.maxLength = maxLength
        }

        enum CodingKeys: String, CodingKey {
            case message
            case actualLength = "actual_length"
            case maxLength = "max_length"
        }
    }

    public var kind: Kind
    /// The HTTP status, when the server answered.
    public var status: Int?
    /// PluralKit's code, when the body had one.
    public var code: Code?
    /// PluralKit's message, or this client's explanation.
    public var message: String
    /// Problems by field (code 40001, or a client-side check); keys are the JSON keys.
    public var fieldErrors: [String: [FieldError]]
    /// How long the server asked to wait (429).
    public var retryAfter: Duration?
    /// The rate-limit scope (429), e.g. `generic_get`.
    public var scope: String?
    /// The request, as `METHOD /path` (no host, no token).
    public var request: String?
    /// A description of the underlying error (transport, decoding).
    public var underlying: String?

    /// Creates an error.
    public init(
        kind: Kind, status: Int? = nil, code: Code? = nil, message: String,
        fieldErrors: [String: [FieldError]] = [:], retryAfter: Duration? = nil, scope: String? = nil,
        request: String? = nil, underlying: String? = nil
    ) {
        self.kind = kind
        self.status = status
        self.code = code
        self.message = message
        self.fieldErrors = fieldErrors
        self.retryAfter = retryAfter
        self.scope = scope
        self.request = request
        self.underlying = underlying
    }

    /// The group this error belongs to; mapped by HTTP status first, then by code.
    public var category: Category {
        switch kind {
        case .transport: return .transport
        case .timeout: return .timeout
        case .decoding: return .decoding
        case .invalidRequest: return .invalidRequest
        default: break
        }
        guard let status else { return .other }
        switch status {
        case 400: return .badRequest
        case 401: return .unauthorized
        case 403:
            switch code {
            case .notOwnMember, .memberRefNotOwn: return .notOwnMember
            case .notOwnGroup, .groupRefNotOwn: return .notOwnGroup
            case .memberListPrivate, .groupListPrivate, .groupMemberListPrivate, .frontPrivate,
                .frontHistoryPrivate:
                return .privacyForbidden
            default: return .notOwnSystem
            }
        case 404:
            switch code {
            case .systemNotFound: return .systemNotFound
            case .memberNotFound, .memberRefNotFound: return .memberNotFound
            case .groupNotFound, .groupRefNotFound: return .groupNotFound
            case .switchNotFound, .switchNotFoundOrPrivate: return .switchNotFound
            case .messageNotFound: return .messageNotFound
            case .systemGuildSettingsNotFound, .memberGuildSettingsNotFound: return .guildSettingsNotFound
            default: return .notFound
            }
        case 410, 501: return .unsupported
        case 429: return .rateLimited
        case 500...599: return .serverError
        default: return .other
        }
    }

    /// Any "not found" category.
    public var isNotFound: Bool {
        [
            .systemNotFound, .memberNotFound, .groupNotFound, .switchNotFound, .messageNotFound,
            .guildSettingsNotFound, .notFound,
        ].contains(category)
    }

    /// Whether the token is missing or was rejected.
    public var isUnauthorized: Bool { category == .unauthorized }

    /// Whether trying the same request again later may succeed (transport failures, timeouts,
    /// 429 and 5xx other than 501).
    public var isTransient: Bool {
        [.transport, .timeout, .rateLimited, .serverError].contains(category)
    }

    /// Whether this means the API is out of reach or not answering usefully — network errors,
    /// timeouts, 5xx, a reply that is not the API's JSON, a rate-limit storm — as opposed to a
    /// request the API refused (4xx) or a problem on this side.
    public var isOutage: Bool {
        [.transport, .timeout, .rateLimited, .serverError, .decoding].contains(category)
    }

    /// The same error with every occurrence of each secret in its texts replaced by `[token]`.
    public func redacting(_ secrets: [String]) -> PluralKitError {
        var copy = self
        copy.message = Redaction.redact(message, secrets: secrets)
        copy.underlying = underlying.map { Redaction.redact($0, secrets: secrets) }
        copy.request = request.map { Redaction.redact($0, secrets: secrets) }
        copy.fieldErrors = fieldErrors.mapValues {
            $0.map {
                var f = $0
                f.message = Redaction.redact(f.message, secrets: secrets)
                return f
            }
        }
        return copy
    }

    public var description: String {
        var parts: [String] = []
        if let request { parts.append(request) }
        if let status { parts.append("HTTP \(status)") }
        if let code, code != .generic { parts.append("code \(code.rawValue)") }
        var text = "PluralKit \(category.rawValue) error"
        if !parts.isEmpty { text += " (" + parts.joined(separator: ", ") + ")" }
        text += ": " + message
        for field in fieldErrors.keys.sorted() {
            text += "; \(field): " + fieldErrors[field]!.map(\.message).joined(separator: " ")
        }
        if let retryAfter { text += "; retry after \(retryAfter)" }
        if let underlying { text += " [\(underlying)]" }
        return text
    }
}

/// The JSON error body PluralKit sends.
struct APIErrorBody: Decodable {
    var message: String?
    var code: Int?
    var errors: [String: [PluralKitError.FieldError]]?
    var retryAfter: Double?
    var scope: String?

    enum CodingKeys: String, CodingKey {
        case message, code, errors
        case retryAfter = "retry_after"
        case scope
    }
}
