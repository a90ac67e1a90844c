//! The server as a service owner runs it: the real binary configured from
//! the environment, stopped with SIGTERM while a request is in flight;
//! `/metrics` by route template; `/readyz` when the database goes away.
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use suikang_server::store::pg_cluster::ThrowawayCluster;
use suikang_server::{InProcessOptions, IssuerProfile, start_in_process};

/// A valid resident ID (check digit per GB 11643).
const ZHANG_ID: &str = "11010519491231002X";

/// One HTTP/1.1 exchange on a fresh connection: (status, body).
fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("an answer");
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"));
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// The address in a line like `suikang-server listening on http://ADDR`.
fn address_in(line: &str) -> SocketAddr {
    let url = line.split_whitespace().last().expect("an address");
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches("/metrics");
    addr.parse()
        .unwrap_or_else(|_| panic!("no address in {line:?}"))
}

/// Polls until `done` holds; panics after many tries (never a timing
/// assertion: only a bound on waiting for what must happen).
fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..2_000 {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("never happened: {what}");
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_and_exits_0() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    // Configured by the environment alone: every flag has its variable.
    let mut child = Command::new(env!("CARGO_BIN_EXE_suikang-server"))
        .env("SUIKANG_DATA", &data)
        .env("SUIKANG_LISTEN", "127.0.0.1:0")
        .env("SUIKANG_METRICS_LISTEN", "127.0.0.1:0")
        .env("SUIKANG_DEV_FACE_SIMULATOR", "true")
        .env("SUIKANG_DEV_ROOT_KEY", "true")
        .env("SUIKANG_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server binary starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.starts_with("suikang-server listening on"), "{line:?}");
    let api = address_in(&line);
    line.clear();
    stdout.read_line(&mut line).unwrap();
    assert!(line.starts_with("suikang-server metrics on"), "{line:?}");
    let metrics = address_in(&line);
    assert!(
        data.join("suikang.db").exists(),
        "SUIKANG_DATA chose the data folder"
    );

    // /metrics is on its own address only; readiness is on the API's.
    assert_eq!(http(api, "GET", "/metrics", "").0, 404);
    assert_eq!(http(metrics, "GET", "/metrics", "").0, 200);
    assert_eq!(http(api, "GET", "/readyz", ""), (200, "ready".into()));

    // Hold the database's write lock: a login start, which records its
    // challenge, waits on it, in flight, until we let go.
    let db = rusqlite::Connection::open(data.join("suikang.db")).unwrap();
    db.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let body =
        format!(r#"{{"name":"张三","document":{{"kind":"resident_id","number":"{ZHANG_ID}"}}}}"#);
    let in_flight = std::thread::spawn(move || http(api, "POST", "/v1/login/start", &body));
    eventually("the login start is in flight", || {
        http(metrics, "GET", "/metrics", "")
            .1
            .contains("suikang_http_requests_in_flight 1\n")
    });

    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    // It stops taking connections at once, with the request still waiting…
    eventually("the listener closes", || TcpStream::connect(api).is_err());
    assert!(!in_flight.is_finished());
    // …which is answered once the database lets it through.
    db.execute_batch("COMMIT").unwrap();
    let (status, answer) = in_flight.join().unwrap();
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("challenge_id"), "{answer}");

    let exit = child.wait().unwrap();
    assert!(exit.success(), "exit status {exit}");

    // Logs: JSON, one object a line, each request with its route template,
    // status and latency, and never the document number.
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(!logs.contains(ZHANG_ID), "{logs}");
    assert!(
        !logs.contains("\u{1b}["),
        "no colour when stderr is no terminal"
    );
    let lines: Vec<serde_json::Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    let login = lines
        .iter()
        .find(|l| l["span"]["route"] == "/v1/login/start" && l["fields"]["status"] == 200)
        .unwrap_or_else(|| panic!("no log line for the login start: {logs}"));
    assert_eq!(login["span"]["method"], "POST");
    assert!(login["fields"]["latency"].is_string(), "{login}");
    assert!(
        lines.iter().any(|l| l["fields"]["signal"] == "SIGTERM"),
        "{logs}"
    );
}

#[test]
fn every_flag_has_its_environment_variable_in_the_help() {
    let help = Command::new(env!("CARGO_BIN_EXE_suikang-server"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let flags = help
        .lines()
        .filter(|l| {
            l.trim_start().starts_with("--") && !l.contains("--help") && !l.contains("--version")
        })
        .count();
    assert!(flags >= 20, "{help}");
    assert_eq!(help.matches("[env: SUIKANG_").count(), flags, "{help}");
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_never_by_path() {
    let server = start_in_process(InProcessOptions::new(IssuerProfile::suikang()))
        .await
        .unwrap();
    let addr = server.addr;
    let metrics = tokio::task::spawn_blocking(move || {
        // A code id in the path, and a path no route has.
        assert_eq!(
            http(addr, "DELETE", "/v1/dependents/SECRETCODE1", "").0,
            401
        );
        assert_eq!(http(addr, "GET", "/no/such/4401", "").0, 404);
        assert_eq!(http(addr, "GET", "/healthz", "").0, 200);
        http(addr, "GET", "/metrics", "")
    })
    .await
    .unwrap();
    assert_eq!(metrics.0, 200);
    let text = metrics.1;
    assert!(text.contains(
        "suikang_http_requests_total{method=\"DELETE\",route=\"/v1/dependents/{code_id}\",status=\"401\"} 1"
    ), "{text}");
    assert!(
        text.contains(
            "suikang_http_requests_total{method=\"GET\",route=\"(unmatched)\",status=\"404\"} 1"
        ),
        "{text}"
    );
    assert!(text.contains("suikang_http_request_duration_seconds_bucket{"));
    assert!(
        !text.contains("SECRETCODE1") && !text.contains("4401"),
        "{text}"
    );
    // The trust list was signed at start; SQLite reports its readers.
    assert!(text.contains("suikang_signatures_total{kind=\"trust_list\"}"));
    assert!(text.contains("suikang_db_pool_max 4"), "{text}");
    server.shutdown().await;
}

#[tokio::test]
async fn readyz_says_503_database_unavailable_when_postgres_is_gone() {
    let cluster = ThrowawayCluster::shared().expect("a throw-away PostgreSQL cluster");
    let url = cluster.fresh_database().await.unwrap();
    let name = url.rsplit('/').next().unwrap().to_owned();
    let mut options = InProcessOptions::new(IssuerProfile::suikang());
    options.database_url = Some(url);
    let server = start_in_process(options).await.unwrap();
    let addr = server.addr;
    let ready = tokio::task::spawn_blocking(move || http(addr, "GET", "/readyz", ""));
    assert_eq!(ready.await.unwrap(), (200, "ready".into()));
    let metrics = tokio::task::spawn_blocking(move || http(addr, "GET", "/metrics", ""));
    assert!(metrics.await.unwrap().1.contains("suikang_db_pool_max 16"));

    // The database goes away under the running server.
    let (admin, connection) = tokio_postgres::connect(&cluster.admin_url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    let conn = tokio::spawn(connection);
    admin
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
    drop(admin);
    let _ = conn.await;

    let (status, body) = tokio::task::spawn_blocking(move || http(addr, "GET", "/readyz", ""))
        .await
        .unwrap();
    assert_eq!(status, 503, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["error"]["code"], "database_unavailable");
    // Alive all the same: the process is fine, its database is not.
    let live = tokio::task::spawn_blocking(move || http(addr, "GET", "/healthz", ""));
    assert_eq!(live.await.unwrap().0, 200);
    server.shutdown().await;
}
