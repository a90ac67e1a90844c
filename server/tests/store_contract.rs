//! The store contract, run against SQLite. A PostgreSQL store runs the same
//! functions from `suikang_server::store::contract`.

use suikang_server::store::{SqliteStore, contract};

fn store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("contract.db")).unwrap();
    (dir, store)
}

macro_rules! contract_tests {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            let (_dir, store) = store();
            contract::$name(&store).await;
        }
    )*};
}

contract_tests!(
    one_person_one_code,
    a_dependent_who_applies_keeps_the_code,
    dependents_are_limited_and_removable,
    controls_are_audited,
    challenges_answer_once,
    sessions_rotate_and_detect_reuse,
    accounts_are_found_by_token,
    idempotency_keys_are_claimed_once,
    trust_changes_bump_the_sequence,
);
