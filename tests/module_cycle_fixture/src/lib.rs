//! A crate whose modules form a cycle, for `tests/tests/module_cycles.rs`:
//! source text only, never compiled.
pub mod a;
pub mod b;
pub mod c;
pub mod leaf;
