//! Events and signing: `sign`, `event`, `send`, `types`, and the generated files
//! (`generate-events`, `generate-template`).

use std::io::Read as _;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use middesk_webhooks::verify::sample::{self, GatewayShape, TEST_SECRET};
use middesk_webhooks_cli::{events, template};

use super::Outcome;

#[derive(Clone, Copy, ValueEnum)]
pub enum Shape {
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

/// A payload: a documented type's sample, or a file.
#[derive(clap::Args)]
pub struct PayloadArgs {
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

#[derive(clap::Args)]
pub struct Sign {
    /// The payload file; standard input if omitted.
    file: Option<PathBuf>,
    /// The signing secret.
    #[arg(long, short = 's', env = "MIDDESK_WEBHOOK_SECRET", hide_env_values = true)]
    secret: String,
}

impl Sign {
    pub fn run(self) -> Outcome {
        let mut body = Vec::new();
        match self.file {
            Some(path) => body = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?,
            None => {
                std::io::stdin().read_to_end(&mut body).map_err(|e| e.to_string())?;
            }
        }
        println!("{}", middesk_webhooks::SigningKey::new(&self.secret).sign(&body));
        Ok(true)
    }
}

#[derive(clap::Args)]
pub struct Event {
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
}

impl Event {
    pub fn run(self) -> Outcome {
        let body = self.payload.body()?;
        let mut headers =
            sample::signed_headers(&self.payload.secret, &body, sample::correlation_id_of(&body).as_deref());
        if self.unsigned {
            headers.retain(|(n, _)| n != "X-Middesk-Signature-256");
        }
        let event = sample::gateway_event(self.shape.into(), "POST", &body, &headers, self.base64);
        println!("{}", serde_json::to_string_pretty(&event).map_err(|e| e.to_string())?);
        Ok(true)
    }
}

#[derive(clap::Args)]
pub struct Send {
    /// The webhook URL, e.g. the stack's WebhookUrl output.
    #[arg(long, short = 'u')]
    url: String,
    #[command(flatten)]
    payload: PayloadArgs,
    /// Sign with a wrong secret, to see the request refused.
    #[arg(long)]
    forge: bool,
}

impl Send {
    pub async fn run(self) -> Outcome {
        let body = self.payload.body()?;
        let secret = if self.forge { "sec_forged_by_an_attacker" } else { self.payload.secret.as_str() };
        let headers = sample::signed_headers(secret, &body, sample::correlation_id_of(&body).as_deref());
        let event_type = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["type"].as_str().or(v["namespace"].as_str()).map(str::to_owned));
        let label = match (self.forge, event_type) {
            (true, t) => format!("forged {}", t.unwrap_or_default()),
            (false, t) => t.unwrap_or_else(|| "(not an event)".to_owned()),
        };
        let url = self.url;
        let (status, response) = tokio::task::spawn_blocking(move || post(&url, body, &headers))
            .await
            .map_err(|e| e.to_string())??;
        println!("{status} {label:<36} {response}");
        Ok(true)
    }
}

fn post(url: &str, body: Vec<u8>, headers: &[(String, String)]) -> Result<(u16, String), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut request = agent.post(url);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let mut response = request.send(body).map_err(|e| format!("POST {url}: {e}"))?;
    let status = response.status().as_u16();
    Ok((status, response.body_mut().read_to_string().unwrap_or_default()))
}

/// `types`.
pub fn types() -> Outcome {
    let width = middesk_webhooks::DOCUMENTED_EVENT_TYPES.iter().map(|t| t.len()).max().unwrap_or(0);
    for e in middesk_webhooks::catalogue::CATALOGUE {
        println!("{:width$}  {:34}  {}", e.event_type, e.queue, e.documented_at);
    }
    Ok(true)
}

#[derive(clap::Args)]
pub struct GenerateEvents {
    /// The events directory.
    #[arg(long, default_value = "events")]
    dir: PathBuf,
    /// Only check; exit 1 if a file is missing or stale.
    #[arg(long)]
    check: bool,
}

impl GenerateEvents {
    pub fn run(self) -> Outcome {
        let files = events::event_files().into_iter().map(|f| (f.path, f.contents)).collect();
        write_generated(&self.dir, files, self.check, "sample events", "generate-events")
    }
}

/// Writes `files` (path under `dir`, contents) where they differ, or with `check` only says
/// which do (an error naming `command`, which rewrites them).
fn write_generated(
    dir: &Path,
    files: Vec<(String, String)>,
    check: bool,
    what: &str,
    command: &str,
) -> Outcome {
    let mut stale = Vec::new();
    for (file, contents) in files {
        let path = dir.join(&file);
        if std::fs::read_to_string(&path).unwrap_or_default() == contents {
            continue;
        }
        stale.push(file);
        if !check {
            std::fs::create_dir_all(path.parent().unwrap_or(dir)).map_err(|e| e.to_string())?;
            std::fs::write(&path, contents).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    match (check, stale.is_empty()) {
        (_, true) => println!("{} is up to date", dir.display()),
        (true, false) => return Err(format!("stale {what}: {stale:?}; run {command}")),
        (false, false) => println!("wrote {} files in {}", stale.len(), dir.display()),
    }
    Ok(true)
}

#[derive(clap::Args)]
pub struct GenerateSchemas {
    /// The schemas directory.
    #[arg(long, default_value = "shared/schemas")]
    dir: PathBuf,
    /// Only check; exit 1 if a file is missing or stale.
    #[arg(long)]
    check: bool,
}

impl GenerateSchemas {
    pub fn run(self) -> Outcome {
        write_generated(&self.dir, events::schema_files(), self.check, "schemas", "generate-schemas")
    }
}

#[derive(clap::Args)]
pub struct GenerateTemplate {
    /// The template.
    #[arg(long, default_value = "template.yaml")]
    template: PathBuf,
    /// Only check; exit 1 if the template is stale.
    #[arg(long)]
    check: bool,
}

impl GenerateTemplate {
    pub fn run(self) -> Outcome {
        let template = self.template;
        let current =
            std::fs::read_to_string(&template).map_err(|e| format!("{}: {e}", template.display()))?;
        let generated = template::generated::regenerate(&current)?;
        match (self.check, generated == current) {
            (_, true) => println!("{} is up to date", template.display()),
            (true, false) => return Err(format!("{} is stale; run generate-template", template.display())),
            (false, false) => {
                std::fs::write(&template, generated).map_err(|e| format!("{}: {e}", template.display()))?;
                println!("rewrote the generated parts of {}", template.display());
            }
        }
        Ok(true)
    }
}
