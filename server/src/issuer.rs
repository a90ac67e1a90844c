//! One running issuer ([`Issuer`]): the server's state and the rules it
//! applies between HTTP and the store — who is calling, document look-up
//! keys, the trust list, and issuing credentials. Every domain rule itself is asked of `suikang_protocol`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{SigningKey, VerifyingKey};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use suikang_protocol::api::{
    CodeRole, CodeView, ControlView, DocumentInput, IssuedCredential, IssuerView, code_id_text,
};
use suikang_protocol::{
    Authority, Binding, Color, ControlReasons, Credential, Document, IssuerEntry, IssuerKey, KeyId,
    MaskedDocument, MaskedName, Relationship, SignedCredential, TrustList, mask_name,
    normalise_name, wire_time,
};
use time::{Duration, OffsetDateTime};

use crate::config::{IssuerProfile, Policy};
use crate::error::ApiError;
use crate::face::FaceVendor;
use crate::keys;
use crate::store::{
    Account, AccountId, AccountKind, ActiveControl, DocKey, Guardian, NameKey, Person, PersonFacts,
    SessionEnd, SessionRecord, Store, StoreError, TokenHash,
};
use crate::tokens::{ACCESS_PREFIX, ACCOUNT_PREFIX, token_hash};
use crate::trust_file::{self, TrustFileError};

/// The trust list as published now, with the key to sign credentials with.
pub struct TrustState {
    /// The served list's sequence (the offline-signed one may be behind the
    /// store's until the root's holder signs again).
    pub sequence: u64,
    pub list: TrustList,
    pub signed_json: String,
    pub etag: String,
    pub own: IssuerEntry,
    /// The newest of our keys valid now in the served list, if its secret
    /// is on disk: a key not yet in a signed list never signs (its codes
    /// would not verify anywhere).
    pub signing: Option<(KeyId, SigningKey, OffsetDateTime)>,
    /// The root the list is signed by; `None` only for an offline admin
    /// command before any list was signed.
    pub root: Option<VerifyingKey>,
}

/// Why the trust list could not be (re)loaded.
#[derive(Debug, thiserror::Error)]
pub enum TrustLoadError {
    #[error(transparent)]
    Store(#[from] ApiError),
    #[error(transparent)]
    File(#[from] TrustFileError),
}

/// One running issuer: its store, profile, policy, keys and trust list.
pub struct Issuer {
    pub store: Arc<dyn Store>,
    pub profile: IssuerProfile,
    pub policy: Policy,
    pub data_dir: PathBuf,
    /// The face vendor whose results log people in (none for the offline
    /// admin commands).
    pub face: Option<FaceVendor>,
    /// Login starts per client address.
    pub login_limiter: crate::rate_limit::RateLimiter,
    /// The root key, when this server signs its own list (development);
    /// `None`: it serves the list signed offline (DATA/trust-list.json).
    root: Option<SigningKey>,
    document_secret: [u8; 32],
    issuer_keys: RwLock<BTreeMap<u8, SigningKey>>,
    trust: RwLock<Arc<TrustState>>,
    /// Seconds added to the wall clock (tests move time forward).
    clock_offset: AtomicI64,
    pub(crate) openapi_json: OnceLock<String>,
    /// This process's Prometheus metrics (`/metrics`).
    pub metrics: crate::metrics::Metrics,
    /// Every operation the API has, as `post /v1/login/start`: what the
    /// idempotency middleware acts on (a wrong method is 405, not a claim).
    pub(crate) operations: OnceLock<Vec<String>>,
}

/// HMAC of a document's kind and normalised number (DESIGN §2: the server
/// finds people without keeping their numbers).
pub fn document_key(secret: &[u8; 32], document: &Document) -> DocKey {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("any key length");
    mac.update(&[document.kind() as u8]);
    mac.update(document.number().as_bytes());
    DocKey(mac.finalize().into_bytes().into())
}

/// HMAC of a name after NFC normalisation, under the same secret as the
/// document keys but apart from them (a prefix no document key starts with):
/// the registered name is compared exactly without being kept (DESIGN §2,
/// guardianship consent).
pub fn name_key(secret: &[u8; 32], normalised_name: &str) -> NameKey {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("any key length");
    mac.update(b"suikang name v1\0");
    mac.update(normalised_name.as_bytes());
    NameKey(mac.finalize().into_bytes().into())
}

/// Our own entry in the trust list, from the profile and our keys.
pub fn own_entry(profile: &IssuerProfile, keys: &[crate::store::IssuerKeyRecord]) -> IssuerEntry {
    IssuerEntry {
        id: profile.id,
        slug: profile.slug.clone(),
        name_zh: profile.name_zh.clone(),
        name_en: profile.name_en.clone(),
        colors: profile.colors,
        keys: keys
            .iter()
            .map(|k| IssuerKey {
                id: KeyId(k.key_id),
                public_key: k.public_key,
                not_before: k.not_before,
                not_after: k.not_after,
            })
            .collect(),
    }
}

/// The trust list the store describes: us, then every trusted issuer.
pub async fn build_trust_list(
    store: &dyn Store,
    profile: &IssuerProfile,
    now: OffsetDateTime,
) -> Result<(u64, IssuerEntry, TrustList), ApiError> {
    let sequence = store.trust_sequence().await?;
    let own = own_entry(profile, &store.issuer_keys().await?);
    let mut issuers = vec![own.clone()];
    for (id, json) in store.trusted_issuers().await? {
        if id == profile.id.0 {
            continue;
        }
        let entry: IssuerEntry = serde_json::from_str(&json)
            .map_err(|_| ApiError::from(StoreError::Corrupt("trusted issuer")))?;
        issuers.push(entry);
    }
    let list = TrustList::new(sequence, wire_time::truncate_to_second(now), issuers)
        .map_err(|_| ApiError::from(StoreError::Corrupt("trust list")))?;
    Ok((sequence, own, list))
}

impl Issuer {
    // Called once, from `run::open_issuer`, which names every part.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn new(
        store: Arc<dyn Store>,
        profile: IssuerProfile,
        policy: Policy,
        data_dir: PathBuf,
        face: Option<FaceVendor>,
        root: Option<SigningKey>,
        document_secret: [u8; 32],
        issuer_keys: BTreeMap<u8, SigningKey>,
    ) -> Result<Arc<Issuer>, TrustLoadError> {
        let now = OffsetDateTime::now_utc();
        let (sequence, own, list) = build_trust_list(&*store, &profile, now).await?;
        let placeholder = TrustState {
            sequence,
            signed_json: String::new(),
            etag: String::new(),
            list,
            own,
            signing: None,
            root: None,
        };
        let login_limiter = crate::rate_limit::RateLimiter::new(policy.login_start_limit);
        let issuer = Arc::new(Issuer {
            store,
            profile,
            policy,
            data_dir,
            face,
            login_limiter,
            root,
            document_secret,
            issuer_keys: RwLock::new(issuer_keys),
            trust: RwLock::new(Arc::new(placeholder)),
            clock_offset: AtomicI64::new(0),
            openapi_json: OnceLock::new(),
            metrics: crate::metrics::Metrics::new(),
            operations: OnceLock::new(),
        });
        issuer.reload_trust().await?;
        Ok(issuer)
    }

    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + Duration::seconds(self.clock_offset.load(Ordering::Relaxed))
    }

    /// Moves this server's clock forward (tests: expiry, re-issue).
    pub fn advance_clock(&self, by: Duration) {
        self.clock_offset
            .fetch_add(by.whole_seconds(), Ordering::Relaxed);
    }

    /// Whether this server signs its own trust list (development).
    pub fn signs_trust_list(&self) -> bool {
        self.root.is_some()
    }

    pub fn trust(&self) -> Arc<TrustState> {
        self.trust.read().expect("trust lock").clone()
    }

    /// Rebuilds the trust list and signing key: from the store, signed here
    /// (development), or from the list signed offline (DATA/trust-list.json)
    /// after a key rotation or a newly trusted issuer, also done offline by
    /// the admin commands: a background task calls this when the sequence
    /// or the signed file changes. A refused file changes nothing.
    pub async fn reload_trust(&self) -> Result<(), TrustLoadError> {
        let now = self.now();
        let (store_sequence, own, list) =
            build_trust_list(&*self.store, &self.profile, now).await?;
        let (sequence, own, list, signed_json, root) = match &self.root {
            Some(root) => {
                let signed_json = list.to_signed_json(root);
                self.metrics.signed(crate::metrics::Signed::TrustList);
                (
                    store_sequence,
                    own,
                    list,
                    signed_json,
                    Some(root.verifying_key()),
                )
            }
            None => match trust_file::load(&self.data_dir)? {
                Some((text, signed, root)) => {
                    let served = self.trust().sequence;
                    if !self.trust().signed_json.is_empty() && signed.sequence() < served {
                        return Err(TrustFileError::Rollback {
                            found: signed.sequence(),
                            served,
                        }
                        .into());
                    }
                    let own = signed
                        .issuer(self.profile.id)
                        .cloned()
                        .ok_or(TrustFileError::IssuerNotListed(self.profile.id.0))?;
                    if signed.is_stale(now) {
                        tracing::warn!(
                            not_after = %signed.not_after(),
                            "the signed trust list has expired: phones and gates warn; sign and publish a new one (sign-trust-list)"
                        );
                    }
                    if signed.sequence() < store_sequence {
                        tracing::warn!(
                            signed = signed.sequence(),
                            store = store_sequence,
                            "the signed trust list is behind the store's keys and issuers: sign it again offline (sign-trust-list)"
                        );
                    }
                    (signed.sequence(), own, signed, text, Some(root))
                }
                // An offline admin command before the first signing: nothing
                // to serve (`start` refuses), the store's list to look at.
                None => (store_sequence, own, list, String::new(), None),
            },
        };
        {
            let mut keys = self.issuer_keys.write().expect("keys lock");
            if let Ok(on_disk) = keys::load_issuer_keys(&self.data_dir) {
                for (id, key) in on_disk {
                    keys.entry(id).or_insert(key);
                }
            }
        }
        let signing = {
            let keys = self.issuer_keys.read().expect("keys lock");
            own.keys
                .iter()
                .filter(|k| k.is_valid_at(now))
                .filter_map(|k| {
                    let secret = keys.get(&k.id.0)?;
                    (secret.verifying_key().to_bytes() == k.public_key)
                        .then(|| (k.id, secret.clone(), k.not_before))
                })
                .max_by_key(|(id, _, _)| *id)
        };
        let etag = format!(
            "\"{}-{}\"",
            sequence,
            hex::encode(&Sha256::digest(signed_json.as_bytes())[..8])
        );
        *self.trust.write().expect("trust lock") = Arc::new(TrustState {
            sequence,
            list,
            signed_json,
            etag,
            own,
            signing,
            root,
        });
        Ok(())
    }

    pub fn issuer_view(&self) -> IssuerView {
        IssuerView {
            issuer_id: self.profile.id.0,
            slug: self.profile.slug.clone(),
            name_zh: self.profile.name_zh.clone(),
            name_en: self.profile.name_en.clone(),
            colors: self.profile.colors,
        }
    }

    pub fn doc_key(&self, document: &Document) -> DocKey {
        document_key(&self.document_secret, document)
    }

    pub fn parse_document(&self, input: &DocumentInput) -> Result<Document, ApiError> {
        Document::parse(input.kind, &input.number, self.now().date())
            .map_err(ApiError::InvalidDocumentNumber)
    }

    /// What may be kept about a person: the keyed hash, masked forms and
    /// the birth date a resident ID proves.
    pub fn facts(&self, document: &Document, name: Option<&str>) -> Result<PersonFacts, ApiError> {
        let masked_name = name
            .map(|n| mask_name(n).map_err(ApiError::InvalidName))
            .transpose()?
            .map(|m| m.to_string());
        let name_key = name
            .map(|n| normalise_name(n).map_err(ApiError::InvalidName))
            .transpose()?
            .map(|n| name_key(&self.document_secret, &n));
        Ok(PersonFacts {
            doc_key: self.doc_key(document),
            document_kind: document.kind(),
            masked_document: document.masked().to_string(),
            masked_name,
            name_key,
            birth_date: document.birth_date(),
            residence_district: None,
        })
    }

    /// Signs `person`'s credential. Device-bound ones are issued in periods
    /// of half the validity counted from the last status change, so a sync
    /// re-issues once past half validity and at once after a change;
    /// printed ones start now.
    pub fn issue(
        &self,
        trust: &TrustState,
        person: &Person,
        controls: ControlReasons,
        binding: Binding,
    ) -> Result<(SignedCredential, IssuedCredential), ApiError> {
        let code = person.code.ok_or(ApiError::NoCodeYet)?;
        let (key_id, key, not_before) = trust.signing.as_ref().ok_or_else(|| {
            tracing::error!("no valid issuer key to sign with");
            ApiError::Internal
        })?;
        let now = self.now();
        let printed = binding == Binding::Printed;
        let validity = if printed {
            self.policy.printed_validity
        } else {
            self.policy.credential_validity
        };
        let half = Duration::minutes((validity.whole_minutes() / 2).max(1));
        let issued_at = if printed {
            wire_time::truncate_to_minute(now)
        } else {
            let base = wire_time::truncate_to_minute(person.status_changed_at);
            let periods = ((now - base).whole_minutes() / half.whole_minutes()).max(0);
            base + half * periods as i32
        };
        let issued_at = issued_at.max(wire_time::truncate_to_minute(*not_before));
        let corrupt = || ApiError::from(StoreError::Corrupt("masked identity"));
        let masked_name = person
            .masked_name
            .as_deref()
            .and_then(MaskedName::from_display)
            .ok_or_else(corrupt)?;
        let masked_document =
            MaskedDocument::from_display(person.document_kind, &person.masked_document)
                .ok_or_else(corrupt)?;
        let signed = Credential {
            issuer: self.profile.id,
            key_id: *key_id,
            code_id: code.code_id,
            applied_by: code.applied_by,
            controls,
            masked_name,
            masked_document,
            binding,
            issued_at,
            expires_at: issued_at + validity,
        }
        .sign(key)
        .map_err(|_| corrupt())?;
        self.metrics.signed(if printed {
            crate::metrics::Signed::PrintedCredential
        } else {
            crate::metrics::Signed::DeviceCredential
        });
        let c = signed.credential();
        let issued = IssuedCredential {
            credential: URL_SAFE_NO_PAD.encode(signed.as_bytes()),
            key_id: key_id.0,
            printed,
            issued_at: c.issued_at,
            expires_at: c.expires_at,
            refresh_after: c.issued_at + half,
        };
        Ok((signed, issued))
    }

    /// A code as the app shows it, with a credential when `binding` is given.
    pub fn code_view(
        &self,
        trust: &TrustState,
        person: &Person,
        controls: &[ActiveControl],
        role: CodeRole,
        relationship: Option<Relationship>,
        binding: Option<Binding>,
    ) -> Result<CodeView, ApiError> {
        let code = person.code.ok_or(ApiError::NoCodeYet)?;
        let reasons: ControlReasons = controls.iter().map(|c| c.control.reason).collect();
        let color = Color::of(code.applied_by, reasons);
        let credential = binding
            .map(|b| {
                self.issue(trust, person, reasons, b)
                    .map(|(_, issued)| issued)
            })
            .transpose()?;
        Ok(CodeView {
            code_id: code_id_text(code.code_id),
            role,
            relationship,
            color,
            color_rgb: self.profile.colors.of(color),
            color_name_zh: color.name_zh().to_owned(),
            color_name_en: color.name_en().to_owned(),
            applied_by: code.applied_by,
            controls: controls
                .iter()
                .map(|c| ControlView {
                    reason: c.control.reason,
                    label_zh: c.control.reason.label_zh().to_owned(),
                    label_en: c.control.reason.label_en().to_owned(),
                    district: c.control.district.clone(),
                    since: c.since,
                })
                .collect(),
            masked_name: person.masked_name.clone().unwrap_or_default(),
            masked_document: person.masked_document.clone(),
            document_kind: person.document_kind,
            status_changed_at: person.status_changed_at,
            credential,
        })
    }

    /// The bearer token of a request: which kind, and its hash.
    pub fn bearer(&self, headers: &HeaderMap) -> Result<Bearer, ApiError> {
        let value = headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or(ApiError::MissingToken)?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(ApiError::InvalidToken)?;
        let hash = token_hash(token);
        if token.starts_with(ACCESS_PREFIX) {
            Ok(Bearer::Access(hash))
        } else if token.starts_with(ACCOUNT_PREFIX) {
            Ok(Bearer::Account(hash))
        } else {
            Err(ApiError::InvalidToken)
        }
    }

    /// A resident's session found by its access token, refused when it
    /// ended or its access token expired.
    pub fn live_session(&self, session: SessionRecord) -> Result<SessionRecord, ApiError> {
        match session.ended {
            Some(SessionEnd::SignedInElsewhere) => return Err(ApiError::SignedInElsewhere),
            Some(_) => return Err(ApiError::SessionEnded),
            None => {}
        }
        if self.now() >= session.access_expires_at {
            return Err(ApiError::TokenExpired);
        }
        Ok(session)
    }

    /// Who holds a bearer token, checked for expiry and for an ended session.
    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Caller, ApiError> {
        match self.bearer(headers)? {
            Bearer::Access(hash) => {
                let session = self.store.session_by_access(hash).await?;
                let session = session.ok_or(ApiError::InvalidToken)?;
                Ok(Caller::Resident(self.live_session(session)?))
            }
            Bearer::Account(hash) => self.account_caller(hash).await,
        }
    }

    pub async fn account_caller(&self, hash: TokenHash) -> Result<Caller, ApiError> {
        let found = self
            .store
            .account_by_token(hash)
            .await?
            .ok_or(ApiError::InvalidToken)?;
        if found.account.revoked_at.is_some() {
            return Err(ApiError::AccountRevoked);
        }
        if self.now() >= found.token_expires_at {
            return Err(ApiError::AccountTokenExpired);
        }
        let account = found.account;
        Ok(match account.kind {
            AccountKind::Authority(role) => Caller::Authority(Authority {
                role,
                organisation: account.organisation,
                district: account.district,
            }),
            AccountKind::Institution(relationship) => Caller::Institution {
                id: account.id,
                relationship,
                district: account.district,
            },
            AccountKind::Checkpoint => Caller::Checkpoint { id: account.id },
        })
    }

    /// Adds or replaces another issuer in our trust list.
    pub async fn trust_issuer(&self, entry: &IssuerEntry) -> Result<(), ApiError> {
        let json = serde_json::to_string(entry).map_err(|_| ApiError::Internal)?;
        self.store.put_trusted_issuer(entry.id.0, json).await?;
        self.reload_trust().await.map_err(|e| match e {
            TrustLoadError::Store(e) => e,
            TrustLoadError::File(e) => {
                tracing::error!(error = %e, "trust list reload failed");
                ApiError::Internal
            }
        })
    }

    pub async fn create_account(
        &self,
        kind: AccountKind,
        organisation: &str,
        district: &str,
        display_name: &str,
    ) -> Result<(Account, String), ApiError> {
        Ok(crate::admin::create_account(
            &*self.store,
            &self.policy,
            kind,
            organisation,
            district,
            display_name,
            self.now(),
        )
        .await?)
    }
}

/// A request's bearer token: a resident's access token or an account's
/// token, by its prefix; only its hash is kept.
#[derive(Clone, Copy, Debug)]
pub enum Bearer {
    Access(TokenHash),
    Account(TokenHash),
}

/// The caller of an endpoint, from the bearer token.
#[derive(Clone, Debug)]
pub enum Caller {
    /// A resident signed in on their device.
    Resident(SessionRecord),
    /// A residents'/village committee or property management account.
    Institution {
        id: AccountId,
        relationship: Relationship,
        /// Its district: it acts only for people living there (DESIGN §2).
        district: String,
    },
    /// An authority account (district, CDC, medical institution, community).
    Authority(Authority),
    /// A checkpoint account: the online check only.
    Checkpoint { id: AccountId },
}

impl Caller {
    pub fn resident(&self) -> Result<&SessionRecord, ApiError> {
        match self {
            Caller::Resident(s) => Ok(s),
            _ => Err(ApiError::WrongAccountKind),
        }
    }

    pub fn guardian(&self) -> Result<Guardian, ApiError> {
        match self {
            Caller::Resident(s) => Ok(Guardian::Person(s.person)),
            Caller::Institution { id, .. } => Ok(Guardian::Institution(*id)),
            Caller::Authority(_) | Caller::Checkpoint { .. } => Err(ApiError::WrongAccountKind),
        }
    }

    /// A residents'/village committee's district (canonical code): it
    /// decides join requests for the people recorded as living there
    /// (DESIGN §2). `None` for everyone else, property companies included.
    pub fn committee_district(&self) -> Option<String> {
        match self {
            Caller::Institution {
                relationship: Relationship::ResidentsCommittee | Relationship::VillageCommittee,
                district,
                ..
            } => suikang_protocol::district_code(district).ok(),
            _ => None,
        }
    }

    /// DESIGN §2, Online check: only a checkpoint account asks it.
    pub fn checkpoint(&self) -> Result<AccountId, ApiError> {
        match self {
            Caller::Checkpoint { id } => Ok(*id),
            _ => Err(ApiError::WrongAccountKind),
        }
    }

    pub fn authority(&self) -> Result<&Authority, ApiError> {
        match self {
            Caller::Authority(a) => Ok(a),
            _ => Err(ApiError::WrongAccountKind),
        }
    }
}

impl FromRequestParts<Arc<Issuer>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, issuer: &Arc<Issuer>) -> Result<Self, ApiError> {
        issuer.authenticate(&parts.headers).await
    }
}
