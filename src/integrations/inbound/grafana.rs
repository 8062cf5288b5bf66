//! The `grafana` kind: Grafana alerting's webhook contact point, in both shapes Grafana sends.
//!
//! - Unified alerting (Grafana 8+, `"version": "1"`) posts Alertmanager's group payload plus
//!   Grafana's own fields (`orgId`, `title`, `state`, `message`; per alert `values`,
//!   `valueString`, `silenceURL`, `dashboardURL`, `panelURL`, `imageURL`). It becomes one signal
//!   per alert, identified by its `fingerprint`, as in `alertmanager`.
//! - Legacy dashboard alerting (Grafana 7 and before) posts one rule's state (`ruleId`, `state`,
//!   `evalMatches`, …). It becomes at most one signal, identified by org, dashboard, panel and
//!   rule, since a legacy rule belongs to one panel.
//!
//! Only unified alerting sends an `alerts` list, so its presence tells the forms apart.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::{Deserializer, Error as _, Unexpected};
use serde_json::Value;

use super::alertmanager::{self, MAX_ALERTS};
use super::shown;
use super::{Parsed, Rejection};
use crate::core::alert::{AlertSignal, Severity, SignalStatus};

/// Legacy payloads can list every series that matched; a notice needs the first few.
const MAX_EVAL_MATCHES_SHOWN: usize = 10;

/// Both forms in one pass: the shared top-level names (`title`, `state`, `message`, `orgId`)
/// have the same meaning in each.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Webhook {
    /// Absent means legacy; `null` is refused rather than read as legacy.
    #[serde(default, deserialize_with = "present")]
    alerts: Option<Vec<Alert>>,
    group_key: Option<String>,
    title: Option<String>,
    state: Option<String>,
    message: Option<String>,
    #[serde(default, deserialize_with = "id")]
    org_id: Option<String>,
    #[serde(default, deserialize_with = "id")]
    dashboard_id: Option<String>,
    #[serde(default, deserialize_with = "id")]
    panel_id: Option<String>,
    #[serde(default, deserialize_with = "id")]
    rule_id: Option<String>,
    rule_name: Option<String>,
    rule_url: Option<String>,
    image_url: Option<String>,
    eval_matches: Option<Vec<EvalMatch>>,
    tags: Option<BTreeMap<String, String>>,
}

/// Alertmanager's alert with Grafana's additions. (Not `#[serde(flatten)]`: that would lose
/// the path of a bad field in the error.)
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Alert {
    status: String,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    starts_at: Option<String>,
    ends_at: Option<String>,
    #[serde(rename = "generatorURL")]
    generator_url: Option<String>,
    fingerprint: Option<String>,
    title: Option<String>,
    /// Grafana documents numbers; anything is kept, since it is only shown.
    values: Option<Value>,
    value_string: Option<String>,
    #[serde(rename = "silenceURL")]
    silence_url: Option<String>,
    #[serde(rename = "dashboardURL")]
    dashboard_url: Option<String>,
    #[serde(rename = "panelURL")]
    panel_url: Option<String>,
    #[serde(rename = "imageURL")]
    image_url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct EvalMatch {
    value: Option<Value>,
    metric: Option<String>,
}

pub fn parse(body: &[u8], default_severity: Severity) -> Result<Parsed, Rejection> {
    let webhook: Webhook = super::json::decode(body, "a Grafana webhook payload")?;
    let signals = match webhook.alerts {
        Some(ref alerts) if alerts.len() > MAX_ALERTS => {
            return Err(Rejection::InvalidPayload(format!(
                "more than {MAX_ALERTS} alerts in one request"
            )));
        }
        Some(_) => unified(webhook, default_severity)?,
        None => legacy(webhook, default_severity)?,
    };
    Ok(Parsed::alerts("alerts", None, signals))
}

fn unified(webhook: Webhook, default_severity: Severity) -> Result<Vec<AlertSignal>, Rejection> {
    let group_key = webhook.group_key.as_deref();
    let title = webhook.title.as_deref();
    webhook
        .alerts
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(index, alert)| signal(alert, group_key, title, default_severity, index))
        .collect()
}

fn signal(
    alert: Alert,
    group_key: Option<&str>,
    payload_title: Option<&str>,
    default_severity: Severity,
    index: usize,
) -> Result<AlertSignal, Rejection> {
    // Grafana puts its own title where Alertmanager has only annotations.
    let summary = ["summary", "description"]
        .iter()
        .find_map(|key| non_empty(alert.annotations.get(*key).map(String::as_str)))
        .or_else(|| non_empty(alert.title.as_deref()))
        .or_else(|| non_empty(payload_title))
        .map(str::to_owned);
    let common = alertmanager::Alert {
        status: alert.status,
        labels: alert.labels,
        annotations: alert.annotations,
        starts_at: alert.starts_at,
        ends_at: alert.ends_at,
        generator_url: alert.generator_url,
        fingerprint: alert.fingerprint,
    };
    let mut signal = alertmanager::signal(common, group_key, default_severity, index)?;
    signal.summary = summary.unwrap_or_else(|| signal.rule.clone());
    // The panel shows the data that fired; the rule's page is the last resort.
    if let Some(url) = [&alert.panel_url, &alert.dashboard_url]
        .into_iter()
        .find_map(|url| non_empty(url.as_deref()))
    {
        signal.url = Some(url.to_owned());
    }
    let value = non_empty(alert.value_string.as_deref())
        .map(str::to_owned)
        .or_else(|| alert.values.as_ref().and_then(render_values));
    // The sender's own annotations win: these only fill in what notices can show.
    for (key, text) in [
        ("value", value.as_deref()),
        ("silence_url", alert.silence_url.as_deref()),
        ("dashboard_url", alert.dashboard_url.as_deref()),
        ("panel_url", alert.panel_url.as_deref()),
        ("image_url", alert.image_url.as_deref()),
    ] {
        if let Some(text) = non_empty(text) {
            signal
                .annotations
                .entry(key.to_owned())
                .or_insert_with(|| text.to_owned());
        }
    }
    Ok(signal)
}

fn legacy(webhook: Webhook, default_severity: Severity) -> Result<Vec<AlertSignal>, Rejection> {
    let state = webhook.state.as_deref().ok_or_else(|| {
        Rejection::InvalidPayload(
            "not a Grafana webhook payload: neither an \"alerts\" list (Grafana 8+ alerting) \
             nor a \"state\" (legacy alerting)"
                .into(),
        )
    })?;
    let status = match state {
        "alerting" | "no_data" => SignalStatus::Firing,
        "ok" => SignalStatus::Resolved,
        // `pending` is a rule waiting out its `for` period and `paused` one nobody evaluates:
        // neither says an alert started or ended, so the request is kept with no signal.
        "paused" | "pending" => return Ok(Vec::new()),
        other => {
            return Err(Rejection::InvalidPayload(format!(
                "state is \"{}\"; expected \"alerting\", \"no_data\", \"ok\", \"paused\" or \
                 \"pending\"",
                shown(other)
            )));
        }
    };
    // Grafana's zero value for an id it leaves out (the "Test" button sends none).
    let part = |id: &Option<String>| id.clone().unwrap_or_else(|| "0".to_owned());
    let fingerprint = format!(
        "grafana-legacy:{}:{}:{}:{}",
        part(&webhook.org_id),
        part(&webhook.dashboard_id),
        part(&webhook.panel_id),
        part(&webhook.rule_id)
    );
    let mut labels = webhook.tags.unwrap_or_default();
    let rule_name = non_empty(webhook.rule_name.as_deref());
    if let Some(name) = rule_name {
        labels.insert("alertname".to_owned(), name.to_owned());
    }
    let rule = rule_name.unwrap_or("alert").to_owned();
    let summary = non_empty(webhook.message.as_deref())
        .or_else(|| non_empty(webhook.title.as_deref()))
        .unwrap_or(&rule)
        .to_owned();
    let severity = labels
        .get("severity")
        .and_then(|s| Severity::parse(s))
        .unwrap_or(default_severity);
    let mut annotations = BTreeMap::new();
    if let Some(value) = webhook.eval_matches.as_deref().and_then(render_matches) {
        annotations.insert("value".to_owned(), value);
    }
    if let Some(image) = non_empty(webhook.image_url.as_deref()) {
        annotations.insert("image_url".to_owned(), image.to_owned());
    }
    Ok(vec![AlertSignal {
        fingerprint,
        group_key: None,
        status,
        rule,
        summary,
        severity,
        service: labels.get("service").cloned(),
        starts_at: None,
        ends_at: None,
        url: non_empty(webhook.rule_url.as_deref()).map(str::to_owned),
        labels,
        annotations,
        status_only: false,
        valid_until: None,
    }])
}

/// `{"B": 44.2, "C": 1}` as `B=44.2, C=1`; any other shape as its JSON.
fn render_values(values: &Value) -> Option<String> {
    let text = match values {
        Value::Null => return None,
        Value::Object(map) if map.is_empty() => return None,
        Value::Object(map) => map
            .iter()
            .map(|(name, value)| format!("{name}={}", scalar(value)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    };
    Some(text)
}

/// The legacy `evalMatches` as `metric=value, …`, the first few only.
fn render_matches(matches: &[EvalMatch]) -> Option<String> {
    if matches.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = matches
        .iter()
        .take(MAX_EVAL_MATCHES_SHOWN)
        .map(|m| {
            let value = m.value.as_ref().map_or_else(|| "null".to_owned(), scalar);
            match non_empty(m.metric.as_deref()) {
                Some(metric) => format!("{metric}={value}"),
                None => value,
            }
        })
        .collect();
    if matches.len() > MAX_EVAL_MATCHES_SHOWN {
        parts.push(format!(
            "… and {} more",
            matches.len() - MAX_EVAL_MATCHES_SHOWN
        ));
    }
    Some(parts.join(", "))
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.filter(|text| !text.trim().is_empty())
}

/// A field that, when present, must hold a `T`: `null` is a shape error, not "absent".
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Legacy ids are JSON numbers; a string is taken as well, `null` as absent.
fn id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(number)) => Ok(Some(number.to_string())),
        Some(Value::String(text)) => Ok(non_empty(Some(&text)).map(|t| t.trim().to_owned())),
        Some(Value::Bool(flag)) => Err(D::Error::invalid_type(
            Unexpected::Bool(flag),
            &"a number or a string",
        )),
        Some(Value::Array(_)) => Err(D::Error::invalid_type(
            Unexpected::Seq,
            &"a number or a string",
        )),
        Some(Value::Object(_)) => Err(D::Error::invalid_type(
            Unexpected::Map,
            &"a number or a string",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Grafana's documented unified-alerting payload, verbatim:
    /// https://grafana.com/docs/grafana/latest/alerting/configure-notifications/manage-contact-points/integrations/webhook-notifier/
    const UNIFIED: &str = include_str!("../../../fuzz/seeds/grafana_intake/unified.json");

    /// Grafana's documented legacy-alerting payload, verbatim:
    /// https://grafana.com/docs/grafana/v7.3/alerting/notifications/#webhook
    const LEGACY: &str = include_str!("../../../fuzz/seeds/grafana_intake/legacy.json");

    fn message(body: &str) -> (String, &'static str) {
        let error = parse(body.as_bytes(), Severity::Warning).unwrap_err();
        (error.message(), error.code())
    }

    #[test]
    fn the_documented_unified_payload_becomes_one_signal_per_alert() {
        let parsed = parse(UNIFIED.as_bytes(), Severity::Warning).unwrap();
        assert_eq!(parsed.kind, "alerts");
        assert_eq!(parsed.dedup_key, None);
        let alerts = parsed.alerts.unwrap();
        assert_eq!(alerts.len(), 2);
        let first = &alerts[0];
        assert_eq!(first.fingerprint, "c6eadffa33fcdf37");
        assert_eq!(first.group_key.as_deref(), Some("{}:{}"));
        assert_eq!(first.status, SignalStatus::Firing);
        assert_eq!(first.rule, "High memory usage");
        assert_eq!(first.summary, "This alert was triggered for zone us-1");
        assert_eq!(
            first.severity,
            Severity::Warning,
            "the integration's default"
        );
        assert_eq!(first.service, None);
        assert_eq!(first.labels["team"], "blue");
        assert_eq!(
            first.starts_at,
            Some("2021-10-12T07:51:03.157076Z".parse().unwrap())
        );
        assert_eq!(first.ends_at, None, "year 1 means not ended");
        // Empty panel and dashboard URLs are skipped for the rule's page.
        assert_eq!(
            first.url.as_deref(),
            Some("https://play.grafana.org/alerting/1afz29v7z/edit")
        );
        assert_eq!(first.annotations["value"], "B=44.23943737541908, C=1");
        assert!(first.annotations["silence_url"].contains("matchers=alertname%3DT2"));
        assert!(!first.annotations.contains_key("panel_url"));
        assert!(!first.annotations.contains_key("dashboard_url"));
        assert_eq!(
            first.annotations["runbook_url"],
            "https://myrunbook.com/runbook/1234"
        );
        assert_eq!(alerts[1].fingerprint, "bc97ff14869b13e3");
        assert_eq!(alerts[1].rule, "High CPU usage");
    }

    #[test]
    fn unified_alerts_fill_in_what_grafana_leaves_out() {
        let body = r#"{"version":"1","title":"[RESOLVED] disk","alerts":[
            {"status":"resolved","labels":{"alertname":"Disk","severity":"critical","service":"db"},
             "annotations":{"value":"mine"},"endsAt":"2026-11-22T04:05:00Z",
             "valueString":"[ var='B' value=91 ]","values":{"B":91},
             "generatorURL":"https://g/rule","dashboardURL":"https://g/d/x","panelURL":"https://g/d/x?viewPanel=2",
             "imageURL":"https://g/img.png"},
            {"status":"firing","labels":{"alertname":"","instance":"a"},"fingerprint":" ",
             "annotations":{"summary":" "},"panelURL":"","dashboardURL":"https://g/d/y"}]}"#;
        let alerts = parse(body.as_bytes(), Severity::Info)
            .unwrap()
            .alerts
            .unwrap();
        let resolved = &alerts[0];
        assert_eq!(resolved.status, SignalStatus::Resolved);
        assert_eq!(resolved.severity, Severity::Critical);
        assert_eq!(resolved.service.as_deref(), Some("db"));
        assert_eq!(resolved.summary, "[RESOLVED] disk", "the payload's title");
        assert_eq!(resolved.url.as_deref(), Some("https://g/d/x?viewPanel=2"));
        assert_eq!(resolved.annotations["value"], "mine", "the sender's wins");
        assert_eq!(
            resolved.annotations["panel_url"],
            "https://g/d/x?viewPanel=2"
        );
        assert_eq!(resolved.annotations["image_url"], "https://g/img.png");
        assert_eq!(
            resolved.ends_at,
            Some("2026-11-22T04:05:00Z".parse().unwrap())
        );
        let bare = &alerts[1];
        assert_eq!(bare.rule, "alert");
        assert_eq!(bare.summary, "[RESOLVED] disk");
        assert_eq!(bare.fingerprint, alertmanager::fingerprint_of(&bare.labels));
        assert_eq!(bare.url.as_deref(), Some("https://g/d/y"));
        assert_eq!(bare.severity, Severity::Info);
    }

    #[test]
    fn the_documented_legacy_payload_becomes_one_signal() {
        let parsed = parse(LEGACY.as_bytes(), Severity::Warning).unwrap();
        let alerts = parsed.alerts.unwrap();
        assert_eq!(alerts.len(), 1);
        let alert = &alerts[0];
        assert_eq!(alert.fingerprint, "grafana-legacy:1:1:2:1");
        assert_eq!(alert.group_key, None);
        assert_eq!(alert.status, SignalStatus::Firing);
        assert_eq!(alert.rule, "Panel Title alert");
        assert_eq!(alert.summary, "Notification Message");
        assert_eq!(alert.labels["alertname"], "Panel Title alert");
        assert_eq!(alert.labels["tag name"], "tag value");
        assert_eq!(
            alert.url.as_deref(),
            Some(
                "http://localhost:3000/d/hZ7BuVbWz/test-dashboard?fullscreen&edit&tab=alert&panelId=2&orgId=1"
            )
        );
        assert_eq!(alert.annotations["value"], "Count=1");
        assert_eq!(
            alert.annotations["image_url"],
            "https://grafana.com/assets/img/blog/mixed_styles.png"
        );
    }

    #[test]
    fn legacy_states_map_to_firing_resolved_or_nothing() {
        let with_state = |state: &str| LEGACY.replace("\"alerting\"", &format!("\"{state}\""));
        let status = |state: &str| {
            parse(with_state(state).as_bytes(), Severity::Warning)
                .unwrap()
                .alerts
                .unwrap()
                .first()
                .map(|alert| (alert.status, alert.fingerprint.clone()))
        };
        let fingerprint = "grafana-legacy:1:1:2:1".to_owned();
        assert_eq!(
            status("ok"),
            Some((SignalStatus::Resolved, fingerprint.clone()))
        );
        assert_eq!(status("no_data"), Some((SignalStatus::Firing, fingerprint)));
        assert_eq!(status("paused"), None);
        assert_eq!(status("pending"), None);
    }

    #[test]
    fn legacy_test_notifications_without_ids_still_parse() {
        // What the contact point's "Test" button sends: no org, dashboard or panel.
        let body = r#"{"evalMatches":[{"value":100,"metric":"High value","tags":null},{"value":200,"metric":"Higher Value","tags":null}],"imageUrl":"http://grafana.org/assets/img/blog/mixed_styles.png","message":"Someone is testing the alert notification within grafana.","ruleId":0,"ruleName":"Test notification","ruleUrl":"https://localhost:3000/","state":"alerting","title":"[Alerting] Test notification"}"#;
        let alerts = parse(body.as_bytes(), Severity::Warning)
            .unwrap()
            .alerts
            .unwrap();
        assert_eq!(alerts[0].fingerprint, "grafana-legacy:0:0:0:0");
        assert_eq!(
            alerts[0].annotations["value"],
            "High value=100, Higher Value=200"
        );
        let bare = r#"{"state":"ok","title":"[OK] x","ruleName":""}"#;
        let alerts = parse(bare.as_bytes(), Severity::Warning)
            .unwrap()
            .alerts
            .unwrap();
        assert_eq!(alerts[0].rule, "alert");
        assert_eq!(alerts[0].summary, "[OK] x");
        assert_eq!(alerts[0].url, None);
        assert!(!alerts[0].labels.contains_key("alertname"));
    }

    #[test]
    fn malformed_payloads_are_refused_with_the_reason() {
        let cases = [
            ("{}", "invalid_payload", "neither an \"alerts\" list"),
            (r#"{"alerts":null}"#, "invalid_payload", "at alerts"),
            (r#"{"alerts":{}}"#, "invalid_payload", "at alerts"),
            (
                r#"{"alerts":[{"status":"pending"}]}"#,
                "invalid_payload",
                "alerts[0].status",
            ),
            (
                r#"{"alerts":[{"status":"firing","labels":{"a":1}}]}"#,
                "invalid_payload",
                "alerts[0].labels.a",
            ),
            (
                r#"{"state":"broken"}"#,
                "invalid_payload",
                "state is \"broken\"",
            ),
            (
                r#"{"state":"ok","tags":{"a":1}}"#,
                "invalid_payload",
                "at tags.a",
            ),
            (
                r#"{"state":"ok","ruleId":{}}"#,
                "invalid_payload",
                "at ruleId",
            ),
            ("[]", "invalid_payload", "expected a JSON object"),
            (
                r#"[null, "k", "t", "alerting"]"#,
                "invalid_payload",
                "expected a JSON object",
            ),
            (" [", "invalid_json", "EOF"),
            (r#"{"alerts": ["#, "invalid_json", "EOF"),
            ("not json", "invalid_json", "expected"),
        ];
        for (body, code, expected) in cases {
            let (message, found) = message(body);
            assert_eq!(found, code, "{body}: {message}");
            assert!(message.contains(expected), "{body}: {message}");
        }
    }

    #[test]
    fn too_many_alerts_are_refused() {
        let alert = r#"{"status":"firing"}"#;
        let body = format!(
            r#"{{"alerts":[{}]}}"#,
            vec![alert; MAX_ALERTS + 1].join(",")
        );
        let (message, code) = message(&body);
        assert_eq!(code, "invalid_payload");
        assert!(message.contains("more than"), "{message}");
    }
}
