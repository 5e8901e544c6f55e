//! Consuming the verifier's queues: SQS batches with partial failures, message by message.
//!
//! [`process_batch`] parses each message into a typed [`Event`], runs your handler on it, and
//! returns `batchItemFailures` naming exactly the messages that failed, so the rest are not
//! redelivered. Subscribe the function with `FunctionResponseTypes: [ReportBatchItemFailures]`.
//!
//! Nothing is acknowledged that was not handled: a body that is not an event, an object whose
//! shape no longer fits the model ([`EventObject::Mismatched`]), a handler error or a panic all
//! fail the message, which reaches the dead-letter queue (and its alarm) after
//! `maxReceiveCount`. So does a body the verifier flagged `malformed` (an unreadable
//! `created_at`, an odd id: it reached its type's queue all the same). A consumer that handles
//! changed shapes or malformed bodies from the raw JSON opts in with [`process_batch_with`] and
//! [`Drift::Handle`] ([`BatchOptions::drift`], [`BatchOptions::malformed`]).
//!
//! Bodies too large for SQS arrive as claim-check pointers to S3 (the Amazon SQS Extended
//! Client format). Give [`process_batch_with`] a [`PayloadReader`] (`aws::S3Payloads`) and the
//! handler gets the original body, byte for byte, as if it had travelled in SQS (checked
//! against the SHA-256 its key names); without one, such a message fails (and is
//! dead-lettered) rather than being handled as a pointer.

use std::borrow::Cow;
use std::collections::HashSet;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use aws_lambda_events::event::sqs::{
    BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage, SqsMessageAttribute,
};
use base64::Engine as _;
use futures_util::FutureExt as _;
use tracing::Instrument as _;

use crate::claim_check::PayloadReader;
use crate::consume::event::{Event, EventObject};
use crate::message::{PayloadPointer, attribute};

/// The target of the span that gives a consumer's log lines their event's ids. The trace
/// leaves it out: its `process` span says the same.
pub const EVENT_SPAN_TARGET: &str = "middesk_webhooks::consume::event_ids";

/// Why one message failed.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    /// The body is not an event (for example a `malformed=true` message from the catch-all):
    /// it is reported failed and reaches the dead-letter queue after `maxReceiveCount`.
    #[error("message body is not a Middesk event: {0}")]
    Unparseable(String),
    /// The object is of a known kind but its shape does not fit the model (see
    /// [`EventObject::Mismatched`]); failed so that drift is noticed, not silently skipped.
    #[error("{kind} object does not fit the model: {error}")]
    SchemaDrift {
        /// The object's kind.
        kind: String,
        /// Why it does not fit.
        error: String,
    },
    /// The verifier flagged the body `malformed` (`malformed_reason` says why: an unreadable
    /// `created_at`, an odd id, no envelope at all): failed so that someone looks at it, unless
    /// the consumer opts in with [`BatchOptions::malformed`].
    #[error("the verifier flagged this body malformed: {0}")]
    Malformed(String),
    /// A claim-check pointer whose body could not be read from the payload store.
    #[error("claim-checked body could not be read: {0}")]
    Payload(String),
    /// Your handler returned an error.
    #[error("handler failed: {0}")]
    Handler(String),
    /// Your handler panicked.
    #[error("handler panicked")]
    Panicked,
    /// An earlier message of the same FIFO message group failed, so this one was not tried.
    #[error("skipped after an earlier failure in FIFO group {0}")]
    SkippedAfterGroupFailure(String),
}

impl MessageError {
    /// A short name for the trace's `error.type`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unparseable(_) => "unparseable",
            Self::SchemaDrift { .. } => "schema_drift",
            Self::Malformed(_) => "malformed",
            Self::Payload(_) => "payload_unreadable",
            Self::Handler(_) => "handler_failed",
            Self::Panicked => "handler_panicked",
            Self::SkippedAfterGroupFailure(_) => "skipped_after_group_failure",
        }
    }
}

/// A batch failure that cannot be reported per message (a failed message without an id).
#[derive(Debug, thiserror::Error)]
#[error("a failed SQS message has no messageId; failing the whole batch so nothing is lost")]
pub struct BatchError;

/// The event carried by an SQS message from the verifier (decoding a base64 body if needed).
pub fn decode_message(message: &SqsMessage) -> Result<Event, MessageError> {
    let body = message.body.as_deref().unwrap_or_default();
    let encoding =
        message.message_attributes.get(attribute::BODY_ENCODING).and_then(|a| a.string_value.as_deref());
    let parsed = if encoding == Some("base64") {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|_| MessageError::Unparseable("body_encoding is base64 but the body is not".into()))?;
        Event::from_slice(&bytes)
    } else {
        Event::from_slice(body.as_bytes())
    };
    parsed.map_err(|e| MessageError::Unparseable(crate::consume::event::describe_json_error(&e)))
}

/// What [`process_batch_with`] does with an object whose shape no longer fits the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Drift {
    /// Fail the message (the default): it is retried, then dead-lettered, and the alarm fires.
    #[default]
    Fail,
    /// Hand it to the handler as [`EventObject::Mismatched`], which then deals with the raw JSON.
    Handle,
}

/// The reader of a consumer without one: a claim-check pointer fails its message.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoPayloadReader;

impl PayloadReader for NoPayloadReader {
    fn location(&self) -> Option<(&str, &str)> {
        None
    }

    async fn get(&self, _bucket: &str, _key: &str, _len: usize) -> Result<Vec<u8>, String> {
        Err("a claim-check pointer, but this consumer has no payload reader".into())
    }
}

/// What [`process_batch_with`] does beyond the defaults.
#[derive(Debug, Clone)]
pub struct BatchOptions<R = NoPayloadReader> {
    drift: Drift,
    malformed: Drift,
    payloads: R,
}

impl Default for BatchOptions<NoPayloadReader> {
    /// Drift and malformed bodies fail the message; no payload reader.
    fn default() -> Self {
        Self { drift: Drift::Fail, malformed: Drift::Fail, payloads: NoPayloadReader }
    }
}

impl<R: PayloadReader> BatchOptions<R> {
    /// What to do with an object whose shape no longer fits the model.
    pub fn drift(mut self, drift: Drift) -> Self {
        self.drift = drift;
        self
    }

    /// What to do with a message the verifier flagged `malformed`: fail it (the default), or
    /// hand whatever of it parses to the handler, which then reads the raw body and the
    /// `malformed_reason` attribute.
    pub fn malformed(mut self, malformed: Drift) -> Self {
        self.malformed = malformed;
        self
    }

    /// Reads claim-checked bodies with `reader` (`aws::S3Payloads`).
    pub fn payloads<R2: PayloadReader>(self, reader: R2) -> BatchOptions<R2> {
        BatchOptions { drift: self.drift, malformed: self.malformed, payloads: reader }
    }
}

/// Processes an SQS batch message by message and reports the failures.
///
/// For FIFO queues (a `MessageGroupId` attribute), once a message of a group fails, the rest
/// of that group in the batch is reported failed without being processed, so the group's order
/// is kept; other groups carry on. An object whose shape no longer fits the model fails its
/// message ([`Drift::Fail`]).
pub async fn process_batch<F, Fut, E>(event: &SqsEvent, handler: F) -> Result<SqsBatchResponse, BatchError>
where
    F: FnMut(Event, &SqsMessage) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    process_batch_with(event, &BatchOptions::default(), handler).await
}

/// [`process_batch`] with options: a payload reader for claim-checked bodies, and what to do
/// on schema drift.
pub async fn process_batch_with<R, F, Fut, E>(
    event: &SqsEvent,
    options: &BatchOptions<R>,
    mut handler: F,
) -> Result<SqsBatchResponse, BatchError>
where
    R: PayloadReader,
    F: FnMut(Event, &SqsMessage) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let mut response = SqsBatchResponse::default();
    let mut failed_groups: HashSet<&str> = HashSet::new();
    for message in &event.records {
        let group = message.attributes.get("MessageGroupId").map(String::as_str);
        // Every line written for this message, the handler's own included, carries its ids:
        // one id finds the whole path in the logs, the verifier's line with it.
        let text = |name: &str| message.message_attributes.get(name).and_then(|a| a.string_value.as_deref());
        // The trace's span for this message (the messaging conventions' `process`): linked to
        // the context the verifier sent it in, and its child, so the trace runs on into the
        // handler, whose own spans nest under it.
        let queue = message.event_source_arn.as_deref().and_then(|arn| arn.rsplit(':').next()).unwrap_or("");
        let process = tracing::info_span!(
            target: crate::telemetry::TARGET,
            "process",
            otel.name = format!("process {queue}"),
            otel.kind = "consumer",
            messaging.system = "aws_sqs",
            messaging.operation.name = "process",
            messaging.operation.type = "process",
            messaging.destination.name = queue,
            messaging.message.id = message.message_id.as_deref(),
            middesk.event.id = text(attribute::EVENT_ID),
            middesk.event.type = text(attribute::EVENT_TYPE),
            otel.status_code = tracing::field::Empty,
            error.type = tracing::field::Empty,
        );
        let (traceparent, aws_trace_header) = sender_context(message);
        crate::telemetry::continue_sender_trace(&process, traceparent, aws_trace_header);
        let span = tracing::info_span!(
            target: EVENT_SPAN_TARGET,
            parent: &process,
            "event",
            event_id = text(attribute::EVENT_ID),
            correlation_id = text(attribute::CORRELATION_ID),
            message_id = message.message_id.as_deref(),
        );
        let result = match group {
            Some(g) if failed_groups.contains(g) => Err(MessageError::SkippedAfterGroupFailure(g.to_owned())),
            _ => {
                process_message(message, options, &mut handler)
                    .instrument(span.clone())
                    .instrument(process.clone())
                    .await
            }
        };
        if let Err(error) = result {
            crate::telemetry::record_error(&process, error.kind());
            let _in_span = span.enter();
            tracing::warn!(message_id = message.message_id.as_deref(), %error, "message failed");
            let id = message.message_id.clone().ok_or(BatchError)?;
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
            if let Some(g) = group {
                failed_groups.insert(g);
            }
        }
    }
    Ok(response)
}

/// Where a record names the context it was sent in: its `traceparent` message attribute and
/// its `AWSTraceHeader` system attribute (shared/vectors/trace-context.json says which wins).
pub fn sender_context(message: &SqsMessage) -> (Option<&str>, Option<&str>) {
    let traceparent =
        message.message_attributes.get(attribute::TRACEPARENT).and_then(|a| a.string_value.as_deref());
    (traceparent, message.attributes.get("AWSTraceHeader").map(String::as_str))
}

/// When SQS received the message (its `SentTimestamp` attribute, milliseconds since the epoch);
/// `None` when the attribute is missing or not a number.
pub fn sent_at(message: &SqsMessage) -> Option<std::time::SystemTime> {
    let millis: u64 = message.attributes.get("SentTimestamp")?.parse().ok()?;
    std::time::SystemTime::UNIX_EPOCH.checked_add(std::time::Duration::from_millis(millis))
}

/// The message as if its body had travelled in SQS: a claim-check pointer is replaced by the
/// stored body (base64 with `body_encoding`, if it is not text); any other message as it is.
pub async fn resolve_payload<'m, R: PayloadReader>(
    message: &'m SqsMessage,
    reader: &R,
) -> Result<Cow<'m, SqsMessage>, MessageError> {
    let size = [attribute::EXTENDED_PAYLOAD_SIZE, attribute::LEGACY_PAYLOAD_SIZE]
        .iter()
        .find_map(|name| message.message_attributes.get(*name));
    let Some(size) = size else { return Ok(Cow::Borrowed(message)) };
    let body = message.body.as_deref().unwrap_or_default();
    let pointer = PayloadPointer::from_body(body).ok_or_else(|| {
        MessageError::Payload("ExtendedPayloadSize is set but the body is not a pointer".into())
    })?;
    let len = size.string_value.as_deref().and_then(|s| s.trim().parse::<usize>().ok()).ok_or_else(|| {
        MessageError::Payload(format!("ExtendedPayloadSize {:?} is not a number of bytes", size.string_value))
    })?;
    // Only the stack's payload bucket, under its prefix: the pointer is not trusted to name it.
    match reader.location() {
        Some((bucket, prefix)) if pointer.bucket == bucket && pointer.key.starts_with(prefix) => {}
        Some((bucket, prefix)) => {
            return Err(MessageError::Payload(format!(
                "the pointer names {}/{}, outside the payload bucket {bucket}/{prefix}",
                pointer.bucket, pointer.key
            )));
        }
        None => {
            return Err(MessageError::Payload(
                "a claim-check pointer, but no payload bucket is configured (PAYLOAD_BUCKET)".into(),
            ));
        }
    }
    let bytes = reader.get(&pointer.bucket, &pointer.key, len).await.map_err(MessageError::Payload)?;
    if bytes.len() != len {
        return Err(MessageError::Payload(format!("stored body is {} bytes, not {len}", bytes.len())));
    }
    // The key names the body's SHA-256 (the verifier wrote it so): an object that does not
    // match was changed or put there by someone else, and is not handed to the handler.
    let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    if pointer.key.rsplit('/').next() != Some(digest.as_str()) {
        return Err(MessageError::Payload(format!(
            "the stored body's SHA-256 does not match its key {}",
            pointer.key
        )));
    }
    let mut resolved = message.clone();
    resolved.message_attributes.remove(attribute::EXTENDED_PAYLOAD_SIZE);
    resolved.message_attributes.remove(attribute::LEGACY_PAYLOAD_SIZE);
    resolved.body = Some(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(not_text) => {
            let mut encoding = SqsMessageAttribute::default();
            encoding.string_value = Some("base64".into());
            encoding.data_type = Some("String".into());
            resolved.message_attributes.insert(attribute::BODY_ENCODING.into(), encoding);
            base64::engine::general_purpose::STANDARD.encode(not_text.into_bytes())
        }
    });
    Ok(Cow::Owned(resolved))
}

async fn process_message<R, F, Fut, E>(
    message: &SqsMessage,
    options: &BatchOptions<R>,
    handler: &mut F,
) -> Result<(), MessageError>
where
    R: PayloadReader,
    F: FnMut(Event, &SqsMessage) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let message = resolve_payload(message, &options.payloads).await?;
    let message = message.as_ref();
    let text = |name: &str| message.message_attributes.get(name).and_then(|a| a.string_value.as_deref());
    if options.malformed == Drift::Fail && text(attribute::MALFORMED) == Some("true") {
        let reason = text(attribute::MALFORMED_REASON).unwrap_or("not an event envelope");
        tracing::error!(
            event_id = text(attribute::EVENT_ID),
            event_type = text(attribute::EVENT_TYPE),
            reason,
            "malformed event"
        );
        return Err(MessageError::Malformed(reason.to_owned()));
    }
    let event = decode_message(message)?;
    if let (Drift::Fail, EventObject::Mismatched { kind, error, .. }) = (options.drift, event.object()) {
        tracing::error!(event_id = event.id, event_type = %event.event_type, kind, error, "schema drift");
        return Err(MessageError::SchemaDrift { kind: kind.clone(), error: error.clone() });
    }
    let (event_id, event_type) = (event.id.clone(), event.event_type.clone());
    match AssertUnwindSafe(handler(event, message)).catch_unwind().await {
        Ok(Ok(())) => {
            tracing::debug!(event_id, %event_type, "event handled");
            Ok(())
        }
        Ok(Err(e)) => Err(MessageError::Handler(e.to_string())),
        Err(_) => Err(MessageError::Panicked),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claim_check::{InMemoryPayloads, PayloadStore};
    use crate::message::payload_key;

    fn pointer_message(key: &str, size: usize) -> SqsMessage {
        let pointer = PayloadPointer { bucket: InMemoryPayloads::BUCKET.into(), key: key.into() };
        let mut message = SqsMessage::default();
        message.body = Some(pointer.to_body());
        let mut attribute = SqsMessageAttribute::default();
        (attribute.string_value, attribute.data_type) = (Some(size.to_string()), Some("Number".into()));
        message.message_attributes.insert(attribute::EXTENDED_PAYLOAD_SIZE.into(), attribute);
        message
    }

    #[tokio::test]
    async fn a_claim_checked_body_must_match_the_sha256_its_key_names() {
        let store = InMemoryPayloads::default();
        let body = br#"{"id":"ev-1","type":"business.updated"}"#;
        let key = payload_key("payloads/", body);
        store.put(&key, body).await.unwrap();
        let message = pointer_message(&key, body.len());
        let resolved = resolve_payload(&message, &store).await.unwrap();
        assert_eq!(resolved.body.as_deref().map(str::as_bytes), Some(&body[..]));

        // Someone else's object under the verifier's key (same size), or a key naming no digest.
        let forged = br#"{"id":"ev-1","type":"business.approved"}"#;
        store.put(&key, &forged[..body.len()]).await.unwrap();
        let err = resolve_payload(&pointer_message(&key, body.len()), &store).await.unwrap_err();
        assert!(err.to_string().contains("SHA-256"), "{err}");
        store.put("payloads/not-a-digest", body).await.unwrap();
        assert!(
            resolve_payload(&pointer_message("payloads/not-a-digest", body.len()), &store).await.is_err()
        );
    }

    /// Log lines written under a test's subscriber, as JSON.
    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn lines(&self) -> Vec<serde_json::Value> {
            let bytes = self.0.lock().unwrap().clone();
            String::from_utf8(bytes).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
        }
    }

    fn event_message(id: &str, correlation_id: &str) -> SqsMessage {
        let mut message = SqsMessage::default();
        message.message_id = Some(format!("m-{id}"));
        message.body = Some(format!(
            r#"{{"object":"event","id":"{id}","type":"business.updated","data":{{"object":{{}}}}}}"#
        ));
        for (name, value) in [(attribute::EVENT_ID, id), (attribute::CORRELATION_ID, correlation_id)] {
            let mut a = SqsMessageAttribute::default();
            (a.string_value, a.data_type) = (Some(value.into()), Some("String".into()));
            message.message_attributes.insert(name.into(), a);
        }
        message
    }

    #[tokio::test]
    async fn every_line_written_for_an_event_carries_its_event_and_correlation_ids() {
        use tracing_subscriber::layer::SubscriberExt as _;
        let captured = Captured::default();
        let writer = captured.clone();
        let layer =
            crate::logging::json_layer(move || writer.clone(), tracing::level_filters::LevelFilter::DEBUG);
        let _default = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
        let mut batch = SqsEvent::default();
        batch.records = vec![event_message("ev-ok", "biz-1"), event_message("ev-fails", "biz-2")];
        let response = process_batch(&batch, |event, _| async move {
            // Inside a trace span too: the logs leave those out, so the line keeps its event's ids.
            let step = tracing::info_span!(target: crate::telemetry::TARGET, "step", otel.name = "a step");
            let _in_step = step.enter();
            tracing::info!("the handler's own line");
            match event.id.as_str() {
                "ev-fails" => Err("no"),
                _ => Ok(()),
            }
        })
        .await
        .unwrap();
        assert_eq!(response.batch_item_failures.len(), 1);
        let lines = captured.lines();
        let of = |id: &str| -> Vec<&serde_json::Value> {
            lines.iter().filter(|l| l["span"]["event_id"] == id).collect()
        };
        for (id, correlation_id) in [("ev-ok", "biz-1"), ("ev-fails", "biz-2")] {
            let mine = of(id);
            assert!(mine.iter().any(|l| l["message"] == "the handler's own line"), "{lines:#?}");
            assert!(mine.iter().all(|l| l["span"]["correlation_id"] == correlation_id));
        }
        assert!(
            of("ev-fails").iter().any(|l| l["message"] == "message failed"),
            "the failure line too: {lines:#?}"
        );
        assert!(of("ev-ok").iter().any(|l| l["message"] == "event handled"));
        assert_eq!(
            lines.len(),
            of("ev-ok").len() + of("ev-fails").len(),
            "no line without the ids: {lines:#?}"
        );
    }
}
