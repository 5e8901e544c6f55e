//! The business-decision consumer Lambda, subscribed to the `business.updated` queue.
// The DynamoDB client's futures nest deeper than rustc's default layout query limit.
#![recursion_limit = "256"]

use aws_config::BehaviorVersion;
use lambda_runtime::{LambdaEvent, service_fn};
use middesk_webhooks::aws::DynamoDbIdempotencyStore;
use middesk_webhooks::idempotency::{IdempotencyGuard, parse_record_ttl};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    middesk_webhooks::logging::init_json_logging();
    let table =
        std::env::var("IDEMPOTENCY_TABLE").map_err(|_| "IDEMPOTENCY_TABLE is required but not set")?;
    let ttl = parse_record_ttl(std::env::var("IDEMPOTENCY_TTL_SECONDS").ok().as_deref())?;
    let aws = aws_config::load_defaults(BehaviorVersion::latest()).await;
    let store = DynamoDbIdempotencyStore::new(aws_sdk_dynamodb::Client::new(&aws), table);
    let guard = IdempotencyGuard::new(store, "business-decision", ttl);
    let guard = &guard;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<aws_lambda_events::event::sqs::SqsEvent>| async move {
            let response =
                business_decision::handle_batch(guard, &event.payload, event.context.deadline()).await?;
            Ok::<_, lambda_runtime::Error>(response)
        },
    ))
    .await
}
