//! Moving events back into the queues: `redrive` (dead letters) and `replay` (the archive).

use std::time::SystemTime;

use clap::ValueEnum;
use middesk_webhooks_cli::{local, redrive, replay};

use super::{BucketOwnerArgs, Outcome, StackArgs};

#[derive(Clone, Copy, ValueEnum)]
pub enum RedriveMethod {
    Auto,
    MoveTask,
    Copy,
}

#[derive(clap::Args)]
pub struct Redrive {
    /// The dead-letter queue: URL or name.
    queue: String,
    /// Where to move them: URL or name (default: the queue whose redrive policy names the
    /// dead-letter queue).
    #[arg(long)]
    to: Option<String>,
    /// Only show how many messages would move, and where.
    #[arg(long)]
    dry_run: bool,
    /// `move-task` (SQS moves them, in the background), `copy` (this command moves them),
    /// or `auto`: copy with a custom endpoint (emulators lack move tasks), else move-task.
    #[arg(long, value_enum, default_value = "auto")]
    method: RedriveMethod,
}

impl Redrive {
    pub async fn run(self) -> Outcome {
        // The usual AWS configuration (profile, region; AWS_ENDPOINT_URL for an emulator).
        let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let sqs = aws_sdk_sqs::Client::new(&aws);
        let dead_letters = redrive::queue_url(&sqs, &self.queue).await?;
        let destination = match &self.to {
            Some(to) => redrive::queue_url(&sqs, to).await?,
            None => redrive::source_queue(&sqs, &dead_letters).await?,
        };
        let waiting = redrive::waiting(&sqs, &dead_letters).await?;
        println!("{waiting} message(s) in {dead_letters}\n  -> {destination}");
        if self.dry_run {
            println!("dry run: nothing moved");
            return Ok(true);
        }
        let copy = match self.method {
            RedriveMethod::Copy => true,
            RedriveMethod::MoveTask => false,
            RedriveMethod::Auto => std::env::var_os("AWS_ENDPOINT_URL").is_some(),
        };
        if !copy {
            let task = redrive::start_move_task(&sqs, &dead_letters, &destination).await?;
            println!("SQS message move task started: {task}");
            println!(
                "follow it with: aws sqs list-message-move-tasks --source-arn <the dead-letter queue's ARN>"
            );
            return Ok(true);
        }
        let report = redrive::copy_back(&sqs, &dead_letters, &destination).await;
        // The report first, even when the run stopped: what moved stays moved.
        println!(
            "moved {}; not sent (still in the dead-letter queue) {}; sent but not deleted (will be sent again by a later redrive) {}",
            report.moved, report.not_sent, report.sent_not_deleted
        );
        if let Some(error) = &report.stopped {
            return Err(format!("stopped: {error}; nothing unsent was deleted, run redrive again"));
        }
        if !report.complete() {
            return Err("some messages were not moved; run redrive again".into());
        }
        Ok(true)
    }
}

#[derive(clap::Args)]
pub struct Replay {
    /// Events created at or after this time (RFC 3339, e.g. 2026-11-01T00:00:00Z); with
    /// --refused, requests received at or after it.
    #[arg(long)]
    since: String,
    /// Check the kept refusals again (the archive bucket's refused/ prefix) with the verifier's
    /// configuration and secrets of today: what passes is queued and archived, what fails stays.
    #[arg(long, conflicts_with_all = ["types", "to"])]
    refused: bool,
    /// With --refused: only this outcome (signature_mismatch, account_not_listed,
    /// account_missing, event_too_old, payload_too_large); repeatable.
    #[arg(long = "reason", requires = "refused")]
    reasons: Vec<String>,
    /// With --refused on a deployed stack: the verifier function, whose environment is the
    /// configuration of today (the stack's VerifierFunctionName output).
    #[arg(long, requires = "refused")]
    verifier_function: Option<String>,
    /// Events created at or before this time (RFC 3339); default: now.
    #[arg(long)]
    until: Option<String>,
    /// Only this type (`business.updated`) or family (`registration_request.*`); repeatable.
    #[arg(long = "type")]
    types: Vec<String>,
    /// Send every event to this queue (URL or name) instead of its routed queues: e.g. a new
    /// consumer's queue that needs history.
    #[arg(long)]
    to: Option<String>,
    /// Count what would be sent; read and send nothing.
    #[arg(long)]
    dry_run: bool,
    /// The archive bucket (the stack's ArchiveBucketName output; the local stack's by default).
    #[arg(long, env = "ARCHIVE_BUCKET")]
    archive_bucket: Option<String>,
    /// The payload bucket for bodies too large for SQS (the stack's PayloadBucketName output;
    /// the local stack's by default).
    #[arg(long, env = "PAYLOAD_BUCKET")]
    payload_bucket: Option<String>,
    #[command(flatten)]
    owner: BucketOwnerArgs,
    #[command(flatten)]
    stack: StackArgs,
}

impl Replay {
    pub async fn run(self) -> Outcome {
        let time = |text: &str| {
            middesk_webhooks::envelope::parse_rfc3339(text)
                .ok_or_else(|| format!("{text:?} is not an RFC 3339 date-time (e.g. 2026-11-01T00:00:00Z)"))
        };
        let now = SystemTime::now();
        let selection = replay::Selection {
            since: time(&self.since)?,
            until: self.until.as_deref().map(time).transpose()?.unwrap_or(now),
            types: self.types.clone(),
        };
        let (_, model) = self.stack.model()?;
        let stack_name = self.stack.stack_name.as_deref();
        let local = stack_name.is_none();
        let aws = self.stack.aws().await?;
        if self.refused {
            return refused(&self, &model, &aws, selection.since, selection.until).await;
        }
        let (sqs, s3) = (aws_sdk_sqs::Client::new(&aws), self.owner.s3(&aws).await?);
        let bucket_of = |given: Option<String>, logical_id: Option<&String>| {
            given.or_else(|| logical_id.filter(|_| local).map(|id| local::local_bucket_name(id)))
        };
        let archive = bucket_of(self.archive_bucket, model.archive_bucket.as_ref())
            .ok_or("pass --archive-bucket (the stack's ArchiveBucketName output)")?;
        let payloads = bucket_of(self.payload_bucket, model.payload_bucket.as_ref().map(|(id, _)| id));
        let sqs_name = |logical_id: &str| {
            let queue = model.queues.get(logical_id);
            queue.map_or_else(|| logical_id.to_owned(), |q| q.sqs_name(stack_name))
        };
        let destination = match &self.to {
            Some(queue) => replay::Destination::To(middesk_webhooks::Queue::resolve(
                &redrive::queue_url(&sqs, queue).await?,
                None,
            )?),
            None => {
                let mut routes = Vec::new();
                for (pattern, logical_ids) in &model.routes {
                    let mut urls = Vec::new();
                    for logical_id in logical_ids {
                        urls.push(redrive::queue_url(&sqs, &sqs_name(logical_id)).await?);
                    }
                    routes.push(format!("{pattern}={}", urls.join("+")));
                }
                let catch_all = redrive::queue_url(&sqs, &sqs_name(&model.catch_all)).await?;
                let router =
                    middesk_webhooks::QueueRouter::parse("ROUTES", &routes.join(","), &catch_all, None)
                        .map_err(|e| e.to_string())?;
                replay::Destination::Routed(router)
            }
        };
        let found = replay::find(&s3, &archive, &selection).await?;
        let publisher = middesk_webhooks::verify::publisher::ClaimCheckPublisher::new(
            middesk_webhooks::aws::SqsPublisher::new(sqs.clone()),
            payloads.map(|bucket| {
                (middesk_webhooks::aws::S3Payloads::new(s3.clone(), bucket), "payloads/".to_owned())
            }),
            middesk_webhooks::message::SQS_MAX_MESSAGE_BYTES,
        );
        let dry_run = self.dry_run;
        let report = replay::send(&s3, &archive, &found, &destination, &publisher, dry_run, now).await;
        let verb = if dry_run { "would send" } else { "sent" };
        println!("found {}, {verb} {}, failed {}", report.found, report.sent, report.failed.len());
        for (key, error) in &report.failed {
            println!("  not sent: {key}: {error}");
        }
        if !report.failed.is_empty() {
            return Err("some events were not sent; run the same replay again".into());
        }
        Ok(true)
    }
}

/// `replay --refused`: the verifier of today, from the deployed function's environment or the
/// local stack's, checks each kept refusal again.
async fn refused(
    args: &Replay,
    model: &middesk_webhooks_cli::template::TemplateModel,
    aws: &aws_config::SdkConfig,
    since: SystemTime,
    until: SystemTime,
) -> Outcome {
    let environment: std::collections::HashMap<String, String> = match (
        &args.verifier_function,
        &args.stack.stack_name,
    ) {
        (Some(function), _) => {
            let lambda = aws_sdk_lambda::Client::new(aws);
            let configuration =
                lambda.get_function_configuration().function_name(function).send().await.map_err(|e| {
                    format!(
                        "reading {function}'s configuration: {}",
                        aws_sdk_lambda::error::DisplayErrorContext(&e)
                    )
                })?;
            configuration.environment.and_then(|e| e.variables).unwrap_or_default()
        }
        (None, Some(_)) => {
            return Err("pass --verifier-function (the stack's VerifierFunctionName output): its environment is the configuration the refusals are checked with".into());
        }
        (None, None) => {
            let endpoint = aws.endpoint_url().unwrap_or_default().to_owned();
            let stack = local::create_local_stack(aws, &endpoint, model, None).await?;
            stack.env.into_iter().collect()
        }
    };
    let config = middesk_webhooks::VerifierConfig::from_lookup(|name| environment.get(name).cloned())
        .map_err(|e| format!("the verifier's configuration: {e}"))?;
    // Only the verifier's own bucket: records anywhere else were not written by this verifier,
    // and their attested methods would be trusted.
    let bucket =
        config.archive_bucket.clone().ok_or("the verifier has no ARCHIVE_BUCKET: nothing was kept")?;
    if let Some(given) = args.archive_bucket.as_ref().filter(|given| **given != bucket) {
        return Err(format!(
            "--archive-bucket {given} is not the verifier's ARCHIVE_BUCKET ({bucket}): refusals are checked only where the verifier kept them"
        ));
    }
    let s3 = args.owner.s3(aws).await?;
    let verifier = middesk_webhooks::aws::build_verifier(
        &config,
        aws_sdk_secretsmanager::Client::new(aws),
        aws_sdk_sqs::Client::new(aws),
        s3.clone(),
    );
    let selection = replay::RefusedSelection { since, until, reasons: args.reasons.clone() };
    let report = replay::replay_refused(&s3, &bucket, &selection, &verifier, args.dry_run).await?;
    let verb = if args.dry_run { "would check" } else { "delivered" };
    println!(
        "found {}, {verb} {}, already delivered {}, refused again {}, failed {}",
        report.found,
        report.delivered.len(),
        report.already_delivered.len(),
        report.refused.len(),
        report.failed.len()
    );
    for key in &report.already_delivered {
        println!("  already delivered (its record deleted, nothing queued): {key}");
    }
    for (key, outcome) in &report.refused {
        println!("  refused again: {key}: {outcome}");
    }
    for (key, error) in &report.failed {
        println!("  failed: {key}: {error}");
    }
    if !report.failed.is_empty() {
        return Err("some refusals were not checked; run the same replay again".into());
    }
    Ok(true)
}
