//! Guardianship consent on the phone (DESIGN §2): the join requests waiting
//! for this guardian's decision, and approving or declining them. These
//! need the network and are not queued: a guardian decides with the list in
//! front of them, and an approval made offline would arrive after the list
//! changed. Leaving a dependent is [`App::remove_dependent`] (queued).

use suikang_protocol::api::{
    DecideJoinRequest, ErrorCode, JoinDecisionResponse, JoinRequestView, JoinRequestsResponse,
    parse_request_id, paths,
};

use crate::app::App;
use crate::error::CoreError;
use crate::http::{HttpError, Reply};
use crate::outbox::idempotency_key;

impl App {
    /// Who asked to join the guardians of the caller's dependents (masked),
    /// how they are related, and when: oldest first.
    pub async fn pending_join_requests(&self) -> Result<Vec<JoinRequestView>, CoreError> {
        let http = self.http()?;
        let response: JoinRequestsResponse = self
            .authorized(|token| async move {
                match http.get(paths::JOIN_REQUESTS, Some(&token), None).await? {
                    Reply::Fresh { body, .. } => Ok(body),
                    Reply::NotModified => Err(HttpError::Decode),
                }
            })
            .await?;
        Ok(response.requests)
    }

    /// Approves a join request: the requester becomes a guardian of the
    /// dependent and sees the code on their next sync.
    pub async fn approve_join_request(
        &self,
        request_id: &str,
    ) -> Result<JoinDecisionResponse, CoreError> {
        self.decide_join_request(request_id, paths::approve_join_request)
            .await
    }

    /// Declines a join request: the requester learns nothing more.
    pub async fn decline_join_request(
        &self,
        request_id: &str,
    ) -> Result<JoinDecisionResponse, CoreError> {
        self.decide_join_request(request_id, paths::decline_join_request)
            .await
    }

    async fn decide_join_request(
        &self,
        request_id: &str,
        path: fn(&str) -> String,
    ) -> Result<JoinDecisionResponse, CoreError> {
        let request_id = checked_request_id(request_id)?;
        let http = self.http()?;
        let path = path(request_id);
        let key = idempotency_key();
        self.authorized(|token| {
            let (path, key) = (path.clone(), key.clone());
            async move {
                http.post(&path, Some(&token), &DecideJoinRequest {}, &key)
                    .await
            }
        })
        .await
    }
}

/// A join request id as typed (trimmed), refused before any request when it
/// cannot name one: the server would answer not-found for it anyway.
pub(crate) fn checked_request_id(request_id: &str) -> Result<&str, CoreError> {
    let request_id = request_id.trim();
    if parse_request_id(request_id).is_none() {
        return Err(CoreError::Refused {
            code: ErrorCode::JoinRequestNotFound,
            message: "a join request id is 16 hex digits".into(),
        });
    }
    Ok(request_id)
}
