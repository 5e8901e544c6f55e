//! Properties of the signature check over arbitrary inputs: every well-signed body is
//! accepted, and any change to the body, the signature or the secret is rejected.

use middesk_webhooks::verify::signature::{SigningKey, verify_signature};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_well_signed_body_is_accepted(secret in ".{1,64}", body in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let signature = SigningKey::new(&secret).sign(&body);
        prop_assert!(verify_signature(&secret, &body, Some(signature.as_bytes())));
        prop_assert!(verify_signature(&secret, &body, Some(signature.to_uppercase().as_bytes())));
        let prefixed = format!("sha256={}", signature);
        prop_assert!(verify_signature(&secret, &body, Some(prefixed.as_bytes())));
    }

    #[test]
    fn any_change_to_the_body_is_rejected(
        secret in ".{1,64}",
        body in proptest::collection::vec(any::<u8>(), 1..2048),
        index in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let signature = SigningKey::new(&secret).sign(&body);
        let mut changed = body.clone();
        changed[index.index(body.len())] ^= flip;
        prop_assert!(!verify_signature(&secret, &changed, Some(signature.as_bytes())));
    }

    #[test]
    fn any_change_to_the_signature_is_rejected(
        secret in ".{1,64}",
        body in proptest::collection::vec(any::<u8>(), 0..1024),
        index in 0usize..64,
        replacement in "[0-9a-f]",
    ) {
        let signature = SigningKey::new(&secret).sign(&body);
        let mut changed = signature.clone();
        changed.replace_range(index..=index, &replacement);
        prop_assume!(changed != signature);
        prop_assert!(!verify_signature(&secret, &body, Some(changed.as_bytes())));
    }

    #[test]
    fn any_other_secret_is_rejected(secret in ".{1,64}", other in ".{1,64}", body in proptest::collection::vec(any::<u8>(), 0..1024)) {
        prop_assume!(secret != other);
        let signature = SigningKey::new(&secret).sign(&body);
        prop_assert!(!verify_signature(&other, &body, Some(signature.as_bytes())));
    }

    #[test]
    fn arbitrary_headers_never_verify_or_panic(header in proptest::collection::vec(any::<u8>(), 0..200), body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let signature = SigningKey::new("s").sign(&body);
        prop_assume!(!String::from_utf8_lossy(&header).to_ascii_lowercase().contains(&signature));
        prop_assert!(!verify_signature("s", &body, Some(&header)));
    }
}
