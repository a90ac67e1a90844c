//! What the server's scenarios need: a server in process, a real HTTP
//! client, and people who sign in the way the phone does (device key, face
//! simulator, binding signature), over the plain HTTP API.

use ed25519_dalek::SigningKey;
use reqwest::{Client, Response, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use suikang_protocol::api::*;
use suikang_protocol::device_binding::sign_binding;
use suikang_protocol::{AuthorityRole, DocumentKind, Relationship};
use suikang_server::{InProcessOptions, IssuerProfile, Policy, RunningServer, start_in_process};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Resident IDs with valid check digits (GB 11643).
pub const ZHANG_ID: &str = "11010519491231002X"; // born 1949
pub const LI_ID: &str = "440524188001010014"; // born 1880
/// Born 2015: a child.
pub fn child_id() -> String {
    resident_id("44010620150315001")
}

/// Born 2010: under 18 in 2026.
pub fn teen_id() -> String {
    resident_id("44010620100601002")
}

/// The n-th elderly person, born 1940.
pub fn elder_id(n: u32) -> String {
    resident_id(&format!("440106194001{:02}{:03}", 1 + n % 28, n))
}

/// A resident ID with a valid check digit for the given first 17 digits.
pub fn resident_id(first17: &str) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{first17}{check}")
}

/// A server in process and a plain HTTP client to it.
pub struct World {
    pub server: RunningServer,
    pub http: Client,
}

/// A fresh database of this test binary's throw-away PostgreSQL cluster.
pub async fn fresh_postgres() -> String {
    suikang_server::store::pg_cluster::ThrowawayCluster::shared()
        .expect("a throw-away PostgreSQL cluster")
        .fresh_database()
        .await
        .expect("a fresh database")
}

impl World {
    /// A server under `policy`, on SQLite in its own folder or on the
    /// PostgreSQL database at `database_url`.
    pub async fn start(policy: Policy, database_url: Option<String>) -> World {
        let mut options = InProcessOptions::new(IssuerProfile::suikang());
        options.policy = policy;
        options.database_url = database_url;
        World {
            server: start_in_process(options).await.expect("server starts"),
            http: client(),
        }
    }
}

/// A plain HTTP client. The workspace builds reqwest with rustls and no
/// default crypto provider (suikang-core brings its own), so install ring's.
pub fn client() -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::new()
}

pub fn doc(number: &str) -> DocumentInput {
    DocumentInput {
        kind: DocumentKind::ResidentId,
        number: number.into(),
    }
}

/// The grandmother of the API's guardianship stories, as first registered
/// (her ID: `elder_id(7)` and others; the phone's stories have `phone::GRANDMOTHER_NAME`).
pub const GRANDMOTHER: &str = "赵钱孙";

/// A co-resident adult relative's proxy application (代申领) for `name`,
/// `number`, stating nothing else.
pub fn relative_applying(name: &str, number: &str) -> ApplyProxyRequest {
    ApplyProxyRequest {
        name: name.into(),
        document: doc(number),
        relationship: Relationship::AdultRelative,
        co_resident_declared: true,
        reason: None,
        residence_district: None,
    }
}

/// A resident with their phone: a device key and, once signed in, tokens.
pub struct Resident {
    pub device: SigningKey,
    pub tokens: SessionTokens,
}

impl World {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    pub async fn post<B: Serialize>(&self, path: &str, token: Option<&str>, body: &B) -> Response {
        let mut req = self.http.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request sent")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = self.http.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request sent")
    }

    pub async fn challenge(&self, name: &str, number: &str) -> FaceChallenge {
        let r = self
            .post(
                "/v1/login/start",
                None,
                &LoginStartRequest {
                    name: name.into(),
                    document: doc(number),
                },
            )
            .await;
        ok(r).await
    }

    pub fn finish_request(
        &self,
        challenge: &FaceChallenge,
        capture: FaceCapture,
        device: &SigningKey,
    ) -> LoginFinishRequest {
        let nonce = URL_SAFE_NO_PAD.decode(&challenge.nonce).unwrap();
        LoginFinishRequest {
            challenge_id: challenge.challenge_id.clone(),
            face_result: self
                .server
                .simulate_face(challenge, capture)
                .expect("the test server runs the simulator (--dev-face-simulator)"),
            device_public_key: hex::encode(device.verifying_key().to_bytes()),
            device_binding_signature: hex::encode(sign_binding(device, &nonce).to_bytes()),
        }
    }

    /// Signs in on a new device, the way the phone does.
    pub async fn sign_in(&self, name: &str, number: &str) -> Resident {
        let device = SigningKey::from_bytes(&rand_bytes());
        let challenge = self.challenge(name, number).await;
        let r = self
            .post(
                "/v1/login/finish",
                None,
                &self.finish_request(&challenge, FaceCapture::Match, &device),
            )
            .await;
        Resident {
            device,
            tokens: ok(r).await,
        }
    }

    /// Signs in and applies for one's own code.
    pub async fn resident_with_code(&self, name: &str, number: &str) -> (Resident, ApplyResponse) {
        let resident = self.sign_in(name, number).await;
        let r = self
            .post(
                "/v1/codes/apply-self",
                Some(&resident.tokens.access_token),
                &ApplySelfRequest {},
            )
            .await;
        let applied = ok(r).await;
        (resident, applied)
    }

    /// The guardianship stories' beginning (DESIGN §2, 代申领): 李小红
    /// signs in with a code of her own and applies for her grandmother
    /// (`GRANDMOTHER`, ID `grandmother`) as a co-resident adult relative.
    /// The first application registers the grandmother, with her as guardian.
    pub async fn daughter_holds(&self, grandmother: &str) -> (Resident, ApplyResponse) {
        self.daughter_holds_with(relative_applying(GRANDMOTHER, grandmother))
            .await
    }

    /// [`World::daughter_holds`] with an application of one's own (where
    /// the grandmother lives, a stated reason).
    pub async fn daughter_holds_with(
        &self,
        application: ApplyProxyRequest,
    ) -> (Resident, ApplyResponse) {
        let (daughter, _) = self.resident_with_code("李小红", &elder_id(1)).await;
        let held = ok(self
            .post(
                paths::APPLY_PROXY,
                Some(&daughter.tokens.access_token),
                &application,
            )
            .await)
        .await;
        (daughter, held)
    }

    /// `token`'s holder applies for `name`, `number` as a co-resident adult
    /// relative: the answer's status and body, to compare answers word for
    /// word (a join request must not tell whether the name was right).
    pub async fn apply_as_relative(
        &self,
        token: &str,
        name: &str,
        number: &str,
    ) -> (StatusCode, String) {
        let r = self
            .post(
                paths::APPLY_PROXY,
                Some(token),
                &relative_applying(name, number),
            )
            .await;
        (r.status(), r.text().await.unwrap())
    }

    pub async fn codes(&self, token: &str) -> CodesResponse {
        ok(self.get("/v1/codes", Some(token)).await).await
    }

    pub async fn authority(
        &self,
        role: AuthorityRole,
        organisation: &str,
        district: &str,
    ) -> String {
        self.server
            .create_authority(role, organisation, district)
            .await
            .unwrap()
    }
}

impl World {
    /// A checkpoint account's token: the online check needs one.
    pub async fn checkpoint(&self) -> String {
        self.server
            .create_checkpoint("tiyu-xilu-metro", "440106")
            .await
            .unwrap()
    }

    /// Asks the online check as a checkpoint.
    pub async fn verify_online(&self, checkpoint: &str, qr_text: &str) -> OnlineVerifyResponse {
        ok(self
            .post(
                "/v1/verify",
                Some(checkpoint),
                &OnlineVerifyRequest {
                    qr_text: qr_text.to_owned(),
                },
            )
            .await)
        .await
    }
}

pub fn rand_bytes() -> [u8; 32] {
    suikang_server::keys::random_bytes()
}

/// The body of a 200, or a panic naming what came instead.
pub async fn ok<T: DeserializeOwned>(r: Response) -> T {
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Asserts a refusal: its status and typed code.
pub async fn refused(r: Response, status: StatusCode, code: ErrorCode) {
    let got = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    let body: ErrorBody = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(body.error.code, code, "{text}");
}
