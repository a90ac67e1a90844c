//! Storage behind one trait (DESIGN §6): SQLite (embedded, the default) and
//! PostgreSQL (production: stateless replicas on one database), both held
//! to the same contract suite ([`contract`]).
//!
//! The store keeps no full name and no document number: a person is found
//! by a keyed hash of their document ([`DocKey`]) and carries only the
//! masked forms the credentials show.

use std::future::Future;
use std::pin::Pin;

use suikang_protocol::{
    AppliedBy, AuthorityRole, CodeId, Control, ControlReason, DocumentKind, Executor, Relationship,
};
use time::{Date, OffsetDateTime};

/// The contract every engine keeps, as async functions over the trait.
pub mod contract;
/// A throw-away PostgreSQL cluster for tests and the load generator.
pub mod pg_cluster;
/// PostgreSQL through a pool: the engine replicas share.
pub mod postgres;
/// SQLite in WAL mode: the embedded default.
pub mod sqlite;

pub use postgres::{PgStore, PoolStatus};
pub use sqlite::SqliteStore;

/// What every store call returns: a boxed future, so the trait is
/// object-safe and the server holds any store as `Arc<dyn Store>`.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A failure of the storage engine itself; never carries personal data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage failed: {0}")]
    Backend(String),
    #[error("the stored data is not well formed: {0}")]
    Corrupt(&'static str),
    #[error(
        "the database has schema version {found}, newer than this server's {known}: run a newer server"
    )]
    NewerSchema { found: u32, known: u32 },
}

/// HMAC-SHA-256 of a document's kind and normalised number under the
/// server's secret: how the store finds a person without keeping the number.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DocKey(pub [u8; 32]);

impl std::fmt::Debug for DocKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DocKey({}…)", hex::encode(&self.0[..4]))
    }
}

/// HMAC-SHA-256 of a name after NFC normalisation, under the server's
/// secret: how a later applicant's stated name is compared with the
/// registered one exactly (DESIGN §2, guardianship consent) while the store
/// keeps only the masked name. A plain hash would do for equality, but
/// names are few enough to guess; the key keeps a database copy from
/// confirming a guessed name.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct NameKey(pub [u8; 32]);

impl std::fmt::Debug for NameKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NameKey(…)")
    }
}

/// SHA-256 of a bearer token: the store never sees a token.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TokenHash(pub [u8; 32]);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonId(pub i64);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AccountId(pub i64);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SessionId(pub i64);

/// A person as the server knows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub id: PersonId,
    pub doc_key: DocKey,
    pub document_kind: DocumentKind,
    pub masked_document: String,
    /// Unknown until someone applies with the name (an authority may act
    /// on a document before).
    pub masked_name: Option<String>,
    /// The registered name's keyed hash; absent for people registered
    /// before it was kept (then the masked names are compared).
    pub name_key: Option<NameKey>,
    /// From a resident ID; needed to check that a relative is an adult.
    pub birth_date: Option<Date>,
    pub code: Option<CodeRecord>,
    /// When the code's colour or controls last changed: credentials are
    /// issued in periods counted from here.
    pub status_changed_at: OffsetDateTime,
    /// The district the person lives in (GB/T 2260), as first declared by
    /// a guardian: an institution acts only for its own district's people.
    pub residence_district: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeRecord {
    pub code_id: CodeId,
    pub applied_by: AppliedBy,
}

/// What is known about a person from a document and a typed name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonFacts {
    pub doc_key: DocKey,
    pub document_kind: DocumentKind,
    pub masked_document: String,
    pub masked_name: Option<String>,
    pub name_key: Option<NameKey>,
    pub birth_date: Option<Date>,
    /// A declared residence district; a recorded one is never replaced.
    pub residence_district: Option<String>,
}

/// Who holds dependents: a resident, or an institution account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Guardian {
    Person(PersonId),
    Institution(AccountId),
}

impl Guardian {
    /// How the store writes a guardian: a kind and an id.
    pub fn parts(self) -> (&'static str, i64) {
        match self {
            Guardian::Person(p) => ("person", p.0),
            Guardian::Institution(a) => ("institution", a.0),
        }
    }

    pub fn from_parts(kind: &str, id: i64) -> Result<Guardian, StoreError> {
        match kind {
            "person" => Ok(Guardian::Person(PersonId(id))),
            "institution" => Ok(Guardian::Institution(AccountId(id))),
            _ => Err(StoreError::Corrupt("guardian kind")),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependent {
    pub person: Person,
    pub relationship: Relationship,
}

/// Outcome of adding a dependent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddDependent {
    Added,
    AlreadyADependent,
    TooManyDependents,
}

/// Why a proxy application or join request is allowed and on what terms,
/// as recorded with the guardianship and in the guardianship log: the
/// relationship, the declared co-residence and the eligibility (问题二: an
/// elder's or child's age, or the stated reason a person cannot use a
/// smart device), as JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuardianshipTerms {
    pub relationship: Relationship,
    pub co_resident_declared: bool,
    pub eligibility: String,
}

impl GuardianshipTerms {
    /// The log's details: these terms, with the join request they came by.
    pub fn log_details(&self, request: Option<JoinRequestId>) -> String {
        let eligibility: serde_json::Value =
            serde_json::from_str(&self.eligibility).unwrap_or(serde_json::Value::Null);
        serde_json::json!({
            "relationship": self.relationship,
            "co_resident_declared": self.co_resident_declared,
            "eligibility": eligibility,
            "join_request": request.map(|r| format!("{:016x}", r.0)),
        })
        .to_string()
    }
}

/// The log's details of a decision or departure.
pub fn request_details(request: JoinRequestId, requester: Guardian) -> String {
    serde_json::json!({
        "join_request": format!("{:016x}", request.0),
        "requester": guardian_json(requester),
    })
    .to_string()
}

/// A guardian as JSON, for log details.
pub fn guardian_json(g: Guardian) -> serde_json::Value {
    match g {
        Guardian::Person(p) => serde_json::json!({"person": p.0}),
        Guardian::Institution(a) => serde_json::json!({"institution": a.0}),
    }
}

/// A random id naming a join request (16 hex digits in the API).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct JoinRequestId(pub u64);

/// A new request to join a dependent's guardians.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewJoinRequest {
    pub id: JoinRequestId,
    pub dependent: PersonId,
    pub requester: Guardian,
    pub terms: GuardianshipTerms,
    pub at: OffsetDateTime,
}

/// What asking to join did: one pending request per requester and person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinOutcome {
    Requested(JoinRequestId),
    /// The requester already waits on this person: the first request stands.
    AlreadyPending(JoinRequestId),
    /// The guardians declined this requester for this person within
    /// [`DECLINED_QUIET_DAYS`]: nothing is stored, nobody is asked again.
    RecentlyDeclined(JoinRequestId),
}

/// Days after a decline before the same requester's request for the same
/// person reaches the guardians again: a stranger who was told no cannot
/// flood them (the requester still gets the same answer as everyone).
pub const DECLINED_QUIET_DAYS: i64 = 30;

/// How a join request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JoinState {
    Pending,
    Approved,
    Declined,
    /// The last guardian left before anyone decided (nobody holds the code).
    Lapsed,
}

impl JoinState {
    pub fn as_str(self) -> &'static str {
        match self {
            JoinState::Pending => "pending",
            JoinState::Approved => "approved",
            JoinState::Declined => "declined",
            JoinState::Lapsed => "lapsed",
        }
    }

    pub fn parse(text: &str) -> Option<JoinState> {
        [
            JoinState::Pending,
            JoinState::Approved,
            JoinState::Declined,
            JoinState::Lapsed,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A join request as the guardians see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinRequest {
    pub id: JoinRequestId,
    pub dependent: PersonId,
    pub dependent_code: Option<CodeId>,
    pub dependent_masked_name: String,
    pub requester: Guardian,
    /// A person's masked name, or an institution's display name.
    pub requester_masked_name: String,
    pub terms: GuardianshipTerms,
    pub requested_at: OffsetDateTime,
    pub state: JoinState,
}

/// A decision on a join request by `by`: a guardian of the dependent, or
/// an institution of the dependent's district (`by_district`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinDecisionInput {
    pub request: JoinRequestId,
    pub by: Guardian,
    /// When `by` is a residents'/village committee: its district. It
    /// decides for the people recorded as living there (DESIGN §2: an
    /// existing guardian or the dependent's committee approves).
    pub committee_of: Option<String>,
    pub approve: bool,
    /// Dependents a relative may hold: checked for the requester on approval.
    pub max_relative_dependents: u32,
    pub at: OffsetDateTime,
}

/// What deciding found or did, in one transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecideOutcome {
    Approved(JoinRequest),
    Declined(JoinRequest),
    NotFound,
    NotYourDependent,
    AlreadyDecided,
    /// The requester, a relative, holds as many dependents as allowed.
    TooManyDependents,
}

/// What leaving a dependent did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaveOutcome {
    NotAGuardian,
    /// Others still hold the code.
    Left {
        guardians_left: u32,
    },
    /// The last guardian left: nobody holds the code now (it stays, with
    /// its controls; the next application with the registered name takes
    /// it up) and waiting join requests lapsed.
    ProxyEnded,
}

/// What the guardianship log records (append-only, like the audit log).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GuardianshipAction {
    /// A guardian took up the person's code (the first application, or
    /// one with the registered name when nobody held it).
    GuardianAdded,
    JoinRequested,
    JoinApproved,
    JoinDeclined,
    GuardianLeft,
    /// The last guardian left.
    ProxyEnded,
}

impl GuardianshipAction {
    pub fn as_str(self) -> &'static str {
        match self {
            GuardianshipAction::GuardianAdded => "guardian_added",
            GuardianshipAction::JoinRequested => "join_requested",
            GuardianshipAction::JoinApproved => "join_approved",
            GuardianshipAction::JoinDeclined => "join_declined",
            GuardianshipAction::GuardianLeft => "guardian_left",
            GuardianshipAction::ProxyEnded => "proxy_ended",
        }
    }

    pub fn parse(text: &str) -> Option<GuardianshipAction> {
        use GuardianshipAction::*;
        [
            GuardianAdded,
            JoinRequested,
            JoinApproved,
            JoinDeclined,
            GuardianLeft,
            ProxyEnded,
        ]
        .into_iter()
        .find(|a| a.as_str() == text)
    }
}

/// One line of the guardianship log: who did what about whose code, when,
/// and the terms (JSON: relationship, co-residence, eligibility, request).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuardianshipEvent {
    pub id: i64,
    pub actor: Guardian,
    pub action: GuardianshipAction,
    pub person: PersonId,
    pub details: String,
    pub at: OffsetDateTime,
}

/// An active control with when it began.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveControl {
    pub control: Control,
    pub since: OffsetDateTime,
}

/// One line of the append-only audit log: who, what, when, before, after.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// JSON of the actor (an authority, or the health declaration).
    pub actor: String,
    pub action: String,
    pub person: PersonId,
    pub reason: ControlReason,
    pub before: String,
    pub after: String,
    pub at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: i64,
    pub entry: AuditEntry,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImposeOutcome {
    Imposed { audit_id: i64 },
    AlreadyActive,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReleaseOutcome {
    Released { audit_id: i64 },
    NotActive,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HandOverOutcome {
    HandedOver { audit_id: i64 },
    NotActive,
}

/// Why a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SessionEnd {
    SignedInElsewhere,
    Logout,
    RefreshTokenReused,
}

impl SessionEnd {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionEnd::SignedInElsewhere => "signed_in_elsewhere",
            SessionEnd::Logout => "logout",
            SessionEnd::RefreshTokenReused => "refresh_token_reused",
        }
    }

    pub fn parse(text: &str) -> Option<SessionEnd> {
        [
            SessionEnd::SignedInElsewhere,
            SessionEnd::Logout,
            SessionEnd::RefreshTokenReused,
        ]
        .into_iter()
        .find(|e| e.as_str() == text)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSession {
    pub person: PersonId,
    pub device_key: [u8; 32],
    pub access: TokenHash,
    pub access_expires_at: OffsetDateTime,
    pub refresh: TokenHash,
    pub refresh_expires_at: OffsetDateTime,
    pub at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: SessionId,
    pub person: PersonId,
    pub device_key: [u8; 32],
    pub access_expires_at: OffsetDateTime,
    pub refresh_expires_at: OffsetDateTime,
    pub ended: Option<SessionEnd>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenPair {
    pub access: TokenHash,
    pub access_expires_at: OffsetDateTime,
    pub refresh: TokenHash,
    pub refresh_expires_at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefreshOutcome {
    Rotated(SessionRecord),
    /// The token was already used once: the session is now ended.
    Reused,
    Unknown,
    Expired,
    Ended(SessionEnd),
}

/// An open login challenge with what the person typed (masked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    pub id: String,
    pub nonce: [u8; 32],
    pub person: PersonFacts,
    pub expires_at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TakeChallenge {
    Open(Box<Challenge>),
    NotFound,
    AlreadyUsed,
    Expired,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountKind {
    Authority(AuthorityRole),
    Institution(Relationship),
    /// A checkpoint (metro gate, office, school): may ask the online check
    /// and nothing else (DESIGN §2, Online check).
    Checkpoint,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub kind: AccountKind,
    pub organisation: String,
    pub district: String,
    pub display_name: String,
    pub created_at: OffsetDateTime,
    /// When the current token stops working (issue 12: account tokens
    /// expire; `rotate-account-token` issues the next one).
    pub expires_at: OffsetDateTime,
    /// Set once the account is revoked: every token of it is refused.
    pub revoked_at: Option<OffsetDateTime>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAccount {
    pub kind: AccountKind,
    pub organisation: String,
    pub district: String,
    pub display_name: String,
    pub token: TokenHash,
    pub at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// An account found by one of its tokens: the current one, or the one it
/// replaced while that is in its grace period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountToken {
    pub account: Account,
    /// When this token stops working: the account's expiry for the current
    /// token, the end of the grace period for the replaced one.
    pub token_expires_at: OffsetDateTime,
}

/// A new token for an account; the one it replaces keeps working until
/// `old_valid_until` (a grace period, so a checkpoint or authority client
/// can switch without downtime), and never past its own expiry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRotation {
    pub account: AccountId,
    pub token: TokenHash,
    pub expires_at: OffsetDateTime,
    pub old_valid_until: OffsetDateTime,
}

/// What rotating an account's token did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RotateOutcome {
    Rotated(Account),
    NotFound,
    /// A revoked account stays revoked: create a new one.
    Revoked,
}

/// What revoking an account did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevokeOutcome {
    Revoked(Account),
    NotFound,
    AlreadyRevoked,
}

/// A health declaration as stored (symptoms and travel as JSON).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declaration {
    pub person: PersonId,
    pub declared_by: String,
    pub symptoms: String,
    pub travel: Option<String>,
    pub at: OffsetDateTime,
    /// Where the person was (GB/T 2260 code): whose authorities see it.
    pub district: Option<String>,
}

/// A declaration with symptoms, with the masked identity of its person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SymptomRecord {
    pub id: i64,
    pub declaration: Declaration,
    pub person: Person,
}

/// How long a claimed idempotency key may stay unfinished before a retry
/// takes it over.
pub const IDEMPOTENCY_CLAIM_TIMEOUT: time::Duration = time::Duration::seconds(60);

/// What claiming an idempotency key found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// The key is this request's: run it.
    Claimed,
    /// Another request with this key is running now.
    InFlight { request_hash: [u8; 32] },
    /// A request with this key ran: its response.
    Done(StoredResponse),
    /// A request with this key took effect, and the server stopped before
    /// keeping its response (the claim is older than
    /// [`IDEMPOTENCY_CLAIM_TIMEOUT`]): it must not run again.
    Applied { request_hash: [u8; 32] },
}

/// The claimed idempotency key of the request being handled. Every write
/// transaction the request makes marks the claim "applied" before it
/// commits, in the same transaction: the effect and the record that it
/// happened commit together, so a crash before the response is kept never
/// lets a retry run the effect a second time (a retry then gets
/// [`IdempotencyClaim::Applied`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimedKey {
    pub scope: [u8; 32],
    pub key: String,
    pub request_hash: [u8; 32],
}

tokio::task_local! {
    /// Set by the idempotency middleware around the handler
    /// (`crate::idempotency`); read by the engines' write transactions.
    pub static CLAIMED_KEY: ClaimedKey;
}

/// The claim of the request this task is handling, if it has one.
pub fn claimed_key() -> Option<ClaimedKey> {
    CLAIMED_KEY.try_with(Clone::clone).ok()
}

/// Idempotency row states (`idempotency.status`): claimed, applied (the
/// effect committed, the response not yet kept), else the response's HTTP
/// status.
pub(crate) const CLAIM_OPEN: u16 = 0;
pub(crate) const CLAIM_APPLIED: u16 = 1;

/// The first response to an idempotent request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredResponse {
    pub request_hash: [u8; 32],
    pub status: u16,
    pub body: Vec<u8>,
}

/// What a housekeeping pass may delete: rows older than these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PurgeCutoffs {
    pub challenges_expired_before: OffsetDateTime,
    pub idempotency_created_before: OffsetDateTime,
    pub face_failures_before: OffsetDateTime,
}

/// What a housekeeping pass deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub challenges: u64,
    pub idempotency_rows: u64,
    pub face_failures: u64,
}

/// One of our own signing keys' public half and window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuerKeyRecord {
    pub key_id: u8,
    pub public_key: [u8; 32],
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
}

/// A caller's own code and dependents, with their active controls: all a
/// sync needs, read at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodesSnapshot {
    pub own: Option<(Person, Vec<ActiveControl>)>,
    pub dependents: Vec<(Dependent, Vec<ActiveControl>)>,
}

/// The storage the server needs. Every method is one transaction.
pub trait Store: Send + Sync + 'static {
    // ---- people and codes
    /// The person a document names: their own, or linked to them.
    fn person_by_doc(&self, doc: DocKey) -> StoreFuture<'_, Option<Person>>;
    /// One person, one code across documents (DESIGN §2): `doc` names
    /// `person` from now on, as the identity check linked it to their other
    /// document. A document that is already someone's own stays theirs.
    /// Returns the person `doc` names.
    fn link_document(
        &self,
        doc: DocKey,
        person: PersonId,
        at: OffsetDateTime,
    ) -> StoreFuture<'_, Person>;
    fn person(&self, id: PersonId) -> StoreFuture<'_, Option<Person>>;
    fn person_by_code(&self, code: CodeId) -> StoreFuture<'_, Option<Person>>;
    /// The person with this document, created if new; a known name or birth
    /// date fills in what was missing.
    fn upsert_person(&self, facts: PersonFacts, at: OffsetDateTime) -> StoreFuture<'_, Person>;
    /// Gives the person `code` if they have none (returns true), and turns
    /// a proxied code into the holder's own when the holder applies.
    /// Applying as holder ends the person's guardianships.
    fn assign_code(
        &self,
        person: PersonId,
        code: CodeRecord,
        at: OffsetDateTime,
    ) -> StoreFuture<'_, (Person, bool)>;

    // ---- guardians
    /// Makes `guardian` hold the person's code on `terms`, logged as
    /// [`GuardianshipAction::GuardianAdded`] with the terms.
    fn add_dependent(
        &self,
        guardian: Guardian,
        dependent: PersonId,
        terms: GuardianshipTerms,
        max_dependents: Option<u32>,
        at: OffsetDateTime,
    ) -> StoreFuture<'_, AddDependent>;
    /// The guardian leaves (logged); the last one leaving ends the proxy
    /// holding and lapses waiting join requests.
    fn remove_dependent(
        &self,
        guardian: Guardian,
        dependent: PersonId,
        at: OffsetDateTime,
    ) -> StoreFuture<'_, LeaveOutcome>;
    /// Records a request to join the person's guardians (logged), once per
    /// requester and person while it waits.
    fn request_to_join(&self, request: NewJoinRequest) -> StoreFuture<'_, JoinOutcome>;
    /// The waiting join requests for the dependents `guardian` holds,
    /// oldest first.
    fn pending_join_requests(
        &self,
        guardian: Guardian,
        committee_of: Option<String>,
    ) -> StoreFuture<'_, Vec<JoinRequest>>;
    fn join_request(&self, id: JoinRequestId) -> StoreFuture<'_, Option<JoinRequest>>;
    /// Approves or declines a waiting request if `by` holds the dependent
    /// now: on approval the requester becomes a guardian on the request's
    /// terms. Checked and written in one transaction, and logged.
    fn decide_join_request(&self, decision: JoinDecisionInput) -> StoreFuture<'_, DecideOutcome>;
    /// The person's guardianship log, oldest first.
    fn guardianship_log(&self, person: PersonId) -> StoreFuture<'_, Vec<GuardianshipEvent>>;
    fn dependent(&self, guardian: Guardian, code: CodeId) -> StoreFuture<'_, Option<Dependent>>;
    /// Who holds the person's code now, first guardian first (DESIGN §2,
    /// guardianship consent: a later applicant must be approved by them).
    fn guardians_of(&self, dependent: PersonId) -> StoreFuture<'_, Vec<Guardian>>;
    fn codes_snapshot(
        &self,
        own: Option<PersonId>,
        guardian: Guardian,
    ) -> StoreFuture<'_, CodesSnapshot>;

    // ---- controls and audit
    fn active_controls(&self, person: PersonId) -> StoreFuture<'_, Vec<ActiveControl>>;
    /// Puts `control` in place and appends `audit` in one transaction.
    fn impose_control(
        &self,
        person: PersonId,
        control: Control,
        audit: AuditEntry,
    ) -> StoreFuture<'_, ImposeOutcome>;
    fn release_control(
        &self,
        person: PersonId,
        reason: ControlReason,
        audit: AuditEntry,
    ) -> StoreFuture<'_, ReleaseOutcome>;
    /// Records `executor` as the one executing the person's active
    /// `reason` (DESIGN §2, hand-over) and appends `audit`, in one
    /// transaction.
    fn hand_over_control(
        &self,
        person: PersonId,
        reason: ControlReason,
        executor: Executor,
        audit: AuditEntry,
    ) -> StoreFuture<'_, HandOverOutcome>;
    fn audit_log(&self, person: PersonId) -> StoreFuture<'_, Vec<AuditRecord>>;

    // ---- login
    fn create_challenge(&self, challenge: Challenge) -> StoreFuture<'_, ()>;
    /// Marks the challenge used: it answers once, whatever the outcome.
    fn take_challenge(&self, id: String, at: OffsetDateTime) -> StoreFuture<'_, TakeChallenge>;
    fn record_face_failure(&self, doc: DocKey, at: OffsetDateTime) -> StoreFuture<'_, ()>;
    fn face_failures_since(&self, doc: DocKey, since: OffsetDateTime) -> StoreFuture<'_, u32>;

    // ---- sessions
    /// Starts a session and ends the person's others (one device per person).
    fn create_session(&self, session: NewSession) -> StoreFuture<'_, SessionRecord>;
    fn session_by_access(&self, access: TokenHash) -> StoreFuture<'_, Option<SessionRecord>>;
    /// A resident's sync in one read: the session an access token names
    /// and the codes its person sees (their own, their dependents'), read
    /// together because a sync is the issuer's commonest request. `None`
    /// for a token no session has. The caller checks that the session is
    /// live before it shows anything.
    fn resident_codes(
        &self,
        access: TokenHash,
    ) -> StoreFuture<'_, Option<(SessionRecord, CodesSnapshot)>>;
    fn rotate_refresh(
        &self,
        refresh: TokenHash,
        next: TokenPair,
        at: OffsetDateTime,
    ) -> StoreFuture<'_, RefreshOutcome>;
    fn end_session(
        &self,
        session: SessionId,
        why: SessionEnd,
        at: OffsetDateTime,
    ) -> StoreFuture<'_, ()>;

    // ---- accounts
    fn create_account(&self, account: NewAccount) -> StoreFuture<'_, Account>;
    /// The account holding this token (current, or replaced and in its
    /// grace period), expired or revoked or not: the caller decides.
    fn account_by_token(&self, token: TokenHash) -> StoreFuture<'_, Option<AccountToken>>;
    /// Every account, oldest first.
    fn accounts(&self) -> StoreFuture<'_, Vec<Account>>;
    /// Gives the account a new token; the current one becomes the replaced
    /// one (a token replaced before is then dead).
    fn rotate_account_token(&self, rotation: TokenRotation) -> StoreFuture<'_, RotateOutcome>;
    /// Revokes the account: all its tokens are refused from now on.
    fn revoke_account(
        &self,
        account: AccountId,
        at: OffsetDateTime,
    ) -> StoreFuture<'_, RevokeOutcome>;
    /// The authority account of an organisation (the first made, if several).
    fn authority_by_organisation(&self, organisation: String) -> StoreFuture<'_, Option<Account>>;

    // ---- declarations
    fn record_declaration(&self, declaration: Declaration) -> StoreFuture<'_, i64>;
    /// Declarations with symptoms since `since` whose district starts with
    /// `district_prefix` (a district's code, or a city's first four digits),
    /// newest first.
    fn symptom_declarations(
        &self,
        district_prefix: String,
        since: OffsetDateTime,
    ) -> StoreFuture<'_, Vec<SymptomRecord>>;

    // ---- idempotency
    /// Claims `key` for a request before it runs, so a retry racing the
    /// first attempt never runs twice. A claim older than
    /// [`IDEMPOTENCY_CLAIM_TIMEOUT`] whose request never finished (a crash)
    /// is taken over.
    fn claim_idempotency_key(
        &self,
        scope: [u8; 32],
        key: String,
        request_hash: [u8; 32],
        at: OffsetDateTime,
    ) -> StoreFuture<'_, IdempotencyClaim>;
    /// Keeps the claimed request's response, for every retry (a claim
    /// whose effect is marked applied included).
    fn complete_idempotency_key(
        &self,
        scope: [u8; 32],
        key: String,
        response: StoredResponse,
    ) -> StoreFuture<'_, ()>;
    /// Gives a claim up (the request failed and changed nothing), so a retry
    /// runs it again.
    fn abandon_idempotency_key(&self, scope: [u8; 32], key: String) -> StoreFuture<'_, ()>;

    // ---- housekeeping
    /// Deletes challenges, idempotency rows and face failures older than
    /// the cutoffs. Idempotent: replicas may run it at once.
    fn purge_expired(&self, cutoffs: PurgeCutoffs) -> StoreFuture<'_, Purged>;

    // ---- keys and the trust list
    fn issuer_keys(&self) -> StoreFuture<'_, Vec<IssuerKeyRecord>>;
    /// Adds a key or replaces its window; bumps the trust list sequence.
    fn put_issuer_key(&self, key: IssuerKeyRecord) -> StoreFuture<'_, ()>;
    /// Other issuers' entries (JSON of `IssuerEntry`), by issuer id.
    fn trusted_issuers(&self) -> StoreFuture<'_, Vec<(u16, String)>>;
    /// Adds or replaces another issuer's entry; bumps the sequence.
    fn put_trusted_issuer(&self, issuer: u16, entry_json: String) -> StoreFuture<'_, ()>;
    /// Grows with every change of keys or trusted issuers.
    fn trust_sequence(&self) -> StoreFuture<'_, u64>;

    // ---- operations
    /// The connection pool now, for the metrics; `None` if the engine has
    /// none to report.
    fn pool_status(&self) -> Option<PoolStatus> {
        None
    }
}
