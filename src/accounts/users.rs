//! People who sign in. Passwords are hashed with Argon2id (the `argon2` crate's defaults,
//! which follow OWASP's recommendation) and never stored, logged or shown in clear.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::core::role::Role;
use crate::store::{Store, StoreError};

/// Shorter passwords are refused: a person's password is the one secret here they choose.
pub const MIN_PASSWORD_LENGTH: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("the name may hold only letters, digits, '.', '_' and '-' (1 to 64 characters)")]
    BadName,
    #[error("the password must be at least {MIN_PASSWORD_LENGTH} characters")]
    ShortPassword,
    #[error("a user named \"{0}\" already exists")]
    Exists(String),
    #[error("could not hash the password: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(StoreError),
}

pub fn hash_password(password: &str) -> Result<String, UserError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|error| UserError::Hash(error.to_string()))
}

/// True when `password` matches the stored PHC string.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Creates a user; returns its id.
pub async fn add(
    store: &Store,
    name: &str,
    role: Role,
    password: &str,
    now: jiff::Timestamp,
) -> Result<String, UserError> {
    if !valid_name(name) {
        return Err(UserError::BadName);
    }
    if password.chars().count() < MIN_PASSWORD_LENGTH {
        return Err(UserError::ShortPassword);
    }
    // Argon2 takes tens of milliseconds of CPU by design: off the async threads.
    let owned = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&owned))
        .await
        .map_err(|error| UserError::Hash(error.to_string()))??;
    let id = crate::store::new_id(now);
    match store
        .create_user(&id, name, role.as_str(), &hash, now)
        .await
    {
        Ok(()) => Ok(id),
        Err(StoreError::Conflict) => Err(UserError::Exists(name.to_owned())),
        Err(error) => Err(UserError::Store(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let first = hash_password("correct horse battery").unwrap();
        let second = hash_password("correct horse battery").unwrap();
        assert!(first.starts_with("$argon2id$"), "{first}");
        assert_ne!(first, second, "a new salt each time");
        assert!(verify_password("correct horse battery", &first));
        assert!(!verify_password("correct horse battery!", &first));
        assert!(!verify_password("anything", "not a hash"));
    }
}
