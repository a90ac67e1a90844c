//! Actions taken offline (健康申报, removing a dependent), queued sealed in
//! the cache and delivered in order when the network returns — exactly once,
//! because each carries the idempotency key it was queued with.
//!
//! A proxy application is not queued: it carries the dependent's full name
//! and document number, which never rest on the phone (DESIGN §2), so it
//! needs the network.

use serde::{Deserialize, Serialize};
use suikang_protocol::api::{ErrorCode, HealthDeclarationRequest, paths};
use time::OffsetDateTime;

use crate::error::CoreError;
use crate::http::{Http, HttpError};

/// An action waiting for the network.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    Declare(HealthDeclarationRequest),
    RemoveDependent { code_id: String },
}

/// An action with the key that makes its delivery idempotent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedAction {
    pub idempotency_key: String,
    #[serde(with = "time::serde::rfc3339")]
    pub queued_at: OffsetDateTime,
    pub action: Action,
}

/// A fresh idempotency key: 128 random bits in hex.
pub fn idempotency_key() -> String {
    let mut bytes = [0; 16];
    getrandom::fill(&mut bytes).expect("the platform has a random source");
    hex::encode(bytes)
}

impl QueuedAction {
    pub fn new(action: Action, now: OffsetDateTime) -> QueuedAction {
        QueuedAction {
            idempotency_key: idempotency_key(),
            queued_at: now,
            action,
        }
    }
}

impl Action {
    /// Sends the action to the server under `idempotency_key`, the key it
    /// was queued with, so a delivery retried after a lost answer has its
    /// effect once.
    pub(crate) async fn deliver(
        &self,
        http: &Http,
        token: &str,
        idempotency_key: &str,
    ) -> Result<(), HttpError> {
        match self {
            Action::Declare(request) => http
                .post::<_, serde_json::Value>(
                    paths::HEALTH_DECLARATIONS,
                    Some(token),
                    request,
                    idempotency_key,
                )
                .await
                .map(drop),
            Action::RemoveDependent { code_id } => {
                http.delete(&paths::dependent(code_id), Some(token), idempotency_key)
                    .await
            }
        }
    }
}

/// Whether a failed delivery is the server's final answer — the action is
/// dropped and reported — or worth trying again at the next sync (`Err`).
/// Final answers include "no such code" and "no code yet": sent again they
/// would block the queue, and a declaration refused now would go through
/// later.
pub(crate) fn final_refusal(error: CoreError) -> Result<ErrorCode, CoreError> {
    match error {
        CoreError::Refused { code, .. } => Ok(code),
        CoreError::CodeNotFound => Ok(ErrorCode::CodeNotFound),
        CoreError::NoCodeYet => Ok(ErrorCode::NoCodeYet),
        e => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_final_and_network_trouble_is_not() {
        let refused = CoreError::Refused {
            code: ErrorCode::InvalidRequest,
            message: String::new(),
        };
        assert_eq!(final_refusal(refused), Ok(ErrorCode::InvalidRequest));
        assert_eq!(
            final_refusal(CoreError::CodeNotFound),
            Ok(ErrorCode::CodeNotFound)
        );
        assert_eq!(
            final_refusal(CoreError::NoCodeYet),
            Ok(ErrorCode::NoCodeYet)
        );
        assert_eq!(
            final_refusal(CoreError::NetworkUnavailable),
            Err(CoreError::NetworkUnavailable)
        );
        assert_eq!(
            final_refusal(CoreError::ServerUnavailable { status: 503 }),
            Err(CoreError::ServerUnavailable { status: 503 })
        );
    }
}
