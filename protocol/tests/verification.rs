//! A checkpoint verifying codes offline (DESIGN §1 and §4), as scenarios.

use suikang_protocol::presentation::PresentationError;
use suikang_protocol::{
    AppliedBy, Color, ControlReason, Presentation, Refusal, TrustList, TrustListError,
    VerificationPolicy, verify,
};
use suikang_testkit::credentials::*;
use time::Duration;

fn check(qr: &str, at: time::OffsetDateTime) -> Result<suikang_protocol::VerifiedCode, Refusal> {
    verify(qr, &trust_list(), at, &VerificationPolicy::default())
}

fn present(seed: u8, at: time::OffsetDateTime) -> String {
    let credential = sign(resident_credential(), SUIKANG_KEY_SEED);
    Presentation::sign(&credential, &key(seed), at)
        .unwrap()
        .to_qr_text()
}

#[test]
fn a_residents_fresh_code_passes_with_masked_identity() {
    let verified = check(&present(DEVICE_SEED, NOW - Duration::seconds(10)), NOW).unwrap();
    assert_eq!(verified.color, Color::Blue);
    assert_eq!(verified.masked_name, "张*明");
    assert_eq!(verified.masked_document, "1101**********002X");
    assert_eq!(verified.issuer_name_zh, "穗康码");
    assert!(!verified.printed);
    assert_eq!(verified.presentation_age, Some(Duration::seconds(10)));
    assert_eq!(verified.credential_age, Duration::hours(2));
    assert!(!verified.trust_list_stale);
}

#[test]
fn a_screenshot_shown_three_minutes_later_is_stale() {
    let qr = present(DEVICE_SEED, NOW);
    assert!(check(&qr, NOW + Duration::seconds(120)).is_ok());
    assert_eq!(
        check(&qr, NOW + Duration::minutes(3)).unwrap_err(),
        Refusal::PresentationStale
    );
}

#[test]
fn a_presentation_ahead_of_the_verifiers_clock_is_refused_beyond_a_minute() {
    assert!(check(&present(DEVICE_SEED, NOW + Duration::seconds(60)), NOW).is_ok());
    assert_eq!(
        check(&present(DEVICE_SEED, NOW + Duration::seconds(61)), NOW).unwrap_err(),
        Refusal::PresentationFromTheFuture
    );
}

#[test]
fn a_copied_credential_presented_by_another_phone_is_refused() {
    let credential = sign(resident_credential(), SUIKANG_KEY_SEED);
    assert_eq!(
        Presentation::sign(&credential, &key(OTHER_DEVICE_SEED), NOW).unwrap_err(),
        PresentationError::NotThisDevice
    );
}

#[test]
fn an_altered_colour_fails_the_issuers_signature() {
    let mut credential = resident_credential();
    credential.controls = credential.controls.with(ControlReason::CloseContact);
    let genuine = sign(credential, SUIKANG_KEY_SEED);
    let mut bytes = Presentation::sign(&genuine, &key(DEVICE_SEED), NOW)
        .unwrap()
        .as_bytes()
        .to_vec();
    bytes[19] = 0; // the control reasons byte: red turned blue
    let qr = format!("SK1:{}", base45::encode(&bytes));
    assert_eq!(check(&qr, NOW).unwrap_err(), Refusal::BadIssuerSignature);
}

#[test]
fn a_red_code_shows_every_reason() {
    let mut credential = resident_credential();
    credential.controls = [ControlReason::CloseContact, ControlReason::HomeIsolation]
        .into_iter()
        .collect();
    let qr = Presentation::sign(&sign(credential, SUIKANG_KEY_SEED), &key(DEVICE_SEED), NOW)
        .unwrap()
        .to_qr_text();
    let verified = check(&qr, NOW).unwrap();
    assert_eq!(verified.color, Color::Red);
    assert_eq!(
        verified.controls.iter().collect::<Vec<_>>(),
        [ControlReason::HomeIsolation, ControlReason::CloseContact]
    );
}

#[test]
fn a_printed_code_verifies_says_printed_and_expires_after_its_week() {
    let qr = sign(printed_credential(), SUIKANG_KEY_SEED).to_qr_text();
    let verified = check(&qr, NOW + Duration::days(6)).unwrap();
    assert!(verified.printed);
    assert_eq!(verified.color, Color::Green);
    assert_eq!(verified.applied_by, AppliedBy::Proxy);
    assert_eq!(verified.presented_at, None);
    assert_eq!(
        check(&qr, NOW + Duration::days(7)).unwrap_err(),
        Refusal::PrintedCredentialExpired
    );
}

#[test]
fn a_phone_credential_expires_after_a_day() {
    let qr = present(DEVICE_SEED, NOW + Duration::hours(22));
    assert_eq!(
        check(&qr, NOW + Duration::hours(22)).unwrap_err(),
        Refusal::CredentialExpired
    );
}

#[test]
fn a_yuekang_code_verifies_in_our_verifier() {
    let mut credential = resident_credential();
    credential.issuer = YUEKANG;
    credential.key_id = YUEKANG_KEY;
    let qr = Presentation::sign(&sign(credential, YUEKANG_KEY_SEED), &key(DEVICE_SEED), NOW)
        .unwrap()
        .to_qr_text();
    let verified = check(&qr, NOW).unwrap();
    assert_eq!(verified.issuer_name_zh, "粤康码");
}

#[test]
fn a_code_signed_with_a_rotated_key_verifies_until_the_keys_window_ends() {
    let mut credential = resident_credential();
    credential.key_id = SUIKANG_OLD_KEY;
    credential.issued_at = OLD_KEY_ENDS - Duration::hours(2);
    credential.expires_at = credential.issued_at + Duration::hours(24);
    let signed = sign(credential, SUIKANG_OLD_KEY_SEED);
    let at = OLD_KEY_ENDS - Duration::minutes(1);
    let qr = Presentation::sign(&signed, &key(DEVICE_SEED), at)
        .unwrap()
        .to_qr_text();
    assert!(check(&qr, at).is_ok());
    let after = OLD_KEY_ENDS + Duration::minutes(1);
    let qr = Presentation::sign(&signed, &key(DEVICE_SEED), after)
        .unwrap()
        .to_qr_text();
    assert_eq!(
        check(&qr, after).unwrap_err(),
        Refusal::KeyNotValidAtThatTime
    );
}

#[test]
fn codes_of_issuers_and_keys_outside_the_list_are_refused() {
    let mut credential = resident_credential();
    credential.issuer = suikang_protocol::IssuerId(99);
    let qr = Presentation::sign(
        &sign(credential, UNTRUSTED_ISSUER_SEED),
        &key(DEVICE_SEED),
        NOW,
    )
    .unwrap()
    .to_qr_text();
    assert_eq!(check(&qr, NOW).unwrap_err(), Refusal::UnknownIssuer);

    let mut credential = resident_credential();
    credential.key_id = suikang_protocol::KeyId(42);
    let qr = Presentation::sign(
        &sign(credential, UNTRUSTED_ISSUER_SEED),
        &key(DEVICE_SEED),
        NOW,
    )
    .unwrap()
    .to_qr_text();
    assert_eq!(check(&qr, NOW).unwrap_err(), Refusal::UnknownKey);
}

#[test]
fn texts_that_are_not_codes_are_malformed_and_other_versions_unsupported() {
    assert_eq!(
        check("https://example.com/", NOW).unwrap_err(),
        Refusal::Malformed
    );
    assert_eq!(
        check("SK1:not base45!", NOW).unwrap_err(),
        Refusal::Malformed
    );
    assert_eq!(check("SK1:", NOW).unwrap_err(), Refusal::Malformed);
    assert_eq!(
        check("SK2:ABCD", NOW).unwrap_err(),
        Refusal::UnsupportedVersion
    );
}

#[test]
fn a_stale_trust_list_still_verifies_with_a_warning() {
    let at = LIST_ISSUED_AT + Duration::days(8);
    let mut credential = resident_credential();
    credential.issued_at = at - Duration::hours(1);
    credential.expires_at = at + Duration::hours(23);
    let qr = Presentation::sign(&sign(credential, SUIKANG_KEY_SEED), &key(DEVICE_SEED), at)
        .unwrap()
        .to_qr_text();
    assert!(check(&qr, at).unwrap().trust_list_stale);
}

/// Issue 12: the signer says how long its list is fresh (`not_after`,
/// version 2), not the verifier's policy; it survives signing and parsing.
#[test]
fn a_trust_list_is_stale_after_its_own_not_after() {
    let issuers = vec![suikang_entry(), yuekang_entry()];
    let month = TrustList::new(7, LIST_ISSUED_AT, issuers.clone())
        .unwrap()
        .with_not_after(LIST_ISSUED_AT + Duration::days(30))
        .unwrap();
    assert!(!month.is_stale(LIST_ISSUED_AT + Duration::days(8)));
    assert!(!month.is_stale(LIST_ISSUED_AT + Duration::days(30)));
    assert!(month.is_stale(LIST_ISSUED_AT + Duration::days(30) + Duration::seconds(1)));
    let root = key(ROOT_SEED);
    let parsed =
        TrustList::from_signed_json(&month.to_signed_json(&root), &[root.verifying_key()]).unwrap();
    assert_eq!(parsed.not_after(), LIST_ISSUED_AT + Duration::days(30));
    assert_eq!(parsed, month);
    assert_eq!(
        TrustList::new(7, LIST_ISSUED_AT, issuers)
            .unwrap()
            .with_not_after(LIST_ISSUED_AT - Duration::seconds(1))
            .unwrap_err(),
        TrustListError::InvalidValidity
    );
}

#[test]
fn a_trust_list_verifies_only_under_its_root() {
    let json = signed_trust_list();
    let root = key(ROOT_SEED).verifying_key();
    assert_eq!(
        TrustList::from_signed_json(&json, &[root]).unwrap(),
        trust_list()
    );
    let untrusted = key(UNTRUSTED_ROOT_SEED).verifying_key();
    assert_eq!(
        TrustList::from_signed_json(&json, &[untrusted]),
        Err(TrustListError::BadSignature)
    );
    // During a root rotation the apps ship both roots.
    assert!(TrustList::from_signed_json(&json, &[untrusted, root]).is_ok());
    assert_eq!(
        TrustList::from_signed_json("{}", &[root]),
        Err(TrustListError::Malformed)
    );
}

#[test]
fn a_trust_list_refuses_duplicate_issuers_and_keys() {
    let twice = TrustList::new(1, LIST_ISSUED_AT, vec![suikang_entry(), suikang_entry()]);
    assert_eq!(twice.unwrap_err(), TrustListError::DuplicateIssuer(SUIKANG));
    let mut entry = suikang_entry();
    entry.keys.push(entry.keys[0].clone());
    assert_eq!(
        TrustList::new(1, LIST_ISSUED_AT, vec![entry]).unwrap_err(),
        TrustListError::DuplicateKey(SUIKANG, SUIKANG_OLD_KEY)
    );
    let mut entry = suikang_entry();
    entry.keys[0].not_after = entry.keys[0].not_before - Duration::days(1);
    assert_eq!(
        TrustList::new(1, LIST_ISSUED_AT, vec![entry]).unwrap_err(),
        TrustListError::InvalidKeyWindow(SUIKANG, SUIKANG_OLD_KEY)
    );
}
