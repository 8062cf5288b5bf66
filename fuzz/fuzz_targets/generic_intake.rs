//! Fuzzes the generic intake parser, `integrations::inbound::generic::parse`.
//!
//! Input layout (see README.md):
//!
//! ```text
//! byte 0      flags
//!             bits 0-1  idempotency_key: 0 none, 1 "/" + field A (JSON pointer),
//!                       2 "header:" + field A, 3 field A exactly as given
//!             bit 2     kind_field: field B exactly as given
//!             bit 3     send an `idempotency-key` header with value field C
//!             bit 4     send a `webhook-id` header with value field D
//!             bit 5     in mode 2, send the configured header with value field C
//! then        A \0 B \0 C \0 D \0 body
//! ```
//!
//! Headers are only added when the bytes are a valid header name and value, as an HTTP server
//! would only ever hand the parser valid ones.

#![no_main]

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use firewatch::integrations::inbound::config::GenericIntegration;
use firewatch::integrations::inbound::generic::{self, MAX_KEY_LENGTH, MAX_KIND_LENGTH};
use libfuzzer_sys::fuzz_target;

/// As a config with only a name gives it, so fields added later take their defaults here too.
fn settings() -> GenericIntegration {
    serde_json::from_str(r#"{"name": "fuzz"}"#).expect("a generic integration with a name")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn insert(headers: &mut HeaderMap, name: &str, value: &[u8]) {
    if let (Ok(name), Ok(value)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_bytes(value),
    ) {
        headers.append(name, value);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let mut fields = rest.splitn(5, |&byte| byte == 0);
    let a = fields.next().unwrap_or_default();
    let b = fields.next().unwrap_or_default();
    let c = fields.next().unwrap_or_default();
    let d = fields.next().unwrap_or_default();
    let body = fields.next().unwrap_or_default();

    let mut settings = settings();
    let mut headers = HeaderMap::new();
    settings.idempotency_key = match flags & 0b11 {
        0 => None,
        1 => Some(format!("/{}", text(a))),
        2 => {
            let name = text(a);
            if flags & 0b10_0000 != 0 {
                insert(&mut headers, name.trim(), c);
            }
            Some(format!("header:{name}"))
        }
        _ => Some(text(a)),
    };
    if flags & 0b100 != 0 {
        settings.kind_field = Some(text(b));
    }
    if flags & 0b1000 != 0 {
        insert(&mut headers, "idempotency-key", c);
    }
    if flags & 0b1_0000 != 0 {
        insert(&mut headers, "webhook-id", d);
    }

    let json = serde_json::from_slice::<serde_json::Value>(body);
    match generic::parse(&settings, &headers, body) {
        Ok(parsed) => {
            assert!(!parsed.kind.is_empty(), "empty kind");
            assert!(
                parsed.kind.len() <= MAX_KIND_LENGTH,
                "kind is {} bytes",
                parsed.kind.len()
            );
            if let Some(key) = &parsed.dedup_key {
                assert!(!key.is_empty(), "empty dedup key");
                assert!(key.len() <= MAX_KEY_LENGTH, "dedup key is {} bytes", key.len());
            }
            assert!(
                json.as_ref().is_ok_and(serde_json::Value::is_object),
                "accepted a body that is not a JSON object"
            );
        }
        Err(rejection) => {
            assert_eq!(rejection.status(), 400, "{rejection:?}");
            match rejection.code() {
                "invalid_json" => assert!(json.is_err(), "valid JSON rejected as invalid_json"),
                "invalid_payload" => assert!(json.is_ok(), "invalid JSON rejected as invalid_payload"),
                other => panic!("unexpected rejection code {other}: {rejection:?}"),
            }
        }
    }
});
