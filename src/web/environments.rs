//! `/environments`: what is deployed where (each service's latest successful deployment per
//! environment, production first) and what waits to ship, oldest first.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Html;
use minijinja::context;

use super::auth::SignedIn;
use super::frame::Frame;
use super::render::PageError;
use crate::state::AppState;

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
) -> Result<Html<String>, PageError> {
    let config = state.config.current();
    let services = crate::metrics::environments::environments(&state.store, &config).await?;
    Frame {
        state: &state,
        user: &user,
        headers: &headers,
        section: "environments",
    }
    .render(
        "environments.html",
        context! { services => minijinja::Value::from(minijinja::value::Serde(&services)) },
    )
}
