//! The verifier Lambda: configuration and clients once at cold start, then requests.

use std::time::{Duration, SystemTime};

use aws_smithy_types::timeout::TimeoutConfig;
use lambda_http::service_fn;
use middesk_webhooks::VerifierConfig;

// One event at a time per sandbox: a current-thread runtime, no worker threads to wake.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    // JSON logs, and OpenTelemetry traces when OTEL_EXPORTER_OTLP_ENDPOINT is set.
    let telemetry = middesk_webhooks::telemetry::init("verifier");
    let config = VerifierConfig::from_env().inspect_err(|error| {
        tracing::error!(%error, "invalid configuration");
    })?;
    // Short timeouts: a slow dependency must become a 503 that Middesk retries, well before
    // API Gateway's own 30-second limit.
    // Each call within 4 s (two attempts), so a secret refresh and a send fit the request's
    // 10-second budget, itself well inside the function's 15-second timeout.
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(Duration::from_secs(2))
        .operation_timeout(Duration::from_secs(4))
        .build();
    // Region and credentials straight from the environment Lambda sets (no provider chain),
    // every other SDK setting (FIPS, endpoints, retries) as the SDK reads it.
    let aws = middesk_webhooks::aws::lambda_sdk_config(timeouts).await.inspect_err(|error| {
        tracing::error!(%error, "invalid configuration");
    })?;
    let receiver = verifier::build_verifier(
        &config,
        aws_sdk_secretsmanager::Client::new(&aws),
        aws_sdk_sqs::Client::new(&aws),
        middesk_webhooks::aws::s3_client(&aws),
    );
    // Fetch the secret during init (boosted CPU, not billed to the first webhook's latency),
    // within a budget that keeps init under Lambda's 10-second limit.
    if let Err(error) = receiver.warm_up(SystemTime::now()).await {
        tracing::warn!(%error, "authentication not ready at start; will retry per request");
    }
    let namespace = config.metrics_namespace.as_str();
    let (receiver, telemetry) = (&receiver, &telemetry);
    // The spans are sent before the answer: Lambda may freeze the sandbox once it has it.
    lambda_http::lambda_runtime::run(service_fn(move |event| async move {
        let response = verifier::handle_event(receiver, namespace, event, SystemTime::now()).await;
        telemetry.flush();
        response
    }))
    .await
}
