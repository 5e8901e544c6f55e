//! Typed errors of the library. [`ReceiveError::status`] is the one place they become HTTP.

use http::StatusCode;

use crate::verify::verdict::{Reason, Whose};

/// The signing secret could not be had.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SecretError {
    /// Secrets Manager (or another source) failed or was unreachable.
    #[error("secret source unavailable: {0}")]
    Unavailable(String),
    /// The secret exists but its value is unusable.
    #[error("secret value is invalid: {0}")]
    Invalid(&'static str),
}

/// A message could not be handed to the queue.
#[derive(Debug, Clone, thiserror::Error)]
#[error("queue {queue} did not accept the message: {reason}")]
pub struct PublishError {
    /// The queue's name (not its URL).
    pub queue: String,
    /// What the queue service said, without message content.
    pub reason: String,
}

/// Why a request was not accepted.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ReceiveError {
    /// Only POST is a webhook.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// Refused by the verdict on all the evidence ([`crate::verify::verdict::judge`]): the first
    /// check it failed, and whether it is probably ours (kept, pages at once) or anybody's.
    #[error("refused ({whose:?}): {}", .reason.outcome())]
    Refused {
        /// The first check it failed.
        reason: Reason,
        /// Whose it probably is.
        whose: Whose,
    },
    /// The secret was unavailable: retryable.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// An authentication dependency (the JWKS) was unavailable: retryable.
    #[error("authentication unavailable: {0}")]
    AuthUnavailable(String),
    /// The queue was unavailable: retryable.
    #[error(transparent)]
    Publish(#[from] PublishError),
    /// The archive did not store the event: retryable (a copy already queued is a duplicate
    /// that idempotent consumers absorb).
    #[error("archive did not store the event: {0}")]
    Archive(String),
    /// The request was not done within the time budget (a slow dependency): retryable.
    #[error("not done within the time budget")]
    TimedOut,
}

impl ReceiveError {
    /// The HTTP status for this error. Everything that is our fault or a dependency's is a
    /// 5xx so that Middesk retries; nothing here maps to a 2xx.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Refused { reason, .. } => reason.status(),
            Self::Secret(_)
            | Self::AuthUnavailable(_)
            | Self::Publish(_)
            | Self::Archive(_)
            | Self::TimedOut => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// Whose a refused request probably is; `None` for anything but a verdict's refusal.
    pub fn whose(&self) -> Option<Whose> {
        match self {
            Self::Refused { whose, .. } => Some(*whose),
            _ => None,
        }
    }

    /// A short, stable label for logs and metrics.
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Refused { reason, .. } => reason.outcome(),
            Self::Secret(_) => "secret_unavailable",
            Self::AuthUnavailable(_) => "auth_unavailable",
            Self::Publish(_) => "queue_unavailable",
            Self::Archive(_) => "archive_unavailable",
            Self::TimedOut => "timed_out",
        }
    }

    /// The short message sent back to the caller: no internals, no secrets.
    pub fn public_message(&self) -> &'static str {
        match self {
            Self::MethodNotAllowed => "only POST is accepted",
            Self::Refused { reason, .. } => match reason {
                Reason::PayloadTooLarge => "body too large",
                Reason::EmptyBody => "empty body",
                Reason::EventTooOld => "event too old",
                Reason::AccountNotListed | Reason::AccountMissing => "forbidden",
                _ => "unauthorized",
            },
            Self::Secret(_)
            | Self::AuthUnavailable(_)
            | Self::Publish(_)
            | Self::Archive(_)
            | Self::TimedOut => "temporarily unavailable, retry later",
        }
    }
}

/// Configuration that cannot work; raised at cold start, naming the variable and entry.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    /// A required variable is not set.
    #[error("{0} is required but not set")]
    Missing(&'static str),
    /// A variable that this configuration needs is not set (`reason` says why).
    #[error("{var} is required: {reason}")]
    RequiredBy {
        /// The variable.
        var: &'static str,
        /// What in the configuration needs it.
        reason: &'static str,
    },
    /// A variable has a value that cannot be used.
    #[error("{var}={value:?} is invalid: {reason}")]
    Invalid {
        /// The variable.
        var: &'static str,
        /// Its value (never used for secrets).
        value: String,
        /// Why.
        reason: String,
    },
    /// One entry of the routing table is wrong.
    #[error("{var} entry {index} {entry:?} is invalid: {reason}")]
    Route {
        /// The variable holding the table.
        var: &'static str,
        /// 1-based position of the entry.
        index: usize,
        /// The entry as written.
        entry: String,
        /// Why.
        reason: String,
    },
}
