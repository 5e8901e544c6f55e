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
        static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    }
    // lambda_http's event-to-request conversion panics on some malformed events (an invalid
    // URI, undecodable base64); handle_event catches those and answers 400. Let exactly those
    // unwind to it; any other panic aborts, as libFuzzer's hook does, and is reported.
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let file = info.location().map(|l| l.file()).unwrap_or_default();
            if !(file.contains("/lambda_http-") || file.contains("/aws_lambda_events-")) {
                fuzzer_hook(info);
            }
        }));
    });
    // As the runtime does: deserialise the event, then hand it to the verifier's edge.
    let Ok(payload) = serde_json::from_slice::<lambda_http::request::LambdaRequest>(data) else { return };
    RECEIVER.with(|receiver| {
        RUNTIME.with(|runtime| {
            let event = lambda_http::LambdaEvent::new(payload, lambda_http::Context::default());
            let response = runtime.block_on(verifier::handle_event(receiver, "", event, std::time::SystemTime::now())).unwrap();
            assert_ne!(response.status(), 500, "a panic or internal error");
            // Whatever was enqueued carried a valid signature over exactly the bytes enqueued.
            for message in receiver.publisher().messages() {
                let base64 = message.attributes.iter().any(|(n, v)| n == "body_encoding" && v == "base64");
                let body =
                    if base64 { decode_base64(&message.body) } else { message.body.clone().into_bytes() };
                let signed =
                    signatures(data).iter().any(|s| common::validly_signed(&body, Some(s.as_bytes())));
                assert!(signed, "enqueued without a valid signature");
            }
            receiver.publisher().clear();
        })
    });
});

/// Every value the event gives for the signature header, in `headers` or `multiValueHeaders`.
fn signatures(data: &[u8]) -> Vec<String> {
    let Ok(event) = serde_json::from_slice::<serde_json::Value>(data) else { return Vec::new() };
    let mut found = Vec::new();
    for field in ["headers", "multiValueHeaders"] {
        for (name, value) in event[field].as_object().into_iter().flatten() {
            if name.eq_ignore_ascii_case("x-middesk-signature-256") {
                match value {
                    serde_json::Value::String(s) => found.push(s.clone()),
                    serde_json::Value::Array(items) => {
                        found.extend(items.iter().filter_map(|i| i.as_str().map(str::to_owned)))
                    }
                    _ => {}
                }
            }
        }
    }
    found
}

fn decode_base64(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text).expect("the verifier wrote valid base64")
}
