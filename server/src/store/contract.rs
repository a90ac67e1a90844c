//! The contract every [`Store`] must keep, as plain async functions over the
//! trait. `tests/store_contract.rs` runs them against SQLite; a PostgreSQL
//! store runs the very same functions.

use suikang_protocol::{
    AppliedBy, Authority, AuthorityRole, CodeId, Control, ControlReason, DocumentKind, Executor,
    Relationship,
};
use time::{Duration, OffsetDateTime, macros::datetime};

use super::*;

const T0: OffsetDateTime = datetime!(2026-11-28 08:00 UTC);

fn facts(n: u8) -> PersonFacts {
    PersonFacts {
        doc_key: DocKey([n; 32]),
        document_kind: DocumentKind::ResidentId,
        masked_document: "4401**********123X".into(),
        masked_name: Some("张*明".into()),
        name_key: Some(NameKey([n.wrapping_add(50); 32])),
        birth_date: Some(time::macros::date!(1980 - 01 - 01)),
        residence_district: None,
    }
}

fn terms() -> GuardianshipTerms {
    GuardianshipTerms {
        relationship: Relationship::AdultRelative,
        co_resident_declared: true,
        eligibility: r#"{"elder":{"age":72}}"#.into(),
    }
}

fn audit(person: PersonId, reason: ControlReason, action: &str) -> AuditEntry {
    AuditEntry {
        actor: r#"{"role":"cdc"}"#.into(),
        action: action.into(),
        person,
        reason,
        before: "[]".into(),
        after: "[]".into(),
        at: T0,
    }
}

fn tokens(n: u8) -> TokenPair {
    TokenPair {
        access: TokenHash([n; 32]),
        access_expires_at: T0 + Duration::hours(1),
        refresh: TokenHash([n.wrapping_add(100); 32]),
        refresh_expires_at: T0 + Duration::days(30),
    }
}

fn session(person: PersonId, n: u8) -> NewSession {
    let t = tokens(n);
    NewSession {
        person,
        device_key: [n; 32],
        access: t.access,
        access_expires_at: t.access_expires_at,
        refresh: t.refresh,
        refresh_expires_at: t.refresh_expires_at,
        at: T0,
    }
}

/// One person, one code: the same document finds the same person, and a
/// second code is never given.
pub async fn one_person_one_code(store: &dyn Store) {
    let a = store.upsert_person(facts(1), T0).await.unwrap();
    let again = store.upsert_person(facts(1), T0).await.unwrap();
    assert_eq!(a.id, again.id);
    let code = CodeRecord {
        code_id: CodeId(42),
        applied_by: AppliedBy::Holder,
    };
    let (p, created) = store.assign_code(a.id, code, T0).await.unwrap();
    assert!(created);
    assert_eq!(p.code, Some(code));
    let other = CodeRecord {
        code_id: CodeId(43),
        applied_by: AppliedBy::Holder,
    };
    let (p, created) = store.assign_code(a.id, other, T0).await.unwrap();
    assert!(!created);
    assert_eq!(p.code, Some(code));
    assert_eq!(
        store
            .person_by_code(CodeId(42))
            .await
            .unwrap()
            .map(|p| p.id),
        Some(a.id)
    );
    assert_eq!(
        store
            .person_by_doc(DocKey([1; 32]))
            .await
            .unwrap()
            .map(|p| p.id),
        Some(a.id)
    );
}

/// A document the identity check links to a registered person names that
/// person: found by it, signed in with it, and never made a second person;
/// a document that is someone's own already is not taken over.
pub async fn documents_link_to_one_person(store: &dyn Store) {
    let holder = store.upsert_person(facts(1), T0).await.unwrap();
    let linked = store
        .link_document(DocKey([2; 32]), holder.id, T0)
        .await
        .unwrap();
    assert_eq!(linked.id, holder.id);
    assert_eq!(
        store
            .person_by_doc(DocKey([2; 32]))
            .await
            .unwrap()
            .map(|p| p.id),
        Some(holder.id)
    );
    let again = store.upsert_person(facts(2), T0).await.unwrap();
    assert_eq!(
        again.id, holder.id,
        "no second person for a linked document"
    );
    assert_eq!(again.doc_key, DocKey([1; 32]));
    let other = store.upsert_person(facts(3), T0).await.unwrap();
    let kept = store
        .link_document(DocKey([3; 32]), holder.id, T0)
        .await
        .unwrap();
    assert_eq!(kept.id, other.id, "someone's own document stays theirs");
}

/// A proxied code turns into the holder's own (same id) when the holder
/// applies, and the guardian no longer holds it.
pub async fn a_dependent_who_applies_keeps_the_code(store: &dyn Store) {
    let guardian = store.upsert_person(facts(1), T0).await.unwrap();
    let dep = store.upsert_person(facts(2), T0).await.unwrap();
    let g = Guardian::Person(guardian.id);
    let added = store
        .add_dependent(g, dep.id, terms(), Some(10), T0)
        .await
        .unwrap();
    assert_eq!(added, AddDependent::Added);
    let proxied = CodeRecord {
        code_id: CodeId(7),
        applied_by: AppliedBy::Proxy,
    };
    store.assign_code(dep.id, proxied, T0).await.unwrap();
    assert!(store.dependent(g, CodeId(7)).await.unwrap().is_some());
    let later = T0 + Duration::days(1);
    let own = CodeRecord {
        code_id: CodeId(8),
        applied_by: AppliedBy::Holder,
    };
    let (p, created) = store.assign_code(dep.id, own, later).await.unwrap();
    assert!(!created);
    assert_eq!(
        p.code,
        Some(CodeRecord {
            code_id: CodeId(7),
            applied_by: AppliedBy::Holder
        })
    );
    assert_eq!(p.status_changed_at, later);
    assert!(store.dependent(g, CodeId(7)).await.unwrap().is_none());
}

/// The dependents limit holds, and removing one makes room.
pub async fn dependents_are_limited_and_removable(store: &dyn Store) {
    let guardian = store.upsert_person(facts(1), T0).await.unwrap();
    let g = Guardian::Person(guardian.id);
    for n in 2..4 {
        let dep = store.upsert_person(facts(n), T0).await.unwrap();
        let r = store
            .add_dependent(g, dep.id, terms(), Some(2), T0)
            .await
            .unwrap();
        assert_eq!(r, AddDependent::Added);
        assert_eq!(
            store
                .add_dependent(g, dep.id, terms(), Some(2), T0)
                .await
                .unwrap(),
            AddDependent::AlreadyADependent
        );
    }
    let third = store.upsert_person(facts(4), T0).await.unwrap();
    assert_eq!(
        store
            .add_dependent(g, third.id, terms(), Some(2), T0)
            .await
            .unwrap(),
        AddDependent::TooManyDependents
    );
    let second = store.person_by_doc(DocKey([2; 32])).await.unwrap().unwrap();
    assert_eq!(
        store.remove_dependent(g, second.id, T0).await.unwrap(),
        LeaveOutcome::ProxyEnded
    );
    assert_eq!(
        store.remove_dependent(g, second.id, T0).await.unwrap(),
        LeaveOutcome::NotAGuardian
    );
    assert_eq!(
        store
            .add_dependent(g, third.id, terms(), Some(2), T0)
            .await
            .unwrap(),
        AddDependent::Added
    );
    let snapshot = store.codes_snapshot(Some(guardian.id), g).await.unwrap();
    assert_eq!(snapshot.dependents.len(), 2);
    assert_eq!(snapshot.own.unwrap().0.id, guardian.id);
    // An institution has no limit of its own and a separate list.
    let inst = Guardian::Institution(AccountId(1));
    assert!(
        store
            .codes_snapshot(None, inst)
            .await
            .unwrap()
            .dependents
            .is_empty()
    );
}

/// Controls: imposed once, released once, each with an audit line; the
/// status time moves.
pub async fn controls_are_audited(store: &dyn Store) {
    let p = store.upsert_person(facts(1), T0).await.unwrap();
    let cdc = Authority {
        role: AuthorityRole::Cdc,
        organisation: "guangzhou-cdc".into(),
        district: "440100".into(),
    };
    let control = Control::imposed_by(&cdc, ControlReason::CloseContact);
    let first = store
        .impose_control(
            p.id,
            control.clone(),
            audit(p.id, ControlReason::CloseContact, "impose"),
        )
        .await
        .unwrap();
    assert!(matches!(first, ImposeOutcome::Imposed { .. }));
    assert_eq!(
        store
            .impose_control(
                p.id,
                control.clone(),
                audit(p.id, ControlReason::CloseContact, "impose")
            )
            .await
            .unwrap(),
        ImposeOutcome::AlreadyActive
    );
    let active = store.active_controls(p.id).await.unwrap();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].control, control);
    let released = store
        .release_control(
            p.id,
            ControlReason::CloseContact,
            audit(p.id, ControlReason::CloseContact, "release"),
        )
        .await
        .unwrap();
    assert!(matches!(released, ReleaseOutcome::Released { .. }));
    assert_eq!(
        store
            .release_control(
                p.id,
                ControlReason::CloseContact,
                audit(p.id, ControlReason::CloseContact, "release")
            )
            .await
            .unwrap(),
        ReleaseOutcome::NotActive
    );
    assert!(store.active_controls(p.id).await.unwrap().is_empty());
    let log = store.audit_log(p.id).await.unwrap();
    assert_eq!(
        log.iter()
            .map(|r| r.entry.action.as_str())
            .collect::<Vec<_>>(),
        ["impose", "release"]
    );
}

/// What a sync reads: the own person and each dependent in the order they
/// were added, each with exactly their own active controls in the order
/// imposed (released ones gone); by access token, the same with the
/// session, also an ended one (the caller refuses it), and nothing for a
/// token no session has.
pub async fn a_sync_reads_each_persons_own_controls(store: &dyn Store) {
    let me = store.upsert_person(facts(1), T0).await.unwrap();
    let g = Guardian::Person(me.id);
    let elder = store.upsert_person(facts(2), T0).await.unwrap();
    let child = store.upsert_person(facts(3), T0).await.unwrap();
    for dependent in [child.id, elder.id] {
        let added = store.add_dependent(g, dependent, terms(), None, T0);
        assert_eq!(added.await.unwrap(), AddDependent::Added);
    }
    let cdc = Authority {
        role: AuthorityRole::Cdc,
        organisation: "guangzhou-cdc".into(),
        district: "440100".into(),
    };
    let impose = async |person: PersonId, reason: ControlReason, minutes: i64| {
        let mut entry = audit(person, reason, "impose");
        entry.at = T0 + Duration::minutes(minutes);
        let control = Control::imposed_by(&cdc, reason);
        let outcome = store.impose_control(person, control, entry).await.unwrap();
        assert!(matches!(outcome, ImposeOutcome::Imposed { .. }));
    };
    impose(me.id, ControlReason::HomeIsolation, 1).await;
    impose(child.id, ControlReason::ConfirmedCase, 2).await;
    impose(child.id, ControlReason::CloseContact, 3).await;
    impose(child.id, ControlReason::SuspectedCase, 4).await;
    let released = store.release_control(
        child.id,
        ControlReason::CloseContact,
        audit(child.id, ControlReason::CloseContact, "release"),
    );
    assert!(matches!(
        released.await.unwrap(),
        ReleaseOutcome::Released { .. }
    ));

    let reasons = |controls: &[ActiveControl]| {
        controls
            .iter()
            .map(|c| c.control.reason)
            .collect::<Vec<_>>()
    };
    let snapshot = store.codes_snapshot(Some(me.id), g).await.unwrap();
    let (own, own_controls) = snapshot.own.clone().unwrap();
    assert_eq!(own.id, me.id);
    assert_eq!(reasons(&own_controls), [ControlReason::HomeIsolation]);
    let dependents: Vec<_> = snapshot
        .dependents
        .iter()
        .map(|(d, c)| (d.person.id, d.relationship, reasons(c)))
        .collect();
    assert_eq!(
        dependents,
        [
            (
                child.id,
                Relationship::AdultRelative,
                vec![ControlReason::ConfirmedCase, ControlReason::SuspectedCase]
            ),
            (elder.id, Relationship::AdultRelative, vec![]),
        ]
    );
    // An institution's read has no own person.
    let institution = store
        .codes_snapshot(None, Guardian::Institution(AccountId(1)))
        .await
        .unwrap();
    assert_eq!(institution.own, None);
    assert!(institution.dependents.is_empty());

    let signed_in = store.create_session(session(me.id, 7)).await.unwrap();
    let read = store.resident_codes(TokenHash([7; 32])).await.unwrap();
    assert_eq!(read, Some((signed_in.clone(), snapshot.clone())));
    assert_eq!(
        store.resident_codes(TokenHash([8; 32])).await.unwrap(),
        None
    );
    store.create_session(session(me.id, 9)).await.unwrap();
    let (ended, still) = store
        .resident_codes(TokenHash([7; 32]))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ended.id, signed_in.id);
    assert_eq!(ended.ended, Some(SessionEnd::SignedInElsewhere));
    assert_eq!(still, snapshot);
}

/// A control's execution is handed over in place (the control stays
/// active, its executor changes) with an audit line; a control not active
/// is not. Authority accounts are found by organisation; a checkpoint
/// account is read back as one. The first declared residence district
/// stays.
pub async fn hand_over_accounts_and_residence(store: &dyn Store) {
    let p = store
        .upsert_person(
            PersonFacts {
                residence_district: Some("440104".into()),
                ..facts(2)
            },
            T0,
        )
        .await
        .unwrap();
    assert_eq!(p.residence_district.as_deref(), Some("440104"));
    let again = store
        .upsert_person(
            PersonFacts {
                residence_district: Some("440105".into()),
                ..facts(2)
            },
            T0,
        )
        .await
        .unwrap();
    assert_eq!(again.residence_district.as_deref(), Some("440104"));
    let district = Authority {
        role: AuthorityRole::District,
        organisation: "yuexiu-district".into(),
        district: "440104".into(),
    };
    let hospital = Authority {
        role: AuthorityRole::MedicalInstitution,
        organisation: "eighth-hospital".into(),
        district: "440111".into(),
    };
    let control = Control::imposed_by(&district, ControlReason::HomeIsolation);
    store
        .impose_control(
            p.id,
            control,
            audit(p.id, ControlReason::HomeIsolation, "impose"),
        )
        .await
        .unwrap();
    let handed = store
        .hand_over_control(
            p.id,
            ControlReason::HomeIsolation,
            Executor::Authority(hospital.clone()),
            audit(p.id, ControlReason::HomeIsolation, "hand_over"),
        )
        .await
        .unwrap();
    assert!(matches!(handed, HandOverOutcome::HandedOver { .. }));
    let active = store.active_controls(p.id).await.unwrap();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].control.executor, Executor::Authority(hospital));
    assert_eq!(
        store
            .hand_over_control(
                p.id,
                ControlReason::CloseContact,
                Executor::HealthDeclaration,
                audit(p.id, ControlReason::CloseContact, "hand_over"),
            )
            .await
            .unwrap(),
        HandOverOutcome::NotActive
    );
    let actions: Vec<String> = store
        .audit_log(p.id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.entry.action)
        .collect();
    assert_eq!(actions, ["impose", "hand_over"]);

    for (n, kind, organisation) in [
        (21, AccountKind::Checkpoint, "metro-gate"),
        (
            22,
            AccountKind::Authority(AuthorityRole::MedicalInstitution),
            "eighth-hospital",
        ),
    ] {
        store
            .create_account(NewAccount {
                kind,
                organisation: organisation.into(),
                district: "440111".into(),
                display_name: organisation.into(),
                token: TokenHash([n; 32]),
                at: T0,
                expires_at: T0 + Duration::days(90),
            })
            .await
            .unwrap();
    }
    assert_eq!(
        store
            .account_by_token(TokenHash([21; 32]))
            .await
            .unwrap()
            .map(|a| a.account.kind),
        Some(AccountKind::Checkpoint)
    );
    let found = store
        .authority_by_organisation("eighth-hospital".into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        found.kind,
        AccountKind::Authority(AuthorityRole::MedicalInstitution)
    );
    assert_eq!(
        store
            .authority_by_organisation("metro-gate".into())
            .await
            .unwrap(),
        None,
        "a checkpoint is no authority"
    );
}

/// A challenge answers once, and not after it expired.
pub async fn challenges_answer_once(store: &dyn Store) {
    let ch = Challenge {
        id: "c1".into(),
        nonce: [5; 32],
        person: facts(1),
        expires_at: T0 + Duration::minutes(5),
    };
    store.create_challenge(ch.clone()).await.unwrap();
    assert_eq!(
        store.take_challenge("c1".into(), T0).await.unwrap(),
        TakeChallenge::Open(Box::new(ch.clone()))
    );
    assert_eq!(
        store.take_challenge("c1".into(), T0).await.unwrap(),
        TakeChallenge::AlreadyUsed
    );
    assert_eq!(
        store.take_challenge("nope".into(), T0).await.unwrap(),
        TakeChallenge::NotFound
    );
    let late = Challenge {
        id: "c2".into(),
        ..ch
    };
    store.create_challenge(late).await.unwrap();
    assert_eq!(
        store
            .take_challenge("c2".into(), T0 + Duration::minutes(6))
            .await
            .unwrap(),
        TakeChallenge::Expired
    );
    store
        .record_face_failure(DocKey([1; 32]), T0)
        .await
        .unwrap();
    store
        .record_face_failure(DocKey([1; 32]), T0 - Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(
        store
            .face_failures_since(DocKey([1; 32]), T0 - Duration::hours(1))
            .await
            .unwrap(),
        1
    );
}

/// One device per person; refresh rotates; a reused refresh token ends the
/// session.
pub async fn sessions_rotate_and_detect_reuse(store: &dyn Store) {
    let p = store.upsert_person(facts(1), T0).await.unwrap();
    let first = store.create_session(session(p.id, 1)).await.unwrap();
    let second = store.create_session(session(p.id, 2)).await.unwrap();
    assert_eq!(
        store
            .session_by_access(TokenHash([1; 32]))
            .await
            .unwrap()
            .unwrap()
            .ended,
        Some(SessionEnd::SignedInElsewhere)
    );
    assert_eq!(
        store
            .session_by_access(TokenHash([2; 32]))
            .await
            .unwrap()
            .unwrap()
            .id,
        second.id
    );
    assert_ne!(first.id, second.id);
    let rotated = store
        .rotate_refresh(tokens(2).refresh, tokens(3), T0)
        .await
        .unwrap();
    assert!(matches!(rotated, RefreshOutcome::Rotated(ref s) if s.id == second.id));
    assert!(
        store
            .session_by_access(TokenHash([2; 32]))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .session_by_access(TokenHash([3; 32]))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store
            .rotate_refresh(tokens(2).refresh, tokens(4), T0)
            .await
            .unwrap(),
        RefreshOutcome::Reused
    );
    assert_eq!(
        store
            .session_by_access(TokenHash([3; 32]))
            .await
            .unwrap()
            .unwrap()
            .ended,
        Some(SessionEnd::RefreshTokenReused)
    );
    assert_eq!(
        store
            .rotate_refresh(TokenHash([9; 32]), tokens(5), T0)
            .await
            .unwrap(),
        RefreshOutcome::Unknown
    );
    assert_eq!(
        store
            .rotate_refresh(tokens(3).refresh, tokens(6), T0)
            .await
            .unwrap(),
        RefreshOutcome::Ended(SessionEnd::RefreshTokenReused)
    );
}

/// Accounts are found by token hash only.
pub async fn accounts_are_found_by_token(store: &dyn Store) {
    let a = store
        .create_account(NewAccount {
            kind: AccountKind::Institution(Relationship::ResidentsCommittee),
            organisation: "beijing-street".into(),
            district: "440104".into(),
            display_name: "北京街居委会".into(),
            token: TokenHash([7; 32]),
            at: T0,
            expires_at: T0 + Duration::days(90),
        })
        .await
        .unwrap();
    assert_eq!(a.created_at, T0);
    assert_eq!(a.expires_at, T0 + Duration::days(90));
    assert_eq!(a.revoked_at, None);
    assert_eq!(
        store.account_by_token(TokenHash([7; 32])).await.unwrap(),
        Some(AccountToken {
            account: a.clone(),
            token_expires_at: T0 + Duration::days(90),
        })
    );
    assert_eq!(
        store.account_by_token(TokenHash([8; 32])).await.unwrap(),
        None
    );
    assert_eq!(store.accounts().await.unwrap(), vec![a]);
}

/// An account's token is rotated: the new one works to the new expiry, the
/// old one to the end of its grace period; a second rotation kills the
/// first token; a revoked account stays found (so it is refused by name),
/// cannot be rotated, and is listed as revoked.
pub async fn account_tokens_rotate_and_accounts_are_revoked(store: &dyn Store) {
    let new = |n: u8, org: &str| NewAccount {
        kind: AccountKind::Checkpoint,
        organisation: org.into(),
        district: "440104".into(),
        display_name: org.into(),
        token: TokenHash([n; 32]),
        at: T0,
        expires_at: T0 + Duration::days(90),
    };
    let gate = store.create_account(new(1, "metro-gate")).await.unwrap();
    let other = store.create_account(new(2, "school")).await.unwrap();
    let later = T0 + Duration::days(10);
    let rotated = store
        .rotate_account_token(TokenRotation {
            account: gate.id,
            token: TokenHash([3; 32]),
            expires_at: later + Duration::days(90),
            old_valid_until: later + Duration::days(7),
        })
        .await
        .unwrap();
    let RotateOutcome::Rotated(rotated) = rotated else {
        panic!("not rotated: {rotated:?}")
    };
    assert_eq!(rotated.expires_at, later + Duration::days(90));
    let found = |n: u8| store.account_by_token(TokenHash([n; 32]));
    let by_new = found(3).await.unwrap().unwrap();
    assert_eq!(by_new.account.id, gate.id);
    assert_eq!(by_new.token_expires_at, later + Duration::days(90));
    let by_old = found(1).await.unwrap().unwrap();
    assert_eq!(by_old.account.id, gate.id);
    assert_eq!(by_old.token_expires_at, later + Duration::days(7));

    // Rotating again: the first token is gone, the second is in its grace.
    let RotateOutcome::Rotated(_) = store
        .rotate_account_token(TokenRotation {
            account: gate.id,
            token: TokenHash([4; 32]),
            expires_at: later + Duration::days(91),
            old_valid_until: later + Duration::days(8),
        })
        .await
        .unwrap()
    else {
        panic!("not rotated")
    };
    assert_eq!(found(1).await.unwrap(), None);
    assert_eq!(
        found(3).await.unwrap().unwrap().token_expires_at,
        later + Duration::days(8)
    );
    // The other account is untouched.
    assert_eq!(found(2).await.unwrap().unwrap().account, other);

    let revoked = store.revoke_account(gate.id, later).await.unwrap();
    let RevokeOutcome::Revoked(revoked) = revoked else {
        panic!("not revoked: {revoked:?}")
    };
    assert_eq!(revoked.revoked_at, Some(later));
    for token in [3, 4] {
        assert_eq!(
            found(token).await.unwrap().unwrap().account.revoked_at,
            Some(later)
        );
    }
    assert_eq!(
        store.revoke_account(gate.id, later).await.unwrap(),
        RevokeOutcome::AlreadyRevoked
    );
    assert_eq!(
        store
            .rotate_account_token(TokenRotation {
                account: gate.id,
                token: TokenHash([5; 32]),
                expires_at: later + Duration::days(90),
                old_valid_until: later,
            })
            .await
            .unwrap(),
        RotateOutcome::Revoked
    );
    assert_eq!(found(5).await.unwrap(), None);
    assert_eq!(
        store.revoke_account(AccountId(9999), later).await.unwrap(),
        RevokeOutcome::NotFound
    );
    let listed = store.accounts().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].revoked_at, Some(later));
    assert_eq!(listed[1], other);
}

/// Housekeeping deletes only what is past its cutoff; a second pass at
/// once (another replica) deletes nothing more.
pub async fn housekeeping_purges_only_what_expired(store: &dyn Store) {
    let challenge = |id: &str, expires_at| Challenge {
        id: id.into(),
        nonce: [5; 32],
        person: facts(1),
        expires_at,
    };
    store
        .create_challenge(challenge("old", T0 + Duration::minutes(5)))
        .await
        .unwrap();
    let later = T0 + Duration::days(3);
    store
        .create_challenge(challenge("new", later + Duration::minutes(5)))
        .await
        .unwrap();
    let claim = |key: &str, at| store.claim_idempotency_key([1; 32], key.into(), [2; 32], at);
    assert_eq!(claim("old", T0).await.unwrap(), IdempotencyClaim::Claimed);
    let response = StoredResponse {
        request_hash: [2; 32],
        status: 200,
        body: b"{}".to_vec(),
    };
    store
        .complete_idempotency_key([1; 32], "old".into(), response.clone())
        .await
        .unwrap();
    assert_eq!(
        claim("new", later).await.unwrap(),
        IdempotencyClaim::Claimed
    );
    store
        .record_face_failure(DocKey([1; 32]), T0)
        .await
        .unwrap();
    store
        .record_face_failure(DocKey([1; 32]), later)
        .await
        .unwrap();

    let cutoffs = PurgeCutoffs {
        challenges_expired_before: T0 + Duration::days(1),
        idempotency_created_before: T0 + Duration::days(1),
        face_failures_before: T0 + Duration::days(1),
    };
    assert_eq!(
        store.purge_expired(cutoffs).await.unwrap(),
        Purged {
            challenges: 1,
            idempotency_rows: 1,
            face_failures: 1,
        }
    );
    assert_eq!(
        store.purge_expired(cutoffs).await.unwrap(),
        Purged::default()
    );
    assert_eq!(
        store.take_challenge("old".into(), later).await.unwrap(),
        TakeChallenge::NotFound
    );
    assert!(matches!(
        store.take_challenge("new".into(), later).await.unwrap(),
        TakeChallenge::Open(_)
    ));
    // The old key is free again; the new one still in flight.
    assert_eq!(
        claim("old", later).await.unwrap(),
        IdempotencyClaim::Claimed
    );
    assert_eq!(
        claim("new", later).await.unwrap(),
        IdempotencyClaim::InFlight {
            request_hash: [2; 32]
        }
    );
    assert_eq!(
        store
            .face_failures_since(DocKey([1; 32]), T0 - Duration::days(1))
            .await
            .unwrap(),
        1
    );
}

/// An idempotency key is claimed before its request runs: a racing retry
/// sees it in flight, a later one gets the first response, an abandoned or
/// stale claim is taken over, and another caller's key is another key.
pub async fn idempotency_keys_are_claimed_once(store: &dyn Store) {
    let scope = [1; 32];
    let hash = [2; 32];
    let claim = |scope, key: &str, at| store.claim_idempotency_key(scope, key.into(), hash, at);
    assert_eq!(
        claim(scope, "k", T0).await.unwrap(),
        IdempotencyClaim::Claimed
    );
    assert_eq!(
        claim(scope, "k", T0 + Duration::seconds(1)).await.unwrap(),
        IdempotencyClaim::InFlight { request_hash: hash }
    );
    assert_eq!(
        claim([3; 32], "k", T0).await.unwrap(),
        IdempotencyClaim::Claimed
    );

    let first = StoredResponse {
        request_hash: hash,
        status: 200,
        body: b"first".to_vec(),
    };
    store
        .complete_idempotency_key(scope, "k".into(), first.clone())
        .await
        .unwrap();
    let second = StoredResponse {
        body: b"second".to_vec(),
        ..first.clone()
    };
    store
        .complete_idempotency_key(scope, "k".into(), second)
        .await
        .unwrap();
    assert_eq!(
        claim(scope, "k", T0 + Duration::days(1)).await.unwrap(),
        IdempotencyClaim::Done(first)
    );

    // A failed request gives its claim up; a crashed one loses it in time.
    assert_eq!(
        claim(scope, "failed", T0).await.unwrap(),
        IdempotencyClaim::Claimed
    );
    store
        .abandon_idempotency_key(scope, "failed".into())
        .await
        .unwrap();
    assert_eq!(
        claim(scope, "failed", T0).await.unwrap(),
        IdempotencyClaim::Claimed
    );
    let later = T0 + IDEMPOTENCY_CLAIM_TIMEOUT + Duration::seconds(1);
    assert_eq!(
        claim(scope, "failed", later).await.unwrap(),
        IdempotencyClaim::Claimed
    );
}

/// Issue 12: a request's effect and the mark that it took effect commit in
/// one transaction. If the server stops before it keeps the response, a
/// retry after the claim timeout is not given the key again (before, it
/// was, and the effect ran twice): it learns the request was applied.
pub async fn an_effect_and_its_idempotency_mark_commit_together(store: &dyn Store) {
    let p = store.upsert_person(facts(1), T0).await.unwrap();
    let declaration = || Declaration {
        person: p.id,
        declared_by: "self".into(),
        symptoms: "[\"fever\"]".into(),
        travel: None,
        at: T0,
        district: Some("440104".into()),
    };
    let claimed = ClaimedKey {
        scope: [5; 32],
        key: "declare".into(),
        request_hash: [6; 32],
    };
    let claim = |key: &str, at| {
        store.claim_idempotency_key(claimed.scope, key.into(), claimed.request_hash, at)
    };
    assert_eq!(
        claim("declare", T0).await.unwrap(),
        IdempotencyClaim::Claimed
    );
    // The request holding the claim declares; the server stops before the
    // response is kept.
    CLAIMED_KEY
        .scope(claimed.clone(), store.record_declaration(declaration()))
        .await
        .unwrap();
    assert_eq!(
        claim("declare", T0 + Duration::seconds(1)).await.unwrap(),
        IdempotencyClaim::InFlight {
            request_hash: claimed.request_hash
        },
        "a retry while the first attempt may still answer waits"
    );
    let later = T0 + IDEMPOTENCY_CLAIM_TIMEOUT + Duration::seconds(1);
    for at in [later, later + Duration::days(1)] {
        assert_eq!(
            claim("declare", at).await.unwrap(),
            IdempotencyClaim::Applied {
                request_hash: claimed.request_hash
            },
            "an applied request is never run again"
        );
    }
    // Giving the claim up (a 5xx after the effect) keeps the mark.
    store
        .abandon_idempotency_key(claimed.scope, "declare".into())
        .await
        .unwrap();
    assert!(matches!(
        claim("declare", later).await.unwrap(),
        IdempotencyClaim::Applied { .. }
    ));
    // A response kept after all is the answer from then on.
    let answer = StoredResponse {
        request_hash: claimed.request_hash,
        status: 201,
        body: b"declared".to_vec(),
    };
    store
        .complete_idempotency_key(claimed.scope, "declare".into(), answer.clone())
        .await
        .unwrap();
    assert_eq!(
        claim("declare", later).await.unwrap(),
        IdempotencyClaim::Done(answer)
    );

    // A write outside the request marks nothing: a claim whose request
    // died before any effect is taken over.
    assert_eq!(claim("quiet", T0).await.unwrap(), IdempotencyClaim::Claimed);
    store.record_declaration(declaration()).await.unwrap();
    assert_eq!(
        claim("quiet", later).await.unwrap(),
        IdempotencyClaim::Claimed
    );

    // Every write marks, a one-statement one too: a login's challenge and
    // its use, a face failure, an account.
    let challenge = Challenge {
        id: "c-claimed".into(),
        nonce: [5; 32],
        person: facts(2),
        expires_at: T0 + Duration::minutes(5),
    };
    let account = NewAccount {
        kind: AccountKind::Checkpoint,
        organisation: "gate-1".into(),
        district: "440104".into(),
        display_name: "闸机".into(),
        token: TokenHash([9; 32]),
        at: T0,
        expires_at: T0 + Duration::days(90),
    };
    let writes: [(&str, StoreFuture<'_, ()>); 4] = [
        ("challenge", store.create_challenge(challenge)),
        (
            "take",
            Box::pin(async {
                let taken = store.take_challenge("c-claimed".into(), T0).await?;
                assert!(matches!(taken, TakeChallenge::Open(_)));
                Ok(())
            }),
        ),
        ("face", store.record_face_failure(DocKey([2; 32]), T0)),
        (
            "account",
            Box::pin(async { store.create_account(account).await.map(|_| ()) }),
        ),
    ];
    for (key, write) in writes {
        assert_eq!(claim(key, T0).await.unwrap(), IdempotencyClaim::Claimed);
        let claimed = ClaimedKey {
            key: key.into(),
            ..claimed.clone()
        };
        CLAIMED_KEY.scope(claimed, write).await.unwrap();
        assert!(
            matches!(
                claim(key, later).await.unwrap(),
                IdempotencyClaim::Applied { .. }
            ),
            "{key}: the write left its claim open"
        );
    }
}

/// Keys and trusted issuers change the trust list's sequence.
pub async fn trust_changes_bump_the_sequence(store: &dyn Store) {
    let s0 = store.trust_sequence().await.unwrap();
    let key = IssuerKeyRecord {
        key_id: 1,
        public_key: [9; 32],
        not_before: T0,
        not_after: T0 + Duration::days(365),
    };
    store.put_issuer_key(key.clone()).await.unwrap();
    assert_eq!(store.issuer_keys().await.unwrap(), [key]);
    store.put_trusted_issuer(2, "{}".into()).await.unwrap();
    assert_eq!(
        store.trusted_issuers().await.unwrap(),
        [(2, "{}".to_string())]
    );
    assert!(store.trust_sequence().await.unwrap() >= s0 + 2);
}

/// Two servers acting at the same moment (replicas on one database) get
/// one outcome: one rotation of a refresh token and the other sees it
/// reused, one imposed control, one idempotency claim, one live session.
pub async fn racing_writers_get_one_outcome(store: &dyn Store) {
    let p = store.upsert_person(facts(1), T0).await.unwrap();
    store.create_session(session(p.id, 1)).await.unwrap();
    let (a, b) = tokio::join!(
        store.rotate_refresh(tokens(1).refresh, tokens(2), T0),
        store.rotate_refresh(tokens(1).refresh, tokens(3), T0),
    );
    let mut outcomes = [a.unwrap(), b.unwrap()];
    outcomes.sort_by_key(|o| matches!(o, RefreshOutcome::Rotated(_)));
    assert_eq!(outcomes[0], RefreshOutcome::Reused);
    assert!(matches!(outcomes[1], RefreshOutcome::Rotated(_)));

    let cdc = Authority {
        role: AuthorityRole::Cdc,
        organisation: "guangzhou-cdc".into(),
        district: "440100".into(),
    };
    let control = Control::imposed_by(&cdc, ControlReason::CloseContact);
    let impose = || {
        store.impose_control(
            p.id,
            control.clone(),
            audit(p.id, ControlReason::CloseContact, "impose"),
        )
    };
    let (a, b) = tokio::join!(impose(), impose());
    let imposed = [a.unwrap(), b.unwrap()]
        .iter()
        .filter(|o| matches!(o, ImposeOutcome::Imposed { .. }))
        .count();
    assert_eq!(imposed, 1);
    assert_eq!(store.active_controls(p.id).await.unwrap().len(), 1);
    assert_eq!(store.audit_log(p.id).await.unwrap().len(), 1);

    let claim = || store.claim_idempotency_key([1; 32], "k".into(), [2; 32], T0);
    let (a, b) = tokio::join!(claim(), claim());
    let claimed = [a.unwrap(), b.unwrap()]
        .iter()
        .filter(|c| **c == IdempotencyClaim::Claimed)
        .count();
    assert_eq!(claimed, 1);

    let q = store.upsert_person(facts(2), T0).await.unwrap();
    let (a, b) = tokio::join!(
        store.create_session(session(q.id, 4)),
        store.create_session(session(q.id, 5)),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let live = [a.id, b.id];
    let mut still_live = 0;
    for n in [4, 5] {
        let s = store
            .session_by_access(TokenHash([n; 32]))
            .await
            .unwrap()
            .unwrap();
        assert!(live.contains(&s.id));
        if s.ended.is_none() {
            still_live += 1;
        }
    }
    assert_eq!(still_live, 1, "one device per person");

    let (a, b) = tokio::join!(
        store.upsert_person(facts(3), T0),
        store.upsert_person(facts(3), T0),
    );
    assert_eq!(a.unwrap().id, b.unwrap().id, "one person per document");
}

/// Guardianship consent (DESIGN §2): a join request is stored once per
/// requester and person, listed only to the dependent's guardians, decided
/// once by one of them; approval makes the requester a guardian, decline
/// does not; the last guardian leaving ends the proxy holding and lapses
/// what still waits. Every step is in the guardianship log.
pub async fn join_requests_need_a_guardians_consent(store: &dyn Store) {
    let first = store.upsert_person(facts(1), T0).await.unwrap();
    let stranger = store.upsert_person(facts(2), T0).await.unwrap();
    let relative = store.upsert_person(facts(3), T0).await.unwrap();
    let grandmother = store.upsert_person(facts(4), T0).await.unwrap();
    let (g1, gs, gr) = (
        Guardian::Person(first.id),
        Guardian::Person(stranger.id),
        Guardian::Person(relative.id),
    );
    store
        .add_dependent(g1, grandmother.id, terms(), Some(5), T0)
        .await
        .unwrap();
    let code = CodeRecord {
        code_id: CodeId(77),
        applied_by: AppliedBy::Proxy,
    };
    store.assign_code(grandmother.id, code, T0).await.unwrap();
    let ask = |id: u64, requester: Guardian| NewJoinRequest {
        id: JoinRequestId(id),
        dependent: grandmother.id,
        requester,
        terms: terms(),
        at: T0 + Duration::minutes(1),
    };
    assert_eq!(
        store.request_to_join(ask(1001, gs)).await.unwrap(),
        JoinOutcome::Requested(JoinRequestId(1001))
    );
    assert_eq!(
        store.request_to_join(ask(1002, gs)).await.unwrap(),
        JoinOutcome::AlreadyPending(JoinRequestId(1001)),
        "one waiting request per requester and person"
    );
    // Within the same second, and with a smaller (random) id: still listed
    // second, in the order asked (oldest first).
    store.request_to_join(ask(501, gr)).await.unwrap();

    let waiting = store.pending_join_requests(g1, None).await.unwrap();
    assert_eq!(
        waiting.iter().map(|r| r.id).collect::<Vec<_>>(),
        [JoinRequestId(1001), JoinRequestId(501)]
    );
    assert_eq!(waiting[0].requester, gs);
    assert_eq!(waiting[0].requester_masked_name, "张*明");
    assert_eq!(waiting[0].dependent_code, Some(CodeId(77)));
    assert_eq!(waiting[0].state, JoinState::Pending);
    assert!(
        store
            .pending_join_requests(gs, None)
            .await
            .unwrap()
            .is_empty()
    );

    let decide = |id: u64, by: Guardian, approve: bool| JoinDecisionInput {
        request: JoinRequestId(id),
        by,
        committee_of: None,
        approve,
        max_relative_dependents: 5,
        at: T0 + Duration::minutes(2),
    };
    // Only a guardian decides; an unknown id is not found.
    assert_eq!(
        store
            .decide_join_request(decide(1001, gr, true))
            .await
            .unwrap(),
        DecideOutcome::NotYourDependent
    );
    assert_eq!(
        store
            .decide_join_request(decide(9, g1, true))
            .await
            .unwrap(),
        DecideOutcome::NotFound
    );
    assert!(matches!(
        store.decide_join_request(decide(1001, g1, false)).await.unwrap(),
        DecideOutcome::Declined(r) if r.state == JoinState::Declined
    ));
    assert!(store.dependent(gs, CodeId(77)).await.unwrap().is_none());
    assert_eq!(
        store
            .decide_join_request(decide(1001, g1, true))
            .await
            .unwrap(),
        DecideOutcome::AlreadyDecided
    );
    assert!(matches!(
        store
            .decide_join_request(decide(501, g1, true))
            .await
            .unwrap(),
        DecideOutcome::Approved(_)
    ));
    let held = store.dependent(gr, CodeId(77)).await.unwrap().unwrap();
    assert_eq!(held.relationship, Relationship::AdultRelative);
    assert_eq!(store.guardians_of(grandmother.id).await.unwrap(), [g1, gr]);
    assert!(
        store
            .pending_join_requests(g1, None)
            .await
            .unwrap()
            .is_empty()
    );

    // Declined, the stranger asking again within the quiet days reaches
    // nobody: nothing is stored. After them, the guardians are asked anew.
    let later = |id: u64, days: i64| NewJoinRequest {
        at: T0 + Duration::days(days),
        ..ask(id, gs)
    };
    assert_eq!(
        store.request_to_join(later(2999, 1)).await.unwrap(),
        JoinOutcome::RecentlyDeclined(JoinRequestId(1001))
    );
    assert_eq!(store.join_request(JoinRequestId(2999)).await.unwrap(), None);
    assert_eq!(
        store
            .request_to_join(later(3001, DECLINED_QUIET_DAYS + 1))
            .await
            .unwrap(),
        JoinOutcome::Requested(JoinRequestId(3001))
    );
    // Both guardians leave: the proxy holding ends, the code stays, the
    // waiting request lapses.
    assert_eq!(
        store
            .remove_dependent(g1, grandmother.id, T0)
            .await
            .unwrap(),
        LeaveOutcome::Left { guardians_left: 1 }
    );
    assert_eq!(
        store
            .remove_dependent(gr, grandmother.id, T0)
            .await
            .unwrap(),
        LeaveOutcome::ProxyEnded
    );
    assert!(store.guardians_of(grandmother.id).await.unwrap().is_empty());
    assert_eq!(
        store.person(grandmother.id).await.unwrap().unwrap().code,
        Some(code)
    );
    assert_eq!(
        store
            .join_request(JoinRequestId(3001))
            .await
            .unwrap()
            .unwrap()
            .state,
        JoinState::Lapsed
    );

    use GuardianshipAction::*;
    let log = store.guardianship_log(grandmother.id).await.unwrap();
    assert_eq!(
        log.iter().map(|e| (e.actor, e.action)).collect::<Vec<_>>(),
        [
            (g1, GuardianAdded),
            (gs, JoinRequested),
            (gr, JoinRequested),
            (g1, JoinDeclined),
            (gr, GuardianAdded),
            (g1, JoinApproved),
            (gs, JoinRequested),
            (g1, GuardianLeft),
            (gr, GuardianLeft),
            (gr, ProxyEnded),
        ]
    );
    assert!(log[0].details.contains(r#""age":72"#), "{}", log[0].details);
}

/// A relative at the dependents limit is not made a guardian by approval:
/// nothing changes and the request still waits.
pub async fn approval_keeps_the_requesters_limit(store: &dyn Store) {
    let guardian = store.upsert_person(facts(1), T0).await.unwrap();
    let busy = store.upsert_person(facts(2), T0).await.unwrap();
    let dep = store.upsert_person(facts(3), T0).await.unwrap();
    let other = store.upsert_person(facts(4), T0).await.unwrap();
    let (g, b) = (Guardian::Person(guardian.id), Guardian::Person(busy.id));
    store
        .add_dependent(g, dep.id, terms(), None, T0)
        .await
        .unwrap();
    store
        .add_dependent(b, other.id, terms(), None, T0)
        .await
        .unwrap();
    let code = CodeRecord {
        code_id: CodeId(5),
        applied_by: AppliedBy::Proxy,
    };
    store.assign_code(dep.id, code, T0).await.unwrap();
    store
        .request_to_join(NewJoinRequest {
            id: JoinRequestId(1),
            dependent: dep.id,
            requester: b,
            terms: terms(),
            at: T0,
        })
        .await
        .unwrap();
    let log_before = store.guardianship_log(dep.id).await.unwrap();
    assert_eq!(
        store
            .decide_join_request(JoinDecisionInput {
                request: JoinRequestId(1),
                by: g,
                committee_of: None,
                approve: true,
                max_relative_dependents: 1,
                at: T0,
            })
            .await
            .unwrap(),
        DecideOutcome::TooManyDependents
    );
    assert_eq!(store.guardianship_log(dep.id).await.unwrap(), log_before);
    assert_eq!(
        store
            .join_request(JoinRequestId(1))
            .await
            .unwrap()
            .unwrap()
            .state,
        JoinState::Pending
    );
    assert!(store.dependent(b, CodeId(5)).await.unwrap().is_none());
}
