//! The signed trust list as the root key's holder wrote it offline
//! (`suikang-server sign-trust-list`, server/KEYS.md): a running server
//! serves it byte for byte and never holds the root key (DESIGN §6, issue 12
//! finding 6). The root's public key lies beside it, so that the server
//! checks what it serves and `root-key` can print it.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;
use suikang_protocol::{TrustList, TrustListError};

/// The signed list under the data directory.
pub const SIGNED_LIST_FILE: &str = "trust-list.json";
/// The root's public key (hex) under the data directory: public, not a secret.
pub const ROOT_PUBLIC_FILE: &str = "trust-root.pub";

pub fn signed_list_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SIGNED_LIST_FILE)
}

pub fn root_public_path(data_dir: &Path) -> PathBuf {
    data_dir.join(ROOT_PUBLIC_FILE)
}

/// Why the offline-signed list cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum TrustFileError {
    #[error(
        "no signed trust list at {0}: sign one offline with `suikang-server --data DIR sign-trust-list --root-key FILE` (server/KEYS.md), or start with --dev-root-key for development"
    )]
    Missing(PathBuf),
    #[error("cannot read or write {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0} is not a root public key (64 hex digits)")]
    BadRootPublicKey(PathBuf),
    #[error("the signed trust list at {0} was refused: {1}")]
    Refused(PathBuf, TrustListError),
    #[error("the signed trust list does not name this server's issuer ({0})")]
    IssuerNotListed(u16),
    #[error(
        "the signed trust list has sequence {found}, older than the {served} being served: not taken (a list never goes back)"
    )]
    Rollback { found: u64, served: u64 },
    #[error(
        "the root key is on this server ({0}): it signs trust lists offline; move it off this machine and sign with `sign-trust-list --root-key FILE`, or start with --dev-root-key for development"
    )]
    RootKeyOnServer(PathBuf),
    #[error("{0} exists already: a root key is never overwritten")]
    RootKeyExists(PathBuf),
}

/// The signed list under `data_dir`, checked against the root public key
/// beside it; `None` when no list was ever written there.
pub fn load(data_dir: &Path) -> Result<Option<(String, TrustList, VerifyingKey)>, TrustFileError> {
    let list_path = signed_list_path(data_dir);
    let text = match fs::read_to_string(&list_path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(TrustFileError::Io(list_path, e)),
    };
    let root = read_root_public(data_dir)?;
    let list = TrustList::from_signed_json(&text, &[root])
        .map_err(|e| TrustFileError::Refused(list_path, e))?;
    Ok(Some((text, list, root)))
}

/// The root public key under `data_dir`, if a list was ever signed for it.
pub fn read_root_public(data_dir: &Path) -> Result<VerifyingKey, TrustFileError> {
    let path = root_public_path(data_dir);
    let text = fs::read_to_string(&path).map_err(|e| TrustFileError::Io(path.clone(), e))?;
    let mut key = [0; 32];
    hex::decode_to_slice(text.trim(), &mut key)
        .map_err(|_| TrustFileError::BadRootPublicKey(path.clone()))?;
    VerifyingKey::from_bytes(&key).map_err(|_| TrustFileError::BadRootPublicKey(path))
}

/// Writes the signed list to `out` and the root public key beside the data
/// directory's list. Each file is replaced whole (a temporary file renamed
/// over it): a running server that reloads never reads half a list.
pub fn write(
    data_dir: &Path,
    out: &Path,
    signed_json: &str,
    root: &VerifyingKey,
) -> Result<(), TrustFileError> {
    replace(out, signed_json.as_bytes())?;
    replace(
        &root_public_path(data_dir),
        hex::encode(root.to_bytes()).as_bytes(),
    )
}

fn replace(path: &Path, bytes: &[u8]) -> Result<(), TrustFileError> {
    let io = |e| TrustFileError::Io(path.to_owned(), e);
    let mut temp = path.as_os_str().to_owned();
    temp.push(".new");
    let temp = PathBuf::from(temp);
    let mut file = fs::File::create(&temp).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    fs::rename(&temp, path).map_err(io)
}

/// A new root secret in `path` (0600), refused if the file exists: the
/// first step of the key ceremony, on the offline machine.
pub fn create_root_key(path: &Path) -> Result<ed25519_dalek::SigningKey, TrustFileError> {
    let io = |e| TrustFileError::Io(path.to_owned(), e);
    let key = crate::keys::generate_signing_key();
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            TrustFileError::RootKeyExists(path.to_owned())
        } else {
            io(e)
        }
    })?;
    file.write_all(hex::encode(key.to_bytes()).as_bytes())
        .map_err(io)?;
    file.sync_all().map_err(io)?;
    Ok(key)
}
