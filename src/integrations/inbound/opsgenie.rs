//! The `opsgenie` kind: Opsgenie's Alert API (`POST /v2/alerts`, and acknowledge and close by
//! alias), so tools written for Opsgenie (its SDKs, Alertmanager's `opsgenie_configs`,
//! Grafana's Opsgenie contact point, scripts) raise alerts in Firewatch by changing the API
//! URL. The `GenieKey` in `Authorization` names the integration. `alias` is the alert's
//! identity, as it is Opsgenie's key for de-duplication; an alert created without one is an
//! alert of its own. Limits are Opsgenie's: longer texts are cut to them, as Opsgenie does.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Parsed, Rejection};
use crate::core::alert::{AlertSignal, Severity, SignalStatus};

/// The kind of the events the Alert API stores.
pub const KIND: &str = "opsgenie_alert";

const MAX_MESSAGE: usize = 130;
const MAX_ALIAS: usize = 512;
const MAX_DESCRIPTION: usize = 15_000;
const MAX_TAGS: usize = 20;
const MAX_TAG: usize = 50;
const MAX_ENTITY: usize = 512;
const MAX_SOURCE: usize = 100;
const MAX_DETAILS: usize = 8_000;

/// The key of `Authorization: GenieKey KEY`.
pub fn genie_key(authorization: Option<&str>) -> Option<&str> {
    let value = authorization?.trim();
    let (scheme, key) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("geniekey")
        .then(|| key.trim())
        .filter(|key| !key.is_empty())
}

fn cut(text: &str, most: usize) -> String {
    text.trim().chars().take(most).collect()
}

fn object(body: &[u8]) -> Result<serde_json::Map<String, Value>, Rejection> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(Rejection::InvalidPayload(
            "the body is not a JSON object (Opsgenie's create alert request)".into(),
        )),
        Err(error) => Err(Rejection::InvalidJson(error.to_string())),
    }
}

fn text<'v>(object: &'v serde_json::Map<String, Value>, name: &str) -> Option<&'v str> {
    object
        .get(name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

/// A create alert request (`POST /v2/alerts`). `made_up` is the alias of an alert sent
/// without one: the request's own id, so it is an alert of its own.
pub fn parse_create(body: &[u8], made_up: &str) -> Result<Parsed, Rejection> {
    let object = object(body)?;
    let mut errors = Vec::new();
    let message = text(&object, "message").map(|m| cut(m, MAX_MESSAGE));
    if message.is_none() {
        errors.push("Message can not be empty.".to_owned());
    }
    for name in [
        "message",
        "alias",
        "description",
        "entity",
        "source",
        "priority",
        "user",
        "note",
    ] {
        if object
            .get(name)
            .is_some_and(|v| !v.is_string() && !v.is_null())
        {
            errors.push(format!("{name} must be a string."));
        }
    }
    let severity = match text(&object, "priority") {
        None => Severity::Warning,
        Some(priority) => match priority {
            "P1" => Severity::Critical,
            "P2" => Severity::Error,
            "P3" => Severity::Warning,
            "P4" | "P5" => Severity::Info,
            _ => {
                errors.push("Priority should be one of [P1, P2, P3, P4, P5].".to_owned());
                Severity::Warning
            }
        },
    };
    let tags: Vec<String> = match object.get("tags") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(tags)) => tags
            .iter()
            .filter_map(Value::as_str)
            .map(|tag| cut(tag, MAX_TAG))
            .filter(|tag| !tag.is_empty())
            .take(MAX_TAGS)
            .collect(),
        Some(_) => {
            errors.push("Tags must be a list of strings.".to_owned());
            Vec::new()
        }
    };
    let mut labels = BTreeMap::new();
    match object.get("details") {
        None | Some(Value::Null) => {}
        Some(Value::Object(details)) => {
            let mut size = 0;
            for (key, value) in details {
                let value = match value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                size += key.len() + value.len();
                if size > MAX_DETAILS {
                    break;
                }
                labels.insert(key.clone(), value);
            }
        }
        Some(_) => errors.push("Details must be an object of key-value pairs.".to_owned()),
    }
    if !errors.is_empty() {
        return Err(Rejection::InvalidEvent(errors));
    }
    let message = message.unwrap_or_default();
    let alias = text(&object, "alias")
        .map(|alias| cut(alias, MAX_ALIAS))
        .unwrap_or_else(|| made_up.to_owned());
    for (name, most) in [("entity", MAX_ENTITY), ("source", MAX_SOURCE)] {
        if let Some(value) = text(&object, name) {
            labels.insert(name.to_owned(), cut(value, most));
        }
    }
    if !tags.is_empty() {
        labels.insert("tags".to_owned(), tags.join(","));
    }
    let priority = text(&object, "priority").unwrap_or("P3");
    labels.insert("priority".to_owned(), priority.to_owned());
    let mut annotations = BTreeMap::new();
    if let Some(description) = text(&object, "description") {
        annotations.insert("description".to_owned(), cut(description, MAX_DESCRIPTION));
    }
    for name in ["user", "note"] {
        if let Some(value) = text(&object, name) {
            annotations.insert(name.to_owned(), cut(value, 1000));
        }
    }
    let signal = AlertSignal {
        fingerprint: alias.clone(),
        group_key: None,
        status: SignalStatus::Firing,
        // What an Opsgenie user knows the alert by: its message.
        rule: message.clone(),
        summary: message,
        severity,
        service: labels.get("service").cloned(),
        labels,
        annotations,
        starts_at: None,
        ends_at: None,
        url: None,
        status_only: false,
        valid_until: None,
    };
    Ok(Parsed::alerts(KIND, None, vec![signal]))
}

/// What an acknowledge or close request does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Acknowledge,
    Close,
}

/// `POST /v2/alerts/{alias}/acknowledge|close?identifierType=alias`; the body (`user`,
/// `source`, `note`) is optional. Only aliases identify alerts here: Firewatch has no
/// Opsgenie alert ids.
pub fn parse_action(
    alias: &str,
    identifier_type: Option<&str>,
    action: Action,
    body: &[u8],
) -> Result<Parsed, Rejection> {
    match identifier_type {
        Some("alias") => {}
        other => {
            return Err(Rejection::InvalidEvent(vec![format!(
                "identifierType must be alias (got {}): Firewatch identifies Opsgenie alerts by their alias only",
                other.map_or_else(
                    || "none, which Opsgenie reads as id".to_owned(),
                    |t| format!("\"{}\"", super::shown(t))
                )
            )]));
        }
    }
    let alias = cut(alias, MAX_ALIAS);
    if alias.is_empty() {
        return Err(Rejection::InvalidEvent(vec!["the alias is empty".into()]));
    }
    let mut annotations = BTreeMap::new();
    if !body.trim_ascii().is_empty() {
        let object = object(body)?;
        for name in ["user", "source", "note"] {
            if let Some(value) = text(&object, name) {
                annotations.insert(name.to_owned(), cut(value, 1000));
            }
        }
    }
    let signal = AlertSignal {
        fingerprint: alias.clone(),
        group_key: None,
        status: match action {
            Action::Acknowledge => SignalStatus::Acknowledged,
            Action::Close => SignalStatus::Resolved,
        },
        rule: alias.clone(),
        summary: alias,
        severity: Severity::Info,
        service: None,
        labels: BTreeMap::new(),
        annotations,
        starts_at: None,
        ends_at: None,
        url: None,
        status_only: true,
        valid_until: None,
    };
    Ok(Parsed::alerts(KIND, None, vec![signal]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The create request from Opsgenie's Alert API documentation.
    const CREATE: &str = r#"{
        "message": "An example alert message",
        "alias": "Life is too short for no alias",
        "description":"Every alert needs a description",
        "responders":[
            {"id":"4513b7ea-3b91-438f-b7e4-e3e54af9147c", "type":"team"},
            {"name":"NOC", "type":"team"},
            {"id":"bb4d9938-c3c2-455d-aaab-727aa701c0d8", "type":"user"},
            {"username":"trinity@opsgenie.com", "type":"user"},
            {"id":"aee8a0de-c80f-4515-a232-501c0bc9d715", "type":"escalation"},
            {"name":"Nightwatch Escalation", "type":"escalation"},
            {"id":"80564037-1984-4f38-b98e-8a1f662df552", "type":"schedule"},
            {"name":"First Responders Schedule", "type":"schedule"}
        ],
        "visibleTo":[
            {"id":"4513b7ea-3b91-438f-b7e4-e3e54af9147c","type":"team"},
            {"name":"rocket_team","type":"team"},
            {"id":"bb4d9938-c3c2-455d-aaab-727aa701c0d8","type":"user"},
            {"username":"trinity@opsgenie.com","type":"user"}
        ],
        "actions": ["Restart", "AnExampleAction"],
        "tags": ["OverwriteQuietHours","Critical"],
        "details":{"key1":"value1","key2":"value2"},
        "entity":"An example entity",
        "priority":"P1"
    }"#;

    #[test]
    fn the_documented_create_request_is_an_alert_keyed_by_its_alias() {
        let parsed = parse_create(CREATE.as_bytes(), "made-up").unwrap();
        let signal = &parsed.alerts.unwrap()[0];
        assert_eq!(signal.fingerprint, "Life is too short for no alias");
        assert_eq!(signal.summary, "An example alert message");
        assert_eq!(signal.severity, Severity::Critical);
        assert_eq!(signal.status, SignalStatus::Firing);
        assert_eq!(signal.labels["key1"], "value1");
        assert_eq!(signal.labels["entity"], "An example entity");
        assert_eq!(signal.labels["tags"], "OverwriteQuietHours,Critical");
        assert_eq!(signal.labels["priority"], "P1");
        assert_eq!(
            signal.annotations["description"],
            "Every alert needs a description"
        );
    }

    #[test]
    fn without_an_alias_it_is_an_alert_of_its_own_and_texts_are_cut_to_opsgenies_limits() {
        let long = "x".repeat(200);
        let body = format!(r#"{{"message": "{long}"}}"#);
        let signal = &parse_create(body.as_bytes(), "request-1")
            .unwrap()
            .alerts
            .unwrap()[0];
        assert_eq!(signal.fingerprint, "request-1");
        assert_eq!(signal.summary.len(), 130);
        assert_eq!(signal.severity, Severity::Warning, "P3 by default");
    }

    #[test]
    fn bad_requests_are_named_in_opsgenies_words() {
        let Err(Rejection::InvalidEvent(errors)) =
            parse_create(br#"{"priority": "P9", "tags": "a"}"#, "r")
        else {
            panic!("refused");
        };
        assert_eq!(
            errors,
            [
                "Message can not be empty.",
                "Priority should be one of [P1, P2, P3, P4, P5].",
                "Tags must be a list of strings.",
            ]
        );
        assert!(matches!(
            parse_create(b"[1]", "r"),
            Err(Rejection::InvalidPayload(_))
        ));
        assert!(matches!(
            parse_create(b"{", "r"),
            Err(Rejection::InvalidJson(_))
        ));
    }

    #[test]
    fn acknowledge_and_close_act_by_alias_only() {
        let parsed = parse_action(
            "disk-db-1",
            Some("alias"),
            Action::Close,
            br#"{"user":"Monitoring Script","source":"AWS Lambda","note":"Action executed via Alert API"}"#,
        )
        .unwrap();
        let signal = &parsed.alerts.unwrap()[0];
        assert_eq!(signal.status, SignalStatus::Resolved);
        assert!(signal.status_only);
        assert_eq!(signal.annotations["user"], "Monitoring Script");
        let parsed = parse_action("disk-db-1", Some("alias"), Action::Acknowledge, b"").unwrap();
        assert_eq!(parsed.alerts.unwrap()[0].status, SignalStatus::Acknowledged);
        let Err(Rejection::InvalidEvent(errors)) = parse_action("abc", None, Action::Close, b"")
        else {
            panic!("refused");
        };
        assert!(
            errors[0].starts_with("identifierType must be alias"),
            "{errors:?}"
        );
    }

    #[test]
    fn the_genie_key_is_read_from_authorization() {
        assert_eq!(genie_key(Some("GenieKey abc-123")), Some("abc-123"));
        assert_eq!(genie_key(Some("geniekey  abc")), Some("abc"));
        assert_eq!(genie_key(Some("Bearer abc")), None);
        assert_eq!(genie_key(Some("GenieKey ")), None);
        assert_eq!(genie_key(None), None);
    }
}
