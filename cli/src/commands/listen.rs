//! `listen`: the stack's events forwarded to a local URL as Middesk would send them.

use std::time::{Duration, SystemTime};

use middesk_webhooks::SigningKey;
use middesk_webhooks::verify::sample::TEST_SECRET;
use middesk_webhooks_cli::listen::{self, Follower};
use middesk_webhooks_cli::local;

use super::{BucketOwnerArgs, Outcome, StackArgs};

#[derive(clap::Args)]
pub struct Listen {
    /// Where to POST each event: your app's webhook route (http://localhost:3000/webhooks/middesk).
    /// A loopback address only, unless --allow-remote.
    #[arg(long)]
    forward_to: String,
    /// Forward to an address that is not this machine's loopback: production KYB data leaves
    /// the laptop.
    #[arg(long)]
    allow_remote: bool,
    /// The secret to sign with, which your local app verifies with (never the stack's own), from
    /// the environment (default: the test secret); never on the command line.
    #[arg(long = "secret-env", default_value = "MIDDESK_LISTEN_SECRET")]
    secret_env: String,
    /// Or a file holding that secret (its first line).
    #[arg(long)]
    secret_file: Option<std::path::PathBuf>,
    /// Only this type (`business.updated`) or family (`registration_request.*`); repeatable.
    #[arg(long = "type")]
    types: Vec<String>,
    /// Start with history: the archived events created since this time (RFC 3339) or this long
    /// ago (`1h`, `2d`). Default: only events that arrive from now on.
    #[arg(long)]
    since: Option<String>,
    /// Seconds between looks at the archive.
    #[arg(long, default_value_t = 2.0)]
    poll: f64,
    /// Attempts per event when the local app is down or answers 5xx.
    #[arg(long, default_value_t = 3)]
    attempts: u32,
    /// Stop after forwarding this many events (for scripts and tests).
    #[arg(long)]
    max_events: Option<usize>,
    /// The archive bucket (the stack's ArchiveBucketName output; the local stack's by default).
    #[arg(long, env = "ARCHIVE_BUCKET")]
    archive_bucket: Option<String>,
    #[command(flatten)]
    owner: BucketOwnerArgs,
    #[command(flatten)]
    stack: StackArgs,
}

impl Listen {
    pub async fn run(self) -> Outcome {
        let now = SystemTime::now();
        let since = match self.since.as_deref() {
            None => None,
            Some(text) => Some(
                middesk_webhooks::envelope::parse_rfc3339(text)
                    .or_else(|| humantime::parse_duration(text).ok().and_then(|ago| now.checked_sub(ago)))
                    .ok_or_else(|| {
                        format!("--since {text:?}: an RFC 3339 date-time or a duration such as 2h")
                    })?,
            ),
        };
        if !(self.poll > 0.0 && self.poll.is_finite()) {
            return Err(format!("--poll {}: a number of seconds above 0", self.poll));
        }
        listen::check_destination(&self.forward_to, self.allow_remote)?;
        let secret = match &self.secret_file {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| format!("--secret-file {}: {e}", path.display()))?
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned(),
            None => std::env::var(&self.secret_env).unwrap_or_else(|_| TEST_SECRET.to_owned()),
        };
        if secret.is_empty() {
            return Err("the secret to sign with is empty".into());
        }
        let (_, model) = self.stack.model()?;
        let local = self.stack.stack_name.is_none();
        let bucket = self
            .archive_bucket
            .or_else(|| model.archive_bucket.as_deref().filter(|_| local).map(local::local_bucket_name))
            .ok_or("pass --archive-bucket (the stack's ArchiveBucketName output)")?;
        let aws = self.stack.aws().await?;
        let s3 = self.owner.s3(&aws).await?;
        let key = SigningKey::new(&secret);
        println!("Ready. Forwarding events from s3://{bucket} to {}", self.forward_to);
        println!(
            "Signing with the secret whose fingerprint is {} (verify X-Middesk-Signature-256 with it). Ctrl-C stops.",
            listen::fingerprint(&secret)
        );
        let mut follower = Follower::new(since, self.types);
        let (mut forwarded, mut failed) = (0usize, 0usize);
        let poll = Duration::from_secs_f64(self.poll);
        let mut stop = stop_on_ctrl_c()?;
        'listening: loop {
            match follower.new_events(&s3, &bucket, SystemTime::now()).await {
                Ok(events) => {
                    for event in events {
                        if *stop.borrow() {
                            break 'listening;
                        }
                        let delivery = listen::forward(
                            &s3,
                            &bucket,
                            &event,
                            &self.forward_to,
                            &key,
                            self.attempts,
                            Duration::from_millis(500),
                        )
                        .await;
                        println!("{}", delivery.line(SystemTime::now()));
                        match delivery.delivered() {
                            true => forwarded += 1,
                            false => failed += 1,
                        }
                        if self.max_events.is_some_and(|max| forwarded + failed >= max) {
                            break 'listening;
                        }
                    }
                }
                Err(error) => eprintln!("could not read the archive: {error}; trying again"),
            }
            if *stop.borrow() {
                break;
            }
            tokio::select! {
                _ = stop.changed() => break,
                _ = tokio::time::sleep(poll) => {}
            }
        }
        println!("Stopped: {forwarded} forwarded, {failed} not taken by {}", self.forward_to);
        Ok(failed == 0)
    }
}

/// A flag that turns true at Ctrl-C (SIGINT), its handler installed now: a Ctrl-C that comes
/// while an event is being forwarded stops the listener after it, with its count, instead of
/// killing it.
fn stop_on_ctrl_c() -> Result<tokio::sync::watch::Receiver<bool>, String> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    #[cfg(unix)]
    let mut interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .map_err(|e| format!("Ctrl-C: {e}"))?;
    tokio::spawn(async move {
        #[cfg(unix)]
        interrupt.recv().await;
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        let _ = stop.send(true);
    });
    Ok(stopped)
}
