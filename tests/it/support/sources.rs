//! Stand-ins for the APIs `firewatch import` reads: PagerDuty's REST API v2, Opsgenie's REST
//! API and Grafana OnCall's public API v1, on 127.0.0.1. Each serves the files under
//! `tests/fixtures/import/<source>/api/` (`GET /a/b/` answers `api/a/b.json`), pages every
//! list in the source's own dialect, two items a page whatever the limit asked (so an importer
//! that ignores paging misses items), checks the source's credential header, answers its first
//! list request with `429` and a `Retry-After`, and records every request.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, Uri};
use serde_json::{Map, Value, json};

use super::standins::{json_answer, serve_router};

const PAGE_SIZE: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `limit`/`offset`, answered with `more`; the list under its resource's key.
    Pagerduty,
    /// `limit`/`offset`, answered with `paging.next`; the list under `data`.
    Opsgenie,
    /// `page`, answered with `next`; the list under `results`.
    GrafanaOncall,
}

impl Dialect {
    fn folder(self) -> &'static str {
        match self {
            Dialect::Pagerduty => "pagerduty",
            Dialect::Opsgenie => "opsgenie",
            Dialect::GrafanaOncall => "grafana-oncall",
        }
    }

    /// The credential header each source's documentation asks for.
    fn authorized(self, headers: &HeaderMap, credential: &str) -> bool {
        let header = headers
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .unwrap_or("");
        match self {
            Dialect::Pagerduty => header == format!("Token token={credential}"),
            Dialect::Opsgenie => header == format!("GenieKey {credential}"),
            Dialect::GrafanaOncall => header == credential,
        }
    }

    fn error(self, status: u16, message: &str) -> axum::response::Response {
        let body = match self {
            Dialect::Pagerduty => json!({"error": {"message": message, "code": 2006}}),
            Dialect::Opsgenie => {
                json!({"message": message, "took": 0.001, "requestId": "stand-in"})
            }
            Dialect::GrafanaOncall => json!({"detail": message}),
        };
        json_answer(status, body)
    }
}

#[derive(Clone)]
pub struct SourceApi {
    pub origin: String,
    pub credential: String,
    requests: Arc<Mutex<Vec<String>>>,
}

struct State {
    dialect: Dialect,
    root: PathBuf,
    credential: String,
    origin: Mutex<String>,
    requests: Arc<Mutex<Vec<String>>>,
    limited_once: AtomicBool,
}

impl SourceApi {
    pub async fn start(dialect: Dialect) -> SourceApi {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/import")
            .join(dialect.folder())
            .join("api");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let credential = format!("stand-in-{}-key", dialect.folder());
        let state = Arc::new(State {
            dialect,
            root,
            credential: credential.clone(),
            origin: Mutex::new(String::new()),
            requests: requests.clone(),
            limited_once: AtomicBool::new(false),
        });
        let handler_state = state.clone();
        let router = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
            let state = handler_state.clone();
            async move { answer(&state, &uri, &headers) }
        });
        let origin = serve_router(router).await;
        *state.origin.lock().unwrap() = origin.clone();
        SourceApi {
            origin,
            credential,
            requests,
        }
    }

    /// Every request's path and query, in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn query(uri: &Uri) -> Vec<(String, String)> {
    uri.query()
        .map(|query| serde_urlencoded::from_str(query).unwrap_or_default())
        .unwrap_or_default()
}

fn number(query: &[(String, String)], name: &str) -> Option<usize> {
    query
        .iter()
        .find(|(key, _)| key == name)
        .and_then(|(_, value)| value.parse().ok())
}

fn answer(state: &State, uri: &Uri, headers: &HeaderMap) -> axum::response::Response {
    let path_and_query = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned());
    state.requests.lock().unwrap().push(path_and_query);
    if !state.dialect.authorized(headers, &state.credential) {
        return state
            .dialect
            .error(401, "Unauthorized: the credential is missing or wrong");
    }
    let path = percent_decode(uri.path().trim_matches('/'));
    if path.contains("..") {
        return state.dialect.error(404, "Not found");
    }
    let file = state.root.join(format!("{path}.json"));
    let Ok(text) = std::fs::read_to_string(&file) else {
        return state.dialect.error(404, "Not found");
    };
    let Ok(Value::Object(document)) = serde_json::from_str::<Value>(&text) else {
        return json_answer(200, serde_json::from_str(&text).unwrap_or(Value::Null));
    };
    let Some(key) = list_key(state.dialect, &document) else {
        return json_answer(200, Value::Object(document));
    };
    // The first list request of the run is rate limited once, as a busy account's would be.
    if !state.limited_once.swap(true, Ordering::SeqCst) {
        let mut response = state
            .dialect
            .error(429, "Rate limit exceeded; retry after the time given");
        response
            .headers_mut()
            .insert("retry-after", axum::http::HeaderValue::from_static("1"));
        return response;
    }
    let origin = state.origin.lock().unwrap().clone();
    page(state.dialect, &origin, uri, document, &key)
}

fn list_key(dialect: Dialect, document: &Map<String, Value>) -> Option<String> {
    match dialect {
        Dialect::Opsgenie => document
            .get("data")
            .is_some_and(Value::is_array)
            .then(|| "data".to_owned()),
        Dialect::GrafanaOncall => document
            .get("results")
            .is_some_and(Value::is_array)
            .then(|| "results".to_owned()),
        Dialect::Pagerduty => document
            .iter()
            .find(|(key, value)| value.is_array() && key.as_str() != "include")
            .map(|(key, _)| key.clone()),
    }
}

fn page(
    dialect: Dialect,
    origin: &str,
    uri: &Uri,
    mut document: Map<String, Value>,
    key: &str,
) -> axum::response::Response {
    let items = document
        .get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let query = query(uri);
    let total = items.len();
    let (start, size) = match dialect {
        Dialect::GrafanaOncall => {
            let page = number(&query, "page").unwrap_or(1).max(1);
            ((page - 1) * PAGE_SIZE, PAGE_SIZE)
        }
        _ => (
            number(&query, "offset").unwrap_or(0),
            number(&query, "limit").unwrap_or(25).clamp(1, PAGE_SIZE),
        ),
    };
    let slice: Vec<Value> = items.iter().skip(start).take(size).cloned().collect();
    let end = (start + slice.len()).min(total);
    let more = end < total;
    // The next page's link keeps the request's other parameters.
    let link = |changes: &[(&str, String)]| {
        let mut pairs: Vec<(String, String)> = query
            .iter()
            .filter(|(key, _)| !changes.iter().any(|(name, _)| name == key))
            .cloned()
            .collect();
        pairs.extend(changes.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
        let encoded = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        format!("{origin}{}?{encoded}", uri.path())
    };
    match dialect {
        Dialect::Pagerduty => {
            document.insert(key.to_owned(), Value::Array(slice));
            document.insert("limit".into(), json!(size));
            document.insert("offset".into(), json!(start));
            document.insert("more".into(), json!(more));
            document.insert("total".into(), Value::Null);
        }
        Dialect::Opsgenie => {
            document.insert(key.to_owned(), Value::Array(slice));
            let mut paging = Map::new();
            if more {
                paging.insert(
                    "next".into(),
                    json!(link(&[
                        ("offset", end.to_string()),
                        ("limit", size.to_string())
                    ])),
                );
            }
            paging.insert(
                "first".into(),
                json!(link(&[("offset", "0".into()), ("limit", size.to_string())])),
            );
            let last = total.saturating_sub(1) / size * size;
            paging.insert(
                "last".into(),
                json!(link(&[
                    ("offset", last.to_string()),
                    ("limit", size.to_string())
                ])),
            );
            document.insert("paging".into(), Value::Object(paging));
            document.insert("took".into(), json!(0.004));
            document.insert("requestId".into(), json!("stand-in"));
        }
        Dialect::GrafanaOncall => {
            let page = start / PAGE_SIZE + 1;
            let pages = total.div_ceil(PAGE_SIZE).max(1);
            document.insert(key.to_owned(), Value::Array(slice));
            document.insert("count".into(), json!(total));
            document.insert(
                "next".into(),
                if more {
                    json!(link(&[("page", (page + 1).to_string())]))
                } else {
                    Value::Null
                },
            );
            document.insert(
                "previous".into(),
                if page > 1 {
                    json!(link(&[("page", (page - 1).to_string())]))
                } else {
                    Value::Null
                },
            );
            document.insert("page_size".into(), json!(PAGE_SIZE));
            document.insert("current_page_number".into(), json!(page));
            document.insert("total_pages".into(), json!(pages));
        }
    }
    json_answer(200, Value::Object(document))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            if let Some(byte) = text
                .get(index + 1..index + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            {
                out.push(byte);
                index += 3;
                continue;
            }
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
