//! Accepting connections with limits (issue 12, finding 4: slowloris): a
//! concurrent-connection cap, a header-read timeout and an idle keep-alive
//! timeout per connection. The body and whole-request timeouts are
//! per-request middleware ([`request_limits`]).
//!
//! `axum::serve` has none of these, so connections are served here with
//! hyper's HTTP/1 connection builder. hyper's own `header_read_timeout`
//! starts whenever a connection waits for a request, idle or not, so it
//! cannot tell a kept-alive connection (which a load balancer holds open
//! for a minute) from one dripping its headers (which must be cut in
//! seconds): a watchdog per connection does, from what the connection is
//! doing.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, watch};
use tokio::time::Instant;
use tower::ServiceExt;

use crate::config::ConnectionLimits;
use crate::error::ApiError;
use crate::issuer::Issuer;

/// What a connection is doing, for its watchdog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for a request's headers to end (since accept, or since the
    /// first byte after an idle spell).
    Head,
    /// A request is being answered: the middleware's timeouts apply.
    Busy,
    /// Kept alive between requests.
    Idle,
}

struct Activity {
    state: Mutex<(Phase, Instant)>,
    changed: Notify,
}

impl Activity {
    fn set(&self, phase: Phase) {
        let mut state = self.state.lock().expect("activity lock");
        if state.0 != phase {
            *state = (phase, Instant::now());
            self.changed.notify_one();
        }
    }

    fn get(&self) -> (Phase, Instant) {
        *self.state.lock().expect("activity lock")
    }

    /// Resolves when the connection overstays its phase's limit.
    async fn overstayed(&self, limits: ConnectionLimits) {
        loop {
            let notified = self.changed.notified();
            let (phase, since) = self.get();
            let limit = match phase {
                Phase::Head => limits.header_read_timeout,
                Phase::Idle => limits.idle_timeout,
                Phase::Busy => {
                    notified.await;
                    continue;
                }
            };
            tokio::select! {
                _ = tokio::time::sleep_until(since + limit) => {
                    if self.get() == (phase, since) {
                        return;
                    }
                }
                _ = notified => {}
            }
        }
    }
}

/// The socket, telling the watchdog when an idle connection starts a request.
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            let (phase, _) = this.activity.get();
            if phase == Phase::Idle {
                this.activity.set(Phase::Head);
            }
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// Serves `router` on `listener` until `shutdown` fires, then lets open
/// requests finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let (stop_tx, stop_rx) = watch::channel(false);
    // Each connection task holds a sender: when all are gone, all ended.
    let (alive_tx, mut alive_rx) = mpsc::channel::<()>(1);
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait, go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tokio::spawn(refuse_busy(stream));
            continue;
        };
        tokio::spawn(serve_connection(
            stream,
            remote,
            router.clone(),
            limits,
            permit,
            stop_rx.clone(),
            alive_tx.clone(),
        ));
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(alive_tx);
    let _ = alive_rx.recv().await;
}

async fn serve_connection(
    stream: TcpStream,
    remote: SocketAddr,
    router: Router,
    limits: ConnectionLimits,
    _permit: OwnedSemaphorePermit,
    mut stop: watch::Receiver<bool>,
    _alive: mpsc::Sender<()>,
) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity {
        state: Mutex::new((Phase::Head, Instant::now())),
        changed: Notify::new(),
    });
    let io = TokioIo::new(Watched {
        stream,
        activity: activity.clone(),
    });
    let service = {
        let activity = activity.clone();
        hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            activity.set(Phase::Busy);
            req.extensions_mut().insert(ConnectInfo(remote));
            let answer = router.clone().oneshot(req.map(Body::new));
            let activity = activity.clone();
            async move {
                let response = answer.await;
                activity.set(Phase::Idle);
                response
            }
        })
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    // The watchdog times headers and idle spells; hyper's own header timer
    // would cut kept-alive connections at the header limit.
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(None)
        .keep_alive(true);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        }
        () = activity.overstayed(limits) => {
            tracing::debug!(%remote, "connection cut: too slow or idle too long");
        }
        () = async { drop(stop.wait_for(|stopped| *stopped).await) } => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(limits.request_timeout, conn).await;
        }
    }
}

/// Tells a client over the connection cap to come back, and closes.
async fn refuse_busy(mut stream: TcpStream) {
    let body = serde_json::to_string(&ApiError::ServerBusy.body()).unwrap_or_default();
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         retry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        stream.write_all(response.as_bytes()).await?;
        stream.shutdown().await?;
        // Read what the client sent before closing, so the close does not
        // reset the connection before the client has read the answer.
        let mut sink = [0u8; 4096];
        while tokio::io::AsyncReadExt::read(&mut stream, &mut sink).await? > 0 {}
        io::Result::Ok(())
    })
    .await;
}

/// Per request: the body must arrive within the body timeout and the
/// answer within the request timeout, or the request ends with 408
/// `request_timeout`. Bodies are small JSON (the policy's `body_limit`), so
/// reading them whole here costs nothing and lets a slow body be cut.
pub async fn request_limits(
    State(issuer): State<Arc<Issuer>>,
    req: Request,
    next: Next,
) -> Response {
    let limits = issuer.policy.connection_limits;
    let answer = async {
        let (parts, body) = req.into_parts();
        let bytes = match tokio::time::timeout(
            limits.body_read_timeout,
            to_bytes(body, issuer.policy.body_limit),
        )
        .await
        {
            Err(_) => return timed_out(),
            Ok(Err(_)) => return ApiError::PayloadTooLarge.into_response(),
            Ok(Ok(bytes)) => bytes,
        };
        next.run(Request::from_parts(parts, Body::from(bytes)))
            .await
    };
    match tokio::time::timeout(limits.request_timeout, answer).await {
        Ok(response) => response,
        Err(_) => timed_out(),
    }
}

fn timed_out() -> Response {
    let mut response = ApiError::RequestTimeout.into_response();
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
