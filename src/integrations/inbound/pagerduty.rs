//! The `pagerduty` kind and `POST /v2/enqueue`: PagerDuty's Events API v2, so any tool that
//! can page PagerDuty (Alertmanager's `pagerduty_configs`, Grafana, Datadog, scripts) can page
//! Firewatch by changing one URL. The body's `routing_key` (32 characters, as PagerDuty's
//! integration keys are) names the integration. `dedup_key` identifies the alert: repeated
//! triggers fold into one alert, and `acknowledge`/`resolve` act on it. Errors are answered in
//! PagerDuty's own shape, one sentence per problem, so clients that log PagerDuty's `errors`
//! show ours.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{Parsed, Rejection};
use crate::core::alert::{AlertSignal, Severity, SignalStatus};

/// PagerDuty's integration keys are 32 characters; a key of another length is refused as
/// PagerDuty refuses it.
pub const ROUTING_KEY_LENGTH: usize = 32;
/// PagerDuty's limit on `dedup_key`.
pub const MAX_DEDUP_KEY: usize = 255;
/// PagerDuty truncates summaries to 1024 characters.
pub const MAX_SUMMARY: usize = 1024;

/// The kind of the events `/v2/enqueue` stores.
pub const KIND: &str = "pagerduty_event";

/// A verified Events API v2 body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enqueued {
    pub routing_key: String,
    /// The alert's key: the sender's, or one made up for a trigger that sent none (returned to
    /// the sender, as PagerDuty does, so it can acknowledge and resolve later).
    pub dedup_key: String,
    pub parsed: Parsed,
}

#[derive(Debug, Deserialize)]
struct Body {
    routing_key: Option<Value>,
    event_action: Option<Value>,
    dedup_key: Option<Value>,
    payload: Option<Value>,
    client: Option<Value>,
    client_url: Option<Value>,
    links: Option<Value>,
    images: Option<Value>,
}

/// Parses an Events API v2 body, collecting every problem the way PagerDuty lists them.
pub fn parse(body: &[u8]) -> Result<Enqueued, Rejection> {
    let body: Body = serde_json::from_slice::<Value>(body)
        .map_err(|error| Rejection::InvalidJson(error.to_string()))
        .and_then(|value| {
            if value.is_object() {
                serde_json::from_value(value)
                    .map_err(|error| Rejection::InvalidJson(error.to_string()))
            } else {
                Err(Rejection::InvalidEvent(vec![
                    "Event object is not a JSON object".into(),
                ]))
            }
        })?;
    let mut errors = Vec::new();
    let routing_key = routing_key(body.routing_key.as_ref(), &mut errors);
    let action = match text(&body.event_action) {
        Some("trigger") => Some(SignalStatus::Firing),
        Some("acknowledge") => Some(SignalStatus::Acknowledged),
        Some("resolve") => Some(SignalStatus::Resolved),
        Some(_) => {
            errors.push("'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')".to_owned());
            None
        }
        None => {
            errors.push("'event_action' is missing or blank".to_owned());
            None
        }
    };
    let dedup_key = text(&body.dedup_key).map(str::to_owned);
    if dedup_key
        .as_ref()
        .is_some_and(|key| key.chars().count() > MAX_DEDUP_KEY)
    {
        errors.push(format!(
            "Length of 'dedup_key' is too long (maximum is {MAX_DEDUP_KEY} characters)"
        ));
    }
    if body
        .dedup_key
        .as_ref()
        .is_some_and(|v| !v.is_string() && !v.is_null())
    {
        errors.push("'dedup_key' must be a string".to_owned());
    }
    if matches!(
        action,
        Some(SignalStatus::Acknowledged | SignalStatus::Resolved)
    ) && dedup_key.is_none()
    {
        errors.push("'dedup_key' is missing or blank".to_owned());
    }
    // Only a trigger needs (and describes itself with) a payload; PagerDuty ignores it otherwise.
    let payload = if action == Some(SignalStatus::Firing) {
        match &body.payload {
            Some(Value::Object(payload)) => Some(trigger_payload(payload, &mut errors)),
            Some(Value::Null) | None => {
                errors.push("'payload' is missing or blank".to_owned());
                None
            }
            Some(_) => {
                errors.push("'payload' must be a JSON object".to_owned());
                None
            }
        }
    } else {
        None
    };
    let links = list(&body.links, "links", "href", &mut errors);
    let images = list(&body.images, "images", "src", &mut errors);
    let (Some(status), true) = (action, errors.is_empty()) else {
        return Err(Rejection::InvalidEvent(errors));
    };
    let dedup_key = dedup_key.unwrap_or_else(generated_key);
    let mut annotations = BTreeMap::new();
    let mut labels = BTreeMap::new();
    let (summary, severity, starts_at) = match payload {
        Some(payload) => {
            for (name, value) in [
                ("source", &payload.source),
                ("component", &payload.component),
                ("group", &payload.group),
                ("class", &payload.class),
            ] {
                if let Some(value) = value {
                    labels.insert(name.to_owned(), value.clone());
                }
            }
            if let Some(details) = payload.custom_details {
                annotations.insert("details".to_owned(), details);
            }
            (payload.summary, payload.severity, payload.timestamp)
        }
        None => (dedup_key.clone(), Severity::Info, None),
    };
    if let Some(client) = text(&body.client) {
        annotations.insert("client".to_owned(), client.to_owned());
    }
    if let Some(client_url) = text(&body.client_url) {
        annotations.insert("client_url".to_owned(), client_url.to_owned());
    }
    for (index, (href, text)) in links.iter().enumerate() {
        let key = if index == 0 {
            "link".to_owned()
        } else {
            format!("link_{}", index + 1)
        };
        annotations.insert(
            key,
            text.as_ref()
                .map_or_else(|| href.clone(), |t| format!("{t} {href}")),
        );
    }
    if let Some((src, _)) = images.first() {
        annotations.insert("image".to_owned(), src.clone());
    }
    // The rule the noise report counts by: PagerDuty's class, else the component, else the
    // summary (what a PagerDuty user would see as the alert's name).
    let rule = labels
        .get("class")
        .or_else(|| labels.get("component"))
        .cloned()
        .unwrap_or_else(|| summary.chars().take(200).collect());
    let url = links
        .first()
        .map(|(href, _)| href.clone())
        .or_else(|| text(&body.client_url).map(str::to_owned));
    let signal = AlertSignal {
        fingerprint: dedup_key.clone(),
        group_key: Some(dedup_key.clone()),
        status,
        rule,
        summary,
        severity,
        service: None,
        labels,
        annotations,
        starts_at,
        ends_at: None,
        url,
        status_only: status != SignalStatus::Firing,
        valid_until: None,
    };
    Ok(Enqueued {
        routing_key,
        dedup_key,
        parsed: Parsed::alerts(KIND, None, vec![signal]),
    })
}

/// A verified Change Events body (`POST /v2/change/enqueue`): what changed, as a record the
/// incident's "what changed" lists. Its `repository` is left for the caller to fill with the
/// service it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeEnqueued {
    pub routing_key: String,
    pub change: crate::core::forge::ForgeEvent,
    /// The payload's `source`, a service name when the integration names none.
    pub source: Option<String>,
}

/// The kind of the events `/v2/change/enqueue` stores, and of their records.
pub const CHANGE_KIND: &str = "change";

/// The body's `routing_key`, checked as PagerDuty checks it.
fn routing_key(value: Option<&Value>, errors: &mut Vec<String>) -> String {
    match text_of(value) {
        None => {
            errors.push("'routing_key' is missing or blank".to_owned());
            String::new()
        }
        Some(key) if key.chars().count() != ROUTING_KEY_LENGTH => {
            errors.push(format!(
                "Length of 'routing_key' is incorrect (should be {ROUTING_KEY_LENGTH} characters)"
            ));
            key.to_owned()
        }
        Some(key) => key.to_owned(),
    }
}

/// Parses a Change Events body, collecting every problem the way PagerDuty lists them.
pub fn parse_change(body: &[u8]) -> Result<ChangeEnqueued, Rejection> {
    let value: Value =
        serde_json::from_slice(body).map_err(|error| Rejection::InvalidJson(error.to_string()))?;
    let Value::Object(object) = value else {
        return Err(Rejection::InvalidEvent(vec![
            "Event object is not a JSON object".into(),
        ]));
    };
    let mut errors = Vec::new();
    let routing_key = routing_key(object.get("routing_key"), &mut errors);
    let payload = match object.get("payload") {
        Some(Value::Object(payload)) => Some(payload),
        Some(Value::Null) | None => {
            errors.push("'payload' is missing or blank".to_owned());
            None
        }
        Some(_) => {
            errors.push("'payload' must be a JSON object".to_owned());
            None
        }
    };
    let summary = payload.and_then(|p| text_of(p.get("summary")));
    if payload.is_some() && summary.is_none() {
        errors.push("'payload.summary' is missing or blank".to_owned());
    }
    // Checked as PagerDuty checks it; what changed lists the change when it arrived.
    if payload
        .and_then(|p| text_of(p.get("timestamp")))
        .is_some_and(|text| timestamp(text).is_none())
    {
        errors.push("'payload.timestamp' is invalid (must be an ISO 8601 timestamp)".to_owned());
    }
    let links = list(&object.get("links").cloned(), "links", "href", &mut errors);
    if !errors.is_empty() {
        return Err(Rejection::InvalidEvent(errors));
    }
    let source = payload
        .and_then(|p| text_of(p.get("source")))
        .map(str::to_owned);
    let change = crate::core::forge::ForgeEvent {
        kind: CHANGE_KIND.into(),
        action: "changed".into(),
        actor: source.clone(),
        url: links
            .iter()
            .map(|(href, _)| href.clone())
            .find(|href| href.starts_with("https://") || href.starts_with("http://")),
        title: summary.map(|s| s.chars().take(MAX_SUMMARY).collect()),
        ..crate::core::forge::ForgeEvent::default()
    };
    Ok(ChangeEnqueued {
        routing_key,
        change,
        source,
    })
}

struct Payload {
    summary: String,
    severity: Severity,
    source: Option<String>,
    component: Option<String>,
    group: Option<String>,
    class: Option<String>,
    timestamp: Option<Timestamp>,
    custom_details: Option<String>,
}

fn trigger_payload(payload: &serde_json::Map<String, Value>, errors: &mut Vec<String>) -> Payload {
    let field = |name: &str| text_of(payload.get(name)).map(str::to_owned);
    let summary = field("summary");
    if summary.is_none() {
        errors.push("'payload.summary' is missing or blank".to_owned());
    }
    let source = field("source");
    if source.is_none() {
        errors.push("'payload.source' is missing or blank".to_owned());
    }
    // PagerDuty takes exactly these four spellings, not the looser ones other senders use.
    let severity = match text_of(payload.get("severity")) {
        Some("critical") => Some(Severity::Critical),
        Some("error") => Some(Severity::Error),
        Some("warning") => Some(Severity::Warning),
        Some("info") => Some(Severity::Info),
        Some(_) => {
            errors.push("'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')".to_owned());
            None
        }
        None => {
            errors.push("'payload.severity' is missing or blank".to_owned());
            None
        }
    };
    let timestamp = match text_of(payload.get("timestamp")) {
        None => None,
        Some(text) => {
            let parsed = timestamp(text);
            if parsed.is_none() {
                errors.push(
                    "'payload.timestamp' is invalid (must be an ISO 8601 timestamp)".to_owned(),
                );
            }
            parsed
        }
    };
    let custom_details = match payload.get("custom_details") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(other) => Some(other.to_string()),
    };
    Payload {
        summary: summary
            .map(|s| s.chars().take(MAX_SUMMARY).collect())
            .unwrap_or_default(),
        severity: severity.unwrap_or(Severity::Info),
        source,
        component: field("component"),
        group: field("group"),
        class: field("class"),
        timestamp,
        custom_details,
    }
}

/// `links` (`href`, `text`) or `images` (`src`, `href`, `alt`): lists of objects whose `key`
/// is required.
fn list(
    value: &Option<Value>,
    name: &str,
    key: &str,
    errors: &mut Vec<String>,
) -> Vec<(String, Option<String>)> {
    let items = match value {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => {
            errors.push(format!("'{name}' must be an array"));
            return Vec::new();
        }
    };
    let mut found = Vec::new();
    for (index, item) in items.iter().enumerate() {
        match text_of(item.get(key)) {
            Some(target) => found.push((
                target.to_owned(),
                text_of(item.get("text").or_else(|| item.get("alt"))).map(str::to_owned),
            )),
            None => errors.push(format!("'{name}[{index}].{key}' is missing or blank")),
        }
    }
    found
}

/// PagerDuty takes ISO 8601, with or without the colon in the offset
/// (`2015-07-17T08:42:58.315+0000`, as its own examples write it).
fn timestamp(text: &str) -> Option<Timestamp> {
    if let Ok(at) = text.parse::<Timestamp>() {
        return Some(at);
    }
    jiff::fmt::strtime::parse("%Y-%m-%dT%H:%M:%S%.f%z", text)
        .and_then(|parsed| parsed.to_timestamp())
        .ok()
}

fn text(value: &Option<Value>) -> Option<&str> {
    text_of(value.as_ref())
}

fn text_of(value: Option<&Value>) -> Option<&str> {
    value
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

/// A key for a trigger that sent none: random, 32 hex characters like PagerDuty's.
fn generated_key() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // Without the OS's randomness a unique-enough key still comes from the clock-free
        // thread id and a counter; this path is not expected to run.
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let count = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let digest = Sha256::digest(format!("{:?}:{count}", std::thread::current().id()));
        bytes.copy_from_slice(&digest[..16]);
    }
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Change Events example from PagerDuty's documentation.
    #[test]
    fn a_change_event_is_a_change_record() {
        let body = br#"{
          "routing_key": "737ea619db564d41bd9824063e1f6b08",
          "payload": {
            "summary": "Build Success: Increase snapshot create timeout to 30 seconds",
            "timestamp": "2020-07-17T08:42:58.315+0000",
            "source": "acme-build-pipeline-tool-default-i-9999",
            "custom_details": {"build_state": "passed", "build_number": "2", "run_time": "1236s"}
          },
          "links": [{"href": "https://acme.pagerduty.dev/build/2", "text": "View more details in Acme!"}]
        }"#;
        let enqueued = parse_change(body).unwrap();
        assert_eq!(enqueued.routing_key, "737ea619db564d41bd9824063e1f6b08");
        assert_eq!(enqueued.change.kind, "change");
        assert_eq!(
            enqueued.change.title.as_deref(),
            Some("Build Success: Increase snapshot create timeout to 30 seconds")
        );
        assert_eq!(
            enqueued.change.url.as_deref(),
            Some("https://acme.pagerduty.dev/build/2")
        );
        assert_eq!(
            enqueued.source.as_deref(),
            Some("acme-build-pipeline-tool-default-i-9999")
        );
        let Err(Rejection::InvalidEvent(errors)) = parse_change(br#"{"payload": {}}"#) else {
            panic!("refused");
        };
        assert_eq!(
            errors,
            [
                "'routing_key' is missing or blank",
                "'payload.summary' is missing or blank"
            ]
        );
    }

    /// PagerDuty's "Send an alert event" example (developer.pagerduty.com, Events API v2).
    const TRIGGER: &str = r#"{
      "payload": {
        "summary": "DISK at 99% on machine prod-datapipe03.example.com",
        "timestamp": "2015-07-17T08:42:58.315+0000",
        "severity": "critical",
        "source": "prod-datapipe03.example.com",
        "component": "mysql",
        "group": "prod-datapipe",
        "class": "disk",
        "custom_details": {
          "free space": "1%",
          "ping time": "1500ms",
          "load avg": 0.75
        }
      },
      "routing_key": "e93facc04764012d7bfb002500d5d1a6",
      "dedup_key": "srv01/mysql",
      "event_action": "trigger",
      "client": "Sample Monitoring Service",
      "client_url": "https://monitoring.service.com",
      "links": [
        {"href": "http://acme.pagerduty.com", "text": "View the incident on PagerDuty"}
      ],
      "images": [
        {"src": "https://chart.googleapis.com/chart?chs=600x400&chd=t:6,2,9,5,2,5,7,4,8,2,1&cht=lc&chds=a&chxt=y&chm=D,0033FF,0,0,5,1", "href": "https://google.com", "alt": "An example link with an image"}
      ]
    }"#;

    fn errors(body: &str) -> Vec<String> {
        match parse(body.as_bytes()) {
            Err(Rejection::InvalidEvent(errors)) => errors,
            other => panic!("expected an invalid event, got {other:?}"),
        }
    }

    #[test]
    fn the_documented_trigger_becomes_one_firing_signal() {
        let enqueued = parse(TRIGGER.as_bytes()).unwrap();
        assert_eq!(enqueued.routing_key, "e93facc04764012d7bfb002500d5d1a6");
        assert_eq!(enqueued.dedup_key, "srv01/mysql");
        let signals = enqueued.parsed.alerts.unwrap();
        assert_eq!(signals.len(), 1);
        let signal = &signals[0];
        assert_eq!(signal.fingerprint, "srv01/mysql");
        assert_eq!(signal.group_key.as_deref(), Some("srv01/mysql"));
        assert_eq!(signal.status, SignalStatus::Firing);
        assert_eq!(signal.severity, Severity::Critical);
        assert_eq!(signal.rule, "disk");
        assert_eq!(
            signal.summary,
            "DISK at 99% on machine prod-datapipe03.example.com"
        );
        assert_eq!(signal.labels["source"], "prod-datapipe03.example.com");
        assert_eq!(signal.labels["component"], "mysql");
        assert_eq!(signal.labels["group"], "prod-datapipe");
        assert_eq!(
            signal.starts_at,
            Some("2015-07-17T08:42:58.315Z".parse().unwrap())
        );
        assert_eq!(signal.url.as_deref(), Some("http://acme.pagerduty.com"));
        assert_eq!(
            signal.annotations["link"],
            "View the incident on PagerDuty http://acme.pagerduty.com"
        );
        assert_eq!(signal.annotations["client"], "Sample Monitoring Service");
        let details: Value = serde_json::from_str(&signal.annotations["details"]).unwrap();
        assert_eq!(details["ping time"], "1500ms");
        assert!(signal.annotations["image"].starts_with("https://chart.googleapis.com/"));
    }

    #[test]
    fn acknowledge_and_resolve_need_only_the_key() {
        for (action, status) in [
            ("acknowledge", SignalStatus::Acknowledged),
            ("resolve", SignalStatus::Resolved),
        ] {
            let body = format!(
                r#"{{"routing_key":"e93facc04764012d7bfb002500d5d1a6","dedup_key":"srv01/mysql","event_action":"{action}"}}"#
            );
            let enqueued = parse(body.as_bytes()).unwrap();
            let signal = &enqueued.parsed.alerts.unwrap()[0];
            assert_eq!(signal.status, status);
            assert_eq!(signal.fingerprint, "srv01/mysql");
        }
        assert_eq!(
            errors(
                r#"{"routing_key":"e93facc04764012d7bfb002500d5d1a6","event_action":"resolve"}"#
            ),
            ["'dedup_key' is missing or blank"]
        );
    }

    #[test]
    fn a_trigger_without_a_key_gets_a_fresh_one() {
        let body = TRIGGER.replace(r#""dedup_key": "srv01/mysql","#, "");
        let first = parse(body.as_bytes()).unwrap();
        let second = parse(body.as_bytes()).unwrap();
        assert_eq!(first.dedup_key.len(), 32);
        assert!(first.dedup_key.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(first.dedup_key, second.dedup_key);
        assert_eq!(first.parsed.alerts.unwrap()[0].fingerprint, first.dedup_key);
    }

    #[test]
    fn every_problem_is_listed_as_pagerduty_lists_them() {
        assert_eq!(
            errors(&TRIGGER.replace("e93facc04764012d7bfb002500d5d1a6", "short")),
            ["Length of 'routing_key' is incorrect (should be 32 characters)"]
        );
        assert_eq!(
            errors(
                r#"{"routing_key":"e93facc04764012d7bfb002500d5d1a6","event_action":"trigger","payload":{"severity":"loud"}}"#
            ),
            [
                "'payload.summary' is missing or blank",
                "'payload.source' is missing or blank",
                "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')",
            ]
        );
        assert_eq!(
            errors(r#"{"event_action":"page"}"#),
            [
                "'routing_key' is missing or blank",
                "'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')",
            ]
        );
        assert_eq!(
            errors(
                r#"{"routing_key":"e93facc04764012d7bfb002500d5d1a6","event_action":"trigger"}"#
            ),
            ["'payload' is missing or blank"]
        );
        assert_eq!(errors("[1]"), ["Event object is not a JSON object"]);
        let long = "k".repeat(256);
        assert_eq!(
            errors(&TRIGGER.replace("srv01/mysql", &long)),
            ["Length of 'dedup_key' is too long (maximum is 255 characters)"]
        );
        assert_eq!(
            errors(&TRIGGER.replace(r#""href": "http://acme.pagerduty.com", "#, "")),
            ["'links[0].href' is missing or blank"]
        );
        assert!(matches!(
            parse(b"{\"routing_key\":"),
            Err(Rejection::InvalidJson(_))
        ));
    }

    #[test]
    fn summaries_are_cut_to_pagerdutys_limit() {
        let long = "x".repeat(2000);
        let body = TRIGGER.replace("DISK at 99% on machine prod-datapipe03.example.com", &long);
        let signal = &parse(body.as_bytes()).unwrap().parsed.alerts.unwrap()[0];
        assert_eq!(signal.summary.chars().count(), MAX_SUMMARY);
    }
}
