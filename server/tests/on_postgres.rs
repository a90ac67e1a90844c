//! Every server scenario again, on PostgreSQL: this binary includes each
//! scenario file, and `common::world_with` gives its servers a fresh
//! database of this binary's throw-away cluster (one cluster, one database
//! per test) instead of SQLite.

// Each scenario file brings its own `mod common;`, as it does when it is a
// test binary of its own: loaded once per included file here, on purpose.
#![allow(clippy::duplicate_mod)]

#[path = "accounts.rs"]
mod accounts;
#[path = "authority.rs"]
mod authority;
#[path = "bad_input.rs"]
mod bad_input;
#[path = "checkpoint.rs"]
mod checkpoint;
#[path = "codes.rs"]
mod codes;
#[path = "guardianship.rs"]
mod guardianship;
#[path = "housekeeping.rs"]
mod housekeeping;
#[path = "join_requests.rs"]
mod join_requests;
#[path = "login.rs"]
mod login;
#[path = "refusals.rs"]
mod refusals;

/// A scenario file that is not included above would run on SQLite only.
#[test]
fn every_scenario_file_runs_on_postgres_too() {
    // What `common::on_postgres` asks, answered here as in every included file.
    assert_eq!(env!("CARGO_CRATE_NAME"), "on_postgres");
    let tests = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let this = include_str!("on_postgres.rs");
    for entry in std::fs::read_dir(&tests).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if name.ends_with(".rs") && name != "on_postgres.rs" && text.contains("\nmod common;") {
            assert!(
                this.contains(&format!("#[path = \"{name}\"]")),
                "server/tests/{name} runs scenarios but not on PostgreSQL: include it here"
            );
        }
    }
}
