//! Example consumer for `business.updated`: decide approve / review / reject from the
//! business's status and Middesk's review tasks, log the decision, once per event id, and
//! never on a business older than the newest already decided on (events arrive out of order).
//!
//! A thin event (a monitoring event naming its `business_id`, or a business with identifiers
//! only) is decided on the business as Middesk has it now, fetched with its API.

use std::time::SystemTime;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use middesk_webhooks::claim_check::PayloadReader;
use middesk_webhooks::consume::batch::{BatchError, BatchOptions, process_batch_with, sent_at};
use middesk_webhooks::consume::event::{Business, Event, EventObject};
use middesk_webhooks::consume::idempotency::{GuardError, Guarded, IdempotencyGuard};
use middesk_webhooks::consume::newest::{Applied, Freshness, NewestStateStore, OrderScope, superseded_emf};
use middesk_webhooks::middesk::api::MiddeskApiError;
use middesk_webhooks::middesk::businesses::BusinessSource;
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
    /// The event is about no business.
    #[error("not about a business")]
    NotABusiness,
    /// A thin event, and no Middesk API key to fetch its business with.
    #[error("a thin event needs the business from Middesk: set MIDDESK_API_KEY_SECRET_ID")]
    NoMiddeskApi,
    /// The idempotency guard failed, or Middesk did (its answer retried within the time left).
    #[error(transparent)]
    Guard(#[from] GuardError<MiddeskApiError>),
}

/// The time kept, after fetching a business, to decide and record it before the deadline.
const TIME_TO_FINISH: std::time::Duration = std::time::Duration::from_secs(3);

/// What an event tells about its business: the business itself, or only its id (a thin event:
/// a monitoring event's `business_id`, or a business object with neither status nor review).
enum About<'a> {
    Business(&'a Business),
    Id(String),
}

fn about(event: &Event) -> Option<About<'_>> {
    match event.object() {
        EventObject::Business(b) if b.status.is_some() || b.review.is_some() => Some(About::Business(b)),
        EventObject::Business(b) => b.id.clone().map(About::Id),
        _ => {
            let ordered = event.ordered_in(OrderScope::Business)?;
            ordered.object.strip_prefix("business/").map(|id| About::Id(id.to_owned()))
        }
    }
}

/// When a business fetched at `fetched_at` is from: its `updated_at`, never later than the
/// fetch (a clock ahead cannot hold the business's order), else the fetch itself.
fn fetched_as_of(business: &Business, fetched_at: SystemTime) -> SystemTime {
    let updated = business.updated_at.as_deref().and_then(middesk_webhooks::envelope::parse_rfc3339);
    updated.map_or(fetched_at, |at| at.min(fetched_at))
}

/// [`handle_message`] for an event whose message's arrival is not known.
pub async fn handle_event<S: NewestStateStore, B: BusinessSource>(
    guard: &IdempotencyGuard<S>,
    middesk: Option<&B>,
    event: &Event,
    deadline: SystemTime,
) -> Result<Guarded<Handled>, DecisionError> {
    handle_message(guard, middesk, event, None, None, deadline).await
}

/// Decides on one event, at most once per event id, unless a newer event of its business was
/// decided on already. A thin event's business is fetched from `middesk`, within the time
/// left before `deadline`. Decisions are on the whole business, so this consumer widens the
/// order to it ([`OrderScope::Business`]): every event that names the business is placed
/// among the business's, no later than `arrived` (its message's `SentTimestamp`). An event
/// superseded is counted in `metrics_namespace`'s `EventsSuperseded`, if one is given.
pub async fn handle_message<S: NewestStateStore, B: BusinessSource>(
    guard: &IdempotencyGuard<S>,
    middesk: Option<&B>,
    event: &Event,
    arrived: Option<SystemTime>,
    metrics_namespace: Option<&str>,
    deadline: SystemTime,
) -> Result<Guarded<Handled>, DecisionError> {
    let Some(about) = about(event) else {
        // Subscribed to the wrong queue, or a new kind of object: nothing to decide on. Failing
        // sends it to the dead-letter queue (alarm) rather than acknowledging it unhandled.
        tracing::error!(event_id = event.id, event_type = %event.event_type, "not about a business");
        return Err(DecisionError::NotABusiness);
    };
    if matches!(about, About::Id(_)) && middesk.is_none() {
        tracing::error!(event_id = event.id, event_type = %event.event_type, "a thin event, and no Middesk API");
        return Err(DecisionError::NoMiddeskApi);
    }
    let ordered = event.ordered_in(OrderScope::Business).map(|o| o.arrived(arrived));
    let outcome = guard
        .run_in_order_applied_at(
            &event.id,
            ordered.as_ref(),
            SystemTime::now(),
            deadline,
            |freshness| async move {
                let business_id = match &about {
                    About::Business(b) => b.id.clone(),
                    About::Id(id) => Some(id.clone()),
                };
                if let Freshness::Older { newest } = freshness {
                    let superseded = Handled::Superseded { business_id, newest_event_id: newest.event_id };
                    return Ok(Applied::as_the_event(superseded));
                }
                match (about, middesk) {
                    (About::Business(business), _) => {
                        Ok(Applied::as_the_event(Handled::Decided(decide(business))))
                    }
                    (About::Id(id), Some(middesk)) => {
                        let left = deadline.duration_since(SystemTime::now()).unwrap_or_default();
                        let latest =
                            middesk.retrieve_business(&id, left.saturating_sub(TIME_TO_FINISH)).await?;
                        let as_of = fetched_as_of(&latest, SystemTime::now());
                        Ok(Applied { value: Handled::Decided(decide(&latest)), as_of: Some(as_of) })
                    }
                    (About::Id(_), None) => unreachable!("refused before the claim"),
                }
            },
        )
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
        Handled::Superseded { business_id, newest_event_id } => {
            if let (Some(namespace), false) = (metrics_namespace, repeat) {
                // An EMF line on standard output: CloudWatch counts it, no API call.
                println!("{}", superseded_emf(namespace, event.event_type.as_str(), SystemTime::now()));
            }
            tracing::info!(
            event_id = event.id,
            event_type = %event.event_type,
            business_id = business_id.as_deref(),
            newest_event_id,
            repeat,
            "not decided: a newer event of this business was decided on"
            )
        }
    }
    Ok(outcome)
}

/// Handles an SQS batch, reporting exactly the messages that failed.
pub async fn handle_batch<S: NewestStateStore, B: BusinessSource, R: PayloadReader>(
    guard: &IdempotencyGuard<S>,
    middesk: Option<&B>,
    options: &BatchOptions<R>,
    batch: &SqsEvent,
    metrics_namespace: Option<&str>,
    deadline: SystemTime,
) -> Result<SqsBatchResponse, BatchError> {
    process_batch_with(batch, options, |event, message| {
        let arrived = sent_at(message);
        async move { handle_message(guard, middesk, &event, arrived, metrics_namespace, deadline).await.map(drop) }
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

    const NO_API: Option<&middesk_webhooks::middesk::api::MiddeskApi> = None;

    #[tokio::test]
    async fn a_business_that_no_longer_fits_the_model_is_a_batch_failure() {
        use middesk_webhooks::consume::idempotency::DEFAULT_RECORD_TTL;
        use middesk_webhooks::consume::newest::InMemoryNewestStore;
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
        let guard = IdempotencyGuard::new(InMemoryNewestStore::default(), "t", DEFAULT_RECORD_TTL);
        let deadline = SystemTime::now() + std::time::Duration::from_secs(60);
        let response =
            handle_batch(&guard, NO_API, &BatchOptions::default(), &batch, None, deadline).await.unwrap();
        let failed: Vec<_> =
            response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
        assert_eq!(failed, ["drifted", "order"]);
    }
}
