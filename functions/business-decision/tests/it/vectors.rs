//! The test vectors of docs/records.md (`shared/vectors/ordering.json`), through every
//! implementation of the records in Rust: the guard in memory and on DynamoDB. Each must tell
//! each step what the file says, and leave the object's record the file gives. The Python and
//! TypeScript packages run the same file in their own tests (packages/*/tests).

use std::time::{Duration, SystemTime};

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use aws_sdk_dynamodb::types::AttributeValue;
use middesk_webhooks::aws::DynamoDbIdempotencyStore;
use middesk_webhooks::consume::batch::{decode_message, sent_at};
use middesk_webhooks::consume::idempotency::{DEFAULT_RECORD_TTL, Guarded, IdempotencyGuard};
use middesk_webhooks::consume::newest::{Freshness, InMemoryNewestStore, NewestStateStore};
use middesk_webhooks::envelope::parse_rfc3339;
use middesk_webhooks::testkit::*;
use middesk_webhooks::verify::sample::sample_payload;
use serde_json::{Value, json};

const VECTORS: &str = include_str!("../../../../shared/vectors/ordering.json");
/// The consumer name every implementation keys its records with here.
const CONSUMER: &str = "vectors";

fn cases() -> Vec<Value> {
    let vectors: Value = serde_json::from_str(VECTORS).expect("the vectors are JSON");
    vectors["cases"].as_array().expect("cases").clone()
}

fn steps(case: &Value) -> &Vec<Value> {
    case["steps"].as_array().expect("steps")
}

/// Microseconds since the epoch of an RFC 3339 time in the vectors.
fn micros(text: &Value) -> u128 {
    let at = parse_rfc3339(text.as_str().expect("a time")).expect("RFC 3339");
    at.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_micros()
}

/// The step's event: its type's sample with the step's id, time and object.
fn body(step: &Value) -> String {
    let event_type = step["type"].as_str().unwrap();
    let mut event: Value = serde_json::from_str(sample_payload(event_type).expect("a sample")).unwrap();
    event["id"] = step["id"].clone();
    event["created_at"] = step["created_at"].clone();
    let object = event["data"]["object"].as_object_mut().expect("data.object");
    for (field, given) in [("id", "object_id"), ("business_id", "business_id")] {
        match &step[given] {
            Value::Null if step.get(given).is_some() => {
                object.remove(field);
            }
            Value::Null => {}
            value => {
                object.insert(field.to_owned(), value.clone());
            }
        }
    }
    event.to_string()
}

/// The step as an SQS event of one record, as Lambda delivers it.
fn batch(step: &Value) -> Value {
    let sent = micros(&step["sent_at"]) / 1000;
    json!({"Records": [{
        "messageId": format!("msg-{}", step["id"].as_str().unwrap()),
        "receiptHandle": "handle",
        "body": body(step),
        "attributes": {"SentTimestamp": sent.to_string(), "ApproximateReceiveCount": "1"},
        "messageAttributes": {"event_id": {"stringValue": step["id"], "dataType": "String"}},
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:vectors",
        "awsRegion": "us-east-1"
    }]})
}

/// What a handler is told, as the vectors write it: `newest`, `older <event id>`, `unordered`.
fn told(freshness: &Freshness) -> String {
    match freshness {
        Freshness::Newest => "newest".into(),
        Freshness::Older { newest } => format!("older {}", newest.event_id),
        Freshness::Unordered => "unordered".into(),
    }
}

fn expected_told(step: &Value) -> String {
    match step["freshness"].as_str().unwrap() {
        "older" => format!("older {}", step["older_than"].as_str().unwrap()),
        other => other.to_owned(),
    }
}

/// Runs one step through the Rust guard over `store`.
async fn rust_step<S: NewestStateStore>(guard: &IdempotencyGuard<S>, step: &Value) -> String {
    let sqs: SqsEvent = serde_json::from_value(batch(step)).unwrap();
    let message: &SqsMessage = &sqs.records[0];
    let event = decode_message(message).unwrap();
    let deadline = SystemTime::now() + Duration::from_secs(60);
    let ran = guard
        .run_in_order(&event, sent_at(message), deadline, |freshness| async move {
            Ok::<_, String>(told(&freshness))
        })
        .await
        .unwrap();
    match ran {
        Guarded::Ran(told) => told,
        Guarded::Repeat(told) => panic!("a step ran before: {told}"),
    }
}

/// The item `id` of `table`, read consistently.
async fn item(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    id: String,
) -> Option<std::collections::HashMap<String, AttributeValue>> {
    let read = dynamodb.get_item().table_name(table).key("id", AttributeValue::S(id)).consistent_read(true);
    read.send().await.unwrap().item
}

/// The object's record of `object` in `table`: its newest event and time.
async fn object_record(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    object: &str,
) -> Option<(String, u128)> {
    let item = item(dynamodb, table, format!("{CONSUMER}#newest#{object}")).await?;
    let id = item.get("newest_id")?.as_s().ok()?.clone();
    let at = item.get("newest_at")?.as_n().ok()?.parse().ok()?;
    Some((id, at))
}

/// How many objects' records `table` holds.
async fn object_records(dynamodb: &aws_sdk_dynamodb::Client, table: &str) -> usize {
    let scanned = dynamodb.scan().table_name(table).consistent_read(true).send().await.unwrap();
    let newest = |item: &&std::collections::HashMap<String, AttributeValue>| {
        item.get("id")
            .and_then(|id| id.as_s().ok())
            .is_some_and(|id| id.starts_with(&format!("{CONSUMER}#newest#")))
    };
    scanned.items().iter().filter(newest).count()
}

/// Checks the objects' records after step `index` of `case`, in `table`: the step's object
/// names the newest the vectors give, and there is one record per object the steps ordered.
async fn check_record(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    case: &Value,
    index: usize,
    who: &str,
) {
    let step = &steps(case)[index];
    let mut objects: Vec<&str> = steps(case)[..=index].iter().filter_map(|s| s["object"].as_str()).collect();
    objects.sort_unstable();
    objects.dedup();
    assert_eq!(object_records(dynamodb, table).await, objects.len(), "{who}: objects after {}", step["id"]);
    let Some(object) = step["object"].as_str() else { return };
    let expected = (step["newest"]["event_id"].as_str().unwrap().to_owned(), micros(&step["newest"]["at"]));
    let found = object_record(dynamodb, table, object).await;
    assert_eq!(found.as_ref(), Some(&expected), "{who}: {object} after {}", step["id"]);
}

/// The status of the event's record in `table`.
async fn event_status(dynamodb: &aws_sdk_dynamodb::Client, table: &str, event_id: &str) -> Option<String> {
    let item = item(dynamodb, table, format!("{CONSUMER}#{event_id}")).await?;
    item.get("status")?.as_s().ok().cloned()
}

/// Checks the event's record after `step`: completed, or superseded when it was older.
async fn check_status(dynamodb: &aws_sdk_dynamodb::Client, table: &str, step: &Value, who: &str) {
    let found = event_status(dynamodb, table, step["id"].as_str().unwrap()).await;
    assert_eq!(found.as_deref(), step["status"].as_str(), "{who}: the record of {}", step["id"]);
}

#[test]
fn the_vectors_cover_ties_siblings_thin_events_and_far_future_dates() {
    let names: Vec<String> = cases().iter().map(|c| c["name"].as_str().unwrap().to_owned()).collect();
    for needed in ["tie", "liens", "addresses", "thin", "ahead", "older state", "no order"] {
        assert!(names.iter().any(|n| n.contains(needed)), "no vector for {needed}: {names:?}");
    }
}

#[tokio::test]
async fn the_rust_guard_in_memory_passes_the_vectors() {
    for case in cases() {
        let guard = IdempotencyGuard::new(InMemoryNewestStore::default(), CONSUMER, DEFAULT_RECORD_TTL);
        for step in steps(&case) {
            assert_eq!(
                rust_step(&guard, step).await,
                expected_told(step),
                "{}: {}",
                case["name"],
                step["id"]
            );
            let status = guard.store().status(&format!("{CONSUMER}#{}", step["id"].as_str().unwrap()));
            assert_eq!(status, step["status"].as_str(), "in memory: the record of {}", step["id"]);
        }
    }
}

#[tokio::test]
async fn the_rust_guard_on_dynamodb_passes_the_vectors() {
    let aws = sdk_config(&emulator_endpoint()).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    for case in cases() {
        let table = create_idempotency_table(&dynamodb, &unique("vectors-rust")).await;
        let store = DynamoDbIdempotencyStore::new(dynamodb.clone(), &table);
        let guard = IdempotencyGuard::new(store, CONSUMER, DEFAULT_RECORD_TTL);
        for (index, step) in steps(&case).iter().enumerate() {
            assert_eq!(
                rust_step(&guard, step).await,
                expected_told(step),
                "{}: {}",
                case["name"],
                step["id"]
            );
            check_record(&dynamodb, &table, &case, index, "rust").await;
            check_status(&dynamodb, &table, step, "rust").await;
        }
    }
}
