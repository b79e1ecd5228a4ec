public import FrontEvents
public import PluralKit

/// The front as the engine sees it: the fronters in order with the start of each one's stint
/// (the earliest switch of the unbroken run of switches that include them), the time of the
/// last change of the fronter list, and the front before it. PluralKit's switch history is the
/// authority; the shell recomputes this after edits, deletions and restarts.
public struct EngineFront: Sendable, Hashable, Codable {
    /// One current fronter.
    public struct Fronter: Sendable, Hashable, Codable {
        /// Who.
        public var member: MemberRef
        /// The start of their stint.
        public var since: Timestamp

        /// Creates a fronter.
        public init(member: MemberRef, since: Timestamp) {
            self.member = member
            self.since = since
        }
    }

    /// The fronters, first fronter first.
    public var fronters: [Fronter]
    /// When the fronter list last changed (nil: no switch known).
    public var lastChange: Timestamp?
    /// The fronters before the last change.
    public var previous: [MemberRef]

    /// Creates a front.
    public init(fronters: [Fronter] = [], lastChange: Timestamp? = nil, previous: [MemberRef] = []) {
        self.fronters = fronters
        self.lastChange = lastChange
        self.previous = previous
    }

    /// The fronters' references, in order.
    public var members: [MemberRef] { fronters.map(\.member) }

    /// The stint start of a member who fronts now.
    public func since(_ member: MemberID) -> Timestamp? { fronters.first { $0.member.id == member }?.since }

    /// The front after a switch to `members` at `time`: members who stay keep their stint, the
    /// others start one at `time`.
    public func switched(to members: [MemberRef], at time: Timestamp) -> EngineFront {
        guard members.map(\.id) != fronters.map(\.member.id) else { return self }
        let kept = Dictionary(fronters.map { ($0.member.id, $0.since) }, uniquingKeysWith: { a, _ in a })
        return EngineFront(
            fronters: members.map { Fronter(member: $0, since: kept[$0.id] ?? time) }, lastChange: time,
            previous: self.members)
    }
}
