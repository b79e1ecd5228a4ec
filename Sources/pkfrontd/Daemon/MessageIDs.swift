/// Stable `MESSAGE_ID`s per kind of journal entry; `systemd/pkfrontd.catalog` explains each
/// (`journalctl -x`). Never change an id once released.
enum MessageID {
    static let byEvent: [String: String] = [
        "switch": "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e01",
        "fronter_added": "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e02",
        "fronter_removed": "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e03",
        "first_fronter_changed": "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e04",
        "front_cleared": "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e05",
        "switch_edited": "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e06",
        "switch_deleted": "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e07",
        "api_unreachable": "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e08",
        "api_recovered": "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e09",
        "token_rejected": "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e0a",
        "daemon_started": "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e0b",
        "daemon_stopping": "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e0c",
        "rules_reloaded": "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e0d",
        "reload_failed": "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e0e",
        "startup_failed": "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e0f",
        "token_accepted": "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e10",
        "state_reset": "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e11",
        "outbox_quarantined": "6b1f0c5e2d7a4c3f9e8d1a2b3c4d5e12",
    ]

    /// The id for an event kind.
    static func id(_ event: String) -> String { byEvent[event]! }
}
