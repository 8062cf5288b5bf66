//! API tokens: random, shown once, stored only as a SHA-256 hash. (Tokens carry 256 random
//! bits, so a fast hash is enough; passwords, which people choose, get Argon2.)

use sha2::{Digest, Sha256};

pub const PREFIX: &str = "fw_";

/// A new token's public id and its secret text.
pub fn generate() -> std::io::Result<(String, String)> {
    let mut secret = [0_u8; 32];
    getrandom::fill(&mut secret).map_err(|error| std::io::Error::other(error.to_string()))?;
    let mut id = [0_u8; 8];
    getrandom::fill(&mut id).map_err(|error| std::io::Error::other(error.to_string()))?;
    Ok((
        format!("tok_{}", hex::encode(id)),
        format!("{PREFIX}{}", hex::encode(secret)),
    ))
}

pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[derive(Debug, Clone)]
pub struct CreatedToken {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub user: Option<String>,
    /// Shown once; only its hash is stored.
    pub token: String,
}

/// Why a token was not made.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("no user \"{0}\": a token can belong only to a user who exists and is enabled")]
    UnknownUser(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Random(#[from] std::io::Error),
}

/// Makes a token; with `user`, it acts as that web UI user (who it approves a change as).
/// `creator` is kept with it: a token counts as its creator's too when a change is decided.
pub async fn create(
    store: &crate::store::Store,
    name: &str,
    scopes: &[crate::core::scope::Scope],
    user: Option<&str>,
    creator: &crate::store::accounts::TokenCreator,
    channel: crate::core::audit::Channel,
    now: jiff::Timestamp,
) -> Result<CreatedToken, TokenError> {
    if let Some(user) = user {
        match store.user_credentials(user).await {
            Ok((found, _)) if found.disabled_at.is_none() => {}
            Ok(_) | Err(crate::store::StoreError::NotFound) => {
                return Err(TokenError::UnknownUser(user.to_owned()));
            }
            Err(error) => return Err(error.into()),
        }
    }
    let (id, token) = generate()?;
    let scopes: Vec<String> = scopes.iter().map(|s| s.as_str().to_owned()).collect();
    let actor = crate::core::audit::Actor::new(&creator.by, channel);
    let audit = [crate::store::audit::NewAudit::new(&actor, "token.create", &id).after(
        serde_json::json!({ "name": name, "scopes": scopes, "user": user, "created_by": creator.by }),
    )];
    store
        .create_token(
            &crate::store::accounts::NewToken {
                id: &id,
                name,
                scopes: &scopes,
                user,
                creator,
                token_hash: &hash(&token),
                now,
            },
            &audit,
        )
        .await?;
    Ok(CreatedToken {
        id,
        name: name.to_owned(),
        scopes,
        user: user.map(str::to_owned),
        token,
    })
}

/// Revokes a live token, with its audit entry; `NotFound` when no live token has that id.
pub async fn revoke(
    store: &crate::store::Store,
    id: &str,
    actor: &crate::core::audit::Actor,
    now: jiff::Timestamp,
) -> Result<(), crate::store::StoreError> {
    let audit = [crate::store::audit::NewAudit::new(
        actor,
        "token.revoke",
        id,
    )];
    store.revoke_token(id, now, &audit).await
}
