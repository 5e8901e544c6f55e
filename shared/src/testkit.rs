//! Helpers for tests against an AWS emulator (moto's server) over real HTTP. Enabled by the
//! `testkit` feature; `scripts/test` starts the emulator and sets `MOTO_ENDPOINT`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use crate::aws::{lambda_sqs_event, s3_client};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sqs::config::Credentials;

/// The emulator's endpoint, from `MOTO_ENDPOINT`. Panics with a hint when it is not set: the
/// integration tests are part of the suite, never silently skipped.
pub fn emulator_endpoint() -> String {
    std::env::var("MOTO_ENDPOINT")
        .expect("MOTO_ENDPOINT is not set: run ./scripts/test, which starts the AWS emulator for these tests")
}

/// An SDK configuration for `endpoint` with test credentials and short timeouts.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(1))
                .operation_timeout(Duration::from_secs(10))
                .build(),
        )
        .load()
        .await
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

/// Creates an idempotency table (`id` string key, TTL on `expiration`) and returns its name.
pub async fn create_idempotency_table(dynamodb: &aws_sdk_dynamodb::Client, name: &str) -> String {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
        TimeToLiveSpecification,
    };
    dynamodb
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("attribute"),
        )
        .key_schema(
            KeySchemaElement::builder().attribute_name("id").key_type(KeyType::Hash).build().expect("key"),
        )
        .send()
        .await
        .expect("create table");
    dynamodb
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name("expiration")
                .enabled(true)
                .build()
                .expect("ttl"),
        )
        .send()
        .await
        .expect("enable ttl");
    name.to_owned()
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

/// A message attribute's string value.
pub fn attr<'a>(message: &'a aws_sdk_sqs::types::Message, name: &str) -> Option<&'a str> {
    message.message_attributes.as_ref()?.get(name)?.string_value.as_deref()
}

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
