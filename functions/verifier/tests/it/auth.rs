//! Mutual TLS, OAuth/OIDC bearer tokens, the any/all policy and the source-IP allow-list,
//! through the real handler with REST and HTTP API request contexts. Certificates and keys
//! are generated here; the JWKS is served on loopback.

use std::time::{Duration, SystemTime};

use crate::common::{OUR_ACCOUNT, THEIR_ACCOUNT, event_body, our_accounts};
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use lambda_http::Request;
use middesk_webhooks::message::attribute;
use middesk_webhooks::testkit::JsonServer;
use middesk_webhooks::verify::auth::mtls::ExpectedSubject;
use middesk_webhooks::verify::auth::oidc::{HttpJwks, OidcSettings, OidcVerifier};
use middesk_webhooks::verify::auth::{AuthPolicy, SourceIpAllowList};
use middesk_webhooks::verify::sample::{
    GatewayShape, gateway_event, signed_headers, with_client_certificate,
};
use middesk_webhooks::{
    InMemoryQueues, QueueRouter, ReceiverSettings, SecretCache, SecretVersions, SigningKey, WebhookReceiver,
};
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair};
use serde_json::{Value, json};

pub(crate) const SECRET: &str = "sec_auth_tests";
pub(crate) const ISSUER: &str = "https://idp.example.com/";
pub(crate) const AUDIENCE: &str = "https://hooks.example.com/webhooks/middesk";

type Receiver = WebhookReceiver<SecretVersions, InMemoryQueues, HttpJwks>;

fn base_receiver(policy: AuthPolicy) -> WebhookReceiver<SecretVersions, InMemoryQueues> {
    let secrets = SecretVersions {
        current: SigningKey::new(SECRET),
        pending: Vec::new(),
        current_created: SystemTime::now(),
        previous: None,
        previous_fetch_failed: false,
    };
    let router = QueueRouter::parse("ROUTES", "", "http://127.0.0.1:1/000000000000/all", None).unwrap();
    let settings = ReceiverSettings {
        rotation_grace: Duration::ZERO,
        max_body_bytes: 65_536,
        max_event_age: Duration::ZERO,
    };
    WebhookReceiver::new(
        SecretCache::new(secrets, Duration::from_secs(300), false),
        InMemoryQueues::default(),
        router,
        settings,
    )
    .with_policy(policy)
}

fn receiver(methods: &str, mode: &str, jwks_url: &str) -> Receiver {
    let settings = OidcSettings {
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        algorithms: vec![Algorithm::RS256, Algorithm::ES256, Algorithm::PS256],
        leeway: Duration::from_secs(5),
        allowed_clients: vec![CLIENT.into()],
    };
    base_receiver(AuthPolicy::parse(methods, mode).unwrap())
        .with_oidc(OidcVerifier::new(settings, HttpJwks::new(jwks_url)))
}

/// Status, enqueued count and the auth_method attribute of the one message, if any.
async fn send(r: &Receiver, event: Value) -> (u16, usize, Option<String>) {
    let request: Request = lambda_http::request::from_str(&event.to_string()).unwrap();
    let status = verifier::handle(r, "", request, SystemTime::now()).await.unwrap().status().as_u16();
    let messages = r.publisher().messages();
    let method = messages
        .last()
        .and_then(|m| m.attributes.iter().find(|(n, _)| n == attribute::AUTH_METHOD))
        .map(|(_, v)| v.clone());
    r.publisher().clear();
    (status, messages.len(), method)
}

fn request(shape: GatewayShape, hmac: bool, bearer: Option<&str>) -> Value {
    let body = event_body("ev-auth", "business.updated");
    let mut headers: Vec<(String, String)> = if hmac {
        signed_headers(SECRET, &body, None)
    } else {
        vec![("Content-Type".into(), "application/json".into())]
    };
    if let Some(token) = bearer {
        headers.push(("Authorization".into(), format!("Bearer {token}")));
    }
    gateway_event(shape, "POST", &body, &headers, false)
}

// ---------- mutual TLS ----------

pub(crate) struct TestCert {
    pem: String,
    dn: String,
    not_before: String,
    not_after: String,
}

fn gmt(y: i32, m: u8, d: u8) -> String {
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!("{} {d:>2} 00:00:00 {y} GMT", MONTHS[usize::from(m) - 1])
}

/// Today's date moved by whole `years` (on the 28th at the latest, so that every year has it):
/// certificate validity is built with the test's clock, never written as a date.
fn years_from_now(years: i32) -> (i32, u8, u8) {
    let today = humantime::format_rfc3339(SystemTime::now()).to_string();
    let field = |range: std::ops::Range<usize>| today[range].parse::<i32>().unwrap();
    (field(0..4) + years, field(5..7) as u8, field(8..10).min(28) as u8)
}

/// A certificate with subject `attributes` (in this order), valid from `from` years from now
/// until `until` years from now.
pub(crate) fn cert(attributes: &[(DnType, &str)], from: i32, until: i32) -> TestCert {
    let (from, until) = (years_from_now(from), years_from_now(until));
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    let mut dn = DistinguishedName::new();
    for (kind, value) in attributes {
        dn.push(kind.clone(), *value);
    }
    params.distinguished_name = dn;
    params.not_before = rcgen::date_time_ymd(from.0, from.1, from.2);
    params.not_after = rcgen::date_time_ymd(until.0, until.1, until.2);
    let pem = params.self_signed(&key).unwrap().pem();
    // The DN as API Gateway writes it: RFC 2253, most specific first, commas escaped.
    let dn = attributes
        .iter()
        .rev()
        .map(|(kind, value)| {
            let name = match kind {
                DnType::CommonName => "CN",
                DnType::OrganizationName => "O",
                DnType::CountryName => "C",
                _ => "OU",
            };
            format!("{name}={}", value.replace(',', "\\,"))
        })
        .collect::<Vec<_>>()
        .join(",");
    TestCert { pem, dn, not_before: gmt(from.0, from.1, from.2), not_after: gmt(until.0, until.1, until.2) }
}

pub(crate) fn client_cert(c: &TestCert, with_pem: bool) -> Value {
    let mut v = json!({
        "subjectDN": c.dn,
        "issuerDN": c.dn,
        "serialNumber": "01",
        "validity": { "notBefore": c.not_before, "notAfter": c.not_after }
    });
    if with_pem {
        v["clientCertPem"] = json!(c.pem);
    }
    v
}

/// Valid from a year ago until a year from now (in years from now).
pub(crate) const VALID: (i32, i32) = (-1, 1);

pub(crate) fn middesk() -> Vec<(DnType, &'static str)> {
    vec![
        (DnType::CountryName, "US"),
        (DnType::OrganizationName, "Middesk, Inc."),
        (DnType::CommonName, "webhooks.middesk.com"),
    ]
}

#[tokio::test]
async fn mtls_accepts_only_middesks_certificate() {
    let r = receiver("mtls", "any", "http://127.0.0.1:1/unused");
    let reordered =
        vec![(DnType::CommonName, "webhooks.middesk.com"), (DnType::OrganizationName, "Middesk, Inc.")];
    let wrong_cn = vec![
        (DnType::OrganizationName, "Middesk, Inc."),
        (DnType::CommonName, "webhooks.middesk.com.evil.example"),
    ];
    let wrong_o = vec![(DnType::OrganizationName, "Evil Corp"), (DnType::CommonName, "webhooks.middesk.com")];
    let evil_suffix =
        vec![(DnType::OrganizationName, "Middesk, Inc. Evil"), (DnType::CommonName, "webhooks.middesk.com")];
    let cases = [
        ("right subject", cert(&middesk(), VALID.0, VALID.1), 202),
        ("fields in another order", cert(&reordered, VALID.0, VALID.1), 202),
        ("wrong CN", cert(&wrong_cn, VALID.0, VALID.1), 401),
        ("wrong O", cert(&wrong_o, VALID.0, VALID.1), 401),
        ("O=Middesk, Inc. Evil", cert(&evil_suffix, VALID.0, VALID.1), 401),
        ("expired", cert(&middesk(), -3, -1), 401),
        ("not yet valid", cert(&middesk(), 1, 3), 401),
    ];
    for shape in [GatewayShape::RestV1, GatewayShape::HttpV2] {
        for (name, c, expected) in &cases {
            for with_pem in [true, false] {
                let event =
                    with_client_certificate(request(shape, false, None), shape, client_cert(c, with_pem));
                let (status, queued, method) = send(&r, event).await;
                // Without the PEM the context's DN text alone is never trusted.
                let expected = if with_pem { *expected } else { 401 };
                assert_eq!(status, expected, "{name} {shape:?} pem={with_pem}");
                assert_eq!(queued, usize::from(expected == 202), "{name}");
                if expected == 202 {
                    assert_eq!(method.as_deref(), Some("mtls"));
                }
            }
        }
        let (status, queued, _) = send(&r, request(shape, false, None)).await;
        assert_eq!((status, queued), (401, 0), "no certificate at all, {shape:?}");
    }
}

#[tokio::test]
async fn mtls_checks_the_pem_itself_not_only_the_context_dn() {
    let r = receiver("mtls", "any", "http://127.0.0.1:1/unused");
    let evil = cert(
        &[(DnType::OrganizationName, "Evil Corp"), (DnType::CommonName, "evil.example")],
        VALID.0,
        VALID.1,
    );
    let mut lying = client_cert(&evil, true);
    lying["subjectDN"] = json!(r"CN=webhooks.middesk.com,O=Middesk\, Inc.");
    let event =
        with_client_certificate(request(GatewayShape::HttpV2, false, None), GatewayShape::HttpV2, lying);
    assert_eq!(send(&r, event).await.0, 401);
}

#[tokio::test]
async fn mtls_accepts_the_subject_dn_with_the_comma_escaped_or_not() {
    let r = receiver("mtls", "any", "http://127.0.0.1:1/unused");
    let genuine = cert(&middesk(), VALID.0, VALID.1);
    let evil_suffix = cert(
        &[(DnType::OrganizationName, "Middesk, Inc. Evil"), (DnType::CommonName, "webhooks.middesk.com")],
        VALID.0,
        VALID.1,
    );
    let cases = [
        ("escaped", &genuine, r"CN=webhooks.middesk.com,O=Middesk\, Inc.,C=US", 202),
        ("unescaped", &genuine, "CN=webhooks.middesk.com,O=Middesk, Inc.,C=US", 202),
        ("unescaped, spaces", &genuine, "C=US, O=Middesk, Inc., CN=webhooks.middesk.com", 202),
        ("unescaped evil suffix", &evil_suffix, "CN=webhooks.middesk.com,O=Middesk, Inc. Evil", 401),
        // The escape lost: reads as O=`Middesk, Inc.` with an extra OU; only the PEM can tell.
        ("ambiguous without escapes", &evil_suffix, "CN=webhooks.middesk.com,OU=x, O=Middesk, Inc.", 401),
    ];
    for shape in [GatewayShape::RestV1, GatewayShape::HttpV2] {
        for (name, c, dn, expected) in cases {
            for with_pem in [true, false] {
                let mut context = client_cert(c, with_pem);
                context["subjectDN"] = json!(dn);
                let event = with_client_certificate(request(shape, false, None), shape, context);
                let expected = if with_pem { expected } else { 401 };
                assert_eq!(send(&r, event).await.0, expected, "{name} {shape:?} pem={with_pem}");
            }
        }
        // With the PEM, the certificate decides even when the context DN cannot be read at all.
        let mut unreadable = client_cert(&genuine, true);
        unreadable["subjectDN"] = json!(r"CN=bad\");
        let event = with_client_certificate(request(shape, false, None), shape, unreadable);
        assert_eq!(send(&r, event).await.0, 202, "unreadable DN, PEM decides, {shape:?}");
    }
}

#[tokio::test]
async fn mtls_expected_subject_is_configurable() {
    let subject =
        ExpectedSubject { organization: "Acme Proxy".into(), common_name: "proxy.acme.test".into() };
    let r = base_receiver(AuthPolicy::parse("mtls", "any").unwrap()).with_mtls_subject(subject);
    let acme = cert(
        &[(DnType::OrganizationName, "Acme Proxy"), (DnType::CommonName, "proxy.acme.test")],
        VALID.0,
        VALID.1,
    );
    let event = with_client_certificate(
        request(GatewayShape::HttpV2, false, None),
        GatewayShape::HttpV2,
        client_cert(&acme, true),
    );
    let request: Request = lambda_http::request::from_str(&event.to_string()).unwrap();
    assert_eq!(verifier::handle(&r, "", request, SystemTime::now()).await.unwrap().status(), 202);
}

// ---------- OIDC ----------

pub(crate) struct Idp {
    pub(crate) key: EncodingKey,
    pub(crate) jwks: Value,
    public_pem: String,
}

pub(crate) fn idp(kid: &str) -> Idp {
    let pair = KeyPair::generate().unwrap();
    let raw = pair.public_key_raw(); // 0x04 || x || y
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let jwks = json!({ "keys": [{
        "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": kid,
        "x": b64(&raw[1..33]), "y": b64(&raw[33..65])
    }]});
    Idp {
        key: EncodingKey::from_ec_pem(pair.serialize_pem().as_bytes()).unwrap(),
        jwks,
        public_pem: pair.public_key_pem(),
    }
}

pub(crate) fn now() -> u64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs()
}

pub(crate) fn token(idp: &Idp, kid: &str, claims: Value) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, &claims, &idp.key).unwrap()
}

/// The client id of Middesk's tokens at the receiver's identity provider.
pub(crate) const CLIENT: &str = "middesk";

pub(crate) fn claims() -> Value {
    json!({ "iss": ISSUER, "aud": AUDIENCE, "sub": CLIENT, "iat": now(), "exp": now() + 300 })
}

#[tokio::test]
async fn oidc_accepts_only_valid_tokens_for_this_resource() {
    let idp = idp("k1");
    let server = JsonServer::start(idp.jwks.to_string()).await;
    let r = receiver("oidc", "any", &server.url);
    let valid = token(&idp, "k1", claims());
    for shape in [GatewayShape::RestV1, GatewayShape::HttpV2] {
        assert_eq!(
            send(&r, request(shape, false, Some(&valid))).await,
            (202, 1, Some("oidc".into())),
            "{shape:?}"
        );
    }
    let with = |k: &str, v: Value| {
        let mut c = claims();
        c[k] = v;
        token(&idp, "k1", c)
    };
    let header_none =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"alg":"none","kid":"k1"}"#);
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims().to_string());
    let hs256 = {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("k1".into());
        jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_secret(idp.public_pem.as_bytes()))
            .unwrap()
    };
    let other_key = token(&self::idp("k1"), "k1", claims());
    let cases = [
        ("wrong issuer", with("iss", json!("https://evil.example.com/"))),
        ("wrong audience", with("aud", json!("https://other.example.com/"))),
        ("expired", with("exp", json!(now() - 120))),
        ("not yet valid", with("nbf", json!(now() + 120))),
        ("no exp", {
            let mut c = claims();
            c.as_object_mut().unwrap().remove("exp");
            token(&idp, "k1", c)
        }),
        ("alg none", format!("{header_none}.{payload}.")),
        ("HS256 with the public key", hs256),
        ("signed by another key", other_key),
        ("garbage", "not.a.jwt".to_owned()),
        // Another client of the same identity provider, with a token for this very audience.
        ("issued to another client (azp)", with("azp", json!("some-internal-app"))),
        ("issued to another client (client_id)", with("client_id", json!("some-internal-app"))),
        ("issued to another client (sub)", with("sub", json!("some-internal-app"))),
        ("client claim not a string", with("azp", json!(["middesk"]))),
        ("names no client", {
            let mut c = claims();
            c.as_object_mut().unwrap().remove("sub");
            token(&idp, "k1", c)
        }),
    ];
    for (name, bad) in cases {
        assert_eq!(
            send(&r, request(GatewayShape::HttpV2, false, Some(&bad))).await,
            (401, 0, None),
            "{name}"
        );
    }
    assert_eq!(send(&r, request(GatewayShape::HttpV2, false, None)).await.0, 401, "no token");
    // The first client claim present decides: azp names Middesk even though sub is a user.
    let mut by_azp = claims();
    by_azp["azp"] = json!(CLIENT);
    by_azp["sub"] = json!("user-1234");
    let by_azp = token(&idp, "k1", by_azp);
    assert_eq!(send(&r, request(GatewayShape::HttpV2, false, Some(&by_azp))).await.0, 202);
}

#[tokio::test]
async fn the_jwks_fetch_does_not_follow_redirects() {
    let idp = idp("k1");
    let keys = JsonServer::start(idp.jwks.to_string()).await;
    let redirecting = JsonServer::start(String::new()).await;
    redirecting.redirect_to(&keys.url);
    let r = receiver("oidc", "any", &redirecting.url);
    let valid = token(&idp, "k1", claims());
    assert_eq!(send(&r, request(GatewayShape::HttpV2, false, Some(&valid))).await, (503, 0, None));
    assert_eq!((redirecting.hits(), keys.hits()), (1, 0), "the redirect was not followed");
}

#[tokio::test]
async fn an_unknown_kid_triggers_one_refetch_then_401() {
    let idp = idp("k1");
    let server = JsonServer::start(idp.jwks.to_string()).await;
    let r = receiver("oidc", "any", &server.url);
    assert_eq!(
        send(&r, request(GatewayShape::HttpV2, false, Some(&token(&idp, "k1", claims())))).await.0,
        202
    );
    assert_eq!(server.hits(), 1);
    let unknown = token(&idp, "k2", claims());
    assert_eq!(send(&r, request(GatewayShape::HttpV2, false, Some(&unknown))).await.0, 401);
    assert_eq!(server.hits(), 2, "one refetch for the unknown kid");
    assert_eq!(send(&r, request(GatewayShape::HttpV2, false, Some(&unknown))).await.0, 401);
    assert_eq!(server.hits(), 2, "no second refetch within a minute");
}

#[tokio::test]
async fn a_rotated_key_is_found_by_the_refetch() {
    let (old, new) = (idp("k1"), idp("k2"));
    let server = JsonServer::start(old.jwks.to_string()).await;
    let r = receiver("oidc", "any", &server.url);
    assert_eq!(
        send(&r, request(GatewayShape::HttpV2, false, Some(&token(&old, "k1", claims())))).await.0,
        202
    );
    server.set_body(new.jwks.to_string());
    assert_eq!(
        send(&r, request(GatewayShape::HttpV2, false, Some(&token(&new, "k2", claims())))).await.0,
        202
    );
}

#[tokio::test]
async fn jwks_down_is_503_without_cached_keys_and_harmless_with_them() {
    let idp = idp("k1");
    let valid = token(&idp, "k1", claims());
    let server = JsonServer::start(idp.jwks.to_string()).await;
    let warm = receiver("oidc", "any", &server.url);
    assert_eq!(send(&warm, request(GatewayShape::HttpV2, false, Some(&valid))).await.0, 202);
    server.stop();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(send(&warm, request(GatewayShape::HttpV2, false, Some(&valid))).await.0, 202, "cached keys");

    let cold = receiver("oidc", "any", &server.url);
    assert_eq!(send(&cold, request(GatewayShape::HttpV2, false, Some(&valid))).await, (503, 0, None));
}

// ---------- policy and source addresses ----------

#[tokio::test]
async fn policy_any_and_all() {
    let idp = idp("k1");
    let server = JsonServer::start(idp.jwks.to_string()).await;
    let valid = token(&idp, "k1", claims());
    let good_cert = client_cert(&cert(&middesk(), VALID.0, VALID.1), true);
    let shape = GatewayShape::HttpV2;
    let with_cert = |e: Value| with_client_certificate(e, shape, good_cert.clone());

    let any = receiver("hmac,mtls", "any", &server.url);
    assert_eq!(send(&any, request(shape, true, None)).await, (202, 1, Some("hmac".into())));
    assert_eq!(send(&any, with_cert(request(shape, false, None))).await, (202, 1, Some("mtls".into())));
    assert_eq!(send(&any, request(shape, false, None)).await, (401, 0, None));

    let all = receiver("hmac,mtls", "all", &server.url);
    assert_eq!(send(&all, with_cert(request(shape, true, None))).await, (202, 1, Some("hmac+mtls".into())));
    assert_eq!(send(&all, request(shape, true, None)).await, (401, 0, None), "HMAC passes, mTLS does not");
    assert_eq!(
        send(&all, with_cert(request(shape, false, None))).await,
        (401, 0, None),
        "mTLS passes, HMAC does not"
    );

    let all3 = receiver("hmac,mtls,oidc", "all", &server.url);
    let everything = with_cert(request(shape, true, Some(&valid)));
    assert_eq!(send(&all3, everything).await, (202, 1, Some("hmac+mtls+oidc".into())));
    assert_eq!(send(&all3, with_cert(request(shape, true, Some("bad.token.here")))).await, (401, 0, None));

    // Under `any`, a dependency failure (JWKS down, nothing cached) is a 503, so Middesk retries.
    server.stop();
    let any_oidc = receiver("oidc,mtls", "any", &server.url);
    assert_eq!(send(&any_oidc, request(shape, false, Some(&valid))).await, (503, 0, None));
}

#[tokio::test]
async fn source_ip_allow_list_reads_the_request_context_not_headers() {
    let allowed = SourceIpAllowList::middesk();
    let r = base_receiver(AuthPolicy::default()).with_source_ips(Some(allowed));
    for shape in [GatewayShape::RestV1, GatewayShape::HttpV2] {
        // The sample contexts come from 35.239.59.102, one of Middesk's addresses.
        let ok: Request = lambda_http::request::from_str(&request(shape, true, None).to_string()).unwrap();
        assert_eq!(verifier::handle(&r, "", ok, SystemTime::now()).await.unwrap().status(), 202, "{shape:?}");
        let mut other = request(shape, true, None);
        match shape {
            GatewayShape::RestV1 => other["requestContext"]["identity"]["sourceIp"] = json!("203.0.113.9"),
            _ => other["requestContext"]["http"]["sourceIp"] = json!("203.0.113.9"),
        }
        other["headers"]["X-Forwarded-For"] = json!("35.239.59.102");
        let other: Request = lambda_http::request::from_str(&other.to_string()).unwrap();
        assert_eq!(
            verifier::handle(&r, "", other, SystemTime::now()).await.unwrap().status(),
            401,
            "{shape:?}"
        );
    }
}

/// A Middesk event of `account` (none: no `account_id`), `padding` bytes of notes long or more.
fn account_event(account: Option<&str>, padding: usize) -> Vec<u8> {
    let mut event: Value = serde_json::from_slice(&event_body("ev-account", "business.updated")).unwrap();
    if let Some(account) = account {
        event["account_id"] = json!(account);
    }
    event["data"]["object"]["notes"] = json!("x".repeat(padding));
    serde_json::to_vec(&event).unwrap()
}

/// `body` as a request with Middesk's client certificate, HMAC-signed if `hmac`.
fn mtls_request(body: &[u8], hmac: bool) -> Value {
    let shape = GatewayShape::HttpV2;
    let headers: Vec<(String, String)> = match hmac {
        true => signed_headers(SECRET, body, None),
        false => vec![("Content-Type".into(), "application/json".into())],
    };
    let event = gateway_event(shape, "POST", body, &headers, false);
    with_client_certificate(event, shape, client_cert(&cert(&middesk(), VALID.0, VALID.1), true))
}

fn with_accounts(r: Receiver) -> Receiver {
    r.with_accounts(our_accounts())
}

#[tokio::test]
async fn mtls_accepts_only_our_accounts_events() {
    // Every Middesk customer's deliveries carry Middesk's certificate: the certificate proves
    // Middesk sent the event, the account list that it is ours.
    let r = with_accounts(receiver("mtls", "any", "http://127.0.0.1:1/unused"));
    assert_eq!(
        send(&r, mtls_request(&account_event(Some(OUR_ACCOUNT), 0), false)).await,
        (202, 1, Some("mtls".into()))
    );
    for (name, body) in [
        ("another customer's event", account_event(Some(THEIR_ACCOUNT), 0)),
        ("no account_id", account_event(None, 0)),
        // Refused as not ours before its size is judged: nobody else can cause the 413, which
        // alarms at once.
        ("another customer's oversized event", account_event(Some(THEIR_ACCOUNT), 70_000)),
        ("an empty body", Vec::new()),
    ] {
        assert_eq!(send(&r, mtls_request(&body, false)).await, (403, 0, None), "{name}");
    }
    assert_eq!(send(&r, mtls_request(&account_event(Some(OUR_ACCOUNT), 70_000), false)).await.0, 413);
    // Under hmac,mtls any, our secret proves our webhook, so a body without an account passes on
    // HMAC; one naming another account does not.
    let either = with_accounts(receiver("hmac,mtls", "any", "http://127.0.0.1:1/unused"));
    assert_eq!(send(&either, mtls_request(&account_event(None, 0), true)).await.0, 202);
    assert_eq!(send(&either, mtls_request(&account_event(None, 0), false)).await.0, 403);
    assert_eq!(send(&either, mtls_request(&account_event(Some(THEIR_ACCOUNT), 0), true)).await.0, 403);
}

/// The outcome the verifier logs and counts for `event`, with its status.
async fn outcome(r: &Receiver, event: Value) -> (u16, &'static str) {
    let request: Request = lambda_http::request::from_str(&event.to_string()).unwrap();
    let (client_certificate, source_ip) = verifier::request_origin(&request);
    let certificate = client_certificate.as_ref();
    let webhook = middesk_webhooks::WebhookRequest {
        method: request.method(),
        headers: request.headers(),
        body: request.body().as_ref(),
        received_at: SystemTime::now(),
        client_certificate: certificate,
        source_ip,
        trace_header: None,
    };
    let receipt = r.receive(webhook).await;
    r.publisher().clear();
    (receipt.status().as_u16(), crate::common::verdict_label(&receipt))
}

#[tokio::test]
async fn every_method_that_proves_the_account_is_heard_before_the_account_check_in_any_order() {
    // Mutual TLS passes first; our HMAC secret still says whose event it is.
    for methods in ["mtls,hmac", "hmac,mtls"] {
        let r = with_accounts(receiver(methods, "any", "http://127.0.0.1:1/unused"));
        let unnamed = account_event(None, 0);
        assert_eq!(outcome(&r, mtls_request(&unnamed, true)).await, (202, "accepted"), "{methods}");
        // Signed with our secret for an account the list lacks: the list is wrong, alarmed at once.
        let unlisted = account_event(Some(THEIR_ACCOUNT), 0);
        assert_eq!(
            outcome(&r, mtls_request(&unlisted, true)).await,
            (403, "account_not_listed"),
            "{methods}"
        );
        // Middesk's certificate alone: another customer's event, or one that names nobody.
        assert_eq!(
            outcome(&r, mtls_request(&unlisted, false)).await,
            (403, "account_not_listed (anybody's)"),
            "{methods}"
        );
        assert_eq!(outcome(&r, mtls_request(&unnamed, false)).await, (403, "account_missing"), "{methods}");
        // Listed: no further method is needed.
        let ours = account_event(Some(&OUR_ACCOUNT.to_uppercase()), 0);
        assert_eq!(outcome(&r, mtls_request(&ours, false)).await, (202, "accepted"), "{methods}");
    }
}

#[tokio::test]
async fn a_method_that_could_prove_the_account_but_cannot_be_checked_is_a_retry_not_a_refusal() {
    // mtls,oidc any: the certificate passes, the identity provider's keys cannot be fetched, and
    // the body names no listed account. Refusing would lose an event the token may prove ours.
    let r = with_accounts(receiver("mtls,oidc", "any", "http://127.0.0.1:1/unreachable"));
    let mut event = mtls_request(&account_event(None, 0), false);
    let token = middesk_webhooks::verify::sample::test_bearer_token();
    event["headers"]["authorization"] = json!(format!("Bearer {token}"));
    assert_eq!(outcome(&r, event).await, (503, "auth_unavailable"));
}

#[tokio::test]
async fn in_every_policy_a_refusal_of_what_proves_itself_ours_pages_at_once() {
    // Every AUTH_METHODS (each order) and AUTH_MODE; every request Middesk sends us carries
    // what each listed method checks (its certificate, our signature, a token for us), and
    // names our account, an unlisted one, or none. Where a method that proves the event ours
    // is listed, any refusal of it alarms at its first occurrence: none is counted among what
    // anybody can send.
    let idp = idp("k1");
    let server = JsonServer::start(idp.jwks.to_string()).await;
    let bearer = token(&idp, "k1", claims());
    let names = ["hmac", "mtls", "oidc"];
    let mut policies = Vec::new();
    for mask in 1..8usize {
        let chosen: Vec<&str> = (0..3).filter(|i| mask & (1 << i) != 0).map(|i| names[i]).collect();
        policies.push(chosen.join(","));
        policies.push(chosen.iter().rev().copied().collect::<Vec<_>>().join(","));
    }
    let mut checked = 0;
    for methods in &policies {
        let proves = methods.contains("hmac") || methods.contains("oidc");
        for mode in ["any", "all"] {
            let r = with_accounts(receiver(methods, mode, &server.url));
            for account in [Some(OUR_ACCOUNT), Some(THEIR_ACCOUNT), None] {
                let mut event = mtls_request(&account_event(account, 0), methods.contains("hmac"));
                if methods.contains("oidc") {
                    event["headers"]["authorization"] = json!(format!("Bearer {bearer}"));
                }
                let (status, outcome) = outcome(&r, event).await;
                if account == Some(OUR_ACCOUNT) {
                    assert_eq!(status, 202, "{methods} {mode}: our event refused as {outcome}");
                }
                if proves && status != 202 {
                    assert!(
                        !outcome.ends_with("(anybody's)"),
                        "{methods} {mode} {account:?}: {outcome} would be refused without a page"
                    );
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, policies.len() * 2 * 3);
}
