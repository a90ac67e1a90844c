//! What an instance is (which issuer) and its policy.

use std::path::PathBuf;
use std::time::Duration as StdDuration;

use ed25519_dalek::SigningKey;
use suikang_protocol::{ColorScheme, IssuerEntry, IssuerId, Rgb};
use time::Duration;

/// The issuer this instance plays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuerProfile {
    pub id: IssuerId,
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
    pub colors: ColorScheme,
}

impl IssuerProfile {
    /// 穗康码, issuer 1.
    pub fn suikang() -> IssuerProfile {
        IssuerProfile {
            id: IssuerId(1),
            slug: "suikang".into(),
            name_zh: "穗康码".into(),
            name_en: "Suikang code".into(),
            colors: ColorScheme::SUIKANG,
        }
    }

    /// 粤康码, issuer 2.
    pub fn yuekang() -> IssuerProfile {
        IssuerProfile {
            id: IssuerId(2),
            slug: "yuekang".into(),
            name_zh: "粤康码".into(),
            name_en: "Yuekang code".into(),
            colors: ColorScheme {
                red: Rgb([0xE0, 0x3C, 0x31]),
                blue: Rgb([0x21, 0x5F, 0xC8]),
                green: Rgb([0x0E, 0x9F, 0x5A]),
            },
        }
    }
}

/// The tunable rules (defaults from the issue and DESIGN §4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// A device-bound credential's validity; re-issued past half of it.
    pub credential_validity: Duration,
    /// A printed credential's validity (问题五).
    pub printed_validity: Duration,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub challenge_ttl: Duration,
    /// Failed face checks per document in `face_failure_window` that lock login.
    pub face_failure_limit: u32,
    pub face_failure_window: Duration,
    /// How many dependents a relative may hold; institutions are not limited.
    pub max_relative_dependents: u32,
    /// Largest request body, in bytes.
    pub body_limit: usize,
    /// Login starts each client address may make: a burst, then one per
    /// period (a challenge costs the attacker nothing, the server a row).
    pub login_start_limit: crate::rate_limit::RateLimit,
    /// How long an authority's, institution's or checkpoint's token works
    /// (issue 12: a leaked account token must not work for ever).
    pub account_token_lifetime: Duration,
    /// How long a rotated account token keeps working beside its
    /// replacement, so the client switches without downtime.
    pub account_token_grace: Duration,
    /// Connection cap and timeouts (issue 12, finding 4: slowloris).
    pub connection_limits: ConnectionLimits,
    /// Load balancers whose `X-Forwarded-For` names the client for the
    /// per-client rate limit; from anyone else the header is ignored.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// How long an idempotency key's answer is kept for retries: longer
    /// than a phone stays offline with a queued action.
    pub idempotency_retention: Duration,
    /// How often expired challenges, idempotency rows and face failures
    /// are deleted.
    pub housekeeping_interval: StdDuration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            credential_validity: Duration::hours(24),
            printed_validity: Duration::days(7),
            access_token_ttl: Duration::hours(1),
            refresh_token_ttl: Duration::days(30),
            challenge_ttl: Duration::minutes(5),
            face_failure_limit: 5,
            face_failure_window: Duration::hours(1),
            max_relative_dependents: 10,
            body_limit: 16 * 1024,
            login_start_limit: crate::rate_limit::RateLimit {
                burst: 30,
                period: std::time::Duration::from_secs(2),
            },
            account_token_lifetime: Duration::days(90),
            account_token_grace: Duration::days(7),
            connection_limits: ConnectionLimits::default(),
            trusted_proxies: Vec::new(),
            idempotency_retention: Duration::days(7),
            housekeeping_interval: StdDuration::from_secs(3600),
        }
    }
}

impl Policy {
    /// The longest validity of any credential this server signs: how long a
    /// retired key must stay in the trust list.
    pub fn longest_validity(&self) -> Duration {
        self.credential_validity.max(self.printed_validity)
    }
}

/// Connection and request limits. The defaults are for a city deployment
/// behind a load balancer (nginx, a cloud LB): it sends a request's headers
/// and small JSON body at once, and keeps idle connections to each replica
/// for about a minute (nginx's upstream keepalive, a cloud LB's 60 s idle
/// timeout), so this side's idle timeout is longer than that (a replica
/// closing first makes the LB answer 502). A phone reaching the server
/// directly on a poor mobile link still gets its few kilobytes through in
/// seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// From accepting a connection, or from the first byte of a kept-alive
    /// connection's next request, to the end of the request's headers.
    pub header_read_timeout: StdDuration,
    /// How long a kept-alive connection may wait for its next request.
    pub idle_timeout: StdDuration,
    /// Reading a request's body, from the end of its headers.
    pub body_read_timeout: StdDuration,
    /// The whole request, from the end of its headers to the response.
    pub request_timeout: StdDuration,
    /// Connections served at once; one more is answered 503 `server_busy`
    /// with `Retry-After` and closed (a load balancer then tries another
    /// replica), not queued.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: StdDuration::from_secs(10),
            idle_timeout: StdDuration::from_secs(75),
            body_read_timeout: StdDuration::from_secs(10),
            request_timeout: StdDuration::from_secs(30),
            // Within the default soft limit of 1024 open files, with room
            // for the database and the PostgreSQL pool.
            max_connections: 512,
        }
    }
}

/// Where a key comes from.
#[derive(Clone, Debug, Default)]
pub enum KeySource {
    /// Created on first start under the data directory (0600), then loaded.
    #[default]
    InDataDir,
    /// A hex secret in this file.
    File(PathBuf),
    /// Given in process (tests, two instances sharing one root).
    Given(SigningKey),
}

/// Who signs the trust list the server serves (issue 12: the root key is
/// not on a running server).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TrustSigning {
    /// This server, with `root_key`, at every change of keys or trusted
    /// issuers: in-process instances (tests, the CLI demo) and the command
    /// line's `--dev-root-key` / `--root-key FILE`. Development only.
    #[default]
    Here,
    /// The root key's holder, offline (`sign-trust-list`): the server serves
    /// `DATA/trust-list.json` as is and refuses to start without it. The
    /// command line's default.
    Offline,
}

/// Everything needed to start an instance.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub data_dir: PathBuf,
    pub issuer: IssuerProfile,
    pub policy: Policy,
    /// Used only when `trust_signing` is [`TrustSigning::Here`].
    pub root_key: KeySource,
    pub trust_signing: TrustSigning,
    pub issuer_key: KeySource,
    /// Other issuers to trust, put in the trust list at start.
    pub trusted_issuers: Vec<IssuerEntry>,
    /// The face vendor whose results log people in; `None` refuses to
    /// serve (the admin commands need none).
    pub face_vendor: Option<FaceVendorSetting>,
    /// A `postgres://` URL: the database replicas share. `None`: SQLite
    /// under `data_dir` (the embedded default).
    pub database_url: Option<String>,
    /// Connections to PostgreSQL this replica keeps at most.
    pub database_pool_size: usize,
    /// Serve `/metrics` on this address alone (a port only the scraper
    /// reaches); `None`: on the API's port with everything else.
    pub metrics_listen: Option<std::net::SocketAddr>,
}

/// Which face vendor's signed results the server accepts (问题四).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaceVendorSetting {
    /// `--dev-face-simulator`: the simulator, with a random key per start;
    /// development and tests only.
    DevSimulator,
    /// A real vendor: its id and its result-signing public key.
    External { id: String, result_key: [u8; 32] },
}

impl ServerConfig {
    pub fn new(data_dir: impl Into<PathBuf>, issuer: IssuerProfile) -> ServerConfig {
        ServerConfig {
            data_dir: data_dir.into(),
            issuer,
            policy: Policy::default(),
            root_key: KeySource::InDataDir,
            trust_signing: TrustSigning::Here,
            issuer_key: KeySource::InDataDir,
            trusted_issuers: Vec::new(),
            face_vendor: None,
            database_url: None,
            database_pool_size: crate::store::postgres::DEFAULT_POOL_SIZE,
            metrics_listen: None,
        }
    }
}
