//! The protocol's story in one run: `cargo run -p suikang-protocol --example demo`.
//!
//! Issuers, phones and a checkpoint are all in this process; the server, the
//! phone core and the CLI tell the same story over the network in later
//! parts of the project.

use qrcode::render::unicode::Dense1x2;
use qrcode::{EcLevel, QrCode};
use suikang_protocol::{
    AppliedBy, Authority, AuthorityRole, Control, ControlReason, Presentation, Refusal, TrustList,
    VerificationPolicy, may_impose, may_release, verify,
};
use suikang_testkit::credentials::*;
use time::Duration;

fn main() {
    let roots = [key(ROOT_SEED).verifying_key()];
    let list = TrustList::from_signed_json(&signed_trust_list(), &roots).expect("root-signed list");
    let policy = VerificationPolicy::default();
    let checkpoint = |qr: &str, at| match verify(qr, &list, at, &policy) {
        Ok(v) => {
            let reasons: Vec<_> = v.controls.iter().map(|r| r.label_zh()).collect();
            let verdict = if v.controls.is_empty() {
                "PASS 通行"
            } else {
                "STOP 禁止通行"
            };
            format!(
                "{verdict}: {} {} · {} {} · {}{}",
                v.issuer_name_zh,
                v.color.name_zh(),
                v.masked_name,
                v.masked_document,
                if v.printed {
                    "打印版 printed · "
                } else {
                    ""
                },
                if reasons.is_empty() {
                    "正常".to_string()
                } else {
                    reasons.join("、")
                }
            )
        }
        Err(refusal) => format!("INVALID 无效: {} ({refusal:?})", refusal.label_zh()),
    };

    println!(
        "1. The root signs a trust list naming {} issuers: {}.",
        list.issuers().len(),
        list.issuers()
            .iter()
            .map(|i| i.name_zh.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );

    let resident = sign(resident_credential(), SUIKANG_KEY_SEED);
    let shown = Presentation::sign(&resident, &key(DEVICE_SEED), NOW).unwrap();
    let qr = shown.to_qr_text();
    let code = QrCode::with_error_correction_level(qr.as_bytes(), EcLevel::M).unwrap();
    println!(
        "2. Suikang issues a resident a blue code bound to their phone; the phone presents it ({} characters, QR {:?}):",
        qr.len(),
        code.version()
    );
    println!("{}", code.render::<Dense1x2>().quiet_zone(true).build());
    println!(
        "   checkpoint, offline: {}",
        checkpoint(&qr, NOW + Duration::seconds(5))
    );

    let printed = sign(printed_credential(), SUIKANG_KEY_SEED);
    println!("3. A grandson prints his grandmother's code (green, 7 days).");
    println!(
        "   checkpoint: {}",
        checkpoint(&printed.to_qr_text(), NOW + Duration::days(2))
    );

    let cdc = Authority {
        role: AuthorityRole::Cdc,
        organisation: "guangzhou-cdc".into(),
        district: "440100".into(),
    };
    let district = Authority {
        role: AuthorityRole::District,
        organisation: "yuexiu-district".into(),
        district: "440104".into(),
    };
    may_impose(&cdc, ControlReason::CloseContact).unwrap();
    let control = Control::imposed_by(&cdc, ControlReason::CloseContact);
    let mut child = resident_credential();
    child.applied_by = AppliedBy::Proxy;
    child.controls = child.controls.with(control.reason);
    let red = Presentation::sign(
        &sign(child.clone(), SUIKANG_KEY_SEED),
        &key(DEVICE_SEED),
        NOW,
    )
    .unwrap();
    println!("4. The CDC marks a child a close contact.");
    println!("   checkpoint: {}", checkpoint(&red.to_qr_text(), NOW));
    println!(
        "   the district tries to release it: {}",
        may_release(&district, &control, &[]).unwrap_err()
    );
    may_release(&cdc, &control, &[]).unwrap();
    child.controls = child.controls.without(control.reason);
    let green = Presentation::sign(&sign(child, SUIKANG_KEY_SEED), &key(DEVICE_SEED), NOW).unwrap();
    println!(
        "   the CDC releases it: {}",
        checkpoint(&green.to_qr_text(), NOW)
    );

    let mut visitor = resident_credential();
    visitor.issuer = YUEKANG;
    visitor.key_id = YUEKANG_KEY;
    let yuekang =
        Presentation::sign(&sign(visitor, YUEKANG_KEY_SEED), &key(DEVICE_SEED), NOW).unwrap();
    println!(
        "5. A Yuekang resident's code, in our verifier: {}",
        checkpoint(&yuekang.to_qr_text(), NOW)
    );

    let later = NOW + Duration::minutes(3);
    let replay = checkpoint(&qr, later);
    assert!(replay.contains(&format!("{:?}", Refusal::PresentationStale)));
    println!("6. A screenshot of step 2 replayed three minutes later: {replay}");
}
