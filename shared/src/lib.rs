//! Receive Middesk webhooks on AWS without losing one.
//!
//! The pure core (signatures, the event envelope, routing, configuration, the request path)
//! has no AWS client in it; [`aws`] holds the thin Secrets Manager and SQS adapters behind
//! the [`secret::SecretSource`] and [`publisher::QueuePublisher`] traits.

pub mod auth;
pub mod aws;
pub mod catalogue;
pub mod config;
pub mod consumer;
pub mod envelope;
pub mod error;
pub mod event;
pub mod idempotency;
pub mod logging;
pub mod message;
pub mod metrics;
pub mod publisher;
pub mod receiver;
pub mod routing;
pub mod sample;
pub mod secret;
pub mod signature;

pub use config::VerifierConfig;
pub use envelope::EventEnvelope;
pub use error::{ConfigError, PublishError, ReceiveError, SecretError};
pub use event::{Event, EventObject, EventType};
pub use publisher::{InMemoryQueues, QueuePublisher};
pub use receiver::{Receipt, ReceiverSettings, WebhookReceiver, WebhookRequest};
pub use routing::{DOCUMENTED_EVENT_TYPES, Queue, QueueRouter};
pub use secret::{SecretCache, SecretSource, SecretVersions};
pub use signature::{SigningKey, verify_signature};
#[cfg(feature = "testkit")]
pub mod testkit;
