//! Idempotency on moto's DynamoDB, and the whole path verifier → SQS → consumer, over HTTP.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use aws_sdk_dynamodb::types::AttributeValue;
use business_decision::{Decision, Handled, handle_batch, handle_event};
use middesk_webhooks::aws::DynamoDbIdempotencyStore;
use middesk_webhooks::consume::batch::BatchOptions;
use middesk_webhooks::consume::event::Event;
use middesk_webhooks::consume::idempotency::{
    Claim, DEFAULT_RECORD_TTL, GuardError, Guarded, IdempotencyGuard, IdempotencyStore, StoreError,
};
use middesk_webhooks::consume::newest::{NewestStateStore, OrderedClaim, OrderedRecords};
use middesk_webhooks::testkit::*;
use middesk_webhooks::verify::sample::{GatewayShape, gateway_event, sample_payload, signed_headers};

async fn store() -> (aws_sdk_dynamodb::Client, DynamoDbIdempotencyStore, String) {
    let aws = sdk_config(&emulator_endpoint()).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    let table = create_idempotency_table(&dynamodb, &unique("idempotency")).await;
    (dynamodb.clone(), DynamoDbIdempotencyStore::new(dynamodb, &table), table)
}

/// No Middesk API: these events carry their business.
const NO_API: Option<&middesk_webhooks::middesk::api::MiddeskApi> = None;

fn in_a_minute() -> SystemTime {
    SystemTime::now() + Duration::from_secs(60)
}

#[tokio::test]
async fn a_duplicate_is_not_reprocessed_and_gets_the_stored_result() {
    let (_, store, _) = store().await;
    let guard = IdempotencyGuard::new(store, "test", DEFAULT_RECORD_TTL);
    let runs = AtomicUsize::new(0);
    let work = || async {
        runs.fetch_add(1, Ordering::SeqCst);
        Ok::<_, String>(vec!["approve".to_string()])
    };
    assert_eq!(guard.run("ev-1", in_a_minute(), work).await.unwrap(), Guarded::Ran(vec!["approve".into()]));
    assert_eq!(
        guard.run("ev-1", in_a_minute(), work).await.unwrap(),
        Guarded::Repeat(vec!["approve".into()])
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn two_concurrent_deliveries_run_the_handler_once() {
    let (_, store, _) = store().await;
    let guard = IdempotencyGuard::new(store, "test", DEFAULT_RECORD_TTL);
    let runs = AtomicUsize::new(0);
    let slow = || async {
        runs.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok::<_, String>(1u32)
    };
    let (a, b) =
        tokio::join!(guard.run("ev-dup", in_a_minute(), slow), guard.run("ev-dup", in_a_minute(), slow));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let ran = [&a, &b].iter().filter(|r| matches!(r, Ok(Guarded::Ran(1)))).count();
    let busy = [&a, &b].iter().filter(|r| matches!(r, Err(GuardError::InProgress))).count();
    assert_eq!((ran, busy), (1, 1), "{a:?} {b:?}");
    // SQS redelivers the busy one later: it gets the stored result.
    assert_eq!(guard.run("ev-dup", in_a_minute(), slow).await.unwrap(), Guarded::Repeat(1));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_expired_in_progress_record_is_taken_over() {
    let (_, store, _) = store().await;
    // An invocation claimed the event and then timed out (its lock ran out a second ago).
    let now = SystemTime::now();
    let claim =
        store.claim("test#ev-crash", now, now - Duration::from_secs(1), now + DEFAULT_RECORD_TTL).await;
    assert_eq!(claim.unwrap(), Claim::Acquired);
    // A live claim is respected...
    let live = store.claim("test#ev-live", now, in_a_minute(), now + DEFAULT_RECORD_TTL).await.unwrap();
    assert_eq!(live, Claim::Acquired);
    let guard = IdempotencyGuard::new(store, "test", DEFAULT_RECORD_TTL);
    let busy = guard.run("ev-live", in_a_minute(), || async { Ok::<_, String>(0u8) }).await;
    assert!(matches!(busy, Err(GuardError::InProgress)));
    // ...and an expired one is taken over.
    let taken = guard.run("ev-crash", in_a_minute(), || async { Ok::<_, String>(2u8) }).await.unwrap();
    assert_eq!(taken, Guarded::Ran(2));
}

#[tokio::test]
async fn a_failed_handler_releases_its_claim() {
    let (_, store, _) = store().await;
    let guard = IdempotencyGuard::new(store, "test", DEFAULT_RECORD_TTL);
    let failed = guard.run("ev-f", in_a_minute(), || async { Err::<u8, _>("downstream down") }).await;
    assert!(matches!(failed, Err(GuardError::Handler("downstream down"))));
    let retried = guard.run("ev-f", in_a_minute(), || async { Ok::<_, &str>(3u8) }).await.unwrap();
    assert_eq!(retried, Guarded::Ran(3));
}

#[tokio::test]
async fn records_carry_the_ttl_attribute() {
    let (dynamodb, store, table) = store().await;
    let guard = IdempotencyGuard::new(store, "test", DEFAULT_RECORD_TTL);
    guard.run("ev-ttl", in_a_minute(), || async { Ok::<_, String>("x".to_string()) }).await.unwrap();
    let item = dynamodb
        .get_item()
        .table_name(&table)
        .key("id", AttributeValue::S("test#ev-ttl".into()))
        .send()
        .await
        .unwrap()
        .item
        .expect("the record");
    let AttributeValue::N(expiration) = &item["expiration"] else { panic!("expiration is not a number") };
    let expected =
        (SystemTime::now() + DEFAULT_RECORD_TTL).duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
    let expiration: u64 = expiration.parse().unwrap();
    assert!(expiration.abs_diff(expected) < 60, "{expiration} vs {expected}");
    assert!(DEFAULT_RECORD_TTL >= Duration::from_secs(25 * 86_400));
    assert_eq!(item["status"], AttributeValue::S("COMPLETED".into()));
    let ttl = dynamodb.describe_time_to_live().table_name(&table).send().await.unwrap();
    let ttl = ttl.time_to_live_description.unwrap();
    assert_eq!(ttl.attribute_name.as_deref(), Some("expiration"));
}

#[tokio::test]
async fn an_event_through_the_verifier_and_delivered_again_is_processed_once() {
    let aws = sdk_config(&emulator_endpoint()).await;
    let sqs = aws_sdk_sqs::Client::new(&aws);
    let secrets = aws_sdk_secretsmanager::Client::new(&aws);
    let secret_id = unique("e2e-secret");
    secrets.create_secret().name(&secret_id).secret_string("sec_e2e").send().await.unwrap();
    let business_updated = create_queue(&sqs, &unique("business-updated")).await;
    let catch_all = create_queue(&sqs, &unique("catch-all")).await;
    let vars = std::collections::HashMap::from([
        ("MIDDESK_SECRET_ID", secret_id),
        ("MIDDESK_ACCOUNT_IDS", middesk_webhooks::verify::sample::SAMPLE_ACCOUNT_ID.into()),
        ("CATCH_ALL_QUEUE", catch_all),
        ("ROUTES", format!("business.updated={business_updated}")),
    ]);
    let config = middesk_webhooks::VerifierConfig::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let verifier = verifier::build_verifier(&config, secrets, sqs.clone(), s3_client(&aws));

    let (_, store, _) = store().await;
    let guard = IdempotencyGuard::new(store, "business-decision", DEFAULT_RECORD_TTL);
    let payload = sample_payload("business.updated").unwrap().as_bytes();
    let event_id = Event::from_slice(payload).unwrap().id;
    // The sample has a fixed created_at: Middesk sends it a minute later, whatever today's date.
    let sent_at = middesk_webhooks::verify::sample::created_at_of(payload).unwrap() + Duration::from_secs(60);

    let mut outcomes = Vec::new();
    // Middesk delivers, then retries the same event (say our 2xx was lost on the way back).
    for _ in 0..2 {
        let headers = signed_headers("sec_e2e", payload, Some("0f86dab5-8195-4b95-b3c0-19deaeba2a8e"));
        let event = gateway_event(GatewayShape::HttpV2, "POST", payload, &headers, false);
        let request = lambda_http::request::from_str(&event.to_string()).unwrap();
        let response = verifier::handle(&verifier, "", request, sent_at).await.unwrap();
        assert_eq!(response.status(), 202);

        let messages = drain(&sqs, &business_updated).await;
        assert_eq!(messages.len(), 1);
        let batch = lambda_sqs_event(&messages, "arn:aws:sqs:us-east-1:123456789012:business-updated");
        assert!(
            handle_batch(&guard, NO_API, &BatchOptions::default(), &batch, None, in_a_minute())
                .await
                .unwrap()
                .batch_item_failures
                .is_empty()
        );
        // The same message handled again (SQS at-least-once) also reports success.
        let decoded = middesk_webhooks::consume::batch::decode_message(&batch.records[0]).unwrap();
        assert_eq!(decoded.id, event_id);
        outcomes.push(handle_event(&guard, NO_API, &decoded, in_a_minute()).await.unwrap());
    }
    // The first delivery's batch ran the decision; every later handling got the stored one.
    for outcome in &outcomes {
        match outcome {
            Guarded::Repeat(Handled::Decided(record)) => assert_eq!(record.decision, Decision::Reject),
            Guarded::Repeat(superseded) => panic!("{superseded:?}"),
            Guarded::Ran(_) => panic!("the decision ran more than once: {outcomes:?}"),
        }
    }
}

/// `business.updated` for business `business` at `created_at`, with Middesk's `status` and no
/// review tasks: `in_review` is decided Review, `approved` Approve.
fn business_event(id: &str, business: &str, created_at: SystemTime, status: &str) -> Event {
    let mut event: serde_json::Value =
        serde_json::from_str(sample_payload("business.updated").unwrap()).unwrap();
    event["id"] = serde_json::json!(id);
    event["created_at"] = serde_json::json!(humantime::format_rfc3339_millis(created_at).to_string());
    event["data"]["object"]["id"] = serde_json::json!(business);
    event["data"]["object"]["status"] = serde_json::json!(status);
    event["data"]["object"]["review"]["tasks"] = serde_json::json!([]);
    Event::from_slice(&serde_json::to_vec(&event).unwrap()).unwrap()
}

#[tokio::test]
async fn in_either_order_the_business_is_decided_on_its_newest_state() {
    let (_, store, _) = store().await;
    let guard = IdempotencyGuard::new(store, "business-decision", DEFAULT_RECORD_TTL);
    let at = SystemTime::now() - Duration::from_secs(3600);
    for (business, newer_first) in [(unique("biz-in-order"), false), (unique("biz-reversed"), true)] {
        let in_review = business_event(&unique("evt-in-review"), &business, at, "in_review");
        let approved =
            business_event(&unique("evt-approved"), &business, at + Duration::from_secs(60), "approved");
        let decided = |outcome: Guarded<Handled>| match outcome {
            Guarded::Ran(Handled::Decided(record)) => Some(record.decision),
            Guarded::Ran(Handled::Superseded { newest_event_id, .. }) => {
                assert_eq!(newest_event_id, approved.id);
                None
            }
            Guarded::Repeat(repeat) => panic!("a first delivery is a repeat: {repeat:?}"),
        };
        if newer_first {
            let first = handle_event(&guard, NO_API, &approved, in_a_minute()).await.unwrap();
            assert_eq!(decided(first), Some(Decision::Approve));
            // Middesk's retry of the older event, days late: never decided on its stale data.
            let late = handle_event(&guard, NO_API, &in_review, in_a_minute()).await.unwrap();
            assert_eq!(decided(late), None, "the in_review event undid the approval");
        } else {
            assert_eq!(
                decided(handle_event(&guard, NO_API, &in_review, in_a_minute()).await.unwrap()),
                Some(Decision::Review)
            );
            assert_eq!(
                decided(handle_event(&guard, NO_API, &approved, in_a_minute()).await.unwrap()),
                Some(Decision::Approve)
            );
        }
        // Each delivered again: the stored outcome, nothing run.
        for event in [&in_review, &approved] {
            assert!(matches!(
                handle_event(&guard, NO_API, event, in_a_minute()).await.unwrap(),
                Guarded::Repeat(_)
            ));
        }
    }
}

/// A store whose every request is applied alone, as DynamoDB applies a transaction: the
/// emulator serves requests on threads and checks a transaction's conditions without a lock,
/// so two transactions on one item could both pass there.
struct OneRequestAtATime {
    inner: DynamoDbIdempotencyStore,
    turn: tokio::sync::Mutex<()>,
}

impl IdempotencyStore for OneRequestAtATime {
    async fn claim(
        &self,
        key: &str,
        now: SystemTime,
        lock: SystemTime,
        exp: SystemTime,
    ) -> Result<Claim, StoreError> {
        let _turn = self.turn.lock().await;
        self.inner.claim(key, now, lock, exp).await
    }
    async fn complete(&self, key: &str, result: &str, expires_at: SystemTime) -> Result<(), StoreError> {
        let _turn = self.turn.lock().await;
        self.inner.complete(key, result, expires_at).await
    }
    async fn extend_lock(&self, key: &str, lock_until: SystemTime) -> Result<(), StoreError> {
        let _turn = self.turn.lock().await;
        self.inner.extend_lock(key, lock_until).await
    }
    async fn release(&self, key: &str) -> Result<(), StoreError> {
        let _turn = self.turn.lock().await;
        self.inner.release(key).await
    }
}

impl NewestStateStore for OneRequestAtATime {
    async fn claim_in_order(
        &self,
        records: OrderedRecords<'_>,
        now: SystemTime,
        lock_until: SystemTime,
    ) -> Result<OrderedClaim, StoreError> {
        let _turn = self.turn.lock().await;
        self.inner.claim_in_order(records, now, lock_until).await
    }
    async fn complete_in_order(&self, records: OrderedRecords<'_>, result: &str) -> Result<(), StoreError> {
        let _turn = self.turn.lock().await;
        self.inner.complete_in_order(records, result).await
    }
    async fn complete_superseded(
        &self,
        key: &str,
        result: &str,
        expires_at: SystemTime,
    ) -> Result<(), StoreError> {
        let _turn = self.turn.lock().await;
        self.inner.complete_superseded(key, result, expires_at).await
    }
    async fn release_in_order(&self, records: OrderedRecords<'_>) -> Result<(), StoreError> {
        let _turn = self.turn.lock().await;
        self.inner.release_in_order(records).await
    }
}

#[tokio::test]
async fn concurrent_deliveries_of_one_business_apply_in_middesks_order_never_backwards() {
    use middesk_webhooks::consume::newest::Freshness;
    let (_, inner, _) = store().await;
    let store = OneRequestAtATime { inner, turn: tokio::sync::Mutex::new(()) };
    let guard = IdempotencyGuard::new(store, "ordering", DEFAULT_RECORD_TTL);
    let at = SystemTime::now() - Duration::from_secs(3600);
    let mut waited = 0;
    for round in 0..6 {
        let business = unique("biz-concurrent");
        let events: Vec<Event> = (0..3)
            .map(|i| {
                business_event(
                    &format!("evt-{round}-{i}"),
                    &business,
                    at + Duration::from_secs(i * 60),
                    "open",
                )
            })
            .collect();
        // What each handler saw, in the order the handlers ran.
        let applied = std::sync::Mutex::new(Vec::new());
        let mut pending: Vec<&Event> = events.iter().rev().collect();
        let mut attempts = 0;
        while !pending.is_empty() {
            attempts += 1;
            assert!(attempts < 20, "deliveries never settled");
            let runs = pending.iter().map(|event| {
                let applied = &applied;
                guard.run_in_order(event, None, in_a_minute(), move |freshness| async move {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    applied.lock().unwrap().push((event.id.clone(), freshness.clone()));
                    Ok::<_, String>(matches!(freshness, Freshness::Newest))
                })
            });
            let outcomes = futures_util::future::join_all(runs).await;
            // Those refused while another of the business was applied come back, as SQS redelivers.
            pending = pending
                .into_iter()
                .zip(outcomes)
                .filter_map(|(event, outcome)| match outcome {
                    Err(GuardError::InProgress) => {
                        waited += 1;
                        Some(event)
                    }
                    Ok(_) => None,
                    Err(other) => panic!("{other}"),
                })
                .collect();
        }
        let applied = applied.into_inner().unwrap();
        assert_eq!(applied.len(), 3, "each ran once: {applied:?}");
        // The events applied as the newest come in Middesk's order: the state never goes back.
        let newest: Vec<&str> =
            applied.iter().filter(|(_, f)| *f == Freshness::Newest).map(|(id, _)| id.as_str()).collect();
        let mut in_order = newest.clone();
        in_order.sort();
        assert_eq!(newest, in_order, "round {round}: {applied:?}");
        assert_eq!(newest.last().copied(), Some(events[2].id.as_str()), "the newest is applied last");
    }
    assert!(waited > 0, "no delivery ever waited for another: the rounds were not concurrent");
}

/// The DynamoDB store with the emulator cut off during every completion write: the handler
/// ran, the claim was taken, and only recording the result fails.
struct CompletionCut {
    inner: DynamoDbIdempotencyStore,
    proxy: CuttableProxy,
    completions: AtomicUsize,
}

impl IdempotencyStore for CompletionCut {
    async fn claim(
        &self,
        key: &str,
        now: SystemTime,
        lock: SystemTime,
        exp: SystemTime,
    ) -> Result<Claim, StoreError> {
        self.inner.claim(key, now, lock, exp).await
    }
    async fn complete(&self, key: &str, result: &str, expires_at: SystemTime) -> Result<(), StoreError> {
        self.completions.fetch_add(1, Ordering::SeqCst);
        self.proxy.cut();
        let outcome = self.inner.complete(key, result, expires_at).await;
        self.proxy.restore();
        outcome
    }
    async fn extend_lock(&self, key: &str, lock_until: SystemTime) -> Result<(), StoreError> {
        self.inner.extend_lock(key, lock_until).await
    }
    async fn release(&self, key: &str) -> Result<(), StoreError> {
        self.inner.release(key).await
    }
}

#[tokio::test]
async fn a_completion_that_cannot_be_written_does_not_let_a_redelivery_run_the_handler_again() {
    let proxy = CuttableProxy::start(&emulator_endpoint()).await;
    let aws = sdk_config(&proxy.endpoint).await;
    // No SDK retries: each of the guard's own attempts fails fast while the proxy is cut.
    let config = aws_sdk_dynamodb::config::Builder::from(&aws)
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        .build();
    let dynamodb = aws_sdk_dynamodb::Client::from_conf(config);
    let table = create_idempotency_table(&dynamodb, &unique("idempotency")).await;
    let store = CompletionCut {
        inner: DynamoDbIdempotencyStore::new(dynamodb, &table),
        proxy,
        completions: AtomicUsize::new(0),
    };
    let guard = IdempotencyGuard::new(store, "test", DEFAULT_RECORD_TTL);
    let runs = AtomicUsize::new(0);
    let work = || async {
        runs.fetch_add(1, Ordering::SeqCst);
        Ok::<_, String>("sent the approval email".to_owned())
    };
    // The first delivery: the handler runs, its completion fails every attempt, the message is
    // acknowledged (the side effect happened) and the claim is kept.
    let now = SystemTime::now();
    let short_deadline = now + Duration::from_secs(2);
    assert!(matches!(guard.run_at("ev-cut", now, short_deadline, work).await, Ok(Guarded::Ran(_))));
    assert_eq!(guard.store().completions.load(Ordering::SeqCst), 3, "the completion was retried");
    // Redeliveries after the first invocation's deadline (when its plain claim would lapse),
    // and well after it: a retry hours later, or a redrive days later, never runs it again.
    for later in [Duration::from_secs(3), Duration::from_secs(2 * 3600), Duration::from_secs(20 * 86_400)] {
        let at = now + later;
        let redelivered = guard.run_at("ev-cut", at, at + Duration::from_secs(60), work).await;
        assert!(matches!(redelivered, Err(GuardError::InProgress)), "{later:?} later");
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1, "the handler ran once");
}

/// A verifier routing `business.updated` to its own queue, with a payload bucket for bodies
/// too large for SQS; the emulator's clients, the queue's URL and the bucket.
struct Delivering {
    aws: SdkConfig,
    sqs: aws_sdk_sqs::Client,
    s3: aws_sdk_s3::Client,
    verifier: verifier::Verifier,
    secret: &'static str,
    queue: String,
    bucket: String,
}

impl Delivering {
    async fn new(name: &str, secret: &'static str) -> Self {
        let aws = sdk_config(&emulator_endpoint()).await;
        let (sqs, s3) = (aws_sdk_sqs::Client::new(&aws), s3_client(&aws));
        let secrets = aws_sdk_secretsmanager::Client::new(&aws);
        let secret_id = unique(&format!("{name}-secret"));
        secrets.create_secret().name(&secret_id).secret_string(secret).send().await.unwrap();
        let queue = create_queue(&sqs, &unique(&format!("{name}-q"))).await;
        let catch_all = create_queue(&sqs, &unique(&format!("{name}-catch-all"))).await;
        let bucket = unique(&format!("{name}-payloads"));
        s3.create_bucket().bucket(&bucket).send().await.unwrap();
        let vars = std::collections::HashMap::from([
            ("MIDDESK_SECRET_ID", secret_id),
            ("MIDDESK_ACCOUNT_IDS", middesk_webhooks::verify::sample::SAMPLE_ACCOUNT_ID.into()),
            ("CATCH_ALL_QUEUE", catch_all),
            ("ROUTES", format!("business.updated={queue}")),
            ("PAYLOAD_BUCKET", bucket.clone()),
        ]);
        let config = middesk_webhooks::VerifierConfig::from_lookup(|k| vars.get(k).cloned()).unwrap();
        let verifier = verifier::build_verifier(&config, secrets, sqs.clone(), s3.clone());
        Self { aws, sqs, s3, verifier, secret, queue, bucket }
    }

    /// Middesk sends `event` (a minute after the sample's `created_at`): 202.
    async fn send(&self, event: &serde_json::Value, correlation_id: Option<&str>) {
        let sample = sample_payload("business.updated").unwrap();
        let sent_at = middesk_webhooks::verify::sample::created_at_of(sample.as_bytes()).unwrap()
            + Duration::from_secs(60);
        let payload = serde_json::to_vec(event).unwrap();
        let headers = signed_headers(self.secret, &payload, correlation_id);
        let request = gateway_event(GatewayShape::HttpV2, "POST", &payload, &headers, false);
        let request = lambda_http::request::from_str(&request.to_string()).unwrap();
        assert_eq!(verifier::handle(&self.verifier, "", request, sent_at).await.unwrap().status(), 202);
    }
}

#[tokio::test]
async fn the_consumer_entry_point_follows_claim_checks_into_its_bucket_and_runs_once_per_event() {
    use middesk_webhooks::consume::Consumer;
    let d = Delivering::new("consumer", "sec_consumer").await;
    // A body too large for SQS: the verifier stores it in the bucket and queues a pointer.
    let mut large: serde_json::Value =
        serde_json::from_str(sample_payload("business.updated").unwrap()).unwrap();
    large["data"]["object"]["padding"] = serde_json::json!("x".repeat(1_100_000));
    d.send(&large, None).await;
    let messages = drain(&d.sqs, &d.queue).await;
    let batch = lambda_sqs_event(&messages, "arn:aws:sqs:us-east-1:123456789012:consumer-q");
    let (aws, bucket) = (&d.aws, d.bucket.clone());

    let dynamodb = aws_sdk_dynamodb::Client::new(aws);
    let table = create_idempotency_table(&dynamodb, &unique("consumer-idempotency")).await;
    let env = std::collections::HashMap::from([("PAYLOAD_BUCKET", bucket), ("IDEMPOTENCY_TABLE", table)]);
    let consumer = Consumer::from_vars("my-consumer", aws, |k| env.get(k).cloned()).unwrap();
    let runs = AtomicUsize::new(0);
    let handler = |event: Event, _: &aws_lambda_events::event::sqs::SqsMessage| {
        runs.fetch_add(1, Ordering::SeqCst);
        // Serialising gives back the body as it came: the stored one, not the pointer.
        let body = serde_json::to_value(&event).unwrap();
        let padding = body["data"]["object"]["padding"].as_str().map(str::len);
        async move { if padding == Some(1_100_000) { Ok(()) } else { Err("not the stored body") } }
    };
    for _ in 0..2 {
        let response = consumer.handle(&batch, in_a_minute(), &handler).await.unwrap();
        assert!(response.batch_item_failures.is_empty(), "{response:?}");
    }
    // Delivered twice (SQS at least once): run once, the second acknowledged from the record.
    assert_eq!(runs.load(Ordering::SeqCst), 1);

    // Without a bucket, a pointer is refused (it could name anybody's object): the message fails.
    let unpinned = Consumer::from_vars("my-consumer", aws, |_| None).unwrap();
    let response = unpinned.handle(&batch, in_a_minute(), &handler).await.unwrap();
    assert_eq!(response.batch_item_failures.len(), 1);
}

/// Runs the Python example consumer on `batch` (an SQS event, as Lambda gives it) with `env`;
/// its answer and its log lines.
fn python_consumer(
    batch: &serde_json::Value,
    env: &[(&str, &str)],
) -> (serde_json::Value, Vec<serde_json::Value>) {
    example_consumer(python_example(), batch, env)
}

/// The Python example, with the package from the checkout (`packages/python/src`).
fn python_example() -> std::process::Command {
    let mut command = python("examples/python-consumer/handler.py");
    command.env("PYTHONPATH", concat!(env!("CARGO_MANIFEST_DIR"), "/../../packages/python/src"));
    command
}

/// Runs the TypeScript example consumer, as [`python_consumer`] runs the Python one.
fn ts_consumer(
    batch: &serde_json::Value,
    env: &[(&str, &str)],
) -> (serde_json::Value, Vec<serde_json::Value>) {
    example_consumer(typescript_consumer(), batch, env)
}

/// Runs an example consumer's `command` on `batch` with `env`: its answer and its log lines.
fn example_consumer(
    mut command: std::process::Command,
    batch: &serde_json::Value,
    env: &[(&str, &str)],
) -> (serde_json::Value, Vec<serde_json::Value>) {
    use std::io::Write as _;
    let mut child = command
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run ./scripts/test, which installs the Python tools into .venv");
    child.stdin.take().unwrap().write_all(batch.to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&output.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let answer = lines.pop().unwrap();
    (answer, lines)
}

/// An example consumer in another language, run on an SQS event with an environment.
type ExampleConsumer = fn(&serde_json::Value, &[(&str, &str)]) -> (serde_json::Value, Vec<serde_json::Value>);

#[tokio::test]
async fn the_python_consumer_reads_what_the_verifier_queued_once_each_and_fails_what_it_must() {
    reads_what_the_verifier_queued_once_each_and_fails_what_it_must(python_consumer).await;
}

#[tokio::test]
async fn the_typescript_consumer_reads_what_the_verifier_queued_once_each_and_fails_what_it_must() {
    reads_what_the_verifier_queued_once_each_and_fails_what_it_must(ts_consumer).await;
}

async fn reads_what_the_verifier_queued_once_each_and_fails_what_it_must(consumer: ExampleConsumer) {
    let d = Delivering::new("python", "sec_python").await;
    let sample = sample_payload("business.updated").unwrap();
    // A typical event, one too large for SQS (through S3), and one whose name changed type.
    let mut events: Vec<serde_json::Value> = Vec::new();
    for (id, change) in
        [("evt_py_small", None), ("evt_py_large", Some("x".repeat(1_100_000))), ("evt_py_drift", None)]
    {
        let mut event: serde_json::Value = serde_json::from_str(sample).unwrap();
        event["id"] = serde_json::json!(id);
        // Three businesses: events of one are ordered by the newest-state guard.
        event["data"]["object"]["id"] = serde_json::json!(format!("biz-{id}"));
        if let Some(padding) = change {
            event["data"]["object"]["padding"] = serde_json::json!(padding);
        }
        if id == "evt_py_drift" {
            event["data"]["object"]["name"] = serde_json::json!(12345);
        }
        d.send(&event, Some(&format!("biz-{id}"))).await;
        events.push(event);
    }
    let (aws, sqs, s3, queue, bucket) = (&d.aws, &d.sqs, &d.s3, &d.queue, &d.bucket);
    let messages = drain(sqs, queue).await;
    assert_eq!(messages.len(), 3);
    let batch =
        serde_json::to_value(lambda_sqs_event(&messages, "arn:aws:sqs:us-east-1:123456789012:python-q"))
            .unwrap();
    let message_of = |event_id: &str| -> String {
        let record = batch["Records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["messageAttributes"]["event_id"]["stringValue"] == event_id);
        record.unwrap()["messageId"].as_str().unwrap().to_owned()
    };

    let dynamodb = aws_sdk_dynamodb::Client::new(aws);
    let table = create_idempotency_table(&dynamodb, &unique("python-idempotency")).await;
    let env = [("PAYLOAD_BUCKET", bucket.as_str()), ("IDEMPOTENCY_TABLE", table.as_str())];
    let (answer, lines) = consumer(&batch, &env);
    // Only the drifted event fails, reported by its message id alone.
    assert_eq!(
        answer,
        serde_json::json!({"batchItemFailures": [{"itemIdentifier": message_of("evt_py_drift")}]}),
        "{lines:#?}"
    );
    let handled: Vec<&str> = lines
        .iter()
        .filter(|l| l["message"] == "event handled")
        .filter_map(|l| l["event_id"].as_str())
        .collect();
    assert_eq!(handled, ["evt_py_small", "evt_py_large"], "{lines:#?}");
    for line in &lines {
        assert!(line["correlation_id"].as_str().is_some_and(|c| c.starts_with("biz-evt_py")), "{line}");
        assert!(
            !line.to_string().contains("xxxxxxxx") && !line.to_string().contains("12345"),
            "no payload in the logs: {line}"
        );
    }

    // Delivered again (SQS at least once): acknowledged from the records, not run again.
    let (again, lines) = consumer(&batch, &env);
    assert_eq!(again["batchItemFailures"].as_array().unwrap().len(), 1);
    assert!(lines.iter().all(|l| l["message"] != "event handled"), "{lines:#?}");
    assert_eq!(
        lines.iter().filter(|l| l["message"] == "handled before: acknowledged, not run again").count(),
        2
    );

    // A pointer into another bucket, or a body that is not the one its key names, fails.
    let mut elsewhere = batch.clone();
    let (_, lines) =
        consumer(&elsewhere, &[("PAYLOAD_BUCKET", "another-bucket"), ("IDEMPOTENCY_TABLE", table.as_str())]);
    assert!(
        lines.iter().any(|l| l["reason"] == "claim check: points outside the payload bucket"),
        "{lines:#?}"
    );
    let large = elsewhere["Records"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["messageAttributes"]["event_id"]["stringValue"] == "evt_py_large")
        .unwrap();
    let (_, location) =
        serde_json::from_str::<(String, serde_json::Value)>(large["body"].as_str().unwrap()).unwrap();
    let key = location["s3Key"].as_str().unwrap();
    let mut forged = serde_json::to_vec(&events[1]).unwrap();
    forged[10] ^= 1;
    s3.put_object().bucket(bucket).key(key).body(forged.into()).send().await.unwrap();
    let fresh_table = create_idempotency_table(&dynamodb, &unique("python-idempotency")).await;
    let (answer, lines) =
        consumer(&batch, &[("PAYLOAD_BUCKET", bucket.as_str()), ("IDEMPOTENCY_TABLE", fresh_table.as_str())]);
    assert_eq!(answer["batchItemFailures"].as_array().unwrap().len(), 2, "{lines:#?}");
    assert!(
        lines
            .iter()
            .any(|l| l["reason"] == "claim check: the object is not the body its key names (SHA-256)"),
        "{lines:#?}"
    );

    // A blank PAYLOAD_KEY_PREFIX is the default prefix, as for the Rust reader, not "any key":
    // the genuine body copied outside payloads/ is still refused.
    let outside = format!("elsewhere/{}", key.rsplit('/').next().unwrap());
    let genuine = serde_json::to_vec(&events[1]).unwrap();
    s3.put_object().bucket(bucket).key(&outside).body(genuine.into()).send().await.unwrap();
    let mut pointed = batch.clone();
    for record in pointed["Records"].as_array_mut().unwrap() {
        if let Some(body) = record["body"].as_str().filter(|b| b.contains(key)) {
            record["body"] = serde_json::json!(body.replace(key, &outside));
        }
    }
    let fresh_table = create_idempotency_table(&dynamodb, &unique("python-idempotency")).await;
    let env = [
        ("PAYLOAD_BUCKET", bucket.as_str()),
        ("PAYLOAD_KEY_PREFIX", ""),
        ("IDEMPOTENCY_TABLE", fresh_table.as_str()),
    ];
    let (_, lines) = consumer(&pointed, &env);
    assert!(
        lines.iter().any(|l| l["reason"] == "claim check: points outside the payload bucket"),
        "{lines:#?}"
    );
}

#[test]
fn the_python_consumer_refuses_a_record_lifetime_the_rust_consumers_refuse() {
    use middesk_webhooks::consume::idempotency::{MAX_RECORD_TTL, MIN_RECORD_TTL};
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../packages/python/src/middesk_webhooks/records.py"
    ))
    .unwrap();
    assert!(
        source.contains(&format!("MIN_RECORD_TTL = {}", group(MIN_RECORD_TTL.as_secs()))),
        "the same least"
    );
    assert!(source.contains("MAX_RECORD_TTL = 365 * 86_400") && MAX_RECORD_TTL.as_secs() == 365 * 86_400);
    for (ttl, ok) in [("3600", false), ("abc", false), ("31536001", false), ("2332800", true), ("", true)] {
        let output = python_example()
            .env("IDEMPOTENCY_TABLE", "t")
            .env("IDEMPOTENCY_TTL_SECONDS", ttl)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let refused = stderr.contains("IDEMPOTENCY_TTL_SECONDS=");
        assert_eq!(!refused, ok, "{ttl:?}: {stderr}");
    }
}

/// `2332800` as Python writes it with underscores: `2_332_800`.
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('_');
        }
        out.push(c);
    }
    out
}

#[tokio::test]
async fn the_python_consumer_keeps_the_newest_state_on_the_same_records_as_the_rust_guard() {
    keeps_the_newest_state_on_the_same_records_as_the_rust_guard(python_consumer).await;
}

#[tokio::test]
async fn the_typescript_consumer_keeps_the_newest_state_on_the_same_records_as_the_rust_guard() {
    keeps_the_newest_state_on_the_same_records_as_the_rust_guard(ts_consumer).await;
}

async fn keeps_the_newest_state_on_the_same_records_as_the_rust_guard(consumer: ExampleConsumer) {
    let d = Delivering::new("python-order", "sec_python_order").await;
    let sample = sample_payload("business.updated").unwrap();
    let created = middesk_webhooks::verify::sample::created_at_of(sample.as_bytes()).unwrap();
    let business = unique("biz-py");
    // Two states of one business, a minute apart, through the verifier.
    let mut bodies = Vec::new();
    for (id, at, status) in [
        (unique("evt-py-in-review"), created - Duration::from_secs(60), "in_review"),
        (unique("evt-py-approved"), created, "approved"),
    ] {
        let event = business_event(&id, &business, at, status);
        let json = serde_json::to_value(&event).unwrap();
        d.send(&json, None).await;
        bodies.push(id);
    }
    let (older, newer) = (bodies[0].clone(), bodies[1].clone());
    let messages = drain(&d.sqs, &d.queue).await;
    let one = |event_id: &str| -> serde_json::Value {
        let message: Vec<_> = messages
            .iter()
            .filter(|m| {
                m.message_attributes().and_then(|a| a.get("event_id")).and_then(|v| v.string_value())
                    == Some(event_id)
            })
            .cloned()
            .collect();
        serde_json::to_value(lambda_sqs_event(&message, "arn:aws:sqs:us-east-1:123456789012:python-q"))
            .unwrap()
    };
    let dynamodb = aws_sdk_dynamodb::Client::new(&d.aws);
    let run = |table: &str, event_id: &str| {
        let env = [("IDEMPOTENCY_TABLE", table), ("CONSUMER_NAME", "business-decision")];
        let (answer, lines) = consumer(&one(event_id), &env);
        assert_eq!(answer, serde_json::json!({"batchItemFailures": []}), "{lines:#?}");
        lines
    };
    let superseded = |lines: &[serde_json::Value]| {
        lines
            .iter()
            .find(|l| l["message"] == "older than the newest applied: not passed to the handler")
            .map(|l| l["newest_event_id"].clone())
    };
    // In Middesk's order, both are handled; the other way round, the older one is not passed to the handler.
    let table = create_idempotency_table(&dynamodb, &unique("py-in-order")).await;
    assert_eq!(superseded(&run(&table, &older)), None);
    assert_eq!(superseded(&run(&table, &newer)), None);
    let table = create_idempotency_table(&dynamodb, &unique("py-reversed")).await;
    assert_eq!(superseded(&run(&table, &newer)), None);
    assert_eq!(superseded(&run(&table, &older)), Some(serde_json::json!(newer)));

    // The same records as the Rust guard: the Rust consumer decides on the approval, and the
    // Python one, sharing its table and name, does not act on the older event.
    let table = create_idempotency_table(&dynamodb, &unique("py-with-rust")).await;
    let guard = IdempotencyGuard::new(
        DynamoDbIdempotencyStore::new(dynamodb.clone(), &table),
        "business-decision",
        DEFAULT_RECORD_TTL,
    );
    let approved = messages.iter().find(|m| {
        m.message_attributes().and_then(|a| a.get("event_id")).and_then(|v| v.string_value())
            == Some(newer.as_str())
    });
    let batch = lambda_sqs_event(std::slice::from_ref(approved.unwrap()), "arn:aws:sqs:us-east-1:1:q");
    let decoded = middesk_webhooks::consume::batch::decode_message(&batch.records[0]).unwrap();
    assert!(matches!(
        handle_event(&guard, NO_API, &decoded, in_a_minute()).await.unwrap(),
        Guarded::Ran(Handled::Decided(_))
    ));
    assert_eq!(superseded(&run(&table, &older)), Some(serde_json::json!(newer)));
}

const MIDDESK_KEY: &str = "mk_test_businesses";

/// A business as Middesk's "Retrieve a business" answers it: the sample's, with `id`, `status`
/// and no review tasks.
fn business_json(id: &str, status: &str) -> serde_json::Value {
    let sample: serde_json::Value =
        serde_json::from_str(sample_payload("business.updated").unwrap()).unwrap();
    let mut business = sample["data"]["object"].clone();
    business["id"] = serde_json::json!(id);
    business["status"] = serde_json::json!(status);
    business["review"]["tasks"] = serde_json::json!([]);
    business
}

/// A watchlist hit on `business`: a monitoring event that carries the change, not the business.
fn thin_event(id: &str, business: &str, created_at: SystemTime) -> Event {
    let mut event: serde_json::Value =
        serde_json::from_str(sample_payload("watchlist_result.created").unwrap()).unwrap();
    event["id"] = serde_json::json!(id);
    event["created_at"] = serde_json::json!(humantime::format_rfc3339_millis(created_at).to_string());
    event["data"]["object"]["business_id"] = serde_json::json!(business);
    Event::from_slice(&serde_json::to_vec(&event).unwrap()).unwrap()
}

/// Every log line written while `work` runs, as text.
async fn logged<T>(work: impl std::future::Future<Output = T>) -> (T, String) {
    use tracing_subscriber::layer::SubscriberExt as _;
    #[derive(Clone, Default)]
    struct Lines(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let lines = Lines::default();
    let writer = lines.clone();
    let layer = middesk_webhooks::logging::json_layer(
        move || writer.clone(),
        tracing_subscriber::filter::LevelFilter::DEBUG,
    );
    let _default = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
    let out = work.await;
    let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    (out, text)
}

#[tokio::test]
async fn a_thin_event_is_decided_on_the_business_as_middesk_has_it_now() {
    use middesk_webhooks::middesk::api::{ApiKey, MiddeskApi, MiddeskApiError};
    let mock = MockMiddesk::start(MIDDESK_KEY).await;
    let business = unique("biz-thin");
    let mut approved = business_json(&business, "approved");
    approved["name"] = serde_json::json!("Jane Roe Holdings");
    mock.put_business(approved);
    let api = MiddeskApi::new(&mock.url, ApiKey::new(MIDDESK_KEY).unwrap()).unwrap();
    let (_, store, _) = store().await;
    let guard = IdempotencyGuard::new(store, "business-decision", DEFAULT_RECORD_TTL);
    let at = SystemTime::now() - Duration::from_secs(60);

    let hit = thin_event(&unique("evt-hit"), &business, at);
    mock.fail_next(&[503]);
    let (outcome, logs) = logged(handle_event(&guard, Some(&api), &hit, in_a_minute())).await;
    match outcome.unwrap() {
        Guarded::Ran(Handled::Decided(record)) => {
            assert_eq!((record.decision, record.business_id), (Decision::Approve, Some(business.clone())))
        }
        other => panic!("{other:?}"),
    }
    assert!(logs.contains("retrying retrieving the business"), "{logs}");
    for secret_or_pii in [MIDDESK_KEY, "Jane Roe", "ACME"] {
        assert!(!logs.contains(secret_or_pii), "{secret_or_pii} logged: {logs}");
    }
    let gets =
        mock.requests().into_iter().filter(|(m, p)| m == "GET" && p == &format!("/v1/businesses/{business}"));
    assert_eq!(gets.count(), 2, "a 503, then the business");

    // Without an API key, a thin event fails (dead letter, alarm): never decided on nothing.
    let blind =
        handle_event(&guard, NO_API, &thin_event(&unique("evt-blind"), &business, at), in_a_minute()).await;
    assert!(matches!(blind, Err(business_decision::DecisionError::NoMiddeskApi)), "{blind:?}");
    // A business Middesk does not know fails at once, and its claim is free for the retry.
    let unknown = unique("biz-unknown");
    let lost = thin_event(&unique("evt-unknown"), &unknown, at);
    let refused = handle_event(&guard, Some(&api), &lost, in_a_minute()).await;
    assert!(
        matches!(
            refused,
            Err(business_decision::DecisionError::Guard(GuardError::Handler(
                MiddeskApiError::NotFound { .. }
            )))
        ),
        "{refused:?}"
    );
    mock.put_business(business_json(&unknown, "rejected"));
    let retried = handle_event(&guard, Some(&api), &lost, in_a_minute()).await.unwrap();
    assert!(
        matches!(retried, Guarded::Ran(Handled::Decided(ref r)) if r.decision == Decision::Reject),
        "{retried:?}"
    );
}

#[tokio::test]
async fn a_thin_event_is_ordered_by_the_business_it_fetched_and_an_older_state_is_not_decided_again() {
    use middesk_webhooks::middesk::api::{ApiKey, MiddeskApi};
    let mock = MockMiddesk::start(MIDDESK_KEY).await;
    let business = unique("biz-thin-order");
    let now = SystemTime::now();
    let (hit_at, updated_at, in_review_at) =
        (now - Duration::from_secs(3600), now - Duration::from_secs(600), now - Duration::from_secs(1800));
    // Middesk has it approved since ten minutes ago.
    let mut approved = business_json(&business, "approved");
    approved["updated_at"] = serde_json::json!(humantime::format_rfc3339_millis(updated_at).to_string());
    mock.put_business(approved);
    let api = MiddeskApi::new(&mock.url, ApiKey::new(MIDDESK_KEY).unwrap()).unwrap();
    let (_, store, _) = store().await;
    let guard = IdempotencyGuard::new(store, "business-decision", DEFAULT_RECORD_TTL);
    // A watchlist hit of an hour ago: decided on the business as it is now (approved, as of
    // ten minutes ago).
    let hit = thin_event(&unique("evt-thin-hit"), &business, hit_at);
    let decided = handle_event(&guard, Some(&api), &hit, in_a_minute()).await.unwrap();
    assert!(
        matches!(decided, Guarded::Ran(Handled::Decided(ref r)) if r.decision == Decision::Approve),
        "{decided:?}"
    );
    // Then Middesk's retry of a business.updated of half an hour ago, in review: older than
    // what was decided on, so not decided again on older data.
    let stale = business_event(&unique("evt-stale-in-review"), &business, in_review_at, "in_review");
    let late = handle_event(&guard, NO_API, &stale, in_a_minute()).await.unwrap();
    assert!(matches!(late, Guarded::Ran(Handled::Superseded { .. })), "{late:?}");
    // A newer business.updated is decided.
    let fresh = business_event(&unique("evt-fresh"), &business, now - Duration::from_secs(60), "rejected");
    let newer = handle_event(&guard, NO_API, &fresh, in_a_minute()).await.unwrap();
    assert!(
        matches!(newer, Guarded::Ran(Handled::Decided(ref r)) if r.decision == Decision::Reject),
        "{newer:?}"
    );
}

#[tokio::test]
async fn retrieving_a_business_waits_out_429_and_5xx_within_its_time_and_never_past_it() {
    use middesk_webhooks::middesk::api::{ApiKey, MiddeskApi, MiddeskApiError};
    let mock = MockMiddesk::start(MIDDESK_KEY).await;
    let id = unique("biz-retry");
    mock.put_business(business_json(&id, "in_review"));
    let api = MiddeskApi::new(&mock.url, ApiKey::new(MIDDESK_KEY).unwrap()).unwrap();
    let requests = || mock.requests().len();

    // 429 with Retry-After: 1 (the mock's), then the business: waited as Middesk asked.
    mock.fail_next(&[429]);
    let (business, logs) = logged(api.retrieve_business(&id, Duration::from_secs(20))).await;
    assert_eq!(business.unwrap().status.as_deref(), Some("in_review"));
    assert!(logs.contains(r#""wait_ms":1000"#), "{logs}");
    // Two 5xx, then the business.
    let before = requests();
    mock.fail_next(&[503, 502]);
    assert!(api.retrieve_business(&id, Duration::from_secs(20)).await.is_ok());
    assert_eq!(requests() - before, 3);
    // Middesk down for longer than the time given: it gives up within that time, with the error.
    let before = requests();
    mock.fail_next(&[500; 30]);
    let started = std::time::Instant::now();
    let down = api.retrieve_business(&id, Duration::from_secs(2)).await;
    assert!(matches!(down, Err(MiddeskApiError::Status { status: 500, .. })), "{down:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "it waited past its time");
    assert!((2..30).contains(&(requests() - before)), "retried, then stopped");
    mock.serve_again();
    // A slow answer never holds the function past its time.
    mock.delay_next(&[Duration::from_secs(6)]);
    let started = std::time::Instant::now();
    let slow = api.retrieve_business(&id, Duration::from_secs(1)).await;
    assert!(matches!(slow, Err(MiddeskApiError::Transport(_))), "{slow:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "it waited for the slow answer");
    // 404 is answered at once: no retry.
    let before = requests();
    let missing = api.retrieve_business("biz-nobody", Duration::from_secs(20)).await;
    assert!(matches!(missing, Err(MiddeskApiError::NotFound { .. })), "{missing:?}");
    assert_eq!(requests() - before, 1);
}
