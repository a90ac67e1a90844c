//! Secrets on disk: the root key, the issuer's signing keys and the secret
//! that keys document look-ups. Each is a hex file with mode 0600 under
//! `DATA/keys/`; none is ever logged.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;

/// A 32-byte secret whose Debug never prints it.
pub struct Secret(pub [u8; 32]);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// Random bytes from the OS.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0; N];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    bytes
}

pub fn generate_signing_key() -> SigningKey {
    SigningKey::from_bytes(&random_bytes())
}

/// Why a key file could not be used; names the file, never its content.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("cannot read or write key file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("key file {0} does not hold 64 hex digits")]
    Malformed(PathBuf),
}

pub fn keys_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("keys")
}

pub fn issuer_key_path(data_dir: &Path, key_id: u8) -> PathBuf {
    keys_dir(data_dir).join(format!("issuer-{key_id}.key"))
}

pub fn root_key_path(data_dir: &Path) -> PathBuf {
    keys_dir(data_dir).join("root.key")
}

pub fn document_secret_path(data_dir: &Path) -> PathBuf {
    keys_dir(data_dir).join("document-lookup.key")
}

/// Why the data folder may not be used.
#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    #[error(
        "{path} can be read by other users (mode {mode:o}): the data folder must be 0700 and the database, its WAL and SHM and the key files 0600 (chmod them, then start again)"
    )]
    Exposed { path: PathBuf, mode: u32 },
    #[error("cannot create {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Makes the data folder the owner's only when it is created, and refuses
/// one that is not: a copy of the database or of a key is enough to sign
/// codes or take over sessions. The database file is created 0600 before
/// SQLite opens it, so its WAL and SHM (which SQLite gives the database's
/// mode) are 0600 too.
pub fn secure_data_dir(dir: &Path, database: &Path) -> Result<(), DataDirError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| DataDirError::Io { path, source }
        };
        if !dir.exists() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(io(dir))?;
        } else if fs::read_dir(dir).map_err(io(dir))?.next().is_none() {
            // A fresh empty folder (a temporary one, one made for us):
            // nothing in it was ever exposed, so make it the owner's only.
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io(dir))?;
        }
        let mut paths = vec![dir.to_owned(), keys_dir(dir)];
        for suffix in ["", "-wal", "-shm"] {
            let mut p = database.as_os_str().to_owned();
            p.push(suffix);
            paths.push(p.into());
        }
        if let Ok(entries) = fs::read_dir(keys_dir(dir)) {
            paths.extend(entries.flatten().map(|e| e.path()));
        }
        for path in paths {
            if let Ok(meta) = fs::metadata(&path)
                && meta.mode() & 0o077 != 0
            {
                return Err(DataDirError::Exposed {
                    path,
                    mode: meta.mode() & 0o777,
                });
            }
        }
        if !database.exists() {
            fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(database)
                .map_err(io(database))?;
        }
    }
    #[cfg(not(unix))]
    fs::create_dir_all(dir).map_err(|source| DataDirError::Io {
        path: dir.to_owned(),
        source,
    })?;
    Ok(())
}

/// Reads a 32-byte secret from a hex file.
pub fn read_secret(path: &Path) -> Result<Secret, KeyFileError> {
    let text = fs::read_to_string(path).map_err(|source| KeyFileError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut bytes = [0; 32];
    hex::decode_to_slice(text.trim(), &mut bytes)
        .map_err(|_| KeyFileError::Malformed(path.to_owned()))?;
    Ok(Secret(bytes))
}

/// Writes a secret as hex, readable by the owner only.
pub fn write_secret(path: &Path, secret: &[u8; 32]) -> Result<(), KeyFileError> {
    let io = |source| KeyFileError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(parent, fs::Permissions::from_mode(0o700)).map_err(io)?;
        }
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io)?;
    file.write_all(hex::encode(secret).as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)
}

/// The secret at `path`, created with fresh random bytes if absent.
pub fn load_or_create_secret(path: &Path) -> Result<Secret, KeyFileError> {
    if path.exists() {
        return read_secret(path);
    }
    let secret = random_bytes();
    write_secret(path, &secret)?;
    Ok(Secret(secret))
}

/// The issuer's signing keys found on disk, by key id.
pub fn load_issuer_keys(data_dir: &Path) -> Result<BTreeMap<u8, SigningKey>, KeyFileError> {
    let mut keys = BTreeMap::new();
    let dir = keys_dir(data_dir);
    let Ok(entries) = fs::read_dir(&dir) else {
        return Ok(keys);
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(id) = name
            .to_str()
            .and_then(|n| n.strip_prefix("issuer-"))
            .and_then(|n| n.strip_suffix(".key"))
            .and_then(|n| n.parse::<u8>().ok())
        else {
            continue;
        };
        let secret = read_secret(&entry.path())?;
        keys.insert(id, SigningKey::from_bytes(&secret.0));
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_secret_is_owner_only_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = root_key_path(dir.path());
        let created = load_or_create_secret(&path).unwrap();
        let again = load_or_create_secret(&path).unwrap();
        assert_eq!(created.0, again.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
