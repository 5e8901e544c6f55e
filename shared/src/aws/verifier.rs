//! The verifier as deployed, built from its configuration and AWS clients: what the Lambda
//! builds at its cold start, and what `middesk-webhooks replay --refused` builds to check a kept
//! refusal again with the configuration of the day.

use crate::aws::{S3Archive, S3Payloads, SecretsManagerSource, SqsPublisher};
use crate::verify::auth::oidc::{HttpJwks, OidcVerifier};
use crate::verify::publisher::ClaimCheckPublisher;
use crate::{SecretCache, VerifierConfig, WebhookReceiver};

/// The receiver as deployed: Secrets Manager for the secret, SQS for the queues, and S3 for
/// bodies too large for SQS and for the archive (when `ARCHIVE_BUCKET` is set).
pub type Verifier = WebhookReceiver<
    SecretsManagerSource,
    ClaimCheckPublisher<SqsPublisher, S3Payloads>,
    HttpJwks,
    Option<S3Archive>,
>;

/// Builds the deployed receiver from configuration and clients (done once, at cold start).
pub fn build_verifier(
    config: &VerifierConfig,
    secrets_manager: aws_sdk_secretsmanager::Client,
    sqs: aws_sdk_sqs::Client,
    s3: aws_sdk_s3::Client,
) -> Verifier {
    let secrets = SecretsManagerSource::new(secrets_manager, &config.secret_id);
    let with_previous = !config.settings.rotation_grace.is_zero();
    let receiver = WebhookReceiver::new(
        SecretCache::new(secrets, config.secret_cache_ttl, with_previous)
            .with_max_stale(config.secret_max_stale),
        ClaimCheckPublisher::new(
            SqsPublisher::new(sqs),
            config.payloads.as_ref().map(|p| (S3Payloads::new(s3.clone(), &p.bucket), p.key_prefix.clone())),
            config.max_message_bytes,
        ),
        config.router.clone(),
        config.settings,
    )
    .with_policy(config.auth.policy.clone())
    .with_mtls_subject(config.auth.mtls_subject.clone())
    .with_source_ips(config.auth.source_ips.clone())
    .with_middesk_addresses(config.auth.middesk_addresses.clone())
    .with_accounts(config.auth.accounts.clone())
    .with_archive(config.archive_bucket.as_ref().map(|bucket| S3Archive::new(s3, bucket)));
    match &config.auth.oidc {
        Some((settings, jwks_url)) => {
            receiver.with_oidc(OidcVerifier::new(settings.clone(), HttpJwks::new(jwks_url)))
        }
        None => receiver,
    }
}
