// Shared by the fuzz targets: a receiver with a fixed secret and an in-memory queue.

use std::time::{Duration, SystemTime};

use middesk_webhooks::{
    InMemoryQueues, QueueRouter, ReceiverSettings, SecretCache, SecretVersions, SigningKey, WebhookReceiver,
};

pub const SECRET: &str = "sec_fuzz";

pub fn receiver() -> WebhookReceiver<SecretVersions, InMemoryQueues> {
    let secrets = SecretVersions {
        current: SigningKey::new(SECRET),
        pending: Vec::new(),
        current_created: SystemTime::now(),
        previous: Some(SigningKey::new("sec_fuzz_previous")),
        previous_fetch_failed: false,
    };
    let router = QueueRouter::parse(
        "ROUTES",
        "business.updated=biz,order.*=orders",
        "all",
        Some("http://127.0.0.1:1/0"),
    )
    .unwrap();
    let settings = ReceiverSettings {
        rotation_grace: Duration::from_secs(3600),
        max_body_bytes: 64 * 1024,
        max_event_age: Duration::ZERO,
    };
    WebhookReceiver::new(
        SecretCache::new(secrets, Duration::from_secs(300), true),
        InMemoryQueues::default(),
        router,
        settings,
    )
}

/// Whether `header` is a valid signature of `body` under either configured secret.
pub fn validly_signed(body: &[u8], header: Option<&[u8]>) -> bool {
    middesk_webhooks::verify_signature(SECRET, body, header)
        || middesk_webhooks::verify_signature("sec_fuzz_previous", body, header)
}
