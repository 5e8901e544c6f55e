//! Claim-checked bodies, and the event archive, in S3.

/// An S3 client for `config`. With a custom endpoint (`AWS_ENDPOINT_URL`: an emulator on
/// loopback) it addresses buckets by path, since `bucket.127.0.0.1` does not resolve; on AWS
/// it uses the usual virtual-hosted addressing.
pub fn s3_client(config: &aws_types::SdkConfig) -> aws_sdk_s3::Client {
    let path_style = config.endpoint_url().is_some();
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config).force_path_style(path_style).build(),
    )
}

/// Claim-checked bodies in an S3 bucket: written by the verifier, read by consumers.
#[derive(Debug, Clone)]
pub struct S3Payloads {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl S3Payloads {
    /// Payloads written to `bucket` (the verifier).
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self { client, bucket: bucket.into() }
    }

    /// A reader of the bucket and key each pointer names (consumers; their role decides which
    /// buckets they may read).
    pub fn reader(client: aws_sdk_s3::Client) -> Self {
        Self::new(client, String::new())
    }
}

impl crate::publisher::PayloadStore for S3Payloads {
    fn bucket(&self) -> &str {
        &self.bucket
    }

    async fn put(&self, key: &str, body: &[u8]) -> Result<(), String> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(aws_sdk_s3::primitives::ByteStream::from(body.to_vec()))
            .send()
            .await
            .map(drop)
            .map_err(|e| aws_sdk_s3::error::DisplayErrorContext(&e).to_string())
    }
}

impl crate::publisher::PayloadReader for S3Payloads {
    async fn get(&self, bucket: &str, key: &str) -> Result<Vec<u8>, String> {
        let object = self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| aws_sdk_s3::error::DisplayErrorContext(&e).to_string())?;
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

impl crate::archive::EventArchive for S3Archive {
    async fn put(&self, key: &str, body: &[u8], metadata: &[(&'static str, String)]) -> Result<(), String> {
        let mut request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("application/json")
            .body(aws_sdk_s3::primitives::ByteStream::from(body.to_vec()));
        for (name, value) in metadata {
            request = request.metadata(*name, value);
        }
        request.send().await.map(drop).map_err(|e| aws_sdk_s3::error::DisplayErrorContext(&e).to_string())
    }
}
