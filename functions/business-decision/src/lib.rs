//! Example consumer for `business.updated`: decide approve / review / reject from the
//! business's status and Middesk's review tasks, log the decision, once per event id, and
//! never on a business older than the newest already decided on (events arrive out of order).

use std::time::SystemTime;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use middesk_webhooks::claim_check::PayloadReader;
use middesk_webhooks::consume::batch::{BatchError, BatchOptions, process_batch_with};
use middesk_webhooks::consume::event::{Business, Event, EventObject};
use middesk_webhooks::consume::idempotency::{GuardError, Guarded, IdempotencyGuard};
use middesk_webhooks::consume::newest::{Freshness, NewestStateStore};
use serde::{Deserialize, Serialize};

/// What to do with a business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Onboard it.
    Approve,
    /// A person should look at it.
    Review,
    /// Do not onboard it.
    Reject,
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Approve => "approve",
            Self::Review => "review",
            Self::Reject => "reject",
        })
    }
}

/// A decision with the reason, as logged and stored for repeats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRecord {
    /// Middesk's business id.
    pub business_id: Option<String>,
    /// The decision.
    pub decision: Decision,
    /// Why, in a few words.
    pub reason: String,
}

/// The rules, in order:
/// 1. Middesk rejected the business, or any review task failed: reject.
/// 2. Any review task is a warning, or the business is in review: review.
/// 3. Middesk approved it, or every review task succeeded: approve.
/// 4. Anything else (no review yet, an unknown status): review.
pub fn decide(business: &Business) -> DecisionRecord {
    let tasks = business.review.as_ref().and_then(|r| r.tasks.as_deref()).unwrap_or_default();
    let status = business.status.as_deref().unwrap_or("unknown");
    let task_with = |wanted: &str| {
        tasks
            .iter()
            .find(|t| t.status.as_deref() == Some(wanted))
            .map(|t| t.label.as_deref().or(t.key.as_deref()).unwrap_or("unnamed task").to_owned())
    };
    let (decision, reason) = if status == "rejected" {
        (Decision::Reject, "Middesk status is rejected".to_owned())
    } else if let Some(task) = task_with("failure") {
        (Decision::Reject, format!("review task failed: {task}"))
    } else if let Some(task) = task_with("warning") {
        (Decision::Review, format!("review task warning: {task}"))
    } else if status == "in_review" {
        (Decision::Review, "Middesk status is in_review".to_owned())
    } else if status == "approved" {
        (Decision::Approve, "Middesk status is approved".to_owned())
    } else if !tasks.is_empty() && tasks.iter().all(|t| t.status.as_deref() == Some("success")) {
        (Decision::Approve, "every review task succeeded".to_owned())
    } else {
        (Decision::Review, format!("no conclusive review (status {status})"))
    };
    DecisionRecord { business_id: business.id.clone(), decision, reason }
}

/// What the consumer did with an event, as logged and stored for repeats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Handled {
    /// Decided on the business as the event carries it.
    Decided(DecisionRecord),
    /// Not decided: a newer event of the business was decided on, and this one's data is older
    /// (a retry, a redrive or a replay that arrived late).
    Superseded {
        /// Middesk's business id.
        business_id: Option<String>,
        /// The newer event the business's decision stands on.
        newest_event_id: String,
    },
}

/// Why an event got no decision; each fails its message.
#[derive(Debug, thiserror::Error)]
pub enum DecisionError {
    /// The event's object is not a business.
    #[error("not a business object")]
    NotABusiness,
    /// The idempotency guard failed.
    #[error(transparent)]
    Guard(#[from] GuardError<std::convert::Infallible>),
}

/// Decides on one event, at most once per event id, unless a newer event of its business was
/// decided on already.
pub async fn handle_event<S: NewestStateStore>(
    guard: &IdempotencyGuard<S>,
    event: &Event,
    deadline: SystemTime,
) -> Result<Guarded<Handled>, DecisionError> {
    let EventObject::Business(business) = event.object() else {
        // Subscribed to the wrong queue, or a new kind of object: nothing to decide on. Failing
        // sends it to the dead-letter queue (alarm) rather than acknowledging it unhandled.
        tracing::error!(event_id = event.id, event_type = %event.event_type, "not a business object");
        return Err(DecisionError::NotABusiness);
    };
    let outcome = guard
        .run_in_order(event, deadline, |freshness| async move {
            Ok(match freshness {
                Freshness::Older { newest } => {
                    Handled::Superseded { business_id: business.id.clone(), newest_event_id: newest.event_id }
                }
                Freshness::Newest | Freshness::Unordered => Handled::Decided(decide(business)),
            })
        })
        .await?;
    let (handled, repeat) = match &outcome {
        Guarded::Ran(h) => (h, false),
        Guarded::Repeat(h) => (h, true),
    };
    match handled {
        Handled::Decided(record) => tracing::info!(
            event_id = event.id,
            event_type = %event.event_type,
            business_id = record.business_id.as_deref(),
            decision = %record.decision,
            reason = record.reason,
            repeat,
            "business decision"
        ),
        Handled::Superseded { business_id, newest_event_id } => tracing::info!(
            event_id = event.id,
            event_type = %event.event_type,
            business_id = business_id.as_deref(),
            newest_event_id,
            repeat,
            "not decided: a newer event of this business was decided on"
        ),
    }
    Ok(outcome)
}

/// Handles an SQS batch, reporting exactly the messages that failed.
pub async fn handle_batch<S: NewestStateStore, R: PayloadReader>(
    guard: &IdempotencyGuard<S>,
    options: &BatchOptions<R>,
    batch: &SqsEvent,
    deadline: SystemTime,
) -> Result<SqsBatchResponse, BatchError> {
    process_batch_with(batch, options, |event, _| async move {
        handle_event(guard, &event, deadline).await.map(drop)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use middesk_webhooks::consume::event::{Review, ReviewTask};

    fn business(status: &str, tasks: &[(&str, &str)]) -> Business {
        let tasks = tasks
            .iter()
            .map(|(key, status)| ReviewTask {
                key: Some((*key).into()),
                status: Some((*status).into()),
                ..Default::default()
            })
            .collect();
        Business {
            id: Some("biz".into()),
            status: Some(status.into()),
            review: Some(Review { tasks: Some(tasks), ..Default::default() }),
            ..Default::default()
        }
    }

    #[test]
    fn the_samples_decide_as_their_review_says() {
        // business.updated: in review with a watchlist hit (failure) and two warnings.
        for (event_type, expected) in [
            ("business.updated", Decision::Reject),
            ("business.approved", Decision::Approve),
            ("business.rejected", Decision::Reject),
        ] {
            let sample = middesk_webhooks::verify::sample::sample_payload(event_type).unwrap();
            let event = Event::from_slice(sample.as_bytes()).unwrap();
            let EventObject::Business(b) = event.object() else { panic!("not a business") };
            assert_eq!(decide(b).decision, expected, "{event_type}");
        }
    }

    #[test]
    fn rules() {
        let cases = [
            ("rejected", vec![("tin", "success")], Decision::Reject),
            ("approved", vec![("watchlist", "failure")], Decision::Reject),
            ("open", vec![("tin", "success"), ("sos", "failure")], Decision::Reject),
            ("approved", vec![("address", "warning")], Decision::Review),
            ("in_review", vec![("tin", "success")], Decision::Review),
            ("approved", vec![], Decision::Approve),
            ("open", vec![("tin", "success"), ("sos", "success")], Decision::Approve),
            ("open", vec![], Decision::Review),
            ("pending", vec![("tin", "pending")], Decision::Review),
        ];
        for (status, tasks, expected) in cases {
            let record = decide(&business(status, &tasks));
            assert_eq!(record.decision, expected, "{status} {tasks:?}: {}", record.reason);
        }
        assert_eq!(decide(&Business::default()).decision, Decision::Review);
    }

    #[tokio::test]
    async fn a_business_that_no_longer_fits_the_model_is_a_batch_failure() {
        use middesk_webhooks::consume::idempotency::{DEFAULT_RECORD_TTL, InMemoryIdempotencyStore};
        use middesk_webhooks::verify::sample::{SampleRecord, sqs_batch_event};
        let sample = middesk_webhooks::verify::sample::sample_payload("business.updated").unwrap();
        let mut drifted: serde_json::Value = serde_json::from_str(sample).unwrap();
        drifted["id"] = serde_json::json!("evt-drifted");
        drifted["data"]["object"]["external_id"] = serde_json::json!(12345);
        let mut wrong_kind: serde_json::Value = serde_json::from_str(sample).unwrap();
        wrong_kind["id"] = serde_json::json!("evt-order");
        wrong_kind["data"]["object"] = serde_json::json!({"object": "order", "id": "ord-1"});
        let (drifted, wrong_kind) = (drifted.to_string(), wrong_kind.to_string());
        let records: [SampleRecord<'_>; 3] =
            [("ok", sample, &[]), ("drifted", &drifted, &[]), ("order", &wrong_kind, &[])];
        let batch: SqsEvent =
            serde_json::from_value(sqs_batch_event("arn:aws:sqs:us-east-1:1:q", &records)).unwrap();
        let guard = IdempotencyGuard::new(InMemoryIdempotencyStore::default(), "t", DEFAULT_RECORD_TTL);
        let deadline = SystemTime::now() + std::time::Duration::from_secs(60);
        let response = handle_batch(&guard, &BatchOptions::default(), &batch, deadline).await.unwrap();
        let failed: Vec<_> =
            response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
        assert_eq!(failed, ["drifted", "order"]);
    }
}
