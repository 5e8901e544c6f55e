//! The business-decision consumer Lambda, subscribed to the `business.updated` queue.
// The DynamoDB client's futures nest deeper than rustc's default layout query limit.
#![recursion_limit = "256"]

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;
use lambda_runtime::{LambdaEvent, service_fn};
use middesk_webhooks::aws::{DynamoDbIdempotencyStore, S3Payloads, s3_client};
use middesk_webhooks::consume::batch::BatchOptions;
use middesk_webhooks::consume::idempotency::{IdempotencyGuard, parse_record_ttl};

// One event at a time per sandbox: a current-thread runtime, no worker threads to wake.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    middesk_webhooks::logging::init_json_logging();
    let table =
        std::env::var("IDEMPOTENCY_TABLE").map_err(|_| "IDEMPOTENCY_TABLE is required but not set")?;
    let ttl = parse_record_ttl(std::env::var("IDEMPOTENCY_TTL_SECONDS").ok().as_deref())?;
    // A stalled DynamoDB or S3 call must fail (and be retried) within the 30-second timeout.
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(Duration::from_secs(2))
        .operation_timeout(Duration::from_secs(5))
        .build();
    let aws = aws_config::defaults(BehaviorVersion::latest()).timeout_config(timeouts).load().await;
    let store = DynamoDbIdempotencyStore::new(aws_sdk_dynamodb::Client::new(&aws), table);
    let guard = IdempotencyGuard::new(store, "business-decision", ttl);
    // Bodies too large for SQS arrive as pointers into the payload bucket.
    let options = BatchOptions::default().payloads(S3Payloads::reader_from_env(s3_client(&aws)));
    let (guard, options) = (&guard, &options);
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<aws_lambda_events::event::sqs::SqsEvent>| async move {
            let deadline = event.context.deadline();
            let response = business_decision::handle_batch(guard, options, &event.payload, deadline).await?;
            Ok::<_, lambda_runtime::Error>(response)
        },
    ))
    .await
}
