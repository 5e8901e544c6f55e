//! Where verified messages go: a small trait, and an in-memory queue for tests and benches;
//! and the claim check's publisher: bodies too large for SQS go to a payload store (S3, see
//! [`crate::claim_check`]) behind a pointer.

use std::future::Future;
use std::sync::Mutex;

use crate::claim_check::PayloadStore;
use crate::error::PublishError;
use crate::message::Queue;
use crate::message::{FifoIds, OutboundMessage, PayloadPointer, payload_key};

/// Sends messages to queues (SQS in production).
pub trait QueuePublisher: Send + Sync {
    /// Resolves once the queue has durably accepted the message.
    fn publish(&self, message: &OutboundMessage<'_>)
    -> impl Future<Output = Result<(), PublishError>> + Send;

    /// Opens the connection to `queue` ahead of the first message (Lambda's init phase), so
    /// the first webhook after a cold start does not pay for it. Does nothing by default.
    fn warm_up(&self, queue: &Queue) -> impl Future<Output = Result<(), PublishError>> + Send {
        let _ = queue;
        async { Ok(()) }
    }
}

/// A message as an [`InMemoryQueues`] recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedMessage {
    /// The queue URL.
    pub queue_url: String,
    /// The body.
    pub body: String,
    /// The attributes.
    pub attributes: Vec<(String, String)>,
    /// FIFO ids, if any.
    pub fifo: Option<FifoIds>,
}

/// An in-memory [`QueuePublisher`] that records messages, optionally failing on demand.
#[derive(Debug, Default)]
pub struct InMemoryQueues {
    messages: Mutex<Vec<RecordedMessage>>,
    failing: std::sync::atomic::AtomicBool,
}

impl InMemoryQueues {
    /// Makes every following publish fail (or succeed again).
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, std::sync::atomic::Ordering::SeqCst);
    }

    /// Everything published so far.
    pub fn messages(&self) -> Vec<RecordedMessage> {
        self.messages.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Forgets what was published (keeps memory flat in long benchmarks).
    pub fn clear(&self) {
        self.messages.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

impl QueuePublisher for InMemoryQueues {
    async fn publish(&self, message: &OutboundMessage<'_>) -> Result<(), PublishError> {
        if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(PublishError {
                queue: message.queue.name.clone(),
                reason: "injected failure".into(),
            });
        }
        let recorded = RecordedMessage {
            queue_url: message.queue.url.clone(),
            body: message.body.clone().into_owned(),
            attributes: message.attributes.iter().map(|(n, v)| ((*n).to_owned(), v.clone())).collect(),
            fifo: message.fifo.clone(),
        };
        self.messages.lock().unwrap_or_else(|e| e.into_inner()).push(recorded);
        Ok(())
    }
}

/// A [`QueuePublisher`] that sends a message too large for SQS (or whose body is not SQS
/// text) as a pointer to its body in a [`PayloadStore`], in the format of the Amazon SQS
/// Extended Client libraries. The body is stored first; the pointer is sent only once it is:
/// a failed store is a failed publish (503), and nothing is queued.
pub struct ClaimCheckPublisher<P, B> {
    inner: P,
    store: Option<(B, String)>,
    max_message_bytes: usize,
}

impl<P: QueuePublisher, B: PayloadStore> ClaimCheckPublisher<P, B> {
    /// Publishes through `inner`; `store` (with its key prefix) takes the bodies that do not
    /// fit `max_message_bytes`. Without a store, every message goes to `inner` as it is.
    pub fn new(inner: P, store: Option<(B, String)>, max_message_bytes: usize) -> Self {
        Self { inner, store, max_message_bytes }
    }

    /// The queue publisher behind the claim check.
    pub fn inner(&self) -> &P {
        &self.inner
    }
}

impl<P: QueuePublisher, B: PayloadStore> QueuePublisher for ClaimCheckPublisher<P, B> {
    async fn publish(&self, message: &OutboundMessage<'_>) -> Result<(), PublishError> {
        let Some((store, prefix)) =
            self.store.as_ref().filter(|_| message.needs_claim_check(self.max_message_bytes))
        else {
            return self.inner.publish(message).await;
        };
        let pointer =
            PayloadPointer { bucket: store.bucket().to_owned(), key: payload_key(prefix, message.raw_body) };
        store.put(&pointer.key, message.raw_body).await.map_err(|reason| PublishError {
            queue: message.queue.name.clone(),
            reason: format!("payload store: {reason}"),
        })?;
        self.inner.publish(&message.with_pointer(&pointer)).await
    }

    async fn warm_up(&self, queue: &Queue) -> Result<(), PublishError> {
        self.inner.warm_up(queue).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claim_check::{InMemoryPayloads, PayloadReader as _};
    use crate::message::{MessageContext, SQS_MAX_MESSAGE_BYTES, attribute};

    fn message<'a>(queue: &'a Queue, body: &'a [u8]) -> OutboundMessage<'a> {
        let context = MessageContext {
            event_id: Some("ev-1"),
            event_type: Some("business.updated"),
            malformed: None,
            account_id: None,
            correlation_id: None,
            received_at: std::time::SystemTime::UNIX_EPOCH,
            auth_method: "hmac",
            trace_header: None,
            traceparent: None,
        };
        OutboundMessage::new(queue, body, context)
    }

    fn claim_check() -> ClaimCheckPublisher<InMemoryQueues, InMemoryPayloads> {
        let store = (InMemoryPayloads::default(), "payloads/".to_owned());
        ClaimCheckPublisher::new(InMemoryQueues::default(), Some(store), SQS_MAX_MESSAGE_BYTES)
    }

    #[tokio::test]
    async fn a_large_body_is_stored_then_sent_as_a_pointer() {
        let queue = Queue::resolve("q", Some("http://localhost/1")).unwrap();
        let publisher = claim_check();
        let body = vec![b'x'; 2 << 20];
        publisher.publish(&message(&queue, &body)).await.unwrap();
        publisher.publish(&message(&queue, b"{}")).await.unwrap();
        let sent = publisher.inner().messages();
        let pointer = PayloadPointer::from_body(&sent[0].body).expect("a pointer");
        let (store, _) = publisher.store.as_ref().unwrap();
        assert_eq!(store.get(&pointer.bucket, &pointer.key, body.len()).await.unwrap(), body);
        assert!(store.get(&pointer.bucket, &pointer.key, body.len() + 1).await.is_err(), "another size");
        let size = sent[0].attributes.iter().find(|(n, _)| n == attribute::EXTENDED_PAYLOAD_SIZE);
        assert_eq!(size.map(|(_, v)| v.as_str()), Some("2097152"));
        assert_eq!(sent[1].body, "{}", "a small body travels in SQS");
        assert_eq!(store.len(), 1);
    }

    #[tokio::test]
    async fn a_failed_store_queues_nothing() {
        let queue = Queue::resolve("q", Some("http://localhost/1")).unwrap();
        let publisher = claim_check();
        publisher.store.as_ref().unwrap().0.set_failing(true);
        let body = vec![b'x'; 2 << 20];
        let error = publisher.publish(&message(&queue, &body)).await.unwrap_err();
        assert!(error.reason.starts_with("payload store:"), "{error}");
        assert!(publisher.inner().messages().is_empty());
    }
}
