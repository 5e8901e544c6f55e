//! The verifier's configuration, read once at cold start from environment variables.

use std::time::Duration;

use crate::auth::mtls::ExpectedSubject;
use crate::auth::oidc::{OidcSettings, parse_algorithms};
use crate::auth::{AuthMethod, AuthPolicy, SourceIpAllowList};
use crate::error::ConfigError;
use crate::receiver::ReceiverSettings;
use crate::routing::QueueRouter;

/// Default for `MAX_BODY_BYTES`: 256 KiB, the SQS message size limit every queue accepts.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;
/// The largest `MAX_BODY_BYTES` allowed: a body SQS cannot carry as text is sent as base64
/// (4/3 larger) and must still fit SQS's 1 MiB maximum with its attributes.
pub const MAX_MAX_BODY_BYTES: usize = 768 * 1024;
/// Default for `SECRET_CACHE_TTL_SECONDS`.
pub const DEFAULT_SECRET_CACHE_TTL: Duration = Duration::from_secs(300);
/// Default for `SECRET_ROTATION_GRACE_SECONDS`: Middesk retries for about 3 days.
pub const DEFAULT_ROTATION_GRACE: Duration = Duration::from_secs(3 * 86_400);

/// Default for `OIDC_ALGORITHMS`.
pub const DEFAULT_OIDC_ALGORITHMS: &str = "RS256,ES256,PS256";
/// Default for `OIDC_LEEWAY_SECONDS`.
pub const DEFAULT_OIDC_LEEWAY: Duration = Duration::from_secs(30);

/// How requests are authenticated: `AUTH_METHODS`, `AUTH_MODE` and each method's settings.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// The policy.
    pub policy: AuthPolicy,
    /// `MTLS_SUBJECT_O` and `MTLS_SUBJECT_CN`.
    pub mtls_subject: ExpectedSubject,
    /// `OIDC_ISSUER`, `OIDC_AUDIENCE`, `OIDC_ALGORITHMS`, `OIDC_LEEWAY_SECONDS` and
    /// `OIDC_JWKS_URL`, when the policy uses OIDC.
    pub oidc: Option<(OidcSettings, String)>,
    /// `SOURCE_IP_ALLOWLIST`, when set.
    pub source_ips: Option<SourceIpAllowList>,
}

/// Everything the verifier reads from its environment.
#[derive(Debug, Clone)]
pub struct VerifierConfig {
    /// `MIDDESK_SECRET_ID`: the Secrets Manager secret's name or ARN (empty when HMAC is not
    /// part of the policy).
    pub secret_id: String,
    /// `SECRET_CACHE_TTL_SECONDS`.
    pub secret_cache_ttl: Duration,
    /// `ROUTES`, `CATCH_ALL_QUEUE` and `QUEUE_URL_BASE`.
    pub router: QueueRouter,
    /// `SECRET_ROTATION_GRACE_SECONDS` and `MAX_BODY_BYTES`.
    pub settings: ReceiverSettings,
    /// `METRICS_NAMESPACE`; empty turns metrics off.
    pub metrics_namespace: String,
    /// Authentication.
    pub auth: AuthConfig,
}

impl VerifierConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let auth = auth_config(&get)?;
        let secret_id = match get("MIDDESK_SECRET_ID") {
            Some(id) => id,
            None if auth.policy.uses(AuthMethod::Hmac) => {
                return Err(ConfigError::Missing("MIDDESK_SECRET_ID"));
            }
            None => String::new(),
        };
        let catch_all = get("CATCH_ALL_QUEUE").ok_or(ConfigError::Missing("CATCH_ALL_QUEUE"))?;
        let base = get("QUEUE_URL_BASE");
        let router =
            QueueRouter::parse("ROUTES", &get("ROUTES").unwrap_or_default(), &catch_all, base.as_deref())?;
        let seconds = |var: &'static str, default: Duration| -> Result<Duration, ConfigError> {
            get(var).map_or(Ok(default), |v| {
                v.parse::<u64>().map(Duration::from_secs).map_err(|_| ConfigError::Invalid {
                    var,
                    value: v,
                    reason: "expected a whole number of seconds".into(),
                })
            })
        };
        let max_body_bytes = match get("MAX_BODY_BYTES") {
            None => DEFAULT_MAX_BODY_BYTES,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=MAX_MAX_BODY_BYTES).contains(&n) => n,
                _ => {
                    return Err(ConfigError::Invalid {
                        var: "MAX_BODY_BYTES",
                        value: v,
                        reason: format!("expected a number of bytes from 1 to {MAX_MAX_BODY_BYTES}"),
                    });
                }
            },
        };
        Ok(Self {
            secret_id,
            secret_cache_ttl: seconds("SECRET_CACHE_TTL_SECONDS", DEFAULT_SECRET_CACHE_TTL)?,
            router,
            settings: ReceiverSettings {
                rotation_grace: seconds("SECRET_ROTATION_GRACE_SECONDS", DEFAULT_ROTATION_GRACE)?,
                max_body_bytes,
            },
            metrics_namespace: lookup("METRICS_NAMESPACE").unwrap_or_else(|| "MiddeskWebhooks".into()),
            auth,
        })
    }
}

fn auth_config(get: &impl Fn(&str) -> Option<String>) -> Result<AuthConfig, ConfigError> {
    let policy = AuthPolicy::parse(
        &get("AUTH_METHODS").unwrap_or_else(|| "hmac".into()),
        &get("AUTH_MODE").unwrap_or_default(),
    )?;
    let defaults = ExpectedSubject::default();
    let mtls_subject = ExpectedSubject {
        organization: get("MTLS_SUBJECT_O").unwrap_or(defaults.organization),
        common_name: get("MTLS_SUBJECT_CN").unwrap_or(defaults.common_name),
    };
    let oidc = if policy.uses(AuthMethod::Oidc) {
        let required = |var: &'static str| get(var).ok_or(ConfigError::Missing(var));
        let algorithms = get("OIDC_ALGORITHMS").unwrap_or_else(|| DEFAULT_OIDC_ALGORITHMS.into());
        let leeway = match get("OIDC_LEEWAY_SECONDS") {
            None => DEFAULT_OIDC_LEEWAY,
            Some(v) => match v.parse::<u64>() {
                Ok(n) if n <= 300 => Duration::from_secs(n),
                _ => {
                    return Err(ConfigError::Invalid {
                        var: "OIDC_LEEWAY_SECONDS",
                        value: v,
                        reason: "expected 0 to 300 seconds".into(),
                    });
                }
            },
        };
        let jwks_url = required("OIDC_JWKS_URL")?;
        if !jwks_url.starts_with("https://")
            && !jwks_url.starts_with("http://127.0.0.1")
            && !jwks_url.starts_with("http://localhost")
        {
            return Err(ConfigError::Invalid {
                var: "OIDC_JWKS_URL",
                value: jwks_url,
                reason: "must be https (plain http only on loopback, for local testing)".into(),
            });
        }
        let settings = OidcSettings {
            issuer: required("OIDC_ISSUER")?,
            audience: required("OIDC_AUDIENCE")?,
            algorithms: parse_algorithms(&algorithms).map_err(|reason| ConfigError::Invalid {
                var: "OIDC_ALGORITHMS",
                value: algorithms.clone(),
                reason,
            })?,
            leeway,
        };
        Some((settings, jwks_url))
    } else {
        None
    };
    let source_ips = get("SOURCE_IP_ALLOWLIST").map(|v| SourceIpAllowList::parse(&v)).transpose()?;
    Ok(AuthConfig { policy, mtls_subject, oidc, source_ips })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<VerifierConfig, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        VerifierConfig::from_lookup(|k| map.get(k).cloned())
    }

    const MINIMAL: [(&str, &str); 2] = [
        ("MIDDESK_SECRET_ID", "middesk/webhook-secret"),
        ("CATCH_ALL_QUEUE", "https://sqs.us-east-1.amazonaws.com/1/all"),
    ];

    #[test]
    fn defaults() {
        let c = config(&MINIMAL).unwrap();
        assert_eq!(c.secret_id, "middesk/webhook-secret");
        assert_eq!(c.secret_cache_ttl, Duration::from_secs(300));
        assert_eq!(c.settings.rotation_grace, Duration::from_secs(259_200));
        assert_eq!(c.settings.max_body_bytes, 262_144);
        assert_eq!(c.metrics_namespace, "MiddeskWebhooks");
        assert_eq!(c.router.route("business.created").name, "all");
    }

    #[test]
    fn overrides() {
        let mut vars = MINIMAL.to_vec();
        vars.extend([
            ("SECRET_CACHE_TTL_SECONDS", "60"),
            ("SECRET_ROTATION_GRACE_SECONDS", "0"),
            ("MAX_BODY_BYTES", "1024"),
            ("QUEUE_URL_BASE", "https://sqs.eu-west-1.amazonaws.com/2"),
            ("ROUTES", "order.*=orders"),
            ("METRICS_NAMESPACE", ""),
        ]);
        let c = config(&vars).unwrap();
        assert_eq!(c.secret_cache_ttl, Duration::from_secs(60));
        assert_eq!(c.settings.rotation_grace, Duration::ZERO);
        assert_eq!(c.settings.max_body_bytes, 1024);
        assert_eq!(c.router.route("order.created").url, "https://sqs.eu-west-1.amazonaws.com/2/orders");
        assert_eq!(c.metrics_namespace, "");
    }

    #[test]
    fn errors_name_the_variable() {
        assert_eq!(config(&MINIMAL[1..]).unwrap_err(), ConfigError::Missing("MIDDESK_SECRET_ID"));
        assert_eq!(config(&MINIMAL[..1]).unwrap_err(), ConfigError::Missing("CATCH_ALL_QUEUE"));
        for (var, value) in [
            ("SECRET_CACHE_TTL_SECONDS", "5m"),
            ("SECRET_ROTATION_GRACE_SECONDS", "-1"),
            ("MAX_BODY_BYTES", "0"),
            ("MAX_BODY_BYTES", "10000000"),
        ] {
            let mut vars = MINIMAL.to_vec();
            vars.push((var, value));
            let err = config(&vars).unwrap_err();
            assert!(err.to_string().starts_with(&format!("{var}=")), "{err}");
        }
        let mut vars = MINIMAL.to_vec();
        vars.push(("ROUTES", "business.created=https://sqs.us-east-1.amazonaws.com/1/a,oops"));
        assert!(config(&vars).unwrap_err().to_string().contains("ROUTES entry 2 \"oops\""));
    }

    #[test]
    fn authentication_settings() {
        assert_eq!(config(&MINIMAL).unwrap().auth.policy, AuthPolicy::default());
        // Without HMAC no secret is needed; OIDC needs its three settings.
        let oidc = [
            ("CATCH_ALL_QUEUE", "https://sqs.us-east-1.amazonaws.com/1/all"),
            ("AUTH_METHODS", "oidc,mtls"),
            ("AUTH_MODE", "all"),
            ("OIDC_ISSUER", "https://idp.example.com"),
            ("OIDC_AUDIENCE", "https://hooks.example.com/middesk"),
            ("OIDC_JWKS_URL", "https://idp.example.com/jwks"),
        ];
        let c = config(&oidc).unwrap();
        let (settings, url) = c.auth.oidc.unwrap();
        assert_eq!(
            (settings.leeway, url.as_str()),
            (Duration::from_secs(30), "https://idp.example.com/jwks")
        );
        assert_eq!(c.auth.mtls_subject, ExpectedSubject::default());
        for missing in ["OIDC_ISSUER", "OIDC_AUDIENCE", "OIDC_JWKS_URL"] {
            let vars: Vec<_> = oidc.iter().copied().filter(|(k, _)| *k != missing).collect();
            assert_eq!(config(&vars).unwrap_err(), ConfigError::Missing(missing));
        }
        for (var, value) in [
            ("OIDC_ALGORITHMS", "HS256"),
            ("OIDC_LEEWAY_SECONDS", "3600"),
            ("OIDC_JWKS_URL", "http://idp.example.com/jwks"),
            ("SOURCE_IP_ALLOWLIST", "middesk,nope"),
            ("AUTH_METHODS", "hmac,hmac"),
        ] {
            let mut vars = oidc.to_vec();
            vars.push((var, value));
            let err = config(&vars).unwrap_err();
            assert!(err.to_string().starts_with(&format!("{var}=")), "{err}");
        }
        let mut hmac_too = oidc.to_vec();
        hmac_too.push(("AUTH_METHODS", "hmac,oidc"));
        assert_eq!(config(&hmac_too).unwrap_err(), ConfigError::Missing("MIDDESK_SECRET_ID"));
    }
}
