//! Sending to SQS, and SQS messages as a Lambda event.

use std::collections::HashMap;

use aws_lambda_events::event::sqs::SqsEvent;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{
    MessageAttributeValue, MessageSystemAttributeNameForSends, MessageSystemAttributeValue,
    QueueAttributeName,
};
use serde_json::{Value, json};
use tracing::Instrument as _;

use crate::error::PublishError;
use crate::message::OutboundMessage;
use crate::verify::publisher::QueuePublisher;

/// Sends messages with SQS `SendMessage`.
#[derive(Debug, Clone)]
pub struct SqsPublisher {
    client: aws_sdk_sqs::Client,
}

impl SqsPublisher {
    /// A publisher using this client.
    pub fn new(client: aws_sdk_sqs::Client) -> Self {
        Self { client }
    }
}

impl QueuePublisher for SqsPublisher {
    async fn warm_up(&self, queue: &crate::verify::routing::Queue) -> Result<(), PublishError> {
        // A cheap authenticated call: it opens the TLS connection and checks the queue exists.
        self.client
            .get_queue_attributes()
            .queue_url(&queue.url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .map(drop)
            .map_err(|e| PublishError {
                queue: queue.name.clone(),
                reason: aws_sdk_sqs::error::DisplayErrorContext(&e).to_string(),
            })
    }

    async fn publish(&self, message: &OutboundMessage<'_>) -> Result<(), PublishError> {
        // The messaging conventions' send span: its context is the message's creation context,
        // the one each consumer's span links to.
        let span = tracing::info_span!(
            target: crate::telemetry::TARGET,
            "send",
            otel.name = format!("send {}", message.queue.name),
            otel.kind = "producer",
            messaging.system = "aws_sqs",
            messaging.operation.name = "send",
            messaging.operation.type = "send",
            messaging.destination.name = %message.queue.name,
            aws.sqs.queue.url = %message.queue.url,
            messaging.message.id = tracing::field::Empty,
            middesk.event.id = message.attribute(crate::message::attribute::EVENT_ID),
            middesk.event.type = message.attribute(crate::message::attribute::EVENT_TYPE),
            otel.status_code = tracing::field::Empty,
            error.type = tracing::field::Empty,
        );
        let traceparent = crate::telemetry::traceparent(&span).or_else(|| message.traceparent.clone());
        let sent = self.send(message, traceparent).instrument(span.clone()).await;
        match &sent {
            Ok(id) => drop(span.record("messaging.message.id", id.as_deref())),
            Err(_) => crate::telemetry::record_error(&span, "send_failed"),
        }
        sent.map(drop)
    }
}

impl SqsPublisher {
    /// Sends `message` with `traceparent`, if any; the message id SQS gave it.
    async fn send(
        &self,
        message: &OutboundMessage<'_>,
        traceparent: Option<String>,
    ) -> Result<Option<String>, PublishError> {
        let failed = |reason: String| PublishError { queue: message.queue.name.clone(), reason };
        let mut attributes = HashMap::with_capacity(message.attributes.len() + 1);
        for (name, value) in &message.attributes {
            let data_type = match *name {
                crate::message::attribute::EXTENDED_PAYLOAD_SIZE => "Number",
                _ => "String",
            };
            let value = MessageAttributeValue::builder()
                .data_type(data_type)
                .string_value(value)
                .build()
                .map_err(|e| failed(e.to_string()))?;
            attributes.insert((*name).to_owned(), value);
        }
        if let Some(traceparent) = traceparent {
            let value = MessageAttributeValue::builder()
                .data_type("String")
                .string_value(traceparent)
                .build()
                .map_err(|e| failed(e.to_string()))?;
            attributes.insert(crate::message::attribute::TRACEPARENT.to_owned(), value);
        }
        let fifo = message.fifo.as_ref();
        let trace = match &message.trace_header {
            Some(header) => Some(HashMap::from([(
                MessageSystemAttributeNameForSends::AwsTraceHeader,
                MessageSystemAttributeValue::builder()
                    .data_type("String")
                    .string_value(header)
                    .build()
                    .map_err(|e| failed(e.to_string()))?,
            )])),
            None => None,
        };
        let sent = self
            .client
            .send_message()
            .set_message_system_attributes(trace)
            .queue_url(&message.queue.url)
            .message_body(message.body.as_ref())
            .set_message_attributes(Some(attributes))
            .set_message_group_id(fifo.map(|f| f.group_id.clone()))
            .set_message_deduplication_id(fifo.map(|f| f.deduplication_id.clone()))
            .send()
            .await
            .map_err(|e| failed(aws_sdk_sqs::error::DisplayErrorContext(&e).to_string()))?;
        Ok(sent.message_id)
    }
}

/// The Lambda SQS event that an event source mapping would deliver for these messages.
pub fn lambda_sqs_event(messages: &[aws_sdk_sqs::types::Message], queue_arn: &str) -> SqsEvent {
    let records: Vec<Value> = messages
        .iter()
        .map(|m| {
            let attributes: serde_json::Map<String, Value> = m
                .message_attributes
                .iter()
                .flatten()
                .map(|(k, v)| (k.clone(), json!({ "stringValue": v.string_value, "dataType": v.data_type })))
                .collect();
            let system: serde_json::Map<String, Value> =
                m.attributes.iter().flatten().map(|(k, v)| (k.as_str().to_owned(), json!(v))).collect();
            json!({
                "messageId": m.message_id,
                "receiptHandle": m.receipt_handle,
                "body": m.body,
                "attributes": system,
                "messageAttributes": attributes,
                "md5OfBody": m.md5_of_body,
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "us-east-1"
            })
        })
        .collect();
    // Every field is optional in the target type, so this conversion cannot fail.
    serde_json::from_value(json!({ "Records": records })).unwrap_or_default()
}

/// A received message's string attribute `name`, if it has one.
pub fn message_attribute<'a>(message: &'a aws_sdk_sqs::types::Message, name: &str) -> Option<&'a str> {
    message.message_attributes.as_ref()?.get(name)?.string_value.as_deref()
}

/// A queue URL from a URL or a name.
pub async fn queue_url(sqs: &Client, queue: &str) -> Result<String, String> {
    if queue.starts_with("https://") || queue.starts_with("http://") {
        return Ok(queue.to_owned());
    }
    let out = sqs.get_queue_url().queue_name(queue).send().await;
    out.map_err(|e| format!("queue {queue}: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))
        .map(|o| o.queue_url.unwrap_or_default())
}

/// The attributes `names` of a queue that it has, in one call.
pub(crate) async fn attribute_map(
    sqs: &Client,
    url: &str,
    names: &[QueueAttributeName],
) -> Result<HashMap<QueueAttributeName, String>, String> {
    let out =
        sqs.get_queue_attributes().queue_url(url).set_attribute_names(Some(names.to_vec())).send().await;
    out.map(|o| o.attributes.unwrap_or_default())
        .map_err(|e| format!("{url}: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))
}

/// Attributes of a queue, in one call; an error names the first one the queue lacks.
async fn attributes<const N: usize>(
    sqs: &Client,
    url: &str,
    names: [QueueAttributeName; N],
) -> Result<[String; N], String> {
    let mut attributes = attribute_map(sqs, url, &names).await?;
    let mut values = Vec::with_capacity(N);
    for name in &names {
        values.push(attributes.remove(name).ok_or_else(|| format!("{url} has no {name}"))?);
    }
    values.try_into().map_err(|_| format!("{url}: attributes missing"))
}

/// One attribute of a queue.
pub async fn attribute(sqs: &Client, url: &str, name: QueueAttributeName) -> Result<String, String> {
    let [value] = attributes(sqs, url, [name]).await?;
    Ok(value)
}

/// The queue's ARN.
pub async fn queue_arn(sqs: &Client, url: &str) -> Result<String, String> {
    attribute(sqs, url, QueueAttributeName::QueueArn).await
}

/// Approximately how many messages wait in the queue.
pub async fn waiting(sqs: &Client, url: &str) -> Result<u64, String> {
    let count = attribute(sqs, url, QueueAttributeName::ApproximateNumberOfMessages).await?;
    count.parse().map_err(|_| format!("{url}: message count {count:?}"))
}

/// Approximately how many messages the queue holds: waiting, and in flight (received by
/// someone, a redrive or a peek, and back unless deleted). A dead letter someone is looking at
/// is still a dead letter.
pub async fn held(sqs: &Client, url: &str) -> Result<u64, String> {
    let names = [
        QueueAttributeName::ApproximateNumberOfMessages,
        QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
    ];
    let counts = attributes(sqs, url, names.clone()).await?;
    let mut total = 0;
    for (name, count) in names.iter().zip(&counts) {
        total += count.parse::<u64>().map_err(|_| format!("{url}: {name} {count:?}"))?;
    }
    Ok(total)
}
