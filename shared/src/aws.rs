//! Thin adapters from the core's traits to AWS, each behind the cargo feature of its SDK:
//! Secrets Manager (`secretsmanager`), SQS (`sqs`), S3 (`s3`) and DynamoDB (`dynamodb`).

#[cfg(feature = "dynamodb")]
mod dynamodb;
#[cfg(feature = "s3")]
mod s3;
#[cfg(feature = "secretsmanager")]
mod secretsmanager;
#[cfg(feature = "sqs")]
mod sqs;

#[cfg(feature = "dynamodb")]
pub use dynamodb::DynamoDbIdempotencyStore;
#[cfg(feature = "s3")]
pub use s3::{S3Archive, S3Payloads, s3_client};
#[cfg(feature = "secretsmanager")]
pub use secretsmanager::SecretsManagerSource;
#[cfg(feature = "rotation")]
pub use secretsmanager::SecretsManagerVersions;
#[cfg(feature = "sqs")]
pub use sqs::{SqsPublisher, lambda_sqs_event};

/// The SDK configuration of a Lambda function, read from the environment Lambda sets: the
/// region (`AWS_REGION`), the execution role's credentials (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), and `AWS_ENDPOINT_URL` when set (an emulator).
///
/// `aws_config::load_defaults` would look for the same values through a chain of providers
/// (profiles, SSO, STS web identity, the container and instance metadata endpoints) that a
/// Lambda function never needs: Lambda puts the role's credentials in the environment. Without
/// that chain the function links no STS client and does less at init (BENCHMARKS.md measures
/// both). Retries are the SDK's standard ones, as `load_defaults` sets them.
///
/// Every client made from it shares one HTTPS client: one rustls configuration (its root
/// store built once, not once per service) and one connection pool. Left to themselves, the
/// SQS, Secrets Manager and S3 clients would each build their own at the cold start.
#[cfg(feature = "sqs")]
pub fn lambda_sdk_config(
    timeouts: aws_smithy_types::timeout::TimeoutConfig,
) -> Result<aws_types::SdkConfig, String> {
    use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region, SharedCredentialsProvider};
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
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
    let mut config = aws_types::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(required("AWS_REGION")?))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .retry_config(aws_smithy_types::retry::RetryConfig::standard())
        .http_client(
            aws_smithy_http_client::Builder::new()
                .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                    aws_smithy_http_client::tls::rustls_provider::CryptoMode::AwsLc,
                ))
                .build_https(),
        )
        .timeout_config(timeouts);
    if let Some(endpoint) = var("AWS_ENDPOINT_URL") {
        config = config.endpoint_url(endpoint);
    }
    Ok(config.build())
}
