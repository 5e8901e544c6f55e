//! The core request path: arbitrary signature headers and bodies (half of them signed by the
//! harness, so that envelope parsing and routing are reached). Invariants: no panic, and a
//! request is accepted only if its signature is valid.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static RECEIVER: middesk_webhooks::WebhookReceiver<middesk_webhooks::SecretVersions, middesk_webhooks::InMemoryQueues> = common::receiver();
        static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    }
    let Some((&flags, rest)) = data.split_first() else { return };
    let header_len = usize::from(rest.first().copied().unwrap_or(0)).min(rest.len().saturating_sub(1));
    let (header, body) = rest.get(1..).unwrap_or_default().split_at(header_len);
    let signature = if flags & 1 == 1 {
        middesk_webhooks::SigningKey::new(common::SECRET).sign(body).into_bytes()
    } else {
        header.to_vec()
    };
    let mut headers = http::HeaderMap::new();
    if let Ok(value) = http::HeaderValue::from_bytes(&signature) {
        headers.insert("x-middesk-signature-256", value);
    }
    if let Ok(value) = http::HeaderValue::from_bytes(header) {
        headers.insert("x-correlation-id", value);
    }
    let method = if flags & 2 == 0 { http::Method::POST } else { http::Method::PUT };
    RECEIVER.with(|receiver| {
        RUNTIME.with(|runtime| {
            let request = middesk_webhooks::WebhookRequest {
                method: &method,
                headers: &headers,
                body,
                received_at: std::time::SystemTime::now(),
                client_certificate: None,
                source_ip: None,
                trace_header: None,
            };
            let receipt = runtime.block_on(receiver.receive(request));
            let sent = headers.get("x-middesk-signature-256").map(|v| v.as_bytes());
            if receipt.result.is_ok() {
                assert!(common::validly_signed(body, sent), "accepted without a valid signature");
            }
            receiver.publisher().clear();
        })
    });
});
