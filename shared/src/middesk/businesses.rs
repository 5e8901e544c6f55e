//! A business's latest state from Middesk, for thin events.
//!
//! Monitoring events carry the change, not the business: Middesk's monitoring guide says to
//! fetch the business by `data.object.business_id`. A webhook made with `include: identifiers`
//! carries identifiers only. [`MiddeskApi::retrieve_business`] is Middesk's "Retrieve a
//! business" (`GET /v1/businesses/{id}`, API reference), typed as the events' own
//! [`Business`]: what a consumer decides on is the same type either way.
//!
//! It retries what may pass later (429, after its `Retry-After`; 5xx; no answer) with a growing
//! wait, inside the time it is given (the Lambda's remaining time, less what the handler needs
//! after). It logs the attempt, the status and the wait: never the key, a body or a field.

use std::future::Future;
use std::time::Duration;

use super::api::{MiddeskApi, MiddeskApiError, parse, path_segment};
use crate::consume::event::Business;

/// The first wait before a retry; doubled each time, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// The longest wait between two attempts, whatever `Retry-After` asks.
const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// The least time worth an attempt: less, and the request could not be answered.
const MIN_ATTEMPT: Duration = Duration::from_millis(200);
/// The longest one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a consumer gets a business's latest state: Middesk's API, or a test's stand-in.
pub trait BusinessSource: Send + Sync {
    /// Business `id` as Middesk has it now, within `budget`.
    fn retrieve_business(
        &self,
        id: &str,
        budget: Duration,
    ) -> impl Future<Output = Result<Business, MiddeskApiError>> + Send;
}

/// How long to wait before attempt `attempt + 1` after `error`; `None` when a retry cannot help
/// (404, a refused key, a refused request, an answer that is not a business).
pub fn retry_wait(error: &MiddeskApiError, attempt: u32) -> Option<Duration> {
    let backoff = FIRST_BACKOFF.saturating_mul(1 << attempt.saturating_sub(1).min(16)).min(MAX_BACKOFF);
    match error {
        MiddeskApiError::RateLimited { retry_after: Some(seconds) } => {
            Some(Duration::from_secs(*seconds).clamp(FIRST_BACKOFF, MAX_BACKOFF))
        }
        MiddeskApiError::RateLimited { retry_after: None } | MiddeskApiError::Transport(_) => Some(backoff),
        MiddeskApiError::Status { status, .. } if *status >= 500 => Some(backoff),
        _ => None,
    }
}

/// What an error is, for a log line: its kind and status, never Middesk's message.
fn kind(error: &MiddeskApiError) -> String {
    match error {
        MiddeskApiError::RateLimited { .. } => "429".into(),
        MiddeskApiError::Status { status, .. } | MiddeskApiError::Unauthorized { status } => {
            status.to_string()
        }
        MiddeskApiError::NotFound { .. } => "404".into(),
        MiddeskApiError::Unprocessable { .. } => "422".into(),
        MiddeskApiError::Transport(_) => "no answer".into(),
        MiddeskApiError::Unexpected(_) => "unexpected answer".into(),
        MiddeskApiError::Config(_) => "configuration".into(),
    }
}

impl MiddeskApi {
    /// Middesk's "Retrieve a business": business `id` as it is now. Retries 429, 5xx and no
    /// answer within `budget`; a 404 is [`MiddeskApiError::NotFound`] at once.
    pub async fn retrieve_business(&self, id: &str, budget: Duration) -> Result<Business, MiddeskApiError> {
        let path = format!("/v1/businesses/{}", path_segment(id));
        let started = tokio::time::Instant::now();
        let mut attempt = 1;
        loop {
            let left = budget.saturating_sub(started.elapsed());
            let timeout = left.min(REQUEST_TIMEOUT);
            let error = match self.call_within(http::Method::GET, &path, None, None, timeout).await {
                Ok(body) => return parse(&body, "business"),
                Err(error) => error,
            };
            let Some(wait) = retry_wait(&error, attempt) else { return Err(error) };
            if started.elapsed() + wait + MIN_ATTEMPT > budget {
                tracing::warn!(
                    attempt,
                    error = kind(&error),
                    "Middesk: no time left to retry retrieving the business"
                );
                return Err(error);
            }
            tracing::warn!(
                attempt,
                error = kind(&error),
                wait_ms = wait.as_millis() as u64,
                "Middesk: retrying retrieving the business"
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}

impl BusinessSource for MiddeskApi {
    async fn retrieve_business(&self, id: &str, budget: Duration) -> Result<Business, MiddeskApiError> {
        MiddeskApi::retrieve_business(self, id, budget).await
    }
}

/// The Middesk API key kept in Secrets Manager (`MiddeskApiKeySecretArn`, as the rotator reads
/// it): the key itself, or JSON `{"api_key": "…"}`.
#[cfg(feature = "middesk-businesses")]
pub async fn api_key_from_secret(
    secrets: &aws_sdk_secretsmanager::Client,
    secret_id: &str,
) -> Result<super::api::ApiKey, String> {
    let value = secrets.get_secret_value().secret_id(secret_id).send().await.map_err(|e| {
        format!(
            "reading the Middesk API key ({secret_id}): {}",
            aws_sdk_secretsmanager::error::DisplayErrorContext(&e)
        )
    })?;
    let text = value.secret_string().ok_or_else(|| format!("{secret_id} has no SecretString"))?;
    super::api::ApiKey::from_secret_string(text).map_err(|e| format!("{secret_id}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_business_that_does_not_parse_is_described_without_its_values() {
        // A field of the wrong type: serde's own message quotes the value.
        let body = br#"{"object":"business","id":"b-1","name":"Acme Confidential Holdings","tin":{"tin":123456789,"verified":"Sensitive Street 1"}}"#;
        let body = String::from_utf8_lossy(body).replace(r#""id":"b-1""#, r#""id":987654321"#);
        let error = parse::<Business>(body.as_bytes(), "business").unwrap_err();
        let text = error.to_string();
        for quoted in ["987654321", "Acme", "123456789", "Sensitive"] {
            assert!(!text.contains(quoted), "{text}");
        }
        assert!(text.contains("business: invalid type at line 1"), "{text}");
    }

    #[test]
    fn what_may_pass_later_is_retried_with_a_growing_wait() {
        let status = |status| MiddeskApiError::Status { status, message: String::new() };
        let waits: Vec<_> = (1..=7).map(|n| retry_wait(&status(503), n).unwrap().as_millis()).collect();
        assert_eq!(waits, [250, 500, 1000, 2000, 4000, 8000, 8000]);
        assert!(retry_wait(&MiddeskApiError::Transport("reset".into()), 1).is_some());
        assert!(retry_wait(&MiddeskApiError::RateLimited { retry_after: None }, 1).is_some());
        // Retry-After is followed, within bounds: never a busy loop, never past the cap.
        let after = |s| retry_wait(&MiddeskApiError::RateLimited { retry_after: Some(s) }, 1);
        assert_eq!(after(2), Some(Duration::from_secs(2)));
        assert_eq!(after(0), Some(FIRST_BACKOFF));
        assert_eq!(after(3600), Some(MAX_BACKOFF));
        // What a retry cannot change is answered at once.
        for error in [
            MiddeskApiError::NotFound { path: "/v1/businesses/x".into() },
            MiddeskApiError::Unauthorized { status: 401 },
            MiddeskApiError::Unprocessable { message: String::new() },
            MiddeskApiError::Unexpected("not JSON".into()),
            status(409),
        ] {
            assert_eq!(retry_wait(&error, 1), None, "{error}");
        }
        assert!(retry_wait(&status(500), u32::MAX).is_some(), "no overflow");
    }
}
