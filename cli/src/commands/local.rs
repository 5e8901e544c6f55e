//! The local stack in an AWS emulator: `local-stack`, `show-queues`, `pump`.

use std::path::PathBuf;

use middesk_webhooks::verify::sample::TEST_SECRET;
use middesk_webhooks_cli::{local, redrive};

use super::{LocalArgs, Outcome};

#[derive(clap::Args)]
pub struct LocalStack {
    #[command(flatten)]
    local: LocalArgs,
    /// The signing secret to store.
    #[arg(long, short = 's', default_value = TEST_SECRET)]
    secret: String,
    /// Where to write the environment file.
    #[arg(long, default_value = ".local/functions.env")]
    env_file: PathBuf,
}

impl LocalStack {
    pub async fn run(self) -> Outcome {
        let Self { local, secret, env_file } = self;
        let model = local.model()?;
        let stack =
            local::create_local_stack(&local.aws().await, &local.endpoint, &model, Some(&secret)).await?;
        if let Some(parent) = env_file.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        let env: String = stack.env.iter().map(|(k, v)| format!("{k}=\"{v}\"\n")).collect();
        std::fs::write(&env_file, env).map_err(|e| format!("{}: {e}", env_file.display()))?;
        let dead_letters = model.queues.values().filter(|q| q.dead_letter.is_some()).count();
        println!(
            "created from {}: secret {}, {} queues with {} dead-letter queues, {} routes, table(s) {:?}",
            local.template.display(),
            local::LOCAL_SECRET_ID,
            dead_letters,
            model.queues.len() - dead_letters,
            model.routes.len(),
            model.tables.iter().map(|(t, _)| t).collect::<Vec<_>>(),
        );
        println!("environment written to {}", env_file.display());
        Ok(true)
    }
}

#[derive(clap::Args)]
pub struct ShowQueues {
    #[command(flatten)]
    local: LocalArgs,
}

impl ShowQueues {
    pub async fn run(self) -> Outcome {
        let local = self.local;
        let model = local.model()?;
        let sqs = local.sqs().await;
        for id in model.queues.keys() {
            let url = local.queue_url(&sqs, id).await?;
            for m in local::peek(&sqs, &url).await? {
                println!("  {id:<44} {:<36} {}", m.event_type, m.event_id.as_deref().unwrap_or("-"));
            }
        }
        Ok(true)
    }
}

#[derive(clap::Args)]
pub struct Pump {
    #[command(flatten)]
    local: LocalArgs,
    /// Base URL of the Lambda invoke API (`cargo lambda watch`).
    #[arg(long, default_value = "http://127.0.0.1:9000")]
    invoke_url: String,
}

impl Pump {
    pub async fn run(self) -> Outcome {
        let Self { local, invoke_url } = self;
        let model = local.model()?;
        let sqs = local.sqs().await;
        for s in &model.subscriptions {
            let url = local.queue_url(&sqs, &s.queue).await?;
            let arn = redrive::queue_arn(&sqs, &url).await?;
            for d in local::pump(&sqs, &url, &arn, &invoke_url, &s.binary).await? {
                let outcome = if d.processed { "processed" } else { "failed (stays queued for retry / DLQ)" };
                println!(
                    "  {:<20} {:<28} {:<38} {outcome}",
                    s.binary,
                    d.message.event_type,
                    d.message.event_id.as_deref().unwrap_or("-")
                );
            }
        }
        Ok(true)
    }
}
