//! The HTTP JSON API between the phone core (and checkpoints, authorities)
//! and an issuing server: every request and response body, and the error
//! body. The server documents these in OpenAPI (feature `openapi`).
//!
//! Conventions: times are RFC 3339; keys and signatures are lowercase hex;
//! nonces and credential bytes are base64url without padding; code ids are
//! 16 hex digits (the [`CodeId`] display form). Full names and document
//! numbers go *in* (login, proxy application, authority look-up) and never
//! come back out: responses carry only the masked forms.

use serde::{Deserialize, Serialize};
use time::{Date, Month, OffsetDateTime};

use crate::color::{AppliedBy, Color};
use crate::control::{AuthorityRole, ControlReason};
use crate::credential::CodeId;
use crate::document::{DocumentKind, MaskedDocument, MaskedName, mask_name, visible_per_side};
use crate::proxy::Relationship;
use crate::trust::{ColorScheme, Rgb};
use crate::verify::Refusal;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

// ---------------------------------------------------------------- endpoints

/// Every endpoint's path, shared by the server's router (and its OpenAPI
/// document) and the clients, so neither side types a path out. A path with
/// a `{code_id}` segment is a template for the router; clients fill it in
/// with the function of the same name.
pub mod paths {
    // meta
    pub const HEALTHZ: &str = "/healthz";
    pub const OPENAPI: &str = "/v1/openapi.json";
    // login
    pub const LOGIN_START: &str = "/v1/login/start";
    pub const LOGIN_FINISH: &str = "/v1/login/finish";
    pub const FACE_SIMULATOR_CAPTURE: &str = "/v1/face-simulator/capture";
    pub const SESSION: &str = "/v1/session";
    pub const SESSION_REFRESH: &str = "/v1/session/refresh";
    pub const SESSION_LOGOUT: &str = "/v1/session/logout";
    // codes
    pub const CODES: &str = "/v1/codes";
    pub const APPLY_SELF: &str = "/v1/codes/apply-self";
    pub const APPLY_PROXY: &str = "/v1/codes/apply-proxy";
    pub const DEPENDENT: &str = "/v1/dependents/{code_id}";
    pub const DEPENDENT_PRINTED: &str = "/v1/dependents/{code_id}/printed";
    pub const HEALTH_DECLARATIONS: &str = "/v1/health-declarations";
    // guardians (DESIGN §2, guardianship consent)
    pub const JOIN_REQUESTS: &str = "/v1/join-requests";
    pub const APPROVE_JOIN_REQUEST: &str = "/v1/join-requests/{request_id}/approve";
    pub const DECLINE_JOIN_REQUEST: &str = "/v1/join-requests/{request_id}/decline";
    // checkpoint
    pub const VERIFY: &str = "/v1/verify";
    pub const TRUST_LIST: &str = "/v1/trust-list";
    // authority
    pub const IMPOSE_CONTROL: &str = "/v1/authority/controls/impose";
    pub const RELEASE_CONTROL: &str = "/v1/authority/controls/release";
    pub const LIST_CONTROLS: &str = "/v1/authority/controls/list";
    pub const HAND_OVER_CONTROL: &str = "/v1/authority/controls/hand-over";
    pub const SYMPTOM_DECLARATIONS: &str = "/v1/authority/declarations/symptoms";

    /// [`DEPENDENT`] for one code.
    pub fn dependent(code_id: &str) -> String {
        DEPENDENT.replace("{code_id}", code_id)
    }

    /// [`APPROVE_JOIN_REQUEST`] for one request.
    pub fn approve_join_request(request_id: &str) -> String {
        APPROVE_JOIN_REQUEST.replace("{request_id}", request_id)
    }

    /// [`DECLINE_JOIN_REQUEST`] for one request.
    pub fn decline_join_request(request_id: &str) -> String {
        DECLINE_JOIN_REQUEST.replace("{request_id}", request_id)
    }

    /// [`DEPENDENT_PRINTED`] for one code.
    pub fn dependent_printed(code_id: &str) -> String {
        DEPENDENT_PRINTED.replace("{code_id}", code_id)
    }
}

// ---------------------------------------------------------------- errors

/// The body of every refusal: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// For people reading logs of the client: never personal data.
    pub message: String,
}

/// What went wrong, named for the user's situation. Clients match on this;
/// the HTTP status is in the comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the body is not JSON.
    MalformedJson,
    /// 422: JSON of the wrong shape: a missing field, an unknown enum value.
    InvalidRequest,
    /// 415: the body is not sent as `application/json`.
    UnsupportedMediaType,
    /// 413: the body is larger than the server accepts.
    PayloadTooLarge,
    /// 404: no such endpoint.
    NoSuchEndpoint,
    /// 405: the endpoint exists, not with this method.
    MethodNotAllowed,
    /// 422: the document number fails its kind's rules (length, check digit…).
    InvalidDocumentNumber,
    /// 422: the name is empty, longer than 30 characters, holds control or
    /// format characters (bidi overrides, zero-width) or starts with a
    /// combining mark; the message says which.
    InvalidName,
    /// 422: no GB/T 2260 district has that code or name.
    UnknownDistrict,
    /// 422: an arrival date in the future or more than 30 days back.
    ArrivalDateOutOfRange,
    /// 422: the dependent is aged 18–59 and no reason they cannot use a
    /// smart device was stated (问题二), or the stated text is not valid.
    DependentNotEligible,
    /// 422: a key, signature, nonce or code id is not well formed.
    InvalidEncoding,
    /// 401: no bearer token was sent.
    MissingToken,
    /// 401: the token is not one this server issued, or was replaced.
    InvalidToken,
    /// 401: the access token has expired: refresh the session.
    TokenExpired,
    /// 401: the person signed in on another device; this session ended.
    SignedInElsewhere,
    /// 401: the session was ended (logout, or a reused refresh token).
    SessionEnded,
    /// 401: a refresh token was used twice; the session is revoked.
    RefreshTokenReused,
    /// 401: an authority's, institution's or checkpoint's token has expired
    /// (or was rotated and its grace period is over): the issuer's admin
    /// gives a new one (`suikang-server rotate-account-token`).
    AccountTokenExpired,
    /// 401: the account was revoked by the issuer's admin.
    AccountRevoked,
    /// 403: this kind of account may not call this endpoint.
    WrongAccountKind,
    /// 404: no open login challenge with that id.
    ChallengeNotFound,
    /// 410: the login challenge expired: start again.
    ChallengeExpired,
    /// 409: the login challenge was already answered: start again.
    ChallengeAlreadyUsed,
    /// 401: the face result is not signed by the vendor or not for this challenge.
    FaceResultInvalid,
    /// 401: the face does not match the document's holder.
    FaceMismatch,
    /// 401: the liveness check failed (a photo, a mask, a screen).
    LivenessFailed,
    /// 429: too many failed face checks for this document: try later.
    LoginLocked,
    /// 408: the request's body or answer took longer than the server
    /// allows (a slow client): send it again.
    RequestTimeout,
    /// 503: the server is serving as many connections as it allows: try
    /// again after the `Retry-After` seconds (or another replica).
    ServerBusy,
    /// 429: too many requests from this client: try again after the
    /// `Retry-After` seconds.
    RateLimited,
    /// 401: the device key signature over the challenge nonce does not verify.
    DeviceBindingInvalid,
    /// 404: no such code among the caller's own and dependents' codes.
    CodeNotFound,
    /// 404: the caller has not applied for a code yet.
    NoCodeYet,
    /// 403: a relative applying on someone's behalf must be 18 or older.
    GuardianUnderAge,
    /// 403: the relative's document carries no birth date to prove adulthood.
    GuardianAgeUnknown,
    /// 422: a relative must declare living with the person.
    CoResidenceNotDeclared,
    /// 409: the guardian already holds as many dependents as allowed.
    TooManyDependents,
    /// 422: one cannot apply by proxy for oneself.
    CannotProxyForSelf,
    /// 409: the person already holds their own code; no proxy is needed.
    HolderHasOwnCode,
    /// 409: the application was taken as a request to join the person's
    /// guardians and waits for one of them (or the district's committee) to
    /// approve. The same answer whether the name matched or not, so it tells
    /// the requester nothing about the person (DESIGN §2).
    JoinRequestPending,
    /// 404: no join request with that id waits for a decision by the caller
    /// (a malformed id is as unknown as another's).
    JoinRequestNotFound,
    /// 403: the join request is for someone the caller does not hold as a
    /// dependent, and the caller is no institution of that person's district.
    NotYourDependent,
    /// 409: the join request was already approved, declined or withdrawn.
    JoinRequestAlreadyDecided,
    /// 422: an institution's relationship does not match its account.
    RelationshipMismatch,
    /// 404: no person with that document is known.
    PersonNotFound,
    /// 403: this authority does not manage that measure (问题十).
    MayNotImpose,
    /// 403: this authority may not lift that measure (问题十).
    MayNotRelease,
    /// 403: only the organisation that executed the control may lift it.
    NotTheExecutingOrganisation,
    /// 403: only a community of the control's district may lift it; an
    /// institution acts only for people living in its own district.
    OutsideDistrict,
    /// 403: the organisation taking over a control may not execute it.
    RecipientMayNotExecute,
    /// 404: no authority account has the organisation named to take over.
    RecipientNotFound,
    /// 422: a committee or property company applying must state the
    /// district the person lives in.
    ResidenceDistrictRequired,
    /// 409: that control is already active on the person.
    ControlAlreadyActive,
    /// 404: that control is not active on the person.
    ControlNotActive,
    /// 422: an `Idempotency-Key` was reused for a different request.
    IdempotencyKeyReused,
    /// 400: the `Idempotency-Key` header is empty, too long or not ASCII.
    InvalidIdempotencyKey,
    /// 503: the first request with this `Idempotency-Key` is still running:
    /// retry after `Retry-After`, and get its response.
    RequestInProgress,
    /// 409: a request with this `Idempotency-Key` took effect, but the
    /// server stopped before it kept the answer: nothing is done again.
    /// Read the state (a sync) to see the result.
    RequestAlreadyApplied,
    /// 404: this server does not run the face-vendor simulator.
    FaceSimulatorDisabled,
    /// 503: the server cannot reach its database (its readiness probe,
    /// `/readyz`, says so): try again shortly, maybe on another replica.
    DatabaseUnavailable,
    /// 500: the server failed; nothing was changed.
    Internal,
}

impl ErrorCode {
    /// The HTTP status the code is sent with: one table for the server that
    /// answers and the OpenAPI document that states it.
    pub const fn http_status(self) -> u16 {
        use ErrorCode as C;
        match self {
            C::MalformedJson | C::InvalidIdempotencyKey => 400,
            C::InvalidRequest
            | C::InvalidDocumentNumber
            | C::InvalidName
            | C::UnknownDistrict
            | C::ArrivalDateOutOfRange
            | C::DependentNotEligible
            | C::InvalidEncoding
            | C::CoResidenceNotDeclared
            | C::CannotProxyForSelf
            | C::RelationshipMismatch
            | C::IdempotencyKeyReused
            | C::ResidenceDistrictRequired => 422,
            C::UnsupportedMediaType => 415,
            C::PayloadTooLarge => 413,
            C::NoSuchEndpoint
            | C::ChallengeNotFound
            | C::CodeNotFound
            | C::NoCodeYet
            | C::PersonNotFound
            | C::JoinRequestNotFound
            | C::RecipientNotFound
            | C::ControlNotActive
            | C::FaceSimulatorDisabled => 404,
            C::MethodNotAllowed => 405,
            C::MissingToken
            | C::InvalidToken
            | C::TokenExpired
            | C::AccountTokenExpired
            | C::AccountRevoked
            | C::SignedInElsewhere
            | C::SessionEnded
            | C::RefreshTokenReused
            | C::FaceResultInvalid
            | C::FaceMismatch
            | C::LivenessFailed
            | C::DeviceBindingInvalid => 401,
            C::WrongAccountKind
            | C::GuardianUnderAge
            | C::GuardianAgeUnknown
            | C::MayNotImpose
            | C::MayNotRelease
            | C::NotTheExecutingOrganisation
            | C::OutsideDistrict
            | C::NotYourDependent
            | C::RecipientMayNotExecute => 403,
            C::ChallengeExpired => 410,
            C::ChallengeAlreadyUsed
            | C::TooManyDependents
            | C::HolderHasOwnCode
            | C::JoinRequestPending
            | C::JoinRequestAlreadyDecided
            | C::ControlAlreadyActive
            | C::RequestAlreadyApplied => 409,
            C::LoginLocked | C::RateLimited => 429,
            C::Internal => 500,
            C::RequestInProgress | C::ServerBusy | C::DatabaseUnavailable => 503,
            C::RequestTimeout => 408,
        }
    }
}

// ---------------------------------------------------------------- shared parts

/// An identity document as typed in: its kind and number.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(example = json!({"kind": "resident_id", "number": "11010519491231002X"}))
)]
#[serde(deny_unknown_fields)]
pub struct DocumentInput {
    pub kind: DocumentKind,
    /// As on the document; surrounding spaces are dropped and letters
    /// uppercased. Each kind's own rules (length, check character, a real
    /// birth date) are checked by the server: 422 `invalid_document_number`.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 18))]
    pub number: String,
}

impl std::fmt::Debug for DocumentInput {
    /// Never prints the number.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DocumentInput({:?}, …)", self.kind)
    }
}

/// The issuer as the app shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IssuerView {
    pub issuer_id: u16,
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
    /// `#RRGGBB` each on the wire, as in the trust list.
    pub colors: ColorScheme,
}

// ---------------------------------------------------------------- login

/// Start of login: real name and document (实名认证).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginStartRequest {
    /// The real name as on the document: 1–30 characters (after NFC), no
    /// control or format characters, not starting with a combining mark
    /// (422 `invalid_name`).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 30))]
    pub name: String,
    pub document: DocumentInput,
}

impl std::fmt::Debug for LoginStartRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LoginStartRequest({:?})", self.document)
    }
}

/// What the face vendor's SDK needs to run a capture for this challenge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FaceVendorParams {
    /// `simulated` in development and tests.
    pub vendor: String,
    /// The vendor's public key (hex) the server checks results with.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{64}$"))]
    pub vendor_public_key: String,
    /// Liveness actions the SDK asks of the person, in order.
    pub liveness_actions: Vec<String>,
    /// hex: names the document the face is compared with, without saying
    /// its number; the vendor's signed result must carry it back.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{64}$"))]
    pub subject: String,
}

/// A face-verification challenge (人脸识别): the vendor's result must be
/// bound to this nonce and come back before `expires_at`, once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FaceChallenge {
    /// 32 hex digits.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{32}$"))]
    pub challenge_id: String,
    /// base64url, 32 random bytes.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$")
    )]
    pub nonce: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: OffsetDateTime,
    pub vendor: FaceVendorParams,
}

/// What the (simulated) camera saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FaceCapture {
    /// The document's holder, alive.
    Match,
    /// Someone else.
    Mismatch,
    /// A photo, a mask or a screen.
    Spoof,
}

/// The vendor's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FaceOutcome {
    Match,
    Mismatch,
    LivenessFailed,
}

/// The vendor's signed result, bound to the challenge nonce. Carries no
/// face data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignedFaceResult {
    pub vendor: String,
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{32}$"))]
    pub challenge_id: String,
    /// base64url, as in the challenge.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$")
    )]
    pub nonce: String,
    pub outcome: FaceOutcome,
    /// The birth date the identity check holds for the document, when its
    /// number carries none (passports, Hong Kong/Macao/Taiwan permits): it
    /// makes a guardian's adulthood known for every document kind (DESIGN
    /// §2). Signed with the rest (server/FACE_VENDOR.md); absent otherwise.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "option_full_date"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub birth_date: Option<Date>,
    /// The same person's other identity document on the identity check's
    /// record (a Hong Kong/Macao/Taiwan resident's residence permit and
    /// travel permit): the server signs them in as the one person holding
    /// one code (DESIGN §2). Signed with the rest; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_document: Option<DocumentInput>,
    /// hex Ed25519 signature of the vendor over the fields above.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-fA-F]{128}$"))]
    pub signature: String,
}

/// The simulator's SDK side over HTTP (`--face-vendor simulated` only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SimulateCaptureRequest {
    pub challenge: FaceChallenge,
    pub capture: FaceCapture,
    /// The birth date the simulated identity check returns for a document
    /// whose number carries none (the person declares it; a real identity
    /// check reads it from its records).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "option_full_date"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub birth_date: Option<Date>,
    /// The person's other document, as the simulated identity check's
    /// records link them (a real check knows which documents are one
    /// person's; the simulator is told).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_document: Option<DocumentInput>,
}

/// End of login: the vendor's result and the device's new key, with proof
/// that the device holds it (`device_binding::sign_binding` over the nonce).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginFinishRequest {
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{32}$"))]
    pub challenge_id: String,
    pub face_result: SignedFaceResult,
    /// hex, 32 bytes: an Ed25519 public key (a point that is not on the
    /// curve is refused, 422 `invalid_encoding`).
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-fA-F]{64}$"))]
    pub device_public_key: String,
    /// hex, 64 bytes.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-fA-F]{128}$"))]
    pub device_binding_signature: String,
}

/// A session: a short-lived access token and a single-use refresh token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionTokens {
    pub access_token: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub access_expires_at: OffsetDateTime,
    pub refresh_token: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub refresh_expires_at: OffsetDateTime,
}

impl std::fmt::Debug for SessionTokens {
    /// Never prints a token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionTokens")
            .field("access_expires_at", &self.access_expires_at)
            .field("refresh_expires_at", &self.refresh_expires_at)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// `skr_` and 32 bytes base64url.
    #[cfg_attr(feature = "openapi", schema(pattern = "^skr_[A-Za-z0-9_-]{43}$"))]
    pub refresh_token: String,
}

impl std::fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefreshRequest(…)")
    }
}

/// Who the caller is, as the app shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionView {
    pub masked_name: String,
    pub masked_document: String,
    pub document_kind: DocumentKind,
    /// hex: the key the caller's credentials are bound to.
    pub device_public_key: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub access_expires_at: OffsetDateTime,
    pub issuer: IssuerView,
}

// ---------------------------------------------------------------- codes

/// Apply for one's own code (blue). No body fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApplySelfRequest {}

/// Apply on someone's behalf (代申领, 问题二).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApplyProxyRequest {
    /// The dependent's real name, by the rules of [`LoginStartRequest::name`].
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 30))]
    pub name: String,
    pub document: DocumentInput,
    pub relationship: Relationship,
    /// A relative declares living with the person (recorded).
    #[serde(default)]
    pub co_resident_declared: bool,
    /// Why a dependent aged 18–59 cannot use a smart device (问题二);
    /// recorded. Not needed for elders (≥ 60) and children (< 18).
    #[serde(default)]
    pub reason: Option<crate::proxy::DeviceReason>,
    /// The district the dependent lives in (GB/T 2260 code or name). A
    /// committee or property company must state it and it must be its own
    /// (DESIGN §2: 所在居村民委员会); a relative may. The first statement
    /// is recorded and counts from then on.
    #[serde(default)]
    pub residence_district: Option<String>,
}

impl std::fmt::Debug for ApplyProxyRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ApplyProxyRequest({:?}, {:?})",
            self.document, self.relationship
        )
    }
}

/// The code an application produced, or found (一人一码).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ApplyResponse {
    pub code_id: String,
    pub color: Color,
    pub applied_by: AppliedBy,
    /// False when the person already had this code.
    pub created: bool,
}

/// Whose code this is, from the caller's side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CodeRole {
    /// My code (我的穗康码).
    Own,
    /// A code the caller holds on someone's behalf.
    Dependent,
}

/// One active control as the holder sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ControlView {
    pub reason: ControlReason,
    pub label_zh: String,
    pub label_en: String,
    pub district: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub since: OffsetDateTime,
}

/// A signed credential as issued.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IssuedCredential {
    /// base64url of the credential bytes (FORMAT.md), signature included.
    pub credential: String,
    pub key_id: u8,
    pub printed: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub issued_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: OffsetDateTime,
    /// Sync again after this: the server issues a fresh credential then.
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub refresh_after: OffsetDateTime,
}

/// A code with its credential and what the code screen shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CodeView {
    pub code_id: String,
    pub role: CodeRole,
    /// For a dependent: how the caller is related.
    pub relationship: Option<Relationship>,
    pub color: Color,
    /// `#RRGGBB` on the wire: the issuer's scheme's colour for `color`.
    pub color_rgb: Rgb,
    pub color_name_zh: String,
    pub color_name_en: String,
    pub applied_by: AppliedBy,
    pub controls: Vec<ControlView>,
    pub masked_name: String,
    pub masked_document: String,
    pub document_kind: DocumentKind,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub status_changed_at: OffsetDateTime,
    /// Bound to the caller's device key; absent for an account without one
    /// (an institution prints its dependents' codes instead).
    pub credential: Option<IssuedCredential>,
}

/// The caller's own code first, then the dependents' (the arrows, 问题二).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CodesResponse {
    pub issuer: IssuerView,
    pub own: Option<CodeView>,
    pub dependents: Vec<CodeView>,
    /// An institution's list comes in pages (`?limit=`, default
    /// [`CODES_PAGE_DEFAULT`]): ask again with `?cursor=` this value for the
    /// next one. Absent on the last page, and for a resident (whose few
    /// dependents always come whole).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Dependents per page of an institution's code list when `?limit=` is not
/// given (issue 12: 2,737 dependents were one 1 MB answer).
pub const CODES_PAGE_DEFAULT: u32 = 200;
/// The largest `?limit=` a page of codes may ask for.
pub const CODES_PAGE_MAX: u32 = 1000;

/// A printed page's code (打印版): an unbound credential with a longer
/// validity, shown as printed at checkpoints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PrintedCodeResponse {
    pub code: CodeView,
    pub printed: IssuedCredential,
    /// The text to put in the QR code (`SK1:…`).
    pub qr_text: String,
}

// ---------------------------------------------------------------- guardianship consent

/// A request to join a dependent's guardians, as an existing guardian sees
/// it (DESIGN §2, guardianship consent): who asked (masked), how they are
/// related, when. Never the requester's document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct JoinRequestView {
    /// 16 hex digits, random: names the request without counting them.
    pub request_id: String,
    /// The dependent's code, as the guardian's code list shows it.
    pub code_id: String,
    pub dependent_masked_name: String,
    /// The requester's masked name (张*明), or an institution's name.
    pub requester_masked_name: String,
    pub relationship: Relationship,
    pub co_resident_declared: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub requested_at: OffsetDateTime,
}

/// The join requests waiting for the caller's decision.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct JoinRequestsResponse {
    pub requests: Vec<JoinRequestView>,
}

/// What became of a join request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JoinDecision {
    /// The requester is a guardian now and sees the code on their next sync.
    Approved,
    /// The requester learns nothing more.
    Declined,
}

/// Approving or declining a join request. No body fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DecideJoinRequest {}

/// The decision as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct JoinDecisionResponse {
    pub request_id: String,
    pub code_id: String,
    pub decision: JoinDecision,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub decided_at: OffsetDateTime,
}

// ---------------------------------------------------------------- health declaration

/// A symptom a holder can declare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Symptom {
    Fever,
    Cough,
    Fatigue,
    SoreThroat,
    ShortnessOfBreath,
    Diarrhoea,
    LossOfTasteOrSmell,
}

impl Symptom {
    /// Every symptom, in the order the declaration form lists them.
    pub const ALL: [Symptom; 7] = [
        Symptom::Fever,
        Symptom::Cough,
        Symptom::Fatigue,
        Symptom::SoreThroat,
        Symptom::ShortnessOfBreath,
        Symptom::Diarrhoea,
        Symptom::LossOfTasteOrSmell,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            Symptom::Fever => "发热",
            Symptom::Cough => "咳嗽",
            Symptom::Fatigue => "乏力",
            Symptom::SoreThroat => "咽痛",
            Symptom::ShortnessOfBreath => "气促",
            Symptom::Diarrhoea => "腹泻",
            Symptom::LossOfTasteOrSmell => "嗅觉味觉减退",
        }
    }

    /// Traditional Chinese (Hong Kong, Macao, Taiwan visitors: 来穗人员).
    pub fn label_zh_hant(self) -> &'static str {
        match self {
            Symptom::Fever => "發熱",
            Symptom::Cough => "咳嗽",
            Symptom::Fatigue => "乏力",
            Symptom::SoreThroat => "咽痛",
            Symptom::ShortnessOfBreath => "氣促",
            Symptom::Diarrhoea => "腹瀉",
            Symptom::LossOfTasteOrSmell => "嗅覺味覺減退",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Symptom::Fever => "fever",
            Symptom::Cough => "cough",
            Symptom::Fatigue => "fatigue",
            Symptom::SoreThroat => "sore throat",
            Symptom::ShortnessOfBreath => "shortness of breath",
            Symptom::Diarrhoea => "diarrhoea",
            Symptom::LossOfTasteOrSmell => "loss of taste or smell",
        }
    }
}

/// Travel from a key epidemic area: where from, when, and the district of
/// Guangzhou the person arrived in (its community releases the control).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KeyAreaTravel {
    /// Where from: 1–64 characters, no control characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub area: String,
    /// The day of arrival (`YYYY-MM-DD`): not in the future, at most 30
    /// days back (422 `arrival_date_out_of_range`).
    #[serde(with = "full_date")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub arrived_on: Date,
    /// A district of Guangzhou: its GB/T 2260 code (`440105`) or name
    /// (`海珠区`, `haizhu`); 422 `unknown_district` otherwise.
    #[cfg_attr(feature = "openapi", schema(min_length = 1))]
    pub district: String,
}

/// A calendar date on the wire as an RFC 3339 full-date, `YYYY-MM-DD`.
/// The `[year, day-of-year]` pair that clients sent before the API said
/// so is still read (API versioning, README: a field's form is never
/// taken away within `/v1`).
/// A date as `YYYY-MM-DD` (RFC 3339 full-date), as the API, the stores
/// and the face vendor's signed message write it.
pub fn full_date_text(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// `YYYY-MM-DD` read strictly (ten characters, a real calendar date).
pub fn parse_full_date(text: &str) -> Option<Date> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let month = Month::try_from(u8::try_from(digits(5..7)?).ok()?).ok()?;
    let day = u8::try_from(digits(8..10)?).ok()?;
    Date::from_calendar_date(i32::try_from(digits(0..4)?).ok()?, month, day).ok()
}

/// An optional [`full_date`].
mod option_full_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Option<Date>, serializer: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => super::full_date::serialize(date, serializer),
            None => serializer.serialize_none(),
        }
    }

    #[derive(Deserialize)]
    struct Wire(#[serde(with = "super::full_date")] Date);

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Date>, D::Error> {
        Ok(Option::<Wire>::deserialize(deserializer)?.map(|w| w.0))
    }
}

mod full_date {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::full_date_text(*date))
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Wire {
        FullDate(String),
        YearAndOrdinal(i32, u16),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let bad = || D::Error::custom("not a date (YYYY-MM-DD)");
        match Wire::deserialize(deserializer).map_err(|_| bad())? {
            Wire::FullDate(text) => super::parse_full_date(&text).ok_or_else(bad),
            Wire::YearAndOrdinal(year, ordinal) => {
                Date::from_ordinal_date(year, ordinal).map_err(|_| bad())
            }
        }
    }
}

/// A health declaration (健康申报) for oneself or a dependent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HealthDeclarationRequest {
    /// A dependent's code id (16 hex digits); absent for one's own code.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-fA-F]{16}$"))]
    pub code_id: Option<String>,
    #[serde(default)]
    pub symptoms: Vec<Symptom>,
    #[serde(default)]
    pub travel_from_key_area: Option<KeyAreaTravel>,
    /// Where the person is now (GB/T 2260 code or name): that district's
    /// authorities see declared symptoms. Without it, the district of
    /// arrival, else the recorded residence.
    #[serde(default)]
    pub district: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct HealthDeclarationResponse {
    pub declaration_id: i64,
    pub code_id: String,
    pub color: Color,
    /// Controls the declaration put in place (arrival from a key area).
    pub controls_imposed: Vec<ControlReason>,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub recorded_at: OffsetDateTime,
    /// What the resident should do now, from the server (zh-CN and en).
    #[serde(default)]
    pub next_steps_zh: String,
    #[serde(default)]
    pub next_steps_en: String,
}

/// Ask for the symptom declarations made in the authority's district (a
/// city-level authority: the whole city) since a number of days back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ListSymptomDeclarationsRequest {
    /// 1 to 30; default 7.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<u8>, minimum = 1, maximum = 30))]
    pub days: Option<LookbackDays>,
}

/// How many days back a list reaches: 1 to 30 (a declaration older than a
/// month is not followed up). Refused when reading the request otherwise.
/// Read as a JSON number, so `9.0` is the 9 it equals in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "u8")]
pub struct LookbackDays(u8);

impl LookbackDays {
    pub const MAX: u8 = 30;

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<f64> for LookbackDays {
    type Error = String;

    fn try_from(days: f64) -> Result<Self, Self::Error> {
        if days.fract() == 0.0 && (1.0..=f64::from(Self::MAX)).contains(&days) {
            Ok(Self(days as u8))
        } else {
            Err(format!("days is a whole number from 1 to {}", Self::MAX))
        }
    }
}

impl From<LookbackDays> for u8 {
    fn from(days: LookbackDays) -> u8 {
        days.0
    }
}

/// One symptom declaration, as the district's authorities see it: masked
/// identity only, no phone, no full number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SymptomDeclarationView {
    pub declaration_id: i64,
    pub masked_name: Option<String>,
    pub masked_document: String,
    pub code_id: Option<String>,
    pub symptoms: Vec<Symptom>,
    pub district: String,
    /// holder, guardian or institution.
    pub declared_by: String,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub declared_at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SymptomDeclarationsResponse {
    pub declarations: Vec<SymptomDeclarationView>,
}

// ---------------------------------------------------------------- online verification

/// A scanned code, for a checkpoint's online check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OnlineVerifyRequest {
    pub qr_text: String,
}

/// What a checkpoint shows for a code that passed the offline checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VerifiedCodeView {
    pub issuer: IssuerView,
    pub code_id: String,
    pub color: Color,
    pub controls: Vec<ControlReason>,
    pub masked_name: String,
    pub masked_document: String,
    pub document_kind: DocumentKind,
    pub printed: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub issued_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub expires_at: OffsetDateTime,
}

/// The holder's status on the issuing server now, which may be newer than
/// the credential's. Never the reasons: only authorities see those (DESIGN
/// §2, Online check).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CurrentStatus {
    pub color: Color,
    /// False when the code is red now: Stop, whatever the code showed.
    pub pass: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub status_changed_at: OffsetDateTime,
}

/// The verification outcome: either the code, or why it was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct OnlineVerifyResponse {
    pub valid: bool,
    pub refusal: Option<Refusal>,
    pub refusal_label_zh: Option<String>,
    pub code: Option<VerifiedCodeView>,
    /// Known only for this server's own codes.
    pub current_status: Option<CurrentStatus>,
    /// The server's status differs from the credential's: trust the server.
    pub status_changed_since_issue: bool,
}

// ---------------------------------------------------------------- authority

/// Impose a control on a person (问题十).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ImposeControlRequest {
    pub document: DocumentInput,
    pub reason: ControlReason,
}

/// Release a control (问题十).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReleaseControlRequest {
    pub document: DocumentInput,
    pub reason: ControlReason,
}

/// Hand the execution of a control over to another organisation (DESIGN
/// §2, audited): whoever may release it may hand it over, to an authority
/// account of a kind that executes the reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HandOverControlRequest {
    pub document: DocumentInput,
    pub reason: ControlReason,
    /// The receiving organisation, as its authority account names it.
    pub to_organisation: String,
}

/// Look up a person's controls. A POST, so the document number stays out of
/// URLs and access logs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ListControlsRequest {
    pub document: DocumentInput,
}

/// An authority as recorded on a control or in the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuthorityView {
    pub role: AuthorityRole,
    pub organisation: String,
    pub district: String,
}

/// One active control as an authority sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ControlRecord {
    pub reason: ControlReason,
    pub district: String,
    /// The executing authority; absent when a health declaration imposed it.
    pub executed_by: Option<AuthorityView>,
    pub by_health_declaration: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub since: OffsetDateTime,
}

/// A person's controls and colour, after an action or a look-up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ControlsResponse {
    pub masked_document: String,
    pub masked_name: Option<String>,
    pub code_id: Option<String>,
    /// Absent when the person has no code yet.
    pub color: Option<Color>,
    pub controls: Vec<ControlRecord>,
    /// The audit entry an impose or release wrote.
    pub audit_id: Option<i64>,
}

// ---------------------------------------------------------------- helpers

/// A code id in its API form.
pub fn code_id_text(id: CodeId) -> String {
    id.to_string()
}

/// Parses a code id in its API form (16 hex digits).
pub fn parse_code_id(text: &str) -> Option<CodeId> {
    (text.len() == 16 && text.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| u64::from_str_radix(text, 16).ok().map(CodeId))
        .flatten()
}

/// A join request id in its API form (16 hex digits, like a code id).
pub fn request_id_text(id: u64) -> String {
    format!("{id:016x}")
}

/// Parses a join request id in its API form.
pub fn parse_request_id(text: &str) -> Option<u64> {
    parse_code_id(text).map(|c| c.0)
}

impl MaskedName {
    /// Reads back a masked name as the API shows it (`张*明`), so a server
    /// can keep only the masked form of a name and still sign credentials.
    pub fn from_display(text: &str) -> Option<MaskedName> {
        let masked = mask_name(text).ok()?;
        (masked.to_string() == text).then_some(masked)
    }
}

impl MaskedDocument {
    /// Reads back a masked document number as the API shows it
    /// (`4401**********123X`), so a server can keep only the masked form.
    pub fn from_display(kind: DocumentKind, text: &str) -> Option<MaskedDocument> {
        let n = text.len();
        if !(1..=31).contains(&n) || !text.is_ascii() {
            return None;
        }
        let side = visible_per_side(n);
        let (head, rest) = text.split_at(side);
        let (middle, tail) = rest.split_at(n - 2 * side);
        let visible_ok = head
            .bytes()
            .chain(tail.bytes())
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
        (visible_ok && middle.bytes().all(|b| b == b'*')).then(|| MaskedDocument {
            kind,
            length: n as u8,
            head: head.to_owned(),
            tail: tail.to_owned(),
        })
    }
}

// ---------------------------------------------------------------- OpenAPI schemas of protocol enums

/// OpenAPI schemas for the protocol's own types that appear in API bodies:
/// each is a string enum of its serde names (a test checks they parse).
#[cfg(feature = "openapi")]
mod schemas {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
    use utoipa::{PartialSchema, ToSchema};

    macro_rules! string_enum_schema {
        ($ty:ty, $name:literal, [$($value:literal),* $(,)?]) => {
            impl PartialSchema for $ty {
                fn schema() -> RefOr<Schema> {
                    ObjectBuilder::new()
                        .schema_type(SchemaType::new(Type::String))
                        .enum_values(Some([$($value),*]))
                        .into()
                }
            }
            impl ToSchema for $ty {
                fn name() -> std::borrow::Cow<'static, str> {
                    std::borrow::Cow::Borrowed($name)
                }
            }
        };
    }

    string_enum_schema!(crate::Color, "Color", ["red", "blue", "green"]);
    string_enum_schema!(crate::AppliedBy, "AppliedBy", ["holder", "proxy"]);
    string_enum_schema!(
        crate::DocumentKind,
        "DocumentKind",
        [
            "resident_id",
            "passport",
            "hk_macao_permit",
            "taiwan_permit"
        ]
    );
    string_enum_schema!(
        crate::ControlReason,
        "ControlReason",
        [
            "home_isolation",
            "centralised_isolation",
            "close_contact",
            "suspected_case",
            "confirmed_case",
            "nucleic_acid_positive",
            "arrival_from_key_area"
        ]
    );
    string_enum_schema!(
        crate::AuthorityRole,
        "AuthorityRole",
        ["district", "cdc", "medical_institution", "community"]
    );
    string_enum_schema!(
        crate::Relationship,
        "Relationship",
        [
            "adult_relative",
            "residents_committee",
            "village_committee",
            "property_management"
        ]
    );
    string_enum_schema!(
        crate::Refusal,
        "Refusal",
        [
            "Malformed",
            "UnsupportedVersion",
            "UnknownIssuer",
            "UnknownKey",
            "KeyNotValidAtThatTime",
            "BadIssuerSignature",
            "CredentialExpired",
            "CredentialNotYetValid",
            "BadDeviceSignature",
            "PresentationStale",
            "PresentationFromTheFuture",
            "PrintedCredentialExpired"
        ]
    );

    #[cfg(test)]
    mod tests {
        use super::*;
        use serde::de::DeserializeOwned;

        fn values_parse<T: ToSchema + DeserializeOwned>() {
            let RefOr::T(Schema::Object(object)) = T::schema() else {
                panic!("{} is an object schema", T::name());
            };
            for value in object.enum_values.expect("enum values") {
                serde_json::from_value::<T>(value.clone())
                    .unwrap_or_else(|_| panic!("{value} is a {}", T::name()));
            }
        }

        #[test]
        fn every_documented_enum_value_parses() {
            values_parse::<crate::Color>();
            values_parse::<crate::AppliedBy>();
            values_parse::<crate::DocumentKind>();
            values_parse::<crate::ControlReason>();
            values_parse::<crate::AuthorityRole>();
            values_parse::<crate::Relationship>();
            values_parse::<crate::Refusal>();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{KeyAreaTravel, ListSymptomDeclarationsRequest};

    /// An authority asks 1 to 30 days back, as a JSON number (9.0 is 9);
    /// anything else is refused when the request is read.
    #[test]
    fn days_back_are_a_whole_number_from_1_to_30() {
        let read = |json: &str| {
            serde_json::from_str::<ListSymptomDeclarationsRequest>(json)
                .map(|r| r.days.map(|d| d.get()))
        };
        assert_eq!(read(r#"{}"#).unwrap(), None);
        assert_eq!(read(r#"{"days": 1}"#).unwrap(), Some(1));
        assert_eq!(read(r#"{"days": 9.0}"#).unwrap(), Some(9));
        assert_eq!(read(r#"{"days": 30}"#).unwrap(), Some(30));
        for bad in ["0", "31", "9.5", "-1", "1e9", "\"7\""] {
            assert!(read(&format!(r#"{{"days": {bad}}}"#)).is_err(), "{bad}");
        }
        let request: ListSymptomDeclarationsRequest =
            serde_json::from_str(r#"{"days": 7}"#).unwrap();
        assert_eq!(serde_json::to_string(&request).unwrap(), r#"{"days":7}"#);
    }

    /// Issue 18: the arrival date travels as `YYYY-MM-DD`, as the OpenAPI
    /// document says; the `[year, day-of-year]` pair older clients sent is
    /// still read, and anything else is refused.
    #[test]
    fn an_arrival_date_is_a_full_date_on_the_wire() {
        let travel = KeyAreaTravel {
            area: "武汉".into(),
            arrived_on: time::macros::date!(2026 - 03 - 07),
            district: "440105".into(),
        };
        let json = serde_json::to_value(&travel).unwrap();
        assert_eq!(json["arrived_on"], "2026-03-07");
        assert_eq!(
            serde_json::from_value::<KeyAreaTravel>(json).unwrap(),
            travel
        );
        let legacy =
            serde_json::json!({"area": "武汉", "arrived_on": [2026, 66], "district": "440105"});
        assert_eq!(
            serde_json::from_value::<KeyAreaTravel>(legacy).unwrap(),
            travel
        );
        for bad in [
            serde_json::json!("2026-02-30"),
            serde_json::json!("2026-3-7"),
            serde_json::json!("2026-03-07T00:00:00Z"),
            serde_json::json!("０２０２-03-07"),
            serde_json::json!([2026, 400]),
            serde_json::json!(20260307),
        ] {
            let text = serde_json::json!({"area": "武汉", "arrived_on": bad, "district": "440105"});
            assert!(
                serde_json::from_value::<KeyAreaTravel>(text).is_err(),
                "{bad} was read as a date"
            );
        }
    }

    #[test]
    fn a_dependent_path_names_its_code() {
        assert_eq!(
            super::paths::dependent("00ab00cd00ef0012"),
            "/v1/dependents/00ab00cd00ef0012"
        );
        assert_eq!(
            super::paths::dependent_printed("00ab00cd00ef0012"),
            "/v1/dependents/00ab00cd00ef0012/printed"
        );
    }

    #[test]
    fn colours_stay_rrggbb_on_the_wire_and_anything_else_is_refused() {
        let scheme = crate::ColorScheme::SUIKANG;
        let json = serde_json::to_string(&scheme).unwrap();
        assert_eq!(
            json,
            r##"{"red":"#D9363E","blue":"#1E6FD9","green":"#1A9A4B"}"##
        );
        assert_eq!(
            serde_json::from_str::<crate::ColorScheme>(&json).unwrap(),
            scheme
        );
        let lower = r##"{"red":"#d9363e","blue":"#1E6FD9","green":"#1A9A4B"}"##;
        assert_eq!(
            serde_json::from_str::<crate::ColorScheme>(lower).unwrap(),
            scheme
        );
        for bad in [
            "",
            "#",
            "green",
            "1E6FD9",
            "#1E6FD",
            "#1E6FD90",
            "#GGGGGG",
            "#１E6FD9",
        ] {
            let json = format!(r##"{{"red":"{bad}","blue":"#1E6FD9","green":"#1A9A4B"}}"##);
            assert!(
                serde_json::from_str::<crate::ColorScheme>(&json).is_err(),
                "{bad}"
            );
        }
    }
    use super::*;
    use crate::document::{Document, mask_document};
    use time::macros::date;

    #[test]
    fn masked_forms_read_back_to_what_was_masked() {
        for name in ["张", "张三", "张小明", "欧阳娜娜", "Li Wei"] {
            let masked = mask_name(name).unwrap();
            assert_eq!(MaskedName::from_display(&masked.to_string()), Some(masked));
        }
        let today = date!(2026 - 11 - 28);
        for (kind, number) in [
            (DocumentKind::ResidentId, "11010519491231002X"),
            (DocumentKind::Passport, "E1234567"),
            (DocumentKind::HkMacaoPermit, "H12345678"),
            (DocumentKind::TaiwanPermit, "12345678"),
        ] {
            let masked = mask_document(&Document::parse(kind, number, today).unwrap());
            assert_eq!(
                MaskedDocument::from_display(kind, &masked.to_string()),
                Some(masked)
            );
        }
        assert_eq!(
            MaskedDocument::from_display(DocumentKind::Passport, "E1234567"),
            None
        );
    }

    #[test]
    fn code_ids_round_trip_and_refuse_other_text() {
        let id = CodeId(0x0123_4567_89ab_cdef);
        assert_eq!(parse_code_id(&code_id_text(id)), Some(id));
        assert_eq!(parse_code_id("0123"), None);
        assert_eq!(parse_code_id("+123456789abcdef"), None);
    }
}
