use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

pub use crate::draw::ColorChoice;
use suikang_protocol::api::{FaceCapture, Symptom};
use suikang_protocol::{ControlReason, DeviceReason, DocumentKind, Relationship};

/// 穗康码 Suikang code — the terminal app.
#[derive(Debug, Parser)]
#[command(
    name = "suikang",
    version,
    about,
    after_help = "Exit status: 0 done, 1 failed (the reason on standard error), 2 a usage error; \
`verify` has its own (see `suikang verify --help`). Results go to standard output, errors to \
standard error. A closed pipe (`suikang show | head -n 1`) ends quietly."
)]
pub struct Cli {
    /// Colour escapes: auto (only on a terminal, not with NO_COLOR set or
    /// TERM=dumb), always or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// The app's data folder (settings, keystore, encrypted cache).
    #[arg(long, global = true, env = "SUIKANG_HOME")]
    pub home: Option<PathBuf>,
    /// The issuing server, overriding the one set up.
    #[arg(long, global = true, env = "SUIKANG_SERVER")]
    pub server: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Walk through the whole story with two issuers in process.
    Demo {
        /// Where to write the printed page and rendered codes.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Set the server and the trust-list root key(s) this app trusts.
    Setup {
        #[arg(long)]
        server: String,
        /// A root public key, hex (repeat during a root rotation).
        #[arg(long = "root", required = true)]
        roots: Vec<String>,
    },
    /// Sign in with real name and document, with a (simulated) face check.
    Login {
        name: String,
        document: String,
        #[arg(long, value_enum, default_value_t = Kind::ResidentId)]
        kind: Kind,
        /// What the simulated camera sees.
        #[arg(long, value_enum, default_value_t = Face::Match)]
        face: Face,
        /// Your birth date (YYYY-MM-DD), for a passport or permit: its
        /// number carries none, and the identity check (here simulated)
        /// vouches for it. It makes you known as an adult guardian.
        #[arg(long, value_parser = parse_birth_date)]
        birth_date: Option<time::Date>,
    },
    /// Sign out and forget this phone's codes.
    Logout,
    /// Apply for your own code (blue).
    Apply,
    /// Apply for a dependent's code on their behalf (green, 代申领).
    ApplyProxy {
        name: String,
        document: String,
        #[arg(long, value_enum, default_value_t = Kind::ResidentId)]
        kind: Kind,
        #[arg(long, value_enum)]
        relationship: Rel,
        /// You live with them (required of a relative).
        #[arg(long)]
        co_resident: bool,
        /// Why they cannot use a smart device (问题二): needed for a
        /// dependent aged 18–59, recorded and audited by the server.
        #[arg(long, value_enum)]
        reason: Option<ReasonArg>,
        /// The reason in a few words, with `--reason other` (1–60 characters).
        #[arg(long, required_if_eq("reason", "other"))]
        reason_text: Option<String>,
        /// The district they live in: a GB/T 2260 code or a name (440105,
        /// 海珠区, haizhu). Its residents' committee can then decide who
        /// else may join their guardians (所在居村民委员会).
        #[arg(long)]
        residence_district: Option<String>,
    },
    /// Leave a dependent's guardians: stop holding their code. The last
    /// guardian leaving ends the proxy holding; the code stays on the
    /// server for the next application with the registered name.
    #[command(visible_alias = "remove-dependent")]
    Leave { code_id: String },
    /// The requests to join your dependents' guardians (masked name of who
    /// asked, relationship, when), waiting for your decision.
    Requests {
        /// As a JSON array of {request_id, code_id, dependent_masked_name,
        /// requester_masked_name, relationship, co_resident_declared,
        /// requested_at}.
        #[arg(long)]
        json: bool,
    },
    /// Approve a join request: the requester becomes a guardian and sees
    /// the code on their next sync.
    Approve { request_id: String },
    /// Decline a join request: the requester learns nothing more.
    Decline { request_id: String },
    /// Declare a change in health (健康申报), queued if offline.
    Declare {
        /// A dependent's code; your own if absent.
        #[arg(long)]
        code: Option<String>,
        #[arg(long = "symptom", value_enum)]
        symptoms: Vec<SymptomArg>,
        /// Arrived from a key epidemic area: its name.
        #[arg(long, requires_all = ["arrived", "district"])]
        travel_from: Option<String>,
        /// Arrival date, YYYY-MM-DD.
        #[arg(long)]
        arrived: Option<String>,
        /// The district of arrival (its community releases the control).
        #[arg(long)]
        district: Option<String>,
    },
    /// Deliver queued actions and fetch the codes and the trust list.
    Sync,
    /// Sign-in, network, last sync, queued actions.
    Status {
        /// As JSON: signed_in, signed_in_elsewhere, holder {masked_name,
        /// masked_document} or null, network, last_synced_at (RFC 3339) or
        /// null, queued_actions.
        #[arg(long)]
        json: bool,
    },
    /// Show the current code card (QR in the terminal, sized to fit, in its colour).
    Show {
        /// Redraw live: the clock every second, the code as it refreshes.
        #[arg(long, conflicts_with = "json")]
        watch: bool,
        /// As JSON: screen (code, no_code, signed_out), banner, and code
        /// {code_id, position, count, role, color, status_zh, status_en,
        /// masked_name, masked_document, issuer_zh, issuer_en, reasons,
        /// banner, network, last_synced_at, qr_text, refresh_at,
        /// offline_valid_until, printed_valid_until}.
        #[arg(long)]
        json: bool,
    },
    /// List the codes this phone holds: your own first, then dependents'.
    Codes {
        /// As a JSON array of {code_id, role, color, reasons, masked_name,
        /// masked_document, credential_expires_at}.
        #[arg(long)]
        json: bool,
    },
    /// The next code (the right arrow).
    Next,
    /// The previous code (the left arrow).
    Prev,
    /// Show a given code.
    Select { code_id: String },
    /// Write a dependent's printable page (打印版) to a file.
    Print {
        code_id: String,
        #[arg(long, value_enum, default_value_t = PrintFormat::Pdf)]
        format: PrintFormat,
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the current code as a PNG image.
    Render {
        #[arg(long)]
        png: PathBuf,
    },
    /// Print the current presentation's QR text.
    QrText,
    /// Verify a code: exit 0 pass, 1 stop, 3 invalid, 4 could not check.
    #[command(
        after_help = "Exit status:\n  0  pass: let the holder through\n  1  stop: a red code \
(or red now, with --online)\n  3  invalid: forged, expired, replayed, unknown issuer, not a code\n  \
4  could not check: no trust list and no network, an unreadable file (the reason on standard error)\n  \
2  usage error"
    )]
    Verify {
        /// As JSON: verdict (pass, stop, invalid), headline_zh, headline_en,
        /// refusal, color, masked_name, masked_document, issuer_zh,
        /// issuer_en, reasons, printed, presentation_age_seconds,
        /// trust_list_stale, checked_at, online {color_now,
        /// changed_since_issue} or null.
        #[arg(long)]
        json: bool,
        /// The scanned text (SK1:…).
        payload: Option<String>,
        /// A PNG or JPEG with the code in it.
        #[arg(long, conflicts_with = "payload")]
        image: Option<PathBuf>,
        /// Also ask the issuing server for the holder's colour now (a
        /// code red now is Stop, exit 1). Needs a checkpoint account's
        /// token, not a resident's sign-in: `suikang checkpoint login
        /// TOKEN` once, or --checkpoint-token.
        #[arg(long)]
        online: bool,
        /// The checkpoint account's token for --online (from the issuer's
        /// `suikang-server create-checkpoint`), instead of the one saved by
        /// `suikang checkpoint login`.
        #[arg(
            long,
            env = "SUIKANG_CHECKPOINT_TOKEN",
            requires = "online",
            hide_env_values = true
        )]
        checkpoint_token: Option<String>,
    },
    /// A checkpoint device (metro gate, office, school): keep the trust list
    /// fresh and hold the checkpoint account's token for `verify --online`.
    /// None of it needs a resident to sign in.
    #[command(subcommand)]
    Checkpoint(CheckpointCommand),
    /// Authority: put a person under a control measure.
    Impose {
        document: String,
        #[arg(long, value_enum, default_value_t = Kind::ResidentId)]
        kind: Kind,
        #[arg(long, value_enum)]
        reason: Reason,
        /// The authority account's token.
        #[arg(long, env = "SUIKANG_AUTHORITY_TOKEN")]
        token: String,
    },
    /// Authority: release a control measure.
    Release {
        document: String,
        #[arg(long, value_enum, default_value_t = Kind::ResidentId)]
        kind: Kind,
        #[arg(long, value_enum)]
        reason: Reason,
        #[arg(long, env = "SUIKANG_AUTHORITY_TOKEN")]
        token: String,
    },
    /// Authority: hand the execution of a control over to another
    /// organisation of a kind that executes it (audited); it releases it
    /// from then on.
    HandOver {
        document: String,
        #[arg(long, value_enum, default_value_t = Kind::ResidentId)]
        kind: Kind,
        #[arg(long, value_enum)]
        reason: Reason,
        /// The receiving organisation, as its authority account names it.
        #[arg(long)]
        to: String,
        #[arg(long, env = "SUIKANG_AUTHORITY_TOKEN")]
        token: String,
    },
    /// A residents'/village committee or property company (问题二): apply
    /// for people living in its own district, list the codes it holds. With
    /// the institution account's token (`suikang-server create-institution`).
    #[command(subcommand)]
    Institution(InstitutionCommand),
}

#[derive(Debug, Subcommand)]
pub enum InstitutionCommand {
    /// Apply for a code (green) for someone living in the institution's
    /// district, who has no smartphone.
    ApplyProxy {
        name: String,
        document: String,
        #[arg(long, value_enum, default_value_t = Kind::ResidentId)]
        kind: Kind,
        #[arg(long, value_enum)]
        relationship: Rel,
        /// The district the person lives in: a GB/T 2260 code or a name
        /// (440104, 越秀区, yuexiu). It must be the institution's own.
        #[arg(long)]
        district: String,
        /// The institution account's token.
        #[arg(long, env = "SUIKANG_INSTITUTION_TOKEN", hide_env_values = true)]
        token: String,
    },
    /// The codes the institution holds: code id, colour, masked name.
    Codes {
        #[arg(long, env = "SUIKANG_INSTITUTION_TOKEN", hide_env_values = true)]
        token: String,
    },
    /// Join requests waiting for the institution's decision: for the codes
    /// it holds and, a committee, for the people living in its district.
    Requests {
        #[arg(long)]
        json: bool,
        #[arg(long, env = "SUIKANG_INSTITUTION_TOKEN", hide_env_values = true)]
        token: String,
    },
    /// Approve a join request (its id from `institution requests`).
    Approve {
        request_id: String,
        #[arg(long, env = "SUIKANG_INSTITUTION_TOKEN", hide_env_values = true)]
        token: String,
    },
    /// Decline a join request: the requester learns nothing more.
    Decline {
        request_id: String,
        #[arg(long, env = "SUIKANG_INSTITUTION_TOKEN", hide_env_values = true)]
        token: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum CheckpointCommand {
    /// Save the checkpoint account's token (from the issuer's
    /// `suikang-server create-checkpoint`) in this app's keystore, for
    /// `verify --online`. No resident sign-in is needed or made.
    Login {
        /// The token (skt_…); read from standard input when absent, so it
        /// stays out of the shell's history.
        token: Option<String>,
    },
    /// Forget the saved checkpoint token.
    Logout,
    /// Fetch the trust list if it changed (no sign-in needed): the
    /// offline check then knows every issuer's current keys.
    Refresh,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Kind {
    ResidentId,
    Passport,
    HkMacaoPermit,
    TaiwanPermit,
}

impl From<Kind> for DocumentKind {
    fn from(k: Kind) -> Self {
        match k {
            Kind::ResidentId => DocumentKind::ResidentId,
            Kind::Passport => DocumentKind::Passport,
            Kind::HkMacaoPermit => DocumentKind::HkMacaoPermit,
            Kind::TaiwanPermit => DocumentKind::TaiwanPermit,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Face {
    Match,
    Mismatch,
    Spoof,
}

impl From<Face> for FaceCapture {
    fn from(f: Face) -> Self {
        match f {
            Face::Match => FaceCapture::Match,
            Face::Mismatch => FaceCapture::Mismatch,
            Face::Spoof => FaceCapture::Spoof,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Rel {
    AdultRelative,
    ResidentsCommittee,
    VillageCommittee,
    PropertyManagement,
}

impl From<Rel> for Relationship {
    fn from(r: Rel) -> Self {
        match r {
            Rel::AdultRelative => Relationship::AdultRelative,
            Rel::ResidentsCommittee => Relationship::ResidentsCommittee,
            Rel::VillageCommittee => Relationship::VillageCommittee,
            Rel::PropertyManagement => Relationship::PropertyManagement,
        }
    }
}

/// Why a dependent cannot use a smart device (问题二).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReasonArg {
    VisualImpairment,
    CognitiveImpairment,
    PhysicalDisability,
    SeriousIllness,
    NoSmartphone,
    Other,
}

impl ReasonArg {
    pub fn with_text(self, text: Option<String>) -> DeviceReason {
        match self {
            ReasonArg::VisualImpairment => DeviceReason::VisualImpairment,
            ReasonArg::CognitiveImpairment => DeviceReason::CognitiveImpairment,
            ReasonArg::PhysicalDisability => DeviceReason::PhysicalDisability,
            ReasonArg::SeriousIllness => DeviceReason::SeriousIllness,
            ReasonArg::NoSmartphone => DeviceReason::NoSmartphone,
            ReasonArg::Other => DeviceReason::Other {
                text: text.unwrap_or_default(),
            },
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Reason {
    HomeIsolation,
    CentralisedIsolation,
    CloseContact,
    SuspectedCase,
    ConfirmedCase,
    NucleicAcidPositive,
    ArrivalFromKeyArea,
}

impl From<Reason> for ControlReason {
    fn from(r: Reason) -> Self {
        match r {
            Reason::HomeIsolation => ControlReason::HomeIsolation,
            Reason::CentralisedIsolation => ControlReason::CentralisedIsolation,
            Reason::CloseContact => ControlReason::CloseContact,
            Reason::SuspectedCase => ControlReason::SuspectedCase,
            Reason::ConfirmedCase => ControlReason::ConfirmedCase,
            Reason::NucleicAcidPositive => ControlReason::NucleicAcidPositive,
            Reason::ArrivalFromKeyArea => ControlReason::ArrivalFromKeyArea,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SymptomArg {
    Fever,
    Cough,
    Fatigue,
    SoreThroat,
    ShortnessOfBreath,
    Diarrhoea,
    LossOfTasteOrSmell,
}

impl From<SymptomArg> for Symptom {
    fn from(s: SymptomArg) -> Self {
        match s {
            SymptomArg::Fever => Symptom::Fever,
            SymptomArg::Cough => Symptom::Cough,
            SymptomArg::Fatigue => Symptom::Fatigue,
            SymptomArg::SoreThroat => Symptom::SoreThroat,
            SymptomArg::ShortnessOfBreath => Symptom::ShortnessOfBreath,
            SymptomArg::Diarrhoea => Symptom::Diarrhoea,
            SymptomArg::LossOfTasteOrSmell => Symptom::LossOfTasteOrSmell,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PrintFormat {
    Png,
    Svg,
    Pdf,
}

/// `YYYY-MM-DD`.
fn parse_birth_date(text: &str) -> Result<time::Date, String> {
    suikang_protocol::api::parse_full_date(text.trim())
        .ok_or_else(|| "a birth date is written YYYY-MM-DD".to_owned())
}
