//! What the API refuses, named for the user's situation, and how each is
//! sent: a status and `{"error": {"code", "message"}}`. Messages never carry
//! personal data.

use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use suikang_protocol::api::{ErrorBody, ErrorCode, ErrorDetail};
use suikang_protocol::{DocumentError, NameError, ProxyError, RightsError};

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the body is not valid JSON")]
    MalformedJson,
    #[error("the request does not have the expected fields and values: {0}")]
    InvalidRequest(String),
    #[error("send the body as application/json")]
    UnsupportedMediaType,
    #[error("the body is larger than this server accepts")]
    PayloadTooLarge,
    #[error("no such endpoint")]
    NoSuchEndpoint,
    #[error("this endpoint does not accept that method")]
    MethodNotAllowed,
    #[error("the document number is not valid: {0}")]
    InvalidDocumentNumber(DocumentError),
    #[error("the name is not valid: {0}")]
    InvalidName(NameError),
    #[error("{0} is not well formed")]
    InvalidEncoding(&'static str),
    #[error("sign in first: no bearer token was sent")]
    MissingToken,
    #[error("the token is not valid")]
    InvalidToken,
    #[error("the access token has expired: refresh the session")]
    TokenExpired,
    #[error("the request took longer than this server allows: send it again")]
    RequestTimeout,
    #[error("the server is serving as many connections as it allows: try again shortly")]
    ServerBusy,
    #[error("this account's token has expired: ask the issuer's admin for a new one")]
    AccountTokenExpired,
    #[error("this account was revoked")]
    AccountRevoked,
    #[error("you signed in on another device, so this one was signed out")]
    SignedInElsewhere,
    #[error("this session has ended: sign in again")]
    SessionEnded,
    #[error("this refresh token was already used: the session is revoked, sign in again")]
    RefreshTokenReused,
    #[error("this kind of account may not do this")]
    WrongAccountKind,
    #[error("no such login challenge")]
    ChallengeNotFound,
    #[error("the login challenge has expired: start again")]
    ChallengeExpired,
    #[error("the login challenge was already answered: start again")]
    ChallengeAlreadyUsed,
    #[error("the face verification result is not genuine or not for this challenge")]
    FaceResultInvalid,
    #[error("the face does not match the document's holder")]
    FaceMismatch,
    #[error("the liveness check failed")]
    LivenessFailed,
    #[error("too many failed face checks for this document: try again later")]
    LoginLocked,
    #[error("the device key's signature over the challenge does not verify")]
    DeviceBindingInvalid,
    #[error("no such code")]
    NotYourCode,
    #[error("apply for your code first")]
    NoCodeYet,
    #[error("{0}")]
    GuardianRefused(ProxyError),
    #[error("you already hold as many dependents as allowed")]
    TooManyDependents,
    #[error("apply for your own code directly, not by proxy")]
    CannotProxyForSelf,
    #[error("this person already holds their own code")]
    HolderHasOwnCode,
    #[error(
        "your application was sent as a request to join the person's guardians; you will see the code once one of them approves"
    )]
    JoinRequestPending,
    #[error(
        "no district has that code or name (give a GB/T 2260 code such as 440105, or a name such as 海珠区 or haizhu)"
    )]
    UnknownDistrict,
    #[error("the arrival date must not be in the future nor more than 30 days back")]
    ArrivalDateOutOfRange,
    #[error("{0}")]
    DependentNotEligible(suikang_protocol::EligibilityError),
    #[error("no join request with that id waits for your decision")]
    JoinRequestNotFound,
    #[error("that join request is for someone you do not hold a code for")]
    NotYourDependent,
    #[error("that join request was already decided")]
    JoinRequestAlreadyDecided,
    #[error("the relationship does not match this account")]
    RelationshipMismatch,
    #[error("no person with that document is known")]
    PersonNotFound,
    #[error(
        "a residents'/village committee or property company acts only for people living in its own district"
    )]
    InstitutionOutsideDistrict,
    #[error(
        "a committee or property company must state the district the person lives in (residence_district)"
    )]
    ResidenceDistrictMissing,
    #[error("no authority account has that organisation: it cannot take the control over")]
    RecipientNotFound,
    #[error("{0}")]
    OutsideRights(RightsError),
    #[error("that control is already active")]
    ControlAlreadyActive,
    #[error("that control is not active")]
    ControlNotActive,
    #[error("this Idempotency-Key was used for a different request")]
    IdempotencyKeyReused,
    #[error("the Idempotency-Key header must be 1 to 255 visible ASCII characters")]
    InvalidIdempotencyKey,
    #[error("the first request with this Idempotency-Key is still running: retry shortly")]
    RequestInProgress,
    #[error(
        "the request with this Idempotency-Key took effect; its answer was lost: read the state to see it"
    )]
    RequestAlreadyApplied,
    #[error("this server does not run the face-vendor simulator")]
    FaceSimulatorDisabled,
    #[error("too many requests from this client: try again in {retry_after_seconds} s")]
    RateLimited { retry_after_seconds: u64 },
    #[error("the server cannot reach its database: try again shortly")]
    DatabaseUnavailable,
    #[error("the server failed; nothing was changed")]
    Internal,
}

impl ApiError {
    pub fn code(&self) -> ErrorCode {
        use ApiError::*;
        match self {
            MalformedJson => ErrorCode::MalformedJson,
            InvalidRequest(_) => ErrorCode::InvalidRequest,
            UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            PayloadTooLarge => ErrorCode::PayloadTooLarge,
            NoSuchEndpoint => ErrorCode::NoSuchEndpoint,
            MethodNotAllowed => ErrorCode::MethodNotAllowed,
            InvalidDocumentNumber(_) => ErrorCode::InvalidDocumentNumber,
            InvalidName(_) => ErrorCode::InvalidName,
            InvalidEncoding(_) => ErrorCode::InvalidEncoding,
            MissingToken => ErrorCode::MissingToken,
            InvalidToken => ErrorCode::InvalidToken,
            TokenExpired => ErrorCode::TokenExpired,
            AccountTokenExpired => ErrorCode::AccountTokenExpired,
            RequestTimeout => ErrorCode::RequestTimeout,
            ServerBusy => ErrorCode::ServerBusy,
            AccountRevoked => ErrorCode::AccountRevoked,
            SignedInElsewhere => ErrorCode::SignedInElsewhere,
            SessionEnded => ErrorCode::SessionEnded,
            RefreshTokenReused => ErrorCode::RefreshTokenReused,
            WrongAccountKind => ErrorCode::WrongAccountKind,
            ChallengeNotFound => ErrorCode::ChallengeNotFound,
            ChallengeExpired => ErrorCode::ChallengeExpired,
            ChallengeAlreadyUsed => ErrorCode::ChallengeAlreadyUsed,
            FaceResultInvalid => ErrorCode::FaceResultInvalid,
            FaceMismatch => ErrorCode::FaceMismatch,
            LivenessFailed => ErrorCode::LivenessFailed,
            LoginLocked => ErrorCode::LoginLocked,
            DeviceBindingInvalid => ErrorCode::DeviceBindingInvalid,
            NotYourCode => ErrorCode::CodeNotFound,
            NoCodeYet => ErrorCode::NoCodeYet,
            GuardianRefused(ProxyError::GuardianUnderAge { .. }) => ErrorCode::GuardianUnderAge,
            GuardianRefused(ProxyError::GuardianAgeUnknown) => ErrorCode::GuardianAgeUnknown,
            GuardianRefused(ProxyError::CoResidenceNotDeclared) => {
                ErrorCode::CoResidenceNotDeclared
            }
            TooManyDependents => ErrorCode::TooManyDependents,
            CannotProxyForSelf => ErrorCode::CannotProxyForSelf,
            HolderHasOwnCode => ErrorCode::HolderHasOwnCode,
            RelationshipMismatch => ErrorCode::RelationshipMismatch,
            PersonNotFound => ErrorCode::PersonNotFound,
            InstitutionOutsideDistrict => ErrorCode::OutsideDistrict,
            ResidenceDistrictMissing => ErrorCode::ResidenceDistrictRequired,
            RecipientNotFound => ErrorCode::RecipientNotFound,
            OutsideRights(RightsError::MayNotImpose { .. }) => ErrorCode::MayNotImpose,
            OutsideRights(RightsError::MayNotRelease { .. }) => ErrorCode::MayNotRelease,
            OutsideRights(RightsError::NotTheExecutingOrganisation { .. }) => {
                ErrorCode::NotTheExecutingOrganisation
            }
            OutsideRights(RightsError::OutsideDistrict { .. }) => ErrorCode::OutsideDistrict,
            JoinRequestPending => ErrorCode::JoinRequestPending,
            JoinRequestNotFound => ErrorCode::JoinRequestNotFound,
            NotYourDependent => ErrorCode::NotYourDependent,
            JoinRequestAlreadyDecided => ErrorCode::JoinRequestAlreadyDecided,
            UnknownDistrict => ErrorCode::UnknownDistrict,
            ArrivalDateOutOfRange => ErrorCode::ArrivalDateOutOfRange,
            DependentNotEligible(_) => ErrorCode::DependentNotEligible,
            OutsideRights(RightsError::RecipientMayNotExecute { .. }) => {
                ErrorCode::RecipientMayNotExecute
            }
            ControlAlreadyActive => ErrorCode::ControlAlreadyActive,
            ControlNotActive => ErrorCode::ControlNotActive,
            IdempotencyKeyReused => ErrorCode::IdempotencyKeyReused,
            InvalidIdempotencyKey => ErrorCode::InvalidIdempotencyKey,
            RequestInProgress => ErrorCode::RequestInProgress,
            RequestAlreadyApplied => ErrorCode::RequestAlreadyApplied,
            FaceSimulatorDisabled => ErrorCode::FaceSimulatorDisabled,
            RateLimited { .. } => ErrorCode::RateLimited,
            DatabaseUnavailable => ErrorCode::DatabaseUnavailable,
            Internal => ErrorCode::Internal,
        }
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code().http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.to_string(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status().is_server_error() {
            tracing::error!(code = ?self.code(), "request failed");
        }
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        if let ApiError::RateLimited {
            retry_after_seconds,
        } = self
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, retry_after_seconds.into());
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        // Store errors carry no personal data; log them, tell the client less.
        tracing::error!(error = %e, "store failed");
        ApiError::Internal
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::JsonSyntaxError(_) => ApiError::MalformedJson,
            JsonRejection::JsonDataError(e) => {
                ApiError::InvalidRequest(data_error_message(&e.body_text()))
            }
            JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType,
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            _ => ApiError::MalformedJson,
        }
    }
}

/// serde's message names the field and the expected values; the part that
/// quotes the value sent is dropped, since it may be a document number.
fn data_error_message(text: &str) -> String {
    let text = text
        .strip_prefix("Failed to deserialize the JSON body into the target type: ")
        .unwrap_or(text);
    let field = text.split(':').next().unwrap_or("");
    if text.contains("unknown variant") {
        let expected = text.split("expected").nth(1).unwrap_or("").trim();
        let expected = expected.split(" at line").next().unwrap_or("");
        format!("{field}: unknown value, expected {expected}")
    } else if text.contains("missing field") || text.contains("unknown field") {
        text.split(" at line").next().unwrap_or("").to_owned()
    } else {
        format!("{field}: wrong type or value")
    }
}
