//! The terminal app as a person uses it: each command a process, against a
//! real server on loopback.

use std::path::Path;
use std::process::{Command, Output};

use suikang_protocol::AuthorityRole;

struct Terminal {
    home: tempfile::TempDir,
    server: String,
}

impl Terminal {
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_suikang"))
            .arg("--home")
            .arg(self.home.path())
            .args(args)
            .env("NO_COLOR", "1")
            .env_remove("SUIKANG_SERVER")
            .output()
            .unwrap()
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
}

async fn terminal() -> (suikang_server::RunningServer, Terminal) {
    let server = suikang_server::start_in_process(suikang_server::InProcessOptions::new(
        suikang_server::IssuerProfile::suikang(),
    ))
    .await
    .unwrap();
    let terminal = Terminal {
        home: tempfile::tempdir().unwrap(),
        server: server.base_url(),
    };
    let root = hex::encode(server.root_public_key().to_bytes());
    terminal.ok(&["setup", "--server", &terminal.server, "--root", &root]);
    (server, terminal)
}

fn exit_code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_signs_in_shows_the_code_and_a_checkpoint_passes_it() {
    let (_server, t) = terminal().await;
    let failed = t.run(&[
        "login",
        "张三明",
        "11010519491231002X",
        "--face",
        "mismatch",
    ]);
    assert_eq!(exit_code(&failed), 1);
    assert!(String::from_utf8_lossy(&failed.stderr).contains("did not match"));

    assert!(
        t.ok(&["login", "张三明", "11010519491231002X"])
            .contains("张*明")
    );
    t.ok(&["apply"]);
    let card = t.ok(&["show"]);
    assert!(card.contains("我的穗康码"));
    assert!(card.contains("张*明  1101**********002X"));
    assert!(card.contains("蓝码"));
    // Until when it passes a gate with the network down, as on the phones.
    assert!(card.contains("离线有效至 "), "{card}");
    assert!(card.contains("Valid offline until "), "{card}");
    assert!(
        !card.contains("11010519491231002X"),
        "the full number never shows"
    );

    let qr = t.ok(&["qr-text"]);
    assert!(qr.starts_with("SK1:"));
    let pass = t.run(&["verify", qr.trim()]);
    assert_eq!(
        exit_code(&pass),
        0,
        "{}",
        String::from_utf8_lossy(&pass.stdout)
    );

    let png = t.home.path().join("code.png");
    t.ok(&["render", "--png", png.to_str().unwrap()]);
    assert_eq!(
        exit_code(&t.run(&["verify", "--image", png.to_str().unwrap()])),
        0
    );

    let invalid = t.run(&["verify", "SK1:NOT-A-CODE"]);
    assert_eq!(exit_code(&invalid), 3);
    assert!(String::from_utf8_lossy(&invalid.stdout).contains("Invalid"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guardian_prints_a_dependents_page_and_a_red_code_stops_at_the_checkpoint() {
    let (server, t) = terminal().await;
    t.ok(&["login", "张三明", "11010519491231002X"]);
    t.ok(&["apply"]);
    t.ok(&[
        "apply-proxy",
        "王小明",
        "440104201506010032",
        "--relationship",
        "adult-relative",
        "--co-resident",
    ]);
    let second = t.ok(&["next"]);
    assert!(second.contains("王*明"));
    assert!(second.contains("2/2"));
    // The arrows persist between commands, as the app's screen does.
    assert!(t.ok(&["show"]).contains("王*明"));
    let code_id = second
        .lines()
        .find_map(|l| l.strip_prefix("code "))
        .unwrap()
        .trim()
        .to_owned();

    for format in ["pdf", "svg", "png"] {
        let out = t.home.path().join(format!("page.{format}"));
        t.ok(&[
            "print",
            &code_id,
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(Path::new(&out).metadata().unwrap().len() > 1000);
    }
    // Printed here: her card says until when the page is accepted.
    let printed = t.ok(&["show"]);
    assert!(printed.contains("打印版有效至 "), "{printed}");
    assert!(printed.contains("Printed page valid until "), "{printed}");

    let token = server
        .create_authority(AuthorityRole::Cdc, "guangzhou-cdc", "440100")
        .await
        .unwrap();
    let district = server
        .create_authority(AuthorityRole::District, "yuexiu-district", "440104")
        .await
        .unwrap();
    t.ok(&[
        "impose",
        "440104201506010032",
        "--reason",
        "close-contact",
        "--token",
        &token,
    ]);
    t.ok(&["sync"]);
    assert!(t.ok(&["show"]).contains("红码"));
    let qr = t.ok(&["qr-text"]);
    assert_eq!(exit_code(&t.run(&["verify", qr.trim()])), 1, "stop");

    let refused = t.run(&[
        "release",
        "440104201506010032",
        "--reason",
        "close-contact",
        "--token",
        &district,
    ]);
    assert_eq!(exit_code(&refused), 1);
    t.ok(&[
        "release",
        "440104201506010032",
        "--reason",
        "close-contact",
        "--token",
        &token,
    ]);
    t.ok(&["sync"]);
    assert!(t.ok(&["show"]).contains("绿码"));
}

/// DESIGN §2, Online check: a gate's terminal that never signs a resident
/// in keeps its trust list fresh and asks online with its checkpoint token; a
/// code red now is Stop (exit 1) whatever it showed, and the answer never
/// names the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_checkpoint_terminal_verifies_online_with_its_token_and_no_sign_in() {
    let (server, t) = terminal().await;
    t.ok(&["login", "张三明", "11010519491231002X"]);
    t.ok(&["apply"]);
    let qr = t.ok(&["qr-text"]);
    let qr = qr.trim();

    let gate = Terminal {
        home: tempfile::tempdir().unwrap(),
        server: t.server.clone(),
    };
    let root = hex::encode(server.root_public_key().to_bytes());
    gate.ok(&["setup", "--server", &gate.server, "--root", &root]);
    assert!(gate.ok(&["checkpoint", "refresh"]).contains("updated"));
    let status: serde_json::Value = serde_json::from_str(&gate.ok(&["status", "--json"])).unwrap();
    assert_eq!(
        status["signed_in"], false,
        "no resident signs in at the gate"
    );
    // Offline, no token needed.
    assert_eq!(exit_code(&gate.run(&["verify", qr])), 0);
    // Online without a token: could not check (4), saying what is missing.
    let no_token = gate.run(&["verify", qr, "--online"]);
    assert_eq!(exit_code(&no_token), 4);
    assert!(String::from_utf8_lossy(&no_token.stderr).contains("checkpoint login"));
    // An authority's token is not a checkpoint's.
    let cdc = server
        .create_authority(AuthorityRole::Cdc, "guangzhou-cdc", "440100")
        .await
        .unwrap();
    let wrong = gate.run(&["verify", qr, "--online", "--checkpoint-token", &cdc]);
    assert_eq!(exit_code(&wrong), 4);
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("checkpoint account"));

    let token = server
        .create_checkpoint("tiyu-xilu-metro", "440106")
        .await
        .unwrap();
    gate.ok(&["checkpoint", "login", &token]);
    assert!(
        !std::fs::read_to_string(gate.home.path().join("settings.json"))
            .unwrap()
            .contains(&token),
        "the token lives in the keystore folder, not the settings"
    );
    assert_eq!(exit_code(&gate.run(&["verify", qr, "--online"])), 0);

    t.ok(&[
        "impose",
        "11010519491231002X",
        "--reason",
        "close-contact",
        "--token",
        &cdc,
    ]);
    let stop = gate.run(&["verify", qr, "--online", "--json"]);
    assert_eq!(exit_code(&stop), 1, "red now is Stop online");
    let report: serde_json::Value = serde_json::from_slice(&stop.stdout).unwrap();
    assert_eq!(report["verdict"], "stop");
    assert_eq!(report["online"]["color_now"], "red");
    let text = String::from_utf8_lossy(&stop.stdout);
    assert!(!text.contains("close_contact"), "{text}");
    // Offline the code still passes: only the online answer knows.
    assert_eq!(exit_code(&gate.run(&["verify", qr])), 0);

    gate.ok(&["checkpoint", "logout"]);
    assert_eq!(exit_code(&gate.run(&["verify", qr, "--online"])), 4);
}

/// 问题二 and DESIGN §2: a committee acts from the terminal with its token,
/// only for people living in its own district; a district hands a home
/// isolation over to a hospital, which then releases it (问题十).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_committee_applies_in_its_district_and_a_district_hands_a_control_over() {
    let (server, t) = terminal().await;
    let committee = server
        .create_institution(
            suikang_protocol::Relationship::ResidentsCommittee,
            "beijing-street",
            "440104",
        )
        .await
        .unwrap();
    let elder = "440104194003080028";
    let apply = |district: &str| {
        t.run(&[
            "institution",
            "apply-proxy",
            "李秀英",
            elder,
            "--relationship",
            "residents-committee",
            "--district",
            district,
            "--token",
            &committee,
        ])
    };
    let elsewhere = apply("海珠区");
    assert_eq!(exit_code(&elsewhere), 1);
    assert!(
        String::from_utf8_lossy(&elsewhere.stderr).contains("own district"),
        "{}",
        String::from_utf8_lossy(&elsewhere.stderr)
    );
    let applied = apply("yuexiu");
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    assert!(String::from_utf8_lossy(&applied.stdout).contains("绿码"));
    let codes = t.ok(&["institution", "codes", "--token", &committee]);
    assert!(codes.contains("李*英"), "{codes}");
    assert!(!codes.contains(elder), "masked only");

    let district = server
        .create_authority(AuthorityRole::District, "yuexiu-district", "440104")
        .await
        .unwrap();
    let hospital = server
        .create_authority(
            AuthorityRole::MedicalInstitution,
            "guangzhou-eighth-hospital",
            "440111",
        )
        .await
        .unwrap();
    t.ok(&[
        "impose",
        elder,
        "--reason",
        "home-isolation",
        "--token",
        &district,
    ]);
    let handed = t.ok(&[
        "hand-over",
        elder,
        "--reason",
        "home-isolation",
        "--to",
        "guangzhou-eighth-hospital",
        "--token",
        &district,
    ]);
    assert!(handed.contains("guangzhou-eighth-hospital"), "{handed}");
    let refused = t.run(&[
        "release",
        elder,
        "--reason",
        "home-isolation",
        "--token",
        &district,
    ]);
    assert_eq!(exit_code(&refused), 1, "the district no longer executes it");
    t.ok(&[
        "release",
        elder,
        "--reason",
        "home-isolation",
        "--token",
        &hospital,
    ]);
    assert!(
        t.ok(&["institution", "codes", "--token", &committee])
            .contains("绿码")
    );

    // Her son asks to join; the committee of her district sees the request
    // and approves it (DESIGN §2), and the son then holds her code too.
    t.ok(&["login", "张三明", "11010519491231002X"]);
    let asked = t.run(&[
        "apply-proxy",
        "李秀英",
        elder,
        "--relationship",
        "adult-relative",
        "--co-resident",
    ]);
    assert!(
        String::from_utf8_lossy(&asked.stderr).contains("join"),
        "{}",
        String::from_utf8_lossy(&asked.stderr)
    );
    let waiting = t.ok(&["institution", "requests", "--token", &committee]);
    assert!(waiting.contains("张*明"), "{waiting}");
    let request_id = waiting.split_whitespace().next().unwrap().to_owned();
    let approved = t.ok(&["institution", "approve", &request_id, "--token", &committee]);
    assert!(approved.contains("已同意"), "{approved}");
    assert!(
        t.ok(&["institution", "requests", "--token", &committee])
            .contains("没有待处理的申请")
    );
    t.ok(&["sync"]);
    assert!(t.ok(&["codes"]).contains("李*英"));
}

#[test]
fn every_command_explains_itself() {
    let help = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_suikang"))
            .args(args)
            .arg("--help")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let top = help(&[]);
    for command in [
        "demo",
        "setup",
        "login",
        "logout",
        "apply",
        "apply-proxy",
        "remove-dependent",
        "declare",
        "sync",
        "status",
        "show",
        "next",
        "prev",
        "select",
        "print",
        "render",
        "qr-text",
        "verify",
        "impose",
        "release",
        "checkpoint",
        "hand-over",
        "institution",
    ] {
        assert!(top.contains(command), "{command} is listed");
        assert!(help(&[command]).contains("Usage"), "{command} --help");
    }
    // The online check says what it needs: a checkpoint token, no sign-in.
    let verify = help(&["verify"]);
    assert!(verify.contains("--checkpoint-token"));
    assert!(verify.contains("SUIKANG_CHECKPOINT_TOKEN"));
    assert!(help(&["checkpoint"]).contains("refresh"));
}

/// Issue 11, finding 6: a passport holder becomes a guardian once the
/// identity check (here the simulator) gives her birth date.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passport_holder_declares_her_birth_date_and_applies_for_a_child() {
    let (_server, t) = terminal().await;
    let apply = || {
        t.run(&[
            "apply-proxy",
            "王小明",
            "440104201506010032",
            "--relationship",
            "adult-relative",
            "--co-resident",
        ])
    };
    t.ok(&["login", "MARIA SANTOS", "E12345678", "--kind", "passport"]);
    let unknown = apply();
    assert_eq!(exit_code(&unknown), 1);
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("no birth date"),
        "{}",
        String::from_utf8_lossy(&unknown.stderr)
    );
    let typo = t.run(&[
        "login",
        "MARIA SANTOS",
        "E12345678",
        "--kind",
        "passport",
        "--birth-date",
        "1980/05/01",
    ]);
    assert_eq!(exit_code(&typo), 2, "a misspelt date is a usage error");
    t.ok(&[
        "login",
        "MARIA SANTOS",
        "E12345678",
        "--kind",
        "passport",
        "--birth-date",
        "1980-05-01",
    ]);
    let applied = apply();
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    assert!(String::from_utf8_lossy(&applied.stdout).contains("绿码"));
}
