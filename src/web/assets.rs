//! Static files compiled into the binary. Their URLs carry a hash of their contents, so
//! browsers may keep them forever and still get new ones after an upgrade.

use std::sync::LazyLock;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

const ASSETS: &[(&str, &str, &str)] = &[
    ("style.css", "text/css", include_str!("assets/style.css")),
    ("app.js", "text/javascript", include_str!("assets/app.js")),
    (
        "postmortem.js",
        "text/javascript",
        include_str!("assets/postmortem.js"),
    ),
    (
        "charts.js",
        "text/javascript",
        include_str!("assets/charts.js"),
    ),
    ("icon.svg", "image/svg+xml", include_str!("assets/icon.svg")),
    (
        "vendor/uplot.min.js",
        "text/javascript",
        include_str!("assets/vendor/uplot.min.js"),
    ),
    (
        "vendor/uplot.min.css",
        "text/css",
        include_str!("assets/vendor/uplot.min.css"),
    ),
];

static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut hash = Sha256::new();
    for (name, _, body) in ASSETS {
        hash.update(name.as_bytes());
        hash.update(body.as_bytes());
    }
    hex::encode(&hash.finalize()[..6])
});

/// Where templates link assets from: `/assets/<hash>`.
pub fn prefix() -> String {
    format!("/assets/{}", *VERSION)
}

pub async fn serve(
    axum::extract::Path((version, file)): axum::extract::Path<(String, String)>,
) -> Response {
    let Some((_, content_type, body)) = ASSETS.iter().find(|(name, _, _)| *name == file) else {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    };
    // An old page asking for an old version gets today's file, but not for keeps.
    let cache = if version == *VERSION {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = (*body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
