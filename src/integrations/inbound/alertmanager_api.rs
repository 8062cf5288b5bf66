//! Alertmanager's API v2 alert push (`POST /api/v2/alerts`), as Prometheus sends it: a JSON
//! list of alerts, each with `labels`, `annotations`, `startsAt`, `endsAt` and
//! `generatorURL`. There is no status field: Prometheus re-sends a firing alert with an
//! `endsAt` a few evaluation intervals ahead, and sends a resolved one with an `endsAt` in the
//! past. An alert whose `endsAt` passes without a re-send has resolved (`valid_until`).
//!
//! Alerts are identified by Alertmanager's own fingerprint of their label set, so the
//! fingerprints Firewatch shows are the ones Alertmanager, karma and Grafana show.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use super::alertmanager::{Alert, MAX_ALERTS, signal};
use super::{Parsed, Rejection};
use crate::core::alert::{AlertSignal, Severity};
use crate::core::silence::is_label_name;

/// Alertmanager's `resolve_timeout` default: an alert sent without `endsAt` stays firing
/// this long unless it is sent again.
pub const RESOLVE_TIMEOUT: SignedDuration = SignedDuration::from_mins(5);

/// `postableAlert`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PostableAlert {
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    starts_at: Option<String>,
    ends_at: Option<String>,
    #[serde(rename = "generatorURL")]
    generator_url: Option<String>,
}

/// The signals of one push, decided at `now`. Every alert is checked before any is taken, as
/// Alertmanager answers 400 naming each bad one.
pub fn parse(body: &[u8], default_severity: Severity, now: Timestamp) -> Result<Parsed, Rejection> {
    if body.trim_ascii_start().first() != Some(&b'[') {
        return Err(
            match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
                Err(error) if error.is_syntax() || error.is_eof() => {
                    Rejection::InvalidJson(error.to_string())
                }
                _ => Rejection::InvalidPayload(
                    "the body is not a list of alerts (Alertmanager API v2's postableAlerts)"
                        .into(),
                ),
            },
        );
    }
    let alerts: Vec<PostableAlert> = serde_json::from_slice(body).map_err(|error| {
        if error.is_syntax() || error.is_eof() {
            Rejection::InvalidJson(error.to_string())
        } else {
            Rejection::InvalidPayload(format!("not a list of postable alerts: {error}"))
        }
    })?;
    if alerts.len() > MAX_ALERTS {
        return Err(Rejection::InvalidPayload(format!(
            "more than {MAX_ALERTS} alerts in one request"
        )));
    }
    let mut errors = Vec::new();
    let mut signals = Vec::with_capacity(alerts.len());
    for (index, alert) in alerts.into_iter().enumerate() {
        match signal_at(alert, default_severity, now, index) {
            Ok(signal) => signals.push(signal),
            Err(error) => errors.push(error),
        }
    }
    if !errors.is_empty() {
        return Err(Rejection::InvalidEvent(errors));
    }
    Ok(Parsed::alerts("alerts", None, signals))
}

fn signal_at(
    alert: PostableAlert,
    default_severity: Severity,
    now: Timestamp,
    index: usize,
) -> Result<AlertSignal, String> {
    if alert.labels.is_empty() {
        return Err(format!("alerts[{index}]: at least one label pair required"));
    }
    for (kind, map) in [("label", &alert.labels), ("annotation", &alert.annotations)] {
        if let Some(name) = map.keys().find(|name| !is_label_name(name)) {
            return Err(format!(
                "alerts[{index}]: invalid {kind} name \"{}\"",
                super::shown(name)
            ));
        }
    }
    let time = |field: &str, text: Option<&str>| -> Result<Option<Timestamp>, String> {
        match text.map(str::trim).filter(|text| !text.is_empty()) {
            None => Ok(None),
            Some(text) => text.parse::<Timestamp>().map(Some).map_err(|_| {
                format!(
                    "alerts[{index}].{field} \"{}\" is not an RFC 3339 time",
                    super::shown(text)
                )
            }),
        }
    };
    // Go's zero time (year 1) is Alertmanager's "not set".
    let set = |at: Option<Timestamp>| at.filter(|at| at.as_second() > 0);
    let starts_at = set(time("startsAt", alert.starts_at.as_deref())?).unwrap_or(now);
    let ends_at = set(time("endsAt", alert.ends_at.as_deref())?)
        .unwrap_or_else(|| now.saturating_add(RESOLVE_TIMEOUT).unwrap_or(now));
    if starts_at > ends_at {
        return Err(format!(
            "alerts[{index}]: start time must be before end time"
        ));
    }
    let firing = ends_at > now;
    let fingerprint = fingerprint(&alert.labels);
    let mut signal = signal(
        Alert {
            status: if firing { "firing" } else { "resolved" }.into(),
            labels: alert.labels,
            annotations: alert.annotations,
            starts_at: Some(starts_at.to_string()),
            ends_at: Some(ends_at.to_string()),
            generator_url: alert.generator_url,
            fingerprint: Some(fingerprint),
        },
        None,
        default_severity,
        index,
    )
    .map_err(|rejection| rejection.message())?;
    signal.valid_until = firing.then_some(ends_at);
    Ok(signal)
}

/// Alertmanager's fingerprint of a label set (Prometheus's `LabelSet.Fingerprint`): FNV-1a
/// 64 over the names in order, each name and value followed by the byte 0xff, as 16 hex digits.
pub fn fingerprint(labels: &BTreeMap<String, String>) -> String {
    const OFFSET: u64 = 14_695_981_039_346_656_037;
    const PRIME: u64 = 1_099_511_628_211;
    let mut hash = OFFSET;
    let mut add = |bytes: &[u8]| {
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(PRIME);
        }
    };
    // BTreeMap orders by name, as Prometheus sorts them.
    for (name, value) in labels {
        add(name.as_bytes());
        add(&[0xff]);
        add(value.as_bytes());
        add(&[0xff]);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::alert::SignalStatus;

    fn now() -> Timestamp {
        "2026-12-07T10:00:00Z".parse().unwrap()
    }

    /// What Prometheus's notifier posts (`notifier.Alert`, as JSON).
    const PUSH: &str = r#"[
      {"labels": {"alertname": "HighLatency", "severity": "critical", "instance": "api-1:9090", "job": "api"},
       "annotations": {"summary": "p99 latency above 2 s"},
       "startsAt": "2026-12-07T09:58:00.123Z",
       "endsAt": "2026-12-07T10:04:00.123Z",
       "generatorURL": "http://prometheus:9090/graph?g0.expr=latency"},
      {"labels": {"alertname": "DiskFull", "instance": "db-1"},
       "annotations": {"description": "disk / is 97% full"},
       "startsAt": "2026-12-07T09:00:00Z",
       "endsAt": "2026-12-07T09:59:30Z",
       "generatorURL": "http://prometheus:9090/graph?g0.expr=disk"}
    ]"#;

    #[test]
    fn a_future_ends_at_fires_until_then_and_a_past_one_resolves() {
        let parsed = parse(PUSH.as_bytes(), Severity::Warning, now()).unwrap();
        let signals = parsed.alerts.unwrap();
        assert_eq!(signals.len(), 2);
        assert_eq!(signals[0].status, SignalStatus::Firing);
        assert_eq!(
            signals[0].valid_until,
            Some("2026-12-07T10:04:00.123Z".parse().unwrap())
        );
        assert_eq!(signals[0].rule, "HighLatency");
        assert_eq!(signals[0].summary, "p99 latency above 2 s");
        assert_eq!(signals[0].severity, Severity::Critical);
        assert_eq!(
            signals[0].url.as_deref(),
            Some("http://prometheus:9090/graph?g0.expr=latency")
        );
        assert_eq!(signals[0].group_key, None);
        assert_eq!(signals[1].status, SignalStatus::Resolved);
        assert_eq!(signals[1].valid_until, None);
        assert_eq!(signals[1].summary, "disk / is 97% full");
        assert_eq!(signals[1].severity, Severity::Warning);
    }

    #[test]
    fn without_ends_at_an_alert_fires_for_the_resolve_timeout() {
        let body = br#"[{"labels": {"alertname": "X"}}]"#;
        let signal = &parse(body, Severity::Warning, now())
            .unwrap()
            .alerts
            .unwrap()[0];
        assert_eq!(signal.status, SignalStatus::Firing);
        assert_eq!(signal.starts_at, Some(now()));
        assert_eq!(
            signal.valid_until,
            Some(now().saturating_add(RESOLVE_TIMEOUT).unwrap())
        );
        // Go's zero time is "not set", as Alertmanager reads it.
        let body =
            br#"[{"labels": {"alertname": "X"}, "endsAt": "0001-01-01T00:00:00Z", "startsAt": "0001-01-01T00:00:00Z"}]"#;
        let signal = &parse(body, Severity::Warning, now())
            .unwrap()
            .alerts
            .unwrap()[0];
        assert_eq!(signal.status, SignalStatus::Firing);
    }

    /// Values from Prometheus's `model.LabelSet.Fingerprint` (its `signature_test.go`).
    #[test]
    fn the_fingerprint_is_alertmanagers() {
        assert_eq!(fingerprint(&BTreeMap::new()), "cbf29ce484222325");
        let labels: BTreeMap<String, String> = [
            ("name".to_owned(), "garland, briggs".to_owned()),
            ("fear".to_owned(), "love is not enough".to_owned()),
        ]
        .into();
        assert_eq!(
            u64::from_str_radix(&fingerprint(&labels), 16).unwrap(),
            5_799_056_148_416_392_346
        );
    }

    #[test]
    fn each_bad_alert_is_named() {
        let body = br#"[{"labels": {}}, {"labels": {"a": "b"}, "startsAt": "2026-12-07T11:00:00Z", "endsAt": "2026-12-07T10:30:00Z"},
                        {"labels": {"0bad": "x"}}, {"labels": {"a": "b"}, "endsAt": "yesterday"}]"#;
        let Err(Rejection::InvalidEvent(errors)) = parse(body, Severity::Warning, now()) else {
            panic!("expected the alerts refused");
        };
        assert_eq!(
            errors,
            [
                "alerts[0]: at least one label pair required",
                "alerts[1]: start time must be before end time",
                "alerts[2]: invalid label name \"0bad\"",
                "alerts[3].endsAt \"yesterday\" is not an RFC 3339 time",
            ]
        );
        assert!(matches!(
            parse(b"{\"alerts\": []}", Severity::Warning, now()),
            Err(Rejection::InvalidPayload(_))
        ));
        assert!(matches!(
            parse(b"[{", Severity::Warning, now()),
            Err(Rejection::InvalidJson(_))
        ));
        assert!(matches!(
            parse(b"[{\"labels\": 3}]", Severity::Warning, now()),
            Err(Rejection::InvalidPayload(_))
        ));
    }
}
