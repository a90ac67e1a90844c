//! Housekeeping (issue 12, finding 6): login challenges, idempotency rows
//! and face-check failures have a use only for a while; a background task
//! deletes them after it, so the tables do not grow without bound. Several
//! replicas on one PostgreSQL may each run it: every pass is a plain
//! `DELETE` of rows no request can still need, so two passes at once
//! delete the same rows once and change nothing else.

use std::sync::{Arc, Weak};

use time::Duration;

use crate::issuer::Issuer;
use crate::store::{PurgeCutoffs, Purged, StoreError};

/// How long a challenge is kept after it expired: a late answer is told
/// `challenge_expired` rather than `challenge_not_found` for this long.
pub const EXPIRED_CHALLENGE_KEPT: Duration = Duration::days(1);

/// One pass: deletes what has had its use by the issuer's clock now.
pub async fn purge_once(issuer: &Issuer) -> Result<Purged, StoreError> {
    let now = issuer.now();
    let policy = &issuer.policy;
    issuer
        .store
        .purge_expired(PurgeCutoffs {
            challenges_expired_before: now - EXPIRED_CHALLENGE_KEPT,
            idempotency_created_before: now - policy.idempotency_retention,
            // The lock-out counts failures within the window only.
            face_failures_before: now - policy.face_failure_window,
        })
        .await
}

/// Runs [`purge_once`] every `policy.housekeeping_interval` while the
/// issuer lives.
pub fn spawn(issuer: &Arc<Issuer>) -> tokio::task::JoinHandle<()> {
    let interval = issuer.policy.housekeeping_interval;
    let issuer: Weak<Issuer> = Arc::downgrade(issuer);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(interval).await;
            let Some(issuer) = issuer.upgrade() else {
                break;
            };
            match purge_once(&issuer).await {
                Ok(purged) if purged != Purged::default() => {
                    tracing::info!(
                        challenges = purged.challenges,
                        idempotency_rows = purged.idempotency_rows,
                        face_failures = purged.face_failures,
                        "housekeeping: expired rows deleted"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "housekeeping failed; next pass retries"),
            }
        }
    })
}
