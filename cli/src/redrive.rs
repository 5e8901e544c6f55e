//! `middesk-webhooks redrive`: moves messages from a dead-letter queue back to the queue they
//! came from, once the consumer is fixed. On AWS it starts SQS's own message move task; where
//! that API is missing (emulators) it copies: receive, send, and delete only what was sent.

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName, MessageSystemAttributeNameForSends,
    MessageSystemAttributeValue, SendMessageBatchRequestEntry,
};
use middesk_webhooks::message::SQS_MAX_MESSAGE_BYTES;

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
    /// What stopped the run before the dead-letter queue was drained, if anything: what was
    /// counted above still stands (nothing is deleted that was not sent).
    pub stopped: Option<String>,
}

impl CopyReport {
    /// Whether every message was moved and the run was not stopped.
    pub fn complete(&self) -> bool {
        self.stopped.is_none() && self.not_sent + self.sent_not_deleted == 0
    }
}

pub use middesk_webhooks::aws::sqs::{attribute, held, queue_arn, queue_url, waiting};

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
///
/// Always returns what it did: a failure that stops the run is in [`CopyReport::stopped`].
pub async fn copy_back(sqs: &Client, dead_letter_url: &str, destination_url: &str) -> CopyReport {
    let mut report = CopyReport::default();
    if let Err(error) = copy_until_drained(sqs, dead_letter_url, destination_url, &mut report).await {
        report.stopped = Some(error);
    }
    report
}

async fn copy_until_drained(
    sqs: &Client,
    dead_letter_url: &str,
    destination_url: &str,
    report: &mut CopyReport,
) -> Result<(), String> {
    let fifo = destination_url.ends_with(".fifo");
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
        let entries: Vec<(SendMessageBatchRequestEntry, usize)> = received
            .iter()
            .enumerate()
            .filter_map(|(i, m)| Some((send_entry(i, m, fifo)?, message_size(m))))
            .collect();
        report.not_sent += received.len() - entries.len();
        for batch in batches_within(entries, SQS_MAX_MESSAGE_BYTES) {
            let sent = sqs
                .send_message_batch()
                .queue_url(destination_url)
                .set_entries(Some(batch))
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
            let deleted =
                sqs.delete_message_batch().queue_url(dead_letter_url).set_entries(Some(deletes)).send();
            match deleted.await {
                Ok(deleted) => {
                    report.moved += deleted.successful.len();
                    report.sent_not_deleted += deleted.failed.len();
                }
                Err(_) => report.sent_not_deleted += count,
            }
        }
    }
    Ok(())
}

/// What a message counts for against SQS's size limit: its body and its attributes (name,
/// data type and value).
fn message_size(message: &Message) -> usize {
    let attributes = message.message_attributes.iter().flatten().map(|(name, value)| {
        let data = value.string_value.as_ref().map_or(0, String::len)
            + value.binary_value.as_ref().map_or(0, |b| b.as_ref().len());
        name.len() + value.data_type.len() + data
    });
    message.body.as_ref().map_or(0, String::len) + attributes.sum::<usize>()
}

/// `entries` (each with its size) in order, grouped into batches of at most ten whose sizes add
/// up to at most `limit` (SendMessageBatch's limits); an entry alone is never over `limit`,
/// since SQS would not have held it.
fn batches_within<T>(entries: Vec<(T, usize)>, limit: usize) -> Vec<Vec<T>> {
    let mut batches: Vec<Vec<T>> = Vec::new();
    let mut size = 0;
    for (entry, entry_size) in entries {
        match batches.last_mut() {
            Some(batch) if batch.len() < 10 && size + entry_size <= limit => {
                batch.push(entry);
                size += entry_size;
            }
            _ => {
                batches.push(vec![entry]);
                size = entry_size;
            }
        }
    }
    batches
}

fn send_entry(index: usize, message: &Message, fifo: bool) -> Option<SendMessageBatchRequestEntry> {
    let system_attribute =
        |name: MessageSystemAttributeName| message.attributes.as_ref().and_then(|a| a.get(&name)).cloned();
    // The trace the message belongs to goes with it (SQS's own move task keeps it too).
    let trace = system_attribute(MessageSystemAttributeName::AwsTraceHeader).and_then(|header| {
        let value =
            MessageSystemAttributeValue::builder().data_type("String").string_value(header).build().ok()?;
        Some(std::collections::HashMap::from([(MessageSystemAttributeNameForSends::AwsTraceHeader, value)]))
    });
    let mut entry = SendMessageBatchRequestEntry::builder()
        .id(index.to_string())
        .message_body(message.body.clone()?)
        .set_message_attributes(message.message_attributes.clone())
        .set_message_system_attributes(trace);
    if fifo {
        // A fresh deduplication id: the original one, if still inside the source queue's
        // 5-minute window, would make SQS drop the copy after we deleted the dead letter.
        entry = entry
            .set_message_group_id(system_attribute(MessageSystemAttributeName::MessageGroupId))
            .message_deduplication_id(format!("redrive-{}", message.message_id.as_deref()?));
    }
    entry.build().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copied_dead_letter_keeps_its_trace_its_attributes_and_its_fifo_group() {
        // Unit-tested: the emulator's SendMessageBatch drops system attributes, AWS's keeps them.
        let trace = "Root=1-67a0c1d2-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1";
        let attribute = aws_sdk_sqs::types::MessageAttributeValue::builder()
            .data_type("String")
            .string_value("ev-1")
            .build()
            .unwrap();
        let message = Message::builder()
            .message_id("m-1")
            .body("{}")
            .message_attributes("event_id", attribute.clone())
            .attributes(MessageSystemAttributeName::AwsTraceHeader, trace)
            .attributes(MessageSystemAttributeName::MessageGroupId, "biz-1")
            .build();
        let entry = send_entry(3, &message, true).unwrap();
        let system = entry.message_system_attributes().unwrap();
        let header = &system[&MessageSystemAttributeNameForSends::AwsTraceHeader];
        assert_eq!((header.string_value(), header.data_type()), (Some(trace), "String"));
        assert_eq!(entry.message_attributes().unwrap()["event_id"], attribute);
        assert_eq!((entry.id(), entry.message_group_id()), ("3", Some("biz-1")));
        assert_eq!(entry.message_deduplication_id(), Some("redrive-m-1"));
        // Without a trace, none is made up.
        let plain = Message::builder().message_id("m-2").body("{}").build();
        assert!(send_entry(0, &plain, false).unwrap().message_system_attributes().is_none());
    }

    #[test]
    fn batches_stay_within_ten_entries_and_the_size_limit() {
        let sizes =
            |batches: Vec<Vec<usize>>| batches.iter().map(|b| b.iter().sum::<usize>()).collect::<Vec<_>>();
        let kb = 1024;
        // Ten messages of 600 KB: one a batch (two would be 1200 KB).
        let big: Vec<(usize, usize)> = (0..10).map(|_| (600 * kb, 600 * kb)).collect();
        assert_eq!(batches_within(big, 1024 * kb).len(), 10);
        // Small ones: ten a batch.
        let small: Vec<(usize, usize)> = (0..23).map(|_| (kb, kb)).collect();
        assert_eq!(batches_within(small, 1024 * kb).iter().map(Vec::len).collect::<Vec<_>>(), [10, 10, 3]);
        // Mixed, in order, each batch as full as the limit allows.
        let mixed = [500, 500, 100, 900, 24, 1].map(|s| (s * kb, s * kb)).to_vec();
        assert_eq!(sizes(batches_within(mixed, 1024 * kb)), [1000 * kb, 1024 * kb, kb]);
    }
}
