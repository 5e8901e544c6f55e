//! The signing secret from Secrets Manager.

use std::time::SystemTime;

use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata};
use tracing::Instrument as _;

use crate::error::SecretError;
use crate::verify::secret::{GIVEN_TO_MIDDESK_STAGE, SecretSource, SecretVersions, parse_secret_string};
use crate::verify::signature::SigningKey;

/// Reads the signing secret from Secrets Manager: `AWSCURRENT`, and `AWSPREVIOUS` on request.
///
/// `AWSPREVIOUS` only changes when `AWSCURRENT` does, so it is read again only when the current
/// version id changed (or the last read of it failed): a refresh with nothing rotated is one
/// call. The first read asks for both, one after the other.
#[derive(Debug)]
pub struct SecretsManagerSource {
    client: aws_sdk_secretsmanager::Client,
    secret_id: String,
    /// The current version id last seen, with the previous secret read alongside it.
    previous: std::sync::Mutex<Option<(String, Option<SigningKey>)>>,
    /// The current version id last seen (the version given to Middesk is usually it).
    current_id: std::sync::Mutex<Option<String>>,
}

/// One version of the secret: its value, creation time, version id and labels.
struct Version {
    value: String,
    created: SystemTime,
    id: String,
    stages: Vec<String>,
}

type GetSecretValueError = aws_sdk_secretsmanager::error::SdkError<
    aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError,
>;

/// One version of `secret_id`, by label or by id: `Ok(None)` when Secrets Manager has no such
/// version, `Ok(Some(None))` when it has one without a `SecretString`. The one reader of
/// `GetSecretValue`, for the verifier's source and the rotator's store.
async fn read_version(
    client: &aws_sdk_secretsmanager::Client,
    secret_id: &str,
    stage: Option<&str>,
    id: Option<&str>,
) -> Result<Option<Option<Version>>, GetSecretValueError> {
    let span = crate::telemetry::aws_call_span!(
        "SecretsManager",
        "GetSecretValue",
        aws.secretsmanager.version_stage = stage
    );
    let result = client
        .get_secret_value()
        .secret_id(secret_id)
        .set_version_stage(stage.map(str::to_owned))
        .set_version_id(id.map(str::to_owned))
        .send()
        .instrument(span.clone())
        .await;
    if let Err(e) = &result
        && e.code() != Some("ResourceNotFoundException")
    {
        crate::telemetry::record_error(&span, e.code().unwrap_or("unavailable"));
    }
    match result {
        Ok(output) => Ok(Some(output.secret_string.map(|value| {
            Version {
                value,
                created: output
                    .created_date
                    .and_then(|d| SystemTime::try_from(d).ok())
                    .unwrap_or(SystemTime::UNIX_EPOCH),
                id: output.version_id.unwrap_or_default(),
                stages: output.version_stages.unwrap_or_default(),
            }
        }))),
        Err(e) if e.code() == Some("ResourceNotFoundException") => Ok(None),
        Err(e) => Err(e),
    }
}

impl SecretsManagerSource {
    /// A source for the secret with this name or ARN.
    pub fn new(client: aws_sdk_secretsmanager::Client, secret_id: impl Into<String>) -> Self {
        Self {
            client,
            secret_id: secret_id.into(),
            previous: std::sync::Mutex::new(None),
            current_id: std::sync::Mutex::new(None),
        }
    }

    async fn version(&self, stage: &str) -> Result<Option<Version>, SecretError> {
        match read_version(&self.client, &self.secret_id, Some(stage), None).await {
            Ok(Some(version)) => version.map(Some).ok_or(SecretError::Invalid("secret has no SecretString")),
            // No AWSPREVIOUS before the first rotation.
            Ok(None) if stage != "AWSCURRENT" => Ok(None),
            Ok(None) => Err(SecretError::Unavailable(format!("{stage}: no such version"))),
            Err(e) => Err(SecretError::Unavailable(format!("{stage}: {}", DisplayErrorContext(&e)))),
        }
    }

    /// The previous secret, or `Err` if it could not be read (a transient failure).
    fn previous_from(read: Result<Option<Version>, SecretError>) -> Result<Option<SigningKey>, SecretError> {
        match read? {
            None => Ok(None),
            Some(version) => match parse_secret_string(&version.value) {
                Ok(key) => Ok(Some(key)),
                // Retrying will not fix a bad value: say so (never the value) and go on.
                Err(error) => {
                    tracing::warn!(%error, "the AWSPREVIOUS secret version is unusable");
                    Ok(None)
                }
            },
        }
    }
}

impl SecretSource for SecretsManagerSource {
    async fn fetch(&self, with_previous: bool) -> Result<SecretVersions, SecretError> {
        let known = match with_previous {
            true => self.previous.lock().unwrap_or_else(|e| e.into_inner()).clone(),
            false => None,
        };
        let (current, previous_read) = match (&known, with_previous) {
            (_, false) => (self.version("AWSCURRENT").await?, Ok(None)),
            // Nothing known yet: both, one after the other on one connection. Side by side they
            // would save a round trip but open a second TLS connection, and at 128 MB's share
            // of a CPU a handshake costs more than a round trip (BENCHMARKS.md).
            (None, true) => {
                let current = self.version("AWSCURRENT").await?;
                (current, Self::previous_from(self.version("AWSPREVIOUS").await))
            }
            (Some((known_id, known_previous)), true) => {
                let current = self.version("AWSCURRENT").await?;
                match current.as_ref().is_some_and(|c| &c.id == known_id) {
                    true => (current, Ok(known_previous.clone())),
                    false => (current, Self::previous_from(self.version("AWSPREVIOUS").await)),
                }
            }
        };
        let current = current.ok_or(SecretError::Invalid("no AWSCURRENT version"))?;
        *self.current_id.lock().unwrap_or_else(|e| e.into_inner()) = Some(current.id.clone());
        // A broken previous version must not stop the current one from verifying.
        let (previous, previous_fetch_failed) = match previous_read {
            Ok(previous) => {
                if with_previous {
                    *self.previous.lock().unwrap_or_else(|e| e.into_inner()) =
                        Some((current.id.clone(), previous.clone()));
                }
                (previous, false)
            }
            Err(error) => {
                tracing::warn!(%error, "could not read the previous secret version; retrying soon");
                *self.previous.lock().unwrap_or_else(|e| e.into_inner()) = None;
                (None, true)
            }
        };
        Ok(SecretVersions {
            current: parse_secret_string(&current.value)?,
            pending: Vec::new(),
            current_created: current.created,
            previous,
            previous_fetch_failed,
        })
    }

    async fn fetch_pending(&self) -> Result<Vec<SigningKey>, SecretError> {
        let mut seen = vec![self.current_id.lock().unwrap_or_else(|e| e.into_inner()).clone()];
        let mut keys = Vec::new();
        for stage in ["AWSPENDING", GIVEN_TO_MIDDESK_STAGE] {
            let version = match self.version(stage).await {
                Ok(Some(version)) => version,
                Ok(None) => continue,
                // A binary version verifies nothing (the rotator's testSecret reports it).
                Err(SecretError::Invalid(reason)) => {
                    tracing::warn!(
                        stage,
                        reason,
                        "a secret version Middesk may sign with is unusable; ignored"
                    );
                    continue;
                }
                Err(error) => return Err(error),
            };
            if seen.contains(&Some(version.id.clone())) {
                continue;
            }
            // The label is honoured only on a version that is neither current nor previous: on
            // the previous one (a leaked secret replaced by hand, a rotation finished) it would
            // verify forever, past the rotation grace.
            let settled = version.stages.iter().any(|s| s == "AWSCURRENT" || s == "AWSPREVIOUS");
            if stage == GIVEN_TO_MIDDESK_STAGE && settled {
                continue;
            }
            seen.push(Some(version.id));
            match parse_secret_string(&version.value) {
                Ok(key) => keys.push(key),
                Err(error) => {
                    tracing::warn!(stage, %error, "a secret version Middesk may sign with is unusable; ignored")
                }
            }
        }
        Ok(keys)
    }
}

/// Secrets Manager as the secret rotator uses it: version labels, values, and moving labels.
#[cfg(feature = "rotation")]
#[derive(Debug, Clone)]
pub struct SecretsManagerVersions {
    client: aws_sdk_secretsmanager::Client,
}

#[cfg(feature = "rotation")]
impl SecretsManagerVersions {
    /// A store over this client.
    pub fn new(client: aws_sdk_secretsmanager::Client) -> Self {
        Self { client }
    }

    async fn get(
        &self,
        secret_id: &str,
        stage: Option<&str>,
        id: Option<&str>,
    ) -> Result<Option<crate::middesk::rotation::StoredVersion>, String> {
        match read_version(&self.client, secret_id, stage, id).await {
            Ok(Some(Some(Version { value, created, id, .. }))) => {
                Ok(Some(crate::middesk::rotation::StoredVersion { id, value, created }))
            }
            Ok(Some(None)) => Err("the version has no SecretString".to_owned()),
            Ok(None) => Ok(None),
            Err(e) => Err(DisplayErrorContext(&e).to_string()),
        }
    }
}

#[cfg(feature = "rotation")]
impl crate::middesk::rotation::VersionStore for SecretsManagerVersions {
    type VerifierSource = SecretsManagerSource;

    fn verifier_source(&self, secret_id: &str) -> SecretsManagerSource {
        SecretsManagerSource::new(self.client.clone(), secret_id)
    }

    async fn describe(&self, secret_id: &str) -> Result<crate::middesk::rotation::SecretDescription, String> {
        let output = self
            .client
            .describe_secret()
            .secret_id(secret_id)
            .send()
            .await
            .map_err(|e| DisplayErrorContext(&e).to_string())?;
        Ok(crate::middesk::rotation::SecretDescription {
            rotation_enabled: output.rotation_enabled.unwrap_or(false),
            versions: output.version_ids_to_stages.unwrap_or_default().into_iter().collect(),
        })
    }

    async fn by_stage(
        &self,
        secret_id: &str,
        stage: &str,
    ) -> Result<Option<crate::middesk::rotation::StoredVersion>, String> {
        self.get(secret_id, Some(stage), None).await
    }

    async fn by_id(
        &self,
        secret_id: &str,
        id: &str,
    ) -> Result<Option<crate::middesk::rotation::StoredVersion>, String> {
        self.get(secret_id, None, Some(id)).await
    }

    async fn put_pending(&self, secret_id: &str, id: &str, value: &str) -> Result<(), String> {
        self.client
            .put_secret_value()
            .secret_id(secret_id)
            .client_request_token(id)
            .secret_string(value)
            .version_stages("AWSPENDING")
            .send()
            .await
            .map(drop)
            .map_err(|e| DisplayErrorContext(&e).to_string())
    }

    async fn move_stage(
        &self,
        secret_id: &str,
        stage: &str,
        to: Option<&str>,
        from: Option<&str>,
    ) -> Result<(), String> {
        self.client
            .update_secret_version_stage()
            .secret_id(secret_id)
            .version_stage(stage)
            .set_move_to_version_id(to.map(str::to_owned))
            .set_remove_from_version_id(from.map(str::to_owned))
            .send()
            .await
            .map(drop)
            .map_err(|e| DisplayErrorContext(&e).to_string())
    }
}
