//! `cargo bench -p suikang-protocol`
//!
//! - make and sign a presentation (target ≤ 60 µs median);
//! - decode and verify a presentation against a trust list of 50 issuers
//!   (target ≤ 150 µs median).

#[path = "../tests/support/mod.rs"]
mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use suikang_protocol::{Presentation, VerificationPolicy, verify};
use support::*;

fn make_and_sign(c: &mut Criterion) {
    let credential = sign(largest_credential(), SUIKANG_KEY_SEED);
    let device = key(DEVICE_SEED);
    c.bench_function("make and sign a presentation (QR text)", |b| {
        b.iter(|| {
            let p = Presentation::sign(black_box(&credential), &device, black_box(NOW)).unwrap();
            black_box(p.to_qr_text())
        })
    });
}

fn decode_and_verify(c: &mut Criterion) {
    let list = national_trust_list(50);
    let qr = Presentation::sign(
        &sign(largest_credential(), SUIKANG_KEY_SEED),
        &key(DEVICE_SEED),
        NOW,
    )
    .unwrap()
    .to_qr_text();
    let policy = VerificationPolicy::default();
    assert!(verify(&qr, &list, NOW, &policy).is_ok());
    c.bench_function("decode and verify a presentation, 50 issuers", |b| {
        b.iter(|| verify(black_box(&qr), &list, black_box(NOW), &policy).unwrap())
    });
}

fn load_trust_list(c: &mut Criterion) {
    let root = key(ROOT_SEED);
    let json = national_trust_list(50).to_signed_json(&root);
    let roots = [root.verifying_key()];
    c.bench_function("load and check a signed trust list of 50 issuers", |b| {
        b.iter(|| suikang_protocol::TrustList::from_signed_json(black_box(&json), &roots).unwrap())
    });
}

criterion_group!(benches, make_and_sign, decode_and_verify, load_trust_list);
criterion_main!(benches);
