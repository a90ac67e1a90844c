//! The QR payload decoder and verifier on arbitrary scanned text, and on
//! arbitrary bytes behind a valid prefix (to get past base45).
#![no_main]

use libfuzzer_sys::fuzz_target;
use suikang_protocol::{TrustList, VerificationPolicy, decode_payload, verify};
use time::OffsetDateTime;

fuzz_target!(|data: &[u8]| {
    let now = OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap();
    let list = TrustList::new(1, now, Vec::new()).unwrap();
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = decode_payload(text);
        let _ = verify(text, &list, now, &VerificationPolicy::default());
    }
    let text = format!("SK1:{}", base45::encode(data));
    if let Ok(payload) = decode_payload(&text) {
        // What decodes must encode back to the very same text.
        assert_eq!(payload.to_qr_text(), text);
    }
});

