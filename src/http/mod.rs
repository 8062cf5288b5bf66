//! The HTTP surface: intake hooks, the JSON API, and the operations endpoints. Handlers
//! parse and authorize at the edge, then call the store or intake; no SQL lives here.

mod am;
mod api;
mod audit;
mod changes;
mod chat;
mod checks;
mod compliance;
mod error;
mod hooks;
mod incidents;
mod metrics;
mod monitoring;
mod oncall;
mod opsgenie;
mod postmortems;
pub mod reports;
pub mod serve;
pub mod silences;
mod status;

use axum::Router;
use axum::http::HeaderMap;

pub use error::ApiError;

use crate::core::scope::{self, Scope};
pub use crate::state::AppState;
use crate::store::StoreError;
use crate::store::accounts::ApiToken;

impl AppState {
    /// The token in `Authorization: Bearer …`, if it exists, is live and has `needed`.
    pub async fn authorize(
        &self,
        headers: &HeaderMap,
        needed: Scope,
    ) -> Result<ApiToken, ApiError> {
        let presented = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or_else(ApiError::unauthorized)?;
        self.authorize_token(presented, needed).await
    }

    /// A token given some other way (a calendar feed's `?token=`), checked the same way.
    pub async fn authorize_token(
        &self,
        presented: &str,
        needed: Scope,
    ) -> Result<ApiToken, ApiError> {
        let token = match self
            .store
            .find_token(&crate::accounts::tokens::hash(presented.trim()))
            .await
        {
            Ok(token) => token,
            Err(StoreError::NotFound) => return Err(ApiError::unauthorized()),
            Err(error) => return Err(error.into()),
        };
        let granted: Vec<Scope> = token.scopes.iter().filter_map(|s| s.parse().ok()).collect();
        if !scope::allows(&granted, needed) {
            return Err(ApiError::forbidden(needed.as_str()));
        }
        // A token acting for a person is capped by that person's role now, whatever scopes
        // it was given (the store finds none of a disabled person's).
        if let Some(user) = &token.user {
            let role = token
                .user_role
                .as_deref()
                .and_then(|role| role.parse::<crate::core::role::Role>().ok())
                .unwrap_or(crate::core::role::Role::Viewer);
            if !role.allows(needed.role_needed()) {
                return Err(ApiError::new(
                    axum::http::StatusCode::FORBIDDEN,
                    "role_required",
                    format!(
                        "this token acts for {user}, whose role is {role}; \"{}\" needs the {} role",
                        needed.as_str(),
                        needed.role_needed()
                    ),
                ));
            }
        }
        Ok(token)
    }
}

/// A path segment as text (or several, as a tuple). axum's own rejection answers in plain
/// text; this one answers in the API's error format.
pub struct PathText<T = String>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> axum::extract::FromRequestParts<S>
    for PathText<T>
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(text)) => Ok(PathText(text)),
            Err(rejection) => Err(ApiError::bad_parameter(rejection.body_text())),
        }
    }
}

/// A request body for the API, read within the server's limits; a body that could not be read
/// is answered in the API's error format: 503 `busy` with `Retry-After` while the body budget
/// is spent, 408 `body_timeout`, 413 `payload_too_large`, else 400 `invalid_body`.
pub struct RequestBody(pub axum::body::Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for RequestBody {
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        use crate::integrations::inbound::Rejection;

        match <axum::body::Bytes as axum::extract::FromRequest<S>>::from_request(request, state)
            .await
        {
            Ok(bytes) => Ok(RequestBody(bytes)),
            Err(rejection) => Err(match serve::refusal_of(&rejection) {
                Some(refusal) => Rejection::from(refusal).into(),
                None if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                    ApiError::new(
                        axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                        "the body is larger than the API takes (2 MiB)",
                    )
                }
                None => ApiError::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    "invalid_body",
                    format!("the body could not be read: {}", rejection.body_text()),
                ),
            }),
        }
    }
}

/// A time in a query (`core::window::parse_time`), or 400 `invalid_parameter` saying why: a
/// far-off time is as bad a parameter as an unreadable one.
fn query_time(name: &str, text: Option<&str>) -> Result<Option<jiff::Timestamp>, ApiError> {
    text.map(|text| crate::core::window::parse_time(name, text).map_err(ApiError::bad_parameter))
        .transpose()
}

/// A JSON request body as `T`, or 400 `invalid_json` saying what was expected.
fn json_body<T: serde::de::DeserializeOwned>(
    bytes: &axum::body::Bytes,
    what: &str,
) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|error| {
        ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the body is not {what}: {error}"),
        )
    })
}

/// How the record names what a token does: the person it acts for, as a signed-in person's
/// action names them, when it acts for one (`token create --user`); else the token.
pub(crate) fn token_actor(token: &ApiToken) -> String {
    match &token.user {
        Some(user) => format!("user:{user}"),
        None => format!("api:{}", token.name),
    }
}

/// Who the audit log says acted through the API: `token_actor`, from the API, or from the
/// command line when Firewatch's own client says so (`Firewatch-Client: cli`).
pub(crate) fn api_actor(
    token: &ApiToken,
    headers: &axum::http::HeaderMap,
) -> crate::core::audit::Actor {
    let channel = match headers
        .get("firewatch-client")
        .map(|value| value.as_bytes())
    {
        Some(b"cli") => crate::core::audit::Channel::Cli,
        _ => crate::core::audit::Channel::Api,
    };
    crate::core::audit::Actor::new(token_actor(token), channel)
}

pub use crate::state::ClientAddress;

/// The status page alone, for its own listener: at the root and under `/status` alike.
pub fn status_routes() -> Router<AppState> {
    Router::new()
        .route("/", axum::routing::get(status::page))
        .route("/status", axum::routing::get(status::page))
        .route("/incidents/{id}", axum::routing::get(status::incident))
        .route(
            "/status/incidents/{id}",
            axum::routing::get(status::incident),
        )
        .route("/status.json", axum::routing::get(status::summary))
        .route("/api/v2/summary.json", axum::routing::get(status::summary))
        .route("/feed.atom", axum::routing::get(status::atom))
        .route("/status/feed.atom", axum::routing::get(status::atom))
        .route("/feed.rss", axum::routing::get(status::rss))
        .route("/status/feed.rss", axum::routing::get(status::rss))
        .route("/subscribe", axum::routing::post(status::subscribe))
        .route("/status/subscribe", axum::routing::post(status::subscribe))
        .route(
            "/confirm/{token}",
            axum::routing::get(status::confirm_page).post(status::confirm),
        )
        .route(
            "/status/confirm/{token}",
            axum::routing::get(status::confirm_page).post(status::confirm),
        )
        .route(
            "/unsubscribe/{token}",
            axum::routing::get(status::unsubscribe_page).post(status::unsubscribe),
        )
        .route(
            "/status/unsubscribe/{token}",
            axum::routing::get(status::unsubscribe_page).post(status::unsubscribe),
        )
        .fallback(|| async { (axum::http::StatusCode::NOT_FOUND, "Not found.") })
        .layer(axum::middleware::map_response(status::public_headers))
}

/// Every route `http` serves, in one table: the router is built from it and a test holds it
/// against `openapi.json`, both ways, so neither can drift from the other.
macro_rules! route_table {
    ($($method:ident $path:literal => $handler:path,)*) => {
        /// (method, path) of every route, as `openapi.json` names them.
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path),)*];

        /// The intake hooks, the JSON API and the operations endpoints.
        pub fn routes() -> Router<AppState> {
            let mut router = Router::new();
            // A path named twice gets both methods (axum merges them).
            $(router = router.route($path, axum::routing::$method($handler));)*
            router.layer(axum::middleware::from_fn(status::public_headers_under_status))
        }
    };
}

route_table! {
    post "/hooks/{integration}" => hooks::receive,
    post "/v2/enqueue" => hooks::enqueue,
    post "/v2/change/enqueue" => hooks::change_enqueue,
    post "/v2/alerts" => opsgenie::create,
    post "/v2/alerts/{alias}/acknowledge" => opsgenie::acknowledge,
    post "/v2/alerts/{alias}/close" => opsgenie::close,
    post "/am/{integration}/api/v2/alerts" => am::post_alerts,
    get "/am/{integration}/api/v2/alerts" => am::get_alerts,
    get "/am/{integration}/api/v2/alerts/groups" => am::alert_groups,
    get "/am/{integration}/api/v2/silences" => am::list_silences,
    post "/am/{integration}/api/v2/silences" => am::post_silence,
    get "/am/{integration}/api/v2/silence/{id}" => am::get_silence,
    delete "/am/{integration}/api/v2/silence/{id}" => am::delete_silence,
    get "/am/{integration}/api/v2/status" => am::status,
    get "/am/{integration}/api/v2/receivers" => am::receivers,
    get "/am/{integration}/-/healthy" => am::healthy,
    get "/am/{integration}/-/ready" => am::ready,
    post "/chat/slack/{app}/interactions" => chat::slack_interactions,
    post "/chat/slack/{app}/commands" => chat::slack_commands,
    post "/chat/slack/{app}/events" => chat::slack_events,
    post "/chat/mattermost/{app}/actions" => chat::mattermost_actions,
    post "/chat/mattermost/{app}/dialogs" => chat::mattermost_dialogs,
    post "/chat/mattermost/{app}/commands" => chat::mattermost_commands,
    post "/chat/kakaowork/{destination}/actions" => chat::kakaowork_actions,
    get "/healthz" => monitoring::healthz,
    get "/readyz" => monitoring::readyz,
    get "/metrics" => monitoring::metrics,
    get "/api/v1/openapi.json" => api::openapi,
    get "/api/v1/events" => api::list_events,
    get "/api/v1/events/{id}" => api::get_event,
    get "/api/v1/notifications" => api::list_notifications,
    post "/api/v1/notifications/redrive" => api::redrive_all,
    get "/api/v1/notifications/{id}" => api::get_notification,
    post "/api/v1/notifications/{id}/redrive" => api::redrive_one,
    get "/api/v1/audit" => audit::list,
    get "/api/v1/tokens" => api::list_tokens,
    post "/api/v1/tokens" => api::create_token,
    delete "/api/v1/tokens/{id}" => api::revoke_token,
    get "/api/v1/alerts" => api::list_alerts,
    get "/api/v1/alerts/{id}" => api::get_alert,
    post "/api/v1/alerts/{id}/acknowledge" => api::acknowledge_alert,
    post "/api/v1/alerts/{id}/resolve" => api::resolve_alert,
    get "/api/v1/checks" => checks::list,
    get "/api/v1/heartbeats" => checks::list_heartbeats,
    get "/heartbeats/{name}" => checks::ping,
    post "/heartbeats/{name}" => checks::ping,
    post "/heartbeats/{name}/fail" => checks::fail,
    get "/api/v1/checks/{name}/history" => checks::history,
    get "/api/v1/reports/noise" => reports::noise,
    get "/api/v1/tasks" => reports::list_tasks,
    post "/api/v1/tasks/{id}/close" => reports::close_task,
    get "/api/v1/silences" => silences::list,
    post "/api/v1/silences" => silences::create,
    get "/api/v1/silences/{id}" => silences::get,
    delete "/api/v1/silences/{id}" => silences::expire,
    get "/api/v1/oncall" => oncall::on_call,
    get "/api/v1/schedules" => oncall::list_schedules,
    get "/api/v1/schedules/{id}/shifts" => oncall::shifts,
    get "/api/v1/schedules/{id}/overrides" => oncall::list_overrides,
    post "/api/v1/schedules/{id}/overrides" => oncall::create_override,
    delete "/api/v1/overrides/{id}" => oncall::delete_override,
    get "/api/v1/pages" => oncall::list_pages,
    post "/api/v1/people/{id}/test_page" => oncall::test_page,
    get "/ical/schedules/{file}" => oncall::schedule_feed,
    get "/ical/people/{file}" => oncall::person_feed,
    post "/twilio/gather/{token}" => oncall::twilio_gather,
    get "/api/v1/incidents" => incidents::list,
    post "/api/v1/incidents" => incidents::declare,
    get "/api/v1/incidents/{id}" => incidents::get,
    patch "/api/v1/incidents/{id}" => incidents::patch,
    post "/api/v1/incidents/{id}/acknowledge" => incidents::acknowledge,
    post "/api/v1/incidents/{id}/resolve" => incidents::resolve,
    post "/api/v1/incidents/{id}/notes" => incidents::note,
    post "/api/v1/incidents/{id}/alerts" => incidents::attach_alerts,
    post "/api/v1/incidents/{id}/updates" => incidents::update,
    get "/api/v1/incidents/{id}/timeline" => incidents::timeline,
    put "/api/v1/incidents/{id}/roles/{role}" => incidents::assign_role,
    get "/api/v1/incidents/{id}/postmortem" => postmortems::get,
    put "/api/v1/incidents/{id}/postmortem" => postmortems::save,
    post "/api/v1/incidents/{id}/postmortem/review" => postmortems::review,
    post "/api/v1/incidents/{id}/postmortem/publish" => postmortems::publish,
    get "/api/v1/postmortems" => postmortems::list,
    post "/api/v1/postmortems/check" => postmortems::check,
    post "/api/v1/incidents/{id}/action_items" => postmortems::add_item,
    get "/api/v1/action_items" => postmortems::list_items,
    patch "/api/v1/action_items/{id}" => postmortems::change_item,
    get "/status" => status::page,
    get "/status/incidents/{id}" => status::incident,
    get "/status.json" => status::summary,
    get "/api/v2/summary.json" => status::summary,
    get "/status/feed.atom" => status::atom,
    get "/status/feed.rss" => status::rss,
    post "/status/subscribe" => status::subscribe,
    get "/status/confirm/{token}" => status::confirm_page,
    post "/status/confirm/{token}" => status::confirm,
    get "/status/unsubscribe/{token}" => status::unsubscribe_page,
    post "/status/unsubscribe/{token}" => status::unsubscribe,
    put "/api/v1/status/components/{id}" => status::set_component,
    delete "/api/v1/status/components/{id}" => status::clear_component,
    get "/api/v1/changes" => changes::list,
    post "/api/v1/changes" => changes::announce,
    get "/api/v1/changes/{id}" => changes::get,
    post "/api/v1/changes/{id}/approve" => changes::approve,
    post "/api/v1/changes/{id}/reject" => changes::reject,
    get "/api/v1/deployments" => metrics::list,
    post "/api/v1/deployments" => metrics::record,
    get "/api/v1/deployments/{id}" => metrics::get,
    get "/api/v1/environments" => metrics::environments,
    get "/api/v1/compliance/reviews" => compliance::reviews,
    get "/api/v1/pipelines" => metrics::pipelines,
    get "/api/v1/metrics/dora" => metrics::dora,
    get "/api/v1/metrics/ops" => metrics::ops,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    #[test]
    fn openapi_describes_every_route_and_only_those() {
        let spec: serde_json::Value =
            serde_json::from_str(include_str!("openapi.json")).expect("openapi.json parses");
        let mut documented = BTreeSet::new();
        for (path, item) in spec["paths"].as_object().expect("paths") {
            for method in ["get", "post", "put", "patch", "delete"] {
                if item.get(method).is_some() {
                    documented.insert((method.to_owned(), path.clone()));
                }
            }
        }
        let served: BTreeSet<(String, String)> = super::ROUTES
            .iter()
            .map(|(method, path)| (method.to_string(), path.to_string()))
            .collect();
        let undocumented: Vec<_> = served.difference(&documented).collect();
        let unserved: Vec<_> = documented.difference(&served).collect();
        assert!(
            undocumented.is_empty(),
            "served but not in openapi.json: {undocumented:?}"
        );
        assert!(
            unserved.is_empty(),
            "in openapi.json but not served: {unserved:?}"
        );
    }
}
