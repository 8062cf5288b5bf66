//! The `datadog` kind: Datadog's Webhooks integration
//! (<https://docs.datadoghq.com/integrations/webhooks/>). Datadog has no fixed payload: the
//! webhook's Payload field is a JSON template whose `$VARIABLES` Datadog fills in, always as
//! strings. Paste this one (the field names are what this parser reads):
//!
//! ```json
//! {
//!   "id": "$ID",
//!   "alert_id": "$ALERT_ID",
//!   "alert_cycle_key": "$ALERT_CYCLE_KEY",
//!   "alert_transition": "$ALERT_TRANSITION",
//!   "alert_type": "$ALERT_TYPE",
//!   "priority": "$ALERT_PRIORITY",
//!   "title": "$EVENT_TITLE",
//!   "body": "$EVENT_MSG",
//!   "alert_status": "$ALERT_STATUS",
//!   "alert_query": "$ALERT_QUERY",
//!   "scope": "$ALERT_SCOPE",
//!   "tags": "$TAGS",
//!   "hostname": "$HOSTNAME",
//!   "link": "$LINK",
//!   "date": "$DATE",
//!   "last_updated": "$LAST_UPDATED",
//!   "event_type": "$EVENT_TYPE",
//!   "org_id": "$ORG_ID"
//! }
//! ```
//!
//! Leave "Encode as form" off. `priority` wants the monitor's `$ALERT_PRIORITY` (P1–P5);
//! `$PRIORITY` is the event's `normal`/`low` and is ignored there. A monitor alerts once per
//! group (`scope`), so an alert is the monitor plus its scope; `$ID` is unique per notification
//! and makes a redelivery a no-op.
//!
//! The payload the integration pre-fills (`body`, `last_updated`, `event_type`, `title`, `date`,
//! `org`, `id`) is read as well as it can be: the transition, priority and scope come from the
//! title's `[P1] [Triggered on {host:a}]` prefix and the monitor from the `/monitors/<id>` link
//! Datadog puts in the body.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Deserialize;
use serde::de::{Deserializer, Error as _, Unexpected};
use serde_json::Value;

use super::alertmanager::fingerprint_of;
use super::generic::MAX_KEY_LENGTH;
use super::{Parsed, Rejection};
use crate::core::alert::{AlertSignal, Severity, SignalStatus};

/// The event text kept as the alert's description: Datadog's messages carry whole runbooks.
pub const MAX_DESCRIPTION_CHARS: usize = 4_000;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Webhook {
    #[serde(deserialize_with = "text")]
    id: Option<String>,
    #[serde(deserialize_with = "text")]
    alert_id: Option<String>,
    #[serde(deserialize_with = "text")]
    alert_cycle_key: Option<String>,
    #[serde(deserialize_with = "text")]
    alert_transition: Option<String>,
    #[serde(deserialize_with = "text")]
    alert_type: Option<String>,
    #[serde(deserialize_with = "text")]
    priority: Option<String>,
    #[serde(deserialize_with = "text")]
    title: Option<String>,
    #[serde(deserialize_with = "text")]
    body: Option<String>,
    #[serde(deserialize_with = "text")]
    alert_status: Option<String>,
    #[serde(deserialize_with = "text")]
    alert_query: Option<String>,
    #[serde(deserialize_with = "text")]
    scope: Option<String>,
    #[serde(deserialize_with = "tags")]
    tags: Vec<String>,
    #[serde(deserialize_with = "text")]
    hostname: Option<String>,
    #[serde(deserialize_with = "text")]
    link: Option<String>,
    #[serde(deserialize_with = "text")]
    date: Option<String>,
    #[serde(deserialize_with = "text")]
    last_updated: Option<String>,
    #[serde(deserialize_with = "text")]
    event_type: Option<String>,
    #[serde(deserialize_with = "text")]
    org_id: Option<String>,
    /// The default payload's `{"id": "$ORG_ID", "name": "$ORG_NAME"}`.
    org: Option<Org>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Org {
    #[serde(deserialize_with = "text")]
    id: Option<String>,
}

pub fn parse(body: &[u8], default_severity: Severity) -> Result<Parsed, Rejection> {
    let webhook: Webhook = super::json::decode(body, "a Datadog webhook payload")?;
    let title = Title::read(webhook.title.as_deref().unwrap_or(""));
    let status = webhook
        .alert_transition
        .as_deref()
        .and_then(transition_status)
        .or_else(|| webhook.alert_type.as_deref().and_then(type_status))
        .or_else(|| title.transition.and_then(transition_status))
        .ok_or_else(|| {
            Rejection::InvalidPayload(format!(
                "cannot tell whether the Datadog alert fired or recovered: \"alert_transition\" \
                 ({}) and \"alert_type\" ({}) are missing or unknown and the title has no \
                 [Triggered]/[Recovered] prefix; put \"alert_transition\": \"$ALERT_TRANSITION\" \
                 in the webhook's payload",
                quoted(webhook.alert_transition.as_deref()),
                quoted(webhook.alert_type.as_deref()),
            ))
        })?;

    let monitor = webhook.alert_id.clone().or_else(|| {
        [&webhook.link, &webhook.body]
            .into_iter()
            .find_map(|text| text.as_deref().and_then(monitor_in))
    });
    let scope = normalized_scope(webhook.scope.as_deref().or(title.scope).unwrap_or(""));

    let mut labels = BTreeMap::new();
    for tag in &webhook.tags {
        add_tag(&mut labels, tag);
    }
    // The scope's tags are usually among `$TAGS`; they fill in when the template leaves it out.
    for tag in scope.split(',').filter(|tag| !tag.is_empty()) {
        let (key, value) = split_tag(tag);
        labels
            .entry(key.to_owned())
            .or_insert_with(|| value.to_owned());
    }
    if let Some(host) = &webhook.hostname {
        labels
            .entry("host".to_owned())
            .or_insert_with(|| host.clone());
    }
    let name = (!title.name.is_empty()).then(|| title.name.to_owned());
    let rule = name.clone().unwrap_or_else(|| match &monitor {
        Some(id) => format!("monitor {id}"),
        None => "alert".to_owned(),
    });
    labels.insert("alertname".to_owned(), rule.clone());

    let fingerprint = match (&monitor, &webhook.alert_cycle_key, &webhook.id) {
        (Some(id), _, _) if scope.is_empty() => format!("datadog:{id}"),
        (Some(id), _, _) => format!("datadog:{id}:{scope}"),
        (None, Some(cycle), _) => format!("datadog-cycle:{cycle}"),
        (None, None, Some(event)) => format!("datadog-event:{event}"),
        (None, None, None) => fingerprint_of(&labels),
    };
    let dedup_key = match (
        &webhook.id,
        &webhook.alert_cycle_key,
        &webhook.alert_transition,
    ) {
        (Some(event), _, _) => Some(event.clone()),
        (None, Some(cycle), Some(transition)) => Some(format!("{cycle}:{transition}")),
        _ => None,
    }
    .filter(|key| key.len() <= MAX_KEY_LENGTH);

    // A P-level is what the monitor's owner chose, so it beats the alert type's error/warning.
    let severity = webhook
        .priority
        .as_deref()
        .filter(|p| is_priority(p))
        .or(title.priority)
        .and_then(Severity::parse)
        .or(match webhook.alert_type.as_deref() {
            Some("error") => Some(Severity::Error),
            Some("warning") => Some(Severity::Warning),
            _ => None,
        })
        .or_else(|| {
            let transition = webhook.alert_transition.as_deref().or(title.transition)?;
            matches!(squashed(transition).as_str(), "warn" | "rewarn").then_some(Severity::Warning)
        })
        .unwrap_or(default_severity);

    let mut annotations = BTreeMap::new();
    if let Some(body) = webhook
        .body
        .as_deref()
        .map(description)
        .filter(|d| !d.is_empty())
    {
        annotations.insert("description".to_owned(), body);
    }
    let org_id = webhook
        .org_id
        .clone()
        .or_else(|| webhook.org.and_then(|org| org.id));
    for (key, value) in [
        ("alert_status", webhook.alert_status),
        ("query", webhook.alert_query),
        ("transition", webhook.alert_transition),
        ("priority", webhook.priority),
        ("event_type", webhook.event_type),
        ("org_id", org_id),
    ] {
        if let Some(value) = value {
            annotations.insert(key.to_owned(), value);
        }
    }
    let summary = name
        .or_else(|| annotations.get("alert_status").cloned())
        .unwrap_or_else(|| rule.clone());
    let at = webhook
        .date
        .as_deref()
        .or(webhook.last_updated.as_deref())
        .and_then(time);
    let (starts_at, ends_at) = match status {
        SignalStatus::Resolved => (None, at),
        _ => (at, None),
    };
    let signal = AlertSignal {
        fingerprint,
        group_key: monitor.as_ref().map(|id| format!("datadog:{id}")),
        status,
        rule,
        summary,
        severity,
        service: labels.get("service").cloned().filter(|s| !s.is_empty()),
        starts_at,
        ends_at,
        url: webhook.link,
        labels,
        annotations,
        status_only: false,
        valid_until: None,
    };
    Ok(Parsed::alerts("alerts", dedup_key, vec![signal]))
}

/// What an event title's bracketed prefix says, and the monitor's name after it.
struct Title<'a> {
    name: &'a str,
    transition: Option<&'a str>,
    priority: Option<&'a str>,
    scope: Option<&'a str>,
}

impl<'a> Title<'a> {
    /// Reads `[P1] [Triggered on {host:a,env:b}] Name`; a bracket that is neither a priority
    /// nor a transition (`[Memory Alert]`) belongs to the name.
    fn read(title: &'a str) -> Title<'a> {
        let mut read = Title {
            name: "",
            transition: None,
            priority: None,
            scope: None,
        };
        let mut rest = title.trim();
        while let Some((inner, after)) =
            rest.strip_prefix('[').and_then(|open| open.split_once(']'))
        {
            let inner = inner.trim();
            if read.priority.is_none() && is_priority(inner) {
                read.priority = Some(inner);
            } else {
                let (word, scope) = match inner.split_once(" on ") {
                    Some((word, scope)) => (word.trim(), Some(scope)),
                    None => (inner, None),
                };
                if read.transition.is_some() || transition_status(word).is_none() {
                    break;
                }
                read.transition = Some(word);
                read.scope = scope.map(|s| s.trim().trim_start_matches('{').trim_end_matches('}'));
            }
            rest = after.trim_start();
        }
        read.name = rest.trim();
        read
    }
}

/// Datadog's `$ALERT_TRANSITION` values (Triggered, Re-Triggered, Warn, Re-Warn, No Data,
/// Re-No Data, Renotify, Recovered), read loosely: case, spaces and dashes aside.
fn transition_status(text: &str) -> Option<SignalStatus> {
    let key = squashed(text);
    match key.as_str() {
        "triggered" | "retriggered" | "warn" | "rewarn" | "nodata" | "renodata" | "renotify" => {
            Some(SignalStatus::Firing)
        }
        // "Recovered", and the "Warn Recovered"-style spellings some monitors use.
        _ if key.ends_with("recovered") => Some(SignalStatus::Resolved),
        _ => None,
    }
}

/// `$ALERT_TYPE`: error and warning are a problem, success its end; info says neither.
fn type_status(text: &str) -> Option<SignalStatus> {
    match squashed(text).as_str() {
        "error" | "warning" => Some(SignalStatus::Firing),
        "success" => Some(SignalStatus::Resolved),
        _ => None,
    }
}

/// Lower-case letters and digits only; long text is no transition, so it is not copied.
fn squashed(text: &str) -> String {
    if text.len() > 64 {
        return String::new();
    }
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn is_priority(text: &str) -> bool {
    matches!(text.as_bytes(), [b'P' | b'p', b'1'..=b'5'])
}

/// The monitor id in a `…/monitors/1234…` link.
fn monitor_in(text: &str) -> Option<String> {
    text.match_indices("/monitors/").find_map(|(at, marker)| {
        let rest = &text[at + marker.len()..];
        let end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        (1..=20).contains(&end).then(|| rest[..end].to_owned())
    })
}

/// `$ALERT_SCOPE` ("availability-zone:us-east-1a, role:computing-node") sorted and without
/// spaces, so the same group always gives the same fingerprint.
fn normalized_scope(scope: &str) -> String {
    let mut tags: Vec<&str> = scope
        .split(',')
        .map(str::trim)
        .filter(|tag| !tag.is_empty())
        .collect();
    tags.sort_unstable();
    tags.dedup();
    tags.join(",")
}

fn split_tag(tag: &str) -> (&str, &str) {
    match tag.split_once(':') {
        Some((key, value)) if !key.trim().is_empty() => (key.trim(), value.trim()),
        _ => (tag.trim(), ""),
    }
}

/// `key:value` becomes a label, a bare tag a label with no value; a key given twice
/// (`team:a,team:b`) keeps both values.
fn add_tag(labels: &mut BTreeMap<String, String>, tag: &str) {
    let (key, value) = split_tag(tag);
    if key.is_empty() {
        return;
    }
    match labels.get_mut(key) {
        Some(existing) if !value.is_empty() && existing != value => {
            if !existing.is_empty() {
                existing.push(',');
            }
            existing.push_str(value);
        }
        Some(_) => {}
        None => {
            labels.insert(key.to_owned(), value.to_owned());
        }
    }
}

/// The event text without Datadog's `%%%` markdown fences, cut to a size notices can show.
fn description(body: &str) -> String {
    let body = body.trim();
    let body = body.strip_prefix("%%%").unwrap_or(body);
    let body = body.strip_suffix("%%%").unwrap_or(body).trim();
    match body.char_indices().nth(MAX_DESCRIPTION_CHARS) {
        Some((cut, _)) => format!("{}…", &body[..cut]),
        None => body.to_owned(),
    }
}

/// `$DATE` and `$LAST_UPDATED` are epoch milliseconds; an RFC 3339 time is taken too.
fn time(text: &str) -> Option<Timestamp> {
    let at = match text.parse::<i64>() {
        Ok(millis) => Timestamp::from_millisecond(millis).ok()?,
        Err(_) => text.parse::<Timestamp>().ok()?,
    };
    (at.as_second() > 0).then_some(at)
}

fn quoted(text: Option<&str>) -> String {
    match text {
        Some(text) => format!("\"{}\"", text.chars().take(64).collect::<String>()),
        None => "absent".to_owned(),
    }
}

/// Datadog fills every variable in as a string, but a template may leave quotes off a
/// number. Empty text and a variable left unreplaced (`$ALERT_ID`) are absent.
fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let value = Option::<Value>::deserialize(deserializer)?;
    scalar(value).map_err(|unexpected| {
        D::Error::invalid_type(unexpected, &"a string, a number or a boolean")
    })
}

/// `$TAGS` is one comma-separated string; a JSON list of tags is taken too.
fn tags<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let items = match Option::<Value>::deserialize(deserializer)? {
        Some(Value::Array(items)) => items,
        other => match scalar(other) {
            Ok(text) => return Ok(text.map(|t| split_list(&t)).unwrap_or_default()),
            Err(unexpected) => {
                return Err(D::Error::invalid_type(
                    unexpected,
                    &"a comma-separated string or a list of strings",
                ));
            }
        },
    };
    let mut tags = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        match scalar(Some(item)) {
            Ok(Some(tag)) => tags.push(tag),
            Ok(None) => {}
            Err(unexpected) => {
                return Err(D::Error::custom(format!(
                    "invalid type: {unexpected} in tags[{index}], expected a string"
                )));
            }
        }
    }
    Ok(tags)
}

fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|tag| !tag.is_empty())
        .map(str::to_owned)
        .collect()
}

fn scalar(value: Option<Value>) -> Result<Option<String>, Unexpected<'static>> {
    let text = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) => text,
        Some(Value::Number(number)) => number.to_string(),
        Some(Value::Bool(flag)) => flag.to_string(),
        Some(Value::Array(_)) => return Err(Unexpected::Seq),
        Some(Value::Object(_)) => return Err(Unexpected::Map),
    };
    let trimmed = text.trim();
    let unreplaced = trimmed.len() > 1
        && trimmed.starts_with('$')
        && trimmed[1..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    Ok((!trimmed.is_empty() && !unreplaced).then(|| trimmed.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Datadog documents variables, not delivered payloads, so these fixtures are the
    // templates filled in with the example values (made-up ones where none is given) of
    // https://docs.datadoghq.com/integrations/webhooks/ ($ALERT_ID 1234, $ALERT_SCOPE
    // "availability-zone:us-east-1a, role:computing-node", $ALERT_STATUS, $ALERT_TITLE
    // "[Triggered on {host:ip-012345}] Host is Down", $DATE 1406662672000, $EVENT_TYPE
    // metric_alert_monitor, $EVENT_MSG "@webhook-url Sending to the webhook", …).

    /// The module's recommended template, a P1 monitor triggering.
    const TRIGGERED: &str = include_str!("../../../fuzz/seeds/datadog_intake/triggered.json");
    /// The same alert recovering.
    const RECOVERED: &str = include_str!("../../../fuzz/seeds/datadog_intake/recovered.json");
    /// The payload the integration pre-fills.
    const DEFAULT: &str = include_str!("../../../fuzz/seeds/datadog_intake/default.json");

    fn only(parsed: &Parsed) -> &AlertSignal {
        let alerts = parsed.alerts.as_ref().unwrap();
        assert_eq!(alerts.len(), 1);
        &alerts[0]
    }

    #[test]
    fn a_triggered_monitor_becomes_a_firing_signal() {
        let parsed = parse(TRIGGERED.as_bytes(), Severity::Info).unwrap();
        assert_eq!(parsed.kind, "alerts");
        assert_eq!(parsed.dedup_key.as_deref(), Some("5981295425513400143"));
        let alert = only(&parsed);
        assert_eq!(
            alert.fingerprint,
            "datadog:1234:availability-zone:us-east-1a,role:computing-node"
        );
        assert_eq!(alert.group_key.as_deref(), Some("datadog:1234"));
        assert_eq!(alert.status, SignalStatus::Firing);
        assert_eq!(alert.rule, "Host is Down");
        assert_eq!(alert.summary, "Host is Down");
        assert_eq!(alert.labels["alertname"], "Host is Down");
        assert_eq!(
            alert.severity,
            Severity::Critical,
            "P1 beats alert_type error"
        );
        assert_eq!(alert.service.as_deref(), Some("api"));
        assert_eq!(alert.labels["env"], "prod");
        assert_eq!(alert.labels["monitor"], "", "a bare tag");
        assert_eq!(alert.labels["role"], "computing-node", "from the scope");
        assert_eq!(alert.labels["host"], "ip-012345");
        assert_eq!(
            alert.url.as_deref(),
            Some("https://app.datadoghq.com/event/jump_to?event_id=5981295425513400143")
        );
        assert_eq!(
            alert.annotations["description"],
            "@webhook-url Sending to the webhook"
        );
        assert_eq!(alert.annotations["transition"], "Triggered");
        assert_eq!(alert.annotations["org_id"], "11023");
        assert_eq!(
            alert.annotations["alert_status"],
            "system.load.1 over host:my-host was > 0 at least once during the last 1m"
        );
        assert_eq!(
            alert.starts_at,
            Some(Timestamp::from_millisecond(1406662672000).unwrap())
        );
        assert_eq!(alert.ends_at, None);
    }

    #[test]
    fn a_recovery_resolves_the_same_alert_with_its_own_key() {
        let triggered = parse(TRIGGERED.as_bytes(), Severity::Info).unwrap();
        let recovered = parse(RECOVERED.as_bytes(), Severity::Info).unwrap();
        let (fired, ended) = (only(&triggered), only(&recovered));
        assert_eq!(ended.status, SignalStatus::Resolved);
        assert_eq!(
            ended.fingerprint, fired.fingerprint,
            "scope order does not matter"
        );
        assert_eq!(ended.rule, fired.rule);
        assert_ne!(recovered.dedup_key, triggered.dedup_key);
        assert_eq!(ended.starts_at, None);
        assert!(ended.ends_at.is_some());
    }

    #[test]
    fn a_redelivery_has_the_same_dedup_key() {
        let first = parse(TRIGGERED.as_bytes(), Severity::Info).unwrap();
        let again = parse(TRIGGERED.as_bytes(), Severity::Info).unwrap();
        assert_eq!(first.dedup_key, again.dedup_key);
        // Without $ID the cycle and transition identify the notification.
        let body = r#"{"alert_id":"1","alert_cycle_key":"777","alert_transition":"Triggered","title":"x"}"#;
        let parsed = parse(body.as_bytes(), Severity::Info).unwrap();
        assert_eq!(parsed.dedup_key.as_deref(), Some("777:Triggered"));
        let body = r#"{"alert_id":"1","alert_transition":"Triggered"}"#;
        assert_eq!(
            parse(body.as_bytes(), Severity::Info).unwrap().dedup_key,
            None
        );
    }

    #[test]
    fn the_default_payload_is_read_from_its_title_and_body() {
        let parsed = parse(DEFAULT.as_bytes(), Severity::Warning).unwrap();
        assert_eq!(parsed.dedup_key.as_deref(), Some("5981295425513400143"));
        let alert = only(&parsed);
        assert_eq!(alert.status, SignalStatus::Firing);
        assert_eq!(alert.rule, "Host is Down");
        assert_eq!(alert.severity, Severity::Error, "the title's [P2]");
        assert_eq!(alert.fingerprint, "datadog:1234:host:ip-012345");
        assert_eq!(alert.labels["host"], "ip-012345");
        assert_eq!(alert.annotations["org_id"], "11023");
        assert_eq!(alert.annotations["event_type"], "metric_alert_monitor");
        assert!(!alert.annotations["description"].contains("%%%"));
        let recovered = DEFAULT.replace("[Triggered on", "[Recovered on");
        let ended = parse(recovered.as_bytes(), Severity::Warning).unwrap();
        assert_eq!(only(&ended).status, SignalStatus::Resolved);
        assert_eq!(only(&ended).fingerprint, alert.fingerprint);
    }

    #[test]
    fn transitions_and_alert_types_decide_the_status() {
        let status = |fields: &str| {
            let body = format!(r#"{{"alert_id":"9","title":"[Memory Alert]",{fields}}}"#);
            parse(body.as_bytes(), Severity::Info).map(|p| only(&p).status)
        };
        for firing in [
            "Triggered",
            "Re-Triggered",
            "Warn",
            "Re-Warn",
            "No Data",
            "Re-No Data",
            "Renotify",
        ] {
            let fields = format!(r#""alert_transition":"{firing}""#);
            assert_eq!(status(&fields), Ok(SignalStatus::Firing), "{firing}");
        }
        assert_eq!(
            status(r#""alert_transition":"Recovered""#),
            Ok(SignalStatus::Resolved)
        );
        assert_eq!(
            status(r#""alert_transition":"Null","alert_type":"success""#),
            Ok(SignalStatus::Resolved)
        );
        assert_eq!(
            status(r#""alert_type":"warning""#),
            Ok(SignalStatus::Firing)
        );
        let error =
            status(r#""alert_transition":"$ALERT_TRANSITION","alert_type":"info""#).unwrap_err();
        assert_eq!(error.code(), "invalid_payload");
        assert!(
            error.message().contains("\"alert_transition\" (absent)"),
            "{}",
            error.message()
        );
        assert!(
            error.message().contains("\"alert_type\" (\"info\")"),
            "{}",
            error.message()
        );
    }

    #[test]
    fn severity_prefers_the_priority_then_the_alert_type() {
        let severity = |fields: &str| {
            let body = format!(r#"{{"alert_transition":"Triggered",{fields}}}"#);
            only(&parse(body.as_bytes(), Severity::Info).unwrap()).severity
        };
        assert_eq!(
            severity(r#""priority":"P3","alert_type":"error""#),
            Severity::Warning
        );
        assert_eq!(
            severity(r#""priority":"normal","alert_type":"error""#),
            Severity::Error
        );
        assert_eq!(severity(r#""alert_type":"warning""#), Severity::Warning);
        assert_eq!(
            severity(r#""title":"[P1] [Triggered] x""#),
            Severity::Critical
        );
        assert_eq!(severity(r#""priority":"""#), Severity::Info, "the default");
    }

    #[test]
    fn tags_come_as_a_string_or_a_list() {
        let labels = |tags: &str| {
            let body = format!(r#"{{"alert_transition":"Warn","title":"T","tags":{tags}}}"#);
            only(&parse(body.as_bytes(), Severity::Info).unwrap())
                .labels
                .clone()
        };
        let from_string = labels(r#""env:prod,service:api,team:cloud, url:http://x:1 ,solo""#);
        assert_eq!(from_string["service"], "api");
        assert_eq!(from_string["url"], "http://x:1");
        assert_eq!(from_string["solo"], "");
        assert_eq!(from_string["alertname"], "T");
        let from_list = labels(r#"["env:prod","service:api","team:a","team:b",7]"#);
        assert_eq!(from_list["team"], "a,b");
        assert_eq!(from_list["7"], "");
        assert_eq!(labels(r#""""#).len(), 1, "only alertname");
    }

    #[test]
    fn empty_and_unreplaced_values_count_as_absent() {
        let body = r#"{"id":"","alert_id":"$ALERT_ID","alert_cycle_key":"  ","alert_transition":"Triggered",
            "title":"","body":"%%%\n%%%","link":"","priority":"$ALERT_PRIORITY","tags":"$TAGS","scope":""}"#;
        let parsed = parse(body.as_bytes(), Severity::Warning).unwrap();
        assert_eq!(parsed.dedup_key, None);
        let alert = only(&parsed);
        assert_eq!(alert.rule, "alert");
        assert_eq!(alert.summary, "alert");
        assert_eq!(alert.url, None);
        assert_eq!(alert.group_key, None);
        assert!(!alert.fingerprint.is_empty());
        assert!(!alert.annotations.contains_key("description"));
        assert_eq!(alert.severity, Severity::Warning);
        // Numbers a template left unquoted are read as text.
        let body =
            r#"{"id":42,"alert_id":1234,"alert_transition":"Recovered","date":1406662672000}"#;
        let parsed = parse(body.as_bytes(), Severity::Warning).unwrap();
        assert_eq!(parsed.dedup_key.as_deref(), Some("42"));
        assert_eq!(only(&parsed).fingerprint, "datadog:1234");
        assert_eq!(only(&parsed).rule, "monitor 1234");
    }

    #[test]
    fn long_bodies_are_cut_on_a_character_boundary() {
        let body = serde_json::json!({
            "alert_transition": "Triggered",
            "body": "é".repeat(MAX_DESCRIPTION_CHARS + 10),
        })
        .to_string();
        let parsed = parse(body.as_bytes(), Severity::Info).unwrap();
        let description = &only(&parsed).annotations["description"];
        assert_eq!(description.chars().count(), MAX_DESCRIPTION_CHARS + 1);
        assert!(description.ends_with('…'));
    }

    #[test]
    fn malformed_payloads_are_refused_with_the_reason() {
        let cases = [
            ("{}", "invalid_payload", "cannot tell whether"),
            (
                r#"{"alert_transition":{}}"#,
                "invalid_payload",
                "at alert_transition",
            ),
            (r#"{"tags":{"a":"b"}}"#, "invalid_payload", "at tags"),
            (r#"{"tags":["a",["b"]]}"#, "invalid_payload", "tags[1]"),
            (r#"{"org":{"id":[1]}}"#, "invalid_payload", "at org.id"),
            ("[]", "invalid_payload", "expected a JSON object"),
            (
                r#"["1", "1234"]"#,
                "invalid_payload",
                "expected a JSON object",
            ),
            ("[", "invalid_json", "EOF"),
            (r#"{"title": "#, "invalid_json", "EOF"),
            ("alert_transition=Triggered", "invalid_json", "expected"),
        ];
        for (body, code, expected) in cases {
            let error = parse(body.as_bytes(), Severity::Info).unwrap_err();
            assert_eq!(error.code(), code, "{body}: {}", error.message());
            assert!(
                error.message().contains(expected),
                "{body}: {}",
                error.message()
            );
        }
    }
}
