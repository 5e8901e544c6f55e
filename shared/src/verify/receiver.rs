//! The verifier's request path, free of AWS and of any HTTP framework:
//! method and size checks, authentication on the raw bytes, envelope parsing, routing and
//! the hand-off to the queue. The Lambda edge only converts events to and from it.

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method, StatusCode};
use tracing::Instrument as _;

use crate::envelope::{EventEnvelope, MalformedEvent, ReadableParts};
use crate::error::{ReceiveError, SecretError};
use crate::message::{MessageContext, OutboundMessage, correlation_id};
use crate::verify::archive::{EventArchive, NoArchive, archive_key};
use crate::verify::auth::mtls::{ClientCertificate, ExpectedSubject, verify_client_certificate};
use crate::verify::auth::oidc::{HttpJwks, JwksSource, OidcVerifier, TokenError};
use crate::verify::auth::{AccountAllowList, AuthMethod, AuthPolicy, SourceIpAllowList};
use crate::verify::metrics::Counted;
use crate::verify::publisher::QueuePublisher;
use crate::verify::routing::QueueRouter;
use crate::verify::secret::{SecretCache, SecretSource, SecretVersion};
use crate::verify::signature::{SIGNATURE_HEADER, parse_signature};
use crate::verify::verdict::{
    Account, Age, Allowlist, Evidence, Hmac, Mtls, Oidc, Size, Source, Unchecked, Verdict, Whose, judge,
};

/// The trace span of one authentication method's check; its evidence is recorded once known.
fn check_span(method: AuthMethod) -> tracing::Span {
    tracing::info_span!(
        target: crate::telemetry::TARGET,
        "check",
        otel.name = format!("verify {}", method.as_str()),
        middesk.auth.method = method.as_str(),
        middesk.auth.evidence = tracing::field::Empty,
    )
}

/// The `X-Correlation-Id` header Middesk sets to the id of the event's main object.
pub const CORRELATION_HEADER: &str = "x-correlation-id";
/// The most a request may take before it is answered 503 (Middesk retries): well inside the
/// function's 15-second timeout, which would otherwise end the sandbox and its warm caches.
pub const DEFAULT_TIME_BUDGET: Duration = Duration::from_secs(10);
/// The most the cold start's warm-up may take: Lambda's init phase is limited to 10 seconds.
pub const WARM_UP_BUDGET: Duration = Duration::from_secs(5);

/// Request-independent settings of the receiver.
#[derive(Debug, Clone, Copy)]
pub struct ReceiverSettings {
    /// How long after a secret rotation the previous secret still verifies (zero: never).
    pub rotation_grace: Duration,
    /// The largest body accepted.
    pub max_body_bytes: usize,
    /// The oldest event accepted, by its `created_at` (zero: no limit). Middesk signs only the
    /// body, so a captured request verifies forever; this bounds how long it can be replayed.
    pub max_event_age: Duration,
}

/// One incoming request, as the receiver needs it.
#[derive(Debug, Clone, Copy)]
pub struct WebhookRequest<'a> {
    /// The HTTP method.
    pub method: &'a Method,
    /// The headers (case-insensitive lookup).
    pub headers: &'a HeaderMap,
    /// The raw body bytes, already base64-decoded if the gateway encoded them.
    pub body: &'a [u8],
    /// When the request arrived.
    pub received_at: SystemTime,
    /// The mutual-TLS client certificate from the request context, if any.
    pub client_certificate: Option<&'a ClientCertificate>,
    /// The caller's address from the request context (never from a header).
    pub source_ip: Option<IpAddr>,
    /// The invocation's X-Ray trace header, passed on to SQS (`AWSTraceHeader`).
    pub trace_header: Option<&'a str>,
}

/// What happened to a request: enough for the response, the log line and the metrics.
#[derive(Debug)]
pub struct Receipt {
    /// `Ok` once the message is in its queue.
    pub result: Result<(), ReceiveError>,
    /// The event id, once verified and parsed.
    pub event_id: Option<String>,
    /// The event type, once verified and parsed.
    pub event_type: Option<String>,
    /// The usable `X-Correlation-Id`, if any.
    pub correlation_id: Option<String>,
    /// The queue name the message went (or was going) to.
    pub queue: Option<String>,
    /// Set when a verified body was not a well-formed event.
    pub malformed: Option<MalformedEvent>,
    /// Which secret version verified the request (HMAC).
    pub secret_version: Option<SecretVersion>,
    /// The method(s) that authenticated the request, e.g. `hmac` or `hmac+mtls`.
    pub auth_method: Option<String>,
}

impl Receipt {
    fn new(correlation_id: Option<String>) -> Self {
        Self {
            result: Ok(()),
            event_id: None,
            event_type: None,
            correlation_id,
            queue: None,
            malformed: None,
            secret_version: None,
            auth_method: None,
        }
    }

    /// The HTTP status: 202 only once the message is queued.
    pub fn status(&self) -> StatusCode {
        match &self.result {
            Ok(()) => StatusCode::ACCEPTED,
            Err(error) => error.status(),
        }
    }

    /// A short label for logs and metrics.
    pub fn outcome(&self) -> &'static str {
        match (&self.result, &self.malformed) {
            (Ok(()), None) => "accepted",
            (Ok(()), Some(_)) => "accepted_malformed",
            (Err(error), _) => error.outcome(),
        }
    }

    /// The metric that counts this request (`None`: an accepted event, which needs no alarm).
    /// A refusal is counted by its verdict; any 5xx is a fault.
    pub fn counted(&self) -> Option<Counted> {
        match (&self.result, &self.malformed) {
            (Ok(()), None) => None,
            (Ok(()), Some(_)) => Some(Counted::AuthenticRefused),
            (Err(error), _) if error.status().is_server_error() => Some(Counted::Fault),
            (Err(error), _) if error.whose() == Some(Whose::Ours) => Some(Counted::AuthenticRefused),
            (Err(_), _) => Some(Counted::ForeignRefused),
        }
    }

    /// The short JSON response body. Never contains secrets, signatures or internals. Its
    /// fields are in this order whatever serde_json's map does (a struct, not a `json!` map).
    pub fn response_body(&self) -> String {
        #[derive(serde::Serialize)]
        #[serde(untagged)]
        enum Body<'a> {
            Accepted { status: &'static str, event_id: Option<&'a str> },
            Refused { error: &'static str },
        }
        let body = match &self.result {
            Ok(()) => Body::Accepted { status: "accepted", event_id: self.event_id.as_deref() },
            Err(error) => Body::Refused { error: error.public_message() },
        };
        serde_json::to_string(&body).unwrap_or_default()
    }
}

/// Verifies webhooks and hands them to their queues (and to the archive, when there is one).
pub struct WebhookReceiver<S, P, J = HttpJwks, A = NoArchive> {
    secrets: SecretCache<S>,
    publisher: P,
    router: QueueRouter,
    settings: ReceiverSettings,
    policy: AuthPolicy,
    mtls: ExpectedSubject,
    oidc: Option<OidcVerifier<J>>,
    source_ips: Option<SourceIpAllowList>,
    middesk_addresses: SourceIpAllowList,
    accounts: Option<AccountAllowList>,
    archive: A,
    time_budget: Duration,
}

impl<S: SecretSource, P: QueuePublisher> WebhookReceiver<S, P> {
    /// A receiver that authenticates by HMAC signature only (the default policy).
    pub fn new(
        secrets: SecretCache<S>,
        publisher: P,
        router: QueueRouter,
        settings: ReceiverSettings,
    ) -> Self {
        Self {
            secrets,
            publisher,
            router,
            settings,
            policy: AuthPolicy::default(),
            mtls: ExpectedSubject::default(),
            oidc: None,
            source_ips: None,
            middesk_addresses: SourceIpAllowList::middesk(),
            accounts: None,
            archive: NoArchive,
            time_budget: DEFAULT_TIME_BUDGET,
        }
    }
}

impl<S: SecretSource, P: QueuePublisher, J: JwksSource, A: EventArchive> WebhookReceiver<S, P, J, A> {
    /// Uses this authentication policy instead of HMAC only.
    pub fn with_policy(mut self, policy: AuthPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Expects this client certificate subject for mutual TLS.
    pub fn with_mtls_subject(mut self, subject: ExpectedSubject) -> Self {
        self.mtls = subject;
        self
    }

    /// Verifies bearer tokens with this verifier.
    pub fn with_oidc<J2: JwksSource>(self, oidc: OidcVerifier<J2>) -> WebhookReceiver<S, P, J2, A> {
        WebhookReceiver {
            secrets: self.secrets,
            publisher: self.publisher,
            router: self.router,
            settings: self.settings,
            policy: self.policy,
            mtls: self.mtls,
            oidc: Some(oidc),
            source_ips: self.source_ips,
            middesk_addresses: self.middesk_addresses,
            accounts: self.accounts,
            archive: self.archive,
            time_budget: self.time_budget,
        }
    }

    /// Archives every accepted event in `archive`, beside its SQS send: the answer is 2xx only
    /// once both have it, and 503 if the archive fails.
    pub fn with_archive<A2: EventArchive>(self, archive: A2) -> WebhookReceiver<S, P, J, A2> {
        WebhookReceiver {
            secrets: self.secrets,
            publisher: self.publisher,
            router: self.router,
            settings: self.settings,
            policy: self.policy,
            mtls: self.mtls,
            oidc: self.oidc,
            source_ips: self.source_ips,
            middesk_addresses: self.middesk_addresses,
            accounts: self.accounts,
            archive,
            time_budget: self.time_budget,
        }
    }

    /// The archive.
    pub fn archive(&self) -> &A {
        &self.archive
    }

    /// Answers 503 to a request not done within `budget` (default [`DEFAULT_TIME_BUDGET`]).
    pub fn with_time_budget(mut self, budget: Duration) -> Self {
        self.time_budget = budget;
        self
    }

    /// Refuses callers outside this allow-list (`None`: no restriction).
    pub fn with_source_ips(mut self, allowed: Option<SourceIpAllowList>) -> Self {
        self.source_ips = allowed;
        self
    }

    /// The addresses Middesk sends from (default: its documented ones): a signature mismatch
    /// on a request from one of them is `signature_mismatch`, which alarms at once.
    pub fn with_middesk_addresses(mut self, addresses: SourceIpAllowList) -> Self {
        self.middesk_addresses = addresses;
        self
    }

    /// Accepts only events whose `account_id` is in `accounts` (`None`: any account). An event
    /// without a readable `account_id` passes only if a method that proves our account
    /// authenticated it. With a list, a signature mismatch from Middesk's addresses is
    /// `signature_mismatch` (which alarms at once) only on a body naming one of our accounts.
    pub fn with_accounts(mut self, accounts: Option<AccountAllowList>) -> Self {
        self.accounts = accounts;
        self
    }

    /// Does the one-time work ahead of the first request (during Lambda's init phase, which
    /// runs on boosted CPU): fetches the secret and the JWKS as far as the policy needs them, and
    /// opens the connection to the queues, all three at once and within [`WARM_UP_BUDGET`].
    pub async fn warm_up(&self, now: SystemTime) -> Result<(), ReceiveError> {
        let queues =
            async { self.publisher.warm_up(self.router.catch_all()).await.map_err(ReceiveError::from) };
        let secret = async {
            match self.policy.uses(AuthMethod::Hmac) {
                true => self.secrets.get(now).await.map(drop).map_err(ReceiveError::from),
                false => Ok(()),
            }
        };
        let keys = async {
            match (self.policy.uses(AuthMethod::Oidc), &self.oidc) {
                (true, Some(oidc)) => {
                    oidc.warm_up().await.map_err(|e| ReceiveError::AuthUnavailable(e.to_string()))
                }
                _ => Ok(()),
            }
        };
        let all = async {
            let (queues, secret, keys) = tokio::join!(queues, secret, keys);
            queues.and(secret).and(keys)
        };
        tokio::time::timeout(WARM_UP_BUDGET, all).await.unwrap_or(Err(ReceiveError::TimedOut))
    }

    /// The publisher (for tests that inspect an in-memory queue).
    pub fn publisher(&self) -> &P {
        &self.publisher
    }

    /// The routing table.
    pub fn router(&self) -> &QueueRouter {
        &self.router
    }

    /// Handles one request. Never panics on any input; every failure is in the receipt.
    /// Needs a Tokio runtime with time enabled (for the time budget), as `#[tokio::main]` and
    /// the Lambda runtime provide. A refusal of what may be an event of ours is kept in the
    /// archive's bucket ([`crate::verify::refused`]); if that fails, the answer is 503, so that
    /// Middesk retries rather than the event be lost unseen.
    pub async fn receive(&self, request: WebhookRequest<'_>) -> Receipt {
        self.receive_as(request, &[], true).await
    }

    /// Handles a request this verifier refused and kept ([`crate::verify::refused`]), with the
    /// configuration and secrets of today: what passes is queued and archived like a new
    /// delivery. `attested` are the methods the verifier checked when it arrived and that cannot
    /// be checked again (mutual TLS, OIDC), as its record says; HMAC is always checked again.
    /// A refusal is not kept a second time: the record is already there.
    pub async fn receive_again(&self, request: WebhookRequest<'_>, attested: &[AuthMethod]) -> Receipt {
        self.receive_as(request, attested, false).await
    }

    async fn receive_as(&self, request: WebhookRequest<'_>, attested: &[AuthMethod], keep: bool) -> Receipt {
        let correlation = correlation_id(request.headers.get(CORRELATION_HEADER).map(|v| v.as_bytes()));
        let mut receipt = Receipt::new(correlation.map(str::to_owned));
        let work = async {
            let delivered = self.deliver(request, attested, correlation, &mut receipt).await;
            match delivered {
                Err(error) if keep && self.archive.enabled() && crate::verify::refused::keeps(&error) => {
                    self.keep_refused(&request, &receipt, &error).await.map_err(ReceiveError::Archive)?;
                    Err(error)
                }
                other => other,
            }
        };
        receipt.result =
            tokio::time::timeout(self.time_budget, work).await.unwrap_or(Err(ReceiveError::TimedOut));
        receipt
    }

    /// Keeps a refused request that may carry an event of ours.
    async fn keep_refused(
        &self,
        request: &WebhookRequest<'_>,
        receipt: &Receipt,
        error: &ReceiveError,
    ) -> Result<(), String> {
        let passed = receipt.auth_method.as_deref().unwrap_or_default();
        let attested = [AuthMethod::Mtls, AuthMethod::Oidc]
            .into_iter()
            .filter(|m| passed.split('+').any(|p| p == m.as_str()))
            .collect();
        let refused = crate::verify::refused::RefusedRequest {
            reason: error.outcome().to_owned(),
            received_at: request.received_at,
            source_ip: request.source_ip,
            signature: request.headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned),
            attested,
        };
        let readable = ReadableParts::of(request.body);
        let parts = readable
            .as_ref()
            .map_or([None; 3], |p| [p.id.as_deref(), Some(p.event_type.as_str()), p.account_id.as_deref()]);
        let key = refused.key(request.body);
        tracing::info!(key, reason = refused.reason, "kept the refused request");
        self.archive.put(&key, request.body, &refused.metadata(parts)).await
    }

    async fn deliver(
        &self,
        request: WebhookRequest<'_>,
        attested: &[AuthMethod],
        correlation: Option<&str>,
        receipt: &mut Receipt,
    ) -> Result<(), ReceiveError> {
        if request.method != Method::POST {
            return Err(ReceiveError::MethodNotAllowed);
        }
        let body = request.body;
        // Every piece of evidence first, then one verdict on all of it.
        let envelope = EventEnvelope::parse(body);
        let gathered = self.gather(&request, &envelope, attested, receipt).await;
        match judge(&gathered.evidence) {
            Verdict::Accept => {}
            Verdict::Refuse(reason, whose) => {
                // The log line names the event when the body is authentic (a method passed) or
                // probably ours; what anybody sends is not theirs to name.
                if let (Ok(event), true) = (&envelope, receipt.auth_method.is_some() || whose == Whose::Ours)
                {
                    receipt.event_id = Some(event.id.to_string());
                    receipt.event_type = Some(event.event_type.to_string());
                }
                return Err(ReceiveError::Refused { reason, whose });
            }
            Verdict::Retry(Unchecked::Secret) => {
                return Err(gathered.unchecked_secret.map_or(ReceiveError::TimedOut, ReceiveError::Secret));
            }
            Verdict::Retry(Unchecked::Keys) => {
                return Err(ReceiveError::AuthUnavailable(gathered.unchecked_keys.unwrap_or_default()));
            }
        }

        // A well-formed event goes to its type's queue. So does a malformed one whose type can
        // be read (flagged `malformed`: its consumer fails it by default, and it alarms); only
        // a body without a readable type goes to the catch-all.
        let readable = match &envelope {
            Ok(_) => None,
            Err(malformed) => {
                receipt.malformed = Some(malformed.clone());
                ReadableParts::of(body)
            }
        };
        let (event_id, event_type, account_id) = match (&envelope, &readable) {
            (Ok(e), _) => (Some(&*e.id), Some(&*e.event_type), e.account_id.as_deref()),
            (Err(_), Some(parts)) => {
                (parts.id.as_deref(), Some(parts.event_type.as_str()), parts.account_id.as_deref())
            }
            (Err(_), None) => (None, None, None),
        };
        let queues = match event_type {
            Some(t) => self.router.route_all(t),
            None => vec![self.router.catch_all()],
        };
        receipt.event_id = event_id.map(str::to_owned);
        receipt.event_type = event_type.map(str::to_owned);
        receipt.queue = Some(queues.iter().map(|q| q.name.as_str()).collect::<Vec<_>>().join("+"));
        let reason = receipt.malformed.as_ref().map(ToString::to_string);
        let context = MessageContext {
            event_id,
            event_type,
            malformed: reason.as_deref(),
            account_id,
            correlation_id: correlation,
            received_at: request.received_at,
            auth_method: receipt.auth_method.as_deref().unwrap_or_default(),
            trace_header: request.trace_header,
            traceparent: None,
        };
        // One message per queue of the route (fan-out), sent at once; the archive beside them.
        // The answer is 2xx only once every queue and the archive have the event: any failure
        // is a 503, and Middesk's retry gives the queues that already had it a duplicate, which
        // idempotent consumers absorb.
        let messages: Vec<OutboundMessage> =
            queues.iter().map(|q| OutboundMessage::new(q, body, context)).collect();
        let published = futures_util::future::join_all(messages.iter().map(|m| self.publisher.publish(m)));
        if !self.archive.enabled() {
            return published.await.into_iter().collect::<Result<(), _>>().map_err(ReceiveError::from);
        }
        let created_at = envelope.as_ref().ok().map(|e| e.created_at);
        let key = archive_key(created_at, event_type, body);
        let secret_version = receipt.secret_version.map(SecretVersion::as_str);
        let metadata = crate::verify::archive::metadata(&messages[0], secret_version);
        let (published, archived) = tokio::join!(published, self.archive.put(&key, body, &metadata));
        published.into_iter().collect::<Result<(), _>>()?;
        archived.map_err(ReceiveError::Archive)?;
        Ok(())
    }

    /// Gathers every piece of evidence about a request: nothing is decided here. The body is
    /// read (its account, its age) only as evidence, never trusted for anything else.
    async fn gather(
        &self,
        request: &WebhookRequest<'_>,
        envelope: &Result<EventEnvelope<'_>, MalformedEvent>,
        attested: &[AuthMethod],
        receipt: &mut Receipt,
    ) -> Gathered {
        let body = request.body;
        let now = request.received_at;
        let source = Source {
            middesk: request.source_ip.is_some_and(|ip| self.middesk_addresses.allows(ip)),
            allowlist: match &self.source_ips {
                None => Allowlist::Off,
                Some(list) if request.source_ip.is_some_and(|ip| list.allows(ip)) => Allowlist::Listed,
                Some(_) => Allowlist::Unlisted,
            },
        };
        let account = account_evidence(body, self.accounts.as_ref());
        let limit = self.settings.max_event_age;
        let age = match envelope {
            Err(_) => Age::Unknown,
            Ok(event) => match now.duration_since(event.created_at) {
                Ok(age) if !limit.is_zero() && age > limit => Age::TooOld,
                Ok(_) => Age::Fresh,
                Err(_) => Age::Ahead,
            },
        };
        let size = match body.len() {
            0 => Size::Empty,
            n if n > self.settings.max_body_bytes => Size::Over,
            _ => Size::Within,
        };
        let mut gathered = Gathered {
            evidence: Evidence {
                mode: self.policy.mode,
                source,
                hmac: None,
                mtls: None,
                oidc: None,
                account,
                age,
                size,
            },
            unchecked_secret: None,
            unchecked_keys: None,
        };
        // Every method of the policy is checked: the verdict needs all of them. Each check is a
        // span of the trace, with its evidence (never the signature, token or certificate).
        let (hmac, mtls, oidc) = tokio::join!(
            async {
                match self.policy.uses(AuthMethod::Hmac) {
                    true => {
                        let hmac_span = check_span(AuthMethod::Hmac);
                        let reread = source.middesk && account == Account::Listed;
                        let checked = self.check_hmac(request, reread).instrument(hmac_span.clone()).await;
                        let evidence = checked.as_ref().map_or(Hmac::Unavailable, |(e, _)| *e);
                        hmac_span.record("middesk.auth.evidence", tracing::field::debug(evidence));
                        Some(checked)
                    }
                    false => None,
                }
            },
            async {
                self.policy.uses(AuthMethod::Mtls).then(|| {
                    let mtls_span = check_span(AuthMethod::Mtls);
                    let evidence = match attested.contains(&AuthMethod::Mtls) {
                        // Checked by this verifier when the request arrived (its refused record says so).
                        true => Mtls::Valid,
                        false => mtls_evidence(verify_client_certificate(
                            request.client_certificate,
                            &self.mtls,
                            now,
                        )),
                    };
                    mtls_span.record("middesk.auth.evidence", tracing::field::debug(evidence));
                    evidence
                })
            },
            async {
                if !self.policy.uses(AuthMethod::Oidc) {
                    return None;
                }
                let oidc_span = check_span(AuthMethod::Oidc);
                let checked = match attested.contains(&AuthMethod::Oidc) {
                    true => Ok(Oidc::Valid),
                    false => self.check_oidc(request).instrument(oidc_span.clone()).await,
                };
                let evidence = checked.as_ref().map_or(Oidc::KeysUnavailable, |e| *e);
                oidc_span.record("middesk.auth.evidence", tracing::field::debug(evidence));
                Some(checked)
            },
        );
        if let Some(hmac) = hmac {
            gathered.evidence.hmac = Some(match hmac {
                Ok((evidence, version)) => {
                    receipt.secret_version = version;
                    evidence
                }
                Err(error) => {
                    gathered.unchecked_secret = Some(error);
                    Hmac::Unavailable
                }
            });
        }
        gathered.evidence.mtls = mtls;
        gathered.evidence.oidc = oidc.map(|checked| {
            checked.unwrap_or_else(|error| {
                gathered.unchecked_keys = Some(error);
                Oidc::KeysUnavailable
            })
        });
        let e = &gathered.evidence;
        let passed = [
            (AuthMethod::Hmac, receipt.secret_version.is_some()),
            (AuthMethod::Mtls, e.mtls == Some(Mtls::Valid)),
            (AuthMethod::Oidc, e.oidc == Some(Oidc::Valid)),
        ];
        let label: Vec<&str> = self
            .policy
            .methods
            .iter()
            .filter(|m| passed.iter().any(|(p, ok)| p == *m && *ok))
            .map(|m| m.as_str())
            .collect();
        receipt.auth_method = (!label.is_empty()).then(|| label.join("+"));
        gathered
    }

    /// The HMAC evidence, with the version that matched; an error when no secret could be read.
    /// `reread` (from Middesk's address, naming our account): a mismatch reads the secret again
    /// with its pending version first, since a rotation may be under way.
    async fn check_hmac(
        &self,
        request: &WebhookRequest<'_>,
        reread: bool,
    ) -> Result<(Hmac, Option<SecretVersion>), SecretError> {
        let Some(header) = request.headers.get(SIGNATURE_HEADER) else { return Ok((Hmac::Missing, None)) };
        // A malformed signature needs no secret.
        let Some(tag) = parse_signature(header.as_bytes()) else { return Ok((Hmac::Malformed, None)) };
        let now = request.received_at;
        let grace = self.settings.rotation_grace;
        let secrets = self.secrets.get(now).await?;
        let mut version = secrets.verify(request.body, &tag, now, grace);
        // Anywhere else, a mismatch costs no Secrets Manager call: anybody can send one, and a
        // slow Secrets Manager must not turn their refusal into a 503. If the re-read fails,
        // the mismatch stands: a 401, which Middesk retries like any refusal.
        if version.is_none() && reread {
            let reread = self.secrets.refresh_after_mismatch(now).await.unwrap_or_else(|error| {
                tracing::warn!(%error, "could not read the pending secret after a signature mismatch");
                None
            });
            version = reread.and_then(|secrets| secrets.verify(request.body, &tag, now, grace));
        }
        let evidence = match version {
            Some(SecretVersion::Current) => Hmac::Current,
            Some(SecretVersion::Pending) => Hmac::Pending,
            Some(SecretVersion::Previous) => Hmac::Previous,
            None => Hmac::Mismatch,
        };
        Ok((evidence, version))
    }

    /// The OIDC evidence; an error (logged nowhere but the receipt) when no keys can be had.
    async fn check_oidc(&self, request: &WebhookRequest<'_>) -> Result<Oidc, String> {
        // Configuration refuses a policy with OIDC but no verifier; here it would refuse all.
        let Some(oidc) = self.oidc.as_ref() else { return Ok(Oidc::Invalid) };
        let authorization = request.headers.get(http::header::AUTHORIZATION).map(|v| v.as_bytes());
        match oidc.verify(authorization, request.received_at).await {
            Ok(()) => Ok(Oidc::Valid),
            Err(TokenError::KeysUnavailable(e)) => Err(e),
            Err(TokenError::Missing) => Ok(Oidc::Missing),
            Err(TokenError::Invalid(reason)) => {
                tracing::debug!(reason, "bearer token refused");
                Ok(Oidc::Invalid)
            }
        }
    }
}

/// What the verifier gathered about a request, and the failures of checks it could not make.
struct Gathered {
    evidence: Evidence,
    unchecked_secret: Option<SecretError>,
    unchecked_keys: Option<String>,
}

/// What the body says of its account. Without a list, every account is ours.
fn account_evidence(body: &[u8], accounts: Option<&AccountAllowList>) -> Account {
    #[derive(serde::Deserialize)]
    struct AccountOnly<'a> {
        #[serde(borrow, default)]
        account_id: Option<&'a serde_json::value::RawValue>,
    }
    // Without `MIDDESK_ACCOUNT_IDS` there is no account check: every body is as good as listed.
    let Some(list) = accounts else { return Account::Listed };
    let Ok(AccountOnly { account_id: Some(raw) }) = serde_json::from_slice::<AccountOnly>(body) else {
        return Account::Missing;
    };
    match serde_json::from_str::<Option<std::borrow::Cow<'_, str>>>(raw.get()) {
        Ok(None) => Account::Missing,
        Ok(Some(id)) => match list.classify(&id) {
            Some(true) => Account::Listed,
            Some(false) => Account::Unlisted,
            None => Account::Unparseable,
        },
        Err(_) => Account::Unparseable,
    }
}

fn mtls_evidence(checked: Result<(), crate::verify::auth::mtls::CertificateError>) -> Mtls {
    use crate::verify::auth::mtls::CertificateError as E;
    match checked {
        Ok(()) => Mtls::Valid,
        Err(E::Missing) => Mtls::Missing,
        Err(E::NoPem | E::BadPem) => Mtls::Chain,
        Err(E::WrongSubject) => Mtls::Subject,
        Err(E::NotValidNow) => Mtls::Validity,
    }
}
