//! Helpers for tests against an AWS emulator (moto's server) over real HTTP. Enabled by the
//! `testkit` feature; `scripts/test` starts the emulator and sets `MOTO_ENDPOINT`.

use std::sync::{Arc, Mutex};

pub use crate::aws::{lambda_sqs_event, s3_client};

pub use aws_types::SdkConfig;

/// The emulator's endpoint, from `MOTO_ENDPOINT`. Panics with a hint when it is not set: the
/// integration tests are part of the suite, never silently skipped.
pub fn emulator_endpoint() -> String {
    std::env::var("MOTO_ENDPOINT")
        .expect("MOTO_ENDPOINT is not set: run ./scripts/test, which starts the AWS emulator for these tests")
}

/// An SDK configuration for the emulator at `endpoint` ([`crate::aws::emulator_sdk_config`]).
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    crate::aws::emulator_sdk_config(endpoint).await
}

/// The repository's Python (`.venv/bin/python`, which `./scripts/test` installs) running the
/// script at `script` (a path in the repository), with everything boto3 needs to reach the
/// emulator set here rather than taken from the caller's environment: `cargo test` with only
/// `MOTO_ENDPOINT` set must pass too (the emulator takes any credentials).
pub fn python(script: &str) -> std::process::Command {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut command = std::process::Command::new(repo.join(".venv/bin/python"));
    command
        .arg(repo.join(script))
        .env("AWS_ENDPOINT_URL", emulator_endpoint())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE");
    command
}

/// The TypeScript consumer example, built once per test binary (`tsc` from its
/// `node_modules`, which `./scripts/test` installs), as a `node` command that reaches the
/// emulator.
pub fn typescript_consumer() -> std::process::Command {
    typescript_example("handler.js")
}

/// A script of the TypeScript example (`dist/<script>`, built as [`typescript_consumer`] is),
/// as a `node` command that reaches the emulator.
pub fn typescript_example(script: &str) -> std::process::Command {
    static BUILT: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/typescript-consumer");
    BUILT.get_or_init(|| {
        let output = std::process::Command::new(example.join("node_modules/.bin/tsc"))
            .args(["-p", "."])
            .current_dir(&example)
            .output()
            .expect("run ./scripts/test, which installs the TypeScript consumer's packages");
        assert!(output.status.success(), "tsc: {}", String::from_utf8_lossy(&output.stdout));
    });
    let mut command = std::process::Command::new("node");
    command
        .arg(example.join("dist").join(script))
        .env("AWS_ENDPOINT_URL", emulator_endpoint())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE");
    command
}

/// A unique name, so tests sharing one emulator never see each other's resources.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().subsec_nanos();
    format!("{prefix}-{}-{nanos}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// Creates a queue (FIFO if the name ends in `.fifo`) and returns its URL.
pub async fn create_queue(sqs: &aws_sdk_sqs::Client, name: &str) -> String {
    let mut request = sqs.create_queue().queue_name(name);
    if name.ends_with(".fifo") {
        request = request.attributes(aws_sdk_sqs::types::QueueAttributeName::FifoQueue, "true");
    }
    request.send().await.expect("create queue").queue_url.expect("queue url")
}

/// The emulator's clock: the `SentTimestamp` SQS gives a message sent now. The test process's
/// clock may be moved ahead (`./scripts/test --later`) while the emulator's is not, and a test
/// whose data must agree with what SQS stamps (a message's arrival) builds it from this.
pub async fn emulator_now(sqs: &aws_sdk_sqs::Client) -> std::time::SystemTime {
    use aws_sdk_sqs::types::MessageSystemAttributeName as Name;
    let queue = create_queue(sqs, &unique("clock")).await;
    sqs.send_message().queue_url(&queue).message_body("now").send().await.expect("send");
    let received = sqs
        .receive_message()
        .queue_url(&queue)
        .message_system_attribute_names(Name::SentTimestamp)
        .wait_time_seconds(1)
        .send()
        .await
        .expect("receive");
    let message = received.messages().first().expect("the message sent").clone();
    let _ = sqs.delete_queue().queue_url(&queue).send().await;
    let millis: u64 = message
        .attributes()
        .and_then(|a| a.get(&Name::SentTimestamp))
        .and_then(|t| t.parse().ok())
        .expect("a SentTimestamp");
    std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(millis)
}

/// Creates an idempotency table ([`crate::aws::create_idempotency_table`]) and returns its name.
pub async fn create_idempotency_table(dynamodb: &aws_sdk_dynamodb::Client, name: &str) -> String {
    crate::aws::create_idempotency_table(dynamodb, name).await.expect("create the idempotency table")
}

/// Receives every message now in the queue (hidden for 10 minutes, not deleted).
pub async fn drain(sqs: &aws_sdk_sqs::Client, queue_url: &str) -> Vec<aws_sdk_sqs::types::Message> {
    let mut all = Vec::new();
    loop {
        let out = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .message_attribute_names("All")
            .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
            .visibility_timeout(600)
            .send()
            .await
            .expect("receive");
        let batch = out.messages.unwrap_or_default();
        if batch.is_empty() {
            return all;
        }
        all.extend(batch);
    }
}

/// A message attribute's string value ([`crate::aws::message_attribute`]).
pub use crate::aws::message_attribute as attr;

/// A TCP proxy on loopback in front of the emulator that can be cut and restored, so that a
/// dependency fails for real (connections dropped) for a window in the middle of a test.
pub struct CuttableProxy {
    /// The proxy's `http://127.0.0.1:port` endpoint.
    pub endpoint: String,
    down: Arc<std::sync::atomic::AtomicBool>,
    connections: Arc<std::sync::atomic::AtomicUsize>,
    tasks: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl CuttableProxy {
    /// Starts forwarding to `upstream` (`http://host:port`).
    pub async fn start(upstream: &str) -> Self {
        use std::sync::atomic::Ordering;
        let upstream = upstream.trim_start_matches("http://").trim_end_matches('/').to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("address"));
        let down = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let tasks: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>> = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (down_in_loop, tasks_in_loop, connections_in_loop) =
            (down.clone(), tasks.clone(), connections.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                connections_in_loop.fetch_add(1, Ordering::SeqCst);
                if down_in_loop.load(Ordering::SeqCst) {
                    continue; // dropped: the client sees the connection closed
                }
                let upstream = upstream.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                let mut tasks = tasks_in_loop.lock().unwrap_or_else(|e| e.into_inner());
                tasks.retain(|t| !t.is_finished());
                tasks.push(task);
            }
        });
        Self { endpoint, down, connections, tasks, accept }
    }

    /// Connections accepted so far. moto closes each connection after one response, so
    /// through the emulator this counts API calls.
    pub fn connections(&self) -> usize {
        self.connections.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Drops every open connection and every new one until [`CuttableProxy::restore`].
    pub fn cut(&self) {
        self.down.store(true, std::sync::atomic::Ordering::SeqCst);
        for task in self.tasks.lock().unwrap_or_else(|e| e.into_inner()).drain(..) {
            task.abort();
        }
    }

    /// Forwards again.
    pub fn restore(&self) {
        self.down.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for CuttableProxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

/// A loopback endpoint that accepts connections and never answers: a dependency that hangs.
/// Stops when dropped.
pub struct SilentServer {
    /// `http://127.0.0.1:port`.
    pub endpoint: String,
    accept: tokio::task::JoinHandle<()>,
}

impl SilentServer {
    /// Starts accepting.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("address"));
        let accept = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                held.push(stream);
            }
        });
        Self { endpoint, accept }
    }
}

impl Drop for SilentServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// A loopback URL on which nothing listens.
pub fn refused_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// A tiny HTTP server on loopback answering every request with a JSON body (a JWKS in the
/// OIDC tests); it counts requests and can be stopped.
pub struct JsonServer {
    /// `http://127.0.0.1:port/jwks`.
    pub url: String,
    hits: Arc<std::sync::atomic::AtomicUsize>,
    body: Arc<Mutex<String>>,
    redirect: Arc<Mutex<Option<String>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl JsonServer {
    /// Starts serving `body`.
    pub async fn start(body: String) -> Self {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/jwks", listener.local_addr().expect("address"));
        let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let body = Arc::new(Mutex::new(body));
        let redirect = Arc::new(Mutex::new(None::<String>));
        let (hits_in_loop, body_in_loop, redirect_in_loop) = (hits.clone(), body.clone(), redirect.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                hits_in_loop.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let body = body_in_loop.lock().unwrap_or_else(|e| e.into_inner()).clone();
                let redirect = redirect_in_loop.lock().unwrap_or_else(|e| e.into_inner()).clone();
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let response = match redirect {
                        Some(location) => format!(
                            "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        ),
                        None => format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        ),
                    };
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Self { url, hits, body, redirect, accept }
    }

    /// Requests served so far.
    pub fn hits(&self) -> usize {
        self.hits.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Answers every request with a `302 Found` to `location` from now on.
    pub fn redirect_to(&self, location: &str) {
        *self.redirect.lock().unwrap_or_else(|e| e.into_inner()) = Some(location.to_owned());
    }

    /// Serves `body` from now on.
    pub fn set_body(&self, body: String) {
        *self.body.lock().unwrap_or_else(|e| e.into_inner()) = body;
    }

    /// Stops listening: further connections are refused.
    pub fn stop(&self) {
        self.accept.abort();
    }
}

/// A local server implementing Middesk's Webhooks API as [`crate::middesk::api`] reads it: it
/// checks method, path, the bearer key and the fields (unknown or mistyped fields are a 422),
/// keeps webhooks with their secrets, pages its list, and can be told to fail.
pub struct MockMiddesk {
    /// `http://127.0.0.1:port`.
    pub url: String,
    state: Arc<Mutex<MockState>>,
    accept: tokio::task::JoinHandle<()>,
}

/// A webhook as the mock keeps it: what Middesk shows, and the secret it signs with.
#[derive(Debug, Clone)]
pub struct MockWebhook {
    /// The webhook as the API shows it.
    pub webhook: crate::middesk::api::Webhook,
    /// The signing secret it holds.
    pub secret: Option<String>,
}

#[derive(Default)]
struct MockState {
    api_key: String,
    webhooks: Vec<MockWebhook>,
    /// Answers to give before serving anything again, in order.
    failures: std::collections::VecDeque<u16>,
    /// Answers to give to the next creates and updates (reads are served).
    write_failures: std::collections::VecDeque<u16>,
    /// Every request: method and path.
    requests: Vec<(String, String)>,
    next_id: usize,
    /// Businesses by id, as "Retrieve a business" answers them.
    businesses: std::collections::HashMap<String, serde_json::Value>,
    /// How long to wait before answering the next requests, in order.
    delays: std::collections::VecDeque<std::time::Duration>,
}

impl MockMiddesk {
    /// Starts a server accepting `api_key`.
    pub async fn start(api_key: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let state = Arc::new(Mutex::new(MockState { api_key: api_key.to_owned(), ..MockState::default() }));
        let shared = state.clone();
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = shared.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let state = state.clone();
                        async move { Ok::<_, std::convert::Infallible>(mock_answer(&state, request).await) }
                    });
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
                });
            }
        });
        Self { url, state, accept }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, MockState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a webhook as if made in Middesk's dashboard; returns its id.
    pub fn add(&self, url: &str, enabled_events: &[&str], secret: Option<&str>) -> String {
        let mut state = self.state();
        state.next_id += 1;
        let id = format!("wh_{:04}", state.next_id);
        state.webhooks.push(MockWebhook {
            webhook: crate::middesk::api::Webhook {
                id: id.clone(),
                url: url.to_owned(),
                enabled_events: enabled_events.iter().map(|e| e.to_string()).collect(),
                include: None,
                disabled_at: None,
            },
            secret: secret.map(str::to_owned),
        });
        id
    }

    /// Every webhook with its secret.
    pub fn webhooks(&self) -> Vec<MockWebhook> {
        self.state().webhooks.clone()
    }

    /// Disables webhook `id` (as Middesk does after failures, or a user in the dashboard).
    pub fn disable(&self, id: &str) {
        for w in self.state().webhooks.iter_mut().filter(|w| w.webhook.id == id) {
            w.webhook.disabled_at = Some("2026-01-01T00:00:00Z".to_owned());
        }
    }

    /// Enables webhook `id` again (as Middesk's dashboard does).
    pub fn enable(&self, id: &str) {
        for w in self.state().webhooks.iter_mut().filter(|w| w.webhook.id == id) {
            w.webhook.disabled_at = None;
        }
    }

    /// Answers the next requests with these statuses (429 with `Retry-After: 1`), then serves.
    pub fn fail_next(&self, statuses: &[u16]) {
        self.state().failures.extend(statuses);
    }

    /// Forgets the failures not yet given: serves every request again.
    pub fn serve_again(&self) {
        let mut state = self.state();
        state.failures.clear();
        state.write_failures.clear();
    }

    /// Answers the next creates and updates with these statuses; reads are still served.
    pub fn fail_next_write(&self, statuses: &[u16]) {
        self.state().write_failures.extend(statuses);
    }

    /// Every request so far: method and path.
    pub fn requests(&self) -> Vec<(String, String)> {
        self.state().requests.clone()
    }

    /// Keeps `business` (a business object, by its `id`) for `GET /v1/businesses/{id}`.
    pub fn put_business(&self, business: serde_json::Value) {
        let id = business["id"].as_str().expect("a business has an id").to_owned();
        self.state().businesses.insert(id, business);
    }

    /// Answers the next requests only after these waits, in order (a slow Middesk).
    pub fn delay_next(&self, delays: &[std::time::Duration]) {
        self.state().delays.extend(delays);
    }
}

impl Drop for MockMiddesk {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

type MockResponse = http::Response<http_body_util::Full<bytes::Bytes>>;

fn mock_json(status: u16, body: serde_json::Value) -> MockResponse {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("retry-after", "1")
        .body(http_body_util::Full::new(bytes::Bytes::from(body.to_string())))
        .expect("response")
}

fn mock_error(status: u16, message: &str) -> MockResponse {
    mock_json(status, serde_json::json!({ "errors": [{ "message": message }] }))
}

/// Checks a create or update body: only documented fields, each of its type.
fn mock_fields(body: &serde_json::Value, create: bool) -> Result<(), String> {
    let object = body.as_object().ok_or("body must be a JSON object")?;
    for (name, value) in object {
        let ok = match name.as_str() {
            "url" | "secret" | "include" => value.is_string(),
            "enabled_events" => {
                value.as_array().is_some_and(|a| !a.is_empty() && a.iter().all(|e| e.is_string()))
            }
            "disabled_at" if !create => value.is_string() || value.is_null(),
            n if n.starts_with("oidc_") => true,
            _ => return Err(format!("unknown field {name}")),
        };
        if !ok {
            return Err(format!("{name} is invalid"));
        }
    }
    if create && !(object.contains_key("url") && object.contains_key("enabled_events")) {
        return Err("url and enabled_events are required".into());
    }
    Ok(())
}

async fn mock_answer(
    state: &Arc<Mutex<MockState>>,
    request: http::Request<hyper::body::Incoming>,
) -> MockResponse {
    use http_body_util::BodyExt as _;
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let delay = state.lock().unwrap_or_else(|e| e.into_inner()).delays.pop_front();
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
    let path = parts.uri.path().to_owned();
    state.requests.push((parts.method.to_string(), parts.uri.to_string()));
    if let Some(status) = state.failures.pop_front() {
        return mock_error(status, "injected failure");
    }
    if parts.method != http::Method::GET
        && let Some(status) = state.write_failures.pop_front()
    {
        return mock_error(status, "injected failure");
    }
    let authorized = parts.headers.get("authorization").and_then(|v| v.to_str().ok())
        == Some(format!("Bearer {}", state.api_key).as_str());
    if !authorized {
        return mock_error(401, "Unauthorized");
    }
    let json =
        || serde_json::from_slice::<serde_json::Value>(&body).map_err(|_| "body is not JSON".to_owned());
    let show = |w: &MockWebhook| serde_json::to_value(&w.webhook).expect("webhook");
    match (parts.method.as_str(), path.as_str()) {
        ("GET", "/v1/webhooks") => {
            let query: std::collections::HashMap<String, String> = parts
                .uri
                .query()
                .unwrap_or_default()
                .split('&')
                .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
                .collect();
            let page: usize = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1).max(1);
            let per_page: usize =
                query.get("per_page").and_then(|p| p.parse().ok()).unwrap_or(10).clamp(1, 100);
            let data: Vec<_> =
                state.webhooks.iter().skip((page - 1) * per_page).take(per_page).map(show).collect();
            let has_more = state.webhooks.len() > page * per_page;
            mock_json(200, serde_json::json!({ "object": "list", "data": data, "has_more": has_more }))
        }
        // Retrieve a business: the business object, or 404.
        ("GET", p) if p.starts_with("/v1/businesses/") => {
            let id = &p["/v1/businesses/".len()..];
            match state.businesses.get(id) {
                Some(business) => mock_json(200, business.clone()),
                None => mock_error(404, "Business not found"),
            }
        }
        ("POST", "/v1/webhooks") => {
            let body = match json().and_then(|b| mock_fields(&b, true).map(|()| b)) {
                Ok(body) => body,
                Err(message) => return mock_error(422, &message),
            };
            state.next_id += 1;
            let webhook = MockWebhook {
                webhook: crate::middesk::api::Webhook {
                    id: format!("wh_{:04}", state.next_id),
                    url: body["url"].as_str().unwrap_or_default().to_owned(),
                    enabled_events: serde_json::from_value(body["enabled_events"].clone())
                        .unwrap_or_default(),
                    include: body["include"].as_str().map(str::to_owned),
                    disabled_at: None,
                },
                secret: body["secret"].as_str().map(str::to_owned),
            };
            let shown = show(&webhook);
            state.webhooks.push(webhook);
            mock_json(201, shown)
        }
        ("PATCH", p) if p.starts_with("/v1/webhooks/") => {
            let id = &p["/v1/webhooks/".len()..];
            let body = match json().and_then(|b| mock_fields(&b, false).map(|()| b)) {
                Ok(body) => body,
                Err(message) => return mock_error(422, &message),
            };
            let Some(w) = state.webhooks.iter_mut().find(|w| w.webhook.id == id) else {
                return mock_error(404, "Not found");
            };
            if let Some(url) = body["url"].as_str() {
                w.webhook.url = url.to_owned();
            }
            if let Ok(events) = serde_json::from_value(body["enabled_events"].clone()) {
                w.webhook.enabled_events = events;
            }
            if let Some(include) = body["include"].as_str() {
                w.webhook.include = Some(include.to_owned());
            }
            if body.get("disabled_at").is_some() {
                w.webhook.disabled_at = body["disabled_at"].as_str().map(str::to_owned);
            }
            if let Some(secret) = body["secret"].as_str() {
                w.secret = Some(secret.to_owned());
            }
            mock_json(200, show(w))
        }
        ("GET" | "POST" | "PATCH" | "PUT" | "DELETE", _) => mock_error(404, "Not found"),
        _ => mock_error(405, "Method not allowed"),
    }
}
