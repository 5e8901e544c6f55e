//! Helpers shared by the verifier's tests: gateway events as `lambda_http` requests.
#![allow(dead_code)]

use lambda_http::Request;
use middesk_webhooks::verify::sample::{self, GatewayShape};
use serde_json::json;

/// A gateway event carrying `body` and `headers`, as the Lambda runtime would hand it over.
pub fn gateway_event<K: AsRef<str>, V: AsRef<str>>(
    shape: GatewayShape,
    method: &str,
    body: &[u8],
    headers: &[(K, V)],
    base64: bool,
) -> Request {
    let event = sample::gateway_event(shape, method, body, headers, base64);
    lambda_http::request::from_str(&event.to_string()).expect("a valid gateway event")
}

/// A signed POST as Middesk would send it.
pub fn signed_post(shape: GatewayShape, secret: &str, body: &[u8], correlation_id: Option<&str>) -> Request {
    let headers = sample::signed_headers(secret, body, correlation_id);
    gateway_event(shape, "POST", body, &headers, false)
}

/// When this test process started, as `created_at`: recent enough for the verifier's replay
/// window, and the same for every body so that the same id and type give the same bytes (as
/// Middesk's retries do).
fn created_at() -> &'static str {
    static STARTED: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    STARTED.get_or_init(|| humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string())
}

/// A Middesk event body of the given type, created when the test process started.
pub fn event_body(id: &str, event_type: &str) -> Vec<u8> {
    event_body_created(id, event_type, created_at())
}

/// A Middesk event body of the given type, created at `created_at` (RFC 3339).
pub fn event_body_created(id: &str, event_type: &str, created_at: &str) -> Vec<u8> {
    let object = event_type.split('.').next().unwrap_or("object");
    json!({
        "object": "event",
        "id": id,
        "type": event_type,
        "data": { "object": { "id": format!("{object}-{id}"), "object": object } },
        "created_at": created_at
    })
    .to_string()
    .into_bytes()
}

/// Our Middesk account, as the tests' account lists name it.
pub const OUR_ACCOUNT: &str = middesk_webhooks::verify::sample::SAMPLE_ACCOUNT_ID;
/// Another Middesk customer's account.
pub const THEIR_ACCOUNT: &str = "9e3f5a10-2b7c-4d8e-a1f0-6c5b4a392817";

/// The account list `MIDDESK_ACCOUNT_IDS=<OUR_ACCOUNT>`.
pub fn our_accounts() -> Option<middesk_webhooks::verify::auth::AccountAllowList> {
    middesk_webhooks::verify::auth::AccountAllowList::parse("MIDDESK_ACCOUNT_IDS", OUR_ACCOUNT).unwrap()
}

/// A receipt's outcome as the tests compare it: the outcome, and `(anybody's)` after a refusal
/// the verdict finds anybody's (counted for the dashboard, nothing kept).
pub fn verdict_label(receipt: &middesk_webhooks::Receipt) -> &'static str {
    use middesk_webhooks::verify::verdict::Whose;
    let label = match receipt.result.as_ref().err().and_then(|e| e.whose()) {
        Some(Whose::Anybody) => format!("{} (anybody's)", receipt.outcome()),
        _ => receipt.outcome().to_owned(),
    };
    // Tests compare with literals; a few bytes per call is nothing in a test process.
    Box::leak(label.into_boxed_str())
}
