//! A chat user linking themself: someone Firewatch cannot match to a person is answered with a
//! signed link that expires; once they sign in to Firewatch and confirm, their chat user is kept
//! as their person's (`chat_users`, as an email match is), and their next click acts as them.

use jiff::Timestamp;

use crate::config::Config;
use crate::context::Context;
use crate::store::StoreError;

/// A link works for a day: long enough to find a laptop, short enough to go stale.
pub const LIFETIME_SECONDS: i64 = 24 * 60 * 60;

/// The link's web page, relative to the server's public URL.
pub const PATH: &str = "/chat-link";

/// What a link names: the app, its user, until when, and Firewatch's signature over them.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Link {
    pub app: String,
    pub user: String,
    /// Seconds since the epoch, as text: a web form's fields all are.
    pub expires: String,
    pub sig: String,
}

fn signing_key(secret: &str) -> String {
    format!("firewatch-chat-link:{secret}")
}

/// The address that links `user` of chat app `app`; `None` when there is no such app.
pub fn url(config: &Config, app: &str, user: &str, now: Timestamp) -> Option<String> {
    let chat_app = config.chat_app(app)?;
    let expires = (now.as_second() + LIFETIME_SECONDS).to_string();
    let link = Link {
        app: app.to_owned(),
        user: user.to_owned(),
        sig: crate::core::signing::tag(&signing_key(chat_app.secret()), &[app, user, &expires]),
        expires,
    };
    let query = serde_urlencoded::to_string(&link).ok()?;
    Some(format!("{}{PATH}?{query}", config.server.base_url()))
}

/// Whether Firewatch signed this link and it has not expired; a sentence when not.
pub fn check(config: &Config, link: &Link, now: Timestamp) -> Result<(), &'static str> {
    let Some(chat_app) = config.chat_app(&link.app) else {
        return Err("This link names a chat app Firewatch no longer has.");
    };
    let signed = crate::core::signing::tag_matches(
        &signing_key(chat_app.secret()),
        &[&link.app, &link.user, &link.expires],
        &link.sig,
    );
    if !signed {
        return Err("This link was not made by Firewatch, or was changed on the way.");
    }
    if link.expires.parse::<i64>().unwrap_or(0) < now.as_second() {
        return Err("This link has expired: click a button in chat again for a new one.");
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("{0}")]
    Refused(&'static str),
    #[error(
        "your user \"{0}\" is named by no [[people]] entry (its `user`), so there is nobody to link to"
    )]
    NoPerson(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Keeps the link's chat user as the signed-in user's person (`linked`, the one their single
/// sign-on matched, else the one whose `user` is `user_name`); that person's id.
pub async fn link(
    state: &Context,
    link: &Link,
    user_name: &str,
    linked: Option<&str>,
) -> Result<String, LinkError> {
    let config = state.config.current();
    let now = state.clock.now();
    check(&config, link, now).map_err(LinkError::Refused)?;
    let person = config
        .person_of(user_name, linked)
        .ok_or_else(|| LinkError::NoPerson(user_name.to_owned()))?;
    state
        .store
        .remember_chat_users(&link.app, &[(link.user.clone(), person.id.clone())], now)
        .await?;
    tracing::info!(app = %link.app, chat_user = %link.user, person = %person.id, "a chat user linked themself");
    Ok(person.id.clone())
}
