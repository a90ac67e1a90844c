//! The codes on the phone as the app lists them (问题五: one's own first,
//! then the dependents'), read from the cached code views.

use suikang_protocol::api::{CodeRole, CodeView};
use suikang_protocol::{Color, ControlReason, DocumentKind, Relationship};
use time::OffsetDateTime;

/// One code as the app lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeSummary {
    pub code_id: String,
    pub role: CodeRole,
    pub relationship: Option<Relationship>,
    pub color: Color,
    pub controls: Vec<ControlReason>,
    pub masked_name: String,
    pub masked_document: String,
    pub document_kind: DocumentKind,
    pub credential_expires_at: Option<OffsetDateTime>,
    /// The credential has expired (or there is none): verifiers will refuse
    /// it until a sync refreshes it.
    pub refresh_needed: bool,
}

impl CodeSummary {
    /// A cached code as listed at `now`.
    pub fn of(code: &CodeView, now: OffsetDateTime) -> CodeSummary {
        let expires = code.credential.as_ref().map(|c| c.expires_at);
        CodeSummary {
            code_id: code.code_id.clone(),
            role: code.role,
            relationship: code.relationship,
            color: code.color,
            controls: code.controls.iter().map(|c| c.reason).collect(),
            masked_name: code.masked_name.clone(),
            masked_document: code.masked_document.clone(),
            document_kind: code.document_kind,
            credential_expires_at: expires,
            refresh_needed: expires.is_none_or(|e| now >= e),
        }
    }
}
