//! Middesk's Webhooks API: find, create and update the webhook that delivers to a stack, and
//! set its signing secret (the `middesk` CLI commands and the secret rotator).
//!
//! # What Middesk documents, and what this module assumes
//! Documented (docs.middesk.com, API reference "Create a webhook", "Update webhook", and "Get
//! and use your API keys"): the API is at `https://api.middesk.com/v1/` (sandbox:
//! `https://api-sandbox.middesk.com/v1/`, with an `mk_test_` key); a request authenticates with
//! `Authorization: Bearer <API key>`; `POST /v1/webhooks` takes `url` and `enabled_events`
//! (required; `["*"]` for every type), `secret`, `include` and the OIDC fields; a webhook is
//! updated at `/v1/webhooks/{id}` with the same fields, all optional, plus `disabled_at`.
//!
//! Where the reference is silent, this module assumes the following, here and only here (each
//! is one constant or one function below, so one edit fixes it if Middesk differs; the README's
//! "The Middesk side" says the same):
//! - **Update is `PATCH`** ([`UPDATE_METHOD`]) and changes only the fields sent.
//! - **Listing is `GET /v1/webhooks`**, paged with `page` and `per_page` ([`PAGE_SIZE`]); the
//!   answer is either an array of webhooks or an object whose `data` is that array, with
//!   `has_more` saying whether another page follows ([`WebhookPage`]). A page shorter than
//!   `per_page` is the last.
//! - **A webhook object** carries `id`, `url`, `enabled_events`, `include` and `disabled_at`,
//!   and never the secret ([`Webhook`]); unknown fields are ignored.
//! - **An error** is JSON with a `message`, or an `errors` array of objects with a `message`
//!   (or of strings) ([`error_message`]); anything else is reported by its status alone.
//! - **`Retry-After`** on a 429 is in seconds.

use std::future::Future;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Middesk's production API (the default of `MIDDESK_API_URL`).
pub const PRODUCTION_URL: &str = "https://api.middesk.com";
/// Middesk's sandbox API (with an `mk_test_` key).
pub const SANDBOX_URL: &str = "https://api-sandbox.middesk.com";
/// The method that updates a webhook (assumed: the reference names no method).
pub const UPDATE_METHOD: http::Method = http::Method::PATCH;
/// Webhooks asked for per page when listing.
pub const PAGE_SIZE: usize = 100;
/// Pages read at most when listing (10,000 webhooks): a server that always says `has_more`
/// cannot keep us reading forever.
const MAX_PAGES: usize = 100;
/// How long one API request may take, connection included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest answer read.
const MAX_RESPONSE_BYTES: usize = 4 << 20;
/// The longest error message quoted from Middesk.
const MAX_MESSAGE_CHARS: usize = 300;

/// A Middesk API key. Its `Debug` never shows it.
#[derive(Clone)]
pub struct ApiKey(String);

impl ApiKey {
    /// A key from its text (surrounding whitespace trimmed); `None` if empty.
    pub fn new(key: &str) -> Option<Self> {
        let key = key.trim();
        (!key.is_empty()).then(|| Self(key.to_owned()))
    }

    /// Parses a Secrets Manager `SecretString`: the key itself, or JSON `{"api_key": "…"}`.
    pub fn from_secret_string(value: &str) -> Result<Self, MiddeskApiError> {
        let trimmed = value.trim();
        let key = if trimmed.starts_with('{') {
            #[derive(Deserialize)]
            struct KeyValue {
                api_key: String,
            }
            serde_json::from_str::<KeyValue>(trimmed)
                .map_err(|_| {
                    MiddeskApiError::Config("API key secret: JSON without a string \"api_key\"".into())
                })?
                .api_key
        } else {
            trimmed.to_owned()
        };
        Self::new(&key).ok_or_else(|| MiddeskApiError::Config("API key secret is empty".into()))
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(…)")
    }
}

/// A webhook as Middesk describes it (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    /// Middesk's id of the webhook.
    pub id: String,
    /// Where Middesk delivers.
    pub url: String,
    /// The types delivered, `["*"]` for all.
    #[serde(default)]
    pub enabled_events: Vec<String>,
    /// The associations included in payloads (`None`: all).
    #[serde(default)]
    pub include: Option<String>,
    /// When the webhook was disabled: Middesk delivers nothing while this is set.
    #[serde(default)]
    pub disabled_at: Option<String>,
}

/// One page of `GET /v1/webhooks`, in either shape this module accepts.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum WebhookPage {
    /// A bare array: one page, the last unless it is a full one.
    List(Vec<Webhook>),
    /// `{"data": [...], "has_more": …}`.
    Object {
        /// The webhooks of this page.
        data: Vec<Webhook>,
        /// Whether another page follows.
        #[serde(default)]
        has_more: Option<bool>,
    },
}

/// The webhook a stack wants Middesk to have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSpec {
    /// The stack's `WebhookUrl`.
    pub url: String,
    /// The types to deliver (`["*"]` for all).
    pub enabled_events: Vec<String>,
    /// The associations to include (`None`: leave Middesk's default, all).
    pub include: Option<String>,
}

/// Why a call to Middesk failed.
#[derive(Debug, thiserror::Error)]
pub enum MiddeskApiError {
    /// 401 or 403: the API key is wrong, revoked, or for the other environment.
    #[error(
        "Middesk refused the API key ({status}): check MIDDESK_API_KEY, and that an mk_test_ key goes with the sandbox URL and an mk_live_ key with production"
    )]
    Unauthorized {
        /// The HTTP status.
        status: u16,
    },
    /// 404: no such webhook (or path).
    #[error("Middesk answered 404 Not Found for {path}")]
    NotFound {
        /// The request path.
        path: String,
    },
    /// 422: Middesk refused the fields.
    #[error("Middesk refused the request (422): {message}")]
    Unprocessable {
        /// Middesk's message, with any secret sent removed.
        message: String,
    },
    /// 429: too many requests.
    #[error("Middesk is rate limiting (429){}", retry_after.map(|s| format!("; retry after {s} s")).unwrap_or_default())]
    RateLimited {
        /// `Retry-After`, in seconds, if given.
        retry_after: Option<u64>,
    },
    /// Any other answer that is not a success (5xx above all): try again later.
    #[error("Middesk answered {status}: {message}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// Middesk's message, if any.
        message: String,
    },
    /// The request did not complete (connection, TLS, timeout).
    #[error("could not reach Middesk: {0}")]
    Transport(String),
    /// The answer was not what this module expects (see the module's assumptions).
    #[error("unexpected answer from Middesk: {0}")]
    Unexpected(String),
    /// A configuration problem on our side.
    #[error("{0}")]
    Config(String),
}

impl MiddeskApiError {
    /// Whether trying again later may succeed (rate limit, 5xx, network).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::RateLimited { .. } | Self::Transport(_) => true,
            Self::Status { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

/// The Webhooks API, as the CLI and the rotator use it (HTTP in production, the mock server
/// in tests).
pub trait WebhooksApi: Send + Sync {
    /// Every webhook of the account.
    fn list(&self) -> impl Future<Output = Result<Vec<Webhook>, MiddeskApiError>> + Send;
    /// Creates a webhook with `spec` and `secret`.
    fn create(
        &self,
        spec: &WebhookSpec,
        secret: &str,
    ) -> impl Future<Output = Result<Webhook, MiddeskApiError>> + Send;
    /// Changes the fields of `update` on webhook `id`.
    fn update(
        &self,
        id: &str,
        update: &WebhookUpdate,
    ) -> impl Future<Output = Result<Webhook, MiddeskApiError>> + Send;
}

/// The fields an update sends: only those that change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WebhookUpdate {
    /// A new URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// New types.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled_events: Option<Vec<String>>,
    /// New associations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include: Option<String>,
    /// Re-enable a disabled webhook: sends `"disabled_at": null`.
    #[serde(
        rename = "disabled_at",
        skip_serializing_if = "std::ops::Not::not",
        serialize_with = "serialize_null"
    )]
    pub enable: bool,
    /// A new signing secret. Never in `Debug`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<Secret>,
}

fn serialize_null<S: serde::Serializer>(_: &bool, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_none()
}

/// A signing secret on its way to Middesk. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl WebhookUpdate {
    /// Whether the update changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// One line per change, for `--dry-run` and the command's report; the secret as `(new)`.
    pub fn describe(&self, current: &Webhook) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(url) = &self.url {
            lines.push(format!("url: {} -> {url}", current.url));
        }
        if let Some(events) = &self.enabled_events {
            lines.push(format!(
                "enabled_events: {} -> {}",
                current.enabled_events.join(","),
                events.join(",")
            ));
        }
        if let Some(include) = &self.include {
            lines.push(format!("include: {} -> {include}", current.include.as_deref().unwrap_or("(all)")));
        }
        if self.enable {
            lines.push(format!("disabled_at: {} -> (enabled)", current.disabled_at.as_deref().unwrap_or("")));
        }
        if self.secret.is_some() {
            lines.push("secret: (set to the stack's signing secret)".to_owned());
        }
        lines
    }
}

/// What it takes to make Middesk's webhook match the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// No webhook delivers to the URL: create one.
    Create,
    /// The webhook exists and differs: update it.
    Update {
        /// The webhook as it is.
        current: Webhook,
        /// What changes.
        update: WebhookUpdate,
    },
    /// The webhook exists and matches (the secret cannot be compared: Middesk never returns it).
    InSync(Webhook),
}

/// The webhook delivering to `url`, if any. Two of them is an error: which one to change
/// would be a guess.
pub fn find_by_url<'a>(webhooks: &'a [Webhook], url: &str) -> Result<Option<&'a Webhook>, MiddeskApiError> {
    let normal = |u: &str| u.trim_end_matches('/').to_ascii_lowercase();
    let matches: Vec<&Webhook> = webhooks.iter().filter(|w| normal(&w.url) == normal(url)).collect();
    match matches.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        many => Err(MiddeskApiError::Config(format!(
            "{} webhooks deliver to {url} ({}); remove all but one in Middesk's dashboard",
            many.len(),
            many.iter().map(|w| w.id.as_str()).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// Compares Middesk's webhook (if any) with the spec. `secret` is sent when given (`register`,
/// the rotator), as Middesk never shows the secret it has.
pub fn plan(current: Option<&Webhook>, spec: &WebhookSpec, secret: Option<&str>) -> Plan {
    let Some(current) = current else { return Plan::Create };
    let same_events = {
        let mut a = current.enabled_events.clone();
        let mut b = spec.enabled_events.clone();
        a.sort();
        b.sort();
        a == b
    };
    let update = WebhookUpdate {
        url: (current.url != spec.url).then(|| spec.url.clone()),
        enabled_events: (!same_events).then(|| spec.enabled_events.clone()),
        include: spec.include.clone().filter(|i| current.include.as_deref() != Some(i)),
        enable: current.disabled_at.is_some(),
        secret: secret.map(|s| Secret(s.to_owned())),
    };
    match update.is_empty() {
        true => Plan::InSync(current.clone()),
        false => Plan::Update { current: current.clone(), update },
    }
}

/// Middesk's message in an error body (see the module's assumptions), cut to a readable length
/// and with `secret` (what the request sent) removed, so that an echoing server cannot make us
/// print it.
pub fn error_message(body: &[u8], secret: Option<&str>) -> String {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let message = match (&value["message"], &value["errors"]) {
        (serde_json::Value::String(m), _) => m.clone(),
        (_, serde_json::Value::Array(errors)) => errors
            .iter()
            .filter_map(|e| e.as_str().or_else(|| e["message"].as_str()))
            .collect::<Vec<_>>()
            .join("; "),
        _ => String::new(),
    };
    let message = match secret {
        Some(secret) if !secret.is_empty() => message.replace(secret, "[secret]"),
        _ => message,
    };
    let mut cut: String = message.chars().take(MAX_MESSAGE_CHARS).collect();
    if cut.len() < message.len() {
        cut.push('…');
    }
    if cut.is_empty() { "(no message)".to_owned() } else { cut }
}

/// Maps a status and body to the module's error (a success is `Ok` with the body).
fn check(
    status: u16,
    path: &str,
    body: &[u8],
    retry_after: Option<u64>,
    secret: Option<&str>,
) -> Result<(), MiddeskApiError> {
    match status {
        200..=299 => Ok(()),
        401 | 403 => Err(MiddeskApiError::Unauthorized { status }),
        404 => Err(MiddeskApiError::NotFound { path: path.to_owned() }),
        422 | 400 => Err(MiddeskApiError::Unprocessable { message: error_message(body, secret) }),
        429 => Err(MiddeskApiError::RateLimited { retry_after }),
        status => Err(MiddeskApiError::Status { status, message: error_message(body, secret) }),
    }
}

type HttpsClient = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    http_body_util::Full<bytes::Bytes>,
>;

/// Middesk's API over HTTPS (plain HTTP only for a loopback test server): its Webhooks API
/// ([`WebhooksApi`]), and a business's latest state ([`MiddeskApi::retrieve_business`]).
#[derive(Clone)]
pub struct MiddeskApi {
    base: String,
    key: ApiKey,
    client: HttpsClient,
}

impl std::fmt::Debug for MiddeskApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MiddeskApi").field("base", &self.base).finish_non_exhaustive()
    }
}

impl MiddeskApi {
    /// A client of the API at `base_url` (`https://api.middesk.com`, with or without `/v1`).
    pub fn new(base_url: &str, key: ApiKey) -> Result<Self, MiddeskApiError> {
        let base = base_url.trim().trim_end_matches('/');
        let base = base.strip_suffix("/v1").unwrap_or(base).to_owned();
        let uri: http::Uri =
            base.parse().map_err(|e| MiddeskApiError::Config(format!("MIDDESK_API_URL: {e}")))?;
        let loopback = matches!(uri.host(), Some("127.0.0.1" | "localhost" | "[::1]"));
        match uri.scheme_str() {
            Some("https") => {}
            Some("http") if loopback => {}
            _ => {
                return Err(MiddeskApiError::Config(format!(
                    "MIDDESK_API_URL must be https (plain http only on loopback): {base}"
                )));
            }
        }
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(provider)
            .map_err(|e| MiddeskApiError::Config(format!("no TLS trust roots: {e}")))?
            .https_or_http()
            .enable_http1()
            .build();
        let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(connector);
        Ok(Self { base, key, client })
    }

    /// One request; the body of a success.
    async fn call(
        &self,
        method: http::Method,
        path: &str,
        body: Option<Vec<u8>>,
        secret: Option<&str>,
    ) -> Result<Vec<u8>, MiddeskApiError> {
        self.call_within(method, path, body, secret, REQUEST_TIMEOUT).await
    }

    /// One request, answered within `timeout`; the body of a success.
    pub(super) async fn call_within(
        &self,
        method: http::Method,
        path: &str,
        body: Option<Vec<u8>>,
        secret: Option<&str>,
        timeout: Duration,
    ) -> Result<Vec<u8>, MiddeskApiError> {
        use http_body_util::BodyExt as _;
        let request = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header(http::header::AUTHORIZATION, format!("Bearer {}", self.key.0))
            .header(http::header::ACCEPT, "application/json")
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::USER_AGENT, concat!("middesk-webhooks-aws/", env!("CARGO_PKG_VERSION")))
            .body(http_body_util::Full::new(bytes::Bytes::from(body.unwrap_or_default())))
            .map_err(|e| MiddeskApiError::Config(format!("request: {e}")))?;
        let exchange = async {
            let response =
                self.client.request(request).await.map_err(|e| MiddeskApiError::Transport(e.to_string()))?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok());
            let body = http_body_util::Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
                .collect()
                .await
                .map_err(|e| MiddeskApiError::Transport(format!("reading the answer: {e}")))?
                .to_bytes();
            check(status, path, &body, retry_after, secret)?;
            Ok(body.to_vec())
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .unwrap_or_else(|_| Err(MiddeskApiError::Transport(format!("no answer within {timeout:?}"))))
    }
}

impl WebhookPage {
    /// Its webhooks, and whether another page may follow: as `has_more` says, else when the
    /// page is full (a bare array is a page like any other).
    pub fn into_parts(self) -> (Vec<Webhook>, bool) {
        let (webhooks, has_more) = match self {
            Self::List(webhooks) => (webhooks, None),
            Self::Object { data, has_more } => (data, has_more),
        };
        let full = webhooks.len() >= PAGE_SIZE;
        (webhooks, has_more.unwrap_or(full))
    }
}

/// `text` as one path segment: everything but letters, digits, `-`, `_` and `~`
/// percent-encoded, so that an id with `/`, `?`, `#` or a `..` cannot reach another path.
pub(super) fn path_segment(text: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'~');
    utf8_percent_encode(text, SEGMENT).to_string()
}

/// `body` as a `T`. The error names what went wrong and where, never a value: serde quotes
/// the input, and a business's fields are KYB data that must not reach the logs.
pub(super) fn parse<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T, MiddeskApiError> {
    serde_json::from_slice(body).map_err(|e| {
        let described = crate::consume::event::describe_json_error(&e);
        MiddeskApiError::Unexpected(format!("{what}: {described}"))
    })
}

impl WebhooksApi for MiddeskApi {
    async fn list(&self) -> Result<Vec<Webhook>, MiddeskApiError> {
        let mut all = Vec::new();
        for page in 1..=MAX_PAGES {
            let path = format!("/v1/webhooks?page={page}&per_page={PAGE_SIZE}");
            let body = self.call(http::Method::GET, &path, None, None).await?;
            let (webhooks, more) = parse::<WebhookPage>(&body, "webhook list")?.into_parts();
            // An API that ignores `page` would answer the same webhooks again: stop at a page
            // with nothing new rather than list them twice.
            let before = all.len();
            for webhook in webhooks {
                if !all.iter().any(|known: &Webhook| known.id == webhook.id) {
                    all.push(webhook);
                }
            }
            if !more || all.len() == before {
                return Ok(all);
            }
        }
        Err(MiddeskApiError::Unexpected(format!("more than {MAX_PAGES} pages of webhooks")))
    }

    async fn create(&self, spec: &WebhookSpec, secret: &str) -> Result<Webhook, MiddeskApiError> {
        #[derive(Serialize)]
        struct Create<'a> {
            url: &'a str,
            enabled_events: &'a [String],
            secret: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            include: Option<&'a str>,
        }
        let body = serde_json::to_vec(&Create {
            url: &spec.url,
            enabled_events: &spec.enabled_events,
            secret,
            include: spec.include.as_deref(),
        })
        .map_err(|e| MiddeskApiError::Config(e.to_string()))?;
        let answer = self.call(http::Method::POST, "/v1/webhooks", Some(body), Some(secret)).await?;
        parse(&answer, "created webhook")
    }

    async fn update(&self, id: &str, update: &WebhookUpdate) -> Result<Webhook, MiddeskApiError> {
        let body = serde_json::to_vec(update).map_err(|e| MiddeskApiError::Config(e.to_string()))?;
        let path = format!("/v1/webhooks/{}", path_segment(id));
        let secret = update.secret.as_ref().map(|s| s.0.as_str());
        let answer = self.call(UPDATE_METHOD, &path, Some(body), secret).await?;
        parse(&answer, "updated webhook")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn webhook(url: &str, events: &[&str]) -> Webhook {
        Webhook {
            id: "wh_1".into(),
            url: url.into(),
            enabled_events: events.iter().map(|e| e.to_string()).collect(),
            include: None,
            disabled_at: None,
        }
    }

    fn spec(events: &[&str]) -> WebhookSpec {
        WebhookSpec {
            url: "https://x.example/".into(),
            enabled_events: events.iter().map(|e| e.to_string()).collect(),
            include: None,
        }
    }

    #[test]
    fn a_full_bare_array_is_not_the_last_page() {
        let page = |n: usize| {
            let webhooks: Vec<serde_json::Value> = (0..n)
                .map(|i| serde_json::json!({"id": format!("wh_{i}"), "url": "https://x.example/"}))
                .collect();
            serde_json::from_value::<WebhookPage>(serde_json::json!(webhooks)).unwrap().into_parts()
        };
        assert!(page(PAGE_SIZE).1, "a full page: ask for the next");
        assert!(!page(PAGE_SIZE - 1).1);
        assert!(!page(0).1);
        let object = |has_more: serde_json::Value| {
            serde_json::from_value::<WebhookPage>(serde_json::json!({"data": [], "has_more": has_more}))
                .unwrap()
                .into_parts()
                .1
        };
        assert!(object(serde_json::json!(true)) && !object(serde_json::json!(false)));
    }

    #[test]
    fn a_webhook_id_is_one_path_segment() {
        assert_eq!(path_segment("2c64e4d5-eb25_4e17~x"), "2c64e4d5-eb25_4e17~x");
        assert_eq!(path_segment("../v1/businesses?x=1#y"), "%2E%2E%2Fv1%2Fbusinesses%3Fx%3D1%23y");
        assert_eq!(path_segment("a b"), "a%20b");
    }

    #[test]
    fn no_webhook_is_a_create() {
        assert_eq!(plan(None, &spec(&["*"]), None), Plan::Create);
    }

    #[test]
    fn same_events_in_another_order_are_in_sync() {
        let current = webhook("https://x.example/", &["b.updated", "a.created"]);
        assert!(matches!(plan(Some(&current), &spec(&["a.created", "b.updated"]), None), Plan::InSync(_)));
    }

    #[test]
    fn changed_events_disabled_and_secret_are_updates() {
        let mut current = webhook("https://x.example/", &["a.created"]);
        current.disabled_at = Some("2026-11-30T00:00:00Z".into());
        let Plan::Update { update, .. } = plan(Some(&current), &spec(&["*"]), Some("s3cr3t")) else {
            panic!("expected an update")
        };
        assert_eq!(update.enabled_events, Some(vec!["*".to_owned()]));
        assert!(update.enable);
        assert_eq!(update.url, None);
        let json = serde_json::to_value(&update).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"enabled_events": ["*"], "disabled_at": null, "secret": "s3cr3t"})
        );
        let described = update.describe(&current).join("\n");
        assert!(!described.contains("s3cr3t") && !format!("{update:?}").contains("s3cr3t"), "{described}");
    }

    #[test]
    fn urls_match_without_case_or_trailing_slash_and_two_matches_are_an_error() {
        let hooks = vec![webhook("https://X.example", &["*"])];
        assert_eq!(find_by_url(&hooks, "https://x.example/").unwrap().map(|w| w.id.as_str()), Some("wh_1"));
        assert!(find_by_url(&hooks, "https://y.example/").unwrap().is_none());
        let two = vec![webhook("https://x.example/", &["*"]), webhook("https://x.example", &["*"])];
        assert!(find_by_url(&two, "https://x.example").is_err());
    }

    #[test]
    fn error_messages_are_read_in_both_shapes_and_never_echo_the_secret() {
        assert_eq!(error_message(br#"{"message":"url is invalid"}"#, None), "url is invalid");
        assert_eq!(error_message(br#"{"errors":[{"message":"a"},"b"]}"#, None), "a; b");
        assert_eq!(
            error_message(br#"{"message":"secret s3cr3t too short"}"#, Some("s3cr3t")),
            "secret [secret] too short"
        );
        assert_eq!(error_message(b"<html>", None), "(no message)");
        assert!(
            error_message(format!(r#"{{"message":"{}"}}"#, "x".repeat(1000)).as_bytes(), None)
                .chars()
                .count()
                <= 301
        );
    }

    #[test]
    fn statuses_map_to_errors() {
        assert!(check(200, "/", b"", None, None).is_ok());
        assert!(matches!(
            check(401, "/", b"", None, None),
            Err(MiddeskApiError::Unauthorized { status: 401 })
        ));
        assert!(matches!(
            check(404, "/v1/webhooks/x", b"", None, None),
            Err(MiddeskApiError::NotFound { .. })
        ));
        assert!(matches!(check(422, "/", b"{}", None, None), Err(MiddeskApiError::Unprocessable { .. })));
        let limited = check(429, "/", b"", Some(7), None).unwrap_err();
        assert!(limited.is_transient() && limited.to_string().contains("7 s"));
        let server = check(503, "/", b"", None, None).unwrap_err();
        assert!(server.is_transient());
        assert!(!MiddeskApiError::Unauthorized { status: 401 }.is_transient());
    }

    #[test]
    fn api_keys_come_plain_or_as_json_and_never_show() {
        assert_eq!(ApiKey::from_secret_string(" mk_test_1\n").unwrap().0, "mk_test_1");
        assert_eq!(ApiKey::from_secret_string(r#"{"api_key":"mk_live_2"}"#).unwrap().0, "mk_live_2");
        assert!(ApiKey::from_secret_string(r#"{"key":"x"}"#).is_err());
        assert!(ApiKey::from_secret_string("  ").is_err());
        assert_eq!(format!("{:?}", ApiKey::new("mk_live_2").unwrap()), "ApiKey(…)");
    }

    #[test]
    fn only_https_or_loopback_http() {
        let key = || ApiKey::new("k").unwrap();
        assert!(MiddeskApi::new("http://api.middesk.com", key()).is_err());
        assert_eq!(
            MiddeskApi::new("https://api.middesk.com/v1/", key()).unwrap().base,
            "https://api.middesk.com"
        );
        assert!(MiddeskApi::new("http://127.0.0.1:9/", key()).is_ok());
    }

    #[test]
    fn both_list_shapes_parse() {
        let array: WebhookPage =
            serde_json::from_str(r#"[{"id":"a","url":"u","enabled_events":["*"]}]"#).unwrap();
        assert!(matches!(array, WebhookPage::List(v) if v.len() == 1));
        let object: WebhookPage = serde_json::from_str(
            r#"{"object":"list","data":[{"id":"a","url":"u","extra":1}],"has_more":true}"#,
        )
        .unwrap();
        assert!(matches!(object, WebhookPage::Object { has_more: Some(true), .. }));
    }
}
