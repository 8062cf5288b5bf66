//! Templates: one minijinja environment with the templates compiled into the binary, its
//! filters, and the error pages. The frame every signed-in page shares is `frame.rs`.

use std::sync::LazyLock;

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use minijinja::{Environment, State, Value, context};

use crate::core::role::Role;
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
    env.add_filter("when", when);
    env.add_filter("when_full", when_full);
    env.add_filter("ago", ago);
    env.add_filter("millis", millis);
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

fn zone_of(state: &State) -> TimeZone {
    state
        .lookup("tz")
        .and_then(|value| value.as_str().and_then(|name| TimeZone::get(name).ok()))
        .unwrap_or(TimeZone::UTC)
}

fn timestamp(value: &Value) -> Option<Timestamp> {
    value.as_str().and_then(|text| text.parse().ok())
}

/// `2026-11-22 14:03` in the viewer's zone.
fn when(state: &State, value: Value) -> String {
    timestamp(&value).map_or_else(String::new, |at| {
        at.to_zoned(zone_of(state))
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    })
}

/// `2026-11-22 14:03:05 KST` in the viewer's zone.
fn when_full(state: &State, value: Value) -> String {
    timestamp(&value).map_or_else(String::new, |at| {
        at.to_zoned(zone_of(state))
            .strftime("%Y-%m-%d %H:%M:%S %Z")
            .to_string()
    })
}

/// `5 min ago`, `in 2 h`, from the page's `now`.
fn ago(state: &State, value: Value) -> String {
    let (Some(at), Some(now)) = (
        timestamp(&value),
        state.lookup("now").as_ref().and_then(timestamp),
    ) else {
        return String::new();
    };
    let span = now.duration_since(at);
    let text = short_duration(span.abs());
    if span.is_negative() {
        format!("in {text}")
    } else if span < SignedDuration::from_secs(5) {
        "just now".into()
    } else {
        format!("{text} ago")
    }
}

pub fn short_duration(span: SignedDuration) -> String {
    let seconds = span.as_secs();
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min", seconds / 60),
        3600..86400 => format!("{} h", seconds / 3600),
        _ => format!("{} d", seconds / 86400),
    }
}

/// `850 ms`, `2.5 s`, `3.2 min`.
fn millis(value: Value) -> String {
    let Some(ms) = value
        .as_i64()
        .map(|v| v as f64)
        .or_else(|| f64::try_from(value).ok())
    else {
        return String::new();
    };
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else if ms < 60_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else {
        format!("{:.1} min", ms / 60_000.0)
    }
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
        let (status, code, title, message) = match self {
            PageError::SignIn { next } => {
                return Redirect::to(&format!("/login?next={}", encode(&next))).into_response();
            }
            PageError::Forbidden(role) => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "Not allowed",
                format!(
                    "This needs the {role} role. An admin can change your role on the Users page."
                ),
            ),
            PageError::Csrf => (
                StatusCode::FORBIDDEN,
                "csrf_failed",
                "Form expired",
                "This form did not come from your current session. Go back, reload the page and try again.".into(),
            ),
            PageError::NotFound(what) => (
                StatusCode::NOT_FOUND,
                "not_found",
                "Not found",
                format!("No such {what}."),
            ),
            PageError::BadRequest(message) => {
                (StatusCode::BAD_REQUEST, "bad_request", "Bad request", message)
            }
            PageError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "store_unavailable",
                "Unavailable",
                "The store did not answer. Nothing was changed; try again in a moment.".into(),
            ),
            PageError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Something went wrong",
                "The page could not be shown; the server log says why.".into(),
            ),
        };
        let body = render(
            "error.html",
            context! { title, message, code, assets => super::assets::prefix() },
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
    fn durations_read_short() {
        assert_eq!(short_duration(SignedDuration::from_secs(42)), "42 s");
        assert_eq!(short_duration(SignedDuration::from_secs(600)), "10 min");
        assert_eq!(short_duration(SignedDuration::from_secs(7300)), "2 h");
        assert_eq!(short_duration(SignedDuration::from_secs(3 * 86400)), "3 d");
        assert_eq!(millis(Value::from(850)), "850 ms");
        assert_eq!(millis(Value::from(2500)), "2.5 s");
        assert_eq!(
            encode("/events?source=github&kind=a b"),
            "%2Fevents%3Fsource%3Dgithub%26kind%3Da+b"
        );
    }
}
