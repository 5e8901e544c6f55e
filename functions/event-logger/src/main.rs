//! A consumer that can be subscribed to any queue (the catch-all in the default stack):
//! logs each event's id, type and main object. Unparseable messages are reported failed,
//! so they reach the queue's dead-letter queue instead of vanishing.

use aws_lambda_events::event::sqs::SqsEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use middesk_webhooks::aws::{S3Payloads, s3_client};
use middesk_webhooks::consume::batch::{BatchOptions, process_batch_with};

// One event at a time per sandbox: a current-thread runtime, no worker threads to wake.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    middesk_webhooks::logging::init_json_logging();
    // Bodies too large for SQS arrive as pointers into the payload bucket.
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let options = &BatchOptions::default().payloads(S3Payloads::reader_from_env(s3_client(&aws)));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        let response = process_batch_with(&event.payload, options, |event, message| {
            let correlation_id = message
                .message_attributes
                .get(middesk_webhooks::message::attribute::CORRELATION_ID)
                .and_then(|a| a.string_value.clone());
            tracing::info!(event_id = event.id, event_type = %event.event_type, correlation_id, "event received");
            async { Ok::<(), std::convert::Infallible>(()) }
        })
        .await?;
        Ok::<_, lambda_runtime::Error>(response)
    }))
    .await
}
