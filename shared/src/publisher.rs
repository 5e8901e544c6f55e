//! Where verified messages go: a small trait, and an in-memory queue for tests and benches.

use std::future::Future;
use std::sync::Mutex;

use crate::error::PublishError;
use crate::message::{FifoIds, OutboundMessage};
use crate::routing::Queue;

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
