//! `middesk-webhooks`: sign payloads, write API Gateway events, send signed sample webhooks
//! (like `stripe trigger`), regenerate `events/`, and run the local stack.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use middesk_webhooks::sample::{self, GatewayShape, TEST_SECRET};
use middesk_webhooks_cli::{events, local, middesk, redrive, replay, status, template};

#[derive(Parser)]
#[command(name = "middesk-webhooks", version, about = "Tools for Middesk webhooks on AWS", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Shape {
    /// API Gateway HTTP API (payload format 2.0).
    Http,
    /// API Gateway REST API (payload format 1.0).
    Rest,
    /// Lambda function URL.
    Url,
}

impl From<Shape> for GatewayShape {
    fn from(s: Shape) -> Self {
        match s {
            Shape::Http => GatewayShape::HttpV2,
            Shape::Rest => GatewayShape::RestV1,
            Shape::Url => GatewayShape::FunctionUrl,
        }
    }
}

#[derive(clap::Args)]
struct PayloadArgs {
    /// A documented event type whose sample payload to use (see `types`).
    #[arg(long = "type", short = 't', default_value = "business.updated", conflicts_with = "payload")]
    event_type: String,
    /// A file with the exact payload bytes to use instead of a sample.
    #[arg(long, short = 'p')]
    payload: Option<PathBuf>,
    /// The signing secret (for a deployed stack: the value in its Secrets Manager secret).
    #[arg(long, short = 's', env = "MIDDESK_WEBHOOK_SECRET", default_value = TEST_SECRET, hide_env_values = true)]
    secret: String,
}

impl PayloadArgs {
    fn body(&self) -> Result<Vec<u8>, String> {
        match &self.payload {
            Some(path) => std::fs::read(path).map_err(|e| format!("{}: {e}", path.display())),
            // A sample is stamped with the current time, so that a deployed verifier's replay
            // window (MAX_EVENT_AGE_SECONDS) accepts it; a --payload file is sent as it is.
            None => sample::sample_payload(&self.event_type)
                .map(|p| sample::created_now(p, std::time::SystemTime::now()))
                .ok_or_else(|| format!("no sample for {:?}; see `middesk-webhooks types`", self.event_type)),
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Print the X-Middesk-Signature-256 value for a payload (a file, or standard input).
    Sign {
        /// The payload file; standard input if omitted.
        file: Option<PathBuf>,
        /// The signing secret.
        #[arg(long, short = 's', env = "MIDDESK_WEBHOOK_SECRET", hide_env_values = true)]
        secret: String,
    },
    /// Print an API Gateway request event carrying a signed payload (for `cargo lambda invoke`).
    Event {
        #[command(flatten)]
        payload: PayloadArgs,
        /// The event shape.
        #[arg(long, value_enum, default_value = "http")]
        shape: Shape,
        /// Base64-encode the body, as API Gateway does for binary media types.
        #[arg(long)]
        base64: bool,
        /// Leave the signature header out.
        #[arg(long)]
        unsigned: bool,
    },
    /// Send a signed sample webhook to a URL (a deployed stack, or the local demo).
    Send {
        /// The webhook URL, e.g. the stack's WebhookUrl output.
        #[arg(long, short = 'u')]
        url: String,
        #[command(flatten)]
        payload: PayloadArgs,
        /// Sign with a wrong secret, to see the request refused.
        #[arg(long)]
        forge: bool,
    },
    /// List the documented event types: each has a sample payload; with its default queue and
    /// where Middesk documents it.
    Types,
    /// Regenerate the sample events in events/ (or check that they are up to date).
    GenerateEvents {
        /// The events directory.
        #[arg(long, default_value = "events")]
        dir: PathBuf,
        /// Only check; exit 1 if a file is missing or stale.
        #[arg(long)]
        check: bool,
    },
    /// Rewrite the parts of template.yaml made from the event catalogue (queues, alarms, routes,
    /// the verifier's queue grants, outputs), or check that they are up to date.
    GenerateTemplate {
        /// The template.
        #[arg(long, default_value = "template.yaml")]
        template: PathBuf,
        /// Only check; exit 1 if the template is stale.
        #[arg(long)]
        check: bool,
    },
    /// Create the secret, queues and table that template.yaml defines in an AWS emulator, and
    /// write the functions' environment for `cargo lambda watch --env-file`.
    LocalStack {
        #[command(flatten)]
        local: LocalArgs,
        /// The signing secret to store.
        #[arg(long, short = 's', default_value = TEST_SECRET)]
        secret: String,
        /// Where to write the environment file.
        #[arg(long, default_value = ".local/functions.env")]
        env_file: PathBuf,
    },
    /// Show the messages waiting in each queue of the local stack.
    ShowQueues {
        #[command(flatten)]
        local: LocalArgs,
    },
    /// Move the messages of a dead-letter queue back to the queue they came from (once the
    /// consumer is fixed). On AWS: SQS's message move task; with an emulator endpoint: a copy
    /// that deletes each message only after it was sent.
    Redrive {
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
    },
    /// One table of every queue of a stack: messages waiting, in flight, age of the oldest,
    /// dead letters, and the state of its alarms. Exits 1 when anything needs attention (dead
    /// letters, an old message, an alarm in ALARM, a queue that cannot be read), for cron or CI.
    Status {
        #[command(flatten)]
        stack: StackArgs,
        /// The age of an oldest message that needs attention, in seconds (default: the
        /// template's QueueAgeAlarmSeconds).
        #[arg(long)]
        max_age_seconds: Option<u64>,
        /// Print JSON (with an `attention` list) instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// Send archived events again, as the verifier sent them (same body and attributes, a claim
    /// check for large bodies, the same FIFO group): to their routed queues, or to --to. Prints
    /// what it found, sent and could not send; run it again after a failure (consumers absorb
    /// the repeats).
    Replay {
        /// Events created at or after this time (RFC 3339, e.g. 2026-11-01T00:00:00Z).
        #[arg(long)]
        since: String,
        /// Events created at or before this time (RFC 3339); default: now.
        #[arg(long)]
        until: Option<String>,
        /// Only this type (`business.updated`) or family (`registration_request.*`); repeatable.
        #[arg(long = "type")]
        types: Vec<String>,
        /// Send every event to this queue (URL or name) instead of its routed queue: e.g. a new
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
        stack: StackArgs,
    },
    /// The Middesk side: show, register or sync the webhook that delivers to the stack.
    Middesk {
        #[command(subcommand)]
        action: MiddeskAction,
    },
    /// Deliver queued messages to the subscribed consumers under `cargo lambda watch`, as the
    /// SQS event source mapping would, and show what they did.
    Pump {
        #[command(flatten)]
        local: LocalArgs,
        /// Base URL of the Lambda invoke API (`cargo lambda watch`).
        #[arg(long, default_value = "http://127.0.0.1:9000")]
        invoke_url: String,
    },
}

#[derive(Subcommand)]
enum MiddeskAction {
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
enum EventSelection {
    /// `*`: every type, including those Middesk adds later (they reach the catch-all).
    All,
    /// The documented types the template's routes name.
    Routes,
}

#[derive(clap::Args)]
struct MiddeskArgs {
    /// The stack's WebhookUrl output: the webhook is found by it.
    #[arg(long, env = "WEBHOOK_URL")]
    webhook_url: String,
    /// The API key's Secrets Manager secret (plain, or JSON {"api_key": "…"}); otherwise
    /// MIDDESK_API_KEY.
    #[arg(long)]
    api_key_secret_id: Option<String>,
    /// Middesk's API: production by default, https://api-sandbox.middesk.com with an mk_test_ key.
    #[arg(long, env = "MIDDESK_API_URL", default_value = middesk_webhooks::middesk_api::PRODUCTION_URL)]
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
    async fn open(
        &self,
    ) -> Result<
        (
            middesk_webhooks::middesk_api::HttpWebhooksApi,
            middesk_webhooks::middesk_api::WebhookSpec,
            aws_config::SdkConfig,
        ),
        String,
    > {
        use middesk_webhooks::middesk_api::{ApiKey, HttpWebhooksApi, WebhookSpec};
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
        let api = HttpWebhooksApi::new(&self.api_url, key).map_err(|e| e.to_string())?;
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

/// The `AWSCURRENT` value of a Secrets Manager secret (the Middesk API key's).
async fn secret_string(aws: &aws_config::SdkConfig, secret_id: &str) -> Result<String, String> {
    let client = aws_sdk_secretsmanager::Client::new(aws);
    let output = client.get_secret_value().secret_id(secret_id).send().await;
    let output = output.map_err(|e| {
        format!("secret {secret_id}: {}", aws_sdk_secretsmanager::error::DisplayErrorContext(&e))
    })?;
    output.secret_string.ok_or_else(|| format!("secret {secret_id} has no SecretString"))
}

/// The signing secret `register` gives Middesk ([`middesk::version_for_middesk`]): labelled
/// `MIDDESK_SIGNING` first (unless `dry_run`), as the rotator's setSecret labels it, so that the
/// verifier accepts it whatever becomes of a rotation under way.
async fn secret_for_middesk(
    aws: &aws_config::SdkConfig,
    secret_id: &str,
    dry_run: bool,
) -> Result<String, String> {
    use middesk_webhooks::rotation::VersionStore as _;
    use middesk_webhooks::secret::GIVEN_TO_MIDDESK_STAGE;
    let store = middesk_webhooks::aws::SecretsManagerVersions::new(aws_sdk_secretsmanager::Client::new(aws));
    let failed = |e: String| format!("secret {secret_id}: {e}");
    let description = store.describe(secret_id).await.map_err(failed)?;
    let (id, why) = middesk::version_for_middesk(&description)
        .ok_or_else(|| format!("secret {secret_id} has no AWSCURRENT version"))?;
    let version = store.by_id(secret_id, id).await.map_err(failed)?.ok_or_else(|| {
        format!("secret {secret_id}: version {id} ({why}) has no value yet; run register again when it has")
    })?;
    let secret =
        middesk_webhooks::secret::parse_secret_text(&version.value).map_err(|e| failed(e.to_string()))?;
    eprintln!("secret: {why} ({id})");
    let holder = description.version_with(GIVEN_TO_MIDDESK_STAGE);
    if !dry_run && holder != Some(id) {
        store.move_stage(secret_id, GIVEN_TO_MIDDESK_STAGE, Some(id), holder).await.map_err(|e| {
            format!("secret {secret_id}: could not label version {id} {GIVEN_TO_MIDDESK_STAGE} before giving it to Middesk: {e}")
        })?;
    }
    Ok(secret)
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum RedriveMethod {
    Auto,
    MoveTask,
    Copy,
}

/// A deployed stack, or the local stack in an emulator, and the template that defines it.
#[derive(clap::Args)]
struct StackArgs {
    /// The deployed stack's name (its queues are named `<stack>-<queue>`). Without it: the
    /// local stack (`local-stack`) in the emulator at --endpoint.
    #[arg(long, env = "MIDDESK_STACK_NAME")]
    stack_name: Option<String>,
    /// An AWS emulator's endpoint; AWS itself when absent.
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    endpoint: Option<String>,
    /// The SAM template that defines the stack.
    #[arg(long, default_value = "template.yaml")]
    template: PathBuf,
}

impl StackArgs {
    /// The template's text and model.
    fn model(&self) -> Result<(String, template::TemplateModel), String> {
        let text = std::fs::read_to_string(&self.template)
            .map_err(|e| format!("{}: {e}", self.template.display()))?;
        let model = template::parse_template(&text)?;
        Ok((text, model))
    }
}

#[derive(clap::Args)]
struct LocalArgs {
    /// The AWS emulator's endpoint.
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    endpoint: String,
    /// The SAM template that defines the stack.
    #[arg(long, default_value = "template.yaml")]
    template: PathBuf,
}

impl LocalArgs {
    fn model(&self) -> Result<template::TemplateModel, String> {
        let text = std::fs::read_to_string(&self.template)
            .map_err(|e| format!("{}: {e}", self.template.display()))?;
        template::parse_template(&text)
    }

    async fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&middesk_webhooks::testkit::sdk_config(&self.endpoint).await)
    }

    async fn queue_url(&self, sqs: &aws_sdk_sqs::Client, logical_id: &str) -> Result<String, String> {
        let out = sqs.get_queue_url().queue_name(logical_id).send().await;
        out.map_err(|e| format!("queue {logical_id} (run local-stack first): {e}"))
            .map(|o| o.queue_url.unwrap_or_default())
    }
}

/// The AWS configuration for a deployed stack (the usual configuration: profile, region; an
/// emulator's endpoint if given), or for the local stack in the emulator at `endpoint`.
async fn aws_for(stack_name: Option<&str>, endpoint: Option<&str>) -> Result<aws_config::SdkConfig, String> {
    match (stack_name, endpoint) {
        (Some(_), endpoint) => {
            let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
            if let Some(endpoint) = endpoint {
                loader = loader.endpoint_url(endpoint);
            }
            Ok(loader.load().await)
        }
        (None, Some(endpoint)) => Ok(middesk_webhooks::testkit::sdk_config(endpoint).await),
        (None, None) => {
            Err("pass --stack-name for a deployed stack, or --endpoint for the local stack".into())
        }
    }
}

fn send(url: &str, body: Vec<u8>, headers: &[(String, String)]) -> Result<(u16, String), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut request = agent.post(url);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let mut response = request.send(body).map_err(|e| format!("POST {url}: {e}"))?;
    let status = response.status().as_u16();
    Ok((status, response.body_mut().read_to_string().unwrap_or_default()))
}

/// Runs a command; `Ok(false)` when it ran and found something that needs attention.
async fn run(cli: Cli) -> Result<bool, String> {
    match cli.command {
        Command::Sign { file, secret } => {
            let mut body = Vec::new();
            match file {
                Some(path) => body = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?,
                None => {
                    std::io::stdin().read_to_end(&mut body).map_err(|e| e.to_string())?;
                }
            }
            println!("{}", middesk_webhooks::SigningKey::new(&secret).sign(&body));
        }
        Command::Event { payload, shape, base64, unsigned } => {
            let body = payload.body()?;
            let mut headers =
                sample::signed_headers(&payload.secret, &body, sample::correlation_id_of(&body).as_deref());
            if unsigned {
                headers.retain(|(n, _)| n != "X-Middesk-Signature-256");
            }
            let event = sample::gateway_event(shape.into(), "POST", &body, &headers, base64);
            println!("{}", serde_json::to_string_pretty(&event).map_err(|e| e.to_string())?);
        }
        Command::Send { url, payload, forge } => {
            let body = payload.body()?;
            let secret = if forge { "sec_forged_by_an_attacker" } else { payload.secret.as_str() };
            let headers = sample::signed_headers(secret, &body, sample::correlation_id_of(&body).as_deref());
            let event_type = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["type"].as_str().or(v["namespace"].as_str()).map(str::to_owned));
            let label = match (forge, event_type) {
                (true, t) => format!("forged {}", t.unwrap_or_default()),
                (false, t) => t.unwrap_or_else(|| "(not an event)".to_owned()),
            };
            let (status, response) = tokio::task::spawn_blocking(move || send(&url, body, &headers))
                .await
                .map_err(|e| e.to_string())??;
            println!("{status} {label:<36} {response}");
        }
        Command::Redrive { queue, to, dry_run, method } => {
            // The usual AWS configuration (profile, region; AWS_ENDPOINT_URL for an emulator).
            let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            let sqs = aws_sdk_sqs::Client::new(&aws);
            let dead_letters = redrive::queue_url(&sqs, &queue).await?;
            let destination = match to {
                Some(to) => redrive::queue_url(&sqs, &to).await?,
                None => redrive::source_queue(&sqs, &dead_letters).await?,
            };
            let waiting = redrive::waiting(&sqs, &dead_letters).await?;
            println!("{waiting} message(s) in {dead_letters}\n  -> {destination}");
            if dry_run {
                println!("dry run: nothing moved");
                return Ok(true);
            }
            let copy = match method {
                RedriveMethod::Copy => true,
                RedriveMethod::MoveTask => false,
                RedriveMethod::Auto => std::env::var_os("AWS_ENDPOINT_URL").is_some(),
            };
            if copy {
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
            } else {
                let task = redrive::start_move_task(&sqs, &dead_letters, &destination).await?;
                println!("SQS message move task started: {task}");
                println!(
                    "follow it with: aws sqs list-message-move-tasks --source-arn <the dead-letter queue's ARN>"
                );
            }
        }
        Command::Types => {
            let width = middesk_webhooks::DOCUMENTED_EVENT_TYPES.iter().map(|t| t.len()).max().unwrap_or(0);
            for e in middesk_webhooks::catalogue::CATALOGUE {
                println!("{:width$}  {:34}  {}", e.event_type, e.queue, e.documented_at);
            }
        }
        Command::GenerateEvents { dir, check } => {
            let mut stale = Vec::new();
            for file in events::event_files() {
                let path = dir.join(&file.path);
                let current = std::fs::read_to_string(&path).unwrap_or_default();
                if current == file.contents {
                    continue;
                }
                stale.push(file.path.clone());
                if !check {
                    std::fs::create_dir_all(path.parent().unwrap_or(&dir)).map_err(|e| e.to_string())?;
                    std::fs::write(&path, file.contents).map_err(|e| format!("{}: {e}", path.display()))?;
                }
            }
            match (check, stale.is_empty()) {
                (_, true) => println!("{} is up to date", dir.display()),
                (true, false) => return Err(format!("stale sample events: {stale:?}; run generate-events")),
                (false, false) => println!("wrote {} files in {}", stale.len(), dir.display()),
            }
        }
        Command::GenerateTemplate { template, check } => {
            let current =
                std::fs::read_to_string(&template).map_err(|e| format!("{}: {e}", template.display()))?;
            let generated = template::generated::regenerate(&current)?;
            match (check, generated == current) {
                (_, true) => println!("{} is up to date", template.display()),
                (true, false) => {
                    return Err(format!("{} is stale; run generate-template", template.display()));
                }
                (false, false) => {
                    std::fs::write(&template, generated)
                        .map_err(|e| format!("{}: {e}", template.display()))?;
                    println!("rewrote the generated parts of {}", template.display());
                }
            }
        }
        Command::LocalStack { local, secret, env_file } => {
            let model = local.model()?;
            let aws = middesk_webhooks::testkit::sdk_config(&local.endpoint).await;
            let stack = local::create_local_stack(&aws, &local.endpoint, &model, &secret).await?;
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
        }
        Command::ShowQueues { local } => {
            let model = local.model()?;
            let sqs = local.sqs().await;
            for id in model.queues.keys() {
                let url = local.queue_url(&sqs, id).await?;
                for m in local::peek(&sqs, &url).await? {
                    println!("  {id:<44} {:<36} {}", m.event_type, m.event_id.as_deref().unwrap_or("-"));
                }
            }
        }
        Command::Middesk { action } => {
            let (args, action, secret_id, dry_run) = match action {
                MiddeskAction::Show { args } => (args, middesk::Action::Show, None, true),
                MiddeskAction::Register { args, secret_id, dry_run } => {
                    (args, middesk::Action::Register, Some(secret_id), dry_run)
                }
                MiddeskAction::Sync { args, dry_run } => (args, middesk::Action::Sync, None, dry_run),
            };
            let (api, spec, aws) = args.open().await?;
            let secret = match &secret_id {
                Some(id) => Some(secret_for_middesk(&aws, id, dry_run).await?),
                None => None,
            };
            let report = middesk::run(&api, action, &spec, secret.as_deref(), dry_run).await?;
            for line in &report.lines {
                println!("{line}");
            }
            return Ok(report.ok);
        }
        Command::Status { stack, max_age_seconds, json } => {
            let (text, model) = stack.model()?;
            let StackArgs { stack_name, endpoint, .. } = stack;
            let max_age = max_age_seconds
                .or_else(|| template::parameter_default(&text, "QueueAgeAlarmSeconds"))
                .ok_or("the template has no QueueAgeAlarmSeconds default; pass --max-age-seconds")?;
            let aws = aws_for(stack_name.as_deref(), endpoint.as_deref()).await?;
            let naming = stack_name.as_deref();
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
            match json {
                true => println!("{:#}", report.to_json()),
                false => print!("{}", report.table()),
            }
            return Ok(report.attention().is_empty());
        }
        Command::Replay { since, until, types, to, dry_run, archive_bucket, payload_bucket, stack } => {
            let time = |text: &str| {
                middesk_webhooks::envelope::parse_rfc3339(text).ok_or_else(|| {
                    format!("{text:?} is not an RFC 3339 date-time (e.g. 2026-11-01T00:00:00Z)")
                })
            };
            let selection = replay::Selection {
                since: time(&since)?,
                until: until.as_deref().map(time).transpose()?.unwrap_or_else(std::time::SystemTime::now),
                types,
            };
            let (_, model) = stack.model()?;
            let StackArgs { stack_name, endpoint, .. } = stack;
            let local = stack_name.is_none();
            let aws = aws_for(stack_name.as_deref(), endpoint.as_deref()).await?;
            let (sqs, s3) = (aws_sdk_sqs::Client::new(&aws), middesk_webhooks::aws::s3_client(&aws));
            let bucket_of = |given: Option<String>, logical_id: Option<&String>| {
                given.or_else(|| logical_id.filter(|_| local).map(|id| local::local_bucket_name(id)))
            };
            let archive = bucket_of(archive_bucket, model.archive_bucket.as_ref())
                .ok_or("pass --archive-bucket (the stack's ArchiveBucketName output)")?;
            let payloads = bucket_of(payload_bucket, model.payload_bucket.as_ref().map(|(id, _)| id));
            let sqs_name = |logical_id: &str| {
                let queue = model.queues.get(logical_id);
                queue.map_or_else(|| logical_id.to_owned(), |q| q.sqs_name(stack_name.as_deref()))
            };
            let destination = match &to {
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
            let publisher = middesk_webhooks::publisher::ClaimCheckPublisher::new(
                middesk_webhooks::aws::SqsPublisher::new(sqs.clone()),
                payloads.map(|bucket| {
                    (middesk_webhooks::aws::S3Payloads::new(s3.clone(), bucket), "payloads/".to_owned())
                }),
                middesk_webhooks::message::SQS_MAX_MESSAGE_BYTES,
            );
            let report = replay::send(
                &s3,
                &archive,
                &found,
                &destination,
                &publisher,
                dry_run,
                std::time::SystemTime::now(),
            )
            .await;
            let verb = if dry_run { "would send" } else { "sent" };
            println!("found {}, {verb} {}, failed {}", report.found, report.sent, report.failed.len());
            for (key, error) in &report.failed {
                println!("  not sent: {key}: {error}");
            }
            if !report.failed.is_empty() {
                return Err("some events were not sent; run the same replay again".into());
            }
        }
        Command::Pump { local, invoke_url } => {
            let model = local.model()?;
            let sqs = local.sqs().await;
            for s in &model.subscriptions {
                let url = local.queue_url(&sqs, &s.queue).await?;
                let arn = redrive::queue_arn(&sqs, &url).await?;
                for d in local::pump(&sqs, &url, &arn, &invoke_url, &s.binary).await? {
                    let outcome =
                        if d.processed { "processed" } else { "failed (stays queued for retry / DLQ)" };
                    println!(
                        "  {:<20} {:<28} {:<38} {outcome}",
                        s.binary,
                        d.message.event_type,
                        d.message.event_id.as_deref().unwrap_or("-")
                    );
                }
            }
        }
    }
    Ok(true)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
