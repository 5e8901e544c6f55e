//! The verdict table of docs/verifier.md, row by row: each row is what `judge` gives for its
//! evidence, and what the verifier answers, keeps and queues for a real request made to match.

use std::time::{Duration, SystemTime};

use crate::auth::{AUDIENCE, CLIENT, ISSUER, SECRET, VALID, cert, claims, client_cert, idp, middesk, token};
use crate::common::{OUR_ACCOUNT, THEIR_ACCOUNT, our_accounts};
use middesk_webhooks::testkit::JsonServer;
use middesk_webhooks::verify::archive::InMemoryArchive;
use middesk_webhooks::verify::auth::oidc::{HttpJwks, OidcSettings, OidcVerifier};
use middesk_webhooks::verify::auth::{AuthPolicy, SourceIpAllowList};
use middesk_webhooks::verify::sample::{GatewayShape, gateway_event, with_client_certificate};
use middesk_webhooks::verify::verdict::{
    Account, Age, Allowlist, Evidence, Hmac, Mtls, Oidc, Reason, Size, Source, Verdict, Whose, judge,
};
use middesk_webhooks::{
    InMemoryQueues, QueueRouter, ReceiverSettings, SecretCache, SecretError, SecretSource, SecretVersions,
    SigningKey, WebhookReceiver,
};
use rcgen::DnType;
use serde_json::json;

const PAGE: &str = include_str!("../../../../docs/verifier.md");
const MIDDESK_ADDRESS: &str = "35.239.59.102";
const ELSEWHERE: &str = "203.0.113.9";
/// Allowed by the allow-list of the rows that have one.
const ALLOW_LISTED: &str = "192.0.2.0/24";
const MAX_AGE: Duration = Duration::from_secs(4 * 86_400);
const MAX_BODY: usize = 65_536;

/// One row of the table, as written.
#[derive(Debug)]
struct Row {
    line: String,
    methods: String,
    mode: String,
    source: String,
    hmac: Option<String>,
    mtls: Option<String>,
    oidc: Option<String>,
    account: String,
    age: String,
    size: String,
    status: u16,
    outcome: String,
    whose: Option<Whose>,
}

/// The rows of docs/verifier.md's verdict table.
fn rows() -> Vec<Row> {
    let section = PAGE.split("### The verdict").nth(1).expect("docs/verifier.md has The verdict");
    let lines = section.lines().skip_while(|l| !l.starts_with("| policy")).skip(2);
    lines
        .take_while(|l| l.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
            assert_eq!(cells.len(), 11, "{line}");
            let optional = |cell: &str| (!cell.is_empty()).then(|| cell.to_owned());
            let (methods, mode) = cells[0].split_once(' ').unwrap_or((cells[0], "any"));
            Row {
                line: line.to_owned(),
                methods: methods.to_owned(),
                mode: mode.to_owned(),
                source: cells[1].to_owned(),
                hmac: optional(cells[2]),
                mtls: optional(cells[3]),
                oidc: optional(cells[4]),
                account: cells[5].to_owned(),
                age: cells[6].to_owned(),
                size: cells[7].to_owned(),
                status: cells[8].parse().unwrap_or_else(|_| panic!("a status: {line}")),
                outcome: cells[9].to_owned(),
                whose: match cells[10] {
                    "ours" => Some(Whose::Ours),
                    "anybody" => Some(Whose::Anybody),
                    "" => None,
                    other => panic!("whose: {other}"),
                },
            }
        })
        .collect()
}

impl Row {
    fn evidence(&self) -> Evidence {
        let policy = AuthPolicy::parse(&self.methods, &self.mode).unwrap();
        let source = match self.source.as_str() {
            "middesk" => Source { middesk: true, allowlist: Allowlist::Off },
            "elsewhere" => Source { middesk: false, allowlist: Allowlist::Off },
            "not allow-listed" => Source { middesk: false, allowlist: Allowlist::Unlisted },
            other => panic!("source {other}"),
        };
        let hmac = self.hmac.as_deref().map(|h| match h {
            "current" => Hmac::Current,
            "mismatch" => Hmac::Mismatch,
            "missing" => Hmac::Missing,
            "malformed" => Hmac::Malformed,
            "unavailable" => Hmac::Unavailable,
            other => panic!("HMAC {other}"),
        });
        let mtls = self.mtls.as_deref().map(|m| match m {
            "valid" => Mtls::Valid,
            "missing" => Mtls::Missing,
            "subject" => Mtls::Subject,
            "validity" => Mtls::Validity,
            other => panic!("mTLS {other}"),
        });
        let oidc = self.oidc.as_deref().map(|o| match o {
            "valid" => Oidc::Valid,
            "invalid" => Oidc::Invalid,
            "unavailable" => Oidc::KeysUnavailable,
            other => panic!("OIDC {other}"),
        });
        Evidence {
            mode: policy.mode,
            source,
            hmac,
            mtls,
            oidc,
            account: match self.account.as_str() {
                "listed" => Account::Listed,
                "unlisted" => Account::Unlisted,
                "missing" => Account::Missing,
                other => panic!("account {other}"),
            },
            age: match self.age.as_str() {
                "fresh" => Age::Fresh,
                "too old" => Age::TooOld,
                "ahead" => Age::Ahead,
                "unknown" => Age::Unknown,
                other => panic!("age {other}"),
            },
            size: match self.size.as_str() {
                "within" => Size::Within,
                "over" => Size::Over,
                "empty" => Size::Empty,
                other => panic!("size {other}"),
            },
        }
    }

    /// The verdict the row says, by its status, outcome and whose.
    fn says(&self, verdict: Verdict) -> bool {
        match verdict {
            Verdict::Accept => (self.status, self.outcome.as_str(), self.whose) == (202, "accepted", None),
            Verdict::Refuse(reason, whose) => {
                (self.status, self.outcome.as_str(), self.whose)
                    == (reason.status().as_u16(), reason.outcome(), Some(whose))
            }
            Verdict::Retry(_) => self.status == 503 && self.whose.is_none(),
        }
    }

    /// The body the row's account, age and size describe.
    fn body(&self) -> Vec<u8> {
        let now = SystemTime::now();
        let created_at = match self.age.as_str() {
            "too old" => now - MAX_AGE - Duration::from_secs(86_400),
            "ahead" => now + Duration::from_secs(86_400),
            _ => now - Duration::from_secs(60),
        };
        if self.size == "empty" {
            return Vec::new();
        }
        let mut event = json!({
            "object": "event",
            "id": "ev-verdict",
            "type": "business.updated",
            "created_at": humantime::format_rfc3339_millis(created_at).to_string(),
            "data": { "object": { "object": "business", "id": "b-verdict" } },
        });
        match self.account.as_str() {
            "listed" => event["account_id"] = json!(OUR_ACCOUNT),
            "unlisted" => event["account_id"] = json!(THEIR_ACCOUNT),
            _ => {}
        }
        if self.size == "over" {
            event["data"]["object"]["notes"] = json!("x".repeat(MAX_BODY));
        }
        serde_json::to_vec(&event).unwrap()
    }
}

#[test]
fn every_row_of_the_docs_table_is_what_judge_gives() {
    let rows = rows();
    assert!(rows.len() >= 20, "{rows:#?}");
    for row in &rows {
        let verdict = judge(&row.evidence());
        assert!(row.says(verdict), "docs/verifier.md says\n{}\nbut judge gives {verdict:?}", row.line);
    }
    // Every reason, both kinds of refusal, accept and retry appear.
    for reason in Reason::ALL {
        assert!(rows.iter().any(|r| r.outcome == reason.outcome()), "no row is {}", reason.outcome());
    }
    for whose in [Some(Whose::Ours), Some(Whose::Anybody)] {
        assert!(rows.iter().any(|r| r.whose == whose), "no row is {whose:?}");
    }
    assert!(rows.iter().any(|r| r.status == 202) && rows.iter().any(|r| r.status == 503));
}

/// A secret source that has our secret, or fails.
struct RowSecrets {
    failing: bool,
}

impl SecretSource for RowSecrets {
    async fn fetch(&self, _: bool) -> Result<SecretVersions, SecretError> {
        if self.failing {
            return Err(SecretError::Unavailable("Secrets Manager is down".into()));
        }
        Ok(SecretVersions {
            current: SigningKey::new(SECRET),
            pending: Vec::new(),
            current_created: SystemTime::now(),
            previous: None,
            previous_fetch_failed: false,
        })
    }
}

type RowReceiver = WebhookReceiver<RowSecrets, InMemoryQueues, HttpJwks, InMemoryArchive>;

/// A verifier configured as the row says, its JWKS at `jwks_url`.
fn receiver(row: &Row, jwks_url: &str) -> RowReceiver {
    let router = QueueRouter::parse("ROUTES", "", "http://127.0.0.1:1/000000000000/all", None).unwrap();
    let settings =
        ReceiverSettings { rotation_grace: Duration::ZERO, max_body_bytes: MAX_BODY, max_event_age: MAX_AGE };
    let secrets = RowSecrets { failing: row.hmac.as_deref() == Some("unavailable") };
    let oidc = OidcSettings {
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        algorithms: vec![jsonwebtoken::Algorithm::ES256],
        leeway: Duration::from_secs(5),
        allowed_clients: vec![CLIENT.into()],
    };
    let allowlist = (row.source == "not allow-listed").then(|| {
        SourceIpAllowList::parse("SOURCE_IP_ALLOWLIST", ALLOW_LISTED, &SourceIpAllowList::middesk()).unwrap()
    });
    WebhookReceiver::new(
        SecretCache::new(secrets, Duration::from_secs(300), false),
        InMemoryQueues::default(),
        router,
        settings,
    )
    .with_policy(AuthPolicy::parse(&row.methods, &row.mode).unwrap())
    .with_oidc(OidcVerifier::new(oidc, HttpJwks::new(jwks_url)))
    .with_accounts(our_accounts())
    .with_source_ips(allowlist)
    .with_archive(InMemoryArchive::default())
}

#[tokio::test]
async fn every_row_of_the_docs_table_is_what_the_verifier_answers_keeps_and_queues() {
    let keys = idp("verdict");
    let jwks = JsonServer::start(keys.jwks.to_string()).await;
    for row in rows() {
        let body = row.body();
        let mut headers: Vec<(String, String)> = vec![("Content-Type".into(), "application/json".into())];
        let signature = match row.hmac.as_deref() {
            Some("current" | "unavailable") => Some(SigningKey::new(SECRET).sign(&body)),
            Some("mismatch") => Some(SigningKey::new("sec_someone_elses").sign(&body)),
            Some("malformed") => Some("not-hex".to_owned()),
            _ => None,
        };
        if let Some(signature) = signature {
            headers.push(("X-Middesk-Signature-256".into(), signature));
        }
        let bearer = match row.oidc.as_deref() {
            Some("valid" | "unavailable") => Some(token(&keys, "verdict", claims())),
            Some("invalid") => {
                let mut wrong = claims();
                wrong["aud"] = json!("https://someone-else.example.com/");
                Some(token(&keys, "verdict", wrong))
            }
            _ => None,
        };
        if let Some(bearer) = bearer {
            headers.push(("Authorization".into(), format!("Bearer {bearer}")));
        }
        let shape = GatewayShape::HttpV2;
        let mut event = gateway_event(shape, "POST", &body, &headers, false);
        let certificate = match row.mtls.as_deref() {
            Some("valid") => Some(cert(&middesk(), VALID.0, VALID.1)),
            Some("subject") => Some(cert(&[(DnType::OrganizationName, "Not Middesk")], VALID.0, VALID.1)),
            Some("validity") => Some(cert(&middesk(), -3, -1)),
            _ => None,
        };
        if let Some(certificate) = certificate {
            event = with_client_certificate(event, shape, client_cert(&certificate, true));
        }
        let jwks_url = match row.oidc.as_deref() {
            Some("unavailable") => "http://127.0.0.1:1/jwks".to_owned(),
            _ => jwks.url.clone(),
        };
        let r = receiver(&row, &jwks_url);
        let request: lambda_http::Request = lambda_http::request::from_str(&event.to_string()).unwrap();
        let (client_certificate, _) = verifier::request_origin(&request);
        let source_ip = match row.source.as_str() {
            "middesk" => MIDDESK_ADDRESS,
            "not allow-listed" => "198.51.100.7",
            _ => ELSEWHERE,
        };
        let receipt = r
            .receive(middesk_webhooks::WebhookRequest {
                method: request.method(),
                headers: request.headers(),
                body: request.body().as_ref(),
                received_at: SystemTime::now(),
                client_certificate: client_certificate.as_ref(),
                source_ip: source_ip.parse().ok(),
                trace_header: None,
            })
            .await;
        let whose = receipt.result.as_ref().err().and_then(|e| e.whose());
        assert_eq!(
            (receipt.status().as_u16(), receipt.outcome(), whose),
            (row.status, row.outcome.as_str(), row.whose),
            "{}",
            row.line
        );
        let objects = r.archive().objects();
        let kept = objects.iter().filter(|(k, _, _)| k.starts_with("refused/")).count();
        assert_eq!(kept, usize::from(row.whose == Some(Whose::Ours)), "kept: {}", row.line);
        let queued = r.publisher().messages().len();
        assert_eq!(queued, usize::from(row.status == 202), "queued: {}", row.line);
    }
}
