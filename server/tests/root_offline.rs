//! The root key stays off the running server (issue 12, finding 6): the
//! root's holder signs the trust list offline (`sign-trust-list`) and the
//! server serves that file as is; without it, or with the root key beside
//! its data, the server refuses to start. A list older than the one served
//! is refused, and a rotated issuer key signs only once a signed list names it.

use std::path::Path;
use std::process::Command;

use suikang_protocol::TrustList;
use suikang_protocol::api::paths;
use suikang_server::config::TrustSigning;
use suikang_server::issuer::TrustLoadError;
use suikang_server::run::{StartError, open_issuer};
use suikang_server::trust_file::{self, TrustFileError};
use suikang_server::{
    FaceVendorSetting, IssuerProfile, KeySource, Policy, ServerConfig, admin, keys, start,
};
use time::OffsetDateTime;

fn offline_config(dir: &Path) -> ServerConfig {
    let mut config = ServerConfig::new(dir, IssuerProfile::suikang());
    config.face_vendor = Some(FaceVendorSetting::DevSimulator);
    config.trust_signing = TrustSigning::Offline;
    config
}

/// What `sign-trust-list --root-key FILE` does: the store's list, signed
/// with the root key from the offline machine's file.
async fn sign_offline(dir: &Path, root_file: &Path) {
    let mut config = offline_config(dir);
    config.trust_signing = TrustSigning::Here;
    config.root_key = KeySource::File(root_file.to_owned());
    let issuer = open_issuer(&config).await.unwrap();
    let trust = issuer.trust();
    trust_file::write(
        dir,
        &trust_file::signed_list_path(dir),
        &trust.signed_json,
        &trust.root.unwrap(),
    )
    .unwrap();
}

fn refusal(result: Result<suikang_server::RunningServer, StartError>) -> TrustFileError {
    match result {
        Err(StartError::TrustList(TrustLoadError::File(e))) => e,
        Err(other) => panic!("refused for another reason: {other}"),
        Ok(_) => panic!("the server started"),
    }
}

#[tokio::test]
async fn the_server_serves_the_offline_signed_list_and_never_holds_the_root_key() {
    let offline = tempfile::tempdir().unwrap();
    let root_file = offline.path().join("root.key");
    let root = trust_file::create_root_key(&root_file).unwrap();
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("data");

    // First start, nothing signed yet: refused, saying how to sign.
    let missing = refusal(start(offline_config(&dir), "127.0.0.1:0".parse().unwrap()).await);
    assert!(matches!(missing, TrustFileError::Missing(_)), "{missing}");
    assert!(missing.to_string().contains("sign-trust-list"));

    sign_offline(&dir, &root_file).await;
    let server = start(offline_config(&dir), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    assert!(
        !keys::root_key_path(&dir).exists(),
        "no root key on the server"
    );
    assert!(!server.issuer.signs_trust_list());
    assert_eq!(server.root_public_key(), root.verifying_key());

    // Served byte for byte as signed, and it verifies under the root.
    // A plain client (no scenario world: this is about the data folder, on
    // SQLite only).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let served = reqwest::Client::new()
        .get(format!("{}{}", server.base_url(), paths::TRUST_LIST))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let on_disk = std::fs::read_to_string(trust_file::signed_list_path(&dir)).unwrap();
    assert_eq!(served, on_disk);
    let list = TrustList::from_signed_json(&served, &[root.verifying_key()]).unwrap();
    assert!(list.issuer(IssuerProfile::suikang().id).is_some());
    server.shutdown().await;

    // Someone put the root key beside the data: refused.
    std::fs::copy(&root_file, keys::root_key_path(&dir)).unwrap();
    let on_server = refusal(start(offline_config(&dir), "127.0.0.1:0".parse().unwrap()).await);
    assert!(
        matches!(on_server, TrustFileError::RootKeyOnServer(_)),
        "{on_server}"
    );
    std::fs::remove_file(keys::root_key_path(&dir)).unwrap();

    // A list signed by another root is refused.
    let impostor = offline.path().join("impostor.key");
    let other = tempfile::tempdir().unwrap();
    trust_file::create_root_key(&impostor).unwrap();
    sign_offline(other.path(), &impostor).await;
    std::fs::copy(
        trust_file::signed_list_path(other.path()),
        trust_file::signed_list_path(&dir),
    )
    .unwrap();
    let forged = refusal(start(offline_config(&dir), "127.0.0.1:0".parse().unwrap()).await);
    assert!(matches!(forged, TrustFileError::Refused(..)), "{forged}");
}

#[tokio::test]
async fn a_rotated_key_signs_only_once_a_signed_list_names_it_and_lists_never_go_back() {
    let offline = tempfile::tempdir().unwrap();
    let root_file = offline.path().join("root.key");
    trust_file::create_root_key(&root_file).unwrap();
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("data");
    sign_offline(&dir, &root_file).await;
    let old_list = std::fs::read_to_string(trust_file::signed_list_path(&dir)).unwrap();
    let server = start(offline_config(&dir), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let issuer = &server.issuer;
    let first = issuer.trust();
    let (first_key, _, _) = first.signing.clone().unwrap();

    // The admin rotates the issuer key: the served list and the signing key
    // stay until the root's holder signs a list with the new key (a code
    // signed by a key no list names would verify nowhere).
    let new_key = admin::rotate_issuer_key(
        &*issuer.store,
        &issuer.data_dir,
        &Policy::default(),
        OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    issuer.reload_trust().await.unwrap();
    assert_eq!(issuer.trust().signed_json, old_list);
    assert_eq!(issuer.trust().signing.as_ref().unwrap().0, first_key);

    sign_offline(&dir, &root_file).await;
    issuer.reload_trust().await.unwrap();
    let second = issuer.trust();
    assert!(second.sequence > first.sequence);
    assert_eq!(second.signing.as_ref().unwrap().0.0, new_key);
    assert_ne!(second.etag, first.etag);

    // An old signed list put back (a rollback to the key before): refused,
    // the newer one still served.
    std::fs::write(trust_file::signed_list_path(&dir), &old_list).unwrap();
    match issuer.reload_trust().await {
        Err(TrustLoadError::File(TrustFileError::Rollback { found, served })) => {
            assert_eq!((found, served), (first.sequence, second.sequence));
        }
        other => panic!("the old list was not refused: {other:?}"),
    }
    assert_eq!(issuer.trust().sequence, second.sequence);
    server.shutdown().await;
}

/// The ceremony with the binary, as server/KEYS.md tells it.
#[test]
fn the_key_ceremony_from_the_command_line() {
    let bin = env!("CARGO_BIN_EXE_suikang-server");
    let offline = tempfile::tempdir().unwrap();
    let root_file = offline.path().join("root.key");
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("data");
    let run = |args: &[&str]| {
        let out = Command::new(bin)
            .arg("--data")
            .arg(&dir)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).trim().to_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let root_arg = root_file.to_str().unwrap();

    let (ok, _, err) = run(&["root-key"]);
    assert!(!ok && err.contains("sign-trust-list"), "{err}");
    let (ok, public, err) = run(&["new-root-key", "--out", root_arg]);
    assert!(ok, "{err}");
    assert_eq!(public.len(), 64);
    // Never overwritten.
    let (ok, _, err) = run(&["new-root-key", "--out", root_arg]);
    assert!(!ok && err.contains("never overwritten"), "{err}");
    let (ok, _, err) = run(&["sign-trust-list"]);
    assert!(!ok && err.contains("--root-key"), "{err}");
    let (ok, said, err) = run(&[
        "sign-trust-list",
        "--root-key",
        root_arg,
        "--valid-days",
        "2",
    ]);
    assert!(ok, "{err}");
    assert!(said.contains(&public), "{said}");
    // Fresh for the days asked (the list's not_after, issue 12).
    let mut root = [0; 32];
    hex::decode_to_slice(&public, &mut root).unwrap();
    let signed = TrustList::from_signed_json(
        &std::fs::read_to_string(trust_file::signed_list_path(&dir)).unwrap(),
        &[ed25519_dalek::VerifyingKey::from_bytes(&root).unwrap()],
    )
    .unwrap();
    assert_eq!(
        signed.not_after() - signed.issued_at(),
        time::Duration::days(2)
    );
    let (ok, printed, err) = run(&["root-key"]);
    assert!(ok, "{err}");
    assert_eq!(printed, public);
    assert!(!keys::root_key_path(&dir).exists());
    // A rotation on the server tells the operator to sign again.
    let (ok, said, err) = run(&["rotate-key"]);
    assert!(ok, "{err}");
    assert!(said.contains("sign the trust list again"), "{said}");
}
