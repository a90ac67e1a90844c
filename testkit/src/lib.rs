//! `suikang-testkit`: what the workspace's tests stand on, in one place
//! instead of files borrowed across crates. A dev-dependency only.
//!
//! Layered by feature, so each crate's tests build only what they need:
//! the protocol's tests take `credentials` alone, the server's add `api`
//! (feature `server`), the core's and the end-to-end tests take the rest
//! (feature `phone`, the default).

/// The protocol's fixed keys, trust lists and credentials (fixed seeds).
pub mod credentials;

/// A server in process and a plain HTTP client; people who sign in the way
/// the phone does.
#[cfg(feature = "server")]
pub mod api;

/// A TCP proxy in front of the server that injects faults.
#[cfg(feature = "phone")]
pub mod faults;
/// Made-up gate camera frames: a QR code turned, tilted, blurred.
#[cfg(feature = "phone")]
pub mod frames;
/// A phone (the core) against a server in process: simulated face SDK,
/// test clock, in-memory keystore, the people of DESIGN §1.
#[cfg(feature = "phone")]
pub mod phone;

#[cfg(feature = "phone")]
pub use faults::{Fault, FaultProxy};
#[cfg(feature = "phone")]
pub use phone::*;
