//! The Lambda edge: arbitrary bytes as an API Gateway / function URL event (JSON parsing,
//! base64 bodies, header extraction, client certificate and source address), then the
//! verifier. Invariants: no panic, and acceptance only with a valid signature over the
//! decoded body.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static RECEIVER: middesk_webhooks::WebhookReceiver<middesk_webhooks::SecretVersions, middesk_webhooks::InMemoryQueues> = common::receiver();
        static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(request) = lambda_http::request::from_str(text) else { return };
    let body = request.body().as_ref().to_vec();
    let signature = request.headers().get("x-middesk-signature-256").map(|v| v.as_bytes().to_vec());
    RECEIVER.with(|receiver| {
        RUNTIME.with(|runtime| {
            let response = runtime.block_on(verifier::handle(receiver, "", request)).unwrap();
            if response.status().is_success() {
                assert!(common::validly_signed(&body, signature.as_deref()), "accepted without a valid signature");
            }
            assert_ne!(response.status(), 500, "a panic or internal error");
            receiver.publisher().clear();
        })
    });
});
