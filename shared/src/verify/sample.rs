//! Sample Middesk payloads and API Gateway request events: for tests, the `events/` generator,
//! the local demo and the `middesk-webhooks` CLI. The JSON lives in `shared/samples/`.

use base64::Engine as _;
use serde_json::{Value, json};

use crate::verify::signature::SigningKey;

/// The request event shapes the verifier accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GatewayShape {
    /// API Gateway REST API (payload format 1.0).
    RestV1,
    /// API Gateway HTTP API (payload format 2.0).
    HttpV2,
    /// Lambda function URL (payload format 2.0 with function-URL context).
    FunctionUrl,
}

impl GatewayShape {
    /// Every shape.
    pub const ALL: [GatewayShape; 3] =
        [GatewayShape::RestV1, GatewayShape::HttpV2, GatewayShape::FunctionUrl];

    /// A short name: `rest`, `http` or `url`.
    pub fn name(self) -> &'static str {
        match self {
            Self::RestV1 => "rest",
            Self::HttpV2 => "http",
            Self::FunctionUrl => "url",
        }
    }

    /// Parses a short name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    fn template(self) -> &'static str {
        match self {
            Self::RestV1 => include_str!("../../samples/apigw_v1_request.json"),
            Self::HttpV2 => include_str!("../../samples/apigw_v2_request.json"),
            Self::FunctionUrl => include_str!("../../samples/function_url_request.json"),
        }
    }
}

/// A request event of `shape` carrying `body` and `headers`. The body is base64-encoded when
/// asked, or when it is not UTF-8 (as API Gateway does for binary bodies).
pub fn gateway_event<K: AsRef<str>, V: AsRef<str>>(
    shape: GatewayShape,
    method: &str,
    body: &[u8],
    headers: &[(K, V)],
    base64: bool,
) -> Value {
    let mut event: Value = serde_json::from_str(shape.template()).unwrap_or_default();
    let text = if base64 { None } else { std::str::from_utf8(body).ok() };
    event["body"] = match text {
        Some(text) => json!(text),
        None => json!(base64::engine::general_purpose::STANDARD.encode(body)),
    };
    event["isBase64Encoded"] = json!(text.is_none());
    for (name, value) in headers {
        let (name, value) = (name.as_ref(), value.as_ref());
        event["headers"][name] = json!(value);
        if shape == GatewayShape::RestV1 {
            event["multiValueHeaders"][name] = json!([value]);
        }
    }
    match shape {
        GatewayShape::RestV1 => {
            event["httpMethod"] = json!(method);
            event["requestContext"]["httpMethod"] = json!(method);
        }
        GatewayShape::HttpV2 | GatewayShape::FunctionUrl => {
            event["requestContext"]["http"]["method"] = json!(method);
        }
    }
    event
}

/// `payload` with its envelope's `created_at` set to `now` (pretty-printed JSON); a payload
/// that is not a JSON object comes back unchanged.
pub fn created_now(payload: &str, now: std::time::SystemTime) -> Vec<u8> {
    match serde_json::from_str::<Value>(payload) {
        Ok(mut event @ Value::Object(_)) => {
            event["created_at"] = json!(humantime::format_rfc3339_millis(now).to_string());
            serde_json::to_vec_pretty(&event).unwrap_or_else(|_| payload.as_bytes().to_vec())
        }
        _ => payload.as_bytes().to_vec(),
    }
}

/// When a payload says it was created (its envelope's `created_at`), if it says so in RFC 3339.
/// Tests that send a fixture with a fixed date set their clock from this, so that the replay
/// window judges the fixture's age, not the calendar's.
pub fn created_at_of(payload: &[u8]) -> Option<std::time::SystemTime> {
    let value: Value = serde_json::from_slice(payload).ok()?;
    crate::envelope::parse_rfc3339(value["created_at"].as_str()?)
}

/// The headers Middesk sends with a signed webhook: the signature, and the correlation id.
pub fn signed_headers(secret: &str, body: &[u8], correlation_id: Option<&str>) -> Vec<(String, String)> {
    let mut headers = vec![
        ("Content-Type".to_owned(), "application/json".to_owned()),
        ("X-Middesk-Signature-256".to_owned(), SigningKey::new(secret).sign(body)),
    ];
    if let Some(id) = correlation_id {
        headers.push(("X-Correlation-Id".to_owned(), id.to_owned()));
    }
    headers
}

/// The id of the main object of a payload (its `business_id`, else its `id`), which Middesk
/// sends as `X-Correlation-Id`. The object is `data.object`, or `data` itself when Middesk puts
/// the resource directly in `data` (`data.object` is then the kind's name).
pub fn correlation_id_of(payload: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(payload).ok()?;
    let data = &value["data"];
    let object = if data["object"].is_string() { data } else { &data["object"] };
    object["business_id"].as_str().or(object["id"].as_str()).map(str::to_owned)
}

/// The signing secret of the checked-in sample events in `events/`. For local use only.
pub const TEST_SECRET: &str = "sec_test_middesk_webhooks_local";

/// One SQS record of a sample batch: message id, body, and string message attributes.
pub type SampleRecord<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

/// A Lambda SQS batch event (as an event source mapping delivers it).
pub fn sqs_batch_event(queue_arn: &str, records: &[SampleRecord<'_>]) -> Value {
    let template: Value =
        serde_json::from_str(include_str!("../../samples/sqs_record.json")).unwrap_or_default();
    let records: Vec<Value> = records
        .iter()
        .map(|(id, body, attributes)| {
            let mut record = template.clone();
            record["messageId"] = json!(id);
            record["body"] = json!(body);
            record["eventSourceARN"] = json!(queue_arn);
            for (name, value) in *attributes {
                record["messageAttributes"][*name] = json!({ "stringValue": value, "dataType": "String" });
            }
            record
        })
        .collect();
    json!({ "Records": records })
}

/// A self-signed test certificate with Middesk's subject, in API Gateway's `clientCert` shape
/// (`clientCertPem`, `subjectDN`, `issuerDN`, `serialNumber`, `validity`). Test use only.
pub fn test_client_certificate() -> Value {
    let mut cert: Value =
        serde_json::from_str(include_str!("../../samples/mtls/client-cert.json")).unwrap_or_default();
    cert["clientCertPem"] = json!(include_str!("../../samples/mtls/middesk-test-client.pem"));
    cert
}

/// Puts `client_cert` where API Gateway puts a mutual-TLS client certificate for `shape`.
pub fn with_client_certificate(mut event: Value, shape: GatewayShape, client_cert: Value) -> Value {
    match shape {
        GatewayShape::RestV1 => event["requestContext"]["identity"]["clientCert"] = client_cert,
        GatewayShape::HttpV2 | GatewayShape::FunctionUrl => {
            event["requestContext"]["authentication"] = json!({ "clientCert": client_cert });
        }
    }
    event
}

/// Issuer of the sample bearer tokens.
pub const TEST_OIDC_ISSUER: &str = "https://idp.example.com/";
/// The client the test token is issued to (its `sub`; set `OIDC_ALLOWED_CLIENTS` to it).
pub const TEST_OIDC_CLIENT: &str = "middesk-webhook-worker";
/// Audience (resource URI) of the sample bearer tokens.
pub const TEST_OIDC_AUDIENCE: &str = "https://hooks.example.com/webhooks/middesk";
/// Key id of the sample signing key.
pub const TEST_OIDC_KID: &str = "middesk-webhooks-test";

/// A bearer token signed (ES256) with the sample test key, valid from 2026-11-23 to 2036:
/// `iss` [`TEST_OIDC_ISSUER`], `aud` [`TEST_OIDC_AUDIENCE`], `sub` [`TEST_OIDC_CLIENT`], `kid`
/// [`TEST_OIDC_KID`]. Kept in a file: ECDSA signatures are randomised, and `events/` must be
/// reproducible.
#[cfg(feature = "verify")]
pub fn test_bearer_token() -> String {
    include_str!("../../samples/oidc/test-token.jwt").trim().to_owned()
}

/// The JWKS with the sample key's public half.
#[cfg(feature = "verify")]
pub fn test_jwks() -> Value {
    let pem = include_bytes!("../../samples/oidc/test-signing-key.pem");
    let jwk = jsonwebtoken::EncodingKey::from_ec_pem(pem)
        .and_then(|k| jsonwebtoken::jwk::Jwk::from_encoding_key(&k, jsonwebtoken::Algorithm::ES256));
    let mut jwk = serde_json::to_value(jwk.ok()).unwrap_or_default();
    jwk["kid"] = json!(TEST_OIDC_KID);
    jwk["use"] = json!("sig");
    json!({ "keys": [jwk] })
}

/// The Middesk account every sample event names (`account_id`), as every real event names its
/// own: what the local stack and the tests list in `MIDDESK_ACCOUNT_IDS`.
pub const SAMPLE_ACCOUNT_ID: &str = "5b1c86a4-3a7e-4f0e-9d59-6f1d2f8e4c10";

/// The sample payload for `event_type`, if it is a documented type (see
/// [`crate::catalogue::CATALOGUE`]).
pub fn sample_payload(event_type: &str) -> Option<&'static str> {
    crate::catalogue::entry(event_type).map(|e| e.sample)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_names_our_account_as_middesk_does() {
        for entry in crate::catalogue::CATALOGUE {
            let account = crate::envelope::account_id_of(entry.sample.as_bytes());
            assert_eq!(account.as_deref(), Some(SAMPLE_ACCOUNT_ID), "{}", entry.event_type);
        }
    }

    #[test]
    fn events_carry_body_headers_and_method() {
        for shape in GatewayShape::ALL {
            let e = gateway_event(shape, "PUT", b"{}", &[("X-A", "1")], false);
            assert_eq!(e["body"], "{}");
            assert_eq!(e["isBase64Encoded"], false);
            assert_eq!(e["headers"]["X-A"], "1");
            let binary = gateway_event::<&str, &str>(shape, "POST", b"\xff", &[], false);
            assert_eq!(binary["body"], "/w==");
            assert_eq!(binary["isBase64Encoded"], true);
            assert_eq!(GatewayShape::parse(shape.name()), Some(shape));
        }
        assert_eq!(
            gateway_event::<&str, &str>(GatewayShape::RestV1, "PUT", b"", &[], false)["httpMethod"],
            "PUT"
        );
    }

    #[test]
    #[cfg(feature = "verify")]
    fn the_test_token_is_signed_by_the_jwks_key_with_the_documented_claims() {
        use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, jwk::JwkSet};
        let token = test_bearer_token();
        let header = jsonwebtoken::decode_header(&token).unwrap();
        assert_eq!((header.alg, header.kid.as_deref()), (Algorithm::ES256, Some(TEST_OIDC_KID)));
        let keys: JwkSet = serde_json::from_value(test_jwks()).unwrap();
        let key = DecodingKey::from_jwk(&keys.keys[0]).unwrap();
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_issuer(&[TEST_OIDC_ISSUER]);
        validation.set_audience(&[TEST_OIDC_AUDIENCE]);
        let claims = decode::<Value>(&token, &key, &validation).unwrap().claims;
        assert_eq!(claims["sub"], TEST_OIDC_CLIENT);
        assert_eq!(claims["exp"], 2_110_968_000u64);
        let jwks = test_jwks();
        assert_eq!(jwks["keys"][0]["kid"], TEST_OIDC_KID);
        assert_eq!(jwks["keys"][0]["crv"], "P-256");
        assert!(jwks["keys"][0].get("d").is_none(), "the JWKS must not carry the private key");
    }

    #[test]
    fn samples_can_be_stamped_with_the_current_time() {
        let now = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_123);
        let payload = sample_payload("business.updated").unwrap();
        let stamped: Value = serde_json::from_slice(&created_now(payload, now)).unwrap();
        assert_eq!(stamped["created_at"], "2023-11-14T22:13:20.123Z");
        let original: Value = serde_json::from_str(payload).unwrap();
        assert_eq!(stamped["data"], original["data"]);
        assert_eq!(created_now("[1]", now), b"[1]");
    }

    #[test]
    fn created_at_is_read_from_the_envelope() {
        let at = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_123);
        let stamped = created_now(sample_payload("business.updated").unwrap(), at);
        assert_eq!(created_at_of(&stamped), Some(at));
        assert_eq!(created_at_of(br#"{"created_at":"yesterday"}"#), None);
        assert_eq!(created_at_of(b"[1]"), None);
    }

    #[test]
    fn correlation_id_is_the_business() {
        let payload = sample_payload("order.updated").unwrap().as_bytes();
        assert_eq!(correlation_id_of(payload).as_deref(), Some("0f86dab5-8195-4b95-b3c0-19deaeba2a8e"));
        assert_eq!(correlation_id_of(b"junk"), None);
    }
}
