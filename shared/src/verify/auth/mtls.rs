//! Mutual TLS: API Gateway terminates TLS on a custom domain, checks the client certificate
//! against the truststore, and passes it in the request context. This checks that it is
//! Middesk's: the subject must have exactly the configured `O` and `CN`, parsed as a
//! distinguished name (escapes, any attribute order, no substring matching), and the
//! certificate must be within its validity dates. Where the PEM is present (HTTP and REST APIs
//! both send it), the certificate itself decides; the context's `subjectDN` only has to agree
//! when it can be read. How API Gateway spells a comma inside a value (`Middesk, Inc.`) is not
//! documented, so the `subjectDN` is read with the comma escaped (RFC 4514) or not.

use std::time::{Duration, SystemTime};

/// The client certificate as API Gateway passes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientCertificate {
    /// `subjectDN`, e.g. `CN=webhooks.middesk.com,O=Middesk\, Inc.,C=US`.
    pub subject_dn: String,
    /// `clientCertPem`, when present.
    pub pem: Option<String>,
    /// `validity.notBefore`, e.g. `May 28 12:30:02 2026 GMT`.
    pub not_before: Option<String>,
    /// `validity.notAfter`.
    pub not_after: Option<String>,
}

/// The subject a client certificate must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedSubject {
    /// Organisation (`O`), by default `Middesk, Inc.`.
    pub organization: String,
    /// Common name (`CN`), by default `webhooks.middesk.com`.
    pub common_name: String,
}

impl Default for ExpectedSubject {
    fn default() -> Self {
        Self { organization: "Middesk, Inc.".into(), common_name: "webhooks.middesk.com".into() }
    }
}

/// Why a client certificate was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// No certificate in the request context.
    #[error("no client certificate")]
    Missing,
    /// The request context carries the certificate's DN but not its PEM. The DN text alone
    /// cannot be trusted: `CN=webhooks.middesk.com,OU=x, O=Middesk, Inc.` reads as
    /// O=`Middesk, Inc.` when the comma escape is lost.
    #[error("no client certificate PEM in the request context")]
    NoPem,
    /// The subject's O or CN is not the expected one (or appears more than once).
    #[error("subject is not the expected O and CN")]
    WrongSubject,
    /// Outside its validity dates.
    #[error("certificate is expired or not yet valid")]
    NotValidNow,
    /// The PEM does not parse.
    #[error("certificate PEM does not parse")]
    BadPem,
}

/// Parses an RFC 4514 / RFC 2253 distinguished name into `(type, value)` pairs, unescaping
/// values (`\,` and `\2C` alike). Multi-valued RDNs (`+`) are flattened. Types are upper-cased.
pub fn parse_dn(dn: &str) -> Option<Vec<(String, String)>> {
    // Decode escapes first into (byte, escaped) pairs, so that an escaped separator or space
    // is never mistaken for a real one.
    let raw = dn.as_bytes();
    let mut tokens: Vec<(u8, bool)> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != b'\\' {
            tokens.push((raw[i], false));
            i += 1;
            continue;
        }
        let hex = raw.get(i + 1..i + 3).filter(|h| h.iter().all(u8::is_ascii_hexdigit));
        match hex {
            Some(h) => {
                tokens.push((u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()?, true));
                i += 3;
            }
            None => {
                tokens.push((*raw.get(i + 1)?, true));
                i += 2;
            }
        }
    }
    let text = |t: &[(u8, bool)]| String::from_utf8(t.iter().map(|&(b, _)| b).collect()).ok();
    tokens
        .split(|&(b, escaped)| !escaped && matches!(b, b',' | b';' | b'+'))
        .map(|rdn| {
            let eq = rdn.iter().position(|&(b, escaped)| !escaped && b == b'=')?;
            let (name, value) = (&rdn[..eq], &rdn[eq + 1..]);
            let name = text(name)?.trim().to_ascii_uppercase();
            let kept = |&(b, escaped): &(u8, bool)| escaped || b != b' ';
            let start = value.iter().position(kept).unwrap_or(value.len());
            let end = value.iter().rposition(kept).map_or(start, |p| p + 1);
            let value = text(&value[start..end])?;
            (!name.is_empty()).then_some((name, value))
        })
        .collect()
}

/// Parses a `subjectDN` as API Gateway may spell it: RFC 4514, or with commas inside values
/// left unescaped (`O=Middesk, Inc.`). An unescaped comma that is not followed by an attribute
/// type and `=` belongs to the value before it. Whole values are still compared exactly, so
/// `O=Middesk, Inc. Evil` is never `Middesk, Inc.`.
pub fn parse_subject_dn(dn: &str) -> Option<Vec<(String, String)>> {
    let mut escaped = String::with_capacity(dn.len() + 4);
    let mut chars = dn.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                escaped.push(c);
                if let Some((_, next)) = chars.next() {
                    escaped.push(next);
                }
            }
            ',' if !starts_with_attribute(&dn[i + 1..]) => escaped.push_str("\\,"),
            _ => escaped.push(c),
        }
    }
    parse_dn(&escaped)
}

/// Whether `rest` begins (after spaces) with an attribute type and `=`: a name such as `CN`
/// or `street`, or an OID such as `2.5.4.10`.
fn starts_with_attribute(rest: &str) -> bool {
    let rest = rest.trim_start();
    let Some((name, _)) = rest.split_once('=') else { return false };
    let name = name.trim_end();
    let keyword = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let oid = !name.is_empty()
        && name.split('.').all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    keyword || oid
}

fn subject_matches<'a>(
    attributes: impl Iterator<Item = (&'a str, &'a str)> + Clone,
    expected: &ExpectedSubject,
) -> bool {
    let only = |name: &str, wanted: &str| {
        let mut values = attributes.clone().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v);
        values.next() == Some(wanted) && values.next().is_none()
    };
    only("O", &expected.organization) && only("CN", &expected.common_name)
}

/// Parses API Gateway's validity format: `Aug  5 09:36:04 2021 GMT`.
pub fn parse_validity(value: &str) -> Option<SystemTime> {
    let parts: Vec<&str> = value.split_whitespace().collect();
    let [month, day, time, year, "GMT"] = parts[..] else { return None };
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = MONTHS.iter().position(|m| *m == month)? as u32 + 1;
    let day: u32 = day.parse().ok()?;
    let year: i64 = year.parse().ok()?;
    let hms: Vec<u64> = time.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let [h, m, s] = hms[..] else { return None };
    if !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    // Checked all the way: the year comes from the request and may be absurd.
    let days = u64::try_from(days_from_civil(year, month, day)?).ok()?;
    let seconds = days.checked_mul(86_400)?.checked_add(h * 3600 + m * 60 + s)?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm); `None`
/// for a year so far out that the count overflows.
fn days_from_civil(year: i64, month: u32, day: u32) -> Option<i64> {
    let y = if month <= 2 { year.checked_sub(1)? } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(month) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era.checked_mul(146_097)?.checked_add(doe - 719_468)
}

/// Checks a client certificate at `now`.
pub fn verify_client_certificate(
    certificate: Option<&ClientCertificate>,
    expected: &ExpectedSubject,
    now: SystemTime,
) -> Result<(), CertificateError> {
    let cert = certificate.ok_or(CertificateError::Missing)?;
    let context_subject = parse_subject_dn(&cert.subject_dn);
    let matches = |attributes: &[(String, String)]| {
        subject_matches(attributes.iter().map(|(n, v)| (n.as_str(), v.as_str())), expected)
    };
    let not_before = cert.not_before.as_deref().and_then(parse_validity);
    let not_after = cert.not_after.as_deref().and_then(parse_validity);
    let context_validity = not_before.zip(not_after);
    if context_validity.is_some_and(|(from, until)| now < from || now > until) {
        return Err(CertificateError::NotValidNow);
    }
    // The certificate decides; the context's DN, where it can be read, must agree.
    let pem = cert.pem.as_deref().ok_or(CertificateError::NoPem)?;
    verify_pem(pem, expected, now)?;
    if context_subject.is_some_and(|attributes| !matches(&attributes)) {
        return Err(CertificateError::WrongSubject);
    }
    Ok(())
}

fn verify_pem(pem: &str, expected: &ExpectedSubject, now: SystemTime) -> Result<(), CertificateError> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).map_err(|_| CertificateError::BadPem)?;
    let cert = pem.parse_x509().map_err(|_| CertificateError::BadPem)?;
    let subject = cert.subject();
    let organizations: Vec<&str> = subject.iter_organization().filter_map(|a| a.as_str().ok()).collect();
    let common_names: Vec<&str> = subject.iter_common_name().filter_map(|a| a.as_str().ok()).collect();
    let pairs = organizations.iter().map(|o| ("O", *o)).chain(common_names.iter().map(|c| ("CN", *c)));
    let complete = organizations.len() == subject.iter_organization().count()
        && common_names.len() == subject.iter_common_name().count();
    if !complete || !subject_matches(pairs, expected) {
        return Err(CertificateError::WrongSubject);
    }
    let now = now.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let validity = cert.validity();
    if now < validity.not_before.timestamp() || now > validity.not_after.timestamp() {
        return Err(CertificateError::NotValidNow);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(dn: &str) -> Vec<(String, String)> {
        parse_dn(dn).unwrap_or_else(|| panic!("{dn} does not parse"))
    }

    #[test]
    fn dn_parsing_handles_escapes_and_order() {
        assert_eq!(
            pairs(r"CN=webhooks.middesk.com,O=Middesk\, Inc.,C=US"),
            [
                ("CN".into(), "webhooks.middesk.com".into()),
                ("O".into(), "Middesk, Inc.".into()),
                ("C".into(), "US".into())
            ]
        );
        assert_eq!(pairs(r"o=Middesk\2C Inc. , cn = webhooks.middesk.com")[0].1, "Middesk, Inc.");
        assert_eq!(pairs(r"CN=a\+b+O=x")[0].1, "a+b");
        assert_eq!(pairs(r"CN=trailing\ ")[0].1, "trailing ");
        assert!(parse_dn("O=Middesk, Inc.").is_none(), "an unescaped comma leaves ' Inc.' with no type");
        assert!(parse_dn("CN=x,=y").is_none());
        assert!(parse_dn(r"CN=bad\").is_none());
    }

    #[test]
    fn subject_rules() {
        let expected = ExpectedSubject::default();
        let check = |dn: &str| {
            let attrs = parse_dn(dn).unwrap();
            subject_matches(attrs.iter().map(|(n, v)| (n.as_str(), v.as_str())), &expected)
        };
        assert!(check(r"CN=webhooks.middesk.com,O=Middesk\, Inc.,L=San Francisco,C=US"));
        assert!(check(r"C=US,O=Middesk\, Inc.,CN=webhooks.middesk.com"));
        assert!(!check(r"CN=webhooks.middesk.com.evil.com,O=Middesk\, Inc."));
        assert!(!check(r"CN=webhooks.middesk.com,O=Middesk\, Inc. Evil"));
        assert!(!check(r"CN=webhooks.middesk.com,O=Evil Middesk\, Inc."));
        assert!(!check(r"CN=webhooks.middesk.com"));
        assert!(!check(r"CN=webhooks.middesk.com,O=Middesk\, Inc.,O=Evil"));
        assert!(!check(r"CN=webhooks.middesk.com,CN=evil,O=Middesk\, Inc."));
        assert!(!check(r"OU=Middesk\, Inc.,CN=webhooks.middesk.com"));
    }

    #[test]
    fn subject_dn_with_the_comma_escaped_or_not() {
        let expected = ExpectedSubject::default();
        let check = |dn: &str| {
            let attrs = parse_subject_dn(dn).unwrap_or_else(|| panic!("{dn} does not parse"));
            subject_matches(attrs.iter().map(|(n, v)| (n.as_str(), v.as_str())), &expected)
        };
        for ok in [
            r"CN=webhooks.middesk.com,O=Middesk\, Inc.,L=San Francisco,ST=California,C=US",
            "CN=webhooks.middesk.com,O=Middesk, Inc.,L=San Francisco,ST=California,C=US",
            "C=US, ST=California, L=San Francisco, O=Middesk, Inc., CN=webhooks.middesk.com",
            "CN=webhooks.middesk.com,O=Middesk, Inc.",
        ] {
            assert!(check(ok), "{ok}");
        }
        for no in [
            "CN=webhooks.middesk.com,O=Middesk, Inc. Evil",
            r"CN=webhooks.middesk.com,O=Middesk\, Inc. Evil",
            "CN=webhooks.middesk.com,O=Evil Middesk, Inc.",
            "CN=webhooks.middesk.com,O=Middesk, Inc., Evil",
            "CN=webhooks.middesk.com,O=Middesk",
            "CN=webhooks.middesk.com,O=Middesk, Inc.,O=Evil",
            "CN=webhooks.middesk.com, evil,O=Middesk, Inc.",
        ] {
            assert!(!check(no), "{no}");
        }
        assert!(parse_subject_dn(", Inc.").is_none());
        // An OID attribute type also starts a new attribute.
        assert_eq!(parse_subject_dn("O=Middesk, Inc.,2.5.4.3=x").map(|a| a.len()), Some(2));
    }

    #[test]
    fn validity_format() {
        let t = parse_validity("Aug  5 09:36:04 2021 GMT").unwrap();
        assert_eq!(t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(), 1_628_156_164);
        assert_eq!(
            parse_validity("Feb 29 00:00:00 2028 GMT")
                .unwrap()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
            1_835_395_200
        );
        for bad in [
            "",
            "Aug 5 2021",
            "Foo  5 09:36:04 2021 GMT",
            "Aug  5 25:00:00 2021 GMT",
            "Aug  5 09:36:04 2021 UTC",
            // Overflows seconds since 1970 (used to panic in the time arithmetic).
            "Dec 31 23:59:59 300000000000 GMT",
            "Jan  1 00:00:00 9223372036854775807 GMT",
            "Jan  1 00:00:00 -9223372036854775808 GMT",
            "Jan  1 00:00:00 1969 GMT",
        ] {
            assert!(parse_validity(bad).is_none(), "{bad}");
        }
    }
}
