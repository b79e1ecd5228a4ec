/// The autoproxy mode to set.
public enum AutoproxyChoice: Sendable, Hashable {
    /// Autoproxy off.
    case off
    /// Proxy as the first fronter.
    case front
    /// Proxy as whoever proxied last.
    case latch
    /// Member mode, with the member to proxy as.
    case member(MemberName)

    /// The API's name of the mode.
    public var apiMode: String {
        switch self {
        case .off: "off"
        case .front: "front"
        case .latch: "latch"
        case .member: "member"
        }
    }
}
