//! Inhibition rules at work (`[[inhibit_rules]]`, decided by `core::inhibit`): an alert a
//! firing source inhibits is kept as a silenced alert whose `silenced_by` is
//! `inhibit:FINGERPRINT`, so it is stored, shown as inhibited and never told or paged, as a
//! silence would keep it. Sources are every open alert (as in Alertmanager, a silenced or
//! inhibited alert still inhibits), read once per batch of reports together with the batch's
//! own signals. When a source starts or stops, a silence check runs at once and re-decides
//! the alerts that stand (`recheck`), so a source that resolves releases its targets.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::config::Config;
use crate::core::alert::{AlertChange, AlertSignal, SignalStatus, matching_labels};
use crate::core::inhibit::InhibitRule;
use crate::store::alerts::{Alert, AlertFilter, AlertTransition};
use crate::store::{Store, StoreError};

/// What `silenced_by` starts with when an alert is inhibited rather than silenced.
pub const PREFIX: &str = "inhibit:";

/// The most open alerts read as sources.
const SOURCES_READ: i64 = 10_000;

/// The rules, and the open alerts that are sources of one of them, by fingerprint.
#[derive(Default)]
pub struct Inhibition<'c> {
    rules: &'c [InhibitRule],
    sources: BTreeMap<String, BTreeMap<String, String>>,
}

/// The labels rules match on: an alert's own, plus its rule, severity, service and
/// integration where it lacks them (as silences match).
fn labels_of(alert: &Alert) -> BTreeMap<String, String> {
    matching_labels(
        &alert.labels,
        &alert.rule,
        alert.severity,
        alert.service.as_deref(),
        &alert.integration,
    )
}

fn signal_labels(signal: &AlertSignal, integration: &str) -> BTreeMap<String, String> {
    matching_labels(
        &signal.labels,
        &signal.rule,
        signal.severity,
        signal.service.as_deref(),
        integration,
    )
}

impl<'c> Inhibition<'c> {
    /// The open alerts that may inhibit now; nothing is read when there are no rules.
    pub async fn read(store: &Store, config: &'c Config) -> Result<Inhibition<'c>, StoreError> {
        let rules = config.inhibit_rules.as_slice();
        if rules.is_empty() {
            return Ok(Inhibition::default());
        }
        let open = store
            .list_alerts(&AlertFilter {
                open: true,
                limit: SOURCES_READ,
                ..AlertFilter::default()
            })
            .await?;
        let mut inhibition = Inhibition {
            rules,
            sources: BTreeMap::new(),
        };
        for alert in &open {
            inhibition.add(alert.fingerprint.clone(), labels_of(alert));
        }
        Ok(inhibition)
    }

    fn add(&mut self, fingerprint: String, labels: BTreeMap<String, String>) {
        if self.rules.iter().any(|rule| rule.matches_source(&labels)) {
            self.sources.insert(fingerprint, labels);
        }
    }

    /// Takes a batch's own reports into account, in order: an alert that fires in the same
    /// push as its target inhibits it from the start, as Alertmanager would by the time it
    /// notifies; one the batch resolves no longer does.
    pub fn with_reports<'s>(
        mut self,
        reports: impl IntoIterator<Item = (&'s str, &'s [AlertSignal])>,
    ) -> Inhibition<'c> {
        if self.rules.is_empty() {
            return self;
        }
        for (integration, signals) in reports {
            for signal in signals {
                match signal.status {
                    SignalStatus::Resolved => {
                        self.sources.remove(&signal.fingerprint);
                    }
                    SignalStatus::Firing if !signal.status_only => {
                        self.add(
                            signal.fingerprint.clone(),
                            signal_labels(signal, integration),
                        );
                    }
                    _ => {}
                }
            }
        }
        self
    }

    /// `inhibit:FINGERPRINT` of a source that inhibits the alert with these labels, if any.
    pub fn inhibitor(
        &self,
        labels: &BTreeMap<String, String>,
        fingerprint: &str,
    ) -> Option<String> {
        if self.sources.is_empty() {
            return None;
        }
        crate::core::inhibit::inhibitor(
            self.rules,
            labels,
            fingerprint,
            self.sources
                .iter()
                .map(|(fingerprint, labels)| (fingerprint.as_str(), labels)),
        )
        .map(|source| format!("{PREFIX}{source}"))
    }

    /// For a stored alert.
    pub fn inhibits_alert(&self, alert: &Alert) -> Option<String> {
        if self.sources.is_empty() {
            return None;
        }
        self.inhibitor(&labels_of(alert), &alert.fingerprint)
    }
}

/// The fingerprint of the source inhibiting an alert silenced this way.
pub fn source(silenced_by: &str) -> Option<&str> {
    silenced_by.strip_prefix(PREFIX)
}

/// After changes commit: when a source began or ended (fired anew, resolved), a silence
/// check runs at once and re-decides every alert that stands.
pub async fn recheck<'t>(
    store: &Store,
    config: &Config,
    transitions: impl Iterator<Item = &'t AlertTransition>,
    now: Timestamp,
) -> Result<(), StoreError> {
    if config.inhibit_rules.is_empty() {
        return Ok(());
    }
    let source_moved = transitions
        .filter(|t| matches!(t.change, AlertChange::Fired | AlertChange::Resolved))
        .any(|t| {
            let labels = labels_of(&t.alert);
            config
                .inhibit_rules
                .iter()
                .any(|rule| rule.matches_source(&labels))
        });
    if source_moved {
        let reason = format!("inhibition:{}", crate::store::new_id(now));
        super::jobs::schedule_check(store, &reason, now, now).await?;
    }
    Ok(())
}
