//! The webhook signing secret: where it comes from, how rotation is honoured, and how it is
//! cached so that Secrets Manager is called at most once per TTL per container.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tracing::Instrument as _;

use tokio::sync::Mutex;

use crate::error::SecretError;
use crate::verify::signature::{SigningKey, TAG_LEN};

/// The staging label the rotator puts on a version just before it gives that version to
/// Middesk (`setSecret`): Middesk may be signing with it from then on, until a later
/// `setSecret` moves the label. The verifier accepts it like `AWSPENDING`, so that a rotation
/// abandoned after `setSecret` (its `AWSPENDING` label removed or moved to a new rotation's
/// version) drops no delivery Middesk signed with it.
pub const GIVEN_TO_MIDDESK_STAGE: &str = "MIDDESK_SIGNING";

/// The secret versions a source returns: the current one and, during rotation, the pending and
/// the previous.
#[derive(Debug, Clone)]
pub struct SecretVersions {
    /// The `AWSCURRENT` secret.
    pub current: SigningKey,
    /// The secrets Middesk may sign with that are not current: `AWSPENDING` and the version
    /// labelled [`GIVEN_TO_MIDDESK_STAGE`], read only after a signature matched no other (see
    /// [`SecretCache::refresh_after_mismatch`]). The rotator gives the pending version to
    /// Middesk before it becomes current, and Middesk signs with it from then on.
    pub pending: Vec<SigningKey>,
    /// When the current version was created (the start of the rotation grace window).
    pub current_created: SystemTime,
    /// The `AWSPREVIOUS` secret, if the source fetched one.
    pub previous: Option<SigningKey>,
    /// The previous version could not be read this time (a transient failure): the cache asks
    /// again soon instead of a whole TTL later, so that Middesk's retries signed with the old
    /// secret are not refused throughout a rotation.
    pub previous_fetch_failed: bool,
}

/// Which secret version verified a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretVersion {
    /// The current secret.
    Current,
    /// The pending secret: Middesk has it, the rotation has not finished.
    Pending,
    /// The previous secret, accepted inside the rotation grace window.
    Previous,
}

impl SecretVersion {
    /// The version's name in logs and in the archive: `current` or `previous`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Current => "current",
            Self::Pending => "pending",
            Self::Previous => "previous",
        }
    }
}

impl SecretVersions {
    /// Verifies `tag` over `body` with the current secret, then the pending one, then the
    /// previous one if `now` is within `grace` of the current version's creation. `grace` of
    /// zero turns the previous off.
    pub fn verify(
        &self,
        body: &[u8],
        tag: &[u8; TAG_LEN],
        now: SystemTime,
        grace: Duration,
    ) -> Option<SecretVersion> {
        if self.current.verify_tag(body, tag) {
            return Some(SecretVersion::Current);
        }
        if self.pending.iter().any(|pending| pending.verify_tag(body, tag)) {
            return Some(SecretVersion::Pending);
        }
        let previous = self.previous.as_ref()?;
        let in_grace =
            !grace.is_zero() && now.duration_since(self.current_created).map_or(true, |age| age < grace);
        (in_grace && previous.verify_tag(body, tag)).then_some(SecretVersion::Previous)
    }
}

/// Where the signing secret comes from (Secrets Manager in production, memory in tests).
pub trait SecretSource: Send + Sync {
    /// Fetches the current secret and, if `with_previous`, the previous one.
    fn fetch(&self, with_previous: bool) -> impl Future<Output = Result<SecretVersions, SecretError>> + Send;

    /// Fetches the secrets Middesk may sign with besides the current one (`AWSPENDING`, and
    /// the version last given to Middesk if it is not current); empty when no rotation is under
    /// way. A version whose value cannot be used is left out, never an error: it verifies
    /// nothing, and must not stop the current secret from verifying.
    fn fetch_pending(&self) -> impl Future<Output = Result<Vec<SigningKey>, SecretError>> + Send {
        async { Ok(Vec::new()) }
    }
}

/// Fixed versions are a source too (tests, benchmarks, local tools).
impl SecretSource for SecretVersions {
    async fn fetch(&self, _with_previous: bool) -> Result<SecretVersions, SecretError> {
        Ok(SecretVersions { pending: Vec::new(), ..self.clone() })
    }

    async fn fetch_pending(&self) -> Result<Vec<SigningKey>, SecretError> {
        Ok(self.pending.clone())
    }
}

/// Parses a Secrets Manager `SecretString` into the signing secret.
///
/// Either the secret itself, or a JSON object with a `signing_secret` key (what the console's
/// key/value editor produces). Surrounding whitespace is trimmed: a trailing newline pasted
/// with the secret would otherwise fail every verification.
pub fn parse_secret_string(value: &str) -> Result<SigningKey, SecretError> {
    parse_secret_text(value).map(|secret| SigningKey::new(&secret))
}

/// The signing secret's text in a `SecretString` (see [`parse_secret_string`]).
pub fn parse_secret_text(value: &str) -> Result<String, SecretError> {
    let trimmed = value.trim();
    let secret = if trimmed.starts_with('{') {
        #[derive(serde::Deserialize)]
        struct KeyValue {
            signing_secret: String,
        }
        serde_json::from_str::<KeyValue>(trimmed)
            .map_err(|_| SecretError::Invalid("JSON secret without a string \"signing_secret\""))?
            .signing_secret
    } else {
        trimmed.to_owned()
    };
    if secret.trim().is_empty() {
        return Err(SecretError::Invalid("empty secret"));
    }
    Ok(secret.trim().to_owned())
}

struct Cached {
    versions: Arc<SecretVersions>,
    refresh_after: SystemTime,
    /// The last moment the versions may still be used while refreshes fail.
    usable_until: SystemTime,
}

/// What the cache holds, and what it learned of the pending version.
#[derive(Default)]
struct CacheState {
    cached: Option<Cached>,
    /// The last read of `AWSPENDING` (rate-limits reads caused by mismatching signatures).
    pending_read_at: Option<SystemTime>,
    /// The last read found a pending version: every refresh reads it until one finds none, so
    /// a rotation that stays pending (a failing `testSecret`) does not cost a read per request.
    pending_seen: bool,
}

/// The most a signature mismatch's re-read of the secret may take before the verdict (401)
/// stands: well inside a request's time budget.
pub const PENDING_REREAD_BUDGET: Duration = Duration::from_secs(2);

/// How long past its TTL a cached secret still verifies while Secrets Manager cannot be
/// reached, unless configured (`SECRET_MAX_STALE_SECONDS`).
pub const DEFAULT_SECRET_MAX_STALE: Duration = Duration::from_secs(3600);

/// At most one read of `AWSPENDING` per this long, whatever the signatures: a flood of forged
/// requests costs at most one Secrets Manager read a second per container. The rotator gives
/// Middesk a pending version no sooner than twice this after creating it
/// ([`crate::middesk::rotation::PENDING_MIN_AGE_AT_SET`]), so the read that a signature made with it
/// causes always finds it.
pub const PENDING_READ_INTERVAL: Duration = Duration::from_secs(1);

/// `t + d`, or `t` itself if that would overflow (refresh now rather than panic or never).
fn later(t: SystemTime, d: Duration) -> SystemTime {
    t.checked_add(d).unwrap_or(t)
}

/// Caches the secret across invocations: one fetch per TTL. On a failed refresh the last good
/// secret keeps verifying (retried after `retry_after`), so an outage of Secrets Manager does
/// not turn into rejected webhooks. That lasts at most `max_stale` past its TTL. After that the
/// answer is 503 (Middesk retries), so a secret revoked by rotation stops verifying.
pub struct SecretCache<S> {
    source: S,
    ttl: Duration,
    retry_after: Duration,
    max_stale: Duration,
    with_previous: bool,
    // A tokio mutex held across the fetch makes concurrent refreshes single-flight.
    state: Mutex<CacheState>,
}

impl<S: SecretSource> SecretCache<S> {
    /// A cache over `source`. `with_previous` asks the source for `AWSPREVIOUS` as well.
    pub fn new(source: S, ttl: Duration, with_previous: bool) -> Self {
        Self {
            source,
            ttl,
            retry_after: ttl.min(Duration::from_secs(10)),
            max_stale: DEFAULT_SECRET_MAX_STALE,
            with_previous,
            state: Mutex::new(CacheState::default()),
        }
    }

    /// How long past its TTL a cached secret may verify while refreshes fail.
    pub fn with_max_stale(mut self, max_stale: Duration) -> Self {
        self.max_stale = max_stale;
        self
    }

    /// The secret versions to verify with at `now`, fetching only when the cache is stale.
    pub async fn get(&self, now: SystemTime) -> Result<Arc<SecretVersions>, SecretError> {
        let span = tracing::info_span!(
            target: crate::telemetry::TARGET,
            "secret",
            otel.name = "read secret",
            middesk.secret.cached = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            error.type = tracing::field::Empty,
        );
        let versions = self.get_or_fetch(now, &span).instrument(span.clone()).await;
        if versions.is_err() {
            crate::telemetry::record_error(&span, "secret_unavailable");
        }
        versions
    }

    async fn get_or_fetch(
        &self,
        now: SystemTime,
        span: &tracing::Span,
    ) -> Result<Arc<SecretVersions>, SecretError> {
        let mut state = self.state.lock().await;
        let fresh = state.cached.as_ref().filter(|c| now < c.refresh_after);
        span.record("middesk.secret.cached", fresh.is_some());
        if let Some(cached) = fresh {
            return match now <= cached.usable_until {
                true => Ok(cached.versions.clone()),
                false => {
                    Err(SecretError::Unavailable("refresh failed and the cached secret is too old".into()))
                }
            };
        }
        let with_pending = state.pending_seen;
        match self.fetch(&mut state, now, with_pending).await {
            Ok(versions) => Ok(versions),
            Err(error) => {
                let Some(cached) = state.cached.as_mut() else { return Err(error) };
                // Back off either way: the next attempt is `retry_after` from now.
                cached.refresh_after = later(now, self.retry_after);
                if now > cached.usable_until {
                    return Err(error);
                }
                tracing::warn!(%error, "secret refresh failed; verifying with the cached secret");
                Ok(cached.versions.clone())
            }
        }
    }

    /// After a signature matched none of the cached versions: reads the secret again with its
    /// pending version, unless that was done less than [`PENDING_READ_INTERVAL`] ago
    /// (`Ok(None)`: the verdict stands). Between the rotator's `setSecret` and `finishSecret`,
    /// Middesk signs with a version that is still `AWSPENDING`, which no cache has yet. A
    /// failed read is an error; the receiver then keeps its verdict (401), which Middesk
    /// retries like any refusal, so a forged request is never anything but a 401.
    ///
    /// It never waits: while another read of the secret is under way (a refresh, or another
    /// mismatch's), or when this read takes longer than [`PENDING_REREAD_BUDGET`], the verdict
    /// stands too. A slow Secrets Manager must not hold a request past its time budget and
    /// turn its 401 into a 503; the read under way caches what it finds for Middesk's retry.
    pub async fn refresh_after_mismatch(
        &self,
        now: SystemTime,
    ) -> Result<Option<Arc<SecretVersions>>, SecretError> {
        let Ok(mut state) = self.state.try_lock() else { return Ok(None) };
        let recent = state
            .pending_read_at
            .is_some_and(|at| now.duration_since(at).map_or(true, |elapsed| elapsed < PENDING_READ_INTERVAL));
        if recent {
            return Ok(None);
        }
        // Set before the read, not after it: a read that outlives its budget is dropped, and
        // would otherwise leave every following mismatch free to read a slow Secrets Manager.
        state.pending_read_at = Some(now);
        match tokio::time::timeout(PENDING_REREAD_BUDGET, self.fetch(&mut state, now, true)).await {
            Ok(read) => read.map(Some),
            Err(_) => Err(SecretError::Unavailable("the pending version's read took too long".into())),
        }
    }

    /// Reads the versions (with the pending one if asked) and caches them.
    async fn fetch(
        &self,
        state: &mut CacheState,
        now: SystemTime,
        with_pending: bool,
    ) -> Result<Arc<SecretVersions>, SecretError> {
        let (versions, pending) = match with_pending {
            true => {
                let (versions, pending) =
                    tokio::join!(self.source.fetch(self.with_previous), self.source.fetch_pending());
                state.pending_read_at = Some(now);
                (versions?, Some(pending))
            }
            false => (self.source.fetch(self.with_previous).await?, None),
        };
        let mut versions = versions;
        match pending {
            Some(Ok(pending)) => {
                state.pending_seen = !pending.is_empty();
                versions.pending = pending;
            }
            // The current secret was read: a failed pending read must not fail the refresh (a
            // warm sandbox would turn into 503s). What was known of the pending keeps verifying.
            Some(Err(error)) => {
                tracing::warn!(%error, "could not read the pending secret; keeping what was known of it");
                versions.pending =
                    state.cached.as_ref().map(|c| c.versions.pending.clone()).unwrap_or_default();
            }
            None => {}
        }
        let refresh_in = if versions.previous_fetch_failed { self.retry_after } else { self.ttl };
        let versions = Arc::new(versions);
        state.cached = Some(Cached {
            versions: versions.clone(),
            refresh_after: later(now, refresh_in),
            usable_until: later(later(now, self.ttl), self.max_stale),
        });
        Ok(versions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    const DAY: Duration = Duration::from_secs(86_400);

    fn versions(created: SystemTime) -> SecretVersions {
        SecretVersions {
            current: SigningKey::new("new-secret"),
            pending: Vec::new(),
            current_created: created,
            previous: Some(SigningKey::new("old-secret")),
            previous_fetch_failed: false,
        }
    }

    fn tag(secret: &str, body: &[u8]) -> [u8; TAG_LEN] {
        SigningKey::new(secret).tag(body)
    }

    #[test]
    fn current_secret_always_verifies() {
        let created = SystemTime::UNIX_EPOCH + 1000 * DAY;
        let v = versions(created);
        let t = tag("new-secret", b"body");
        for now in [created, created + 100 * DAY] {
            assert_eq!(v.verify(b"body", &t, now, 3 * DAY), Some(SecretVersion::Current));
            assert_eq!(v.verify(b"body", &t, now, Duration::ZERO), Some(SecretVersion::Current));
        }
    }

    #[test]
    fn previous_secret_inside_grace_window() {
        let created = SystemTime::UNIX_EPOCH + 1000 * DAY;
        let v = versions(created);
        let t = tag("old-secret", b"body");
        assert_eq!(v.verify(b"body", &t, created, 3 * DAY), Some(SecretVersion::Previous));
        let almost = created + 3 * DAY - Duration::from_secs(1);
        assert_eq!(v.verify(b"body", &t, almost, 3 * DAY), Some(SecretVersion::Previous));
        // A clock slightly behind the version's creation time is still inside the window.
        let before = created - Duration::from_secs(5);
        assert_eq!(v.verify(b"body", &t, before, 3 * DAY), Some(SecretVersion::Previous));
    }

    #[test]
    fn previous_secret_outside_grace_window() {
        let created = SystemTime::UNIX_EPOCH + 1000 * DAY;
        let v = versions(created);
        let t = tag("old-secret", b"body");
        assert_eq!(v.verify(b"body", &t, created + 3 * DAY, 3 * DAY), None);
        assert_eq!(v.verify(b"body", &t, created + 30 * DAY, 3 * DAY), None);
    }

    #[test]
    fn grace_zero_turns_previous_off() {
        let created = SystemTime::UNIX_EPOCH + 1000 * DAY;
        let v = versions(created);
        let t = tag("old-secret", b"body");
        assert_eq!(v.verify(b"body", &t, created, Duration::ZERO), None);
    }

    #[test]
    fn unrelated_secret_never_verifies() {
        let created = SystemTime::UNIX_EPOCH + 1000 * DAY;
        let t = tag("attacker", b"body");
        assert_eq!(versions(created).verify(b"body", &t, created, 3 * DAY), None);
    }

    #[test]
    fn secret_string_forms() {
        let t = tag("sec_abc", b"x");
        for raw in ["sec_abc", "sec_abc\n", "  sec_abc ", r#"{"signing_secret":"sec_abc"}"#] {
            assert!(parse_secret_string(raw).unwrap().verify_tag(b"x", &t), "{raw}");
        }
        for bad in ["", "  \n", r#"{"other":"x"}"#, r#"{"signing_secret":""}"#, "{not json"] {
            assert!(parse_secret_string(bad).is_err(), "{bad}");
        }
    }

    struct Flaky {
        calls: AtomicUsize,
        failing: AtomicBool,
    }

    impl SecretSource for Flaky {
        async fn fetch(&self, _: bool) -> Result<SecretVersions, SecretError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            if self.failing.load(Ordering::SeqCst) {
                Err(SecretError::Unavailable("connection refused".into()))
            } else {
                Ok(versions(SystemTime::UNIX_EPOCH))
            }
        }
    }

    fn flaky(failing: bool) -> Flaky {
        Flaky { calls: AtomicUsize::new(0), failing: AtomicBool::new(failing) }
    }

    /// A source whose pending read hangs, counting its reads.
    struct HangingPending(AtomicUsize);

    impl SecretSource for HangingPending {
        async fn fetch(&self, _: bool) -> Result<SecretVersions, SecretError> {
            Ok(versions(SystemTime::UNIX_EPOCH))
        }

        async fn fetch_pending(&self) -> Result<Vec<SigningKey>, SecretError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            std::future::pending().await
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_pending_read_that_times_out_still_holds_off_the_next_for_a_second() {
        let cache = SecretCache::new(HangingPending(AtomicUsize::new(0)), Duration::from_secs(300), true);
        let t0 = SystemTime::UNIX_EPOCH + DAY;
        assert!(cache.refresh_after_mismatch(t0).await.is_err(), "the read outlived its budget");
        // A slow Secrets Manager is not read again by every mismatch that follows.
        for ms in [1, 500, 999] {
            assert!(cache.refresh_after_mismatch(t0 + Duration::from_millis(ms)).await.unwrap().is_none());
        }
        assert_eq!(cache.source.0.load(Ordering::SeqCst), 1);
        assert!(cache.refresh_after_mismatch(t0 + PENDING_READ_INTERVAL).await.is_err());
        assert_eq!(cache.source.0.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn fetches_once_per_ttl() {
        let cache = SecretCache::new(flaky(false), Duration::from_secs(300), true);
        let t0 = SystemTime::UNIX_EPOCH + DAY;
        for s in [0, 1, 100, 299] {
            cache.get(t0 + Duration::from_secs(s)).await.unwrap();
        }
        assert_eq!(cache.source.calls.load(Ordering::SeqCst), 1);
        cache.get(t0 + Duration::from_secs(300)).await.unwrap();
        assert_eq!(cache.source.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn failed_refresh_keeps_the_cached_secret() {
        let cache = SecretCache::new(flaky(false), Duration::from_secs(300), true);
        let t0 = SystemTime::UNIX_EPOCH + DAY;
        cache.get(t0).await.unwrap();
        cache.source.failing.store(true, Ordering::SeqCst);
        let later = t0 + Duration::from_secs(400);
        assert!(cache.get(later).await.is_ok());
        // The failed refresh is retried after a short back-off, not on every request.
        assert!(cache.get(later + Duration::from_secs(1)).await.is_ok());
        assert_eq!(cache.source.calls.load(Ordering::SeqCst), 2);
        assert!(cache.get(later + Duration::from_secs(11)).await.is_ok());
        assert_eq!(cache.source.calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn no_secret_at_all_is_an_error() {
        let cache = SecretCache::new(flaky(true), Duration::from_secs(300), true);
        let err = cache.get(SystemTime::UNIX_EPOCH).await.unwrap_err();
        assert!(matches!(err, SecretError::Unavailable(_)));
        // Without a cached secret every request retries the fetch.
        assert!(cache.get(SystemTime::UNIX_EPOCH).await.is_err());
        assert_eq!(cache.source.calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_stale_secret_stops_verifying_after_the_max_stale_age() {
        let cache = SecretCache::new(flaky(false), Duration::from_secs(300), true)
            .with_max_stale(Duration::from_secs(3600));
        let t0 = SystemTime::UNIX_EPOCH + DAY;
        cache.get(t0).await.unwrap();
        cache.source.failing.store(true, Ordering::SeqCst);
        assert!(cache.get(t0 + Duration::from_secs(300 + 3600)).await.is_ok());
        // Past TTL + max stale: a dependency failure (503, Middesk retries), not the old secret.
        let err = cache.get(t0 + Duration::from_secs(300 + 3601)).await.unwrap_err();
        assert!(matches!(err, SecretError::Unavailable(_)));
        // Still backing off: no new call, still 503.
        let calls = cache.source.calls.load(Ordering::SeqCst);
        assert!(cache.get(t0 + Duration::from_secs(300 + 3605)).await.is_err());
        assert_eq!(cache.source.calls.load(Ordering::SeqCst), calls);
        // Secrets Manager back: fresh again.
        cache.source.failing.store(false, Ordering::SeqCst);
        assert!(cache.get(t0 + Duration::from_secs(300 + 3700)).await.is_ok());
    }

    #[tokio::test]
    async fn a_huge_ttl_does_not_overflow() {
        let cache = SecretCache::new(flaky(false), Duration::MAX, true).with_max_stale(Duration::MAX);
        assert!(cache.get(SystemTime::now()).await.is_ok());
        assert!(cache.get(SystemTime::now()).await.is_ok());
    }

    /// Reads the previous version only every other time.
    struct PreviousFlaky {
        calls: AtomicUsize,
    }

    impl SecretSource for PreviousFlaky {
        async fn fetch(&self, _: bool) -> Result<SecretVersions, SecretError> {
            let call = self.calls.fetch_add(1, Ordering::SeqCst);
            let mut v = versions(SystemTime::UNIX_EPOCH);
            if call.is_multiple_of(2) {
                v.previous = None;
                v.previous_fetch_failed = true;
            }
            Ok(v)
        }
    }

    #[tokio::test]
    async fn a_failed_previous_version_is_fetched_again_soon() {
        let cache =
            SecretCache::new(PreviousFlaky { calls: AtomicUsize::new(0) }, Duration::from_secs(300), true);
        let t0 = SystemTime::UNIX_EPOCH + DAY;
        assert!(cache.get(t0).await.unwrap().previous.is_none());
        assert!(cache.get(t0 + Duration::from_secs(5)).await.unwrap().previous.is_none());
        // Retried after the short back-off, not after the 300 s TTL.
        assert!(cache.get(t0 + Duration::from_secs(11)).await.unwrap().previous.is_some());
        assert_eq!(cache.source.calls.load(Ordering::SeqCst), 2);
        // A complete read is kept for the whole TTL.
        assert!(cache.get(t0 + Duration::from_secs(300)).await.unwrap().previous.is_some());
        assert_eq!(cache.source.calls.load(Ordering::SeqCst), 2);
    }

    /// A source whose pending version can be set, counting pending reads.
    struct Rotating {
        pending: std::sync::Mutex<Option<SigningKey>>,
        pending_reads: AtomicUsize,
        pending_failing: AtomicBool,
    }

    impl SecretSource for Rotating {
        async fn fetch(&self, _: bool) -> Result<SecretVersions, SecretError> {
            Ok(versions(SystemTime::UNIX_EPOCH))
        }

        async fn fetch_pending(&self) -> Result<Vec<SigningKey>, SecretError> {
            self.pending_reads.fetch_add(1, Ordering::SeqCst);
            if self.pending_failing.load(Ordering::SeqCst) {
                return Err(SecretError::Unavailable("AWSPENDING: timed out".into()));
            }
            Ok(self.pending.lock().unwrap().clone().into_iter().collect())
        }
    }

    #[tokio::test]
    async fn a_mismatch_reads_the_pending_version_at_most_once_per_interval() {
        let source = Rotating {
            pending: std::sync::Mutex::new(None),
            pending_reads: AtomicUsize::new(0),
            pending_failing: AtomicBool::new(false),
        };
        let cache = SecretCache::new(source, Duration::from_secs(300), true);
        let t0 = SystemTime::UNIX_EPOCH + DAY;
        assert!(cache.get(t0).await.unwrap().pending.is_empty());
        assert_eq!(cache.source.pending_reads.load(Ordering::SeqCst), 0, "a normal read skips AWSPENDING");
        // No rotation under way: the read finds nothing, and the next mismatch inside the
        // interval reads nothing.
        assert!(cache.refresh_after_mismatch(t0).await.unwrap().unwrap().pending.is_empty());
        assert!(cache.refresh_after_mismatch(t0 + Duration::from_millis(900)).await.unwrap().is_none());
        assert_eq!(cache.source.pending_reads.load(Ordering::SeqCst), 1);
        // setSecret: Middesk signs with the pending version; the next mismatch finds it.
        *cache.source.pending.lock().unwrap() = Some(SigningKey::new("pending-secret"));
        let t1 = t0 + PENDING_READ_INTERVAL;
        let reread = cache.refresh_after_mismatch(t1).await.unwrap().unwrap();
        let t = tag("pending-secret", b"body");
        assert_eq!(reread.verify(b"body", &t, t1, 3 * DAY), Some(SecretVersion::Pending));
        // Cached with it, and later refreshes keep reading it while it exists.
        assert!(cache.get(t1 + Duration::from_secs(1)).await.unwrap().pending.len() == 1);
        assert!(cache.get(t1 + Duration::from_secs(300)).await.unwrap().pending.len() == 1);
        assert_eq!(cache.source.pending_reads.load(Ordering::SeqCst), 3);
        // finishSecret: no pending version; refreshes stop reading it.
        *cache.source.pending.lock().unwrap() = None;
        assert!(cache.get(t1 + Duration::from_secs(600)).await.unwrap().pending.is_empty());
        cache.get(t1 + Duration::from_secs(900)).await.unwrap();
        assert_eq!(cache.source.pending_reads.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_failed_pending_read_never_fails_the_current_secrets_refresh() {
        let source = Rotating {
            pending: std::sync::Mutex::new(Some(SigningKey::new("pending-secret"))),
            pending_reads: AtomicUsize::new(0),
            pending_failing: AtomicBool::new(false),
        };
        let cache = SecretCache::new(source, Duration::from_secs(300), true).with_max_stale(Duration::ZERO);
        let t0 = SystemTime::UNIX_EPOCH + DAY;
        cache.get(t0).await.unwrap();
        assert_eq!(cache.refresh_after_mismatch(t0).await.unwrap().unwrap().pending.len(), 1);
        // A rotation is under way, so every refresh reads the pending version too; it fails.
        cache.source.pending_failing.store(true, Ordering::SeqCst);
        for minutes in [5, 10, 15] {
            let at = t0 + Duration::from_secs(60 * minutes);
            let versions = cache.get(at).await.expect("the current secret still refreshes");
            let t = tag("pending-secret", b"body");
            assert_eq!(versions.verify(b"body", &t, at, Duration::ZERO), Some(SecretVersion::Pending));
        }
        assert_eq!(cache.source.pending_reads.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_mismatchs_reread_never_waits_for_another_read() {
        let source = Rotating {
            pending: std::sync::Mutex::new(Some(SigningKey::new("pending-secret"))),
            pending_reads: AtomicUsize::new(0),
            pending_failing: AtomicBool::new(false),
        };
        let cache = SecretCache::new(source, Duration::from_secs(300), true);
        let t0 = SystemTime::UNIX_EPOCH + DAY;
        // Another read holds the cache (a refresh under way): the verdict stands at once.
        let held = cache.state.lock().await;
        assert!(cache.refresh_after_mismatch(t0).await.unwrap().is_none());
        drop(held);
        assert_eq!(cache.source.pending_reads.load(Ordering::SeqCst), 0);
        assert_eq!(cache.refresh_after_mismatch(t0).await.unwrap().unwrap().pending.len(), 1);
    }

    #[test]
    fn the_pending_version_verifies_and_the_current_wins() {
        let created = SystemTime::UNIX_EPOCH + 1000 * DAY;
        let mut v = versions(created);
        v.pending = vec![SigningKey::new("other-pending"), SigningKey::new("pending-secret")];
        let t = tag("pending-secret", b"body");
        assert_eq!(v.verify(b"body", &t, created + 100 * DAY, Duration::ZERO), Some(SecretVersion::Pending));
        let t = tag("new-secret", b"body");
        assert_eq!(v.verify(b"body", &t, created, Duration::ZERO), Some(SecretVersion::Current));
    }
}
