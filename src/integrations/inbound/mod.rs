//! The shared intake helper every inbound kind sits on: request checks in the order a sender
//! can act on them, header capture, and the dispatch to each kind's verifier and parser.

pub mod alertmanager;
pub mod alertmanager_api;
pub mod argocd;
pub mod atlantis;
pub mod config;
pub mod datadog;
pub mod email;
pub mod generic;
pub mod github;
pub mod gitlab;
pub mod grafana;
pub mod jenkins;
pub mod json;
pub mod opsgenie;
pub mod pagerduty;
pub mod slack_app;
pub mod terraform;

use axum::http::HeaderMap;
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::integrations::inbound::config::IntegrationConfig;

/// Why a request was refused. Each has a stable code and a sentence a sender can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    UnknownIntegration(String),
    InvalidToken,
    InvalidSignature(String),
    UnsupportedMediaType(String),
    PayloadTooLarge(usize),
    InvalidJson(String),
    InvalidPayload(String),
    /// Several problems with one event, each a sentence (PagerDuty's `errors` list).
    InvalidEvent(Vec<String>),
    RateLimited(SignedDuration),
    /// Bodies in flight hold the whole budget (`server.body_bytes_in_flight`).
    Busy,
    /// The body did not arrive within `server.body_timeout_seconds`.
    BodyTimeout,
}

impl Rejection {
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::UnknownIntegration(_) => "unknown_integration",
            Rejection::InvalidToken => "invalid_token",
            Rejection::InvalidSignature(_) => "invalid_signature",
            Rejection::UnsupportedMediaType(_) => "unsupported_media_type",
            Rejection::PayloadTooLarge(_) => "payload_too_large",
            Rejection::InvalidJson(_) => "invalid_json",
            Rejection::InvalidPayload(_) | Rejection::InvalidEvent(_) => "invalid_payload",
            Rejection::RateLimited(_) => "rate_limited",
            Rejection::Busy => "busy",
            Rejection::BodyTimeout => "body_timeout",
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            Rejection::UnknownIntegration(_) => 404,
            Rejection::InvalidToken | Rejection::InvalidSignature(_) => 401,
            Rejection::UnsupportedMediaType(_) => 415,
            Rejection::PayloadTooLarge(_) => 413,
            Rejection::InvalidJson(_)
            | Rejection::InvalidPayload(_)
            | Rejection::InvalidEvent(_) => 400,
            Rejection::RateLimited(_) => 429,
            Rejection::Busy => 503,
            Rejection::BodyTimeout => 408,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Rejection::UnknownIntegration(name) => {
                format!("no integration named \"{name}\" is configured")
            }
            Rejection::InvalidToken => {
                "missing or wrong bearer token in the Authorization header".into()
            }
            Rejection::InvalidSignature(why) => format!("signature check failed: {why}"),
            Rejection::UnsupportedMediaType(found) => {
                format!("expected Content-Type application/json, got \"{found}\"")
            }
            Rejection::PayloadTooLarge(limit) => {
                format!("the body is larger than the limit of {limit} bytes")
            }
            Rejection::InvalidJson(why) => format!("the body is not valid JSON: {why}"),
            Rejection::InvalidPayload(why) => why.clone(),
            Rejection::InvalidEvent(errors) => errors.join("; "),
            Rejection::RateLimited(wait) => format!(
                "too many requests for this integration; retry after {} s",
                retry_after_seconds(*wait)
            ),
            Rejection::Busy => {
                "the server is receiving too many large bodies at once; retry in a few seconds"
                    .into()
            }
            Rejection::BodyTimeout => "the body did not arrive in time".into(),
        }
    }
}

pub fn retry_after_seconds(wait: SignedDuration) -> i64 {
    wait.as_secs() + i64::from(wait.subsec_nanos() > 0)
}

/// What a kind's parser makes of a verified body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub kind: String,
    pub dedup_key: Option<String>,
    /// Why Firewatch keeps this event only for the record, if it does.
    pub ignored: Option<String>,
    /// The normalized record of a forge event.
    pub forge: Option<crate::core::forge::ForgeEvent>,
    /// What a monitoring tool reported, one signal per alert.
    pub alerts: Option<Vec<crate::core::alert::AlertSignal>>,
}

impl Parsed {
    /// A forge delivery's answer: the normalized record (or why there is none), its kind (the
    /// sender's event name when there is no record), and the delivery's key if it is usable.
    pub fn forge(
        event_name: &str,
        key: Option<&str>,
        (forge, ignored): (Option<crate::core::forge::ForgeEvent>, Option<String>),
    ) -> Parsed {
        let dedup_key = key
            .map(str::trim)
            .filter(|key| !key.is_empty() && key.len() <= generic::MAX_KEY_LENGTH)
            .map(str::to_owned);
        let kind = forge
            .as_ref()
            .map(|forge| forge.kind.clone())
            .unwrap_or_else(|| event_name.chars().take(64).collect());
        Parsed {
            kind,
            dedup_key,
            ignored,
            forge,
            alerts: None,
        }
    }

    /// A monitoring tool's report: its alerts, applied to the alert table after the commit.
    pub fn alerts(
        kind: &str,
        dedup_key: Option<String>,
        signals: Vec<crate::core::alert::AlertSignal>,
    ) -> Parsed {
        Parsed {
            kind: kind.to_owned(),
            dedup_key,
            ignored: None,
            forge: None,
            alerts: Some(signals),
        }
    }
}

/// Checks that need no body, so a sender without credentials is refused before it uploads.
pub fn check_headers(
    integration: &IntegrationConfig,
    headers: &HeaderMap,
) -> Result<(), Rejection> {
    match integration {
        IntegrationConfig::Generic(generic) => {
            if let Some(token) = &generic.token {
                check_bearer(headers, token)?;
            }
        }
        IntegrationConfig::Gitlab(gitlab) => {
            if let Some(token) = &gitlab.token {
                check_secret_header(headers, "x-gitlab-token", token)?;
            }
        }
        // Alertmanager's and Prometheus's `http_config` take a bearer token or basic auth.
        IntegrationConfig::Alertmanager(alerts) => {
            if let Some(token) = &alerts.token {
                check_bearer_or_basic(headers, token)?;
            }
        }
        IntegrationConfig::Grafana(alerts) | IntegrationConfig::Datadog(alerts) => {
            if let Some(token) = &alerts.token {
                check_bearer(headers, token)?;
            }
        }
        IntegrationConfig::Jenkins(deploys) | IntegrationConfig::Argocd(deploys) => {
            if let Some(token) = &deploys.token {
                check_bearer_or_basic(headers, token)?;
            }
        }
        IntegrationConfig::Atlantis(atlantis) => {
            if let Some(token) = &atlantis.token {
                check_bearer(headers, token)?;
            }
        }
        IntegrationConfig::Email(_) => return Err(email_by_http()),
        IntegrationConfig::Opsgenie(opsgenie) => {
            let presented = opsgenie::genie_key(header(headers, "authorization"))
                .ok_or(Rejection::InvalidToken)?;
            if !same_secret(presented, &opsgenie.token) {
                return Err(Rejection::InvalidToken);
            }
        }
        // The routing key is in the body, and HCP Terraform signs the body: both are
        // checked with it.
        IntegrationConfig::Pagerduty(_) | IntegrationConfig::Terraform(_) => {}
        IntegrationConfig::Github(_) => {
            // GitHub's settings page offers form encoding (its default) besides JSON.
            if header(headers, "content-type")
                .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"))
            {
                return Ok(());
            }
        }
    }
    require_json(headers)
}

/// Verifies the body's signature, then parses it.
pub fn verify_and_parse(
    integration: &IntegrationConfig,
    headers: &HeaderMap,
    body: &[u8],
    now: Timestamp,
) -> Result<Parsed, Rejection> {
    match integration {
        IntegrationConfig::Generic(generic) => {
            if let Some(secrets) = &generic.secret {
                crate::core::signing::verify(
                    &secrets.to_vec(),
                    header(headers, "webhook-id"),
                    header(headers, "webhook-timestamp"),
                    header(headers, "webhook-signature"),
                    body,
                    now,
                )
                .map_err(|error| Rejection::InvalidSignature(error.to_string()))?;
            }
            generic::parse(generic, headers, body)
        }
        IntegrationConfig::Github(github) => {
            if let Some(secrets) = &github.secret {
                github::verify(&secrets.to_vec(), headers, body)?;
            }
            github::parse(headers, body)
        }
        IntegrationConfig::Gitlab(gitlab) => gitlab::parse_with(&gitlab.deploys, headers, body),
        IntegrationConfig::Jenkins(deploys) => jenkins::parse(deploys, body),
        IntegrationConfig::Argocd(deploys) => argocd::parse(deploys, body),
        IntegrationConfig::Terraform(settings) => {
            if let Some(token) = &settings.token {
                terraform::verify(token, headers, body)?;
            }
            terraform::parse(settings, body)
        }
        IntegrationConfig::Atlantis(settings) => atlantis::parse(settings, body),
        IntegrationConfig::Alertmanager(alerts) => {
            alertmanager::parse(body, alerts.default_severity)
        }
        IntegrationConfig::Grafana(alerts) => grafana::parse(body, alerts.default_severity),
        IntegrationConfig::Datadog(alerts) => datadog::parse(body, alerts.default_severity),
        IntegrationConfig::Email(_) => Err(email_by_http()),
        // Through `/hooks/{name}`, a create; its id makes an alias for one sent without.
        IntegrationConfig::Opsgenie(_) => opsgenie::parse_create(body, &crate::store::new_id(now)),
        IntegrationConfig::Pagerduty(settings) => {
            let enqueued = pagerduty::parse(body)?;
            if !same_secret(&enqueued.routing_key, &settings.routing_key) {
                return Err(Rejection::InvalidEvent(vec![
                    "'routing_key' does not match this integration's routing key".into(),
                ]));
            }
            Ok(enqueued.parsed)
        }
    }
}

fn email_by_http() -> Rejection {
    Rejection::InvalidPayload(
        "an email integration takes mail at its address through the mail listener ([email_intake]), not webhooks".into(),
    )
}

/// A sender's value quoted in an error, cut short so a huge one does not fill the log.
pub(crate) fn shown(text: &str) -> String {
    text.chars().take(64).collect()
}

pub fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

fn check_bearer(headers: &HeaderMap, expected: &str) -> Result<(), Rejection> {
    let presented = header(headers, "authorization")
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
        })
        .ok_or(Rejection::InvalidToken)?;
    // Comparing digests keeps the comparison constant-time whatever the lengths.
    let presented = Sha256::digest(presented.trim().as_bytes());
    let expected = Sha256::digest(expected.as_bytes());
    if bool::from(presented.ct_eq(&expected)) {
        Ok(())
    } else {
        Err(Rejection::InvalidToken)
    }
}

/// A bearer token, or the password of HTTP basic auth (senders that only take a URL put the
/// token in its `user:token@`).
pub(crate) fn check_bearer_or_basic(headers: &HeaderMap, expected: &str) -> Result<(), Rejection> {
    use base64::Engine as _;
    let Some(basic) = header(headers, "authorization").and_then(|value| {
        value
            .strip_prefix("Basic ")
            .or_else(|| value.strip_prefix("basic "))
    }) else {
        return check_bearer(headers, expected);
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(basic.trim())
        .map_err(|_| Rejection::InvalidToken)?;
    let decoded = String::from_utf8(decoded).map_err(|_| Rejection::InvalidToken)?;
    let password = decoded.split_once(':').map_or("", |(_, password)| password);
    if same_secret(password, expected) {
        Ok(())
    } else {
        Err(Rejection::InvalidToken)
    }
}

/// A shared secret sent as a header value (GitLab's `X-Gitlab-Token`).
fn check_secret_header(headers: &HeaderMap, name: &str, expected: &str) -> Result<(), Rejection> {
    let presented = header(headers, name).ok_or(Rejection::InvalidToken)?;
    if same_secret(presented, expected) {
        Ok(())
    } else {
        Err(Rejection::InvalidToken)
    }
}

/// Compares secrets in constant time whatever their lengths, by comparing their digests.
pub fn same_secret(presented: &str, expected: &str) -> bool {
    bool::from(Sha256::digest(presented.as_bytes()).ct_eq(&Sha256::digest(expected.as_bytes())))
}

pub fn require_json(headers: &HeaderMap) -> Result<(), Rejection> {
    let content_type = header(headers, "content-type").unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
    {
        Ok(())
    } else {
        Err(Rejection::UnsupportedMediaType(content_type.to_owned()))
    }
}

/// Header names whose values are credentials: kept as "[redacted]" so no secret is stored.
const REDACTED_HEADERS: &[&str] = &[
    "authorization",
    "cookie",
    "proxy-authorization",
    "x-gitlab-token",
];

/// What a credential inside a stored body becomes.
pub const REDACTED: &str = "[redacted]";

/// A body with the credentials its kind carries inside it redacted (PagerDuty's
/// `routing_key`, the `/v2/enqueue` credential), as stored and as shown. The rest of the body
/// is kept byte for byte where it can be; other kinds carry none.
pub fn redact_body(source: &str, body: bytes::Bytes) -> bytes::Bytes {
    if source != "pagerduty" {
        return body;
    }
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return body;
    };
    let Some(key) = value
        .get("routing_key")
        .and_then(serde_json::Value::as_str)
        .filter(|key| *key != REDACTED)
        .map(str::to_owned)
    else {
        return body;
    };
    // The key as it is written in the body, replaced where it stands; if the sender escaped
    // any of it, the body is written anew instead.
    let quoted = format!("\"{key}\"");
    let text = String::from_utf8_lossy(&body);
    if !key.is_empty() && text.contains(&quoted) {
        let replaced = text.replace(&quoted, &format!("\"{REDACTED}\""));
        if serde_json::from_str::<serde_json::Value>(&replaced).is_ok_and(|again| {
            again.get("routing_key").and_then(serde_json::Value::as_str) == Some(REDACTED)
        }) {
            return bytes::Bytes::from(replaced);
        }
    }
    value["routing_key"] = serde_json::Value::String(REDACTED.to_owned());
    bytes::Bytes::from(value.to_string())
}

/// The request's headers as a JSON object for the raw record, credentials redacted.
pub fn headers_json(headers: &HeaderMap) -> String {
    let mut object = serde_json::Map::new();
    for (name, value) in headers {
        let value = if REDACTED_HEADERS.contains(&name.as_str()) {
            REDACTED.to_owned()
        } else {
            String::from_utf8_lossy(value.as_bytes()).into_owned()
        };
        match object.get_mut(name.as_str()) {
            Some(serde_json::Value::String(existing)) => {
                existing.push_str(", ");
                existing.push_str(&value);
            }
            _ => {
                object.insert(name.as_str().to_owned(), serde_json::Value::String(value));
            }
        }
    }
    serde_json::Value::Object(object).to_string()
}

/// A rate limit (per integration, per sign-in name…): a token bucket refilled at `per_second`, holding `burst`.
#[derive(Debug, Clone, Copy)]
pub struct TokenBucket {
    tokens: f64,
    updated: Timestamp,
}

impl TokenBucket {
    pub fn full(burst: f64, now: Timestamp) -> Self {
        Self {
            tokens: burst,
            updated: now,
        }
    }

    /// The tokens the bucket holds at `now`, refilled since it was last used.
    fn level(&self, per_second: f64, burst: f64, now: Timestamp) -> f64 {
        let elapsed = now.duration_since(self.updated).as_secs_f64().max(0.0);
        (self.tokens + elapsed * per_second).min(burst)
    }

    /// True when the bucket would be full by `now`: it holds no memory of past use.
    pub fn refilled(&self, per_second: f64, burst: f64, now: Timestamp) -> bool {
        self.level(per_second, burst, now) >= burst
    }

    /// Says how long until a token is available, without taking one.
    pub fn check(&self, per_second: f64, burst: f64, now: Timestamp) -> Result<(), SignedDuration> {
        let tokens = self.level(per_second, burst, now);
        if tokens >= 1.0 {
            Ok(())
        } else {
            Err(SignedDuration::from_secs_f64((1.0 - tokens) / per_second))
        }
    }

    /// Takes one token, or says how long until one is available.
    pub fn take(
        &mut self,
        per_second: f64,
        burst: f64,
        now: Timestamp,
    ) -> Result<(), SignedDuration> {
        self.check(per_second, burst, now)?;
        self.tokens = self.level(per_second, burst, now) - 1.0;
        self.updated = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_bucket_refills_over_time() {
        let start = Timestamp::from_second(0).unwrap();
        let mut bucket = TokenBucket::full(2.0, start);
        assert!(bucket.take(1.0, 2.0, start).is_ok());
        assert!(bucket.take(1.0, 2.0, start).is_ok());
        let wait = bucket.take(1.0, 2.0, start).unwrap_err();
        assert_eq!(retry_after_seconds(wait), 1);
        let later = start + SignedDuration::from_millis(1500);
        assert!(bucket.take(1.0, 2.0, later).is_ok());
        assert!(bucket.take(1.0, 2.0, later).is_err());
    }

    #[test]
    fn a_pagerduty_routing_key_is_redacted_in_the_body_and_the_rest_kept() {
        let body = bytes::Bytes::from_static(
            br#"{"routing_key": "e93facc04764012d7bfb002500d5d1a6", "event_action":"trigger", "payload": {"summary": "e93facc04764012d7bfb002500d5d1a6 is not here"}}"#,
        );
        let redacted = redact_body("pagerduty", body.clone());
        assert_eq!(
            std::str::from_utf8(&redacted).unwrap(),
            r#"{"routing_key": "[redacted]", "event_action":"trigger", "payload": {"summary": "e93facc04764012d7bfb002500d5d1a6 is not here"}}"#
        );
        // Escaped in the body: written anew, still without the key.
        let escaped = bytes::Bytes::from_static(
            br#"{"routing_key":"e93facc04764012d7bfb002500d5d1a6","event_action":"trigger"}"#,
        );
        let redacted = redact_body("pagerduty", escaped);
        let value: serde_json::Value = serde_json::from_slice(&redacted).unwrap();
        assert_eq!(value["routing_key"], REDACTED);
        assert!(!String::from_utf8_lossy(&redacted).contains("93facc"));
        // Other kinds and bodies that are not JSON are kept as they are.
        assert_eq!(redact_body("generic", body.clone()), body);
        let text = bytes::Bytes::from_static(b"not json");
        assert_eq!(redact_body("pagerduty", text.clone()), text);
    }

    #[test]
    fn credentials_are_redacted_from_stored_headers() {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", "Bearer sekrit".parse().unwrap());
        headers.insert("x-request-id", "abc".parse().unwrap());
        let json = headers_json(&headers);
        assert!(!json.contains("sekrit"));
        assert!(json.contains("\"x-request-id\":\"abc\""));
    }

    #[test]
    fn json_content_types() {
        for (value, ok) in [
            ("application/json", true),
            ("application/json; charset=utf-8", true),
            ("application/cloudevents+json", true),
            ("text/plain", false),
            ("", false),
        ] {
            let mut headers = HeaderMap::new();
            if !value.is_empty() {
                headers.insert("content-type", value.parse().unwrap());
            }
            assert_eq!(require_json(&headers).is_ok(), ok, "{value}");
        }
    }
}
