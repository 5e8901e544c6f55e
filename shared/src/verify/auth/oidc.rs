//! OAuth access tokens from the receiver's own OpenID Connect identity provider:
//! `Authorization: Bearer <JWT>`. Checked:
//! - the signature, against the provider's JWKS (cached; refetched on an unknown `kid` at most
//!   once per minute);
//! - the issuer, and the audience (the resource URI);
//! - `exp` / `nbf`, with a small leeway;
//! - an algorithm allow-list that never admits `none` or an HMAC algorithm (which would let a
//!   public key be used as a shared secret);
//! - an allow-list of the clients a token may be issued to, so that another client of the same
//!   identity provider cannot post events.

use std::future::Future;
use std::net::IpAddr;
use std::time::{Duration, Instant, SystemTime};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use tokio::sync::Mutex;

/// How often an unknown `kid` may trigger a JWKS refetch.
pub const REFETCH_INTERVAL: Duration = Duration::from_secs(60);
/// How long fetched keys are used before they are refreshed (on the next request).
pub const JWKS_TTL: Duration = Duration::from_secs(3600);
/// After a failed fetch, how long before the next attempt (requests in between use the cached
/// keys, or get 503 without waiting on the identity provider).
pub const FAILED_FETCH_RETRY: Duration = Duration::from_secs(30);
/// The oldest keys still trusted while the identity provider cannot be reached. Past it the
/// answer is 503 (Middesk retries for three days), so a revoked key stops working.
pub const JWKS_MAX_STALE_AGE: Duration = Duration::from_secs(6 * 3600);

/// The claims that name the client a token was issued to, in the order they are read; the
/// first one present decides. `azp`: Auth0, Google, Keycloak, Microsoft Entra v2; `client_id`:
/// Amazon Cognito, Keycloak, RFC 9068 tokens; `cid`: Okta; `appid`: Microsoft Entra v1; `sub`:
/// client-credentials tokens of providers that set nothing else (Okta and Cognito also set it to
/// the client id; Auth0 to `<client id>@clients`).
pub const CLIENT_CLAIMS: [&str; 5] = ["azp", "client_id", "cid", "appid", "sub"];

/// The token checks.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// Expected `iss`.
    pub issuer: String,
    /// Expected `aud`: the resource URI registered with Middesk.
    pub audience: String,
    /// Algorithms accepted (asymmetric only).
    pub algorithms: Vec<Algorithm>,
    /// Clock skew allowed on `exp` and `nbf`.
    pub leeway: Duration,
    /// The client ids a token may be issued to (see [`CLIENT_CLAIMS`]); never empty.
    pub allowed_clients: Vec<String>,
}

/// The client a token's claims say it was issued to: the first of [`CLIENT_CLAIMS`] present.
pub fn token_client(claims: &serde_json::Value) -> Option<&str> {
    CLIENT_CLAIMS.iter().find_map(|claim| claims.get(claim)).and_then(serde_json::Value::as_str)
}

/// Checks a JWKS URL: `https`, or plain `http` only to a loopback address literal or exactly
/// `localhost` (local testing). The URL is parsed, so `http://localhost.attacker.example/` or
/// `http://localhost@attacker.example/` is not mistaken for loopback.
pub fn check_jwks_url(url: &str) -> Result<(), String> {
    let uri: http::Uri = url.parse().map_err(|e| format!("not a URL: {e}"))?;
    let host = uri.host().filter(|h| !h.is_empty()).ok_or("the URL has no host")?;
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err("the URL must not carry user information".into());
    }
    match uri.scheme_str() {
        Some("https") => Ok(()),
        Some("http") => {
            let ip = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>();
            if host == "localhost" || ip.is_ok_and(|ip| ip.is_loopback()) {
                Ok(())
            } else {
                Err("must be https (plain http only to a loopback address, for local testing)".into())
            }
        }
        _ => Err("must be https".into()),
    }
}

/// Parses an algorithm allow-list such as `RS256,ES256,PS256`. HMAC algorithms are refused:
/// the JWKS is public, so a token "signed" with a public key as an HMAC secret must not pass.
pub fn parse_algorithms(list: &str) -> Result<Vec<Algorithm>, String> {
    let mut algorithms = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let algorithm: Algorithm = name.parse().map_err(|_| format!("unknown algorithm {name:?}"))?;
        if matches!(algorithm, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) {
            return Err(format!("{name} is a shared-secret algorithm; only asymmetric ones are allowed"));
        }
        algorithms.push(algorithm);
    }
    if algorithms.is_empty() {
        return Err("no algorithm".into());
    }
    Ok(algorithms)
}

/// Why a token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// No `Authorization: Bearer` header.
    #[error("no bearer token")]
    Missing,
    /// The token failed a check (signature, claims, algorithm, unknown key).
    #[error("invalid token: {0}")]
    Invalid(String),
    /// The JWKS could not be fetched and no keys are cached: retryable (503).
    #[error("JWKS unavailable: {0}")]
    KeysUnavailable(String),
}

/// Where the JWKS comes from.
pub trait JwksSource: Send + Sync {
    /// Fetches the key set.
    fn fetch(&self) -> impl Future<Output = Result<JwkSet, String>> + Send;
}

/// The HTTP client of [`HttpJwks`]: hyper on the same rustls and aws-lc as the AWS SDK, so the
/// verifier links one TLS stack.
type HttpsClient = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    http_body_util::Empty<bytes::Bytes>,
>;

/// The largest JWKS read.
const MAX_JWKS_BYTES: usize = 1 << 20;
/// How long a JWKS fetch may take, connection included.
const JWKS_FETCH_TIMEOUT: Duration = Duration::from_secs(3);

/// Fetches a JWKS over HTTP(S).
#[derive(Debug, Clone)]
pub struct HttpJwks {
    url: String,
    client: Result<HttpsClient, String>,
}

impl HttpJwks {
    /// A source for `url`, with a short timeout and no redirects (a redirect could lead from
    /// https to plain http, or to a host the configuration never named: anything but 200 is an
    /// error). The system's trust store decides which servers are trusted.
    pub fn new(url: impl Into<String>) -> Self {
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let client = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(provider)
            .map(|builder| {
                let connector = builder.https_or_http().enable_http1().build();
                hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                    .build(connector)
            })
            .map_err(|e| format!("no TLS trust roots: {e}"));
        Self { url: url.into(), client }
    }

    async fn get(&self) -> Result<JwkSet, String> {
        use http_body_util::BodyExt as _;
        let client = self.client.as_ref().map_err(String::clone)?;
        let uri: http::Uri = self.url.parse().map_err(|e| format!("JWKS URL: {e}"))?;
        let response = client.get(uri).await.map_err(|e| format!("JWKS request: {e}"))?;
        if response.status() != http::StatusCode::OK {
            return Err(format!("JWKS answered {}", response.status()));
        }
        let body = http_body_util::Limited::new(response.into_body(), MAX_JWKS_BYTES)
            .collect()
            .await
            .map_err(|e| format!("JWKS body: {e}"))?
            .to_bytes();
        serde_json::from_slice::<JwkSet>(&body).map_err(|e| format!("not a JWKS: {e}"))
    }
}

impl JwksSource for HttpJwks {
    async fn fetch(&self) -> Result<JwkSet, String> {
        tokio::time::timeout(JWKS_FETCH_TIMEOUT, self.get())
            .await
            .unwrap_or_else(|_| Err(format!("JWKS fetch took longer than {JWKS_FETCH_TIMEOUT:?}")))
    }
}

#[derive(Default)]
struct KeyCache {
    keys: Option<JwkSet>,
    fetched_at: Option<Instant>,
    /// After a failed fetch: no new attempt before this, and why it failed.
    failed: Option<(Instant, String)>,
    /// The last refetch caused by an unknown `kid` (rate-limited so tokens with random key
    /// ids cannot make us hammer the identity provider).
    last_unknown_kid_refetch: Option<Instant>,
}

/// Verifies bearer tokens.
pub struct OidcVerifier<J> {
    settings: OidcSettings,
    source: J,
    cache: Mutex<KeyCache>,
}

impl<J: JwksSource> OidcVerifier<J> {
    /// A verifier with these settings and key source.
    pub fn new(settings: OidcSettings, source: J) -> Self {
        Self { settings, source, cache: Mutex::new(KeyCache::default()) }
    }

    /// Fetches the keys ahead of the first request (cold start).
    pub async fn warm_up(&self) -> Result<(), TokenError> {
        self.key_at(None, Instant::now()).await.map(drop)
    }

    /// Verifies the value of an `Authorization` header received at `now` (the request's clock,
    /// which judges `exp` and `nbf`).
    pub async fn verify(&self, authorization: Option<&[u8]>, now: SystemTime) -> Result<(), TokenError> {
        let token = bearer_token(authorization).ok_or(TokenError::Missing)?;
        let header = jsonwebtoken::decode_header(token).map_err(|e| TokenError::Invalid(e.to_string()))?;
        if !self.settings.algorithms.contains(&header.alg) {
            return Err(TokenError::Invalid(format!("algorithm {:?} is not allowed", header.alg)));
        }
        let jwk = self.key_at(header.kid.as_deref(), Instant::now()).await?;
        let key_alg = jwk.common.key_algorithm.and_then(|a| Algorithm::try_from(a).ok());
        if key_alg.is_some_and(|alg| alg != header.alg) {
            return Err(TokenError::Invalid("token algorithm does not match the key's".into()));
        }
        let key =
            DecodingKey::from_jwk(&jwk).map_err(|e| TokenError::Invalid(format!("unusable key: {e}")))?;
        let mut validation = Validation::new(header.alg);
        validation.algorithms = vec![header.alg];
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[&self.settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        // jsonwebtoken would judge exp and nbf by the system clock; `check_validity` judges them
        // by the request's.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let claims = jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation)
            .map_err(|e| TokenError::Invalid(e.to_string()))?
            .claims;
        check_validity(&claims, now, self.settings.leeway)?;
        match token_client(&claims) {
            Some(client) if self.settings.allowed_clients.iter().any(|c| c == client) => Ok(()),
            Some(_) => Err(TokenError::Invalid("token issued to a client that is not allowed".into())),
            None => {
                Err(TokenError::Invalid("token names no client (azp, client_id, cid, appid, sub)".into()))
            }
        }
    }

    /// The key for `kid` (or any key when `None`) at `now`, fetching when needed.
    async fn key_at(&self, kid: Option<&str>, now: Instant) -> Result<jsonwebtoken::jwk::Jwk, TokenError> {
        let mut cache = self.cache.lock().await;
        let age = |cache: &KeyCache| cache.fetched_at.map(|t| now.saturating_duration_since(t));
        let known = |cache: &KeyCache| match (kid, &cache.keys) {
            (_, None) => None,
            (Some(kid), Some(keys)) => keys.find(kid).cloned(),
            (None, Some(keys)) => keys.keys.first().cloned(),
        };
        let expired = age(&cache).is_none_or(|age| age > JWKS_TTL);
        let unknown_kid = !expired && known(&cache).is_none();
        let may_refetch = cache
            .last_unknown_kid_refetch
            .is_none_or(|t| now.saturating_duration_since(t) >= REFETCH_INTERVAL);
        // After a failure, wait before asking again: every request retrying under the lock would
        // hammer the identity provider and make each request wait on it.
        let backing_off = cache.failed.as_ref().is_some_and(|(retry_at, _)| now < *retry_at);
        if !backing_off && (expired || (unknown_kid && may_refetch)) {
            if unknown_kid {
                cache.last_unknown_kid_refetch = Some(now);
            }
            match self.source.fetch().await {
                Ok(keys) => {
                    cache.keys = Some(keys);
                    cache.fetched_at = Some(now);
                    cache.failed = None;
                }
                Err(error) => {
                    tracing::warn!(%error, "JWKS fetch failed");
                    let retry_at = now.checked_add(FAILED_FETCH_RETRY).unwrap_or(now);
                    cache.failed = Some((retry_at, error));
                }
            }
        }
        if age(&cache).is_none_or(|age| age > JWKS_MAX_STALE_AGE) {
            let reason = cache.failed.as_ref().map_or("no keys fetched yet", |(_, e)| e.as_str());
            return Err(TokenError::KeysUnavailable(reason.to_owned()));
        }
        known(&cache).ok_or_else(|| TokenError::Invalid(format!("unknown key id {kid:?}")))
    }
}

/// Checks a token's validity period at `now`: `exp` (required) not passed and `nbf` (if any)
/// reached, each with `leeway` for clock skew. Both are NumericDates: seconds since the epoch,
/// fractions allowed.
fn check_validity(claims: &serde_json::Value, now: SystemTime, leeway: Duration) -> Result<(), TokenError> {
    let now = now.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs_f64();
    let leeway = leeway.as_secs_f64();
    let date = |name: &str| match &claims[name] {
        serde_json::Value::Null => Ok(None),
        value => {
            value.as_f64().map(Some).ok_or_else(|| TokenError::Invalid(format!("{name} is not a number")))
        }
    };
    match date("exp")? {
        None => return Err(TokenError::Invalid("token has no exp".into())),
        Some(exp) if exp + leeway < now => return Err(TokenError::Invalid("token has expired".into())),
        Some(_) => {}
    }
    match date("nbf")? {
        Some(nbf) if nbf > now + leeway => Err(TokenError::Invalid("token is not valid yet".into())),
        _ => Ok(()),
    }
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
pub fn bearer_token(value: Option<&[u8]>) -> Option<&str> {
    let value = std::str::from_utf8(value?).ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithm_allow_list() {
        assert_eq!(
            parse_algorithms("RS256, ES256,PS256").unwrap(),
            [Algorithm::RS256, Algorithm::ES256, Algorithm::PS256]
        );
        for bad in ["", "HS256", "RS256,HS512", "none", "XX"] {
            assert!(parse_algorithms(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn validity_is_judged_by_the_request_clock() {
        let at = |seconds: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(seconds);
        let claims = serde_json::json!({"exp": 2_000, "nbf": 1_000});
        let leeway = Duration::from_secs(30);
        assert!(check_validity(&claims, at(1_500), Duration::ZERO).is_ok());
        assert!(check_validity(&claims, at(2_000), Duration::ZERO).is_ok());
        assert!(check_validity(&claims, at(2_001), Duration::ZERO).is_err());
        assert!(check_validity(&claims, at(2_030), leeway).is_ok());
        assert!(check_validity(&claims, at(2_031), leeway).is_err());
        assert!(check_validity(&claims, at(999), Duration::ZERO).is_err());
        assert!(check_validity(&claims, at(970), leeway).is_ok());
        assert!(check_validity(&serde_json::json!({"exp": 2_000.5}), at(2_000), Duration::ZERO).is_ok());
        for bad in [
            serde_json::json!({}),
            serde_json::json!({"exp": "2000"}),
            serde_json::json!({"exp": 2_000, "nbf": "x"}),
        ] {
            assert!(check_validity(&bad, at(1_500), leeway).is_err(), "{bad}");
        }
    }

    #[test]
    fn bearer_header() {
        assert_eq!(bearer_token(Some(b"Bearer abc.def.ghi")), Some("abc.def.ghi"));
        assert_eq!(bearer_token(Some(b"bearer  abc ")), Some("abc"));
        assert_eq!(bearer_token(Some(b"Basic abc")), None);
        assert_eq!(bearer_token(Some(b"Bearer ")), None);
        assert_eq!(bearer_token(Some(b"Bearer")), None);
        assert_eq!(bearer_token(None), None);
    }

    #[test]
    fn jwks_url_is_parsed_not_prefix_matched() {
        for ok in [
            "https://idp.example.com/.well-known/jwks.json",
            "http://127.0.0.1:8080/jwks",
            "http://127.8.9.10/jwks",
            "http://[::1]:9000/jwks",
            "http://localhost:3000/jwks",
        ] {
            assert_eq!(check_jwks_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "http://localhost.attacker.example/jwks",
            "http://127.0.0.1.attacker.example/jwks",
            "http://localhost@attacker.example/jwks",
            "https://user@idp.example.com/jwks",
            "http://idp.example.com/jwks",
            "http://10.0.0.1/jwks",
            "ftp://idp.example.com/jwks",
            "idp.example.com/jwks",
            "not a url",
        ] {
            assert!(check_jwks_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_first_client_claim_present_decides() {
        let client = |claims: serde_json::Value| token_client(&claims).map(str::to_owned);
        assert_eq!(client(serde_json::json!({"azp": "a", "client_id": "b", "sub": "c"})), Some("a".into()));
        assert_eq!(client(serde_json::json!({"client_id": "b", "sub": "c"})), Some("b".into()));
        assert_eq!(client(serde_json::json!({"cid": "okta", "sub": "x"})), Some("okta".into()));
        assert_eq!(client(serde_json::json!({"appid": "entra-v1"})), Some("entra-v1".into()));
        assert_eq!(client(serde_json::json!({"sub": "svc@clients"})), Some("svc@clients".into()));
        // A client claim that is not a string names no client (refused), never the next claim.
        assert_eq!(client(serde_json::json!({"azp": 7, "sub": "allowed"})), None);
        assert_eq!(client(serde_json::json!({"iss": "x"})), None);
    }

    fn settings() -> OidcSettings {
        OidcSettings {
            issuer: "i".into(),
            audience: "a".into(),
            algorithms: vec![Algorithm::RS256],
            leeway: Duration::ZERO,
            allowed_clients: vec!["middesk".into()],
        }
    }

    /// A JWKS source whose answers the test switches, counting fetches.
    struct SwitchableJwks {
        up: std::sync::atomic::AtomicBool,
        fetches: std::sync::atomic::AtomicUsize,
    }

    impl JwksSource for SwitchableJwks {
        async fn fetch(&self) -> Result<JwkSet, String> {
            use std::sync::atomic::Ordering::SeqCst;
            self.fetches.fetch_add(1, SeqCst);
            if !self.up.load(SeqCst) {
                return Err("connection refused".into());
            }
            let keys = serde_json::json!({"keys": [{"kty": "RSA", "kid": "k1", "n": "AQAB", "e": "AQAB"}]});
            Ok(serde_json::from_value(keys).expect("a JWKS"))
        }
    }

    #[tokio::test]
    async fn failed_refreshes_back_off_and_stale_keys_expire() {
        use std::sync::atomic::Ordering::SeqCst;
        let source = SwitchableJwks { up: true.into(), fetches: 0.into() };
        let verifier = OidcVerifier::new(settings(), source);
        let fetches = || verifier.source.fetches.load(SeqCst);
        let t0 = Instant::now();
        let at = |seconds: u64| t0 + Duration::from_secs(seconds);
        assert!(verifier.key_at(Some("k1"), t0).await.is_ok());
        verifier.source.up.store(false, SeqCst);

        // Past the TTL the refresh fails: the cached keys still verify...
        let ttl = JWKS_TTL.as_secs();
        assert!(verifier.key_at(Some("k1"), at(ttl + 1)).await.is_ok());
        assert_eq!(fetches(), 2);
        // ...and requests inside the back-off do not ask the identity provider again.
        assert!(verifier.key_at(Some("k1"), at(ttl + 2)).await.is_ok());
        assert!(verifier.key_at(Some("unknown"), at(ttl + 3)).await.is_err());
        assert_eq!(fetches(), 2);
        assert!(verifier.key_at(Some("k1"), at(ttl + 1 + FAILED_FETCH_RETRY.as_secs())).await.is_ok());
        assert_eq!(fetches(), 3);

        // Past the maximum stale age the keys are no longer trusted: 503, not a verdict.
        let too_old = at(JWKS_MAX_STALE_AGE.as_secs() + 1);
        assert!(matches!(verifier.key_at(Some("k1"), too_old).await, Err(TokenError::KeysUnavailable(_))));
        // Once the provider answers again, keys are fresh.
        verifier.source.up.store(true, SeqCst);
        let later = too_old + FAILED_FETCH_RETRY;
        assert!(verifier.key_at(Some("k1"), later).await.is_ok());
    }

    #[tokio::test]
    async fn without_keys_a_failed_fetch_backs_off_too() {
        use std::sync::atomic::Ordering::SeqCst;
        let verifier = OidcVerifier::new(settings(), SwitchableJwks { up: false.into(), fetches: 0.into() });
        let t0 = Instant::now();
        for s in [0, 1, 29] {
            let result = verifier.key_at(Some("k1"), t0 + Duration::from_secs(s)).await;
            assert!(matches!(result, Err(TokenError::KeysUnavailable(ref e)) if e == "connection refused"));
        }
        assert_eq!(verifier.source.fetches.load(SeqCst), 1);
    }
}
