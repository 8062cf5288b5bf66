//! The `generic` kind: any JSON object. Its kind and deduplication key are found where the
//! integration's config says, with sensible defaults.

use axum::http::HeaderMap;
use serde_json::Value;

use std::collections::BTreeMap;

use super::{Parsed, Rejection, header};
use crate::core::alert::{AlertSignal, Severity, SignalStatus};
use crate::integrations::inbound::config::{AlertMapping, GenericIntegration};

/// Longest deduplication key accepted; longer keys are refused rather than cut, since a cut
/// key could collide with another.
pub const MAX_KEY_LENGTH: usize = 512;
/// Kinds longer than this are cut: a kind is a label, not data.
pub const MAX_KIND_LENGTH: usize = 128;

pub fn parse(
    settings: &GenericIntegration,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Parsed, Rejection> {
    let value: Value =
        serde_json::from_slice(body).map_err(|error| Rejection::InvalidJson(error.to_string()))?;
    if !value.is_object() {
        return Err(Rejection::InvalidPayload(
            "the body must be a JSON object".into(),
        ));
    }
    let kind = match &settings.kind_field {
        Some(pointer) => scalar(value.pointer(pointer)),
        None => scalar(value.get("kind")).or_else(|| scalar(value.get("type"))),
    }
    .map(|kind| truncate(&kind, MAX_KIND_LENGTH))
    .filter(|kind| !kind.is_empty())
    .unwrap_or_else(|| "event".to_owned());

    let dedup_key = match settings.idempotency_key.as_deref() {
        Some(spec) => match spec.strip_prefix("header:") {
            Some(name) => header(headers, name.trim()).map(str::to_owned),
            None => scalar(value.pointer(spec)),
        },
        None => header(headers, "idempotency-key")
            .or_else(|| header(headers, "webhook-id"))
            .map(str::to_owned)
            .or_else(|| scalar(value.get("id"))),
    }
    .filter(|key| !key.is_empty());
    if let Some(key) = &dedup_key {
        if key.len() > MAX_KEY_LENGTH {
            return Err(Rejection::InvalidPayload(format!(
                "the idempotency key is longer than {MAX_KEY_LENGTH} bytes"
            )));
        }
    }
    let alerts = match &settings.alert {
        Some(mapping) => Some(vec![alert(
            mapping,
            settings.default_severity,
            &kind,
            &value,
        )?]),
        None => None,
    };
    Ok(Parsed {
        kind,
        dedup_key,
        ignored: None,
        forge: None,
        alerts,
    })
}

/// Reads one alert out of the body through the configured pointers.
fn alert(
    mapping: &AlertMapping,
    default_severity: Severity,
    kind: &str,
    value: &Value,
) -> Result<AlertSignal, Rejection> {
    let read = |pointer: &Option<String>| {
        pointer
            .as_deref()
            .and_then(|p| scalar(value.pointer(p)))
            .map(|text| text.trim().to_owned())
            .filter(|text| !text.is_empty())
    };
    let summary = read(&Some(mapping.summary.clone())).ok_or_else(|| {
        Rejection::InvalidPayload(format!(
            "no alert summary at {} (a string or number is needed there)",
            mapping.summary
        ))
    })?;
    let labels = labels(mapping.labels.as_deref().and_then(|p| value.pointer(p)));
    let rule = read(&mapping.rule)
        .or_else(|| labels.get("alertname").cloned())
        .unwrap_or_else(|| kind.to_owned());
    let status = match read(&mapping.status) {
        Some(status)
            if mapping
                .resolved_values
                .iter()
                .any(|resolved| resolved.eq_ignore_ascii_case(&status)) =>
        {
            SignalStatus::Resolved
        }
        _ => SignalStatus::Firing,
    };
    let fingerprint = read(&mapping.fingerprint)
        .map(|f| truncate(&f, MAX_KEY_LENGTH))
        .unwrap_or_else(|| {
            let mut identity = labels.clone();
            identity.insert("alertname".into(), rule.clone());
            super::alertmanager::fingerprint_of(&identity)
        });
    Ok(AlertSignal {
        fingerprint,
        group_key: None,
        status,
        rule: truncate(&rule, MAX_KIND_LENGTH),
        summary: truncate(&summary, 1024),
        severity: read(&mapping.severity)
            .and_then(|s| Severity::parse(&s))
            .unwrap_or(default_severity),
        service: read(&mapping.service).or_else(|| labels.get("service").cloned()),
        labels,
        annotations: BTreeMap::new(),
        starts_at: None,
        ends_at: None,
        url: read(&mapping.url),
        status_only: false,
        valid_until: None,
    })
}

/// Labels from an object of scalars, or a list of `key:value` / `key=value` strings (the tag
/// style many tools use).
fn labels(value: Option<&Value>) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    match value {
        Some(Value::Object(object)) => {
            for (name, value) in object.iter().take(64) {
                if let Some(value) = scalar(Some(value)) {
                    labels.insert(truncate(name, 128), truncate(&value, 1024));
                }
            }
        }
        Some(Value::Array(items)) => {
            for item in items.iter().take(64).filter_map(Value::as_str) {
                let (name, value) = item
                    .split_once(':')
                    .or_else(|| item.split_once('='))
                    .unwrap_or((item, ""));
                labels.insert(truncate(name.trim(), 128), truncate(value.trim(), 1024));
            }
        }
        _ => {}
    }
    labels.retain(|name, _| !name.is_empty());
    labels
}

/// A string or number as text; other JSON types are not keys.
fn scalar(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> GenericIntegration {
        GenericIntegration {
            name: "ingest".into(),
            token: None,
            secret: None,
            idempotency_key: None,
            kind_field: None,
            alert: None,
            default_severity: Severity::Warning,
            service: None,
            rate_limit: None,
            max_body_bytes: None,
        }
    }

    fn mapped() -> GenericIntegration {
        let config: crate::config::Config = toml::from_str(
            r#"
            [[integrations]]
            name = "uptime"
            kind = "generic"
            kind_field = "/event"
            [integrations.alert]
            summary = "/check/title"
            status = "/check/state"
            severity = "/check/level"
            fingerprint = "/check/id"
            labels = "/check/tags"
            url = "/check/link"
            "#,
        )
        .unwrap();
        match config.integrations.into_iter().next() {
            Some(crate::integrations::inbound::config::IntegrationConfig::Generic(generic)) => {
                generic
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_mapped_body_becomes_an_alert() {
        let body = br#"{"event": "check", "check": {"id": 42, "title": "api.example.com is down",
            "state": "DOWN", "level": "P1", "tags": ["service:api", "region:eu"],
            "link": "https://uptime.example.com/42"}}"#;
        let parsed = parse(&mapped(), &HeaderMap::new(), body).unwrap();
        assert_eq!(parsed.kind, "check");
        let signal = &parsed.alerts.unwrap()[0];
        assert_eq!(signal.fingerprint, "42");
        assert_eq!(signal.status, SignalStatus::Firing);
        assert_eq!(signal.severity, Severity::Critical);
        assert_eq!(signal.summary, "api.example.com is down");
        assert_eq!(signal.rule, "check");
        assert_eq!(signal.service.as_deref(), Some("api"));
        assert_eq!(signal.labels["region"], "eu");
        assert_eq!(signal.url.as_deref(), Some("https://uptime.example.com/42"));

        let resolved =
            br#"{"event": "check", "check": {"id": 42, "title": "up again", "state": "ok"}}"#;
        let signal = &parse(&mapped(), &HeaderMap::new(), resolved)
            .unwrap()
            .alerts
            .unwrap()[0];
        assert_eq!(signal.status, SignalStatus::Resolved);
        assert_eq!(signal.severity, Severity::Warning);

        let missing = br#"{"event": "check", "check": {"id": 42}}"#;
        let error = parse(&mapped(), &HeaderMap::new(), missing).unwrap_err();
        assert_eq!(error.code(), "invalid_payload");
        assert!(
            error.message().contains("/check/title"),
            "{}",
            error.message()
        );
    }

    #[test]
    fn defaults_find_kind_and_id() {
        let parsed = parse(
            &settings(),
            &HeaderMap::new(),
            br#"{"type":"deploy","id":42}"#,
        )
        .unwrap();
        assert_eq!(
            parsed,
            Parsed {
                kind: "deploy".into(),
                dedup_key: Some("42".into()),
                ignored: None,
                forge: None,
                alerts: None
            }
        );

        let mut headers = HeaderMap::new();
        headers.insert("idempotency-key", "k-1".parse().unwrap());
        let parsed = parse(&settings(), &headers, br#"{"id":"body"}"#).unwrap();
        assert_eq!(
            parsed,
            Parsed {
                kind: "event".into(),
                dedup_key: Some("k-1".into()),
                ignored: None,
                forge: None,
                alerts: None
            }
        );
    }

    #[test]
    fn configured_pointer_and_header() {
        let mut config = settings();
        config.idempotency_key = Some("/delivery/uuid".into());
        config.kind_field = Some("/meta/event".into());
        let parsed = parse(
            &config,
            &HeaderMap::new(),
            br#"{"delivery":{"uuid":"u"},"meta":{"event":"x"}}"#,
        )
        .unwrap();
        assert_eq!(
            parsed,
            Parsed {
                kind: "x".into(),
                dedup_key: Some("u".into()),
                ignored: None,
                forge: None,
                alerts: None
            }
        );

        config.idempotency_key = Some("header:X-Delivery".into());
        let mut headers = HeaderMap::new();
        headers.insert("x-delivery", "d-9".parse().unwrap());
        assert_eq!(
            parse(&config, &headers, b"{}")
                .unwrap()
                .dedup_key
                .as_deref(),
            Some("d-9")
        );
    }

    #[test]
    fn rejects_what_is_not_a_json_object() {
        let error = parse(&settings(), &HeaderMap::new(), b"{\"a\":").unwrap_err();
        assert_eq!(error.code(), "invalid_json");
        assert!(error.message().contains("line 1"), "{}", error.message());
        assert_eq!(
            parse(&settings(), &HeaderMap::new(), b"[1]")
                .unwrap_err()
                .code(),
            "invalid_payload"
        );
        let long = format!("{{\"id\":\"{}\"}}", "x".repeat(600));
        assert_eq!(
            parse(&settings(), &HeaderMap::new(), long.as_bytes())
                .unwrap_err()
                .code(),
            "invalid_payload"
        );
    }
}
