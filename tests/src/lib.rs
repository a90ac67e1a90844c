//! End-to-end scenarios across servers, core and verifier, over real HTTP on
//! loopback: see `tests/`. The library itself is empty.
