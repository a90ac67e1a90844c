//! `suikang-loadgen`: starts one or more server replicas in process on
//! loopback and measures code syncs per second, each re-signing two
//! credentials, after a warm-up of 20 syncs per connection. Bounded: a
//! fixed number of requests and a time limit, 127.0.0.1 only.
//!
//! ```sh
//! # SQLite, one server
//! cargo run --release -p suikang-server --bin suikang-loadgen -- 50000 32
//! # PostgreSQL (a throw-away cluster, or a URL), two replicas round-robin
//! cargo run --release -p suikang-server --bin suikang-loadgen -- 50000 32 \
//!     --database-url throwaway --replicas 2
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::Parser;
use ed25519_dalek::SigningKey;
use suikang_protocol::api::*;
use suikang_protocol::device_binding::sign_binding;
use suikang_protocol::{DocumentKind, Relationship};
use suikang_server::store::pg_cluster::ThrowawayCluster;
use suikang_server::{InProcessOptions, IssuerProfile, RunningServer, start_in_process};
use tokio::sync::Mutex;

const TIME_LIMIT: Duration = Duration::from_secs(60);

#[derive(Parser)]
#[command(
    name = "suikang-loadgen",
    about = "Code syncs per second against in-process replicas"
)]
struct Args {
    /// Sync requests in all.
    #[arg(default_value_t = 50_000)]
    requests: usize,
    /// Concurrent connections (one signed-in resident each).
    #[arg(default_value_t = 32)]
    connections: usize,
    /// A postgres:// URL, or `throwaway` for a temporary cluster made with
    /// Debian's PostgreSQL; without it, SQLite in a temporary directory.
    #[arg(long, env = "SUIKANG_DATABASE_URL")]
    database_url: Option<String>,
    /// Server replicas on the one database, requests round-robin between them.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=16))]
    replicas: u16,
    /// Syncs per connection before the measured ones (not counted).
    #[arg(long, default_value_t = 20)]
    warm_up: usize,
    /// Connections each replica keeps to PostgreSQL.
    #[arg(long, default_value_t = suikang_server::store::postgres::DEFAULT_POOL_SIZE)]
    pool_size: usize,
}

/// The n-th resident ID (valid check digit) of someone born in `year`.
fn resident_id(year: u32, n: u32) -> String {
    let first = format!(
        "440106{year}{:02}{:02}{:03}",
        1 + n % 12,
        1 + n % 28,
        n % 1000
    );
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    format!("{first}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

async fn start_replicas(args: &Args) -> (Vec<RunningServer>, Option<tempfile::TempDir>) {
    let database_url = match args.database_url.as_deref() {
        Some("throwaway") => Some(
            ThrowawayCluster::shared()
                .expect("a throw-away PostgreSQL cluster")
                .fresh_database()
                .await
                .expect("a fresh database"),
        ),
        other => other.map(str::to_owned),
    };
    if database_url.is_none() && args.replicas > 1 {
        eprintln!("suikang-loadgen: replicas share a PostgreSQL database: give --database-url");
        std::process::exit(2);
    }
    // Replicas share the key files, as real ones do.
    let keys = database_url.as_ref().map(|_| tempfile::tempdir().unwrap());
    let mut servers = Vec::new();
    for _ in 0..args.replicas {
        let mut options = InProcessOptions::new(IssuerProfile::suikang());
        // Every resident logs in from this one address.
        options.policy.login_start_limit.burst = u32::MAX;
        options.database_url = database_url.clone();
        options.database_pool_size = args.pool_size;
        options.data_dir = keys.as_ref().map(|k| k.path().to_owned());
        servers.push(start_in_process(options).await.expect("server starts"));
    }
    (servers, keys)
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let connections = args.connections.max(1);
    let total = args.requests;
    let (servers, _keys) = start_replicas(&args).await;
    let bases: Vec<String> = servers.iter().map(|s| s.base_url()).collect();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()
        .unwrap();

    // A resident per connection, each with a code and one dependent: every
    // sync signs two credentials. Each signs in on one replica and syncs on
    // the next: what a load balancer without sticky sessions does.
    let mut residents = Vec::new();
    for n in 0..connections as u32 {
        let replica = &servers[n as usize % servers.len()];
        let base = &bases[n as usize % bases.len()];
        let device = SigningKey::from_bytes(&suikang_server::keys::random_bytes());
        let challenge: FaceChallenge = http
            .post(format!("{base}{}", paths::LOGIN_START))
            .json(&LoginStartRequest {
                name: "张小明".into(),
                document: DocumentInput {
                    kind: DocumentKind::ResidentId,
                    number: resident_id(1980, n),
                },
            })
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let nonce = URL_SAFE_NO_PAD.decode(&challenge.nonce).unwrap();
        let tokens: SessionTokens = http
            .post(format!("{base}{}", paths::LOGIN_FINISH))
            .json(&LoginFinishRequest {
                challenge_id: challenge.challenge_id.clone(),
                // The simulator's key is per replica: finish where it started.
                face_result: replica
                    .simulate_face(&challenge, FaceCapture::Match)
                    .expect("the in-process server runs the simulator"),
                device_public_key: hex::encode(device.verifying_key().to_bytes()),
                device_binding_signature: hex::encode(sign_binding(&device, &nonce).to_bytes()),
            })
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = tokens.access_token;
        http.post(format!("{base}{}", paths::APPLY_SELF))
            .bearer_auth(&token)
            .json(&ApplySelfRequest {})
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
        http.post(format!("{base}{}", paths::APPLY_PROXY))
            .bearer_auth(&token)
            .json(&ApplyProxyRequest {
                name: "王老太".into(),
                document: DocumentInput {
                    kind: DocumentKind::ResidentId,
                    // Born 1940: over 60, a dependent needs no stated
                    // reason (问题二).
                    number: resident_id(1940, 10_000 + n),
                },
                relationship: Relationship::AdultRelative,
                co_resident_declared: true,
                reason: None,
                residence_district: None,
            })
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap();
        let sync_on = &bases[(n as usize + 1) % bases.len()];
        residents.push((token, format!("{sync_on}{}", paths::CODES)));
    }

    // Warm-up, not counted: every connection syncs a few times first, so
    // that the measured syncs meet what a server in service has — HTTP
    // connections open, the database pool filled, each statement prepared
    // on each of its connections.
    let mut warm_ups = tokio::task::JoinSet::new();
    for (token, url) in residents.clone() {
        let (http, rounds) = (http.clone(), args.warm_up);
        warm_ups.spawn(async move {
            for _ in 0..rounds {
                let r = http.get(&url).bearer_auth(&token).send().await.unwrap();
                assert_eq!(r.status(), 200);
                let _ = r.bytes().await.unwrap();
            }
        });
    }
    warm_ups.join_all().await;

    let latencies = Arc::new(Mutex::new(Vec::with_capacity(total)));
    let per_connection = total / connections;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (token, url) in residents {
        let (http, latencies) = (http.clone(), latencies.clone());
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::with_capacity(per_connection);
            for _ in 0..per_connection {
                if started.elapsed() > TIME_LIMIT {
                    break;
                }
                let t = Instant::now();
                // No If-None-Match: each request builds and signs afresh.
                let r = http.get(&url).bearer_auth(&token).send().await.unwrap();
                assert_eq!(r.status(), 200);
                let _ = r.bytes().await.unwrap();
                mine.push(t.elapsed());
            }
            latencies.lock().await.extend(mine);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed();
    let mut latencies = latencies.lock().await.clone();
    latencies.sort();
    let n = latencies.len();
    let pct = |p: f64| latencies[((n as f64 * p) as usize).min(n - 1)];
    let engine = match args.database_url.as_deref() {
        None => "SQLite".to_owned(),
        Some(_) => format!("PostgreSQL, {} replica(s)", args.replicas),
    };
    println!(
        "sync requests: {n} over {connections} connections in {:.2}s ({engine})",
        elapsed.as_secs_f64()
    );
    println!(
        "throughput:    {:.0} requests/s ({:.0} credentials signed/s)",
        n as f64 / elapsed.as_secs_f64(),
        2.0 * n as f64 / elapsed.as_secs_f64()
    );
    println!(
        "latency:       p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        latencies[n - 1].as_secs_f64() * 1e3
    );
    for server in servers {
        server.shutdown().await;
    }
}
