//! The business-decision consumer Lambda, subscribed to the `business.updated` queue (and to
//! any monitoring queue you give it, with a Middesk API key: it fetches the business).

use lambda_runtime::{LambdaEvent, service_fn};
use middesk_webhooks::consume::Consumer;
use middesk_webhooks::middesk::api::{MiddeskApi, PRODUCTION_URL};
use tracing::Instrument as _;

// One event at a time per sandbox: a current-thread runtime, no worker threads to wake.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    // JSON logs, and OpenTelemetry traces when OTEL_EXPORTER_OTLP_ENDPOINT is set.
    let telemetry = middesk_webhooks::telemetry::init("business-decision");
    // The payload reader and the idempotency guard as consume::run builds them; the decision
    // is stored with its record, so this consumer runs the guard itself (handle_event).
    // Boxed: the SDK's futures nest too deep for the compiler's layout limit in `main`.
    let consumer = Box::pin(Consumer::from_env("business-decision")).await?;
    let guard = consumer.idempotency().ok_or("IDEMPOTENCY_TABLE is required but not set")?;
    let middesk = Box::pin(middesk_api()).await?;
    // Where a superseded event is counted (EventsSuperseded, on the stack's dashboard).
    let metrics = std::env::var("METRICS_NAMESPACE").ok().filter(|n| !n.trim().is_empty());
    let (guard, options, middesk, metrics, telemetry) =
        (guard, consumer.options(), middesk.as_ref(), metrics.as_deref(), &telemetry);
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<aws_lambda_events::event::sqs::SqsEvent>| async move {
            let deadline = event.context.deadline();
            let batch =
                business_decision::handle_batch(guard, middesk, options, &event.payload, metrics, deadline);
            let span = middesk_webhooks::consume::lambda::invocation_span("business-decision", &event);
            let response = Box::pin(batch).instrument(span).await;
            // Before the answer: Lambda may freeze the sandbox once it has it.
            telemetry.flush();
            Ok::<_, lambda_runtime::Error>(response?)
        },
    ))
    .await
}

/// Middesk's API, when `MIDDESK_API_KEY_SECRET_ID` names the key (read once, at the cold
/// start), at `MIDDESK_API_URL` (production by default). Without it, thin events fail.
async fn middesk_api() -> Result<Option<MiddeskApi>, lambda_runtime::Error> {
    let var = |name: &str| std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let Some(secret_id) = var("MIDDESK_API_KEY_SECRET_ID") else { return Ok(None) };
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let secrets = aws_sdk_secretsmanager::Client::new(&aws);
    let key = middesk_webhooks::middesk::businesses::api_key_from_secret(&secrets, &secret_id).await?;
    let url = var("MIDDESK_API_URL").unwrap_or_else(|| PRODUCTION_URL.to_owned());
    Ok(Some(MiddeskApi::new(&url, key)?))
}
