//! Templates: one minijinja environment with the templates compiled into the binary, its
//! filters, and the error pages. The frame every signed-in page shares is `frame.rs`.

use std::sync::LazyLock;

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use minijinja::{Environment, Value, context};

use crate::core::role::Role;
use crate::i18n::Locale;
use crate::store::StoreError;

/// A link target from a sender (an alert's `generatorURL`, a pull request's `html_url`, a
/// deployment's `target_url`): only an http(s) URL or a path on this site, else none, so a
/// `javascript:` URL never becomes a link.
fn http_url(value: Option<String>) -> Option<String> {
    value.filter(|url| {
        crate::core::problem::is_http_url(url)
            || (url.starts_with('/') && !url.starts_with("//") && !url.starts_with("/\\"))
    })
}

macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "layout.html",
    "macros.html",
    "login.html",
    "error.html",
    "overview.html",
    "alerts.html",
    "alert.html",
    "silences.html",
    "noise.html",
    "insights.html",
    "deployment.html",
    "checks.html",
    "events.html",
    "event.html",
    "deliveries.html",
    "tokens.html",
    "users.html",
    "account.html",
    "sso_sign_out.html",
    "audit.html",
    "page_link.html",
    "oncall.html",
    "incidents.html",
    "incident_new.html",
    "incident.html",
    "postmortem.html",
    "postmortems.html",
    "action_items.html",
    "changes.html",
    "change.html",
    "status_components.html",
    "services.html",
    "environments.html",
    "compliance.html",
    "pipelines.html",
    "chat_link.html",
];

static ENVIRONMENT: LazyLock<Environment<'static>> = LazyLock::new(|| {
    // Optional values (a problem, a flash notice) are simply absent when there are none, so
    // undefined stays lenient; the page tests check what each page shows.
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        if let Err(error) = env.add_template(name, source) {
            // Templates are compiled in; a broken one is caught by the page tests.
            tracing::error!(template = name, %error, "page template does not compile");
        }
    }
    env.add_filter("http_url", http_url);
    crate::i18n::templates::register(&mut env);
    env
});

/// A `datetime-local` value (`2026-11-02T09:00`) in the viewer's zone.
pub fn local_time(text: &str, zone: &TimeZone) -> Option<Timestamp> {
    let civil: jiff::civil::DateTime = text.trim().parse().ok()?;
    zone.to_ambiguous_timestamp(civil).compatible().ok()
}

/// The `datetime-local` value that shows `at` in the viewer's zone, to the minute as the
/// input does.
pub fn local_input(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned(zone.clone())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

pub fn render(template: &str, context: Value) -> Result<Html<String>, PageError> {
    ENVIRONMENT
        .get_template(template)
        .and_then(|template| template.render(context))
        .map(Html)
        .map_err(|error| {
            tracing::error!(template, error = %format!("{error:#}"), "page failed to render");
            PageError::Internal
        })
}

tokio::task_local! {
    /// The language the request's browser asked for, for what is said without a signed-in
    /// page's frame: an error page.
    static BROWSER_LOCALE: Option<Locale>;
}

/// Runs a page's handler knowing its browser's language (`Accept-Language`).
pub async fn with_browser_locale(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let locale = super::frame::browser_locale(request.headers());
    BROWSER_LOCALE.scope(locale, next.run(request)).await
}

/// Why a page could not be shown. Each renders as a page a person can act on.
#[derive(Debug)]
pub enum PageError {
    /// Not signed in (or the session ended): to the sign-in page, then back.
    SignIn {
        next: String,
    },
    Forbidden(Role),
    Csrf,
    NotFound(&'static str),
    BadRequest(String),
    Unavailable,
    Internal,
}

impl From<StoreError> for PageError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => PageError::NotFound("page"),
            error => {
                tracing::error!(%error, "store error on a page");
                PageError::Unavailable
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let locale = BROWSER_LOCALE
            .try_with(|locale| *locale)
            .ok()
            .flatten()
            .unwrap_or_default();
        let (status, code, title, message) = match self {
            PageError::SignIn { next } => {
                return Redirect::to(&format!("/login?next={}", encode(&next))).into_response();
            }
            PageError::Forbidden(role) => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "error-forbidden",
                locale.text_with(
                    "error-forbidden-why",
                    &[(
                        "role",
                        locale.text(&format!("role-{}", role.as_str())).into(),
                    )],
                ),
            ),
            PageError::Csrf => (
                StatusCode::FORBIDDEN,
                "csrf_failed",
                "error-csrf",
                locale.text("error-csrf-why"),
            ),
            PageError::NotFound(what) => (
                StatusCode::NOT_FOUND,
                "not_found",
                "error-not-found",
                locale.text_with("error-not-found-why", &[("what", what.into())]),
            ),
            PageError::BadRequest(message) => (
                StatusCode::BAD_REQUEST,
                "bad_request",
                "error-bad-request",
                message,
            ),
            PageError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "store_unavailable",
                "error-unavailable",
                locale.text("error-unavailable-why"),
            ),
            PageError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "error-internal",
                locale.text("error-internal-why"),
            ),
        };
        let title = locale.text(title);
        let body = render(
            "error.html",
            context! {
                title => &title, message, code, assets => super::assets::prefix(),
                locale => locale.code(),
            },
        )
        .unwrap_or_else(|_| Html(format!("<!doctype html><title>{title}</title><p>{code}")));
        let mut response = (status, body).into_response();
        if let Ok(value) = code.parse() {
            response.headers_mut().insert("x-firewatch-error", value);
        }
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
        response
    }
}

/// Percent-encodes a query value.
pub fn encode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)])
        .map(|pair| pair.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

/// The query string pairs whose values were given (neither absent nor empty), for links that
/// ask for the same page again.
pub fn given_pairs<'q>(pairs: &[(&'q str, &'q Option<String>)]) -> Vec<(&'q str, &'q str)> {
    pairs
        .iter()
        .filter_map(|(name, value)| {
            value
                .as_deref()
                .filter(|text| !text.is_empty())
                .map(|text| (*name, text))
        })
        .collect()
}

/// A CSV download named `filename`, for the pages whose reports the API also gives as CSV.
pub fn csv_download(filename: &str, body: String) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_file_is_registered() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/templates");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(
                TEMPLATES.iter().any(|(registered, _)| *registered == name),
                "{name} is not in TEMPLATES"
            );
        }
    }

    #[test]
    fn every_template_compiles() {
        for (name, source) in TEMPLATES {
            let mut env = Environment::new();
            for (other, text) in TEMPLATES {
                env.add_template(other, text).unwrap();
            }
            env.get_template(name)
                .unwrap_or_else(|error| panic!("{name}: {error:#} in {} bytes", source.len()));
        }
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            encode("/events?source=github&kind=a b"),
            "%2Fevents%3Fsource%3Dgithub%26kind%3Da+b"
        );
    }
}
