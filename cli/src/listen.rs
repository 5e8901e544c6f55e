//! `middesk-webhooks listen --forward-to <URL>`: the events a stack receives, on a developer's
//! laptop, as `stripe listen` does for Stripe. It follows the stack's archive, which the
//! verifier writes before it answers Middesk. So it never takes a message from a queue a
//! consumer reads. It POSTs each new event to the URL exactly as Middesk would: the original
//! bytes, their `Content-Type`, `X-Middesk-Signature-256` made with a local secret (the local
//! app verifies with that one, never the stack's), and `X-Correlation-Id` when Middesk sent one.
//!
//! "New" is what the first look did not find: no clock is compared with S3's or Middesk's, so a
//! laptop's clock being off loses nothing. `--since` adds, at the first look, the events
//! created since then (the archive's keys are dated by `created_at`). Each look lists the days
//! an accepted event can still be from (the verifier refuses older ones, `MaxEventAgeSeconds`,
//! at most 6 days), since Middesk may retry an event days after creating it.

use std::collections::HashSet;
use std::time::{Duration, Instant, SystemTime};

use middesk_webhooks::SigningKey;
use middesk_webhooks::verify::archive::{ArchivedKey, field};
use middesk_webhooks::verify::routing::matches_pattern;

use crate::replay::Listed;

/// How far back a look lists: the oldest event the verifier accepts (`MAX_MAX_EVENT_AGE`).
pub const LOOKBACK: Duration = middesk_webhooks::retention::MAX_MAX_EVENT_AGE;

/// What has been seen of the archive, and what to forward.
#[derive(Debug)]
pub struct Follower {
    /// At the first look, forward what was created at or after this; `None`: nothing then.
    since: Option<SystemTime>,
    /// Types or families (`registration_request.*`); empty: every type.
    types: Vec<String>,
    /// Keys already forwarded, or found at the first look and not wanted.
    seen: HashSet<String>,
    /// Whether the first look is done.
    looked: bool,
}

impl Follower {
    /// Follows new events of `types` (all when empty), and those created since `since` first.
    pub fn new(since: Option<SystemTime>, types: Vec<String>) -> Self {
        Self { since, types, seen: HashSet::new(), looked: false }
    }

    /// Whether an event of `event_type` is wanted.
    pub fn wants(&self, event_type: &str) -> bool {
        self.types.is_empty() || self.types.iter().any(|t| matches_pattern(t, event_type))
    }

    /// Where a look at `now` starts listing. `--since` widens the first look only: every later
    /// one lists the days a new event can still be from, not the whole range again.
    pub fn look_from(&self, now: SystemTime) -> SystemTime {
        match (self.looked, self.since) {
            (false, Some(since)) => since.min(now - LOOKBACK),
            _ => now - LOOKBACK,
        }
    }

    /// The events archived in `bucket` since the last look, oldest first, at `now`.
    pub async fn new_events(
        &mut self,
        s3: &aws_sdk_s3::Client,
        bucket: &str,
        now: SystemTime,
    ) -> Result<Vec<ArchivedEvent>, String> {
        let from = self.look_from(now);
        // A day ahead too: Middesk's clock may be ahead of ours.
        let listed = crate::replay::list(s3, bucket, from, now + Duration::from_secs(86_400)).await?;
        let mut found = Vec::new();
        for Listed { key, archived, written } in listed {
            if self.seen.contains(&key) {
                continue;
            }
            let wanted = self.wants(&archived.event_type)
                && match (self.looked, self.since) {
                    (true, _) => true,
                    (false, None) => false,
                    // Undated keys: by when they were written.
                    (false, Some(since)) => archived.created_at.or(written).is_some_and(|t| t >= since),
                };
            // A key not wanted now never is: it was there before, or is of another type.
            self.seen.insert(key.clone());
            if wanted {
                let created = archived.created_at.or(written).unwrap_or(now);
                found.push(ArchivedEvent { key, event_type: archived.event_type, created });
            }
        }
        self.looked = true;
        found.sort_by_key(|e| e.created);
        Ok(found)
    }
}

/// Refuses a destination that is not this machine's loopback (`localhost`, 127.0.0.0/8, `::1`)
/// unless `allow_remote`: the events are production KYB data.
pub fn check_destination(url: &str, allow_remote: bool) -> Result<(), String> {
    let uri: http::Uri = url.parse().map_err(|e| format!("--forward-to {url:?}: {e}"))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return Err(format!("--forward-to {url:?}: an http or https URL"));
    }
    let host = uri.host().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    match loopback || allow_remote {
        true => Ok(()),
        false => Err(format!(
            "--forward-to {url:?} is not this machine (localhost, 127.0.0.1, ::1): the events are production KYB data; pass --allow-remote to send them there"
        )),
    }
}

/// What `listen` prints of the secret it signs with: the first 12 hex digits of its SHA-256,
/// enough to tell secrets apart, nothing to sign with.
pub fn fingerprint(secret: &str) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))[..12].to_owned()
}

/// An archived event to forward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivedEvent {
    /// Its key.
    pub key: String,
    /// Its type, from the key.
    pub event_type: String,
    /// When Middesk created it (else when it was archived).
    pub created: SystemTime,
}

/// What happened to one forwarded event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Middesk's event id (from the archive's metadata).
    pub event_id: String,
    /// Its type.
    pub event_type: String,
    /// The local answer's status, if one came.
    pub status: Option<u16>,
    /// How long the last attempt took.
    pub latency: Duration,
    /// Attempts made.
    pub attempts: u32,
    /// Why it failed, if it did (nothing listening, 5xx after every attempt, the archive).
    pub error: Option<String>,
}

impl Delivery {
    /// Whether the local app took it (2xx).
    pub fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    /// One line, as `stripe listen` prints them: when, type, id, answer, latency.
    pub fn line(&self, at: SystemTime) -> String {
        let answer = match (self.status, &self.error) {
            (Some(status), _) => format!("[{status}]"),
            (None, Some(error)) => format!("[failed: {error}]"),
            (None, None) => "[-]".to_owned(),
        };
        let tries =
            if self.attempts > 1 { format!(" after {} attempts", self.attempts) } else { String::new() };
        format!(
            "{}  --> {:<36} {:<28} {answer} {} ms{tries}",
            humantime::format_rfc3339_seconds(at),
            self.event_type,
            self.event_id,
            self.latency.as_millis()
        )
    }
}

/// Reads `event` from the archive and POSTs it to `url` signed with `secret`, as Middesk
/// would; a connection failure or a 5xx is tried again, `attempts` times in all, waiting
/// `backoff`, then twice as long, between them.
pub async fn forward(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    event: &ArchivedEvent,
    url: &str,
    secret: &SigningKey,
    attempts: u32,
    backoff: Duration,
) -> Delivery {
    let mut delivery = Delivery {
        event_id: "-".to_owned(),
        event_type: event.event_type.clone(),
        status: None,
        latency: Duration::ZERO,
        attempts: 0,
        error: None,
    };
    let object = match s3.get_object().bucket(bucket).key(&event.key).send().await {
        Ok(object) => object,
        Err(e) => {
            delivery.error = Some(format!("archive: {}", aws_sdk_s3::error::DisplayErrorContext(&e)));
            return delivery;
        }
    };
    let metadata = object.metadata().cloned().unwrap_or_default();
    let content_type = object.content_type().unwrap_or("application/json").to_owned();
    let body = match object.body.collect().await {
        Ok(bytes) => bytes.into_bytes().to_vec(),
        Err(e) => {
            delivery.error = Some(format!("archive: {e}"));
            return delivery;
        }
    };
    // What the verifier archived is the body its key names; anything else (written by someone
    // else, or altered) is never signed and sent.
    if !ArchivedKey::parse(&event.key).is_some_and(|key| key.names(&body)) {
        delivery.error = Some("archive: the object is not the body its key names (SHA-256)".into());
        return delivery;
    }
    if let Some(id) = metadata.get(field::EVENT_ID) {
        delivery.event_id = id.clone();
    }
    let mut headers = vec![
        ("Content-Type".to_owned(), content_type),
        ("X-Middesk-Signature-256".to_owned(), secret.sign(&body)),
    ];
    if let Some(correlation_id) = metadata.get(field::CORRELATION_ID) {
        headers.push(("X-Correlation-Id".to_owned(), correlation_id.clone()));
    }
    // One agent for every attempt (it keeps the connection), statuses as answers, not errors.
    // No redirect is followed (it would carry the signature elsewhere, and its 200 is not the
    // local app's), and no proxy from the environment sees the events.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut wait = backoff;
    for attempt in 1..=attempts.max(1) {
        delivery.attempts = attempt;
        let started = Instant::now();
        let (agent, url, headers, body) = (agent.clone(), url.to_owned(), headers.clone(), body.clone());
        let answer = tokio::task::spawn_blocking(move || post(&agent, &url, &headers, &body)).await;
        delivery.latency = started.elapsed();
        let answer = answer.unwrap_or_else(|e| Err(e.to_string()));
        match answer {
            Ok(status) if status < 500 => {
                (delivery.status, delivery.error) = (Some(status), None);
                return delivery;
            }
            Ok(status) => {
                (delivery.status, delivery.error) = (Some(status), Some(format!("answered {status}")))
            }
            Err(error) => (delivery.status, delivery.error) = (None, Some(error)),
        }
        if attempt < attempts {
            tokio::time::sleep(wait).await;
            wait *= 2;
        }
    }
    delivery
}

/// One POST; its status (any, 4xx and 5xx included), or why none came.
fn post(agent: &ureq::Agent, url: &str, headers: &[(String, String)], body: &[u8]) -> Result<u16, String> {
    let mut request = agent.post(url);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    request.send(body).map(|r| r.status().as_u16()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_machine_is_a_destination_unless_allowed() {
        for local in [
            "http://localhost:3000/webhooks/middesk",
            "http://LOCALHOST/x",
            "http://127.0.0.1:8080/x",
            "http://127.1.2.3/x",
            "https://[::1]:8443/x",
        ] {
            assert!(check_destination(local, false).is_ok(), "{local}");
        }
        for remote in [
            "http://203.0.113.9/hook",
            "https://hooks.example.com/x",
            "http://localhost.attacker.example/x",
            "http://[::ffff:8.8.8.8]/x",
            "http://10.0.0.2/x",
        ] {
            assert!(check_destination(remote, false).unwrap_err().contains("--allow-remote"), "{remote}");
            assert!(check_destination(remote, true).is_ok(), "{remote}");
        }
        assert!(check_destination("ftp://localhost/x", true).is_err());
        assert!(check_destination("not a url", true).is_err());
    }

    #[test]
    fn since_widens_the_first_look_only() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
        let month_ago = now - Duration::from_secs(30 * 86_400);
        let mut follower = Follower::new(Some(month_ago), Vec::new());
        assert_eq!(follower.look_from(now), month_ago);
        follower.looked = true;
        assert_eq!(follower.look_from(now), now - LOOKBACK);
        assert_eq!(Follower::new(None, Vec::new()).look_from(now), now - LOOKBACK);
    }

    #[test]
    fn a_fingerprint_tells_secrets_apart_and_is_not_the_secret() {
        let (a, b) = (fingerprint("sec_a"), fingerprint("sec_b"));
        assert_ne!(a, b);
        assert_eq!(a.len(), 12);
        assert!(!a.contains("sec_a"));
    }
}
