//! Run a consumer's handler at most once per event id, even though Middesk retries for days
//! and SQS delivers at least once.
//!
//! A record per key moves through `IN_PROGRESS` (claimed, with a lock that expires when the
//! Lambda invocation would have timed out, so a retry can take over after a crash) to
//! `COMPLETED` (with the handler's result, returned to every repeat). Records expire after
//! the record TTL, which covers every copy of an event: the replay window plus the queue's
//! and the dead-letter queue's retention ([`crate::retention`]). A handler error releases the
//! claim so the retry runs it again.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The shortest record lifetime `IDEMPOTENCY_TTL_SECONDS` accepts: long enough for every copy
/// of an event the verifier can accept at its widest replay window (27 days: 6 + 7 + 14).
pub const MIN_RECORD_TTL: Duration =
    crate::retention::record_ttl_covering(crate::retention::MAX_MAX_EVENT_AGE);
/// Default lifetime of an idempotency record: [`MIN_RECORD_TTL`], which covers the default
/// replay window with room to widen it.
pub const DEFAULT_RECORD_TTL: Duration = MIN_RECORD_TTL;
/// The longest record lifetime: a year (records expire by DynamoDB TTL).
pub const MAX_RECORD_TTL: Duration = Duration::from_secs(365 * 86_400);

/// Attempts at each store write after the handler succeeded (completion, then keeping the lock).
const WRITE_ATTEMPTS: u32 = 3;
/// The wait before the second attempt; doubled before each later one.
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(100);

/// Parses `IDEMPOTENCY_TTL_SECONDS` (unset: [`DEFAULT_RECORD_TTL`]), from [`MIN_RECORD_TTL`] to
/// [`MAX_RECORD_TTL`].
pub fn parse_record_ttl(value: Option<&str>) -> Result<Duration, String> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(DEFAULT_RECORD_TTL) };
    let (min, max) = (MIN_RECORD_TTL.as_secs(), MAX_RECORD_TTL.as_secs());
    match value.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(Duration::from_secs(n)),
        _ => Err(format!("IDEMPOTENCY_TTL_SECONDS={value:?} is invalid: expected {min} to {max} seconds")),
    }
}

/// What a claim on a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Nobody has processed the key (or the earlier attempt's lock expired): go ahead.
    Acquired,
    /// Already processed; the stored result (JSON).
    Completed(String),
    /// Another invocation is processing it right now.
    InProgress,
}

/// The store failed.
#[derive(Debug, thiserror::Error)]
#[error("idempotency store failed: {0}")]
pub struct StoreError(pub String);

/// Durable idempotency records (DynamoDB in production, memory in tests).
pub trait IdempotencyStore: Send + Sync {
    /// Atomically claims `key` unless it is completed or locked by someone else at `now`.
    fn claim(
        &self,
        key: &str,
        now: SystemTime,
        lock_until: SystemTime,
        expires_at: SystemTime,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send;

    /// Marks `key` completed with `result`.
    fn complete(
        &self,
        key: &str,
        result: &str,
        expires_at: SystemTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Extends an in-progress claim to `lock_until` (no-op if `key` is not in progress).
    fn extend_lock(
        &self,
        key: &str,
        lock_until: SystemTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Drops an in-progress claim so that a retry can run the handler again.
    fn release(&self, key: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The outcome of a guarded run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Guarded<T> {
    /// The handler ran now and returned this.
    Ran(T),
    /// A repeat: the handler did not run; this is the stored result of the first run.
    Repeat(T),
}

impl<T> Guarded<T> {
    /// The result, fresh or stored.
    pub fn into_inner(self) -> T {
        match self {
            Self::Ran(t) | Self::Repeat(t) => t,
        }
    }
}

/// Why a guarded run did not produce a result. Every variant should fail the SQS message so
/// it is retried (an in-progress duplicate is retried after its visibility timeout).
#[derive(Debug, thiserror::Error)]
pub enum GuardError<E> {
    /// Another invocation holds the claim.
    #[error("event is being processed by another invocation")]
    InProgress,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The result could not be stored or read back as JSON.
    #[error("result is not serialisable: {0}")]
    Result(#[from] serde_json::Error),
    /// The handler failed (its claim was released).
    #[error("{0}")]
    Handler(E),
}

/// Runs handlers at most once per key.
pub struct IdempotencyGuard<S> {
    store: S,
    namespace: String,
    record_ttl: Duration,
}

impl<S: IdempotencyStore> IdempotencyGuard<S> {
    /// A guard whose keys are prefixed with `namespace` (the consumer's name), so consumers
    /// sharing a table do not see each other's records.
    pub fn new(store: S, namespace: impl Into<String>, record_ttl: Duration) -> Self {
        // Clamped so that `now + record_ttl` can never overflow.
        Self { store, namespace: namespace.into(), record_ttl: record_ttl.min(MAX_RECORD_TTL) }
    }

    /// The store (for tests that inspect it).
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The record key of `event_id`.
    pub(crate) fn key(&self, event_id: &str) -> String {
        format!("{}#{event_id}", self.namespace)
    }

    /// The consumer's name, which prefixes its keys.
    pub(crate) fn namespace(&self) -> &str {
        &self.namespace
    }

    /// How long a record lives.
    pub(crate) fn record_ttl(&self) -> Duration {
        self.record_ttl
    }

    /// Runs `handler` for `event_id` unless it already ran. `deadline` is when this invocation
    /// times out (Lambda's `context.deadline()`): past it, a retry may take the claim over.
    pub async fn run<T, E, F, Fut>(
        &self,
        event_id: &str,
        deadline: SystemTime,
        handler: F,
    ) -> Result<Guarded<T>, GuardError<E>>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.run_at(event_id, SystemTime::now(), deadline, handler).await
    }

    /// [`run`](Self::run) at `now` (the clock records are written and judged by).
    pub async fn run_at<T, E, F, Fut>(
        &self,
        event_id: &str,
        now: SystemTime,
        deadline: SystemTime,
        handler: F,
    ) -> Result<Guarded<T>, GuardError<E>>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let key = self.key(event_id);
        let expires_at = now.checked_add(self.record_ttl).unwrap_or(now);
        match self.store.claim(&key, now, deadline, expires_at).await? {
            Claim::Completed(stored) => return Ok(Guarded::Repeat(serde_json::from_str(&stored)?)),
            Claim::InProgress => return Err(GuardError::InProgress),
            Claim::Acquired => {}
        }
        match handler().await {
            Ok(value) => {
                let result = serde_json::to_string(&value)?;
                let completed = retried(deadline, || self.store.complete(&key, &result, expires_at)).await;
                if let Err(error) = completed {
                    self.keep_lock(&key, event_id, expires_at, deadline, &error).await;
                }
                // The handler's side effect happened: acknowledge, so SQS does not redeliver.
                Ok(Guarded::Ran(value))
            }
            Err(error) => {
                if let Err(release) = self.store.release(&key).await {
                    // The claim then expires at the deadline and a retry takes over.
                    tracing::warn!(%release, event_id, "could not release the idempotency claim");
                }
                Err(GuardError::Handler(error))
            }
        }
    }
}

impl<S: IdempotencyStore> IdempotencyGuard<S> {
    /// After the handler ran but its completion could not be recorded: keeps the claim for as
    /// long as the record lives (`expires_at`), so that no redelivery, however late, runs the
    /// side effect again. A redelivery finds the event in progress and fails, until it is
    /// dead-lettered and its alarm calls someone: loud, never a second run.
    pub(crate) async fn keep_lock(
        &self,
        key: &str,
        event_id: &str,
        expires_at: SystemTime,
        deadline: SystemTime,
        error: &StoreError,
    ) {
        match retried(deadline, || self.store.extend_lock(key, expires_at)).await {
            Ok(()) => tracing::error!(
                event_id,
                %error,
                "handler ran but its completion was not recorded; the claim is kept for the record's lifetime, so a redelivery fails instead of running it again"
            ),
            Err(extend) => tracing::error!(
                event_id,
                %error,
                %extend,
                "handler ran but neither its completion nor a longer claim was recorded; a redelivery after this invocation's deadline may run it again"
            ),
        }
    }
}

/// Runs `write` up to [`WRITE_ATTEMPTS`] times with doubling waits, never waiting past
/// `deadline` (the invocation must still answer in time).
pub(crate) async fn retried<F, Fut>(deadline: SystemTime, mut write: F) -> Result<(), StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), StoreError>>,
{
    let mut delay = FIRST_RETRY_DELAY;
    let mut attempt = 1;
    loop {
        match write().await {
            Ok(()) => return Ok(()),
            Err(error) => {
                let in_time = SystemTime::now().checked_add(delay).is_some_and(|t| t < deadline);
                if attempt >= WRITE_ATTEMPTS || !in_time {
                    return Err(error);
                }
                tracing::warn!(%error, attempt, "idempotency store write failed; retrying");
                tokio::time::sleep(delay).await;
                delay *= 2;
                attempt += 1;
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Record {
    InProgress { lock_until: SystemTime, expires_at: SystemTime },
    Completed { result: String, expires_at: SystemTime, status: &'static str },
}

/// The status of a record whose handler ran and returned.
pub const COMPLETED: &str = "COMPLETED";
/// The status of a record whose handler ran on an event older than its object's newest (see
/// `consume::newest`): done like a completed one, and told apart from it by replay, redrive
/// and an operator.
pub const SUPERSEDED: &str = "SUPERSEDED";

/// An in-memory [`IdempotencyStore`] for tests and local runs (not shared between Lambdas).
#[derive(Debug, Default)]
pub struct InMemoryIdempotencyStore {
    records: Mutex<HashMap<String, Record>>,
}

impl InMemoryIdempotencyStore {
    /// [`IdempotencyStore::claim`], at once (callers may hold the objects' lock around it).
    pub(crate) fn claim_now(
        &self,
        key: &str,
        now: SystemTime,
        lock_until: SystemTime,
        expires_at: SystemTime,
    ) -> Claim {
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        match records.get(key) {
            Some(Record::Completed { result, expires_at, .. }) if *expires_at > now => {
                return Claim::Completed(result.clone());
            }
            Some(Record::InProgress { lock_until, expires_at }) if *lock_until > now && *expires_at > now => {
                return Claim::InProgress;
            }
            _ => {}
        }
        records.insert(key.to_owned(), Record::InProgress { lock_until, expires_at });
        Claim::Acquired
    }

    /// [`IdempotencyStore::complete`], at once.
    pub(crate) fn complete_now(&self, key: &str, result: &str, expires_at: SystemTime) {
        self.complete_now_as(key, result, expires_at, COMPLETED);
    }

    /// Completes `key` with `status` ([`COMPLETED`] or [`SUPERSEDED`]), at once.
    pub(crate) fn complete_now_as(
        &self,
        key: &str,
        result: &str,
        expires_at: SystemTime,
        status: &'static str,
    ) {
        let record = Record::Completed { result: result.to_owned(), expires_at, status };
        self.records.lock().unwrap_or_else(|e| e.into_inner()).insert(key.to_owned(), record);
    }

    /// The status of `key`'s record (`IN_PROGRESS`, [`COMPLETED`], [`SUPERSEDED`]), if any.
    pub fn status(&self, key: &str) -> Option<&'static str> {
        match self.records.lock().unwrap_or_else(|e| e.into_inner()).get(key)? {
            Record::InProgress { .. } => Some("IN_PROGRESS"),
            Record::Completed { status, .. } => Some(status),
        }
    }

    /// [`IdempotencyStore::release`], at once.
    pub(crate) fn release_now(&self, key: &str) {
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        if matches!(records.get(key), Some(Record::InProgress { .. })) {
            records.remove(key);
        }
    }
}

impl IdempotencyStore for InMemoryIdempotencyStore {
    async fn claim(
        &self,
        key: &str,
        now: SystemTime,
        lock_until: SystemTime,
        expires_at: SystemTime,
    ) -> Result<Claim, StoreError> {
        Ok(self.claim_now(key, now, lock_until, expires_at))
    }

    async fn complete(&self, key: &str, result: &str, expires_at: SystemTime) -> Result<(), StoreError> {
        self.complete_now(key, result, expires_at);
        Ok(())
    }

    async fn extend_lock(&self, key: &str, new_lock: SystemTime) -> Result<(), StoreError> {
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(Record::InProgress { lock_until, .. }) = records.get_mut(key) {
            *lock_until = new_lock;
        }
        Ok(())
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        self.release_now(key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn guard() -> IdempotencyGuard<InMemoryIdempotencyStore> {
        IdempotencyGuard::new(InMemoryIdempotencyStore::default(), "test", DEFAULT_RECORD_TTL)
    }

    fn in_a_minute() -> SystemTime {
        SystemTime::now() + Duration::from_secs(60)
    }

    #[tokio::test]
    async fn a_repeat_returns_the_stored_result_without_running() {
        let g = guard();
        let runs = AtomicUsize::new(0);
        let work = || async {
            runs.fetch_add(1, Ordering::SeqCst);
            Ok::<_, String>("approve".to_string())
        };
        assert_eq!(g.run("ev1", in_a_minute(), work).await.unwrap(), Guarded::Ran("approve".into()));
        assert_eq!(g.run("ev1", in_a_minute(), work).await.unwrap(), Guarded::Repeat("approve".into()));
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        // Another id runs.
        assert!(matches!(g.run("ev2", in_a_minute(), work).await.unwrap(), Guarded::Ran(_)));
    }

    #[tokio::test]
    async fn a_failure_releases_the_claim_for_the_retry() {
        let g = guard();
        let failed = g.run("ev1", in_a_minute(), || async { Err::<u8, _>("boom") }).await;
        assert!(matches!(failed, Err(GuardError::Handler("boom"))));
        let retried = g.run("ev1", in_a_minute(), || async { Ok::<_, &str>(7u8) }).await.unwrap();
        assert_eq!(retried, Guarded::Ran(7));
    }

    #[tokio::test]
    async fn an_expired_in_progress_claim_is_taken_over() {
        let store = InMemoryIdempotencyStore::default();
        let now = SystemTime::now();
        let far = now + DEFAULT_RECORD_TTL;
        // A crashed invocation left a claim whose lock ran out a second ago.
        assert_eq!(store.claim("k", now, now + Duration::from_secs(60), far).await.unwrap(), Claim::Acquired);
        assert_eq!(
            store.claim("k", now, now + Duration::from_secs(60), far).await.unwrap(),
            Claim::InProgress
        );
        let later = now + Duration::from_secs(61);
        assert_eq!(
            store.claim("k", later, later + Duration::from_secs(60), far).await.unwrap(),
            Claim::Acquired
        );
    }

    #[test]
    fn record_ttl_bounds() {
        assert_eq!(parse_record_ttl(None), Ok(DEFAULT_RECORD_TTL));
        assert_eq!(parse_record_ttl(Some("")), Ok(DEFAULT_RECORD_TTL));
        assert_eq!(parse_record_ttl(Some("2592000")), Ok(Duration::from_secs(2_592_000)));
        // A week was the old minimum: shorter than a copy can live in a dead-letter queue.
        for bad in ["86400", "604800", "2332799", "31536001", "18446744073709551615", "7d", "-1"] {
            assert!(parse_record_ttl(Some(bad)).is_err(), "{bad}");
        }
        // Every copy of an event the widest replay window accepts finds its record.
        let widest = crate::retention::MAX_MAX_EVENT_AGE;
        let last_copy = widest + crate::retention::QUEUE_RETENTION + crate::retention::DEAD_LETTER_RETENTION;
        assert!(MIN_RECORD_TTL >= last_copy && DEFAULT_RECORD_TTL >= last_copy);
    }

    #[tokio::test]
    async fn a_huge_record_ttl_does_not_overflow() {
        let guard = IdempotencyGuard::new(InMemoryIdempotencyStore::default(), "t", Duration::MAX);
        let deadline = SystemTime::now() + Duration::from_secs(60);
        let ran = guard.run("e", deadline, || async { Ok::<_, String>(1) }).await;
        assert!(matches!(ran, Ok(Guarded::Ran(1))));
    }
}
