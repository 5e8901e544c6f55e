//! Thin adapters from the core's traits to AWS: Secrets Manager and SQS.

use std::collections::HashMap;
use std::time::SystemTime;

use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_sqs::types::MessageAttributeValue;

use crate::error::{PublishError, SecretError};
use crate::message::OutboundMessage;
use crate::publisher::QueuePublisher;
use crate::secret::{SecretSource, SecretVersions, parse_secret_string};

/// Reads the signing secret from Secrets Manager: `AWSCURRENT`, and `AWSPREVIOUS` on request.
#[derive(Debug, Clone)]
pub struct SecretsManagerSource {
    client: aws_sdk_secretsmanager::Client,
    secret_id: String,
}

impl SecretsManagerSource {
    /// A source for the secret with this name or ARN.
    pub fn new(client: aws_sdk_secretsmanager::Client, secret_id: impl Into<String>) -> Self {
        Self { client, secret_id: secret_id.into() }
    }

    async fn version(&self, stage: &str) -> Result<Option<(String, SystemTime)>, SecretError> {
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
        Ok(Some((value, created)))
    }
}

impl SecretSource for SecretsManagerSource {
    async fn fetch(&self, with_previous: bool) -> Result<SecretVersions, SecretError> {
        let (current, current_created) =
            self.version("AWSCURRENT").await?.ok_or(SecretError::Invalid("no AWSCURRENT version"))?;
        let previous = if with_previous {
            // A broken previous version must not stop the current one from verifying.
            match self.version("AWSPREVIOUS").await {
                Ok(Some((value, _))) => parse_secret_string(&value).ok(),
                Ok(None) => None,
                Err(error) => {
                    tracing::warn!(%error, "could not read the previous secret version");
                    None
                }
            }
        } else {
            None
        };
        Ok(SecretVersions { current: parse_secret_string(&current)?, current_created, previous })
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
    async fn publish(&self, message: &OutboundMessage<'_>) -> Result<(), PublishError> {
        let failed = |reason: String| PublishError { queue: message.queue.name.clone(), reason };
        let mut attributes = HashMap::with_capacity(message.attributes.len());
        for (name, value) in &message.attributes {
            let value = MessageAttributeValue::builder()
                .data_type("String")
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
