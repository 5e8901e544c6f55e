//! Idempotency records in DynamoDB.

use std::time::SystemTime;

use crate::consume::idempotency::{COMPLETED, Claim, IdempotencyStore, SUPERSEDED, StoreError};
use crate::consume::newest::{EventOrder, NewestStateStore, OrderedClaim, OrderedRecords};

/// Idempotency records in a DynamoDB table with a string partition key `id` and TTL enabled on
/// the `expiration` attribute (epoch seconds).
///
/// Item: `id`, `status` (`IN_PROGRESS`, `COMPLETED` or `SUPERSEDED`), `expiration` (TTL, seconds),
/// `in_progress_expiration` (milliseconds), and `data` (the stored result, JSON).
#[derive(Debug, Clone)]
pub struct DynamoDbIdempotencyStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoDbIdempotencyStore {
    /// A store on `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }
}

fn epoch(t: SystemTime) -> std::time::Duration {
    t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default()
}

fn store_error<E: std::error::Error + 'static>(e: &E) -> StoreError {
    StoreError(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())
}

impl IdempotencyStore for DynamoDbIdempotencyStore {
    async fn claim(
        &self,
        key: &str,
        now: SystemTime,
        lock_until: SystemTime,
        expires_at: SystemTime,
    ) -> Result<Claim, StoreError> {
        let claim = claim_put(&self.table, key, now, lock_until, expires_at)?;
        let put = self
            .client
            .put_item()
            .table_name(claim.table_name())
            .set_item(Some(claim.item().clone()))
            .set_condition_expression(claim.condition_expression().map(str::to_owned))
            .set_expression_attribute_names(claim.expression_attribute_names().cloned())
            .set_expression_attribute_values(claim.expression_attribute_values().cloned())
            .send()
            .await;
        match put {
            Ok(_) => return Ok(Claim::Acquired),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {}
            Err(e) => return Err(store_error(&e)),
        }
        self.existing(key).await
    }

    async fn complete(&self, key: &str, result: &str, expires_at: SystemTime) -> Result<(), StoreError> {
        self.complete_as(key, result, expires_at, COMPLETED).await
    }

    async fn extend_lock(&self, key: &str, lock_until: SystemTime) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::types::AttributeValue as A;
        let updated = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", A::S(key.to_owned()))
            .update_expression("SET #in_progress_expiration = :lock_until")
            .condition_expression("#status = :in_progress")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#in_progress_expiration", "in_progress_expiration")
            .expression_attribute_values(":lock_until", A::N(epoch(lock_until).as_millis().to_string()))
            .expression_attribute_values(":in_progress", A::S("IN_PROGRESS".into()))
            .send()
            .await;
        match updated {
            Ok(_) => Ok(()),
            // Completed (or gone) meanwhile: nothing to keep.
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
                Ok(())
            }
            Err(e) => Err(store_error(&e)),
        }
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::types::AttributeValue as A;
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("id", A::S(key.to_owned()))
            .condition_expression("#status = :in_progress")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":in_progress", A::S("IN_PROGRESS".into()))
            .send()
            .await;
        match deleted {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
                Ok(())
            }
            Err(e) => Err(store_error(&e)),
        }
    }
}

/// The condition a claim puts its record under: new, expired (TTL deletion lags by up to days),
/// or an abandoned claim.
const CLAIM_CONDITION: &str = "attribute_not_exists(#id) OR #expiration < :now_s \
     OR (#status = :in_progress AND #in_progress_expiration < :now_ms)";

impl DynamoDbIdempotencyStore {
    /// Completes `key`'s record with `status` ([`COMPLETED`] or [`SUPERSEDED`]).
    async fn complete_as(
        &self,
        key: &str,
        result: &str,
        expires_at: SystemTime,
        status: &str,
    ) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::types::AttributeValue as A;
        self.client
            .put_item()
            .table_name(&self.table)
            .item("id", A::S(key.to_owned()))
            .item("status", A::S(status.to_owned()))
            .item("expiration", A::N(epoch(expires_at).as_secs().to_string()))
            .item("data", A::S(result.to_owned()))
            .send()
            .await
            .map_err(|e| store_error(&e))?;
        Ok(())
    }

    /// What stands in `key`'s record after a claim of it was refused.
    async fn existing(&self, key: &str) -> Result<Claim, StoreError> {
        use aws_sdk_dynamodb::types::AttributeValue as A;
        let existing = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("id", A::S(key.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error(&e))?;
        let item = existing.item.unwrap_or_default();
        match (item.get("status"), item.get("data")) {
            (Some(A::S(status)), Some(A::S(data))) if status == COMPLETED || status == SUPERSEDED => {
                Ok(Claim::Completed(data.clone()))
            }
            // In progress, or deleted in between: either way, retry later.
            _ => Ok(Claim::InProgress),
        }
    }
}

/// The write that claims `key`'s record until `lock_until` ([`CLAIM_CONDITION`]): alone, or in
/// a transaction with its object's hold.
fn claim_put(
    table: &str,
    key: &str,
    now: SystemTime,
    lock_until: SystemTime,
    expires_at: SystemTime,
) -> Result<aws_sdk_dynamodb::types::Put, StoreError> {
    use aws_sdk_dynamodb::types::{AttributeValue as A, Put};
    Put::builder()
        .table_name(table)
        .item("id", A::S(key.to_owned()))
        .item("status", A::S("IN_PROGRESS".into()))
        .item("expiration", A::N(epoch(expires_at).as_secs().to_string()))
        .item("in_progress_expiration", A::N(epoch(lock_until).as_millis().to_string()))
        .condition_expression(CLAIM_CONDITION)
        .expression_attribute_names("#id", "id")
        .expression_attribute_names("#status", "status")
        .expression_attribute_names("#expiration", "expiration")
        .expression_attribute_names("#in_progress_expiration", "in_progress_expiration")
        .expression_attribute_values(":now_s", A::N(epoch(now).as_secs().to_string()))
        .expression_attribute_values(":now_ms", A::N(epoch(now).as_millis().to_string()))
        .expression_attribute_values(":in_progress", A::S("IN_PROGRESS".into()))
        .build()
        .map_err(|e| StoreError(e.to_string()))
}

/// An event's time as the newest-state records keep it: microseconds since the epoch.
fn micros(order: &EventOrder) -> String {
    epoch(order.created_at).as_micros().to_string()
}

/// The newest event an object's record names, if it names one and has not expired at `now`.
fn newest_in(
    item: &std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
    now: SystemTime,
) -> Option<EventOrder> {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    let number = |name: &str| match item.get(name) {
        Some(A::N(n)) => n.parse::<u64>().ok(),
        _ => None,
    };
    if number("expiration").is_some_and(|at| at < epoch(now).as_secs()) {
        return None;
    }
    let created_at = SystemTime::UNIX_EPOCH + std::time::Duration::from_micros(number("newest_at")?);
    let Some(A::S(event_id)) = item.get("newest_id") else { return None };
    Some(EventOrder { created_at, event_id: event_id.clone() })
}

/// Per object, beside the idempotency records: an item `id` = the object's key, with the newest
/// event applied (`newest_at`, microseconds since the epoch, and `newest_id`), the event that
/// holds it (`holder`, its record's key, until `holder_until`, milliseconds) and `expiration`.
impl NewestStateStore for DynamoDbIdempotencyStore {
    async fn claim_in_order(
        &self,
        records: OrderedRecords<'_>,
        now: SystemTime,
        lock_until: SystemTime,
    ) -> Result<OrderedClaim, StoreError> {
        let OrderedRecords { key, object_key, order, expires_at, object_expires_at } = records;
        use aws_sdk_dynamodb::types::{
            AttributeValue as A, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
        };
        let built = |e: aws_sdk_dynamodb::error::BuildError| StoreError(e.to_string());
        let (now_s, now_ms) = (epoch(now).as_secs().to_string(), epoch(now).as_millis().to_string());
        let claim = claim_put(&self.table, key, now, lock_until, expires_at)?;
        // Held by nobody (or a crashed holder), and this event is newer than the newest applied.
        let hold = Update::builder()
            .table_name(&self.table)
            .key("id", A::S(object_key.to_owned()))
            .update_expression("SET #holder = :key, #holder_until = :lock_ms, #expiration = :object_s")
            .condition_expression(
                "(attribute_not_exists(#holder) OR #holder_until < :now_ms) AND \
                 (attribute_not_exists(#newest_at) OR #expiration < :now_s OR #newest_at <= :at)",
            )
            .expression_attribute_names("#holder", "holder")
            .expression_attribute_names("#holder_until", "holder_until")
            .expression_attribute_names("#expiration", "expiration")
            .expression_attribute_names("#newest_at", "newest_at")
            .expression_attribute_values(":key", A::S(key.to_owned()))
            .expression_attribute_values(":lock_ms", A::N(epoch(lock_until).as_millis().to_string()))
            .expression_attribute_values(":object_s", A::N(epoch(object_expires_at).as_secs().to_string()))
            .expression_attribute_values(":now_ms", A::N(now_ms))
            .expression_attribute_values(":now_s", A::N(now_s))
            .expression_attribute_values(":at", A::N(micros(order)))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(built)?;
        let written = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(claim).build())
            .transact_items(TransactWriteItem::builder().update(hold).build())
            .send()
            .await;
        let error = match written {
            Ok(_) => return Ok(OrderedClaim::Newest),
            Err(error) => error,
        };
        let Some(aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(
            cancelled,
        )) = error.as_service_error()
        else {
            return Err(store_error(&error));
        };
        let reasons = cancelled.cancellation_reasons();
        let code = |i: usize| reasons.get(i).and_then(|r| r.code()).unwrap_or("None");
        if code(0) == "ConditionalCheckFailed" {
            return Ok(match self.existing(key).await? {
                Claim::Completed(result) => OrderedClaim::Completed(result),
                _ => OrderedClaim::InProgress,
            });
        }
        if code(1) != "ConditionalCheckFailed" {
            // Another transaction on these items at the same moment: a retry will see it done.
            tracing::warn!(reasons = ?reasons.iter().map(|r| r.code()).collect::<Vec<_>>(), "claim in order cancelled");
            return Ok(OrderedClaim::InProgress);
        }
        let object = reasons.get(1).and_then(|r| r.item()).cloned().unwrap_or_default();
        match newest_in(&object, now).filter(|newest| newest.supersedes(order)) {
            // Not older than the newest applied: refused only because another event holds the object.
            None => Ok(OrderedClaim::InProgress),
            Some(newest) => Ok(match self.claim(key, now, lock_until, expires_at).await? {
                Claim::Acquired => OrderedClaim::Older(newest),
                Claim::Completed(result) => OrderedClaim::Completed(result),
                Claim::InProgress => OrderedClaim::InProgress,
            }),
        }
    }

    async fn complete_in_order(&self, records: OrderedRecords<'_>, result: &str) -> Result<(), StoreError> {
        let OrderedRecords { key, object_key, order, expires_at, object_expires_at } = records;
        use aws_sdk_dynamodb::types::{AttributeValue as A, Put, TransactWriteItem, Update};
        let built = |e: aws_sdk_dynamodb::error::BuildError| StoreError(e.to_string());
        let completed = Put::builder()
            .table_name(&self.table)
            .item("id", A::S(key.to_owned()))
            .item("status", A::S("COMPLETED".into()))
            .item("expiration", A::N(epoch(expires_at).as_secs().to_string()))
            .item("data", A::S(result.to_owned()))
            .build()
            .map_err(built)?;
        let applied = Update::builder()
            .table_name(&self.table)
            .key("id", A::S(object_key.to_owned()))
            .update_expression(
                "SET #newest_at = :at, #newest_id = :event_id, #expiration = :object_s REMOVE #holder, #holder_until",
            )
            .condition_expression("#holder = :key")
            .expression_attribute_names("#newest_at", "newest_at")
            .expression_attribute_names("#newest_id", "newest_id")
            .expression_attribute_names("#expiration", "expiration")
            .expression_attribute_names("#holder", "holder")
            .expression_attribute_names("#holder_until", "holder_until")
            .expression_attribute_values(":at", A::N(micros(order)))
            .expression_attribute_values(":event_id", A::S(order.event_id.clone()))
            .expression_attribute_values(":object_s", A::N(epoch(object_expires_at).as_secs().to_string()))
            .expression_attribute_values(":key", A::S(key.to_owned()))
            .build()
            .map_err(built)?;
        let written = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(completed).build())
            .transact_items(TransactWriteItem::builder().update(applied).build())
            .send()
            .await;
        let error = match written {
            Ok(_) => return Ok(()),
            Err(error) => error,
        };
        use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError as E;
        let hold_ran_out = match error.as_service_error() {
            Some(E::TransactionCanceledException(cancelled)) => {
                cancelled.cancellation_reasons().get(1).and_then(|r| r.code())
                    == Some("ConditionalCheckFailed")
            }
            _ => false,
        };
        if !hold_ran_out {
            // A conflicting transaction, throttling, an outage: retried, so that the object's
            // newest advances. Recording the event alone would let an older one apply later.
            return Err(store_error(&error));
        }
        // The hold ran out (the handler outlived its deadline) and another event took it: the
        // event is done all the same; the other records the object's newest.
        tracing::warn!(key, "the object's hold ran out before completion; recorded the event alone");
        self.complete(key, result, expires_at).await
    }

    async fn complete_superseded(
        &self,
        key: &str,
        result: &str,
        expires_at: SystemTime,
    ) -> Result<(), StoreError> {
        self.complete_as(key, result, expires_at, SUPERSEDED).await
    }

    async fn release_in_order(&self, records: OrderedRecords<'_>) -> Result<(), StoreError> {
        let OrderedRecords { key, object_key, .. } = records;
        use aws_sdk_dynamodb::types::AttributeValue as A;
        let let_go = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", A::S(object_key.to_owned()))
            .update_expression("REMOVE #holder, #holder_until")
            .condition_expression("#holder = :key")
            .expression_attribute_names("#holder", "holder")
            .expression_attribute_names("#holder_until", "holder_until")
            .expression_attribute_values(":key", A::S(key.to_owned()))
            .send()
            .await;
        match let_go {
            Ok(_) => {}
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {}
            Err(e) => return Err(store_error(&e)),
        }
        self.release(key).await
    }
}

/// Creates an idempotency table as the template defines `IdempotencyTable` (string partition
/// key `id`, on-demand, TTL on `expiration`) and returns its name: the local stack's.
pub async fn create_idempotency_table(
    dynamodb: &aws_sdk_dynamodb::Client,
    name: &str,
) -> Result<String, String> {
    use aws_sdk_dynamodb::error::DisplayErrorContext;
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
        TimeToLiveSpecification,
    };
    let built = |e: aws_sdk_dynamodb::error::BuildError| e.to_string();
    dynamodb
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(built)?,
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .map_err(built)?,
        )
        .send()
        .await
        .map_err(|e| format!("create table {name}: {}", DisplayErrorContext(&e)))?;
    dynamodb
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name("expiration")
                .enabled(true)
                .build()
                .map_err(built)?,
        )
        .send()
        .await
        .map_err(|e| format!("enable TTL on {name}: {}", DisplayErrorContext(&e)))?;
    Ok(name.to_owned())
}

/// The queue watch's last look, as one item of the stack's table: `id` `queue-watch#<stack
/// prefix>`, `reasons` the keys of its reasons. No `expiration`: it lasts until the next look.
#[cfg(feature = "watch")]
#[derive(Debug, Clone)]
pub struct DynamoDbWatchMemory {
    client: aws_sdk_dynamodb::Client,
    table: String,
    id: String,
}

#[cfg(feature = "watch")]
impl DynamoDbWatchMemory {
    /// The last look of the watch over the queues named `prefix*`, kept in `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>, prefix: &str) -> Self {
        Self { client, table: table.into(), id: format!("{}{prefix}", Self::ID_PREFIX) }
    }

    /// What every id of the watch's items starts with (the role may write only those).
    pub const ID_PREFIX: &'static str = "queue-watch#";
}

#[cfg(feature = "watch")]
impl crate::watch::WatchMemory for DynamoDbWatchMemory {
    async fn last_look(&self) -> Result<Vec<String>, String> {
        use aws_sdk_dynamodb::types::AttributeValue;
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(self.id.clone()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| {
                format!("reading the last look: {}", aws_sdk_dynamodb::error::DisplayErrorContext(&e))
            })?;
        let keys = match out.item.as_ref().and_then(|item| item.get("reasons")) {
            Some(AttributeValue::L(list)) => list.iter().filter_map(|v| v.as_s().ok().cloned()).collect(),
            _ => Vec::new(),
        };
        Ok(keys)
    }

    async fn remember(&self, keys: &[String]) -> Result<(), String> {
        use aws_sdk_dynamodb::types::AttributeValue;
        let list = keys.iter().map(|k| AttributeValue::S(k.clone())).collect();
        self.client
            .put_item()
            .table_name(&self.table)
            .item("id", AttributeValue::S(self.id.clone()))
            .item("reasons", AttributeValue::L(list))
            .send()
            .await
            .map(drop)
            .map_err(|e| format!("keeping this look: {}", aws_sdk_dynamodb::error::DisplayErrorContext(&e)))
    }
}
