//! Thin adapters from the core's traits to AWS: Secrets Manager, SQS, S3 and DynamoDB.

use std::collections::HashMap;
use std::time::SystemTime;

use aws_lambda_events::event::sqs::SqsEvent;
use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_sqs::types::MessageAttributeValue;
use serde_json::{Value, json};

use crate::error::{PublishError, SecretError};
use crate::idempotency::{Claim, IdempotencyStore, StoreError};
use crate::message::OutboundMessage;
use crate::publisher::QueuePublisher;
use crate::secret::{SecretSource, SecretVersions, parse_secret_string};
use crate::signature::SigningKey;

/// Reads the signing secret from Secrets Manager: `AWSCURRENT`, and `AWSPREVIOUS` on request.
///
/// `AWSPREVIOUS` only changes when `AWSCURRENT` does, so it is read again only when the current
/// version id changed (or the last read of it failed): a refresh with nothing rotated is one
/// call. The first read asks for both at once.
#[derive(Debug)]
pub struct SecretsManagerSource {
    client: aws_sdk_secretsmanager::Client,
    secret_id: String,
    /// The current version id last seen, with the previous secret read alongside it.
    previous: std::sync::Mutex<Option<(String, Option<SigningKey>)>>,
}

/// One version of the secret: its value, creation time and version id.
struct Version {
    value: String,
    created: SystemTime,
    id: String,
}

impl SecretsManagerSource {
    /// A source for the secret with this name or ARN.
    pub fn new(client: aws_sdk_secretsmanager::Client, secret_id: impl Into<String>) -> Self {
        Self { client, secret_id: secret_id.into(), previous: std::sync::Mutex::new(None) }
    }

    async fn version(&self, stage: &str) -> Result<Option<Version>, SecretError> {
        let result =
            self.client.get_secret_value().secret_id(&self.secret_id).version_stage(stage).send().await;
        let output = match result {
            Ok(output) => output,
            // No AWSPREVIOUS before the first rotation.
            Err(e) if stage != "AWSCURRENT" && e.code() == Some("ResourceNotFoundException") => {
                return Ok(None);
            }
            Err(e) => return Err(SecretError::Unavailable(format!("{stage}: {}", DisplayErrorContext(&e)))),
        };
        let value = output.secret_string.ok_or(SecretError::Invalid("secret has no SecretString"))?;
        let created =
            output.created_date.and_then(|d| SystemTime::try_from(d).ok()).unwrap_or(SystemTime::UNIX_EPOCH);
        Ok(Some(Version { value, created, id: output.version_id.unwrap_or_default() }))
    }

    /// The previous secret, or `Err` if it could not be read (a transient failure).
    fn previous_from(read: Result<Option<Version>, SecretError>) -> Result<Option<SigningKey>, SecretError> {
        match read? {
            None => Ok(None),
            Some(version) => match parse_secret_string(&version.value) {
                Ok(key) => Ok(Some(key)),
                // Retrying will not fix a bad value: say so (never the value) and go on.
                Err(error) => {
                    tracing::warn!(%error, "the AWSPREVIOUS secret version is unusable");
                    Ok(None)
                }
            },
        }
    }
}

impl SecretSource for SecretsManagerSource {
    async fn fetch(&self, with_previous: bool) -> Result<SecretVersions, SecretError> {
        let known = match with_previous {
            true => self.previous.lock().unwrap_or_else(|e| e.into_inner()).clone(),
            false => None,
        };
        let (current, previous_read) = match (&known, with_previous) {
            (_, false) => (self.version("AWSCURRENT").await?, Ok(None)),
            // Nothing known yet: both at once, one round trip.
            (None, true) => {
                let (current, previous) =
                    tokio::join!(self.version("AWSCURRENT"), self.version("AWSPREVIOUS"));
                (current?, Self::previous_from(previous))
            }
            (Some((known_id, known_previous)), true) => {
                let current = self.version("AWSCURRENT").await?;
                match current.as_ref().is_some_and(|c| &c.id == known_id) {
                    true => (current, Ok(known_previous.clone())),
                    false => (current, Self::previous_from(self.version("AWSPREVIOUS").await)),
                }
            }
        };
        let current = current.ok_or(SecretError::Invalid("no AWSCURRENT version"))?;
        // A broken previous version must not stop the current one from verifying.
        let (previous, previous_fetch_failed) = match previous_read {
            Ok(previous) => {
                if with_previous {
                    *self.previous.lock().unwrap_or_else(|e| e.into_inner()) =
                        Some((current.id.clone(), previous.clone()));
                }
                (previous, false)
            }
            Err(error) => {
                tracing::warn!(%error, "could not read the previous secret version; retrying soon");
                *self.previous.lock().unwrap_or_else(|e| e.into_inner()) = None;
                (None, true)
            }
        };
        Ok(SecretVersions {
            current: parse_secret_string(&current.value)?,
            current_created: current.created,
            previous,
            previous_fetch_failed,
        })
    }
}

/// Sends messages with SQS `SendMessage`.
#[derive(Debug, Clone)]
pub struct SqsPublisher {
    client: aws_sdk_sqs::Client,
}

impl SqsPublisher {
    /// A publisher using this client.
    pub fn new(client: aws_sdk_sqs::Client) -> Self {
        Self { client }
    }
}

impl QueuePublisher for SqsPublisher {
    async fn warm_up(&self, queue: &crate::routing::Queue) -> Result<(), PublishError> {
        // A cheap authenticated call: it opens the TLS connection and checks the queue exists.
        self.client
            .get_queue_attributes()
            .queue_url(&queue.url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .map(drop)
            .map_err(|e| PublishError {
                queue: queue.name.clone(),
                reason: aws_sdk_sqs::error::DisplayErrorContext(&e).to_string(),
            })
    }

    async fn publish(&self, message: &OutboundMessage<'_>) -> Result<(), PublishError> {
        let failed = |reason: String| PublishError { queue: message.queue.name.clone(), reason };
        let mut attributes = HashMap::with_capacity(message.attributes.len());
        for (name, value) in &message.attributes {
            let data_type = match *name {
                crate::message::attribute::EXTENDED_PAYLOAD_SIZE => "Number",
                _ => "String",
            };
            let value = MessageAttributeValue::builder()
                .data_type(data_type)
                .string_value(value)
                .build()
                .map_err(|e| failed(e.to_string()))?;
            attributes.insert((*name).to_owned(), value);
        }
        let fifo = message.fifo.as_ref();
        self.client
            .send_message()
            .queue_url(&message.queue.url)
            .message_body(message.body.as_ref())
            .set_message_attributes(Some(attributes))
            .set_message_group_id(fifo.map(|f| f.group_id.clone()))
            .set_message_deduplication_id(fifo.map(|f| f.deduplication_id.clone()))
            .send()
            .await
            .map_err(|e| failed(aws_sdk_sqs::error::DisplayErrorContext(&e).to_string()))?;
        Ok(())
    }
}

/// An S3 client for `config`. With a custom endpoint (`AWS_ENDPOINT_URL`: an emulator on
/// loopback) it addresses buckets by path, since `bucket.127.0.0.1` does not resolve; on AWS
/// it uses the usual virtual-hosted addressing.
pub fn s3_client(config: &aws_types::SdkConfig) -> aws_sdk_s3::Client {
    let path_style = config.endpoint_url().is_some();
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config).force_path_style(path_style).build(),
    )
}

/// Claim-checked bodies in an S3 bucket: written by the verifier, read by consumers.
#[derive(Debug, Clone)]
pub struct S3Payloads {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Payloads {
    /// Payloads written to `bucket` (the verifier).
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self { client, bucket: bucket.into() }
    }

    /// A reader of the bucket and key each pointer names (consumers; their role decides which
    /// buckets they may read).
    pub fn reader(client: aws_sdk_s3::Client) -> Self {
        Self::new(client, String::new())
    }
}

impl crate::publisher::PayloadStore for S3Payloads {
    fn bucket(&self) -> &str {
        &self.bucket
    }

    async fn put(&self, key: &str, body: &[u8]) -> Result<(), String> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(aws_sdk_s3::primitives::ByteStream::from(body.to_vec()))
            .send()
            .await
            .map(drop)
            .map_err(|e| aws_sdk_s3::error::DisplayErrorContext(&e).to_string())
    }
}

impl crate::publisher::PayloadReader for S3Payloads {
    async fn get(&self, bucket: &str, key: &str) -> Result<Vec<u8>, String> {
        let object = self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| aws_sdk_s3::error::DisplayErrorContext(&e).to_string())?;
        let bytes = object.body.collect().await.map_err(|e| e.to_string())?;
        Ok(bytes.into_bytes().to_vec())
    }
}

/// Idempotency records in a DynamoDB table with a string partition key `id` and TTL enabled on
/// the `expiration` attribute (epoch seconds).
///
/// Item: `id`, `status` (`IN_PROGRESS` or `COMPLETED`), `expiration` (TTL, seconds),
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
        use aws_sdk_dynamodb::types::AttributeValue as A;
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("id", A::S(key.to_owned()))
            .item("status", A::S("IN_PROGRESS".into()))
            .item("expiration", A::N(epoch(expires_at).as_secs().to_string()))
            .item("in_progress_expiration", A::N(epoch(lock_until).as_millis().to_string()))
            // New, expired (TTL deletion lags by up to days), or an abandoned claim.
            .condition_expression(
                "attribute_not_exists(#id) OR #expiration < :now_s \
                 OR (#status = :in_progress AND #in_progress_expiration < :now_ms)",
            )
            .expression_attribute_names("#id", "id")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#expiration", "expiration")
            .expression_attribute_names("#in_progress_expiration", "in_progress_expiration")
            .expression_attribute_values(":now_s", A::N(epoch(now).as_secs().to_string()))
            .expression_attribute_values(":now_ms", A::N(epoch(now).as_millis().to_string()))
            .expression_attribute_values(":in_progress", A::S("IN_PROGRESS".into()))
            .send()
            .await;
        match put {
            Ok(_) => return Ok(Claim::Acquired),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {}
            Err(e) => return Err(store_error(&e)),
        }
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
            (Some(A::S(status)), Some(A::S(data))) if status == "COMPLETED" => {
                Ok(Claim::Completed(data.clone()))
            }
            // In progress, or deleted in between: either way, retry later.
            _ => Ok(Claim::InProgress),
        }
    }

    async fn complete(&self, key: &str, result: &str, expires_at: SystemTime) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::types::AttributeValue as A;
        self.client
            .put_item()
            .table_name(&self.table)
            .item("id", A::S(key.to_owned()))
            .item("status", A::S("COMPLETED".into()))
            .item("expiration", A::N(epoch(expires_at).as_secs().to_string()))
            .item("data", A::S(result.to_owned()))
            .send()
            .await
            .map_err(|e| store_error(&e))?;
        Ok(())
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

/// The Lambda SQS event that an event source mapping would deliver for these messages.
pub fn lambda_sqs_event(messages: &[aws_sdk_sqs::types::Message], queue_arn: &str) -> SqsEvent {
    let records: Vec<Value> = messages
        .iter()
        .map(|m| {
            let attributes: serde_json::Map<String, Value> = m
                .message_attributes
                .iter()
                .flatten()
                .map(|(k, v)| (k.clone(), json!({ "stringValue": v.string_value, "dataType": v.data_type })))
                .collect();
            let system: serde_json::Map<String, Value> =
                m.attributes.iter().flatten().map(|(k, v)| (k.as_str().to_owned(), json!(v))).collect();
            json!({
                "messageId": m.message_id,
                "receiptHandle": m.receipt_handle,
                "body": m.body,
                "attributes": system,
                "messageAttributes": attributes,
                "md5OfBody": m.md5_of_body,
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "us-east-1"
            })
        })
        .collect();
    // Every field is optional in the target type, so this conversion cannot fail.
    serde_json::from_value(json!({ "Records": records })).unwrap_or_default()
}
