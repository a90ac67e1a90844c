//! The encrypted cache: what the phone needs to show codes offline, and the
//! actions waiting for the network. SQLite (WAL) with every personal value
//! sealed under the data key ([`crate::seal`]); the data key lives in the
//! keystore, never here.
//!
//! Failure is never a crash and never wrong data: a lost key, a corrupt file
//! or a failed migration wipes the cache and says so ([`CacheRecovery`]), and
//! the next sync fills it again.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Serialize, de::DeserializeOwned};
use zeroize::Zeroizing;

use crate::error::CoreError;
use crate::seal::DataKey;
use crate::secrets::{SecretStore, names};

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = 2;

/// The schema of a fresh cache, at [`SCHEMA_VERSION`].
const CREATE: &str = "
    CREATE TABLE meta (name TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL);
    CREATE TABLE codes (code_id TEXT PRIMARY KEY NOT NULL, position INTEGER NOT NULL, sealed BLOB NOT NULL);
    CREATE TABLE outbox (seq INTEGER PRIMARY KEY NOT NULL, sealed BLOB NOT NULL, attempts INTEGER NOT NULL DEFAULT 0);
";

/// The upgrade from each version to the next: `UPGRADES[0]` takes 1 to 2.
const UPGRADES: &[&str] = &[
    // 2: count delivery attempts of queued actions, for the UI and backoff.
    "ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;",
];

/// The first shipped schema, kept to test the upgrade path.
#[cfg(test)]
const CREATE_V1: &str = "
    CREATE TABLE meta (name TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL);
    CREATE TABLE codes (code_id TEXT PRIMARY KEY NOT NULL, position INTEGER NOT NULL, sealed BLOB NOT NULL);
    CREATE TABLE outbox (seq INTEGER PRIMARY KEY NOT NULL, sealed BLOB NOT NULL);
";

const CANARY: &[u8] = b"suikang cache canary v1";

/// Why the cache was wiped on opening. The UI says the codes are being
/// fetched again; nothing stale or foreign is ever shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheRecovery {
    /// The data key is gone from the keystore (a restore to a new phone, a
    /// cleared keychain): the sealed data cannot be read.
    KeyLost,
    /// The data does not open with the key: altered or damaged.
    DataCorrupt,
    /// The file is not a readable database.
    FileCorrupt,
    /// The schema could not be brought to this version.
    MigrationFailed,
}

pub struct Cache {
    conn: Connection,
    key: DataKey,
    path: PathBuf,
}

/// What went wrong while opening, before the decision to wipe.
enum OpenFailure {
    Recover(CacheRecovery),
    Fatal(CoreError),
}

impl From<rusqlite::Error> for OpenFailure {
    fn from(_: rusqlite::Error) -> Self {
        OpenFailure::Recover(CacheRecovery::FileCorrupt)
    }
}

impl Cache {
    /// Opens (or creates) the cache at `path`, with the data key from
    /// `secrets`. Returns why it had to start over, if it did.
    pub fn open(
        path: &Path,
        secrets: &dyn SecretStore,
    ) -> Result<(Cache, Option<CacheRecovery>), CoreError> {
        match Cache::try_open(path, secrets) {
            Ok(cache) => Ok((cache, None)),
            Err(OpenFailure::Fatal(e)) => Err(e),
            Err(OpenFailure::Recover(reason)) => {
                tracing::warn!(
                    ?reason,
                    "cache unusable: wiping it, the next sync fills it again"
                );
                remove_database(path)?;
                if reason == CacheRecovery::KeyLost || reason == CacheRecovery::DataCorrupt {
                    secrets.delete(names::DATA_KEY)?;
                }
                match Cache::try_open(path, secrets) {
                    Ok(cache) => Ok((cache, Some(reason))),
                    Err(OpenFailure::Fatal(e)) => Err(e),
                    Err(OpenFailure::Recover(_)) => {
                        Err(CoreError::Storage("the cache cannot be created".into()))
                    }
                }
            }
        }
    }

    fn try_open(path: &Path, secrets: &dyn SecretStore) -> Result<Cache, OpenFailure> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn)?;
        let stored_key = secrets
            .load(names::DATA_KEY)
            .map_err(|e| OpenFailure::Fatal(e.into()))?;
        let canary: Option<Vec<u8>> = conn
            .query_row("SELECT value FROM meta WHERE name = 'canary'", [], |r| {
                r.get(0)
            })
            .optional()?;
        let key = match (stored_key, canary) {
            (Some(bytes), Some(canary)) => {
                let key = DataKey::from_bytes(&bytes)
                    .ok_or(OpenFailure::Recover(CacheRecovery::KeyLost))?;
                match key.open(b"meta/canary", &canary) {
                    Ok(plain) if plain.as_slice() == CANARY => key,
                    _ => return Err(OpenFailure::Recover(CacheRecovery::KeyLost)),
                }
            }
            (None, Some(_)) => return Err(OpenFailure::Recover(CacheRecovery::KeyLost)),
            (stored, None) => {
                let empty: i64 = conn.query_row(
                    "SELECT (SELECT count(*) FROM codes) + (SELECT count(*) FROM outbox) + (SELECT count(*) FROM meta)",
                    [],
                    |r| r.get(0),
                )?;
                if empty != 0 {
                    return Err(OpenFailure::Recover(CacheRecovery::DataCorrupt));
                }
                let key = match stored.and_then(|b| DataKey::from_bytes(&b)) {
                    Some(key) => key,
                    None => {
                        let key = DataKey::generate();
                        secrets
                            .save(names::DATA_KEY, key.as_bytes())
                            .map_err(|e| OpenFailure::Fatal(e.into()))?;
                        key
                    }
                };
                conn.execute(
                    "INSERT INTO meta (name, value) VALUES ('canary', ?1)",
                    params![key.seal(b"meta/canary", CANARY)],
                )?;
                key
            }
        };
        Ok(Cache {
            conn,
            key,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A value not worth sealing (an ETag, a time, the signed trust list).
    pub fn plain(&self, name: &str) -> Result<Option<Vec<u8>>, CoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_plain(&self, name: &str, value: &[u8]) -> Result<(), CoreError> {
        self.conn.execute(
            "INSERT INTO meta (name, value) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET value = ?2",
            params![name, value],
        )?;
        Ok(())
    }

    /// A personal value, sealed under the data key and bound to its name.
    pub fn sealed<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, CoreError> {
        let Some(sealed) = self.plain(name)? else {
            return Ok(None);
        };
        let plain = self
            .key
            .open(format!("meta/{name}").as_bytes(), &sealed)
            .map_err(|_| CoreError::CacheCorrupt)?;
        Ok(Some(
            serde_json::from_slice(&plain).map_err(|_| CoreError::CacheCorrupt)?,
        ))
    }

    pub fn set_sealed<T: Serialize>(&self, name: &str, value: &T) -> Result<(), CoreError> {
        let plain = Zeroizing::new(serde_json::to_vec(value).expect("cache values serialise"));
        self.set_plain(
            name,
            &self.key.seal(format!("meta/{name}").as_bytes(), &plain),
        )
    }

    pub fn remove(&self, name: &str) -> Result<(), CoreError> {
        self.conn
            .execute("DELETE FROM meta WHERE name = ?1", [name])?;
        Ok(())
    }

    /// Replaces every cached code at once: a crash leaves the old set or the
    /// new one, never a mix.
    pub fn replace_codes<T: Serialize>(&mut self, codes: &[(String, T)]) -> Result<(), CoreError> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM codes", [])?;
        for (position, (code_id, code)) in codes.iter().enumerate() {
            let plain = Zeroizing::new(serde_json::to_vec(code).expect("codes serialise"));
            let sealed = self.key.seal(format!("codes/{code_id}").as_bytes(), &plain);
            tx.execute(
                "INSERT INTO codes (code_id, position, sealed) VALUES (?1, ?2, ?3)",
                params![code_id, position as i64, sealed],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The cached codes in order: one's own first, then the dependents.
    pub fn codes<T: DeserializeOwned>(&self) -> Result<Vec<T>, CoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT code_id, sealed FROM codes ORDER BY position")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        let mut codes = Vec::new();
        for row in rows {
            let (code_id, sealed) = row?;
            let plain = self
                .key
                .open(format!("codes/{code_id}").as_bytes(), &sealed)
                .map_err(|_| CoreError::CacheCorrupt)?;
            codes.push(serde_json::from_slice(&plain).map_err(|_| CoreError::CacheCorrupt)?);
        }
        Ok(codes)
    }

    /// Queues an action; returns its sequence number (delivery order).
    pub fn push_outbox<T: Serialize>(&mut self, action: &T) -> Result<i64, CoreError> {
        let tx = self.conn.transaction()?;
        let seq: i64 = tx.query_row("SELECT coalesce(max(seq), 0) + 1 FROM outbox", [], |r| {
            r.get(0)
        })?;
        let plain = Zeroizing::new(serde_json::to_vec(action).expect("actions serialise"));
        let sealed = self.key.seal(format!("outbox/{seq}").as_bytes(), &plain);
        tx.execute(
            "INSERT INTO outbox (seq, sealed) VALUES (?1, ?2)",
            params![seq, sealed],
        )?;
        tx.commit()?;
        Ok(seq)
    }

    /// The queued actions in delivery order, with their attempt counts.
    pub fn outbox<T: DeserializeOwned>(&self) -> Result<Vec<(i64, u32, T)>, CoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, attempts, sealed FROM outbox ORDER BY seq")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, u32>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })?;
        let mut actions = Vec::new();
        for row in rows {
            let (seq, attempts, sealed) = row?;
            let plain = self
                .key
                .open(format!("outbox/{seq}").as_bytes(), &sealed)
                .map_err(|_| CoreError::CacheCorrupt)?;
            actions.push((
                seq,
                attempts,
                serde_json::from_slice(&plain).map_err(|_| CoreError::CacheCorrupt)?,
            ));
        }
        Ok(actions)
    }

    pub fn outbox_len(&self) -> Result<u32, CoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    pub fn count_attempt(&self, seq: i64) -> Result<(), CoreError> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?1",
            [seq],
        )?;
        Ok(())
    }

    pub fn remove_outbox(&self, seq: i64) -> Result<(), CoreError> {
        self.conn
            .execute("DELETE FROM outbox WHERE seq = ?1", [seq])?;
        Ok(())
    }

    /// Forgets everything personal (sign-out), keeping the key and canary.
    pub fn clear(&mut self) -> Result<(), CoreError> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM codes", [])?;
        tx.execute("DELETE FROM outbox", [])?;
        tx.execute(
            "DELETE FROM meta WHERE name != 'canary' AND name NOT LIKE 'trust_list%'",
            [],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Starts a write the caller commits, for tests of interrupted writes.
    #[doc(hidden)]
    pub fn transaction(&mut self) -> Result<Transaction<'_>, CoreError> {
        Ok(self.conn.transaction()?)
    }
}

fn migrate(conn: &mut Connection) -> Result<(), OpenFailure> {
    let version: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    let failed = |_| OpenFailure::Recover(CacheRecovery::MigrationFailed);
    let tx = conn.transaction().map_err(failed)?;
    match version {
        0 => tx.execute_batch(CREATE).map_err(failed)?,
        v if v < SCHEMA_VERSION => {
            for upgrade in &UPGRADES[(v - 1) as usize..] {
                tx.execute_batch(upgrade).map_err(failed)?;
            }
        }
        // Written by a newer app (a downgrade): its data may mean something
        // this build does not know. Start over.
        _ => return Err(OpenFailure::Recover(CacheRecovery::MigrationFailed)),
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(failed)?;
    tx.commit().map_err(failed)
}

fn remove_database(path: &Path) -> Result<(), CoreError> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(CoreError::Storage(format!(
                    "cannot remove the cache: {}",
                    e.kind()
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::KeyringSecretStore;

    fn secrets() -> KeyringSecretStore {
        KeyringSecretStore::new(keyring_core::mock::Store::new().unwrap(), "test")
    }

    /// Every table's columns and every index, as SQLite reports them.
    fn schema(conn: &Connection) -> Vec<String> {
        let mut out = Vec::new();
        let mut tables = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap();
        let names: Vec<String> = tables
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for table in names {
            let mut cols = conn
                .prepare(&format!("PRAGMA table_info({table})"))
                .unwrap();
            for col in cols
                .query_map([], |r| {
                    Ok(format!(
                        "{table}.{}: {} notnull={} default={:?} pk={}",
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, i64>(5)?
                    ))
                })
                .unwrap()
            {
                out.push(col.unwrap());
            }
        }
        let mut idx = conn
            .prepare("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' ORDER BY name")
            .unwrap();
        for i in idx
            .query_map([], |r| Ok(format!("index {}", r.get::<_, String>(0)?)))
            .unwrap()
        {
            out.push(i.unwrap());
        }
        out
    }

    fn fresh_schema() -> Vec<String> {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).ok().unwrap();
        schema(&conn)
    }

    #[test]
    fn a_cache_migrated_from_the_first_version_has_the_schema_of_a_fresh_one() {
        let mut v1 = Connection::open_in_memory().unwrap();
        v1.execute_batch(CREATE_V1).unwrap();
        v1.pragma_update(None, "user_version", 1).unwrap();
        migrate(&mut v1).ok().unwrap();
        assert_eq!(schema(&v1), fresh_schema());
        let version: u32 = v1
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
    }

    #[test]
    fn queued_actions_survive_the_upgrade_from_the_first_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let store = secrets();
        {
            let (mut cache, _) = Cache::open(&path, &store).unwrap();
            cache.push_outbox(&"declare: no symptoms").unwrap();
            // Take the file back to the first version's schema.
            cache
                .conn
                .execute_batch("ALTER TABLE outbox DROP COLUMN attempts; PRAGMA user_version = 1;")
                .unwrap();
        }
        let (cache, recovery) = Cache::open(&path, &store).unwrap();
        assert_eq!(recovery, None);
        let queued: Vec<(i64, u32, String)> = cache.outbox().unwrap();
        assert_eq!(queued, [(1, 0, "declare: no symptoms".to_string())]);
    }

    #[test]
    fn a_cache_from_a_newer_app_is_wiped_not_misread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let store = secrets();
        {
            let (cache, _) = Cache::open(&path, &store).unwrap();
            cache
                .conn
                .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .unwrap();
        }
        let (cache, recovery) = Cache::open(&path, &store).unwrap();
        assert_eq!(recovery, Some(CacheRecovery::MigrationFailed));
        assert_eq!(cache.outbox_len().unwrap(), 0);
    }

    #[test]
    fn a_lost_key_wipes_the_cache_instead_of_failing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let store = secrets();
        {
            let (mut cache, _) = Cache::open(&path, &store).unwrap();
            cache.replace_codes(&[("c1".to_string(), "张*明")]).unwrap();
        }
        store.delete(names::DATA_KEY).unwrap();
        let (cache, recovery) = Cache::open(&path, &store).unwrap();
        assert_eq!(recovery, Some(CacheRecovery::KeyLost));
        assert!(cache.codes::<String>().unwrap().is_empty());
        // A different key in the keystore is the same: the canary tells.
        store
            .save(names::DATA_KEY, DataKey::generate().as_bytes())
            .unwrap();
        let (_, recovery) = Cache::open(&path, &store).unwrap();
        assert_eq!(recovery, Some(CacheRecovery::KeyLost));
    }

    #[test]
    fn a_file_that_is_not_a_database_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        std::fs::write(
            &path,
            b"this is not sqlite, just bytes of garbage, many of them....",
        )
        .unwrap();
        let (cache, recovery) = Cache::open(&path, &secrets()).unwrap();
        assert_eq!(recovery, Some(CacheRecovery::FileCorrupt));
        assert_eq!(cache.outbox_len().unwrap(), 0);
    }

    #[test]
    fn a_row_moved_to_another_code_does_not_open() {
        let dir = tempfile::tempdir().unwrap();
        let (mut cache, _) = Cache::open(&dir.path().join("cache.db"), &secrets()).unwrap();
        cache
            .replace_codes(&[("c1".to_string(), "own"), ("c2".to_string(), "dependent")])
            .unwrap();
        assert_eq!(cache.codes::<String>().unwrap(), ["own", "dependent"]);
        cache.conn.execute("UPDATE codes SET sealed = (SELECT sealed FROM codes WHERE code_id = 'c2') WHERE code_id = 'c1'", []).unwrap();
        assert!(matches!(
            cache.codes::<String>(),
            Err(CoreError::CacheCorrupt)
        ));
    }
}
