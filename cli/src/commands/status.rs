//! `status`: every queue of a stack in one table.

use middesk_webhooks::aws::watch;
use std::time::Duration;

use middesk_webhooks::watch::{KnownConsumers, QueueToCheck, Thresholds};
use middesk_webhooks_cli::template;

use super::{Outcome, StackArgs};

#[derive(clap::Args)]
pub struct Status {
    #[command(flatten)]
    stack: StackArgs,
    /// The age of an oldest message that needs attention, in seconds (default: the
    /// template's QueueAgeAlarmSeconds).
    #[arg(long)]
    max_age_seconds: Option<u64>,
    /// The age of an oldest dead letter that needs redriving before it expires, in seconds
    /// (default: the template's DeadLetterAgeAlarmSeconds).
    #[arg(long)]
    max_dead_letter_age_seconds: Option<u64>,
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
        let max_dead_letter_age = self
            .max_dead_letter_age_seconds
            .or_else(|| template::parameter_default(&text, "DeadLetterAgeAlarmSeconds"))
            .ok_or(
                "the template has no DeadLetterAgeAlarmSeconds default; pass --max-dead-letter-age-seconds",
            )?;
        let aws = self.stack.aws().await?;
        let naming = self.stack.stack_name.as_deref();
        let queues: Vec<QueueToCheck> = model
            .main_queues()
            .into_iter()
            .map(|(name, queue)| QueueToCheck { sqs_name: queue.sqs_name(naming), label: name })
            .collect();
        let prefix = naming.map(|stack| format!("{stack}-"));
        let sqs = aws_sdk_sqs::Client::new(&aws);
        // The deployed stack's queues in one ListQueues; the local stack's by name.
        let urls = match &prefix {
            Some(prefix) => watch::queue_urls(&sqs, prefix).await.unwrap_or_default(),
            None => Default::default(),
        };
        let scope = watch::Scope {
            queues: &queues,
            urls: &urls,
            alarm_prefix: prefix.as_deref(),
            thresholds: Thresholds {
                message_age: Duration::from_secs(max_age),
                dead_letter_age: Duration::from_secs(max_dead_letter_age),
            },
            // A deployed stack's report is incomplete without ages and alarms; the local
            // stack's emulator has no CloudWatch to read.
            cloudwatch_required: naming.is_some(),
        };
        let cloudwatch = watch::CloudWatch(aws_sdk_cloudwatch::Client::new(&aws));
        let now = std::time::SystemTime::now();
        let report = match naming {
            // Deployed: Lambda's event source mappings say who consumes a queue.
            Some(_) => {
                let lambda = aws_sdk_lambda::Client::new(&aws);
                let consumers = watch::LambdaMappings { lambda, elsewhere: Vec::new() };
                watch::collect(&sqs, &cloudwatch, &consumers, &scope, now).await
            }
            // Locally, the template's subscriptions (the consumers `cargo lambda watch` runs).
            None => {
                let subscribed = model.subscriptions.iter().map(|s| s.queue.clone()).collect();
                watch::collect(&sqs, &cloudwatch, &KnownConsumers(subscribed), &scope, now).await
            }
        };
        match self.json {
            true => println!("{:#}", report.to_json()),
            false => print!("{}", report.table()),
        }
        Ok(report.attention().is_empty())
    }
}
