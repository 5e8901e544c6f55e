//! The Middesk side: `middesk show|register|sync`.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use middesk_webhooks::middesk::api::{ApiKey, MiddeskApi, WebhookSpec};
use middesk_webhooks_cli::{middesk, template};

use super::Outcome;

#[derive(Subcommand)]
pub enum Middesk {
    /// Print the webhook that delivers to the stack (never its secret); exits 1 if there is
    /// none, it is disabled, or it differs from the stack.
    Show {
        #[command(flatten)]
        args: MiddeskArgs,
    },
    /// Create the webhook, or update it, with the stack's signing secret and event types.
    Register {
        #[command(flatten)]
        args: MiddeskArgs,
        /// The Secrets Manager secret holding the signing secret (the stack's SigningSecretArn).
        #[arg(long, env = "MIDDESK_SECRET_ID")]
        secret_id: String,
        /// Print what would change; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Bring an existing webhook's event types, URL and state in line with the stack (the
    /// secret is left alone: the rotator owns it).
    Sync {
        #[command(flatten)]
        args: MiddeskArgs,
        /// Print what would change; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum EventSelection {
    /// `*`: every type, including those Middesk adds later (they reach the catch-all).
    All,
    /// The documented types the template's routes name.
    Routes,
}

#[derive(clap::Args)]
pub struct MiddeskArgs {
    /// The stack's WebhookUrl output: the webhook is found by it.
    #[arg(long, env = "WEBHOOK_URL")]
    webhook_url: String,
    /// The API key's Secrets Manager secret (plain, or JSON {"api_key": "…"}); otherwise
    /// MIDDESK_API_KEY.
    #[arg(long)]
    api_key_secret_id: Option<String>,
    /// Middesk's API: production by default, https://api-sandbox.middesk.com with an mk_test_ key.
    #[arg(long, env = "MIDDESK_API_URL", default_value = middesk_webhooks::middesk::api::PRODUCTION_URL)]
    api_url: String,
    /// Which types to ask Middesk for.
    #[arg(long, value_enum, default_value = "all")]
    events: EventSelection,
    /// The associations Middesk includes in payloads (`identifiers` for ids only); Middesk's
    /// default (all) when absent.
    #[arg(long)]
    include: Option<String>,
    /// The SAM template whose routes `--events routes` reads.
    #[arg(long, default_value = "template.yaml")]
    template: PathBuf,
}

impl MiddeskArgs {
    /// The API client, the webhook the stack wants, and the AWS configuration (the usual one;
    /// AWS_ENDPOINT_URL for an emulator).
    async fn open(&self) -> Result<(MiddeskApi, WebhookSpec, aws_config::SdkConfig), String> {
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let key = match &self.api_key_secret_id {
            Some(id) => {
                ApiKey::from_secret_string(&secret_string(&aws, id).await?).map_err(|e| e.to_string())?
            }
            None => std::env::var("MIDDESK_API_KEY")
                .ok()
                .and_then(|k| ApiKey::new(&k))
                .ok_or("set MIDDESK_API_KEY, or pass --api-key-secret-id")?,
        };
        let api = MiddeskApi::new(&self.api_url, key).map_err(|e| e.to_string())?;
        let routes = match self.events {
            EventSelection::All => Vec::new(),
            EventSelection::Routes => {
                let text = std::fs::read_to_string(&self.template)
                    .map_err(|e| format!("{}: {e}", self.template.display()))?;
                template::parse_template(&text)?.routes.into_iter().map(|(pattern, _)| pattern).collect()
            }
        };
        let enabled_events = middesk::enabled_events(matches!(self.events, EventSelection::All), &routes);
        let spec =
            WebhookSpec { url: self.webhook_url.clone(), enabled_events, include: self.include.clone() };
        Ok((api, spec, aws))
    }
}

impl Middesk {
    pub async fn run(self) -> Outcome {
        let (args, action, secret_id, dry_run) = match self {
            Self::Show { args } => (args, middesk::Action::Show, None, true),
            Self::Register { args, secret_id, dry_run } => {
                (args, middesk::Action::Register, Some(secret_id), dry_run)
            }
            Self::Sync { args, dry_run } => (args, middesk::Action::Sync, None, dry_run),
        };
        let (api, spec, aws) = args.open().await?;
        let report = match &secret_id {
            Some(id) => {
                let store = middesk_webhooks::aws::SecretsManagerVersions::new(
                    aws_sdk_secretsmanager::Client::new(&aws),
                );
                middesk::register(&store, id, &api, &spec, dry_run).await?
            }
            None => middesk::run(&api, action, &spec, None, dry_run).await?,
        };
        for line in &report.lines {
            println!("{line}");
        }
        Ok(report.ok)
    }
}

/// The `AWSCURRENT` value of a Secrets Manager secret (the Middesk API key's).
async fn secret_string(aws: &aws_config::SdkConfig, secret_id: &str) -> Result<String, String> {
    let client = aws_sdk_secretsmanager::Client::new(aws);
    let output = client.get_secret_value().secret_id(secret_id).send().await;
    let output = output.map_err(|e| {
        format!("secret {secret_id}: {}", aws_sdk_secretsmanager::error::DisplayErrorContext(&e))
    })?;
    output.secret_string.ok_or_else(|| format!("secret {secret_id} has no SecretString"))
}
