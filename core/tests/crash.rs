//! A phone killed in the middle of a cache write (the OS reclaims the app,
//! the battery dies) opens again with the last good codes: never half of
//! one sync and half of another.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use suikang_core::FileSecretStore;
use suikang_core::cache::Cache;

const CHILD_DIR: &str = "SUIKANG_CRASH_TEST_DIR";
const CODES: usize = 20;

/// The codes of sync number `generation`, large enough that writing them
/// takes a while.
fn codes(generation: u64) -> Vec<(String, String)> {
    (0..CODES)
        .map(|i| {
            (
                format!("{i:016x}"),
                format!("sync {generation}: {}", "x".repeat(8 * 1024)),
            )
        })
        .collect()
}

// Ignored: it is the child process of the test below, which runs it with
// `--ignored --exact`; on its own it would write forever.
#[test]
#[ignore = "the child process of a_cache_write_killed_half_way_leaves_the_last_good_codes"]
fn cache_writer_child_process() {
    let dir =
        std::path::PathBuf::from(std::env::var(CHILD_DIR).expect("spawned by the crash test"));
    let secrets = FileSecretStore::new(dir.join("secrets")).unwrap();
    let (mut cache, _) = Cache::open(&dir.join("cache.db"), &secrets).unwrap();
    for generation in 0.. {
        cache.replace_codes(&codes(generation)).unwrap();
        if generation == 3 {
            println!("ready");
        }
    }
}

#[test]
fn a_cache_write_killed_half_way_leaves_the_last_good_codes() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..3 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                "cache_writer_child_process",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DIR, dir.path())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        for line in lines {
            if line.unwrap().contains("ready") {
                break;
            }
        }
        // Somewhere in the middle of a later write.
        std::thread::sleep(Duration::from_millis(50 + 37 * round));
        child.kill().unwrap();
        child.wait().unwrap();

        let secrets = FileSecretStore::new(dir.path().join("secrets")).unwrap();
        let (cache, recovery) = Cache::open(&dir.path().join("cache.db"), &secrets).unwrap();
        assert_eq!(recovery, None, "round {round}: the cache opens as it was");
        let rows: Vec<String> = cache.codes().unwrap();
        assert_eq!(rows.len(), CODES, "round {round}");
        let generation = rows[0].split(':').next().unwrap().to_owned();
        assert!(
            rows.iter()
                .all(|r| r.starts_with(&format!("{generation}:"))),
            "round {round}: one sync's codes, not a mix"
        );
    }
}
