//! Rotating the signing secret: Secrets Manager's four rotation steps, with Middesk's webhook
//! as the other side.
//!
//! # The order, and why no request Middesk signs is refused
//! Let C be when `createSecret` stores the new secret as `AWSPENDING`, S when `setSecret`
//! gives it to Middesk, F when `finishSecret` makes it `AWSCURRENT` (the old one becomes
//! `AWSPREVIOUS`). Middesk signs a first delivery with the secret it has at that moment, and
//! its retries of that delivery keep that signature for up to [`MIDDESK_RETRY_SPAN`].
//! - **Signed with the old secret** (first sent before S): until F it is `AWSCURRENT`; after F
//!   it is `AWSPREVIOUS`, which the verifier accepts until C + grace
//!   (`SECRET_ROTATION_GRACE_SECONDS`, counted from the current version's creation). The last
//!   retry comes by S + [`MIDDESK_RETRY_SPAN`], so this holds when S − C ≤ grace −
//!   [`MIDDESK_RETRY_SPAN`]: `setSecret` refuses a pending version older than that (the default
//!   grace of 4 days leaves a day), and `createSecret` refuses to start a rotation while an
//!   `AWSPREVIOUS` may still be in use (the current version younger than the grace), which
//!   would drop it.
//! - **Signed with the new secret** (first sent after S): until F it is `AWSPENDING`. A
//!   verifier whose cache predates it finds no match, reads the secret again with
//!   `AWSPENDING` ([`crate::verify::secret::SecretCache::refresh_after_mismatch`], at most once per
//!   [`crate::verify::secret::PENDING_READ_INTERVAL`]) and accepts it. That read is skipped only if one
//!   was made less than the interval before the request; `setSecret` waits until the pending
//!   version is [`PENDING_MIN_AGE_AT_SET`] (twice the interval) old, so such a read came after
//!   C and saw it. After F it is `AWSCURRENT`.
//! - A step that fails (Middesk down during `setSecret`) fails the rotation; Secrets Manager
//!   tries again, and until then the current secret, which Middesk still uses, verifies.

use std::future::Future;
use std::time::{Duration, SystemTime};

use crate::middesk::api::{MiddeskApiError, Secret, WebhookUpdate, WebhooksApi, find_by_url};
use crate::verify::secret::{
    GIVEN_TO_MIDDESK_STAGE, SecretCache, SecretSource, SecretVersion, parse_secret_string, parse_secret_text,
};

/// How long Middesk retries a delivery: "the final request will be made approximately 3 days
/// from when the first request was made" (Middesk's "Using Webhooks" guide).
pub const MIDDESK_RETRY_SPAN: Duration = Duration::from_secs(3 * 86_400);
/// How much longer than [`MIDDESK_RETRY_SPAN`] the grace must be at least: the time `setSecret`
/// may come after `createSecret` (seconds, normally), with room for Middesk's "approximately".
pub const ROTATION_GRACE_MARGIN: Duration = Duration::from_secs(3600);
/// `setSecret` gives Middesk a pending version no younger than this (see the module's proof).
pub const PENDING_MIN_AGE_AT_SET: Duration =
    Duration::from_secs(2 * crate::verify::secret::PENDING_READ_INTERVAL.as_secs());
/// Length of a generated secret, in random bytes (hex-encoded: 64 characters).
const SECRET_BYTES: usize = 32;

/// The step Secrets Manager asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub enum Step {
    /// Store a new secret as `AWSPENDING`.
    #[serde(rename = "createSecret")]
    CreateSecret,
    /// Give it to Middesk.
    #[serde(rename = "setSecret")]
    SetSecret,
    /// Check that the verifier accepts it.
    #[serde(rename = "testSecret")]
    TestSecret,
    /// Make it `AWSCURRENT`.
    #[serde(rename = "finishSecret")]
    FinishSecret,
}

/// The event Secrets Manager invokes a rotation function with.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RotationEvent {
    /// The secret's ARN.
    pub secret_id: String,
    /// The new version's id.
    pub client_request_token: String,
    /// The step.
    pub step: Step,
}

/// A version of the secret as the rotation sees it. Its `Debug` shows no value.
#[derive(Clone)]
pub struct StoredVersion {
    /// The version id.
    pub id: String,
    /// Its `SecretString`.
    pub value: String,
    /// When it was created.
    pub created: SystemTime,
}

impl std::fmt::Debug for StoredVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredVersion")
            .field("id", &self.id)
            .field("value", &"<redacted>")
            .field("created", &self.created)
            .finish()
    }
}

/// The secret's versions: id and staging labels.
#[derive(Debug, Clone, Default)]
pub struct SecretDescription {
    /// Whether rotation is turned on for the secret.
    pub rotation_enabled: bool,
    /// Every version's id with its labels.
    pub versions: Vec<(String, Vec<String>)>,
}

impl SecretDescription {
    /// The labels of version `id` (empty if unknown).
    pub fn stages_of(&self, id: &str) -> &[String] {
        self.versions.iter().find(|(v, _)| v == id).map(|(_, s)| s.as_slice()).unwrap_or_default()
    }

    /// The version carrying `stage`.
    pub fn version_with(&self, stage: &str) -> Option<&str> {
        self.versions.iter().find(|(_, s)| s.iter().any(|x| x == stage)).map(|(v, _)| v.as_str())
    }
}

/// Secrets Manager as the rotation uses it (the AWS SDK in production).
pub trait VersionStore: Send + Sync {
    /// How the verifier reads the secret.
    type VerifierSource: SecretSource;

    /// The verifier's own reader of `secret_id` over this store's client: `testSecret` verifies
    /// through it, so that it proves what the deployed verifier's code reads, not a copy of it.
    fn verifier_source(&self, secret_id: &str) -> Self::VerifierSource;

    /// The secret's versions and labels.
    fn describe(&self, secret_id: &str) -> impl Future<Output = Result<SecretDescription, String>> + Send;
    /// The version with this label (`AWSCURRENT`, `AWSPENDING`, `AWSPREVIOUS`), if any.
    fn by_stage(
        &self,
        secret_id: &str,
        stage: &str,
    ) -> impl Future<Output = Result<Option<StoredVersion>, String>> + Send;
    /// The version with this id, if any.
    fn by_id(
        &self,
        secret_id: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<StoredVersion>, String>> + Send;
    /// Stores `value` as version `id`, labelled `AWSPENDING`.
    fn put_pending(
        &self,
        secret_id: &str,
        id: &str,
        value: &str,
    ) -> impl Future<Output = Result<(), String>> + Send;
    /// Moves `stage` to version `to` (from version `from`, if given); `to: None` removes it
    /// from `from`.
    fn move_stage(
        &self,
        secret_id: &str,
        stage: &str,
        to: Option<&str>,
        from: Option<&str>,
    ) -> impl Future<Output = Result<(), String>> + Send;
}

/// Why a step failed. Every failure fails the step; Secrets Manager retries the rotation.
#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    /// Secrets Manager failed.
    #[error("Secrets Manager: {0}")]
    Store(String),
    /// Middesk's API failed.
    #[error(transparent)]
    Middesk(#[from] MiddeskApiError),
    /// The request or the secret's state does not allow the step.
    #[error("{0}")]
    Refused(String),
}

/// Rotates one signing secret, for the webhook that delivers to one URL.
pub struct SecretRotator<S, A> {
    store: S,
    api: A,
    /// The signing secret this rotator may rotate (its ARN).
    secret_id: String,
    /// The stack's `WebhookUrl`, which identifies the webhook at Middesk.
    webhook_url: String,
    /// The verifier's `SECRET_ROTATION_GRACE_SECONDS`.
    grace: Duration,
}

impl<S: VersionStore, A: WebhooksApi> SecretRotator<S, A> {
    /// A rotator; the grace must exceed Middesk's retry span by [`ROTATION_GRACE_MARGIN`] (see
    /// the module's proof and [`check_schedule`]).
    pub fn new(
        store: S,
        api: A,
        secret_id: String,
        webhook_url: String,
        grace: Duration,
    ) -> Result<Self, RotationError> {
        check_schedule(grace, None)?;
        Ok(Self { store, api, secret_id, webhook_url, grace })
    }

    /// The store (tests read the secret through it).
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Runs one step at `now`. `new_secret` makes a new secret's text (random in production).
    pub async fn run(
        &self,
        event: &RotationEvent,
        now: SystemTime,
        new_secret: impl FnOnce() -> Result<String, String>,
    ) -> Result<(), RotationError> {
        if event.secret_id != self.secret_id {
            return Err(RotationError::Refused(
                "this function rotates only the stack's signing secret".into(),
            ));
        }
        let description = self.store.describe(&self.secret_id).await.map_err(RotationError::Store)?;
        if !description.rotation_enabled {
            return Err(RotationError::Refused("rotation is not enabled for the secret".into()));
        }
        let token = event.client_request_token.as_str();
        let stages = description.stages_of(token);
        if stages.iter().any(|s| s == "AWSCURRENT") {
            // Already finished (a repeated invocation): nothing to do.
            tracing::info!(step = ?event.step, version = token, "version is already current");
            return Ok(());
        }
        if !stages.iter().any(|s| s == "AWSPENDING") {
            return Err(RotationError::Refused(format!("version {token} is not pending")));
        }
        match event.step {
            Step::CreateSecret => self.create(token, now, new_secret, &description).await,
            Step::SetSecret => self.set(token, now, &description).await,
            Step::TestSecret => self.test(token, now).await,
            Step::FinishSecret => self.finish(token, &description).await,
        }
    }

    async fn version(&self, stage: &str) -> Result<Option<StoredVersion>, RotationError> {
        self.store.by_stage(&self.secret_id, stage).await.map_err(RotationError::Store)
    }

    async fn pending(&self, token: &str) -> Result<StoredVersion, RotationError> {
        self.store.by_id(&self.secret_id, token).await.map_err(RotationError::Store)?.ok_or_else(|| {
            RotationError::Refused(format!("version {token} has no value (createSecret did not run)"))
        })
    }

    async fn create(
        &self,
        token: &str,
        now: SystemTime,
        new_secret: impl FnOnce() -> Result<String, String>,
        description: &SecretDescription,
    ) -> Result<(), RotationError> {
        if self.store.by_id(&self.secret_id, token).await.map_err(RotationError::Store)?.is_some() {
            return Ok(()); // Created by an earlier attempt.
        }
        let current = self
            .version("AWSCURRENT")
            .await?
            .ok_or_else(|| RotationError::Refused("no AWSCURRENT version".into()))?;
        let previous = self.version("AWSPREVIOUS").await?;
        let current_age = now.duration_since(current.created).unwrap_or_default();
        if previous.is_some() && current_age < self.grace {
            return Err(RotationError::Refused(format!(
                "the last rotation was {} s ago: Middesk may still retry deliveries signed with the secret before it, which a new rotation would stop accepting; rotate again after {} s",
                current_age.as_secs(),
                self.grace.as_secs()
            )));
        }
        // A version that carries MIDDESK_SIGNING and is neither current nor previous: an earlier
        // rotation gave Middesk its secret and never finished, or a leaked secret kept the
        // label. The verifier accepts it; a new secret would leave it in place. Which one it is,
        // only the operator knows: carrying it forward would keep a leaked secret for good, and
        // passing it over would leave Middesk signing with it. So the rotation fails, and pages.
        if let Some(given) = Self::stray_given_version(token, description) {
            let current_id = description.version_with("AWSCURRENT").unwrap_or("<current id>");
            return Err(RotationError::Refused(format!(
                "version {given} carries {GIVEN_TO_MIDDESK_STAGE} but is neither current nor previous. If an unfinished rotation gave it to Middesk, make it current (aws secretsmanager update-secret-version-stage --version-stage AWSCURRENT --move-to-version-id {given} --remove-from-version-id {current_id}). If it leaked or is stale, take the label off (aws secretsmanager update-secret-version-stage --version-stage {GIVEN_TO_MIDDESK_STAGE} --remove-from-version-id {given}) and give Middesk the current secret (middesk-webhooks middesk register). Then rotate again"
            )));
        }
        let secret = new_secret().map_err(RotationError::Store)?;
        // The same shape as the current value: a JSON secret stays JSON.
        let value = match current.value.trim_start().starts_with('{') {
            true => serde_json::json!({ "signing_secret": secret }).to_string(),
            false => secret,
        };
        self.store.put_pending(&self.secret_id, token, &value).await.map_err(RotationError::Store)?;
        tracing::info!(version = token, "created the pending signing secret");
        Ok(())
    }

    /// The version that carries `MIDDESK_SIGNING` while neither current, previous nor this
    /// rotation's own, whatever its value.
    fn stray_given_version<'a>(token: &str, description: &'a SecretDescription) -> Option<&'a str> {
        let given = description.version_with(GIVEN_TO_MIDDESK_STAGE).filter(|id| *id != token)?;
        let stages = description.stages_of(given);
        (!stages.iter().any(|s| s == "AWSCURRENT" || s == "AWSPREVIOUS")).then_some(given)
    }

    async fn set(
        &self,
        token: &str,
        now: SystemTime,
        description: &SecretDescription,
    ) -> Result<(), RotationError> {
        let pending = self.pending(token).await?;
        let age = now.duration_since(pending.created).unwrap_or_default();
        let max_age = self.grace - MIDDESK_RETRY_SPAN;
        if age > max_age {
            return Err(RotationError::Refused(format!(
                "the pending version is {} s old, more than {} s: Middesk's retries of deliveries signed with the current secret could outlast the grace. Cancel this rotation (aws secretsmanager cancel-rotate-secret) and rotate again",
                age.as_secs(),
                max_age.as_secs()
            )));
        }
        if age < PENDING_MIN_AGE_AT_SET {
            tokio::time::sleep(PENDING_MIN_AGE_AT_SET - age).await;
        }
        let secret = parse_secret_text(&pending.value)
            .map_err(|e| RotationError::Refused(format!("pending value: {e}")))?;
        let webhooks = self.api.list().await?;
        let webhook = find_by_url(&webhooks, &self.webhook_url)?.ok_or_else(|| {
            RotationError::Refused(format!(
                "no Middesk webhook delivers to {}: register it first (middesk-webhooks middesk register)",
                self.webhook_url
            ))
        })?;
        // Labelled before Middesk has it, so that the verifier accepts it whatever becomes of
        // this rotation: an update whose answer is lost may still have reached Middesk.
        let holder = description.version_with(GIVEN_TO_MIDDESK_STAGE);
        if holder != Some(token) {
            self.store
                .move_stage(&self.secret_id, GIVEN_TO_MIDDESK_STAGE, Some(token), holder)
                .await
                .map_err(RotationError::Store)?;
        }
        let update = WebhookUpdate { secret: Some(Secret(secret)), ..WebhookUpdate::default() };
        self.api.update(&webhook.id, &update).await?;
        tracing::info!(version = token, webhook = %webhook.id, "gave Middesk the pending signing secret");
        Ok(())
    }

    /// The verifier's view, read by the verifier's own reader ([`VersionStore::verifier_source`])
    /// into a cold cache as a new sandbox's: a body signed with the current secret verifies at
    /// once, and one signed with the pending secret after the mismatch's re-read, as they will
    /// when Middesk sends them. (The verifier's role may read every label of the secret: the
    /// template tests check its grant.)
    async fn test(&self, token: &str, now: SystemTime) -> Result<(), RotationError> {
        let pending = self.pending(token).await?;
        let current = self
            .version("AWSCURRENT")
            .await?
            .ok_or_else(|| RotationError::Refused("no AWSCURRENT version".into()))?;
        let key = |v: &StoredVersion| {
            parse_secret_string(&v.value)
                .map_err(|e| RotationError::Refused(format!("version {}: {e}", v.id)))
        };
        let (current_key, pending_key) = (key(&current)?, key(&pending)?);
        let cache =
            SecretCache::new(self.store.verifier_source(&self.secret_id), Duration::from_secs(300), true);
        let probe = b"{\"object\":\"event\",\"type\":\"rotation.test\"}";
        let refused = |what: &str, e: &dyn std::fmt::Display| {
            RotationError::Refused(format!("the verifier's reader {what}: {e}"))
        };
        let versions = cache.get(now).await.map_err(|e| refused("could not read the secret", &e))?;
        if versions.verify(probe, &current_key.tag(probe), now, self.grace) != Some(SecretVersion::Current) {
            return Err(RotationError::Refused("the verifier would not accept the current secret".into()));
        }
        let reread = cache
            .refresh_after_mismatch(now)
            .await
            .map_err(|e| refused("could not read the pending version", &e))?
            .ok_or_else(|| RotationError::Refused("the verifier did not read the pending version".into()))?;
        if reread.verify(probe, &pending_key.tag(probe), now, self.grace) != Some(SecretVersion::Pending) {
            return Err(RotationError::Refused(
                "the verifier would not accept the pending secret after a mismatch".into(),
            ));
        }
        // Middesk still delivers to us (enabled).
        let webhooks = self.api.list().await?;
        match find_by_url(&webhooks, &self.webhook_url)? {
            Some(webhook) if webhook.disabled_at.is_none() => Ok(()),
            Some(webhook) => {
                Err(RotationError::Refused(format!("Middesk webhook {} is disabled", webhook.id)))
            }
            None => {
                Err(RotationError::Refused(format!("no Middesk webhook delivers to {}", self.webhook_url)))
            }
        }
    }

    async fn finish(&self, token: &str, description: &SecretDescription) -> Result<(), RotationError> {
        let current = description.version_with("AWSCURRENT").map(str::to_owned);
        self.store
            .move_stage(&self.secret_id, "AWSCURRENT", Some(token), current.as_deref())
            .await
            .map_err(RotationError::Store)?;
        self.store
            .move_stage(&self.secret_id, "AWSPENDING", None, Some(token))
            .await
            .map_err(RotationError::Store)?;
        tracing::info!(version = token, "the new signing secret is current");
        Ok(())
    }
}

/// Refuses a schedule that would drop deliveries Middesk signed with an earlier secret:
/// - a grace no longer than Middesk's retries and the margin (its last retries of deliveries
///   signed before `setSecret` would be refused);
/// - rotations (`interval`, when scheduled) no further apart than the grace (each would find the
///   previous secret still in use, and `createSecret` refuses it).
pub fn check_schedule(grace: Duration, interval: Option<Duration>) -> Result<(), RotationError> {
    let least = MIDDESK_RETRY_SPAN + ROTATION_GRACE_MARGIN;
    if grace < least {
        return Err(RotationError::Refused(format!(
            "the rotation grace ({} s) must be at least Middesk's retry span and an hour ({} s), or retries signed with the old secret would be refused",
            grace.as_secs(),
            least.as_secs()
        )));
    }
    match interval {
        Some(interval) if interval <= grace => Err(RotationError::Refused(format!(
            "rotations every {} s must be further apart than the grace ({} s): each would start while the previous secret may still be in use, and be refused",
            interval.as_secs(),
            grace.as_secs()
        ))),
        _ => Ok(()),
    }
}

/// A new random secret: 32 random bytes, hex-encoded.
pub fn random_secret() -> Result<String, String> {
    let mut bytes = [0u8; SECRET_BYTES];
    // aws-lc's generator, through rustls (already linked): no other source of randomness.
    rustls::crypto::aws_lc_rs::default_provider()
        .secure_random
        .fill(&mut bytes)
        .map_err(|_| "no randomness from the operating system".to_owned())?;
    Ok(hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_parse_as_secrets_manager_spells_them() {
        let event: RotationEvent = serde_json::from_str(
            r#"{"SecretId":"arn:s","ClientRequestToken":"t-1","Step":"setSecret","RotationToken":"x"}"#,
        )
        .unwrap();
        assert_eq!((event.step, event.client_request_token.as_str()), (Step::SetSecret, "t-1"));
    }

    #[test]
    fn a_stored_version_never_shows_its_value() {
        let version = StoredVersion {
            id: "v-1".into(),
            value: "whsec_do_not_log".into(),
            created: SystemTime::UNIX_EPOCH,
        };
        let shown = format!("{version:?} {version:#?}");
        assert!(shown.contains("v-1") && !shown.contains("whsec_do_not_log"), "{shown}");
    }

    #[test]
    fn a_schedule_keeps_every_retry_accepted() {
        let hour = Duration::from_secs(3600);
        let least = MIDDESK_RETRY_SPAN + ROTATION_GRACE_MARGIN;
        assert!(check_schedule(least, None).is_ok());
        assert!(check_schedule(least - Duration::from_secs(1), None).is_err());
        assert!(check_schedule(MIDDESK_RETRY_SPAN, Some(30 * 24 * hour)).is_err());
        let grace = crate::verify::config::DEFAULT_ROTATION_GRACE;
        assert!(check_schedule(grace, Some(grace + hour)).is_ok());
        let err = check_schedule(grace, Some(grace)).unwrap_err().to_string();
        assert!(err.contains("further apart than the grace"), "{err}");
    }

    #[test]
    fn random_secrets_are_long_and_differ() {
        let (a, b) = (random_secret().unwrap(), random_secret().unwrap());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
    }

    #[test]
    fn the_pending_version_is_given_to_middesk_only_after_the_verifiers_read_interval_twice() {
        assert!(PENDING_MIN_AGE_AT_SET >= 2 * crate::verify::secret::PENDING_READ_INTERVAL);
    }
}
