//! `cargo bench -p suikang-protocol` (figures and targets: README.md)
//!
//! - make and sign a presentation and its QR text (target ≤ 25 µs median);
//! - decode and verify a presentation against a trust list of 50 issuers,
//!   side by side with the EU DCC verifier `dgc` 0.0.7 validating a
//!   dgc-testdata certificate (target: ours ≤ 0.85× dgc's median), then the
//!   same two interleaved in rounds, whose medians give the printed ratio;
//! - the first scan of an issuer key (its table is built then);
//! - load a signed list of 50 issuers.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use suikang_protocol::{Presentation, TrustList, VerificationPolicy, verify};
use suikang_testkit::credentials::*;

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

fn our_code() -> String {
    Presentation::sign(
        &sign(largest_credential(), SUIKANG_KEY_SEED),
        &key(DEVICE_SEED),
        NOW,
    )
    .unwrap()
    .to_qr_text()
}

/// The vendored dgc-testdata certificate (benches/dgc-testdata/README.md):
/// its HC1 text and a dgc trust list holding its signer's key.
fn dgc_case() -> (String, dgc::TrustList) {
    let raw: serde_json::Value =
        serde_json::from_str(include_str!("dgc-testdata/AT-2DCode-raw-1.json")).unwrap();
    let text = raw["PREFIX"].as_str().unwrap().to_owned();
    let mut trust = dgc::TrustList::default();
    trust
        .add_key_from_certificate(raw["TESTCTX"]["CERTIFICATE"].as_str().unwrap())
        .unwrap();
    (text, trust)
}

fn dgc_validate(text: &str, trust: &dgc::TrustList) {
    let (_, validity) = dgc::validate(text, trust).unwrap();
    assert!(validity.is_valid());
}

fn side_by_side(c: &mut Criterion) {
    let list = national_trust_list(50);
    let qr = our_code();
    let policy = VerificationPolicy::default();
    assert!(verify(&qr, &list, NOW, &policy).is_ok());
    let (hc1, dgc_trust) = dgc_case();
    dgc_validate(&hc1, &dgc_trust);

    let mut group = c.benchmark_group("checkpoint side by side");
    group.bench_function(
        "suikang: decode and verify a presentation, 50 issuers",
        |b| b.iter(|| verify(black_box(&qr), &list, black_box(NOW), &policy).unwrap()),
    );
    group.bench_function(
        "dgc 0.0.7: validate an HC1 certificate (dgc-testdata AT 1)",
        |b| b.iter(|| dgc_validate(black_box(&hc1), &dgc_trust)),
    );
    group.finish();

    // The two in alternating rounds, so that a change in the load of a shared
    // machine falls on both alike; the medians of the rounds give the ratio.
    const ROUNDS: usize = 41;
    const PER_ROUND: u32 = 300;
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let start = Instant::now();
        for _ in 0..PER_ROUND {
            black_box(verify(black_box(&qr), &list, NOW, &policy).unwrap());
        }
        ours.push(start.elapsed() / PER_ROUND);
        let start = Instant::now();
        for _ in 0..PER_ROUND {
            dgc_validate(black_box(&hc1), &dgc_trust);
        }
        theirs.push(start.elapsed() / PER_ROUND);
    }
    let (ours, theirs) = (median(ours), median(theirs));
    println!(
        "interleaved, {ROUNDS} rounds of {PER_ROUND}: suikang {:.1} µs, dgc {:.1} µs, ratio {:.2} (target ≤ 0.85)",
        micros(ours),
        micros(theirs),
        micros(ours) / micros(theirs),
    );
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn first_scan_of_a_key(c: &mut Criterion) {
    let list = national_trust_list(50);
    let qr = our_code();
    let policy = VerificationPolicy::default();
    c.bench_function(
        "a fresh list of 50 issuers, then its first scan (key table built)",
        |b| {
            b.iter_batched(
                || list.issuers().to_vec(),
                |issuers| {
                    let fresh = TrustList::new(list.sequence(), list.issued_at(), issuers).unwrap();
                    verify(black_box(&qr), &fresh, NOW, &policy).unwrap()
                },
                BatchSize::SmallInput,
            )
        },
    );
}

fn load_trust_list(c: &mut Criterion) {
    let root = key(ROOT_SEED);
    let json = national_trust_list(50).to_signed_json(&root);
    let roots = [root.verifying_key()];
    c.bench_function("load and check a signed trust list of 50 issuers", |b| {
        b.iter(|| TrustList::from_signed_json(black_box(&json), &roots).unwrap())
    });
}

criterion_group!(
    benches,
    make_and_sign,
    side_by_side,
    first_scan_of_a_key,
    load_trust_list
);
criterion_main!(benches);
