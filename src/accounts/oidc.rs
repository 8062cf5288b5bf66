//! Single sign-on through OpenID Connect (`[auth.oidc]`): the authorization code flow with
//! PKCE, `state` and `nonce`, through the `openidconnect` crate, which checks the ID token
//! (signature by the provider's JWKS, `iss`, `aud`, `exp`, `nonce`). A sign-in under way is
//! kept in the store (`oidc_logins`), bound to the browser that started it by a cookie, and
//! taken once. The groups claim gives the role; no match, no access. The user is found by the
//! provider's subject, made on first sign-in, and linked to the `[[people]]` entry with their
//! email. Every outcome, refusals included, is written to the audit log.

use std::str::FromStr as _;

use jiff::{SignedDuration, Timestamp};
use openidconnect::core::{
    CoreClient, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreResponseType,
};
use openidconnect::{
    AdditionalClaims, AuthenticationFlow, AuthorizationCode, ClaimsVerificationError, ClientId,
    ClientSecret, CsrfToken, IdToken, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope, TokenResponse as _,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::config::Config;
use crate::config::auth::OidcConfig;
use crate::context::Context;
use crate::core::audit::{Actor, Channel};
use crate::store::StoreError;
use crate::store::accounts::{NewSession, OidcLogin, OidcSignIn, OidcUser, User};
use crate::store::audit::NewAudit;

/// Where the provider sends the browser back, under the server's public URL.
pub const CALLBACK_PATH: &str = "/auth/oidc/callback";

/// Sign-ins under way at once, at most: the start page needs no credentials, so what it
/// keeps is bounded.
const MAX_PENDING: i64 = 10_000;

/// How long a discovery document (and the keys with it) is used before it is read again.
const FRESH_FOR: SignedDuration = SignedDuration::from_mins(5);

/// After a failed discovery, how long the sign-in page says so before asking again.
const DOWN_FOR: SignedDuration = SignedDuration::from_secs(15);

/// After a good one, how long the sign-in page takes the provider to be up. The page needs no
/// sign-in, so it never asks the provider more often than this, whoever loads it.
const UP_FOR: SignedDuration = SignedDuration::from_secs(10);

/// Any claim the ID token carries besides the standard ones (the groups claim is named in the
/// config, so it is read from here).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct OtherClaims(serde_json::Map<String, serde_json::Value>);

impl AdditionalClaims for OtherClaims {}

type FwIdToken = IdToken<
    OtherClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// No `[auth.oidc]`.
    #[error("single sign-on is not set up")]
    NotConfigured,
    /// The provider did not answer its discovery document or keys.
    #[error("the identity provider does not answer: {0}")]
    Unreachable(String),
    /// A sentence for the person signing in.
    #[error("{0}")]
    Refused(String),
    #[error("too many sign-ins are under way; try again in a minute")]
    TooMany,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone)]
struct Discovered {
    issuer: String,
    at: Timestamp,
    metadata: ProviderMetadataWithLogout,
}

#[derive(Default)]
struct Cache {
    discovered: Option<Discovered>,
    failed: Option<(String, Timestamp, String)>,
}

/// The provider's discovery document and keys, read when first needed and kept a while.
#[derive(Default)]
pub struct Provider {
    cache: tokio::sync::Mutex<Cache>,
}

/// What the start of a sign-in hands the web layer: where to send the browser, and the value
/// of the cookie that binds the sign-in to it.
pub struct Begun {
    pub url: String,
    pub browser: String,
}

/// The provider's answer at the callback.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// A finished sign-in: the session to set and where to go.
pub struct Finished {
    pub user: User,
    pub next: String,
}

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A client that never follows a redirect (the provider's answers are read as they come;
/// following one could take the credentials elsewhere) and gives up in time.
fn http() -> Result<reqwest::Client, OidcError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|error| OidcError::Unreachable(error.to_string()))
}

fn to_chrono(at: Timestamp) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(at.as_second(), at.subsec_nanosecond().max(0) as u32)
        .unwrap_or_default()
}

impl Provider {
    /// The provider's metadata: the kept copy while fresh (and not `refresh`), else read
    /// again.
    async fn metadata(
        &self,
        oidc: &OidcConfig,
        now: Timestamp,
        refresh: bool,
    ) -> Result<ProviderMetadataWithLogout, OidcError> {
        let mut cache = self.cache.lock().await;
        if let Some(kept) = &cache.discovered {
            if !refresh && kept.issuer == oidc.issuer && now.duration_since(kept.at) < FRESH_FOR {
                return Ok(kept.metadata.clone());
            }
        }
        let issuer = IssuerUrl::new(oidc.issuer.clone())
            .map_err(|error| OidcError::Unreachable(error.to_string()))?;
        match ProviderMetadataWithLogout::discover_async(issuer, &http()?).await {
            Ok(metadata) => {
                cache.discovered = Some(Discovered {
                    issuer: oidc.issuer.clone(),
                    at: now,
                    metadata: metadata.clone(),
                });
                cache.failed = None;
                Ok(metadata)
            }
            Err(error) => {
                let said = error_chain(&error);
                tracing::warn!(issuer = %oidc.issuer, error = %said, "the identity provider's discovery failed");
                cache.failed = Some((oidc.issuer.clone(), now, said.clone()));
                Err(OidcError::Unreachable(said))
            }
        }
    }

    /// Whether the provider answers, for the sign-in page: a recent failure is said again
    /// without asking, a recent success is taken as is.
    pub async fn status(&self, oidc: &OidcConfig, now: Timestamp) -> Result<(), String> {
        {
            let cache = self.cache.lock().await;
            if let Some((issuer, at, said)) = &cache.failed {
                if issuer == &oidc.issuer && now.duration_since(*at) < DOWN_FOR {
                    return Err(said.clone());
                }
            }
        }
        let recent = {
            let cache = self.cache.lock().await;
            cache.discovered.as_ref().is_some_and(|kept| {
                kept.issuer == oidc.issuer && now.duration_since(kept.at) < UP_FOR
            })
        };
        if recent {
            return Ok(());
        }
        match self.metadata(oidc, now, true).await {
            Ok(_) => Ok(()),
            Err(error) => Err(error.to_string()),
        }
    }

    fn client(
        oidc: &OidcConfig,
        metadata: ProviderMetadataWithLogout,
        base_url: &str,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        OidcError,
    > {
        let redirect = RedirectUrl::new(format!("{base_url}{CALLBACK_PATH}"))
            .map_err(|error| OidcError::Refused(format!("the server's public URL: {error}")))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(oidc.client_id.clone()),
            Some(ClientSecret::new(oidc.client_secret.clone())),
        )
        .set_redirect_uri(redirect))
    }

    /// Starts a sign-in: the provider's authorization URL (PKCE S256, `state`, `nonce`),
    /// with what the callback needs kept in the store.
    pub async fn begin(
        &self,
        context: &Context,
        next: &str,
        browser: String,
    ) -> Result<Begun, OidcError> {
        let config = context.config.current();
        let oidc = config.auth.oidc.as_ref().ok_or(OidcError::NotConfigured)?;
        let now = context.clock.now();
        let metadata = self.metadata(oidc, now, false).await?;
        let client = Self::client(oidc, metadata, &config.server.base_url())?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &oidc.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        let kept = context
            .store
            .begin_oidc_login(
                &OidcLogin {
                    state_hash: sha256(state.secret()),
                    browser_hash: sha256(&browser),
                    verifier: verifier.secret().clone(),
                    nonce: nonce.secret().clone(),
                    next: next.to_owned(),
                    created_at: now,
                },
                MAX_PENDING,
            )
            .await?;
        if !kept {
            return Err(OidcError::TooMany);
        }
        Ok(Begun {
            url: url.to_string(),
            browser,
        })
    }

    /// Finishes a sign-in at the callback: checks it, signs the person in with a new
    /// session (its token's hash and CSRF token given), or says why not.
    pub async fn finish(
        &self,
        context: &Context,
        callback: &Callback,
        browser: Option<&str>,
        session: (&str, &str),
        address: Option<std::net::IpAddr>,
    ) -> Result<Finished, OidcError> {
        let result = self.check(context, callback, browser, session).await;
        if let Err(OidcError::Refused(why)) = &result {
            let entry = NewAudit::new(
                &Actor::new("unknown", Channel::Ui),
                "session.sign_in_failed",
                "",
            )
            .after(serde_json::json!({
                "method": "oidc",
                "why": why,
                "address": address.map(|a| a.to_string()),
            }));
            context
                .store
                .record_audit(&[entry], context.clock.now())
                .await?;
        }
        result
    }

    async fn check(
        &self,
        context: &Context,
        callback: &Callback,
        browser: Option<&str>,
        (token_hash, csrf): (&str, &str),
    ) -> Result<Finished, OidcError> {
        let config = context.config.current();
        let oidc = config.auth.oidc.as_ref().ok_or(OidcError::NotConfigured)?;
        let now = context.clock.now();
        if let Some(error) = &callback.error {
            let said = callback.error_description.as_deref().unwrap_or(error);
            return Err(OidcError::Refused(format!(
                "The identity provider did not sign you in: {said}."
            )));
        }
        let (Some(code), Some(state)) = (&callback.code, &callback.state) else {
            return Err(OidcError::Refused(
                "The identity provider's answer has no code or state; start again.".into(),
            ));
        };
        let Some(login) = context.store.take_oidc_login(&sha256(state), now).await? else {
            return Err(OidcError::Refused(
                "This sign-in was already used or has expired; start again.".into(),
            ));
        };
        let same_browser = browser.is_some_and(|browser| {
            use subtle::ConstantTimeEq as _;
            bool::from(
                sha256(browser)
                    .as_bytes()
                    .ct_eq(login.browser_hash.as_bytes()),
            )
        });
        if !same_browser {
            return Err(OidcError::Refused(
                "This sign-in was started in another browser; start again here.".into(),
            ));
        }
        let base_url = config.server.base_url();
        let mut metadata = self.metadata(oidc, now, false).await?;
        let client = Self::client(oidc, metadata.clone(), &base_url)?;
        let http = http()?;
        let answer = client
            .exchange_code(AuthorizationCode::new(code.clone()))
            .map_err(|error| {
                OidcError::Refused(format!(
                    "The identity provider has no token endpoint: {error}."
                ))
            })?
            .set_pkce_verifier(PkceCodeVerifier::new(login.verifier.clone()))
            .request_async(&http)
            .await
            .map_err(|error| {
                OidcError::Refused(format!(
                    "The identity provider did not accept the sign-in: {}.",
                    error_chain(&error)
                ))
            })?;
        let raw = answer
            .id_token()
            .ok_or_else(|| OidcError::Refused("The identity provider sent no ID token.".into()))?
            .to_string();
        let token = FwIdToken::from_str(&raw).map_err(|error| {
            OidcError::Refused(format!("The ID token cannot be read: {error}."))
        })?;
        let nonce = Nonce::new(login.nonce.clone());
        let clock = context.clock.clone();
        let verify = |metadata: &ProviderMetadataWithLogout| {
            let client = Self::client(oidc, metadata.clone(), &base_url)?;
            let clock = clock.clone();
            let verifier = client
                .id_token_verifier()
                .set_time_fn(move || to_chrono(clock.now()));
            Ok::<_, OidcError>(token.claims(&verifier, &nonce).cloned())
        };
        let mut claims = verify(&metadata)?;
        // A signature no kept key checks may be by a key the provider rotated in since:
        // its keys are read again, once.
        if let Err(ClaimsVerificationError::SignatureVerification(_)) = &claims {
            metadata = self.metadata(oidc, now, true).await?;
            claims = verify(&metadata)?;
        }
        let claims = claims.map_err(|error| {
            OidcError::Refused(format!("The ID token did not check out: {error}."))
        })?;

        let email = claims
            .email()
            .filter(|_| claims.email_verified() != Some(false))
            .map(|email| email.to_string());
        let preferred = claims.preferred_username().map(|name| name.to_string());
        let who = email
            .clone()
            .or_else(|| preferred.clone())
            .unwrap_or_else(|| claims.subject().to_string());
        let groups = groups(&claims.additional_claims().0, &oidc.groups_claim);
        let Some(role) = oidc.roles.role_for(&groups) else {
            return Err(OidcError::Refused(format!(
                "{who} is in no group that gives access to Firewatch ({}); ask an admin to add you to one.",
                if groups.is_empty() {
                    "the provider sent no groups".to_owned()
                } else {
                    format!("groups: {}", groups.join(", "))
                }
            )));
        };
        let person = email
            .as_deref()
            .and_then(|email| person_by_email(&config, email));
        let subject = format!("{} {}", oidc.issuer, claims.subject().as_str());
        let names = names(preferred.as_deref(), email.as_deref(), &subject);
        let lifetime = SignedDuration::from_secs_f64(config.server.session_hours * 3600.0);
        let outcome = context
            .store
            .oidc_sign_in(
                &OidcUser {
                    subject: &subject,
                    names: &names,
                    email: email.as_deref(),
                    person,
                    role: role.as_str(),
                },
                &NewSession {
                    token_hash,
                    user_id: "",
                    csrf_token: csrf,
                    now,
                    expires_at: now.saturating_add(lifetime).unwrap_or(now),
                    id_token: Some(&raw),
                },
                &|(user, made)| {
                    let actor = Actor::user(&user.name, Channel::Ui);
                    let mut entries = Vec::new();
                    if *made {
                        // Made by the provider's word, on first sign-in.
                        entries.push(NewAudit::new(&actor, "user.create", &user.name).after(
                            serde_json::json!({ "role": role.as_str(), "single_sign_on": true }),
                        ));
                    }
                    entries.push(NewAudit::new(&actor, "session.sign_in", &user.name).after(
                        serde_json::json!({
                            "method": "oidc",
                            "role": role.as_str(),
                            "groups": groups,
                            "email": email,
                            "person": person,
                        }),
                    ));
                    entries
                },
            )
            .await?;
        match outcome {
            OidcSignIn::SignedIn(user) => {
                tracing::info!(user = %user.name, role = %user.role, "signed in through the identity provider");
                Ok(Finished {
                    user,
                    next: login.next,
                })
            }
            OidcSignIn::Disabled(user) => Err(OidcError::Refused(format!(
                "Your Firewatch user \"{}\" is disabled; ask an admin.",
                user.name
            ))),
        }
    }

    /// Where sign-out sends the browser so the provider's session ends too: its
    /// `end_session_endpoint` with the session's ID token, coming back to the sign-in page.
    /// `None` when the provider has none (or does not answer).
    pub async fn end_session_url(&self, context: &Context, id_token: &str) -> Option<String> {
        let config = context.config.current();
        let oidc = config.auth.oidc.as_ref()?;
        let metadata = self.metadata(oidc, context.clock.now(), false).await.ok()?;
        let endpoint = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        let token = FwIdToken::from_str(id_token).ok()?;
        let back =
            PostLogoutRedirectUrl::new(format!("{}/login?signed_out=1", config.server.base_url()))
                .ok()?;
        Some(
            openidconnect::LogoutRequest::from(endpoint)
                .set_id_token_hint(&token)
                .set_client_id(ClientId::new(oidc.client_id.clone()))
                .set_post_logout_redirect_uri(back)
                .http_get_url()
                .to_string(),
        )
    }
}

/// The groups claim: an array of strings, or one string.
fn groups(claims: &serde_json::Map<String, serde_json::Value>, name: &str) -> Vec<String> {
    match claims.get(name) {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_owned))
            .collect(),
        Some(serde_json::Value::String(one)) => vec![one.clone()],
        _ => Vec::new(),
    }
}

/// The `[[people]]` entry with this email, case aside.
fn person_by_email<'c>(config: &'c Config, email: &str) -> Option<&'c str> {
    config
        .people
        .iter()
        .find(|person| {
            person
                .email
                .as_deref()
                .is_some_and(|known| known.eq_ignore_ascii_case(email))
        })
        .map(|person| person.id.as_str())
}

/// Names to try for a new user: the provider's preferred name, the email's local part, then
/// those with a number, then one made from the subject (never taken).
fn names(preferred: Option<&str>, email: Option<&str>, subject: &str) -> Vec<String> {
    let local = email.and_then(|email| email.split('@').next());
    let mut base: Vec<String> = [preferred, local]
        .into_iter()
        .flatten()
        .map(|name| {
            name.chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
                .take(56)
                .collect::<String>()
        })
        .filter(|name| crate::accounts::users::valid_name(name))
        .collect();
    base.dedup();
    let mut names = base.clone();
    for name in &base {
        names.extend((2..10).map(|n| format!("{name}-{n}")));
    }
    names.push(format!("sso-{}", &sha256(subject)[..12]));
    names
}

/// An error and its causes, as one sentence.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut said = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !said.contains(&text) {
            said.push_str(": ");
            said.push_str(&text);
        }
        source = cause.source();
    }
    said
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_provider_then_a_number_then_the_subject() {
        let made = names(Some("ana"), Some("Ana.Kim@example.com"), "https://idp ana");
        assert_eq!(&made[..2], ["ana", "Ana.Kim"]);
        assert!(made.contains(&"ana-2".to_owned()));
        assert!(made.last().unwrap().starts_with("sso-"));
        let odd = names(Some("ana kim!"), None, "s");
        assert_eq!(odd[0], "anakim");
        assert_eq!(names(None, None, "s").len(), 1);
    }

    #[test]
    fn groups_are_an_array_or_one_string() {
        let claims: serde_json::Map<String, serde_json::Value> =
            serde_json::from_value(serde_json::json!({"groups": ["sre", 7, "dev"], "team": "ops"}))
                .unwrap();
        assert_eq!(groups(&claims, "groups"), ["sre", "dev"]);
        assert_eq!(groups(&claims, "team"), ["ops"]);
        assert!(groups(&claims, "roles").is_empty());
    }
}
