//! The newest state wins: events about one Middesk object, applied in the order Middesk made
//! them, whatever order they arrive in.
//!
//! Middesk retries a failed delivery for about 3 days, and `redrive` and `replay` send old
//! events again, so an older `business.updated` can reach a consumer after a newer one. Per
//! object, the store keeps the newest event applied (its `created_at`, then its id), beside the
//! idempotency records and in the same writes:
//!
//! - a claim takes the event's record and, when the event is newer than the newest applied,
//!   holds its object until the handler is done (one transaction). Another event of that object
//!   then waits (in progress, so SQS delivers it again later): two cannot both be the newest;
//! - the completion records the event as the newest applied and lets the object go, again in one
//!   transaction with the event's record;
//! - an event older than the newest applied is still claimed once, and its handler is told so
//!   ([`Freshness::Older`]): it may skip it, or record it without acting on its data.

use std::future::Future;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::event::Event;
use super::idempotency::{
    Claim, GuardError, Guarded, IdempotencyGuard, IdempotencyStore, StoreError, retried,
};

/// How long an object's newest-applied record lives after its last event: the archive's default
/// retention, so that a replay of any archived event still finds it.
pub const NEWEST_RECORD_TTL: Duration = Duration::from_secs(400 * 86_400);

/// An event's place among the events about the same Middesk object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EventOrder {
    /// When Middesk created the event.
    pub created_at: SystemTime,
    /// The event's id: orders two events of the same instant, the same way everywhere.
    pub event_id: String,
}

/// The Middesk object an event carries the state of, and the event's place among its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderedEvent {
    /// `business/<id>` for anything about a business (a business, or an object that names its
    /// `business_id`); else `<object kind>/<id>`.
    pub object: String,
    /// Its place.
    pub order: EventOrder,
}

impl Event {
    /// The object this event carries the state of, and its place among that object's events;
    /// `None` when the event names no object id or has no readable `created_at`.
    pub fn ordered(&self) -> Option<OrderedEvent> {
        let object = self.object_json()?;
        let field = |name: &str| object.get(name).and_then(|v| v.as_str()).filter(|s| !s.is_empty());
        let object = match (field("business_id"), field("object"), field("id")) {
            (Some(business), _, _) => format!("business/{business}"),
            (None, Some(kind), Some(id)) => format!("{kind}/{id}"),
            _ => return None,
        };
        let created_at = crate::envelope::parse_rfc3339(self.created_at.as_deref()?)?;
        Some(OrderedEvent { object, order: EventOrder { created_at, event_id: self.id.clone() } })
    }
}

/// Where an event stands among the events applied for its object, as its handler is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    /// Newer than every event applied for its object so far: its data is the object's newest.
    Newest,
    /// Older than (or the same as) the newest applied, which it must not undo.
    Older {
        /// The newest event applied for the object.
        newest: EventOrder,
    },
    /// The event names no object, or no time: no order applies.
    Unordered,
}

/// What a claim in order found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderedClaim {
    /// Claimed, and newer than the newest applied: its object is held until completion.
    Newest,
    /// Claimed, but older than (or the same as) the newest applied, which it carries.
    Older(EventOrder),
    /// Already processed: the stored result (JSON).
    Completed(String),
    /// This event, or another event of the same object that is newer than the newest applied,
    /// is being processed right now.
    InProgress,
}

/// The two records an ordered event's writes touch: its own idempotency record and its object's.
#[derive(Debug, Clone, Copy)]
pub struct OrderedRecords<'a> {
    /// The event's idempotency record.
    pub key: &'a str,
    /// The object's record: the newest event applied, and the event holding the object.
    pub object_key: &'a str,
    /// The event's place among its object's events.
    pub order: &'a EventOrder,
    /// When the event's record expires.
    pub expires_at: SystemTime,
    /// When the object's record expires ([`NEWEST_RECORD_TTL`] after its last event).
    pub object_expires_at: SystemTime,
}

/// The store of the idempotency records that also keeps, per object, the newest event applied
/// (DynamoDB in production, memory in tests).
pub trait NewestStateStore: IdempotencyStore {
    /// Claims the event's record as [`IdempotencyStore::claim`] does. If the event is newer than
    /// the newest applied for its object and no other event holds the object, holds it for this
    /// event until `lock_until`, in the same atomic write.
    fn claim_in_order(
        &self,
        records: OrderedRecords<'_>,
        now: SystemTime,
        lock_until: SystemTime,
    ) -> impl Future<Output = Result<OrderedClaim, StoreError>> + Send;

    /// Completes the event's record with `result` and records the event as its object's newest
    /// applied, letting the object go, in one atomic write.
    fn complete_in_order(
        &self,
        records: OrderedRecords<'_>,
        result: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Releases the event's record and its hold on the object, so that a retry runs again.
    fn release_in_order(
        &self,
        records: OrderedRecords<'_>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

impl<S: NewestStateStore> IdempotencyGuard<S> {
    /// Runs `handler` once per event id, as [`run`](IdempotencyGuard::run) does, and tells it
    /// where the event stands among those applied for its object ([`Event::ordered`]).
    pub async fn run_in_order<T, E, F, Fut>(
        &self,
        event: &Event,
        deadline: SystemTime,
        handler: F,
    ) -> Result<Guarded<T>, GuardError<E>>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(Freshness) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.run_in_order_at(&event.id, event.ordered().as_ref(), SystemTime::now(), deadline, handler).await
    }

    /// [`run_in_order`](Self::run_in_order) for event `event_id` placed by `ordered`, at `now`.
    pub async fn run_in_order_at<T, E, F, Fut>(
        &self,
        event_id: &str,
        ordered: Option<&OrderedEvent>,
        now: SystemTime,
        deadline: SystemTime,
        handler: F,
    ) -> Result<Guarded<T>, GuardError<E>>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(Freshness) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let Some(OrderedEvent { object, order }) = ordered else {
            return self.run_at(event_id, now, deadline, || handler(Freshness::Unordered)).await;
        };
        let key = self.key(event_id);
        let object_key = format!("{}#newest#{object}", self.namespace());
        let expires_at = now.checked_add(self.record_ttl()).unwrap_or(now);
        let records = OrderedRecords {
            key: &key,
            object_key: &object_key,
            order,
            expires_at,
            object_expires_at: now.checked_add(NEWEST_RECORD_TTL).unwrap_or(now),
        };
        let store = self.store();
        let freshness = match store.claim_in_order(records, now, deadline).await? {
            OrderedClaim::Completed(stored) => return Ok(Guarded::Repeat(serde_json::from_str(&stored)?)),
            OrderedClaim::InProgress => return Err(GuardError::InProgress),
            OrderedClaim::Newest => Freshness::Newest,
            OrderedClaim::Older(newest) => Freshness::Older { newest },
        };
        let holds_object = freshness == Freshness::Newest;
        match handler(freshness).await {
            Ok(value) => {
                let result = serde_json::to_string(&value)?;
                let completed = retried(deadline, || async {
                    match holds_object {
                        true => store.complete_in_order(records, &result).await,
                        false => store.complete(&key, &result, expires_at).await,
                    }
                })
                .await;
                if let Err(error) = completed {
                    self.keep_lock(&key, event_id, expires_at, deadline, &error).await;
                }
                Ok(Guarded::Ran(value))
            }
            Err(error) => {
                let released = match holds_object {
                    true => store.release_in_order(records).await,
                    false => store.release(&key).await,
                };
                if let Err(release) = released {
                    tracing::warn!(%release, event_id, "could not release the claim; it expires at the deadline");
                }
                Err(GuardError::Handler(error))
            }
        }
    }
}

/// What the in-memory store keeps per object.
#[derive(Debug, Clone, Default)]
pub(crate) struct ObjectRecord {
    newest: Option<EventOrder>,
    holder: Option<(String, SystemTime)>,
}

impl NewestStateStore for super::idempotency::InMemoryIdempotencyStore {
    async fn claim_in_order(
        &self,
        records: OrderedRecords<'_>,
        now: SystemTime,
        lock_until: SystemTime,
    ) -> Result<OrderedClaim, StoreError> {
        let OrderedRecords { key, object_key, order, expires_at, .. } = records;
        let mut objects = self.objects();
        let object = objects.entry(object_key.to_owned()).or_default();
        let held_by_another =
            object.holder.as_ref().is_some_and(|(holder, until)| holder != key && *until > now);
        let newer = object.newest.as_ref().is_none_or(|newest| order > newest);
        if newer && held_by_another {
            return Ok(OrderedClaim::InProgress);
        }
        let newest = object.newest.clone();
        match self.claim_now(key, now, lock_until, expires_at) {
            Claim::Completed(result) => Ok(OrderedClaim::Completed(result)),
            Claim::InProgress => Ok(OrderedClaim::InProgress),
            Claim::Acquired if newer => {
                object.holder = Some((key.to_owned(), lock_until));
                Ok(OrderedClaim::Newest)
            }
            Claim::Acquired => Ok(OrderedClaim::Older(newest.unwrap_or_else(|| order.clone()))),
        }
    }

    async fn complete_in_order(&self, records: OrderedRecords<'_>, result: &str) -> Result<(), StoreError> {
        let OrderedRecords { key, object_key, order, expires_at, .. } = records;
        let mut objects = self.objects();
        let object = objects.entry(object_key.to_owned()).or_default();
        if object.holder.as_ref().is_some_and(|(holder, _)| holder == key) {
            object.holder = None;
            object.newest = Some(order.clone().max(object.newest.clone().unwrap_or_else(|| order.clone())));
        }
        self.complete_now(key, result, expires_at);
        Ok(())
    }

    async fn release_in_order(&self, records: OrderedRecords<'_>) -> Result<(), StoreError> {
        let mut objects = self.objects();
        if let Some(object) = objects.get_mut(records.object_key)
            && object.holder.as_ref().is_some_and(|(holder, _)| holder == records.key)
        {
            object.holder = None;
        }
        self.release_now(records.key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consume::idempotency::{DEFAULT_RECORD_TTL, InMemoryIdempotencyStore};

    fn event(id: &str, business: &str, created_at: &str) -> Event {
        let json = serde_json::json!({
            "object": "event", "id": id, "type": "business.updated", "created_at": created_at,
            "data": {"object": {"object": "business", "id": business, "status": "open"}}
        });
        Event::from_slice(json.to_string().as_bytes()).unwrap()
    }

    fn guard() -> IdempotencyGuard<InMemoryIdempotencyStore> {
        IdempotencyGuard::new(InMemoryIdempotencyStore::default(), "test", DEFAULT_RECORD_TTL)
    }

    /// Runs `event` through `guard` at `now`, answering with what it was told.
    async fn told(
        guard: &IdempotencyGuard<InMemoryIdempotencyStore>,
        event: &Event,
        now: SystemTime,
    ) -> Result<Guarded<String>, GuardError<String>> {
        let deadline = now + Duration::from_secs(60);
        guard
            .run_in_order_at(&event.id, event.ordered().as_ref(), now, deadline, |freshness| async move {
                Ok(match freshness {
                    Freshness::Newest => "newest".to_owned(),
                    Freshness::Older { newest } => format!("older than {}", newest.event_id),
                    Freshness::Unordered => "unordered".to_owned(),
                })
            })
            .await
    }

    #[test]
    fn an_event_is_placed_by_its_business_and_its_time() {
        let e = event("evt_1", "biz_1", "2026-12-05T10:00:00.123Z");
        let ordered = e.ordered().unwrap();
        assert_eq!(ordered.object, "business/biz_1");
        assert_eq!(
            ordered.order.created_at,
            crate::envelope::parse_rfc3339("2026-12-05T10:00:00.123Z").unwrap()
        );
        // An object about a business is ordered with that business.
        let json = serde_json::json!({"id": "evt_2", "type": "watchlist_result.created",
            "created_at": "2026-12-05T10:00:00Z",
            "data": {"object": {"object": "watchlist_result", "id": "wr_1", "business_id": "biz_1"}}});
        let watchlist = Event::from_slice(json.to_string().as_bytes()).unwrap();
        assert_eq!(watchlist.ordered().unwrap().object, "business/biz_1");
        // No time, or no object id: no order.
        let json = serde_json::json!({"id": "evt_3", "type": "business.updated",
            "data": {"object": {"object": "business", "id": "biz_1"}}});
        assert_eq!(Event::from_slice(json.to_string().as_bytes()).unwrap().ordered(), None);
        // The same instant: the event id decides, the same way everywhere.
        let (a, b) =
            (event("evt_a", "biz", "2026-12-05T10:00:00Z"), event("evt_b", "biz", "2026-12-05T10:00:00Z"));
        assert!(a.ordered().unwrap().order < b.ordered().unwrap().order);
    }

    #[tokio::test]
    async fn in_either_order_the_newest_is_applied_and_an_older_one_is_told_so() {
        let now = SystemTime::now();
        let older = event("evt_in_review", "biz_1", "2026-12-05T10:00:00Z");
        let newer = event("evt_approved", "biz_1", "2026-12-05T10:05:00Z");
        let g = guard();
        assert_eq!(told(&g, &older, now).await.unwrap(), Guarded::Ran("newest".into()));
        assert_eq!(told(&g, &newer, now).await.unwrap(), Guarded::Ran("newest".into()));
        let g = guard();
        assert_eq!(told(&g, &newer, now).await.unwrap(), Guarded::Ran("newest".into()));
        assert_eq!(told(&g, &older, now).await.unwrap(), Guarded::Ran("older than evt_approved".into()));
        // A repeat gets its stored answer; another business is not ordered with this one.
        assert_eq!(told(&g, &older, now).await.unwrap(), Guarded::Repeat("older than evt_approved".into()));
        let other = event("evt_other", "biz_2", "2026-12-01T00:00:00Z");
        assert_eq!(told(&g, &other, now).await.unwrap(), Guarded::Ran("newest".into()));
    }

    #[tokio::test]
    async fn while_the_newest_is_being_applied_another_of_its_object_waits() {
        let g = guard();
        let now = SystemTime::now();
        let (first, second) =
            (event("evt_1", "biz", "2026-12-05T10:00:00Z"), event("evt_2", "biz", "2026-12-05T10:05:00Z"));
        let deadline = now + Duration::from_secs(60);
        let first_order = first.ordered().unwrap();
        let running = g.run_in_order_at(&first.id, Some(&first_order), now, deadline, |_| async {
            // The other event arrives while this one's handler runs: it must wait.
            let waited = told(&g, &second, now).await;
            assert!(matches!(waited, Err(GuardError::InProgress)), "{waited:?}");
            Ok::<_, String>("first".to_owned())
        });
        assert_eq!(running.await.unwrap(), Guarded::Ran("first".into()));
        assert_eq!(told(&g, &second, now).await.unwrap(), Guarded::Ran("newest".into()));
        // A handler that fails lets the object go: the retry is still the newest.
        let third = event("evt_3", "biz", "2026-12-05T10:10:00Z");
        let failed = g
            .run_in_order_at(&third.id, third.ordered().as_ref(), now, deadline, |_| async {
                Err::<u8, _>("down")
            })
            .await;
        assert!(matches!(failed, Err(GuardError::Handler("down"))));
        assert_eq!(told(&g, &third, now).await.unwrap(), Guarded::Ran("newest".into()));
    }

    #[tokio::test]
    async fn a_crashed_holder_lets_the_object_go_at_its_deadline() {
        let store = InMemoryIdempotencyStore::default();
        let now = SystemTime::now();
        let (a, b) = (
            EventOrder { created_at: now, event_id: "a".into() },
            EventOrder { created_at: now + Duration::from_secs(1), event_id: "b".into() },
        );
        let far = now + DEFAULT_RECORD_TTL;
        let records = |key, order| OrderedRecords {
            key,
            object_key: "o",
            order,
            expires_at: far,
            object_expires_at: far,
        };
        let minute = now + Duration::from_secs(60);
        assert_eq!(
            store.claim_in_order(records("t#a", &a), now, minute).await.unwrap(),
            OrderedClaim::Newest
        );
        assert_eq!(
            store.claim_in_order(records("t#b", &b), now, minute).await.unwrap(),
            OrderedClaim::InProgress
        );
        let later = minute + Duration::from_secs(1);
        let after = later + Duration::from_secs(60);
        assert_eq!(
            store.claim_in_order(records("t#b", &b), later, after).await.unwrap(),
            OrderedClaim::Newest
        );
    }
}
