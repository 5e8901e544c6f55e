//! OAuth access tokens from the receiver's own OpenID Connect identity provider:
//! `Authorization: Bearer <JWT>`, verified against the provider's JWKS (cached, refetched on
//! an unknown `kid` at most once per minute), with issuer, audience (the resource URI),
//! `exp` / `nbf` with a small leeway, and an algorithm allow-list that never admits `none`
//! or an HMAC algorithm (which would let a public key be used as a shared secret).

use std::future::Future;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use tokio::sync::Mutex;

/// How often an unknown `kid` may trigger a JWKS refetch.
pub const REFETCH_INTERVAL: Duration = Duration::from_secs(60);
/// How long fetched keys are used before they are refreshed (on the next request).
pub const JWKS_TTL: Duration = Duration::from_secs(3600);

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

/// Fetches a JWKS over HTTP(S).
#[derive(Debug, Clone)]
pub struct HttpJwks {
    url: String,
    agent: ureq::Agent,
}

impl HttpJwks {
    /// A source for `url`, with short timeouts.
    pub fn new(url: impl Into<String>) -> Self {
        let agent = ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(3))).build().into();
        Self { url: url.into(), agent }
    }
}

impl JwksSource for HttpJwks {
    async fn fetch(&self) -> Result<JwkSet, String> {
        let (url, agent) = (self.url.clone(), self.agent.clone());
        tokio::task::spawn_blocking(move || {
            let mut response = agent.get(&url).call().map_err(|e| e.to_string())?;
            let body = response
                .body_mut()
                .with_config()
                .limit(1 << 20)
                .read_to_string()
                .map_err(|e| e.to_string())?;
            serde_json::from_str::<JwkSet>(&body).map_err(|e| format!("not a JWKS: {e}"))
        })
        .await
        .map_err(|e| e.to_string())?
    }
}

#[derive(Default)]
struct KeyCache {
    keys: Option<JwkSet>,
    fetched_at: Option<Instant>,
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
        self.key_for(None).await.map(drop)
    }

    /// Verifies the value of an `Authorization` header.
    pub async fn verify(&self, authorization: Option<&[u8]>) -> Result<(), TokenError> {
        let token = bearer_token(authorization).ok_or(TokenError::Missing)?;
        let header = jsonwebtoken::decode_header(token).map_err(|e| TokenError::Invalid(e.to_string()))?;
        if !self.settings.algorithms.contains(&header.alg) {
            return Err(TokenError::Invalid(format!("algorithm {:?} is not allowed", header.alg)));
        }
        let jwk = self.key_for(header.kid.as_deref()).await?;
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
        validation.validate_nbf = true;
        validation.leeway = self.settings.leeway.as_secs();
        jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation)
            .map(drop)
            .map_err(|e| TokenError::Invalid(e.to_string()))
    }

    /// The key for `kid` (or any key when `None`), fetching when needed.
    async fn key_for(&self, kid: Option<&str>) -> Result<jsonwebtoken::jwk::Jwk, TokenError> {
        let mut cache = self.cache.lock().await;
        let now = Instant::now();
        let stale = cache.fetched_at.is_none_or(|t| now.duration_since(t) > JWKS_TTL);
        let known = |cache: &KeyCache| match (kid, &cache.keys) {
            (_, None) => None,
            (Some(kid), Some(keys)) => keys.find(kid).cloned(),
            (None, Some(keys)) => keys.keys.first().cloned(),
        };
        let must_fetch = cache.keys.is_none() || stale;
        let unknown_kid = !must_fetch && known(&cache).is_none();
        let may_refetch =
            cache.last_unknown_kid_refetch.is_none_or(|t| now.duration_since(t) >= REFETCH_INTERVAL);
        if must_fetch || (unknown_kid && may_refetch) {
            if unknown_kid {
                cache.last_unknown_kid_refetch = Some(now);
            }
            match self.source.fetch().await {
                Ok(keys) => {
                    cache.keys = Some(keys);
                    cache.fetched_at = Some(now);
                }
                Err(error) if cache.keys.is_none() => return Err(TokenError::KeysUnavailable(error)),
                Err(error) => tracing::warn!(%error, "JWKS refresh failed; using the cached keys"),
            }
        }
        known(&cache).ok_or_else(|| TokenError::Invalid(format!("unknown key id {kid:?}")))
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
    fn bearer_header() {
        assert_eq!(bearer_token(Some(b"Bearer abc.def.ghi")), Some("abc.def.ghi"));
        assert_eq!(bearer_token(Some(b"bearer  abc ")), Some("abc"));
        assert_eq!(bearer_token(Some(b"Basic abc")), None);
        assert_eq!(bearer_token(Some(b"Bearer ")), None);
        assert_eq!(bearer_token(Some(b"Bearer")), None);
        assert_eq!(bearer_token(None), None);
    }
}
