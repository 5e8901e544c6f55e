//! Receive Middesk webhooks on AWS without losing one.
//!
//! The pure core (signatures, the event envelope, routing, configuration, the request path)
//! has no AWS client in it; [`aws`] holds the thin Secrets Manager, SQS, S3 and DynamoDB
//! adapters behind the core's traits.
//!
//! Cargo features keep a consumer's binary to what it uses: the event types, the catalogue and
//! `consumer::process_batch` need none; `verifier` adds authentication, configuration and the
//! request path with their AWS adapters; `s3`, `sqs`, `secretsmanager` and `dynamodb` add
//! one adapter each. The default is everything.

pub mod archive;
#[cfg(feature = "verifier")]
pub mod auth;
pub mod aws;
pub mod catalogue;
#[cfg(feature = "verifier")]
pub mod config;
pub mod consumer;
pub mod envelope;
pub mod error;
pub mod event;
pub mod idempotency;
pub mod logging;
pub mod message;
#[cfg(feature = "verifier")]
pub mod metrics;
#[cfg(feature = "middesk-api")]
pub mod middesk_api;
pub mod publisher;
#[cfg(feature = "verifier")]
pub mod receiver;
pub mod retention;
#[cfg(feature = "rotation")]
pub mod rotation;
pub mod routing;
pub mod sample;
#[cfg(feature = "verifier")]
pub mod secret;
pub mod signature;

#[cfg(feature = "verifier")]
pub use config::VerifierConfig;
pub use envelope::EventEnvelope;
pub use error::{ConfigError, PublishError, ReceiveError, SecretError};
pub use event::{Event, EventObject, EventType};
pub use publisher::{InMemoryQueues, QueuePublisher};
#[cfg(feature = "verifier")]
pub use receiver::{Receipt, ReceiverSettings, WebhookReceiver, WebhookRequest};
pub use routing::{DOCUMENTED_EVENT_TYPES, Queue, QueueRouter};
#[cfg(feature = "verifier")]
pub use secret::{SecretCache, SecretSource, SecretVersions};
pub use signature::{SigningKey, verify_signature};
#[cfg(feature = "testkit")]
pub mod testkit;
