//! A TCP proxy in front of the server that injects faults: a dropped
//! connection, half a response, a stall past the client's timeout, a 500,
//! a 429, the network down and up again.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does to the next connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Reads the request, closes without a word.
    DropBeforeResponse,
    /// Forwards the request, passes half the response on, closes.
    DropMidResponse,
    /// Reads the request, waits this long (past the client's timeout), closes.
    Delay(StdDuration),
    /// Answers 500.
    ServerError,
    /// Answers 429 with `Retry-After: 1`.
    TooManyRequests,
}

#[derive(Default)]
struct ProxyState {
    faults: VecDeque<Fault>,
    down: bool,
    generation: u64,
}

/// A TCP proxy in front of the server that injects faults.
#[derive(Clone)]
pub struct FaultProxy {
    pub addr: SocketAddr,
    state: Arc<Mutex<ProxyState>>,
    generation: Arc<tokio::sync::watch::Sender<u64>>,
}

impl FaultProxy {
    pub async fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(ProxyState::default()));
        let (generation, _) = tokio::sync::watch::channel(0);
        let proxy = FaultProxy {
            addr,
            state,
            generation: Arc::new(generation),
        };
        let p = proxy.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let p = p.clone();
                tokio::spawn(async move { p.handle(client, upstream).await });
            }
        });
        proxy
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The next connections each meet one of `faults`, in order.
    pub fn inject(&self, faults: &[Fault]) {
        let mut s = self.state.lock().unwrap();
        s.faults.extend(faults);
        self.cut(&mut s);
    }

    /// The network drops: every connection is closed at once.
    pub fn down(&self) {
        let mut s = self.state.lock().unwrap();
        s.down = true;
        self.cut(&mut s);
    }

    pub fn up(&self) {
        self.state.lock().unwrap().down = false;
    }

    /// Ends the open pass-through connections, so the next request opens a
    /// new one and meets the fault.
    fn cut(&self, s: &mut ProxyState) {
        s.generation += 1;
        self.generation.send_replace(s.generation);
    }

    async fn handle(&self, mut client: TcpStream, upstream: SocketAddr) {
        let (fault, down) = {
            let mut s = self.state.lock().unwrap();
            (if s.down { None } else { s.faults.pop_front() }, s.down)
        };
        if down {
            return; // closed at once: like nobody listening
        }
        let mut buf = vec![0; 64 * 1024];
        match fault {
            None => {
                let mut watch = self.generation.subscribe();
                let Ok(mut server) = TcpStream::connect(upstream).await else {
                    return;
                };
                tokio::select! {
                    _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                    _ = watch.changed() => {}
                }
            }
            Some(Fault::DropBeforeResponse) => {
                let _ = client.read(&mut buf).await;
            }
            Some(Fault::Delay(d)) => {
                let _ = client.read(&mut buf).await;
                tokio::time::sleep(d).await;
            }
            Some(Fault::ServerError) => {
                let _ = client.read(&mut buf).await;
                let _ = client
                    .write_all(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            }
            Some(Fault::TooManyRequests) => {
                let _ = client.read(&mut buf).await;
                let _ = client
                    .write_all(b"HTTP/1.1 429 Too Many Requests\r\nretry-after: 1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            }
            Some(Fault::DropMidResponse) => {
                // The whole request (headers and body may come in two writes).
                let mut request = Vec::new();
                while let Ok(Ok(n)) =
                    tokio::time::timeout(StdDuration::from_millis(50), client.read(&mut buf)).await
                {
                    if n == 0 {
                        break;
                    }
                    request.extend_from_slice(&buf[..n]);
                }
                let Ok(mut server) = TcpStream::connect(upstream).await else {
                    return;
                };
                if server.write_all(&request).await.is_err() {
                    return;
                }
                // Read the whole response (the server closes or we time out), pass half.
                let mut response = Vec::new();
                let _ = tokio::time::timeout(StdDuration::from_millis(500), async {
                    loop {
                        match server.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(m) => response.extend_from_slice(&buf[..m]),
                        }
                    }
                })
                .await;
                let _ = client.write_all(&response[..response.len() / 2]).await;
            }
        }
    }
}
