//! The protocol's fixtures, for its tests, benchmarks, examples and the
//! test-vector generator: keys from fixed seeds, a trust list with Suikang
//! and Yuekang, and credentials for the people of DESIGN §1. Deterministic:
//! the test vectors are made from them.

use ed25519_dalek::SigningKey;
use suikang_protocol::{
    AppliedBy, Binding, CodeId, ColorScheme, ControlReason, ControlReasons, Credential, Document,
    DocumentKind, IssuerEntry, IssuerId, IssuerKey, KeyId, SignedCredential, TrustList, mask_name,
    trust::Rgb,
};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};

/// Every key here is `SigningKey::from_bytes(&[n; 32])` for the `n` named.
pub const ROOT_SEED: u8 = 1;
pub const SUIKANG_OLD_KEY_SEED: u8 = 2;
pub const SUIKANG_KEY_SEED: u8 = 3;
pub const YUEKANG_KEY_SEED: u8 = 4;
pub const DEVICE_SEED: u8 = 5;
pub const OTHER_DEVICE_SEED: u8 = 6;
pub const UNTRUSTED_ROOT_SEED: u8 = 7;
pub const UNTRUSTED_ISSUER_SEED: u8 = 8;

pub const SUIKANG: IssuerId = IssuerId(1);
pub const YUEKANG: IssuerId = IssuerId(2);
pub const SUIKANG_OLD_KEY: KeyId = KeyId(1);
pub const SUIKANG_KEY: KeyId = KeyId(2);
pub const YUEKANG_KEY: KeyId = KeyId(1);

/// The day the fixtures live on: credentials are issued at 06:00 UTC and
/// checked at 08:00 UTC.
pub const ISSUED_AT: OffsetDateTime = datetime!(2026-11-28 06:00 UTC);
pub const NOW: OffsetDateTime = datetime!(2026-11-28 08:00 UTC);
pub const LIST_ISSUED_AT: OffsetDateTime = datetime!(2026-11-27 00:00 UTC);
/// The list's `not_after`: after it the list is stale (version 2 on).
pub const LIST_NOT_AFTER: OffsetDateTime = datetime!(2026-12-04 00:00 UTC);
/// Suikang's first key was rotated out: it stops at the end of this day.
pub const OLD_KEY_ENDS: OffsetDateTime = datetime!(2026-11-29 00:00 UTC);

pub fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

pub fn issuer_key(
    id: KeyId,
    seed: u8,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> IssuerKey {
    IssuerKey {
        id,
        public_key: key(seed).verifying_key().to_bytes(),
        not_before,
        not_after,
    }
}

pub fn suikang_entry() -> IssuerEntry {
    IssuerEntry {
        id: SUIKANG,
        slug: "suikang".into(),
        name_zh: "穗康码".into(),
        name_en: "Suikang code".into(),
        colors: ColorScheme::SUIKANG,
        keys: vec![
            issuer_key(
                SUIKANG_OLD_KEY,
                SUIKANG_OLD_KEY_SEED,
                datetime!(2026-01-01 00:00 UTC),
                OLD_KEY_ENDS,
            ),
            issuer_key(
                SUIKANG_KEY,
                SUIKANG_KEY_SEED,
                datetime!(2026-11-20 00:00 UTC),
                datetime!(2027-11-20 00:00 UTC),
            ),
        ],
    }
}

pub fn yuekang_entry() -> IssuerEntry {
    IssuerEntry {
        id: YUEKANG,
        slug: "yuekang".into(),
        name_zh: "粤康码".into(),
        name_en: "Yuekang code".into(),
        colors: ColorScheme {
            red: Rgb([0xE0, 0x20, 0x20]),
            blue: Rgb([0x20, 0x60, 0xC0]),
            green: Rgb([0x10, 0xA0, 0x50]),
        },
        keys: vec![issuer_key(
            YUEKANG_KEY,
            YUEKANG_KEY_SEED,
            datetime!(2026-01-01 00:00 UTC),
            datetime!(2027-12-31 00:00 UTC),
        )],
    }
}

/// Suikang and Yuekang under one root, fresh for 7 days.
pub fn trust_list() -> TrustList {
    TrustList::new(7, LIST_ISSUED_AT, vec![suikang_entry(), yuekang_entry()])
        .unwrap()
        .with_not_after(LIST_NOT_AFTER)
        .unwrap()
}

/// A list of `n` issuers (Suikang, Yuekang and `n - 2` others), for the
/// benchmark of look-up in a national list.
pub fn national_trust_list(n: u16) -> TrustList {
    let mut issuers = vec![suikang_entry(), yuekang_entry()];
    for id in 3..=n {
        let mut entry = yuekang_entry();
        entry.id = IssuerId(id);
        entry.slug = format!("province-{id}");
        entry.keys = vec![issuer_key(
            KeyId(1),
            (id % 200) as u8 + 20,
            LIST_ISSUED_AT,
            datetime!(2027-12-31 00:00 UTC),
        )];
        issuers.push(entry);
    }
    TrustList::new(8, LIST_ISSUED_AT, issuers).unwrap()
}

pub fn signed_trust_list() -> String {
    trust_list().to_signed_json(&key(ROOT_SEED))
}

/// A resident's details: 张三明, resident ID 11010519491231002X.
pub fn resident_document() -> Document {
    Document::parse(
        DocumentKind::ResidentId,
        "11010519491231002X",
        date!(2026 - 11 - 28),
    )
    .unwrap()
}

/// What Suikang issues a resident with the phone of `DEVICE_SEED`.
pub fn resident_credential() -> Credential {
    Credential {
        issuer: SUIKANG,
        key_id: SUIKANG_KEY,
        code_id: CodeId(0x5a17_c0de_0000_0001),
        applied_by: AppliedBy::Holder,
        controls: ControlReasons::EMPTY,
        masked_name: mask_name("张三明").unwrap(),
        masked_document: resident_document().masked(),
        binding: Binding::Device(key(DEVICE_SEED).verifying_key().to_bytes()),
        issued_at: ISSUED_AT,
        expires_at: ISSUED_AT + Duration::hours(24),
    }
}

/// A grandmother's printed code, applied for by her grandson.
pub fn printed_credential() -> Credential {
    Credential {
        code_id: CodeId(0x5a17_c0de_0000_0002),
        applied_by: AppliedBy::Proxy,
        masked_name: mask_name("李秀英").unwrap(),
        binding: Binding::Printed,
        expires_at: ISSUED_AT + Duration::days(7),
        ..resident_credential()
    }
}

/// The largest credential realistic input makes: a long name whose first
/// and last characters take four UTF-8 bytes each, every control reason, an
/// 18-character document, a device key.
pub fn largest_credential() -> Credential {
    let name: String = std::iter::once('𠀀')
        .chain(std::iter::repeat_n(
            '龍',
            suikang_protocol::MAX_NAME_CHARS - 2,
        ))
        .chain(std::iter::once('𪚥'))
        .collect();
    Credential {
        controls: ControlReason::ALL.into_iter().collect(),
        masked_name: mask_name(&name).unwrap(),
        code_id: CodeId(u64::MAX),
        ..resident_credential()
    }
}

pub fn sign(credential: Credential, seed: u8) -> SignedCredential {
    credential.sign(&key(seed)).unwrap()
}
