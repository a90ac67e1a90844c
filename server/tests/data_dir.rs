//! The server's data folder (database, keys) is its owner's only: created
//! so, and a looser one is refused at start (a copy of the database or a
//! key file is a session takeover or a forged code).
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use suikang_server::run::{DATABASE_FILE, StartError};
use suikang_server::{FaceVendorSetting, IssuerProfile, ServerConfig, start};

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

#[tokio::test]
async fn the_data_folder_is_created_owner_only_and_a_looser_one_is_refused() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("data");
    let mut config = ServerConfig::new(&dir, IssuerProfile::suikang());
    config.face_vendor = Some(FaceVendorSetting::DevSimulator);
    let server = start(config.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    server.shutdown().await;

    assert_eq!(mode(&dir), 0o700);
    let db = dir.join(DATABASE_FILE);
    for suffix in ["", "-wal", "-shm"] {
        let file = Path::new(&format!("{}{suffix}", db.display())).to_owned();
        if file.exists() {
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
    }
    let keys: Vec<_> = fs::read_dir(dir.join("keys"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(!keys.is_empty());
    for key in &keys {
        assert_eq!(mode(key), 0o600, "{}", key.display());
    }

    // Someone loosened the database, then the folder: the server refuses,
    // saying what to fix.
    for (path, owner_only) in [
        (db.clone(), 0o600),
        (dir.clone(), 0o700),
        (keys[0].clone(), 0o600),
    ] {
        chmod(&path, owner_only | 0o044);
        let refused = start(config.clone(), "127.0.0.1:0".parse().unwrap()).await;
        match refused {
            Err(e @ StartError::DataDirExposed(_)) => {
                assert!(e.to_string().contains("chmod"), "{e}")
            }
            Err(other) => panic!("refused for another reason: {other}"),
            Ok(_) => panic!("started with {} readable by others", path.display()),
        }
        chmod(&path, owner_only);
    }
    let again = start(config, "127.0.0.1:0".parse().unwrap()).await.unwrap();
    again.shutdown().await;
}
