//! HMAC-SHA256 signatures as Middesk sends them in `X-Middesk-Signature-256`.
//!
//! The signature is computed over the raw request body bytes, with the signing secret's
//! UTF-8 bytes as the key, and sent as lowercase hex. Verification never parses the body.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The header Middesk puts the signature in (HTTP header names are case-insensitive).
pub const SIGNATURE_HEADER: &str = "x-middesk-signature-256";

/// Length of an HMAC-SHA256 tag in bytes.
pub const TAG_LEN: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// A signing secret with its HMAC key schedule computed once.
///
/// Keying HMAC hashes the padded key twice; doing that once per secret instead of once per
/// request takes two SHA-256 blocks off every verification.
#[derive(Clone)]
pub struct SigningKey {
    mac: HmacSha256,
}

impl SigningKey {
    /// Builds the key from the secret's UTF-8 bytes, exactly as Middesk uses it.
    pub fn new(secret: &str) -> Self {
        Self::from_bytes(secret.as_bytes())
    }

    /// Builds the key from raw bytes.
    pub fn from_bytes(secret: &[u8]) -> Self {
        // HMAC accepts keys of any length, so this cannot fail.
        let mac = HmacSha256::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
        Self { mac }
    }

    /// The HMAC-SHA256 tag of `body`.
    pub fn tag(&self, body: &[u8]) -> [u8; TAG_LEN] {
        let mut mac = self.mac.clone();
        mac.update(body);
        mac.finalize().into_bytes().into()
    }

    /// The signature of `body` as Middesk sends it: lowercase hex.
    pub fn sign(&self, body: &[u8]) -> String {
        hex::encode(self.tag(body))
    }

    /// Whether `tag` is this key's tag for `body`, compared in constant time.
    pub fn verify_tag(&self, body: &[u8], tag: &[u8; TAG_LEN]) -> bool {
        self.tag(body).ct_eq(tag).into()
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.write_str("SigningKey(<redacted>)")
    }
}

/// Parses a signature header value into the 32-byte tag it carries.
///
/// Accepts hex in either case, surrounding whitespace and an optional `sha256=` prefix.
/// Anything else (empty, non-hex, wrong length) is `None`: a failed verification, not an error.
pub fn parse_signature(value: &[u8]) -> Option<[u8; TAG_LEN]> {
    let value = value.trim_ascii();
    let hex_part = match value.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case(b"sha256=") => &value[7..],
        _ => value,
    };
    let mut tag = [0u8; TAG_LEN];
    hex::decode_to_slice(hex_part, &mut tag).ok()?;
    Some(tag)
}

/// Verifies a raw body against a signature header value with one secret.
///
/// This is the whole check in one call; [`SigningKey`] is the faster form when the same
/// secret verifies many requests.
pub fn verify_signature(secret: &str, body: &[u8], header: Option<&[u8]>) -> bool {
    match header.and_then(parse_signature) {
        Some(tag) => SigningKey::new(secret).verify_tag(body, &tag),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Known answer computed independently with Python:
    //   hmac.new(b"sec_test_4f2a9c", body, hashlib.sha256).hexdigest()
    // where body is the file's exact bytes (see tests/fixtures/known_answer.*).
    const KAT_SECRET: &str = "sec_test_4f2a9c";
    const KAT_BODY: &[u8] = include_bytes!("../../tests/fixtures/known_answer.body");
    const KAT_HEX: &str = include_str!("../../tests/fixtures/known_answer.sha256");

    #[test]
    fn known_answer_vector() {
        let expected = KAT_HEX.trim();
        assert_eq!(SigningKey::new(KAT_SECRET).sign(KAT_BODY), expected);
        assert!(verify_signature(KAT_SECRET, KAT_BODY, Some(expected.as_bytes())));
    }

    #[test]
    fn rfc4231_test_case_2() {
        // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            SigningKey::new("Jefe").sign(b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn one_changed_byte_anywhere_fails() {
        let header = KAT_HEX.trim().as_bytes();
        for i in 0..KAT_BODY.len() {
            let mut tampered = KAT_BODY.to_vec();
            tampered[i] ^= 0x01;
            assert!(!verify_signature(KAT_SECRET, &tampered, Some(header)), "byte {i}");
        }
        let mut longer = KAT_BODY.to_vec();
        longer.push(b'\n');
        assert!(!verify_signature(KAT_SECRET, &longer, Some(header)));
        assert!(!verify_signature(KAT_SECRET, &KAT_BODY[..KAT_BODY.len() - 1], Some(header)));
    }

    #[test]
    fn wrong_secret_fails() {
        let header = KAT_HEX.trim().as_bytes();
        assert!(!verify_signature("sec_test_4f2a9d", KAT_BODY, Some(header)));
        assert!(!verify_signature("", KAT_BODY, Some(header)));
    }

    #[test]
    fn header_forms_accepted() {
        let hex = KAT_HEX.trim();
        let upper = hex.to_ascii_uppercase();
        for value in [
            hex.to_string(),
            upper.clone(),
            format!("sha256={hex}"),
            format!("SHA256={upper}"),
            format!("  {hex}\t"),
        ] {
            assert!(verify_signature(KAT_SECRET, KAT_BODY, Some(value.as_bytes())), "{value}");
        }
    }

    #[test]
    fn malformed_headers_fail_without_panicking() {
        let hex = KAT_HEX.trim();
        let cases: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"   ".to_vec(),
            b"sha256=".to_vec(),
            hex.as_bytes()[..63].to_vec(),
            format!("{hex}0").into_bytes(),
            format!("{hex}00").into_bytes(),
            hex.as_bytes()[..62].to_vec(),
            format!("{}zz", &hex[..62]).into_bytes(),
            format!("sha1={hex}").into_bytes(),
            format!("sha256= {hex}").into_bytes(),
            format!("{hex},{hex}").into_bytes(),
            vec![0xff; 64],
            "é".repeat(32).into_bytes(),
        ];
        for value in cases {
            assert!(!verify_signature(KAT_SECRET, KAT_BODY, Some(&value)), "{value:?}");
        }
        assert!(!verify_signature(KAT_SECRET, KAT_BODY, None));
    }

    #[test]
    fn debug_does_not_print_the_secret() {
        let shown = format!("{:?}", SigningKey::new("sec_do_not_print"));
        assert!(!shown.contains("sec_do_not_print"));
    }
}
