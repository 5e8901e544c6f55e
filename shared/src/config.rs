//! The verifier's configuration, read once at cold start from environment variables.

use std::time::Duration;

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

/// Everything the verifier reads from its environment.
#[derive(Debug, Clone)]
pub struct VerifierConfig {
    /// `MIDDESK_SECRET_ID`: the Secrets Manager secret's name or ARN.
    pub secret_id: String,
    /// `SECRET_CACHE_TTL_SECONDS`.
    pub secret_cache_ttl: Duration,
    /// `ROUTES`, `CATCH_ALL_QUEUE` and `QUEUE_URL_BASE`.
    pub router: QueueRouter,
    /// `SECRET_ROTATION_GRACE_SECONDS` and `MAX_BODY_BYTES`.
    pub settings: ReceiverSettings,
    /// `METRICS_NAMESPACE`; empty turns metrics off.
    pub metrics_namespace: String,
}

impl VerifierConfig {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let secret_id = get("MIDDESK_SECRET_ID").ok_or(ConfigError::Missing("MIDDESK_SECRET_ID"))?;
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
        })
    }
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
}
