//! Tag `codes`: the caller's own and dependents' codes — sync, applying
//! (self and 代申领), removing, printing — and health declarations.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use suikang_protocol::api::*;
use suikang_protocol::{
    AppliedBy, Binding, CodeId, Color, Control, ControlReason, ControlReasons, DeviceReason,
    Eligibility, EligibilityError, Executor, check_dependent_eligible, check_proxy_guardian,
    district_code,
};

use super::{ApiJson, ControlChange, audit_entry};
use crate::error::ApiError;
use crate::issuer::{Bearer, Caller, Issuer};
use crate::keys::random_bytes;
use crate::store::*;

/// The caller's own code and dependents' codes, with credentials bound to
/// the caller's device; `If-None-Match` gives 304 when nothing changed.
#[utoipa::path(get, path = paths::CODES, tag = "codes",
    params(("cursor" = Option<String>, Query, description = "an institution's next page: the previous page's next_cursor"),
        ("limit" = Option<u32>, Query, description = "an institution's page size, 1 to 1000 (default 200)")),
    responses((status = 200, body = CodesResponse), (status = 304, description = "not modified")))]
pub(super) async fn sync_codes(
    State(issuer): State<Arc<Issuer>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Result<Response, ApiError> {
    let (caller, snapshot) = caller_and_codes(&issuer, &headers).await?;
    let page = axum::extract::Query::<CodesPage>::try_from_uri(&uri)
        .map_err(|_| ApiError::InvalidRequest("cursor and limit".into()))?
        .0
        .checked()?;
    let binding = match &caller {
        Caller::Resident(s) => Some(Binding::Device(s.device_key)),
        _ => None,
    };
    let trust = issuer.trust();
    let own = match snapshot.own {
        Some((person, controls)) if person.code.is_some() => {
            Some(issuer.code_view(&trust, &person, &controls, CodeRole::Own, None, binding)?)
        }
        _ => None,
    };
    let mut listed: Vec<_> = snapshot
        .dependents
        .iter()
        .filter_map(|entry| Some((entry.0.person.code?.code_id, entry)))
        .collect();
    let next_cursor = match caller {
        Caller::Institution { .. } => page.cut(&mut listed)?,
        // A resident holds a few dependents (a relative at most
        // max_relative_dependents): always whole.
        _ => None,
    };
    let dependents = listed
        .into_iter()
        .map(|(_, (d, controls))| {
            issuer.code_view(
                &trust,
                &d.person,
                controls,
                CodeRole::Dependent,
                Some(d.relationship),
                binding,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let body = serde_json::to_vec(&CodesResponse {
        issuer: issuer.issuer_view(),
        own,
        dependents,
        next_cursor,
    })
    .map_err(|_| ApiError::Internal)?;
    json_with_etag(body, &headers)
}

/// Who syncs, and what they see. A resident's sync, the commonest request
/// of all, reads the session and the codes together (one round trip to
/// the database); an institution's reads its account first, then its
/// dependents. Authorities and checkpoints hold no codes.
async fn caller_and_codes(
    issuer: &Issuer,
    headers: &HeaderMap,
) -> Result<(Caller, CodesSnapshot), ApiError> {
    match issuer.bearer(headers)? {
        Bearer::Access(token) => {
            let (session, snapshot) = issuer
                .store
                .resident_codes(token)
                .await?
                .ok_or(ApiError::InvalidToken)?;
            Ok((Caller::Resident(issuer.live_session(session)?), snapshot))
        }
        Bearer::Account(token) => {
            let caller = issuer.account_caller(token).await?;
            let snapshot = issuer
                .store
                .codes_snapshot(None, caller.guardian()?)
                .await?;
            Ok((caller, snapshot))
        }
    }
}

/// A JSON body with its ETag (a hash of the body), or `304` when the
/// request's `If-None-Match` names that ETag.
fn json_with_etag(body: Vec<u8>, headers: &HeaderMap) -> Result<Response, ApiError> {
    let etag = format!("\"{}\"", hex::encode(&Sha256::digest(&body)[..16]));
    let etag_header = HeaderValue::from_str(&etag).map_err(|_| ApiError::Internal)?;
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag_header)]).into_response());
    }
    Ok((
        [
            (header::ETAG, etag_header),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
        ],
        body,
    )
        .into_response())
}

/// Which page of an institution's code list: after `cursor` (the last code
/// id of the previous page, opaque to clients), at most `limit` codes.
/// Pages go in code id order, so a code added or removed meanwhile never
/// shifts another onto a page already read.
#[derive(serde::Deserialize)]
struct CodesPage {
    cursor: Option<String>,
    limit: Option<u32>,
}

impl CodesPage {
    /// Keeps this page of `listed`; returns the next page's cursor.
    /// The page asked for, refused whoever asks when it is not well formed
    /// (a resident's list is one page, but a bad query is still bad): a
    /// limit of 1 to [`CODES_PAGE_MAX`], a cursor of 16 hex digits.
    fn checked(self) -> Result<CodesPage, ApiError> {
        if !(1..=CODES_PAGE_MAX).contains(&self.limit.unwrap_or(CODES_PAGE_DEFAULT)) {
            return Err(ApiError::InvalidRequest(format!(
                "limit is 1 to {CODES_PAGE_MAX}"
            )));
        }
        if self
            .cursor
            .as_deref()
            .is_some_and(|c| parse_code_id(c).is_none())
        {
            return Err(ApiError::InvalidRequest(
                "the cursor is not one we gave".into(),
            ));
        }
        Ok(self)
    }

    fn cut<T>(&self, listed: &mut Vec<(CodeId, T)>) -> Result<Option<String>, ApiError> {
        let limit = self.limit.unwrap_or(CODES_PAGE_DEFAULT);
        let after = self.cursor.as_deref().and_then(parse_code_id).map(|c| c.0);
        listed.sort_by_key(|(code, _)| code.0);
        if let Some(after) = after {
            listed.retain(|(code, _)| code.0 > after);
        }
        let more = listed.len() > limit as usize;
        listed.truncate(limit as usize);
        Ok(more
            .then(|| listed.last().map(|(code, _)| format!("{:016x}", code.0)))
            .flatten())
    }
}

/// Apply for one's own code (blue). One person, one code.
#[utoipa::path(post, path = paths::APPLY_SELF, tag = "codes", request_body = ApplySelfRequest,
    responses((status = 200, body = ApplyResponse)))]
pub(super) async fn apply_self(
    State(issuer): State<Arc<Issuer>>,
    caller: Caller,
    ApiJson(_req): ApiJson<ApplySelfRequest>,
) -> Result<Json<ApplyResponse>, ApiError> {
    let session = caller.resident()?;
    let code = CodeRecord {
        code_id: CodeId(u64::from_be_bytes(random_bytes())),
        applied_by: AppliedBy::Holder,
    };
    let (person, created) = issuer
        .store
        .assign_code(session.person, code, issuer.now())
        .await?;
    apply_response(&issuer, &person, created).await
}

async fn apply_response(
    issuer: &Issuer,
    person: &Person,
    created: bool,
) -> Result<Json<ApplyResponse>, ApiError> {
    let code = person.code.ok_or(ApiError::Internal)?;
    let controls = issuer.store.active_controls(person.id).await?;
    let reasons: ControlReasons = controls.iter().map(|c| c.control.reason).collect();
    Ok(Json(ApplyResponse {
        code_id: code_id_text(code.code_id),
        color: Color::of(code.applied_by, reasons),
        applied_by: code.applied_by,
        created,
    }))
}

/// Apply on someone's behalf (代申领, green).
#[utoipa::path(post, path = paths::APPLY_PROXY, tag = "codes", request_body = ApplyProxyRequest,
    responses((status = 200, body = ApplyResponse)))]
pub(super) async fn apply_proxy(
    State(issuer): State<Arc<Issuer>>,
    caller: Caller,
    ApiJson(req): ApiJson<ApplyProxyRequest>,
) -> Result<Json<ApplyResponse>, ApiError> {
    let guardian = caller.guardian()?;
    let now = issuer.now();
    let document = issuer.parse_document(&req.document)?;
    let mut facts = issuer.facts(&document, Some(&req.name))?;
    // DESIGN §2, Places: a declared residence district is a known one, kept
    // by its code; the first declaration is recorded and counts from then.
    let declared = req
        .residence_district
        .as_deref()
        .map(|d| district_code(d).map_err(|_| ApiError::UnknownDistrict))
        .transpose()?;
    facts.residence_district = declared.clone();
    let max = may_apply(&issuer, &caller, &req, &facts, declared, now.date()).await?;
    let eligibility = dependent_eligibility(facts.birth_date, req.reason.as_ref(), now.date())?;
    let terms = GuardianshipTerms {
        relationship: req.relationship,
        co_resident_declared: req.co_resident_declared,
        eligibility: eligibility_json(&eligibility),
    };
    // Everything below reads before it writes: a refused application
    // changes nothing (issue 11, finding 2).
    ask_consent_if_held(&issuer, guardian, &facts, &terms, now).await?;
    // Refused before anything is written (issue 11, finding 2): the store
    // counts again in its transaction, for a race.
    if let Some(max) = max {
        let held = issuer
            .store
            .codes_snapshot(None, guardian)
            .await?
            .dependents;
        let already = held.iter().any(|(d, _)| d.person.doc_key == facts.doc_key);
        if !already && held.len() as u32 >= max {
            return Err(ApiError::TooManyDependents);
        }
    }
    let dependent = issuer.store.upsert_person(facts, now).await?;
    match issuer
        .store
        .add_dependent(guardian, dependent.id, terms, max, now)
        .await?
    {
        AddDependent::TooManyDependents => return Err(ApiError::TooManyDependents),
        AddDependent::Added | AddDependent::AlreadyADependent => {}
    }
    let code = CodeRecord {
        code_id: CodeId(u64::from_be_bytes(random_bytes())),
        applied_by: AppliedBy::Proxy,
    };
    let (person, created) = issuer.store.assign_code(dependent.id, code, now).await?;
    apply_response(&issuer, &person, created).await
}

/// Whether the caller may apply for the person `facts` describes, as the
/// relationship it states (问题二). The most dependents it may hold: `None`
/// for an institution.
async fn may_apply(
    issuer: &Issuer,
    caller: &Caller,
    req: &ApplyProxyRequest,
    facts: &PersonFacts,
    declared: Option<String>,
    today: time::Date,
) -> Result<Option<u32>, ApiError> {
    match caller {
        Caller::Resident(session) => {
            relative_may_apply(issuer, session.person, req, facts, today).await?;
            Ok(Some(issuer.policy.max_relative_dependents))
        }
        Caller::Institution {
            relationship,
            district,
            ..
        } => {
            if *relationship != req.relationship {
                return Err(ApiError::RelationshipMismatch);
            }
            institution_may_apply(issuer, district, facts, declared).await?;
            Ok(None)
        }
        Caller::Authority(_) | Caller::Checkpoint { .. } => Err(ApiError::WrongAccountKind),
    }
}

/// A resident applies as an adult relative, never for themself, and must be
/// one the protocol accepts as a guardian (an adult, co-resident).
async fn relative_may_apply(
    issuer: &Issuer,
    me: PersonId,
    req: &ApplyProxyRequest,
    facts: &PersonFacts,
    today: time::Date,
) -> Result<(), ApiError> {
    if req.relationship.is_institution() {
        return Err(ApiError::RelationshipMismatch);
    }
    let me = issuer
        .store
        .person(me)
        .await?
        .ok_or(ApiError::SessionEnded)?;
    if me.doc_key == facts.doc_key {
        return Err(ApiError::CannotProxyForSelf);
    }
    check_proxy_guardian(
        req.relationship,
        me.birth_date,
        req.co_resident_declared,
        today,
    )
    .map_err(ApiError::GuardianRefused)
}

/// 问题二: 所在居村民委员会 — the committee (or property company) of the
/// place the dependent lives, not any in the city (issue 11, finding 6). A
/// residence already recorded counts; else the one stated now, which an
/// institution must state.
async fn institution_may_apply(
    issuer: &Issuer,
    own_district: &str,
    facts: &PersonFacts,
    declared: Option<String>,
) -> Result<(), ApiError> {
    let recorded = issuer
        .store
        .person_by_doc(facts.doc_key)
        .await?
        .and_then(|p| p.residence_district);
    let lives_in = recorded
        .or(declared)
        .ok_or(ApiError::ResidenceDistrictMissing)?;
    if district_code(own_district).ok().as_deref() != Some(lives_in.as_str()) {
        return Err(ApiError::InstitutionOutsideDistrict);
    }
    Ok(())
}

/// 问题二: elders, children, or anyone with a stated reason. Checked on the
/// birth date the dependent's document proves; without one (a passport) a
/// reason must be stated.
fn dependent_eligibility(
    birth_date: Option<time::Date>,
    reason: Option<&DeviceReason>,
    today: time::Date,
) -> Result<Eligibility, ApiError> {
    match (birth_date, reason) {
        (Some(birth), reason) => check_dependent_eligible(birth, reason, today),
        (None, Some(reason)) => check_dependent_eligible(today, Some(reason), today),
        (None, None) => Err(EligibilityError::NoReasonStated { age: 0 }),
    }
    .map_err(ApiError::DependentNotEligible)
}

/// DESIGN §2, guardianship consent: once someone holds the person's code,
/// anyone else's application waits for consent (`JoinRequestPending`), and a
/// name that differs from the registered one gets the very same answer, so
/// the requester learns nothing. Ok when the caller may go on: the person
/// is new, the caller already a guardian, or nobody holds the code now.
async fn ask_consent_if_held(
    issuer: &Issuer,
    guardian: Guardian,
    facts: &PersonFacts,
    terms: &GuardianshipTerms,
    now: time::OffsetDateTime,
) -> Result<(), ApiError> {
    let Some(known) = issuer.store.person_by_doc(facts.doc_key).await? else {
        return Ok(());
    };
    if known
        .code
        .is_some_and(|c| c.applied_by == AppliedBy::Holder)
    {
        return Err(ApiError::HolderHasOwnCode);
    }
    let guardians = issuer.store.guardians_of(known.id).await?;
    if guardians.contains(&guardian) {
        return Ok(());
    }
    let name_matches = registered_name_matches(&known, facts);
    if name_matches && !guardians.is_empty() {
        // Stored once per requester and person; a repeat finds the first
        // request. Nobody is told which.
        let request = NewJoinRequest {
            id: JoinRequestId(u64::from_be_bytes(random_bytes())),
            dependent: known.id,
            requester: guardian,
            terms: terms.clone(),
            at: now,
        };
        issuer.store.request_to_join(request).await?;
        return Err(ApiError::JoinRequestPending);
    }
    if !name_matches {
        // A wrong name stores nothing: it names nobody the guardians could
        // be asked about (DESIGN §2: a refused request changes nothing).
        return Err(ApiError::JoinRequestPending);
    }
    // Registered, the right name, and nobody holds the code (the last
    // guardian left): this application takes it up again.
    Ok(())
}

/// Whether a stated name is the registered one: exactly, after NFC, by the
/// names' keyed hashes; by the masked forms only for a person registered
/// before those were kept.
fn registered_name_matches(known: &Person, stated: &PersonFacts) -> bool {
    match (known.name_key, stated.name_key) {
        (Some(registered), Some(stated)) => registered == stated,
        _ => match &known.masked_name {
            Some(registered) => Some(registered) == stated.masked_name.as_ref(),
            // Nobody named them yet (an authority acted on the document).
            None => true,
        },
    }
}

/// The eligibility as recorded with a guardianship (问题二).
fn eligibility_json(eligibility: &Eligibility) -> String {
    let value = match eligibility {
        Eligibility::Elder { age } => serde_json::json!({ "elder": { "age": age } }),
        Eligibility::Child { age } => serde_json::json!({ "child": { "age": age } }),
        Eligibility::Stated(reason) => serde_json::json!({ "stated": reason }),
    };
    value.to_string()
}

/// Leave a dependent's guardians (the code itself stays, long-term; the
/// last guardian leaving ends the proxy holding).
#[utoipa::path(delete, path = paths::DEPENDENT, tag = "codes",
    params(("code_id" = String, Path, description = "16 hex digits")),
    responses((status = 204, description = "removed")))]
pub(super) async fn remove_dependent(
    State(issuer): State<Arc<Issuer>>,
    caller: Caller,
    Path(code_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let guardian = caller.guardian()?;
    let code = code_param(&code_id)?;
    let dependent = issuer
        .store
        .dependent(guardian, code)
        .await?
        .ok_or(ApiError::NotYourCode)?;
    // DESIGN §2: a guardian can leave. The last one leaving ends the proxy
    // holding: the code stays (长期有效, with its controls, so leaving and
    // re-applying clears nothing), nobody sees or prints it, and the next
    // application stating the registered name takes it up again.
    match issuer
        .store
        .remove_dependent(guardian, dependent.person.id, issuer.now())
        .await?
    {
        LeaveOutcome::NotAGuardian => Err(ApiError::NotYourCode),
        LeaveOutcome::Left { .. } | LeaveOutcome::ProxyEnded => Ok(StatusCode::NO_CONTENT),
    }
}

/// A dependent's printed code (打印版): unbound, valid 7 days by default.
#[utoipa::path(get, path = paths::DEPENDENT_PRINTED, tag = "codes",
    params(("code_id" = String, Path, description = "16 hex digits")),
    responses((status = 200, body = PrintedCodeResponse)))]
pub(super) async fn printed_code(
    State(issuer): State<Arc<Issuer>>,
    caller: Caller,
    Path(code_id): Path<String>,
) -> Result<Json<PrintedCodeResponse>, ApiError> {
    let guardian = caller.guardian()?;
    let code = code_param(&code_id)?;
    let dependent = issuer
        .store
        .dependent(guardian, code)
        .await?
        .ok_or(ApiError::NotYourCode)?;
    let controls = issuer.store.active_controls(dependent.person.id).await?;
    let trust = issuer.trust();
    let reasons: ControlReasons = controls.iter().map(|c| c.control.reason).collect();
    let (signed, printed) = issuer.issue(&trust, &dependent.person, reasons, Binding::Printed)?;
    let view = issuer.code_view(
        &trust,
        &dependent.person,
        &controls,
        CodeRole::Dependent,
        Some(dependent.relationship),
        None,
    )?;
    Ok(Json(PrintedCodeResponse {
        code: view,
        printed,
        qr_text: signed.to_qr_text(),
    }))
}
/// Declare symptoms and travel; travel from a key area imposes that control.
#[utoipa::path(post, path = paths::HEALTH_DECLARATIONS, tag = "codes", request_body = HealthDeclarationRequest,
    responses((status = 200, body = HealthDeclarationResponse)))]
pub(super) async fn health_declaration(
    State(issuer): State<Arc<Issuer>>,
    caller: Caller,
    ApiJson(req): ApiJson<HealthDeclarationRequest>,
) -> Result<Json<HealthDeclarationResponse>, ApiError> {
    let person = declaring_for(&issuer, &caller, req.code_id.as_deref()).await?;
    let code = person.code.ok_or(ApiError::NoCodeYet)?;
    let now = issuer.now();
    let travel = req
        .travel_from_key_area
        .clone()
        .map(|t| checked_travel(t, now.date()))
        .transpose()?;
    let district = declaration_district(
        req.district.as_deref(),
        travel.as_ref(),
        person.residence_district.as_deref(),
    )?;
    let declaration_id = issuer
        .store
        .record_declaration(Declaration {
            person: person.id,
            declared_by: declared_by(&caller, &person).to_owned(),
            symptoms: serde_json::to_string(&req.symptoms).map_err(|_| ApiError::Internal)?,
            travel: travel
                .as_ref()
                .map(serde_json::to_string)
                .transpose()
                .map_err(|_| ApiError::Internal)?,
            at: now,
            district,
        })
        .await?;
    let mut imposed = Vec::new();
    if let Some(travel) = &travel
        && impose_for_arrival(&issuer, &person, &travel.district, now).await?
    {
        imposed.push(ControlReason::ArrivalFromKeyArea);
    }
    let controls = issuer.store.active_controls(person.id).await?;
    let reasons: ControlReasons = controls.iter().map(|c| c.control.reason).collect();
    let (next_steps_zh, next_steps_en) = next_steps(&req.symptoms, travel.as_ref());
    Ok(Json(HealthDeclarationResponse {
        declaration_id,
        code_id: code_id_text(code.code_id),
        color: Color::of(code.applied_by, reasons),
        controls_imposed: imposed,
        recorded_at: now,
        next_steps_zh,
        next_steps_en,
    }))
}

/// What the resident is told to do after a declaration.
///
/// Declared symptoms do not turn the code red. The seed's red code is for
/// people under epidemic-control management in named categories (问题三:
/// isolation, close contact, suspected or confirmed case, nucleic-acid
/// positive, arrival from a key area), each lifted by the organisation that
/// manages it (问题十: suspected cases by a medical institution). A cough
/// reported by the holder is none of these: it is the health change 问题六
/// asks them to declare. So it is recorded, the district's authorities see
/// it (`/v1/authority/declarations/symptoms`), and the resident is sent to a
/// fever clinic, where a medical institution decides — and imposes
/// "suspected case" if so. Arrival from a key area does impose its control
/// (DESIGN §2), and 问题十 tells the person to contact their community.
fn next_steps(symptoms: &[Symptom], travel: Option<&KeyAreaTravel>) -> (String, String) {
    let mut zh: Vec<String> = Vec::new();
    let mut en: Vec<String> = Vec::new();
    if !symptoms.is_empty() {
        zh.push(
            "您申报了身体不适症状：请佩戴口罩，避免乘坐公共交通工具，尽快到就近医院的发热门诊就诊，\
             并如实告知医生近期旅居史。自报症状不改变穗康码颜色；如医疗机构诊断为疑似或确诊病例，将由其赋红码。"
                .to_owned(),
        );
        en.push(
            "You declared symptoms: wear a mask, avoid public transport, and go to the fever clinic \
             of the nearest hospital soon, telling the doctor where you have been. Declared symptoms \
             do not change your code's colour; if a medical institution diagnoses a suspected or \
             confirmed case, it puts your code under control."
                .to_owned(),
        );
    }
    if let Some(travel) = travel {
        let place = suikang_protocol::find_district(&travel.district)
            .map(|d| d.name_zh)
            .unwrap_or("所在区");
        zh.push(format!(
            "您申报了重点疫区抵穗：穗康码已转为红码。请按{place}的指引主动联系所在社区，由社区解除或安排疫情防控管理。"
        ));
        en.push(format!(
            "You declared an arrival from a key epidemic area: your code is red now. Follow the \
             district's guidance and contact your community ({}): it releases the control or \
             arranges the measures.",
            travel.district
        ));
    }
    if zh.is_empty() {
        zh.push("已记录您的健康申报，无需其他操作。".to_owned());
        en.push("Your health declaration is recorded; nothing else to do.".to_owned());
    }
    (zh.join(""), en.join(" "))
}

/// Whose health a declaration is about: the code named (the caller's own,
/// or a dependent's), or without one the signed-in resident themself.
async fn declaring_for(
    issuer: &Issuer,
    caller: &Caller,
    code_id: Option<&str>,
) -> Result<Person, ApiError> {
    let Some(code_id) = code_id else {
        let Caller::Resident(s) = caller else {
            return Err(ApiError::WrongAccountKind);
        };
        return issuer
            .store
            .person(s.person)
            .await?
            .ok_or(ApiError::SessionEnded);
    };
    let code = code_param(code_id)?;
    let guardian = caller.guardian()?;
    let own = match caller {
        Caller::Resident(s) => issuer.store.person(s.person).await?,
        _ => None,
    };
    match own.filter(|p| p.code.is_some_and(|c| c.code_id == code)) {
        Some(p) => Ok(p),
        None => Ok(issuer
            .store
            .dependent(guardian, code)
            .await?
            .ok_or(ApiError::NotYourCode)?
            .person),
    }
}

/// A declared journey from a key area, checked (DESIGN §2, Places): a short
/// place name, a known district — stored by its code, so the control it
/// imposes has a community that may release it — and an arrival neither
/// in the future nor more than 30 days before `today`.
fn checked_travel(mut travel: KeyAreaTravel, today: time::Date) -> Result<KeyAreaTravel, ApiError> {
    short_text(&travel.area, "area")?;
    travel.district = district_code(&travel.district).map_err(|_| ApiError::UnknownDistrict)?;
    if travel.arrived_on > today || travel.arrived_on < today - time::Duration::days(30) {
        return Err(ApiError::ArrivalDateOutOfRange);
    }
    Ok(travel)
}

/// Whose authorities see a declaration: the district the person says they
/// are in, else the district of arrival, else where they are recorded to
/// live.
fn declaration_district(
    stated: Option<&str>,
    travel: Option<&KeyAreaTravel>,
    residence: Option<&str>,
) -> Result<Option<String>, ApiError> {
    Ok(match stated {
        Some(d) => Some(district_code(d).map_err(|_| ApiError::UnknownDistrict)?),
        None => travel
            .map(|t| t.district.clone())
            .or(residence.map(str::to_owned)),
    })
}

/// Who made a declaration, as the declaration log records it.
fn declared_by(caller: &Caller, person: &Person) -> &'static str {
    match caller {
        Caller::Resident(s) if s.person == person.id => "holder",
        Caller::Resident(_) => "guardian",
        _ => "institution",
    }
}

/// DESIGN §2: a declared arrival from a key area imposes that control,
/// executed by the community of the declared district. True when it was
/// imposed now (false when it was already active).
async fn impose_for_arrival(
    issuer: &Issuer,
    person: &Person,
    district: &str,
    now: time::OffsetDateTime,
) -> Result<bool, ApiError> {
    let before = issuer.store.active_controls(person.id).await?;
    let control = Control::from_declaration(district.trim());
    let audit = audit_entry(
        &Executor::HealthDeclaration,
        ControlChange::Impose(control.reason),
        person.id,
        &before,
        now,
    );
    Ok(matches!(
        issuer
            .store
            .impose_control(person.id, control, audit)
            .await?,
        ImposeOutcome::Imposed { .. }
    ))
}

fn code_param(text: &str) -> Result<CodeId, ApiError> {
    // A malformed id is as unknown as another person's: 404 either way.
    parse_code_id(text).ok_or(ApiError::NotYourCode)
}

fn short_text(text: &str, what: &'static str) -> Result<(), ApiError> {
    let ok = !text.trim().is_empty()
        && text.chars().count() <= 64
        && !text.chars().any(char::is_control);
    ok.then_some(())
        .ok_or_else(|| ApiError::InvalidRequest(format!("{what}: 1 to 64 characters")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: time::Date = date!(2026 - 11 - 30);

    fn travel(area: &str, arrived_on: time::Date, district: &str) -> KeyAreaTravel {
        KeyAreaTravel {
            area: area.into(),
            arrived_on,
            district: district.into(),
        }
    }

    #[test]
    fn a_journey_is_stored_by_its_district_code_within_the_last_30_days() {
        for district in ["440105", "海珠区", "haizhu"] {
            let checked = checked_travel(travel("武汉", TODAY, district), TODAY).unwrap();
            assert_eq!(checked.district, "440105");
        }
        let month_ago = TODAY - time::Duration::days(30);
        assert!(checked_travel(travel("武汉", month_ago, "440105"), TODAY).is_ok());
    }

    #[test]
    fn a_journey_out_of_range_or_to_nowhere_is_refused() {
        let tomorrow = TODAY + time::Duration::days(1);
        let too_old = TODAY - time::Duration::days(31);
        for arrived_on in [tomorrow, too_old] {
            assert!(matches!(
                checked_travel(travel("武汉", arrived_on, "440105"), TODAY),
                Err(ApiError::ArrivalDateOutOfRange)
            ));
        }
        assert!(matches!(
            checked_travel(travel("武汉", TODAY, "atlantis"), TODAY),
            Err(ApiError::UnknownDistrict)
        ));
        for area in ["", " ", "a\u{7}b"] {
            assert!(matches!(
                checked_travel(travel(area, TODAY, "440105"), TODAY),
                Err(ApiError::InvalidRequest(_))
            ));
        }
    }

    /// 问题二: by the birth date the document proves; without one, only
    /// with a stated reason.
    #[test]
    fn a_dependent_is_eligible_by_age_or_by_a_stated_reason() {
        let elder = date!(1940 - 03 - 08);
        let adult = date!(1985 - 03 - 01);
        assert!(matches!(
            dependent_eligibility(Some(elder), None, TODAY),
            Ok(Eligibility::Elder { .. })
        ));
        assert!(matches!(
            dependent_eligibility(Some(adult), None, TODAY),
            Err(ApiError::DependentNotEligible(_))
        ));
        let reason = DeviceReason::VisualImpairment;
        assert!(dependent_eligibility(Some(adult), Some(&reason), TODAY).is_ok());
        assert!(dependent_eligibility(None, Some(&reason), TODAY).is_ok());
        assert!(matches!(
            dependent_eligibility(None, None, TODAY),
            Err(ApiError::DependentNotEligible(
                EligibilityError::NoReasonStated { age: 0 }
            ))
        ));
    }

    #[test]
    fn a_declaration_goes_to_the_stated_district_then_arrival_then_residence() {
        let arrival = travel("武汉", TODAY, "440105");
        let to = |stated, travel, residence| declaration_district(stated, travel, residence);
        assert_eq!(
            to(Some("越秀区"), Some(&arrival), Some("440106")).unwrap(),
            Some("440104".into())
        );
        assert_eq!(
            to(None, Some(&arrival), Some("440106")).unwrap(),
            Some("440105".into())
        );
        assert_eq!(
            to(None, None, Some("440106")).unwrap(),
            Some("440106".into())
        );
        assert_eq!(to(None, None, None).unwrap(), None);
        assert!(matches!(
            to(Some("atlantis"), None, None),
            Err(ApiError::UnknownDistrict)
        ));
    }
}
