//! Claim-checked bodies, and the event archive, in S3.

use aws_sdk_s3::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_s3::config::{ConfigBag, Intercept, RuntimeComponents};
use tracing::Instrument as _;

/// An S3 client for `config`. With a custom endpoint (an emulator on loopback), whether the
/// global `AWS_ENDPOINT_URL` or S3's own `AWS_ENDPOINT_URL_S3`, it addresses buckets by path,
/// since `bucket.127.0.0.1` does not resolve; on AWS it uses the usual virtual-hosted addressing.
pub fn s3_client(config: &aws_types::SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(s3_config(config).build())
}

/// An S3 client for `config` whose every request names `owner` (a 12-digit account id) as the
/// bucket's expected owner (`x-amz-expected-bucket-owner`). S3 then refuses, with 403, a bucket
/// of any other account. For the operator's tools, which are given a bucket by name: a typo, or
/// a name another account took, is an error rather than that account's objects.
pub fn s3_client_for_owner(config: &aws_types::SdkConfig, owner: &str) -> Result<aws_sdk_s3::Client, String> {
    if owner.len() != 12 || !owner.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{owner:?} is not an AWS account id (12 digits)"));
    }
    let pinned = s3_config(config).interceptor(ExpectedBucketOwner(owner.to_owned()));
    Ok(aws_sdk_s3::Client::from_conf(pinned.build()))
}

fn s3_config(config: &aws_types::SdkConfig) -> aws_sdk_s3::config::Builder {
    // Where the SDK itself finds S3's own endpoint (`AWS_ENDPOINT_URL_S3`, or the profile's).
    let own_endpoint = aws_types::service_config::ServiceConfigKey::builder()
        .service_id("S3")
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .ok()
        .and_then(|key| config.service_config()?.load_config(key));
    let path_style = config.endpoint_url().is_some() || own_endpoint.is_some();
    aws_sdk_s3::config::Builder::from(config).force_path_style(path_style)
}

/// Sets `x-amz-expected-bucket-owner` on every request, so that no call can forget it.
#[derive(Debug)]
struct ExpectedBucketOwner(String);

impl Intercept for ExpectedBucketOwner {
    fn name(&self) -> &'static str {
        "ExpectedBucketOwner"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), aws_sdk_s3::error::BoxError> {
        context.request_mut().headers_mut().insert("x-amz-expected-bucket-owner", self.0.clone());
        Ok(())
    }
}

/// Claim-checked bodies in an S3 bucket: written by the verifier, read by consumers.
#[derive(Debug, Clone)]
pub struct S3Payloads {
    client: aws_sdk_s3::Client,
    /// The bucket (`None`: a reader without one, which refuses every pointer).
    bucket: Option<String>,
    /// The prefix a reader's keys must have.
    key_prefix: String,
}

impl S3Payloads {
    /// Payloads written to (and read from) `bucket`: the verifier, and tests.
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self { client, bucket: Some(bucket.into()), key_prefix: String::new() }
    }

    /// A consumer's reader, pinned to `bucket` and `key_prefix`: a pointer that names any
    /// other object is refused without reading it.
    pub fn reader(
        client: aws_sdk_s3::Client,
        bucket: impl Into<String>,
        key_prefix: impl Into<String>,
    ) -> Self {
        Self { client, bucket: Some(bucket.into()), key_prefix: key_prefix.into() }
    }

    /// A consumer's reader pinned to `PAYLOAD_BUCKET` and `PAYLOAD_KEY_PREFIX` (default
    /// `payloads/`), as the template sets them; without `PAYLOAD_BUCKET`, one that refuses every
    /// pointer.
    pub fn reader_from_env(client: aws_sdk_s3::Client) -> Self {
        let var =
            |name: &str| std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        Self::pinned(client, var("PAYLOAD_BUCKET"), var("PAYLOAD_KEY_PREFIX"))
    }

    /// A consumer's reader pinned to `bucket` and `key_prefix` (default `payloads/`); without a
    /// bucket, one that refuses every pointer.
    pub fn pinned(client: aws_sdk_s3::Client, bucket: Option<String>, key_prefix: Option<String>) -> Self {
        Self { client, bucket, key_prefix: key_prefix.unwrap_or_else(|| "payloads/".to_owned()) }
    }
}

impl crate::claim_check::PayloadStore for S3Payloads {
    fn bucket(&self) -> &str {
        self.bucket.as_deref().unwrap_or_default()
    }

    async fn put(&self, key: &str, body: &[u8]) -> Result<(), String> {
        let bucket = self.bucket.as_deref().unwrap_or_default();
        let span =
            crate::telemetry::aws_call_span!("S3", "PutObject", aws.s3.bucket = bucket, aws.s3.key = key);
        self.client
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(aws_sdk_s3::primitives::ByteStream::from(body.to_vec()))
            .send()
            .instrument(span.clone())
            .await
            .map(drop)
            .map_err(|e| {
                crate::telemetry::record_error(&span, "unavailable");
                aws_sdk_s3::error::DisplayErrorContext(&e).to_string()
            })
    }
}

impl crate::claim_check::PayloadReader for S3Payloads {
    fn location(&self) -> Option<(&str, &str)> {
        Some((self.bucket.as_deref()?, self.key_prefix.as_str()))
    }

    async fn get(&self, bucket: &str, key: &str, len: usize) -> Result<Vec<u8>, String> {
        let object = self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| aws_sdk_s3::error::DisplayErrorContext(&e).to_string())?;
        // Judged by its headers, before its body is read into memory.
        let stored = object.content_length().unwrap_or(-1);
        if usize::try_from(stored).ok() != Some(len) {
            return Err(format!("stored body is {stored} bytes, not {len}"));
        }
        let bytes = object.body.collect().await.map_err(|e| e.to_string())?;
        Ok(bytes.into_bytes().to_vec())
    }
}

/// The event archive in an S3 bucket (`ARCHIVE_BUCKET`): each body at its archive key, with
/// what the verifier knew as user metadata.
#[derive(Debug, Clone)]
pub struct S3Archive {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Archive {
    /// The archive in `bucket`.
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self { client, bucket: bucket.into() }
    }
}

impl crate::verify::archive::EventArchive for S3Archive {
    /// Writes only where no object is (`If-None-Match: *`, which the bucket's policy requires
    /// of every write): an archived event is never overwritten. The key holds the body's
    /// SHA-256, so an object already there is this very body (a retry of the event): stored.
    async fn put(&self, key: &str, body: &[u8], metadata: &[(&'static str, String)]) -> Result<(), String> {
        use aws_sdk_s3::error::ProvideErrorMetadata as _;
        let mut request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .if_none_match("*")
            .content_type("application/json")
            .body(aws_sdk_s3::primitives::ByteStream::from(body.to_vec()));
        for (name, value) in metadata {
            request = request.metadata(*name, value);
        }
        let span = crate::telemetry::aws_call_span!("S3", "PutObject", aws.s3.bucket = %self.bucket, aws.s3.key = key);
        // The context it was received in, so that a replay of it links to this trace.
        if let Some(traceparent) = crate::telemetry::traceparent(&span) {
            request = request.metadata(crate::verify::archive::field::TRACEPARENT, traceparent);
        }
        match request.send().instrument(span.clone()).await {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some("PreconditionFailed") => Ok(()),
            Err(e) => {
                crate::telemetry::record_error(&span, e.code().unwrap_or("unavailable"));
                Err(aws_sdk_s3::error::DisplayErrorContext(&e).to_string())
            }
        }
    }
}
