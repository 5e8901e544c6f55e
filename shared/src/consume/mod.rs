//! What a consumer author uses, and all of it: the typed [`event`]s, [`batch`] processing of
//! an SQS batch (partial failures, claim checks, malformed and drifted messages), and
//! [`idempotency`] (at most once per Middesk event id). Needs no cargo feature.

pub mod batch;
pub mod event;
pub mod idempotency;
