//! What every scenario needs (`suikang_testkit::api`: a server in process,
//! a real HTTP client, people who sign in the way the phone does), on the
//! database this test binary runs on.
#![allow(dead_code)]

use suikang_server::Policy;
pub use suikang_testkit::api::*;

/// The scenarios run twice: as their own test binaries on SQLite, and
/// included by `on_postgres.rs`, whose servers use PostgreSQL.
pub fn on_postgres() -> bool {
    env!("CARGO_CRATE_NAME") == "on_postgres"
}

pub async fn world() -> World {
    world_with(Policy::default()).await
}

pub async fn world_with(policy: Policy) -> World {
    let database_url = if on_postgres() {
        Some(fresh_postgres().await)
    } else {
        None
    };
    World::start(policy, database_url).await
}
