//! The business-decision consumer Lambda, subscribed to the `business.updated` queue.

use lambda_runtime::{LambdaEvent, service_fn};
use middesk_webhooks::consume::Consumer;

// One event at a time per sandbox: a current-thread runtime, no worker threads to wake.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    middesk_webhooks::logging::init_json_logging();
    // The payload reader and the idempotency guard as consume::run builds them; the decision
    // is stored with its record, so this consumer runs the guard itself (handle_event).
    // Boxed: the SDK's futures nest too deep for the compiler's layout limit in `main`.
    let consumer = Box::pin(Consumer::from_env("business-decision")).await?;
    let guard = consumer.idempotency().ok_or("IDEMPOTENCY_TABLE is required but not set")?;
    let (guard, options) = (guard, consumer.options());
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<aws_lambda_events::event::sqs::SqsEvent>| async move {
            let deadline = event.context.deadline();
            let batch = business_decision::handle_batch(guard, options, &event.payload, deadline);
            let response = Box::pin(batch).await?;
            Ok::<_, lambda_runtime::Error>(response)
        },
    ))
    .await
}
