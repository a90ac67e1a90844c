//! The terminal app in pipes, scripts and terminals of every size, each
//! convention checked on the real binary: colour only on a terminal, a
//! closed pipe ending quietly, `--json`, `verify`'s exit statuses, and a QR
//! that fits the terminal and scans from what the screen shows.

use std::process::{Command, Output, Stdio};

struct Terminal {
    home: tempfile::TempDir,
}

fn bin() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_suikang"));
    command
        .env_remove("NO_COLOR")
        .env_remove("SUIKANG_SERVER")
        .env("TERM", "xterm-256color");
    command
}

impl Terminal {
    fn command(&self, args: &[&str]) -> Command {
        let mut command = bin();
        command.arg("--home").arg(self.home.path()).args(args);
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// `args` in a pseudo-terminal of `cols` × `rows` (util-linux `script`),
    /// with `env`: what the screen shows, escapes and all.
    fn on_screen(&self, cols: u16, rows: u16, env: &[(&str, &str)], args: &[&str]) -> String {
        let line = format!(
            "stty cols {cols} rows {rows}; exec '{}' --home '{}' {}",
            env!("CARGO_BIN_EXE_suikang"),
            self.home.path().display(),
            args.join(" ")
        );
        let mut command = Command::new("script");
        command
            .args(["-q", "-e", "-c", &line, "/dev/null"])
            .env_remove("NO_COLOR")
            .env("TERM", "xterm-256color")
            .stdin(Stdio::null());
        for (k, v) in env {
            command.env(k, v);
        }
        let out = command.output().expect("util-linux script");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().replace("\r\n", "\n")
    }
}

async fn resident_with_a_code() -> (suikang_server::RunningServer, Terminal) {
    let server = suikang_server::start_in_process(suikang_server::InProcessOptions::new(
        suikang_server::IssuerProfile::suikang(),
    ))
    .await
    .unwrap();
    let t = Terminal {
        home: tempfile::tempdir().unwrap(),
    };
    let root = hex::encode(server.root_public_key().to_bytes());
    t.ok(&["setup", "--server", &server.base_url(), "--root", &root]);
    t.ok(&["login", "张三明", "11010519491231002X"]);
    t.ok(&["apply"]);
    (server, t)
}

fn has_escapes(text: &str) -> bool {
    text.contains('\x1b')
}

fn strip_escapes(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Which parts of a character cell are ink, as (columns, rows, bits).
fn cell_ink(c: char) -> Option<(u32, u32, u8)> {
    Some(match c {
        ' ' => (1, 1, 0),
        '▀' => (1, 2, 0b01),
        '▄' => (1, 2, 0b10),
        '█' => (1, 1, 1),
        '▌' => (2, 3, 0b010101),
        '▐' => (2, 3, 0b101010),
        '\u{1FB00}'..='\u{1FB3B}' => {
            let mut bits = c as u32 - 0x1FB00 + 1;
            // The two half blocks are not in the sextant range.
            if bits >= 21 {
                bits += 1;
            }
            if bits >= 42 {
                bits += 1;
            }
            (2, 3, bits as u8)
        }
        _ => return None,
    })
}

/// The screen as a picture (each cell 6 × 12 pixels, as a terminal's cells
/// are about twice as high as wide), scanned as a phone camera would.
fn scan_screen(screen: &str) -> Option<String> {
    const W: u32 = 6;
    const H: u32 = 12;
    let lines: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let cols = lines.iter().map(Vec::len).max()? as u32;
    let rows = lines.len() as u32;
    let (width, height) = ((cols + 4) * W, (rows + 4) * H);
    let pixel = |x: usize, y: usize| -> u8 {
        let (x, y) = (x as u32, y as u32);
        let (cx, cy) = ((x / W).checked_sub(2), (y / H).checked_sub(2));
        let (Some(cx), Some(cy)) = (cx, cy) else {
            return 255;
        };
        let Some(&c) = lines.get(cy as usize).and_then(|l| l.get(cx as usize)) else {
            return 255;
        };
        let Some((w, h, bits)) = cell_ink(c) else {
            return 255;
        };
        let (sx, sy) = ((x % W) * w / W, (y % H) * h / H);
        if bits & (1 << (sy * w + sx)) != 0 {
            0
        } else {
            255
        }
    };
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width as usize, height as usize, pixel);
    let grids = image.detect_grids();
    grids.first()?.decode().ok().map(|(_, text)| text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn colour_only_on_a_terminal_that_wants_it() {
    let (_server, t) = resident_with_a_code().await;
    // Into a pipe: plain text, unless asked.
    assert!(!has_escapes(&t.ok(&["show"])));
    assert!(has_escapes(&t.ok(&["show", "--color", "always"])));
    assert!(!has_escapes(&t.ok(&["show", "--color", "never"])));
    // On a terminal: colour, but not with NO_COLOR, TERM=dumb or --color never.
    assert!(has_escapes(&t.on_screen(120, 50, &[], &["show"])));
    assert!(!has_escapes(&t.on_screen(
        120,
        50,
        &[("NO_COLOR", "1")],
        &["show"]
    )));
    assert!(!has_escapes(&t.on_screen(
        120,
        50,
        &[("TERM", "dumb")],
        &["show"]
    )));
    assert!(!has_escapes(&t.on_screen(
        120,
        50,
        &[],
        &["show", "--color", "never"]
    )));
    // The usage error says so on stderr with status 2.
    let bad = t.run(&["show", "--color", "sometimes"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(bad.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_pipe_ends_the_program_quietly() {
    let (_server, t) = resident_with_a_code().await;
    for args in [
        &["show"][..],
        &["codes"],
        &["status", "--json"],
        &["--help"],
    ] {
        // The reader is gone before the program writes: `| head -n 0`.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = t
            .command(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scripts_read_json_with_stable_fields() {
    let (_server, t) = resident_with_a_code().await;
    let json = |args: &[&str]| -> serde_json::Value {
        serde_json::from_str(&t.ok(args)).unwrap_or_else(|e| panic!("{args:?}: {e}"))
    };
    let status = json(&["status", "--json"]);
    assert_eq!(status["signed_in"], true);
    assert_eq!(status["holder"]["masked_name"], "张*明");
    assert_eq!(status["holder"]["masked_document"], "1101**********002X");
    assert_eq!(status["queued_actions"], 0);
    assert!(status["network"].is_string());

    let show = json(&["show", "--json"]);
    assert_eq!(show["screen"], "code");
    assert_eq!(show["code"]["color"], "blue");
    assert_eq!(show["code"]["role"], "own");
    assert_eq!(show["code"]["position"], 1);
    assert_eq!(show["code"]["masked_name"], "张*明");
    let qr_text = show["code"]["qr_text"].as_str().unwrap().to_owned();
    assert!(qr_text.starts_with("SK1:"));

    let codes = json(&["codes", "--json"]);
    assert_eq!(codes.as_array().unwrap().len(), 1);
    assert_eq!(codes[0]["code_id"], show["code"]["code_id"]);
    assert_eq!(codes[0]["color"], "blue");
    // Offline, the code passes until its credential expires; no page printed.
    assert_eq!(
        show["code"]["offline_valid_until"],
        codes[0]["credential_expires_at"]
    );
    assert!(show["code"]["printed_valid_until"].is_null());

    let pass = t.run(&["verify", "--json", &qr_text]);
    assert_eq!(pass.status.code(), Some(0));
    let verdict: serde_json::Value = serde_json::from_slice(&pass.stdout).unwrap();
    assert_eq!(verdict["verdict"], "pass");
    assert_eq!(verdict["color"], "blue");
    assert_eq!(verdict["masked_name"], "张*明");
    assert_eq!(verdict["printed"], false);

    // The full name and number never appear.
    for args in [
        &["status", "--json"][..],
        &["show", "--json"],
        &["codes", "--json"],
    ] {
        let text = t.ok(args);
        assert!(!text.contains("张三明") && !text.contains("11010519491231002X"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_exit_statuses_tell_pass_invalid_could_not_check_and_usage_apart() {
    let (_server, t) = resident_with_a_code().await;
    let qr = t.ok(&["qr-text"]);
    assert_eq!(t.run(&["verify", qr.trim()]).status.code(), Some(0));

    let invalid = t.run(&["verify", "--json", "SK1:NOT-A-CODE"]);
    assert_eq!(invalid.status.code(), Some(3));
    let verdict: serde_json::Value = serde_json::from_slice(&invalid.stdout).unwrap();
    assert_eq!(verdict["verdict"], "invalid");

    // A file that is not there: could not check, the reason on stderr.
    let missing = t.run(&["verify", "--image", "/nonexistent/code.png"]);
    assert_eq!(missing.status.code(), Some(4));
    assert!(missing.stdout.is_empty());
    assert!(!missing.stderr.is_empty());

    let usage = t.run(&["verify", "--no-such-flag"]);
    assert_eq!(usage.status.code(), Some(2));
    let help = t.ok(&["verify", "--help"]);
    for status in [
        "0  pass",
        "1  stop",
        "3  invalid",
        "4  could not check",
        "2  usage",
    ] {
        assert!(help.contains(status), "{status} in --help");
    }
}

/// The QR on an 80 × 24 and a 120 × 50 terminal: all of it on the screen
/// with the status lines, and it scans from what the screen shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_qr_fits_the_terminal_and_scans() {
    let (_server, t) = resident_with_a_code().await;
    for (cols, rows) in [(80u16, 24u16), (120, 50)] {
        let screen = strip_escapes(&t.on_screen(cols, rows, &[], &["show"]));
        let lines: Vec<&str> = screen.lines().collect();
        // One row left for the shell's prompt.
        assert!(
            lines.len() < usize::from(rows),
            "{cols}×{rows}: {} lines",
            lines.len()
        );
        for line in &lines {
            let width = unicode_width(line);
            assert!(
                width <= usize::from(cols),
                "{cols}×{rows}: {width} wide: {line}"
            );
        }
        assert!(screen.contains("张*明  1101**********002X"), "{screen}");
        assert!(screen.contains("蓝码"), "{screen}");
        let scanned = scan_screen(&screen).unwrap_or_else(|| panic!("{cols}×{rows}:\n{screen}"));
        assert!(scanned.starts_with("SK1:"));
        assert_eq!(t.run(&["verify", &scanned]).status.code(), Some(0));
    }
    // Too small for any QR: it says how large, and where else to get it.
    let tiny = strip_escapes(&t.on_screen(40, 12, &[], &["show"]));
    assert!(tiny.contains("at least"), "{tiny}");
    assert!(tiny.contains("render --png"), "{tiny}");
    assert!(scan_screen(&tiny).is_none());
}

/// Terminal columns a line takes: CJK characters take two.
fn unicode_width(line: &str) -> usize {
    line.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}
