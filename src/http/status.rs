//! The public status page, with no sign-in: `/status`, `/status/incidents/{id}`,
//! `/status.json`, `/status/feed.atom` and `/status/feed.rss`, all served from the cache; and,
//! with a token, a component's status set by hand (`PUT`/`DELETE
//! /api/v1/status/components/{id}`).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{AppState, PathText};
use crate::i18n::Locale;

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "5")],
        "The status page is being rebuilt; try again in a moment.",
    )
        .into_response()
}

async fn serve(
    state: &AppState,
    content_type: &'static str,
    pick: impl FnOnce(&crate::statuspage::cache::Built) -> Option<bytes::Bytes>,
) -> Response {
    match state
        .status_page
        .get(&state.store, &state.config, &state.clock)
        .await
    {
        Ok(built) => match pick(&built) {
            Some(body) => (
                [
                    (header::CONTENT_TYPE, content_type),
                    // Short, so a CDN in front takes the load and a change shows within a minute.
                    (header::CACHE_CONTROL, "public, max-age=30"),
                ],
                body,
            )
                .into_response(),
            None => (
                StatusCode::NOT_FOUND,
                "No such incident on this status page.",
            )
                .into_response(),
        },
        Err(error) => {
            tracing::error!(%error, "could not build the status page");
            unavailable()
        }
    }
}

/// The public pages' headers: never framed, no sniffing, no referrer (confirm and unsubscribe
/// links carry a token in their path), and only the page's own inline style, http(s) images
/// (the logo) and forms that post back to this site.
pub async fn public_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; \
             form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
    ] {
        headers.insert(name, axum::http::HeaderValue::from_static(value));
    }
    response
}

/// [`public_headers`] for the status page's routes among the main listener's.
pub async fn public_headers_under_status(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let public = request.uri().path() == "/status"
        || request.uri().path().starts_with("/status/")
        || request.uri().path() == "/status.json"
        || request.uri().path() == "/api/v2/summary.json";
    let response = next.run(request).await;
    if public {
        public_headers(response).await
    } else {
        response
    }
}

/// The status page's language: its own `locale`, else the visitor's browser's, else the
/// server's.
fn reader_locale(state: &AppState, headers: &HeaderMap) -> Locale {
    let config = state.config.current();
    config
        .status_page
        .locale
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|value| value.to_str().ok())
                .and_then(Locale::from_accept_language)
        })
        .unwrap_or(config.server.locale)
}

/// A page in the reader's language; a cache in front keeps one per `Accept-Language`.
fn negotiated(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::VARY,
        axum::http::HeaderValue::from_static("Accept-Language"),
    );
    response
}

pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let locale = reader_locale(&state, &headers);
    negotiated(
        serve(&state, "text/html; charset=utf-8", |b| {
            Some(b.html.get(locale).clone())
        })
        .await,
    )
}

pub async fn incident(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(id): PathText,
) -> Response {
    let locale = reader_locale(&state, &headers);
    negotiated(
        serve(&state, "text/html; charset=utf-8", |b| {
            b.incidents.get(&id).map(|html| html.get(locale).clone())
        })
        .await,
    )
}

pub async fn summary(State(state): State<AppState>) -> Response {
    serve(&state, "application/json", |b| Some(b.json.clone())).await
}

pub async fn atom(State(state): State<AppState>) -> Response {
    serve(&state, "application/atom+xml; charset=utf-8", |b| {
        Some(b.atom.clone())
    })
    .await
}

pub async fn rss(State(state): State<AppState>) -> Response {
    serve(&state, "application/rss+xml; charset=utf-8", |b| {
        Some(b.rss.clone())
    })
    .await
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ManualRequest {
    status: String,
    note: Option<String>,
}

/// `PUT /api/v1/status/components/{id}` `{"status", "note"?}`: wins over incidents and
/// maintenance until cleared; the page says it was set by hand.
pub async fn set_component(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    PathText(id): PathText,
    super::RequestBody(bytes): super::RequestBody,
) -> Result<axum::Json<serde_json::Value>, super::error::ApiError> {
    use super::error::ApiError;
    let token = state
        .authorize(&headers, crate::core::scope::Scope::IncidentsWrite)
        .await?;
    known_component(&state, &id)?;
    let request: ManualRequest = serde_json::from_slice(&bytes).map_err(|error| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the body is not {{\"status\", \"note\"?}}: {error}"),
        )
    })?;
    let status = crate::core::status::ComponentStatus::parse(&request.status).ok_or_else(|| {
        ApiError::bad_parameter(format!(
            "status \"{}\" is none of operational, degraded_performance, partial_outage, major_outage, under_maintenance",
            request.status
        ))
    })?;
    let set = crate::store::statuspage::StatusOverride {
        component: id.clone(),
        status,
        note: request
            .note
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty()),
        set_by: super::token_actor(&token),
        set_at: state.clock.now(),
    };
    let actor = super::api_actor(&token, &headers);
    let audit = crate::statuspage::audit_entry(&state.store, &actor, &id, Some(&set)).await?;
    state
        .store
        .set_status_override(&id, Some(&set), &[audit], state.clock.now())
        .await?;
    state.status_changed.mark();
    Ok(axum::Json(serde_json::json!(set)))
}

/// `DELETE /api/v1/status/components/{id}`: back to what incidents and maintenance say.
pub async fn clear_component(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    PathText(id): PathText,
) -> Result<StatusCode, super::error::ApiError> {
    let token = state
        .authorize(&headers, crate::core::scope::Scope::IncidentsWrite)
        .await?;
    known_component(&state, &id)?;
    let actor = super::api_actor(&token, &headers);
    let audit = crate::statuspage::audit_entry(&state.store, &actor, &id, None).await?;
    state
        .store
        .set_status_override(&id, None, &[audit], state.clock.now())
        .await?;
    state.status_changed.mark();
    Ok(StatusCode::NO_CONTENT)
}

fn known_component(state: &AppState, id: &str) -> Result<(), super::error::ApiError> {
    let config = state.config.current();
    if config.status_page.components.iter().any(|c| c.id() == id) {
        Ok(())
    } else {
        Err(super::error::ApiError::not_found("status page component"))
    }
}

/// A subscription page, or its error, as HTML, in the status page's reader's language:
/// `heading` and the button are message keys, `text` is already worded.
fn message_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    heading: &str,
    text: &str,
    form: Option<(&str, &str)>,
) -> Response {
    let locale = reader_locale(state, headers);
    let config = state.config.current();
    let url = crate::statuspage::snapshot::page_url(&config);
    let button = form.map(|(action, key)| (action, locale.text(key)));
    let html = crate::statuspage::render::message(&crate::statuspage::render::MessagePage {
        title: &config.status_page.title,
        url: &url,
        heading: &locale.text(heading),
        text,
        form: button
            .as_ref()
            .map(|(action, label)| (*action, label.as_str())),
        locale,
    });
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response()
}

/// What every accepted request is told, whoever the address belongs to.
const REQUESTED: &str = "If the address can receive messages, a confirmation link is on its way \
                         there. Nothing else is sent until it is followed.";

/// A subscription page's sentence, in the reader's language.
fn said(state: &AppState, headers: &HeaderMap, key: &str) -> String {
    reader_locale(state, headers).text(key)
}

/// `POST /status/subscribe`, as JSON (`{"email"} | {"webhook"}`, `"components"`) or as the
/// page's form. The answer never says whether the address was subscribed already.
pub async fn subscribe(
    State(state): State<AppState>,
    super::ClientAddress(peer): super::ClientAddress,
    headers: axum::http::HeaderMap,
    super::RequestBody(bytes): super::RequestBody,
) -> Response {
    use super::error::ApiError;
    use crate::statuspage::subscribers::{Request, SubscribeError};
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    let request: Result<Request, String> = if json {
        serde_json::from_slice(&bytes).map_err(|error| error.to_string())
    } else {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .map_err(|error| error.to_string())
            .and_then(Request::from_form)
    };
    let config = state.config.current();
    let client = crate::statuspage::subscribers::client_address(&config, &headers, peer);
    let result = match request {
        Ok(request) => crate::statuspage::subscribers::subscribe(&state, request, client).await,
        Err(error) => Err(SubscribeError::Invalid(format!(
            "the request is not {{\"email\"}} or {{\"webhook\"}} with \"components\": {error}"
        ))),
    };
    let error = match result {
        Ok(()) if json => {
            return (
                StatusCode::ACCEPTED,
                axum::Json(serde_json::json!({ "state": "requested", "message": REQUESTED })),
            )
                .into_response();
        }
        Ok(()) => {
            return message_page(
                &state,
                &headers,
                StatusCode::ACCEPTED,
                "status-sub-inbox",
                &said(&state, &headers, "status-sub-requested"),
                None,
            );
        }
        Err(SubscribeError::Off) => ApiError::new(
            StatusCode::NOT_FOUND,
            "subscriptions_off",
            "this status page takes no subscriptions",
        ),
        Err(SubscribeError::Invalid(message)) => {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_subscription", message)
        }
        Err(SubscribeError::RateLimited(wait)) => {
            let mut error = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many subscribe requests from this address; try again later",
            );
            error.retry_after = Some(crate::integrations::inbound::retry_after_seconds(wait));
            error
        }
        Err(SubscribeError::Store(error)) => ApiError::from(error),
    };
    if json {
        return error.into_response();
    }
    let mut page = message_page(
        &state,
        &headers,
        error.status,
        "status-sub-not-subscribed",
        &error.message,
        None,
    );
    if let Some(seconds) = error.retry_after {
        if let Ok(value) = seconds.to_string().parse() {
            page.headers_mut().insert(header::RETRY_AFTER, value);
        }
    }
    page
}

/// `GET /status/confirm/{token}`: a button, so a mail scanner that opens links confirms
/// nothing.
pub async fn confirm_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(token): PathText,
) -> Response {
    let action = format!(
        "{}/confirm/{token}",
        crate::statuspage::snapshot::page_url(&state.config.current())
    );
    message_page(
        &state,
        &headers,
        StatusCode::OK,
        "status-sub-confirm",
        &said(&state, &headers, "status-sub-confirm-press"),
        Some((&action, "subscriber-confirm-link")),
    )
}

/// `POST /status/confirm/{token}`.
pub async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(token): PathText,
) -> Response {
    match state
        .store
        .confirm_subscription(&token, state.clock.now())
        .await
    {
        Ok(Some(_)) => message_page(
            &state,
            &headers,
            StatusCode::OK,
            "status-sub-subscribed",
            &said(&state, &headers, "status-sub-subscribed-why"),
            None,
        ),
        Ok(None) => message_page(
            &state,
            &headers,
            StatusCode::NOT_FOUND,
            "status-sub-stale",
            &said(&state, &headers, "status-sub-stale-why"),
            None,
        ),
        Err(error) => {
            tracing::error!(%error, "could not confirm a subscription");
            unavailable()
        }
    }
}

/// `GET /status/unsubscribe/{token}`: a button, as for confirming.
pub async fn unsubscribe_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(token): PathText,
) -> Response {
    let action = format!(
        "{}/unsubscribe/{token}",
        crate::statuspage::snapshot::page_url(&state.config.current())
    );
    message_page(
        &state,
        &headers,
        StatusCode::OK,
        "subscriber-unsubscribe",
        &said(&state, &headers, "status-sub-unsubscribe-press"),
        Some((&action, "subscriber-unsubscribe")),
    )
}

/// `POST /status/unsubscribe/{token}`: the button, and RFC 8058's one-click POST
/// (`List-Unsubscribe=One-Click`), which carries no cookie and needs none.
pub async fn unsubscribe(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathText(token): PathText,
) -> Response {
    match state.store.unsubscribe(&token, state.clock.now()).await {
        Ok(Some(_)) => message_page(
            &state,
            &headers,
            StatusCode::OK,
            "status-sub-unsubscribed",
            &said(&state, &headers, "status-sub-unsubscribed-why"),
            None,
        ),
        Ok(None) => message_page(
            &state,
            &headers,
            StatusCode::NOT_FOUND,
            "status-sub-invalid",
            &said(&state, &headers, "status-sub-invalid-why"),
            None,
        ),
        Err(error) => {
            tracing::error!(%error, "could not unsubscribe");
            unavailable()
        }
    }
}
