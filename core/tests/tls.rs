//! TLS the way a deployment runs it: the server behind a certificate of its
//! own CA, the phone trusting that CA and pinning the server's public key.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use suikang_core::{App, AppConfig, CoreError, SecretStore};
use suikang_protocol::DocumentKind;
use suikang_testkit::*;
use tokio::net::{TcpListener, TcpStream};

struct Pki {
    ca: CertificateDer<'static>,
    leaf: CertificateDer<'static>,
    leaf_key: PrivateKeyDer<'static>,
}

fn pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    Pki {
        ca: ca.der().clone(),
        leaf: leaf.der().clone(),
        leaf_key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
    }
}

/// A TLS front for the server (as a load balancer terminates TLS).
async fn tls_front(pki: &Pki, upstream: std::net::SocketAddr) -> u16 {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![pki.leaf.clone()], pki.leaf_key.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(client).await else {
                    return;
                };
                let Ok(mut server) = TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut server).await;
            });
        }
    });
    port
}

fn open(phone: &Phone, port: u16, roots: Vec<Vec<u8>>, pin: Option<[u8; 32]>) -> App {
    let config = AppConfig {
        data_dir: phone.dir.path().to_owned(),
        server_url: format!("https://localhost:{port}"),
        trust_roots: phone.roots.clone(),
        pinned_server_key: pin,
        extra_root_certificates: roots,
        retry: fast_retries(),
    };
    App::open(
        config,
        phone.secrets.clone() as Arc<dyn SecretStore>,
        phone.face.clone(),
        phone.clock.clone(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_phone_pinning_the_servers_key_signs_in_over_tls_and_refuses_another_key() {
    let server = Server::start().await;
    let pki = pki();
    let port = tls_front(&pki, server.running.addr).await;
    let pin = suikang_core::http::spki_sha256(&pki.leaf).unwrap();
    let phone = Phone::new("unused", server.root());
    *phone.face.server_url.lock().unwrap() = server.url();

    let pinned = open(&phone, port, vec![pki.ca.to_vec()], Some(pin));
    pinned
        .login(RESIDENT_NAME, DocumentKind::ResidentId, RESIDENT_ID)
        .await
        .unwrap();
    pinned.apply_self().await.unwrap();
    assert_eq!(pinned.codes().unwrap().len(), 1);

    // A genuine chain, but not the pinned key: an intercepting proxy with a
    // certificate from a trusted CA looks like this.
    let wrong_pin = open(&phone, port, vec![pki.ca.to_vec()], Some([7; 32]));
    assert_eq!(
        wrong_pin.sync().await.unwrap_err(),
        CoreError::ServerKeyMismatch
    );

    // Without the deployment's CA the chain itself is refused.
    let untrusted = open(&phone, port, Vec::new(), None);
    assert_eq!(
        untrusted.sync().await.unwrap_err(),
        CoreError::NetworkUnavailable
    );
}
