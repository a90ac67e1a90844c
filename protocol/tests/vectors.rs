//! The test vectors of `tests/vectors/`: every outcome of verification and
//! every trust-list failure, one JSON file each, for any implementation.
//!
//! Check:      cargo test -p suikang-protocol --test vectors
//! Regenerate: SUIKANG_REGENERATE_VECTORS=1 cargo test -p suikang-protocol --test vectors
//!
//! The check verifies every file twice — with this crate, and with bare
//! Ed25519 over the listed bytes as an outside implementation would — and
//! fails if regenerating would change any file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use curve25519_dalek::constants::EIGHT_TORSION;
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use suikang_protocol::payload::{Payload, decode_payload};
use suikang_protocol::{
    Binding, ControlReason, Credential, Document, DocumentKind, IssuerId, KeyId, Presentation,
    SignedCredential, TrustList, TrustListError, VerificationPolicy, mask_name, verify,
};
use suikang_testkit::credentials::*;
use time::format_description::well_known::Rfc3339;
use time::macros::date;
use time::{Duration, OffsetDateTime};

#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Vector {
    description: String,
    qr_text: String,
    verification_time: String,
    trust_list: serde_json::Value,
    root_public_key: String,
    expected: String,
    /// The list is past its `not_after` at `verification_time`: the code's
    /// outcome stands, and the verifier warns.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    trust_list_stale: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    issuer_public_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issuer_signed_bytes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issuer_signature: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_public_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_signed_bytes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_signature: Option<String>,
}

/// One case before it is written out.
struct Case {
    name: &'static str,
    description: &'static str,
    qr_text: String,
    at: OffsetDateTime,
    trust_list: String,
    expected: &'static str,
    /// For a credential naming a key the trust list lacks: the seed of the
    /// key that really signed it. Otherwise the listed key is the one named.
    unlisted_signer_seed: Option<u8>,
}

fn case(
    name: &'static str,
    expected: &'static str,
    description: &'static str,
    qr_text: String,
) -> Case {
    Case {
        name,
        description,
        qr_text,
        at: NOW,
        trust_list: signed_trust_list(),
        expected,
        unlisted_signer_seed: None,
    }
}

fn present(credential: &SignedCredential, at: OffsetDateTime) -> String {
    Presentation::sign(credential, &key(DEVICE_SEED), at)
        .unwrap()
        .to_qr_text()
}

fn qr(bytes: &[u8]) -> String {
    format!("SK1:{}", base45::encode(bytes))
}

/// A presentation signed by `device`, whatever the credential is bound to.
fn present_with(credential: &SignedCredential, device: &SigningKey, at: OffsetDateTime) -> String {
    let mut bytes = credential.as_bytes().to_vec();
    bytes.extend_from_slice(&(at.unix_timestamp() as u32).to_be_bytes());
    let signature = device.sign(&bytes);
    bytes.extend_from_slice(&signature.to_bytes());
    qr(&bytes)
}

fn resident_with(edit: impl FnOnce(&mut Credential)) -> Credential {
    let mut credential = resident_credential();
    edit(&mut credential);
    credential
}

fn cases() -> Vec<Case> {
    let resident = sign(resident_credential(), SUIKANG_KEY_SEED);
    let fresh = NOW - Duration::seconds(30);
    let presented = Presentation::sign(&resident, &key(DEVICE_SEED), fresh).unwrap();
    let printed = sign(printed_credential(), SUIKANG_KEY_SEED);
    let today = date!(2026 - 11 - 28);
    let mut v = vec![
        case(
            "valid_blue_resident",
            "Valid",
            "A resident's own code (blue), presented 30 s before the check.",
            presented.to_qr_text(),
        ),
        case(
            "valid_green_dependent",
            "Valid",
            "A child's code applied for by a guardian (green), on the guardian's phone.",
            present(
                &sign(
                    resident_with(|c| {
                        c.applied_by = suikang_protocol::AppliedBy::Proxy;
                        c.masked_name = mask_name("王小").unwrap();
                    }),
                    SUIKANG_KEY_SEED,
                ),
                fresh,
            ),
        ),
        case(
            "valid_red_close_contact",
            "Valid",
            "A red code: the holder is a close contact. Verification passes; the checkpoint stops the holder.",
            present(
                &sign(
                    resident_with(|c| c.controls = c.controls.with(ControlReason::CloseContact)),
                    SUIKANG_KEY_SEED,
                ),
                fresh,
            ),
        ),
        case(
            "valid_largest_presentation",
            "Valid",
            "The largest realistic presentation: every control reason, a 30-character name (the longest DESIGN §2 allows) with 4-byte first and last characters, an 18-character document.",
            present(&sign(largest_credential(), SUIKANG_KEY_SEED), fresh),
        ),
        case(
            "valid_printed",
            "Valid",
            "A grandmother's printed code (green, unbound, 7 days), checked on its second hour.",
            printed.to_qr_text(),
        ),
        case(
            "valid_passport_latin_name",
            "Valid",
            "A visitor with a passport and a latin name: Z*******i, E123*5678.",
            present(
                &sign(
                    resident_with(|c| {
                        c.masked_name = mask_name("Zhang Wei").unwrap();
                        c.masked_document =
                            Document::parse(DocumentKind::Passport, "E12345678", today)
                                .unwrap()
                                .masked();
                    }),
                    SUIKANG_KEY_SEED,
                ),
                fresh,
            ),
        ),
        case(
            "valid_hk_macao_permit",
            "Valid",
            "A Hong Kong resident with a mainland travel permit: H123*5678.",
            present(
                &sign(
                    resident_with(|c| {
                        c.masked_document =
                            Document::parse(DocumentKind::HkMacaoPermit, "H12345678", today)
                                .unwrap()
                                .masked();
                    }),
                    SUIKANG_KEY_SEED,
                ),
                fresh,
            ),
        ),
        case(
            "valid_presentation_at_max_age",
            "Valid",
            "A presentation exactly 120 s old is still fresh.",
            present(&resident, NOW - Duration::seconds(120)),
        ),
        case(
            "valid_presentation_slightly_ahead",
            "Valid",
            "A presentation 60 s ahead of the verifier's clock is tolerated.",
            present(&resident, NOW + Duration::seconds(60)),
        ),
        case(
            "valid_old_key_inside_window",
            "Valid",
            "A code signed with Suikang's rotated-out key 1, inside that key's window.",
            present(
                &sign(
                    resident_with(|c| c.key_id = SUIKANG_OLD_KEY),
                    SUIKANG_OLD_KEY_SEED,
                ),
                fresh,
            ),
        ),
        case(
            "malformed_wrong_prefix",
            "Malformed",
            "Not a health code: another scheme's prefix.",
            format!("HC1:{}", &presented.to_qr_text()[4..]),
        ),
        case(
            "malformed_not_base45",
            "Malformed",
            "The body has characters outside the base45 alphabet.",
            "SK1:abc#".into(),
        ),
        case(
            "malformed_bad_base45_triplet",
            "Malformed",
            "A base45 triplet whose value exceeds 0xFFFF.",
            "SK1:::::".into(),
        ),
        case(
            "malformed_empty",
            "Malformed",
            "The prefix and nothing after it.",
            "SK1:".into(),
        ),
        case(
            "malformed_truncated",
            "Malformed",
            "A presentation cut off inside the device signature.",
            qr(&presented.as_bytes()[..presented.as_bytes().len() - 10]),
        ),
        case(
            "malformed_trailing_bytes",
            "Malformed",
            "A presentation followed by an extra byte.",
            qr(&[presented.as_bytes(), &[0]].concat()),
        ),
        case(
            "malformed_reserved_flag",
            "Malformed",
            "The credential's flags byte sets a bit that no field owns.",
            qr(&{
                let mut b = presented.as_bytes().to_vec();
                b[1] |= 0x80;
                b
            }),
        ),
        case(
            "malformed_printed_with_device_part",
            "Malformed",
            "A printed credential followed by a presentation time and signature: printed codes travel alone.",
            qr(&[printed.as_bytes(), &[0; 68]].concat()),
        ),
        case(
            "unsupported_envelope_version",
            "UnsupportedVersion",
            "A code of a later envelope version, SK2:.",
            format!("SK2:{}", &presented.to_qr_text()[4..]),
        ),
        case(
            "unsupported_credential_version",
            "UnsupportedVersion",
            "A credential whose format version byte is 2.",
            qr(&{
                let mut b = presented.as_bytes().to_vec();
                b[0] = 2;
                b
            }),
        ),
        Case {
            unlisted_signer_seed: Some(UNTRUSTED_ISSUER_SEED),
            ..case(
                "unknown_issuer",
                "UnknownIssuer",
                "A code from issuer 99, which the trust list does not name.",
                present(
                    &sign(
                        resident_with(|c| c.issuer = IssuerId(99)),
                        UNTRUSTED_ISSUER_SEED,
                    ),
                    fresh,
                ),
            )
        },
        Case {
            unlisted_signer_seed: Some(UNTRUSTED_ISSUER_SEED),
            ..case(
                "unknown_key",
                "UnknownKey",
                "A code naming Suikang's key 9, which the trust list does not hold (a revoked key is removed from the list).",
                present(
                    &sign(
                        resident_with(|c| c.key_id = KeyId(9)),
                        UNTRUSTED_ISSUER_SEED,
                    ),
                    fresh,
                ),
            )
        },
        case(
            "key_not_yet_valid_at_issue",
            "KeyNotValidAtThatTime",
            "A code issued on 2026-11-19 with Suikang's key 2, whose window starts 2026-11-20.",
            present(
                &sign(
                    resident_with(|c| {
                        c.issued_at = datetime(2026, 11, 19, 12);
                        c.expires_at = c.issued_at + Duration::days(30);
                    }),
                    SUIKANG_KEY_SEED,
                ),
                fresh,
            ),
        ),
        Case {
            at: OLD_KEY_ENDS + Duration::hours(1),
            ..case(
                "key_window_ended",
                "KeyNotValidAtThatTime",
                "A code signed with the rotated-out key 1 checked after that key's window ended, though the code has not expired.",
                present(
                    &sign(
                        resident_with(|c| {
                            c.key_id = SUIKANG_OLD_KEY;
                            c.issued_at = OLD_KEY_ENDS - Duration::hours(4);
                            c.expires_at = c.issued_at + Duration::hours(24);
                        }),
                        SUIKANG_OLD_KEY_SEED,
                    ),
                    OLD_KEY_ENDS + Duration::hours(1) - Duration::seconds(5),
                ),
            )
        },
        case(
            "bad_issuer_signature_altered_colour",
            "BadIssuerSignature",
            "A close contact's red code altered to show no control reason, then re-presented by the device: the issuer's signature no longer matches.",
            {
                let red = sign(
                    resident_with(|c| c.controls = c.controls.with(ControlReason::CloseContact)),
                    SUIKANG_KEY_SEED,
                );
                let mut bytes = red.as_bytes().to_vec();
                bytes[19] = 0;
                let (altered, _) = SignedCredential::decode_prefix(&bytes).unwrap();
                present_with(&altered, &key(DEVICE_SEED), fresh)
            },
        ),
        case(
            "bad_issuer_signature_forged",
            "BadIssuerSignature",
            "A code naming Suikang's key 2 but signed with a forger's key.",
            present(&sign(resident_credential(), UNTRUSTED_ISSUER_SEED), fresh),
        ),
        Case {
            at: ISSUED_AT + Duration::hours(24),
            ..case(
                "credential_expired",
                "CredentialExpired",
                "A phone credential checked at the minute it expires (24 h after issue), though freshly presented.",
                present(
                    &resident,
                    ISSUED_AT + Duration::hours(24) - Duration::seconds(5),
                ),
            )
        },
        Case {
            at: ISSUED_AT + Duration::hours(30),
            ..case(
                "credential_expired_before_device_check",
                "CredentialExpired",
                "An expired credential presented by another device: expiry is checked before the device signature.",
                present_with(
                    &resident,
                    &key(OTHER_DEVICE_SEED),
                    ISSUED_AT + Duration::hours(30),
                ),
            )
        },
        case(
            "credential_not_yet_valid",
            "CredentialNotYetValid",
            "A credential issued 2 minutes after the verification time.",
            present(
                &sign(
                    resident_with(|c| {
                        c.issued_at = NOW + Duration::minutes(2);
                        c.expires_at = c.issued_at + Duration::hours(24);
                    }),
                    SUIKANG_KEY_SEED,
                ),
                NOW,
            ),
        ),
        case(
            "bad_device_signature_copied_credential",
            "BadDeviceSignature",
            "A genuine credential copied to another phone, which presents it with its own key.",
            present_with(&resident, &key(OTHER_DEVICE_SEED), fresh),
        ),
        case(
            "bad_device_signature_altered_time",
            "BadDeviceSignature",
            "An old screenshot whose presentation time was rewritten to look fresh.",
            {
                let old =
                    Presentation::sign(&resident, &key(DEVICE_SEED), NOW - Duration::minutes(10))
                        .unwrap();
                let mut bytes = old.as_bytes().to_vec();
                let at = resident.as_bytes().len();
                bytes[at..at + 4].copy_from_slice(&(fresh.unix_timestamp() as u32).to_be_bytes());
                qr(&bytes)
            },
        ),
        case(
            "presentation_stale_screenshot",
            "PresentationStale",
            "A screenshot replayed three minutes after it was shown.",
            present(&resident, NOW - Duration::minutes(3)),
        ),
        case(
            "presentation_stale_by_a_second",
            "PresentationStale",
            "A presentation 121 s old.",
            present(&resident, NOW - Duration::seconds(121)),
        ),
        case(
            "presentation_from_the_future",
            "PresentationFromTheFuture",
            "A presentation 61 s ahead of the verifier's clock.",
            present(&resident, NOW + Duration::seconds(61)),
        ),
        Case {
            at: ISSUED_AT + Duration::days(7),
            ..case(
                "printed_credential_expired",
                "PrintedCredentialExpired",
                "A printed code checked when its 7 days are over.",
                printed.to_qr_text(),
            )
        },
        Case {
            at: LIST_ISSUED_AT + Duration::days(10),
            ..case(
                "valid_with_stale_trust_list",
                "Valid",
                "The trust list is 3 days past its not_after (10 days old, fresh for 7): the code verifies, and the verifier warns that its list is stale.",
                present(
                    &sign(
                        resident_with(|c| {
                            c.issued_at = LIST_ISSUED_AT + Duration::days(10) - Duration::hours(1);
                            c.expires_at = c.issued_at + Duration::hours(24);
                        }),
                        SUIKANG_KEY_SEED,
                    ),
                    LIST_ISSUED_AT + Duration::days(10) - Duration::seconds(30),
                ),
            )
        },
        case(
            "valid_yuekang_code",
            "Valid",
            "A Yuekang (粤康码) code verifies under the same root (互扫互通).",
            present(
                &sign(
                    resident_with(|c| {
                        c.issuer = YUEKANG;
                        c.key_id = YUEKANG_KEY;
                    }),
                    YUEKANG_KEY_SEED,
                ),
                fresh,
            ),
        ),
    ];

    let valid = presented.to_qr_text();
    let list = signed_trust_list();
    let mut envelope: serde_json::Value = serde_json::from_str(&list).unwrap();
    let tampered = {
        let payload = envelope["payload"].as_str().unwrap().to_owned();
        // Flip one base64 character of the payload: the root signature fails.
        let mut chars: Vec<char> = payload.chars().collect();
        let i = chars.len() / 2;
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        envelope["payload"] = serde_json::Value::String(chars.into_iter().collect());
        envelope.to_string()
    };
    v.extend(torsion_cases(&resident, fresh));
    v.push(Case {
        trust_list: tampered,
        ..case(
            "trust_list_tampered",
            "TrustListBadSignature",
            "The trust list's payload was altered after the root signed it.",
            valid.clone(),
        )
    });
    v.push(Case {
        trust_list: trust_list().to_signed_json(&key(UNTRUSTED_ROOT_SEED)),
        ..case(
            "trust_list_wrong_root",
            "TrustListBadSignature",
            "A trust list signed by a key other than the root the app ships with.",
            valid.clone(),
        )
    });
    v.push(Case {
        trust_list: r#"{"format":"suikang-trust-list","payload":"!!","signature":"00"}"#.into(),
        ..case(
            "trust_list_malformed",
            "TrustListMalformed",
            "A trust list whose payload is not base64url and signature not 64 bytes.",
            valid.clone(),
        )
    });
    v.push(Case {
        trust_list: sign_list_json(&serde_json::json!({"version": 3, "sequence": 9, "issued_at": "2026-11-27T00:00:00Z", "not_after": "2026-12-04T00:00:00Z", "issuers": []})),
        ..case("trust_list_unsupported_version", "TrustListUnsupportedVersion", "A correctly signed trust list of a later format version.", valid.clone())
    });
    let issuers = serde_json::to_value(trust_list().issuers()).unwrap();
    v.push(Case {
        trust_list: sign_list_json(&serde_json::json!({"version": 2, "sequence": 9, "issued_at": "2026-11-27T00:00:00Z", "issuers": issuers})),
        ..case("trust_list_without_not_after", "TrustListMalformed", "A version-2 trust list without its not_after.", valid.clone())
    });
    // Version 1 (no not_after) is still read for the transition: fresh for
    // 7 days after issued_at, as verifiers judged it before version 2.
    let version_1 = sign_list_json(
        &serde_json::json!({"version": 1, "sequence": 7, "issued_at": "2026-11-27T00:00:00Z", "issuers": issuers}),
    );
    v.push(Case {
        trust_list: version_1.clone(),
        ..case(
            "valid_with_version_1_trust_list",
            "Valid",
            "A version-1 trust list (before not_after) a day old: still read, fresh.",
            valid,
        )
    });
    v.push(Case {
        at: LIST_ISSUED_AT + Duration::days(8),
        trust_list: version_1,
        ..case(
            "valid_with_stale_version_1_trust_list",
            "Valid",
            "A version-1 trust list 8 days old: read, and stale (7 days for version 1).",
            present(
                &sign(
                    resident_with(|c| {
                        c.issued_at = LIST_ISSUED_AT + Duration::days(8) - Duration::hours(1);
                        c.expires_at = c.issued_at + Duration::hours(24);
                    }),
                    SUIKANG_KEY_SEED,
                ),
                LIST_ISSUED_AT + Duration::days(8) - Duration::seconds(30),
            ),
        )
    });
    v
}

/// Codes whose signatures carry points of small order (in `R`, or in the
/// device key the credential binds), made by hand from the secret scalars.
/// Their outcome is `verify_strict`'s, and they are the cases where a batch
/// check of both signatures would answer otherwise (issue 17, see
/// `src/ed25519_strict.rs`).
fn torsion_cases(resident: &SignedCredential, at: OffsetDateTime) -> Vec<Case> {
    let device = key(DEVICE_SEED).to_scalar();
    let order_2 = EIGHT_TORSION[4];
    let order_8 = EIGHT_TORSION[1];
    assert!(order_2.is_small_order() && !order_2.is_identity());
    assert!(order_8 * Scalar::from(4u8) == order_2);
    let base = |x: Scalar| EdwardsPoint::mul_base(&x);

    // A device key with a component of order 8, bound by the issuer.
    let mixed_key = base(device) + order_8;
    let mixed_bound = sign(
        resident_with(|c| c.binding = Binding::Device(mixed_key.compress().to_bytes())),
        SUIKANG_KEY_SEED,
    );
    // A signature by it that verify_strict accepts: R's torsion is chosen
    // so that the equation R = [s]B − [k]A holds exactly (one try in eight).
    let exact = (0u64..)
        .flat_map(|i| EIGHT_TORSION.iter().map(move |t| (i, *t)))
        .find_map(|(i, t)| {
            let bytes = presented_bytes(&mixed_bound, at);
            let (sig, k) = torsion_signature(&bytes, &mixed_key, device, nonce(i), t);
            // [s]B − [k]A = [r]B − [k]·T_A: exact when R's torsion is −[k]·T_A.
            (-(order_8 * k) == t).then(|| finish(bytes, sig))
        })
        .unwrap();

    // An issuer signature whose R carries the point of order 2.
    let issuer = key(SUIKANG_KEY_SEED);
    let body = resident.signed_bytes().to_vec();
    let (issuer_sig, _) = torsion_signature(
        &body,
        &issuer.verifying_key().to_edwards(),
        issuer.to_scalar(),
        nonce(100),
        order_2,
    );
    let mut forged_credential = body;
    forged_credential.extend_from_slice(&issuer_sig);
    let issuer_r_mixed = {
        let mut bytes = forged_credential.clone();
        bytes.extend_from_slice(&(at.unix_timestamp() as u32).to_be_bytes());
        let device_point = base(device);
        let (sig, _) = torsion_signature(&bytes, &device_point, device, nonce(101), order_2);
        finish(bytes, sig)
    };

    let genuine_key = base(device);
    let device_r = |t: EdwardsPoint, r: Scalar| {
        let bytes = presented_bytes(resident, at);
        let (sig, _) = torsion_signature(&bytes, &genuine_key, device, r, t);
        finish(bytes, sig)
    };
    let small_key_bound = sign(
        resident_with(|c| c.binding = Binding::Device(order_8.compress().to_bytes())),
        SUIKANG_KEY_SEED,
    );
    let small_key = {
        let bytes = presented_bytes(&small_key_bound, at);
        let (sig, _) = torsion_signature(&bytes, &order_8, Scalar::ZERO, nonce(102), order_8);
        finish(bytes, sig)
    };

    vec![
        case(
            "bad_device_signature_small_order_r",
            "BadDeviceSignature",
            "The device signature's R is a point of order 8 and s = k·a, so [s]B − [k]A is the identity: verify_strict refuses an R of small order (a cofactored or batch check would accept).",
            device_r(order_8, Scalar::ZERO),
        ),
        case(
            "bad_device_signature_mixed_order_r",
            "BadDeviceSignature",
            "The device signature's R is a genuine nonce point plus the point of order 2: R − ([s]B − [k]A) is that point, so verify_strict refuses (a cofactored or batch check would accept).",
            device_r(order_2, nonce(103)),
        ),
        case(
            "bad_device_signature_small_order_key",
            "BadDeviceSignature",
            "The issuer bound the credential to a device key of order 8: verify_strict refuses any signature under a key of small order.",
            small_key,
        ),
        case(
            "valid_mixed_order_device_key",
            "Valid",
            "The issuer bound the credential to a device key with a component of order 8, and the device signature's R carries exactly the torsion that makes R = [s]B − [k]A hold: verify_strict accepts it, so the code is valid (a check that refused every torsion component would refuse it).",
            exact,
        ),
        case(
            "bad_issuer_signature_mixed_order_r",
            "BadIssuerSignature",
            "Made with the issuer's secret key: the issuer signature's R and the device signature's R both carry the point of order 2. Each equation is off by that point, so verify_strict refuses the issuer signature; a batch check of the two with odd weights would see the offsets cancel and accept.",
            issuer_r_mixed,
        ),
    ]
}

/// A nonce scalar for hand-made signatures, fixed so the files reproduce.
fn nonce(i: u64) -> Scalar {
    let mut wide = [0u8; 64];
    wide[..8].copy_from_slice(&i.to_be_bytes());
    wide[8..16].copy_from_slice(b"vectors!");
    Scalar::from_bytes_mod_order_wide(&wide) + Scalar::from(0x5eed_u64)
}

/// The bytes a device signs: the credential and the time.
fn presented_bytes(credential: &SignedCredential, at: OffsetDateTime) -> Vec<u8> {
    let mut bytes = credential.as_bytes().to_vec();
    bytes.extend_from_slice(&(at.unix_timestamp() as u32).to_be_bytes());
    bytes
}

fn finish(mut bytes: Vec<u8>, signature: [u8; 64]) -> String {
    bytes.extend_from_slice(&signature);
    qr(&bytes)
}

/// The Ed25519 signature by the secret `a` of the key `key` with nonce `r`,
/// its R moved by the torsion point `t`; and its challenge k.
fn torsion_signature(
    message: &[u8],
    key: &EdwardsPoint,
    a: Scalar,
    r: Scalar,
    t: EdwardsPoint,
) -> ([u8; 64], Scalar) {
    use sha2::{Digest, Sha512};
    let big_r = (EdwardsPoint::mul_base(&r) + t).compress().to_bytes();
    let mut hash = Sha512::new();
    hash.update(big_r);
    hash.update(key.compress().as_bytes());
    hash.update(message);
    let k = Scalar::from_bytes_mod_order_wide(&hash.finalize().into());
    let mut signature = [0; 64];
    signature[..32].copy_from_slice(&big_r);
    signature[32..].copy_from_slice((r + k * a).as_bytes());
    (signature, k)
}

fn datetime(y: i32, m: u8, d: u8, h: u8) -> OffsetDateTime {
    time::Date::from_calendar_date(y, m.try_into().unwrap(), d)
        .unwrap()
        .with_hms(h, 0, 0)
        .unwrap()
        .assume_utc()
}

/// Signs arbitrary list JSON with the root, as `TrustList::to_signed_json` does.
fn sign_list_json(body: &serde_json::Value) -> String {
    use base64::Engine;
    let payload = serde_json::to_vec(body).unwrap();
    serde_json::json!({
        "format": "suikang-trust-list",
        "payload": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&payload),
        "signature": hex::encode(key(ROOT_SEED).sign(&payload).to_bytes()),
    })
    .to_string()
}

/// The outcome of a case, named as in the vectors, and whether the list
/// was stale (a warning beside the outcome).
fn outcome(
    qr_text: &str,
    trust_list_json: &str,
    root: &VerifyingKey,
    at: OffsetDateTime,
) -> (String, bool) {
    let list = match TrustList::from_signed_json(trust_list_json, &[*root]) {
        Ok(list) => list,
        Err(TrustListError::BadSignature) => return ("TrustListBadSignature".into(), false),
        Err(TrustListError::UnsupportedVersion(_)) => {
            return ("TrustListUnsupportedVersion".into(), false);
        }
        Err(_) => return ("TrustListMalformed".into(), false),
    };
    let stale = list.is_stale(at);
    match verify(qr_text, &list, at, &VerificationPolicy::default()) {
        Ok(verified) => {
            assert_eq!(verified.trust_list_stale, stale);
            ("Valid".into(), stale)
        }
        Err(refusal) => (format!("{refusal:?}"), stale),
    }
}

fn to_vector(case: Case) -> Vector {
    let root = key(ROOT_SEED).verifying_key();
    let mut v = Vector {
        description: case.description.into(),
        qr_text: case.qr_text.clone(),
        verification_time: case.at.format(&Rfc3339).unwrap(),
        trust_list: serde_json::from_str(&case.trust_list).unwrap(),
        root_public_key: hex::encode(root.to_bytes()),
        expected: case.expected.into(),
        trust_list_stale: outcome(&case.qr_text, &case.trust_list, &root, case.at).1,
        issuer_public_key: None,
        issuer_signed_bytes: None,
        issuer_signature: None,
        device_public_key: None,
        device_signed_bytes: None,
        device_signature: None,
    };
    // Signature fields for every case whose payload decodes.
    if let Ok(payload) = decode_payload(&case.qr_text) {
        let credential = payload.credential();
        let named = credential.credential();
        v.issuer_public_key = match trust_list().key(named.issuer, named.key_id) {
            Some((_, listed)) => Some(hex::encode(listed.public_key)),
            None => case
                .unlisted_signer_seed
                .map(|s| hex::encode(key(s).verifying_key().to_bytes())),
        };
        v.issuer_signed_bytes = Some(hex::encode(credential.signed_bytes()));
        v.issuer_signature = Some(hex::encode(credential.signature().to_bytes()));
        if let (Payload::Presentation(p), Binding::Device(device)) =
            (&payload, credential.credential().binding)
        {
            v.device_public_key = Some(hex::encode(device));
            v.device_signed_bytes = Some(hex::encode(p.signed_bytes()));
            v.device_signature = Some(hex::encode(p.device_signature().to_bytes()));
        }
    }
    v
}

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn generated() -> BTreeMap<String, String> {
    cases()
        .into_iter()
        .map(|c| {
            let name = format!("{}.json", c.name);
            let mut text = serde_json::to_string_pretty(&to_vector(c)).unwrap();
            text.push('\n');
            (name, text)
        })
        .collect()
}

/// The vector files, regenerated first (once per run) when asked to.
fn on_disk() -> BTreeMap<String, String> {
    static REGENERATE: std::sync::Once = std::sync::Once::new();
    REGENERATE.call_once(|| {
        if std::env::var_os("SUIKANG_REGENERATE_VECTORS").is_some() {
            let dir = vectors_dir();
            for stale in read_dir().keys() {
                std::fs::remove_file(dir.join(stale)).unwrap();
            }
            for (name, text) in generated() {
                std::fs::write(dir.join(name), text).unwrap();
            }
        }
    });
    read_dir()
}

fn read_dir() -> BTreeMap<String, String> {
    std::fs::read_dir(vectors_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn vectors_on_disk_are_exactly_what_the_generator_makes() {
    let on_disk = on_disk();
    let generated = generated();
    assert_eq!(
        on_disk.keys().collect::<Vec<_>>(),
        generated.keys().collect::<Vec<_>>(),
        "the set of vector files differs; regenerate with SUIKANG_REGENERATE_VECTORS=1"
    );
    for (name, text) in &generated {
        assert_eq!(
            &on_disk[name], text,
            "{name} would change; regenerate with SUIKANG_REGENERATE_VECTORS=1 and review"
        );
    }
}

#[test]
fn every_vector_verifies_to_its_expected_outcome() {
    let vectors = on_disk();
    assert!(vectors.len() >= 30, "only {} vectors", vectors.len());
    for (name, text) in vectors {
        let v: Vector = serde_json::from_str(&text).unwrap();
        let root = VerifyingKey::from_bytes(&hex32(&v.root_public_key)).unwrap();
        let at = OffsetDateTime::parse(&v.verification_time, &Rfc3339).unwrap();
        let (got, stale) = outcome(&v.qr_text, &v.trust_list.to_string(), &root, at);
        assert_eq!(got, v.expected, "{name}: {}", v.description);
        assert_eq!(stale, v.trust_list_stale, "{name}: {}", v.description);
    }
}

#[test]
fn every_outcome_is_covered() {
    let expected: std::collections::BTreeSet<String> = generated()
        .values()
        .map(|t| serde_json::from_str::<Vector>(t).unwrap().expected)
        .collect();
    for outcome in [
        "Valid",
        "Malformed",
        "UnsupportedVersion",
        "UnknownIssuer",
        "UnknownKey",
        "KeyNotValidAtThatTime",
        "BadIssuerSignature",
        "CredentialExpired",
        "CredentialNotYetValid",
        "BadDeviceSignature",
        "PresentationStale",
        "PresentationFromTheFuture",
        "PrintedCredentialExpired",
        "TrustListBadSignature",
        "TrustListMalformed",
        "TrustListUnsupportedVersion",
    ] {
        assert!(expected.contains(outcome), "no vector for {outcome}");
    }
}

/// What an outside implementation does with only the listed fields and a
/// bare Ed25519 library: the signatures verify exactly where they should.
#[test]
fn the_listed_signatures_stand_on_their_own() {
    for (name, text) in on_disk() {
        let v: Vector = serde_json::from_str(&text).unwrap();
        let outside_ok = |key: &Option<String>, bytes: &Option<String>, sig: &Option<String>| {
            let key = VerifyingKey::from_bytes(&hex32(key.as_ref()?)).ok()?;
            let bytes = hex::decode(bytes.as_ref()?).unwrap();
            let sig: [u8; 64] = hex::decode(sig.as_ref()?).unwrap().try_into().unwrap();
            Some(
                key.verify_strict(&bytes, &Signature::from_bytes(&sig))
                    .is_ok(),
            )
        };
        let issuer = outside_ok(
            &v.issuer_public_key,
            &v.issuer_signed_bytes,
            &v.issuer_signature,
        );
        let device = outside_ok(
            &v.device_public_key,
            &v.device_signed_bytes,
            &v.device_signature,
        );
        match v.expected.as_str() {
            "Valid" => {
                assert_eq!(issuer, Some(true), "{name}: issuer signature");
                if !v.qr_text.is_empty() && v.device_signature.is_some() {
                    assert_eq!(device, Some(true), "{name}: device signature");
                }
            }
            "BadIssuerSignature" => assert_eq!(issuer, Some(false), "{name}"),
            "BadDeviceSignature" => {
                assert_eq!(issuer, Some(true), "{name}");
                assert_eq!(device, Some(false), "{name}");
            }
            _ => {}
        }
        if let (Some(signed), Some(device_signed)) =
            (&v.issuer_signed_bytes, &v.device_signed_bytes)
        {
            assert!(
                device_signed.starts_with(signed.as_str()),
                "{name}: the device signs the whole credential"
            );
        }
    }
}

fn hex32(text: &str) -> [u8; 32] {
    hex::decode(text).unwrap().try_into().unwrap()
}
