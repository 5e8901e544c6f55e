//! The verifier's request path, free of AWS and of any HTTP framework:
//! method and size checks, authentication on the raw bytes, envelope parsing, routing and
//! the hand-off to the queue. The Lambda edge only converts events to and from it.

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method, StatusCode};

use crate::envelope::{EventEnvelope, MalformedEvent, ReadableParts, account_id_of};
use crate::error::ReceiveError;
use crate::message::{MessageContext, OutboundMessage, correlation_id};
use crate::verify::archive::{EventArchive, NoArchive, archive_key};
use crate::verify::auth::mtls::{ClientCertificate, ExpectedSubject, verify_client_certificate};
use crate::verify::auth::oidc::{HttpJwks, JwksSource, OidcVerifier, TokenError};
use crate::verify::auth::{AccountAllowList, AuthMethod, AuthPolicy, PolicyMode, SourceIpAllowList};
use crate::verify::publisher::QueuePublisher;
use crate::verify::routing::QueueRouter;
use crate::verify::secret::{SecretCache, SecretSource, SecretVersion};
use crate::verify::signature::{SIGNATURE_HEADER, parse_signature};

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

/// The methods that authenticated a request.
struct Authenticated {
    /// Their names, e.g. `hmac` or `hmac+mtls`.
    label: String,
    /// Whether one of them proves the request was sent for our account
    /// ([`AuthMethod::proves_our_account`]).
    proves_account: bool,
    /// A method that could not be checked because its dependency failed (under `any`, once
    /// another passed): the account check answers with it rather than refuse.
    unavailable: Option<ReceiveError>,
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
        let authenticated = self.authenticate(&request, attested, receipt).await?;
        receipt.auth_method = Some(authenticated.label.clone());
        // Before anything else is judged, so that only our own events can reach the outcomes
        // that alarm at once (413, an empty body, a malformed or replayed event): another
        // Middesk customer's webhook pointed at our URL gets a 403 and nothing more.
        self.check_account(body, &authenticated)?;
        // After authentication, so that a 413 always means an authentic event refused (it
        // alarms at once) and nobody else can trigger it. Verifying first costs little: the
        // body is at most Lambda's 6 MB request, already in memory.
        if body.len() > self.settings.max_body_bytes {
            return Err(ReceiveError::PayloadTooLarge {
                size: body.len(),
                limit: self.settings.max_body_bytes,
            });
        }

        // Only a verified body is parsed.
        if body.is_empty() {
            return Err(ReceiveError::EmptyBody);
        }
        // A well-formed event goes to its type's queue. So does a malformed one whose type can
        // be read (flagged `malformed`: its consumer fails it by default, and it alarms); only
        // a body without a readable type goes to the catch-all.
        let envelope = EventEnvelope::parse(body);
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
        if let Ok(envelope) = &envelope {
            self.check_age(envelope.created_at, request.received_at)?;
        }
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

    /// Refuses an event older than `max_event_age`: a replay, since Middesk's own retries stop
    /// about 3 days after the first attempt. (An event whose `created_at` cannot be read never
    /// gets here: it is delivered flagged `malformed`, see [`MalformedEvent::UnreadableCreatedAt`].)
    fn check_age(&self, created: SystemTime, now: SystemTime) -> Result<(), ReceiveError> {
        let limit = self.settings.max_event_age;
        match now.duration_since(created) {
            Ok(age) if !limit.is_zero() && age > limit => {
                Err(ReceiveError::EventTooOld { age_seconds: age.as_secs() })
            }
            // A created_at ahead of our clock is younger than any limit.
            _ => Ok(()),
        }
    }

    /// Refuses an authentic event for a Middesk account that is not ours (when the list is set).
    /// Who vouched for the body decides what the refusal means: our own secret or token says the
    /// event is ours and the list is wrong (alarmed at once); Middesk's certificate alone says
    /// only that Middesk sent it, perhaps for another customer.
    fn check_account(&self, body: &[u8], authenticated: &Authenticated) -> Result<(), ReceiveError> {
        let Some(accounts) = &self.accounts else { return Ok(()) };
        let account = account_id_of(body);
        match (account, authenticated.proves_account, &authenticated.unavailable) {
            (Some(account), _, _) if accounts.allows(&account) => Ok(()),
            // Our own secret or token vouches for a body that names no account.
            (None, true, _) => Ok(()),
            // A method that could prove the event ours could not be checked (its dependency
            // failed): the retry may prove it, so the answer is that failure's 5xx.
            (_, _, Some(failure)) => Err(failure.clone()),
            (Some(account), true, None) => {
                Err(ReceiveError::AccountNotListed { account: account.into_owned() })
            }
            (Some(account), false, None) => {
                Err(ReceiveError::AccountNotAllowed { account: account.into_owned() })
            }
            (None, false, None) => Err(ReceiveError::AccountMissing),
        }
    }

    /// Whether an unauthenticated body names one of our accounts (always, without a list).
    /// Read only to classify a refusal, never trusted for anything else.
    fn names_our_account(&self, body: &[u8]) -> bool {
        self.accounts.as_ref().is_none_or(|accounts| account_id_of(body).is_some_and(|a| accounts.allows(&a)))
    }

    /// Applies the source-IP allow-list and the policy.
    async fn authenticate(
        &self,
        request: &WebhookRequest<'_>,
        attested: &[AuthMethod],
        receipt: &mut Receipt,
    ) -> Result<Authenticated, ReceiveError> {
        let allowed = |list: &SourceIpAllowList| request.source_ip.is_some_and(|ip| list.allows(ip));
        if self.source_ips.as_ref().is_some_and(|list| !allowed(list)) {
            return Err(ReceiveError::Unauthorized("source address not allowed"));
        }
        let mut passed = Vec::new();
        let mut refused = None;
        let mut unavailable = None;
        let listed = || {
            self.accounts
                .as_ref()
                .is_some_and(|a| account_id_of(request.body).is_some_and(|id| a.allows(&id)))
        };
        for &method in &self.policy.methods {
            if self.policy.mode == PolicyMode::Any && !passed.is_empty() {
                // One method suffices, but the account check needs to know whether the event is
                // ours: while only a method that cannot prove it (mutual TLS) passed and the body
                // names no listed account, a method that can is still tried, whatever its place
                // in AUTH_METHODS.
                let proven = passed.iter().any(|m: &AuthMethod| m.proves_our_account());
                if proven || !method.proves_our_account() || listed() {
                    continue;
                }
            }
            let checked = match attested.contains(&method) && method != AuthMethod::Hmac {
                // Checked by this verifier when the request arrived (its refused record says so).
                true => Ok(()),
                false => self.check(method, request, receipt).await,
            };
            match checked {
                Ok(()) => passed.push(method),
                // Under `all`, the first failure decides.
                Err(error) if self.policy.mode == PolicyMode::All => return Err(error),
                // Under `any`, a dependency failure wins over a refusal: the retry may pass.
                Err(error) if error.is_refusal() => refused = refused.or(Some(error)),
                Err(error) => unavailable = unavailable.or(Some(error)),
            }
        }
        if passed.is_empty() {
            return Err(unavailable.or(refused).unwrap_or(ReceiveError::Unauthorized("no method passed")));
        }
        Ok(Authenticated {
            label: passed.iter().map(|m| m.as_str()).collect::<Vec<_>>().join("+"),
            proves_account: passed.iter().any(|m| m.proves_our_account()),
            unavailable,
        })
    }

    async fn check(
        &self,
        method: AuthMethod,
        request: &WebhookRequest<'_>,
        receipt: &mut Receipt,
    ) -> Result<(), ReceiveError> {
        match method {
            AuthMethod::Hmac => {
                receipt.secret_version = Some(self.verify_hmac(request).await?);
                Ok(())
            }
            AuthMethod::Mtls => {
                verify_client_certificate(request.client_certificate, &self.mtls, request.received_at)
                    .map_err(|e| ReceiveError::Unauthorized(mtls_reason(&e)))
            }
            AuthMethod::Oidc => {
                let oidc = self.oidc.as_ref().ok_or(ReceiveError::Unauthorized("oidc is not configured"))?;
                let authorization = request.headers.get(http::header::AUTHORIZATION).map(|v| v.as_bytes());
                match oidc.verify(authorization, request.received_at).await {
                    Ok(()) => Ok(()),
                    Err(TokenError::KeysUnavailable(e)) => Err(ReceiveError::AuthUnavailable(e)),
                    Err(TokenError::Missing) => Err(ReceiveError::Unauthorized("missing bearer token")),
                    Err(TokenError::Invalid(reason)) => {
                        tracing::debug!(reason, "bearer token refused");
                        Err(ReceiveError::Unauthorized("invalid bearer token"))
                    }
                }
            }
        }
    }

    async fn verify_hmac(&self, request: &WebhookRequest<'_>) -> Result<SecretVersion, ReceiveError> {
        // A missing or malformed signature is rejected before the secret is even needed.
        let tag = request
            .headers
            .get(SIGNATURE_HEADER)
            .and_then(|v| parse_signature(v.as_bytes()))
            .ok_or(ReceiveError::Unauthorized("missing or malformed signature"))?;
        let now = request.received_at;
        let grace = self.settings.rotation_grace;
        let secrets = self.secrets.get(now).await?;
        if let Some(version) = secrets.verify(request.body, &tag, now, grace) {
            return Ok(version);
        }
        // A mismatch from anywhere but Middesk's addresses is a forgery attempt. One on another
        // Middesk customer's event (their webhook pointed at our URL, signed with their secret)
        // is nothing we could verify. Both are refused at once, without touching Secrets
        // Manager: they cost no API calls, and a slow Secrets Manager cannot turn their 401 into
        // a 503. Anyone can cause them, so they alarm only in bursts. (The body is read for
        // that classification only.)
        if !request.source_ip.is_some_and(|ip| self.middesk_addresses.allows(ip)) {
            return Err(ReceiveError::Unauthorized("signature mismatch"));
        }
        if !self.names_our_account(request.body) {
            return Err(ReceiveError::Unauthorized("signature mismatch on another account's event"));
        }
        // Middesk may be signing with a version that became pending since the cache was filled.
        // If that read fails the verdict stands: a 401, which Middesk retries like any refusal.
        let reread = self.secrets.refresh_after_mismatch(now).await.unwrap_or_else(|error| {
            tracing::warn!(%error, "could not read the pending secret after a signature mismatch");
            None
        });
        // Still no match: Middesk signs our events with a secret we do not have, and every
        // event is being refused. That alarms at once.
        reread
            .and_then(|secrets| secrets.verify(request.body, &tag, now, grace))
            .ok_or(ReceiveError::SignatureMismatch)
    }
}

fn mtls_reason(error: &crate::verify::auth::mtls::CertificateError) -> &'static str {
    use crate::verify::auth::mtls::CertificateError as E;
    match error {
        E::Missing => "no client certificate",
        E::NoPem => "no client certificate PEM in the request context",
        E::WrongSubject => "client certificate subject is not Middesk's",
        E::NotValidNow => "client certificate expired or not yet valid",
        E::BadPem => "client certificate does not parse",
    }
}
