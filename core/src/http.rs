//! HTTP to the issuing server. Every request has a timeout; requests that
//! failed on the way (connection, timeout, 5xx, 429) are retried with
//! exponential backoff and full jitter, honouring `Retry-After`; every POST
//! carries an `Idempotency-Key`, so a retry never acts twice. What requests
//! actually did becomes the [`NetworkState`] the UI shows.
//!
//! TLS is rustls with the `ring` provider and the bundled web-PKI roots:
//! nothing from the platform, so Android needs no extra Kotlin component.
//! The server's public key may be pinned.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, ETAG, IF_NONE_MATCH, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use suikang_protocol::api::{ErrorBody, ErrorCode, ErrorDetail};

use crate::error::CoreError;

/// What the UI says about the network, derived from the requests' fates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetworkState {
    /// Nothing was asked of the network since the app started.
    Unknown,
    /// The last request went through at once.
    Online,
    /// Requests go through, but some needed retries or met a struggling
    /// server (5xx, 429) in the last minute.
    Degraded,
    /// The last request could not reach the server at all.
    Offline,
}

/// How hard to try before giving up on a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The backoff before the first retry; doubles each time.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured; a longer one gives up at once.
    pub max_retry_after: Duration,
    /// Each attempt's limit, connection included.
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(4),
            max_retry_after: Duration::from_secs(10),
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// Refuses a server address that is not `https://`, except plain `http://`
/// to this machine's loopback (development, tests): the phone sends tokens,
/// names and document numbers there.
pub(crate) fn require_secure_url(url: &str) -> Result<(), crate::CoreError> {
    let parsed = reqwest::Url::parse(url).map_err(|_| crate::CoreError::InsecureServerUrl)?;
    let host = parsed.host_str().unwrap_or("");
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" if !host.is_empty() => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(crate::CoreError::InsecureServerUrl),
    }
}

/// A reply to a conditional GET.
pub(crate) enum Reply<T> {
    Fresh { body: T, etag: Option<String> },
    NotModified,
}

/// Why a request failed, after the retries.
#[derive(Debug)]
pub(crate) enum HttpError {
    /// Never reached the server, or never heard back.
    Network,
    /// The TLS peer did not present the pinned key.
    PinMismatch,
    /// The server answered with an error.
    Status {
        status: u16,
        detail: Option<ErrorDetail>,
    },
    /// The server answered with something unreadable.
    Decode,
}

/// A response read whole.
struct Fetched {
    status: StatusCode,
    etag: Option<String>,
    body: Vec<u8>,
}

pub(crate) struct Http {
    base: String,
    client: reqwest::Client,
    policy: RetryPolicy,
    state: Mutex<Observed>,
}

/// What requests did: the last one's fate, and when one last had trouble.
struct Observed {
    last: NetworkState,
    trouble_at: Option<std::time::Instant>,
}

/// How long a retry or a struggling server keeps the network "degraded".
const DEGRADED_FOR: Duration = Duration::from_secs(60);

impl Http {
    pub fn new(
        base_url: &str,
        policy: RetryPolicy,
        pinned_spki_sha256: Option<[u8; 32]>,
        extra_roots: &[Vec<u8>],
    ) -> Result<Http, String> {
        let tls = tls_config(pinned_spki_sha256, extra_roots)?;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.request_timeout)
            .user_agent(concat!("suikang-core/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Http {
            base: base_url.trim_end_matches('/').to_owned(),
            client,
            policy,
            state: Mutex::new(Observed {
                last: NetworkState::Unknown,
                trouble_at: None,
            }),
        })
    }

    pub fn state(&self) -> NetworkState {
        let observed = self.state.lock().expect("state lock");
        match observed.last {
            NetworkState::Online
                if observed
                    .trouble_at
                    .is_some_and(|t| t.elapsed() < DEGRADED_FOR) =>
            {
                NetworkState::Degraded
            }
            last => last,
        }
    }

    fn set_state(&self, state: NetworkState) {
        let mut observed = self.state.lock().expect("state lock");
        if state == NetworkState::Degraded {
            observed.trouble_at = Some(std::time::Instant::now());
            observed.last = NetworkState::Online;
        } else {
            observed.last = state;
        }
    }

    /// A conditional GET of JSON: `etag` from the last fresh reply.
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        etag: Option<&str>,
    ) -> Result<Reply<T>, HttpError> {
        match self.get_bytes(path, token, etag).await? {
            Reply::NotModified => Ok(Reply::NotModified),
            Reply::Fresh { body, etag } => Ok(Reply::Fresh {
                body: serde_json::from_slice(&body).map_err(|_| HttpError::Decode)?,
                etag,
            }),
        }
    }

    /// A conditional GET of the body as it came.
    pub async fn get_bytes(
        &self,
        path: &str,
        token: Option<&str>,
        etag: Option<&str>,
    ) -> Result<Reply<Vec<u8>>, HttpError> {
        let response = self
            .send(|| {
                let mut req = self
                    .client
                    .request(Method::GET, format!("{}{path}", self.base));
                if let Some(token) = token {
                    req = req.header(AUTHORIZATION, format!("Bearer {token}"));
                }
                if let Some(etag) = etag {
                    req = req.header(IF_NONE_MATCH, etag);
                }
                req
            })
            .await?;
        if response.status == StatusCode::NOT_MODIFIED {
            return Ok(Reply::NotModified);
        }
        Ok(Reply::Fresh {
            body: response.body,
            etag: response.etag,
        })
    }

    /// A DELETE: idempotent by nature, and keyed all the same.
    pub async fn delete(
        &self,
        path: &str,
        token: Option<&str>,
        idempotency_key: &str,
    ) -> Result<(), HttpError> {
        self.send(|| {
            let mut req = self
                .client
                .request(Method::DELETE, format!("{}{path}", self.base))
                .header("Idempotency-Key", idempotency_key);
            if let Some(token) = token {
                req = req.header(AUTHORIZATION, format!("Bearer {token}"));
            }
            req
        })
        .await?;
        Ok(())
    }

    /// A POST with an idempotency key: retried safely.
    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
        body: &B,
        idempotency_key: &str,
    ) -> Result<T, HttpError> {
        let body = serde_json::to_vec(body).expect("request bodies serialise");
        let response = self
            .send(|| {
                let mut req = self
                    .client
                    .request(Method::POST, format!("{}{path}", self.base))
                    .header("Idempotency-Key", idempotency_key)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
                if let Some(token) = token {
                    req = req.header(AUTHORIZATION, format!("Bearer {token}"));
                }
                req
            })
            .await?;
        if response.body.is_empty() {
            return serde_json::from_slice(b"null").map_err(|_| HttpError::Decode);
        }
        serde_json::from_slice(&response.body).map_err(|_| HttpError::Decode)
    }

    /// Sends with retries; returns a success or 304 response, read whole
    /// (a body cut off half-way is a failed attempt like any other), or the
    /// error.
    async fn send(
        &self,
        request: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Fetched, HttpError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= self.policy.max_attempts;
            let outcome = request().send().await;
            let wait = match outcome {
                Ok(response)
                    if response.status().is_success()
                        || response.status() == StatusCode::NOT_MODIFIED =>
                {
                    let status = response.status();
                    let etag = response
                        .headers()
                        .get(ETAG)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    match response.bytes().await {
                        Ok(body) => {
                            self.set_state(if attempt == 1 {
                                NetworkState::Online
                            } else {
                                NetworkState::Degraded
                            });
                            let body = body.to_vec();
                            return Ok(Fetched { status, etag, body });
                        }
                        Err(_) if last => {
                            self.set_state(NetworkState::Offline);
                            return Err(HttpError::Network);
                        }
                        Err(_) => self.backoff(attempt),
                    }
                }
                Ok(response) => {
                    let status = response.status();
                    let retryable =
                        status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS;
                    let retry_after = retry_after(&response);
                    if !retryable
                        || last
                        || retry_after.is_some_and(|d| d > self.policy.max_retry_after)
                    {
                        self.set_state(if retryable {
                            NetworkState::Degraded
                        } else {
                            NetworkState::Online
                        });
                        let detail = response.json::<ErrorBody>().await.ok().map(|b| b.error);
                        return Err(HttpError::Status {
                            status: status.as_u16(),
                            detail,
                        });
                    }
                    retry_after.unwrap_or_else(|| self.backoff(attempt))
                }
                Err(e) => {
                    if is_pin_mismatch(&e) {
                        self.set_state(NetworkState::Offline);
                        return Err(HttpError::PinMismatch);
                    }
                    if last {
                        self.set_state(NetworkState::Offline);
                        return Err(HttpError::Network);
                    }
                    self.backoff(attempt)
                }
            };
            tracing::debug!(attempt, ?wait, "request failed on the way; retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// Full jitter: a random wait up to `base · 2^(attempt-1)`, capped.
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .policy
            .base_delay
            .saturating_mul(1 << (attempt - 1).min(16))
            .min(self.policy.max_delay);
        let mut random = [0; 4];
        getrandom::fill(&mut random).expect("the platform has a random source");
        ceiling.mul_f64(f64::from(u32::from_le_bytes(random)) / f64::from(u32::MAX))
    }
}

fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let seconds: u64 = response
        .headers()
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds))
}

fn is_pin_mismatch(e: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.to_string().contains(PIN_MISMATCH) {
            return true;
        }
        source = err.source();
    }
    false
}

const PIN_MISMATCH: &str = "suikang: pinned server key mismatch";

fn tls_config(
    pin: Option<[u8; 32]>,
    extra_roots: &[Vec<u8>],
) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for der in extra_roots {
        roots
            .add(CertificateDer::from(der.clone()))
            .map_err(|_| "an extra root certificate is not a valid CA certificate".to_owned())?;
    }
    let roots = Arc::new(roots);
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions");
    Ok(match pin {
        None => builder.with_root_certificates(roots).with_no_client_auth(),
        Some(pin) => {
            let inner =
                rustls::client::WebPkiServerVerifier::builder_with_provider(roots, provider)
                    .build()
                    .expect("the bundled roots are valid");
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(PinnedKey { inner, pin }))
                .with_no_client_auth()
        }
    })
}

/// The usual web-PKI checks, and then the certificate's public key must be
/// the pinned one (SHA-256 of its SubjectPublicKeyInfo).
#[derive(Debug)]
struct PinnedKey {
    inner: Arc<rustls::client::WebPkiServerVerifier>,
    pin: [u8; 32],
}

/// SHA-256 of a DER certificate's SubjectPublicKeyInfo: the value to pin.
pub fn spki_sha256(certificate_der: &[u8]) -> Option<[u8; 32]> {
    use x509_cert::der::{Decode, Encode};
    let certificate = x509_cert::Certificate::from_der(certificate_der).ok()?;
    let spki = certificate
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .ok()?;
    Some(Sha256::digest(spki).into())
}

impl ServerCertVerifier for PinnedKey {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        if spki_sha256(end_entity) == Some(self.pin) {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(PIN_MISMATCH.into()))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The server's answer, as the user's error.
impl From<HttpError> for CoreError {
    fn from(e: HttpError) -> CoreError {
        match e {
            HttpError::Network => CoreError::NetworkUnavailable,
            HttpError::PinMismatch => CoreError::ServerKeyMismatch,
            HttpError::Decode => CoreError::BadServerResponse,
            HttpError::Status { status, detail } => {
                let Some(detail) = detail else {
                    return if status >= 500 || status == 429 {
                        CoreError::ServerUnavailable { status }
                    } else {
                        CoreError::BadServerResponse
                    };
                };
                match detail.code {
                    ErrorCode::FaceMismatch => CoreError::FaceMismatch,
                    ErrorCode::LivenessFailed => CoreError::LivenessFailed,
                    ErrorCode::ChallengeExpired => CoreError::ChallengeExpired,
                    ErrorCode::LoginLocked => CoreError::LockedOut { retry_after: None },
                    ErrorCode::SignedInElsewhere => CoreError::SignedInElsewhere,
                    ErrorCode::SessionEnded
                    | ErrorCode::RefreshTokenReused
                    | ErrorCode::InvalidToken
                    | ErrorCode::MissingToken => CoreError::SessionEnded,
                    ErrorCode::CodeNotFound => CoreError::CodeNotFound,
                    ErrorCode::NoCodeYet => CoreError::NoCodeYet,
                    // A busy replica or a request cut for slowness: worth
                    // trying again, as for any server trouble.
                    ErrorCode::Internal | ErrorCode::ServerBusy | ErrorCode::RequestTimeout => {
                        CoreError::ServerUnavailable { status }
                    }
                    code => CoreError::Refused {
                        code,
                        message: detail.message,
                    },
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::require_secure_url;
    use crate::CoreError;

    #[test]
    fn plain_http_is_refused_except_to_loopback() {
        for ok in [
            "https://api.suikang.example",
            "https://10.0.0.5:8443/",
            "http://127.0.0.1:8080",
            "http://127.8.9.1",
            "http://localhost:8080",
            "http://[::1]:8080",
        ] {
            assert_eq!(require_secure_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "http://api.suikang.example",
            "http://10.0.0.5:8080",
            "http://localhost.example.com",
            "http://127.0.0.1.nip.io",
            "ftp://127.0.0.1",
            "api.suikang.example",
            "",
        ] {
            assert_eq!(
                require_secure_url(bad),
                Err(CoreError::InsecureServerUrl),
                "{bad}"
            );
        }
    }
}
