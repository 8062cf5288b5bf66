//! Lenient reads from a sender's JSON by pointer. Forges add, drop and retype fields over the
//! years (GitHub's `repository.created_at` is a number in push events and a string elsewhere),
//! so parsers read only what they use, and a missing or odd field is absent, not an error.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Rejection;

/// Reads a sender's whole payload into `T`, naming the path of a field that does not fit
/// (`not a Grafana webhook payload: invalid type … at alerts[0].labels`). Only an object is a
/// payload: serde would otherwise read a struct from an array, field by field.
pub fn decode<T: DeserializeOwned>(body: &[u8], payload: &str) -> Result<T, Rejection> {
    let syntax = |error: &serde_json::Error| error.is_syntax() || error.is_eof();
    if body.trim_ascii_start().first() != Some(&b'{') {
        return match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
            Err(error) if syntax(&error) => Err(Rejection::InvalidJson(error.to_string())),
            _ => Err(Rejection::InvalidPayload(format!(
                "not {payload}: expected a JSON object"
            ))),
        };
    }
    let deserializer = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        if syntax(error.inner()) {
            Rejection::InvalidJson(error.inner().to_string())
        } else {
            Rejection::InvalidPayload(format!(
                "not {payload}: {} at {}",
                error.inner(),
                error.path()
            ))
        }
    })
}

/// A string, or a number as text.
pub fn text(value: &Value, pointer: &str) -> Option<String> {
    match value.pointer(pointer)? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

pub fn flag(value: &Value, pointer: &str) -> bool {
    value
        .pointer(pointer)
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

pub fn number(value: &Value, pointer: &str) -> Option<u64> {
    value.pointer(pointer).and_then(Value::as_u64)
}

/// `field` of every item of the array at `pointer` (e.g. the logins of reviewers).
pub fn texts(value: &Value, pointer: &str, field: &str) -> Vec<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(|item| text(item, field)).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_leniently() {
        let value: Value = serde_json::json!({"a": {"n": 7, "s": "x", "b": true}, "l": [{"u": "p"}, {"u": 2}, {}]});
        assert_eq!(text(&value, "/a/n").as_deref(), Some("7"));
        assert_eq!(text(&value, "/a/b"), None);
        assert!(flag(&value, "/a/b") && !flag(&value, "/a/s"));
        assert_eq!(number(&value, "/a/s"), None);
        assert_eq!(texts(&value, "/l", "/u"), ["p", "2"]);
    }
}
