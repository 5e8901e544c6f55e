//! The checked-in `events/` are exactly what the generator writes.

use std::path::Path;

#[test]
fn checked_in_sample_events_are_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    let mut stale = Vec::new();
    for file in middesk_webhooks_cli::events::event_files() {
        let on_disk = std::fs::read_to_string(dir.join(&file.path)).unwrap_or_default();
        if on_disk != file.contents {
            stale.push(file.path);
        }
    }
    assert!(
        stale.is_empty(),
        "stale events {stale:?}: run `cargo run -p middesk-webhooks-cli -- generate-events`"
    );
}
