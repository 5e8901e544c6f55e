//! The verifier's request path, piece by piece and whole, next to the floor: a bare
//! HMAC-SHA256 over the same bytes. Bodies are Middesk events padded to 1 KiB, 4 KiB, 64 KiB
//! and 1 MiB. Run with `cargo bench -p middesk-webhooks` (or `./scripts/bench`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, HeaderValue, Method};
use middesk_webhooks::claim_check::PayloadStore;
use middesk_webhooks::error::PublishError;
use middesk_webhooks::message::{OutboundMessage, SQS_MAX_MESSAGE_BYTES};
use middesk_webhooks::verify::publisher::ClaimCheckPublisher;
use middesk_webhooks::verify::sample::{created_now, sample_payload};
use middesk_webhooks::verify::signature::parse_signature;
use middesk_webhooks::{
    DOCUMENTED_EVENT_TYPES, EventEnvelope, QueuePublisher, QueueRouter, ReceiverSettings, SecretCache,
    SecretVersions, SigningKey, WebhookReceiver, WebhookRequest,
};
use serde_json::{Value, json};

const SECRET: &str = "sec_benchmark_0123456789abcdef";
const SIZES: [(usize, &str); 4] =
    [(1 << 10, "1KiB"), (4 << 10, "4KiB"), (64 << 10, "64KiB"), (1 << 20, "1MiB")];

/// An in-memory queue that keeps count, not copies, so long runs stay flat in memory.
#[derive(Default)]
struct CountingQueue(AtomicUsize);

impl QueuePublisher for CountingQueue {
    async fn publish(&self, message: &OutboundMessage<'_>) -> Result<(), PublishError> {
        self.0.fetch_add(message.body.len(), Ordering::Relaxed);
        Ok(())
    }
}

/// A payload store that keeps count, not copies (the claim check's cost without S3's).
#[derive(Default)]
struct CountingStore(AtomicUsize);

impl PayloadStore for CountingStore {
    fn bucket(&self) -> &str {
        "bench"
    }

    async fn put(&self, _key: &str, body: &[u8]) -> Result<(), String> {
        self.0.fetch_add(body.len(), Ordering::Relaxed);
        Ok(())
    }
}

/// An `order.updated` event created now, padded to `size` bytes (created now, so that the
/// replay window accepts it and the bench times acceptances, not refusals).
fn body(size: usize) -> Vec<u8> {
    let payload = created_now(sample_payload("order.updated").unwrap(), SystemTime::now());
    let mut event: Value = serde_json::from_slice(&payload).unwrap();
    let base = event.to_string().len();
    event["data"]["object"]["notes"] = json!("n".repeat(size.saturating_sub(base + 12)));
    let body = event.to_string().into_bytes();
    assert!(body.len().abs_diff(size) < 64, "{} vs {size}", body.len());
    body
}

fn secrets() -> SecretVersions {
    SecretVersions {
        current: SigningKey::new(SECRET),
        pending: Vec::new(),
        current_created: SystemTime::now(),
        previous: None,
        previous_fetch_failed: false,
    }
}

/// A signed POST as the edge hands it to the receiver.
fn request<'a>(method: &'a Method, headers: &'a HeaderMap, body: &'a [u8]) -> WebhookRequest<'a> {
    WebhookRequest {
        method,
        headers,
        body,
        received_at: SystemTime::now(),
        client_certificate: None,
        source_ip: None,
        trace_header: None,
    }
}

fn router() -> QueueRouter {
    let table: Vec<String> =
        DOCUMENTED_EVENT_TYPES.iter().map(|t| format!("{t}=q-{}", t.replace('.', "-"))).collect();
    QueueRouter::parse("ROUTES", &table.join(","), "catch-all", Some("https://sqs.us-east-1.amazonaws.com/1"))
        .unwrap()
}

fn benches(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    let settings = ReceiverSettings {
        rotation_grace: Duration::ZERO,
        max_body_bytes: 2 << 20,
        max_event_age: middesk_webhooks::verify::config::DEFAULT_MAX_EVENT_AGE,
    };
    let receiver = WebhookReceiver::new(
        SecretCache::new(secrets(), Duration::from_secs(300), false),
        CountingQueue::default(),
        router(),
        settings,
    );
    let key = SigningKey::new(SECRET);
    let method = Method::POST;

    let mut group = c.benchmark_group("request_path");
    for (size, label) in SIZES {
        let body = body(size);
        let signature = key.sign(&body);
        let mut headers = HeaderMap::new();
        headers.insert("x-middesk-signature-256", HeaderValue::from_str(&signature).unwrap());
        headers.insert("x-correlation-id", HeaderValue::from_static("0f86dab5-8195-4b95-b3c0-19deaeba2a8e"));
        group.throughput(Throughput::Bytes(body.len() as u64));

        group.bench_with_input(BenchmarkId::new("bare_hmac_sha256", label), &body, |b, body| {
            b.iter(|| {
                let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
                mac.update(body);
                mac.finalize().into_bytes()
            })
        });
        group.bench_with_input(BenchmarkId::new("verify_signature", label), &body, |b, body| {
            b.iter(|| key.verify_tag(body, &parse_signature(signature.as_bytes()).unwrap()))
        });
        group.bench_with_input(BenchmarkId::new("parse_envelope", label), &body, |b, body| {
            b.iter(|| EventEnvelope::parse(body).unwrap().id.len())
        });
        group.bench_with_input(BenchmarkId::new("whole_handler", label), &body, |b, body| {
            b.to_async(&runtime).iter(|| async {
                let receipt = receiver.receive(request(&method, &headers, body)).await;
                assert!(receipt.result.is_ok());
                receipt
            })
        });
    }
    group.finish();

    // The claim check: a 2 MiB body hashed for its key and handed to the store, and the
    // pointer sent instead (the store's own I/O is S3's, not measured here).
    let settings = ReceiverSettings { max_body_bytes: 6 << 20, ..settings };
    let claim_check = WebhookReceiver::new(
        SecretCache::new(secrets(), Duration::from_secs(300), false),
        ClaimCheckPublisher::new(
            CountingQueue::default(),
            Some((CountingStore::default(), "payloads/".to_owned())),
            SQS_MAX_MESSAGE_BYTES,
        ),
        router(),
        settings,
    );
    let mut group = c.benchmark_group("claim_check");
    let body = body(2 << 20);
    let mut headers = HeaderMap::new();
    headers.insert("x-middesk-signature-256", HeaderValue::from_str(&key.sign(&body)).unwrap());
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_with_input(BenchmarkId::new("whole_handler", "2MiB"), &body, |b, body| {
        b.to_async(&runtime).iter(|| async {
            let receipt = claim_check.receive(request(&method, &headers, body)).await;
            assert!(receipt.result.is_ok());
            receipt
        })
    });
    group.finish();

    let router = router();
    c.bench_function("route/documented_type", |b| {
        b.iter(|| router.route(std::hint::black_box("registration.updated")))
    });
    c.bench_function("route/unknown_type", |b| {
        b.iter(|| router.route(std::hint::black_box("brand_new.type")))
    });
}

/// The cold start's SDK configuration, two ways side by side. Now: the SDK's own loader with
/// the region and credentials given, which reads every setting the SDK documents from the
/// environment. Before: the configuration built by hand from the region, the credentials, the
/// standard retries and `AWS_ENDPOINT_URL` alone. Both with one shared
/// HTTPS client, in this process's environment (like Lambda's, no profile files here).
fn sdk_config(c: &mut Criterion) {
    use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region, SharedCredentialsProvider};
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let lambda =
        [("AWS_REGION", "us-east-1"), ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"), ("AWS_SECRET_ACCESS_KEY", "s")];
    let lookup = |name: &str| lambda.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned());
    let timeouts = || aws_smithy_types::timeout::TimeoutConfig::builder().build();
    let mut group = c.benchmark_group("sdk_config");
    group.bench_function("sdk_loader", |b| {
        b.iter(|| {
            let loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
            runtime
                .block_on(middesk_webhooks::aws::lambda_sdk_config_from(loader, lookup, timeouts()))
                .unwrap()
        })
    });
    group.bench_function("by_hand", |b| {
        b.iter(|| {
            let credentials = Credentials::new("AKIDEXAMPLE", "s", None, None, "lambda-environment");
            aws_types::SdkConfig::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new("us-east-1"))
                .credentials_provider(SharedCredentialsProvider::new(credentials))
                .retry_config(aws_smithy_types::retry::RetryConfig::standard())
                .http_client(
                    aws_smithy_http_client::Builder::new()
                        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                            aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
                        ))
                        .build_https(),
                )
                .timeout_config(timeouts())
                .build()
        })
    });
    group.finish();
}

criterion_group! {
    name = verifier;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = benches, sdk_config
}
criterion_main!(verifier);
