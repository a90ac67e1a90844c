//! `suikang demo`: the whole story on one machine, in one process — two
//! issuers (Suikang and Yuekang, each with SQLite in a temporary folder,
//! under one root), phones, an authority, a checkpoint — a short line a
//! step. It drives the core exactly as the apps do.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use suikang_core::print::PageFormat;
use suikang_core::verifier::{CheckResult, Verdict};
use suikang_core::{
    App, AuthorityConsole, Clock, CoreError, ProxyApplication, RetryPolicy, Screen, SubmitOutcome,
};
use suikang_protocol::api::{FaceCapture, Symptom};
use suikang_protocol::{AuthorityRole, ControlReason, DocumentKind, Relationship};
use suikang_server::{IssuerProfile, KeySource, RunningServer, ServerConfig};
use time::{Duration, OffsetDateTime};

use crate::home::{HomeError, open_app};

pub const RESIDENT: (&str, &str) = ("张三明", "11010519491231002X");
pub const GRANDMOTHER: (&str, &str) = ("李秀英", "440104194003080028");
pub const CHILD: (&str, &str) = ("王小明", "440104201506010032");
pub const VISITOR: (&str, &str) = ("陈粤华", "44030519900101123X");
pub const STRANGER: (&str, &str) = ("陈大文", "440106197504120012");
pub const SON: (&str, &str) = ("王建国", "440105198007150024");

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("a server did not start: {0}")]
    Server(String),
    #[error(transparent)]
    Home(#[from] HomeError),
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("cannot write {0}: {1}")]
    Write(PathBuf, std::io::ErrorKind),
    #[error("the story went wrong at: {0}")]
    Unexpected(&'static str),
}

impl From<suikang_server::StartError> for DemoError {
    fn from(e: suikang_server::StartError) -> Self {
        DemoError::Server(e.to_string())
    }
}

/// What the demo made, for the newcomer (and the end-to-end test).
#[derive(Debug)]
pub struct DemoReport {
    pub out_dir: PathBuf,
    pub files: Vec<PathBuf>,
    /// Each checkpoint result of step 6, in order.
    pub checks: Vec<(String, Verdict)>,
}

/// A clock some minutes ahead: the checkpoint of a replayed screenshot.
struct Ahead(Duration);

impl Clock for Ahead {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + self.0
    }
}

struct World {
    root: SigningKey,
    suikang_dir: PathBuf,
    suikang: Option<RunningServer>,
    yuekang: RunningServer,
}

impl World {
    async fn start(dir: &std::path::Path) -> Result<World, DemoError> {
        let mut seed = [0; 32];
        getrandom::fill(&mut seed).expect("the platform has a random source");
        let root = SigningKey::from_bytes(&seed);
        let suikang_dir = dir.join("suikang-server");
        let suikang = start_suikang(
            &suikang_dir,
            &root,
            "127.0.0.1:0".parse().expect("an address"),
        )
        .await?;
        let mut yuekang = suikang_server::InProcessOptions::new(IssuerProfile::yuekang());
        yuekang.root_key = Some(root.clone());
        yuekang.trusted_issuers = vec![suikang.issuer_entry()];
        let yuekang = suikang_server::start_in_process(yuekang).await?;
        suikang
            .trust_issuer(&yuekang.issuer_entry())
            .await
            .map_err(|e| DemoError::Server(e.to_string()))?;
        Ok(World {
            root,
            suikang_dir,
            suikang: Some(suikang),
            yuekang,
        })
    }

    fn suikang(&self) -> &RunningServer {
        self.suikang.as_ref().expect("Suikang is running")
    }

    fn roots(&self) -> Vec<[u8; 32]> {
        vec![self.root.verifying_key().to_bytes()]
    }
}

async fn start_suikang(
    dir: &std::path::Path,
    root: &SigningKey,
    at: SocketAddr,
) -> Result<RunningServer, DemoError> {
    let mut config = ServerConfig::new(dir, IssuerProfile::suikang());
    config.root_key = KeySource::Given(root.clone());
    // The demo's vendor is the simulator (as `--dev-face-simulator`).
    config.face_vendor = Some(suikang_server::FaceVendorSetting::DevSimulator);
    Ok(suikang_server::start(config, at).await?)
}

/// Step 2b: a stranger who knows the grandmother's ID number and name asks
/// to join her guardians, learns nothing, and is declined; her son asks and
/// is approved, and his phone holds the same code.
async fn join_requests(
    out_dir: &std::path::Path,
    url: &str,
    world: &World,
    guardian: &App,
    grandmother: &str,
) -> Result<(), DemoError> {
    let ask = async |who: (&str, &str), dir: &str| -> Result<(App, CoreError), DemoError> {
        let app = open_app(
            &out_dir.join(dir),
            url,
            world.roots(),
            FaceCapture::Match,
            Arc::new(suikang_core::SystemClock),
        )?;
        app.login(who.0, DocumentKind::ResidentId, who.1).await?;
        let told = app
            .apply_proxy(&ProxyApplication::new(
                GRANDMOTHER.0,
                DocumentKind::ResidentId,
                GRANDMOTHER.1,
                Relationship::AdultRelative,
                true,
            ))
            .await;
        match told {
            Err(e @ CoreError::Refused { .. }) => Ok((app, e)),
            _ => Err(DemoError::Unexpected(
                "someone joined without a guardian's consent",
            )),
        }
    };
    let (_stranger, told) = ask(STRANGER, "stranger-phone").await?;
    line(
        "2b.",
        format!(
            "A stranger who knows her ID number and name applies for the grandmother; told only: {told}"
        ),
    );
    let waiting = guardian.pending_join_requests().await?;
    let [request] = waiting.as_slice() else {
        return Err(DemoError::Unexpected("one join request waits"));
    };
    guardian.decline_join_request(&request.request_id).await?;
    line(
        "  ",
        format!(
            "The resident sees that {} asked to join for {} and declines; the stranger learns nothing more.",
            request.requester_masked_name, request.dependent_masked_name
        ),
    );
    let (son, _) = ask(SON, "son-phone").await?;
    let waiting = guardian.pending_join_requests().await?;
    let [request] = waiting.as_slice() else {
        return Err(DemoError::Unexpected("the son's join request waits"));
    };
    guardian.approve_join_request(&request.request_id).await?;
    son.sync().await?;
    let held = son.codes()?;
    if !held.iter().any(|c| c.code_id == grandmother) {
        return Err(DemoError::Unexpected("the approved son holds her code"));
    }
    son.select(grandmother)?;
    line(
        "  ",
        format!(
            "Her son {} asks too; the resident approves; his phone shows the same code: {}",
            request.requester_masked_name,
            code_line(&son)?
        ),
    );
    Ok(())
}

fn line(step: &str, text: impl AsRef<str>) {
    crate::outln!("{step} {}", text.as_ref());
}

fn code_line(app: &App) -> Result<String, CoreError> {
    Ok(match app.screen()? {
        Screen::Code(c) => {
            let banner = c
                .banner
                .map(|b| format!(" [{}]", b.text_en()))
                .unwrap_or_default();
            format!(
                "{}/{} {} — {} {} — {}{banner}",
                c.index + 1,
                c.count,
                c.title_en,
                c.masked_name,
                c.masked_document,
                c.status_zh
            )
        }
        Screen::NoCode { .. } => "no code yet".into(),
        Screen::SignedOut { .. } => "signed out".into(),
    })
}

fn write(
    out: &std::path::Path,
    name: &str,
    bytes: &[u8],
    files: &mut Vec<PathBuf>,
) -> Result<(), DemoError> {
    let path = out.join(name);
    std::fs::write(&path, bytes).map_err(|e| DemoError::Write(path.clone(), e.kind()))?;
    files.push(path);
    Ok(())
}

fn check_line(what: &str, result: &CheckResult, checks: &mut Vec<(String, Verdict)>) {
    let who = match (&result.masked_name, &result.issuer_name_zh) {
        (Some(name), Some(issuer)) => format!(" — {name} · {issuer}"),
        _ => String::new(),
    };
    line("  ", format!("{what}: {}{who}", result.headline_en));
    checks.push((what.to_owned(), result.verdict));
}

/// Runs the story; files go to `out` (or a new temporary folder, kept).
pub async fn run(out: Option<PathBuf>) -> Result<DemoReport, DemoError> {
    let out_dir = match out {
        Some(dir) => dir,
        None => tempfile::Builder::new()
            .prefix("suikang-demo-")
            .tempdir()
            .map_err(|e| DemoError::Write(std::env::temp_dir(), e.kind()))?
            .keep(),
    };
    std::fs::create_dir_all(&out_dir).map_err(|e| DemoError::Write(out_dir.clone(), e.kind()))?;
    let mut files = Vec::new();
    let mut checks = Vec::new();
    let mut world = World::start(&out_dir).await?;
    let suikang_url = world.suikang().base_url();
    crate::outln!(
        "Suikang 穗康码 at {suikang_url}, Yuekang 粤康码 at {}, one root.",
        world.yuekang.base_url()
    );

    // 1. Sign-in with a face check; a failed one first.
    let phone_dir = out_dir.join("phone");
    let failing = open_app(
        &phone_dir,
        &suikang_url,
        world.roots(),
        FaceCapture::Spoof,
        Arc::new(suikang_core::SystemClock),
    )?;
    match failing
        .login(RESIDENT.0, DocumentKind::ResidentId, RESIDENT.1)
        .await
    {
        Err(e) => line(
            "1.",
            format!("A face check with a photo held up to the camera fails: {e}."),
        ),
        Ok(_) => return Err(DemoError::Unexpected("a spoofed face check passed")),
    }
    drop(failing);
    let phone = open_app(
        &phone_dir,
        &suikang_url,
        world.roots(),
        FaceCapture::Match,
        Arc::new(suikang_core::SystemClock),
    )?;
    let session = phone
        .login(RESIDENT.0, DocumentKind::ResidentId, RESIDENT.1)
        .await?;
    phone.apply_self().await?;
    line(
        "  ",
        format!(
            "{} signs in with a face check and applies: {}",
            session.masked_name,
            code_line(&phone)?
        ),
    );

    // 2. A guardian: a grandmother and a child, green; the arrows.
    phone
        .apply_proxy(&ProxyApplication::new(
            GRANDMOTHER.0,
            DocumentKind::ResidentId,
            GRANDMOTHER.1,
            Relationship::AdultRelative,
            true,
        ))
        .await?;
    phone
        .apply_proxy(&ProxyApplication::new(
            CHILD.0,
            DocumentKind::ResidentId,
            CHILD.1,
            Relationship::AdultRelative,
            true,
        ))
        .await?;
    line(
        "2.",
        "The resident applies for a grandmother and a child (代申领) and moves through the codes:",
    );
    line("  ", code_line(&phone)?);
    phone.next()?;
    line("  ", code_line(&phone)?);
    phone.next()?;
    line("  ", code_line(&phone)?);
    phone.next()?;
    line(
        "  ",
        format!(
            "(the right arrow at the last code stays: {})",
            code_line(&phone)?
        ),
    );
    let codes = phone.codes()?;
    let (grandmother, child) = (codes[1].code_id.clone(), codes[2].code_id.clone());

    // 2b. Guardianship consent (DESIGN §2): others who apply for the
    // grandmother only ask to join; the resident decides.
    join_requests(&out_dir, &suikang_url, &world, &phone, &grandmother).await?;

    // 3. The grandmother's printable page.
    for (format, ext) in [
        (PageFormat::Pdf, "pdf"),
        (PageFormat::Png, "png"),
        (PageFormat::Svg, "svg"),
    ] {
        let page = phone
            .print_page_with(&grandmother, format, &crate::draw::page_fonts())
            .await?;
        write(
            &out_dir,
            &format!("grandmother-printed.{ext}"),
            &page,
            &mut files,
        )?;
    }
    let printed_qr = phone.printed_code(&grandmother).await?.qr_text;
    line(
        "3.",
        format!(
            "The grandmother's printable page (打印版) is written: {}",
            out_dir.join("grandmother-printed.pdf").display()
        ),
    );

    // 4. The network drops: the server is stopped.
    let addr = world.suikang().addr;
    world.suikang.take().expect("running").shutdown().await;
    let offline = phone.sync().await;
    phone.select(&codes[0].code_id)?;
    line(
        "4.",
        format!(
            "The server stops. Sync: {}. The code still shows at once: {}",
            offline.err().map_or("ok".into(), |e| e.to_string()),
            code_line(&phone)?
        ),
    );
    let Screen::Code(own_offline) = phone.screen()? else {
        return Err(DemoError::Unexpected("no code offline"));
    };
    write(
        &out_dir,
        "my-code-offline.png",
        &own_offline.render_png(8),
        &mut files,
    )?;
    let queued = phone.declare(None, vec![Symptom::Cough], None).await?;
    line(
        "  ",
        format!(
            "A health declaration (健康申报) while offline: {}.",
            if queued == SubmitOutcome::Queued {
                "queued on the phone"
            } else {
                "delivered"
            }
        ),
    );
    world.suikang = Some(start_suikang(&world.suikang_dir, &world.root, addr).await?);
    let report = phone.sync().await?;
    line(
        "  ",
        format!(
            "The server is back; sync delivers {} queued action(s), once. {}",
            report.delivered,
            code_line(&phone)?
        ),
    );

    // 5. The CDC marks the child a close contact; a district may not release it.
    let cdc_token = world
        .suikang()
        .create_authority(AuthorityRole::Cdc, "guangzhou-cdc", "440100")
        .await
        .map_err(|e| DemoError::Server(e.to_string()))?;
    let district_token = world
        .suikang()
        .create_authority(AuthorityRole::District, "yuexiu-district", "440104")
        .await
        .map_err(|e| DemoError::Server(e.to_string()))?;
    let cdc = AuthorityConsole::new(
        &suikang_url,
        &cdc_token,
        RetryPolicy::default(),
        Arc::new(suikang_core::SystemClock),
    )?;
    let district = AuthorityConsole::new(
        &suikang_url,
        &district_token,
        RetryPolicy::default(),
        Arc::new(suikang_core::SystemClock),
    )?;
    cdc.impose(
        DocumentKind::ResidentId,
        CHILD.1,
        ControlReason::CloseContact,
    )
    .await?;
    phone.sync().await?;
    phone.select(&child)?;
    line(
        "5.",
        format!(
            "The CDC marks the child a close contact. After sync: {}",
            code_line(&phone)?
        ),
    );
    let Screen::Code(child_red) = phone.screen()? else {
        return Err(DemoError::Unexpected("no child code"));
    };
    let red_qr = child_red.qr_text.clone();
    match district
        .release(
            DocumentKind::ResidentId,
            CHILD.1,
            ControlReason::CloseContact,
        )
        .await
    {
        Err(e) => line(
            "  ",
            format!("The Yuexiu district office tries to release it: refused ({e})."),
        ),
        Ok(_) => {
            return Err(DemoError::Unexpected(
                "a district released a CDC's close-contact control",
            ));
        }
    }
    cdc.release(
        DocumentKind::ResidentId,
        CHILD.1,
        ControlReason::CloseContact,
    )
    .await?;
    phone.sync().await?;
    line(
        "  ",
        format!(
            "The CDC that executed it releases it. After sync: {}",
            code_line(&phone)?
        ),
    );

    // 6. A checkpoint, offline, verifies every code; Yuekang's too.
    let visitor = open_app(
        &out_dir.join("yuekang-phone"),
        &world.yuekang.base_url(),
        world.roots(),
        FaceCapture::Match,
        Arc::new(suikang_core::SystemClock),
    )?;
    visitor
        .login(VISITOR.0, DocumentKind::ResidentId, VISITOR.1)
        .await?;
    visitor.apply_self().await?;
    let visitor_qr = visitor.present(None)?.qr_text;
    let checkpoint_dir = out_dir.join("checkpoint");
    let checkpoint = open_app(
        &checkpoint_dir,
        &suikang_url,
        world.roots(),
        FaceCapture::Match,
        Arc::new(suikang_core::SystemClock),
    )?;
    checkpoint.refresh_trust_list().await?;
    line(
        "6.",
        "A checkpoint fetches the trust list once, then verifies offline:",
    );
    phone.select(&codes[0].code_id)?;
    let Screen::Code(own) = phone.screen()? else {
        return Err(DemoError::Unexpected("no own code"));
    };
    write(&out_dir, "my-code.png", &own.render_png(8), &mut files)?;
    check_line(
        "the resident's phone, read from its image",
        &checkpoint.verify_image(&own.render_png(6))?,
        &mut checks,
    );
    check_line(
        "the grandmother's printed page",
        &checkpoint.verify(&printed_qr)?,
        &mut checks,
    );
    phone.select(&child)?;
    let Screen::Code(child_now) = phone.screen()? else {
        return Err(DemoError::Unexpected("no child code"));
    };
    check_line(
        "the child's code, released",
        &checkpoint.verify(&child_now.qr_text)?,
        &mut checks,
    );
    check_line(
        "the child's code while red (shown then)",
        &checkpoint.verify(&red_qr)?,
        &mut checks,
    );
    check_line(
        "a Yuekang resident's code",
        &checkpoint.verify(&visitor_qr)?,
        &mut checks,
    );
    let later = open_app(
        &checkpoint_dir,
        &suikang_url,
        world.roots(),
        FaceCapture::Match,
        Arc::new(Ahead(Duration::minutes(3))),
    )?;
    check_line(
        "a screenshot of the resident's code, 3 minutes later",
        &later.verify(&own.qr_text)?,
        &mut checks,
    );

    if let Some(suikang) = world.suikang.take() {
        suikang.shutdown().await;
    }
    Ok(DemoReport {
        out_dir,
        files,
        checks,
    })
}
