//! Thin adapters from the core's traits to AWS, each behind the cargo feature of its SDK:
//! Secrets Manager (`secretsmanager`), SQS (`sqs`), S3 (`s3`) and DynamoDB (`dynamodb`).

#[cfg(feature = "dynamodb")]
mod dynamodb;
#[cfg(feature = "s3")]
mod s3;
#[cfg(feature = "secretsmanager")]
mod secretsmanager;
#[cfg(feature = "sqs")]
mod sqs;

#[cfg(feature = "dynamodb")]
pub use dynamodb::DynamoDbIdempotencyStore;
#[cfg(feature = "s3")]
pub use s3::{S3Archive, S3Payloads, s3_client};
#[cfg(feature = "secretsmanager")]
pub use secretsmanager::SecretsManagerSource;
#[cfg(feature = "rotation")]
pub use secretsmanager::SecretsManagerVersions;
#[cfg(feature = "sqs")]
pub use sqs::{SqsPublisher, lambda_sqs_event};
