//! The DynamoDB store's completion in order, against DynamoDB's own answers (the SDK's replay
//! client): the emulator's transactions cannot be made to conflict on demand.

use std::time::{Duration, SystemTime};

use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use middesk_webhooks::aws::DynamoDbIdempotencyStore;
use middesk_webhooks::consume::newest::{EventOrder, NewestStateStore, OrderedRecords};

/// A DynamoDB answer: `status` with the JSON `body`.
fn answer(status: u16, body: &str) -> http::Response<aws_smithy_types::body::SdkBody> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/x-amz-json-1.0")
        .body(aws_smithy_types::body::SdkBody::from(body.to_owned()))
        .unwrap()
}

/// A transaction cancelled for these reasons, one per item (the event's, the object's).
fn cancelled(reasons: [&str; 2]) -> http::Response<aws_smithy_types::body::SdkBody> {
    let reasons: Vec<serde_json::Value> =
        reasons.iter().map(|code| serde_json::json!({"Code": code})).collect();
    let body = serde_json::json!({
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "Message": "Transaction cancelled",
        "CancellationReasons": reasons,
    });
    answer(400, &body.to_string())
}

fn store(replay: &StaticReplayClient) -> DynamoDbIdempotencyStore {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::for_tests())
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        .http_client(replay.clone())
        .build();
    DynamoDbIdempotencyStore::new(aws_sdk_dynamodb::Client::from_conf(config), "records")
}

fn request() -> http::Request<aws_smithy_types::body::SdkBody> {
    http::Request::builder()
        .uri("https://dynamodb.us-east-1.amazonaws.com/")
        .body(aws_smithy_types::body::SdkBody::empty())
        .unwrap()
}

#[tokio::test]
async fn a_completion_that_fails_for_any_reason_but_a_lost_hold_is_an_error_to_retry() {
    let now = SystemTime::now();
    let order = EventOrder { created_at: now, event_id: "evt_1".into() };
    let records = OrderedRecords {
        key: "c#evt_1",
        object_key: "c#newest#business/b",
        order: &order,
        expires_at: now + Duration::from_secs(86_400),
        object_expires_at: now + Duration::from_secs(86_400),
    };
    // A conflicting transaction or throttling: the object's newest did not advance. Recording
    // the event alone would let an older event of the object apply as the newest later.
    for reasons in
        [["None", "TransactionConflict"], ["None", "ThrottlingError"], ["TransactionConflict", "None"]]
    {
        let replay = StaticReplayClient::new(vec![ReplayEvent::new(request(), cancelled(reasons))]);
        let completed = store(&replay).complete_in_order(records, "{}").await;
        assert!(completed.is_err(), "{reasons:?} was taken as done");
        assert_eq!(replay.actual_requests().count(), 1, "{reasons:?}: nothing else written");
    }
    // The object's condition failed: the hold ran out and another event holds the object. The
    // event is done all the same, recorded alone.
    let replay = StaticReplayClient::new(vec![
        ReplayEvent::new(request(), cancelled(["None", "ConditionalCheckFailed"])),
        ReplayEvent::new(request(), answer(200, "{}")),
    ]);
    store(&replay).complete_in_order(records, "{}").await.unwrap();
    let sent: Vec<_> = replay.actual_requests().collect();
    assert_eq!(sent.len(), 2);
    let target = |i: usize| sent[i].headers().get("x-amz-target").unwrap_or_default().to_owned();
    assert_eq!(target(0), "DynamoDB_20120810.TransactWriteItems");
    assert_ne!(target(1), "DynamoDB_20120810.TransactWriteItems");
}
