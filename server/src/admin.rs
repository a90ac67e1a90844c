//! The admin commands' work, shared by the CLI (offline against the data
//! directory) and by in-process callers.

use std::path::Path;

use suikang_protocol::{IssuerEntry, wire_time};
use time::{Duration, OffsetDateTime};

use crate::config::Policy;
use crate::keys::{self, KeyFileError};
use crate::store::{
    Account, AccountId, AccountKind, IssuerKeyRecord, NewAccount, RevokeOutcome, RotateOutcome,
    Store, StoreError, TokenRotation,
};
use crate::tokens::{ACCOUNT_PREFIX, new_token, token_hash};

/// How long a fresh issuer key is valid for.
pub const ISSUER_KEY_LIFETIME: Duration = Duration::days(3650);

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    KeyFile(#[from] KeyFileError),
    #[error("issuer key id {0} is the last one the format allows")]
    KeyIdsExhausted(u8),
    #[error("the issuer has no signing key yet: start the server once")]
    NoIssuerKey,
    #[error("no account has id {0}")]
    NoSuchAccount(i64),
    #[error("account {0} is revoked: create a new account")]
    AccountRevoked(i64),
    #[error("account {0} was already revoked")]
    AlreadyRevoked(i64),
}

/// Creates an authority or institution account and returns its token, which
/// is shown once and kept only hashed. The token expires after the policy's
/// `account_token_lifetime`.
pub async fn create_account(
    store: &dyn Store,
    policy: &Policy,
    kind: AccountKind,
    organisation: &str,
    district: &str,
    display_name: &str,
    now: OffsetDateTime,
) -> Result<(Account, String), StoreError> {
    let token = new_token(ACCOUNT_PREFIX);
    let account = store
        .create_account(NewAccount {
            kind,
            organisation: organisation.to_owned(),
            district: district.to_owned(),
            display_name: display_name.to_owned(),
            token: token_hash(&token),
            at: now,
            expires_at: now + policy.account_token_lifetime,
        })
        .await?;
    Ok((account, token))
}

/// A rotated account's new token, and until when the one it replaced works.
#[derive(Debug)]
pub struct RotatedToken {
    pub account: Account,
    /// Shown once, kept only hashed.
    pub token: String,
    pub old_valid_until: OffsetDateTime,
}

/// Rotates an account's token without downtime: the new token works now
/// and for the policy's `account_token_lifetime`; the old one keeps working
/// for `account_token_grace` (never past its own expiry) or until the
/// account is revoked, so the client can switch in the meantime. Rotating
/// an expired account renews it.
pub async fn rotate_account_token(
    store: &dyn Store,
    policy: &Policy,
    account: AccountId,
    now: OffsetDateTime,
) -> Result<RotatedToken, AdminError> {
    let token = new_token(ACCOUNT_PREFIX);
    // What the store keeps for the old token: never past its own expiry.
    let old_expiry = store
        .accounts()
        .await?
        .into_iter()
        .find(|a| a.id == account)
        .map(|a| a.expires_at);
    let grace_end = now + policy.account_token_grace;
    let old_valid_until = old_expiry.map_or(grace_end, |e| e.min(grace_end));
    match store
        .rotate_account_token(TokenRotation {
            account,
            token: token_hash(&token),
            expires_at: now + policy.account_token_lifetime,
            old_valid_until,
        })
        .await?
    {
        RotateOutcome::Rotated(account) => Ok(RotatedToken {
            account,
            token,
            old_valid_until,
        }),
        RotateOutcome::NotFound => Err(AdminError::NoSuchAccount(account.0)),
        RotateOutcome::Revoked => Err(AdminError::AccountRevoked(account.0)),
    }
}

/// Revokes an account: every token of it is refused (401 `account_revoked`)
/// from now on.
pub async fn revoke_account(
    store: &dyn Store,
    account: AccountId,
    now: OffsetDateTime,
) -> Result<Account, AdminError> {
    match store.revoke_account(account, now).await? {
        RevokeOutcome::Revoked(a) => Ok(a),
        RevokeOutcome::NotFound => Err(AdminError::NoSuchAccount(account.0)),
        RevokeOutcome::AlreadyRevoked => Err(AdminError::AlreadyRevoked(account.0)),
    }
}

/// Puts another issuer's entry in our trust list.
pub async fn add_trusted_issuer(store: &dyn Store, entry: &IssuerEntry) -> Result<(), StoreError> {
    let json = serde_json::to_string(entry).map_err(|e| StoreError::Backend(e.to_string()))?;
    store.put_trusted_issuer(entry.id.0, json).await
}

/// Makes sure the issuer has a signing key: the given one, or the one on
/// disk, or a new one. Returns the key id.
pub async fn ensure_issuer_key(
    store: &dyn Store,
    data_dir: &Path,
    given: Option<&ed25519_dalek::SigningKey>,
    now: OffsetDateTime,
) -> Result<u8, AdminError> {
    let records = store.issuer_keys().await?;
    let on_disk = keys::load_issuer_keys(data_dir)?;
    if let Some(given) = given {
        let public = given.verifying_key().to_bytes();
        if let Some(r) = records.iter().find(|r| r.public_key == public) {
            if !on_disk.contains_key(&r.key_id) {
                keys::write_secret(
                    &keys::issuer_key_path(data_dir, r.key_id),
                    &given.to_bytes(),
                )?;
            }
            return Ok(r.key_id);
        }
        let id = records.iter().map(|r| r.key_id).max().map_or(1, |m| m + 1);
        keys::write_secret(&keys::issuer_key_path(data_dir, id), &given.to_bytes())?;
        store.put_issuer_key(new_record(id, public, now)).await?;
        return Ok(id);
    }
    if let Some(r) = records
        .iter()
        .rev()
        .find(|r| on_disk.contains_key(&r.key_id))
    {
        return Ok(r.key_id);
    }
    let key = keys::generate_signing_key();
    let id = records.iter().map(|r| r.key_id).max().map_or(1, |m| m + 1);
    keys::write_secret(&keys::issuer_key_path(data_dir, id), &key.to_bytes())?;
    store
        .put_issuer_key(new_record(id, key.verifying_key().to_bytes(), now))
        .await?;
    Ok(id)
}

fn new_record(id: u8, public_key: [u8; 32], now: OffsetDateTime) -> IssuerKeyRecord {
    let start = wire_time::truncate_to_minute(now);
    IssuerKeyRecord {
        key_id: id,
        public_key,
        not_before: start,
        not_after: start + ISSUER_KEY_LIFETIME,
    }
}

/// Rotates the issuer key: a new key signs from now on; every older key's
/// window ends once the last credential it could have signed has expired.
pub async fn rotate_issuer_key(
    store: &dyn Store,
    data_dir: &Path,
    policy: &Policy,
    now: OffsetDateTime,
) -> Result<u8, AdminError> {
    let records = store.issuer_keys().await?;
    let newest = records
        .iter()
        .map(|r| r.key_id)
        .max()
        .ok_or(AdminError::NoIssuerKey)?;
    let id = newest
        .checked_add(1)
        .ok_or(AdminError::KeyIdsExhausted(newest))?;
    let key = keys::generate_signing_key();
    keys::write_secret(&keys::issuer_key_path(data_dir, id), &key.to_bytes())?;
    let retire_at = now + policy.longest_validity();
    for old in records {
        if old.not_after > retire_at {
            store
                .put_issuer_key(IssuerKeyRecord {
                    not_after: retire_at,
                    ..old
                })
                .await?;
        }
    }
    store
        .put_issuer_key(new_record(id, key.verifying_key().to_bytes(), now))
        .await?;
    Ok(id)
}
