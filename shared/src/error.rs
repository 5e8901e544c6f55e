//! Typed errors of the library. [`ReceiveError::status`] is the one place they become HTTP.

use http::StatusCode;

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
    /// The body is larger than the configured limit.
    #[error("body of {size} bytes exceeds the limit of {limit}")]
    PayloadTooLarge {
        /// Bytes received.
        size: usize,
        /// Bytes allowed.
        limit: usize,
    },
    /// An empty body carries no event.
    #[error("empty body")]
    EmptyBody,
    /// An authentic event older than the configured maximum age: a replay.
    #[error("event created {age_seconds} s ago, older than the maximum event age")]
    EventTooOld {
        /// How old the event is.
        age_seconds: u64,
    },
    /// Authentication failed; the reason is logged, never sent back.
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// A well-formed `X-Middesk-Signature-256` from one of Middesk's addresses matched no
    /// secret, on a body that names one of our accounts when `MIDDESK_ACCOUNT_IDS` is set:
    /// Middesk signs with a secret the stack does not have (a rotation done on one side only).
    /// 401 like any refusal, but its own outcome, because it alarms at once.
    #[error("unauthorized: signature mismatch on a request from Middesk's address")]
    SignatureMismatch,
    /// An event that only Middesk's certificate vouches for (mutual TLS), for a Middesk account
    /// not in `MIDDESK_ACCOUNT_IDS`: another Middesk customer's webhook pointed at our URL.
    /// 403, nothing queued or archived; anybody with a Middesk account can cause it.
    #[error("event for Middesk account {account} is not for one of ours")]
    AccountNotAllowed {
        /// The event's `account_id` (logged: it is not a secret, and it is how the operator
        /// recognises a misrouted webhook).
        account: String,
    },
    /// An event that a method proving it is ours authenticated (our HMAC secret, our identity
    /// provider's token), for an account not in `MIDDESK_ACCOUNT_IDS`: the list is wrong (a
    /// typo, an account opened later). 403, kept as refused; alarms at once.
    #[error("event signed for us names Middesk account {account}, which MIDDESK_ACCOUNT_IDS does not list")]
    AccountNotListed {
        /// The event's `account_id`.
        account: String,
    },
    /// An event that only Middesk's certificate vouches for names no account: nothing says it is
    /// ours, and every real Middesk event names one. 403; alarms at once.
    #[error("event authenticated by mutual TLS alone names no Middesk account")]
    AccountMissing,
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
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::EmptyBody | Self::EventTooOld { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) | Self::SignatureMismatch => StatusCode::UNAUTHORIZED,
            Self::AccountNotAllowed { .. } | Self::AccountNotListed { .. } | Self::AccountMissing => {
                StatusCode::FORBIDDEN
            }
            Self::Secret(_)
            | Self::AuthUnavailable(_)
            | Self::Publish(_)
            | Self::Archive(_)
            | Self::TimedOut => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// Whether this is a refusal of the request (401), rather than a failure to judge it.
    pub fn is_refusal(&self) -> bool {
        matches!(self, Self::Unauthorized(_) | Self::SignatureMismatch)
    }

    /// A short, stable label for logs and metrics.
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::MethodNotAllowed => "method_not_allowed",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::EmptyBody => "empty_body",
            Self::EventTooOld { .. } => "event_too_old",
            Self::Unauthorized(_) => "unauthorized",
            Self::SignatureMismatch => "signature_mismatch",
            Self::AccountNotAllowed { .. } => "account_not_allowed",
            Self::AccountNotListed { .. } => "account_not_listed",
            Self::AccountMissing => "account_missing",
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
            Self::PayloadTooLarge { .. } => "body too large",
            Self::EmptyBody => "empty body",
            Self::EventTooOld { .. } => "event too old",
            Self::Unauthorized(_) | Self::SignatureMismatch => "unauthorized",
            Self::AccountNotAllowed { .. } | Self::AccountNotListed { .. } | Self::AccountMissing => {
                "forbidden"
            }
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
