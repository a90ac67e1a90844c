//! The embedded store: SQLite in WAL mode, one writer connection and a small
//! pool of readers, each call on tokio's blocking pool.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use suikang_protocol::{
    AppliedBy, AuthorityRole, CodeId, Control, ControlReason, DocumentKind, Executor, Relationship,
};
use time::{Date, OffsetDateTime};
use tokio::sync::Semaphore;

use super::*;

/// Schema versions, applied in order; `PRAGMA user_version` is how many ran.
const MIGRATIONS: &[&str] = &[
    // 1: everything the first server needs.
    r#"
    CREATE TABLE people (
        id INTEGER PRIMARY KEY,
        doc_key BLOB NOT NULL UNIQUE,
        doc_kind TEXT NOT NULL,
        masked_document TEXT NOT NULL,
        masked_name TEXT,
        birth_date TEXT,
        code_id INTEGER UNIQUE,
        applied_by TEXT,
        status_changed_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        role TEXT NOT NULL,
        organisation TEXT NOT NULL,
        district TEXT NOT NULL,
        display_name TEXT NOT NULL,
        token_hash BLOB NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE guardianships (
        id INTEGER PRIMARY KEY,
        guardian_kind TEXT NOT NULL,
        guardian_id INTEGER NOT NULL,
        dependent_id INTEGER NOT NULL REFERENCES people(id),
        relationship TEXT NOT NULL,
        co_resident_declared INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        removed_at INTEGER
    );
    CREATE UNIQUE INDEX guardianships_active
        ON guardianships(guardian_kind, guardian_id, dependent_id) WHERE removed_at IS NULL;
    CREATE INDEX guardianships_dependent ON guardianships(dependent_id);
    CREATE TABLE controls (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES people(id),
        reason TEXT NOT NULL,
        executor TEXT NOT NULL,
        district TEXT NOT NULL,
        imposed_at INTEGER NOT NULL,
        released_at INTEGER
    );
    CREATE UNIQUE INDEX controls_active ON controls(person_id, reason) WHERE released_at IS NULL;
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        person_id INTEGER NOT NULL,
        reason TEXT NOT NULL,
        before TEXT NOT NULL,
        after TEXT NOT NULL
    );
    CREATE INDEX audit_log_person ON audit_log(person_id);
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TABLE challenges (
        id TEXT PRIMARY KEY,
        nonce BLOB NOT NULL,
        doc_key BLOB NOT NULL,
        doc_kind TEXT NOT NULL,
        masked_document TEXT NOT NULL,
        masked_name TEXT,
        birth_date TEXT,
        expires_at INTEGER NOT NULL,
        used_at INTEGER
    );
    CREATE TABLE face_failures (doc_key BLOB NOT NULL, at INTEGER NOT NULL);
    CREATE INDEX face_failures_doc ON face_failures(doc_key, at);
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES people(id),
        device_key BLOB NOT NULL,
        access_hash BLOB NOT NULL UNIQUE,
        access_expires_at INTEGER NOT NULL,
        refresh_hash BLOB NOT NULL UNIQUE,
        refresh_expires_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        ended_at INTEGER,
        end_reason TEXT
    );
    CREATE INDEX sessions_person ON sessions(person_id);
    CREATE TABLE used_refresh_tokens (
        hash BLOB PRIMARY KEY,
        session_id INTEGER NOT NULL
    );
    CREATE TABLE declarations (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES people(id),
        declared_by TEXT NOT NULL,
        symptoms TEXT NOT NULL,
        travel TEXT,
        at INTEGER NOT NULL
    );
    CREATE TABLE idempotency (
        scope BLOB NOT NULL,
        key TEXT NOT NULL,
        request_hash BLOB NOT NULL,
        status INTEGER NOT NULL,
        body BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (scope, key)
    );
    CREATE TABLE issuer_keys (
        key_id INTEGER PRIMARY KEY,
        public_key BLOB NOT NULL,
        not_before INTEGER NOT NULL,
        not_after INTEGER NOT NULL
    );
    CREATE TABLE trusted_issuers (
        issuer_id INTEGER PRIMARY KEY,
        entry TEXT NOT NULL
    );
    CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO meta VALUES ('trust_sequence', 1);
    "#,
    // 2: guardianship consent (DESIGN §2): the registered name's keyed hash,
    // the terms a guardian holds a code on, join requests, and the
    // append-only guardianship log.
    r#"
    ALTER TABLE people ADD COLUMN name_key BLOB;
    ALTER TABLE challenges ADD COLUMN name_key BLOB;
    ALTER TABLE guardianships ADD COLUMN eligibility TEXT;
    CREATE TABLE join_requests (
        id INTEGER PRIMARY KEY,
        dependent_id INTEGER NOT NULL REFERENCES people(id),
        requester_kind TEXT NOT NULL,
        requester_id INTEGER NOT NULL,
        relationship TEXT NOT NULL,
        co_resident_declared INTEGER NOT NULL,
        eligibility TEXT NOT NULL,
        requested_at INTEGER NOT NULL,
        state TEXT NOT NULL,
        decided_at INTEGER,
        decided_by_kind TEXT,
        decided_by_id INTEGER
    );
    CREATE UNIQUE INDEX join_requests_pending
        ON join_requests(dependent_id, requester_kind, requester_id) WHERE state = 'pending';
    CREATE INDEX join_requests_dependent ON join_requests(dependent_id);
    CREATE TABLE guardianship_log (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        actor_kind TEXT NOT NULL,
        actor_id INTEGER NOT NULL,
        action TEXT NOT NULL,
        person_id INTEGER NOT NULL,
        details TEXT NOT NULL
    );
    CREATE INDEX guardianship_log_person ON guardianship_log(person_id);
    CREATE TRIGGER guardianship_log_no_update BEFORE UPDATE ON guardianship_log
        BEGIN SELECT RAISE(ABORT, 'the guardianship log is append-only'); END;
    CREATE TRIGGER guardianship_log_no_delete BEFORE DELETE ON guardianship_log
        BEGIN SELECT RAISE(ABORT, 'the guardianship log is append-only'); END;
    "#,
    // 3: account tokens expire, rotate and can be revoked (issue 12). An
    // account from before gets the default 90 days from the upgrade.
    r#"
    ALTER TABLE accounts ADD COLUMN expires_at INTEGER;
    UPDATE accounts SET expires_at = CAST(strftime('%s', 'now') AS INTEGER) + 7776000;
    ALTER TABLE accounts ADD COLUMN revoked_at INTEGER;
    ALTER TABLE accounts ADD COLUMN previous_token_hash BLOB;
    ALTER TABLE accounts ADD COLUMN previous_token_until INTEGER;
    CREATE UNIQUE INDEX accounts_previous_token ON accounts(previous_token_hash);
    "#,
    // 4: the residence district a guardian declares (institutions act only
    // for their own district's people).
    r#"
    ALTER TABLE people ADD COLUMN residence_district TEXT;
    ALTER TABLE declarations ADD COLUMN district TEXT;
    CREATE INDEX declarations_district ON declarations(district, at);
    "#,
    // 5: one person, one code across documents (DESIGN §2): a document the
    // identity check links to a registered person's other document names
    // that person (a Hong Kong resident's residence permit and her travel
    // permit).
    r#"
    CREATE TABLE document_links (
        doc_key BLOB PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES people(id),
        linked_at INTEGER NOT NULL
    );
    "#,
    // 6: housekeeping deletes by age (challenges, idempotency rows, face
    // failures): each by an index, not a scan of the whole table while it
    // holds the writer (issue 12).
    r#"
    CREATE INDEX challenges_expiry ON challenges(expires_at);
    CREATE INDEX idempotency_created ON idempotency(created_at);
    CREATE INDEX face_failures_at ON face_failures(at);
    "#,
    // 7: join requests listed in the order they were made, also within one
    // second (their ids are random): a number each takes as it is written.
    r#"
    ALTER TABLE join_requests ADD COLUMN seq INTEGER;
    UPDATE join_requests SET seq = (SELECT COUNT(*) FROM join_requests AS earlier
        WHERE earlier.requested_at < join_requests.requested_at
           OR (earlier.requested_at = join_requests.requested_at AND earlier.id <= join_requests.id));
    CREATE UNIQUE INDEX join_requests_seq ON join_requests(seq);
    "#,
];

const READERS: usize = 4;

/// The SQLite store. Cheap to clone.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    read_permits: Semaphore,
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        backend(e)
    }
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Runs the migrations a database has not had yet.
pub fn migrate(conn: &mut Connection) -> Result<u32, StoreError> {
    let version: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    // A newer server's schema may mean things this one would misread or
    // undo: refuse it rather than run on (core's cache refuses alike).
    let known = MIGRATIONS.len() as u32;
    if version > known {
        return Err(StoreError::NewerSchema {
            found: version,
            known,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as u32)?;
        tx.commit()?;
    }
    Ok(MIGRATIONS.len() as u32)
}

impl SqliteStore {
    /// Opens (creating and migrating as needed) the database at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let mut writer = open_connection(path)?;
        migrate(&mut writer)?;
        // Answers with bearer tokens were once kept for idempotent replays
        // (issue 12): none may rest in the file, not even in freed pages.
        writer
            .execute_batch(
                "PRAGMA secure_delete = ON; \
                 DELETE FROM idempotency WHERE CAST(body AS TEXT) LIKE '%\"refresh_token\"%';",
            )
            .map_err(backend)?;
        let readers = (0..READERS)
            .map(|_| open_connection(path))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                writer: Mutex::new(writer),
                readers: Mutex::new(readers),
                read_permits: Semaphore::new(READERS),
            }),
        })
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> u32 {
        let conn = self.inner.writer.lock().expect("writer lock");
        conn.pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap_or(0)
    }

    fn read<'a, T, F>(&'a self, f: F) -> StoreFuture<'a, T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        Box::pin(async move {
            let _permit = self.inner.read_permits.acquire().await.map_err(backend)?;
            let inner = self.inner.clone();
            tokio::task::spawn_blocking(move || {
                let conn = inner.readers.lock().expect("readers lock").pop();
                let conn = conn.ok_or_else(|| backend("no reader connection free"))?;
                let result = f(&conn);
                inner.readers.lock().expect("readers lock").push(conn);
                result
            })
            .await
            .map_err(backend)?
        })
    }

    fn write<'a, T, F>(&'a self, f: F) -> StoreFuture<'a, T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = self.inner.clone();
        Box::pin(async move {
            // Read when the write runs, in the request's task: the
            // task-local does not follow into the blocking pool.
            let claim = claimed_key();
            tokio::task::spawn_blocking(move || {
                let mut conn = inner.writer.lock().expect("writer lock");
                let tx =
                    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                let value = f(&tx)?;
                if let Some(claim) = &claim {
                    mark_applied(&tx, claim)?;
                }
                tx.commit()?;
                Ok(value)
            })
            .await
            .map_err(backend)?
        })
    }
}

/// Marks the request's idempotency claim applied, inside the transaction
/// that makes its effect ([`ClaimedKey`]).
fn mark_applied(tx: &Transaction<'_>, claim: &ClaimedKey) -> Result<(), StoreError> {
    tx.prepare_cached(
        "UPDATE idempotency SET status = ?3 \
         WHERE scope = ?1 AND key = ?2 AND status = ?4 AND request_hash = ?5",
    )?
    .execute(params![
        claim.scope.to_vec(),
        claim.key,
        CLAIM_APPLIED,
        CLAIM_OPEN,
        claim.request_hash.to_vec()
    ])?;
    Ok(())
}

// ---------------------------------------------------------------- encodings

fn ts(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

fn from_ts(s: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp(s).map_err(|_| StoreError::Corrupt("time"))
}

fn enum_text<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => unreachable!("unit enums serialise as strings"),
    }
}

fn enum_from<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &'static str,
) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| StoreError::Corrupt(what))
}

fn date_text(d: Date) -> String {
    suikang_protocol::api::full_date_text(d)
}

fn date_from(text: &str) -> Result<Date, StoreError> {
    suikang_protocol::api::parse_full_date(text).ok_or(StoreError::Corrupt("date"))
}

fn blob32(bytes: Vec<u8>, what: &'static str) -> Result<[u8; 32], StoreError> {
    bytes.try_into().map_err(|_| StoreError::Corrupt(what))
}

const PERSON_COLUMNS: &str = "id, doc_key, doc_kind, masked_document, masked_name, birth_date, \
     code_id, applied_by, status_changed_at, name_key, residence_district";
/// A person by document: their own, or one the identity check linked to
/// them (`?1`: the document key).
const BY_DOCUMENT: &str =
    "doc_key = ?1 OR id = (SELECT person_id FROM document_links WHERE doc_key = ?1)";
/// A person by a linked document only.
const LINKED: &str = "id = (SELECT person_id FROM document_links WHERE doc_key = ?1)";
/// How many columns [`PERSON_COLUMNS`] selects: a column selected after
/// them has this index.
const PERSON_WIDTH: usize = 11;

fn person_from_row(row: &Row<'_>) -> rusqlite::Result<Result<Person, StoreError>> {
    let id: i64 = row.get(0)?;
    let doc_key: Vec<u8> = row.get(1)?;
    let kind: String = row.get(2)?;
    let masked_document: String = row.get(3)?;
    let masked_name: Option<String> = row.get(4)?;
    let birth: Option<String> = row.get(5)?;
    let code_id: Option<i64> = row.get(6)?;
    let applied_by: Option<String> = row.get(7)?;
    let changed: i64 = row.get(8)?;
    let name_key: Option<Vec<u8>> = row.get(9)?;
    let residence_district: Option<String> = row.get(10)?;
    Ok((|| {
        let code = match (code_id, applied_by) {
            (Some(c), Some(a)) => Some(CodeRecord {
                code_id: CodeId(c as u64),
                applied_by: enum_from::<AppliedBy>(&a, "applied_by")?,
            }),
            (None, None) => None,
            _ => return Err(StoreError::Corrupt("code")),
        };
        Ok(Person {
            id: PersonId(id),
            doc_key: DocKey(blob32(doc_key, "doc_key")?),
            document_kind: enum_from::<DocumentKind>(&kind, "doc_kind")?,
            masked_document,
            masked_name,
            name_key: name_key
                .map(|k| blob32(k, "name_key").map(NameKey))
                .transpose()?,
            birth_date: birth.as_deref().map(date_from).transpose()?,
            code,
            status_changed_at: from_ts(changed)?,
            residence_district,
        })
    })())
}

fn query_person(
    conn: &Connection,
    filter: &str,
    param: impl rusqlite::ToSql,
) -> Result<Option<Person>, StoreError> {
    let sql = format!("SELECT {PERSON_COLUMNS} FROM people WHERE {filter}");
    conn.prepare_cached(&sql)?
        .query_row([param], person_from_row)
        .optional()?
        .transpose()
}

fn load_controls(conn: &Connection, person: PersonId) -> Result<Vec<ActiveControl>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT reason, executor, district, imposed_at FROM controls \
         WHERE person_id = ?1 AND released_at IS NULL ORDER BY imposed_at, id",
    )?;
    let rows = stmt.query_map([person.0], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (reason, executor, district, at) = row?;
        out.push(ActiveControl {
            control: Control {
                reason: enum_from::<ControlReason>(&reason, "reason")?,
                executor: serde_json::from_str::<Executor>(&executor)
                    .map_err(|_| StoreError::Corrupt("executor"))?,
                district,
            },
            since: from_ts(at)?,
        });
    }
    Ok(out)
}

/// What a sync shows: the own person (when asked) and the guardian's
/// dependents, each with their active controls.
fn load_snapshot(
    c: &Connection,
    own: Option<PersonId>,
    guardian: Guardian,
) -> Result<CodesSnapshot, StoreError> {
    let own = match own {
        Some(id) => match query_person(c, "id = ?1", id.0)? {
            Some(p) => {
                let controls = load_controls(c, p.id)?;
                Some((p, controls))
            }
            None => None,
        },
        None => None,
    };
    let mut dependents = Vec::new();
    for d in load_dependents(c, guardian)? {
        let controls = load_controls(c, d.person.id)?;
        dependents.push((d, controls));
    }
    Ok(CodesSnapshot { own, dependents })
}

fn load_session(c: &Connection, access: TokenHash) -> Result<Option<SessionRecord>, StoreError> {
    c.prepare_cached(&format!(
        "SELECT {SESSION_COLUMNS} FROM sessions WHERE access_hash = ?1"
    ))?
    .query_row([access.0.to_vec()], session_from_row)
    .optional()?
    .transpose()
}

fn load_dependents(conn: &Connection, g: Guardian) -> Result<Vec<Dependent>, StoreError> {
    let (kind, id) = g.parts();
    let sql = format!(
        "SELECT {}, g.relationship FROM guardianships g JOIN people p ON p.id = g.dependent_id \
         WHERE g.guardian_kind = ?1 AND g.guardian_id = ?2 AND g.removed_at IS NULL \
         ORDER BY g.created_at, g.id",
        PERSON_COLUMNS
            .split(", ")
            .map(|c| format!("p.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![kind, id], |r| {
        Ok((person_from_row(r)?, r.get::<_, String>(PERSON_WIDTH)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (person, relationship) = row?;
        out.push(Dependent {
            person: person?,
            relationship: enum_from::<Relationship>(&relationship, "relationship")?,
        });
    }
    Ok(out)
}

fn touch_status(
    tx: &Transaction<'_>,
    person: PersonId,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "UPDATE people SET status_changed_at = max(status_changed_at, ?2) WHERE id = ?1",
    )?
    .execute(params![person.0, ts(at)])?;
    Ok(())
}

fn append_audit(tx: &Transaction<'_>, e: &AuditEntry) -> Result<i64, StoreError> {
    tx.prepare_cached(
        "INSERT INTO audit_log (at, actor, action, person_id, reason, before, after) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        ts(e.at),
        e.actor,
        e.action,
        e.person.0,
        enum_text(&e.reason),
        e.before,
        e.after
    ])?;
    Ok(tx.last_insert_rowid())
}

fn bump_sequence(tx: &Transaction<'_>) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE meta SET value = value + 1 WHERE name = 'trust_sequence'",
        [],
    )?;
    Ok(())
}

fn session_from_row(r: &Row<'_>) -> rusqlite::Result<Result<SessionRecord, StoreError>> {
    let id: i64 = r.get(0)?;
    let person: i64 = r.get(1)?;
    let device: Vec<u8> = r.get(2)?;
    let access_exp: i64 = r.get(3)?;
    let refresh_exp: i64 = r.get(4)?;
    let ended: Option<String> = r.get(5)?;
    Ok((|| {
        Ok(SessionRecord {
            id: SessionId(id),
            person: PersonId(person),
            device_key: blob32(device, "device_key")?,
            access_expires_at: from_ts(access_exp)?,
            refresh_expires_at: from_ts(refresh_exp)?,
            ended: ended
                .map(|e| SessionEnd::parse(&e).ok_or(StoreError::Corrupt("end_reason")))
                .transpose()?,
        })
    })())
}

const SESSION_COLUMNS: &str =
    "id, person_id, device_key, access_expires_at, refresh_expires_at, end_reason";

fn account_from_row(r: &Row<'_>) -> rusqlite::Result<Result<Account, StoreError>> {
    let id: i64 = r.get(0)?;
    let kind: String = r.get(1)?;
    let role: String = r.get(2)?;
    let organisation: String = r.get(3)?;
    let district: String = r.get(4)?;
    let display_name: String = r.get(5)?;
    let created_at: i64 = r.get(6)?;
    let expires_at: Option<i64> = r.get(7)?;
    let revoked_at: Option<i64> = r.get(8)?;
    Ok((|| {
        let kind = match kind.as_str() {
            "authority" => AccountKind::Authority(enum_from::<AuthorityRole>(&role, "role")?),
            "institution" => {
                AccountKind::Institution(enum_from::<Relationship>(&role, "relationship")?)
            }
            "checkpoint" => AccountKind::Checkpoint,
            _ => return Err(StoreError::Corrupt("account kind")),
        };
        Ok(Account {
            id: AccountId(id),
            kind,
            organisation,
            district,
            display_name,
            created_at: from_ts(created_at)?,
            expires_at: from_ts(expires_at.ok_or(StoreError::Corrupt("account expiry"))?)?,
            revoked_at: revoked_at.map(from_ts).transpose()?,
        })
    })())
}

/// The columns [`account_from_row`] reads, in order.
const ACCOUNT_COLUMNS: &str =
    "id, kind, role, organisation, district, display_name, created_at, expires_at, revoked_at";

fn account_by_id(c: &Connection, id: AccountId) -> Result<Option<Account>, StoreError> {
    c.prepare_cached(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?1"
    ))?
    .query_row([id.0], account_from_row)
    .optional()?
    .transpose()
}

fn append_guardianship_log(
    tx: &Transaction<'_>,
    actor: Guardian,
    action: GuardianshipAction,
    person: PersonId,
    details: &str,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    let (kind, id) = actor.parts();
    tx.prepare_cached(
        "INSERT INTO guardianship_log (at, actor_kind, actor_id, action, person_id, details) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        ts(at),
        kind,
        id,
        action.as_str(),
        person.0,
        details
    ])?;
    Ok(())
}

/// A guardian of the dependent, or the committee of the district the
/// dependent is recorded as living in.
fn may_decide(
    conn: &Connection,
    by: Guardian,
    committee_of: Option<&str>,
    dependent: PersonId,
) -> Result<bool, StoreError> {
    if is_guardian(conn, by, dependent)? {
        return Ok(true);
    }
    let Some(district) = committee_of else {
        return Ok(false);
    };
    Ok(conn
        .prepare_cached("SELECT 1 FROM people WHERE id = ?1 AND residence_district = ?2")?
        .query_row(params![dependent.0, district], |_| Ok(()))
        .optional()?
        .is_some())
}

fn is_guardian(
    conn: &Connection,
    guardian: Guardian,
    dependent: PersonId,
) -> Result<bool, StoreError> {
    let (kind, id) = guardian.parts();
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM guardianships WHERE guardian_kind = ?1 AND guardian_id = ?2 \
             AND dependent_id = ?3 AND removed_at IS NULL",
        )?
        .query_row(params![kind, id, dependent.0], |_| Ok(()))
        .optional()?
        .is_some())
}

fn count_dependents(conn: &Connection, guardian: Guardian) -> Result<u32, StoreError> {
    let (kind, id) = guardian.parts();
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM guardianships WHERE guardian_kind = ?1 \
             AND guardian_id = ?2 AND removed_at IS NULL",
        )?
        .query_row(params![kind, id], |r| r.get(0))?)
}

fn insert_guardianship(
    tx: &Transaction<'_>,
    guardian: Guardian,
    dependent: PersonId,
    terms: &GuardianshipTerms,
    request: Option<JoinRequestId>,
    at: OffsetDateTime,
) -> Result<(), StoreError> {
    let (kind, id) = guardian.parts();
    tx.prepare_cached(
        "INSERT INTO guardianships (guardian_kind, guardian_id, dependent_id, \
         relationship, co_resident_declared, created_at, eligibility) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        kind,
        id,
        dependent.0,
        enum_text(&terms.relationship),
        terms.co_resident_declared,
        ts(at),
        terms.eligibility
    ])?;
    append_guardianship_log(
        tx,
        guardian,
        GuardianshipAction::GuardianAdded,
        dependent,
        &terms.log_details(request),
        at,
    )
}

const JOIN_REQUEST_SELECT: &str = "SELECT j.id, j.dependent_id, p.code_id, p.masked_name, \
     j.requester_kind, j.requester_id, coalesce(rp.masked_name, a.display_name, ''), \
     j.relationship, j.co_resident_declared, j.eligibility, j.requested_at, j.state \
     FROM join_requests j JOIN people p ON p.id = j.dependent_id \
     LEFT JOIN people rp ON j.requester_kind = 'person' AND rp.id = j.requester_id \
     LEFT JOIN accounts a ON j.requester_kind = 'institution' AND a.id = j.requester_id";

fn join_request_from_row(r: &Row<'_>) -> rusqlite::Result<Result<JoinRequest, StoreError>> {
    let id: i64 = r.get(0)?;
    let dependent: i64 = r.get(1)?;
    let code: Option<i64> = r.get(2)?;
    let dependent_name: Option<String> = r.get(3)?;
    let requester_kind: String = r.get(4)?;
    let requester_id: i64 = r.get(5)?;
    let requester_name: String = r.get(6)?;
    let relationship: String = r.get(7)?;
    let co_resident: bool = r.get(8)?;
    let eligibility: String = r.get(9)?;
    let at: i64 = r.get(10)?;
    let state: String = r.get(11)?;
    Ok((|| {
        Ok(JoinRequest {
            id: JoinRequestId(id as u64),
            dependent: PersonId(dependent),
            dependent_code: code.map(|c| CodeId(c as u64)),
            dependent_masked_name: dependent_name.unwrap_or_default(),
            requester: Guardian::from_parts(&requester_kind, requester_id)?,
            requester_masked_name: requester_name,
            terms: GuardianshipTerms {
                relationship: enum_from(&relationship, "relationship")?,
                co_resident_declared: co_resident,
                eligibility,
            },
            requested_at: from_ts(at)?,
            state: JoinState::parse(&state).ok_or(StoreError::Corrupt("join state"))?,
        })
    })())
}

fn query_join_request(
    conn: &Connection,
    id: JoinRequestId,
) -> Result<Option<JoinRequest>, StoreError> {
    let sql = format!("{JOIN_REQUEST_SELECT} WHERE j.id = ?1");
    conn.prepare_cached(&sql)?
        .query_row([id.0 as i64], join_request_from_row)
        .optional()?
        .transpose()
}

impl Store for SqliteStore {
    fn person_by_doc(&self, doc: DocKey) -> StoreFuture<'_, Option<Person>> {
        self.read(move |c| query_person(c, BY_DOCUMENT, doc.0.to_vec()))
    }

    fn link_document(
        &self,
        doc: DocKey,
        person: PersonId,
        at: OffsetDateTime,
    ) -> StoreFuture<'_, Person> {
        self.write(move |tx| {
            // Never over a document that is someone's own already.
            tx.prepare_cached(
                "INSERT INTO document_links (doc_key, person_id, linked_at) \
                 SELECT ?1, ?2, ?3 WHERE NOT EXISTS (SELECT 1 FROM people WHERE doc_key = ?1) \
                 ON CONFLICT(doc_key) DO NOTHING",
            )?
            .execute(params![doc.0.to_vec(), person.0, ts(at)])?;
            query_person(tx, BY_DOCUMENT, doc.0.to_vec())?
                .ok_or(StoreError::Corrupt("linked person"))
        })
    }

    fn person(&self, id: PersonId) -> StoreFuture<'_, Option<Person>> {
        self.read(move |c| query_person(c, "id = ?1", id.0))
    }

    fn person_by_code(&self, code: CodeId) -> StoreFuture<'_, Option<Person>> {
        self.read(move |c| query_person(c, "code_id = ?1", code.0 as i64))
    }

    fn upsert_person(&self, facts: PersonFacts, at: OffsetDateTime) -> StoreFuture<'_, Person> {
        self.write(move |tx| {
            // A linked document names its person: nothing is made for it.
            if let Some(person) = query_person(tx, LINKED, facts.doc_key.0.to_vec())? {
                return Ok(person);
            }
            tx.prepare_cached(
                "INSERT INTO people (doc_key, doc_kind, masked_document, masked_name, birth_date, \
                 status_changed_at, created_at, name_key, residence_district) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8) \
                 ON CONFLICT(doc_key) DO UPDATE SET \
                 masked_name = coalesce(excluded.masked_name, masked_name), \
                 name_key = CASE WHEN excluded.masked_name IS NULL THEN name_key \
                 ELSE excluded.name_key END, \
                 birth_date = coalesce(birth_date, excluded.birth_date), \
                 residence_district = coalesce(residence_district, excluded.residence_district)",
            )?
            .execute(params![
                facts.doc_key.0.to_vec(),
                enum_text(&facts.document_kind),
                facts.masked_document,
                facts.masked_name,
                facts.birth_date.map(date_text),
                ts(at),
                facts.name_key.map(|k| k.0.to_vec()),
                facts.residence_district
            ])?;
            query_person(tx, "doc_key = ?1", facts.doc_key.0.to_vec())?
                .ok_or(StoreError::Corrupt("person vanished"))
        })
    }

    fn assign_code(
        &self,
        person: PersonId,
        code: CodeRecord,
        at: OffsetDateTime,
    ) -> StoreFuture<'_, (Person, bool)> {
        self.write(move |tx| {
            let current =
                query_person(tx, "id = ?1", person.0)?.ok_or(StoreError::Corrupt("no person"))?;
            let created = match current.code {
                None => {
                    tx.prepare_cached(
                        "UPDATE people SET code_id = ?2, applied_by = ?3, status_changed_at = ?4 \
                         WHERE id = ?1",
                    )?
                    .execute(params![
                        person.0,
                        code.code_id.0 as i64,
                        enum_text(&code.applied_by),
                        ts(at)
                    ])?;
                    true
                }
                Some(existing) => {
                    if existing.applied_by == AppliedBy::Proxy
                        && code.applied_by == AppliedBy::Holder
                    {
                        // The holder takes over the code (问题二): same id, now blue.
                        tx.prepare_cached(
                            "UPDATE people SET applied_by = 'holder', status_changed_at = ?2 \
                             WHERE id = ?1",
                        )?
                        .execute(params![person.0, ts(at)])?;
                        tx.prepare_cached(
                            "UPDATE guardianships SET removed_at = ?2 \
                             WHERE dependent_id = ?1 AND removed_at IS NULL",
                        )?
                        .execute(params![person.0, ts(at)])?;
                    }
                    false
                }
            };
            let person =
                query_person(tx, "id = ?1", person.0)?.ok_or(StoreError::Corrupt("no person"))?;
            Ok((person, created))
        })
    }

    fn add_dependent(
        &self,
        guardian: Guardian,
        dependent: PersonId,
        terms: GuardianshipTerms,
        max_dependents: Option<u32>,
        at: OffsetDateTime,
    ) -> StoreFuture<'_, AddDependent> {
        self.write(move |tx| {
            if is_guardian(tx, guardian, dependent)? {
                return Ok(AddDependent::AlreadyADependent);
            }
            if let Some(max) = max_dependents
                && count_dependents(tx, guardian)? >= max
            {
                return Ok(AddDependent::TooManyDependents);
            }
            insert_guardianship(tx, guardian, dependent, &terms, None, at)?;
            Ok(AddDependent::Added)
        })
    }

    fn remove_dependent(
        &self,
        guardian: Guardian,
        dependent: PersonId,
        at: OffsetDateTime,
    ) -> StoreFuture<'_, LeaveOutcome> {
        self.write(move |tx| {
            let (kind, id) = guardian.parts();
            let n = tx
                .prepare_cached(
                    "UPDATE guardianships SET removed_at = ?4 WHERE guardian_kind = ?1 \
                     AND guardian_id = ?2 AND dependent_id = ?3 AND removed_at IS NULL",
                )?
                .execute(params![kind, id, dependent.0, ts(at)])?;
            if n == 0 {
                return Ok(LeaveOutcome::NotAGuardian);
            }
            append_guardianship_log(
                tx,
                guardian,
                GuardianshipAction::GuardianLeft,
                dependent,
                "{}",
                at,
            )?;
            let left: u32 = tx
                .prepare_cached(
                    "SELECT count(*) FROM guardianships WHERE dependent_id = ?1 \
                     AND removed_at IS NULL",
                )?
                .query_row([dependent.0], |r| r.get(0))?;
            if left > 0 {
                return Ok(LeaveOutcome::Left {
                    guardians_left: left,
                });
            }
            let lapsed = tx
                .prepare_cached(
                    "UPDATE join_requests SET state = 'lapsed', decided_at = ?2 \
                     WHERE dependent_id = ?1 AND state = 'pending'",
                )?
                .execute(params![dependent.0, ts(at)])?;
            append_guardianship_log(
                tx,
                guardian,
                GuardianshipAction::ProxyEnded,
                dependent,
                &serde_json::json!({ "lapsed_join_requests": lapsed }).to_string(),
                at,
            )?;
            Ok(LeaveOutcome::ProxyEnded)
        })
    }

    fn request_to_join(&self, request: NewJoinRequest) -> StoreFuture<'_, JoinOutcome> {
        self.write(move |tx| {
            let (kind, id) = request.requester.parts();
            let earlier: Option<(i64, String)> = tx
                .prepare_cached(
                    "SELECT id, state FROM join_requests WHERE dependent_id = ?1 \
                     AND requester_kind = ?2 AND requester_id = ?3 AND (state = 'pending' \
                     OR (state = 'declined' AND decided_at >= ?4)) \
                     ORDER BY state = 'pending' DESC LIMIT 1",
                )?
                .query_row(
                    params![
                        request.dependent.0,
                        kind,
                        id,
                        ts(request.at - time::Duration::days(DECLINED_QUIET_DAYS))
                    ],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            match earlier {
                Some((existing, state)) if state == "pending" => {
                    return Ok(JoinOutcome::AlreadyPending(JoinRequestId(existing as u64)));
                }
                Some((declined, _)) => {
                    return Ok(JoinOutcome::RecentlyDeclined(JoinRequestId(
                        declined as u64,
                    )));
                }
                None => {}
            }
            tx.prepare_cached(
                "INSERT INTO join_requests (id, dependent_id, requester_kind, requester_id, \
                 relationship, co_resident_declared, eligibility, requested_at, state, seq) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', \
                 (SELECT coalesce(max(seq), 0) + 1 FROM join_requests))",
            )?
            .execute(params![
                request.id.0 as i64,
                request.dependent.0,
                kind,
                id,
                enum_text(&request.terms.relationship),
                request.terms.co_resident_declared,
                request.terms.eligibility,
                ts(request.at)
            ])?;
            append_guardianship_log(
                tx,
                request.requester,
                GuardianshipAction::JoinRequested,
                request.dependent,
                &request.terms.log_details(Some(request.id)),
                request.at,
            )?;
            Ok(JoinOutcome::Requested(request.id))
        })
    }

    fn pending_join_requests(
        &self,
        guardian: Guardian,
        committee_of: Option<String>,
    ) -> StoreFuture<'_, Vec<JoinRequest>> {
        self.read(move |c| {
            let (kind, id) = guardian.parts();
            let sql = format!(
                "{JOIN_REQUEST_SELECT} WHERE j.state = 'pending' AND (j.dependent_id IN \
                 (SELECT dependent_id FROM guardianships WHERE guardian_kind = ?1 \
                 AND guardian_id = ?2 AND removed_at IS NULL) \
                 OR (?3 IS NOT NULL AND p.residence_district = ?3)) \
                 ORDER BY j.requested_at, j.seq"
            );
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![kind, id, committee_of], join_request_from_row)?;
            let mut out = Vec::new();
            for row in rows {
                out.push(row??);
            }
            Ok(out)
        })
    }

    fn join_request(&self, id: JoinRequestId) -> StoreFuture<'_, Option<JoinRequest>> {
        self.read(move |c| query_join_request(c, id))
    }

    fn decide_join_request(&self, d: JoinDecisionInput) -> StoreFuture<'_, DecideOutcome> {
        self.write(move |tx| {
            let Some(request) = query_join_request(tx, d.request)? else {
                return Ok(DecideOutcome::NotFound);
            };
            if !may_decide(tx, d.by, d.committee_of.as_deref(), request.dependent)? {
                return Ok(DecideOutcome::NotYourDependent);
            }
            if request.state != JoinState::Pending {
                return Ok(DecideOutcome::AlreadyDecided);
            }
            let details = request_details(request.id, request.requester);
            if d.approve {
                if !is_guardian(tx, request.requester, request.dependent)? {
                    if let Guardian::Person(_) = request.requester
                        && count_dependents(tx, request.requester)? >= d.max_relative_dependents
                    {
                        return Ok(DecideOutcome::TooManyDependents);
                    }
                    insert_guardianship(
                        tx,
                        request.requester,
                        request.dependent,
                        &request.terms,
                        Some(request.id),
                        d.at,
                    )?;
                }
                append_guardianship_log(
                    tx,
                    d.by,
                    GuardianshipAction::JoinApproved,
                    request.dependent,
                    &details,
                    d.at,
                )?;
            } else {
                append_guardianship_log(
                    tx,
                    d.by,
                    GuardianshipAction::JoinDeclined,
                    request.dependent,
                    &details,
                    d.at,
                )?;
            }
            let state = if d.approve {
                JoinState::Approved
            } else {
                JoinState::Declined
            };
            let (kind, id) = d.by.parts();
            tx.prepare_cached(
                "UPDATE join_requests SET state = ?2, decided_at = ?3, decided_by_kind = ?4, \
                 decided_by_id = ?5 WHERE id = ?1",
            )?
            .execute(params![
                request.id.0 as i64,
                state.as_str(),
                ts(d.at),
                kind,
                id
            ])?;
            let request = JoinRequest { state, ..request };
            Ok(if d.approve {
                DecideOutcome::Approved(request)
            } else {
                DecideOutcome::Declined(request)
            })
        })
    }

    fn guardianship_log(&self, person: PersonId) -> StoreFuture<'_, Vec<GuardianshipEvent>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, actor_kind, actor_id, action, details, at FROM guardianship_log \
                 WHERE person_id = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([person.0], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, kind, actor, action, details, at) = row?;
                out.push(GuardianshipEvent {
                    id,
                    actor: Guardian::from_parts(&kind, actor)?,
                    action: GuardianshipAction::parse(&action)
                        .ok_or(StoreError::Corrupt("guardianship action"))?,
                    person,
                    details,
                    at: from_ts(at)?,
                });
            }
            Ok(out)
        })
    }

    fn guardians_of(&self, dependent: PersonId) -> StoreFuture<'_, Vec<Guardian>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT guardian_kind, guardian_id FROM guardianships \
                 WHERE dependent_id = ?1 AND removed_at IS NULL ORDER BY created_at, id",
            )?;
            let rows = stmt.query_map(params![dependent.0], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?;
            let mut out = Vec::new();
            for row in rows {
                out.push(match row? {
                    (k, id) if k == "person" => Guardian::Person(PersonId(id)),
                    (k, id) if k == "institution" => Guardian::Institution(AccountId(id)),
                    _ => return Err(StoreError::Corrupt("guardian_kind")),
                });
            }
            Ok(out)
        })
    }

    fn dependent(&self, guardian: Guardian, code: CodeId) -> StoreFuture<'_, Option<Dependent>> {
        self.read(move |c| {
            Ok(load_dependents(c, guardian)?
                .into_iter()
                .find(|d| d.person.code.is_some_and(|k| k.code_id == code)))
        })
    }

    fn codes_snapshot(
        &self,
        own: Option<PersonId>,
        guardian: Guardian,
    ) -> StoreFuture<'_, CodesSnapshot> {
        self.read(move |c| load_snapshot(c, own, guardian))
    }

    fn active_controls(&self, person: PersonId) -> StoreFuture<'_, Vec<ActiveControl>> {
        self.read(move |c| load_controls(c, person))
    }

    fn impose_control(
        &self,
        person: PersonId,
        control: Control,
        audit: AuditEntry,
    ) -> StoreFuture<'_, ImposeOutcome> {
        self.write(move |tx| {
            let active = load_controls(tx, person)?;
            if active.iter().any(|a| a.control.reason == control.reason) {
                return Ok(ImposeOutcome::AlreadyActive);
            }
            tx.prepare_cached(
                "INSERT INTO controls (person_id, reason, executor, district, imposed_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                person.0,
                enum_text(&control.reason),
                serde_json::to_string(&control.executor).map_err(backend)?,
                control.district,
                ts(audit.at)
            ])?;
            touch_status(tx, person, audit.at)?;
            let audit_id = append_audit(tx, &audit)?;
            Ok(ImposeOutcome::Imposed { audit_id })
        })
    }

    fn release_control(
        &self,
        person: PersonId,
        reason: ControlReason,
        audit: AuditEntry,
    ) -> StoreFuture<'_, ReleaseOutcome> {
        self.write(move |tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE controls SET released_at = ?3 WHERE person_id = ?1 AND reason = ?2 \
                     AND released_at IS NULL",
                )?
                .execute(params![person.0, enum_text(&reason), ts(audit.at)])?;
            if n == 0 {
                return Ok(ReleaseOutcome::NotActive);
            }
            touch_status(tx, person, audit.at)?;
            let audit_id = append_audit(tx, &audit)?;
            Ok(ReleaseOutcome::Released { audit_id })
        })
    }

    fn hand_over_control(
        &self,
        person: PersonId,
        reason: ControlReason,
        executor: Executor,
        audit: AuditEntry,
    ) -> StoreFuture<'_, HandOverOutcome> {
        self.write(move |tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE controls SET executor = ?3 WHERE person_id = ?1 AND reason = ?2 \
                     AND released_at IS NULL",
                )?
                .execute(params![
                    person.0,
                    enum_text(&reason),
                    serde_json::to_string(&executor).map_err(backend)?
                ])?;
            if n == 0 {
                return Ok(HandOverOutcome::NotActive);
            }
            let audit_id = append_audit(tx, &audit)?;
            Ok(HandOverOutcome::HandedOver { audit_id })
        })
    }

    fn audit_log(&self, person: PersonId) -> StoreFuture<'_, Vec<AuditRecord>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, at, actor, action, person_id, reason, before, after FROM audit_log \
                 WHERE person_id = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([person.0], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, at, actor, action, person, reason, before, after) = row?;
                out.push(AuditRecord {
                    id,
                    entry: AuditEntry {
                        actor,
                        action,
                        person: PersonId(person),
                        reason: enum_from(&reason, "reason")?,
                        before,
                        after,
                        at: from_ts(at)?,
                    },
                });
            }
            Ok(out)
        })
    }

    fn create_challenge(&self, ch: Challenge) -> StoreFuture<'_, ()> {
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO challenges (id, nonce, doc_key, doc_kind, masked_document, \
                 masked_name, birth_date, expires_at, name_key) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                ch.id,
                ch.nonce.to_vec(),
                ch.person.doc_key.0.to_vec(),
                enum_text(&ch.person.document_kind),
                ch.person.masked_document,
                ch.person.masked_name,
                ch.person.birth_date.map(date_text),
                ts(ch.expires_at),
                ch.person.name_key.map(|k| k.0.to_vec())
            ])?;
            Ok(())
        })
    }

    fn take_challenge(&self, id: String, at: OffsetDateTime) -> StoreFuture<'_, TakeChallenge> {
        self.write(move |tx| {
            let row = tx
                .prepare_cached(
                    "SELECT nonce, doc_key, doc_kind, masked_document, masked_name, birth_date, \
                     expires_at, used_at, name_key FROM challenges WHERE id = ?1",
                )?
                .query_row([&id], |r| {
                    Ok((
                        r.get::<_, Vec<u8>>(0)?,
                        r.get::<_, Vec<u8>>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, i64>(6)?,
                        r.get::<_, Option<i64>>(7)?,
                        r.get::<_, Option<Vec<u8>>>(8)?,
                    ))
                })
                .optional()?;
            let Some((nonce, doc_key, kind, masked_document, masked_name, birth, exp, used, name)) =
                row
            else {
                return Ok(TakeChallenge::NotFound);
            };
            if used.is_some() {
                return Ok(TakeChallenge::AlreadyUsed);
            }
            tx.prepare_cached("UPDATE challenges SET used_at = ?2 WHERE id = ?1")?
                .execute(params![id, ts(at)])?;
            let expires_at = from_ts(exp)?;
            if at >= expires_at {
                return Ok(TakeChallenge::Expired);
            }
            Ok(TakeChallenge::Open(Box::new(Challenge {
                id,
                nonce: blob32(nonce, "nonce")?,
                person: PersonFacts {
                    doc_key: DocKey(blob32(doc_key, "doc_key")?),
                    document_kind: enum_from(&kind, "doc_kind")?,
                    masked_document,
                    masked_name,
                    name_key: name
                        .map(|k| blob32(k, "name_key").map(NameKey))
                        .transpose()?,
                    birth_date: birth.as_deref().map(date_from).transpose()?,
                    residence_district: None,
                },
                expires_at,
            })))
        })
    }

    fn record_face_failure(&self, doc: DocKey, at: OffsetDateTime) -> StoreFuture<'_, ()> {
        self.write(move |tx| {
            tx.prepare_cached("INSERT INTO face_failures (doc_key, at) VALUES (?1, ?2)")?
                .execute(params![doc.0.to_vec(), ts(at)])?;
            Ok(())
        })
    }

    fn face_failures_since(&self, doc: DocKey, since: OffsetDateTime) -> StoreFuture<'_, u32> {
        self.read(move |c| {
            Ok(c.prepare_cached(
                "SELECT count(*) FROM face_failures WHERE doc_key = ?1 AND at >= ?2",
            )?
            .query_row(params![doc.0.to_vec(), ts(since)], |r| r.get(0))?)
        })
    }

    fn create_session(&self, s: NewSession) -> StoreFuture<'_, SessionRecord> {
        self.write(move |tx| {
            tx.prepare_cached(
                "UPDATE sessions SET ended_at = ?2, end_reason = 'signed_in_elsewhere' \
                 WHERE person_id = ?1 AND ended_at IS NULL",
            )?
            .execute(params![s.person.0, ts(s.at)])?;
            tx.prepare_cached(
                "INSERT INTO sessions (person_id, device_key, access_hash, access_expires_at, \
                 refresh_hash, refresh_expires_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                s.person.0,
                s.device_key.to_vec(),
                s.access.0.to_vec(),
                ts(s.access_expires_at),
                s.refresh.0.to_vec(),
                ts(s.refresh_expires_at),
                ts(s.at)
            ])?;
            Ok(SessionRecord {
                id: SessionId(tx.last_insert_rowid()),
                person: s.person,
                device_key: s.device_key,
                access_expires_at: from_ts(ts(s.access_expires_at))?,
                refresh_expires_at: from_ts(ts(s.refresh_expires_at))?,
                ended: None,
            })
        })
    }

    fn session_by_access(&self, access: TokenHash) -> StoreFuture<'_, Option<SessionRecord>> {
        self.read(move |c| load_session(c, access))
    }

    fn resident_codes(
        &self,
        access: TokenHash,
    ) -> StoreFuture<'_, Option<(SessionRecord, CodesSnapshot)>> {
        self.read(move |c| {
            let Some(session) = load_session(c, access)? else {
                return Ok(None);
            };
            let person = session.person;
            let snapshot = load_snapshot(c, Some(person), Guardian::Person(person))?;
            Ok(Some((session, snapshot)))
        })
    }

    fn rotate_refresh(
        &self,
        refresh: TokenHash,
        next: TokenPair,
        at: OffsetDateTime,
    ) -> StoreFuture<'_, RefreshOutcome> {
        self.write(move |tx| {
            let used: Option<i64> = tx
                .prepare_cached("SELECT session_id FROM used_refresh_tokens WHERE hash = ?1")?
                .query_row([refresh.0.to_vec()], |r| r.get(0))
                .optional()?;
            if let Some(session) = used {
                // A refresh token came back: someone holds a copy. End it all.
                tx.prepare_cached(
                    "UPDATE sessions SET ended_at = ?2, end_reason = 'refresh_token_reused' \
                     WHERE id = ?1 AND ended_at IS NULL",
                )?
                .execute(params![session, ts(at)])?;
                return Ok(RefreshOutcome::Reused);
            }
            let session = tx
                .prepare_cached(&format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions WHERE refresh_hash = ?1"
                ))?
                .query_row([refresh.0.to_vec()], session_from_row)
                .optional()?
                .transpose()?;
            let Some(session) = session else {
                return Ok(RefreshOutcome::Unknown);
            };
            if let Some(end) = session.ended {
                return Ok(RefreshOutcome::Ended(end));
            }
            if at >= session.refresh_expires_at {
                return Ok(RefreshOutcome::Expired);
            }
            tx.prepare_cached(
                "INSERT INTO used_refresh_tokens (hash, session_id) VALUES (?1, ?2)",
            )?
            .execute(params![refresh.0.to_vec(), session.id.0])?;
            tx.prepare_cached(
                "UPDATE sessions SET access_hash = ?2, access_expires_at = ?3, refresh_hash = ?4, \
                 refresh_expires_at = ?5 WHERE id = ?1",
            )?
            .execute(params![
                session.id.0,
                next.access.0.to_vec(),
                ts(next.access_expires_at),
                next.refresh.0.to_vec(),
                ts(next.refresh_expires_at)
            ])?;
            Ok(RefreshOutcome::Rotated(SessionRecord {
                access_expires_at: from_ts(ts(next.access_expires_at))?,
                refresh_expires_at: from_ts(ts(next.refresh_expires_at))?,
                ..session
            }))
        })
    }

    fn end_session(
        &self,
        session: SessionId,
        why: SessionEnd,
        at: OffsetDateTime,
    ) -> StoreFuture<'_, ()> {
        self.write(move |tx| {
            tx.prepare_cached(
                "UPDATE sessions SET ended_at = ?2, end_reason = ?3 WHERE id = ?1 AND ended_at IS NULL",
            )?
            .execute(params![session.0, ts(at), why.as_str()])?;
            Ok(())
        })
    }

    fn create_account(&self, a: NewAccount) -> StoreFuture<'_, Account> {
        self.write(move |tx| {
            let (kind, role) = match a.kind {
                AccountKind::Authority(role) => ("authority", enum_text(&role)),
                AccountKind::Institution(rel) => ("institution", enum_text(&rel)),
                AccountKind::Checkpoint => ("checkpoint", "checkpoint".to_owned()),
            };
            tx.prepare_cached(
                "INSERT INTO accounts (kind, role, organisation, district, display_name, \
                 token_hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                kind,
                role,
                a.organisation,
                a.district,
                a.display_name,
                a.token.0.to_vec(),
                ts(a.at),
                ts(a.expires_at)
            ])?;
            Ok(Account {
                id: AccountId(tx.last_insert_rowid()),
                kind: a.kind,
                organisation: a.organisation,
                district: a.district,
                display_name: a.display_name,
                created_at: from_ts(ts(a.at))?,
                expires_at: from_ts(ts(a.expires_at))?,
                revoked_at: None,
            })
        })
    }

    fn account_by_token(&self, token: TokenHash) -> StoreFuture<'_, Option<AccountToken>> {
        self.read(move |c| {
            let found = c
                .prepare_cached(&format!(
                    "SELECT {ACCOUNT_COLUMNS}, \
                     CASE WHEN token_hash = ?1 THEN expires_at ELSE previous_token_until END \
                     FROM accounts WHERE token_hash = ?1 OR previous_token_hash = ?1"
                ))?
                .query_row([token.0.to_vec()], |r| {
                    Ok((account_from_row(r)?, r.get::<_, Option<i64>>(9)?))
                })
                .optional()?;
            let Some((account, until)) = found else {
                return Ok(None);
            };
            Ok(Some(AccountToken {
                account: account?,
                token_expires_at: from_ts(until.ok_or(StoreError::Corrupt("token expiry"))?)?,
            }))
        })
    }

    fn accounts(&self) -> StoreFuture<'_, Vec<Account>> {
        self.read(move |c| {
            c.prepare_cached(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY id"
            ))?
            .query_map([], account_from_row)?
            .map(|r| r.map_err(StoreError::from).and_then(|a| a))
            .collect()
        })
    }

    fn rotate_account_token(&self, r: TokenRotation) -> StoreFuture<'_, RotateOutcome> {
        self.write(move |tx| {
            let Some(account) = account_by_id(tx, r.account)? else {
                return Ok(RotateOutcome::NotFound);
            };
            if account.revoked_at.is_some() {
                return Ok(RotateOutcome::Revoked);
            }
            tx.prepare_cached(
                "UPDATE accounts SET previous_token_hash = token_hash, \
                 previous_token_until = min(expires_at, ?2), token_hash = ?3, expires_at = ?4 \
                 WHERE id = ?1",
            )?
            .execute(params![
                r.account.0,
                ts(r.old_valid_until),
                r.token.0.to_vec(),
                ts(r.expires_at)
            ])?;
            let account = account_by_id(tx, r.account)?.ok_or(StoreError::Corrupt("account"))?;
            Ok(RotateOutcome::Rotated(account))
        })
    }

    fn revoke_account(&self, id: AccountId, at: OffsetDateTime) -> StoreFuture<'_, RevokeOutcome> {
        self.write(move |tx| {
            let Some(account) = account_by_id(tx, id)? else {
                return Ok(RevokeOutcome::NotFound);
            };
            if account.revoked_at.is_some() {
                return Ok(RevokeOutcome::AlreadyRevoked);
            }
            tx.prepare_cached("UPDATE accounts SET revoked_at = ?2 WHERE id = ?1")?
                .execute(params![id.0, ts(at)])?;
            let account = account_by_id(tx, id)?.ok_or(StoreError::Corrupt("account"))?;
            Ok(RevokeOutcome::Revoked(account))
        })
    }

    fn authority_by_organisation(&self, organisation: String) -> StoreFuture<'_, Option<Account>> {
        self.read(move |c| {
            c.prepare_cached(&format!(
                "SELECT {ACCOUNT_COLUMNS} FROM accounts \
                 WHERE kind = 'authority' AND organisation = ?1 ORDER BY id LIMIT 1"
            ))?
            .query_row([organisation], account_from_row)
            .optional()?
            .transpose()
        })
    }

    fn record_declaration(&self, d: Declaration) -> StoreFuture<'_, i64> {
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO declarations (person_id, declared_by, symptoms, travel, at, district) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                d.person.0,
                d.declared_by,
                d.symptoms,
                d.travel,
                ts(d.at),
                d.district
            ])?;
            Ok(tx.last_insert_rowid())
        })
    }

    fn symptom_declarations(
        &self,
        district_prefix: String,
        since: OffsetDateTime,
    ) -> StoreFuture<'_, Vec<SymptomRecord>> {
        self.read(move |c| {
            let sql = format!(
                "SELECT {}, d.id, d.declared_by, d.symptoms, d.travel, d.at, d.district \
                 FROM declarations d JOIN people p ON p.id = d.person_id \
                 WHERE d.symptoms <> '[]' AND d.at >= ?2 AND substr(d.district, 1, length(?1)) = ?1 \
                 ORDER BY d.at DESC, d.id DESC",
                PERSON_COLUMNS
                    .split(", ")
                    .map(|c| format!("p.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![district_prefix, ts(since)], |r| {
                Ok((
                    person_from_row(r)?,
                    r.get::<_, i64>(PERSON_WIDTH)?,
                    r.get::<_, String>(PERSON_WIDTH + 1)?,
                    r.get::<_, String>(PERSON_WIDTH + 2)?,
                    r.get::<_, Option<String>>(PERSON_WIDTH + 3)?,
                    r.get::<_, i64>(PERSON_WIDTH + 4)?,
                    r.get::<_, Option<String>>(PERSON_WIDTH + 5)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (person, id, declared_by, symptoms, travel, at, district) = row?;
                let person = person?;
                out.push(SymptomRecord {
                    id,
                    declaration: Declaration {
                        person: person.id,
                        declared_by,
                        symptoms,
                        travel,
                        at: from_ts(at)?,
                        district,
                    },
                    person,
                });
            }
            Ok(out)
        })
    }

    fn claim_idempotency_key(
        &self,
        scope: [u8; 32],
        key: String,
        request_hash: [u8; 32],
        at: OffsetDateTime,
    ) -> StoreFuture<'_, IdempotencyClaim> {
        self.write(move |tx| {
            let row = tx
                .prepare_cached(
                    "SELECT request_hash, status, body, created_at FROM idempotency \
                     WHERE scope = ?1 AND key = ?2",
                )?
                .query_row(params![scope.to_vec(), key], |r| {
                    Ok((
                        r.get::<_, Vec<u8>>(0)?,
                        r.get::<_, u16>(1)?,
                        r.get::<_, Vec<u8>>(2)?,
                        r.get::<_, i64>(3)?,
                    ))
                })
                .optional()?;
            let stale = ts(at - IDEMPOTENCY_CLAIM_TIMEOUT);
            match row {
                // Claimed or applied, not finished: the first attempt is
                // still running.
                Some((hash, CLAIM_OPEN | CLAIM_APPLIED, _, created)) if created > stale => {
                    Ok(IdempotencyClaim::InFlight {
                        request_hash: blob32(hash, "request_hash")?,
                    })
                }
                // Its effect committed, and it never answered (a crash).
                Some((hash, CLAIM_APPLIED, _, _)) => Ok(IdempotencyClaim::Applied {
                    request_hash: blob32(hash, "request_hash")?,
                }),
                Some((hash, status, body, _)) if status != CLAIM_OPEN => {
                    Ok(IdempotencyClaim::Done(StoredResponse {
                        request_hash: blob32(hash, "request_hash")?,
                        status,
                        body,
                    }))
                }
                // Free, or claimed by a request that died before any
                // effect: taken over.
                _ => {
                    tx.prepare_cached(
                        "INSERT INTO idempotency (scope, key, request_hash, status, body, created_at) \
                         VALUES (?1, ?2, ?3, 0, x'', ?4) \
                         ON CONFLICT (scope, key) DO UPDATE SET request_hash = ?3, created_at = ?4",
                    )?
                    .execute(params![scope.to_vec(), key, request_hash.to_vec(), ts(at)])?;
                    Ok(IdempotencyClaim::Claimed)
                }
            }
        })
    }

    fn complete_idempotency_key(
        &self,
        scope: [u8; 32],
        key: String,
        response: StoredResponse,
    ) -> StoreFuture<'_, ()> {
        self.write(move |tx| {
            tx.prepare_cached(
                "UPDATE idempotency SET status = ?3, body = ?4 \
                 WHERE scope = ?1 AND key = ?2 AND status IN (?6, ?7) AND request_hash = ?5",
            )?
            .execute(params![
                scope.to_vec(),
                key,
                response.status,
                response.body,
                response.request_hash.to_vec(),
                CLAIM_OPEN,
                CLAIM_APPLIED
            ])?;
            Ok(())
        })
    }

    fn purge_expired(&self, c: PurgeCutoffs) -> StoreFuture<'_, Purged> {
        self.write(move |tx| {
            Ok(Purged {
                challenges: tx
                    .prepare_cached("DELETE FROM challenges WHERE expires_at < ?1")?
                    .execute([ts(c.challenges_expired_before)])? as u64,
                idempotency_rows: tx
                    .prepare_cached("DELETE FROM idempotency WHERE created_at < ?1")?
                    .execute([ts(c.idempotency_created_before)])?
                    as u64,
                face_failures: tx
                    .prepare_cached("DELETE FROM face_failures WHERE at < ?1")?
                    .execute([ts(c.face_failures_before)])? as u64,
            })
        })
    }

    fn abandon_idempotency_key(&self, scope: [u8; 32], key: String) -> StoreFuture<'_, ()> {
        self.write(move |tx| {
            tx.prepare_cached(
                "DELETE FROM idempotency WHERE scope = ?1 AND key = ?2 AND status = ?3",
            )?
            .execute(params![scope.to_vec(), key, CLAIM_OPEN])?;
            Ok(())
        })
    }

    fn issuer_keys(&self) -> StoreFuture<'_, Vec<IssuerKeyRecord>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT key_id, public_key, not_before, not_after FROM issuer_keys ORDER BY key_id",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, u8>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (key_id, public_key, nb, na) = row?;
                out.push(IssuerKeyRecord {
                    key_id,
                    public_key: blob32(public_key, "public_key")?,
                    not_before: from_ts(nb)?,
                    not_after: from_ts(na)?,
                });
            }
            Ok(out)
        })
    }

    fn put_issuer_key(&self, key: IssuerKeyRecord) -> StoreFuture<'_, ()> {
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO issuer_keys (key_id, public_key, not_before, not_after) \
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT(key_id) DO UPDATE SET \
                 public_key = excluded.public_key, not_before = excluded.not_before, \
                 not_after = excluded.not_after",
                params![
                    key.key_id,
                    key.public_key.to_vec(),
                    ts(key.not_before),
                    ts(key.not_after)
                ],
            )?;
            bump_sequence(tx)
        })
    }

    fn trusted_issuers(&self) -> StoreFuture<'_, Vec<(u16, String)>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT issuer_id, entry FROM trusted_issuers ORDER BY issuer_id",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, u16>(0)?, r.get::<_, String>(1)?)))?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn put_trusted_issuer(&self, issuer: u16, entry_json: String) -> StoreFuture<'_, ()> {
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO trusted_issuers (issuer_id, entry) VALUES (?1, ?2) \
                 ON CONFLICT(issuer_id) DO UPDATE SET entry = excluded.entry",
                params![issuer, entry_json],
            )?;
            bump_sequence(tx)
        })
    }

    fn trust_sequence(&self) -> StoreFuture<'_, u64> {
        self.read(|c| {
            Ok(
                c.prepare_cached("SELECT value FROM meta WHERE name = 'trust_sequence'")?
                    .query_row([], |r| r.get::<_, i64>(0))? as u64,
            )
        })
    }

    /// The reader connections (the one writer is always open and not
    /// counted): SQLite's equivalent of a pool.
    fn pool_status(&self) -> Option<PoolStatus> {
        Some(PoolStatus {
            size: READERS,
            available: self.inner.read_permits.available_permits(),
            max_size: READERS,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database migrated step by step has exactly the schema of a fresh one.
    #[test]
    fn migrating_gives_the_schema_of_a_fresh_database() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("a.db")).unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), MIGRATIONS.len() as u32);
        // Running again changes nothing.
        assert_eq!(migrate(&mut conn).unwrap(), MIGRATIONS.len() as u32);
        let version: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len() as u32);
    }

    /// An account from before tokens expired (schema 2) gets the default
    /// 90 days from the upgrade, not an instant expiry or none at all.
    #[tokio::test]
    async fn an_account_from_before_expiry_gets_ninety_days_from_the_upgrade() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.execute_batch(MIGRATIONS[1]).unwrap();
            conn.pragma_update(None, "user_version", 2).unwrap();
            conn.execute(
                "INSERT INTO accounts (kind, role, organisation, district, display_name, \
                 token_hash, created_at) VALUES ('checkpoint', 'checkpoint', 'gate', '440106', \
                 'gate', ?1, 0)",
                [vec![9u8; 32]],
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let found = store
            .account_by_token(TokenHash([9; 32]))
            .await
            .unwrap()
            .unwrap();
        let left = found.token_expires_at - OffsetDateTime::now_utc();
        assert!(
            left > time::Duration::days(89) && left <= time::Duration::days(90),
            "{left}"
        );
        assert_eq!(found.account.revoked_at, None);
    }

    /// A database a newer server has written is refused, and left as it was.
    #[test]
    fn a_database_from_a_newer_server_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("newer.db");
        let mut conn = Connection::open(&path).unwrap();
        migrate(&mut conn).unwrap();
        let newer = MIGRATIONS.len() as u32 + 1;
        conn.pragma_update(None, "user_version", newer).unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(
            matches!(err, StoreError::NewerSchema { found, known }
                if found == newer && known == MIGRATIONS.len() as u32),
            "{err:?}"
        );
        drop(conn);
        assert!(matches!(
            SqliteStore::open(&path),
            Err(StoreError::NewerSchema { .. })
        ));
        let conn = Connection::open(&path).unwrap();
        let version: u32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, newer);
    }
}
