//! Housekeeping (issue 12, finding 6): expired login challenges and old
//! idempotency answers are deleted by a background task on a schedule.

mod common;

use std::time::Duration as StdDuration;

use common::*;
use ed25519_dalek::SigningKey;
use reqwest::StatusCode;
use suikang_protocol::api::*;
use time::Duration;

/// Longer than any schedule below: reaching it means nothing was deleted.
const CEILING: StdDuration = StdDuration::from_secs(30);

async fn login_start_keyed(w: &World, key: &str) -> reqwest::Response {
    w.http
        .post(w.url("/v1/login/start"))
        .header("idempotency-key", key)
        .json(&LoginStartRequest {
            name: "张小明".into(),
            document: doc(ZHANG_ID),
        })
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn expired_challenges_and_old_idempotency_answers_are_deleted_on_schedule() {
    let w = world_with(suikang_server::Policy {
        housekeeping_interval: StdDuration::from_millis(100),
        ..Default::default()
    })
    .await;
    let first: FaceChallenge = ok(login_start_keyed(&w, "start-1").await).await;
    // Within the retention a retry gets the first answer back.
    let replayed = login_start_keyed(&w, "start-1").await;
    assert_eq!(
        replayed.headers().get("idempotent-replayed").unwrap(),
        "true"
    );
    let again: FaceChallenge = ok(replayed).await;
    assert_eq!(again.challenge_id, first.challenge_id);
    let device = SigningKey::from_bytes(&[7; 32]);
    let finish = w.finish_request(&first, FaceCapture::Match, &device);

    // Eight days on (past the 7-day retention and the challenge's day of
    // grace), the next pass deletes both.
    w.server.advance_clock(Duration::days(8));
    let purged = tokio::time::timeout(CEILING, async {
        loop {
            let r = w.post("/v1/login/finish", None, &finish).await;
            if r.status() == StatusCode::NOT_FOUND {
                return r;
            }
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
    })
    .await
    .expect("the expired challenge was never deleted");
    refused(purged, StatusCode::NOT_FOUND, ErrorCode::ChallengeNotFound).await;
    let fresh = login_start_keyed(&w, "start-1").await;
    assert!(fresh.headers().get("idempotent-replayed").is_none());
    let fresh: FaceChallenge = ok(fresh).await;
    assert_ne!(fresh.challenge_id, first.challenge_id);
}

/// Each purge deletes by an index (issue 12): on a city's tables a scan
/// would hold the one writer for seconds at every pass.
#[test]
fn each_purge_finds_its_rows_by_an_index() {
    let mut db = rusqlite::Connection::open_in_memory().unwrap();
    suikang_server::store::sqlite::migrate(&mut db).unwrap();
    for (table, column) in [
        ("challenges", "expires_at"),
        ("idempotency", "created_at"),
        ("face_failures", "at"),
    ] {
        let sql = format!("EXPLAIN QUERY PLAN DELETE FROM {table} WHERE {column} < 0");
        let plan: Vec<String> = db
            .prepare(&sql)
            .unwrap()
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(
            plan.iter().any(|step| step.contains("INDEX")),
            "{table} is scanned whole: {plan:?}"
        );
    }
}
