//! The deployed verifier (Secrets Manager and SQS adapters) against moto's server over HTTP.
//! `scripts/test` starts the emulator and sets `MOTO_ENDPOINT`.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use crate::common::*;
use middesk_webhooks::catalogue::{CATALOGUE, CATCH_ALL_QUEUE, default_queues, default_routes};
use middesk_webhooks::message::attribute;
use middesk_webhooks::testkit::*;
use middesk_webhooks::verify::sample::GatewayShape as Shape;
use middesk_webhooks::verify::sample::SAMPLE_ACCOUNT_ID;
use middesk_webhooks::{ReceiveError, SecretSource, VerifierConfig};

struct Stack {
    sqs: aws_sdk_sqs::Client,
    secrets: aws_sdk_secretsmanager::Client,
    secret_id: String,
    catch_all: String,
    /// Each documented type's queue URL (types of a family share one).
    queues: HashMap<&'static str, String>,
    /// The stack's queue name prefix (`<run>-`), as `QUEUE_NAME_PREFIX`.
    name_prefix: String,
}

/// A secret and one queue per documented type plus the catch-all, all uniquely named.
async fn sdk_config_owned(endpoint: String) -> aws_config::SdkConfig {
    sdk_config(&endpoint).await
}

async fn stack(secret: &str) -> Stack {
    let aws = sdk_config(&emulator_endpoint()).await;
    let sqs = aws_sdk_sqs::Client::new(&aws);
    let secrets = aws_sdk_secretsmanager::Client::new(&aws);
    let secret_id = unique("middesk/webhook-secret");
    secrets.create_secret().name(&secret_id).secret_string(secret).send().await.expect("create secret");
    // The default stack's queues, named as the template names them: `<stack>-<queue>`.
    let name_prefix = format!("{}-", unique("q"));
    let mut urls = HashMap::new();
    for queue in default_queues() {
        urls.insert(queue, create_queue(&sqs, &format!("{name_prefix}{queue}")).await);
    }
    let queues = CATALOGUE.iter().map(|e| (e.event_type, urls[e.queue].clone())).collect();
    let catch_all = urls[CATCH_ALL_QUEUE].clone();
    Stack { sqs, secrets, secret_id, catch_all, queues, name_prefix }
}

impl Stack {
    fn config(&self, extra: &[(&str, &str)]) -> VerifierConfig {
        // Configured as the template configures it: the default routes, by queue name.
        let base = self.catch_all.rsplit_once('/').map(|(base, _)| base.to_owned()).unwrap_or_default();
        let mut vars: HashMap<String, String> = HashMap::from([
            ("MIDDESK_SECRET_ID".into(), self.secret_id.clone()),
            ("MIDDESK_ACCOUNT_IDS".into(), SAMPLE_ACCOUNT_ID.into()),
            ("QUEUE_URL_BASE".into(), base),
            ("QUEUE_NAME_PREFIX".into(), self.name_prefix.clone()),
            ("CATCH_ALL_QUEUE".into(), CATCH_ALL_QUEUE.into()),
            ("ROUTES".into(), default_routes().join(",")),
        ]);
        vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        VerifierConfig::from_lookup(|k| vars.get(k).cloned()).expect("valid config")
    }

    async fn verifier(
        &self,
        extra: &[(&str, &str)],
        sqs_endpoint: Option<&str>,
        sm_endpoint: Option<&str>,
    ) -> verifier::Verifier {
        self.verifier_at(extra, sqs_endpoint, sm_endpoint, None).await
    }

    /// A verifier whose SQS, Secrets Manager and S3 calls go to these endpoints (default: the
    /// emulator).
    async fn verifier_at(
        &self,
        extra: &[(&str, &str)],
        sqs_endpoint: Option<&str>,
        sm_endpoint: Option<&str>,
        s3_endpoint: Option<&str>,
    ) -> verifier::Verifier {
        let config = self.config(extra);
        let emulator = emulator_endpoint();
        let client = |endpoint: Option<&str>| sdk_config_owned(endpoint.unwrap_or(&emulator).to_owned());
        verifier::build_verifier(
            &config,
            aws_sdk_secretsmanager::Client::new(&client(sm_endpoint).await),
            aws_sdk_sqs::Client::new(&client(sqs_endpoint).await),
            s3_client(&client(s3_endpoint).await),
        )
    }

    async fn all_queues_empty(&self) -> bool {
        for url in self.queues.values().chain([&self.catch_all]) {
            if !drain(&self.sqs, url).await.is_empty() {
                return false;
            }
        }
        true
    }
}

async fn status(v: &verifier::Verifier, request: lambda_http::Request) -> u16 {
    status_at(v, request, SystemTime::now()).await
}

async fn status_at(v: &verifier::Verifier, request: lambda_http::Request, received_at: SystemTime) -> u16 {
    verifier::handle(v, "", request, received_at).await.unwrap().status().as_u16()
}

#[tokio::test]
async fn every_catalogue_sample_lands_byte_for_byte_in_its_documented_queue() {
    let s = stack("sec_emulator_1").await;
    let v = s.verifier(&[], None, None).await;
    let mut sent = HashMap::new();
    for (i, entry) in CATALOGUE.iter().enumerate() {
        let shape = Shape::ALL[i % 3];
        // Middesk's own samples (all three envelope shapes), stamped now for the replay window.
        let body = middesk_webhooks::verify::sample::created_now(entry.sample, SystemTime::now());
        let request = signed_post(shape, "sec_emulator_1", &body, Some(&format!("corr-{i}")));
        assert_eq!(status(&v, request).await, 202, "{}", entry.event_type);
        let envelope: serde_json::Value = serde_json::from_slice(&body).unwrap();
        sent.insert(envelope["id"].as_str().unwrap().to_owned(), (i, entry, body, envelope));
    }
    let mut received = 0;
    // Every queue some type reaches (a family's once); `s.queues` maps each type to its
    // catalogue queue's URL.
    let queue_urls: std::collections::BTreeSet<&String> = s.queues.values().collect();
    for url in queue_urls {
        for m in drain(&s.sqs, url).await {
            let id = attr(&m, attribute::EVENT_ID).expect("event id");
            let (i, entry, body, envelope) = &sent[id];
            assert_eq!(&s.queues[entry.event_type], url, "{} reached {url}", entry.event_type);
            assert_eq!(
                m.body.as_deref().unwrap().as_bytes(),
                &body[..],
                "{}: byte for byte",
                entry.event_type
            );
            assert_eq!(attr(&m, attribute::EVENT_TYPE), Some(entry.event_type));
            assert_eq!(attr(&m, attribute::CORRELATION_ID), Some(format!("corr-{i}").as_str()));
            assert_eq!(
                attr(&m, attribute::ACCOUNT_ID),
                envelope["account_id"].as_str(),
                "{}",
                entry.event_type
            );
            assert_eq!(attr(&m, attribute::AUTH_METHOD), Some("hmac"));
            assert!(attr(&m, attribute::RECEIVED_AT).is_some_and(|t| t.ends_with('Z')));
            assert_eq!(attr(&m, attribute::MALFORMED), None, "{}: well-formed", entry.event_type);
            received += 1;
        }
    }
    assert_eq!(received, CATALOGUE.len());
    assert!(drain(&s.sqs, &s.catch_all).await.is_empty());
}

#[tokio::test]
async fn unknown_and_malformed_events_land_in_the_catch_all() {
    let s = stack("sec_emulator_2").await;
    let v = s.verifier(&[], None, None).await;
    let unknown = event_body("ev-new", "brand_new_thing.happened");
    assert_eq!(status(&v, signed_post(Shape::HttpV2, "sec_emulator_2", &unknown, None)).await, 202);
    let junk = b"{\"not\": \"an event\"}";
    assert_eq!(status(&v, signed_post(Shape::RestV1, "sec_emulator_2", junk, None)).await, 202);

    let messages = drain(&s.sqs, &s.catch_all).await;
    assert_eq!(messages.len(), 2);
    let new = messages.iter().find(|m| attr(m, attribute::EVENT_ID) == Some("ev-new")).unwrap();
    assert_eq!(attr(new, attribute::EVENT_TYPE), Some("brand_new_thing.happened"));
    let bad = messages.iter().find(|m| attr(m, attribute::MALFORMED) == Some("true")).unwrap();
    assert_eq!(bad.body.as_deref(), Some("{\"not\": \"an event\"}"));

    // A known type whose age cannot be read reaches its own queue, flagged, not the catch-all.
    let undated = br#"{"object":"event","id":"ev-undated","type":"business.updated","data":{"object":{}}}"#;
    assert_eq!(status(&v, signed_post(Shape::HttpV2, "sec_emulator_2", undated, None)).await, 202);
    let messages = drain(&s.sqs, &s.queues["business.updated"]).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(attr(&messages[0], attribute::EVENT_ID), Some("ev-undated"));
    assert_eq!(attr(&messages[0], attribute::MALFORMED), Some("true"));
    let reason = attr(&messages[0], attribute::MALFORMED_REASON).unwrap_or_default();
    assert!(reason.contains("created_at"), "{reason}");
    assert!(drain(&s.sqs, &s.catch_all).await.is_empty());
}

#[tokio::test]
async fn forged_requests_leave_every_queue_empty() {
    let s = stack("sec_emulator_3").await;
    let v = s.verifier(&[], None, None).await;
    let body = event_body("ev-forged", "business.updated");
    let forged = [
        signed_post(Shape::HttpV2, "sec_wrong", &body, None),
        gateway_event::<&str, &str>(Shape::RestV1, "POST", &body, &[], false),
        gateway_event(Shape::FunctionUrl, "POST", &body, &[("X-Middesk-Signature-256", "00")], false),
    ];
    for request in forged {
        assert_eq!(status(&v, request).await, 401);
    }
    assert!(s.all_queues_empty().await);
}

#[tokio::test]
async fn a_secret_rotated_mid_run_keeps_verifying() {
    let s = stack("sec_before_rotation").await;
    // TTL 0: every request refreshes, so the rotation is seen at once.
    let v = s.verifier(&[("SECRET_CACHE_TTL_SECONDS", "0")], None, None).await;
    let strict = s
        .verifier(&[("SECRET_CACHE_TTL_SECONDS", "0"), ("SECRET_ROTATION_GRACE_SECONDS", "0")], None, None)
        .await;
    // The rotation grace is judged against the new version's creation time, which the emulator
    // stamps with its own clock: the requests arrive on that clock too (a minute after the
    // rotation), and so do Middesk's events.
    let rotated_at = async || -> SystemTime {
        let current = s.secrets.get_secret_value().secret_id(&s.secret_id).send().await.unwrap();
        current.created_date.unwrap().try_into().unwrap()
    };
    let signed = |id: &str, secret: &str, at: SystemTime| {
        let body =
            event_body_created(id, "business.updated", &humantime::format_rfc3339_millis(at).to_string());
        signed_post(Shape::HttpV2, secret, &body, None)
    };
    let now = rotated_at().await + Duration::from_secs(60);
    assert_eq!(status_at(&v, signed("ev-rot-1", "sec_before_rotation", now), now).await, 202);

    s.secrets
        .put_secret_value()
        .secret_id(&s.secret_id)
        .secret_string("sec_after_rotation")
        .send()
        .await
        .unwrap();
    let now = rotated_at().await + Duration::from_secs(60);

    // Middesk may still be retrying with the old secret, or already use the new one.
    assert_eq!(status_at(&v, signed("ev-rot-2", "sec_before_rotation", now), now).await, 202);
    assert_eq!(status_at(&v, signed("ev-rot-3", "sec_after_rotation", now), now).await, 202);
    // With the grace window off, only the new secret verifies.
    assert_eq!(status_at(&strict, signed("ev-rot-4", "sec_before_rotation", now), now).await, 401);
    assert_eq!(status_at(&strict, signed("ev-rot-4", "sec_after_rotation", now), now).await, 202);
    assert_eq!(drain(&s.sqs, &s.queues["business.updated"]).await.len(), 4);
}

#[tokio::test]
async fn a_secret_replaced_by_hand_after_a_leak_stops_verifying_though_it_kept_middesks_label() {
    use middesk_webhooks::verify::secret::GIVEN_TO_MIDDESK_STAGE;
    let s = stack("sec_leaked").await;
    let leaked = s.secrets.get_secret_value().secret_id(&s.secret_id).send().await.unwrap();
    let leaked_id = leaked.version_id.unwrap();
    // The leak procedure: a new value put as current (Middesk updated by its dashboard), the
    // grace off while the leaked one is previous.
    s.secrets.put_secret_value().secret_id(&s.secret_id).secret_string("sec_fresh").send().await.unwrap();
    // It was given to Middesk, so it carries Middesk's label (as `register` and the rotator
    // do), which AWS leaves in place when another value becomes current (the emulator drops
    // it, so it is put back here).
    s.secrets
        .update_secret_version_stage()
        .secret_id(&s.secret_id)
        .version_stage(GIVEN_TO_MIDDESK_STAGE)
        .move_to_version_id(&leaked_id)
        .send()
        .await
        .unwrap();
    let labels = s.secrets.describe_secret().secret_id(&s.secret_id).send().await.unwrap();
    let stages = labels.version_ids_to_stages.unwrap_or_default();
    assert_eq!(stages[&leaked_id], ["AWSPREVIOUS", GIVEN_TO_MIDDESK_STAGE], "{stages:?}");
    let strict = s
        .verifier(&[("SECRET_CACHE_TTL_SECONDS", "0"), ("SECRET_ROTATION_GRACE_SECONDS", "0")], None, None)
        .await;
    let now = SystemTime::now();
    // From Middesk's address (the sample request's), naming our account: a mismatch there reads
    // the versions Middesk may sign with again.
    let signed = |id: &str, secret: &str| {
        let body =
            event_body_created(id, "business.updated", &humantime::format_rfc3339_millis(now).to_string());
        let mut event: serde_json::Value = serde_json::from_slice(&body).unwrap();
        event["account_id"] = serde_json::json!(SAMPLE_ACCOUNT_ID);
        signed_post(Shape::HttpV2, secret, &serde_json::to_vec(&event).unwrap(), None)
    };
    // Signed with the leaked secret: its label on the previous version
    // no longer verifies it.
    assert_eq!(status_at(&strict, signed("ev-leak-1", "sec_leaked"), now).await, 401);
    assert_eq!(status_at(&strict, signed("ev-leak-2", "sec_fresh"), now).await, 202);
    assert_eq!(drain(&s.sqs, &s.queues["business.updated"]).await.len(), 1);
}

#[tokio::test]
async fn sqs_unreachable_is_503_and_a_retry_delivers() {
    let s = stack("sec_emulator_5").await;
    let refused = refused_endpoint();
    let broken = s.verifier(&[], Some(&refused), None).await;
    let body = event_body("ev-sqs-down", "order.created");
    assert_eq!(status(&broken, signed_post(Shape::HttpV2, "sec_emulator_5", &body, None)).await, 503);
    assert!(s.all_queues_empty().await);
    // Middesk's retry reaches a healthy verifier.
    let healthy = s.verifier(&[], None, None).await;
    assert_eq!(status(&healthy, signed_post(Shape::HttpV2, "sec_emulator_5", &body, None)).await, 202);
    assert_eq!(drain(&s.sqs, &s.queues["order.created"]).await.len(), 1);
}

#[tokio::test]
async fn secrets_manager_unreachable_with_a_warm_cache_still_verifies() {
    let s = stack("sec_emulator_6").await;
    let proxy = CuttableProxy::start(&emulator_endpoint()).await;
    let v = s.verifier(&[("SECRET_CACHE_TTL_SECONDS", "0")], None, Some(&proxy.endpoint)).await;
    let body = event_body("ev-warm", "person.created");
    assert_eq!(status(&v, signed_post(Shape::HttpV2, "sec_emulator_6", &body, None)).await, 202);
    proxy.cut();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let body = event_body("ev-warm-2", "person.created");
    assert_eq!(status(&v, signed_post(Shape::HttpV2, "sec_emulator_6", &body, None)).await, 202);
    assert_eq!(drain(&s.sqs, &s.queues["person.created"]).await.len(), 2);

    // With no cached secret at all, the answer is 503 and nothing is enqueued.
    let cold = s.verifier(&[], None, Some(&refused_endpoint())).await;
    let body = event_body("ev-cold", "person.created");
    assert_eq!(status(&cold, signed_post(Shape::HttpV2, "sec_emulator_6", &body, None)).await, 503);
    assert!(s.all_queues_empty().await);
}

#[tokio::test]
async fn fifo_queues_get_group_and_deduplication_ids() {
    let aws = sdk_config(&emulator_endpoint()).await;
    let sqs = aws_sdk_sqs::Client::new(&aws);
    let secrets = aws_sdk_secretsmanager::Client::new(&aws);
    let secret_id = unique("fifo-secret");
    secrets.create_secret().name(&secret_id).secret_string("sec_fifo").send().await.unwrap();
    let fifo = create_queue(&sqs, &format!("{}.fifo", unique("events"))).await;
    let vars = HashMap::from([
        ("MIDDESK_SECRET_ID", secret_id.clone()),
        ("CATCH_ALL_QUEUE", fifo.clone()),
        ("MIDDESK_ACCOUNT_IDS", SAMPLE_ACCOUNT_ID.into()),
    ]);
    let config = VerifierConfig::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let v = verifier::build_verifier(&config, secrets, sqs.clone(), s3_client(&aws));
    let body = event_body("ev-fifo", "business.updated");
    // Middesk retries the same event: the FIFO queue keeps one copy.
    for _ in 0..3 {
        assert_eq!(status(&v, signed_post(Shape::HttpV2, "sec_fifo", &body, Some("biz-42"))).await, 202);
    }
    let out = sqs
        .receive_message()
        .queue_url(&fifo)
        .max_number_of_messages(10)
        .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
        .send()
        .await
        .unwrap();
    let messages = out.messages.unwrap_or_default();
    assert_eq!(messages.len(), 1);
    let system = messages[0].attributes.as_ref().unwrap();
    assert_eq!(system[&aws_sdk_sqs::types::MessageSystemAttributeName::MessageGroupId], "biz-42");
    assert_eq!(system[&aws_sdk_sqs::types::MessageSystemAttributeName::MessageDeduplicationId], "ev-fifo");
}

#[tokio::test]
async fn cold_start_warm_up_opens_the_queue_and_fetches_the_secret() {
    let s = stack("sec_warm_up").await;
    let v = s.verifier(&[], None, None).await;
    assert!(v.warm_up(std::time::SystemTime::now()).await.is_ok());
    // An unreachable SQS is reported at cold start (and the verifier still starts: main logs it).
    let no_sqs = s.verifier(&[], Some(&refused_endpoint()), None).await;
    let err = no_sqs.warm_up(std::time::SystemTime::now()).await.unwrap_err();
    assert_eq!(err.status(), 503);
}

#[tokio::test]
async fn a_hanging_queue_is_a_503_within_the_time_budget_and_nothing_is_queued() {
    let s = stack("sec_budget").await;
    let silent = SilentServer::start().await;
    let v = s.verifier(&[], Some(&silent.endpoint), None).await.with_time_budget(Duration::from_secs(1));
    let body = event_body("ev-hang", "business.updated");
    let request = signed_post(Shape::HttpV2, "sec_budget", &body, None);
    let response = verifier::handle(&v, "", request, SystemTime::now()).await.unwrap();
    assert_eq!(response.status().as_u16(), 503);
    assert!(s.all_queues_empty().await);
}

#[tokio::test]
async fn the_cold_start_warm_up_is_bounded_when_a_dependency_hangs() {
    let s = stack("sec_warm_hang").await;
    let silent = SilentServer::start().await;
    let v = s.verifier(&[], Some(&silent.endpoint), Some(&silent.endpoint)).await;
    // Without the bound this would wait out the SDK's own timeouts (10 s here), past Lambda's
    // 10-second init limit in production.
    let warm = tokio::time::timeout(Duration::from_secs(9), v.warm_up(SystemTime::now())).await;
    assert!(matches!(warm, Ok(Err(ReceiveError::TimedOut))), "{warm:?}");
}

#[tokio::test]
async fn a_refresh_with_nothing_rotated_is_one_secrets_manager_call() {
    use middesk_webhooks::aws::SecretsManagerSource;
    let s = stack("sec_v1").await;
    let proxy = CuttableProxy::start(&emulator_endpoint()).await;
    let client = aws_sdk_secretsmanager::Client::new(&sdk_config(&proxy.endpoint).await);
    let source = SecretsManagerSource::new(client, &s.secret_id);
    let calls = |before: usize| proxy.connections() - before;

    let before = proxy.connections();
    let first = source.fetch(true).await.unwrap();
    assert_eq!(calls(before), 2, "the first read asks for AWSCURRENT and AWSPREVIOUS");
    assert!(first.previous.is_none(), "nothing rotated yet");

    let before = proxy.connections();
    source.fetch(true).await.unwrap();
    assert_eq!(calls(before), 1, "current unchanged: AWSPREVIOUS is not read again");

    s.secrets.put_secret_value().secret_id(&s.secret_id).secret_string("sec_v2").send().await.unwrap();
    let before = proxy.connections();
    let rotated = source.fetch(true).await.unwrap();
    assert_eq!(calls(before), 2, "current changed: AWSPREVIOUS is read");
    let body = b"payload";
    let tag = middesk_webhooks::SigningKey::new("sec_v1").tag(body);
    assert!(rotated.previous.expect("the old secret is AWSPREVIOUS").verify_tag(body, &tag));
    assert!(!rotated.previous_fetch_failed);
}

/// A signed `business.updated` of about `size` bytes (a long, non-ASCII field), as Middesk
/// sends for a business with every association included.
fn large_event(id: &str, size: usize) -> Vec<u8> {
    let mut event: serde_json::Value = serde_json::from_slice(&event_body(id, "business.updated")).unwrap();
    let line = "Registered agent: Jos\u{e9} N\u{fa}\u{f1}ez \u{2011} Suite 100, San Francisco; ";
    event["data"]["object"]["notes"] = serde_json::json!(line.repeat(size / line.len() + 1));
    event.to_string().into_bytes()
}

/// A Python consumer (shared/tests/python/read_pointer.py) reading the message now in
/// `queue`: the body's length and SHA-256.
fn python_reads(mode: &str, queue: &str) -> (usize, String) {
    let output = python("shared/tests/python/read_pointer.py")
        .args([mode, queue])
        .output()
        .expect("run ./scripts/test, which installs the Python tools into .venv");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let read: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    (read["len"].as_u64().unwrap() as usize, read["sha256"].as_str().unwrap().to_owned())
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[tokio::test]
async fn bodies_too_large_for_sqs_arrive_byte_for_byte_through_s3() {
    use middesk_webhooks::aws::S3Payloads;
    use middesk_webhooks::consume::batch::{BatchOptions, process_batch_with, resolve_payload};
    use middesk_webhooks::message::{PayloadPointer, attribute};

    let s = stack("sec_large").await;
    let aws = sdk_config(&emulator_endpoint()).await;
    let s3 = s3_client(&aws);
    let bucket = unique("payloads").to_lowercase();
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let v = s.verifier(&[("PAYLOAD_BUCKET", &bucket)], None, None).await;

    // 2 MiB of JSON: over SQS's 1 MiB, routed by its type, carried as a pointer.
    let large = large_event("ev-2mib", 2 << 20);
    assert!(large.len() > 2 << 20);
    let request = signed_post(Shape::HttpV2, "sec_large", &large, Some("biz-large"));
    assert_eq!(status(&v, request).await, 202);
    let queue = &s.queues["business.updated"];
    assert_eq!(
        python_reads("--extended-client", queue),
        (large.len(), sha256(&large)),
        "AWS's Python client"
    );
    let messages = drain(&s.sqs, queue).await;
    assert_eq!(messages.len(), 1);
    let pointer = PayloadPointer::from_body(messages[0].body.as_deref().unwrap()).expect("a pointer");
    assert_eq!(pointer.bucket, bucket);
    assert_eq!(attr(&messages[0], attribute::EVENT_ID), Some("ev-2mib"));
    assert_eq!(attr(&messages[0], attribute::EXTENDED_PAYLOAD_SIZE), Some(large.len().to_string().as_str()));

    // Our consumer gets the original event, parsed, and the exact bytes.
    let batch = lambda_sqs_event(&messages, "arn:aws:sqs:us-east-1:123456789012:business-updated");
    let options = BatchOptions::default().payloads(S3Payloads::reader(s3.clone(), &bucket, "payloads/"));
    let seen = std::sync::Mutex::new(Vec::new());
    let response = process_batch_with(&batch, &options, |event, message| {
        seen.lock().unwrap().push((event.id.clone(), message.body.clone().unwrap_or_default()));
        async { Ok::<(), String>(()) }
    })
    .await
    .unwrap();
    assert!(response.batch_item_failures.is_empty());
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen[0].0, "ev-2mib");
    assert_eq!(seen[0].1.as_bytes(), large, "byte for byte");
    // Without a reader, the pointer fails its message: never handled as if it were the event.
    let without =
        process_batch_with(&batch, &BatchOptions::default(), |_, _| async { Ok::<(), String>(()) }).await;
    assert_eq!(without.unwrap().batch_item_failures.len(), 1);
    // The reader follows pointers only into the stack's bucket and prefix, and reads an object
    // only if it is the size the pointer says: the same bytes elsewhere, or a size that lies,
    // are refused.
    let elsewhere = unique("elsewhere").to_lowercase();
    s3.create_bucket().bucket(&elsewhere).send().await.unwrap();
    let digest = sha256(&large);
    for (bucket, key) in [(&elsewhere, format!("payloads/{digest}")), (&bucket, format!("other/{digest}"))] {
        let put = s3.put_object().bucket(bucket).key(&key).body(large.clone().into());
        put.send().await.unwrap();
    }
    let pinned = S3Payloads::reader(s3.clone(), &bucket, "payloads/");
    let with = |bucket: &str, key: &str, size: usize| {
        let mut record = batch.records[0].clone();
        record.body = Some(PayloadPointer { bucket: bucket.to_owned(), key: key.to_owned() }.to_body());
        let mut attribute = record.message_attributes[attribute::EXTENDED_PAYLOAD_SIZE].clone();
        attribute.string_value = Some(size.to_string());
        record.message_attributes.insert(attribute::EXTENDED_PAYLOAD_SIZE.into(), attribute);
        record
    };
    assert!(resolve_payload(&with(&bucket, &pointer.key, large.len()), &pinned).await.is_ok());
    for (record, why) in [
        (with(&elsewhere, &format!("payloads/{digest}"), large.len()), "outside the payload bucket"),
        (with(&bucket, &format!("other/{digest}"), large.len()), "outside the payload bucket"),
        (with(&bucket, &pointer.key, large.len() - 1), "bytes, not"),
        (with(&bucket, &pointer.key, 1 << 40), "bytes, not"),
    ] {
        let error = resolve_payload(&record, &pinned).await.unwrap_err().to_string();
        assert!(error.contains(why), "{error}");
    }

    // 900 KiB that is not UTF-8: to S3 as the exact bytes (base64 would not fit SQS).
    let binary: Vec<u8> = (0..900 * 1024).map(|i| (i * 7 % 256) as u8).collect();
    assert!(std::str::from_utf8(&binary).is_err());
    let request = gateway_event(
        Shape::HttpV2,
        "POST",
        &binary,
        &middesk_webhooks::verify::sample::signed_headers("sec_large", &binary, None),
        true,
    );
    assert_eq!(status(&v, request).await, 202);
    assert_eq!(
        python_reads("--boto3", &s.catch_all),
        (binary.len(), sha256(&binary)),
        "boto3 and the pointer"
    );
    let messages = drain(&s.sqs, &s.catch_all).await;
    assert_eq!(attr(&messages[0], attribute::MALFORMED), Some("true"));
    let batch = lambda_sqs_event(&messages, "arn:aws:sqs:us-east-1:123456789012:catch-all");
    let resolved =
        resolve_payload(&batch.records[0], &S3Payloads::reader(s3, &bucket, "payloads/")).await.unwrap();
    let encoded =
        resolved.message_attributes.get(attribute::BODY_ENCODING).and_then(|a| a.string_value.as_deref());
    assert_eq!(encoded, Some("base64"));
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD.decode(resolved.body.as_deref().unwrap()).unwrap();
    assert_eq!(bytes, binary, "byte for byte");
}

#[tokio::test]
async fn s3_unreachable_is_a_503_and_nothing_is_queued() {
    let s = stack("sec_s3_down").await;
    let refused = refused_endpoint();
    let v = s.verifier_at(&[("PAYLOAD_BUCKET", "payloads")], None, None, Some(&refused)).await;
    let large = large_event("ev-s3-down", 2 << 20);
    assert_eq!(status(&v, signed_post(Shape::HttpV2, "sec_s3_down", &large, None)).await, 503);
    assert!(s.all_queues_empty().await, "no pointer to a body that was never stored");
    // A small event does not need S3 and is delivered as usual.
    let small = event_body("ev-small", "business.updated");
    assert_eq!(status(&v, signed_post(Shape::HttpV2, "sec_s3_down", &small, None)).await, 202);
}

/// A bucket in the emulator, uniquely named.
async fn bucket(prefix: &str) -> (aws_sdk_s3::Client, String) {
    let s3 = s3_client(&sdk_config(&emulator_endpoint()).await);
    let name = unique(prefix).to_lowercase();
    s3.create_bucket().bucket(&name).send().await.expect("create bucket");
    (s3, name)
}

#[tokio::test]
async fn accepted_events_land_in_the_archive_byte_for_byte_with_their_metadata() {
    use middesk_webhooks::verify::archive::{ArchivedKey, field};
    let s = stack("sec_archive").await;
    let (s3, archive) = bucket("archive").await;
    let v = s.verifier(&[("ARCHIVE_BUCKET", &archive)], None, None).await;
    let mut sent = Vec::new();
    for (i, entry) in CATALOGUE.iter().take(4).enumerate() {
        let body = middesk_webhooks::verify::sample::created_now(entry.sample, SystemTime::now());
        let request = signed_post(Shape::HttpV2, "sec_archive", &body, Some(&format!("corr-{i}")));
        assert_eq!(status(&v, request).await, 202, "{}", entry.event_type);
        sent.push((entry.event_type, body));
    }
    let listed = s3.list_objects_v2().bucket(&archive).prefix("events/").send().await.unwrap();
    let keys: Vec<String> = listed.contents().iter().filter_map(|o| o.key().map(str::to_owned)).collect();
    assert_eq!(keys.len(), sent.len(), "{keys:?}");
    for (i, (event_type, body)) in sent.iter().enumerate() {
        let key = keys
            .iter()
            .find(|k| ArchivedKey::parse(k).is_some_and(|read| read.event_type == *event_type))
            .unwrap_or_else(|| panic!("no archive key for {event_type}: {keys:?}"));
        let object = s3.get_object().bucket(&archive).key(key).send().await.unwrap();
        let metadata = object.metadata().cloned().unwrap_or_default();
        assert_eq!(object.body.collect().await.unwrap().into_bytes().as_ref(), &body[..], "{event_type}");
        let expected_id =
            serde_json::from_slice::<serde_json::Value>(body).unwrap()["id"].as_str().unwrap().to_owned();
        assert_eq!(metadata.get(field::EVENT_ID), Some(&expected_id));
        assert_eq!(metadata.get(field::EVENT_TYPE).map(String::as_str), Some(*event_type));
        assert_eq!(metadata.get(field::CORRELATION_ID), Some(&format!("corr-{i}")));
        assert_eq!(metadata.get(field::SECRET_VERSION).map(String::as_str), Some("current"));
        assert_eq!(metadata.get(field::AUTH_METHOD).map(String::as_str), Some("hmac"));
    }
    for (event_type, _) in &sent {
        assert_eq!(drain(&s.sqs, &s.queues[event_type]).await.len(), 1, "{event_type} queued too");
    }
}

#[tokio::test]
async fn an_unreachable_archive_is_a_503() {
    let s = stack("sec_archive_down").await;
    let v = s.verifier_at(&[("ARCHIVE_BUCKET", "archive")], None, None, Some(&refused_endpoint())).await;
    let body = event_body("ev-archive-down", "business.updated");
    assert_eq!(status(&v, signed_post(Shape::HttpV2, "sec_archive_down", &body, None)).await, 503);
}

#[tokio::test]
async fn fan_out_every_queue_of_a_route_gets_the_event_and_a_missing_one_is_a_503() {
    let s = stack("sec_fan_out").await;
    let risk_engine = create_queue(&s.sqs, &unique("risk-engine")).await;
    let own = s.queues["business.updated"].clone();
    let routes = format!("business.updated={own}+{risk_engine}");
    let v = s.verifier(&[("ROUTES", &routes)], None, None).await;
    let body = event_body("ev-fan-out", "business.updated");
    assert_eq!(status(&v, signed_post(Shape::HttpV2, "sec_fan_out", &body, None)).await, 202);
    for queue in [&own, &risk_engine] {
        let messages = drain(&s.sqs, queue).await;
        assert_eq!(messages.len(), 1, "{queue}");
        assert_eq!(messages[0].body.as_deref().map(str::as_bytes), Some(&body[..]));
        assert_eq!(attr(&messages[0], attribute::EVENT_ID), Some("ev-fan-out"));
    }

    // One subscriber's queue is gone: 503, so that Middesk retries until every queue has it.
    let missing = format!("{}/no-such-queue-{}", own.rsplit_once('/').unwrap().0, unique("x"));
    let routes = format!("business.updated={own}+{missing}");
    let v = s.verifier(&[("ROUTES", &routes)], None, None).await;
    let body = event_body("ev-fan-out-2", "business.updated");
    assert_eq!(status(&v, signed_post(Shape::HttpV2, "sec_fan_out", &body, None)).await, 503);
    // The queue that took it has a copy; Middesk's retry adds a duplicate, absorbed downstream.
    assert_eq!(drain(&s.sqs, &own).await.len(), 1);
}

#[tokio::test]
async fn a_retried_event_finds_its_archived_copy_and_never_overwrites_it() {
    use middesk_webhooks::verify::archive::field;
    let s = stack("sec_archive_retry").await;
    let (s3, archive) = bucket("archive-retry").await;
    let v = s.verifier(&[("ARCHIVE_BUCKET", &archive)], None, None).await;
    let body = event_body("ev-archive-retry", "business.updated");
    // Middesk's first delivery, then its retry of the same event (the same bytes) with
    // another correlation id: both are answered 2xx, and the archive keeps the first copy.
    for correlation in ["corr-first", "corr-retry"] {
        let request = signed_post(Shape::HttpV2, "sec_archive_retry", &body, Some(correlation));
        assert_eq!(status(&v, request).await, 202, "{correlation}");
    }
    let listed = s3.list_objects_v2().bucket(&archive).prefix("events/").send().await.unwrap();
    let keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let object = s3.head_object().bucket(&archive).key(keys[0]).send().await.unwrap();
    let metadata = object.metadata().cloned().unwrap_or_default();
    assert_eq!(metadata.get(field::CORRELATION_ID).map(String::as_str), Some("corr-first"));
    assert_eq!(drain(&s.sqs, &s.queues["business.updated"]).await.len(), 2, "both queued: consumers dedupe");
}

/// The verifier's SDK configuration for a Lambda environment of these variables (and the
/// emulator's region and credentials), as its `main` builds it.
async fn lambda_config(vars: &[(&str, &str)]) -> aws_config::SdkConfig {
    let mut env: Vec<(String, String)> = [
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_SESSION_TOKEN", "session"),
    ]
    .iter()
    .chain(vars)
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    env.dedup_by(|a, b| a.0 == b.0);
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .env(aws_types::os_shim_internal::Env::from_slice(&pairs));
    let lookup = |name: &str| env.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let timeouts = aws_smithy_types::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_timeout(Duration::from_secs(30))
        .build();
    middesk_webhooks::aws::lambda_sdk_config_from(loader, lookup, timeouts).await.unwrap()
}

#[tokio::test]
async fn the_verifier_honours_each_service_specific_endpoint() {
    let s = stack("sec_endpoints").await;
    let (emulator, refused) = (emulator_endpoint(), refused_endpoint());
    // The global endpoint is a dead one; each service's own variable names the emulator.
    let aws = lambda_config(&[
        ("AWS_ENDPOINT_URL", &refused),
        ("AWS_ENDPOINT_URL_SQS", &emulator),
        ("AWS_ENDPOINT_URL_SECRETS_MANAGER", &emulator),
    ])
    .await;
    let config = s.config(&[]);
    let v = verifier::build_verifier(
        &config,
        aws_sdk_secretsmanager::Client::new(&aws),
        aws_sdk_sqs::Client::new(&aws),
        s3_client(&aws),
    );
    v.warm_up(SystemTime::now()).await.expect("the queues and the secret through their own endpoints");
    let body = event_body("ev-endpoints", "business.updated");
    assert_eq!(status(&v, signed_post(Shape::HttpV2, "sec_endpoints", &body, None)).await, 202);
    assert_eq!(drain(&s.sqs, &s.queues["business.updated"]).await.len(), 1);
    // Without the service's own variable, the global one applies (and fails: a 503).
    let global_only =
        lambda_config(&[("AWS_ENDPOINT_URL", &refused), ("AWS_ENDPOINT_URL_SECRETS_MANAGER", &emulator)])
            .await;
    let v = verifier::build_verifier(
        &config,
        aws_sdk_secretsmanager::Client::new(&global_only),
        aws_sdk_sqs::Client::new(&global_only),
        s3_client(&global_only),
    );
    assert_eq!(status(&v, signed_post(Shape::HttpV2, "sec_endpoints", &body, None)).await, 503);
    // AWS_IGNORE_CONFIGURED_ENDPOINT_URLS turns both off.
    let ignored = lambda_config(&[
        ("AWS_ENDPOINT_URL", &refused),
        ("AWS_ENDPOINT_URL_SQS", &emulator),
        ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
    ])
    .await;
    assert_eq!(ignored.endpoint_url(), None);
    // The key the SQS client asks its endpoint with (it adds the service to the variable).
    let key = || {
        aws_types::service_config::ServiceConfigKey::builder()
            .service_id("SQS")
            .profile("endpoint_url")
            .env("AWS_ENDPOINT_URL")
            .build()
            .unwrap()
    };
    assert_eq!(ignored.service_config().and_then(|c| c.load_config(key())), None);
    assert_eq!(aws.service_config().and_then(|c| c.load_config(key())), Some(emulator.clone()));
}

#[tokio::test]
async fn the_verifier_honours_aws_max_attempts_and_aws_retry_mode() {
    use aws_smithy_types::retry::RetryMode;
    let proxy = CuttableProxy::start(&emulator_endpoint()).await;
    proxy.cut();
    for attempts in [1, 3] {
        let before = proxy.connections();
        let aws = lambda_config(&[
            ("AWS_ENDPOINT_URL", &proxy.endpoint),
            ("AWS_MAX_ATTEMPTS", &attempts.to_string()),
        ])
        .await;
        let sqs = aws_sdk_sqs::Client::new(&aws);
        assert!(sqs.list_queues().send().await.is_err());
        assert_eq!(proxy.connections() - before, attempts, "AWS_MAX_ATTEMPTS={attempts}");
    }
    let adaptive = lambda_config(&[("AWS_RETRY_MODE", "adaptive")]).await;
    assert_eq!(adaptive.retry_config().map(|r| r.mode()), Some(RetryMode::Adaptive));
    let standard = lambda_config(&[]).await;
    assert_eq!(standard.retry_config().map(|r| (r.mode(), r.max_attempts())), Some((RetryMode::Standard, 3)));
}

#[tokio::test]
async fn the_verifier_honours_fips_and_dual_stack_endpoints() {
    use aws_sdk_sqs::config::endpoint::{DefaultResolver, Params, ResolveEndpoint as _};
    // The endpoint each client resolves from the configuration (no request leaves: FIPS and
    // dual-stack endpoints are AWS's, not the emulator's).
    let resolved = |aws: aws_config::SdkConfig| async move {
        let params = Params::builder()
            .region(aws.region().unwrap().to_string())
            .use_fips(aws.use_fips().unwrap_or(false))
            .use_dual_stack(aws.use_dual_stack().unwrap_or(false))
            .set_endpoint(aws.endpoint_url().map(str::to_owned))
            .build()
            .unwrap();
        DefaultResolver::new().resolve_endpoint(&params).await.unwrap().url().to_owned()
    };
    assert_eq!(resolved(lambda_config(&[]).await).await, "https://sqs.us-east-1.amazonaws.com");
    let fips = lambda_config(&[("AWS_USE_FIPS_ENDPOINT", "true")]).await;
    assert_eq!(resolved(fips).await, "https://sqs-fips.us-east-1.amazonaws.com");
    let dual = lambda_config(&[("AWS_USE_DUALSTACK_ENDPOINT", "true")]).await;
    assert_eq!(resolved(dual).await, "https://sqs.us-east-1.api.aws");
    let app = lambda_config(&[("AWS_SDK_UA_APP_ID", "kyb-onboarding")]).await;
    assert_eq!(app.app_name().map(|a| a.to_string()).as_deref(), Some("kyb-onboarding"));
}

#[tokio::test]
async fn the_invocations_trace_header_travels_with_the_message_and_into_the_archive() {
    use lambda_http::RequestExt as _;
    let aws = sdk_config(&emulator_endpoint()).await;
    let (sqs, s3) = (aws_sdk_sqs::Client::new(&aws), s3_client(&aws));
    let secrets = aws_sdk_secretsmanager::Client::new(&aws);
    let secret_id = unique("trace-secret");
    secrets.create_secret().name(&secret_id).secret_string("sec_trace").send().await.unwrap();
    let queue = create_queue(&sqs, &unique("traced")).await;
    let archive = unique("traced-archive");
    s3.create_bucket().bucket(&archive).send().await.unwrap();
    let vars = HashMap::from([
        ("MIDDESK_SECRET_ID", secret_id),
        ("MIDDESK_ACCOUNT_IDS", SAMPLE_ACCOUNT_ID.into()),
        ("CATCH_ALL_QUEUE", queue.clone()),
        ("ARCHIVE_BUCKET", archive.clone()),
    ]);
    let config = VerifierConfig::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let v = verifier::build_verifier(&config, secrets, sqs.clone(), s3.clone());
    let header = "Root=1-67a0c1d2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1";
    let mut context = lambda_http::Context::default();
    context.xray_trace_id = Some(header.to_owned());
    let body = event_body("ev-traced", "business.updated");
    let request = signed_post(Shape::HttpV2, "sec_trace", &body, None).with_lambda_context(context);
    assert_eq!(status(&v, request).await, 202);

    let messages = drain(&sqs, &queue).await;
    assert_eq!(messages.len(), 1);
    let system = messages[0].attributes.as_ref().unwrap();
    assert_eq!(
        system.get(&aws_sdk_sqs::types::MessageSystemAttributeName::AwsTraceHeader).map(String::as_str),
        Some(header)
    );
    // The archive keeps it, so that a replay joins the same trace.
    let listed = s3.list_objects_v2().bucket(&archive).send().await.unwrap();
    let key = listed.contents()[0].key().unwrap().to_owned();
    let object = s3.head_object().bucket(&archive).key(key).send().await.unwrap();
    let metadata = object.metadata().unwrap();
    assert_eq!(
        metadata.get(middesk_webhooks::verify::archive::field::TRACE_HEADER).map(String::as_str),
        Some(header)
    );

    // Without a trace (not sampled, or locally), no attribute at all.
    let body = event_body("ev-untraced", "business.updated");
    assert_eq!(status(&v, signed_post(Shape::HttpV2, "sec_trace", &body, None)).await, 202);
    let messages = drain(&sqs, &queue).await;
    let system = messages[0].attributes.as_ref().unwrap();
    assert!(!system.contains_key(&aws_sdk_sqs::types::MessageSystemAttributeName::AwsTraceHeader));
}
