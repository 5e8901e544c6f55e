//! The verdict on a request: one pure function of all the evidence about it.
//!
//! The receiver first gathers every piece of [`Evidence`]: where the request came from, what
//! each authentication method found, which account the body names, how old the event is and
//! how large the body. Only then does [`judge`] decide, so that no check answers "ours or
//! anybody's?" before the rest is known. The answer is one of:
//!
//! - [`Verdict::Accept`]: queue it;
//! - [`Verdict::Refuse`] with [`Whose::Ours`]: probably an event of ours. It is kept under the
//!   archive's `refused/` prefix and counted in `AuthenticEventsRefused`, which pages at once;
//! - [`Verdict::Refuse`] with [`Whose::Anybody`]: something anybody can send. Counted in
//!   `ForeignRequestsRefused` (a dashboard alarm that wakes nobody), nothing kept;
//! - [`Verdict::Retry`]: a method that could change the verdict could not be checked (its
//!   dependency failed). The answer is 503, and Middesk retries.
//!
//! Who sent it and whose it is are two questions:
//!
//! - *Middesk sent it* when it comes from one of Middesk's addresses, or carries Middesk's
//!   client certificate. Nobody else can do either. But every Middesk customer's webhooks do.
//! - *It is ours* when our secret or our identity provider's token vouches for it (HMAC, OIDC),
//!   or when Middesk sent it naming an account other than someone else's.
//!
//! A refusal is ours when Middesk sent it and it is not another customer's event, or when our
//! secret or token vouches for a fresh body of a size we accept. Both a captured request replayed
//! from elsewhere and a new Middesk address fit the second case. An old or oversized body that
//! Middesk did not send is anybody's: that is what a replay of a captured request looks like.
//!
//! The table in docs/verifier.md says the same in rows; a test holds it to [`judge`].

/// Whether one listed method suffices or all are required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyMode {
    /// Any one of the methods.
    Any,
    /// Every method.
    All,
}

/// Where the request came from, by the gateway's request context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Source {
    /// One of Middesk's published addresses (`MIDDESK_SOURCE_IPS`).
    pub middesk: bool,
    /// What `SOURCE_IP_ALLOWLIST` says of it.
    pub allowlist: Allowlist,
}

/// What `SOURCE_IP_ALLOWLIST` says of the caller's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Allowlist {
    /// No allow-list is configured.
    Off,
    /// The allow-list has the address.
    Listed,
    /// The allow-list does not have the address.
    Unlisted,
}

/// What the HMAC check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hmac {
    /// The signature matches the current secret.
    Current,
    /// The signature matches a secret given to Middesk that is not current yet (a rotation).
    Pending,
    /// The signature matches the previous secret, within the rotation grace.
    Previous,
    /// A well-formed signature that matches no version we have.
    Mismatch,
    /// No `X-Middesk-Signature-256` header.
    Missing,
    /// A header that is not a signature (not 64 hex digits, with an optional `sha256=`).
    Malformed,
    /// A well-formed signature, but no secret could be read to check it.
    Unavailable,
}

/// What the mutual-TLS check found. API Gateway checked the chain against the truststore.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mtls {
    /// Middesk's certificate, within its validity dates.
    Valid,
    /// No client certificate in the request context.
    Missing,
    /// A certificate we cannot check: no PEM in the context, or one that does not parse.
    Chain,
    /// The subject is not Middesk's `O` and `CN`.
    Subject,
    /// Expired, or not valid yet.
    Validity,
}

/// What the OIDC bearer-token check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Oidc {
    /// A valid token of our identity provider, issued to an allowed client.
    Valid,
    /// No bearer token.
    Missing,
    /// A token that is not valid for us.
    Invalid,
    /// The identity provider's keys could not be fetched, and none are cached.
    KeysUnavailable,
}

/// What the body says of its Middesk account (read for the verdict only, never trusted alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Account {
    /// A top-level `account_id` that `MIDDESK_ACCOUNT_IDS` lists, or any body when no list is set.
    Listed,
    /// A top-level `account_id` that is a Middesk account id, not listed: someone else's.
    Unlisted,
    /// No top-level `account_id` (or a body that is not a JSON object).
    Missing,
    /// A top-level `account_id` that is not a Middesk account id.
    Unparseable,
}

/// How old the event is, by its `created_at` and our clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Age {
    /// Within `MAX_EVENT_AGE_SECONDS` (or no limit is set).
    Fresh,
    /// Older than `MAX_EVENT_AGE_SECONDS`.
    TooOld,
    /// Created after our clock's now: Middesk's clock is ahead. Not a replay.
    Ahead,
    /// No readable `created_at`: the body is delivered flagged malformed, if accepted.
    Unknown,
}

/// The body's size against `MAX_BODY_BYTES`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Size {
    /// No body at all.
    Empty,
    /// Within the limit.
    Within,
    /// Over the limit.
    Over,
}

/// Everything known about a request when the verdict is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Evidence {
    /// Whether one method of the policy suffices, or all are needed.
    pub mode: PolicyMode,
    /// Where it came from.
    pub source: Source,
    /// The HMAC check, when the policy has it.
    pub hmac: Option<Hmac>,
    /// The mutual-TLS check, when the policy has it.
    pub mtls: Option<Mtls>,
    /// The OIDC check, when the policy has it.
    pub oidc: Option<Oidc>,
    /// The account the body names.
    pub account: Account,
    /// The event's age.
    pub age: Age,
    /// The body's size.
    pub size: Size,
}

/// Whose a refused request probably is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Whose {
    /// Probably an event of ours: kept under `refused/`, and it pages at once.
    Ours,
    /// Anybody's: counted for the dashboard, nothing kept, nobody woken.
    Anybody,
}

impl Whose {
    /// Its name in the log line's `refused_as`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Whose::Ours => "ours",
            Whose::Anybody => "anybody",
        }
    }
}

/// The first check a refused request failed, in the order: authentication, source address,
/// account, size, age.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The HMAC signature matches no secret we have.
    SignatureMismatch,
    /// No HMAC signature, or a header that is not one.
    SignatureMissing,
    /// No client certificate, or not Middesk's, or not valid now.
    CertificateRefused,
    /// No bearer token, or not a valid one.
    TokenRefused,
    /// `SOURCE_IP_ALLOWLIST` does not list the caller's address.
    SourceNotAllowed,
    /// The body names an account `MIDDESK_ACCOUNT_IDS` does not list, or one that is not an
    /// account id.
    AccountNotListed,
    /// The body names no account, and nothing but Middesk's certificate vouches for it.
    AccountMissing,
    /// An empty body.
    EmptyBody,
    /// A body over `MAX_BODY_BYTES`.
    PayloadTooLarge,
    /// An event older than `MAX_EVENT_AGE_SECONDS`.
    EventTooOld,
}

impl Reason {
    /// Every reason.
    pub const ALL: [Reason; 10] = [
        Reason::SignatureMismatch,
        Reason::SignatureMissing,
        Reason::CertificateRefused,
        Reason::TokenRefused,
        Reason::SourceNotAllowed,
        Reason::AccountNotListed,
        Reason::AccountMissing,
        Reason::EmptyBody,
        Reason::PayloadTooLarge,
        Reason::EventTooOld,
    ];

    /// The outcome in logs, metrics' log fields and the `refused/` keys.
    pub const fn outcome(self) -> &'static str {
        match self {
            Reason::SignatureMismatch => "signature_mismatch",
            Reason::SignatureMissing => "signature_missing",
            Reason::CertificateRefused => "certificate_refused",
            Reason::TokenRefused => "token_refused",
            Reason::SourceNotAllowed => "source_not_allowed",
            Reason::AccountNotListed => "account_not_listed",
            Reason::AccountMissing => "account_missing",
            Reason::EmptyBody => "empty_body",
            Reason::PayloadTooLarge => "payload_too_large",
            Reason::EventTooOld => "event_too_old",
        }
    }

    /// The HTTP status it is answered with.
    pub const fn status(self) -> http::StatusCode {
        use http::StatusCode as S;
        match self {
            Reason::SignatureMismatch
            | Reason::SignatureMissing
            | Reason::CertificateRefused
            | Reason::TokenRefused
            | Reason::SourceNotAllowed => S::UNAUTHORIZED,
            Reason::AccountNotListed | Reason::AccountMissing => S::FORBIDDEN,
            Reason::PayloadTooLarge => S::PAYLOAD_TOO_LARGE,
            Reason::EmptyBody | Reason::EventTooOld => S::BAD_REQUEST,
        }
    }
}

/// A check that could not be made because its dependency failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unchecked {
    /// HMAC: no secret could be read.
    Secret,
    /// OIDC: no keys could be fetched.
    Keys,
}

/// What is done with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Queue it.
    Accept,
    /// Refuse it, for the first check it failed, as ours or anybody's.
    Refuse(Reason, Whose),
    /// Answer 503: this check could not be made, and its result would change the verdict.
    Retry(Unchecked),
}

impl Hmac {
    fn passed(self) -> bool {
        matches!(self, Hmac::Current | Hmac::Pending | Hmac::Previous)
    }
}

/// The verdict on a request with this evidence. Total and pure: every combination of evidence
/// has exactly one verdict, and nothing else is consulted.
///
/// A check that could not be made is judged both ways (passed, failed). When both give the
/// same kind of verdict, it stands, with the failed branch's reason. Otherwise the answer is
/// [`Verdict::Retry`]: Middesk's retry may find the dependency back.
pub fn judge(evidence: &Evidence) -> Verdict {
    let unknown_secret = evidence.hmac == Some(Hmac::Unavailable);
    let unknown_keys = evidence.oidc == Some(Oidc::KeysUnavailable);
    let resolve = |secret_passed: bool, keys_passed: bool| {
        let mut branch = *evidence;
        if unknown_secret {
            branch.hmac = Some(if secret_passed { Hmac::Current } else { Hmac::Mismatch });
        }
        if unknown_keys {
            branch.oidc = Some(if keys_passed { Oidc::Valid } else { Oidc::Invalid });
        }
        decide(&branch)
    };
    let failed = resolve(false, false);
    let kind = |v: Verdict| match v {
        Verdict::Accept => 0,
        Verdict::Refuse(_, Whose::Ours) => 1,
        _ => 2,
    };
    let mut branches = vec![(unknown_secret, Unchecked::Secret, resolve(true, false))];
    branches.push((unknown_keys, Unchecked::Keys, resolve(false, true)));
    branches.push((unknown_secret && unknown_keys, Unchecked::Secret, resolve(true, true)));
    match branches.into_iter().find(|&(applies, _, v)| applies && kind(v) != kind(failed)) {
        Some((_, unchecked, _)) => Verdict::Retry(unchecked),
        None => failed,
    }
}

/// The verdict with every check made.
fn decide(e: &Evidence) -> Verdict {
    let hmac_passed = e.hmac.is_some_and(Hmac::passed);
    let mtls_passed = e.mtls == Some(Mtls::Valid);
    let oidc_passed = e.oidc == Some(Oidc::Valid);
    let results = [e.hmac.map(|_| hmac_passed), e.mtls.map(|_| mtls_passed), e.oidc.map(|_| oidc_passed)];
    let mut listed = results.iter().flatten();
    let authenticated = match e.mode {
        PolicyMode::Any => listed.any(|&passed| passed),
        PolicyMode::All => listed.all(|&passed| passed) && results.iter().any(Option::is_some),
    };
    // Our secret belongs to our webhook alone, and our identity provider issues tokens only to
    // the clients we allow: either proves the event is ours, though not who sent it.
    let vouched_ours = hmac_passed || oidc_passed;
    // Nobody but Middesk sends from its addresses or holds its certificate's key.
    let sent_by_middesk = e.source.middesk || mtls_passed;
    let account_ok = match e.account {
        Account::Listed => true,
        Account::Missing => vouched_ours,
        Account::Unlisted | Account::Unparseable => false,
    };

    let authentication = || {
        let hmac = e.hmac.filter(|h| !h.passed()).map(|h| match h {
            Hmac::Missing | Hmac::Malformed => Reason::SignatureMissing,
            _ => Reason::SignatureMismatch,
        });
        let mtls = e.mtls.filter(|_| !mtls_passed).map(|_| Reason::CertificateRefused);
        let oidc = e.oidc.filter(|_| !oidc_passed).map(|_| Reason::TokenRefused);
        hmac.or(mtls).or(oidc).unwrap_or(Reason::SignatureMissing)
    };
    let reason = if !authenticated {
        authentication()
    } else if e.source.allowlist == Allowlist::Unlisted {
        Reason::SourceNotAllowed
    } else if !account_ok {
        match e.account {
            Account::Missing => Reason::AccountMissing,
            _ => Reason::AccountNotListed,
        }
    } else if e.size == Size::Empty {
        Reason::EmptyBody
    } else if e.size == Size::Over {
        Reason::PayloadTooLarge
    } else if e.age == Age::TooOld {
        Reason::EventTooOld
    } else {
        return Verdict::Accept;
    };

    let ours = if sent_by_middesk {
        // Only another customer's event names another account; Middesk writes `account_id`.
        vouched_ours || e.account != Account::Unlisted
    } else {
        // Our signed body from elsewhere: a new Middesk address, or a captured request. An old
        // or oversized one is what a replay of a capture looks like.
        vouched_ours && e.age != Age::TooOld && e.size == Size::Within
    };
    Verdict::Refuse(reason, if ours { Whose::Ours } else { Whose::Anybody })
}

/// Every possible piece of evidence, for tests that go over the whole space.
#[cfg(test)]
pub(crate) fn every_evidence() -> impl Iterator<Item = Evidence> {
    let modes = [PolicyMode::Any, PolicyMode::All];
    let sources = [true, false].into_iter().flat_map(|middesk| {
        [Allowlist::Off, Allowlist::Listed, Allowlist::Unlisted]
            .map(|allowlist| Source { middesk, allowlist })
    });
    let sources: Vec<Source> = sources.collect();
    let hmacs = [
        None,
        Some(Hmac::Current),
        Some(Hmac::Pending),
        Some(Hmac::Previous),
        Some(Hmac::Mismatch),
        Some(Hmac::Missing),
        Some(Hmac::Malformed),
        Some(Hmac::Unavailable),
    ];
    let mtlss = [
        None,
        Some(Mtls::Valid),
        Some(Mtls::Missing),
        Some(Mtls::Chain),
        Some(Mtls::Subject),
        Some(Mtls::Validity),
    ];
    let oidcs =
        [None, Some(Oidc::Valid), Some(Oidc::Missing), Some(Oidc::Invalid), Some(Oidc::KeysUnavailable)];
    let accounts = [Account::Listed, Account::Unlisted, Account::Missing, Account::Unparseable];
    let ages = [Age::Fresh, Age::TooOld, Age::Ahead, Age::Unknown];
    let sizes = [Size::Empty, Size::Within, Size::Over];
    let mut all = Vec::new();
    for mode in modes {
        for &source in &sources {
            for hmac in hmacs {
                for mtls in mtlss {
                    for oidc in oidcs {
                        if hmac.is_none() && mtls.is_none() && oidc.is_none() {
                            continue; // a policy lists at least one method
                        }
                        for account in accounts {
                            for age in ages {
                                for size in sizes {
                                    all.push(Evidence { mode, source, hmac, mtls, oidc, account, age, size });
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    all.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hmac_passed(e: &Evidence) -> bool {
        e.hmac.is_some_and(Hmac::passed)
    }

    /// Nobody but Middesk can send from its address or with its certificate.
    fn sent_by_middesk(e: &Evidence) -> bool {
        e.source.middesk || e.mtls == Some(Mtls::Valid)
    }

    fn vouched_ours(e: &Evidence) -> bool {
        hmac_passed(e) || e.oidc == Some(Oidc::Valid)
    }

    fn has_unchecked(e: &Evidence) -> bool {
        e.hmac == Some(Hmac::Unavailable) || e.oidc == Some(Oidc::KeysUnavailable)
    }

    /// Anybody < ours < accepted: how much of the event reaches its owner.
    fn rank(v: Verdict) -> u8 {
        match v {
            Verdict::Refuse(_, Whose::Anybody) => 0,
            Verdict::Refuse(_, Whose::Ours) => 1,
            Verdict::Accept => 2,
            Verdict::Retry(_) => 3,
        }
    }

    #[test]
    fn the_space_is_every_combination() {
        // 2 modes, 6 sources, 8 × 6 × 5 method results less the empty policy, 4 accounts,
        // 4 ages, 3 sizes.
        assert_eq!(every_evidence().count(), 2 * 6 * (8 * 6 * 5 - 1) * 4 * 4 * 3);
    }

    #[test]
    fn an_accepted_request_passed_every_check() {
        for e in every_evidence().filter(|e| judge(e) == Verdict::Accept) {
            let results = [
                e.hmac.map(Hmac::passed),
                e.mtls.map(|m| m == Mtls::Valid),
                e.oidc.map(|o| o == Oidc::Valid),
            ];
            let passed = match e.mode {
                PolicyMode::Any => results.contains(&Some(true)),
                PolicyMode::All => results.iter().flatten().all(|r| *r),
            };
            assert!(passed, "{e:?}");
            assert_ne!(e.source.allowlist, Allowlist::Unlisted, "{e:?}");
            assert_eq!(e.size, Size::Within, "{e:?}");
            assert_ne!(e.age, Age::TooOld, "{e:?}");
            let account_ok =
                e.account == Account::Listed || (e.account == Account::Missing && vouched_ours(&e));
            assert!(account_ok, "{e:?}");
        }
    }

    #[test]
    fn nothing_an_outsider_sends_is_accepted_kept_or_pages() {
        // An outsider: not from Middesk's address, no certificate of Middesk's, no signature or
        // token of ours (a captured one is the next test's).
        for e in every_evidence() {
            let outsider = !sent_by_middesk(&e) && !vouched_ours(&e);
            if !outsider {
                continue;
            }
            let v = judge(&e);
            assert!(matches!(v, Verdict::Refuse(_, Whose::Anybody) | Verdict::Retry(_)), "{e:?}: {v:?}");
            // A 503 only while a dependency is down: then it is ours to fix, not theirs.
            assert!(!matches!(v, Verdict::Retry(_)) || has_unchecked(&e), "{e:?}: {v:?}");
        }
    }

    #[test]
    fn a_captured_request_replayed_old_or_oversized_is_anybodys() {
        for e in every_evidence() {
            let replayed = !sent_by_middesk(&e) && (e.age == Age::TooOld || e.size != Size::Within);
            if replayed {
                assert!(!matches!(judge(&e), Verdict::Refuse(_, Whose::Ours) | Verdict::Accept), "{e:?}");
            }
        }
    }

    #[test]
    fn another_middesk_customers_events_are_anybodys() {
        // Their webhook pointed at our URL: Middesk's address and certificate, their account,
        // their own secret (a mismatch for us), no token of ours.
        for e in every_evidence() {
            let theirs = e.account == Account::Unlisted && !vouched_ours(&e);
            if theirs {
                let v = judge(&e);
                assert!(matches!(v, Verdict::Refuse(_, Whose::Anybody) | Verdict::Retry(_)), "{e:?}: {v:?}");
            }
        }
    }

    #[test]
    fn every_refusal_of_what_middesk_sent_for_us_is_ours() {
        // Item 1 of the review: a webhook registered without a secret, a certificate or token
        // that fails, on a request from Middesk naming our account (or none).
        for e in every_evidence().filter(|e| !has_unchecked(e)) {
            if sent_by_middesk(&e) && matches!(e.account, Account::Listed | Account::Missing) {
                assert!(matches!(judge(&e), Verdict::Accept | Verdict::Refuse(_, Whose::Ours)), "{e:?}");
            }
        }
    }

    #[test]
    fn a_fresh_body_signed_with_our_secret_is_ours_from_any_address() {
        // Item 2: Middesk adds an address that SOURCE_IP_ALLOWLIST does not list yet.
        for e in every_evidence().filter(|e| !has_unchecked(e)) {
            let fresh = e.age != Age::TooOld && e.size == Size::Within;
            if vouched_ours(&e) && fresh {
                assert!(matches!(judge(&e), Verdict::Accept | Verdict::Refuse(_, Whose::Ours)), "{e:?}");
            }
        }
    }

    #[test]
    fn a_503_only_when_the_unchecked_method_would_change_the_verdict() {
        for e in every_evidence() {
            let v = judge(&e);
            if !has_unchecked(&e) {
                assert!(!matches!(v, Verdict::Retry(_)), "{e:?}");
                continue;
            }
            // Each unchecked method, taken as passed and as failed.
            let mut kinds = std::collections::BTreeSet::new();
            for secret in [Hmac::Current, Hmac::Mismatch] {
                for keys in [Oidc::Valid, Oidc::Invalid] {
                    let mut branch = e;
                    if e.hmac == Some(Hmac::Unavailable) {
                        branch.hmac = Some(secret);
                    }
                    if e.oidc == Some(Oidc::KeysUnavailable) {
                        branch.oidc = Some(keys);
                    }
                    kinds.insert(rank(judge(&branch)));
                }
            }
            assert_eq!(matches!(v, Verdict::Retry(_)), kinds.len() > 1, "{e:?}: {v:?} of {kinds:?}");
        }
    }

    #[test]
    fn more_proof_never_lowers_the_verdict() {
        // Passing one more check never turns an accepted event into a refused one, nor ours
        // into anybody's.
        for e in every_evidence().filter(|e| !has_unchecked(e)) {
            let before = rank(judge(&e));
            let mut stronger = Vec::new();
            if e.hmac.is_some() {
                stronger.push(Evidence { hmac: Some(Hmac::Current), ..e });
            }
            if e.mtls.is_some() {
                stronger.push(Evidence { mtls: Some(Mtls::Valid), ..e });
            }
            if e.oidc.is_some() {
                stronger.push(Evidence { oidc: Some(Oidc::Valid), ..e });
            }
            stronger.push(Evidence { source: Source { middesk: true, ..e.source }, ..e });
            for s in stronger {
                assert!(rank(judge(&s)) >= before, "{e:?} -> {s:?}");
            }
        }
    }

    #[test]
    fn every_reason_is_reachable_both_ways_where_it_can_be() {
        let mut seen = std::collections::BTreeSet::new();
        for e in every_evidence() {
            if let Verdict::Refuse(reason, whose) = judge(&e) {
                seen.insert((reason.outcome(), whose == Whose::Ours));
            }
        }
        for reason in Reason::ALL {
            assert!(seen.contains(&(reason.outcome(), true)), "{} is never ours", reason.outcome());
            // Only Middesk's certificate gets a body that names no account this far, and
            // Middesk writes an account into every event of every customer.
            let anybodys = reason != Reason::AccountMissing;
            assert_eq!(seen.contains(&(reason.outcome(), false)), anybodys, "{}", reason.outcome());
        }
    }
}
