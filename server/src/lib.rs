//! The reference issuing authority: HTTP API, storage, signing keys, roles.
//!
//! Built in its own issue; the workspace already compiles it so that the
//! dependency direction of DESIGN §3 holds from the first commit.

pub use suikang_protocol as protocol;
