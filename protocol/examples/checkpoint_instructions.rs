//! Runs one checkpoint verification path `n` times, for instruction counts
//! under callgrind (repeatable on a loaded machine, where times are not):
//!
//! ```sh
//! cargo build --release -p suikang-protocol --example checkpoint_instructions
//! valgrind --tool=callgrind target/release/examples/checkpoint_instructions suikang 0
//! valgrind --tool=callgrind target/release/examples/checkpoint_instructions suikang 1000
//! ```
//!
//! The difference of the two totals over 1000 is the cost of one
//! verification; `dgc` instead of `suikang` gives the peer's (issue 17),
//! `sign` a presentation and its QR text, `torsion` one subgroup check of a
//! point.

use std::hint::black_box;

use suikang_protocol::{Presentation, VerificationPolicy, verify};
use suikang_testkit::credentials::*;

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_default();
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    match which.as_str() {
        "suikang" => {
            let list = national_trust_list(50);
            let qr = Presentation::sign(
                &sign(largest_credential(), SUIKANG_KEY_SEED),
                &key(DEVICE_SEED),
                NOW,
            )
            .unwrap()
            .to_qr_text();
            let policy = VerificationPolicy::default();
            // The key's tables are built on its first scan, outside the count.
            verify(&qr, &list, NOW, &policy).unwrap();
            for _ in 0..n {
                black_box(verify(black_box(&qr), &list, NOW, &policy).unwrap());
            }
        }
        "sign" => {
            let credential = sign(largest_credential(), SUIKANG_KEY_SEED);
            let device = key(DEVICE_SEED);
            for _ in 0..n {
                let p = Presentation::sign(black_box(&credential), &device, NOW).unwrap();
                black_box(p.to_qr_text());
            }
        }
        "dgc" => {
            let raw: serde_json::Value =
                serde_json::from_str(include_str!("../benches/dgc-testdata/AT-2DCode-raw-1.json"))
                    .unwrap();
            let text = raw["PREFIX"].as_str().unwrap().to_owned();
            let mut trust = dgc::TrustList::default();
            trust
                .add_key_from_certificate(raw["TESTCTX"]["CERTIFICATE"].as_str().unwrap())
                .unwrap();
            for _ in 0..n {
                let (_, validity) = dgc::validate(black_box(&text), &trust).unwrap();
                assert!(validity.is_valid());
            }
        }
        // What a batch check of the two signatures would have to add to stay
        // `verify_strict` (src/ed25519_strict.rs): a torsion check per point.
        "torsion" => {
            let point = curve25519_dalek::edwards::CompressedEdwardsY(
                key(DEVICE_SEED).verifying_key().to_bytes(),
            )
            .decompress()
            .unwrap();
            for _ in 0..n {
                assert!(black_box(point).is_torsion_free());
            }
        }
        _ => eprintln!("usage: checkpoint_instructions suikang|dgc|sign|torsion N"),
    }
}
