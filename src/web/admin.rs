//! Admin pages: API tokens (`/tokens`) and users (`/users`). An admin cannot disable or demote
//! the last enabled admin, so nobody can lock everyone out from the UI.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::Deserialize;

use super::auth::{Form, NoFields, SignedIn};
use super::frame::Frame;
use super::render::PageError;
use crate::accounts::users::UserError;
use crate::core::role::Role;
use crate::core::scope::{self, Scope};
use crate::state::AppState;
use crate::store::StoreError;
use crate::web::PagePath;

/// A form field that may be sent once or repeated (checkboxes).
#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::None => Vec::new(),
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

fn frame<'a>(
    state: &'a AppState,
    user: &'a SignedIn,
    headers: &'a HeaderMap,
    section: &'static str,
) -> Frame<'a> {
    Frame {
        state,
        user,
        headers,
        section,
    }
}

async fn tokens_page(
    state: &AppState,
    user: &SignedIn,
    headers: &HeaderMap,
    extra: Value,
) -> Result<Html<String>, PageError> {
    let tokens = state.store.list_tokens().await?;
    let users: Vec<_> = state
        .store
        .list_users()
        .await?
        .into_iter()
        .filter(|one| one.disabled_at.is_none())
        .collect();
    let scopes: Vec<&str> = Scope::ALL.iter().map(|scope| scope.as_str()).collect();
    frame(state, user, headers, "tokens").render(
        "tokens.html",
        context! {
            tokens => minijinja::Value::from(minijinja::value::Serde(&tokens)),
            users => minijinja::Value::from(minijinja::value::Serde(&users)),
            scopes,
            ..extra
        },
    )
}

pub async fn tokens(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
) -> Result<Html<String>, PageError> {
    user.require(Role::Admin)?;
    tokens_page(&state, &user, &headers, context! {}).await
}

#[derive(Debug, Deserialize)]
pub struct NewToken {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scopes: OneOrMany,
    /// The user it acts as; empty for none.
    #[serde(default)]
    user: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    Form(form): Form<NewToken>,
) -> Result<Response, PageError> {
    user.require(Role::Admin)?;
    let name = form.name.trim();
    let problem = if name.is_empty() || name.chars().count() > 100 {
        Some("Give the token a name of 1 to 100 characters, such as what will use it.".to_owned())
    } else {
        None
    };
    let scopes = scope::parse_list(&form.scopes.into_vec().join(","));
    let (problem, scopes) = match (problem, scopes) {
        (Some(problem), _) => (Some(problem), Vec::new()),
        (None, Err(_)) => (Some("Choose at least one scope.".to_owned()), Vec::new()),
        (None, Ok(scopes)) => (None, scopes),
    };
    if let Some(problem) = problem {
        let page = tokens_page(&state, &user, &headers, context! { problem, name }).await?;
        return Ok((StatusCode::BAD_REQUEST, page).into_response());
    }
    let now = state.clock.now();
    let acts_as = Some(form.user.trim()).filter(|u| !u.is_empty());
    let created = match crate::accounts::tokens::create(
        &state.store,
        name,
        &scopes,
        acts_as,
        &crate::store::accounts::TokenCreator::user(&user.user.name),
        crate::core::audit::Channel::Ui,
        now,
    )
    .await
    {
        Ok(created) => created,
        Err(error @ crate::accounts::tokens::TokenError::UnknownUser(_)) => {
            let problem = error.to_string();
            let page = tokens_page(&state, &user, &headers, context! { problem, name }).await?;
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
        Err(error) => {
            tracing::error!(error = %format!("{error:#}"), "token could not be created");
            return Err(PageError::Unavailable);
        }
    };
    tracing::info!(user = %user.user.name, token = %created.id, name = %created.name, "API token created");
    let page = tokens_page(
        &state,
        &user,
        &headers,
        context! { created => context! { id => created.id, name => created.name, token => created.token } },
    )
    .await?;
    Ok((StatusCode::CREATED, page).into_response())
}

pub async fn revoke_token(
    State(state): State<AppState>,
    user: SignedIn,
    PagePath(id): PagePath,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, PageError> {
    user.require(Role::Admin)?;
    match crate::accounts::tokens::revoke(&state.store, &id, &user.actor(), state.clock.now()).await
    {
        Ok(()) => {}
        Err(StoreError::NotFound) => return Err(PageError::NotFound("live token")),
        Err(error) => return Err(error.into()),
    }
    tracing::info!(user = %user.user.name, token = %id, "API token revoked");
    Ok(Redirect::to("/tokens").into_response())
}

async fn users_page(
    state: &AppState,
    user: &SignedIn,
    headers: &HeaderMap,
    extra: Value,
) -> Result<Html<String>, PageError> {
    let users = state.store.list_users().await?;
    frame(state, user, headers, "users").render(
        "users.html",
        context! {
            users => minijinja::Value::from(minijinja::value::Serde(&users)),
            roles => ["viewer", "responder", "admin"],
            min_password => crate::accounts::users::MIN_PASSWORD_LENGTH,
            ..extra
        },
    )
}

pub async fn users(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
) -> Result<Html<String>, PageError> {
    user.require(Role::Admin)?;
    users_page(&state, &user, &headers, context! {}).await
}

#[derive(Debug, Deserialize)]
pub struct NewUser {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

pub async fn create_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    Form(form): Form<NewUser>,
) -> Result<Response, PageError> {
    user.require(Role::Admin)?;
    let name = form.name.trim();
    let result = match form.role.parse::<Role>() {
        Err(error) => Err(error.to_string()),
        Ok(role) => crate::accounts::users::add(
            &state.store,
            name,
            role,
            &form.password,
            &user.actor(),
            state.clock.now(),
        )
        .await
        .map_err(|error| match error {
            UserError::Store(error) => {
                tracing::error!(%error, "user could not be stored");
                "The store did not answer; nothing was changed.".to_owned()
            }
            other => other.to_string(),
        }),
    };
    match result {
        Ok(_) => {
            tracing::info!(user = %user.user.name, added = %name, role = %form.role, "user added");
            Ok(Redirect::to("/users").into_response())
        }
        Err(problem) => {
            let page = users_page(
                &state,
                &user,
                &headers,
                context! { problem, name, role => form.role },
            )
            .await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct UserChange {
    role: Option<String>,
    /// `disable` or `enable`.
    action: Option<String>,
}

pub async fn update_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    PagePath(id): PagePath,
    Form(change): Form<UserChange>,
) -> Result<Response, PageError> {
    user.require(Role::Admin)?;
    let target = match state.store.get_user(&id).await {
        Ok(target) => target,
        Err(StoreError::NotFound) => return Err(PageError::NotFound("user")),
        Err(error) => return Err(error.into()),
    };
    let users = state.store.list_users().await?;
    let other_admins = users
        .iter()
        .filter(|u| u.id != target.id && u.role == "admin" && u.disabled_at.is_none())
        .count();
    let refuse = |problem: &str| {
        let problem = problem.to_owned();
        let state = state.clone();
        let user = user.clone();
        let headers = headers.clone();
        async move {
            let page = users_page(&state, &user, &headers, context! { problem }).await?;
            Ok::<_, PageError>((StatusCode::CONFLICT, page).into_response())
        }
    };
    if let Some(role) = change.role.as_deref().filter(|r| !r.is_empty()) {
        let role: Role = role
            .parse()
            .map_err(|error: crate::core::role::UnknownRole| {
                PageError::BadRequest(error.to_string())
            })?;
        if role != Role::Admin && target.role == "admin" && other_admins == 0 {
            return refuse("That is the last admin; make someone else an admin first.").await;
        }
        let audit = [
            crate::store::audit::NewAudit::new(&user.actor(), "user.role", &target.name)
                .before(serde_json::json!({ "role": target.role }))
                .after(serde_json::json!({ "role": role.as_str() })),
        ];
        state
            .store
            .set_user_role(&target.id, role.as_str(), &audit, state.clock.now())
            .await?;
        tracing::info!(user = %user.user.name, changed = %target.name, role = %role, "user role changed");
    }
    match change.action.as_deref() {
        Some("disable") => {
            if target.role == "admin" && other_admins == 0 {
                return refuse("That is the last admin; make someone else an admin first.").await;
            }
            let audit = [crate::store::audit::NewAudit::new(
                &user.actor(),
                "user.disable",
                &target.name,
            )];
            let now = state.clock.now();
            state
                .store
                .set_user_disabled(&target.id, Some(now), &audit, now)
                .await?;
            tracing::info!(user = %user.user.name, disabled = %target.name, "user disabled");
        }
        Some("enable") => {
            let audit = [crate::store::audit::NewAudit::new(
                &user.actor(),
                "user.enable",
                &target.name,
            )];
            state
                .store
                .set_user_disabled(&target.id, None, &audit, state.clock.now())
                .await?;
            tracing::info!(user = %user.user.name, enabled = %target.name, "user enabled");
        }
        Some(other) if !other.is_empty() => {
            return Err(PageError::BadRequest(format!("unknown action \"{other}\"")));
        }
        _ => {}
    }
    Ok(Redirect::to("/users").into_response())
}
