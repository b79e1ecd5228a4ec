#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The envelope PluralKit POSTs to a system's dispatch webhook.
///
/// Verify ``signingToken`` with ``isSigned(by:)`` and answer 401 when it does not match
/// (PluralKit tests this when the webhook is registered). Delivery is one attempt, unordered,
/// without retries: treat events as hints and reconcile by polling.
public struct DispatchEvent: Hashable, Sendable, Codable {
    /// The kind of event.
    public var type: Kind
    /// The webhook's signing token (null for the non-functional `UPDATE_GROUP_MEMBERS`).
    public var signingToken: String?
    /// The system's **UUID** (not its short id).
    public var systemID: String
    /// The entity: a member/group/switch UUID, a Discord account id, or nil.
    public var id: String?
    /// The payload: usually a patch with only the changed keys; absent for `PING`.
    public var data: JSONValue?

    /// The kind of a dispatch event; unknown kinds are kept.
    public struct Kind: Hashable, Sendable, Codable, RawRepresentable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(String.self)
        }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(rawValue)
        }
        public var description: String { rawValue }

        public static let ping = Kind(rawValue: "PING")
        public static let updateSystem = Kind(rawValue: "UPDATE_SYSTEM")
        public static let updateSettings = Kind(rawValue: "UPDATE_SETTINGS")
        public static let createMember = Kind(rawValue: "CREATE_MEMBER")
        public static let updateMember = Kind(rawValue: "UPDATE_MEMBER")
        public static let deleteMember = Kind(rawValue: "DELETE_MEMBER")
        public static let createGroup = Kind(rawValue: "CREATE_GROUP")
        public static let updateGroup = Kind(rawValue: "UPDATE_GROUP")
        public static let updateGroupMembers = Kind(rawValue: "UPDATE_GROUP_MEMBERS")
        public static let deleteGroup = Kind(rawValue: "DELETE_GROUP")
        public static let linkAccount = Kind(rawValue: "LINK_ACCOUNT")
        public static let unlinkAccount = Kind(rawValue: "UNLINK_ACCOUNT")
        public static let updateSystemGuild = Kind(rawValue: "UPDATE_SYSTEM_GUILD")
        public static let updateMemberGuild = Kind(rawValue: "UPDATE_MEMBER_GUILD")
        public static let createMessage = Kind(rawValue: "CREATE_MESSAGE")
        public static let createSwitch = Kind(rawValue: "CREATE_SWITCH")
        public static let updateSwitch = Kind(rawValue: "UPDATE_SWITCH")
        public static let deleteSwitch = Kind(rawValue: "DELETE_SWITCH")
        public static let deleteAllSwitches = Kind(rawValue: "DELETE_ALL_SWITCHES")
        public static let successfulImport = Kind(rawValue: "SUCCESSFUL_IMPORT")
        public static let updateAutoproxy = Kind(rawValue: "UPDATE_AUTOPROXY")

        /// Whether the event concerns switches (and so the front may have changed).
        public var affectsFront: Bool {
            [.createSwitch, .updateSwitch, .deleteSwitch, .deleteAllSwitches, .successfulImport, .deleteMember]
                .contains(self)
        }
    }

    /// The switch payload of `CREATE_SWITCH` / `UPDATE_SWITCH` (members as UUIDs; an
    /// `UPDATE_SWITCH` carries either the timestamp or the members).
    public struct SwitchData: Hashable, Sendable, Codable {
        public var id: SwitchID?
        public var timestamp: Timestamp?
        public var members: [MemberID]?
    }

    /// Decodes ``data`` as a switch payload, for switch events.
    public func switchData() throws -> SwitchData? {
        guard let data, type == .createSwitch || type == .updateSwitch else { return nil }
        let bytes = try JSONEncoder().encode(data)
        return try JSONDecoder().decode(SwitchData.self, from: bytes)
    }

    /// Whether the envelope carries the expected signing token (compared in constant time).
    public func isSigned(by expected: String) -> Bool {
        guard let signingToken else { return false }
        let a = Array(signingToken.utf8)
        let b = Array(expected.utf8)
        var diff = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<min(a.count, b.count) { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    /// Decodes an envelope from a webhook request body.
    public static func decode(from body: some Sequence<UInt8>) throws -> DispatchEvent {
        try JSONDecoder().decode(DispatchEvent.self, from: Data(body))
    }

    /// Creates an envelope (for tests and relays).
    public init(type: Kind, signingToken: String?, systemID: String, id: String? = nil, data: JSONValue? = nil) {
        self.type = type
        self.signingToken = signingToken
        self.systemID = systemID
        self.id = id
        self.data = data
    }

    enum CodingKeys: String, CodingKey {
        case type, id, data
        case signingToken = "signing_token"
        case systemID = "system_id"
    }
}
