//! Slow and greedy clients (issue 12, finding 4: slowloris), on loopback
//! with raw TCP: headers dripped past the header timeout are cut, a body
//! at a byte every few hundred milliseconds gets 408 `request_timeout`, an
//! idle kept-alive connection is closed after the idle timeout (and not at
//! the header timeout), and a connection over the cap is answered 503
//! `server_busy` with `Retry-After` and closed (refused, not queued).
//!
//! The limits are set small here; every wait has a generous ceiling that
//! only a server without the limit would reach.

use std::time::Duration;

use suikang_server::config::ConnectionLimits;
use suikang_server::{InProcessOptions, IssuerProfile, Policy, RunningServer, start_in_process};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Longer than any limit below: reaching it means the server never cut.
const CEILING: Duration = Duration::from_secs(30);

async fn server(limits: ConnectionLimits) -> RunningServer {
    let mut options = InProcessOptions::new(IssuerProfile::suikang());
    options.policy = Policy {
        connection_limits: limits,
        ..Policy::default()
    };
    start_in_process(options).await.expect("server starts")
}

fn limits() -> ConnectionLimits {
    ConnectionLimits {
        header_read_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(20),
        body_read_timeout: Duration::from_secs(1),
        request_timeout: Duration::from_secs(20),
        max_connections: 64,
    }
}

async fn connect(server: &RunningServer) -> TcpStream {
    let addr = server.base_url().trim_start_matches("http://").to_owned();
    TcpStream::connect(addr).await.unwrap()
}

const HEALTH: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: suikang\r\n\r\n";

/// Reads one response: its status line and body (by Content-Length).
async fn read_response(stream: &mut TcpStream) -> (String, String) {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&bytes[..end]).to_string();
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .unwrap_or(0);
            while bytes.len() < end + 4 + length {
                let n = stream.read(&mut chunk).await.unwrap();
                assert!(n > 0, "the connection closed inside a response");
                bytes.extend_from_slice(&chunk[..n]);
            }
            let body = String::from_utf8_lossy(&bytes[end + 4..end + 4 + length]).to_string();
            return (head, body);
        }
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the connection closed before a response");
        bytes.extend_from_slice(&chunk[..n]);
    }
}

/// True once the server has closed the connection (EOF or reset).
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut chunk = [0u8; 1024];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return true,
            Ok(_) => {}
        }
    }
}

#[tokio::test]
async fn headers_dripped_past_the_header_timeout_are_cut() {
    let server = server(limits()).await;
    let mut stream = connect(&server).await;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: suikang\r\n")
        .await
        .unwrap();
    let (mut reader, mut writer) = stream.split();
    let drip = async {
        // A header line every 200 ms, never the blank line that ends them.
        for i in 0.. {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if writer
                .write_all(format!("X-Drip-{i}: a\r\n").as_bytes())
                .await
                .is_err()
            {
                break;
            }
        }
    };
    let cut = async {
        let mut chunk = [0u8; 1024];
        loop {
            match reader.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    };
    let outcome = tokio::time::timeout(CEILING, async {
        tokio::select! {
            () = cut => true,
            () = drip => true,
        }
    })
    .await;
    assert_eq!(outcome, Ok(true), "dripped headers were never cut");
}

#[tokio::test]
async fn a_kept_alive_connection_outlives_the_header_timeout_and_is_closed_when_idle_too_long() {
    let server = server(ConnectionLimits {
        idle_timeout: Duration::from_secs(3),
        ..limits()
    })
    .await;
    let mut stream = connect(&server).await;
    stream.write_all(HEALTH).await.unwrap();
    let (status, body) = read_response(&mut stream).await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert_eq!(body, "ok");
    // Idle longer than the header timeout, shorter than the idle timeout:
    // a load balancer's pooled connection is still served.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stream.write_all(HEALTH).await.unwrap();
    let (status, _) = read_response(&mut stream).await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    // Then it idles past the idle timeout: closed.
    let closed = tokio::time::timeout(CEILING, closed_by_server(&mut stream)).await;
    assert_eq!(closed, Ok(true), "an idle connection was kept for ever");
}

#[tokio::test]
async fn a_body_sent_a_byte_at_a_time_is_cut_with_408() {
    let server = server(limits()).await;
    let mut stream = connect(&server).await;
    stream
        .write_all(
            b"POST /v1/login/start HTTP/1.1\r\nHost: suikang\r\n\
              Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{",
        )
        .await
        .unwrap();
    let (mut reader, mut writer) = stream.split();
    let drip = async {
        for _ in 0..199 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if writer.write_all(b" ").await.is_err() {
                break;
            }
        }
        std::future::pending::<()>().await;
    };
    let answer = async {
        let mut bytes = Vec::new();
        let mut chunk = [0u8; 1024];
        loop {
            match reader.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            }
        }
        String::from_utf8_lossy(&bytes).to_string()
    };
    let answer = tokio::time::timeout(CEILING, async {
        tokio::select! {
            answer = answer => answer,
            () = drip => unreachable!(),
        }
    })
    .await
    .expect("a slow body was never cut");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"request_timeout\""), "{answer}");
}

#[tokio::test]
async fn a_connection_over_the_cap_is_refused_with_503_and_retry_after() {
    let server = server(ConnectionLimits {
        max_connections: 2,
        ..limits()
    })
    .await;
    // Two kept-alive connections hold the two places.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = connect(&server).await;
        stream.write_all(HEALTH).await.unwrap();
        let (status, _) = read_response(&mut stream).await;
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        held.push(stream);
    }
    let mut third = connect(&server).await;
    third.write_all(HEALTH).await.unwrap();
    let (status, body) = read_response(&mut third).await;
    assert!(status.starts_with("HTTP/1.1 503"), "{status}");
    assert!(
        status.to_ascii_lowercase().contains("retry-after: 1"),
        "{status}"
    );
    assert!(body.contains("\"server_busy\""), "{body}");
    assert_eq!(
        tokio::time::timeout(CEILING, closed_by_server(&mut third)).await,
        Ok(true)
    );
    // One leaves: a new connection is served again.
    drop(held.pop());
    let served = tokio::time::timeout(CEILING, async {
        loop {
            let mut stream = connect(&server).await;
            stream.write_all(HEALTH).await.unwrap();
            let (status, _) = read_response(&mut stream).await;
            if status.starts_with("HTTP/1.1 200") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert_eq!(served, Ok(()));
}
