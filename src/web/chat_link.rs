//! `/chat-link`: where a chat user Firewatch did not know links themself, from the signed link
//! a click or `/fw` answered them with (`accounts::chat_link`). Signing in comes first (the
//! page asks for a session like every other), then one button confirms.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Html;
use minijinja::context;

use super::auth::{Form, SignedIn};
use super::frame::Frame;
use super::render::PageError;
use crate::accounts::chat_link::{self, Link, LinkError};
use crate::state::AppState;

fn render(
    state: &AppState,
    user: &SignedIn,
    headers: &HeaderMap,
    link: &Link,
    problem: Option<String>,
    linked: bool,
) -> Result<Html<String>, PageError> {
    let config = state.config.current();
    let app_kind = match config.chat_app(&link.app) {
        Some(app) if app.kind_name() == "slack" => "Slack",
        Some(_) => "Mattermost",
        None => "chat",
    };
    let person_name = user
        .person(&config)
        .map(|person| person.display_name().to_owned());
    // Say what is wrong before offering the button.
    let problem = problem.or_else(|| match &person_name {
        None => Some(LinkError::NoPerson(user.user.name.clone()).to_string()),
        Some(_) => None,
    });
    Frame {
        state,
        user,
        headers,
        section: "",
    }
    .render(
        "chat_link.html",
        context! {
            link => minijinja::Value::from(minijinja::value::Serde(link)),
            app_kind,
            person_name,
            role => user.role.as_str(),
            problem,
            linked,
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    Query(link): Query<Link>,
) -> Result<Html<String>, PageError> {
    let problem = chat_link::check(&state.config.current(), &link, state.clock.now())
        .err()
        .map(str::to_owned);
    render(&state, &user, &headers, &link, problem, false)
}

pub async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    Form(link): Form<Link>,
) -> Result<Html<String>, PageError> {
    match chat_link::link(&state, &link, &user.user.name, user.user.person.as_deref()).await {
        Ok(_) => render(&state, &user, &headers, &link, None, true),
        Err(LinkError::Store(error)) => Err(error.into()),
        Err(refused) => render(
            &state,
            &user,
            &headers,
            &link,
            Some(refused.to_string()),
            false,
        ),
    }
}
