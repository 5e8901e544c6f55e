//! `middesk-webhooks status` on the emulator, as an operator or a cron job runs it. The local
//! stack quiet exits 0; a dead letter exits 1. A deployed stack's queues come with the ages and
//! alarms CloudWatch gives. The emulator does not speak CloudWatch's protocol, so those answers
//! come from a stand-in behind the `Monitoring` trait.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use aws_sdk_sqs::types::QueueAttributeName;
use middesk_webhooks::aws::watch as status;
use middesk_webhooks::testkit::*;
use middesk_webhooks::watch::{AlarmStatus, Monitoring, QueueToCheck, Thresholds};
use middesk_webhooks_cli::{local, redrive, template};
use serde_json::{Value, json};

fn template_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml")
}

/// `status --json` for the local stack in the emulator: its exit code and report.
fn local_status() -> (i32, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_middesk-webhooks"))
        .args(["status", "--json", "--endpoint", &emulator_endpoint()])
        .arg("--template")
        .arg(template_path())
        .env_remove("MIDDESK_STACK_NAME")
        .output()
        .expect("the CLI runs");
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    (output.status.code().unwrap_or(-1), report)
}

fn row<'a>(report: &'a Value, queue: &str) -> &'a Value {
    report["queues"].as_array().unwrap().iter().find(|q| q["queue"] == queue).unwrap()
}

fn model() -> template::TemplateModel {
    template::parse_template(&std::fs::read_to_string(template_path()).unwrap()).unwrap()
}

/// Receives and deletes every message of `url` (PurgeQueue allows one call a minute).
async fn empty(sqs: &aws_sdk_sqs::Client, url: &str) {
    loop {
        let out = sqs.receive_message().queue_url(url).max_number_of_messages(10).send().await.unwrap();
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            return;
        }
        for m in messages {
            let receipt = m.receipt_handle.unwrap_or_default();
            sqs.delete_message().queue_url(url).receipt_handle(receipt).send().await.unwrap();
        }
    }
}

#[tokio::test]
async fn the_local_stack_quiet_exits_0_and_a_dead_letter_exits_1() {
    let endpoint = emulator_endpoint();
    let aws = sdk_config(&endpoint).await;
    let sqs = aws_sdk_sqs::Client::new(&aws);
    let model = model();
    let stack = local::create_local_stack(&aws, &endpoint, &model, Some("sec_status")).await.unwrap();
    let business_updated = &stack.queue_urls["BusinessUpdatedQueue"];
    let dead_letters = &stack.queue_urls["CatchAllDeadLetterQueue"];
    // The same emulator may have served an earlier run of this test (the +400-day pass).
    for url in [business_updated, dead_letters] {
        empty(&sqs, url).await;
    }

    let (code, report) = local_status();
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["queues"].as_array().unwrap().len(), model.main_queues().len());
    assert_eq!(report["attention"], json!([]));
    // The emulator has no CloudWatch to read; for the local stack that is said, not alarmed.
    assert!(report["cloudwatch_error"].is_string(), "{report:#}");
    let catch_all = row(&report, "catch-all");
    assert_eq!((catch_all["waiting"].as_u64(), catch_all["dead_letters"].as_u64()), (Some(0), Some(0)));
    assert_eq!(catch_all["dead_letter_queue"], "CatchAllDeadLetterQueue");

    sqs.send_message().queue_url(business_updated).message_body("{}").send().await.unwrap();
    sqs.send_message().queue_url(dead_letters).message_body("{}").send().await.unwrap();
    let (code, report) = local_status();
    for url in [business_updated, dead_letters] {
        empty(&sqs, url).await;
    }
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(row(&report, "business-updated")["waiting"], 1);
    assert_eq!(row(&report, "catch-all")["dead_letters"], 1);
    assert_eq!(
        report["attention"],
        json!([
            "catch-all: 1 dead letter(s); once the consumer is fixed: middesk-webhooks redrive CatchAllDeadLetterQueue"
        ])
    );
    // A dead letter someone has received (a peek, a redrive under way) is still one.
    sqs.send_message().queue_url(dead_letters).message_body("{}").send().await.unwrap();
    let peeked = sqs.receive_message().queue_url(dead_letters).visibility_timeout(600).send().await.unwrap();
    assert_eq!(peeked.messages.unwrap_or_default().len(), 1);
    let (code, report) = local_status();
    assert_eq!((code, &row(&report, "catch-all")["dead_letters"]), (1, &json!(1)), "{report:#}");
    let purge = sqs.purge_queue().queue_url(dead_letters).send().await;
    purge.unwrap();
}

/// Monitoring as CloudWatch would answer for a stack: an age per queue, and alarms.
struct Answers {
    ages: BTreeMap<String, u64>,
    alarms: Vec<(AlarmStatus, Vec<String>)>,
    /// The queues whose ages were asked for.
    asked: std::sync::Mutex<Vec<String>>,
}

impl Monitoring for Answers {
    async fn oldest_ages(&self, queues: &[String], _now: SystemTime) -> Result<Vec<Option<u64>>, String> {
        self.asked.lock().unwrap().extend(queues.iter().cloned());
        Ok(queues.iter().map(|q| self.ages.get(q).copied()).collect())
    }

    async fn alarms(&self, prefix: Option<&str>) -> Result<Vec<(AlarmStatus, Vec<String>)>, String> {
        let prefix = prefix.unwrap_or_default();
        Ok(self.alarms.iter().filter(|(a, _)| a.name.starts_with(prefix)).cloned().collect())
    }
}

#[tokio::test]
async fn a_deployed_stacks_queues_with_their_ages_and_alarms() {
    let sqs = aws_sdk_sqs::Client::new(&sdk_config(&emulator_endpoint()).await);
    let stack = unique("st");
    // Two of the stack's queues, named as the stack names them, each with its dead-letter queue.
    let mut queues = Vec::new();
    for name in ["business-updated", "order-created"] {
        let dlq = create_queue(&sqs, &format!("{stack}-{name}-dlq")).await;
        let dlq_arn = redrive::queue_arn(&sqs, &dlq).await.unwrap();
        let queue = create_queue(&sqs, &format!("{stack}-{name}")).await;
        let policy = format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"5"}}"#);
        let set = sqs
            .set_queue_attributes()
            .queue_url(&queue)
            .attributes(QueueAttributeName::RedrivePolicy, policy);
        set.send().await.unwrap();
        queues.push(QueueToCheck { label: name.into(), sqs_name: format!("{stack}-{name}") });
        if name == "order-created" {
            sqs.send_message().queue_url(&queue).message_body("{}").send().await.unwrap();
        }
    }
    let idle = create_queue(&sqs, &format!("{stack}-idle")).await;
    queues.push(QueueToCheck { label: "idle".into(), sqs_name: format!("{stack}-idle") });
    queues.push(QueueToCheck { label: "lien-found".into(), sqs_name: format!("{stack}-lien-found") });
    let alarm =
        |name: &str, state: &str| AlarmStatus { name: format!("{stack}-{name}"), state: state.into() };
    let answers = Answers {
        ages: BTreeMap::from([
            (format!("{stack}-order-created"), 200_000),
            (format!("{stack}-business-updated"), 30),
            (format!("{stack}-idle"), 999_999),
        ]),
        asked: Default::default(),
        alarms: vec![
            (alarm("OrderCreatedAgeAlarm-A", "ALARM"), vec![format!("{stack}-order-created")]),
            (alarm("BusinessUpdatedDeadLetterAlarm-B", "OK"), vec![format!("{stack}-business-updated-dlq")]),
            (alarm("VerifierErrorsAlarm-C", "OK"), vec![]),
            (AlarmStatus { name: "another-stack-alarm".into(), state: "ALARM".into() }, vec![]),
        ],
    };
    let prefix = format!("{stack}-");
    let thresholds = Thresholds {
        message_age: Duration::from_secs(172_800),
        dead_letter_age: Duration::from_secs(86_400),
    };
    let urls = status::queue_urls(&sqs, &prefix).await.unwrap();
    assert_eq!(urls.len(), 5, "the stack's queues and dead-letter queues, in one listing: {urls:?}");
    assert_eq!(urls[&format!("{stack}-idle")], idle);
    let scope = status::Scope {
        queues: &queues,
        urls: &urls,
        alarm_prefix: Some(&prefix),
        thresholds,
        cloudwatch_required: true,
    };
    // order-created has a consumer: its old message needs attention.
    let consumers = middesk_webhooks::watch::KnownConsumers(vec![format!("{stack}-order-created")]);
    let report = status::collect(&sqs, &answers, &consumers, &scope, SystemTime::now()).await;
    // Only a queue that holds messages has an oldest one: the others' ages are not read (each
    // metric read costs), and an empty queue's age is none whatever CloudWatch last said.
    assert_eq!(*answers.asked.lock().unwrap(), [format!("{stack}-order-created")]);

    let rows = &report.queues;
    assert_eq!((rows[0].waiting, rows[0].in_flight, rows[0].dead_letters), (Some(0), Some(0), Some(0)));
    assert_eq!((rows[0].oldest_age_seconds, rows[1].waiting), (None, Some(1)));
    assert_eq!(rows[2].oldest_age_seconds, None);
    assert_eq!(rows[0].alarms, [alarm("BusinessUpdatedDeadLetterAlarm-B", "OK")]);
    assert_eq!(rows[1].alarms, [alarm("OrderCreatedAgeAlarm-A", "ALARM")]);
    assert!(rows[3].error.is_some(), "a queue the stack does not have is reported, not skipped");
    assert_eq!(report.other_alarms, [alarm("VerifierErrorsAlarm-C", "OK")]);
    let attention = report.attention();
    assert_eq!(attention.len(), 3, "{attention:#?}");
    assert!(attention[0].starts_with("order-created: the oldest message has waited 2d 7h"), "{attention:#?}");
    assert!(attention[1].starts_with("lien-found: could not be read"), "{attention:#?}");
    assert_eq!(attention[2], format!("alarm {stack}-OrderCreatedAgeAlarm-A is in ALARM"));
}

#[test]
fn without_a_stack_or_an_emulator_it_says_what_to_pass() {
    let output = Command::new(env!("CARGO_BIN_EXE_middesk-webhooks"))
        .args(["status", "--template"])
        .arg(template_path())
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("MIDDESK_STACK_NAME")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("pass --stack-name"));
}

/// A CBOR body as CloudWatch's RPC v2 protocol answers (`smithy-protocol: rpc-v2-cbor`).
fn cbor_response(
    body: impl FnOnce(&mut aws_smithy_cbor::Encoder),
) -> http::Response<aws_smithy_types::body::SdkBody> {
    let mut encoder = aws_smithy_cbor::Encoder::new(Vec::new());
    body(&mut encoder);
    http::Response::builder()
        .status(200)
        .header("smithy-protocol", "rpc-v2-cbor")
        .header("content-type", "application/cbor")
        .body(aws_smithy_types::body::SdkBody::from(encoder.into_writer()))
        .unwrap()
}

#[tokio::test]
async fn the_cloudwatch_adapter_reads_ages_and_alarms_as_cloudwatch_answers_them() {
    use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
    use aws_smithy_types::DateTime;
    let now = SystemTime::now();
    let at = |seconds_ago: u64| DateTime::from(now - Duration::from_secs(seconds_ago));
    let request = || {
        http::Request::builder()
            .uri("https://monitoring.us-east-1.amazonaws.com/")
            .body(aws_smithy_types::body::SdkBody::empty())
            .unwrap()
    };
    // GetMetricData: an age for the first queue (two datapoints, the newer one counts, listed
    // out of order), none for the second (idle).
    let metrics = cbor_response(|e| {
        e.begin_map().str("MetricDataResults").array(1);
        e.begin_map().str("Id").str("q0");
        e.str("Timestamps").array(2).timestamp(&at(600)).timestamp(&at(60));
        e.str("Values").array(2).double(100.0).double(4242.0);
        e.str("StatusCode").str("Complete").end();
        e.end();
    });
    // DescribeAlarms: one alarm on a queue, one on nothing.
    let alarms = cbor_response(|e| {
        e.begin_map().str("MetricAlarms").array(2);
        e.begin_map().str("AlarmName").str("st-BusinessUpdatedAgeAlarm-X").str("StateValue").str("ALARM");
        e.str("Dimensions")
            .array(1)
            .begin_map()
            .str("Name")
            .str("QueueName")
            .str("Value")
            .str("st-business-updated");
        e.end().end();
        e.begin_map().str("AlarmName").str("st-VerifierErrorsAlarm-Y").str("StateValue").str("OK").end();
        e.end();
    });
    let replay = StaticReplayClient::new(vec![
        ReplayEvent::new(request(), metrics),
        ReplayEvent::new(request(), alarms),
    ]);
    let config = aws_sdk_cloudwatch::Config::builder()
        .behavior_version(aws_sdk_cloudwatch::config::BehaviorVersion::latest())
        .region(aws_sdk_cloudwatch::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_cloudwatch::config::Credentials::for_tests())
        .http_client(replay.clone())
        .build();
    let cloudwatch = status::CloudWatch(aws_sdk_cloudwatch::Client::from_conf(config));
    let queues = ["st-business-updated".to_owned(), "st-order-created".to_owned()];
    assert_eq!(cloudwatch.oldest_ages(&queues, now).await.unwrap(), [Some(4242), None]);
    let found = cloudwatch.alarms(Some("st-")).await.unwrap();
    assert_eq!(
        found,
        [
            (
                AlarmStatus { name: "st-BusinessUpdatedAgeAlarm-X".into(), state: "ALARM".into() },
                vec!["st-business-updated".to_owned()]
            ),
            (AlarmStatus { name: "st-VerifierErrorsAlarm-Y".into(), state: "OK".into() }, vec![]),
        ]
    );
    // The requests went to CloudWatch's operations, in its RPC v2 CBOR protocol.
    let sent = replay.actual_requests().collect::<Vec<_>>();
    assert!(sent[0].uri().ends_with("/operation/GetMetricData"), "{}", sent[0].uri());
    assert!(sent[1].uri().ends_with("/operation/DescribeAlarms"), "{}", sent[1].uri());
    assert!(sent.iter().all(|r| r.headers().get("smithy-protocol") == Some("rpc-v2-cbor")));
}
