//! `suikang-server`: the reference issuing authority (DESIGN §6) — HTTP
//! API, storage, signing keys, roles, and the face-vendor check.
//!
//! Start it in process with [`start_in_process`] (or two issuers with
//! [`start_suikang_and_yuekang`]); the binary wraps [`start`].

/// Admin work: accounts, trusted issuers, key rotation.
pub mod admin;
/// Issuer profile, policy and key sources.
pub mod config;
/// Serving connections: the cap, header/idle timeouts, request timeouts.
pub mod connections;
/// Refusals, named for the user, and their HTTP form.
pub mod error;
/// The face vendor: configured key, result check, the dev simulator.
pub mod face;
/// Deleting expired challenges, idempotency rows and face failures.
pub mod housekeeping;
/// Idempotency keys: a retried POST or DELETE has its effect once.
pub mod idempotency;
/// One running issuer: callers, document look-up keys, trust list, issuing.
pub mod issuer;
/// Secrets on disk (0600).
pub mod keys;
/// Prometheus metrics: requests by route and status, pool, signatures.
pub mod metrics;
/// Per-client rate limits (login start).
pub mod rate_limit;
/// HTTP routes, one file per OpenAPI tag, and the OpenAPI document.
pub mod routes;
/// Starting an instance, on a port or in process.
pub mod run;
/// The `Store` trait, its SQLite implementation and contract suite.
pub mod store;
/// Bearer tokens: making them, hashing them for the store.
pub mod tokens;
/// The trust list signed offline, as the server serves it (the root key
/// stays off the server).
pub mod trust_file;

pub use config::{FaceVendorSetting, IssuerProfile, KeySource, Policy, ServerConfig, TrustSigning};
pub use error::ApiError;
pub use issuer::Issuer;
pub use run::{
    InProcessOptions, RunningServer, StartError, start, start_in_process, start_suikang_and_yuekang,
};
pub use store::{SqliteStore, Store};
pub use suikang_protocol as protocol;
