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
    Claim, GuardError, Guarded, IdempotencyGuard, IdempotencyStore, InMemoryIdempotencyStore, SUPERSEDED,
    StoreError, retried,
};

/// How long an object's newest-applied record lives after its last event: the archive's default
/// retention, so that a replay of any archived event still finds it.
pub const NEWEST_RECORD_TTL: Duration = Duration::from_secs(400 * 86_400);

/// The per-stack metric of events that arrived older than their object's newest: counted for
/// the dashboard, never alarmed (the ordering working as it should, not a loss).
pub const SUPERSEDED_METRIC: &str = "EventsSuperseded";

/// The CloudWatch Embedded Metric Format line that counts one superseded event in `namespace`,
/// without dimensions. It carries the event's type as a log field, never its body.
pub fn superseded_emf(namespace: &str, event_type: &str, now: SystemTime) -> String {
    let timestamp = now.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    serde_json::json!({
        "_aws": {
            "Timestamp": timestamp,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": [[]],
                "Metrics": [{ "Name": SUPERSEDED_METRIC, "Unit": "Count" }]
            }]
        },
        SUPERSEDED_METRIC: 1,
        "event_type": event_type,
    })
    .to_string()
}

/// An event's place among the events about the same Middesk object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EventOrder {
    /// When Middesk created the event (or when it arrived, if that is earlier).
    pub created_at: SystemTime,
    /// The event's id: which of two events of the same instant the object's record names.
    pub event_id: String,
}

impl EventOrder {
    /// Whether an event at this place makes one at `other` older: only a strictly later time.
    /// Two events of the same instant are both applied, neither older than the other.
    pub fn supersedes(&self, other: &EventOrder) -> bool {
        self.created_at > other.created_at
    }
}

/// What an event's order is kept on: the Middesk object whose state it carries. The table of
/// docs/consumers.md says the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderScope {
    /// The default. `business.*` events on their business (`business/<id>`); every other event
    /// on its own object, by its kind and id (`lien/<id>`, `address/<id>`, ...). An event is
    /// never compared with another object's, even one of the same business.
    Object,
    /// Wider, for a consumer that acts on the whole business (a decision): every event that
    /// names a `business_id` on that business. Never the default: a lien's event then makes
    /// another lien's older.
    Business,
}

/// The Middesk object an event carries the state of, and the event's place among its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderedEvent {
    /// The object, as [`OrderScope`] says: `business/<id>`, `lien/<id>`, ...
    pub object: String,
    /// Its place.
    pub order: EventOrder,
}

impl OrderedEvent {
    /// Placed no later than `arrived` (the message's `SentTimestamp`): a `created_at` ahead of
    /// its arrival counts as its arrival. One far-future date then cannot make every later event
    /// of its object older for as long as the date is ahead.
    pub fn arrived(mut self, arrived: Option<SystemTime>) -> Self {
        if let Some(arrived) = arrived {
            self.order.created_at = self.order.created_at.min(arrived);
        }
        self
    }
}

impl Event {
    /// The object this event carries the state of ([`OrderScope::Object`]), and its place among
    /// that object's events; `None` when the event names no object id or has no readable
    /// `created_at`.
    pub fn ordered(&self) -> Option<OrderedEvent> {
        self.ordered_in(OrderScope::Object)
    }

    /// [`ordered`](Self::ordered) in `scope`.
    pub fn ordered_in(&self, scope: OrderScope) -> Option<OrderedEvent> {
        let object = self.object_json()?;
        let field = |name: &str| object.get(name).and_then(|v| v.as_str()).filter(|s| !s.is_empty());
        let object = match (scope, field("business_id"), field("object"), field("id")) {
            (OrderScope::Business, Some(business), _, _) => format!("business/{business}"),
            (_, _, Some(kind), Some(id)) => format!("{kind}/{id}"),
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
    /// Older than the newest applied (created strictly before it), which it must not undo.
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
    /// Claimed, and not older than the newest applied (a tie included): its object is held until
    /// completion.
    Newest,
    /// Claimed, but older than the newest applied, which it carries.
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

    /// Completes the record of an event that was older than its object's newest, as
    /// `SUPERSEDED`: a repeat gets `result` back as from a completed one, and replay, redrive
    /// and an operator can tell it from an event that was processed.
    fn complete_superseded(
        &self,
        key: &str,
        result: &str,
        expires_at: SystemTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Releases the event's record and its hold on the object, so that a retry runs again.
    fn release_in_order(
        &self,
        records: OrderedRecords<'_>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

impl<S: NewestStateStore> IdempotencyGuard<S> {
    /// Runs `handler` once per event id, as [`run`](IdempotencyGuard::run) does, and tells it
    /// where the event stands among those applied for its object ([`Event::ordered`]), placed no
    /// later than `arrived` (the message's `SentTimestamp`, [`sent_at`](crate::consume::batch::sent_at)).
    pub async fn run_in_order<T, E, F, Fut>(
        &self,
        event: &Event,
        arrived: Option<SystemTime>,
        deadline: SystemTime,
        handler: F,
    ) -> Result<Guarded<T>, GuardError<E>>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(Freshness) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let ordered = event.ordered().map(|o| o.arrived(arrived));
        self.run_in_order_at(&event.id, ordered.as_ref(), SystemTime::now(), deadline, handler).await
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
        let handler = |freshness| async move { handler(freshness).await.map(Applied::as_the_event) };
        self.run_in_order_applied_at(event_id, ordered, now, deadline, handler).await
    }

    /// [`run_in_order_at`](Self::run_in_order_at) for a handler that says what state it acted
    /// on ([`Applied`]): a thin event filled in by a fetch is recorded as of the state fetched.
    pub async fn run_in_order_applied_at<T, E, F, Fut>(
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
        Fut: Future<Output = Result<Applied<T>, E>>,
    {
        let Some(OrderedEvent { object, order }) = ordered else {
            let unordered = || async { handler(Freshness::Unordered).await.map(|applied| applied.value) };
            return self.run_at(event_id, now, deadline, unordered).await;
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
            Ok(Applied { value, as_of }) => {
                let result = serde_json::to_string(&value)?;
                // The object's newest is the state acted on: a later one fetched moves it on.
                let applied = EventOrder {
                    created_at: as_of.map_or(order.created_at, |at| at.max(order.created_at)),
                    event_id: order.event_id.clone(),
                };
                let records = OrderedRecords { order: &applied, ..records };
                let completed = retried(deadline, || async {
                    match holds_object {
                        true => store.complete_in_order(records, &result).await,
                        false => store.complete_superseded(&key, &result, expires_at).await,
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

/// What a handler in order acted on: its result, and when the state it acted on is from, if
/// not the event's own. A thin event carries a change, not the object: a handler that fetched
/// the object gives the fetched state's time (its `updated_at`, else the fetch's), so that an
/// event carrying an older state, delivered afterwards, is older.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied<T> {
    /// What the handler returns, stored for repeats.
    pub value: T,
    /// When the state acted on is from; `None`: the event's own state.
    pub as_of: Option<SystemTime>,
}

impl<T> Applied<T> {
    /// `value`, acted on the event's own state.
    pub fn as_the_event(value: T) -> Self {
        Self { value, as_of: None }
    }
}

/// What the in-memory store keeps per object.
#[derive(Debug, Clone, Default)]
struct ObjectRecord {
    newest: Option<EventOrder>,
    holder: Option<(String, SystemTime)>,
}

/// An in-memory [`NewestStateStore`] for tests and local runs: the idempotency records, and
/// per object the newest event applied and who holds it.
#[derive(Debug, Default)]
pub struct InMemoryNewestStore {
    records: InMemoryIdempotencyStore,
    objects: std::sync::Mutex<std::collections::HashMap<String, ObjectRecord>>,
}

impl InMemoryNewestStore {
    /// The status of `key`'s record (`IN_PROGRESS`, `COMPLETED`, `SUPERSEDED`), if any.
    pub fn status(&self, key: &str) -> Option<&'static str> {
        self.records.status(key)
    }

    fn objects(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, ObjectRecord>> {
        self.objects.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl IdempotencyStore for InMemoryNewestStore {
    async fn claim(
        &self,
        key: &str,
        now: SystemTime,
        lock_until: SystemTime,
        expires_at: SystemTime,
    ) -> Result<Claim, StoreError> {
        self.records.claim(key, now, lock_until, expires_at).await
    }

    async fn complete(&self, key: &str, result: &str, expires_at: SystemTime) -> Result<(), StoreError> {
        self.records.complete(key, result, expires_at).await
    }

    async fn extend_lock(&self, key: &str, new_lock: SystemTime) -> Result<(), StoreError> {
        self.records.extend_lock(key, new_lock).await
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        self.records.release(key).await
    }
}

impl NewestStateStore for InMemoryNewestStore {
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
        let newer = object.newest.as_ref().is_none_or(|newest| !newest.supersedes(order));
        if newer && held_by_another {
            return Ok(OrderedClaim::InProgress);
        }
        let newest = object.newest.clone();
        match self.records.claim_now(key, now, lock_until, expires_at) {
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
            // The claim held it only if this event is not older: it is the newest, a tie included.
            object.holder = None;
            object.newest = Some(order.clone());
        }
        self.records.complete_now(key, result, expires_at);
        Ok(())
    }

    async fn complete_superseded(
        &self,
        key: &str,
        result: &str,
        expires_at: SystemTime,
    ) -> Result<(), StoreError> {
        self.records.complete_now_as(key, result, expires_at, SUPERSEDED);
        Ok(())
    }

    async fn release_in_order(&self, records: OrderedRecords<'_>) -> Result<(), StoreError> {
        let mut objects = self.objects();
        if let Some(object) = objects.get_mut(records.object_key)
            && object.holder.as_ref().is_some_and(|(holder, _)| holder == records.key)
        {
            object.holder = None;
        }
        self.records.release_now(records.key);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consume::idempotency::DEFAULT_RECORD_TTL;

    fn event(id: &str, business: &str, created_at: &str) -> Event {
        let json = serde_json::json!({
            "object": "event", "id": id, "type": "business.updated", "created_at": created_at,
            "data": {"object": {"object": "business", "id": business, "status": "open"}}
        });
        Event::from_slice(json.to_string().as_bytes()).unwrap()
    }

    fn guard() -> IdempotencyGuard<InMemoryNewestStore> {
        IdempotencyGuard::new(InMemoryNewestStore::default(), "test", DEFAULT_RECORD_TTL)
    }

    /// Runs `event` through `guard` at `now`, answering with what it was told.
    async fn told(
        guard: &IdempotencyGuard<InMemoryNewestStore>,
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
    fn a_superseded_event_is_one_count_without_dimensions_and_no_body() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_millis(1_800_000_000_123);
        let line: serde_json::Value =
            serde_json::from_str(&superseded_emf("MiddeskWebhooks/prod", "lien.found", now)).unwrap();
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(line["_aws"]["Timestamp"], 1_800_000_000_123u64);
        assert_eq!(
            (&directive["Namespace"], &directive["Dimensions"]),
            (&"MiddeskWebhooks/prod".into(), &serde_json::json!([[]]))
        );
        assert_eq!(directive["Metrics"][0]["Name"], SUPERSEDED_METRIC);
        assert_eq!((&line[SUPERSEDED_METRIC], &line["event_type"]), (&1.into(), &"lien.found".into()));
        assert_eq!(line.as_object().unwrap().len(), 3, "{line}");
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
        // An object about a business is ordered on itself, not with the business, unless a
        // consumer widens the order to the business.
        let json = serde_json::json!({"id": "evt_2", "type": "watchlist_result.created",
            "created_at": "2026-12-05T10:00:00Z",
            "data": {"object": {"object": "watchlist_result", "id": "wr_1", "business_id": "biz_1"}}});
        let watchlist = Event::from_slice(json.to_string().as_bytes()).unwrap();
        assert_eq!(watchlist.ordered().unwrap().object, "watchlist_result/wr_1");
        assert_eq!(watchlist.ordered_in(OrderScope::Business).unwrap().object, "business/biz_1");
        // No time, or no object id: no order.
        let json = serde_json::json!({"id": "evt_3", "type": "business.updated",
            "data": {"object": {"object": "business", "id": "biz_1"}}});
        assert_eq!(Event::from_slice(json.to_string().as_bytes()).unwrap().ordered(), None);
        // The same instant: neither supersedes the other.
        let (a, b) =
            (event("evt_a", "biz", "2026-12-05T10:00:00Z"), event("evt_b", "biz", "2026-12-05T10:00:00Z"));
        let (a, b) = (a.ordered().unwrap().order, b.ordered().unwrap().order);
        assert!(!a.supersedes(&b) && !b.supersedes(&a));
    }

    /// An event of `kind` `id` about business `business`, at `created_at`.
    fn about(event_id: &str, event_type: &str, kind: &str, id: &str, created_at: &str) -> Event {
        let json = serde_json::json!({"object": "event", "id": event_id, "type": event_type,
            "created_at": created_at,
            "data": {"object": {"object": kind, "id": id, "business_id": "biz_1"}}});
        Event::from_slice(json.to_string().as_bytes()).unwrap()
    }

    #[tokio::test]
    async fn a_siblings_event_is_never_older() {
        let now = SystemTime::now();
        let g = guard();
        // Lien L2 at 10:01, then lien L1 at 10:00: two liens, both applied.
        let l2 = about("evt_l2", "lien.found", "lien", "L2", "2026-12-05T10:01:00Z");
        let l1 = about("evt_l1", "lien.found", "lien", "L1", "2026-12-05T10:00:00Z");
        assert_eq!(told(&g, &l2, now).await.unwrap(), Guarded::Ran("newest".into()));
        assert_eq!(told(&g, &l1, now).await.unwrap(), Guarded::Ran("newest".into()));
        // Two addresses of one business.
        let a2 = about("evt_a2", "address.created", "address", "A2", "2026-12-05T11:00:00Z");
        let a1 = about("evt_a1", "address.created", "address", "A1", "2026-12-05T10:59:00Z");
        assert_eq!(told(&g, &a2, now).await.unwrap(), Guarded::Ran("newest".into()));
        assert_eq!(told(&g, &a1, now).await.unwrap(), Guarded::Ran("newest".into()));
        // The business's own event after a lien's later one: the business is its own object.
        let lien = about("evt_l3", "lien.found", "lien", "L3", "2026-12-05T13:00:05Z");
        let business = event("evt_b", "biz_1", "2026-12-05T13:00:01Z");
        assert_eq!(told(&g, &lien, now).await.unwrap(), Guarded::Ran("newest".into()));
        assert_eq!(told(&g, &business, now).await.unwrap(), Guarded::Ran("newest".into()));
        // The same lien, older: that one is older.
        let again = about("evt_l2_old", "lien.updated", "lien", "L2", "2026-12-05T09:00:00Z");
        assert_eq!(told(&g, &again, now).await.unwrap(), Guarded::Ran("older than evt_l2".into()));
    }

    #[tokio::test]
    async fn two_events_of_the_same_instant_are_both_applied() {
        let now = SystemTime::now();
        for (first, second) in [("evt_b", "evt_a"), ("evt_a", "evt_b")] {
            let g = guard();
            let in_review = event(first, "biz", "2026-12-05T10:00:00.123Z");
            let approved = event(second, "biz", "2026-12-05T10:00:00.123Z");
            assert_eq!(told(&g, &in_review, now).await.unwrap(), Guarded::Ran("newest".into()));
            assert_eq!(
                told(&g, &approved, now).await.unwrap(),
                Guarded::Ran("newest".into()),
                "{first} {second}"
            );
        }
    }

    #[tokio::test]
    async fn a_date_ahead_of_its_arrival_counts_as_its_arrival() {
        let arrived = crate::envelope::parse_rfc3339("2026-12-05T10:00:00Z").unwrap();
        let g = guard();
        // Created "in 2027", arrived today: placed at its arrival.
        let ahead = event("evt_ahead", "biz", "2027-06-01T00:00:00Z");
        let placed = ahead.ordered().map(|o| o.arrived(Some(arrived)));
        assert_eq!(placed.as_ref().unwrap().order.created_at, arrived);
        let deadline = arrived + Duration::from_secs(60);
        let ran = g
            .run_in_order_at(&ahead.id, placed.as_ref(), arrived, deadline, |_| async { Ok::<_, String>(1) })
            .await;
        assert_eq!(ran.unwrap(), Guarded::Ran(1));
        // The next day's event is newer, not "older than 2027".
        let next = event("evt_next", "biz", "2026-12-06T10:00:00Z");
        let later = arrived + Duration::from_secs(86_400);
        assert_eq!(told(&g, &next, later).await.unwrap(), Guarded::Ran("newest".into()));
        // An arrival later than the creation changes nothing.
        let on_time = event("evt_on_time", "biz", "2026-12-05T09:00:00Z").ordered().unwrap();
        assert_eq!(on_time.clone().arrived(Some(arrived)), on_time);
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
        let store = InMemoryNewestStore::default();
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
