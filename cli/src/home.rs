//! The home folder of the terminal app: `settings.json` (server, trust
//! roots), `secrets/` (the keystore: files of mode 0600, see README), the
//! encrypted cache, and the code the arrows last moved to.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use suikang_core::{
    App, AppConfig, Clock, CoreError, FileSecretStore, RetryPolicy, SecretStore, SystemClock,
};

use crate::face::{Simulated, SimulatedFace};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Settings {
    pub server_url: Option<String>,
    /// Trust-list root public keys, hex.
    pub trust_roots: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum HomeError {
    #[error("cannot use the home folder {0}: {1}")]
    Folder(PathBuf, std::io::ErrorKind),
    #[error("no server is set: run `suikang setup --server URL --root HEX` first")]
    NoServer,
    #[error("a trust root is not 64 hex digits")]
    BadRoot,
    #[error(
        "the online check needs a checkpoint account's token: run `suikang checkpoint login TOKEN` \
         or pass --checkpoint-token (env SUIKANG_CHECKPOINT_TOKEN)"
    )]
    NoCheckpointToken,
    #[error(transparent)]
    Core(#[from] CoreError),
}

/// The keystore entry of a checkpoint account's token.
const CHECKPOINT_TOKEN: &str = "checkpoint-token";

pub struct Home {
    pub dir: PathBuf,
}

impl Home {
    /// `--home`, or the per-user data folder.
    pub fn new(dir: Option<PathBuf>) -> Home {
        let dir = dir.unwrap_or_else(|| {
            directories::ProjectDirs::from("org", "Suikang", "suikang")
                .map(|d| d.data_dir().to_owned())
                .unwrap_or_else(|| PathBuf::from(".suikang"))
        });
        Home { dir }
    }

    fn settings_path(&self) -> PathBuf {
        self.dir.join("settings.json")
    }

    pub fn settings(&self) -> Settings {
        std::fs::read(self.settings_path())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    pub fn save_settings(&self, settings: &Settings) -> Result<(), HomeError> {
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| HomeError::Folder(self.dir.clone(), e.kind()))?;
        let json = serde_json::to_vec_pretty(settings).expect("settings serialise");
        std::fs::write(self.settings_path(), json)
            .map_err(|e| HomeError::Folder(self.dir.clone(), e.kind()))
    }

    /// The last code the arrows moved to (not personal data: an opaque id).
    pub fn selected(&self) -> Option<String> {
        std::fs::read_to_string(self.dir.join("selected"))
            .ok()
            .map(|s| s.trim().to_owned())
    }

    pub fn set_selected(&self, code_id: &str) -> Result<(), HomeError> {
        std::fs::write(self.dir.join("selected"), code_id)
            .map_err(|e| HomeError::Folder(self.dir.clone(), e.kind()))
    }

    /// The keystore's file for the checkpoint token: beside the session's,
    /// never in settings.json.
    fn secrets(&self) -> Result<FileSecretStore, HomeError> {
        FileSecretStore::new(self.dir.join("secrets")).map_err(|e| HomeError::Core(e.into()))
    }

    /// Keeps a checkpoint account's token for `verify --online`.
    pub fn save_checkpoint_token(&self, token: &str) -> Result<(), HomeError> {
        let token = token.trim();
        if token.is_empty() {
            return Err(HomeError::NoCheckpointToken);
        }
        Ok(self
            .secrets()?
            .save(CHECKPOINT_TOKEN, token.as_bytes())
            .map_err(CoreError::from)?)
    }

    pub fn forget_checkpoint_token(&self) -> Result<(), HomeError> {
        Ok(self
            .secrets()?
            .delete(CHECKPOINT_TOKEN)
            .map_err(CoreError::from)?)
    }

    /// The saved checkpoint token, if any.
    pub fn checkpoint_token(&self) -> Result<Option<String>, HomeError> {
        let saved = self
            .secrets()?
            .load(CHECKPOINT_TOKEN)
            .map_err(CoreError::from)?;
        Ok(saved.and_then(|b| String::from_utf8(b.to_vec()).ok()))
    }

    /// Opens the core as a launch does: cache and keystore, no network.
    pub fn open(&self, server: Option<&str>, face: impl Into<Simulated>) -> Result<App, HomeError> {
        self.open_with_clock(server, face, Arc::new(SystemClock))
    }

    pub fn open_with_clock(
        &self,
        server: Option<&str>,
        face: impl Into<Simulated>,
        clock: Arc<dyn Clock>,
    ) -> Result<App, HomeError> {
        let settings = self.settings();
        let server_url = server
            .map(str::to_owned)
            .or(settings.server_url)
            .ok_or(HomeError::NoServer)?;
        let trust_roots = settings
            .trust_roots
            .iter()
            .map(|h| parse_root(h))
            .collect::<Result<Vec<_>, _>>()?;
        open_app(&self.dir, &server_url, trust_roots, face, clock)
    }
}

pub fn parse_root(hex_key: &str) -> Result<[u8; 32], HomeError> {
    let mut key = [0; 32];
    hex::decode_to_slice(hex_key.trim(), &mut key).map_err(|_| HomeError::BadRoot)?;
    Ok(key)
}

/// The core on a data folder, with the file keystore under it.
pub fn open_app(
    dir: &Path,
    server_url: &str,
    trust_roots: Vec<[u8; 32]>,
    face: impl Into<Simulated>,
    clock: Arc<dyn Clock>,
) -> Result<App, HomeError> {
    // The desktop has no camera: the server's development simulator plays
    // the vendor SDK (a server started with --dev-face-simulator).
    let face = Arc::new(SimulatedFace {
        simulated: face.into(),
        server_url: server_url.to_owned(),
    });
    let secrets =
        FileSecretStore::new(dir.join("secrets")).map_err(|e| HomeError::Core(e.into()))?;
    let config = AppConfig {
        data_dir: dir.to_owned(),
        server_url: server_url.to_owned(),
        trust_roots,
        pinned_server_key: None,
        extra_root_certificates: Vec::new(),
        retry: RetryPolicy::default(),
    };
    Ok(App::open(config, Arc::new(secrets), face, clock)?)
}
