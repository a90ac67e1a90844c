//! `suikang-server`: run the issuing server, or administer its data
//! directory offline.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use suikang_protocol::{
    AuthorityRole, ColorScheme, IssuerEntry, IssuerId, IssuerKey, KeyId, Relationship,
};
use suikang_server::config::{
    ConnectionLimits, FaceVendorSetting, IssuerProfile, KeySource, Policy, ServerConfig,
    TrustSigning,
};
use suikang_server::run::{PROFILE_FILE, ProfileFile, open_issuer, start};
use suikang_server::store::{AccountId, AccountKind};
use suikang_server::{admin, keys, trust_file};
use time::OffsetDateTime;

#[derive(Parser)]
#[command(
    name = "suikang-server",
    version,
    about = "The Suikang (穗康码) reference issuing server"
)]
struct Cli {
    /// Data directory: database and keys (created on first start).
    #[arg(long, global = true, env = "SUIKANG_DATA", default_value = ".suikang")]
    data: PathBuf,
    /// Address to listen on.
    #[arg(long, env = "SUIKANG_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Serve Prometheus `/metrics` on this address alone (one only the
    /// scraper reaches); without it, on --listen beside the API.
    #[arg(long, env = "SUIKANG_METRICS_LISTEN")]
    metrics_listen: Option<SocketAddr>,
    /// Log lines as text (colour when stderr is a terminal) or as JSON
    /// objects, one a line, for a log collector. Levels: RUST_LOG.
    #[arg(long, global = true, env = "SUIKANG_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// On SIGTERM or SIGINT, seconds to let requests in flight finish
    /// before stopping without them (and exiting 1).
    #[arg(long, env = "SUIKANG_SHUTDOWN_GRACE_SECONDS", default_value_t = 30)]
    shutdown_grace_seconds: u64,
    /// PostgreSQL to keep everything in (`postgres://user:pass@host/db`),
    /// shared by every replica; without it, SQLite under --data.
    #[arg(
        long,
        global = true,
        env = "SUIKANG_DATABASE_URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
    /// Connections each replica keeps to PostgreSQL: replicas × this stays
    /// under the server's max_connections; a few per database core is
    /// plenty (SCALING.md).
    #[arg(long, global = true, env = "SUIKANG_DATABASE_POOL_SIZE",
        default_value_t = suikang_server::store::postgres::DEFAULT_POOL_SIZE as u16,
        value_parser = clap::value_parser!(u16).range(1..=1000))]
    database_pool_size: u16,
    #[command(flatten)]
    issuer: IssuerArgs,
    /// Root key file (hex), for `sign-trust-list` on the offline machine.
    /// Given to a running server, it signs its own trust list (development).
    #[arg(long, global = true, env = "SUIKANG_ROOT_KEY")]
    root_key: Option<PathBuf>,
    /// Keep a root key in DATA/keys/root.key (created if absent) and sign
    /// the trust list on this server: development, demos and tests only.
    /// Without it (or --root-key) the server serves DATA/trust-list.json as
    /// `sign-trust-list` wrote it, and refuses to start without one.
    #[arg(long, global = true, env = "SUIKANG_DEV_ROOT_KEY")]
    dev_root_key: bool,
    /// Issuer key file (hex); default: DATA/keys/issuer-N.key, created if absent.
    #[arg(long, env = "SUIKANG_ISSUER_KEY")]
    issuer_key: Option<PathBuf>,
    /// Run the face-vendor simulator in place of a real vendor. Anyone can
    /// get a "match" from it: development, demos and tests only.
    #[arg(
        long,
        env = "SUIKANG_DEV_FACE_SIMULATOR",
        conflicts_with = "face_vendor_id"
    )]
    dev_face_simulator: bool,
    /// The real face vendor's id, as its signed results name it
    /// (server/FACE_VENDOR.md).
    #[arg(long, env = "SUIKANG_FACE_VENDOR_ID", requires = "face_vendor_key")]
    face_vendor_id: Option<String>,
    /// The face vendor's result-signing Ed25519 public key (64 hex digits).
    #[arg(long, env = "SUIKANG_FACE_VENDOR_KEY", requires = "face_vendor_id", value_parser = parse_public_key)]
    face_vendor_key: Option<[u8; 32]>,
    /// Credential validity in hours.
    #[arg(long, env = "SUIKANG_CREDENTIAL_VALIDITY_HOURS", default_value_t = 24)]
    credential_validity_hours: i64,
    /// Printed credential validity in days.
    #[arg(long, env = "SUIKANG_PRINTED_VALIDITY_DAYS", default_value_t = 7)]
    printed_validity_days: i64,
    /// Failed face checks per document per hour that lock login.
    #[arg(long, env = "SUIKANG_FACE_FAILURE_LIMIT", default_value_t = 5)]
    face_failure_limit: u32,
    /// Seconds a login's face-check challenge stays open: the vendor's
    /// result must come back within it.
    #[arg(long, env = "SUIKANG_FACE_CHALLENGE_TTL_SECONDS", default_value_t = 300, value_parser = clap::value_parser!(i64).range(1..))]
    face_challenge_ttl_seconds: i64,
    /// Login starts one client address may make at once (then one more
    /// every 2 s): a challenge costs an attacker nothing and the server a
    /// row. Raise it for a test server that many test phones share.
    #[arg(long, env = "SUIKANG_LOGIN_START_BURST", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    login_start_burst: u32,
    /// Dependents a relative may hold.
    #[arg(long, env = "SUIKANG_MAX_RELATIVE_DEPENDENTS", default_value_t = 10)]
    max_relative_dependents: u32,
    /// A load balancer or proxy (CIDR, repeatable) whose X-Forwarded-For
    /// names the client for the per-client rate limit; from any other peer
    /// the header is ignored (a direct client cannot spoof its way out).
    #[arg(
        long = "trusted-proxy",
        env = "SUIKANG_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<ipnet::IpNet>,
    /// Days an idempotency key's answer is kept for retries (longer than a
    /// phone stays offline with a queued action); then it is deleted.
    #[arg(long, env = "SUIKANG_IDEMPOTENCY_RETENTION_DAYS", default_value_t = 7,
          value_parser = clap::value_parser!(i64).range(1..=365))]
    idempotency_retention_days: i64,
    /// Seconds between housekeeping passes (expired challenges, old
    /// idempotency answers and face failures deleted; safe on every replica).
    #[arg(long, env = "SUIKANG_HOUSEKEEPING_INTERVAL_SECS", default_value_t = 3600,
          value_parser = clap::value_parser!(u64).range(1..))]
    housekeeping_interval_secs: u64,
    /// Seconds a client has to send a request's headers, from connecting
    /// or from the first byte after an idle spell (slowloris).
    #[arg(long, env = "SUIKANG_HEADER_READ_TIMEOUT_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    header_read_timeout_secs: u64,
    /// Seconds a kept-alive connection may wait for its next request: above
    /// the load balancer's idle timeout (60 s on the common ones).
    #[arg(long, env = "SUIKANG_IDLE_TIMEOUT_SECS", default_value_t = 75,
          value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout_secs: u64,
    /// Seconds a request's body may take to arrive (408 request_timeout).
    #[arg(long, env = "SUIKANG_BODY_READ_TIMEOUT_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    body_read_timeout_secs: u64,
    /// Seconds a whole request may take, body and answer (408).
    #[arg(long, env = "SUIKANG_REQUEST_TIMEOUT_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..))]
    request_timeout_secs: u64,
    /// Connections served at once; more are answered 503 server_busy with
    /// Retry-After and closed (the load balancer tries another replica).
    #[arg(long, env = "SUIKANG_MAX_CONNECTIONS", default_value_t = 512,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_connections: u64,
    /// Days an authority's, institution's or checkpoint's token works
    /// (given at create-* and rotate-account-token).
    #[arg(long, global = true, env = "SUIKANG_ACCOUNT_TOKEN_DAYS", default_value_t = 90,
          value_parser = clap::value_parser!(i64).range(1..=3650))]
    account_token_days: i64,
    /// Days a rotated account token keeps working beside its replacement
    /// (0: it stops at once), unless the account is revoked.
    #[arg(long, global = true, env = "SUIKANG_ACCOUNT_TOKEN_GRACE_DAYS", default_value_t = 7,
          value_parser = clap::value_parser!(i64).range(0..=90))]
    account_token_grace_days: i64,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(clap::Args)]
struct IssuerArgs {
    /// Issuer number in the trust list (1 Suikang, 2 Yuekang).
    #[arg(long, global = true, env = "SUIKANG_ISSUER_ID")]
    issuer_id: Option<u16>,
    /// The issuer's short name (default: from the issuer number).
    #[arg(long, global = true, env = "SUIKANG_SLUG")]
    slug: Option<String>,
    /// The issuer's name in Chinese.
    #[arg(long, global = true, env = "SUIKANG_NAME_ZH")]
    name_zh: Option<String>,
    /// The issuer's name in English.
    #[arg(long, global = true, env = "SUIKANG_NAME_EN")]
    name_en: Option<String>,
}

/// How log lines are written to stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Create an authority account; prints its token once.
    CreateAuthority {
        #[arg(long, value_parser = parse_role)]
        role: AuthorityRole,
        #[arg(long)]
        organisation: String,
        #[arg(long)]
        district: String,
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Create a residents'/village committee or property management account.
    CreateInstitution {
        #[arg(long, value_parser = parse_relationship)]
        kind: Relationship,
        #[arg(long)]
        organisation: String,
        #[arg(long)]
        district: String,
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Create a checkpoint account (a metro gate, an office, a school): its
    /// token asks the online check (`/v1/verify`) and nothing else; prints
    /// the token once.
    CreateCheckpoint {
        #[arg(long)]
        organisation: String,
        #[arg(long)]
        district: String,
        #[arg(long)]
        display_name: Option<String>,
    },
    /// List the authority, institution and checkpoint accounts: id, kind,
    /// organisation, district, created, expires, revoked (never a token).
    ListAccounts,
    /// Revoke an account: every token of it is refused from now on.
    RevokeAccount {
        /// The account's id (list-accounts).
        id: i64,
    },
    /// Give an account a new token (printed once); the old one keeps
    /// working for --account-token-grace-days, or until the account is
    /// revoked. Renews an expired account.
    RotateAccountToken {
        /// The account's id (list-accounts).
        id: i64,
    },
    /// Print the root public key (hex).
    RootKey,
    /// Create a root key (0600) at --out, on the offline machine; prints its
    /// public key. Never overwrites a key.
    NewRootKey {
        #[arg(long)]
        out: PathBuf,
    },
    /// Sign the trust list the store describes (our keys, trusted issuers)
    /// with --root-key FILE, offline, and write it for the servers to serve
    /// (default DATA/trust-list.json; DATA/trust-root.pub beside it).
    SignTrustList {
        #[arg(long)]
        out: Option<PathBuf>,
        /// Days the list stays fresh (its `not_after`): sign and publish the
        /// next one before then, or phones and gates warn that it expired.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=366))]
        valid_days: i64,
    },
    /// Print the signed trust list.
    TrustList,
    /// Trust another issuer's key.
    TrustIssuer {
        #[arg(long = "id")]
        id: u16,
        #[arg(long = "issuer-slug")]
        issuer_slug: String,
        #[arg(long = "issuer-name-zh")]
        issuer_name_zh: String,
        #[arg(long = "issuer-name-en")]
        issuer_name_en: String,
        #[arg(long)]
        key_id: u8,
        /// 64 hex digits.
        #[arg(long)]
        public_key: String,
        /// RFC 3339.
        #[arg(long)]
        not_before: String,
        /// RFC 3339.
        #[arg(long)]
        not_after: String,
    },
    /// Start signing with a new issuer key; the old one stays valid for the
    /// longest credential validity.
    RotateKey,
}

/// Creates an authority's, checkpoint's or institution's account (named after
/// its organisation unless given a display name) and prints its token, once.
async fn create_account(
    store: &dyn suikang_server::store::Store,
    policy: &Policy,
    kind: AccountKind,
    organisation: String,
    district: String,
    display_name: Option<String>,
    now: OffsetDateTime,
) -> Result<(), Box<dyn std::error::Error>> {
    let name = display_name.unwrap_or_else(|| organisation.clone());
    let (account, token) =
        admin::create_account(store, policy, kind, &organisation, &district, &name, now).await?;
    println!(
        "account {} created, its token works until {}; the token (shown once):\n{token}",
        account.id.0,
        rfc3339(account.expires_at)
    );
    Ok(())
}

fn rfc3339(t: OffsetDateTime) -> String {
    let t = t.replace_nanosecond(0).unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

fn account_kind(kind: AccountKind) -> String {
    let text = |v: serde_json::Value| v.as_str().unwrap_or("?").to_owned();
    match kind {
        AccountKind::Authority(role) => format!(
            "authority:{}",
            text(serde_json::to_value(role).unwrap_or_default())
        ),
        AccountKind::Institution(rel) => format!(
            "institution:{}",
            text(serde_json::to_value(rel).unwrap_or_default())
        ),
        AccountKind::Checkpoint => "checkpoint".to_owned(),
    }
}

/// The accounts as a table: what an admin needs to find one to revoke or
/// rotate, never a token (the store holds only their hashes anyway).
fn print_accounts(accounts: &[suikang_server::store::Account], now: OffsetDateTime) {
    println!("id\tkind\torganisation\tdistrict\tcreated\texpires\trevoked");
    for a in accounts {
        let expires = if a.expires_at <= now {
            format!("{} (expired)", rfc3339(a.expires_at))
        } else {
            rfc3339(a.expires_at)
        };
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            a.id.0,
            account_kind(a.kind),
            a.organisation,
            a.district,
            rfc3339(a.created_at),
            expires,
            a.revoked_at.map_or_else(|| "-".to_owned(), rfc3339)
        );
    }
}

/// After a change of keys or trusted issuers on a server that does not
/// hold the root key: the change reaches phones only in a newly signed list.
fn sign_again_hint(issuer: &suikang_server::Issuer) {
    if !issuer.signs_trust_list() {
        println!(
            "sign the trust list again on the offline machine (sign-trust-list --root-key FILE) and copy DATA/trust-list.json to every replica: until then the served list is unchanged (server/KEYS.md)"
        );
    }
}

fn parse_public_key(s: &str) -> Result<[u8; 32], String> {
    let mut key = [0; 32];
    hex::decode_to_slice(s.trim(), &mut key).map_err(|_| "64 hex digits".to_owned())?;
    ed25519_dalek::VerifyingKey::from_bytes(&key).map_err(|_| "not an Ed25519 public key")?;
    Ok(key)
}

fn parse_role(s: &str) -> Result<AuthorityRole, String> {
    serde_json::from_value(serde_json::Value::String(s.into()))
        .map_err(|_| "one of district, cdc, medical_institution, community".into())
}

fn parse_relationship(s: &str) -> Result<Relationship, String> {
    match serde_json::from_value::<Relationship>(serde_json::Value::String(s.into())) {
        Ok(r) if r.is_institution() => Ok(r),
        _ => Err("one of residents_committee, village_committee, property_management".into()),
    }
}

fn profile(cli: &Cli) -> IssuerProfile {
    let saved: Option<IssuerProfile> = std::fs::read_to_string(cli.data.join(PROFILE_FILE))
        .ok()
        .and_then(|t| serde_json::from_str::<ProfileFile>(&t).ok())
        .map(Into::into);
    let id = cli
        .issuer
        .issuer_id
        .or(saved.as_ref().map(|p| p.id.0))
        .unwrap_or(1);
    let mut p = saved.filter(|p| p.id.0 == id).unwrap_or_else(|| match id {
        2 => IssuerProfile::yuekang(),
        1 => IssuerProfile::suikang(),
        other => IssuerProfile {
            id: IssuerId(other),
            slug: format!("issuer-{other}"),
            name_zh: format!("健康码 {other}"),
            name_en: format!("Health code {other}"),
            colors: ColorScheme::SUIKANG,
        },
    });
    if let Some(s) = &cli.issuer.slug {
        p.slug = s.clone();
    }
    if let Some(s) = &cli.issuer.name_zh {
        p.name_zh = s.clone();
    }
    if let Some(s) = &cli.issuer.name_en {
        p.name_en = s.clone();
    }
    p
}

fn config(cli: &Cli) -> ServerConfig {
    let mut config = ServerConfig::new(&cli.data, profile(cli));
    config.policy = Policy {
        credential_validity: time::Duration::hours(cli.credential_validity_hours),
        printed_validity: time::Duration::days(cli.printed_validity_days),
        face_failure_limit: cli.face_failure_limit,
        challenge_ttl: time::Duration::seconds(cli.face_challenge_ttl_seconds),
        max_relative_dependents: cli.max_relative_dependents,
        login_start_limit: suikang_server::rate_limit::RateLimit {
            burst: cli.login_start_burst,
            ..Policy::default().login_start_limit
        },
        account_token_lifetime: time::Duration::days(cli.account_token_days),
        account_token_grace: time::Duration::days(cli.account_token_grace_days),
        trusted_proxies: cli.trusted_proxies.clone(),
        idempotency_retention: time::Duration::days(cli.idempotency_retention_days),
        housekeeping_interval: std::time::Duration::from_secs(cli.housekeeping_interval_secs),
        connection_limits: ConnectionLimits {
            header_read_timeout: std::time::Duration::from_secs(cli.header_read_timeout_secs),
            idle_timeout: std::time::Duration::from_secs(cli.idle_timeout_secs),
            body_read_timeout: std::time::Duration::from_secs(cli.body_read_timeout_secs),
            request_timeout: std::time::Duration::from_secs(cli.request_timeout_secs),
            max_connections: cli.max_connections as usize,
        },
        ..Policy::default()
    };
    config.root_key = cli
        .root_key
        .clone()
        .map_or(KeySource::InDataDir, KeySource::File);
    config.trust_signing = if cli.dev_root_key || cli.root_key.is_some() {
        TrustSigning::Here
    } else {
        TrustSigning::Offline
    };
    config.issuer_key = cli
        .issuer_key
        .clone()
        .map_or(KeySource::InDataDir, KeySource::File);
    config.face_vendor = match (&cli.face_vendor_id, cli.face_vendor_key) {
        _ if cli.dev_face_simulator => Some(FaceVendorSetting::DevSimulator),
        (Some(id), Some(result_key)) => Some(FaceVendorSetting::External {
            id: id.clone(),
            result_key,
        }),
        _ => None,
    };
    config.database_url = cli.database_url.clone();
    config.database_pool_size = usize::from(cli.database_pool_size);
    config.metrics_listen = cli.metrics_listen;
    config
}

/// Logs to stderr (stdout carries what a command prints: tokens, keys,
/// the listening address) at RUST_LOG's levels, `info` by default.
fn init_logging(format: LogFormat) {
    use std::io::IsTerminal;
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
    }
}

/// SIGTERM (systemd, Docker, Kubernetes stopping the service) and SIGINT
/// (Ctrl-C), caught from the moment this is made: before it, either one
/// would kill the process at once.
struct StopSignals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl StopSignals {
    fn catch() -> std::io::Result<StopSignals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(StopSignals {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(StopSignals {})
    }

    /// Waits for the first; returns its name.
    async fn first(mut self) -> std::io::Result<&'static str> {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.term.recv() => Ok("SIGTERM"),
                _ = self.int.recv() => Ok("SIGINT"),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = &mut self;
            tokio::signal::ctrl_c().await?;
            Ok("Ctrl-C")
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("suikang-server: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let config = config(&cli);
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Serve = command {
        // Signal handlers first: a stop that comes as soon as the address
        // is printed must drain too, not kill the process.
        let stop = StopSignals::catch()?;
        let server = start(config, cli.listen).await?;
        println!("suikang-server listening on {}", server.base_url());
        if let Some(addr) = server.metrics_addr {
            println!("suikang-server metrics on http://{addr}/metrics");
        }
        let signal = stop.first().await?;
        // Stop accepting; let the requests in flight finish (graceful).
        tracing::info!(signal, "stopping: draining requests in flight");
        let grace = std::time::Duration::from_secs(cli.shutdown_grace_seconds);
        if tokio::time::timeout(grace, server.shutdown())
            .await
            .is_err()
        {
            return Err(format!(
                "requests still running {} s after {signal}: stopped without them",
                cli.shutdown_grace_seconds
            )
            .into());
        }
        tracing::info!("stopped");
        return Ok(());
    }
    if let Command::NewRootKey { out } = &command {
        let key = trust_file::create_root_key(out)?;
        println!("{}", hex::encode(key.verifying_key().to_bytes()));
        return Ok(());
    }
    if matches!(command, Command::SignTrustList { .. }) && cli.root_key.is_none() {
        return Err("sign-trust-list needs --root-key FILE (the root key, kept offline)".into());
    }
    let issuer = open_issuer(&config).await?;
    let now = OffsetDateTime::now_utc();
    match command {
        Command::Serve | Command::NewRootKey { .. } => unreachable!("handled above"),
        Command::SignTrustList { out, valid_days } => {
            let root_file = cli
                .root_key
                .as_ref()
                .ok_or("sign-trust-list needs --root-key FILE")?;
            let root = ed25519_dalek::SigningKey::from_bytes(&keys::read_secret(root_file)?.0);
            let trust = issuer.trust();
            let list = trust.list.clone();
            let not_after = list.issued_at() + time::Duration::days(valid_days);
            let signed_json = list.with_not_after(not_after)?.to_signed_json(&root);
            let out = out.unwrap_or_else(|| trust_file::signed_list_path(&cli.data));
            trust_file::write(&cli.data, &out, &signed_json, &root.verifying_key())?;
            println!(
                "trust list sequence {} signed by root {}, fresh until {}; written to {}",
                trust.sequence,
                hex::encode(root.verifying_key().to_bytes()),
                not_after
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
                out.display()
            );
        }
        Command::CreateAuthority {
            role,
            organisation,
            district,
            display_name,
        } => {
            let kind = AccountKind::Authority(role);
            create_account(
                &*issuer.store,
                &issuer.policy,
                kind,
                organisation,
                district,
                display_name,
                now,
            )
            .await?;
        }
        Command::CreateCheckpoint {
            organisation,
            district,
            display_name,
        } => {
            let kind = AccountKind::Checkpoint;
            create_account(
                &*issuer.store,
                &issuer.policy,
                kind,
                organisation,
                district,
                display_name,
                now,
            )
            .await?;
        }
        Command::CreateInstitution {
            kind,
            organisation,
            district,
            display_name,
        } => {
            let kind = AccountKind::Institution(kind);
            create_account(
                &*issuer.store,
                &issuer.policy,
                kind,
                organisation,
                district,
                display_name,
                now,
            )
            .await?;
        }
        Command::ListAccounts => print_accounts(&issuer.store.accounts().await?, now),
        Command::RevokeAccount { id } => {
            let account = admin::revoke_account(&*issuer.store, AccountId(id), now).await?;
            println!(
                "account {id} ({}) revoked: its tokens are refused from now on",
                account.organisation
            );
        }
        Command::RotateAccountToken { id } => {
            let rotated =
                admin::rotate_account_token(&*issuer.store, &issuer.policy, AccountId(id), now)
                    .await?;
            println!(
                "account {id} ({}) has a new token, which works until {}; the old one works \
                 until {} (or until revoke-account {id}). The new token (shown once):\n{}",
                rotated.account.organisation,
                rfc3339(rotated.account.expires_at),
                rfc3339(rotated.old_valid_until),
                rotated.token
            );
        }
        Command::RootKey => {
            let root = issuer.trust().root.ok_or(
                "no trust list signed here yet: sign-trust-list --root-key FILE (or --dev-root-key)",
            )?;
            println!("{}", hex::encode(root.to_bytes()));
        }
        Command::TrustList => println!("{}", issuer.trust().signed_json),
        Command::TrustIssuer {
            id,
            issuer_slug,
            issuer_name_zh,
            issuer_name_en,
            key_id,
            public_key,
            not_before,
            not_after,
        } => {
            let rfc = &time::format_description::well_known::Rfc3339;
            let mut key = [0; 32];
            hex::decode_to_slice(&public_key, &mut key)
                .map_err(|_| "the public key is 64 hex digits")?;
            let mut entry =
                issuer
                    .trust()
                    .list
                    .issuer(IssuerId(id))
                    .cloned()
                    .unwrap_or(IssuerEntry {
                        id: IssuerId(id),
                        slug: issuer_slug.clone(),
                        name_zh: issuer_name_zh.clone(),
                        name_en: issuer_name_en.clone(),
                        colors: ColorScheme::SUIKANG,
                        keys: vec![],
                    });
            entry.slug = issuer_slug;
            entry.name_zh = issuer_name_zh;
            entry.name_en = issuer_name_en;
            entry.keys.retain(|k| k.id != KeyId(key_id));
            entry.keys.push(IssuerKey {
                id: KeyId(key_id),
                public_key: key,
                not_before: OffsetDateTime::parse(&not_before, rfc)?,
                not_after: OffsetDateTime::parse(&not_after, rfc)?,
            });
            if id == issuer.profile.id.0 {
                return Err("that is this server's own issuer id".into());
            }
            admin::add_trusted_issuer(&*issuer.store, &entry).await?;
            issuer.reload_trust().await?;
            println!(
                "issuer {id} trusted; trust list sequence {}",
                issuer.store.trust_sequence().await?
            );
            sign_again_hint(&issuer);
        }
        Command::RotateKey => {
            let id =
                admin::rotate_issuer_key(&*issuer.store, &issuer.data_dir, &issuer.policy, now)
                    .await?;
            issuer.reload_trust().await?;
            println!(
                "issuer key {id} signs from now on; trust list sequence {}",
                issuer.store.trust_sequence().await?
            );
            sign_again_hint(&issuer);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A test server many phones share may allow more login starts; a
    /// server started without the flag keeps the production limit.
    #[test]
    fn the_login_start_burst_is_30_unless_raised() {
        let default = config(&Cli::parse_from(["suikang-server"]));
        assert_eq!(
            default.policy.login_start_limit,
            Policy::default().login_start_limit
        );
        assert_eq!(default.policy.login_start_limit.burst, 30);

        let raised = config(&Cli::parse_from([
            "suikang-server",
            "--login-start-burst",
            "1000",
        ]));
        assert_eq!(raised.policy.login_start_limit.burst, 1000);
        assert_eq!(
            raised.policy.login_start_limit.period,
            Policy::default().login_start_limit.period
        );
        assert!(Cli::try_parse_from(["suikang-server", "--login-start-burst", "0"]).is_err());
    }
}
