//! A consumer Lambda in a dozen lines. [`run`] reads its configuration from the environment the
//! template sets, and builds its clients once. It runs a handler per event, with:
//! - JSON logs, every line carrying the event's ids;
//! - partial batch failures;
//! - claim-checked bodies, from `PAYLOAD_BUCKET` only;
//! - when `IDEMPOTENCY_TABLE` is set, at most one run per Middesk event id.
//!
//! Feature `consumer`.
//!
//! ```no_run
//! use middesk_webhooks::consume::{self, event::EventObject};
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), consume::Error> {
//!     consume::run("my-consumer", |event, _message| async move {
//!         if let EventObject::Business(business) = event.object() {
//!             tracing::info!(business_id = business.id.as_deref(), status = business.status.as_deref(), "business");
//!         }
//!         Ok::<_, std::convert::Infallible>(())
//!     })
//!     .await
//! }
//! ```
//!
//! [`Consumer`] is the same without the runtime loop, for a handler that needs the idempotency
//! guard's stored results itself (`functions/business-decision`) or a test.

use std::future::Future;
use std::time::{Duration, SystemTime};

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use lambda_runtime::{LambdaEvent, service_fn};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

use crate::aws::{DynamoDbIdempotencyStore, S3Payloads, s3_client};
use crate::consume::batch::{BatchError, BatchOptions, process_batch_with};
use crate::consume::event::Event;
use crate::consume::idempotency::{GuardError, Guarded, IdempotencyGuard, parse_record_ttl};

/// What [`run`] fails with: the configuration at the cold start, or the runtime.
pub type Error = lambda_runtime::Error;

/// A consumer's clients and options, read once at the cold start.
pub struct Consumer {
    options: BatchOptions<S3Payloads>,
    idempotency: Option<IdempotencyGuard<DynamoDbIdempotencyStore>>,
}

impl Consumer {
    /// From the environment: `PAYLOAD_BUCKET` and `PAYLOAD_KEY_PREFIX` (where claim checks may
    /// point), `IDEMPOTENCY_TABLE` and `IDEMPOTENCY_TTL_SECONDS` (records keyed by `name`, so
    /// consumers can share a table), and the SDK's own variables.
    pub async fn from_env(name: &str) -> Result<Self, Error> {
        // A stalled S3 or DynamoDB call must fail (and the message be retried) well within
        // the function's timeout.
        let timeouts = aws_config::timeout::TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(1))
            .operation_attempt_timeout(Duration::from_secs(2))
            .operation_timeout(Duration::from_secs(5))
            .build();
        let aws =
            aws_config::defaults(aws_config::BehaviorVersion::latest()).timeout_config(timeouts).load().await;
        Self::from_vars(name, &aws, |var| std::env::var(var).ok())
    }

    /// [`from_env`](Self::from_env) with this SDK configuration, reading variables through `var`.
    pub fn from_vars(
        name: &str,
        aws: &aws_types::SdkConfig,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, Error> {
        let var = |name: &str| var(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let payloads = S3Payloads::pinned(s3_client(aws), var("PAYLOAD_BUCKET"), var("PAYLOAD_KEY_PREFIX"));
        let idempotency = match var("IDEMPOTENCY_TABLE") {
            Some(table) => {
                let ttl = parse_record_ttl(var("IDEMPOTENCY_TTL_SECONDS").as_deref())?;
                let store = DynamoDbIdempotencyStore::new(aws_sdk_dynamodb::Client::new(aws), table);
                Some(IdempotencyGuard::new(store, name, ttl))
            }
            None => None,
        };
        Ok(Self { options: BatchOptions::default().payloads(payloads), idempotency })
    }

    /// The batch options (the payload reader).
    pub fn options(&self) -> &BatchOptions<S3Payloads> {
        &self.options
    }

    /// The idempotency guard, when `IDEMPOTENCY_TABLE` is set.
    pub fn idempotency(&self) -> Option<&IdempotencyGuard<DynamoDbIdempotencyStore>> {
        self.idempotency.as_ref()
    }

    /// Runs `handler` on each event of `batch` (once per event id with idempotency; a repeat
    /// is acknowledged without running it), reporting exactly the messages that failed.
    /// `deadline` is the invocation's (a claim outlives it only by the record's TTL).
    pub async fn handle<F, Fut, T, E>(
        &self,
        batch: &SqsEvent,
        deadline: SystemTime,
        handler: &F,
    ) -> Result<SqsBatchResponse, BatchError>
    where
        F: Fn(Event, &SqsMessage) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        T: Serialize + DeserializeOwned,
        E: std::fmt::Display,
    {
        process_batch_with(batch, &self.options, |event, message| {
            // Owned by the future, so that the handler is called only once the guard lets it
            // (a repeat must not run even the handler's synchronous part).
            let message = message.clone();
            async move {
                let Some(guard) = &self.idempotency else {
                    return handler(event, &message).await.map(drop).map_err(GuardError::Handler);
                };
                let event_id = event.id.clone();
                match guard.run(&event_id, deadline, || handler(event, &message)).await? {
                    Guarded::Ran(_) => Ok(()),
                    Guarded::Repeat(_) => {
                        tracing::info!("handled before: acknowledged, not run again");
                        Ok(())
                    }
                }
            }
        })
        .await
    }
}

/// The trace span of one invocation of the consumer `name` (the FaaS conventions'): the batch,
/// linked to each record's sending context. Each record's `process` span continues its own
/// sender's trace. Instrument the batch's future with it, then
/// [`Telemetry::flush`](crate::telemetry::Telemetry::flush) before answering.
pub fn invocation_span(name: &str, event: &LambdaEvent<SqsEvent>) -> tracing::Span {
    let span = tracing::info_span!(
        target: crate::telemetry::TARGET,
        "invocation",
        otel.name = name,
        otel.kind = "consumer",
        faas.trigger = "pubsub",
        faas.invocation_id = event.context.request_id.as_str(),
        messaging.system = "aws_sqs",
        messaging.batch.message_count = i64::try_from(event.payload.records.len()).unwrap_or(i64::MAX),
    );
    for record in &event.payload.records {
        let (traceparent, aws_trace_header) = crate::consume::batch::sender_context(record);
        crate::telemetry::link_to_sender(&span, traceparent, aws_trace_header);
    }
    span
}

/// Runs the consumer `name`: JSON logs at `RUST_LOG`, [`Consumer::from_env`], then `handler`
/// on every event Lambda delivers until the sandbox ends. Subscribe the function with
/// `FunctionResponseTypes: [ReportBatchItemFailures]`.
pub async fn run<F, Fut, T, E>(name: &str, handler: F) -> Result<(), Error>
where
    F: Fn(Event, &SqsMessage) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    T: Serialize + DeserializeOwned,
    E: std::fmt::Display,
{
    // JSON logs, and OpenTelemetry traces when OTEL_EXPORTER_OTLP_ENDPOINT is set (feature `otel`).
    let telemetry = crate::telemetry::init(name);
    // Boxed, here and per batch: the SDK's futures nest too deep for the compiler's layout
    // limit in the caller's `main` otherwise, and a consumer should not need a
    // `recursion_limit` to compile.
    let consumer = Box::pin(Consumer::from_env(name)).await.inspect_err(|error| {
        tracing::error!(%error, "invalid configuration");
    })?;
    let (consumer, handler, telemetry) = (&consumer, &handler, &telemetry);
    let runtime = lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        let deadline = event.context.deadline();
        let span = invocation_span(name, &event);
        let handled = Box::pin(consumer.handle(&event.payload, deadline, handler)).instrument(span).await;
        // Before the answer: Lambda may freeze the sandbox once it has it.
        telemetry.flush();
        Ok::<_, Error>(handled?)
    }));
    Box::pin(runtime).await
}
