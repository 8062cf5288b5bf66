//! The `alertmanager` kind: Prometheus Alertmanager's webhook (`webhook_config`, payload
//! version 4). One POST carries a whole group (`groupKey`) with every alert in it, firing and
//! resolved, and the group is sent again on every change; each alert is identified by its
//! `fingerprint`. Alertmanager authenticates with `http_config`'s bearer token.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{Parsed, Rejection};
use crate::core::alert::{AlertSignal, Severity, SignalStatus};

/// Alerts in one POST beyond this are refused: Alertmanager's own `max_alerts` caps a group
/// far lower in practice.
pub const MAX_ALERTS: usize = 10_000;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Webhook {
    version: Option<String>,
    group_key: Option<String>,
    #[serde(default)]
    alerts: Option<Vec<Alert>>,
}

/// One alert of a group. Grafana's unified alerting sends the same shape with more fields.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Alert {
    pub(super) status: String,
    #[serde(default)]
    pub(super) labels: BTreeMap<String, String>,
    #[serde(default)]
    pub(super) annotations: BTreeMap<String, String>,
    pub(super) starts_at: Option<String>,
    pub(super) ends_at: Option<String>,
    #[serde(rename = "generatorURL")]
    pub(super) generator_url: Option<String>,
    pub(super) fingerprint: Option<String>,
}

pub fn parse(body: &[u8], default_severity: Severity) -> Result<Parsed, Rejection> {
    let webhook: Webhook = super::json::decode(body, "an Alertmanager webhook payload")?;
    if let Some(version) = webhook.version.as_deref().filter(|v| *v != "4") {
        return Err(Rejection::InvalidPayload(format!(
            "Alertmanager webhook version \"{version}\" is not supported (expected \"4\")"
        )));
    }
    let alerts = webhook.alerts.ok_or_else(|| {
        Rejection::InvalidPayload("not an Alertmanager webhook payload: no \"alerts\" list".into())
    })?;
    if alerts.len() > MAX_ALERTS {
        return Err(Rejection::InvalidPayload(format!(
            "more than {MAX_ALERTS} alerts in one request"
        )));
    }
    let signals = alerts
        .into_iter()
        .enumerate()
        .map(|(index, alert)| signal(alert, webhook.group_key.as_deref(), default_severity, index))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Parsed::alerts("alerts", None, signals))
}

/// The signal for one alert of a group; `index` names it in errors.
pub(super) fn signal(
    alert: Alert,
    group_key: Option<&str>,
    default_severity: Severity,
    index: usize,
) -> Result<AlertSignal, Rejection> {
    let status = match alert.status.as_str() {
        "firing" => SignalStatus::Firing,
        "resolved" => SignalStatus::Resolved,
        other => {
            return Err(Rejection::InvalidPayload(format!(
                "alerts[{index}].status is \"{}\"; expected \"firing\" or \"resolved\"",
                super::shown(other)
            )));
        }
    };
    let fingerprint = alert
        .fingerprint
        .filter(|f| !f.trim().is_empty())
        .unwrap_or_else(|| fingerprint_of(&alert.labels));
    // An empty name or summary is as good as none: every alert has something to be called.
    let rule = alert
        .labels
        .get("alertname")
        .filter(|name| !name.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| "alert".to_owned());
    let summary = ["summary", "title", "description", "message"]
        .iter()
        .filter_map(|key| alert.annotations.get(*key))
        .find(|text| !text.trim().is_empty())
        .cloned()
        .unwrap_or_else(|| rule.clone());
    let severity = alert
        .labels
        .get("severity")
        .and_then(|s| Severity::parse(s))
        .unwrap_or(default_severity);
    Ok(AlertSignal {
        fingerprint,
        group_key: group_key.map(str::to_owned),
        status,
        rule,
        summary,
        severity,
        service: alert.labels.get("service").cloned(),
        starts_at: alert.starts_at.as_deref().and_then(time),
        ends_at: alert.ends_at.as_deref().and_then(time),
        url: alert.generator_url.filter(|url| !url.is_empty()),
        labels: alert.labels,
        annotations: alert.annotations,
        status_only: false,
        valid_until: None,
    })
}

/// Alertmanager's (and Grafana's) "no time" is year 1; such times, and unreadable ones, are
/// absent.
pub(super) fn time(text: &str) -> Option<Timestamp> {
    text.parse::<Timestamp>()
        .ok()
        .filter(|at| at.as_second() > 0)
}

/// A stable identity from the label set, for senders that give no fingerprint.
pub fn fingerprint_of(labels: &BTreeMap<String, String>) -> String {
    let mut hash = Sha256::new();
    for (name, value) in labels {
        hash.update(name.as_bytes());
        hash.update([0xff]);
        hash.update(value.as_bytes());
        hash.update([0xfe]);
    }
    hex::encode(&hash.finalize()[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The payload shape Alertmanager's documentation gives for `webhook_config`.
    const GROUP: &str = r#"{
      "receiver": "firewatch",
      "status": "firing",
      "alerts": [
        {
          "status": "firing",
          "labels": {"alertname": "HighLatency", "service": "api", "severity": "critical", "instance": "api-1"},
          "annotations": {"summary": "p99 above 500 ms on api-1", "runbook_url": "https://runbooks/latency"},
          "startsAt": "2026-11-22T04:00:00.123Z",
          "endsAt": "0001-01-01T00:00:00Z",
          "generatorURL": "http://prometheus:9090/graph?g0.expr=latency",
          "fingerprint": "a1b2c3d4e5f60718"
        },
        {
          "status": "resolved",
          "labels": {"alertname": "DiskFull", "instance": "db-2"},
          "annotations": {},
          "startsAt": "2026-11-22T03:00:00Z",
          "endsAt": "2026-11-22T04:05:00Z",
          "generatorURL": "",
          "fingerprint": "0f0e0d0c0b0a0908"
        }
      ],
      "groupLabels": {"alertname": "HighLatency"},
      "commonLabels": {},
      "commonAnnotations": {},
      "externalURL": "http://alertmanager:9093",
      "version": "4",
      "groupKey": "{}:{alertname=\"HighLatency\"}",
      "truncatedAlerts": 0
    }"#;

    #[test]
    fn a_group_becomes_one_signal_per_alert() {
        let parsed = parse(GROUP.as_bytes(), Severity::Warning).unwrap();
        assert_eq!(parsed.kind, "alerts");
        let alerts = parsed.alerts.unwrap();
        assert_eq!(alerts.len(), 2);
        let first = &alerts[0];
        assert_eq!(first.fingerprint, "a1b2c3d4e5f60718");
        assert_eq!(
            first.group_key.as_deref(),
            Some("{}:{alertname=\"HighLatency\"}")
        );
        assert_eq!(first.status, SignalStatus::Firing);
        assert_eq!(first.rule, "HighLatency");
        assert_eq!(first.summary, "p99 above 500 ms on api-1");
        assert_eq!(first.severity, Severity::Critical);
        assert_eq!(first.service.as_deref(), Some("api"));
        assert_eq!(first.ends_at, None, "year 1 means not ended");
        assert_eq!(
            first.starts_at,
            Some("2026-11-22T04:00:00.123Z".parse().unwrap())
        );
        let second = &alerts[1];
        assert_eq!(second.status, SignalStatus::Resolved);
        assert_eq!(second.summary, "DiskFull");
        assert_eq!(
            second.severity,
            Severity::Warning,
            "the integration's default"
        );
        assert_eq!(second.url, None);
    }

    #[test]
    fn malformed_groups_are_refused_with_the_reason() {
        let cases = [
            (r#"{"version":"4"}"#, "no \"alerts\" list"),
            (r#"{"version":"3","alerts":[]}"#, "version \"3\""),
            (
                r#"{"alerts":[{"status":"pending","labels":{}}]}"#,
                "alerts[0].status",
            ),
            (
                r#"{"alerts":[{"status":"firing","labels":{"a":1}}]}"#,
                "alerts[0].labels.a",
            ),
            (r#"{"alerts": ["#, "EOF"),
        ];
        for (body, expected) in cases {
            let error = parse(body.as_bytes(), Severity::Warning).unwrap_err();
            assert!(
                error.message().contains(expected),
                "{body}: {}",
                error.message()
            );
        }
    }

    #[test]
    fn an_empty_alertname_or_summary_counts_as_none() {
        // Found by the alert_intake fuzz target (seed kept in fuzz/seeds/alert_intake).
        let body = r#"{"alerts":[{"status":"firing","labels":{"alertname":""},"annotations":{"summary":" "},"fingerprint":""}]}"#;
        let alerts = parse(body.as_bytes(), Severity::Info)
            .unwrap()
            .alerts
            .unwrap();
        assert_eq!(alerts[0].rule, "alert");
        assert_eq!(alerts[0].summary, "alert");
        assert!(!alerts[0].fingerprint.is_empty());
    }

    #[test]
    fn alerts_without_a_fingerprint_are_identified_by_their_labels() {
        let body = r#"{"alerts":[
            {"status":"firing","labels":{"alertname":"A","job":"x"}},
            {"status":"firing","labels":{"job":"x","alertname":"A"}},
            {"status":"firing","labels":{"alertname":"A","job":"y"}}]}"#;
        let alerts = parse(body.as_bytes(), Severity::Info)
            .unwrap()
            .alerts
            .unwrap();
        assert_eq!(alerts[0].fingerprint, alerts[1].fingerprint);
        assert_ne!(alerts[0].fingerprint, alerts[2].fingerprint);
    }
}
