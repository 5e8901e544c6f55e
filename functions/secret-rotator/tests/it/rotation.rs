//! A whole rotation, step by step, against moto's Secrets Manager (version labels) and a local
//! server implementing Middesk's Webhooks API, with the verifier reading the same secret:
//! requests signed with the old, the pending and the new secret are each accepted whenever
//! Middesk could send them. Then the failures: a wrong API key, Middesk failing during
//! `setSecret`, a rotation started too soon.
//!
//! The clock is the emulator's: every instant is counted from the `CreatedDate` moto stamps
//! on a version (the grace and the pending version's age are judged against it), so the test
//! holds whatever the test process's clock says.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method};
use middesk_webhooks::aws::{SecretsManagerSource, SecretsManagerVersions};
use middesk_webhooks::middesk::api::{ApiKey, MiddeskApi};
use middesk_webhooks::middesk::rotation::{
    RotationError, RotationEvent, SecretDescription, SecretRotator, Step, StoredVersion, VersionStore,
};
use middesk_webhooks::testkit::{MockMiddesk, emulator_endpoint, sdk_config, unique};
use middesk_webhooks::{
    InMemoryQueues, QueueRouter, ReceiverSettings, SecretCache, SigningKey, WebhookReceiver, WebhookRequest,
};

const API_KEY: &str = "mk_test_rotation";
const WEBHOOK_URL: &str = "https://abc123.execute-api.us-east-1.amazonaws.com/";
const DAY: Duration = Duration::from_secs(86_400);
const GRACE: Duration = Duration::from_secs(4 * 86_400);

/// A new version id, as Secrets Manager makes them (32 to 64 characters).
fn new_token() -> String {
    format!("{:-<36}", unique("version"))
}

/// Secrets Manager's own part of a rotation, which moto does not play: when a rotation starts
/// it labels the new version id `AWSPENDING` before the function's `createSecret` stores a
/// value, and reports rotation as enabled. Everything else (values, labels after
/// `createSecret` and `finishSecret`) is moto's.
#[derive(Clone)]
struct StartedRotation {
    moto: SecretsManagerVersions,
    token: String,
    /// The verifier's Secrets Manager, when it is not moto as the rotator sees it (a verifier
    /// that cannot read the secret).
    verifier: Option<aws_sdk_secretsmanager::Client>,
}

impl VersionStore for StartedRotation {
    type VerifierSource = SecretsManagerSource;

    fn verifier_source(&self, secret_id: &str) -> SecretsManagerSource {
        match &self.verifier {
            Some(client) => SecretsManagerSource::new(client.clone(), secret_id),
            None => self.moto.verifier_source(secret_id),
        }
    }

    async fn describe(&self, secret_id: &str) -> Result<SecretDescription, String> {
        let mut d = self.moto.describe(secret_id).await?;
        d.rotation_enabled = true;
        if !d.versions.iter().any(|(id, _)| *id == self.token) {
            d.versions.push((self.token.clone(), vec!["AWSPENDING".to_owned()]));
        }
        Ok(d)
    }
    async fn by_stage(&self, secret_id: &str, stage: &str) -> Result<Option<StoredVersion>, String> {
        self.moto.by_stage(secret_id, stage).await
    }
    async fn by_id(&self, secret_id: &str, id: &str) -> Result<Option<StoredVersion>, String> {
        self.moto.by_id(secret_id, id).await
    }
    async fn put_pending(&self, secret_id: &str, id: &str, value: &str) -> Result<(), String> {
        self.moto.put_pending(secret_id, id, value).await
    }
    async fn move_stage(
        &self,
        secret_id: &str,
        stage: &str,
        to: Option<&str>,
        from: Option<&str>,
    ) -> Result<(), String> {
        self.moto.move_stage(secret_id, stage, to, from).await
    }
}

struct World {
    secrets: aws_sdk_secretsmanager::Client,
    arn: String,
    middesk: MockMiddesk,
    webhook_id: String,
    /// When moto created the first version: the emulator's clock.
    t0: SystemTime,
}

async fn world(old_secret: &str) -> World {
    let aws = sdk_config(&emulator_endpoint()).await;
    let secrets = aws_sdk_secretsmanager::Client::new(&aws);
    let created = secrets
        .create_secret()
        .name(unique("rotation/signing"))
        .secret_string(old_secret)
        .send()
        .await
        .expect("create secret");
    let arn = created.arn.expect("arn");
    let first = secrets.get_secret_value().secret_id(&arn).send().await.expect("read");
    let t0 = SystemTime::try_from(first.created_date.expect("created")).expect("time");
    let middesk = MockMiddesk::start(API_KEY).await;
    let webhook_id = middesk.add(WEBHOOK_URL, &["*"], Some(old_secret));
    World { secrets, arn, middesk, webhook_id, t0 }
}

impl World {
    fn rotator(&self, token: &str, api_key: &str) -> SecretRotator<StartedRotation, MiddeskApi> {
        let store = StartedRotation {
            moto: SecretsManagerVersions::new(self.secrets.clone()),
            token: token.to_owned(),
            verifier: None,
        };
        let api = MiddeskApi::new(&self.middesk.url, ApiKey::new(api_key).unwrap()).unwrap();
        SecretRotator::new(store, api, self.arn.clone(), WEBHOOK_URL.to_owned(), GRACE).unwrap()
    }

    async fn step(&self, token: &str, step: Step, now: SystemTime) -> Result<(), RotationError> {
        let event =
            RotationEvent { secret_id: self.arn.clone(), client_request_token: token.to_owned(), step };
        self.rotator(token, API_KEY).run(&event, now, || Ok(format!("sec_new_{}", unique("v")))).await
    }

    /// A verifier reading this secret, as the deployed one does (TTL 300 s, with AWSPREVIOUS).
    fn verifier(&self) -> WebhookReceiver<SecretsManagerSource, InMemoryQueues> {
        let router =
            QueueRouter::parse("ROUTES", "", "catch-all", Some("http://127.0.0.1:1/123456789012")).unwrap();
        let settings = ReceiverSettings {
            rotation_grace: GRACE,
            max_body_bytes: 256 * 1024,
            max_event_age: middesk_webhooks::verify::config::DEFAULT_MAX_EVENT_AGE,
        };
        let source = SecretsManagerSource::new(self.secrets.clone(), &self.arn);
        WebhookReceiver::new(
            SecretCache::new(source, Duration::from_secs(300), true),
            InMemoryQueues::default(),
            router,
            settings,
        )
    }

    /// The secret Middesk signs with now.
    fn middesk_secret(&self) -> String {
        let hooks = self.middesk.webhooks();
        hooks
            .iter()
            .find(|w| w.webhook.id == self.webhook_id)
            .and_then(|w| w.secret.clone())
            .expect("a secret")
    }

    async fn version(&self, stage: &str) -> StoredVersion {
        SecretsManagerVersions::new(self.secrets.clone())
            .by_stage(&self.arn, stage)
            .await
            .unwrap()
            .expect(stage)
    }
}

/// A world whose rotation has passed `createSecret`: the world, the old secret, the new
/// version's id, and the pending version.
async fn created() -> (World, String, String, StoredVersion) {
    let old = format!("sec_old_{}", unique("s"));
    let w = world(&old).await;
    let token = new_token();
    w.step(&token, Step::CreateSecret, w.t0).await.unwrap();
    let pending = w.version("AWSPENDING").await;
    (w, old, token, pending)
}

/// One of Middesk's documented addresses: where its deliveries come from.
const MIDDESK_ADDRESS: &str = "35.239.59.102";

/// The verifier's status for an event created at `at`, signed with `secret`, received at `at`
/// from Middesk's address.
async fn post(
    v: &WebhookReceiver<SecretsManagerSource, InMemoryQueues>,
    secret: &str,
    at: SystemTime,
) -> u16 {
    let payload = middesk_webhooks::verify::sample::sample_payload("business.updated").unwrap();
    let body = middesk_webhooks::verify::sample::created_now(payload, at);
    let mut headers = HeaderMap::new();
    headers.insert("x-middesk-signature-256", SigningKey::new(secret).sign(&body).parse().unwrap());
    let request = WebhookRequest {
        method: &Method::POST,
        headers: &headers,
        body: &body,
        received_at: at,
        client_certificate: None,
        source_ip: Some(MIDDESK_ADDRESS.parse().unwrap()),
        trace_header: None,
    };
    v.receive(request).await.status().as_u16()
}

#[tokio::test]
async fn every_secret_middesk_signs_with_is_accepted_throughout_a_rotation() {
    let old = format!("sec_old_{}", unique("s"));
    let w = world(&old).await;
    let token = new_token();
    let s = |d: Duration| w.t0 + d;
    let warm = w.verifier();
    assert_eq!(post(&warm, &old, s(Duration::from_secs(1))).await, 202);

    // createSecret: a pending version exists; Middesk still signs with the old secret.
    w.step(&token, Step::CreateSecret, s(Duration::from_secs(2))).await.unwrap();
    let pending = w.version("AWSPENDING").await;
    assert_eq!(pending.id, token);
    assert_ne!(pending.value, old);
    assert_eq!(w.middesk_secret(), old, "createSecret does not touch Middesk");
    // Repeated (Secrets Manager retries): nothing changes.
    w.step(&token, Step::CreateSecret, s(Duration::from_secs(3))).await.unwrap();
    assert_eq!(w.version("AWSPENDING").await.value, pending.value);
    assert_eq!(post(&warm, &old, pending.created + Duration::from_secs(1)).await, 202);

    // setSecret: Middesk signs new deliveries with the pending secret; retries keep the old.
    let at_set = pending.created + Duration::from_secs(2);
    w.step(&token, Step::SetSecret, at_set).await.unwrap();
    assert_eq!(w.middesk_secret(), pending.value);
    let after_set = at_set + Duration::from_secs(1);
    assert_eq!(
        post(&warm, &pending.value, after_set).await,
        202,
        "a warm verifier whose cache predates AWSPENDING"
    );
    assert_eq!(post(&w.verifier(), &pending.value, after_set).await, 202, "a cold verifier");
    assert_eq!(post(&warm, &old, after_set).await, 202, "a retry signed before setSecret");
    assert_eq!(post(&warm, "sec_forged", after_set + Duration::from_secs(2)).await, 401);

    // testSecret, finishSecret: the new secret is current, the old one previous.
    w.step(&token, Step::TestSecret, after_set).await.unwrap();
    w.step(&token, Step::FinishSecret, after_set).await.unwrap();
    assert_eq!(w.version("AWSCURRENT").await.id, token);
    assert_eq!(w.version("AWSPREVIOUS").await.value, old);
    let labels = SecretsManagerVersions::new(w.secrets.clone()).describe(&w.arn).await.unwrap();
    assert_eq!(labels.version_with("AWSPENDING"), None, "finishSecret clears AWSPENDING");
    // Repeated finishSecret: already current, nothing to do.
    w.step(&token, Step::FinishSecret, after_set).await.unwrap();

    let after_finish = after_set + Duration::from_secs(400);
    for v in [&warm, &w.verifier()] {
        assert_eq!(post(v, &pending.value, after_finish).await, 202);
        assert_eq!(post(v, &old, after_finish).await, 202);
    }
    // Middesk's last retry of a delivery first signed just before setSecret comes about 3 days
    // later: still inside the grace, counted from the new version's creation.
    let last_retry = at_set + 3 * DAY + Duration::from_secs(3600);
    assert_eq!(post(&w.verifier(), &old, last_retry).await, 202);
    // Past the grace the old secret is refused; the new one is not.
    let past = pending.created + GRACE + Duration::from_secs(1);
    assert_eq!(post(&w.verifier(), &old, past).await, 401);
    assert_eq!(post(&w.verifier(), &pending.value, past).await, 202);

    // Another rotation while the old secret may still be in use would drop it: refused.
    let next = new_token();
    let too_soon = w.step(&next, Step::CreateSecret, last_retry).await.unwrap_err();
    assert!(too_soon.to_string().contains("rotate again after"), "{too_soon}");
    // After the grace it may start.
    w.step(&next, Step::CreateSecret, past).await.unwrap();
}

#[tokio::test]
async fn a_wrong_api_key_is_a_clear_error_and_changes_nothing() {
    let (w, old, token, pending) = created().await;
    let event = RotationEvent {
        secret_id: w.arn.clone(),
        client_request_token: token.clone(),
        step: Step::SetSecret,
    };
    let at = pending.created + Duration::from_secs(2);
    let error = w.rotator(&token, "mk_test_wrong").run(&event, at, || unreachable!()).await.unwrap_err();
    let message = error.to_string();
    assert!(message.contains("refused the API key") && message.contains("401"), "{message}");
    assert!(!message.contains("mk_test_wrong") && !message.contains(&pending.value), "{message}");
    assert_eq!(w.middesk_secret(), old);
    assert_eq!(post(&w.verifier(), &old, at).await, 202);
}

#[tokio::test]
async fn middesk_failing_during_set_secret_fails_the_step_and_the_retry_succeeds() {
    let (w, old, token, pending) = created().await;
    let at = pending.created + Duration::from_secs(2);
    let v = w.verifier();
    for status in [500, 503, 429] {
        w.middesk.fail_next(&[status]);
        let error = w.step(&token, Step::SetSecret, at).await.unwrap_err();
        assert!(matches!(&error, RotationError::Middesk(e) if e.is_transient()), "{status}: {error}");
        assert_eq!(w.middesk_secret(), old, "{status}");
        assert_eq!(post(&v, &old, at).await, 202, "the current secret still verifies");
    }
    // A 422 (Middesk refuses the fields) and a 404 (the webhook vanished between list and
    // update) fail too, and are not transient.
    w.middesk.fail_next(&[422]);
    assert!(
        matches!(w.step(&token, Step::SetSecret, at).await, Err(RotationError::Middesk(e)) if !e.is_transient())
    );
    // Secrets Manager retries the step: it goes through.
    w.step(&token, Step::SetSecret, at).await.unwrap();
    assert_eq!(w.middesk_secret(), pending.value);
    assert_eq!(post(&v, &pending.value, at + Duration::from_secs(1)).await, 202);
}

#[tokio::test]
async fn set_secret_refuses_a_pending_version_too_old_for_the_grace_and_a_missing_webhook() {
    let (w, old, token, pending) = created().await;
    let stale = pending.created + (GRACE - 3 * DAY) + Duration::from_secs(1);
    let error = w.step(&token, Step::SetSecret, stale).await.unwrap_err();
    assert!(error.to_string().contains("cancel-rotate-secret"), "{error}");
    assert_eq!(w.middesk_secret(), old);

    w.middesk.disable(&w.webhook_id);
    let at = pending.created + Duration::from_secs(2);
    w.step(&token, Step::SetSecret, at).await.unwrap();
    let error = w.step(&token, Step::TestSecret, at).await.unwrap_err();
    assert!(error.to_string().contains("disabled"), "{error}");
}

#[tokio::test]
async fn a_rotation_abandoned_after_set_secret_loses_no_delivery_middesk_signed_with_its_secret() {
    use middesk_webhooks::verify::secret::GIVEN_TO_MIDDESK_STAGE;
    let (w, old, token, pending) = created().await;
    let store = SecretsManagerVersions::new(w.secrets.clone());
    let warm = w.verifier();
    let at_set = pending.created + Duration::from_secs(2);
    assert_eq!(post(&warm, &old, at_set).await, 202);
    // setSecret reaches Middesk, and testSecret fails: the rotation is stuck with Middesk
    // signing every new delivery with the pending secret.
    w.step(&token, Step::SetSecret, at_set).await.unwrap();
    assert_eq!(w.middesk_secret(), pending.value);
    let labels = store.describe(&w.arn).await.unwrap();
    assert_eq!(labels.version_with(GIVEN_TO_MIDDESK_STAGE), Some(token.as_str()));
    w.middesk.disable(&w.webhook_id);
    assert!(w.step(&token, Step::TestSecret, at_set).await.is_err());

    // The recovery: cancel, take AWSPENDING off the stuck version (Secrets Manager would
    // otherwise retry that rotation), fix the cause, rotate again.
    store.move_stage(&w.arn, "AWSPENDING", None, Some(&token)).await.unwrap();
    let between = at_set + Duration::from_secs(60);
    assert_eq!(post(&warm, &pending.value, between).await, 202, "a warm verifier, AWSPENDING gone");
    assert_eq!(post(&w.verifier(), &pending.value, between).await, 202, "a cold one");
    assert_eq!(post(&warm, &old, between).await, 202, "a retry signed before setSecret");
    w.middesk.enable(&w.webhook_id);
    // The next rotation refuses to start: it cannot tell this version from a leaked one that kept
    // the label, and carrying either forward, or leaving it, would be a silent choice. The
    // failure pages (SecretRotationFailedAlarm) and names both ways out.
    let next = new_token();
    let restart = at_set + DAY;
    let error = w.step(&next, Step::CreateSecret, restart).await.unwrap_err().to_string();
    assert!(error.contains(&format!("version {token} carries {GIVEN_TO_MIDDESK_STAGE}")), "{error}");
    assert!(error.contains("--version-stage AWSCURRENT --move-to-version-id"), "{error}");
    assert!(error.contains("middesk register"), "{error}");
    assert!(store.by_stage(&w.arn, "AWSPENDING").await.unwrap().is_none(), "no pending version was made");
    assert_eq!(post(&warm, &pending.value, restart).await, 202, "it still verifies meanwhile");

    // The operator knows that rotation gave it to Middesk: it becomes current as the message says.
    let current = w.version("AWSCURRENT").await;
    store.move_stage(&w.arn, "AWSCURRENT", Some(&token), Some(&current.id)).await.unwrap();
    assert_eq!(w.version("AWSCURRENT").await.value, pending.value);
    assert_eq!(w.version("AWSPREVIOUS").await.value, old);
    assert_eq!(w.middesk_secret(), pending.value, "Middesk keeps the secret it had");
    // Middesk's deliveries signed with the abandoned version's secret verify as current, and
    // its retries of those signed with the old secret as previous, to the end of its retries.
    let last_retry = at_set + 3 * DAY + Duration::from_secs(3600);
    for v in [&warm, &w.verifier()] {
        assert_eq!(post(v, &pending.value, last_retry).await, 202);
        assert_eq!(post(v, &old, last_retry).await, 202);
        assert_eq!(post(v, "sec_forged", last_retry + Duration::from_secs(2)).await, 401);
    }
    // The next rotation, with nothing stray, makes a new secret.
    let third = new_token();
    w.step(&third, Step::CreateSecret, pending.created + GRACE + Duration::from_secs(1)).await.unwrap();
    assert_ne!(w.version("AWSPENDING").await.value, pending.value);
}

#[tokio::test]
async fn a_leaked_version_left_with_middesks_label_stops_the_next_rotation_instead_of_riding_it() {
    use middesk_webhooks::verify::secret::GIVEN_TO_MIDDESK_STAGE;
    let (w, old, token, pending) = created().await;
    let store = SecretsManagerVersions::new(w.secrets.clone());
    // The rotation finishes; Middesk signs with the new secret, which carries the label.
    let at = pending.created + Duration::from_secs(2);
    for step in [Step::SetSecret, Step::TestSecret, Step::FinishSecret] {
        w.step(&token, step, at).await.unwrap();
    }
    // It leaks. The operator puts a new value by hand and gives it to Middesk by its dashboard,
    // then takes AWSPREVIOUS off the leaked version, but leaves MIDDESK_SIGNING on it.
    let leaked = w.version("AWSCURRENT").await;
    assert_eq!(leaked.value, pending.value);
    // (Put under a label of its own, then made current: the emulator's plain put, after a
    // rotation moved the labels, leaves AWSCURRENT on two versions, which AWS never does.)
    let put = w.secrets.put_secret_value().secret_id(&w.arn).secret_string("sec_after_the_leak");
    let fresh = put.version_stages("BY_HAND").send().await.unwrap().version_id.unwrap();
    store.move_stage(&w.arn, "AWSCURRENT", Some(&fresh), Some(&leaked.id)).await.unwrap();
    assert_eq!(w.version("AWSCURRENT").await.value, "sec_after_the_leak");
    store.move_stage(&w.arn, "AWSPREVIOUS", None, Some(&leaked.id)).await.unwrap();
    let labels = store.describe(&w.arn).await.unwrap();
    if labels.version_with(GIVEN_TO_MIDDESK_STAGE).is_none() {
        // The emulator drops custom labels on put: Secrets Manager keeps them.
        store.move_stage(&w.arn, GIVEN_TO_MIDDESK_STAGE, Some(&leaked.id), None).await.unwrap();
    }
    // The next rotation must not carry the leaked secret forward (it did, quietly).
    let next = new_token();
    let later = at + GRACE + DAY;
    let error = w.step(&next, Step::CreateSecret, later).await.unwrap_err().to_string();
    assert!(error.contains(&format!("version {} carries", leaked.id)), "{error}");
    assert!(error.contains("--remove-from-version-id"), "{error}");
    // The operator takes the label off, as the message says: the rotation makes a new secret.
    store.move_stage(&w.arn, GIVEN_TO_MIDDESK_STAGE, None, Some(&leaked.id)).await.unwrap();
    w.step(&next, Step::CreateSecret, later).await.unwrap();
    let made = w.version("AWSPENDING").await.value;
    assert!(![old.as_str(), pending.value.as_str(), "sec_after_the_leak"].contains(&made.as_str()));
}

#[tokio::test]
async fn an_unreadable_pending_version_never_stops_the_current_secret() {
    let old = format!("sec_old_{}", unique("s"));
    let w = world(&old).await;
    let warm = w.verifier();
    let at = w.t0 + Duration::from_secs(1);
    assert_eq!(post(&warm, &old, at).await, 202);
    // A rotation under way: the warm verifier has seen its pending version, so each of its
    // refreshes reads AWSPENDING too.
    let put = |value: Result<&str, Vec<u8>>| {
        let request = w.secrets.put_secret_value().secret_id(&w.arn).version_stages("AWSPENDING");
        match value {
            Ok(text) => request.secret_string(text),
            Err(bytes) => request.secret_binary(aws_sdk_secretsmanager::primitives::Blob::new(bytes)),
        }
        .send()
    };
    put(Ok("sec_pending_text")).await.unwrap();
    assert_eq!(post(&warm, "sec_pending_text", at + Duration::from_secs(2)).await, 202);
    // Then AWSPENDING becomes a binary version (put by hand, or by another tool): it verifies
    // nothing, and must not fail the refresh of the current secret.
    put(Err(vec![0u8, 159, 146, 150])).await.unwrap();
    assert_eq!(post(&warm, "sec_other", at + Duration::from_secs(4)).await, 401, "never a 503");
    // Past the TTL and then past the cache's hour of staleness: the current secret verifies.
    for minutes in [6, 12, 70, 130] {
        let later = at + Duration::from_secs(60 * minutes);
        assert_eq!(post(&warm, &old, later).await, 202, "{minutes} minutes on");
        assert_eq!(post(&w.verifier(), &old, later).await, 202, "a cold verifier");
    }
}

#[tokio::test]
async fn test_secret_reads_as_the_verifier_does_and_fails_when_the_verifier_cannot() {
    let (w, _old, token, pending) = created().await;
    let at = pending.created + Duration::from_secs(2);
    w.step(&token, Step::SetSecret, at).await.unwrap();
    // A verifier that cannot read the secret (no grant, another region, Secrets Manager down):
    // testSecret must not pass on the rotator's own reads.
    let unreachable = aws_sdk_secretsmanager::Client::new(
        &sdk_config(&middesk_webhooks::testkit::refused_endpoint()).await,
    );
    let store = StartedRotation {
        moto: SecretsManagerVersions::new(w.secrets.clone()),
        token: token.clone(),
        verifier: Some(unreachable),
    };
    let api = MiddeskApi::new(&w.middesk.url, ApiKey::new(API_KEY).unwrap()).unwrap();
    let rotator = SecretRotator::new(store, api, w.arn.clone(), WEBHOOK_URL.to_owned(), GRACE).unwrap();
    let event = RotationEvent {
        secret_id: w.arn.clone(),
        client_request_token: token.clone(),
        step: Step::TestSecret,
    };
    let error = rotator.run(&event, at, || unreachable!()).await.unwrap_err();
    assert!(error.to_string().contains("the verifier's reader could not read the secret"), "{error}");
    // The verifier's own reader, able to read: it passes.
    w.step(&token, Step::TestSecret, at).await.unwrap();
}
