//! The claim check's two sides: where the verifier stores a body too large for SQS
//! ([`PayloadStore`]) and where a consumer reads it back ([`PayloadReader`]), with an in-memory
//! store for tests. The pointer itself is [`crate::message::PayloadPointer`].

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

/// Where claim-checked bodies are written (S3 in production).
pub trait PayloadStore: Send + Sync {
    /// The bucket that pointers name.
    fn bucket(&self) -> &str;

    /// Stores `body` at `key`; resolves once it is durably stored.
    fn put(&self, key: &str, body: &[u8]) -> impl Future<Output = Result<(), String>> + Send;
}

/// Where consumers read claim-checked bodies from (S3 in production).
pub trait PayloadReader: Send + Sync {
    /// The one bucket, and the key prefix within it, that pointers may name (the stack's
    /// payload bucket); `None` when there is none, and every pointer is refused. A pointer is a
    /// message body, so anyone who could send to the queue could otherwise make a consumer
    /// read any object its role reaches.
    fn location(&self) -> Option<(&str, &str)>;

    /// The bytes at `bucket`/`key`, which the pointer says are `len` bytes: an object of
    /// another size is refused before it is read whole.
    fn get(
        &self,
        bucket: &str,
        key: &str,
        len: usize,
    ) -> impl Future<Output = Result<Vec<u8>, String>> + Send;
}

/// An in-memory [`PayloadStore`] and [`PayloadReader`] for tests, optionally failing.
#[derive(Debug, Default)]
pub struct InMemoryPayloads {
    objects: Mutex<HashMap<(String, String), Vec<u8>>>,
    failing: std::sync::atomic::AtomicBool,
}

impl InMemoryPayloads {
    /// The bucket name this store writes into pointers.
    pub const BUCKET: &'static str = "in-memory-payloads";

    /// Makes every following put fail (or succeed again).
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, std::sync::atomic::Ordering::SeqCst);
    }

    /// The number of stored objects.
    pub fn len(&self) -> usize {
        self.objects.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl PayloadStore for InMemoryPayloads {
    fn bucket(&self) -> &str {
        Self::BUCKET
    }

    async fn put(&self, key: &str, body: &[u8]) -> Result<(), String> {
        if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
            return Err("injected failure".into());
        }
        let mut objects = self.objects.lock().unwrap_or_else(|e| e.into_inner());
        objects.insert((Self::BUCKET.to_owned(), key.to_owned()), body.to_vec());
        Ok(())
    }
}

impl PayloadReader for InMemoryPayloads {
    fn location(&self) -> Option<(&str, &str)> {
        Some((Self::BUCKET, ""))
    }

    async fn get(&self, bucket: &str, key: &str, len: usize) -> Result<Vec<u8>, String> {
        let objects = self.objects.lock().unwrap_or_else(|e| e.into_inner());
        let object = objects
            .get(&(bucket.to_owned(), key.to_owned()))
            .ok_or_else(|| format!("no object {bucket}/{key}"))?;
        match object.len() == len {
            true => Ok(object.clone()),
            false => Err(format!("stored body is {} bytes, not {len}", object.len())),
        }
    }
}
