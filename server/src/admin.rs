//! The admin commands' work, shared by the CLI (offline against the data
//! directory) and by in-process callers.

use std::path::Path;

use suikang_protocol::{IssuerEntry, wire_time};
use time::{Duration, OffsetDateTime};

use crate::config::Policy;
use crate::keys::{self, KeyFileError};
use crate::store::{Account, AccountKind, IssuerKeyRecord, NewAccount, Store, StoreError};
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
}

/// Creates an authority or institution account and returns its token, which
/// is shown once and kept only hashed.
pub async fn create_account(
    store: &dyn Store,
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
        })
        .await?;
    Ok((account, token))
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
