//! People who sign in. Passwords are hashed with Argon2id (the `argon2` crate's defaults,
//! which follow OWASP's recommendation) and never stored, logged or shown in clear.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::core::audit::Actor;
use crate::core::role::Role;
use crate::store::audit::NewAudit;
use crate::store::{Store, StoreError};

/// Shorter passwords are refused: a person's password is the one secret here they choose.
pub const MIN_PASSWORD_LENGTH: usize = 12;

/// The least zxcvbn score taken: 3 is "safely unguessable" (about 10^10 guesses), what
/// zxcvbn's authors suggest for an online service with throttling.
const MIN_SCORE: zxcvbn::Score = zxcvbn::Score::Three;

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("the name may hold only letters, digits, '.', '_' and '-' (1 to 64 characters)")]
    BadName,
    #[error("the password must be at least {MIN_PASSWORD_LENGTH} characters")]
    ShortPassword,
    #[error("{0}")]
    WeakPassword(String),
    #[error("a user named \"{0}\" already exists")]
    Exists(String),
    #[error("no user named \"{0}\"")]
    Unknown(String),
    #[error("the current password is wrong")]
    WrongPassword,
    #[error(
        "\"{0}\" signs in through the identity provider and has no password here; change it there"
    )]
    SingleSignOn(String),
    #[error("could not hash the password: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(StoreError),
}

/// Refuses a password that is short, on a common-password list, or easy to guess (zxcvbn's
/// estimate, which also counts the user's own name and Firewatch's), with a sentence saying
/// why.
pub fn check_password(password: &str, name: &str) -> Result<(), UserError> {
    if password.chars().count() < MIN_PASSWORD_LENGTH {
        return Err(UserError::ShortPassword);
    }
    // zxcvbn's work grows with the length; past this the password is long enough anyway.
    let judged: String = password.chars().take(100).collect();
    let estimate = zxcvbn::zxcvbn(&judged, &[name, "firewatch"]);
    // One dictionary match over the whole password, from zxcvbn's list of passwords (its
    // `DictionaryType` is not exported, so it is named by its Debug form).
    let common = estimate.sequence().iter().any(|matched| {
        matched.i == 0
            && matched.j + 1 >= judged.chars().count()
            && matches!(&matched.pattern,
                zxcvbn::matching::patterns::MatchPattern::Dictionary(word)
                    if format!("{:?}", word.dictionary_name) == "Passwords")
    });
    if common {
        return Err(UserError::WeakPassword(
            "that password is on the list of the most common passwords; choose another".into(),
        ));
    }
    if estimate.score() < MIN_SCORE {
        let feedback = estimate.feedback();
        let warning = feedback
            .and_then(|feedback| feedback.warning())
            .map(|warning| format!(" ({})", warning.to_string().trim_end_matches('.')));
        let hint = feedback
            .and_then(|feedback| feedback.suggestions().first())
            .map(|hint| format!(" {hint}"))
            .unwrap_or_else(|| " Add another word or two that are not common.".into());
        return Err(UserError::WeakPassword(format!(
            "that password is too easy to guess{}.{hint}",
            warning.unwrap_or_default()
        )));
    }
    Ok(())
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

pub(crate) fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Argon2 takes tens of milliseconds of CPU by design: off the async threads.
async fn hash_off_thread(password: &str) -> Result<String, UserError> {
    let owned = password.to_owned();
    tokio::task::spawn_blocking(move || hash_password(&owned))
        .await
        .map_err(|error| UserError::Hash(error.to_string()))?
}

/// Creates a user; returns its id.
pub async fn add(
    store: &Store,
    name: &str,
    role: Role,
    password: &str,
    actor: &Actor,
    now: jiff::Timestamp,
) -> Result<String, UserError> {
    if !valid_name(name) {
        return Err(UserError::BadName);
    }
    check_password(password, name)?;
    let hash = hash_off_thread(password).await?;
    let id = crate::store::new_id(now);
    let audit = [NewAudit::new(actor, "user.create", name)
        .after(serde_json::json!({ "role": role.as_str() }))];
    match store
        .create_user(&id, name, role.as_str(), &hash, now, &audit)
        .await
    {
        Ok(()) => Ok(id),
        Err(StoreError::Conflict) => Err(UserError::Exists(name.to_owned())),
        Err(error) => Err(UserError::Store(error)),
    }
}

/// A person changes their own password: the current one must match; every other session of
/// theirs ends (`session`, the token hash of the one they are in, stays). How many ended.
pub async fn change_own_password(
    store: &Store,
    name: &str,
    current: &str,
    new: &str,
    session: &str,
    actor: &Actor,
    now: jiff::Timestamp,
) -> Result<u64, UserError> {
    let (user, stored) = match store.user_credentials(name).await {
        Ok(found) => found,
        Err(StoreError::NotFound) => return Err(UserError::Unknown(name.to_owned())),
        Err(error) => return Err(UserError::Store(error)),
    };
    let current = current.to_owned();
    let matches = tokio::task::spawn_blocking(move || verify_password(&current, &stored))
        .await
        .unwrap_or(false);
    if !matches {
        return Err(UserError::WrongPassword);
    }
    set_password(store, &user, new, Some(session), actor, now).await
}

/// An admin's reset (`firewatch user password NAME`): every session of the user ends.
pub async fn reset_password(
    store: &Store,
    name: &str,
    new: &str,
    actor: &Actor,
    now: jiff::Timestamp,
) -> Result<u64, UserError> {
    let user = match store.user_credentials(name).await {
        Ok((user, _)) => user,
        Err(StoreError::NotFound) => return Err(UserError::Unknown(name.to_owned())),
        Err(error) => return Err(UserError::Store(error)),
    };
    set_password(store, &user, new, None, actor, now).await
}

async fn set_password(
    store: &Store,
    user: &crate::store::accounts::User,
    new: &str,
    keep_session: Option<&str>,
    actor: &Actor,
    now: jiff::Timestamp,
) -> Result<u64, UserError> {
    if user.single_sign_on {
        return Err(UserError::SingleSignOn(user.name.clone()));
    }
    check_password(new, &user.name)?;
    let hash = hash_off_thread(new).await?;
    let action = if keep_session.is_some() {
        "user.password_change"
    } else {
        "user.password_reset"
    };
    // What changed is said, never the password or its hash.
    let audit = [NewAudit::new(actor, action, &user.name)];
    store
        .set_password(&user.id, &hash, keep_session, &audit, now)
        .await
        .map_err(UserError::Store)
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

    #[test]
    fn common_and_guessable_passwords_are_refused_with_a_reason() {
        for common in [
            "password1234",
            "qwertyuiop123",
            "iloveyou1234",
            "123456789012",
        ] {
            let error = check_password(common, "ana").unwrap_err();
            assert!(
                matches!(error, UserError::WeakPassword(_)),
                "{common}: {error}"
            );
            assert!(error.to_string().starts_with("that password is"), "{error}");
        }
        let error = check_password("anaana123456", "ana").unwrap_err();
        assert!(matches!(error, UserError::WeakPassword(_)), "{error}");
        assert!(matches!(
            check_password("short", "ana"),
            Err(UserError::ShortPassword)
        ));
        check_password("correct horse battery", "ana").unwrap();
        check_password("Vq7#mLp2!xRt9w", "ana").unwrap();
    }
}
