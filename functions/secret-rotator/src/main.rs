//! The signing secret's rotation function. Secrets Manager invokes it four times per rotation
//! (`createSecret`, `setSecret`, `testSecret`, `finishSecret`); the steps, their order and why
//! no request Middesk signs is refused are in `middesk_webhooks::middesk::rotation`.
//!
//! Configuration (the template sets it):
//! - `SIGNING_SECRET_ARN`: the one secret this function may rotate;
//! - `WEBHOOK_URL`: the stack's `WebhookUrl`, which identifies the webhook at Middesk;
//! - `MIDDESK_API_KEY_SECRET_ID`: the Secrets Manager secret holding the Middesk API key (read
//!   at every invocation, so a new key is used at once);
//! - `MIDDESK_API_URL`: Middesk's API (production by default; `https://api-sandbox.middesk.com`);
//! - `SECRET_ROTATION_GRACE_SECONDS`: the verifier's grace, which must exceed Middesk's retries;
//! - `SECRET_ROTATION_DAYS`: the schedule, which must leave more than the grace between rotations.

use std::time::{Duration, SystemTime};

use lambda_runtime::{LambdaEvent, service_fn};
use middesk_webhooks::aws::SecretsManagerVersions;
use middesk_webhooks::middesk::api::{self, ApiKey, MiddeskApi};
use middesk_webhooks::middesk::rotation::{
    RotationError, RotationEvent, SecretRotator, VersionStore, check_schedule, random_secret,
};

struct Config {
    secret_arn: String,
    webhook_url: String,
    api_key_secret_id: String,
    api_url: String,
    grace: Duration,
}

fn required(name: &str) -> Result<String, String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty()).ok_or_else(|| format!("{name} is not set"))
}

impl Config {
    fn from_env() -> Result<Self, String> {
        let grace = match std::env::var("SECRET_ROTATION_GRACE_SECONDS") {
            Ok(v) => Duration::from_secs(
                v.trim().parse().map_err(|_| "SECRET_ROTATION_GRACE_SECONDS: not a number")?,
            ),
            Err(_) => middesk_webhooks::verify::config::DEFAULT_ROTATION_GRACE,
        };
        let interval = match std::env::var("SECRET_ROTATION_DAYS") {
            Ok(v) if !v.trim().is_empty() => {
                let days: u64 = v.trim().parse().map_err(|_| "SECRET_ROTATION_DAYS: not a number")?;
                Some(Duration::from_secs(days.saturating_mul(86_400)))
            }
            _ => None,
        };
        // At the cold start, so that a schedule that would drop deliveries fails every
        // invocation with its reason (and SecretRotationFailedAlarm), before any step runs.
        check_schedule(grace, interval).map_err(|e| e.to_string())?;
        Ok(Self {
            secret_arn: required("SIGNING_SECRET_ARN")?,
            webhook_url: required("WEBHOOK_URL")?,
            api_key_secret_id: required("MIDDESK_API_KEY_SECRET_ID")?,
            api_url: std::env::var("MIDDESK_API_URL").unwrap_or_else(|_| api::PRODUCTION_URL.to_owned()),
            grace,
        })
    }
}

async fn rotate(
    config: &Config,
    store: &SecretsManagerVersions,
    event: RotationEvent,
) -> Result<(), RotationError> {
    tracing::info!(step = ?event.step, version = %event.client_request_token, "rotation step");
    let key = store
        .by_stage(&config.api_key_secret_id, "AWSCURRENT")
        .await
        .map_err(|e| RotationError::Store(format!("the Middesk API key secret: {e}")))?
        .ok_or_else(|| RotationError::Refused("the Middesk API key secret has no value".into()))?;
    let api = MiddeskApi::new(&config.api_url, ApiKey::from_secret_string(&key.value)?)?;
    let rotator = SecretRotator::new(
        store.clone(),
        api,
        config.secret_arn.clone(),
        config.webhook_url.clone(),
        config.grace,
    )?;
    rotator.run(&event, SystemTime::now(), random_secret).await
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    middesk_webhooks::logging::init_json_logging();
    let config = Config::from_env()?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = SecretsManagerVersions::new(aws_sdk_secretsmanager::Client::new(&aws));
    let (config, store) = (&config, &store);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<RotationEvent>| async move {
        let step = event.payload.step;
        rotate(config, store, event.payload).await.map_err(|error| {
            // The error names no secret, key or signature (see RotationError and MiddeskApiError).
            tracing::error!(?step, %error, "rotation step failed; Secrets Manager will retry");
            lambda_runtime::Error::from(error.to_string())
        })
    }))
    .await
}
