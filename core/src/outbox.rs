//! Actions taken offline (健康申报, removing a dependent), queued sealed in
//! the cache and delivered in order when the network returns — exactly once,
//! because each carries the idempotency key it was queued with.
//!
//! A proxy application is not queued: it carries the dependent's full name
//! and document number, which never rest on the phone (DESIGN §2), so it
//! needs the network.

use serde::{Deserialize, Serialize};
use suikang_protocol::api::HealthDeclarationRequest;
use time::OffsetDateTime;

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
