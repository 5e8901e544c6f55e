//! Every checked-in request event in `events/` goes through the real handler: the positive
//! ones verify and are enqueued, the negative ones are refused with nothing enqueued.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use middesk_webhooks::sample::TEST_SECRET;
use middesk_webhooks::{
    InMemoryQueues, QueueRouter, ReceiverSettings, SecretCache, SecretVersions, SigningKey, WebhookReceiver,
};

fn files(folder: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events").join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

async fn status_of(path: &Path) -> (u16, usize) {
    let secrets = SecretVersions {
        current: SigningKey::new(TEST_SECRET),
        current_created: SystemTime::now(),
        previous: None,
    };
    let router = QueueRouter::parse("ROUTES", "", "http://127.0.0.1:1/000000000000/all", None).unwrap();
    let settings = ReceiverSettings { rotation_grace: Duration::ZERO, max_body_bytes: 256 * 1024 };
    let receiver = WebhookReceiver::new(
        SecretCache::new(secrets, Duration::from_secs(300), false),
        InMemoryQueues::default(),
        router,
        settings,
    );
    let request = lambda_http::request::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let response = verifier::handle(&receiver, "", request).await.unwrap();
    (response.status().as_u16(), receiver.publisher().messages().len())
}

#[tokio::test]
async fn positive_sample_events_verify() {
    let all: Vec<PathBuf> = ["http", "rest", "edge"].iter().flat_map(|f| files(f)).collect();
    assert_eq!(all.len(), 23 + 23 + 5);
    for path in all {
        assert_eq!(status_of(&path).await, (202, 1), "{}", path.display());
    }
}

#[tokio::test]
async fn negative_sample_events_are_refused() {
    let negative = files("negative");
    assert!(negative.len() >= 4);
    for path in negative {
        assert_eq!(status_of(&path).await, (401, 0), "{}", path.display());
    }
}
