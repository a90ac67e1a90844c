//! Where the device key, the session tokens and the cache's data key live:
//! the platform keystore, never the cache file.
//!
//! - iOS: the protected-data keychain (`apple-native-keyring-store`).
//! - Android: the Android Keystore (`android-native-keyring-store`), or a
//!   store the app passes in through the bindings.
//! - Linux desktop (the CLI): [`FileSecretStore`], which works headless; see
//!   the README for what it protects against.
//! - Tests: `keyring_core::mock`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use keyring_core::{CredentialStore, Entry};
use zeroize::Zeroizing;

/// The names the core keeps secrets under.
pub(crate) mod names {
    pub const DEVICE_KEY: &str = "device-key";
    pub const SESSION: &str = "session";
    pub const DATA_KEY: &str = "cache-data-key";
    /// The highest trust-list sequence accepted: survives a cache wipe.
    pub const TRUST_LIST_SEQUENCE: &str = "trust-list-sequence";
}

/// A keystore failed. Never carries the secret.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the keystore failed: {0}")]
pub struct SecretStoreError(pub String);

/// A place for small secrets, addressed by name. The app may supply its own
/// (through the bindings); [`KeyringSecretStore`] is the default.
pub trait SecretStore: Send + Sync {
    fn load(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, SecretStoreError>;
    fn save(&self, name: &str, secret: &[u8]) -> Result<(), SecretStoreError>;
    /// Deleting a secret that is not there is not an error.
    fn delete(&self, name: &str) -> Result<(), SecretStoreError>;
}

/// A `keyring-core` credential store: the platform's keystore.
pub struct KeyringSecretStore {
    store: Arc<CredentialStore>,
    service: String,
}

impl KeyringSecretStore {
    /// Secrets of `service` (one per app installation, e.g. the app id) in
    /// `store`.
    pub fn new(store: Arc<CredentialStore>, service: impl Into<String>) -> KeyringSecretStore {
        KeyringSecretStore {
            store,
            service: service.into(),
        }
    }

    /// The platform's own keystore, where there is one: the iOS/macOS
    /// protected-data keychain or the Android Keystore.
    pub fn platform(service: impl Into<String>) -> Result<KeyringSecretStore, SecretStoreError> {
        Ok(KeyringSecretStore::new(platform_store()?, service))
    }

    fn entry(&self, name: &str) -> Result<Entry, SecretStoreError> {
        Entry::new_in_store(&self.store, &self.service, name).map_err(keystore_error)
    }
}

#[cfg(any(target_os = "ios", target_os = "macos"))]
fn platform_store() -> Result<Arc<CredentialStore>, SecretStoreError> {
    let store = apple_native_keyring_store::protected::Store::new().map_err(keystore_error)?;
    Ok(store)
}

#[cfg(target_os = "android")]
fn platform_store() -> Result<Arc<CredentialStore>, SecretStoreError> {
    let store = android_native_keyring_store::Store::new().map_err(keystore_error)?;
    Ok(store)
}

#[cfg(not(any(target_os = "ios", target_os = "macos", target_os = "android")))]
fn platform_store() -> Result<Arc<CredentialStore>, SecretStoreError> {
    Err(SecretStoreError(
        "no platform keystore on this system: use FileSecretStore or pass a store".into(),
    ))
}

fn keystore_error(e: keyring_core::Error) -> SecretStoreError {
    // keyring errors describe the store, never the secret.
    SecretStoreError(e.to_string())
}

impl SecretStore for KeyringSecretStore {
    fn load(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, SecretStoreError> {
        match self.entry(name)?.get_secret() {
            Ok(secret) => Ok(Some(Zeroizing::new(secret))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(keystore_error(e)),
        }
    }

    fn save(&self, name: &str, secret: &[u8]) -> Result<(), SecretStoreError> {
        self.entry(name)?.set_secret(secret).map_err(keystore_error)
    }

    fn delete(&self, name: &str) -> Result<(), SecretStoreError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(keystore_error(e)),
        }
    }
}

/// Secrets as files of mode 0600 in a folder of mode 0700, for a Linux
/// desktop without a keyring daemon (the CLI, headless). It keeps secrets
/// out of the cache file and from other users of the machine; it does not
/// protect against the same user's processes, root, or a copy of the disk.
pub struct FileSecretStore {
    dir: PathBuf,
}

impl FileSecretStore {
    pub fn new(dir: impl Into<PathBuf>) -> Result<FileSecretStore, SecretStoreError> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(io_error)?;
        restrict(&dir, 0o700)?;
        Ok(FileSecretStore { dir })
    }

    fn path(&self, name: &str) -> Result<PathBuf, SecretStoreError> {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(SecretStoreError(
                "a secret's name is letters, digits and '-'".into(),
            ));
        }
        Ok(self.dir.join(name))
    }
}

fn io_error(e: std::io::Error) -> SecretStoreError {
    SecretStoreError(e.kind().to_string())
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> Result<(), SecretStoreError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io_error)
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> Result<(), SecretStoreError> {
    Ok(())
}

impl SecretStore for FileSecretStore {
    fn load(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, SecretStoreError> {
        match fs::read(self.path(name)?) {
            Ok(bytes) => Ok(Some(Zeroizing::new(bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error(e)),
        }
    }

    /// Written to a temporary file first and renamed, so a crash never
    /// leaves half a key.
    fn save(&self, name: &str, secret: &[u8]) -> Result<(), SecretStoreError> {
        let path = self.path(name)?;
        let tmp = path.with_extension("tmp");
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp).map_err(io_error)?;
        file.write_all(secret)
            .and_then(|()| file.sync_all())
            .map_err(io_error)?;
        fs::rename(&tmp, &path).map_err(io_error)
    }

    fn delete(&self, name: &str) -> Result<(), SecretStoreError> {
        match fs::remove_file(self.path(name)?) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(store: &dyn SecretStore) {
        assert_eq!(store.load("device-key").unwrap(), None);
        store.save("device-key", b"secret one").unwrap();
        store.save("device-key", b"secret two").unwrap();
        assert_eq!(
            store.load("device-key").unwrap().unwrap().as_slice(),
            b"secret two"
        );
        store.delete("device-key").unwrap();
        store.delete("device-key").unwrap();
        assert_eq!(store.load("device-key").unwrap(), None);
    }

    #[test]
    fn the_keyring_store_keeps_secrets_by_name() {
        let store = KeyringSecretStore::new(keyring_core::mock::Store::new().unwrap(), "test");
        round_trip(&store);
    }

    #[test]
    fn the_file_store_keeps_secrets_private_to_the_user() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileSecretStore::new(dir.path().join("secrets")).unwrap();
        round_trip(&store);
        store.save("session", b"tokens").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir.path().join("secrets")), 0o700);
            assert_eq!(mode(&dir.path().join("secrets/session")), 0o600);
        }
        assert!(store.save("../escape", b"x").is_err());
    }
}
