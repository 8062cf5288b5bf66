//! The `generic` kind: any JSON object. Its kind and deduplication key are found where the
//! integration's config says, with sensible defaults.

use axum::http::HeaderMap;
use serde_json::Value;

use super::{Parsed, Rejection, header};
use crate::config::GenericIntegration;

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
    Ok(Parsed {
        kind,
        dedup_key,
        ignored: None,
        forge: None,
        alerts: None,
    })
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
            rate_limit: None,
        }
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
