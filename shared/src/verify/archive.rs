//! The event archive: every accepted event's exact bytes, kept after the queues forget them
//! (Middesk has no resend), so that a consumer's mistake can be replayed, a new consumer can
//! start with history, and an audit can read what Middesk said.
//!
//! One object per event body, written by the verifier before its 2xx (beside the SQS send, not
//! after it). The key is made from the body alone, so Middesk's retries of an event write the
//! same object, and it sorts by when Middesk created the event, then by type, so that a time
//! range and a type are listed without reading any object:
//!
//! `events/<YYYY-MM-DD>/<type>/<HHMMSS>Z-<sha256 of the body>`, by `created_at` (UTC);
//! `events/undated/<type>/<sha256>` when `created_at` cannot be read, and `_malformed` as the
//! type when the type cannot be read.
//!
//! What the verifier knew is kept as object metadata ([`metadata`]): the message attributes it
//! sent, and the secret version that verified the body.

use std::future::Future;
use std::time::{Duration, SystemTime};

use sha2::{Digest as _, Sha256};

/// The prefix of every archived event.
pub const PREFIX: &str = "events/";
/// The date segment of events whose `created_at` cannot be read.
pub const UNDATED: &str = "undated";
/// The type segment of bodies whose type cannot be read.
pub const UNTYPED: &str = "_malformed";

/// Metadata names (S3 user metadata: lower case, ASCII values).
pub mod field {
    /// Middesk's event id.
    pub const EVENT_ID: &str = "event-id";
    /// The event type.
    pub const EVENT_TYPE: &str = "event-type";
    /// The envelope's account id.
    pub const ACCOUNT_ID: &str = "account-id";
    /// The `X-Correlation-Id` header.
    pub const CORRELATION_ID: &str = "correlation-id";
    /// When the verifier received the request (RFC 3339).
    pub const RECEIVED_AT: &str = "received-at";
    /// How the request was authenticated.
    pub const AUTH_METHOD: &str = "auth-method";
    /// Which secret verified an HMAC signature (`current` or `previous`).
    pub const SECRET_VERSION: &str = "secret-version";
    /// Why the body is not a well-formed event, if it is not.
    pub const MALFORMED_REASON: &str = "malformed-reason";
    /// The receiving invocation's X-Ray trace header, which a replay sends on again.
    pub const TRACE_HEADER: &str = "trace-header";
    /// The W3C trace context the event was received in, so that a replay links to it.
    pub const TRACEPARENT: &str = "traceparent";
}

/// Where the archive is written (S3 in production).
pub trait EventArchive: Send + Sync {
    /// Whether events are archived at all (the verifier skips the work when not).
    fn enabled(&self) -> bool {
        true
    }

    /// Stores `body` at `key` with `metadata`; resolves once it is durably stored.
    fn put(
        &self,
        key: &str,
        body: &[u8],
        metadata: &[(&'static str, String)],
    ) -> impl Future<Output = Result<(), String>> + Send;
}

/// No archive (`ARCHIVE_BUCKET` unset).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoArchive;

impl EventArchive for NoArchive {
    fn enabled(&self) -> bool {
        false
    }

    async fn put(
        &self,
        _key: &str,
        _body: &[u8],
        _metadata: &[(&'static str, String)],
    ) -> Result<(), String> {
        Ok(())
    }
}

/// An archive that may be configured or not (`ARCHIVE_BUCKET` set or not).
impl<T: EventArchive> EventArchive for Option<T> {
    fn enabled(&self) -> bool {
        self.as_ref().is_some_and(EventArchive::enabled)
    }

    async fn put(&self, key: &str, body: &[u8], metadata: &[(&'static str, String)]) -> Result<(), String> {
        match self {
            Some(archive) => archive.put(key, body, metadata).await,
            None => Ok(()),
        }
    }
}

/// 9999-12-31T23:59:59Z, in seconds since the epoch: the last time a four-digit year writes.
const LAST_WRITABLE_SECOND: u64 = 253_402_300_799;

/// The key of an archived body (see the module's documentation).
pub fn archive_key(created_at: Option<SystemTime>, event_type: Option<&str>, body: &[u8]) -> String {
    let digest = hex::encode(Sha256::digest(body));
    let event_type = event_type.unwrap_or(UNTYPED);
    // A date RFC 3339 cannot write (before 1970, after 9999-12-31, which an authentic
    // `created_at` of `9999-12-31T23:59:59-01:00` reaches) is filed as undated: a key, never a
    // panic, and still listed by replay.
    let writable = |since: &Duration| since.as_secs() <= LAST_WRITABLE_SECOND;
    match created_at.and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok()).filter(writable) {
        Some(since_epoch) => {
            let (date, time) = date_and_time(since_epoch);
            format!("{PREFIX}{date}/{event_type}/{time}Z-{digest}")
        }
        None => format!("{PREFIX}{UNDATED}/{event_type}/{digest}"),
    }
}

/// The key the verifier archives `body` under when it accepts it: by its `created_at` and its
/// type when the envelope (or, for a malformed one, its type) can be read. `replay --refused`
/// looks there first: an event already archived was delivered.
pub fn archive_key_of(body: &[u8]) -> String {
    match crate::envelope::EventEnvelope::parse(body) {
        Ok(event) => archive_key(Some(event.created_at), Some(&event.event_type), body),
        Err(_) => {
            let parts = crate::envelope::ReadableParts::of(body);
            archive_key(None, parts.as_ref().map(|p| p.event_type.as_str()), body)
        }
    }
}

/// `YYYY-MM-DD` and `HHMMSS` (UTC) of a time since the epoch.
fn date_and_time(since_epoch: Duration) -> (String, String) {
    let text = humantime::format_rfc3339_seconds(SystemTime::UNIX_EPOCH + since_epoch).to_string();
    // `2026-11-23T12:00:00Z`
    (text[..10].to_owned(), text[11..19].replace(':', ""))
}

/// The day prefixes (`events/YYYY-MM-DD/`) that hold events created from `since` to `until`.
pub fn day_prefixes(since: SystemTime, until: SystemTime) -> Vec<String> {
    let day = |t: SystemTime| t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs() / 86_400);
    (day(since)..=day(until))
        .map(|d| format!("{PREFIX}{}/", date_and_time(Duration::from_secs(d * 86_400)).0))
        .collect()
}

/// An archived event's place, read back from its key alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivedKey {
    /// When Middesk created it (to the second), if its key is dated.
    pub created_at: Option<SystemTime>,
    /// Its type ([`UNTYPED`] if it could not be read).
    pub event_type: String,
    /// The SHA-256 of the body, hex, as the key names it.
    pub sha256: String,
}

impl ArchivedKey {
    /// Reads a key written by [`archive_key`]; `None` for any other.
    pub fn parse(key: &str) -> Option<Self> {
        let mut parts = key.strip_prefix(PREFIX)?.split('/');
        let (date, event_type, name) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let (created_at, sha256) = match date {
            UNDATED => (None, name),
            date => {
                let (time, sha256) = name.split_once("Z-")?;
                // Six ASCII digits, checked before slicing: a multi-byte character would put a
                // slice inside it (a panic on a key anyone with the bucket can write).
                if time.len() != 6 || !time.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let rfc3339 = format!("{date}T{}:{}:{}Z", &time[..2], &time[2..4], &time[4..]);
                (Some(crate::envelope::parse_rfc3339(&rfc3339)?), sha256)
            }
        };
        let is_digest = sha256.len() == 64 && sha256.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !is_digest {
            return None;
        }
        Some(Self { created_at, event_type: event_type.to_owned(), sha256: sha256.to_owned() })
    }

    /// Whether `body` is the body this key names (its SHA-256): what replay checks before it
    /// sends an archived object anywhere, so that an object altered or put there by anyone but
    /// the verifier is refused.
    pub fn names(&self, body: &[u8]) -> bool {
        hex::encode(Sha256::digest(body)) == self.sha256
    }
}

/// The metadata the verifier stores with an archived body: its message attributes (as
/// [`field`] names), and the secret version.
pub fn metadata(message: &crate::message::OutboundMessage<'_>, secret_version: Option<&str>) -> Metadata {
    use crate::message::attribute;
    let pairs = [
        (attribute::EVENT_ID, field::EVENT_ID),
        (attribute::EVENT_TYPE, field::EVENT_TYPE),
        (attribute::ACCOUNT_ID, field::ACCOUNT_ID),
        (attribute::CORRELATION_ID, field::CORRELATION_ID),
        (attribute::RECEIVED_AT, field::RECEIVED_AT),
        (attribute::AUTH_METHOD, field::AUTH_METHOD),
        (attribute::MALFORMED_REASON, field::MALFORMED_REASON),
    ];
    let mut out: Vec<(&'static str, String)> = pairs
        .iter()
        .filter_map(|(attribute, field)| message.attribute(attribute).map(|v| (*field, v.to_owned())))
        .collect();
    if let Some(version) = secret_version {
        out.push((field::SECRET_VERSION, version.to_owned()));
    }
    if let Some(trace_header) = &message.trace_header {
        out.push((field::TRACE_HEADER, trace_header.clone()));
    }
    out
}

/// Metadata as the verifier writes it: field name and value.
pub type Metadata = Vec<(&'static str, String)>;

/// An in-memory archive for tests: keys, bodies and metadata, optionally failing.
#[derive(Debug, Default)]
pub struct InMemoryArchive {
    objects: std::sync::Mutex<std::collections::BTreeMap<String, (Vec<u8>, Metadata)>>,
    failing: std::sync::atomic::AtomicBool,
}

impl InMemoryArchive {
    /// Makes every following put fail (or succeed again).
    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, std::sync::atomic::Ordering::SeqCst);
    }

    /// What is stored: key, body and metadata.
    pub fn objects(&self) -> Vec<(String, Vec<u8>, Metadata)> {
        let objects = self.objects.lock().unwrap_or_else(|e| e.into_inner());
        objects.iter().map(|(k, (b, m))| (k.clone(), b.clone(), m.clone())).collect()
    }
}

impl EventArchive for InMemoryArchive {
    async fn put(&self, key: &str, body: &[u8], metadata: &[(&'static str, String)]) -> Result<(), String> {
        if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
            return Err("injected failure".into());
        }
        let mut objects = self.objects.lock().unwrap_or_else(|e| e.into_inner());
        // Never overwritten, as in S3 with `If-None-Match: *`.
        objects.entry(key.to_owned()).or_insert_with(|| (body.to_vec(), metadata.to_vec()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> SystemTime {
        crate::envelope::parse_rfc3339(rfc3339).unwrap()
    }

    #[test]
    fn keys_sort_by_day_then_type_then_time_and_name_the_body() {
        let body = br#"{"id":"ev-1"}"#;
        let digest = hex::encode(Sha256::digest(body));
        let key = archive_key(Some(at("2026-11-23T12:34:56.789-05:00")), Some("business.updated"), body);
        assert_eq!(key, format!("events/2026-11-23/business.updated/173456Z-{digest}"));
        // The same body (a retry) gives the same key; another body another.
        assert_eq!(archive_key(Some(at("2026-11-23T17:34:56.789Z")), Some("business.updated"), body), key);
        assert_ne!(archive_key(Some(at("2026-11-23T17:34:56Z")), Some("business.updated"), b"{}"), key);
        assert_eq!(archive_key(None, None, body), format!("events/undated/_malformed/{digest}"));
    }

    #[test]
    fn a_key_with_a_multibyte_character_where_the_time_goes_is_not_an_archive_key() {
        let digest = "a".repeat(64);
        for time in ["1é234", "12345é", "é1234", "１２３"] {
            assert_eq!(
                ArchivedKey::parse(&format!("events/2026-11-23/t.u/{time}Z-{digest}")),
                None,
                "{time}"
            );
        }
    }

    #[test]
    fn a_date_past_year_9999_is_filed_undated_not_a_panic() {
        // Authentic: Middesk signs whatever body it sends. Before, formatting it panicked (a 500
        // that Middesk retries for 3 days, then drops).
        let created = at("9999-12-31T23:59:59-01:00");
        let key = archive_key(Some(created), Some("business.updated"), b"x");
        assert!(key.starts_with("events/undated/business.updated/"), "{key}");
        assert_eq!(ArchivedKey::parse(&key).unwrap().created_at, None);
        let last = archive_key(Some(at("9999-12-31T23:59:59Z")), Some("t.u"), b"x");
        assert!(last.starts_with("events/9999-12-31/t.u/235959Z-"), "{last}");
    }

    proptest::proptest! {
        #[test]
        fn any_key_at_all_parses_or_not_without_a_panic(key in "events/[0-9a-z\\-é]{0,12}/[a-z.é_]{0,8}/.{0,12}Z-.{0,70}") {
            let _ = ArchivedKey::parse(&key);
        }

        #[test]
        fn every_created_at_has_a_key_that_reads_back(seconds in 0u64..=u64::MAX / 2, nanos in 0u32..1_000_000_000) {
            let created = SystemTime::UNIX_EPOCH.checked_add(Duration::new(seconds, nanos));
            let key = archive_key(created, Some("business.updated"), b"body");
            let read = ArchivedKey::parse(&key);
            proptest::prop_assert!(read.is_some(), "{}", key);
        }
    }

    #[test]
    fn a_key_is_read_back_without_reading_the_object() {
        let key = archive_key(Some(at("2026-11-23T17:34:56Z")), Some("lien.found"), b"x");
        let read = ArchivedKey::parse(&key).unwrap();
        assert_eq!(
            read,
            ArchivedKey {
                created_at: Some(at("2026-11-23T17:34:56Z")),
                event_type: "lien.found".into(),
                sha256: hex::encode(Sha256::digest(b"x")),
            }
        );
        assert!(read.names(b"x") && !read.names(b"y"));
        let undated = ArchivedKey::parse(&archive_key(None, Some("run.created"), b"x")).unwrap();
        assert_eq!((undated.created_at, undated.event_type.as_str()), (None, "run.created"));
        let digest = hex::encode(Sha256::digest(b"x"));
        let not_a_digest = format!("events/2026-11-23/t/123456Z-{}", &digest[1..]);
        for other in [
            "payloads/abc",
            "events/2026-11-23/x",
            "events/2026-11-23/t/1234Z-abc",
            "events/a/b/c/d",
            "events/undated/t/abc",
            &not_a_digest,
        ] {
            assert_eq!(ArchivedKey::parse(other), None, "{other}");
        }
    }

    #[test]
    fn a_time_range_is_the_days_it_touches() {
        let days = day_prefixes(at("2026-11-30T23:00:00Z"), at("2026-12-02T01:00:00Z"));
        assert_eq!(days, ["events/2026-11-30/", "events/2026-12-01/", "events/2026-12-02/"]);
        assert_eq!(day_prefixes(at("2026-12-01T10:00:00Z"), at("2026-12-01T11:00:00Z")).len(), 1);
    }
}
