//! Thin adapters from the core's traits to AWS, each behind the cargo feature of its SDK:
//! Secrets Manager (`secretsmanager`), SQS (`sqs`), S3 (`s3`), DynamoDB (`dynamodb`), and the
//! queues' state from SQS and CloudWatch (`watch`).

#[cfg(feature = "dynamodb")]
mod dynamodb;
#[cfg(feature = "s3")]
mod s3;
#[cfg(feature = "secretsmanager")]
mod secretsmanager;
#[cfg(feature = "sqs")]
pub mod sqs;
#[cfg(feature = "verifier")]
mod verifier;
#[cfg(feature = "watch")]
pub mod watch;

#[cfg(feature = "watch")]
pub use dynamodb::DynamoDbWatchMemory;
#[cfg(feature = "dynamodb")]
pub use dynamodb::{DynamoDbIdempotencyStore, create_idempotency_table};
#[cfg(feature = "s3")]
pub use s3::{S3Archive, S3Payloads, s3_client, s3_client_for_owner};
#[cfg(feature = "secretsmanager")]
pub use secretsmanager::SecretsManagerSource;
#[cfg(feature = "rotation")]
pub use secretsmanager::SecretsManagerVersions;
#[cfg(feature = "sqs")]
pub use sqs::{SqsPublisher, lambda_sqs_event, message_attribute};
#[cfg(feature = "verifier")]
pub use verifier::{Verifier, build_verifier};

/// The SDK configuration of a Lambda function, read from the environment Lambda sets: the
/// region (`AWS_REGION`) and the execution role's credentials (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) straight from their variables, and every other
/// setting as the SDK itself reads it: `AWS_ENDPOINT_URL` and the service-specific
/// `AWS_ENDPOINT_URL_SQS`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`, `AWS_ENDPOINT_URL_S3`,
/// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`, `AWS_USE_FIPS_ENDPOINT`, `AWS_USE_DUALSTACK_ENDPOINT`,
/// `AWS_MAX_ATTEMPTS`, `AWS_RETRY_MODE`, `AWS_SDK_UA_APP_ID` and the rest of the SDK's settings.
///
/// Only the region and the credentials skip the SDK's provider chains (profiles, SSO, STS web
/// identity, the container and instance metadata endpoints), which a Lambda function never
/// needs: Lambda puts the role's credentials in the environment. No STS client is built, and
/// nothing is fetched at init (BENCHMARKS.md measures both).
///
/// Every client made from it shares one HTTPS client: one rustls configuration (its root
/// store built once, not once per service) and one connection pool. Left to themselves, the
/// SQS, Secrets Manager and S3 clients would each build their own at the cold start.
#[cfg(feature = "sqs")]
pub async fn lambda_sdk_config(
    timeouts: aws_smithy_types::timeout::TimeoutConfig,
) -> Result<aws_types::SdkConfig, String> {
    let loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    lambda_sdk_config_from(loader, |name| std::env::var(name).ok(), timeouts).await
}

/// [`lambda_sdk_config`] with the region and credentials read through `var`, and everything
/// else by `loader` (tests give both the same environment of their own).
#[cfg(feature = "sqs")]
pub async fn lambda_sdk_config_from(
    loader: aws_config::ConfigLoader,
    var: impl Fn(&str) -> Option<String>,
    timeouts: aws_smithy_types::timeout::TimeoutConfig,
) -> Result<aws_types::SdkConfig, String> {
    use aws_sdk_sqs::config::{Credentials, Region};
    let var = |name: &str| var(name).filter(|v| !v.is_empty());
    let required = |name: &str| {
        var(name).ok_or_else(|| {
            format!("{name} is not set: the function reads its region and credentials from the environment Lambda sets")
        })
    };
    let credentials = Credentials::new(
        required("AWS_ACCESS_KEY_ID")?,
        required("AWS_SECRET_ACCESS_KEY")?,
        var("AWS_SESSION_TOKEN"),
        None,
        "lambda-environment",
    );
    let https = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .build_https();
    Ok(loader
        .region(Region::new(required("AWS_REGION")?))
        .credentials_provider(credentials)
        .http_client(https)
        .timeout_config(timeouts)
        .load()
        .await)
}

/// The SDK configuration of an AWS emulator at `endpoint` (moto's server, the local stack):
/// its region and credentials from the environment when set (`AWS_REGION`,
/// `AWS_ACCESS_KEY_ID`...), else `us-east-1` and placeholder keys (an emulator takes any), and
/// timeouts short enough that a stopped emulator is an error, not a wait. The CLI's local
/// commands and the tests use it.
#[cfg(feature = "sqs")]
pub async fn emulator_sdk_config(endpoint: &str) -> aws_types::SdkConfig {
    use aws_sdk_sqs::config::{Credentials, Region};
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let credentials = Credentials::new(
        var("AWS_ACCESS_KEY_ID").unwrap_or_else(|| "test".into()),
        var("AWS_SECRET_ACCESS_KEY").unwrap_or_else(|| "test".into()),
        None,
        None,
        "emulator",
    );
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(var("AWS_REGION").unwrap_or_else(|| "us-east-1".into())))
        .credentials_provider(credentials)
        .timeout_config(
            aws_smithy_types::timeout::TimeoutConfig::builder()
                .connect_timeout(std::time::Duration::from_secs(1))
                .operation_timeout(std::time::Duration::from_secs(10))
                .build(),
        )
        .load()
        .await
}
