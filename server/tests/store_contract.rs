//! The store contract (`suikang_server::store::contract`), run against both
//! engines: SQLite in a temporary file, and PostgreSQL in a fresh database
//! of this test binary's throw-away cluster.

use suikang_server::store::contract;

macro_rules! contract_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            use suikang_server::store::{SqliteStore, contract};
            $(
                #[tokio::test]
                async fn $name() {
                    let dir = tempfile::tempdir().unwrap();
                    let store = SqliteStore::open(&dir.path().join("contract.db")).unwrap();
                    contract::$name(&store).await;
                }
            )*
        }
        mod postgres {
            use suikang_server::store::pg_cluster::ThrowawayCluster;
            use suikang_server::store::{PgStore, contract};
            $(
                #[tokio::test]
                async fn $name() {
                    let cluster = ThrowawayCluster::shared().expect("a PostgreSQL cluster");
                    let url = cluster.fresh_database().await.expect("a fresh database");
                    let store = PgStore::connect(&url).await.expect("the store connects");
                    contract::$name(&store).await;
                }
            )*
        }
    };
}

contract_tests!(
    one_person_one_code,
    documents_link_to_one_person,
    a_dependent_who_applies_keeps_the_code,
    dependents_are_limited_and_removable,
    controls_are_audited,
    a_sync_reads_each_persons_own_controls,
    hand_over_accounts_and_residence,
    challenges_answer_once,
    sessions_rotate_and_detect_reuse,
    accounts_are_found_by_token,
    account_tokens_rotate_and_accounts_are_revoked,
    idempotency_keys_are_claimed_once,
    an_effect_and_its_idempotency_mark_commit_together,
    housekeeping_purges_only_what_expired,
    trust_changes_bump_the_sequence,
    racing_writers_get_one_outcome,
    join_requests_need_a_guardians_consent,
    approval_keeps_the_requesters_limit,
);

/// Every function of the contract runs on both engines: a new contract
/// function that is not listed above fails here.
#[test]
fn every_contract_function_is_listed() {
    let source = include_str!("../src/store/contract.rs");
    let listed = include_str!("store_contract.rs");
    for line in source.lines() {
        if let Some(rest) = line.strip_prefix("pub async fn ") {
            let name = rest.split('(').next().unwrap();
            assert!(
                listed.contains(&format!("    {name},")),
                "contract::{name} is not run on both engines"
            );
        }
    }
    let _ = contract::one_person_one_code;
}

/// A database a newer server migrated is refused, not written to, by an
/// older one (a rolling deploy rolled back), as on SQLite.
#[tokio::test]
async fn postgres_refuses_a_database_with_a_newer_schema() {
    use suikang_server::store::pg_cluster::ThrowawayCluster;
    use suikang_server::store::postgres::MIGRATIONS;
    use suikang_server::store::{PgStore, StoreError};
    let cluster = ThrowawayCluster::shared().expect("a PostgreSQL cluster");
    let url = cluster.fresh_database().await.expect("a fresh database");
    let store = PgStore::connect(&url).await.unwrap();
    assert_eq!(
        store.schema_version().await.unwrap(),
        MIGRATIONS.len() as u32
    );
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let newer = MIGRATIONS.len() as i32 + 1;
    client
        .execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)",
            &[&newer],
        )
        .await
        .unwrap();
    match PgStore::connect(&url).await {
        Err(StoreError::NewerSchema { found, known }) => {
            assert_eq!((found, known), (newer as u32, MIGRATIONS.len() as u32));
        }
        Err(other) => panic!("refused for another reason: {other}"),
        Ok(_) => panic!("an older server opened a newer schema"),
    }
}
