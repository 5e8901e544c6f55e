//! Every checked-in request event in `events/` goes through the real handler: the positive
//! ones verify and are enqueued, the negative ones are refused with nothing enqueued.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use middesk_webhooks::testkit::JsonServer;
use middesk_webhooks::verify::auth::AuthPolicy;
use middesk_webhooks::verify::auth::oidc::{HttpJwks, JwksSource, OidcSettings, OidcVerifier};
use middesk_webhooks::verify::sample::{
    self, TEST_OIDC_AUDIENCE, TEST_OIDC_CLIENT, TEST_OIDC_ISSUER, TEST_SECRET,
};
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

fn receiver(methods: &str) -> WebhookReceiver<SecretVersions, InMemoryQueues> {
    let secrets = SecretVersions {
        current: SigningKey::new(TEST_SECRET),
        pending: Vec::new(),
        current_created: SystemTime::now(),
        previous: None,
        previous_fetch_failed: false,
    };
    let router = QueueRouter::parse("ROUTES", "", "http://127.0.0.1:1/000000000000/all", None).unwrap();
    let settings = ReceiverSettings {
        rotation_grace: Duration::ZERO,
        max_body_bytes: 256 * 1024,
        // The default replay window: each file is judged at its own date (`status_with`).
        max_event_age: middesk_webhooks::verify::config::DEFAULT_MAX_EVENT_AGE,
    };
    WebhookReceiver::new(
        SecretCache::new(secrets, Duration::from_secs(300), false),
        InMemoryQueues::default(),
        router,
        settings,
    )
    .with_policy(AuthPolicy::parse(methods, "any").unwrap())
}

/// Status and number of messages enqueued for the request event in `path`.
async fn status_with<J: JwksSource>(
    receiver: &WebhookReceiver<SecretVersions, InMemoryQueues, J>,
    path: &Path,
) -> (u16, usize) {
    let request = lambda_http::request::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // The files keep the samples' fixed created_at: each arrives a day after its own date,
    // inside the replay window and the test certificate's and token's validity.
    let received_at =
        sample::created_at_of(request.body()).map_or(SystemTime::now(), |t| t + Duration::from_secs(86_400));
    let response = verifier::handle(receiver, "", request, received_at).await.unwrap();
    let queued = receiver.publisher().messages().len();
    receiver.publisher().clear();
    (response.status().as_u16(), queued)
}

async fn status_of(path: &Path) -> (u16, usize) {
    status_with(&receiver("hmac"), path).await
}

#[tokio::test]
async fn positive_sample_events_verify() {
    let all: Vec<PathBuf> = ["http", "rest", "edge"].iter().flat_map(|f| files(f)).collect();
    let documented = middesk_webhooks::catalogue::CATALOGUE.len();
    assert_eq!(all.len(), documented + documented + 5);
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

#[tokio::test]
async fn mtls_sample_events_verify_under_the_mtls_policy_only() {
    let mtls = receiver("mtls");
    for path in files("mtls") {
        assert_eq!(status_with(&mtls, &path).await, (202, 1), "{}", path.display());
        assert_eq!(status_of(&path).await, (401, 0), "{} without a signature", path.display());
    }
}

#[tokio::test]
async fn oidc_sample_events_verify_against_the_sample_jwks() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events/oidc");
    let jwks = JsonServer::start(std::fs::read_to_string(dir.join("jwks.json")).unwrap()).await;
    let settings = OidcSettings {
        issuer: TEST_OIDC_ISSUER.into(),
        audience: TEST_OIDC_AUDIENCE.into(),
        algorithms: middesk_webhooks::verify::auth::oidc::parse_algorithms("RS256,ES256,PS256").unwrap(),
        leeway: Duration::from_secs(30),
        allowed_clients: vec![TEST_OIDC_CLIENT.into()],
    };
    let oidc = receiver("oidc").with_oidc(OidcVerifier::new(settings, HttpJwks::new(&jwks.url)));
    let requests: Vec<PathBuf> = files("oidc").into_iter().filter(|p| !p.ends_with("jwks.json")).collect();
    assert_eq!(requests.len(), 2);
    for path in requests {
        assert_eq!(status_with(&oidc, &path).await, (202, 1), "{}", path.display());
    }
}
