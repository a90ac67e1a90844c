//! A network that fails in every way a phone meets: after each fault the
//! cache is intact, the last good code still shows, and a declaration made
//! during the fault reaches the server exactly once.

use std::time::Duration as StdDuration;

use suikang_core::{App, NetworkState};
use suikang_protocol::api::Symptom;
use suikang_testkit::*;

async fn setup() -> (Server, FaultProxy, Phone, App) {
    let server = Server::start().await;
    let proxy = FaultProxy::start(server.running.addr).await;
    let (phone, app) =
        Phone::with_own_code(&proxy.url(), server.root(), RESIDENT_NAME, RESIDENT_ID).await;
    (server, proxy, phone, app)
}

/// Declares during `faults` (more faults than retries: the declaration stays
/// queued), checks the phone still shows its code, then lets the network
/// recover and checks the server has the declaration once.
async fn survives(faults: &[Fault]) {
    let (server, proxy, _phone, app) = setup().await;
    let before = app.present(None).unwrap();
    proxy.inject(faults);
    let outcome = app.declare(None, vec![Symptom::Fever], None).await;
    // Whatever the fault did, the code still shows from the cache.
    let during = app.present(None).unwrap();
    assert_eq!(during.code, before.code, "{faults:?}");
    assert_ne!(
        app.status().unwrap().network,
        NetworkState::Online,
        "{faults:?}"
    );

    // The network recovers; syncing delivers whatever is still queued.
    let _ = outcome.unwrap();
    app.sync().await.unwrap();
    app.sync().await.unwrap();
    assert_eq!(app.status().unwrap().queued_actions, 0, "{faults:?}");
    assert_eq!(
        server.count("SELECT count(*) FROM declarations"),
        1,
        "{faults:?}: exactly once"
    );
    assert_eq!(app.present(None).unwrap().code.code_id, before.code.code_id);
    // Reachable again; still "degraded" for a minute after the trouble.
    assert_eq!(app.status().unwrap().network, NetworkState::Degraded);
}

const RETRIES: usize = 3;

#[tokio::test]
async fn the_connection_dropped_before_the_response() {
    survives(&[Fault::DropBeforeResponse; RETRIES]).await;
}

#[tokio::test]
async fn the_connection_dropped_half_way_through_the_response() {
    // The server acted on the first attempt; every retry carries the same
    // idempotency key, so it does not act again.
    survives(&[Fault::DropMidResponse; RETRIES]).await;
}

#[tokio::test]
async fn the_response_delayed_past_the_timeout() {
    survives(&[Fault::Delay(StdDuration::from_secs(3)); RETRIES]).await;
}

#[tokio::test]
async fn the_server_answers_500() {
    survives(&[Fault::ServerError; RETRIES]).await;
}

#[tokio::test]
async fn the_server_answers_429_with_retry_after() {
    survives(&[Fault::TooManyRequests; RETRIES]).await;
}

#[tokio::test]
async fn a_single_fault_is_absorbed_by_a_retry() {
    let (server, proxy, _phone, app) = setup().await;
    proxy.inject(&[Fault::DropMidResponse]);
    let outcome = app.declare(None, vec![Symptom::Cough], None).await.unwrap();
    assert_eq!(outcome, suikang_core::SubmitOutcome::Delivered);
    assert_eq!(server.count("SELECT count(*) FROM declarations"), 1);
    assert_eq!(app.status().unwrap().queued_actions, 0);
}

#[tokio::test]
async fn a_429_is_waited_out_as_retry_after_says() {
    let (_server, proxy, _phone, app) = setup().await;
    proxy.inject(&[Fault::TooManyRequests]);
    let started = std::time::Instant::now();
    app.sync().await.unwrap();
    // Retry-After: 1 — the retry came after the server's second, not the
    // backoff's few milliseconds. (A lower bound only: never an upper one.)
    assert!(started.elapsed() >= StdDuration::from_millis(950));
}

#[tokio::test]
async fn a_request_that_needed_retries_reports_a_degraded_network() {
    let (_server, proxy, _phone, app) = setup().await;
    app.sync().await.unwrap();
    assert_eq!(app.status().unwrap().network, NetworkState::Online);
    proxy.inject(&[Fault::ServerError]);
    app.sync().await.unwrap();
    assert_eq!(app.status().unwrap().network, NetworkState::Degraded);
}
