public import FrontEvents

/// What the tracker knows about one system between polls.
public struct SystemState: Sendable, Hashable {
    /// The system's short id.
    public var system: String
    /// The current front's switch (the latest known), nil before any switch.
    public var front: TrackedSwitch?
    /// Recent known switches, newest first (a window for edit/delete detection).
    public var known: [TrackedSwitch]

    public init(system: String, front: TrackedSwitch?, known: [TrackedSwitch]) {
        self.system = system
        self.front = front
        self.known = known
    }
}
