//! OpenID providers for the single sign-on tests. [`RealProvider`] runs panva's certified
//! `oidc-provider` (tests/oidc/provider.mjs, installed by scripts/ensure-test-tools.sh).
//! [`ForgingProvider`] is a stand-in that speaks the same protocol (discovery, JWKS, the
//! authorization and token endpoints) but signs whatever ID token a test asks for: a tampered
//! one, another audience, an expired one, one with no nonce, one by a key it rotated in.

use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use openidconnect::core::{
    CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRsaPrivateSigningKey,
};
use openidconnect::{
    AdditionalClaims, Audience, EndUserEmail, EndUserUsername, IdToken, IdTokenClaims, IssuerUrl,
    JsonWebKeyId, Nonce, PrivateSigningKey, StandardClaims, SubjectIdentifier,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::standins::{json_answer, serve_router};

pub const CLIENT_ID: &str = "firewatch";
pub const CLIENT_SECRET: &str = "firewatch-test-secret";
/// Every user of the real provider has it (tests/oidc/README.md).
pub const USER_PASSWORD: &str = "correct horse battery";

/// `[auth.oidc]` for a provider at `issuer`: `sre-admins` are admins, `sre` responders, and
/// nobody else gets in.
pub fn oidc_config(issuer: &str) -> String {
    format!(
        r#"
[auth.oidc]
issuer = "{issuer}"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
groups_claim = "groups"
roles = {{ admin = ["sre-admins"], responder = ["sre"] }}
name = "Test IdP"
"#
    )
}

/// The real `oidc-provider`, stopped when dropped.
pub struct RealProvider {
    child: Child,
    pub issuer: String,
}

impl RealProvider {
    /// Starts it for a Firewatch at `app_url` (its redirect and post-logout URIs), on a port
    /// it picks itself.
    pub async fn start(app_url: &str) -> RealProvider {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oidc");
        assert!(
            std::path::Path::new(dir)
                .join("node_modules/oidc-provider/package.json")
                .exists(),
            "the single sign-on tests need oidc-provider: run scripts/ensure-test-tools.sh"
        );
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .current_dir(dir)
            .env("OIDC_PORT", "0")
            .env(
                "OIDC_REDIRECT_URIS",
                format!("{app_url}/auth/oidc/callback"),
            )
            .env(
                "OIDC_POST_LOGOUT_REDIRECT_URIS",
                format!("{app_url}/login?signed_out=1"),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node starts");
        let stdout = child.stdout.take().unwrap();
        let line = tokio::task::spawn_blocking(move || {
            use std::io::BufRead as _;
            let mut line = String::new();
            std::io::BufReader::new(stdout).read_line(&mut line).ok();
            line
        })
        .await
        .unwrap();
        let issuer = line
            .trim()
            .strip_prefix("listening ")
            .unwrap_or_else(|| panic!("oidc-provider did not start: {line:?}"))
            .to_owned();
        RealProvider { child, issuer }
    }

    /// Live sessions at the provider (its test endpoint).
    pub async fn sessions(&self) -> i64 {
        let answer: Value = reqwest::get(format!("{}/__test/sessions", self.issuer))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["sessions"].as_i64().unwrap()
    }

    pub fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RealProvider {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The claims a forged token carries besides the standard ones.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Groups {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
}

impl AdditionalClaims for Groups {}

type ForgedToken =
    IdToken<Groups, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;

/// What the next ID token says or does wrong.
#[derive(Debug, Clone, PartialEq)]
pub enum Forgery {
    /// A token as a provider would sign it.
    Honest,
    /// Signed, then a claim changed (its signature no longer covers it).
    Tampered,
    WrongAudience,
    /// Expired an hour before the app's clock.
    Expired,
    NoNonce,
    WrongNonce,
}

/// Who the next token is about.
#[derive(Debug, Clone)]
pub struct Person {
    pub sub: String,
    pub email: String,
    pub username: String,
    pub groups: Vec<String>,
}

impl Person {
    pub fn new(name: &str, groups: &[&str]) -> Person {
        Person {
            sub: format!("sub-{name}"),
            email: format!("{name}@example.com"),
            username: name.to_owned(),
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        }
    }
}

struct Pending {
    nonce: Option<String>,
    challenge: String,
}

struct ForgeState {
    issuer: Mutex<String>,
    key: Mutex<(CoreRsaPrivateSigningKey, String)>,
    forgery: Mutex<Forgery>,
    person: Mutex<Person>,
    /// What the token's times count from (the app's controlled clock).
    now: Mutex<jiff::Timestamp>,
    codes: Mutex<std::collections::HashMap<String, Pending>>,
    jwks_reads: Mutex<u32>,
}

/// The forging stand-in.
#[derive(Clone)]
pub struct ForgingProvider {
    pub issuer: String,
    state: Arc<ForgeState>,
}

/// A fresh RSA key in PKCS#1 PEM (what openidconnect reads), made by the `openssl` command.
fn rsa_pem() -> String {
    let output = Command::new("openssl")
        .args(["genrsa", "-traditional", "2048"])
        .output()
        .expect("openssl runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

fn signing_key(kid: &str) -> CoreRsaPrivateSigningKey {
    CoreRsaPrivateSigningKey::from_pem(&rsa_pem(), Some(JsonWebKeyId::new(kid.to_owned()))).unwrap()
}

#[derive(Debug, Deserialize)]
struct AuthorizeQuery {
    redirect_uri: String,
    state: String,
    nonce: Option<String>,
    code_challenge: String,
    code_challenge_method: String,
}

#[derive(Debug, Deserialize)]
struct TokenForm {
    grant_type: String,
    code: String,
    code_verifier: String,
}

impl ForgingProvider {
    pub async fn start(now: jiff::Timestamp) -> ForgingProvider {
        let state = Arc::new(ForgeState {
            issuer: Mutex::new(String::new()),
            key: Mutex::new((signing_key("key-1"), "key-1".into())),
            forgery: Mutex::new(Forgery::Honest),
            person: Mutex::new(Person::new("ana", &["sre"])),
            now: Mutex::new(now),
            codes: Mutex::default(),
            jwks_reads: Mutex::new(0),
        });
        let (discovery, jwks, authorize, token) =
            (state.clone(), state.clone(), state.clone(), state.clone());
        let router = axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                axum::routing::get(move || {
                    let issuer = discovery.issuer.lock().unwrap().clone();
                    async move {
                        json_answer(
                            200,
                            json!({
                                "issuer": issuer,
                                "authorization_endpoint": format!("{issuer}/authorize"),
                                "token_endpoint": format!("{issuer}/token"),
                                "jwks_uri": format!("{issuer}/jwks"),
                                "end_session_endpoint": format!("{issuer}/logout"),
                                "response_types_supported": ["code"],
                                "subject_types_supported": ["public"],
                                "id_token_signing_alg_values_supported": ["RS256"],
                                "code_challenge_methods_supported": ["S256"],
                            }),
                        )
                    }
                }),
            )
            .route(
                "/jwks",
                axum::routing::get(move || {
                    *jwks.jwks_reads.lock().unwrap() += 1;
                    let key = jwks.key.lock().unwrap().0.as_verification_key();
                    async move { json_answer(200, json!({ "keys": [key] })) }
                }),
            )
            .route(
                "/authorize",
                axum::routing::get(move |Query(query): Query<AuthorizeQuery>| {
                    let state = authorize.clone();
                    async move {
                        assert_eq!(query.code_challenge_method, "S256");
                        let code = format!("code-{}", fastrand::u64(..));
                        state.codes.lock().unwrap().insert(
                            code.clone(),
                            Pending {
                                nonce: query.nonce.clone(),
                                challenge: query.code_challenge.clone(),
                            },
                        );
                        let to = format!(
                            "{}?{}",
                            query.redirect_uri,
                            serde_urlencoded::to_string([
                                ("code", code.as_str()),
                                ("state", query.state.as_str())
                            ])
                            .unwrap()
                        );
                        Redirect::to(&to)
                    }
                }),
            )
            .route(
                "/token",
                axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
                    let state = token.clone();
                    async move {
                        match serde_urlencoded::from_bytes::<TokenForm>(&body) {
                            Ok(form) => answer_token(&state, &headers, &form),
                            Err(_) => json_answer(400, json!({"error": "invalid_request"})),
                        }
                    }
                }),
            );
        let issuer = serve_router(router).await;
        *state.issuer.lock().unwrap() = issuer.clone();
        ForgingProvider { issuer, state }
    }

    pub fn forge(&self, forgery: Forgery) {
        *self.state.forgery.lock().unwrap() = forgery;
    }

    pub fn sign_in_as(&self, person: Person) {
        *self.state.person.lock().unwrap() = person;
    }

    /// Signs with a new key from now on (its JWKS then publishes only that one).
    pub fn rotate_key(&self, kid: &str) {
        *self.state.key.lock().unwrap() = (signing_key(kid), kid.to_owned());
    }

    pub fn jwks_reads(&self) -> u32 {
        *self.state.jwks_reads.lock().unwrap()
    }
}

fn answer_token(state: &ForgeState, headers: &HeaderMap, form: &TokenForm) -> Response {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return json_answer(401, json!({"error": "invalid_client"}));
    }
    if form.grant_type != "authorization_code" {
        return json_answer(400, json!({"error": "unsupported_grant_type"}));
    }
    let Some(pending) = state.codes.lock().unwrap().remove(&form.code) else {
        return json_answer(400, json!({"error": "invalid_grant"}));
    };
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(form.code_verifier.as_bytes()));
    if challenge != pending.challenge {
        return json_answer(
            400,
            json!({"error": "invalid_grant", "error_description": "PKCE verification failed"}),
        );
    }
    let issuer = state.issuer.lock().unwrap().clone();
    let person = state.person.lock().unwrap().clone();
    let forgery = state.forgery.lock().unwrap().clone();
    let now = *state.now.lock().unwrap();
    let at = |offset: i64| chrono::DateTime::from_timestamp(now.as_second() + offset, 0).unwrap();
    let (issued, expires) = match forgery {
        Forgery::Expired => (at(-7200), at(-3600)),
        _ => (at(0), at(3600)),
    };
    let audience = match forgery {
        Forgery::WrongAudience => "someone-else",
        _ => CLIENT_ID,
    };
    let nonce = match forgery {
        Forgery::NoNonce => None,
        Forgery::WrongNonce => Some(Nonce::new("not-the-one-sent".into())),
        _ => pending.nonce.map(Nonce::new),
    };
    let claims = IdTokenClaims::new(
        IssuerUrl::new(issuer).unwrap(),
        vec![Audience::new(audience.into())],
        expires,
        issued,
        StandardClaims::new(SubjectIdentifier::new(person.sub.clone()))
            .set_email(Some(EndUserEmail::new(person.email.clone())))
            .set_email_verified(Some(true))
            .set_preferred_username(Some(EndUserUsername::new(person.username.clone()))),
        Groups {
            groups: Some(person.groups.clone()),
        },
    )
    .set_nonce(nonce);
    let key = state.key.lock().unwrap();
    let token = ForgedToken::new(
        claims,
        &key.0,
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        None,
        None,
    )
    .unwrap();
    let mut text = token.to_string();
    if forgery == Forgery::Tampered {
        // The same token, made an admin after it was signed.
        let parts: Vec<&str> = text.split('.').collect();
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap();
        let mut payload: Value = serde_json::from_slice(&payload).unwrap();
        payload["groups"] = json!(["sre-admins"]);
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(&payload).unwrap());
        text = format!("{}.{payload}.{}", parts[0], parts[2]);
    }
    (
        StatusCode::OK,
        axum::Json(json!({
            "access_token": "stand-in-access-token",
            "token_type": "Bearer",
            "expires_in": 3600,
            "id_token": text,
        })),
    )
        .into_response()
}
