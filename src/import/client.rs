//! The HTTP side of an import: one source's REST API, its credentials, its rate limit, and
//! each failure said in a sentence the person running the import can act on.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::model::{Api, ApiError};

/// Most waits on `429` for one request before giving up: the sources' documented limits
/// (PagerDuty 960 requests a minute, Opsgenie's per-domain buckets) clear well within it.
const MAX_RATE_LIMITED: u32 = 8;

/// The longest `Retry-After` honoured; a longer one is said rather than slept through.
const MAX_WAIT: Duration = Duration::from_secs(120);

/// Answers bigger than this are refused: no listing page of these APIs comes near it.
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

pub struct Client {
    http: reqwest::Client,
    base: reqwest::Url,
    /// The source's name, for sentences ("PagerDuty answered 401 …").
    source: &'static str,
    /// What to say about a `401`/`403`: which credential and where to make one.
    credential_hint: &'static str,
    /// For a `Retry-After` given as a date.
    clock: std::sync::Arc<dyn crate::clock::Clock>,
}

impl Client {
    /// `headers` carry the credential; `base` is the API's origin and path prefix.
    pub fn new(
        source: &'static str,
        base: &str,
        headers: &[(&'static str, String)],
        credential_hint: &'static str,
        clock: std::sync::Arc<dyn crate::clock::Clock>,
    ) -> Result<Client, ApiError> {
        let base = reqwest::Url::parse(base.trim_end_matches('/'))
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
            .ok_or_else(|| ApiError(format!("\"{base}\" is not an http(s) URL")))?;
        let mut defaults = HeaderMap::new();
        for (name, value) in headers {
            let mut value = HeaderValue::from_str(value).map_err(|_| {
                ApiError(format!(
                    "the {source} credential holds characters a header cannot carry"
                ))
            })?;
            value.set_sensitive(true);
            defaults.insert(HeaderName::from_static(name), value);
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("Firewatch-import/", env!("CARGO_PKG_VERSION")))
            .default_headers(defaults)
            .timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(10))
            // A redirect to another host would carry the credential there.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| ApiError(format!("could not make an HTTP client: {error}")))?;
        Ok(Client {
            http,
            base,
            source,
            credential_hint,
            clock,
        })
    }

    /// A path under the base URL, or a full URL the API gave on the same origin.
    fn url(&self, path_and_query: &str) -> Result<reqwest::Url, ApiError> {
        if path_and_query.starts_with("http://") || path_and_query.starts_with("https://") {
            let url = reqwest::Url::parse(path_and_query)
                .map_err(|_| ApiError(format!("{} gave a link that is not a URL", self.source)))?;
            // Pagination links are followed only on the API's own origin: the credential
            // goes nowhere else.
            if url.origin() != self.base.origin() {
                return Err(ApiError(format!(
                    "{} gave a next-page link to another host ({}); not following it with your credential",
                    self.source,
                    url.host_str().unwrap_or("?")
                )));
            }
            return Ok(url);
        }
        let joined = format!(
            "{}{}",
            self.base.as_str().trim_end_matches('/'),
            path_and_query
        );
        reqwest::Url::parse(&joined).map_err(|_| ApiError(format!("\"{joined}\" is not a URL")))
    }

    fn explain(&self, status: StatusCode, url: &reqwest::Url, body: &str) -> ApiError {
        let source = self.source;
        let path = url.path();
        let detail = detail(body);
        let sentence = match status {
            StatusCode::UNAUTHORIZED => format!(
                "{source} refused the credential (401) on {path}: {}{detail}",
                self.credential_hint
            ),
            StatusCode::FORBIDDEN => format!(
                "{source} answered 403 on {path}: the credential cannot read this; {}{detail}",
                self.credential_hint
            ),
            StatusCode::NOT_FOUND => format!(
                "{source} has no {path} (404): check the API URL ({}){detail}",
                self.base
            ),
            status if status.is_server_error() => {
                format!("{source} failed on {path} ({status}); try again later{detail}")
            }
            status => format!("{source} answered {status} on {path}{detail}"),
        };
        ApiError(sentence)
    }
}

/// The API's own error words, when the body has some: `: "message"`.
fn detail(body: &str) -> String {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(body) else {
        return String::new();
    };
    // PagerDuty: error.message; Opsgenie: message; Grafana OnCall: detail.
    let message = value
        .pointer("/error/message")
        .or_else(|| value.get("message"))
        .or_else(|| value.get("detail"))
        .and_then(|message| message.as_str());
    match message {
        Some(message) if !message.is_empty() => {
            let short: String = message.chars().take(200).collect();
            format!(" (it said: {short})")
        }
        _ => String::new(),
    }
}

/// `Retry-After` in seconds, or an HTTP date; one second when absent or unreadable.
fn retry_after(headers: &HeaderMap, now: jiff::Timestamp) -> Duration {
    let Some(value) = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
    else {
        return Duration::from_secs(1);
    };
    if let Ok(seconds) = value.trim().parse::<u64>() {
        return Duration::from_secs(seconds);
    }
    // Opsgenie and PagerDuty send seconds; an HTTP date is allowed by RFC 9110.
    httpdate(value, now).unwrap_or(Duration::from_secs(1))
}

fn httpdate(value: &str, now: jiff::Timestamp) -> Option<Duration> {
    let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let wait = at.duration_since(now);
    Some(Duration::from_secs(wait.as_secs().max(0).unsigned_abs()))
}

impl Api for Client {
    async fn get(&self, path_and_query: &str) -> Result<serde_json::Value, ApiError> {
        let url = self.url(path_and_query)?;
        let mut limited = 0;
        loop {
            let response = self.http.get(url.clone()).send().await.map_err(|error| {
                let why = if error.is_timeout() {
                    "did not answer in time".to_owned()
                } else if error.is_connect() {
                    "could not be reached".to_owned()
                } else {
                    format!("failed ({error})")
                };
                ApiError(format!("{} at {} {why}", self.source, self.base))
            })?;
            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS {
                limited += 1;
                let wait = retry_after(response.headers(), self.clock.now());
                if limited > MAX_RATE_LIMITED || wait > MAX_WAIT {
                    return Err(ApiError(format!(
                        "{} kept answering 429 (rate limited) on {}; wait a few minutes and run the import again",
                        self.source,
                        url.path()
                    )));
                }
                tracing::info!(
                    source = self.source,
                    path = url.path(),
                    wait_seconds = wait.as_secs_f64(),
                    "rate limited; waiting"
                );
                tokio::time::sleep(wait).await;
                continue;
            }
            let bytes = read_capped(response).await.map_err(|why| {
                ApiError(format!("{}'s answer on {} {why}", self.source, url.path()))
            })?;
            let body = String::from_utf8_lossy(&bytes);
            if !status.is_success() {
                return Err(self.explain(status, &url, &body));
            }
            return serde_json::from_slice(&bytes).map_err(|error| {
                ApiError(format!(
                    "{} answered {} with something that is not JSON ({error}): is the API URL right?",
                    self.source,
                    url.path()
                ))
            });
        }
    }
}

async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| format!("was cut short ({error})"))?
    {
        if bytes.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(format!("is larger than {} MiB", MAX_BODY_BYTES >> 20));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_defaults_to_one() {
        let now: jiff::Timestamp = "2027-01-04T00:00:00Z".parse().unwrap();
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers, now), Duration::from_secs(1));
        headers.insert(reqwest::header::RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers, now), Duration::from_secs(7));
        headers.insert(
            reqwest::header::RETRY_AFTER,
            HeaderValue::from_static("Mon, 04 Jan 2027 00:00:30 GMT"),
        );
        assert_eq!(retry_after(&headers, now), Duration::from_secs(30));
    }

    #[test]
    fn error_detail_comes_from_each_dialect() {
        assert_eq!(
            detail(r#"{"error":{"message":"Invalid Input Provided","code":2001}}"#),
            " (it said: Invalid Input Provided)"
        );
        assert_eq!(
            detail(r#"{"message":"Could not authenticate","took":0.0}"#),
            " (it said: Could not authenticate)"
        );
        assert_eq!(
            detail(r#"{"detail":"Invalid token."}"#),
            " (it said: Invalid token.)"
        );
        assert_eq!(detail("<html>"), "");
    }

    #[test]
    fn next_links_stay_on_the_origin() {
        let client = Client::new(
            "Test",
            "https://api.example.com",
            &[],
            "",
            std::sync::Arc::new(crate::clock::SystemClock),
        )
        .unwrap();
        assert!(
            client
                .url("https://api.example.com/v2/users?offset=2")
                .is_ok()
        );
        assert!(client.url("https://evil.example.net/v2/users").is_err());
        assert_eq!(
            client.url("/users?limit=100").unwrap().as_str(),
            "https://api.example.com/users?limit=100"
        );
    }
}
