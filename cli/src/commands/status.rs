//! `status`: every queue of a stack in one table.

use middesk_webhooks_cli::{status, template};

use super::{Outcome, StackArgs};

#[derive(clap::Args)]
pub struct Status {
    #[command(flatten)]
    stack: StackArgs,
    /// The age of an oldest message that needs attention, in seconds (default: the
    /// template's QueueAgeAlarmSeconds).
    #[arg(long)]
    max_age_seconds: Option<u64>,
    /// Print JSON (with an `attention` list) instead of the table.
    #[arg(long)]
    json: bool,
}

impl Status {
    pub async fn run(self) -> Outcome {
        let (text, model) = self.stack.model()?;
        let max_age = self
            .max_age_seconds
            .or_else(|| template::parameter_default(&text, "QueueAgeAlarmSeconds"))
            .ok_or("the template has no QueueAgeAlarmSeconds default; pass --max-age-seconds")?;
        let aws = self.stack.aws().await?;
        let naming = self.stack.stack_name.as_deref();
        let queues: Vec<status::QueueToCheck> = model
            .main_queues()
            .into_iter()
            .map(|(name, queue)| status::QueueToCheck { sqs_name: queue.sqs_name(naming), label: name })
            .collect();
        let prefix = naming.map(|stack| format!("{stack}-"));
        let report = status::collect(
            &aws_sdk_sqs::Client::new(&aws),
            &status::CloudWatch(aws_sdk_cloudwatch::Client::new(&aws)),
            &queues,
            prefix.as_deref(),
            std::time::Duration::from_secs(max_age),
            std::time::SystemTime::now(),
            // A deployed stack's report is incomplete without ages and alarms; the local
            // stack's emulator has no CloudWatch to read.
            naming.is_some(),
        )
        .await;
        match self.json {
            true => println!("{:#}", report.to_json()),
            false => print!("{}", report.table()),
        }
        Ok(report.attention().is_empty())
    }
}
