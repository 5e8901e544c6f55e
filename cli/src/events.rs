//! The generator of `events/`: request events for `cargo lambda invoke`, signed with
//! [`TEST_SECRET`], plus negative cases and SQS batches for the consumers. Deterministic, so a
//! test can tell when the checked-in files are stale.

use middesk_webhooks::message::attribute;
use middesk_webhooks::verify::sample::{
    GatewayShape, TEST_OIDC_AUDIENCE, TEST_OIDC_CLIENT, TEST_OIDC_ISSUER, TEST_SECRET, correlation_id_of,
    gateway_event, sample_payload, signed_headers, sqs_batch_event, test_bearer_token,
    test_client_certificate, test_jwks, with_client_certificate,
};
use serde_json::Value;

/// One generated file: its path under `events/` and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFile {
    /// Path relative to `events/`.
    pub path: String,
    /// File contents.
    pub contents: String,
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(&sorted_keys(value)).unwrap_or_default() + "\n"
}

/// `value` with every object's keys in sorted order. What the generated files hold must not
/// depend on serde_json's map (sorted by default, in insertion order when any crate of the
/// build turns on its `preserve_order` feature, as a test dependency of the CLI does).
pub fn sorted_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().map(|k| (k.clone(), sorted_keys(&map[k]))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted_keys).collect()),
        other => other.clone(),
    }
}

/// Every file of `shared/schemas/` (`middesk_webhooks::schema`), path and text: pretty JSON,
/// keys sorted, so that the committed files are reproducible.
pub fn schema_files() -> Vec<(String, String)> {
    middesk_webhooks::schema::files()
        .into_iter()
        .map(|(path, schema)| {
            let text = serde_json::to_string_pretty(&sorted_keys(&schema)).unwrap_or_default();
            (path, text + "\n")
        })
        .collect()
}

fn request(shape: GatewayShape, body: &[u8], secret: Option<&str>, base64: bool) -> Value {
    let headers = match secret {
        Some(secret) => signed_headers(secret, body, correlation_id_of(body).as_deref()),
        None => vec![("Content-Type".to_owned(), "application/json".to_owned())],
    };
    gateway_event(shape, "POST", body, &headers, base64)
}

/// Every file of `events/`.
pub fn event_files() -> Vec<EventFile> {
    let mut files = vec![EventFile { path: "README.md".into(), contents: readme() }];
    let mut add = |path: String, value: Value| files.push(EventFile { path, contents: pretty(&value) });
    for entry in middesk_webhooks::catalogue::CATALOGUE {
        let (event_type, body) = (entry.event_type, entry.sample.as_bytes());
        add(format!("http/{event_type}.json"), request(GatewayShape::HttpV2, body, Some(TEST_SECRET), false));
        add(format!("rest/{event_type}.json"), request(GatewayShape::RestV1, body, Some(TEST_SECRET), false));
    }
    let business = sample_payload("business.updated").unwrap_or_default().as_bytes();
    let unknown = include_bytes!("../../shared/tests/fixtures/unknown_type.json");
    add(
        "edge/base64-body-http.json".into(),
        request(GatewayShape::HttpV2, business, Some(TEST_SECRET), true),
    );
    add(
        "edge/base64-body-rest.json".into(),
        request(GatewayShape::RestV1, business, Some(TEST_SECRET), true),
    );
    add(
        "edge/function-url.json".into(),
        request(GatewayShape::FunctionUrl, business, Some(TEST_SECRET), false),
    );
    add("edge/unknown-type.json".into(), request(GatewayShape::HttpV2, unknown, Some(TEST_SECRET), false));
    add(
        "edge/malformed-body.json".into(),
        request(GatewayShape::HttpV2, b"{\"hello\": \"not an event\"}", Some(TEST_SECRET), false),
    );

    let mut tampered = request(GatewayShape::HttpV2, business, Some(TEST_SECRET), false);
    let body = tampered["body"].as_str().unwrap_or_default().replacen("in_review", "approved", 1);
    tampered["body"] = body.into();
    add("negative/tampered-body.json".into(), tampered);
    add(
        "negative/wrong-secret.json".into(),
        request(GatewayShape::HttpV2, business, Some("sec_not_the_secret"), false),
    );
    add("negative/missing-signature.json".into(), request(GatewayShape::HttpV2, business, None, false));
    let mut malformed = request(GatewayShape::RestV1, business, Some(TEST_SECRET), false);
    malformed["headers"]["X-Middesk-Signature-256"] = "sha256=not-hex".into();
    malformed["multiValueHeaders"]["X-Middesk-Signature-256"] = serde_json::json!(["sha256=not-hex"]);
    add("negative/malformed-signature.json".into(), malformed);
    let mut base64_tampered = request(GatewayShape::HttpV2, business, Some(TEST_SECRET), true);
    base64_tampered["body"] = request(GatewayShape::HttpV2, unknown, None, true)["body"].clone();
    add("negative/base64-body-tampered.json".into(), base64_tampered);

    // Other authentication modes: no signature; a client certificate, or a bearer token.
    for shape in [GatewayShape::HttpV2, GatewayShape::RestV1] {
        let name = if shape == GatewayShape::HttpV2 { "http" } else { "rest" };
        let unsigned = request(shape, business, None, false);
        add(
            format!("mtls/{name}.json"),
            with_client_certificate(unsigned.clone(), shape, test_client_certificate()),
        );
        let mut bearer = unsigned;
        bearer["headers"]["Authorization"] = format!("Bearer {}", test_bearer_token()).into();
        if shape == GatewayShape::RestV1 {
            bearer["multiValueHeaders"]["Authorization"] =
                serde_json::json!([format!("Bearer {}", test_bearer_token())]);
        }
        add(format!("oidc/{name}.json"), bearer);
    }
    add("oidc/jwks.json".into(), test_jwks());

    let business_arn = "arn:aws:sqs:us-east-1:123456789012:middesk-webhooks-BusinessUpdatedQueue";
    let business_event: Value = serde_json::from_slice(business).unwrap_or_default();
    let id = business_event["id"].as_str().unwrap_or_default();
    let attrs: &[(&str, &str)] = &[(attribute::EVENT_TYPE, "business.updated"), (attribute::EVENT_ID, id)];
    let payload = std::str::from_utf8(business).unwrap_or_default();
    add(
        "sqs/business-decision.json".into(),
        sqs_batch_event(business_arn, &[("msg-1", payload, attrs), ("msg-2-redelivery", payload, attrs)]),
    );
    let catch_all_arn = "arn:aws:sqs:us-east-1:123456789012:middesk-webhooks-CatchAllQueue";
    let unknown = std::str::from_utf8(unknown).unwrap_or_default();
    add(
        "sqs/event-logger.json".into(),
        sqs_batch_event(
            catch_all_arn,
            &[
                ("msg-1", unknown, &[(attribute::EVENT_TYPE, "beneficial_owner.verified")]),
                ("msg-2-malformed", "{\"hello\": \"not an event\"}", &[(attribute::MALFORMED, "true")]),
            ],
        ),
    );
    files
}

fn readme() -> String {
    format!(
        "# Sample events\n\n\
         Generated by `cargo run -p middesk-webhooks-cli -- generate-events`; do not edit by hand\n\
         (a test fails when these files are stale). Request events are signed with the test secret\n\
         `{TEST_SECRET}`.\n\n\
         | folder | what | verifier answers |\n\
         |---|---|---|\n\
         | `http/` | HTTP API (v2) request for each documented event type | 202 |\n\
         | `rest/` | REST API (v1) request for each documented event type | 202 |\n\
         | `edge/` | base64 bodies, a function URL, an unknown type, a signed body that is not an event | 202 |\n\
         | `negative/` | tampered body, wrong secret, missing or malformed signature | 401 |\n\
         | `mtls/` | unsigned, with a (self-signed, test-only) Middesk client certificate in the request context | 202 with `AUTH_METHODS=mtls` |\n\
         | `oidc/` | unsigned, with a bearer token for issuer `{TEST_OIDC_ISSUER}`, audience `{TEST_OIDC_AUDIENCE}` and client `{TEST_OIDC_CLIENT}`; `oidc/jwks.json` is its key set | 202 with `AUTH_METHODS=oidc`, `OIDC_ALLOWED_CLIENTS={TEST_OIDC_CLIENT}` and that JWKS served |\n\
         | `sqs/` | SQS batches for the example consumers | `batchItemFailures` |\n\n\
         The payloads keep the samples' fixed `created_at`, so that these files are reproducible.\n\
         The answers above are the verifier's at that date: from four days later its default replay\n\
         window answers `400 event too old`, as it would a replayed event. For a request that\n\
         verifies on any date, let the CLI sign a sample created now (see\n\
         [local development](../docs/local-development.md)), or set `MAX_EVENT_AGE_SECONDS=0` to use these as they are:\n\n\
         ```sh\n\
         cargo run -q -p middesk-webhooks-cli -- event --type business.updated > .local/business.updated.json\n\
         cargo lambda invoke verifier --data-file .local/business.updated.json\n\
         cargo lambda invoke event-logger --data-file events/sqs/event-logger.json\n\
         ```\n"
    )
}
