public import PluralKit

/// Each current fronter's stint start, found by walking the switch history back from the
/// latest switch: a member's stint starts at the oldest switch of the unbroken run of switches,
/// back from the latest, that include them (co-fronters coming and going do not end it). Feed
/// switches newest first; stop when ``complete``.
public struct StintWalk: Sendable {
    /// Stint starts found so far (final for members not in ``open``).
    public private(set) var starts: [MemberID: Timestamp] = [:]
    /// Members whose run has not ended yet: an older switch may still move their start back.
    public private(set) var open: Set<MemberID> = []
    private var started = false

    /// A walk that has seen no switch yet.
    public init() {}

    /// Feeds the next older switch (the first one fed is the latest: the current front).
    /// - Returns: whether older switches can still change a start.
    @discardableResult
    public mutating func older(_ s: TrackedSwitch) -> Bool {
        if started {
            open.formIntersection(s.members)
        } else {
            started = true
            open = Set(s.members)
        }
        for member in open { starts[member] = s.timestamp }
        return !open.isEmpty
    }

    /// Every stint start is known (a switch without any of the open members was seen).
    public var complete: Bool { started && open.isEmpty }
}
