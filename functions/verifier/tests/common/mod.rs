//! Helpers shared by the verifier's tests: API Gateway events from fixture files, and an AWS
//! emulator (moto's server, started by `scripts/test`) reached over real HTTP.
#![allow(dead_code)]

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sqs::config::Credentials;
use base64::Engine as _;
use lambda_http::Request;
use middesk_webhooks::SigningKey;
use serde_json::{Value, json};

/// The API Gateway / function URL event shapes the verifier must accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    RestV1,
    HttpV2,
    FunctionUrl,
}

impl Shape {
    pub const ALL: [Shape; 3] = [Shape::RestV1, Shape::HttpV2, Shape::FunctionUrl];

    fn template(self) -> &'static str {
        match self {
            Shape::RestV1 => include_str!("../fixtures/apigw_v1_request.json"),
            Shape::HttpV2 => include_str!("../fixtures/apigw_v2_request.json"),
            Shape::FunctionUrl => include_str!("../fixtures/function_url_request.json"),
        }
    }
}

/// Builds a gateway event carrying `body` and `headers`, base64-encoding the body if asked.
pub fn gateway_event(
    shape: Shape,
    method: &str,
    body: &[u8],
    headers: &[(&str, &str)],
    base64: bool,
) -> Request {
    let mut event: Value = serde_json::from_str(shape.template()).unwrap();
    event["body"] = if base64 {
        json!(base64::engine::general_purpose::STANDARD.encode(body))
    } else {
        json!(std::str::from_utf8(body).expect("a text body, or ask for base64"))
    };
    event["isBase64Encoded"] = json!(base64);
    for (name, value) in headers {
        event["headers"][*name] = json!(value);
        if shape == Shape::RestV1 {
            event["multiValueHeaders"][*name] = json!([value]);
        }
    }
    match shape {
        Shape::RestV1 => {
            event["httpMethod"] = json!(method);
            event["requestContext"]["httpMethod"] = json!(method);
        }
        Shape::HttpV2 | Shape::FunctionUrl => event["requestContext"]["http"]["method"] = json!(method),
    }
    lambda_http::request::from_str(&event.to_string()).expect("a valid gateway event")
}

/// A signed POST as Middesk would send it.
pub fn signed_post(shape: Shape, secret: &str, body: &[u8], correlation_id: Option<&str>) -> Request {
    let signature = SigningKey::new(secret).sign(body);
    let mut headers = vec![("X-Middesk-Signature-256", signature.as_str())];
    if let Some(c) = correlation_id {
        headers.push(("X-Correlation-Id", c));
    }
    gateway_event(shape, "POST", body, &headers, false)
}

/// A Middesk event body of the given type.
pub fn event_body(id: &str, event_type: &str) -> Vec<u8> {
    let object = event_type.split('.').next().unwrap_or("object");
    json!({
        "object": "event",
        "id": id,
        "type": event_type,
        "data": { "object": { "id": format!("{object}-{id}"), "object": object } },
        "created_at": "2026-11-23T12:00:00.000Z"
    })
    .to_string()
    .into_bytes()
}

/// A short unique suffix so tests sharing one emulator never see each other's resources.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{prefix}-{}-{nanos}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

/// The emulator's endpoint, from `MOTO_ENDPOINT` (set by `scripts/test`).
pub fn emulator_endpoint() -> String {
    std::env::var("MOTO_ENDPOINT")
        .expect("MOTO_ENDPOINT is not set: run ./scripts/test, which starts the AWS emulator for these tests")
}

/// An SDK configuration that talks to `endpoint` with test credentials.
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

/// Creates a queue and returns its URL.
pub async fn create_queue(sqs: &aws_sdk_sqs::Client, name: &str) -> String {
    let mut request = sqs.create_queue().queue_name(name);
    if name.ends_with(".fifo") {
        request = request.attributes(aws_sdk_sqs::types::QueueAttributeName::FifoQueue, "true");
    }
    request.send().await.expect("create queue").queue_url.expect("queue url")
}

/// Every message now in the queue (received, not deleted).
pub async fn drain(sqs: &aws_sdk_sqs::Client, queue_url: &str) -> Vec<aws_sdk_sqs::types::Message> {
    let mut all = Vec::new();
    loop {
        let out = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .message_attribute_names("All")
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

/// A TCP proxy on loopback in front of the emulator that can be cut, so that a dependency
/// becomes truly unreachable (connection refused) in the middle of a test.
pub struct CuttableProxy {
    pub endpoint: String,
    tasks: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl CuttableProxy {
    pub async fn start(upstream: &str) -> Self {
        let upstream = upstream.trim_start_matches("http://").trim_end_matches('/').to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let tasks = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let tasks_in_loop = tasks.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks_in_loop.lock().unwrap().push(task);
            }
        });
        Self { endpoint, tasks, accept }
    }

    /// Closes the listener and every open connection: new connections are refused.
    pub fn cut(&self) {
        self.accept.abort();
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

/// A loopback URL on which nothing listens.
pub fn refused_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}
