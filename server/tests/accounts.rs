//! Authority, institution and checkpoint accounts (issue 12, finding 6):
//! their tokens rest only as hashes, expire, are rotated without downtime
//! and can be revoked; an expired or revoked token is refused by name.

mod common;

use common::*;
use reqwest::StatusCode;
use suikang_protocol::api::*;
use suikang_protocol::{AuthorityRole, Relationship};
use suikang_server::admin;
use suikang_server::store::AccountKind;
use time::Duration;

/// The committee's list of codes: what an institution's token opens.
async fn committee_codes(w: &World, token: &str) -> reqwest::Response {
    w.get("/v1/codes", Some(token)).await
}

#[tokio::test]
async fn an_account_token_expires_is_rotated_without_downtime_and_is_revoked() {
    let w = world().await;
    let issuer = &w.server.issuer;
    let (committee, old) = issuer
        .create_account(
            AccountKind::Institution(Relationship::ResidentsCommittee),
            "beijing-street",
            "440104",
            "北京街居委会",
        )
        .await
        .unwrap();
    assert_eq!(
        committee.expires_at,
        committee.created_at + Duration::days(90)
    );
    let _: CodesResponse = ok(committee_codes(&w, &old).await).await;

    // The admin rotates the token: both work during the grace period, so
    // the committee's clients switch over without a refused request.
    let rotated =
        admin::rotate_account_token(&*issuer.store, &issuer.policy, committee.id, issuer.now())
            .await
            .unwrap();
    assert_ne!(rotated.token, old);
    let _: CodesResponse = ok(committee_codes(&w, &old).await).await;
    let _: CodesResponse = ok(committee_codes(&w, &rotated.token).await).await;

    // After the grace period only the new token works.
    w.server
        .advance_clock(Duration::days(7) + Duration::minutes(1));
    refused(
        committee_codes(&w, &old).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::AccountTokenExpired,
    )
    .await;
    let _: CodesResponse = ok(committee_codes(&w, &rotated.token).await).await;

    // Ninety days on, the new one has expired too.
    w.server.advance_clock(Duration::days(90));
    refused(
        committee_codes(&w, &rotated.token).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::AccountTokenExpired,
    )
    .await;

    // Rotating renews it; revoking refuses every token of it at once.
    let renewed =
        admin::rotate_account_token(&*issuer.store, &issuer.policy, committee.id, issuer.now())
            .await
            .unwrap();
    let _: CodesResponse = ok(committee_codes(&w, &renewed.token).await).await;
    admin::revoke_account(&*issuer.store, committee.id, issuer.now())
        .await
        .unwrap();
    refused(
        committee_codes(&w, &renewed.token).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::AccountRevoked,
    )
    .await;
    assert!(matches!(
        admin::rotate_account_token(&*issuer.store, &issuer.policy, committee.id, issuer.now())
            .await,
        Err(admin::AdminError::AccountRevoked(_))
    ));
    // The list shows it revoked, and holds no token.
    let listed = issuer.store.accounts().await.unwrap();
    let entry = listed.iter().find(|a| a.id == committee.id).unwrap();
    assert!(entry.revoked_at.is_some());
    assert!(!format!("{listed:?}").contains("skt_"));
}

#[tokio::test]
async fn a_checkpoints_expired_token_is_refused_by_name() {
    let w = world().await;
    let gate = w.checkpoint().await;
    w.server.advance_clock(Duration::days(91));
    refused(
        w.post(
            "/v1/verify",
            Some(&gate),
            &OnlineVerifyRequest {
                qr_text: "anything".into(),
            },
        )
        .await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::AccountTokenExpired,
    )
    .await;
}

#[tokio::test]
async fn no_account_token_rests_in_the_database_in_the_clear() {
    let w = world().await;
    let issuer = &w.server.issuer;
    let authority = w
        .authority(AuthorityRole::Cdc, "guangzhou-cdc", "440100")
        .await;
    let committee = w
        .server
        .create_institution(Relationship::ResidentsCommittee, "beijing-street", "440104")
        .await
        .unwrap();
    let gate = w.checkpoint().await;
    let (account, _) = issuer
        .create_account(AccountKind::Checkpoint, "school", "440104", "school")
        .await
        .unwrap();
    let rotated =
        admin::rotate_account_token(&*issuer.store, &issuer.policy, account.id, issuer.now())
            .await
            .unwrap();
    let tokens = [authority, committee, gate, rotated.token];
    for token in &tokens {
        assert!(token.starts_with("skt_"));
        // Each works (so it is the real token we look for below).
        let r = w.get("/v1/codes", Some(token)).await;
        assert_ne!(r.status(), StatusCode::UNAUTHORIZED);
    }
    if on_postgres() {
        // The PostgreSQL store's files are the cluster's, not the data
        // folder's; the same Store code writes only the hashes there.
        return;
    }
    let dir = &issuer.data_dir;
    let mut bytes = Vec::new();
    for name in ["suikang.db", "suikang.db-wal"] {
        if let Ok(b) = std::fs::read(dir.join(name)) {
            bytes.extend(b);
        }
    }
    assert!(!bytes.is_empty());
    for token in &tokens {
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "an account token is stored in the clear"
        );
    }
}
