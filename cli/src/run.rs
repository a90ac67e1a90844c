//! Each command: parse, call the core, draw. No rules of its own.

use std::process::ExitCode;
use std::sync::Arc;

use suikang_core::print::PageFormat;
use suikang_core::verifier::Verdict;
use suikang_core::{
    App, AuthorityConsole, CoreError, InstitutionDesk, ProxyApplication, RetryPolicy, Screen,
    SubmitOutcome,
};
use suikang_protocol::api::{FaceCapture, KeyAreaTravel};

use crate::args::{CheckpointCommand, Cli, ColorChoice, Command, InstitutionCommand, PrintFormat};
use crate::draw::{self, Style};
use crate::face::Simulated;
use crate::home::{Home, HomeError, Settings, parse_root};
use crate::json;
use crate::{out, outln};

/// Runs the command and returns the process's exit status.
pub async fn run(cli: Cli) -> ExitCode {
    let home = Home::new(cli.home.clone());
    let style = Style::of_stdout(cli.color);
    match execute(&home, cli, style).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("suikang: {e}");
            ExitCode::from(1)
        }
    }
}

fn open(home: &Home, server: Option<&str>) -> Result<App, HomeError> {
    let app = home.open(server, FaceCapture::Match)?;
    if let Some(selected) = home.selected() {
        // The code the arrows last moved to; gone codes fall back to one's own.
        let _ = app.select(&selected);
    }
    Ok(app)
}

fn show(app: &App, style: &Style, as_json: bool) -> Result<(), HomeError> {
    let screen = app.screen()?;
    if as_json {
        print_json(&json::Show::from(&screen));
    } else {
        out!("{}", draw::screen(&screen, style));
    }
    Ok(())
}

fn print_json(value: &impl serde::Serialize) {
    // Serialising these plain structs cannot fail.
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    outln!("{text}");
}

fn remember(home: &Home, screen: &Screen) -> Result<(), HomeError> {
    if let Screen::Code(code) = screen {
        home.set_selected(&code.code_id)?;
    }
    Ok(())
}

fn outcome(o: SubmitOutcome) -> &'static str {
    match o {
        SubmitOutcome::Delivered => "delivered · 已提交",
        SubmitOutcome::Queued => {
            "queued, delivered when the network returns · 已离线保存，联网后自动提交"
        }
    }
}

async fn execute(home: &Home, cli: Cli, style: Style) -> Result<ExitCode, HomeError> {
    let server = cli.server.as_deref();
    match cli.command {
        Command::Demo { out } => {
            return Ok(match crate::demo::run(out).await {
                Ok(report) => {
                    outln!("\nDemo done. Files: {}", report.out_dir.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("demo failed: {e}");
                    ExitCode::from(1)
                }
            });
        }
        Command::Setup { server, roots } => {
            for root in &roots {
                parse_root(root)?;
            }
            home.save_settings(&Settings {
                server_url: Some(server),
                trust_roots: roots,
            })?;
            outln!("saved to {}", home.dir.display());
        }
        Command::Login {
            name,
            document,
            kind,
            face,
            birth_date,
        } => {
            let app = home.open(
                server,
                Simulated {
                    capture: face.into(),
                    birth_date,
                },
            )?;
            let session = app.login(&name, kind.into(), &document).await?;
            outln!(
                "signed in · 已登录: {} {}",
                session.masked_name,
                session.masked_document
            );
        }
        Command::Logout => {
            open(home, server)?.logout().await?;
            outln!("signed out · 已退出");
        }
        Command::Apply => {
            let applied = open(home, server)?.apply_self().await?;
            outln!("code {} · {}", applied.code_id, applied.color.name_zh());
        }
        Command::ApplyProxy {
            name,
            document,
            kind,
            relationship,
            co_resident,
            reason,
            reason_text,
            residence_district,
        } => {
            let application = ProxyApplication {
                reason: reason.map(|r| r.with_text(reason_text)),
                residence_district,
                ..ProxyApplication::new(
                    &name,
                    kind.into(),
                    &document,
                    relationship.into(),
                    co_resident,
                )
            };
            let applied = open(home, server)?.apply_proxy(&application).await?;
            outln!(
                "dependent's code {} · {}",
                applied.code_id,
                applied.color.name_zh()
            );
        }
        Command::Leave { code_id } => {
            outln!(
                "left · 已退出代领: {}",
                outcome(open(home, server)?.remove_dependent(&code_id).await?)
            );
        }
        Command::Requests { json } => {
            print_requests(&open(home, server)?.pending_join_requests().await?, json);
        }
        Command::Approve { request_id } => {
            print_decision(
                &open(home, server)?
                    .approve_join_request(&request_id)
                    .await?,
            );
        }
        Command::Decline { request_id } => {
            print_decision(
                &open(home, server)?
                    .decline_join_request(&request_id)
                    .await?,
            );
        }
        Command::Declare {
            code,
            symptoms,
            travel_from,
            arrived,
            district,
        } => {
            let travel = match (travel_from, arrived, district) {
                (Some(area), Some(arrived), Some(district)) => {
                    let arrived_on =
                        suikang_protocol::api::parse_full_date(&arrived).ok_or_else(|| {
                            HomeError::Core(CoreError::Refused {
                                code: suikang_protocol::api::ErrorCode::InvalidRequest,
                                message: "the arrival date is written YYYY-MM-DD".into(),
                            })
                        })?;
                    Some(KeyAreaTravel {
                        area,
                        arrived_on,
                        district,
                    })
                }
                _ => None,
            };
            let symptoms = symptoms.into_iter().map(Into::into).collect();
            outln!(
                "{}",
                outcome(
                    open(home, server)?
                        .declare(code.as_deref(), symptoms, travel)
                        .await?
                )
            );
        }
        Command::Sync => {
            let report = open(home, server)?.sync().await?;
            outln!(
                "synced · 已同步: codes {}, trust list {}, delivered {}",
                if report.codes_changed {
                    "updated"
                } else {
                    "unchanged"
                },
                if report.trust_list_changed {
                    "updated"
                } else {
                    "unchanged"
                },
                report.delivered
            );
            for refused in report.refused {
                outln!("a queued action was refused: {refused:?}");
            }
        }
        Command::Status { json: true } => {
            print_json(&json::Status::from(&open(home, server)?.status()?));
        }
        Command::Status { json: false } => {
            let status = open(home, server)?.status()?;
            outln!("signed in: {}", status.signed_in);
            if status.signed_in_elsewhere {
                outln!("signed in on another device · 账号已在其他设备登录");
            }
            if let Some(session) = status.session {
                outln!(
                    "holder: {} {}",
                    session.masked_name,
                    session.masked_document
                );
            }
            outln!("network: {:?}", status.network);
            match status.last_synced_at {
                Some(t) => outln!("last synced: {}", suikang_core::display::clock_text(t)),
                None => outln!("last synced: never"),
            }
            outln!("queued actions: {}", status.queued_actions);
        }
        Command::Show { watch, json } => {
            let app = open(home, server)?;
            if watch {
                return watch_screen(app, style).await;
            }
            show(&app, &style, json)?;
        }
        Command::Codes { json } => {
            let codes = open(home, server)?.codes()?;
            if json {
                print_json(&codes.iter().map(json::Code::from).collect::<Vec<_>>());
            } else {
                for c in &codes {
                    outln!(
                        "{}  {:<9} {}  {}  {}",
                        c.code_id,
                        format!("{:?}", c.role).to_lowercase(),
                        c.color.name_zh(),
                        c.masked_name,
                        c.masked_document
                    );
                }
            }
        }
        Command::Next => {
            let app = open(home, server)?;
            let screen = app.next()?;
            remember(home, &screen)?;
            out!("{}", draw::screen(&screen, &style));
        }
        Command::Prev => {
            let app = open(home, server)?;
            let screen = app.previous()?;
            remember(home, &screen)?;
            out!("{}", draw::screen(&screen, &style));
        }
        Command::Select { code_id } => {
            let app = open(home, server)?;
            let screen = app.select(&code_id)?;
            remember(home, &screen)?;
            out!("{}", draw::screen(&screen, &style));
        }
        Command::Print {
            code_id,
            format,
            out,
        } => {
            let format = match format {
                PrintFormat::Png => PageFormat::Png,
                PrintFormat::Svg => PageFormat::Svg,
                PrintFormat::Pdf => PageFormat::Pdf,
            };
            let page = open(home, server)?
                .print_page_with(&code_id, format, &draw::page_fonts())
                .await?;
            std::fs::write(&out, page).map_err(|e| HomeError::Folder(out.clone(), e.kind()))?;
            outln!("printed page · 打印版: {}", out.display());
        }
        Command::Render { png } => {
            let app = open(home, server)?;
            let Screen::Code(code) = app.screen()? else {
                return Err(CoreError::NoCodeYet.into());
            };
            std::fs::write(&png, code.render_png(8))
                .map_err(|e| HomeError::Folder(png.clone(), e.kind()))?;
            outln!("{}", png.display());
        }
        Command::QrText => {
            let app = open(home, server)?;
            let Screen::Code(code) = app.screen()? else {
                return Err(CoreError::NoCodeYet.into());
            };
            outln!("{}", code.qr_text);
        }
        Command::Verify {
            json,
            payload,
            image,
            online,
            checkpoint_token,
        } => {
            // --online asks as a checkpoint account, never as a resident
            // (DESIGN §2, Online check): the token given, else the saved one.
            let online = match (online, checkpoint_token) {
                (false, _) => None,
                (true, Some(token)) => Some(token),
                (true, None) => match home.checkpoint_token()? {
                    Some(token) => Some(token),
                    None => {
                        eprintln!(
                            "suikang: could not check · 无法核验: {}",
                            HomeError::NoCheckpointToken
                        );
                        return Ok(ExitCode::from(4));
                    }
                },
            };
            // Could not check: the reason on stderr, and a status of its own
            // so a script never takes it for a stop.
            return Ok(
                match verify(home, server, payload, image, online, json, &style).await {
                    Ok(code) => code,
                    Err(e) => {
                        eprintln!("suikang: could not check · 无法核验: {e}");
                        ExitCode::from(4)
                    }
                },
            );
        }
        Command::Checkpoint(command) => match command {
            CheckpointCommand::Login { token } => {
                let token = match token {
                    Some(token) => token,
                    None => {
                        let mut line = String::new();
                        std::io::stdin()
                            .read_line(&mut line)
                            .map_err(|e| HomeError::Folder("stdin".into(), e.kind()))?;
                        line
                    }
                };
                home.save_checkpoint_token(&token)?;
                outln!("checkpoint token saved · 已保存核验点令牌: verify --online uses it");
            }
            CheckpointCommand::Logout => {
                home.forget_checkpoint_token()?;
                outln!("checkpoint token forgotten · 已删除核验点令牌");
            }
            CheckpointCommand::Refresh => {
                let app = open(home, server)?;
                let changed = app.refresh_trust_list().await?;
                outln!(
                    "trust list · 信任列表: {}",
                    if changed { "updated" } else { "unchanged" }
                );
            }
        },
        Command::Impose {
            document,
            kind,
            reason,
            token,
        } => {
            let console = authority_console(home, server, &token)?;
            let after = console
                .impose(kind.into(), &document, reason.into())
                .await?;
            outln!(
                "imposed · 已赋红码: {} now {:?}",
                after.masked_document,
                after.color
            );
        }
        Command::HandOver {
            document,
            kind,
            reason,
            to,
            token,
        } => {
            let console = authority_console(home, server, &token)?;
            let after = console
                .hand_over(kind.into(), &document, reason.into(), &to)
                .await?;
            outln!(
                "handed over · 已移交: {} now executed by {}",
                after.masked_document,
                to.trim()
            );
        }
        Command::Institution(command) => match command {
            InstitutionCommand::ApplyProxy {
                name,
                document,
                kind,
                relationship,
                district,
                token,
            } => {
                let desk = institution_desk(home, server, &token)?;
                let applied = desk
                    .apply_proxy(
                        &name,
                        kind.into(),
                        &document,
                        relationship.into(),
                        &district,
                    )
                    .await?;
                outln!(
                    "applied · 已代申领: code {} {}",
                    applied.code_id,
                    applied.color.name_zh()
                );
            }
            InstitutionCommand::Requests { json, token } => {
                let desk = institution_desk(home, server, &token)?;
                print_requests(&desk.pending_join_requests().await?, json);
            }
            InstitutionCommand::Approve { request_id, token } => {
                let desk = institution_desk(home, server, &token)?;
                print_decision(&desk.approve_join_request(&request_id).await?);
            }
            InstitutionCommand::Decline { request_id, token } => {
                let desk = institution_desk(home, server, &token)?;
                print_decision(&desk.decline_join_request(&request_id).await?);
            }
            InstitutionCommand::Codes { token } => {
                let desk = institution_desk(home, server, &token)?;
                for code in desk.codes().await?.dependents {
                    outln!(
                        "{}  {}  {}  {}",
                        code.code_id,
                        code.color.name_zh(),
                        code.masked_name,
                        code.masked_document
                    );
                }
            }
        },
        Command::Release {
            document,
            kind,
            reason,
            token,
        } => {
            let console = authority_console(home, server, &token)?;
            let after = console
                .release(kind.into(), &document, reason.into())
                .await?;
            outln!(
                "released · 已解除: {} now {:?}",
                after.masked_document,
                after.color
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn server_url(home: &Home, server: Option<&str>) -> Result<String, HomeError> {
    server
        .map(str::to_owned)
        .or(home.settings().server_url)
        .ok_or(HomeError::NoServer)
}

async fn verify(
    home: &Home,
    server: Option<&str>,
    payload: Option<String>,
    image: Option<std::path::PathBuf>,
    online: Option<String>,
    as_json: bool,
    style: &Style,
) -> Result<ExitCode, HomeError> {
    let app = open(home, server)?;
    let text = match (payload, image) {
        (Some(text), _) => text,
        (None, Some(path)) => {
            let bytes =
                std::fs::read(&path).map_err(|e| HomeError::Folder(path.clone(), e.kind()))?;
            match suikang_core::qr::read_qr(&bytes) {
                Ok(text) => text,
                Err(e) => {
                    if as_json {
                        print_json(&serde_json::json!({
                            "verdict": "invalid",
                            "refusal": "no_code_in_image",
                            "headline_en": e.to_string(),
                        }));
                    } else {
                        outln!("invalid · 无效: {e}");
                    }
                    return Ok(ExitCode::from(3));
                }
            }
        }
        (None, None) => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| HomeError::Folder("stdin".into(), e.kind()))?;
            line.trim().to_owned()
        }
    };
    if app.trust_list()?.is_none() {
        // A checkpoint's first run: fetch the list once; offline after that.
        app.refresh_trust_list().await?;
    }
    let result = app.verify(&text)?;
    let mut verdict = result.verdict;
    let mut report = json::Verification::from(&result);
    if !as_json {
        out!("{}", draw::check(&result, style.color));
    }
    if let Some(checkpoint_token) = online {
        let answer = app.verify_online(&text, &checkpoint_token).await?;
        report.online = Some(json::Online {
            color_now: answer.current_status.as_ref().map(|s| s.color),
            changed_since_issue: answer.status_changed_since_issue,
        });
        if let (false, Some(status)) = (as_json, &answer.current_status) {
            outln!(
                "  online: now {} {}",
                status.color.name_zh(),
                if answer.status_changed_since_issue {
                    "(changed since issue)"
                } else {
                    ""
                }
            );
        }
        // A code red now is Stop online, whatever the page shows (issue 11,
        // finding 4): the exit code follows.
        verdict = suikang_core::verdict_now(verdict, &answer);
        if verdict != result.verdict {
            report.verdict = "stop";
            if !as_json {
                outln!("  online verdict: Stop 禁止通行");
            }
        }
    }
    if as_json {
        print_json(&report);
    }
    Ok(ExitCode::from(match verdict {
        Verdict::Pass => 0,
        Verdict::Stop => 1,
        Verdict::Invalid => 3,
    }))
}

async fn watch_screen(app: App, style: Style) -> Result<ExitCode, HomeError> {
    // The "Ctrl-C to stop" line stays visible too.
    let style = Style {
        size: Style::of_stdout(ColorChoice::Never).size,
        reserved_rows: 2,
        ..style
    };
    let app = Arc::new(app);
    let mut sync_due = tokio::time::Instant::now();
    loop {
        if tokio::time::Instant::now() >= sync_due {
            // Best effort: offline, the code still shows, with the banner.
            let _ = app.sync().await;
            sync_due = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
        }
        // Clear the terminal and draw the card with a fresh presentation.
        out!("\x1b[2J\x1b[H{}", draw::screen(&app.screen()?, &style));
        outln!("(Ctrl-C to stop)");
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
            _ = tokio::signal::ctrl_c() => return Ok(ExitCode::SUCCESS),
        }
    }
}

/// The join requests waiting, one a line (or as JSON).
fn print_requests(requests: &[suikang_protocol::api::JoinRequestView], json: bool) {
    if json {
        print_json(&requests);
        return;
    }
    if requests.is_empty() {
        outln!("no requests waiting · 没有待处理的申请");
    }
    for r in requests {
        outln!(
            "{}  {} asks to join for {} ({})  {}  {}",
            r.request_id,
            r.requester_masked_name,
            r.dependent_masked_name,
            r.code_id,
            r.relationship.label_zh(),
            suikang_core::display::clock_text(r.requested_at)
        );
    }
}

/// What became of a join request.
fn print_decision(decided: &suikang_protocol::api::JoinDecisionResponse) {
    match decided.decision {
        suikang_protocol::api::JoinDecision::Approved => outln!(
            "approved · 已同意: {} now holds code {} too",
            decided.request_id,
            decided.code_id
        ),
        suikang_protocol::api::JoinDecision::Declined => {
            outln!("declined · 已拒绝: {}", decided.request_id)
        }
    }
}

/// The authority account's console at the configured server.
fn authority_console(
    home: &Home,
    server: Option<&str>,
    token: &str,
) -> Result<AuthorityConsole, HomeError> {
    Ok(AuthorityConsole::new(
        &server_url(home, server)?,
        token,
        RetryPolicy::default(),
        Arc::new(suikang_core::SystemClock),
    )?)
}

/// The institution account's desk at the configured server.
fn institution_desk(
    home: &Home,
    server: Option<&str>,
    token: &str,
) -> Result<InstitutionDesk, HomeError> {
    Ok(InstitutionDesk::new(
        &server_url(home, server)?,
        token,
        RetryPolicy::default(),
        Arc::new(suikang_core::SystemClock),
    )?)
}
