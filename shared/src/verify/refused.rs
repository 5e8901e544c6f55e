//! Refused, but perhaps ours: what the verifier keeps of a request it refused when the request
//! may carry an event of ours, so that a mistake fixed after Middesk gave up (its retries stop
//! after about 3 days, and it has no resend) loses nothing.
//!
//! Kept: every refusal that the verdict ([`crate::verify::verdict::judge`]) finds probably
//! ours. Its table is in docs/verifier.md. Nothing that anybody on the internet can send is kept.
//!
//! One object per body and outcome, in the archive's bucket under its own prefix (and so with
//! the archive's protections), dated by when it arrived:
//! `refused/<YYYY-MM-DD>/<outcome>/<sha256 of the body>`. Its metadata says why, and
//! holds what a later check needs: the signature header, the caller's address, when it arrived,
//! and the methods the verifier checked that cannot be checked again (mutual TLS: the
//! certificate is not kept; OIDC: the token expires). `middesk-webhooks replay --refused` puts
//! each through the verifier again with the configuration and secrets of the day.

use std::net::IpAddr;
use std::time::SystemTime;

use sha2::{Digest as _, Sha256};

use crate::error::ReceiveError;
use crate::verify::archive::Metadata;
use crate::verify::auth::AuthMethod;
use crate::verify::verdict::Whose;

/// The prefix of every refused request kept.
pub const PREFIX: &str = "refused/";

/// Metadata names of a refused request (S3 user metadata: lower case, ASCII values).
pub mod field {
    /// The outcome it was refused with.
    pub const REASON: &str = "refused-reason";
    /// When the verifier received it (RFC 3339, milliseconds).
    pub const RECEIVED_AT: &str = "received-at";
    /// The caller's address, from the gateway's request context.
    pub const SOURCE_IP: &str = "source-ip";
    /// The `X-Middesk-Signature-256` header, to check again with the secrets of the day.
    pub const SIGNATURE: &str = "signature";
    /// The methods the verifier checked on arrival that cannot be checked again
    /// (comma-separated `mtls`, `oidc`).
    pub const ATTESTED: &str = "attested";
    /// Middesk's event id, when readable.
    pub const EVENT_ID: &str = "event-id";
    /// The event type, when readable.
    pub const EVENT_TYPE: &str = "event-type";
    /// The account the body names, when readable.
    pub const ACCOUNT_ID: &str = "account-id";
}

/// Whether a request refused with `error` is kept: the verdict found it probably ours.
pub fn keeps(error: &ReceiveError) -> bool {
    error.whose() == Some(Whose::Ours)
}

/// What the verifier knew of a refused request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedRequest {
    /// The outcome it was refused with.
    pub reason: String,
    /// When it arrived.
    pub received_at: SystemTime,
    /// The caller's address.
    pub source_ip: Option<IpAddr>,
    /// Its `X-Middesk-Signature-256` header.
    pub signature: Option<String>,
    /// Methods checked on arrival that cannot be checked again.
    pub attested: Vec<AuthMethod>,
}

impl RefusedRequest {
    /// The object key of `body` refused as this says.
    pub fn key(&self, body: &[u8]) -> String {
        let digest = hex::encode(Sha256::digest(body));
        // No time of day: a body refused again the same day for the same reason is the same
        // object, so a repeated request cannot fill the bucket.
        let Utc { year, month, day, .. } = Utc::of(self.received_at);
        format!("{PREFIX}{year:04}-{month:02}-{day:02}/{}/{digest}", self.reason)
    }

    /// Its metadata, with what the body names (`parts`: event id, type, account).
    pub fn metadata(&self, parts: [Option<&str>; 3]) -> Metadata {
        let mut out: Metadata = vec![
            (field::REASON, self.reason.clone()),
            (field::RECEIVED_AT, Utc::of(self.received_at).rfc3339_millis()),
        ];
        if let Some(ip) = self.source_ip {
            out.push((field::SOURCE_IP, ip.to_string()));
        }
        if let Some(signature) = &self.signature {
            out.push((field::SIGNATURE, signature.clone()));
        }
        if !self.attested.is_empty() {
            let names: Vec<&str> = self.attested.iter().map(|m| m.as_str()).collect();
            out.push((field::ATTESTED, names.join(",")));
        }
        for (name, value) in [field::EVENT_ID, field::EVENT_TYPE, field::ACCOUNT_ID].into_iter().zip(parts) {
            if let Some(value) = value {
                out.push((name, value.to_owned()));
            }
        }
        out
    }

    /// Reads it back from an object's metadata; `None` when it is not the verifier's.
    pub fn from_metadata(get: impl Fn(&str) -> Option<String>) -> Option<Self> {
        let reason = get(field::REASON)?;
        let received_at = crate::envelope::parse_rfc3339(&get(field::RECEIVED_AT)?)?;
        let attested = get(field::ATTESTED)
            .unwrap_or_default()
            .split(',')
            .filter_map(|name| match name.trim() {
                "mtls" => Some(AuthMethod::Mtls),
                "oidc" => Some(AuthMethod::Oidc),
                // HMAC is always checked again, with the signature kept.
                _ => None,
            })
            .collect();
        Some(Self {
            reason,
            received_at,
            source_ip: get(field::SOURCE_IP).and_then(|ip| ip.parse().ok()),
            signature: get(field::SIGNATURE),
            attested,
        })
    }
}

/// A time's UTC calendar fields, for any time (humantime's formatting fails past year 9999,
/// and a key must never panic).
struct Utc {
    year: i64,
    month: u32,
    day: u32,
    hour: u64,
    minute: u64,
    second: u64,
    millis: u32,
}

impl Utc {
    fn of(t: SystemTime) -> Self {
        let since = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
        let (days, seconds) = ((since.as_secs() / 86_400) as i64, since.as_secs() % 86_400);
        // Days to a civil date (proleptic Gregorian), after Howard Hinnant's `civil_from_days`.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Self {
            year,
            month,
            day,
            hour: seconds / 3600,
            minute: seconds % 3600 / 60,
            second: seconds % 60,
            millis: since.subsec_millis(),
        }
    }

    fn rfc3339_millis(&self) -> String {
        let Self { year, month, day, hour, minute, second, millis } = self;
        format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{millis:03}Z")
    }
}

/// A refused request's place, read back from its key alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedKey {
    /// The day it arrived (`YYYY-MM-DD`).
    pub day: String,
    /// The outcome it was refused with.
    pub reason: String,
    /// The SHA-256 of the body, hex.
    pub sha256: String,
}

impl RefusedKey {
    /// Reads a key written by [`RefusedRequest::key`]; `None` for any other (never panics).
    pub fn parse(key: &str) -> Option<Self> {
        let mut parts = key.strip_prefix(PREFIX)?.split('/');
        let (day, reason, name) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || day.is_empty() || reason.is_empty() {
            return None;
        }
        // Keys written before 2026-12 had the time of day before the digest (`HHMMSSZ-`).
        let sha256 = name.split_once("Z-").map_or(name, |(_, digest)| digest);
        let is_digest = sha256.len() == 64 && sha256.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        is_digest.then(|| Self { day: day.to_owned(), reason: reason.to_owned(), sha256: sha256.to_owned() })
    }

    /// Whether `record` is the verifier's own record of `body` under this key: it names the same
    /// day, reason and body. Only then do its `attested` methods count.
    pub fn is_written_by(&self, record: &RefusedRequest, body: &[u8]) -> bool {
        Self::parse(&record.key(body)).is_some_and(|written| written == *self)
    }

    /// Whether `body` is the body this key names.
    pub fn names(&self, body: &[u8]) -> bool {
        hex::encode(Sha256::digest(body)) == self.sha256
    }
}

/// The day prefixes (`refused/YYYY-MM-DD/`) of requests that arrived from `since` to `until`.
pub fn day_prefixes(since: SystemTime, until: SystemTime) -> Vec<String> {
    crate::verify::archive::day_prefixes(since, until)
        .into_iter()
        .map(|p| p.replacen(crate::verify::archive::PREFIX, PREFIX, 1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(text: &str) -> SystemTime {
        crate::envelope::parse_rfc3339(text).unwrap()
    }

    #[test]
    fn what_may_be_ours_is_kept_and_nothing_anybody_can_send() {
        use crate::verify::verdict::Reason;
        for reason in Reason::ALL {
            assert!(keeps(&ReceiveError::Refused { reason, whose: Whose::Ours }), "{reason:?}");
            assert!(!keeps(&ReceiveError::Refused { reason, whose: Whose::Anybody }), "{reason:?}");
        }
        for not in
            [ReceiveError::MethodNotAllowed, ReceiveError::TimedOut, ReceiveError::Archive(String::new())]
        {
            assert!(!keeps(&not), "{not:?}");
        }
    }

    #[test]
    fn a_refused_request_goes_by_its_day_and_reason_and_reads_back() {
        let refused = RefusedRequest {
            reason: "signature_mismatch".into(),
            received_at: at("2026-11-23T17:34:56.789Z"),
            source_ip: Some("35.239.59.102".parse().unwrap()),
            signature: Some("ab12".into()),
            attested: vec![AuthMethod::Mtls],
        };
        let key = refused.key(b"{}");
        assert_eq!(
            key,
            format!("refused/2026-11-23/signature_mismatch/{}", hex::encode(Sha256::digest(b"{}")))
        );
        // The same body refused again that day, at another time, is the same object.
        let later = RefusedRequest { received_at: at("2026-11-23T23:59:59Z"), ..refused.clone() };
        assert_eq!(later.key(b"{}"), key);
        // A key of the earlier form, with the time of day, still reads back.
        let earlier = key.replace("signature_mismatch/", "signature_mismatch/173456Z-");
        assert_eq!(RefusedKey::parse(&earlier).map(|k| k.sha256), RefusedKey::parse(&key).map(|k| k.sha256));
        let parsed = RefusedKey::parse(&key).unwrap();
        assert_eq!((parsed.day.as_str(), parsed.reason.as_str()), ("2026-11-23", "signature_mismatch"));
        assert!(parsed.names(b"{}") && !parsed.names(b"{ }"));
        let metadata = refused.metadata([Some("ev-1"), Some("business.updated"), None]);
        let get = |name: &str| metadata.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
        assert_eq!(RefusedRequest::from_metadata(get), Some(refused.clone()));
        assert_eq!(
            day_prefixes(at("2026-11-23T00:00:00Z"), at("2026-11-24T01:00:00Z")),
            ["refused/2026-11-23/", "refused/2026-11-24/"]
        );
        // A time no calendar of four-digit years holds still has a key.
        let far = RefusedRequest {
            received_at: SystemTime::UNIX_EPOCH + Duration::from_secs(300_000_000_000),
            ..refused
        };
        assert!(far.key(b"x").starts_with("refused/11476-"), "{}", far.key(b"x"));
        // The calendar agrees with humantime's wherever that one can write a date.
        for seconds in (0..253_402_300_799u64).step_by(7_654_321_987) {
            let t = SystemTime::UNIX_EPOCH + Duration::from_millis(seconds * 1000 + 123);
            assert_eq!(Utc::of(t).rfc3339_millis(), humantime::format_rfc3339_millis(t).to_string());
        }
    }

    #[test]
    fn any_other_key_is_not_a_refused_request() {
        let digest = "a".repeat(64);
        for key in [
            "events/2026-11-23/business.updated/000000Z-x".to_owned(),
            format!("refused/2026-11-23/signature_mismatch/000000Z-{}", &digest[..63]),
            format!("refused/2026-11-23//000000Z-{digest}"),
            format!("refused/2026-11-23/r/x/000000Z-{digest}"),
            "refused/é/ü/Z-".to_owned(),
        ] {
            assert_eq!(RefusedKey::parse(&key), None, "{key}");
        }
    }
}
