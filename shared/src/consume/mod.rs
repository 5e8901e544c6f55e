//! What a consumer author uses, and all of it: the typed [`event`]s, [`batch`] processing of
//! an SQS batch (partial failures, claim checks, malformed and drifted messages), and
//! [`idempotency`] (at most once per Middesk event id), and the [`newest`] state winning over
//! events that arrive out of order. Needs no cargo feature; the `consumer`
//! feature adds [`run`]: all of it wired into a Lambda in a dozen lines ([`lambda`]).

pub mod batch;
pub mod event;
pub mod idempotency;
#[cfg(feature = "consumer")]
pub mod lambda;
pub mod newest;

#[cfg(feature = "consumer")]
pub use lambda::{Consumer, Error, run};

#[cfg(test)]
mod tests {
    #[test]
    fn ordering_builds_on_idempotency_and_never_the_other_way() {
        let idempotency = include_str!("idempotency.rs");
        assert!(!idempotency.contains("newest::"), "consume::idempotency imports consume::newest");
        assert!(include_str!("newest.rs").contains("use super::idempotency::"));
    }
}
