//! End-to-end scenarios: real server, real core, real HTTP.
//!
//! Built in its own issue; the workspace already compiles it so that the
//! dependency direction of DESIGN §3 holds from the first commit.

pub use suikang_protocol as protocol;
