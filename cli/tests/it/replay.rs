//! `replay` on the emulator. Events go through the verifier's core into SQS and the archive
//! (S3), and the queues are drained (consumed, or forgotten). Then a replay of one type since a
//! time delivers exactly those events again: once, byte for byte, with their attributes, a
//! 2 MiB one through the claim check. A replay of everything goes back to the routed queues.
//! And `replay --refused` delivers what was refused once its cause is fixed.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use aws_sdk_sqs::types::Message;
use middesk_webhooks::aws::{S3Archive, S3Payloads, SqsPublisher, s3_client};
use middesk_webhooks::consume::batch::resolve_payload;
use middesk_webhooks::message::attribute;
use middesk_webhooks::testkit::*;
use middesk_webhooks::verify::archive::EventArchive as _;
use middesk_webhooks::verify::publisher::ClaimCheckPublisher;
use middesk_webhooks::verify::sample::{created_now, sample_payload, signed_headers};
use middesk_webhooks::{
    Queue, QueueRouter, ReceiverSettings, SecretCache, SecretVersions, SigningKey, WebhookReceiver,
    WebhookRequest,
};
use middesk_webhooks_cli::replay::{self, Destination, Selection};

/// No Middesk API: these events carry their business.
const NO_API: Option<&middesk_webhooks::middesk::api::MiddeskApi> = None;

const SECRET: &str = "sec_replay";

struct Setup {
    sqs: aws_sdk_sqs::Client,
    s3: aws_sdk_s3::Client,
    archive: String,
    payloads: String,
    business_updated: String,
    order_created: String,
    catch_all: String,
}

async fn setup() -> Setup {
    let aws = sdk_config(&emulator_endpoint()).await;
    let (sqs, s3) = (aws_sdk_sqs::Client::new(&aws), s3_client(&aws));
    let run = unique("replay").to_lowercase();
    let (archive, payloads) = (format!("{run}-archive"), format!("{run}-payloads"));
    for bucket in [&archive, &payloads] {
        s3.create_bucket().bucket(bucket).send().await.unwrap();
    }
    Setup {
        business_updated: create_queue(&sqs, &format!("{run}-business-updated")).await,
        order_created: create_queue(&sqs, &format!("{run}-order-created")).await,
        catch_all: create_queue(&sqs, &format!("{run}-catch-all")).await,
        sqs,
        s3,
        archive,
        payloads,
    }
}

impl Setup {
    fn router(&self) -> QueueRouter {
        let routes =
            format!("business.updated={},order.created={}", self.business_updated, self.order_created);
        QueueRouter::parse("ROUTES", &routes, &self.catch_all, None).unwrap()
    }

    fn publisher(&self) -> ClaimCheckPublisher<SqsPublisher, S3Payloads> {
        let store = S3Payloads::new(self.s3.clone(), &self.payloads);
        ClaimCheckPublisher::new(
            SqsPublisher::new(self.sqs.clone()),
            Some((store, "payloads/".into())),
            1 << 20,
        )
    }

    /// Events through the verifier's core, as deployed: SQS, the claim check, the archive.
    async fn receive(&self, bodies: &[Vec<u8>]) {
        self.receive_at(bodies, SystemTime::now()).await;
    }

    /// [`receive`](Self::receive), the verifier's clock at `received_at`.
    async fn receive_at(&self, bodies: &[Vec<u8>], received_at: SystemTime) {
        let secrets = SecretVersions {
            current: SigningKey::new(SECRET),
            pending: Vec::new(),
            current_created: SystemTime::now(),
            previous: None,
            previous_fetch_failed: false,
        };
        let settings = ReceiverSettings {
            rotation_grace: Duration::ZERO,
            max_body_bytes: 6 << 20,
            max_event_age: middesk_webhooks::verify::config::DEFAULT_MAX_EVENT_AGE,
        };
        let archive = S3Archive::new(self.s3.clone(), &self.archive);
        assert!(archive.enabled());
        let receiver = WebhookReceiver::new(
            SecretCache::new(secrets, Duration::from_secs(300), false),
            self.publisher(),
            self.router(),
            settings,
        )
        .with_archive(archive);
        for body in bodies {
            let headers: http::HeaderMap = signed_headers(SECRET, body, Some("biz-replay"))
                .into_iter()
                .map(|(n, v)| (n.parse::<http::HeaderName>().unwrap(), v.parse().unwrap()))
                .collect();
            let receipt = receiver
                .receive(WebhookRequest {
                    method: &http::Method::POST,
                    headers: &headers,
                    body,
                    received_at,
                    client_certificate: None,
                    source_ip: None,
                    trace_header: None,
                })
                .await;
            assert_eq!(receipt.outcome(), "accepted", "{:?}", receipt.result);
        }
    }
}

fn event(event_type: &str, id: &str, created: SystemTime) -> Vec<u8> {
    let mut value: serde_json::Value =
        serde_json::from_slice(&created_now(sample_payload(event_type).unwrap(), created)).unwrap();
    value["id"] = serde_json::json!(id);
    serde_json::to_vec(&value).unwrap()
}

fn attributes(m: &Message) -> BTreeMap<String, String> {
    m.message_attributes()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.string_value().unwrap_or_default().to_owned()))
        .collect()
}

/// The body a consumer gets: the message's, or the claim-checked one it points to.
async fn body_of(s: &Setup, m: &Message) -> String {
    let lambda: aws_lambda_events::event::sqs::SqsMessage = {
        let event =
            middesk_webhooks::aws::lambda_sqs_event(std::slice::from_ref(m), "arn:aws:sqs:us-east-1:1:q");
        event.records.into_iter().next().unwrap()
    };
    let reader = S3Payloads::reader(s.s3.clone(), &s.payloads, "payloads/");
    let resolved = resolve_payload(&lambda, &reader).await.unwrap();
    resolved.body.clone().unwrap()
}

#[tokio::test]
async fn a_replay_of_one_type_since_a_time_into_a_new_queue_delivers_exactly_those_once() {
    let s = setup().await;
    let now = SystemTime::now();
    let hour = Duration::from_secs(3600);
    // Two days of events: three business.updated (one of 2 MiB, non-ASCII), two order.created,
    // and a business.updated from before the replay's start.
    let mut large: serde_json::Value =
        serde_json::from_slice(&event("business.updated", "ev-large", now - hour)).unwrap();
    large["data"]["object"]["notes"] =
        serde_json::json!("Jos\u{e9} N\u{fa}\u{f1}ez \u{2011} ".repeat(2 << 16));
    let large = serde_json::to_vec(&large).unwrap();
    assert!(large.len() > 2 << 20);
    let wanted = vec![
        event("business.updated", "ev-bu-1", now - 30 * hour),
        event("business.updated", "ev-bu-2", now - 2 * hour),
        large,
    ];
    let others = vec![
        event("order.created", "ev-oc-1", now - 20 * hour),
        event("order.created", "ev-oc-2", now - hour),
        event("business.updated", "ev-bu-old", now - 60 * hour),
    ];
    s.receive(&[wanted.clone(), others.clone()].concat()).await;
    // The queues forget (or a consumer acknowledged them all): drained.
    let first = drain(&s.sqs, &s.business_updated).await;
    let original: BTreeMap<String, BTreeMap<String, String>> =
        first.iter().map(|m| (attributes(m)[attribute::EVENT_ID].clone(), attributes(m))).collect();
    drain(&s.sqs, &s.order_created).await;

    let new_queue = create_queue(&s.sqs, &unique("new-consumer")).await;
    let selection = Selection { since: now - 48 * hour, until: now, types: vec!["business.updated".into()] };
    let found = replay::find(&s.s3, &s.archive, &selection).await.unwrap();
    assert_eq!(found.len(), 3, "{found:?}");
    let destination = Destination::To(Queue::resolve(&new_queue, None).unwrap());
    let dry = replay::send(&s.s3, &s.archive, &found, &destination, &s.publisher(), true, now).await;
    assert_eq!((dry.found, dry.sent, dry.failed.len()), (3, 3, 0));
    assert!(drain(&s.sqs, &new_queue).await.is_empty(), "a dry run sends nothing");

    let report = replay::send(&s.s3, &s.archive, &found, &destination, &s.publisher(), false, now).await;
    assert_eq!((report.found, report.sent, report.failed.len()), (3, 3, 0));
    let replayed = drain(&s.sqs, &new_queue).await;
    assert_eq!(replayed.len(), 3, "each once");
    let mut bodies = Vec::new();
    for m in &replayed {
        let attributes = attributes(m);
        let id = &attributes[attribute::EVENT_ID];
        // The same attributes the verifier sent the first time (the claim check's size aside).
        let mut expected = original[id].clone();
        expected.remove(attribute::EXTENDED_PAYLOAD_SIZE);
        let mut got = attributes.clone();
        got.remove(attribute::EXTENDED_PAYLOAD_SIZE);
        assert_eq!(got, expected, "{id}");
        bodies.push(body_of(&s, m).await.into_bytes());
    }
    bodies.sort();
    let mut expected = wanted.clone();
    expected.sort();
    assert_eq!(bodies, expected, "byte for byte, the 2 MiB one through the claim check");
    assert!(drain(&s.sqs, &s.business_updated).await.is_empty(), "--to: not to the routed queue");

    // Run again (say the first run failed half way): everything is sent again, nothing skipped.
    let again = replay::send(&s.s3, &s.archive, &found, &destination, &s.publisher(), false, now).await;
    assert_eq!((again.sent, drain(&s.sqs, &new_queue).await.len()), (3, 3));
}

#[tokio::test]
async fn a_replay_of_every_type_goes_back_to_the_routed_queues() {
    let s = setup().await;
    let now = SystemTime::now();
    s.receive(&[event("business.updated", "ev-r-1", now), event("order.created", "ev-r-2", now)]).await;
    drain(&s.sqs, &s.business_updated).await;
    drain(&s.sqs, &s.order_created).await;
    let selection = Selection {
        since: now - Duration::from_secs(60),
        until: now + Duration::from_secs(60),
        types: vec![],
    };
    let found = replay::find(&s.s3, &s.archive, &selection).await.unwrap();
    let report =
        replay::send(&s.s3, &s.archive, &found, &Destination::Routed(s.router()), &s.publisher(), false, now)
            .await;
    assert_eq!((report.found, report.sent), (2, 2));
    let business = drain(&s.sqs, &s.business_updated).await;
    let orders = drain(&s.sqs, &s.order_created).await;
    assert_eq!((business.len(), orders.len()), (1, 1));
    assert_eq!(attributes(&orders[0])[attribute::EVENT_ID], "ev-r-2");
    assert!(drain(&s.sqs, &s.catch_all).await.is_empty());
}

#[tokio::test]
async fn an_older_event_replayed_after_a_newer_one_was_decided_is_not_decided_again() {
    use business_decision::{Handled, handle_batch, handle_event};
    use middesk_webhooks::aws::DynamoDbIdempotencyStore;
    use middesk_webhooks::consume::batch::{BatchOptions, decode_message};
    use middesk_webhooks::consume::idempotency::{DEFAULT_RECORD_TTL, Guarded, IdempotencyGuard};
    let s = setup().await;
    // Middesk's clock and SQS's agree: the events are made on the emulator's, so that none is
    // ahead of its arrival when the test process's clock is moved ahead.
    let now = emulator_now(&s.sqs).await;
    let with_status = |id: &str, created: SystemTime, status: &str| {
        let mut value: serde_json::Value =
            serde_json::from_slice(&event("business.updated", id, created)).unwrap();
        value["data"]["object"]["status"] = serde_json::json!(status);
        value["data"]["object"]["review"]["tasks"] = serde_json::json!([]);
        serde_json::to_vec(&value).unwrap()
    };
    let in_review = with_status(&unique("ev-in-review"), now - Duration::from_secs(7200), "in_review");
    let approved = with_status(&unique("ev-approved"), now - Duration::from_secs(3600), "approved");
    s.receive_at(&[in_review.clone(), approved.clone()], now).await;
    let aws = sdk_config(&emulator_endpoint()).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    let table = create_idempotency_table(&dynamodb, &unique("replay-decisions")).await;
    let guard = IdempotencyGuard::new(
        DynamoDbIdempotencyStore::new(dynamodb, &table),
        "business-decision",
        DEFAULT_RECORD_TTL,
    );
    let in_a_minute = || SystemTime::now() + Duration::from_secs(60);
    // The consumer got only the approval (the in_review event was lost to it: dead-lettered
    // and expired, say), and approved the business.
    let approved_id =
        serde_json::from_slice::<serde_json::Value>(&approved).unwrap()["id"].as_str().unwrap().to_owned();
    let queued = drain(&s.sqs, &s.business_updated).await;
    let first: Vec<_> =
        queued.into_iter().filter(|m| attributes(m)[attribute::EVENT_ID] == approved_id).collect();
    let batch = middesk_webhooks::aws::lambda_sqs_event(&first, "arn:aws:sqs:us-east-1:1:business-updated");
    assert!(
        handle_batch(&guard, NO_API, &BatchOptions::default(), &batch, None, in_a_minute())
            .await
            .unwrap()
            .batch_item_failures
            .is_empty()
    );
    // A replay of the last hours brings the in_review event back, after the approval.
    let selection = Selection {
        since: now - Duration::from_secs(3 * 3600),
        until: now - Duration::from_secs(5400),
        types: vec!["business.updated".into()],
    };
    let found = replay::find(&s.s3, &s.archive, &selection).await.unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    let destination = Destination::Routed(s.router());
    let report = replay::send(&s.s3, &s.archive, &found, &destination, &s.publisher(), false, now).await;
    assert_eq!(report.sent, 1);
    let replayed = drain(&s.sqs, &s.business_updated).await;
    let batch =
        middesk_webhooks::aws::lambda_sqs_event(&replayed, "arn:aws:sqs:us-east-1:1:business-updated");
    assert!(
        handle_batch(&guard, NO_API, &BatchOptions::default(), &batch, None, in_a_minute())
            .await
            .unwrap()
            .batch_item_failures
            .is_empty()
    );
    // It was not decided on (its in_review would have sent the approved business to review).
    let decoded = decode_message(&batch.records[0]).unwrap();
    match handle_event(&guard, NO_API, &decoded, in_a_minute()).await.unwrap() {
        Guarded::Repeat(Handled::Superseded { newest_event_id, .. }) => {
            assert_eq!(newest_event_id, approved_id)
        }
        Guarded::Repeat(Handled::Decided(record)) => {
            panic!("the replayed in_review event was decided on its stale data: {record:?}")
        }
        other => panic!("{other:?}"),
    }
}

/// Receives and deletes every message now in the queue: a FIFO queue hands out no more of a
/// group while one of its messages is in flight.
async fn take(sqs: &aws_sdk_sqs::Client, queue_url: &str) -> usize {
    let messages = drain(sqs, queue_url).await;
    for m in &messages {
        let delete = sqs.delete_message().queue_url(queue_url).receipt_handle(m.receipt_handle().unwrap());
        delete.send().await.unwrap();
    }
    messages.len()
}

#[tokio::test]
async fn a_routed_replay_reaches_every_subscriber_with_a_fresh_fifo_id_and_refuses_an_altered_object() {
    use middesk_webhooks::message::{MessageContext, OutboundMessage};
    use middesk_webhooks::verify::archive::{archive_key, field};
    let s = setup().await;
    let now = SystemTime::now();
    let subscriber = create_queue(&s.sqs, &format!("{}.fifo", unique("subscriber"))).await;
    let routes = format!("business.updated={}+{subscriber}", s.business_updated);
    let routed = Destination::Routed(QueueRouter::parse("ROUTES", &routes, &s.catch_all, None).unwrap());
    // Archived as the verifier archives it (key and metadata).
    let id = unique("ev-fan");
    let body = event("business.updated", &id, now);
    let created: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let created = middesk_webhooks::envelope::parse_rfc3339(created["created_at"].as_str().unwrap());
    let key = archive_key(created, Some("business.updated"), &body);
    let trace = "Root=1-67a0c1d2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1";
    let metadata = vec![
        (field::EVENT_ID, id.clone()),
        (field::EVENT_TYPE, "business.updated".to_owned()),
        (field::TRACE_HEADER, trace.to_owned()),
    ];
    let archive = S3Archive::new(s.s3.clone(), &s.archive);
    archive.put(&key, &body, &metadata).await.unwrap();
    // The verifier's first delivery to the FIFO subscriber, moments ago: its deduplication id
    // is the event's id.
    let subscriber_queue = Queue::resolve(&subscriber, None).unwrap();
    let context = MessageContext {
        event_id: Some(&id),
        event_type: Some("business.updated"),
        malformed: None,
        account_id: None,
        correlation_id: None,
        received_at: now,
        auth_method: "hmac",
        trace_header: None,
        traceparent: None,
    };
    let original = OutboundMessage::new(&subscriber_queue, &body, context);
    middesk_webhooks::QueuePublisher::publish(&SqsPublisher::new(s.sqs.clone()), &original).await.unwrap();
    assert_eq!(take(&s.sqs, &subscriber).await, 1);

    let found = vec![replay::Found { key: key.clone(), event_type: "business.updated".into() }];
    let report = replay::send(&s.s3, &s.archive, &found, &routed, &s.publisher(), false, now).await;
    assert_eq!((report.sent, report.failed.len()), (1, 0), "{:?}", report.failed);
    // Every queue of the route has it, the FIFO one too though its first copy was sent within
    // SQS's 5-minute deduplication window.
    let replayed = drain(&s.sqs, &s.business_updated).await;
    assert_eq!(replayed.len(), 1, "the type's own queue");
    // It joins the first delivery's trace.
    let system = replayed[0].attributes.as_ref().unwrap();
    assert_eq!(
        system.get(&aws_sdk_sqs::types::MessageSystemAttributeName::AwsTraceHeader).map(String::as_str),
        Some(trace)
    );
    assert_eq!(take(&s.sqs, &subscriber).await, 1, "the FIFO subscriber");
    // A second run within the window is a new replay: sent again.
    let later = now + Duration::from_secs(1);
    let again = replay::send(&s.s3, &s.archive, &found, &routed, &s.publisher(), false, later).await;
    assert_eq!((again.sent, take(&s.sqs, &subscriber).await), (1, 1));
    drain(&s.sqs, &s.business_updated).await;

    // An object that is not the body its key names was not written by the verifier: refused.
    let tampered = format!("{}{}", &key[..key.len() - 64], "0".repeat(64));
    archive.put(&tampered, &event("business.updated", "ev-forged", now), &metadata).await.unwrap();
    let found = vec![replay::Found { key: tampered, event_type: "business.updated".into() }];
    let refused = replay::send(&s.s3, &s.archive, &found, &routed, &s.publisher(), false, later).await;
    assert_eq!(refused.sent, 0);
    assert!(refused.failed[0].1.contains("SHA-256"), "{:?}", refused.failed);
    assert!(drain(&s.sqs, &s.business_updated).await.is_empty(), "nothing sent");
}

#[tokio::test]
async fn the_cli_replays_the_local_stacks_archive_into_the_routed_queue() {
    let endpoint = emulator_endpoint();
    let aws = sdk_config(&endpoint).await;
    let (sqs, s3) = (aws_sdk_sqs::Client::new(&aws), s3_client(&aws));
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml")).unwrap();
    let model = middesk_webhooks_cli::template::parse_template(&text).unwrap();
    let stack =
        middesk_webhooks_cli::local::create_local_stack(&aws, &endpoint, &model, Some(SECRET)).await.unwrap();
    let archive = stack.env.iter().find(|(k, _)| k == "ARCHIVE_BUCKET").map(|(_, v)| v.clone()).unwrap();
    let queue = &stack.queue_urls["LienFoundQueue"];
    drain(&sqs, queue).await;
    // Archived as the verifier archives (key and metadata), a minute ago.
    let created = SystemTime::now() - Duration::from_secs(60);
    let id = unique("ev-cli");
    let body = event("lien.found", &id, created);
    let key = middesk_webhooks::verify::archive::archive_key(Some(created), Some("lien.found"), &body);
    let metadata = vec![
        (middesk_webhooks::verify::archive::field::EVENT_ID, id.clone()),
        (middesk_webhooks::verify::archive::field::EVENT_TYPE, "lien.found".to_owned()),
    ];
    S3Archive::new(s3.clone(), &archive).put(&key, &body, &metadata).await.unwrap();

    let since = humantime::format_rfc3339_seconds(created - Duration::from_secs(1)).to_string();
    let run = |dry_run: bool| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_middesk-webhooks"));
        command.args(["replay", "--endpoint", &endpoint, "--since", &since, "--type", "lien.*"]);
        command.arg("--template").arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml"));
        command.env_remove("MIDDESK_STACK_NAME").env_remove("ARCHIVE_BUCKET").env_remove("PAYLOAD_BUCKET");
        if dry_run {
            command.arg("--dry-run");
        }
        let output = command.output().unwrap();
        (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let (ok, out) = run(true);
    assert!(ok && out.contains("found 1, would send 1, failed 0"), "{out}");
    assert!(drain(&sqs, queue).await.is_empty());
    let (ok, out) = run(false);
    assert!(ok && out.contains("found 1, sent 1, failed 0"), "{out}");
    let replayed = drain(&sqs, queue).await;
    assert_eq!(replayed.len(), 1);
    assert_eq!(replayed[0].body(), Some(std::str::from_utf8(&body).unwrap()));
    assert_eq!(attributes(&replayed[0])[attribute::EVENT_ID], id);
}

/// A POST of `body` from `ip` signed with `secret`, received at `at`.
async fn post<V: middesk_webhooks::verify::archive::EventArchive>(
    verifier: &WebhookReceiver<
        middesk_webhooks::aws::SecretsManagerSource,
        ClaimCheckPublisher<SqsPublisher, S3Payloads>,
        middesk_webhooks::verify::auth::oidc::HttpJwks,
        V,
    >,
    body: &[u8],
    secret: &str,
    ip: &str,
    at: SystemTime,
) -> &'static str {
    let headers: http::HeaderMap = signed_headers(secret, body, None)
        .into_iter()
        .map(|(k, v)| (k.parse::<http::HeaderName>().unwrap(), v.parse().unwrap()))
        .collect();
    let request = WebhookRequest {
        method: &http::Method::POST,
        headers: &headers,
        body,
        received_at: at,
        client_certificate: None,
        source_ip: ip.parse().ok(),
        trace_header: None,
    };
    // Boxed: the nested SDK futures overflow the layout limit otherwise.
    Box::pin(verifier.receive(request)).await.outcome()
}

/// A secret, an archive bucket and two queues of this run, and verifiers over them.
struct RefusalStack {
    sqs: aws_sdk_sqs::Client,
    s3: aws_sdk_s3::Client,
    secrets: aws_sdk_secretsmanager::Client,
    secret_id: String,
    archive: String,
    queue: String,
    catch_all: String,
}

impl RefusalStack {
    async fn new(name: &str) -> Self {
        let aws = sdk_config(&emulator_endpoint()).await;
        let (sqs, s3) = (aws_sdk_sqs::Client::new(&aws), s3_client(&aws));
        let secrets = aws_sdk_secretsmanager::Client::new(&aws);
        let run = unique(name).to_lowercase();
        let secret_id = format!("{run}-secret");
        secrets.create_secret().name(&secret_id).secret_string("sec_ours").send().await.unwrap();
        let archive = format!("{run}-archive");
        s3.create_bucket().bucket(&archive).send().await.unwrap();
        let queue = create_queue(&sqs, &format!("{run}-business-updated")).await;
        let catch_all = create_queue(&sqs, &format!("{run}-catch-all")).await;
        Self { sqs, s3, secrets, secret_id, archive, queue, catch_all }
    }

    /// The verifier of this stack, with the account list `accounts`.
    fn verifier(&self, accounts: &str) -> middesk_webhooks::aws::Verifier {
        self.verifier_with(accounts, &[])
    }

    /// [`verifier`](Self::verifier) with more of the verifier's variables.
    fn verifier_with(
        &self,
        accounts: &str,
        more: &[(&'static str, &str)],
    ) -> middesk_webhooks::aws::Verifier {
        let mut vars = std::collections::HashMap::from([
            ("MIDDESK_SECRET_ID", self.secret_id.clone()),
            ("MIDDESK_ACCOUNT_IDS", accounts.to_owned()),
            ("CATCH_ALL_QUEUE", self.catch_all.clone()),
            ("ROUTES", format!("business.updated={}", self.queue)),
            ("ARCHIVE_BUCKET", self.archive.clone()),
            ("SECRET_CACHE_TTL_SECONDS", "0".to_owned()),
        ]);
        vars.extend(more.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let config = middesk_webhooks::VerifierConfig::from_lookup(|k| vars.get(k).cloned()).unwrap();
        middesk_webhooks::aws::build_verifier(
            &config,
            self.secrets.clone(),
            self.sqs.clone(),
            self.s3.clone(),
        )
    }

    /// Every key in the archive bucket.
    async fn keys(&self) -> Vec<String> {
        let listed = self.s3.list_objects_v2().bucket(&self.archive).send().await.unwrap();
        listed.contents().iter().filter_map(|o| o.key().map(str::to_owned)).collect()
    }
}

#[tokio::test]
async fn a_refusal_whose_event_was_delivered_since_is_deleted_and_never_queued_again() {
    use middesk_webhooks::verify::refused::RefusedKey;
    use middesk_webhooks::verify::sample::SAMPLE_ACCOUNT_ID;
    let stack = RefusalStack::new("redelivered").await;
    let verifier = stack.verifier(SAMPLE_ACCOUNT_ID);
    let middesk = "35.239.59.102";
    let arrived = SystemTime::now() - Duration::from_secs(3600);
    let body = event("business.updated", &unique("ev-retried"), arrived);
    // Day 1: Middesk signs with a secret the stack lacks; the copy is kept.
    assert_eq!(post(&verifier, &body, "sec_middesk_has", middesk, arrived).await, "signature_mismatch");
    // The secret is fixed, and Middesk's retry is accepted: queued and archived.
    let secrets = &stack.secrets;
    secrets
        .put_secret_value()
        .secret_id(&stack.secret_id)
        .secret_string("sec_middesk_has")
        .send()
        .await
        .unwrap();
    assert_eq!(post(&verifier, &body, "sec_middesk_has", middesk, SystemTime::now()).await, "accepted");
    assert_eq!(drain(&stack.sqs, &stack.queue).await.len(), 1);
    // Weeks later, the replay of kept refusals finds the event archived: its record goes, and
    // nothing is queued, where the consumers may have forgotten the event id by now.
    let selection = replay::RefusedSelection {
        since: arrived - Duration::from_secs(60),
        until: SystemTime::now(),
        reasons: Vec::new(),
    };
    let report =
        replay::replay_refused(&stack.s3, &stack.archive, &selection, &verifier, false).await.unwrap();
    assert_eq!(
        (report.found, report.already_delivered.len(), report.delivered.len()),
        (1, 1, 0),
        "{report:?}"
    );
    assert!(drain(&stack.sqs, &stack.queue).await.is_empty(), "queued again");
    let keys = stack.keys().await;
    assert_eq!(keys.iter().filter_map(|k| RefusedKey::parse(k)).count(), 0, "{keys:?}");
}

#[tokio::test]
async fn attested_methods_count_only_on_the_verifiers_own_record_of_its_key() {
    use middesk_webhooks::verify::auth::AuthMethod;
    use middesk_webhooks::verify::refused::RefusedRequest;
    use middesk_webhooks::verify::sample::SAMPLE_ACCOUNT_ID;
    let stack = RefusalStack::new("attested").await;
    // Either method suffices: an attested mutual TLS would deliver it without a signature.
    let verifier =
        stack.verifier_with(SAMPLE_ACCOUNT_ID, &[("AUTH_METHODS", "hmac,mtls"), ("AUTH_MODE", "any")]);
    let arrived = SystemTime::now() - Duration::from_secs(3600);
    let body = event("business.updated", &unique("ev-planted"), arrived);
    // A record claiming mutual TLS passed, filed under another reason than its own: not the
    // verifier's record of that key. Under HMAC it is checked again, and its signature fails.
    let record = RefusedRequest {
        reason: "account_not_listed".into(),
        received_at: arrived,
        source_ip: "35.239.59.102".parse().ok(),
        signature: Some(SigningKey::new("sec_guess").sign(&body)),
        attested: vec![AuthMethod::Mtls],
    };
    let key = record.key(&body).replace("/account_not_listed/", "/signature_mismatch/");
    S3Archive::new(stack.s3.clone(), &stack.archive)
        .put(&key, &body, &record.metadata([None, Some("business.updated"), None]))
        .await
        .unwrap();
    let selection = replay::RefusedSelection {
        since: arrived - Duration::from_secs(60),
        until: SystemTime::now(),
        reasons: Vec::new(),
    };
    let report =
        replay::replay_refused(&stack.s3, &stack.archive, &selection, &verifier, false).await.unwrap();
    assert_eq!((report.found, report.refused.len(), report.delivered.len()), (1, 1, 0), "{report:?}");
    assert!(drain(&stack.sqs, &stack.queue).await.is_empty());
}

#[tokio::test]
async fn a_refusal_fixed_after_middesk_gave_up_is_delivered_by_replay_refused() {
    use middesk_webhooks::verify::refused::RefusedKey;
    use middesk_webhooks::verify::sample::SAMPLE_ACCOUNT_ID;
    const THEIRS: &str = "9e3f5a10-2b7c-4d8e-a1f0-6c5b4a392817";
    let stack = RefusalStack::new("refused").await;
    let RefusalStack { sqs, s3, secrets, secret_id, archive, queue, catch_all } = &stack;
    let verifier = |accounts: &str| stack.verifier(accounts);
    let middesk = "35.239.59.102";
    // Four days ago: Middesk has given up on both by now.
    let arrived = SystemTime::now() - Duration::from_secs(4 * 86_400);
    let drifted = event("business.updated", &unique("ev-drifted"), arrived);
    let mut unlisted: serde_json::Value =
        serde_json::from_slice(&event("business.updated", &unique("ev-unlisted"), arrived)).unwrap();
    unlisted["account_id"] = serde_json::json!(THEIRS);
    let unlisted = serde_json::to_vec(&unlisted).unwrap();
    let forged = event("business.updated", &unique("ev-forged"), arrived);

    let before = verifier(SAMPLE_ACCOUNT_ID);
    // Middesk signs with a secret the stack does not have (rotated on one side only).
    assert_eq!(post(&before, &drifted, "sec_middesk_has", middesk, arrived).await, "signature_mismatch");
    // Our secret, an account the list lacks (a second account opened later).
    assert_eq!(post(&before, &unlisted, "sec_ours", middesk, arrived).await, "account_not_listed");
    // A forgery from elsewhere: refused and not kept.
    assert_eq!(post(&before, &forged, "sec_guess", "203.0.113.9", arrived).await, "signature_mismatch");
    let kept = s3.list_objects_v2().bucket(archive).prefix("refused/").send().await.unwrap();
    let keys: Vec<String> = kept.contents().iter().filter_map(|o| o.key().map(str::to_owned)).collect();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(drain(sqs, queue).await.is_empty());

    let selection = |reason: &str| replay::RefusedSelection {
        since: arrived - Duration::from_secs(60),
        until: SystemTime::now(),
        reasons: vec![reason.to_owned()],
    };
    let replay = |reason: &'static str, accounts: String| {
        let (s3, archive, selection) = (&s3, &archive, selection(reason));
        let verifier = verifier(&accounts);
        async move { replay::replay_refused(s3, archive, &selection, &verifier, false).await.unwrap() }
    };
    // Nothing is fixed yet: both are refused again, and stay.
    let again = replay("signature_mismatch", SAMPLE_ACCOUNT_ID.to_owned()).await;
    assert_eq!((again.found, again.delivered.len(), again.refused.len()), (1, 0, 1), "{again:?}");
    assert_eq!(again.refused[0].1, "signature_mismatch");
    let again = replay("account_not_listed", SAMPLE_ACCOUNT_ID.to_owned()).await;
    assert_eq!((again.found, again.refused.len()), (1, 1), "{again:?}");
    assert_eq!(again.refused[0].1, "account_not_listed");

    // The list is fixed: the unlisted account's event, signed with our secret, is delivered.
    // (Before the secret changes: the secret the stack holds is the one it was signed with.)
    let both = format!("{SAMPLE_ACCOUNT_ID},{THEIRS}");
    let listed = replay("account_not_listed", both.clone()).await;
    assert_eq!((listed.found, listed.delivered.len()), (1, 1), "{listed:?}");
    let delivered = drain(sqs, queue).await;
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].body(), Some(std::str::from_utf8(&unlisted).unwrap()), "the exact bytes");

    // The secret is fixed: the stack now has Middesk's.
    secrets.put_secret_value().secret_id(secret_id).secret_string("sec_middesk_has").send().await.unwrap();
    let fixed = replay("signature_mismatch", both.clone()).await;
    assert_eq!((fixed.found, fixed.delivered.len(), fixed.failed.len()), (1, 1, 0), "{fixed:?}");
    let delivered = drain(sqs, queue).await;
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].body(), Some(std::str::from_utf8(&drifted).unwrap()), "the exact bytes");
    // Each archived like a new delivery, and no record left.
    let keys = stack.keys().await;
    assert_eq!(keys.iter().filter(|k| k.starts_with("events/")).count(), 2, "{keys:?}");
    assert_eq!(keys.iter().filter_map(|k| RefusedKey::parse(k)).count(), 0, "{keys:?}");
    // Nothing left to replay, and the forgery never reached a queue.
    let nothing = replay("signature_mismatch", both).await;
    assert_eq!(nothing.found, 0);
    assert!(drain(sqs, catch_all).await.is_empty());
}

#[tokio::test]
async fn the_cli_finds_the_local_stacks_kept_refusals() {
    use middesk_webhooks::verify::refused::RefusedRequest;
    let endpoint = emulator_endpoint();
    let aws = sdk_config(&endpoint).await;
    let s3 = s3_client(&aws);
    let template = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
    let model =
        middesk_webhooks_cli::template::parse_template(&std::fs::read_to_string(template).unwrap()).unwrap();
    // The secret as it is: this test never sets it.
    let stack = middesk_webhooks_cli::local::create_local_stack(&aws, &endpoint, &model, None).await.unwrap();
    let archive = stack.env.iter().find(|(k, _)| k == "ARCHIVE_BUCKET").map(|(_, v)| v.clone()).unwrap();
    // A refusal as the verifier keeps it, on a day of this run's own, years from every other
    // test's (the local stack's bucket is shared, and the emulator serves more than one pass).
    let run = unique("day");
    let day = run.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))) % 3650;
    let arrived = SystemTime::UNIX_EPOCH + Duration::from_secs((22_000 + day) * 86_400 + 18_367);
    let day_text = humantime::format_rfc3339_seconds(arrived).to_string()[..10].to_owned();
    let body = event("business.updated", &unique("ev-kept"), arrived);
    let refused = RefusedRequest {
        reason: "account_not_listed".into(),
        received_at: arrived,
        source_ip: "35.239.59.102".parse().ok(),
        signature: Some(SigningKey::new("sec_other").sign(&body)),
        attested: Vec::new(),
    };
    let key = refused.key(&body);
    S3Archive::new(s3.clone(), &archive)
        .put(&key, &body, &refused.metadata([None, Some("business.updated"), None]))
        .await
        .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_middesk-webhooks"))
        .args(["replay", "--refused", "--endpoint", &endpoint, "--dry-run"])
        .args(["--since", &format!("{day_text}T00:00:00Z"), "--until", &format!("{day_text}T23:59:59Z")])
        .args(["--reason", "account_not_listed", "--template", template])
        .env_remove("MIDDESK_STACK_NAME")
        .env_remove("ARCHIVE_BUCKET")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    // Gone before asserting: the same emulator serves the pass 400 days ahead.
    s3.delete_object().bucket(&archive).key(&key).send().await.unwrap();
    assert!(
        stdout.contains("found 1, would check 1, already delivered 0, refused again 0, failed 0"),
        "{stdout}"
    );
}
