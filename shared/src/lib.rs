//! Receive Middesk webhooks on AWS without losing one.
//!
//! ```text
//! verify/      the request path: signature, auth/ (mTLS, OIDC, the account list), the secret
//!              cache, configuration, routing, the receiver, the claim-check publisher, the
//!              archive, metrics; and sample requests (sample.rs)      features: verify, verifier
//! consume/     what a consumer author uses: typed events, process_batch, idempotency
//! middesk/     Middesk's Webhooks API client and the rotation steps   features: middesk-api, rotation
//! watch        the queues' state and what needs attention (status, the queue-watch function)
//! schema       JSON Schema of the events and the SQS record, for any language  feature: schema
//! aws/         the thin AWS adapters behind the traits of the above   sqs, s3, secretsmanager, dynamodb, watch
//! catalogue, envelope, message, claim_check, error, retention, logging, telemetry: shared by every part
//!              (telemetry's export: feature otel)
//! testkit      emulator helpers for the workspace's own tests         feature: testkit
//! ```
//!
//! Lower layers never import higher ones: the shared modules import nothing above them,
//! `verify` and `consume` only the shared modules, `middesk` also `verify`'s secret, `aws`
//! whatever it adapts. A consumer needs no feature at all for event types, the catalogue and
//! `consume::batch::process_batch`; `s3` adds claim-checked bodies, `dynamodb` the idempotency
//! store. The default is everything.

pub mod aws;
pub mod catalogue;
pub mod claim_check;
pub mod consume;
pub mod envelope;
pub mod error;
pub mod logging;
pub mod message;
#[cfg(feature = "middesk-api")]
pub mod middesk;
pub mod retention;
#[cfg(feature = "schema")]
pub mod schema;
pub mod telemetry;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod verify;
pub mod watch;

pub use consume::event::{Event, EventObject, EventType};
pub use envelope::EventEnvelope;
pub use error::{ConfigError, PublishError, ReceiveError, SecretError};
pub use message::Queue;
pub use verify::publisher::{InMemoryQueues, QueuePublisher};
pub use verify::routing::{DOCUMENTED_EVENT_TYPES, QueueRouter};
pub use verify::signature::{SigningKey, verify_signature};
#[cfg(feature = "verify")]
pub use verify::{
    config::VerifierConfig,
    receiver::{Receipt, ReceiverSettings, WebhookReceiver, WebhookRequest},
    secret::{SecretCache, SecretSource, SecretVersions},
};
