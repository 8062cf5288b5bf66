//! The web UI: server-rendered pages behind sign-in, with roles. Pages read the store and
//! change it only through the same store calls the API uses; every form carries the session's
//! CSRF token, and every page answers with headers that keep it from being framed or from
//! running anything but its own scripts.
//!
//! Adding a page: a handler taking [`SignedIn`] (and [`Form`] for a POST), a template in
//! `templates/` that extends `layout.html`, a route in [`routes`], and, when it belongs in the
//! navigation, an entry in `NAV`.

mod account;
mod action_items;
mod admin;
mod alerts;
mod assets;
mod audit;
mod auth;
mod changes;
mod chat_link;
mod checks;
mod compliance;
mod deliveries;
mod environments;
mod events;
mod frame;
mod incidents;
mod insights;
mod login;
mod markdown;
mod noise;
mod oidc;
mod oncall;
mod overview;
mod page_link;
mod pipelines;
mod postmortems;
mod render;
mod services;
mod silences;
mod status_components;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum::routing::{get, post};

pub use auth::{Form, SignedIn};
pub use render::PageError;

use crate::state::AppState;

/// A path segment as text. One that is not (percent-decoded UTF-8) is a bad request page,
/// as a browser should see it.
pub struct PagePath(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PagePath {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<String>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(text)) => Ok(PagePath(text)),
            Err(rejection) => Err(PageError::BadRequest(rejection.body_text())),
        }
    }
}

pub fn routes() -> Router<AppState> {
    let pages = Router::new()
        .route("/", get(overview::page))
        .route("/login", get(login::page).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/auth/oidc/login", get(oidc::login))
        .route("/auth/oidc/callback", get(oidc::callback))
        .route("/alerts", get(alerts::page))
        .route("/alerts/{id}", get(alerts::detail))
        .route("/alerts/{id}/acknowledge", post(alerts::acknowledge))
        .route("/alerts/{id}/resolve", post(alerts::resolve))
        .route("/alerts/tasks/{id}/close", post(alerts::close_task))
        .route("/incidents", get(incidents::list))
        .route(
            "/incidents/new",
            get(incidents::new).post(incidents::declare),
        )
        .route("/incidents/{id}", get(incidents::detail))
        .route("/incidents/{id}/acknowledge", post(incidents::acknowledge))
        .route("/incidents/{id}/resolve", post(incidents::resolve))
        .route("/incidents/{id}/state", post(incidents::move_to))
        .route("/incidents/{id}/roles", post(incidents::assign_role))
        .route("/incidents/{id}/times", post(incidents::edit_times))
        .route("/incidents/{id}/updates", post(incidents::post_update))
        .route("/incidents/{id}/notes", post(incidents::add_note))
        .route("/incidents/{id}/alerts", post(incidents::attach_alert))
        .route("/incidents/{id}/cause", post(incidents::mark_cause))
        .route("/incidents/{id}/rule-out", post(incidents::rule_out))
        .route(
            "/incidents/{id}/postmortem",
            get(postmortems::page).post(postmortems::save),
        )
        .route(
            "/incidents/{id}/postmortem/state",
            post(postmortems::move_to),
        )
        .route(
            "/incidents/{id}/postmortem/preview",
            post(postmortems::preview),
        )
        .route(
            "/incidents/{id}/postmortem/export",
            get(postmortems::export),
        )
        .route("/postmortems", get(postmortems::list))
        .route("/incidents/{id}/action_items", post(action_items::add))
        .route("/action_items", get(action_items::list))
        .route("/action_items/{id}/status", post(action_items::set_status))
        .route("/oncall", get(oncall::page))
        .route("/services", get(services::page))
        .route("/oncall/overrides", post(oncall::create_override))
        .route(
            "/oncall/overrides/{id}/delete",
            post(oncall::delete_override),
        )
        .route("/oncall/test-page", post(oncall::test_page))
        .route("/status-components", get(status_components::page))
        .route("/status-components/{id}", post(status_components::set))
        .route("/changes", get(changes::page).post(changes::announce))
        .route("/changes/{id}", get(changes::show))
        .route("/changes/{id}/approve", post(changes::approve))
        .route("/changes/{id}/reject", post(changes::reject))
        .route("/silences", get(silences::page).post(silences::create))
        .route("/silences/{id}/expire", post(silences::expire))
        .route("/insights", get(insights::page))
        .route("/insights/deployments/{id}", get(insights::deployment))
        .route("/noise", get(noise::page))
        .route("/noise.csv", get(noise::csv))
        .route("/checks", get(checks::page))
        .route("/pipelines", get(pipelines::page))
        .route("/environments", get(environments::page))
        .route("/compliance", get(compliance::page))
        .route("/compliance/reviews.csv", get(compliance::csv))
        .route("/events", get(events::list))
        .route("/events/{id}", get(events::detail))
        .route("/events/{id}/raw", get(events::raw))
        .route("/deliveries", get(deliveries::page))
        .route("/deliveries/redrive", post(deliveries::redrive_all))
        .route("/deliveries/{id}/redrive", post(deliveries::redrive_one))
        .route("/tokens", get(admin::tokens).post(admin::create_token))
        .route("/tokens/{id}/revoke", post(admin::revoke_token))
        .route("/users", get(admin::users).post(admin::create_user))
        .route("/users/{id}", post(admin::update_user))
        .route("/audit", get(audit::page))
        .route("/account", get(account::page))
        .route("/account/password", post(account::change_password))
        .route("/a/{token}", get(page_link::show).post(page_link::act))
        .route("/chat-link", get(chat_link::show).post(chat_link::confirm))
        .layer(axum::middleware::map_response(page_headers))
        .layer(axum::middleware::from_fn(render::with_browser_locale));
    pages.route("/assets/{version}/{*file}", get(assets::serve))
}

/// Pages are never cached (they hold CSRF tokens and private data), never framed, and run
/// only the scripts served from `/assets`.
async fn page_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}
