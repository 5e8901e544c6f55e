//! How a request proves it came from Middesk: HMAC signature, mutual TLS or an OAuth bearer
//! token, combined by a policy (any one of a list, or all of a list), optionally behind a
//! source-IP allow-list; and how an authentic event proves it was sent for *our* Middesk
//! account ([`AccountAllowList`]).

pub mod mtls;
pub mod oidc;

use std::net::IpAddr;

use ipnet::IpNet;

use crate::error::ConfigError;

/// The addresses Middesk documents as the source of its webhook requests.
pub const MIDDESK_WEBHOOK_IPS: [&str; 3] = ["35.239.59.102", "35.192.63.74", "104.198.38.1"];

/// An authentication method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthMethod {
    /// `X-Middesk-Signature-256`: HMAC-SHA256 of the raw body with the shared secret.
    Hmac,
    /// Mutual TLS: Middesk's client certificate, checked by API Gateway and here.
    Mtls,
    /// `Authorization: Bearer` access token from your OpenID Connect provider.
    Oidc,
}

impl AuthMethod {
    /// The name used in configuration and in the `auth_method` message attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hmac => "hmac",
            Self::Mtls => "mtls",
            Self::Oidc => "oidc",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        [Self::Hmac, Self::Mtls, Self::Oidc].into_iter().find(|m| m.as_str() == name)
    }

    /// Whether passing this method proves the request was sent for our Middesk account, not
    /// only by Middesk. HMAC's secret belongs to our webhook alone, and a bearer token is issued
    /// by our own identity provider to the clients we allow. Middesk's client certificate (like
    /// its addresses) is the same for every Middesk customer: anyone can open a Middesk account
    /// and point a webhook at our URL.
    pub fn proves_our_account(self) -> bool {
        match self {
            Self::Hmac | Self::Oidc => true,
            Self::Mtls => false,
        }
    }
}

pub use crate::verify::verdict::PolicyMode;

/// Which methods a request must pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthPolicy {
    /// Any or all.
    pub mode: PolicyMode,
    /// The methods, in the order they are tried.
    pub methods: Vec<AuthMethod>,
}

impl Default for AuthPolicy {
    fn default() -> Self {
        Self { mode: PolicyMode::Any, methods: vec![AuthMethod::Hmac] }
    }
}

impl AuthPolicy {
    /// Parses `AUTH_METHODS` (e.g. `hmac,mtls`) and `AUTH_MODE` (`any` or `all`).
    pub fn parse(methods: &str, mode: &str) -> Result<Self, ConfigError> {
        let invalid = |var: &'static str, value: &str, reason: &str| ConfigError::Invalid {
            var,
            value: value.to_owned(),
            reason: reason.to_owned(),
        };
        let mode = match mode.trim() {
            "" | "any" => PolicyMode::Any,
            "all" => PolicyMode::All,
            other => return Err(invalid("AUTH_MODE", other, "expected any or all")),
        };
        let mut parsed = Vec::new();
        for name in methods.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let method = AuthMethod::parse(name).ok_or_else(|| {
                invalid("AUTH_METHODS", methods, &format!("unknown method {name:?} (hmac, mtls, oidc)"))
            })?;
            if parsed.contains(&method) {
                return Err(invalid("AUTH_METHODS", methods, &format!("{name} is listed twice")));
            }
            parsed.push(method);
        }
        if parsed.is_empty() {
            return Err(invalid("AUTH_METHODS", methods, "at least one method is required"));
        }
        Ok(Self { mode, methods: parsed })
    }

    /// Whether `method` is part of the policy.
    pub fn uses(&self, method: AuthMethod) -> bool {
        self.methods.contains(&method)
    }

    /// Whether a request can pass this policy without any method that proves it was sent for
    /// our account ([`AuthMethod::proves_our_account`]): then only the account allow-list
    /// keeps out the events of other Middesk customers, and it is required.
    pub fn can_pass_without_proof_of_account(&self) -> bool {
        match self.mode {
            PolicyMode::Any => self.methods.iter().any(|m| !m.proves_our_account()),
            PolicyMode::All => self.methods.iter().all(|m| !m.proves_our_account()),
        }
    }
}

/// `MIDDESK_ACCOUNT_IDS`: the Middesk accounts whose events we accept (an event's top-level
/// `account_id`). Checked after authentication, so the body it reads is authentic.
///
/// Middesk's account ids are UUIDs, compared as UUIDs: the list in upper case accepts the same
/// id in lower case, and an entry that is not a UUID is refused at the cold start (a typo would
/// otherwise refuse every event of ours).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountAllowList(Vec<uuid::Uuid>);

impl AccountAllowList {
    /// Parses a comma-separated list of account ids (named `var` in errors); `None` if it
    /// holds none.
    pub fn parse(var: &'static str, list: &str) -> Result<Option<Self>, ConfigError> {
        let mut ids = Vec::new();
        for id in list.split(',').map(str::trim).filter(|id| !id.is_empty()) {
            let uuid = parse_account_id(id).ok_or_else(|| ConfigError::Invalid {
                var,
                value: list.to_owned(),
                reason: format!(
                    "{id:?} is not a Middesk account id (a UUID like 5b1c86a4-3a7e-4f0e-9d59-6f1d2f8e4c10)"
                ),
            })?;
            ids.push(uuid);
        }
        Ok((!ids.is_empty()).then_some(Self(ids)))
    }

    /// Whether `account_id` is listed: `None` when it is not a Middesk account id at all.
    pub fn classify(&self, account_id: &str) -> Option<bool> {
        parse_account_id(account_id).map(|id| self.0.contains(&id))
    }

    /// Whether events of `account_id` are ours (any case; an id that is not a UUID never is).
    pub fn allows(&self, account_id: &str) -> bool {
        self.classify(account_id) == Some(true)
    }
}

/// A Middesk account id: a UUID in its hyphenated form, in any case.
fn parse_account_id(id: &str) -> Option<uuid::Uuid> {
    // Only the hyphenated form (36 characters) that Middesk writes: uuid also reads braced,
    // URN and unhyphenated forms, which no event carries.
    (id.len() == 36).then(|| uuid::Uuid::try_parse(id).ok()).flatten()
}

/// Source addresses allowed to call, off unless configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceIpAllowList(Vec<IpNet>);

impl SourceIpAllowList {
    /// Middesk's documented addresses ([`MIDDESK_WEBHOOK_IPS`]).
    pub fn middesk() -> Self {
        Self(MIDDESK_WEBHOOK_IPS.iter().filter_map(|ip| ip.parse::<IpAddr>().ok()).map(IpNet::from).collect())
    }

    /// Parses `SOURCE_IP_ALLOWLIST` (named `var` in errors): addresses and CIDR blocks, and
    /// `middesk` for `middesk`'s addresses, comma-separated.
    pub fn parse(var: &'static str, list: &str, middesk: &SourceIpAllowList) -> Result<Self, ConfigError> {
        let mut nets = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if entry == "middesk" {
                nets.extend(middesk.0.iter().copied());
                continue;
            }
            let net = entry.parse::<IpNet>().or_else(|_| entry.parse::<IpAddr>().map(IpNet::from)).map_err(
                |_| ConfigError::Invalid {
                    var,
                    value: list.to_owned(),
                    reason: format!("{entry:?} is not an address, a CIDR block or 'middesk'"),
                },
            )?;
            nets.push(net);
        }
        Ok(Self(nets))
    }

    /// Whether `ip` is allowed.
    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        self.0.iter().any(|net| net.contains(&ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies() {
        let p = AuthPolicy::parse("hmac, mtls", "all").unwrap();
        assert_eq!(
            (p.mode, p.methods.as_slice()),
            (PolicyMode::All, &[AuthMethod::Hmac, AuthMethod::Mtls][..])
        );
        assert_eq!(AuthPolicy::parse("oidc", "").unwrap().mode, PolicyMode::Any);
        for (methods, mode, var) in [
            ("", "any", "AUTH_METHODS"),
            ("hmac,hmac", "any", "AUTH_METHODS"),
            ("hmac,basic", "any", "AUTH_METHODS"),
            ("hmac", "both", "AUTH_MODE"),
        ] {
            let err = AuthPolicy::parse(methods, mode).unwrap_err();
            assert!(
                matches!(err, ConfigError::Invalid { var: v, .. } if v == var),
                "{methods} {mode}: {err}"
            );
        }
    }

    #[test]
    fn only_policies_that_mtls_alone_can_pass_need_the_account_list() {
        let needs = |methods: &str, mode: &str| {
            AuthPolicy::parse(methods, mode).unwrap().can_pass_without_proof_of_account()
        };
        for (methods, mode) in [("mtls", "any"), ("hmac,mtls", "any"), ("oidc,mtls", "any"), ("mtls", "all")]
        {
            assert!(needs(methods, mode), "{methods} {mode}");
        }
        for (methods, mode) in [
            ("hmac", "any"),
            ("oidc", "any"),
            ("hmac,oidc", "any"),
            ("hmac,mtls", "all"),
            ("mtls,oidc", "all"),
        ] {
            assert!(!needs(methods, mode), "{methods} {mode}");
        }
    }

    #[test]
    fn account_lists_compare_uuids_in_any_case() {
        const OURS: &str = "5b1c86a4-3a7e-4f0e-9d59-6f1d2f8e4c10";
        const ALSO: &str = "0d7f2b55-8c1e-4a90-b0e4-3c2a9e6f7d21";
        let upper = format!(" {} , {ALSO},", OURS.to_uppercase());
        let list = AccountAllowList::parse("MIDDESK_ACCOUNT_IDS", &upper).unwrap().unwrap();
        assert!(list.allows(OURS) && list.allows(&OURS.to_uppercase()) && list.allows(ALSO));
        for other in ["8f0c1b2a-1111-4a90-b0e4-3c2a9e6f7d21", "", "5b1c86a43a7e4f0e9d596f1d2f8e4c10", "acc"] {
            assert!(!list.allows(other), "{other:?}");
        }
        assert_eq!(AccountAllowList::parse("MIDDESK_ACCOUNT_IDS", " , ").unwrap(), None);
        for bad in ["acc-1", "5b1c86a4-3a7e-4f0e-9d59-6f1d2f8e4c1", "{5b1c86a4-3a7e-4f0e-9d59-6f1d2f8e4c10}"]
        {
            let err = AccountAllowList::parse("MIDDESK_ACCOUNT_IDS", &format!("{OURS},{bad}")).unwrap_err();
            assert!(err.to_string().starts_with("MIDDESK_ACCOUNT_IDS="), "{err}");
            assert!(err.to_string().contains(&format!("{bad:?} is not a Middesk account id")), "{err}");
        }
    }

    #[test]
    fn source_ips() {
        let list = SourceIpAllowList::parse(
            "SOURCE_IP_ALLOWLIST",
            "middesk, 10.0.0.0/8, 2001:db8::/32",
            &SourceIpAllowList::middesk(),
        )
        .unwrap();
        for ok in [
            "35.239.59.102",
            "35.192.63.74",
            "104.198.38.1",
            "10.1.2.3",
            "2001:db8::1",
            "::ffff:35.239.59.102",
        ] {
            assert!(list.allows(ok.parse().unwrap()), "{ok}");
        }
        for no in ["35.239.59.103", "11.0.0.1", "2001:db9::1"] {
            assert!(!list.allows(no.parse().unwrap()), "{no}");
        }
        assert!(
            SourceIpAllowList::parse(
                "SOURCE_IP_ALLOWLIST",
                "middesk,not-an-ip",
                &SourceIpAllowList::middesk()
            )
            .is_err()
        );
    }
}
