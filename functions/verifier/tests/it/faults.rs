//! Faults under load: thousands of signed (and some forged) requests with real concurrency
//! through the deployed verifier against the emulator, while SQS fails for one window and
//! Secrets Manager for another. The invariant users rely on: every 2xx answer has its message
//! in the right queue, every other answer to a signed request is a 503 that a retry later
//! delivers, nothing is enqueued for a forged request, and nothing panics.
//!
//! `FAULT_TEST_REQUESTS` sets the size (default 1500 for CI); the long run is
//! `FAULT_TEST_REQUESTS=20000 ./scripts/test -- --test faults -- --nocapture`.

use std::collections::HashMap;
use std::time::{Instant, SystemTime};

use crate::common::{event_body, signed_post};
use futures_util::StreamExt as _;
use middesk_webhooks::VerifierConfig;
use middesk_webhooks::testkit::*;
use middesk_webhooks::verify::sample::GatewayShape;

const SECRET: &str = "sec_fault_test";
const TYPES: [&str; 3] = ["business.updated", "order.created", "brand_new.type"];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fault {
    None,
    SqsDown,
    SecretsManagerDown,
}

struct Outcome {
    id: String,
    event_type: &'static str,
    forged: bool,
    status: u16,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_2xx_is_queued_and_every_failure_is_a_retryable_503() {
    let total: usize = std::env::var("FAULT_TEST_REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1500);
    let concurrency = 32;
    let emulator = emulator_endpoint();
    let aws = sdk_config(&emulator).await;
    let sqs = aws_sdk_sqs::Client::new(&aws);
    let secret_id = unique("fault-secret");
    aws_sdk_secretsmanager::Client::new(&aws)
        .create_secret()
        .name(&secret_id)
        .secret_string(SECRET)
        .send()
        .await
        .unwrap();
    let run = unique("fault");
    let business = create_queue(&sqs, &format!("{run}-business")).await;
    let orders = create_queue(&sqs, &format!("{run}-orders")).await;
    let catch_all = create_queue(&sqs, &format!("{run}-all")).await;
    let expected_queue = HashMap::from([(TYPES[0], &business), (TYPES[1], &orders), (TYPES[2], &catch_all)]);
    let vars = HashMap::from([
        ("MIDDESK_SECRET_ID", secret_id.clone()),
        ("MIDDESK_ACCOUNT_IDS", middesk_webhooks::verify::sample::SAMPLE_ACCOUNT_ID.into()),
        ("CATCH_ALL_QUEUE", catch_all.clone()),
        ("ROUTES", format!("business.updated={business},order.created={orders}")),
        // Short TTL so that refreshes happen inside the Secrets Manager outage.
        ("SECRET_CACHE_TTL_SECONDS", "1".into()),
    ]);
    let config = VerifierConfig::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let sqs_proxy = CuttableProxy::start(&emulator).await;
    let sm_proxy = CuttableProxy::start(&emulator).await;
    let container = || async {
        verifier::build_verifier(
            &config,
            aws_sdk_secretsmanager::Client::new(&sdk_config(&sm_proxy.endpoint).await),
            aws_sdk_sqs::Client::new(&sdk_config(&sqs_proxy.endpoint).await),
            s3_client(&sdk_config(&emulator).await),
        )
    };
    let warm = container().await;

    let started = Instant::now();
    let phases = [Fault::None, Fault::SqsDown, Fault::None, Fault::SecretsManagerDown, Fault::None];
    let per_phase = total / phases.len();
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(total);
    for (p, fault) in phases.iter().enumerate() {
        match fault {
            Fault::SqsDown => sqs_proxy.cut(),
            Fault::SecretsManagerDown => sm_proxy.cut(),
            Fault::None => {
                sqs_proxy.restore();
                sm_proxy.restore();
            }
        }
        // A container started during the Secrets Manager outage has no secret at all.
        let cold = container().await;
        let results: Vec<Outcome> = futures_util::stream::iter(0..per_phase)
            .map(|i| {
                let n = p * per_phase + i;
                let (warm, cold) = (&warm, &cold);
                async move {
                    let event_type = TYPES[n % TYPES.len()];
                    let forged = n % 20 == 7;
                    let id = format!("ev-{n}");
                    let body = event_body(&id, event_type);
                    let secret = if forged { "sec_forged" } else { SECRET };
                    let request = signed_post(GatewayShape::ALL[n % 3], secret, &body, None);
                    let receiver =
                        if *fault == Fault::SecretsManagerDown && n.is_multiple_of(2) { cold } else { warm };
                    let status = verifier::handle(receiver, "", request, SystemTime::now())
                        .await
                        .unwrap()
                        .status()
                        .as_u16();
                    Outcome { id, event_type, forged, status }
                }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        outcomes.extend(results);
    }
    sqs_proxy.restore();
    sm_proxy.restore();

    // Middesk retries every non-2xx: a healthy container delivers them.
    let healthy = verifier::build_verifier(
        &config,
        aws_sdk_secretsmanager::Client::new(&aws),
        sqs.clone(),
        s3_client(&aws),
    );
    let mut retried = 0;
    for o in outcomes.iter().filter(|o| !o.forged && o.status != 202) {
        let request = signed_post(GatewayShape::HttpV2, SECRET, &event_body(&o.id, o.event_type), None);
        assert_eq!(
            verifier::handle(&healthy, "", request, SystemTime::now()).await.unwrap().status(),
            202,
            "retry of {}",
            o.id
        );
        retried += 1;
    }

    let mut found: HashMap<String, (String, usize)> = HashMap::new();
    for url in [&business, &orders, &catch_all] {
        for m in drain(&sqs, url).await {
            let id = attr(&m, "event_id").unwrap_or_default().to_owned();
            found.entry(id).or_insert_with(|| (url.to_string(), 0)).1 += 1;
        }
    }
    let signed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.forged).collect();
    let accepted = signed.iter().filter(|o| o.status == 202).count();
    let unavailable = signed.iter().filter(|o| o.status == 503).count();
    let forged = outcomes.len() - signed.len();
    let mut lost = 0;
    for o in &signed {
        assert!(
            o.status == 202 || o.status == 503,
            "{} answered {}: only 202 or a retryable 503",
            o.id,
            o.status
        );
        match found.get(&o.id) {
            Some((queue, _)) => {
                assert_eq!(queue, expected_queue[o.event_type], "{} is in the wrong queue", o.id)
            }
            None => lost += 1,
        }
    }
    for o in outcomes.iter().filter(|o| o.forged) {
        assert_eq!(o.status, 401, "forged {}", o.id);
        assert!(!found.contains_key(&o.id), "forged {} was enqueued", o.id);
    }
    let duplicates = found.values().filter(|(_, n)| *n > 1).count();
    println!(
        "faults under load: sent {}, 2xx {accepted}, 5xx {unavailable}, forged 401 {forged}, \
         delivered after retry {retried}, duplicates {duplicates}, lost {lost}, in {:.1}s",
        outcomes.len(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(lost, 0, "every signed event is delivered");
    // The faults really happened: otherwise this test proves nothing.
    assert!(unavailable >= per_phase / 4, "only {unavailable} requests saw a fault");
}
