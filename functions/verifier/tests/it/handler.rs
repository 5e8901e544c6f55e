//! The Lambda edge with an in-memory queue: every gateway shape, raw-body verification,
//! status codes and response bodies. No AWS involved.

use std::time::{Duration, SystemTime};

use crate::common::{OUR_ACCOUNT, THEIR_ACCOUNT, event_body, gateway_event, our_accounts, signed_post};
use middesk_webhooks::message::attribute;
use middesk_webhooks::verify::auth::SourceIpAllowList;
use middesk_webhooks::verify::sample::{GatewayShape as Shape, created_at_of};
use middesk_webhooks::{
    InMemoryQueues, QueueRouter, ReceiverSettings, SecretCache, SecretVersions, SigningKey, WebhookReceiver,
};

const SECRET: &str = "sec_test_handler";
const BASE: &str = "http://127.0.0.1:1/123456789012";

fn receiver() -> WebhookReceiver<SecretVersions, InMemoryQueues> {
    receiver_with(SecretVersions {
        current: SigningKey::new(SECRET),
        pending: Vec::new(),
        current_created: SystemTime::now(),
        previous: None,
        previous_fetch_failed: false,
    })
}

fn receiver_with(secrets: SecretVersions) -> WebhookReceiver<SecretVersions, InMemoryQueues> {
    let router = QueueRouter::parse(
        "ROUTES",
        "business.updated=business-updated,order.*=orders",
        "catch-all",
        Some(BASE),
    )
    .unwrap();
    let settings = ReceiverSettings {
        rotation_grace: Duration::from_secs(259_200),
        max_body_bytes: 4096,
        max_event_age: middesk_webhooks::verify::config::DEFAULT_MAX_EVENT_AGE,
    };
    WebhookReceiver::new(
        SecretCache::new(secrets, Duration::from_secs(300), true),
        InMemoryQueues::default(),
        router,
        settings,
    )
}

async fn call(
    r: &WebhookReceiver<SecretVersions, InMemoryQueues>,
    request: lambda_http::Request,
) -> (u16, String) {
    call_at(r, request, SystemTime::now()).await
}

/// Status and body of the verifier's answer to `request` received at `received_at`.
async fn call_at(
    r: &WebhookReceiver<SecretVersions, InMemoryQueues>,
    request: lambda_http::Request,
    received_at: SystemTime,
) -> (u16, String) {
    let response = verifier::handle(r, "", request, received_at).await.unwrap();
    let body = std::str::from_utf8(response.body().as_ref()).unwrap().to_owned();
    (response.status().as_u16(), body)
}

#[tokio::test]
async fn every_gateway_shape_verifies_and_routes() {
    for shape in Shape::ALL {
        let r = receiver();
        let body = event_body("ev-1", "business.updated");
        let (status, response) = call(&r, signed_post(shape, SECRET, &body, Some("biz-1"))).await;
        assert_eq!(status, 202, "{shape:?}: {response}");
        assert_eq!(response, r#"{"status":"accepted","event_id":"ev-1"}"#);
        let messages = r.publisher().messages();
        assert_eq!(messages.len(), 1, "{shape:?}");
        assert_eq!(messages[0].queue_url, format!("{BASE}/business-updated"));
        assert_eq!(messages[0].body.as_bytes(), body);
    }
}

#[tokio::test]
async fn base64_bodies_are_verified_on_the_decoded_bytes() {
    for shape in Shape::ALL {
        let r = receiver();
        let body = event_body("ev-b64", "order.created");
        let signature = SigningKey::new(SECRET).sign(&body);
        let request = gateway_event(shape, "POST", &body, &[("X-Middesk-Signature-256", &signature)], true);
        assert_eq!(call(&r, request).await.0, 202, "{shape:?}");
        assert_eq!(r.publisher().messages()[0].body.as_bytes(), body);
        assert_eq!(r.publisher().messages()[0].queue_url, format!("{BASE}/orders"));
    }
}

#[tokio::test]
async fn bytes_json_reserialisation_would_change_still_verify_and_travel_unchanged() {
    let body = include_bytes!("../fixtures/reserialisation_sensitive.json");
    // The fixture has a fixed created_at: it arrives a minute after it, whatever today's date.
    let received_at = created_at_of(body).unwrap() + Duration::from_secs(60);
    for shape in Shape::ALL {
        let r = receiver();
        let request = signed_post(shape, SECRET, body, None);
        assert_eq!(call_at(&r, request, received_at).await.0, 202, "{shape:?}");
        assert_eq!(r.publisher().messages()[0].body.as_bytes(), body);
    }
}

#[tokio::test]
async fn header_name_in_any_case() {
    let body = event_body("ev-case", "business.updated");
    let signature = SigningKey::new(SECRET).sign(&body);
    for name in ["x-middesk-signature-256", "X-MIDDESK-SIGNATURE-256", "X-Middesk-Signature-256"] {
        for shape in Shape::ALL {
            let r = receiver();
            let request = gateway_event(shape, "POST", &body, &[(name, &signature)], false);
            assert_eq!(call(&r, request).await.0, 202, "{name} {shape:?}");
        }
    }
}

#[tokio::test]
async fn failed_authentication_is_401_and_nothing_is_enqueued() {
    let body = event_body("ev-forged", "business.updated");
    let good = SigningKey::new(SECRET).sign(&body);
    let wrong_secret = SigningKey::new("sec_attacker").sign(&body);
    let mut tampered = body.clone();
    let at = tampered.len() - 3;
    tampered[at] ^= 1;
    type Headers<'a> = Vec<(&'a str, &'a str)>;
    let cases: Vec<(Vec<u8>, Headers)> = vec![
        (body.clone(), vec![]),
        (body.clone(), vec![("X-Middesk-Signature-256", "")]),
        (body.clone(), vec![("X-Middesk-Signature-256", "not-hex")]),
        (body.clone(), vec![("X-Middesk-Signature-256", &good[..60])]),
        (body.clone(), vec![("X-Middesk-Signature-256", &wrong_secret)]),
        (tampered, vec![("X-Middesk-Signature-256", &good)]),
        (body.clone(), vec![("X-Other-Signature", &good)]),
    ];
    for shape in Shape::ALL {
        for (i, (body, headers)) in cases.iter().enumerate() {
            let r = receiver();
            let (status, response) = call(&r, gateway_event(shape, "POST", body, headers, false)).await;
            assert_eq!(status, 401, "case {i} {shape:?}");
            assert_eq!(response, r#"{"error":"unauthorized"}"#);
            assert!(r.publisher().messages().is_empty(), "case {i} enqueued");
        }
    }
}

#[tokio::test]
async fn status_codes() {
    let r = receiver();
    let body = event_body("ev-2", "business.updated");
    let signature = SigningKey::new(SECRET).sign(&body);
    let sig = [("X-Middesk-Signature-256", signature.as_str())];

    let response = verifier::handle(
        &r,
        "",
        gateway_event::<&str, &str>(Shape::HttpV2, "GET", b"", &[], false),
        SystemTime::now(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");

    let big = vec![b' '; 4097];
    let big_sig = SigningKey::new(SECRET).sign(&big);
    let request = gateway_event(Shape::HttpV2, "POST", &big, &[("X-Middesk-Signature-256", &big_sig)], false);
    assert_eq!(call(&r, request).await.0, 413);
    // Authentication comes first: only an authentic body can be a 413 (which alarms at once).
    let forged_sig = SigningKey::new("sec_attacker").sign(&big);
    let request =
        gateway_event(Shape::HttpV2, "POST", &big, &[("X-Middesk-Signature-256", &forged_sig)], false);
    assert_eq!(call(&r, request).await.0, 401);
    let request = gateway_event::<&str, &str>(Shape::HttpV2, "POST", &big, &[], false);
    assert_eq!(call(&r, request).await.0, 401);

    let empty_sig = SigningKey::new(SECRET).sign(b"");
    let request =
        gateway_event(Shape::HttpV2, "POST", b"", &[("X-Middesk-Signature-256", &empty_sig)], false);
    assert_eq!(call(&r, request).await.0, 400);

    r.publisher().set_failing(true);
    let (status, response) = call(&r, gateway_event(Shape::HttpV2, "POST", &body, &sig, false)).await;
    assert_eq!(status, 503);
    assert_eq!(response, r#"{"error":"temporarily unavailable, retry later"}"#);
    assert!(r.publisher().messages().is_empty());

    r.publisher().set_failing(false);
    assert_eq!(call(&r, gateway_event(Shape::HttpV2, "POST", &body, &sig, false)).await.0, 202);
}

#[tokio::test]
async fn a_signed_body_that_is_not_an_event_goes_to_the_catch_all_marked_malformed() {
    for body in [&b"not json at all"[..], br#"{"object":"event","id":"x"}"#, b"\xff\xfe\x00binary"] {
        let r = receiver();
        let signature = SigningKey::new(SECRET).sign(body);
        let request =
            gateway_event(Shape::HttpV2, "POST", body, &[("X-Middesk-Signature-256", &signature)], true);
        assert_eq!(call(&r, request).await.0, 202);
        let messages = r.publisher().messages();
        assert_eq!(messages[0].queue_url, format!("{BASE}/catch-all"));
        let malformed = messages[0].attributes.iter().any(|(n, v)| n == attribute::MALFORMED && v == "true");
        assert!(malformed);
    }
}

#[tokio::test]
async fn previous_secret_verifies_during_rotation_only() {
    let body = event_body("ev-rot", "business.updated");
    let old_signature = SigningKey::new("sec_old").sign(&body);
    let sig = [("X-Middesk-Signature-256", old_signature.as_str())];
    let rotated = |created: SystemTime| SecretVersions {
        current: SigningKey::new(SECRET),
        pending: Vec::new(),
        current_created: created,
        previous: Some(SigningKey::new("sec_old")),
        previous_fetch_failed: false,
    };
    let r = receiver_with(rotated(SystemTime::now() - Duration::from_secs(3600)));
    assert_eq!(call(&r, gateway_event(Shape::HttpV2, "POST", &body, &sig, false)).await.0, 202);
    let r = receiver_with(rotated(SystemTime::now() - Duration::from_secs(4 * 86_400)));
    assert_eq!(call(&r, gateway_event(Shape::HttpV2, "POST", &body, &sig, false)).await.0, 401);
}

#[tokio::test]
async fn an_event_with_invalid_base64_is_a_400_not_a_panic() {
    for shape in Shape::ALL {
        let r = receiver();
        let mut event =
            middesk_webhooks::verify::sample::gateway_event(shape, "POST", b"{}", &[("X-A", "1")], true);
        event["body"] = serde_json::json!("not base64 ***");
        let payload: lambda_http::request::LambdaRequest = serde_json::from_value(event).unwrap();
        let lambda_event = lambda_http::LambdaEvent::new(payload, lambda_http::Context::default());
        let response = verifier::handle_event(&r, "", lambda_event, SystemTime::now()).await.unwrap();
        assert_eq!(response.status(), 400, "{shape:?}");
        assert!(r.publisher().messages().is_empty());
    }
}

#[tokio::test]
async fn handle_event_answers_in_the_shape_of_the_request() {
    let r = receiver();
    let body = event_body("ev-shape", "business.updated");
    let signature = SigningKey::new(SECRET).sign(&body);
    for shape in Shape::ALL {
        let event = middesk_webhooks::verify::sample::gateway_event(
            shape,
            "POST",
            &body,
            &[("X-Middesk-Signature-256", &signature)],
            false,
        );
        let payload: lambda_http::request::LambdaRequest = serde_json::from_value(event).unwrap();
        let response = verifier::handle_event(
            &r,
            "",
            lambda_http::LambdaEvent::new(payload, lambda_http::Context::default()),
            SystemTime::now(),
        )
        .await
        .unwrap();
        let json = serde_json::to_value(&response).unwrap();
        assert_eq!(json["statusCode"], 202, "{shape:?}");
        let headers = if shape == Shape::RestV1 { &json["multiValueHeaders"] } else { &json["headers"] };
        assert!(headers.to_string().contains("application/json"), "{shape:?}: {json}");
    }
}

/// `event_body` created at `created_at` instead of now.
fn body_created_at(id: &str, created_at: &str) -> Vec<u8> {
    let mut event: serde_json::Value = serde_json::from_slice(&event_body(id, "business.updated")).unwrap();
    event["created_at"] = serde_json::json!(created_at);
    event.to_string().into_bytes()
}

#[tokio::test]
async fn a_replayed_old_event_is_refused_and_never_queued() {
    let at = |t: SystemTime| humantime::format_rfc3339_millis(t).to_string();
    let ago = |seconds: u64| at(SystemTime::now() - Duration::from_secs(seconds));
    let day = 86_400;
    let r = receiver();
    // Middesk's last retry comes about 3 days after the first attempt: still accepted.
    let last_retry = body_created_at("ev-3d", &ago(3 * day + 3600));
    assert_eq!(call(&r, signed_post(Shape::HttpV2, SECRET, &last_retry, None)).await.0, 202);
    // Older than the 4-day limit: a replay of a captured request.
    let replay = body_created_at("ev-5d", &ago(5 * day));
    let (status, response) = call(&r, signed_post(Shape::HttpV2, SECRET, &replay, None)).await;
    assert_eq!((status, response.as_str()), (400, r#"{"error":"event too old"}"#));
    assert_eq!(r.publisher().messages().len(), 1, "the replay was not queued");
    let headers: http::HeaderMap = middesk_webhooks::verify::sample::signed_headers(SECRET, &replay, None)
        .into_iter()
        .map(|(n, v)| (n.parse::<http::HeaderName>().unwrap(), v.parse().unwrap()))
        .collect();
    let receipt = r
        .receive(middesk_webhooks::WebhookRequest {
            method: &http::Method::POST,
            headers: &headers,
            body: &replay,
            received_at: SystemTime::now(),
            client_certificate: None,
            source_ip: None,
            trace_header: None,
        })
        .await;
    assert_eq!((receipt.outcome(), receipt.event_id.as_deref()), ("event_too_old", Some("ev-5d")));

    // Ahead of our clock, or unreadable: authentic, so delivered rather than lost.
    let tomorrow = at(SystemTime::now() + Duration::from_secs(day));
    for created_at in [tomorrow.as_str(), "yesterday"] {
        let body = body_created_at("ev-odd", created_at);
        assert_eq!(call(&r, signed_post(Shape::HttpV2, SECRET, &body, None)).await.0, 202, "{created_at}");
    }
    assert_eq!(r.publisher().messages().len(), 3);
}

#[tokio::test]
async fn the_replay_window_reads_every_rfc_3339_offset() {
    let r = receiver();
    let now = SystemTime::now();
    let five_days_ago = now - Duration::from_secs(5 * 86_400);
    let three_days_ago = now - Duration::from_secs(3 * 86_400);
    // The same instants written with other offsets and fractions.
    let written = |t: SystemTime, offset_hours: i64, fraction: &str| {
        let shifted = if offset_hours >= 0 {
            t + Duration::from_secs(offset_hours as u64 * 3600)
        } else {
            t - Duration::from_secs(offset_hours.unsigned_abs() * 3600)
        };
        let local = humantime::format_rfc3339_seconds(shifted).to_string();
        let sign = if offset_hours >= 0 { '+' } else { '-' };
        format!("{}{fraction}{sign}{:02}:00", local.trim_end_matches('Z'), offset_hours.abs())
    };
    for (offset, fraction) in [(-5, ""), (2, ".25"), (0, ".123456")] {
        let old = body_created_at("ev-old", &written(five_days_ago, offset, fraction));
        let (status, _) = call(&r, signed_post(Shape::HttpV2, SECRET, &old, None)).await;
        assert_eq!(status, 400, "5 days old at offset {offset}: a replay");
        let recent = body_created_at("ev-recent", &written(three_days_ago, offset, fraction));
        let (status, _) = call(&r, signed_post(Shape::HttpV2, SECRET, &recent, None)).await;
        assert_eq!(status, 202, "3 days old at offset {offset}");
    }
    let messages = r.publisher().messages();
    assert_eq!(messages.len(), 3);
    assert!(messages.iter().all(|m| !m.attributes.iter().any(|(n, _)| n == attribute::MALFORMED)));
}

#[tokio::test]
async fn a_known_type_reaches_its_own_queue_even_when_the_envelope_is_malformed_and_is_flagged() {
    let r = receiver();
    let with = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut event: serde_json::Value =
            serde_json::from_slice(&event_body("ev-1", "business.updated")).unwrap();
        edit(&mut event);
        event.to_string().into_bytes()
    };
    let cases: Vec<(&str, Vec<u8>, Option<&str>)> = vec![
        (
            "created_at missing",
            with(&|e| drop(e.as_object_mut().unwrap().remove("created_at"))),
            Some("ev-1"),
        ),
        ("created_at unreadable", with(&|e| e["created_at"] = serde_json::json!("yesterday")), Some("ev-1")),
        ("created_at a number", with(&|e| e["created_at"] = serde_json::json!(1_795_435_200)), Some("ev-1")),
        ("an odd id", with(&|e| e["id"] = serde_json::json!("ev 1")), None),
        (
            "the type in namespace, no id",
            with(&|e| {
                let object = e.as_object_mut().unwrap();
                object.remove("id");
                let t = object.remove("type").unwrap();
                object.insert("namespace".into(), t);
            }),
            None,
        ),
    ];
    for (name, body, id) in cases {
        let (status, _) = call(&r, signed_post(Shape::HttpV2, SECRET, &body, None)).await;
        assert_eq!(status, 202, "{name}");
        let m = r.publisher().messages().pop().unwrap();
        r.publisher().clear();
        let attribute_of = |n: &str| m.attributes.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        assert!(m.queue_url.ends_with("/business-updated"), "{name}: went to {}", m.queue_url);
        assert_eq!(m.body.as_bytes(), body, "{name}");
        assert_eq!(attribute_of(attribute::EVENT_TYPE), Some("business.updated"), "{name}");
        assert_eq!(attribute_of(attribute::EVENT_ID), id, "{name}");
        assert_eq!(attribute_of(attribute::MALFORMED), Some("true"), "{name}");
        assert!(attribute_of(attribute::MALFORMED_REASON).is_some_and(|r| !r.is_empty()), "{name}");
    }
    // Without a readable type: the catch-all, flagged.
    let (status, _) = call(&r, signed_post(Shape::HttpV2, SECRET, br#"{"type":"Not A Type"}"#, None)).await;
    assert_eq!(status, 202);
    assert!(r.publisher().messages()[0].queue_url.ends_with("/catch-all"));
}

/// Status and outcome of a POST of `body` from `ip`, with `signature` if given.
async fn outcome_from<
    J: middesk_webhooks::verify::auth::oidc::JwksSource,
    A: middesk_webhooks::verify::archive::EventArchive,
>(
    r: &WebhookReceiver<SecretVersions, InMemoryQueues, J, A>,
    body: &[u8],
    ip: &str,
    signature: Option<String>,
) -> (u16, &'static str) {
    let headers: http::HeaderMap = signature
        .map(|s| ("x-middesk-signature-256".parse::<http::HeaderName>().unwrap(), s.parse().unwrap()))
        .into_iter()
        .collect();
    let receipt = r
        .receive(middesk_webhooks::WebhookRequest {
            method: &http::Method::POST,
            headers: &headers,
            body,
            received_at: SystemTime::now(),
            client_certificate: None,
            source_ip: ip.parse().ok(),
            trace_header: None,
        })
        .await;
    (receipt.status().as_u16(), crate::common::verdict_label(&receipt))
}

#[tokio::test]
async fn a_signature_from_middesks_address_that_matches_no_secret_is_its_own_outcome() {
    let body = event_body("ev-mismatch", "business.updated");
    let other_secret = || Some(SigningKey::new("sec_registered_with_middesk").sign(&body));
    let r = receiver();
    // One of Middesk's documented addresses: Middesk signs with a secret we do not have.
    assert_eq!(outcome_from(&r, &body, "35.239.59.102", other_secret()).await, (401, "signature_mismatch"));
    assert_eq!(
        outcome_from(&r, &body, "::ffff:104.198.38.1", other_secret()).await,
        (401, "signature_mismatch")
    );
    // Anyone else: an anonymous caller's refusal.
    assert_eq!(
        outcome_from(&r, &body, "203.0.113.9", other_secret()).await,
        (401, "signature_mismatch (anybody's)")
    );
    // No signature, or a header that is not one, from Middesk's address on our account's event:
    // a webhook registered without a secret. Ours, so kept and alarmed at once (issue 38, 1).
    assert_eq!(outcome_from(&r, &body, "35.239.59.102", None).await, (401, "signature_missing"));
    assert_eq!(
        outcome_from(&r, &body, "35.239.59.102", Some("not-hex".into())).await,
        (401, "signature_missing")
    );
    assert_eq!(outcome_from(&r, &body, "203.0.113.9", None).await, (401, "signature_missing (anybody's)"));
    assert_eq!(r.publisher().messages().len(), 0);
    // The list is overridable (MIDDESK_SOURCE_IPS), e.g. for a proxy in front of the API.
    let proxied = receiver().with_middesk_addresses(
        SourceIpAllowList::parse("MIDDESK_SOURCE_IPS", "203.0.113.0/24", &SourceIpAllowList::middesk())
            .unwrap(),
    );
    assert_eq!(
        outcome_from(&proxied, &body, "203.0.113.9", other_secret()).await,
        (401, "signature_mismatch")
    );
    assert_eq!(
        outcome_from(&proxied, &body, "35.239.59.102", other_secret()).await,
        (401, "signature_mismatch (anybody's)")
    );
}

#[tokio::test]
async fn every_accepted_event_is_archived_byte_for_byte_with_what_the_verifier_knew() {
    use middesk_webhooks::verify::archive::{ArchivedKey, InMemoryArchive, field};
    let r = receiver().with_archive(InMemoryArchive::default());
    let bodies: Vec<Vec<u8>> =
        (0..5).map(|i| event_body(&format!("ev-archive-{i}"), "business.updated")).collect();
    for body in &bodies {
        let request = signed_post(Shape::HttpV2, SECRET, body, Some("biz-1"));
        assert_eq!(call_archive(&r, request).await, 202);
    }
    // Middesk retries the first one: the same object, not a second.
    assert_eq!(call_archive(&r, signed_post(Shape::RestV1, SECRET, &bodies[0], Some("biz-1"))).await, 202);
    let objects = r.archive().objects();
    assert_eq!(objects.len(), 5);
    for body in &bodies {
        let (key, stored, metadata) = objects.iter().find(|(_, b, _)| b == body).expect("archived");
        let read = ArchivedKey::parse(key).expect("an archive key");
        assert_eq!(read.event_type, "business.updated");
        assert_eq!(
            read.created_at.map(|t| t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs()),
            middesk_webhooks::verify::sample::created_at_of(body)
                .map(|t| t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs())
        );
        assert_eq!(stored, body);
        let meta = |name: &str| metadata.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str());
        assert!(meta(field::EVENT_ID).is_some_and(|id| id.starts_with("ev-archive-")));
        assert_eq!(meta(field::EVENT_TYPE), Some("business.updated"));
        assert_eq!(meta(field::CORRELATION_ID), Some("biz-1"));
        assert_eq!(meta(field::AUTH_METHOD), Some("hmac"));
        assert_eq!(meta(field::SECRET_VERSION), Some("current"));
        assert!(meta(field::RECEIVED_AT).is_some_and(|t| t.ends_with('Z')));
        assert_eq!(meta(field::MALFORMED_REASON), None);
    }
    // A refused request is not archived as an event. (This one comes from Middesk's address and
    // names our account, so it is kept apart, under refused/: our secret may have drifted.)
    let forged =
        signed_post(Shape::HttpV2, "sec_attacker", &event_body("ev-forged", "business.updated"), None);
    assert_eq!(call_archive(&r, forged).await, 401);
    let events = r.archive().objects().into_iter().filter(|(k, _, _)| k.starts_with("events/")).count();
    assert_eq!(events, 5);
}

#[tokio::test]
async fn an_archive_that_fails_is_a_503_so_middesk_retries() {
    use middesk_webhooks::verify::archive::InMemoryArchive;
    let r = receiver().with_archive(InMemoryArchive::default());
    r.archive().set_failing(true);
    let body = event_body("ev-archive-down", "business.updated");
    assert_eq!(call_archive(&r, signed_post(Shape::HttpV2, SECRET, &body, None)).await, 503);
    // Middesk's retry once the archive is back: archived, and queued (again: the first send may
    // have happened beside the failed archive write; idempotent consumers absorb the copy).
    r.archive().set_failing(false);
    assert_eq!(call_archive(&r, signed_post(Shape::HttpV2, SECRET, &body, None)).await, 202);
    assert_eq!(r.archive().objects().len(), 1);
    assert!(!r.publisher().messages().is_empty());
}

async fn call_archive(
    r: &WebhookReceiver<
        SecretVersions,
        InMemoryQueues,
        middesk_webhooks::verify::auth::oidc::HttpJwks,
        middesk_webhooks::verify::archive::InMemoryArchive,
    >,
    request: lambda_http::Request,
) -> u16 {
    verifier::handle(r, "", request, SystemTime::now()).await.unwrap().status().as_u16()
}

/// A body naming Middesk account `account`.
fn body_for_account(id: &str, account: &str) -> Vec<u8> {
    let mut event: serde_json::Value = serde_json::from_slice(&event_body(id, "business.updated")).unwrap();
    event["account_id"] = serde_json::json!(account);
    serde_json::to_vec(&event).unwrap()
}

#[tokio::test]
async fn with_the_account_list_only_our_accounts_mismatches_alarm() {
    let r = receiver().with_accounts(our_accounts());
    let middesk = "35.239.59.102";
    let other_secret = |body: &[u8]| Some(SigningKey::new("sec_another_customers").sign(body));
    // Middesk signing our account's event with another secret: every event is refused, alarm.
    let ours = body_for_account("ev-ours", OUR_ACCOUNT);
    assert_eq!(outcome_from(&r, &ours, middesk, other_secret(&ours)).await, (401, "signature_mismatch"));
    // Another Middesk customer's webhook pointed at our URL, from the same addresses with their
    // own secret: anyone can cause it, so it is an ordinary refusal (alarmed in bursts).
    let theirs = body_for_account("ev-theirs", THEIR_ACCOUNT);
    assert_eq!(
        outcome_from(&r, &theirs, middesk, other_secret(&theirs)).await,
        (401, "signature_mismatch (anybody's)")
    );
    // An event that names no account, from Middesk's address: it may be ours (a webhook
    // registered with another secret), so it is kept and alarms.
    let unnamed = event_body("ev-unnamed", "business.updated");
    assert_eq!(
        outcome_from(&r, &unnamed, middesk, other_secret(&unnamed)).await,
        (401, "signature_mismatch")
    );
    // Our own secret proves the event is ours: naming an account the list lacks (a typo, an
    // account opened later) is the list's fault, refused (403) but alarmed at once.
    let signed = Some(SigningKey::new(SECRET).sign(&theirs));
    assert_eq!(outcome_from(&r, &theirs, middesk, signed).await, (403, "account_not_listed"));
    let signed = Some(SigningKey::new(SECRET).sign(&unnamed));
    assert_eq!(outcome_from(&r, &unnamed, middesk, signed).await, (202, "accepted"), "HMAC vouches for it");
    // The same account in upper case is the same UUID.
    let upper = body_for_account("ev-upper", &OUR_ACCOUNT.to_uppercase());
    let signed = Some(SigningKey::new(SECRET).sign(&upper));
    assert_eq!(outcome_from(&r, &upper, middesk, signed).await, (202, "accepted"));
    assert_eq!(r.publisher().messages().len(), 2, "only the events our secret signed for listed accounts");
}

#[tokio::test]
async fn no_refusal_of_an_event_our_secret_signed_is_foreign() {
    // Whatever the account list says, an event our secret signed is ours: any refusal of it is
    // counted where it alarms at its first occurrence, never among what anybody can cause.
    let r = receiver().with_accounts(our_accounts());
    let middesk = "35.239.59.102";
    for account in [THEIR_ACCOUNT, "not-a-uuid", "", OUR_ACCOUNT] {
        let body = body_for_account("ev-signed", account);
        let signed = Some(SigningKey::new(SECRET).sign(&body));
        let (status, outcome) = outcome_from(&r, &body, middesk, signed).await;
        assert!(
            status == 202 || !outcome.ends_with("(anybody's)"),
            "{account:?}: {status} {outcome} is not alarmed at once"
        );
    }
}

/// A secret source that counts its reads; its pending read takes `pending_delay`.
struct CountingSource {
    fetches: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    pending_reads: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    pending_delay: Duration,
}

impl middesk_webhooks::SecretSource for CountingSource {
    async fn fetch(&self, _: bool) -> Result<SecretVersions, middesk_webhooks::SecretError> {
        self.fetches.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(SecretVersions {
            current: SigningKey::new(SECRET),
            pending: Vec::new(),
            current_created: SystemTime::now(),
            previous: None,
            previous_fetch_failed: false,
        })
    }

    async fn fetch_pending(&self) -> Result<Vec<SigningKey>, middesk_webhooks::SecretError> {
        self.pending_reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        tokio::time::sleep(self.pending_delay).await;
        Ok(Vec::new())
    }
}

#[tokio::test]
async fn a_forged_request_never_reads_secrets_manager_nor_waits_for_it() {
    use std::sync::atomic::Ordering::SeqCst;
    let (fetches, pending_reads) = (std::sync::Arc::default(), std::sync::Arc::default());
    let source = CountingSource {
        fetches: std::sync::Arc::clone(&fetches),
        pending_reads: std::sync::Arc::clone(&pending_reads),
        // Secrets Manager hanging, longer than the request's budget.
        pending_delay: Duration::from_secs(5),
    };
    let router = QueueRouter::parse("ROUTES", "", "catch-all", Some(BASE)).unwrap();
    let settings = ReceiverSettings {
        rotation_grace: Duration::ZERO,
        max_body_bytes: 4096,
        max_event_age: Duration::ZERO,
    };
    let r = WebhookReceiver::new(
        SecretCache::new(source, Duration::from_secs(300), false),
        InMemoryQueues::default(),
        router,
        settings,
    )
    .with_accounts(our_accounts())
    .with_time_budget(Duration::from_millis(300));
    let status = |body: Vec<u8>, ip: &'static str| {
        let signature = SigningKey::new("sec_guess").sign(&body);
        let headers: http::HeaderMap =
            [("x-middesk-signature-256".parse::<http::HeaderName>().unwrap(), signature.parse().unwrap())]
                .into_iter()
                .collect();
        let r = &r;
        async move {
            let request = middesk_webhooks::WebhookRequest {
                method: &http::Method::POST,
                headers: &headers,
                body: &body,
                received_at: SystemTime::now(),
                client_certificate: None,
                source_ip: ip.parse().ok(),
                trace_header: None,
            };
            r.receive(request).await.status().as_u16()
        }
    };
    let ours = || body_for_account("ev-forged", OUR_ACCOUNT);
    // From anywhere but Middesk's addresses: 401 at once, whatever Secrets Manager does, and
    // no call beyond the one read of the current secret.
    for _ in 0..5 {
        assert_eq!(status(ours(), "203.0.113.9").await, 401);
    }
    assert_eq!(status(ours(), "").await, 401, "no source address at all");
    // From Middesk's addresses, another account's event (their webhook, their secret): the same.
    assert_eq!(status(body_for_account("ev-theirs", THEIR_ACCOUNT), "35.239.59.102").await, 401);
    assert_eq!((fetches.load(SeqCst), pending_reads.load(SeqCst)), (1, 0));
    // Only a mismatch on our account's event from Middesk's address reads AWSPENDING (a
    // rotation may be under way); a hanging read is then a 503, which Middesk retries.
    assert_eq!(status(ours(), "35.239.59.102").await, 503);
    assert_eq!(pending_reads.load(SeqCst), 1);
}

#[tokio::test]
async fn a_refusal_that_may_be_ours_is_kept_and_nothing_anybody_can_send() {
    use middesk_webhooks::verify::archive::InMemoryArchive;
    use middesk_webhooks::verify::refused::{RefusedKey, RefusedRequest};
    let r = receiver().with_accounts(our_accounts()).with_archive(InMemoryArchive::default());
    let middesk = "35.239.59.102";
    let drifted = |body: &[u8]| Some(SigningKey::new("sec_middesk_has_since_rotation").sign(body));
    let ours = body_for_account("ev-kept", OUR_ACCOUNT);
    // Middesk signing with a secret we do not have: kept, with what a later check needs.
    assert_eq!(outcome_from(&r, &ours, middesk, drifted(&ours)).await, (401, "signature_mismatch"));
    // Signed with our secret, for an account the list lacks: kept.
    let unlisted = body_for_account("ev-unlisted", THEIR_ACCOUNT);
    let signed = Some(SigningKey::new(SECRET).sign(&unlisted));
    assert_eq!(outcome_from(&r, &unlisted, middesk, signed.clone()).await, (403, "account_not_listed"));
    // Middesk retries: the same object, not a second.
    assert_eq!(outcome_from(&r, &unlisted, middesk, signed).await, (403, "account_not_listed"));
    // What anybody can send is never kept: a forgery from elsewhere, another customer's event.
    assert_eq!(
        outcome_from(&r, &ours, "203.0.113.9", drifted(&ours)).await.1,
        "signature_mismatch (anybody's)"
    );
    let theirs = body_for_account("ev-theirs", THEIR_ACCOUNT);
    assert_eq!(
        outcome_from(&r, &theirs, middesk, drifted(&theirs)).await.1,
        "signature_mismatch (anybody's)"
    );
    let objects = r.archive().objects();
    let kept: Vec<(RefusedKey, &Vec<u8>)> =
        objects.iter().map(|(k, b, _)| (RefusedKey::parse(k).expect("a refused key"), b)).collect();
    assert_eq!(kept.len(), 2, "{:?}", objects.iter().map(|o| &o.0).collect::<Vec<_>>());
    let reasons: Vec<&str> = kept.iter().map(|(k, _)| k.reason.as_str()).collect();
    assert_eq!(reasons.iter().filter(|r| **r == "signature_mismatch").count(), 1);
    assert_eq!(reasons.iter().filter(|r| **r == "account_not_listed").count(), 1);
    for (key, body) in &kept {
        assert!(key.names(body), "the key names the body it holds");
    }
    let (_, _, metadata) = objects.iter().find(|(k, _, _)| k.contains("/signature_mismatch/")).unwrap();
    let get = |name: &str| metadata.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
    let record = RefusedRequest::from_metadata(get).expect("the verifier's record");
    assert_eq!((record.source_ip, record.signature), (middesk.parse().ok(), drifted(&ours)));
    assert!(r.publisher().messages().is_empty(), "nothing refused is queued");
    // A record that cannot be kept is a 503: Middesk retries, where a 401 would lose it unseen.
    r.archive().set_failing(true);
    let other = body_for_account("ev-unkept", OUR_ACCOUNT);
    assert_eq!(outcome_from(&r, &other, middesk, drifted(&other)).await, (503, "archive_unavailable"));
}

#[tokio::test]
async fn an_event_created_past_year_9999_is_delivered_and_archived_not_a_panic() {
    use middesk_webhooks::verify::archive::InMemoryArchive;
    // 9999-12-31T23:59:59-01:00 is year 10000 in UTC: the archive key once panicked on it.
    let r = receiver().with_archive(InMemoryArchive::default());
    let body = crate::common::event_body_created("ev-far", "business.updated", "9999-12-31T23:59:59-01:00");
    assert_eq!(call_archive(&r, signed_post(Shape::HttpV2, SECRET, &body, None)).await, 202);
    let objects = r.archive().objects();
    assert_eq!(objects.len(), 1);
    assert!(objects[0].0.starts_with("events/undated/business.updated/"), "{}", objects[0].0);
}
