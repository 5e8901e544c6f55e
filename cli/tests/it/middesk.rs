//! `middesk-webhooks middesk show|register|sync`, the binary as a user runs it, against a local
//! server implementing Middesk's Webhooks API and the signing secret in moto's Secrets Manager.
//! (Multi-threaded: the mock server answers on one thread while the test waits on the CLI.)

use std::process::Command;

use middesk_webhooks::testkit::{MockMiddesk, emulator_endpoint, sdk_config, unique};

const API_KEY: &str = "mk_test_cli";
const URL: &str = "https://abc123.execute-api.us-east-1.amazonaws.com/";

/// A signing secret in the emulator: its id and value.
async fn signing_secret() -> (String, String) {
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk_config(&emulator_endpoint()).await);
    let value = format!("sec_{}", unique("cli"));
    let id = unique("cli/signing");
    secrets
        .create_secret()
        .name(&id)
        .secret_string(format!("{{\"signing_secret\":\"{value}\"}}"))
        .send()
        .await
        .unwrap();
    (id, value)
}

/// Runs `middesk-webhooks middesk ARGS` with `api_key`: exit success, standard output and error.
fn middesk(mock: &MockMiddesk, api_key: &str, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_middesk-webhooks"))
        .arg("middesk")
        .args(args)
        .args(["--webhook-url", URL, "--api-url", &mock.url, "--template", "../template.yaml"])
        .env("MIDDESK_API_KEY", api_key)
        .env("AWS_ENDPOINT_URL", emulator_endpoint())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env_remove("MIDDESK_SECRET_ID")
        .output()
        .expect("run the CLI");
    let (out, err) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), out.into_owned(), err.into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_creates_then_sync_and_dry_run_change_only_what_differs() {
    let (secret_id, secret) = signing_secret().await;
    let mock = MockMiddesk::start(API_KEY).await;
    // Another webhook of the account is left alone.
    mock.add("https://elsewhere.example/hooks", &["business.updated"], Some("theirs"));

    let (ok, out, _) = middesk(&mock, API_KEY, &["show"]);
    assert!(!ok && out.contains("no Middesk webhook delivers to"), "{out}");

    let (ok, out, err) = middesk(&mock, API_KEY, &["register", "--secret-id", &secret_id, "--dry-run"]);
    assert!(ok && out.contains("would create") && out.contains("dry run: nothing changed"), "{out}{err}");
    assert_eq!(mock.webhooks().len(), 1, "a dry run creates nothing");

    let (ok, out, err) = middesk(&mock, API_KEY, &["register", "--secret-id", &secret_id]);
    assert!(ok && out.contains("created webhook"), "{out}{err}");
    let ours = mock.webhooks().into_iter().find(|w| w.webhook.url == URL).expect("created");
    assert_eq!(
        ours.secret.as_deref(),
        Some(secret.as_str()),
        "the secret is the stack's, unwrapped from its JSON"
    );
    assert_eq!(ours.webhook.enabled_events, vec!["*"]);
    assert!(!out.contains(&secret) && !err.contains(&secret), "the secret is never printed");

    let (ok, out, _) = middesk(&mock, API_KEY, &["show"]);
    assert!(ok && out.contains(&ours.webhook.id) && out.contains("enabled"), "{out}");
    assert!(!out.contains(&secret));

    // The routes' documented types instead of `*`, and the webhook disabled meanwhile.
    mock.disable(&ours.webhook.id);
    let (ok, out, _) = middesk(&mock, API_KEY, &["show"]);
    assert!(!ok && out.contains("DISABLED"), "{out}");
    let (ok, out, _) = middesk(&mock, API_KEY, &["sync", "--events", "routes", "--dry-run"]);
    assert!(
        ok && out.contains("would change") && out.contains("enabled_events: * -> business.created"),
        "{out}"
    );
    assert!(mock.webhooks().iter().any(|w| w.webhook.disabled_at.is_some()), "a dry run changes nothing");
    let (ok, out, _) = middesk(&mock, API_KEY, &["sync", "--events", "routes"]);
    assert!(ok && out.contains("updated webhook"), "{out}");
    let synced = mock.webhooks().into_iter().find(|w| w.webhook.url == URL).unwrap();
    assert!(synced.webhook.disabled_at.is_none());
    assert!(synced.webhook.enabled_events.contains(&"business.updated".to_owned()));
    assert_eq!(synced.secret.as_deref(), Some(secret.as_str()), "sync leaves the secret alone");
    let (ok, out, _) = middesk(&mock, API_KEY, &["sync", "--events", "routes"]);
    assert!(ok && out.contains("in sync"), "{out}");
    // Nothing was sent to the other webhook.
    let patched: Vec<_> = mock.requests().into_iter().filter(|(m, _)| m == "PATCH").collect();
    assert!(patched.iter().all(|(_, path)| path.ends_with(&synced.webhook.id)), "{patched:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_and_middesk_failures_are_clear_errors_that_change_nothing() {
    let (secret_id, secret) = signing_secret().await;
    let mock = MockMiddesk::start(API_KEY).await;
    let id = mock.add(URL, &["business.updated"], Some("sec_before"));

    let (ok, out, err) = middesk(&mock, "mk_test_wrong", &["register", "--secret-id", &secret_id]);
    assert!(!ok && err.contains("refused the API key") && err.contains("401"), "{out}{err}");
    assert!(!err.contains("mk_test_wrong"), "the key is never printed: {err}");

    for (status, expected) in
        [(422, "refused the request (422)"), (429, "rate limiting (429)"), (503, "answered 503")]
    {
        // The list fails, then (the list going through) the update.
        for fail in [MockMiddesk::fail_next, MockMiddesk::fail_next_write] {
            fail(&mock, &[status]);
            let (ok, _, err) = middesk(&mock, API_KEY, &["register", "--secret-id", &secret_id]);
            assert!(!ok && err.contains(expected), "{status}: {err}");
            assert!(!err.contains(&secret), "{err}");
        }
    }
    let ours = mock.webhooks().into_iter().find(|w| w.webhook.id == id).unwrap();
    assert_eq!(ours.secret.as_deref(), Some("sec_before"), "nothing changed");
    assert_eq!(ours.webhook.enabled_events, vec!["business.updated"]);

    // Sync of a stack with no webhook at Middesk says to register first.
    let empty = MockMiddesk::start(API_KEY).await;
    let (ok, _, err) = middesk(&empty, API_KEY, &["sync"]);
    assert!(!ok && err.contains("register it first"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_during_a_rotation_gives_middesk_the_pending_secret_never_rolls_it_back() {
    use middesk_webhooks::middesk::rotation::VersionStore as _;
    let (secret_id, current) = signing_secret().await;
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk_config(&emulator_endpoint()).await);
    // createSecret has run: AWSPENDING holds the new secret, which setSecret gives Middesk.
    let pending = format!("sec_{}", unique("pending"));
    let put = secrets.put_secret_value().secret_id(&secret_id).secret_string(&pending);
    put.version_stages("AWSPENDING").send().await.unwrap();
    let mock = MockMiddesk::start(API_KEY).await;
    let id = mock.add(URL, &["*"], Some(&current));

    let (ok, out, err) = middesk(&mock, API_KEY, &["register", "--secret-id", &secret_id]);
    assert!(ok && err.contains("the pending version"), "{out}{err}");
    let ours = mock.webhooks().into_iter().find(|w| w.webhook.id == id).unwrap();
    assert_eq!(ours.secret.as_deref(), Some(pending.as_str()), "not the current secret");
    assert!(!out.contains(&pending) && !err.contains(&pending), "the secret is never printed");
    // Labelled as given to Middesk, so the verifier accepts it whatever becomes of the rotation.
    let store = middesk_webhooks::aws::SecretsManagerVersions::new(secrets.clone());
    let labels = store.describe(&secret_id).await.unwrap();
    let given = labels.version_with(middesk_webhooks::verify::secret::GIVEN_TO_MIDDESK_STAGE);
    assert_eq!(given, labels.version_with("AWSPENDING"));
}

/// Middesk's API while a rotation's `setSecret` runs between `register`'s read of the secret
/// and its write: before passing `register`'s first write on, it does what setSecret does
/// (a new pending version, given to Middesk, labelled `MIDDESK_SIGNING`).
struct RotationInBetween {
    api: middesk_webhooks::middesk::api::MiddeskApi,
    store: middesk_webhooks::aws::SecretsManagerVersions,
    secret_id: String,
    webhook_id: String,
    new_secret: String,
    done: std::sync::atomic::AtomicBool,
}

impl RotationInBetween {
    async fn set_secret(&self) {
        use middesk_webhooks::middesk::api::{Secret, WebhookUpdate, WebhooksApi as _};
        use middesk_webhooks::middesk::rotation::VersionStore as _;
        use middesk_webhooks::verify::secret::GIVEN_TO_MIDDESK_STAGE;
        if self.done.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        let token = format!("{:-<36}", unique("version"));
        self.store.put_pending(&self.secret_id, &token, &self.new_secret).await.unwrap();
        let update =
            WebhookUpdate { secret: Some(Secret(self.new_secret.clone())), ..WebhookUpdate::default() };
        self.api.update(&self.webhook_id, &update).await.unwrap();
        let holder = self.store.describe(&self.secret_id).await.unwrap();
        let holder = holder.version_with(GIVEN_TO_MIDDESK_STAGE).map(str::to_owned);
        self.store
            .move_stage(&self.secret_id, GIVEN_TO_MIDDESK_STAGE, Some(&token), holder.as_deref())
            .await
            .unwrap();
    }
}

impl middesk_webhooks::middesk::api::WebhooksApi for RotationInBetween {
    async fn list(
        &self,
    ) -> Result<Vec<middesk_webhooks::middesk::api::Webhook>, middesk_webhooks::middesk::api::MiddeskApiError>
    {
        self.api.list().await
    }

    async fn create(
        &self,
        spec: &middesk_webhooks::middesk::api::WebhookSpec,
        secret: &str,
    ) -> Result<middesk_webhooks::middesk::api::Webhook, middesk_webhooks::middesk::api::MiddeskApiError>
    {
        self.set_secret().await;
        self.api.create(spec, secret).await
    }

    async fn update(
        &self,
        id: &str,
        update: &middesk_webhooks::middesk::api::WebhookUpdate,
    ) -> Result<middesk_webhooks::middesk::api::Webhook, middesk_webhooks::middesk::api::MiddeskApiError>
    {
        self.set_secret().await;
        self.api.update(id, update).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_racing_a_rotations_set_secret_leaves_middesk_on_the_rotations_secret() {
    use middesk_webhooks::middesk::api::{ApiKey, MiddeskApi, WebhookSpec};
    use middesk_webhooks::middesk::rotation::VersionStore as _;
    let (secret_id, current) = signing_secret().await;
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk_config(&emulator_endpoint()).await);
    let mock = MockMiddesk::start(API_KEY).await;
    // Middesk holds an older secret: register has something to write.
    let webhook_id = mock.add(URL, &["*"], Some("sec_before"));
    let new_secret = format!("sec_{}", unique("rotated"));
    let racing = RotationInBetween {
        api: MiddeskApi::new(&mock.url, ApiKey::new(API_KEY).unwrap()).unwrap(),
        store: middesk_webhooks::aws::SecretsManagerVersions::new(secrets.clone()),
        secret_id: secret_id.clone(),
        webhook_id: webhook_id.clone(),
        new_secret: new_secret.clone(),
        done: false.into(),
    };
    let spec = WebhookSpec { url: URL.to_owned(), enabled_events: vec!["*".to_owned()], include: None };
    // register reads the current secret; setSecret gives Middesk the new one; register writes.
    let report = middesk_webhooks_cli::middesk::register(&racing.store, &secret_id, &racing, &spec, false)
        .await
        .unwrap();
    assert!(report.ok, "{:?}", report.lines);
    let ours = mock.webhooks().into_iter().find(|w| w.webhook.id == webhook_id).unwrap();
    // Left on `current`, the rotation's finishSecret would make it previous: refused past the grace.
    assert_ne!(ours.secret.as_deref(), Some(current.as_str()), "register undid the rotation's setSecret");
    assert_eq!(ours.secret.as_deref(), Some(new_secret.as_str()));
    let labels = racing.store.describe(&secret_id).await.unwrap();
    let given = labels.version_with(middesk_webhooks::verify::secret::GIVEN_TO_MIDDESK_STAGE);
    assert_eq!(given, labels.version_with("AWSPENDING"));
}
