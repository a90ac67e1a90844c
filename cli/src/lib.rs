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
/// `--json`: the stable fields scripts read.
pub mod json;
/// Running a parsed command.
pub mod run;

/// Writes to standard output like `print!`; a reader that has gone (`| head`)
/// ends the program quietly with status 0 instead of a panic.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        if let Err(e) = write!(stdout, $($arg)*).and_then(|()| stdout.flush()) {
            $crate::output_failed(e);
        }
    }};
}

/// [`out!`] with a newline, like `println!`.
#[macro_export]
macro_rules! outln {
    () => { $crate::out!("\n") };
    ($($arg:tt)*) => {{
        $crate::out!($($arg)*);
        $crate::out!("\n");
    }};
}

/// Standard output failed: a closed pipe is the reader's choice, not an
/// error; anything else (a full disk) is said on standard error.
pub fn output_failed(e: std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("suikang: cannot write the output: {e}");
    std::process::exit(1);
}
