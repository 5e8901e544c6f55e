//! `middesk-webhooks replay`: sends archived events again, as the verifier sent them (same body,
//! same attributes, a claim check for a large body, the same FIFO group), to their routed
//! queues or to one queue. For a consumer that acknowledged events it mishandled, or a new
//! consumer that needs history: Middesk has no resend, and the queues forget after days.
//!
//! It lists the archive by key (day, then type: no object is read to choose), reads each
//! chosen object, checks that it is the body its key names (the key holds its SHA-256), and
//! sends it to every queue the verifier would (a type's own queue and its subscribers'). Every
//! run sends everything it finds, so a run that failed part way is simply run again: nothing is
//! skipped, and what was already sent arrives twice, which the consumers' idempotency absorbs.
//! A FIFO queue gets a fresh deduplication id per run, or SQS would drop a replay sent within
//! 5 minutes of the event's first delivery (or of an earlier replay).

use std::time::SystemTime;

use middesk_webhooks::message::{MessageContext, OutboundMessage};
use middesk_webhooks::verify::archive::{ArchivedKey, PREFIX, UNDATED, day_prefixes, field};
use middesk_webhooks::verify::publisher::QueuePublisher;
use middesk_webhooks::verify::routing::matches_pattern;
use middesk_webhooks::{Queue, QueueRouter};

/// Which archived events to replay.
#[derive(Debug, Clone)]
pub struct Selection {
    /// Created at or after.
    pub since: SystemTime,
    /// Created at or before.
    pub until: SystemTime,
    /// Types (`business.updated`) or families (`registration_request.*`); empty: every type.
    pub types: Vec<String>,
}

impl Selection {
    /// Whether an event of `event_type`, created at `created_at`, is selected.
    pub fn matches(&self, event_type: &str, created_at: SystemTime) -> bool {
        let type_matches = self.types.is_empty() || self.types.iter().any(|t| matches_pattern(t, event_type));
        type_matches && self.since <= created_at && created_at <= self.until
    }
}

/// An archived event chosen for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Its key.
    pub key: String,
    /// Its type, from the key.
    pub event_type: String,
}

/// An object of the archive, as a listing gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Its key.
    pub key: String,
    /// What the key says: the event's type and, for a dated key, when it was created.
    pub archived: ArchivedKey,
    /// When the verifier wrote it.
    pub written: Option<SystemTime>,
}

/// The archive's events created from `since` to `until` by their keys (no object is read),
/// and the undated ones, in key order.
pub async fn list(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    since: SystemTime,
    until: SystemTime,
) -> Result<Vec<Listed>, String> {
    let mut prefixes = day_prefixes(since, until);
    prefixes.push(format!("{PREFIX}{UNDATED}/"));
    let mut listed = Vec::new();
    for (key, written) in keys(s3, bucket, &prefixes).await? {
        if let Some(archived) = ArchivedKey::parse(&key) {
            listed.push(Listed { key, archived, written });
        }
    }
    Ok(listed)
}

/// An object's body and user metadata.
async fn read(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
) -> Result<(Vec<u8>, std::collections::HashMap<String, String>), String> {
    let object = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| format!("read: {}", aws_sdk_s3::error::DisplayErrorContext(&e)))?;
    let metadata = object.metadata().cloned().unwrap_or_default();
    let body = object.body.collect().await.map_err(|e| format!("read: {e}"))?.into_bytes();
    Ok((body.to_vec(), metadata))
}

/// Every key under `prefixes` of `bucket`, with when it was written, in key order.
async fn keys(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    prefixes: &[String],
) -> Result<Vec<(String, Option<SystemTime>)>, String> {
    let mut keys = Vec::new();
    for prefix in prefixes {
        let mut pages = s3.list_objects_v2().bucket(bucket).prefix(prefix).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| {
                format!("list {bucket}/{prefix}: {}", aws_sdk_s3::error::DisplayErrorContext(&e))
            })?;
            for object in page.contents() {
                let Some(key) = object.key() else { continue };
                let written = object.last_modified().and_then(|t| SystemTime::try_from(*t).ok());
                keys.push((key.to_owned(), written));
            }
        }
    }
    Ok(keys)
}

/// The keys of the archived events `selection` chooses: from the keys alone (dated ones by the
/// time in their key; undated ones by when they were written).
pub async fn find(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    selection: &Selection,
) -> Result<Vec<Found>, String> {
    let mut found = Vec::new();
    for Listed { key, archived, written } in list(s3, bucket, selection.since, selection.until).await? {
        let Some(at) = archived.created_at.or(written) else { continue };
        if selection.matches(&archived.event_type, at) {
            found.push(Found { key, event_type: archived.event_type });
        }
    }
    Ok(found)
}

/// Where replayed events go.
#[derive(Debug, Clone)]
pub enum Destination {
    /// Each to the queue the routing sends its type to, as the verifier would.
    Routed(QueueRouter),
    /// All to this queue.
    To(Queue),
}

impl Destination {
    /// The queues an event of `event_type` goes to: all of its route's, as the verifier sends.
    fn queues(&self, event_type: Option<&str>) -> Vec<&Queue> {
        match (self, event_type) {
            (Self::To(queue), _) => vec![queue],
            (Self::Routed(router), Some(event_type)) => router.route_all(event_type),
            (Self::Routed(router), None) => vec![router.catch_all()],
        }
    }
}

/// What a replay did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReplayReport {
    /// Archived events chosen.
    pub found: usize,
    /// Sent to every queue of their route (or, in a dry run, that would be).
    pub sent: usize,
    /// Not sent: each key with why. Run the replay again to send them.
    pub failed: Vec<(String, String)>,
}

/// Sends each of `found` from the archive `bucket` to `destination` through `publisher` (a
/// claim-check publisher, so that a large body goes by S3 as the verifier sent it), in a run
/// started at `run_at` (it makes the FIFO deduplication ids fresh). With `dry_run`, reads
/// nothing and sends nothing: counts what would be sent.
pub async fn send<P: QueuePublisher>(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    found: &[Found],
    destination: &Destination,
    publisher: &P,
    dry_run: bool,
    run_at: SystemTime,
) -> ReplayReport {
    let mut report = ReplayReport { found: found.len(), ..ReplayReport::default() };
    let run = run_at.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_millis());
    for event in found {
        if dry_run {
            report.sent += 1;
            continue;
        }
        match send_one(s3, bucket, &event.key, destination, publisher, run).await {
            Ok(()) => report.sent += 1,
            Err(error) => report.failed.push((event.key.clone(), error)),
        }
    }
    report
}

async fn send_one<P: QueuePublisher>(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    destination: &Destination,
    publisher: &P,
    run: u128,
) -> Result<(), String> {
    let (body, metadata) = read(s3, bucket, key).await?;
    // Only the verifier may write the archive, but an object that is not the body its key
    // names was not written by it: never send that to a consumer.
    if !ArchivedKey::parse(key).is_some_and(|archived| archived.names(&body)) {
        return Err("refused: the object is not the body its key names (its SHA-256 differs)".into());
    }
    let text = |name: &str| metadata.get(name).map(String::as_str);
    // The attributes the verifier sent, from what it archived beside the body.
    let received_at = text(field::RECEIVED_AT)
        .and_then(middesk_webhooks::envelope::parse_rfc3339)
        .unwrap_or_else(SystemTime::now);
    let malformed = text(field::MALFORMED_REASON);
    let context = MessageContext {
        event_id: text(field::EVENT_ID),
        event_type: text(field::EVENT_TYPE),
        malformed,
        account_id: text(field::ACCOUNT_ID),
        correlation_id: text(field::CORRELATION_ID),
        received_at,
        auth_method: text(field::AUTH_METHOD).unwrap_or_default(),
        // The first delivery's trace: the replayed message joins it.
        trace_header: text(field::TRACE_HEADER),
        traceparent: text(field::TRACEPARENT),
    };
    for queue in destination.queues(context.event_type) {
        let mut message = OutboundMessage::new(queue, &body, context);
        if let Some(fifo) = message.fifo.as_mut() {
            fifo.deduplication_id = replay_deduplication_id(run, &fifo.deduplication_id);
        }
        publisher.publish(&message).await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Which kept refusals to check again ([`middesk_webhooks::verify::refused`]).
#[derive(Debug, Clone)]
pub struct RefusedSelection {
    /// Received at or after.
    pub since: SystemTime,
    /// Received at or before (by day: the key holds the day and the second).
    pub until: SystemTime,
    /// Only these outcomes (`signature_mismatch`, `account_not_listed`, ...); empty: every one.
    pub reasons: Vec<String>,
}

/// What a replay of kept refusals did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RefusedReport {
    /// Kept refusals chosen.
    pub found: usize,
    /// Passed the verifier's checks: queued and archived like a new delivery, the record
    /// deleted (or, in a dry run, that would be checked).
    pub delivered: Vec<String>,
    /// Already in the archive: delivered since (Middesk's retry passed). Nothing queued, the
    /// record deleted: queueing it again could reach consumers that have forgotten it.
    pub already_delivered: Vec<String>,
    /// Refused again: each key with the outcome of today's checks. The record stays.
    pub refused: Vec<(String, String)>,
    /// Not checked, or not delivered (a dependency failed): run the same replay again.
    pub failed: Vec<(String, String)>,
}

/// Puts each kept refusal that `selection` chooses from `bucket` through `verifier` (the
/// configuration and secrets of today): what passes is queued and archived by it, and its
/// record deleted; what fails stays, with its reason. Only a record the verifier wrote (its
/// key names the body's SHA-256, its metadata says why) is checked; nothing unauthenticated
/// is ever queued, because the verifier checks it as it checks a delivery.
pub async fn replay_refused<S, P, J, A>(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    selection: &RefusedSelection,
    verifier: &middesk_webhooks::WebhookReceiver<S, P, J, A>,
    dry_run: bool,
) -> Result<RefusedReport, String>
where
    S: middesk_webhooks::SecretSource,
    P: QueuePublisher,
    J: middesk_webhooks::verify::auth::oidc::JwksSource,
    A: middesk_webhooks::verify::archive::EventArchive,
{
    use middesk_webhooks::verify::refused::{RefusedKey, day_prefixes};
    let mut report = RefusedReport::default();
    for (key, _) in keys(s3, bucket, &day_prefixes(selection.since, selection.until)).await? {
        let Some(refused) = RefusedKey::parse(&key) else { continue };
        if !selection.reasons.is_empty() && !selection.reasons.contains(&refused.reason) {
            continue;
        }
        report.found += 1;
        if dry_run {
            report.delivered.push(key);
            continue;
        }
        match check_again(s3, bucket, &key, &refused, verifier).await {
            Ok(Checked::Delivered) => report.delivered.push(key),
            Ok(Checked::AlreadyDelivered) => report.already_delivered.push(key),
            Ok(Checked::Refused(outcome)) => report.refused.push((key, outcome)),
            Err(error) => report.failed.push((key, error)),
        }
    }
    Ok(report)
}

/// What checking one kept refusal again did.
enum Checked {
    /// Passed today's checks: queued and archived, its record deleted.
    Delivered,
    /// Its event was in the archive already: its record deleted, nothing queued.
    AlreadyDelivered,
    /// Refused again, with today's outcome: the record stays.
    Refused(String),
}

/// Checks one kept refusal again. The archive first: an event delivered since is not queued
/// again, since its consumers' idempotency records may have expired.
async fn check_again<S, P, J, A>(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    key: &str,
    refused: &middesk_webhooks::verify::refused::RefusedKey,
    verifier: &middesk_webhooks::WebhookReceiver<S, P, J, A>,
) -> Result<Checked, String>
where
    S: middesk_webhooks::SecretSource,
    P: QueuePublisher,
    J: middesk_webhooks::verify::auth::oidc::JwksSource,
    A: middesk_webhooks::verify::archive::EventArchive,
{
    use middesk_webhooks::verify::refused::RefusedRequest;
    let (body, metadata) = read(s3, bucket, key).await?;
    if !refused.names(&body) {
        return Err("not checked: the object is not the body its key names (its SHA-256 differs)".into());
    }
    let mut record = RefusedRequest::from_metadata(|name| metadata.get(name).cloned())
        .ok_or("not checked: its metadata is not the verifier's record of a refusal")?;
    // Methods the verifier attested on arrival count only on its own record of this very key;
    // metadata copied onto another object is checked like a new request, and fails.
    if !refused.is_written_by(&record, &body) {
        record.attested.clear();
    }
    let archived = middesk_webhooks::verify::archive::archive_key_of(&body);
    if exists(s3, bucket, &archived).await? {
        delete(s3, bucket, key).await.map_err(|e| format!("already delivered, but {e}"))?;
        return Ok(Checked::AlreadyDelivered);
    }
    let mut headers = http::HeaderMap::new();
    if let Some(signature) = record.signature.as_deref().and_then(|s| s.parse().ok()) {
        headers.insert(middesk_webhooks::verify::signature::SIGNATURE_HEADER, signature);
    }
    let request = middesk_webhooks::WebhookRequest {
        method: &http::Method::POST,
        headers: &headers,
        body: &body,
        // The checks of the day it arrived (its age was judged then), with today's secrets
        // and configuration.
        received_at: record.received_at,
        client_certificate: None,
        source_ip: record.source_ip,
        trace_header: None,
    };
    // Boxed: the nested SDK futures are deep enough to overflow the compiler's layout limit.
    let receipt = Box::pin(verifier.receive_again(request, &record.attested)).await;
    match &receipt.result {
        Ok(()) => {
            delete(s3, bucket, key).await.map_err(|e| format!("delivered, but {e}"))?;
            Ok(Checked::Delivered)
        }
        Err(error) if error.status().is_server_error() => Err(format!("not delivered: {error}")),
        Err(_) => Ok(Checked::Refused(receipt.outcome().to_owned())),
    }
}

/// Whether `bucket` holds `key`.
async fn exists(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Result<bool, String> {
    match s3.head_object().bucket(bucket).key(key).send().await {
        Ok(_) => Ok(true),
        Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(false),
        Err(e) => Err(format!(
            "not checked: the archive could not be read: {}",
            aws_sdk_s3::error::DisplayErrorContext(&e)
        )),
    }
}

/// Deletes a kept refusal's record.
async fn delete(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Result<(), String> {
    s3.delete_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map(drop)
        .map_err(|e| format!("its record was not deleted: {}", aws_sdk_s3::error::DisplayErrorContext(&e)))
}

/// A deduplication id of this replay run for a message whose own id is `original`: the same
/// within a run, new in every run, and within SQS's 128 characters whatever `original` is.
fn replay_deduplication_id(run: u128, original: &str) -> String {
    use sha2::Digest as _;
    format!("replay-{run}-{}", hex::encode(sha2::Sha256::digest(original.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> SystemTime {
        middesk_webhooks::envelope::parse_rfc3339(rfc3339).unwrap()
    }

    #[test]
    fn replay_deduplication_ids_are_new_each_run_and_fit_sqs() {
        let long = "e".repeat(128);
        let (a, b) = (replay_deduplication_id(1, &long), replay_deduplication_id(2, &long));
        assert_ne!(a, b);
        assert_eq!(a, replay_deduplication_id(1, &long));
        assert_ne!(a, replay_deduplication_id(1, "other"));
        assert!(a.len() <= 128 && replay_deduplication_id(u128::MAX, &long).len() <= 128);
    }

    #[test]
    fn a_selection_is_a_time_range_and_types_or_families() {
        let selection = Selection {
            since: at("2026-11-01T00:00:00Z"),
            until: at("2026-11-30T00:00:00Z"),
            types: vec!["business.updated".into(), "registration_request.*".into()],
        };
        let inside = at("2026-11-15T00:00:00Z");
        assert!(selection.matches("business.updated", inside));
        assert!(selection.matches("registration_request.submitted", inside));
        assert!(!selection.matches("business.created", inside));
        assert!(!selection.matches("business.updated", at("2026-12-01T00:00:00Z")));
        assert!(!selection.matches("business.updated", at("2026-10-31T23:59:59Z")));
        assert!(
            selection.matches("business.updated", selection.since)
                && selection.matches("business.updated", selection.until)
        );
        let every_type = Selection { types: vec![], ..selection };
        assert!(every_type.matches("lien.found", inside));
    }
}
