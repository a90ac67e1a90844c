//! The trust-list parser on arbitrary text, and on arbitrary payloads that
//! carry a genuine root signature (to get past the signature check).
#![no_main]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signer, SigningKey};
use libfuzzer_sys::fuzz_target;
use suikang_protocol::TrustList;

fuzz_target!(|data: &[u8]| {
    let root = SigningKey::from_bytes(&[1; 32]);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = TrustList::from_signed_json(text, &[root.verifying_key()]);
    }
    let envelope = format!(
        r#"{{"format":"suikang-trust-list","payload":"{}","signature":"{}"}}"#,
        URL_SAFE_NO_PAD.encode(data),
        hex::encode(root.sign(data).to_bytes()),
    );
    if let Ok(list) = TrustList::from_signed_json(&envelope, &[root.verifying_key()]) {
        // A list that loads signs and loads again to the same list.
        let again = TrustList::from_signed_json(&list.to_signed_json(&root), &[root.verifying_key()]);
        assert_eq!(again.as_ref(), Ok(&list));
    }
});

