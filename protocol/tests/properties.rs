//! Property tests: every credential round-trips through the QR text, and no
//! input, however hostile, makes a decoder panic.

use proptest::prelude::*;
use suikang_protocol::payload::{Payload, decode_payload};
use suikang_protocol::{
    AppliedBy, Binding, CodeId, ControlReasons, Credential, IssuerId, KeyId, Presentation,
    TrustList, VerificationPolicy, mask_name, verify,
};
use suikang_testkit::credentials::*;
use time::{Duration, OffsetDateTime};

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[\\p{Han}]{1,8}",
        "[A-Za-z][A-Za-z ]{0,28}[A-Za-z]",
        proptest::collection::vec(any::<char>(), 1..31)
            .prop_map(|cs| cs.into_iter().collect::<String>()),
    ]
    // Any name the name rule accepts (DESIGN §2, Names); \p{Han} holds
    // combining tone marks (U+302A) that may not lead a name.
    .prop_filter("a valid name", |s| {
        suikang_protocol::normalise_name(s).is_ok()
    })
}

fn document() -> impl Strategy<Value = suikang_protocol::Document> {
    let today = time::macros::date!(2026 - 11 - 28);
    use suikang_protocol::{Document, DocumentKind};
    prop_oneof![
        Just(Document::parse(DocumentKind::ResidentId, "11010519491231002X", today).unwrap()),
        "[A-Z][0-9]{8}"
            .prop_map(move |n| Document::parse(DocumentKind::Passport, &n, today).unwrap()),
        "[0-9A-Z]{5}[0-9]"
            .prop_map(move |n| Document::parse(DocumentKind::Passport, &n, today).unwrap()),
        "[HM][0-9]{10}"
            .prop_map(move |n| Document::parse(DocumentKind::HkMacaoPermit, &n, today).unwrap()),
        "[0-9]{8}"
            .prop_map(move |n| Document::parse(DocumentKind::TaiwanPermit, &n, today).unwrap()),
    ]
}

prop_compose! {
    fn credential()(
        issuer in any::<u16>(),
        key_id in any::<u8>(),
        code_id in any::<u64>(),
        proxy in any::<bool>(),
        controls in 0u8..0x80,
        name in name(),
        document in document(),
        device in proptest::option::of(any::<[u8; 32]>()),
        // Up to the year 9999, the last the time crate represents.
        issued_minutes in 0u32..4_223_000_000,
        validity in 1u16..,
    ) -> Credential {
        let issued_at = OffsetDateTime::from_unix_timestamp(i64::from(issued_minutes) * 60).unwrap();
        Credential {
            issuer: IssuerId(issuer),
            key_id: KeyId(key_id),
            code_id: CodeId(code_id),
            applied_by: if proxy { AppliedBy::Proxy } else { AppliedBy::Holder },
            controls: ControlReasons::from_bits(controls).unwrap(),
            masked_name: mask_name(&name).unwrap(),
            masked_document: document.masked(),
            binding: device.map_or(Binding::Printed, Binding::Device),
            issued_at,
            expires_at: issued_at + Duration::minutes(validity.into()),
        }
    }
}

proptest! {
    #[test]
    fn printed_credentials_round_trip_through_the_qr_text(mut credential in credential()) {
        credential.binding = Binding::Printed;
        let signed = credential.clone().sign(&key(SUIKANG_KEY_SEED)).unwrap();
        let decoded = decode_payload(&signed.to_qr_text()).unwrap();
        prop_assert_eq!(decoded.credential().credential(), &credential);
        prop_assert_eq!(decoded, Payload::Printed(signed));
    }

    #[test]
    fn presentations_round_trip_through_the_qr_text(
        mut credential in credential(),
        presented_seconds in any::<u32>(),
    ) {
        credential.binding = Binding::Device(key(DEVICE_SEED).verifying_key().to_bytes());
        let signed = credential.clone().sign(&key(SUIKANG_KEY_SEED)).unwrap();
        let at = OffsetDateTime::from_unix_timestamp(presented_seconds.into()).unwrap();
        let presentation = Presentation::sign(&signed, &key(DEVICE_SEED), at).unwrap();
        let decoded = decode_payload(&presentation.to_qr_text()).unwrap();
        prop_assert_eq!(decoded.credential().credential(), &credential);
        prop_assert_eq!(decoded, Payload::Presentation(presentation));
    }

    #[test]
    fn the_decoder_never_panics_on_arbitrary_text(text in any::<String>()) {
        let _ = decode_payload(&text);
        let _ = verify(&text, &trust_list(), NOW, &VerificationPolicy::default());
    }

    #[test]
    fn the_decoder_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..260)) {
        let text = format!("SK1:{}", base45::encode(&bytes));
        let _ = decode_payload(&text);
        let _ = verify(&text, &trust_list(), NOW, &VerificationPolicy::default());
    }

    #[test]
    fn a_credential_with_any_byte_flipped_never_panics_and_never_verifies_as_altered(
        index in 0usize..202, bit in 0u8..8,
    ) {
        let signed = sign(largest_credential(), SUIKANG_KEY_SEED);
        let presentation = Presentation::sign(&signed, &key(DEVICE_SEED), NOW).unwrap();
        let mut bytes = presentation.as_bytes().to_vec();
        bytes[index] ^= 1 << bit;
        let text = format!("SK1:{}", base45::encode(&bytes));
        prop_assert!(verify(&text, &trust_list(), NOW, &VerificationPolicy::default()).is_err());
    }

    #[test]
    fn the_trust_list_parser_never_panics(text in any::<String>()) {
        let _ = TrustList::from_signed_json(&text, &[key(ROOT_SEED).verifying_key()]);
    }

    #[test]
    fn the_trust_list_parser_never_panics_on_signed_garbage(body in any::<String>()) {
        use base64::Engine;
        use ed25519_dalek::Signer;
        let envelope = serde_json::json!({
            "format": "suikang-trust-list",
            "payload": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(body.as_bytes()),
            "signature": hex::encode(key(ROOT_SEED).sign(body.as_bytes()).to_bytes()),
        });
        let _ = TrustList::from_signed_json(&envelope.to_string(), &[key(ROOT_SEED).verifying_key()]);
    }
}
