//! `suikang`: the terminal app — the third thin UI of the core, beside the
//! Android and iOS apps — and the demo a newcomer runs first. It parses
//! arguments and draws; everything else is the core's.

/// The command line: every action of the people in DESIGN §1.
pub mod args;
/// The demo: the whole story with two issuers in process.
pub mod demo;
/// Drawing screens and check results in the terminal.
pub mod draw;
/// The simulated face vendor SDK of the desktop.
pub mod face;
/// The home folder: settings, keystore, cache; opening the core.
pub mod home;
/// Running a parsed command.
pub mod run;
