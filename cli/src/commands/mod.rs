//! The commands, one module per family; `main.rs` parses the arguments and calls one of them.
//! What they share: how a stack is named (deployed, or the local one in an emulator) and the
//! AWS configuration that reaches it.

pub mod events;
pub mod listen;
pub mod local;
pub mod middesk;
pub mod queues;
pub mod status;

use std::path::PathBuf;

use middesk_webhooks_cli::template;

/// What a command returns: `Ok(false)` when it ran and found something that needs attention
/// (exit 1), `Err` when it could not run.
pub type Outcome = Result<bool, String>;

/// A deployed stack, or the local stack in an emulator, and the template that defines it.
#[derive(clap::Args)]
pub struct StackArgs {
    /// The deployed stack's name (its queues are named `<stack>-<queue>`). Without it: the
    /// local stack (`local-stack`) in the emulator at --endpoint.
    #[arg(long, env = "MIDDESK_STACK_NAME")]
    pub stack_name: Option<String>,
    /// An AWS emulator's endpoint; AWS itself when absent.
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub endpoint: Option<String>,
    /// The SAM template that defines the stack.
    #[arg(long, default_value = "template.yaml")]
    pub template: PathBuf,
}

impl StackArgs {
    /// The template's text and model.
    pub fn model(&self) -> Result<(String, template::TemplateModel), String> {
        let text = std::fs::read_to_string(&self.template)
            .map_err(|e| format!("{}: {e}", self.template.display()))?;
        let model = template::parse_template(&text)?;
        Ok((text, model))
    }

    /// The AWS configuration for a deployed stack (the usual configuration: profile, region;
    /// an emulator's endpoint if given), or for the local stack in the emulator at --endpoint.
    pub async fn aws(&self) -> Result<aws_config::SdkConfig, String> {
        match (&self.stack_name, &self.endpoint) {
            (Some(_), endpoint) => {
                let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
                if let Some(endpoint) = endpoint {
                    loader = loader.endpoint_url(endpoint);
                }
                Ok(loader.load().await)
            }
            (None, Some(endpoint)) => Ok(middesk_webhooks::aws::emulator_sdk_config(endpoint).await),
            (None, None) => {
                Err("pass --stack-name for a deployed stack, or --endpoint for the local stack".into())
            }
        }
    }
}

/// Whose buckets a command reads and writes: S3 refuses a bucket of any other account.
#[derive(clap::Args)]
pub struct BucketOwnerArgs {
    /// The AWS account that owns the stack's buckets (12 digits). Default: the account of the
    /// credentials. S3 refuses a bucket of any other account, so a wrong name reads nothing.
    #[arg(long)]
    pub expected_bucket_owner: Option<String>,
}

impl BucketOwnerArgs {
    /// An S3 client whose every request names the expected owner.
    pub async fn s3(&self, aws: &aws_config::SdkConfig) -> Result<aws_sdk_s3::Client, String> {
        let owner = match &self.expected_bucket_owner {
            Some(owner) => owner.clone(),
            None => {
                let identity =
                    aws_sdk_sts::Client::new(aws).get_caller_identity().send().await.map_err(|e| {
                        format!(
                            "the account of the credentials (or pass --expected-bucket-owner): {}",
                            aws_sdk_sts::error::DisplayErrorContext(&e)
                        )
                    })?;
                identity.account.ok_or("STS named no account: pass --expected-bucket-owner")?
            }
        };
        middesk_webhooks::aws::s3_client_for_owner(aws, &owner)
            .map_err(|e| format!("--expected-bucket-owner: {e}"))
    }
}

/// The local stack in an AWS emulator, and the template that defines it.
#[derive(clap::Args)]
pub struct LocalArgs {
    /// The AWS emulator's endpoint.
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub endpoint: String,
    /// The SAM template that defines the stack.
    #[arg(long, default_value = "template.yaml")]
    pub template: PathBuf,
}

impl LocalArgs {
    /// The template's model.
    pub fn model(&self) -> Result<template::TemplateModel, String> {
        let text = std::fs::read_to_string(&self.template)
            .map_err(|e| format!("{}: {e}", self.template.display()))?;
        template::parse_template(&text)
    }

    /// The emulator's AWS configuration.
    pub async fn aws(&self) -> aws_config::SdkConfig {
        middesk_webhooks::aws::emulator_sdk_config(&self.endpoint).await
    }

    /// An SQS client of the emulator.
    pub async fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.aws().await)
    }

    /// The URL of the local stack's queue `logical_id`.
    pub async fn queue_url(&self, sqs: &aws_sdk_sqs::Client, logical_id: &str) -> Result<String, String> {
        let out = sqs.get_queue_url().queue_name(logical_id).send().await;
        out.map_err(|e| format!("queue {logical_id} (run local-stack first): {e}"))
            .map(|o| o.queue_url.unwrap_or_default())
    }
}
