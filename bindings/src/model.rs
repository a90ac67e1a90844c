//! The values the apps draw, as uniffi records and enums: the code screen,
//! the checkpoint's result, the app's status, the codes. No rule is decided
//! here.
//!
//! The core's and the protocol's own types cross the FFI as they are:
//! `#[uniffi::remote(..)]` restates each one's shape (the compiler checks it
//! against the real type), so nothing is copied field by field. Three
//! shapes stay the bindings' own, each saying why where it is defined:
//! `Screen` (uniffi carries no `Box`), `OnlineCheckResult` (the server's
//! nested answer flattened for a result screen) and `KeyAreaTravel` (the
//! form's date as typed, read by `protocol::api::parse_full_date`).
//!
//! Times are `Timestamp` (Kotlin `java.time.Instant`, Swift `Date`, Python
//! `datetime`), lengths of time `TimeSpan` (`java.time.Duration`,
//! `TimeInterval`, `timedelta`).

use std::time::{Duration, SystemTime};

// The core's records that cross as they are.
pub use suikang_core::codes::CodeSummary;
pub use suikang_core::display::{ReasonLabel, Rgba};
pub use suikang_core::screen::{CardColors, CodeScreen, ValidityNote};
pub use suikang_core::{AppStatus, CheckResult, ProxyApplication, QrMatrix, Session, SyncReport};

use suikang_core::UiText;
use suikang_core::display::{Arrow, Language};
use suikang_core::print::PageFormat;
use suikang_core::screen as core_screen;
use suikang_core::{Banner, ScreenAction, Verdict};
use suikang_core::{CacheRecovery, NetworkState, SubmitOutcome};
use suikang_protocol::api::{
    ApplyResponse, CodeRole, ErrorCode, FaceOutcome, JoinDecision, JoinDecisionResponse,
    JoinRequestView, OnlineVerifyResponse, Symptom,
};
use suikang_protocol::{
    AppliedBy, Color, ControlReason, DeviceReason, DocumentKind, Refusal, Relationship,
};
use time::OffsetDateTime;

pub(crate) fn instant(t: OffsetDateTime) -> SystemTime {
    t.into()
}

// ---------------------------------------------------------------- times

/// A point in time (the core keeps `OffsetDateTime`, in UTC).
pub type Timestamp = OffsetDateTime;

uniffi::custom_type!(Timestamp, SystemTime, {
    remote,
    lower: |t| t.into(),
    try_lift: |t| Ok(t.into()),
});

/// A length of time, such as a code's age.
pub type TimeSpan = time::Duration;

uniffi::custom_type!(TimeSpan, Duration, {
    remote,
    // A negative age (a clock ahead of the issuer's) reads as zero.
    lower: |d| Duration::try_from(d).unwrap_or(Duration::ZERO),
    try_lift: |d| Ok(time::Duration::try_from(d)?),
});

// ---------------------------------------------------------------- the protocol's enums

#[uniffi::remote(Enum)]
pub enum Color {
    Red,
    Blue,
    Green,
}

#[uniffi::remote(Enum)]
pub enum AppliedBy {
    Holder,
    Proxy,
}

#[uniffi::remote(Enum)]
pub enum CodeRole {
    Own,
    Dependent,
}

#[uniffi::remote(Enum)]
pub enum Relationship {
    AdultRelative,
    ResidentsCommittee,
    VillageCommittee,
    PropertyManagement,
}

#[uniffi::remote(Enum)]
pub enum DocumentKind {
    ResidentId,
    Passport,
    HkMacaoPermit,
    TaiwanPermit,
}

#[uniffi::remote(Enum)]
pub enum ControlReason {
    HomeIsolation,
    CentralisedIsolation,
    CloseContact,
    SuspectedCase,
    ConfirmedCase,
    NucleicAcidPositive,
    ArrivalFromKeyArea,
}

#[uniffi::remote(Enum)]
pub enum Refusal {
    Malformed,
    UnsupportedVersion,
    UnknownIssuer,
    UnknownKey,
    KeyNotValidAtThatTime,
    BadIssuerSignature,
    CredentialExpired,
    CredentialNotYetValid,
    BadDeviceSignature,
    PresentationStale,
    PresentationFromTheFuture,
    PrintedCredentialExpired,
}

#[uniffi::remote(Enum)]
pub enum Symptom {
    Fever,
    Cough,
    Fatigue,
    SoreThroat,
    ShortnessOfBreath,
    Diarrhoea,
    LossOfTasteOrSmell,
}

#[uniffi::remote(Enum)]
pub enum FaceOutcome {
    Match,
    Mismatch,
    LivenessFailed,
}

// ---------------------------------------------------------------- the core's enums

#[uniffi::remote(Enum)]
pub enum NetworkState {
    Unknown,
    Online,
    Degraded,
    Offline,
}

#[uniffi::remote(Enum)]
pub enum CacheRecovery {
    KeyLost,
    DataCorrupt,
    FileCorrupt,
    MigrationFailed,
}

/// The languages the core's texts come in; the app picks one with
/// `language_for_locale` and lets the person switch.
#[uniffi::remote(Enum)]
pub enum Language {
    ZhHans,
    ZhHant,
    En,
}

#[uniffi::remote(Enum)]
pub enum Banner {
    SignedInElsewhere,
    DeviceKeyLost,
    RefreshNeeded,
    Offline,
    Stale,
    CacheReset,
    TrustListStale,
}

#[uniffi::remote(Enum)]
pub enum ScreenAction {
    Print,
    Declare,
    RemoveDependent,
}

#[uniffi::remote(Enum)]
pub enum Verdict {
    Pass,
    Stop,
    Invalid,
}

#[uniffi::remote(Enum)]
pub enum SubmitOutcome {
    Delivered,
    Queued,
}

// ---------------------------------------------------------------- the code screen

/// A colour, 8 bits a channel.
#[uniffi::remote(Record)]
pub struct Rgba {
    pub r: u8,
    pub g: u8,
    pub b: u8,
    pub a: u8,
}

/// The card in the code's colour; the QR dark on a light panel.
#[uniffi::remote(Record)]
pub struct CardColors {
    pub card: Rgba,
    pub on_card: Rgba,
    pub qr_dark: Rgba,
    pub qr_light: Rgba,
}

/// The QR code: `size × size` modules row by row, 1 for dark; draw
/// `quiet_zone` light modules around it.
#[uniffi::remote(Record)]
pub struct QrMatrix {
    pub size: u32,
    pub modules: Vec<u8>,
    pub quiet_zone: u32,
}

/// A control reason with its labels.
#[uniffi::remote(Record)]
pub struct ReasonLabel {
    pub reason: ControlReason,
    pub zh: String,
    pub zh_hant: String,
    pub en: String,
}

/// Everything the code screen shows (问题五). The banner's text in the
/// person's language: `banner_text`.
#[uniffi::remote(Record)]
pub struct CodeScreen {
    pub code_id: String,
    /// Which code, counting from 0 (one's own first), of how many.
    pub index: u32,
    pub count: u32,
    pub has_previous: bool,
    pub has_next: bool,
    pub role: CodeRole,
    pub relationship: Option<Relationship>,
    pub color: Color,
    pub colors: CardColors,
    pub qr: QrMatrix,
    pub qr_text: String,
    pub title_zh: String,
    pub title_zh_hant: String,
    pub title_en: String,
    pub masked_name: String,
    pub masked_document: String,
    pub status_zh: String,
    pub status_zh_hant: String,
    pub status_en: String,
    pub reasons: Vec<ReasonLabel>,
    pub issuer_name_zh: String,
    pub issuer_name_en: String,
    /// The live clock, to the second; `clock_text` in Beijing time.
    pub now: Timestamp,
    pub clock_text: String,
    pub last_synced_at: Option<Timestamp>,
    pub last_synced_text: Option<String>,
    pub banner: Option<Banner>,
    pub network: NetworkState,
    /// Ask for the screen again at this time (a fresh presentation).
    pub refresh_at: Timestamp,
    pub credential_expires_at: Option<Timestamp>,
    /// 离线有效至 …: until when this code works without the network.
    pub offline_validity: Option<ValidityNote>,
    /// A dependent's page printed on this phone: until when it is accepted.
    pub printed_validity: Option<ValidityNote>,
    pub actions: Vec<ScreenAction>,
}

/// A line of the card saying until when something holds, in the three
/// languages; `ended` once past.
#[uniffi::remote(Record)]
pub struct ValidityNote {
    pub until: Timestamp,
    pub ended: bool,
    pub zh: String,
    pub zh_hant: String,
    pub en: String,
}

/// What the code screen is showing.
// The bindings' own shape: core boxes `Screen::Code`'s `CodeScreen` (clippy's
// large_enum_variant) and uniffi carries no `Box`, so the arms are restated.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Screen {
    /// Nobody is signed in (or the session was ended elsewhere).
    SignedOut {
        banner: Option<Banner>,
    },
    /// Signed in, no code yet: apply for one.
    NoCode {
        banner: Option<Banner>,
    },
    Code {
        code: CodeScreen,
    },
}

impl From<core_screen::Screen> for Screen {
    fn from(s: core_screen::Screen) -> Self {
        match s {
            core_screen::Screen::SignedOut { banner } => Screen::SignedOut { banner },
            core_screen::Screen::NoCode { banner } => Screen::NoCode { banner },
            core_screen::Screen::Code(code) => Screen::Code { code: *code },
        }
    }
}

// ---------------------------------------------------------------- codes and status

/// One code as the app lists it.
#[uniffi::remote(Record)]
pub struct CodeSummary {
    pub code_id: String,
    pub role: CodeRole,
    pub relationship: Option<Relationship>,
    pub color: Color,
    pub controls: Vec<ControlReason>,
    pub masked_name: String,
    pub masked_document: String,
    pub document_kind: DocumentKind,
    pub credential_expires_at: Option<Timestamp>,
    /// Verifiers will refuse it until a sync refreshes it.
    pub refresh_needed: bool,
}

/// Who is signed in, masked.
#[uniffi::remote(Record)]
pub struct Session {
    pub masked_name: String,
    pub masked_document: String,
    pub document_kind: DocumentKind,
    pub issuer_name_zh: String,
    pub issuer_name_en: String,
}

/// Everything the UI's banners need.
#[uniffi::remote(Record)]
pub struct AppStatus {
    pub signed_in: bool,
    pub signed_in_elsewhere: bool,
    pub session: Option<Session>,
    pub network: NetworkState,
    pub last_synced_at: Option<Timestamp>,
    pub queued_actions: u32,
    pub cache_recovery: Option<CacheRecovery>,
}

/// What a sync did.
#[uniffi::remote(Record)]
pub struct SyncReport {
    pub codes_changed: bool,
    pub trust_list_changed: bool,
    /// Queued actions the server now has.
    pub delivered: u32,
    /// Queued actions the server refused (they are not retried).
    pub refused: Vec<ErrorCode>,
}

/// The code an application produced, or found (一人一码): the server's
/// `ApplyResponse`.
pub type ApplyResult = ApplyResponse;

/// The code an application produced, or found (一人一码).
#[uniffi::remote(Record)]
pub struct ApplyResult {
    pub code_id: String,
    pub color: Color,
    pub applied_by: AppliedBy,
    /// False when the person already had this code.
    pub created: bool,
}

/// Why a dependent cannot use a smart device (问题二), recorded with the
/// guardianship.
#[uniffi::remote(Enum)]
pub enum DeviceReason {
    VisualImpairment,
    CognitiveImpairment,
    PhysicalDisability,
    SeriousIllness,
    NoSmartphone,
    /// Anything else, in a short text (1–60 characters).
    Other {
        text: String,
    },
}

/// What became of a join request.
#[uniffi::remote(Enum)]
pub enum JoinDecision {
    Approved,
    Declined,
}

/// A join request as the server lists it (`JoinRequestView`).
pub type JoinRequest = JoinRequestView;

/// A request to join a dependent's guardians, as a guardian sees it: who
/// asked (masked), how related, when. Never the requester's document.
#[uniffi::remote(Record)]
pub struct JoinRequest {
    pub request_id: String,
    pub code_id: String,
    pub dependent_masked_name: String,
    pub requester_masked_name: String,
    pub relationship: Relationship,
    pub co_resident_declared: bool,
    pub requested_at: Timestamp,
}

/// The server's record of a decision (`JoinDecisionResponse`).
pub type JoinDecisionResult = JoinDecisionResponse;

/// A decision on a join request, as recorded.
#[uniffi::remote(Record)]
pub struct JoinDecisionResult {
    pub request_id: String,
    pub code_id: String,
    pub decision: JoinDecision,
    pub decided_at: Timestamp,
}

/// Travel from a key epidemic area, for a health declaration.
// The bindings' own shape: the form's date as the person typed it, read by
// `parse_full_date` below (an InvalidArgument, not a panic across the FFI).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct KeyAreaTravel {
    pub area: String,
    /// `YYYY-MM-DD`.
    pub arrived_on: String,
    /// The district of Guangzhou arrived in.
    pub district: String,
}

impl TryFrom<KeyAreaTravel> for suikang_protocol::api::KeyAreaTravel {
    type Error = crate::error::SuikangError;

    fn try_from(t: KeyAreaTravel) -> Result<Self, Self::Error> {
        Ok(suikang_protocol::api::KeyAreaTravel {
            arrived_on: suikang_protocol::api::parse_full_date(&t.arrived_on).ok_or_else(|| {
                crate::error::SuikangError::InvalidArgument {
                    reason: "arrived_on is not YYYY-MM-DD".into(),
                }
            })?,
            area: t.area,
            district: t.district,
        })
    }
}

/// The code screen's arrows; their spoken labels: `arrow_label`.
#[uniffi::remote(Enum)]
pub enum Arrow {
    Previous,
    Next,
}

/// The apps' own words (titles, labels, buttons); their text: `ui_text`.
#[uniffi::remote(Enum)]
pub enum UiText {
    // Sign-in (实名认证, 人脸识别).
    SignInTitle,
    Name,
    Document,
    DocumentNumber,
    SignInWithFaceCheck,
    FaceCheckTitle,
    FaceCheckInstructions,
    Start,
    Cancel,
    // What went wrong, by kind.
    CheckNameAndNumber,
    UnknownDistrictPickFromList,
    FaceCheckFailedTryAgain,
    TooManyAttemptsWait,
    SignInAgain,
    NoNetwork,
    Refused,
    // The code screen.
    NoCodeYet,
    ApplyForOwnCode,
    ApplyForDependent,
    Print,
    Share,
    Remove,
    HealthDeclaration,
    Dependents,
    JoinRequests,
    PrintedCodeTitle,
    // The proxy application (代申领, 问题二).
    ApplyingAs,
    LiveTogether,
    DeviceReasonQuestion,
    DeviceReasonNotNeeded,
    DeviceReasonOther,
    DeviceReasonInOwnWords,
    ResidenceDistrict,
    SubmitApplication,
    Sending,
    Back,
    // The health declaration (健康申报).
    Symptoms,
    ArrivedFromKeyArea,
    KeyArea,
    ArrivedOn,
    DistrictArrivedIn,
    SubmitDeclaration,
    // The guardian's lists.
    NoDependentsYet,
    ConfirmRemove,
    Removed,
    SavedSentWhenOnline,
    NoJoinRequests,
    LivesWithDependent,
    Approve,
    Decline,
    Approved,
    Declined,
    Loading,
    Refresh,
}

/// A guardian's proxy application (代申领, 问题二), as the form fills it in.
#[uniffi::remote(Record)]
pub struct ProxyApplication {
    pub name: String,
    pub kind: DocumentKind,
    pub number: String,
    pub relationship: Relationship,
    pub co_resident_declared: bool,
    /// Why a dependent aged 18–59 cannot use a smart device.
    #[uniffi(default = None)]
    pub reason: Option<DeviceReason>,
    /// The district the dependent lives in: a `DistrictChoice`'s code.
    #[uniffi(default = None)]
    pub residence_district: Option<String>,
}

/// One reason a dependent aged 18–59 cannot use a smart device, as the
/// proxy form offers it (问题二), labelled in the person's language.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DeviceReasonChoice {
    pub reason: DeviceReason,
    pub label: String,
}

/// One district a picker offers: its GB/T 2260 code and its name in the
/// person's language.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DistrictChoice {
    pub code: String,
    pub name: String,
}

/// The printed page's formats: PNG (A4, 300 dpi), SVG, PDF (A4).
#[uniffi::remote(Enum)]
pub enum PageFormat {
    Png,
    Svg,
    Pdf,
}

// ---------------------------------------------------------------- the checkpoint

/// The result screen an inspector reads at a glance.
#[uniffi::remote(Record)]
pub struct CheckResult {
    pub verdict: Verdict,
    pub headline_zh: String,
    pub headline_zh_hant: String,
    pub headline_en: String,
    /// Why the code is invalid.
    pub refusal: Option<Refusal>,
    pub color: Option<Color>,
    pub card: Option<Rgba>,
    pub masked_name: Option<String>,
    pub masked_document: Option<String>,
    pub issuer_name_zh: Option<String>,
    pub issuer_name_en: Option<String>,
    pub reasons: Vec<ReasonLabel>,
    /// A printed page (打印版): compare the ID closely.
    pub printed: bool,
    pub credential_age: Option<TimeSpan>,
    pub presentation_age: Option<TimeSpan>,
    pub trust_list_stale: bool,
    /// The warning above the result (the trust list is past its `not_after`).
    pub banner: Option<Banner>,
    pub checked_at: Timestamp,
}

/// The issuing server's answer to an online check.
// The bindings' own shape: `OnlineVerifyResponse`'s optional `code` and
// `current_status` flattened for the result screen; `stop_now` is the core's
// rule (`suikang_core::stop_now`).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct OnlineCheckResult {
    pub valid: bool,
    pub refusal: Option<Refusal>,
    pub refusal_label_zh: Option<String>,
    /// The credential's colour and controls.
    pub color: Option<Color>,
    pub controls: Vec<ControlReason>,
    pub masked_name: Option<String>,
    pub masked_document: Option<String>,
    pub printed: bool,
    /// The server's status now (its own codes only); never its reasons.
    pub current_color: Option<Color>,
    /// The code is red now on the server: Stop, whatever the code showed
    /// (DESIGN §2, Online check).
    pub stop_now: bool,
    /// The server's status differs from the credential's: trust the server.
    pub status_changed_since_issue: bool,
}

impl From<OnlineVerifyResponse> for OnlineCheckResult {
    fn from(r: OnlineVerifyResponse) -> Self {
        let stop_now = suikang_core::stop_now(&r);
        let (color, controls, masked_name, masked_document, printed) = match r.code {
            Some(c) => (
                Some(c.color),
                c.controls,
                Some(c.masked_name),
                Some(c.masked_document),
                c.printed,
            ),
            None => (None, Vec::new(), None, None, false),
        };
        OnlineCheckResult {
            valid: r.valid,
            refusal: r.refusal,
            refusal_label_zh: r.refusal_label_zh,
            color,
            controls,
            masked_name,
            masked_document,
            printed,
            current_color: r.current_status.as_ref().map(|s| s.color),
            stop_now,
            status_changed_since_issue: r.status_changed_since_issue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::KeyAreaTravel;
    use crate::error::SuikangError;
    use time::macros::date;

    fn travel(arrived_on: &str) -> KeyAreaTravel {
        KeyAreaTravel {
            area: "武汉".into(),
            arrived_on: arrived_on.into(),
            district: "440105".into(),
        }
    }

    /// The declaration form's date as typed: `YYYY-MM-DD`, or the app is
    /// told what is wrong (no panic across the FFI).
    #[test]
    fn a_travel_date_is_read_as_typed_or_refused() {
        let read = suikang_protocol::api::KeyAreaTravel::try_from(travel("2026-11-28")).unwrap();
        assert_eq!(read.arrived_on, date!(2026 - 11 - 28));
        assert_eq!(read.district, "440105");
        for bad in ["28/11/2026", "2026-11-31", "2026-1-28", ""] {
            assert!(
                matches!(
                    suikang_protocol::api::KeyAreaTravel::try_from(travel(bad)),
                    Err(SuikangError::InvalidArgument { .. })
                ),
                "{bad}"
            );
        }
    }
}
