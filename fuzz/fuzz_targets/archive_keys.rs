//! The archive's and the refused prefix's keys: any text parses or not, never panics (a key
//! is whatever anybody with the bucket wrote), and every `created_at` gets a key that reads back.

#![no_main]

use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use middesk_webhooks::verify::archive::{ArchivedKey, archive_key};
use middesk_webhooks::verify::refused::RefusedKey;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = ArchivedKey::parse(text);
        let _ = RefusedKey::parse(text);
        for prefix in ["events/", "refused/"] {
            let _ = ArchivedKey::parse(&format!("{prefix}{text}"));
            let _ = RefusedKey::parse(&format!("{prefix}{text}"));
        }
    }
    if data.len() >= 12 {
        let seconds = u64::from_le_bytes(data[..8].try_into().unwrap_or_default()) >> 1;
        let nanos = u32::from_le_bytes(data[8..12].try_into().unwrap_or_default()) % 1_000_000_000;
        let created = SystemTime::UNIX_EPOCH.checked_add(Duration::new(seconds, nanos));
        let key = archive_key(created, Some("business.updated"), &data[12..]);
        assert!(ArchivedKey::parse(&key).is_some(), "{key} does not read back");
    }
});
