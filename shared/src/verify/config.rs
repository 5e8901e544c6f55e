//! The verifier's configuration, read once at cold start from environment variables.

use std::time::Duration;

use crate::error::ConfigError;
use crate::message::SQS_MAX_MESSAGE_BYTES;
use crate::verify::auth::mtls::ExpectedSubject;
use crate::verify::auth::oidc::{OidcSettings, check_jwks_url, parse_algorithms};
use crate::verify::auth::{AccountAllowList, AuthMethod, AuthPolicy, SourceIpAllowList};
use crate::verify::receiver::ReceiverSettings;
use crate::verify::routing::QueueRouter;

/// Default for `MAX_BODY_BYTES` without a payload bucket: 256 KiB, the SQS message size limit
/// every queue accepts.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;
/// The largest `MAX_BODY_BYTES` allowed without a payload bucket: a body SQS cannot carry as
/// text is sent as base64 (4/3 larger) and must still fit SQS's 1 MiB maximum with its
/// attributes (up to about 700 bytes), so 767 KiB rather than 768.
pub const MAX_MAX_BODY_BYTES: usize = 767 * 1024;
/// `MAX_BODY_BYTES` with a payload bucket (default and maximum): Lambda's 6 MB request limit,
/// so anything API Gateway and Lambda hand over is accepted.
pub const CLAIM_CHECK_MAX_BODY_BYTES: usize = 6 * 1024 * 1024;
/// Default for `PAYLOAD_KEY_PREFIX`.
pub const DEFAULT_PAYLOAD_KEY_PREFIX: &str = "payloads/";
/// Default for `SECRET_CACHE_TTL_SECONDS`.
pub const DEFAULT_SECRET_CACHE_TTL: Duration = Duration::from_secs(300);
/// Largest `SECRET_CACHE_TTL_SECONDS`: a day.
pub const MAX_SECRET_CACHE_TTL: Duration = Duration::from_secs(86_400);
/// Default for `SECRET_ROTATION_GRACE_SECONDS`: Middesk retries for about 3 days, and the grace
/// counts from the new version's creation, before Middesk has it: a day more covers a rotation
/// whose `setSecret` comes up to a day late (see `rotation`'s proof).
pub const DEFAULT_ROTATION_GRACE: Duration = Duration::from_secs(4 * 86_400);
/// Largest `SECRET_ROTATION_GRACE_SECONDS`: 30 days.
pub const MAX_ROTATION_GRACE: Duration = Duration::from_secs(30 * 86_400);
/// Default for `SECRET_MAX_STALE_SECONDS`.
pub use crate::verify::secret::DEFAULT_SECRET_MAX_STALE;
/// Largest `SECRET_MAX_STALE_SECONDS`: a day.
pub const MAX_SECRET_MAX_STALE: Duration = Duration::from_secs(86_400);
pub use crate::retention::{DEFAULT_MAX_EVENT_AGE, MAX_MAX_EVENT_AGE};

/// Default for `OIDC_ALGORITHMS`.
pub const DEFAULT_OIDC_ALGORITHMS: &str = "RS256,ES256,PS256";
/// Default for `OIDC_LEEWAY_SECONDS`.
pub const DEFAULT_OIDC_LEEWAY: Duration = Duration::from_secs(30);
/// Largest `OIDC_LEEWAY_SECONDS`.
pub const MAX_OIDC_LEEWAY: Duration = Duration::from_secs(300);

/// How requests are authenticated: `AUTH_METHODS`, `AUTH_MODE` and each method's settings.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// The policy.
    pub policy: AuthPolicy,
    /// `MTLS_SUBJECT_O` and `MTLS_SUBJECT_CN`.
    pub mtls_subject: ExpectedSubject,
    /// `OIDC_ISSUER`, `OIDC_AUDIENCE`, `OIDC_ALLOWED_CLIENTS`, `OIDC_ALGORITHMS`,
    /// `OIDC_LEEWAY_SECONDS` and `OIDC_JWKS_URL`, when the policy uses OIDC.
    pub oidc: Option<(OidcSettings, String)>,
    /// `SOURCE_IP_ALLOWLIST`, when set.
    pub source_ips: Option<SourceIpAllowList>,
    /// `MIDDESK_SOURCE_IPS`: the addresses Middesk sends from (default: its documented ones).
    /// `middesk` in the allow-list stands for them, and a signature mismatch from one of them
    /// is the `signature_mismatch` outcome.
    pub middesk_addresses: SourceIpAllowList,
    /// `MIDDESK_ACCOUNT_IDS`: our Middesk accounts. Required when the policy can pass on a
    /// method that proves only that Middesk sent the request (mutual TLS), not that it was
    /// sent for us.
    pub accounts: Option<AccountAllowList>,
}

/// `PAYLOAD_BUCKET` and `PAYLOAD_KEY_PREFIX`: where bodies too large for SQS are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadConfig {
    /// The S3 bucket.
    pub bucket: String,
    /// The key prefix (the verifier may write only under it).
    pub key_prefix: String,
}

/// Everything the verifier reads from its environment.
#[derive(Debug, Clone)]
pub struct VerifierConfig {
    /// `MIDDESK_SECRET_ID`: the Secrets Manager secret's name or ARN (empty when HMAC is not
    /// part of the policy).
    pub secret_id: String,
    /// `SECRET_CACHE_TTL_SECONDS`.
    pub secret_cache_ttl: Duration,
    /// `SECRET_MAX_STALE_SECONDS`.
    pub secret_max_stale: Duration,
    /// `ROUTES`, `CATCH_ALL_QUEUE`, `QUEUE_URL_BASE` and `QUEUE_NAME_PREFIX`.
    pub router: QueueRouter,
    /// `SECRET_ROTATION_GRACE_SECONDS`, `MAX_BODY_BYTES` and `MAX_EVENT_AGE_SECONDS`.
    pub settings: ReceiverSettings,
    /// `METRICS_NAMESPACE`; empty turns metrics off.
    pub metrics_namespace: String,
    /// The claim check's bucket, when `PAYLOAD_BUCKET` is set.
    pub payloads: Option<PayloadConfig>,
    /// `SQS_MAX_MESSAGE_BYTES`: a larger message goes to the payload bucket.
    pub max_message_bytes: usize,
    /// `ARCHIVE_BUCKET`: where every accepted event is archived, when set.
    pub archive_bucket: Option<String>,
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
        let router = QueueRouter::parse_prefixed(
            "ROUTES",
            &get("ROUTES").unwrap_or_default(),
            &catch_all,
            base.as_deref(),
            &get("QUEUE_NAME_PREFIX").unwrap_or_default(),
        )?;
        let seconds = |var, default, max| seconds(&get, var, default, max);
        let payloads = get("PAYLOAD_BUCKET").map(|bucket| PayloadConfig {
            bucket,
            key_prefix: get("PAYLOAD_KEY_PREFIX").unwrap_or_else(|| DEFAULT_PAYLOAD_KEY_PREFIX.into()),
        });
        let (default_body, max_body) = match payloads {
            Some(_) => (CLAIM_CHECK_MAX_BODY_BYTES, CLAIM_CHECK_MAX_BODY_BYTES),
            None => (DEFAULT_MAX_BODY_BYTES, MAX_MAX_BODY_BYTES),
        };
        let bytes = |var: &'static str, default: usize, min: usize, max: usize| match get(var) {
            None => Ok(default),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(ConfigError::Invalid {
                    var,
                    value: v,
                    reason: format!("expected a number of bytes from {min} to {max}"),
                }),
            },
        };
        let max_body_bytes = bytes("MAX_BODY_BYTES", default_body, 1, max_body)?;
        let max_message_bytes =
            bytes("SQS_MAX_MESSAGE_BYTES", SQS_MAX_MESSAGE_BYTES, 1024, SQS_MAX_MESSAGE_BYTES)?;
        Ok(Self {
            secret_id,
            secret_cache_ttl: seconds(
                "SECRET_CACHE_TTL_SECONDS",
                DEFAULT_SECRET_CACHE_TTL,
                MAX_SECRET_CACHE_TTL,
            )?,
            secret_max_stale: seconds(
                "SECRET_MAX_STALE_SECONDS",
                DEFAULT_SECRET_MAX_STALE,
                MAX_SECRET_MAX_STALE,
            )?,
            router,
            settings: ReceiverSettings {
                rotation_grace: seconds(
                    "SECRET_ROTATION_GRACE_SECONDS",
                    DEFAULT_ROTATION_GRACE,
                    MAX_ROTATION_GRACE,
                )?,
                max_body_bytes,
                max_event_age: seconds("MAX_EVENT_AGE_SECONDS", DEFAULT_MAX_EVENT_AGE, MAX_MAX_EVENT_AGE)?,
            },
            metrics_namespace: lookup("METRICS_NAMESPACE").unwrap_or_else(|| "MiddeskWebhooks".into()),
            payloads,
            max_message_bytes,
            archive_bucket: get("ARCHIVE_BUCKET"),
            auth,
        })
    }
}

/// A whole number of seconds from 0 to `max`, or `default` when unset. The bound keeps time
/// arithmetic far from overflow, and catches a value meant in another unit.
fn seconds(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: Duration,
    max: Duration,
) -> Result<Duration, ConfigError> {
    let Some(value) = get(var) else { return Ok(default) };
    match value.parse::<u64>() {
        Ok(n) if n <= max.as_secs() => Ok(Duration::from_secs(n)),
        _ => Err(ConfigError::Invalid {
            var,
            value,
            reason: format!("expected a whole number of seconds from 0 to {}", max.as_secs()),
        }),
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
        let leeway = seconds(get, "OIDC_LEEWAY_SECONDS", DEFAULT_OIDC_LEEWAY, MAX_OIDC_LEEWAY)?;
        let jwks_url = required("OIDC_JWKS_URL")?;
        check_jwks_url(&jwks_url).map_err(|reason| ConfigError::Invalid {
            var: "OIDC_JWKS_URL",
            value: jwks_url.clone(),
            reason,
        })?;
        let allowed_clients: Vec<String> = required("OIDC_ALLOWED_CLIENTS")?
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect();
        if allowed_clients.is_empty() {
            return Err(ConfigError::Missing("OIDC_ALLOWED_CLIENTS"));
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
            allowed_clients,
        };
        Some((settings, jwks_url))
    } else {
        None
    };
    let documented = SourceIpAllowList::middesk();
    let middesk_addresses = match get("MIDDESK_SOURCE_IPS") {
        Some(list) => SourceIpAllowList::parse("MIDDESK_SOURCE_IPS", &list, &documented)?,
        None => documented,
    };
    let source_ips = get("SOURCE_IP_ALLOWLIST")
        .map(|v| SourceIpAllowList::parse("SOURCE_IP_ALLOWLIST", &v, &middesk_addresses))
        .transpose()?;
    // Required whatever the policy. Under mutual TLS alone, every Middesk customer's deliveries
    // carry the same certificate. Under HMAC, a delivery from Middesk's addresses whose signature
    // matches no secret is either our secret drifting (every event refused: alarm at once) or
    // another customer's webhook pointed at our URL: only the account it names tells them apart.
    let accounts =
        AccountAllowList::parse("MIDDESK_ACCOUNT_IDS", &get("MIDDESK_ACCOUNT_IDS").unwrap_or_default())?
            .ok_or(ConfigError::RequiredBy {
                var: "MIDDESK_ACCOUNT_IDS",
                reason: "list your Middesk account ids (the account_id of every event Middesk sends you): they tell your events from another Middesk customer's pointed at this URL",
            })?;
    Ok(AuthConfig { policy, mtls_subject, oidc, source_ips, middesk_addresses, accounts: Some(accounts) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const OUR_ACCOUNT: &str = "5b1c86a4-3a7e-4f0e-9d59-6f1d2f8e4c10";

    /// The configuration of `vars`, with our account listed unless `vars` sets the list (to ""
    /// for none).
    fn config(vars: &[(&str, &str)]) -> Result<VerifierConfig, ConfigError> {
        let listed = std::iter::once(&("MIDDESK_ACCOUNT_IDS", OUR_ACCOUNT));
        let map: HashMap<String, String> =
            listed.chain(vars).map(|(k, v)| (k.to_string(), v.to_string())).collect();
        VerifierConfig::from_lookup(|k| map.get(k).cloned())
    }

    const MINIMAL: [(&str, &str); 2] = [
        ("MIDDESK_SECRET_ID", "middesk/webhook-secret"),
        ("CATCH_ALL_QUEUE", "https://sqs.us-east-1.amazonaws.com/1/all"),
    ];

    #[test]
    fn middesks_addresses_are_overridable_in_one_place() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let c = config(&[MINIMAL[0], MINIMAL[1], ("SOURCE_IP_ALLOWLIST", "middesk")]).unwrap();
        assert!(c.auth.middesk_addresses.allows(ip("35.239.59.102")));
        assert!(c.auth.source_ips.unwrap().allows(ip("35.239.59.102")));
        let vars = [
            MINIMAL[0],
            MINIMAL[1],
            ("MIDDESK_SOURCE_IPS", "203.0.113.0/24"),
            ("SOURCE_IP_ALLOWLIST", "middesk"),
        ];
        let c = config(&vars).unwrap();
        let allow_list = c.auth.source_ips.unwrap();
        assert!(c.auth.middesk_addresses.allows(ip("203.0.113.7")) && allow_list.allows(ip("203.0.113.7")));
        assert!(
            !c.auth.middesk_addresses.allows(ip("35.239.59.102")) && !allow_list.allows(ip("35.239.59.102"))
        );
        let bad = config(&[MINIMAL[0], MINIMAL[1], ("MIDDESK_SOURCE_IPS", "nope")]).unwrap_err();
        assert!(matches!(bad, ConfigError::Invalid { var: "MIDDESK_SOURCE_IPS", .. }), "{bad}");
    }

    #[test]
    fn defaults() {
        let c = config(&MINIMAL).unwrap();
        assert_eq!(c.secret_id, "middesk/webhook-secret");
        assert_eq!(c.secret_cache_ttl, Duration::from_secs(300));
        assert_eq!(c.settings.rotation_grace, Duration::from_secs(345_600));
        assert_eq!(c.settings.max_body_bytes, 262_144);
        assert_eq!(c.settings.max_event_age, Duration::from_secs(345_600));
        assert_eq!(c.secret_max_stale, Duration::from_secs(3600));
        assert_eq!(c.metrics_namespace, "MiddeskWebhooks");
        assert_eq!((c.payloads, c.max_message_bytes), (None, 1_048_576));
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
            ("QUEUE_NAME_PREFIX", "middesk-"),
            ("METRICS_NAMESPACE", ""),
            ("MAX_EVENT_AGE_SECONDS", "0"),
            ("SECRET_MAX_STALE_SECONDS", "86400"),
        ]);
        let c = config(&vars).unwrap();
        assert_eq!(c.secret_cache_ttl, Duration::from_secs(60));
        assert_eq!(c.settings.rotation_grace, Duration::ZERO);
        assert_eq!(c.settings.max_body_bytes, 1024);
        assert_eq!(c.settings.max_event_age, Duration::ZERO);
        assert_eq!(c.secret_max_stale, Duration::from_secs(86_400));
        assert_eq!(
            c.router.route("order.created").url,
            "https://sqs.eu-west-1.amazonaws.com/2/middesk-orders"
        );
        assert_eq!(c.metrics_namespace, "");
    }

    #[test]
    fn a_payload_bucket_lifts_the_body_limit_to_lambdas() {
        let mut vars = MINIMAL.to_vec();
        vars.push(("PAYLOAD_BUCKET", "middesk-payloads"));
        let c = config(&vars).unwrap();
        let expected = PayloadConfig { bucket: "middesk-payloads".into(), key_prefix: "payloads/".into() };
        assert_eq!((c.payloads, c.settings.max_body_bytes), (Some(expected), 6 * 1024 * 1024));
        vars.extend([
            ("MAX_BODY_BYTES", "5000000"),
            ("SQS_MAX_MESSAGE_BYTES", "262144"),
            ("PAYLOAD_KEY_PREFIX", "in/"),
        ]);
        let c = config(&vars).unwrap();
        assert_eq!((c.settings.max_body_bytes, c.max_message_bytes), (5_000_000, 262_144));
        assert_eq!(c.payloads.unwrap().key_prefix, "in/");
        for (var, value) in [("MAX_BODY_BYTES", "6291457"), ("SQS_MAX_MESSAGE_BYTES", "1048577")] {
            let mut bad = vars.clone();
            bad.push((var, value));
            assert!(config(&bad).unwrap_err().to_string().starts_with(&format!("{var}=")));
        }
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
            // Out of range values would overflow time arithmetic (2^64-1 used to panic at cold start).
            ("SECRET_CACHE_TTL_SECONDS", "18446744073709551615"),
            ("SECRET_CACHE_TTL_SECONDS", "86401"),
            ("SECRET_ROTATION_GRACE_SECONDS", "2592001"),
            ("SECRET_MAX_STALE_SECONDS", "86401"),
            ("MAX_EVENT_AGE_SECONDS", "518401"),
            ("MAX_EVENT_AGE_SECONDS", "4d"),
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
    fn the_account_list_is_required_in_every_mode() {
        // Mutual TLS proves Middesk sent a request, not that it was sent for us; under HMAC, only
        // the account a mismatched body names tells a drifted secret from another customer.
        for (methods, mode) in [("hmac", "any"), ("oidc", "any"), ("mtls", "any"), ("hmac,mtls", "all")] {
            let mut vars = vec![
                MINIMAL[0],
                MINIMAL[1],
                ("AUTH_METHODS", methods),
                ("AUTH_MODE", mode),
                ("OIDC_ISSUER", "https://idp.example.com"),
                ("OIDC_AUDIENCE", "https://hooks.example.com/middesk"),
                ("OIDC_JWKS_URL", "https://idp.example.com/jwks"),
                ("OIDC_ALLOWED_CLIENTS", "middesk-client"),
            ];
            assert!(config(&vars).is_ok(), "{methods} {mode}");
            vars.push(("MIDDESK_ACCOUNT_IDS", " , "));
            let err = config(&vars).unwrap_err();
            assert!(
                matches!(err, ConfigError::RequiredBy { var: "MIDDESK_ACCOUNT_IDS", .. }),
                "{methods}: {err}"
            );
        }
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
            ("OIDC_ALLOWED_CLIENTS", "middesk-client, middesk-sandbox"),
        ];
        let c = config(&oidc).unwrap();
        let (settings, url) = c.auth.oidc.unwrap();
        assert_eq!(
            (settings.leeway, url.as_str()),
            (Duration::from_secs(30), "https://idp.example.com/jwks")
        );
        assert_eq!(c.auth.mtls_subject, ExpectedSubject::default());
        assert_eq!(settings.allowed_clients, ["middesk-client", "middesk-sandbox"]);
        // A token for any other client of the identity provider must be refused, so the
        // allow-list is required.
        for missing in ["OIDC_ISSUER", "OIDC_AUDIENCE", "OIDC_JWKS_URL", "OIDC_ALLOWED_CLIENTS"] {
            let vars: Vec<_> = oidc.iter().copied().filter(|(k, _)| *k != missing).collect();
            assert_eq!(config(&vars).unwrap_err(), ConfigError::Missing(missing));
        }
        let mut blank_list = oidc.to_vec();
        blank_list.push(("OIDC_ALLOWED_CLIENTS", " , "));
        assert_eq!(config(&blank_list).unwrap_err(), ConfigError::Missing("OIDC_ALLOWED_CLIENTS"));
        for (var, value) in [
            ("OIDC_ALGORITHMS", "HS256"),
            ("OIDC_LEEWAY_SECONDS", "3600"),
            ("OIDC_JWKS_URL", "http://idp.example.com/jwks"),
            ("OIDC_JWKS_URL", "http://localhost.attacker.example/jwks"),
            ("SOURCE_IP_ALLOWLIST", "middesk,nope"),
            ("AUTH_METHODS", "hmac,hmac"),
        ] {
            let mut vars = oidc.to_vec();
            vars.push((var, value));
            let err = config(&vars).unwrap_err();
            assert!(err.to_string().starts_with(&format!("{var}=")), "{err}");
        }
        let upper = config(&[MINIMAL[0], MINIMAL[1], ("MIDDESK_ACCOUNT_IDS", &OUR_ACCOUNT.to_uppercase())]);
        assert!(upper.unwrap().auth.accounts.unwrap().allows(OUR_ACCOUNT));
        let mut bad_ids = oidc.to_vec();
        bad_ids.push(("MIDDESK_ACCOUNT_IDS", "acc-1"));
        assert!(config(&bad_ids).unwrap_err().to_string().starts_with("MIDDESK_ACCOUNT_IDS="));
        let mut hmac_too = oidc.to_vec();
        hmac_too.push(("AUTH_METHODS", "hmac,oidc"));
        assert_eq!(config(&hmac_too).unwrap_err(), ConfigError::Missing("MIDDESK_SECRET_ID"));
    }
}
