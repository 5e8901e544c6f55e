//! `middesk-webhooks redrive`: moves messages from a dead-letter queue back to the queue they
//! came from, once the consumer is fixed. On AWS it starts SQS's own message move task; where
//! that API is missing (emulators) it copies: receive, send, and delete only what was sent.

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName, QueueAttributeName,
    SendMessageBatchRequestEntry,
};

/// How long received messages stay invisible while they are copied; a message whose send
/// failed comes back to the dead-letter queue after this.
const VISIBILITY_SECONDS: i32 = 60;
/// Empty receives in a row after which the dead-letter queue counts as drained.
const EMPTY_RECEIVES_TO_STOP: u32 = 2;

/// What a copy moved.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CopyReport {
    /// Sent to the destination and deleted from the dead-letter queue.
    pub moved: usize,
    /// Not sent: still in the dead-letter queue (visible again after a minute).
    pub not_sent: usize,
    /// Sent, but the delete failed: still in the dead-letter queue too, so a later redrive
    /// sends them again (the consumers' idempotency absorbs the repeat).
    pub sent_not_deleted: usize,
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

/// One attribute of a queue.
pub async fn attribute(sqs: &Client, url: &str, name: QueueAttributeName) -> Result<String, String> {
    let out = sqs.get_queue_attributes().queue_url(url).attribute_names(name.clone()).send().await;
    let attributes = out
        .map_err(|e| format!("{url}: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?
        .attributes
        .unwrap_or_default();
    attributes.get(&name).cloned().ok_or_else(|| format!("{url} has no {name}"))
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

/// The queue whose redrive policy names `dead_letter_url`: where its messages came from.
pub async fn source_queue(sqs: &Client, dead_letter_url: &str) -> Result<String, String> {
    let out = sqs.list_dead_letter_source_queues().queue_url(dead_letter_url).send().await;
    let sources = out
        .map_err(|e| format!("{dead_letter_url}: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?
        .queue_urls;
    match sources.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(format!("no queue uses {dead_letter_url} as its dead-letter queue; pass --to")),
        many => {
            Err(format!("{} queues use {dead_letter_url} as their dead-letter queue; pass --to", many.len()))
        }
    }
}

/// Starts SQS's message move task from the dead-letter queue to `destination`; returns its
/// handle. SQS moves the messages in the background.
pub async fn start_move_task(
    sqs: &Client,
    dead_letter_url: &str,
    destination_url: &str,
) -> Result<String, String> {
    let source_arn = queue_arn(sqs, dead_letter_url).await?;
    let destination_arn = queue_arn(sqs, destination_url).await?;
    let out =
        sqs.start_message_move_task().source_arn(source_arn).destination_arn(destination_arn).send().await;
    out.map_err(|e| format!("message move task: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))
        .map(|o| o.task_handle.unwrap_or_default())
}

/// Copies every message from the dead-letter queue to `destination` (body and message
/// attributes unchanged; FIFO group and deduplication ids kept), deleting each only after its
/// send succeeded, until the dead-letter queue is drained.
pub async fn copy_back(
    sqs: &Client,
    dead_letter_url: &str,
    destination_url: &str,
) -> Result<CopyReport, String> {
    let fifo = destination_url.ends_with(".fifo");
    let mut report = CopyReport::default();
    let mut empty = 0;
    while empty < EMPTY_RECEIVES_TO_STOP {
        let received = sqs
            .receive_message()
            .queue_url(dead_letter_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .visibility_timeout(VISIBILITY_SECONDS)
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .map_err(|e| format!("receive: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?
            .messages
            .unwrap_or_default();
        if received.is_empty() {
            empty += 1;
            continue;
        }
        empty = 0;
        let entries: Vec<SendMessageBatchRequestEntry> =
            received.iter().enumerate().filter_map(|(i, m)| send_entry(i, m, fifo)).collect();
        report.not_sent += received.len() - entries.len();
        let sent = sqs
            .send_message_batch()
            .queue_url(destination_url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| format!("send: {}", aws_sdk_sqs::error::DisplayErrorContext(&e)))?;
        report.not_sent += sent.failed.len();
        // Delete exactly what the destination accepted: never a message that was not sent.
        let deletes: Vec<DeleteMessageBatchRequestEntry> = sent
            .successful
            .iter()
            .filter_map(|ok| {
                let message = &received[ok.id.parse::<usize>().ok()?];
                DeleteMessageBatchRequestEntry::builder()
                    .id(&ok.id)
                    .receipt_handle(message.receipt_handle.as_deref()?)
                    .build()
                    .ok()
            })
            .collect();
        if deletes.is_empty() {
            continue;
        }
        let count = deletes.len();
        match sqs.delete_message_batch().queue_url(dead_letter_url).set_entries(Some(deletes)).send().await {
            Ok(deleted) => {
                report.moved += deleted.successful.len();
                report.sent_not_deleted += deleted.failed.len();
            }
            Err(_) => report.sent_not_deleted += count,
        }
    }
    Ok(report)
}

fn send_entry(index: usize, message: &Message, fifo: bool) -> Option<SendMessageBatchRequestEntry> {
    let system_attribute =
        |name: MessageSystemAttributeName| message.attributes.as_ref().and_then(|a| a.get(&name)).cloned();
    let mut entry = SendMessageBatchRequestEntry::builder()
        .id(index.to_string())
        .message_body(message.body.clone()?)
        .set_message_attributes(message.message_attributes.clone());
    if fifo {
        // A fresh deduplication id: the original one, if still inside the source queue's
        // 5-minute window, would make SQS drop the copy after we deleted the dead letter.
        entry = entry
            .set_message_group_id(system_attribute(MessageSystemAttributeName::MessageGroupId))
            .message_deduplication_id(format!("redrive-{}", message.message_id.as_deref()?));
    }
    entry.build().ok()
}
