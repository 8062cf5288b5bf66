//! `firewatch import`: moving in from PagerDuty, Opsgenie, Grafana OnCall or Alertmanager.
//!
//! A reader per source (`pagerduty`, `opsgenie`, `grafana_oncall`, `alertmanager`) fills a
//! [`model::Org`]; `write` turns it into config text and a report; this module checks the text
//! is config Firewatch loads, finds who each override replaces, prints a plan against the
//! running config, and stores overrides when asked. It writes files and, with
//! `--apply-overrides`, overrides in the database; never the running config (PRODUCT.md §3.2).

pub mod alertmanager;
pub mod client;
pub mod grafana_oncall;
pub mod model;
pub mod opsgenie;
pub mod pagerduty;
pub mod week;
pub mod write;

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use crate::config::Config;
use model::{ApiError, Org};
use write::Resolved;

/// Where an import reads from.
#[derive(Debug, Clone)]
pub enum Source {
    Pagerduty { token: String, api_url: String },
    Opsgenie { key: String, api_url: String },
    GrafanaOncall { token: String, api_url: String },
    Alertmanager { file: std::path::PathBuf },
}

pub const PAGERDUTY_API: &str = "https://api.pagerduty.com";
pub const OPSGENIE_API: &str = "https://api.opsgenie.com";

impl Source {
    /// The command as the report and the file's header name it (no credential).
    pub fn command(&self) -> String {
        match self {
            Source::Pagerduty { api_url, .. } if api_url == PAGERDUTY_API => {
                "firewatch import pagerduty".into()
            }
            Source::Pagerduty { api_url, .. } => {
                format!("firewatch import pagerduty --api-url {api_url}")
            }
            Source::Opsgenie { api_url, .. } if api_url == OPSGENIE_API => {
                "firewatch import opsgenie".into()
            }
            Source::Opsgenie { api_url, .. } => {
                format!("firewatch import opsgenie --api-url {api_url}")
            }
            Source::GrafanaOncall { api_url, .. } => {
                format!("firewatch import grafana-oncall --api-url {api_url}")
            }
            Source::Alertmanager { file } => {
                format!("firewatch import alertmanager {}", file_name(file))
            }
        }
    }
}

/// A file as the report names it: its name, without the machine's folders.
fn file_name(file: &std::path::Path) -> String {
    file.file_name().map_or_else(
        || file.display().to_string(),
        |name| name.to_string_lossy().into(),
    )
}

/// Reads the source. `since..until` bounds the overrides read.
pub async fn read(source: &Source, since: Timestamp, until: Timestamp) -> Result<Org, ApiError> {
    match source {
        Source::Pagerduty { token, api_url } => {
            let api = client::Client::new(
                "PagerDuty",
                api_url,
                &[
                    ("authorization", format!("Token token={token}")),
                    ("accept", "application/vnd.pagerduty+json;version=2".into()),
                ],
                "give a REST API key (PagerDuty → Integrations → API Access Keys; read-only is enough)",
                clock(),
            )?;
            pagerduty::read(&api, since, until).await
        }
        Source::Opsgenie { key, api_url } => {
            let api = client::Client::new(
                "Opsgenie",
                api_url,
                &[("authorization", format!("GenieKey {key}"))],
                "give an API key with Read and Configuration access (Settings → API key management)",
                clock(),
            )?;
            opsgenie::read(&api, since, until).await
        }
        Source::GrafanaOncall { token, api_url } => {
            let api = client::Client::new(
                "Grafana OnCall",
                api_url,
                &[("authorization", token.clone())],
                "give an OnCall API token (OnCall → Settings → API Tokens)",
                clock(),
            )?;
            grafana_oncall::read(&api, since, until).await
        }
        Source::Alertmanager { file } => {
            let text = std::fs::read_to_string(file)
                .map_err(|error| ApiError(format!("cannot read {}: {error}", file.display())))?;
            alertmanager::read(&text, &file_name(file))
        }
    }
}

fn clock() -> std::sync::Arc<dyn crate::clock::Clock> {
    std::sync::Arc::new(crate::clock::SystemClock)
}

/// Values for the written config's `${VAR}`s when the import checks its own output: shaped
/// like the real ones, so what is checked is the structure, not the secrets.
pub fn sample_variable(name: &str) -> Option<String> {
    let value = if name.ends_with("ACCOUNT_SID") {
        "AC00000000000000000000000000000000"
    } else if name.ends_with("_FROM") && name.contains("TWILIO") {
        "+15550000000"
    } else if name.contains("MAIL") && (name.ends_with("FROM") || name.ends_with("TO")) {
        "firewatch@example.com"
    } else if name.contains("URL") {
        "https://example.com/webhook"
    } else if name.contains("HOST") {
        "smtp.example.com"
    } else {
        "example-value"
    };
    Some(value.to_owned())
}

/// The written text as config, with sample values for its variables.
pub fn check(text: &str) -> Result<Config, String> {
    Config::parse(text, &sample_variable)
        .map(|(config, _)| config)
        .map_err(|problems| {
            let lines: Vec<String> = problems
                .iter()
                .map(|problem| format!("  {}: {}", problem.path, problem.message))
                .collect();
            format!(
                "the imported config does not load; please report this with the lines below:\n{}",
                lines.join("\n")
            )
        })
}

/// Who each override takes over from, by the imported schedules (the sources' overrides
/// replace whoever is on call; Firewatch's name the person they replace).
pub fn resolve_overrides(org: &Org, config: &Config) -> Vec<Resolved> {
    let mut resolved = Vec::new();
    for source in &org.overrides {
        let (Ok(start), Ok(end)) = (
            source.start.parse::<Timestamp>(),
            source.end.parse::<Timestamp>(),
        ) else {
            continue;
        };
        let mut already_on_call = false;
        let replaces = match &source.replaces {
            Some(person) => vec![Some(person.clone())],
            None => {
                let on_call: BTreeSet<String> = config
                    .schedule(&source.schedule)
                    .and_then(|schedule| schedule.compile().ok())
                    .map(|schedule| schedule.shifts(&[], start, end))
                    .unwrap_or_default()
                    .into_iter()
                    .map(|shift| shift.person)
                    .collect();
                already_on_call = on_call.contains(&source.person);
                let others: Vec<Option<String>> = on_call
                    .into_iter()
                    .filter(|person| person != &source.person)
                    .map(Some)
                    .collect();
                if others.is_empty() {
                    vec![None]
                } else {
                    others
                }
            }
        };
        resolved.push(Resolved {
            source: source.clone(),
            replaces,
            already_on_call,
        });
    }
    resolved
}

/// `--plan`: what merging the import into the running config would add and change, section
/// by section, by id. Items only in the running config are kept, and said so.
pub fn plan(current: Option<&toml::Value>, imported: &toml::Value) -> String {
    const SECTIONS: [(&str, &str); 10] = [
        ("people", "id"),
        ("teams", "id"),
        ("schedules", "id"),
        ("escalation_policies", "id"),
        ("services", "id"),
        ("destinations", "name"),
        ("routes", ""),
        ("inhibit_rules", ""),
        ("time_intervals", "name"),
        ("integrations", "name"),
    ];
    let items = |value: Option<&toml::Value>, section: &str, key: &str| {
        let mut map: BTreeMap<String, toml::Value> = BTreeMap::new();
        let list = value
            .and_then(|value| value.get(section))
            .and_then(|list| list.as_array())
            .cloned()
            .unwrap_or_default();
        for (index, item) in list.into_iter().enumerate() {
            let id = if key.is_empty() {
                format!("#{}", index + 1)
            } else {
                item.get(key)
                    .and_then(|id| id.as_str())
                    .map_or_else(|| format!("#{}", index + 1), str::to_owned)
            };
            map.insert(id, item);
        }
        map
    };
    let (mut added, mut changed, mut same, mut kept) = (0, 0, 0, 0);
    let mut out = String::new();
    for (section, key) in SECTIONS {
        let now = items(current, section, key);
        let new = items(Some(imported), section, key);
        for (id, item) in &new {
            match now.get(id) {
                None => {
                    added += 1;
                    out.push_str(&format!("+ {section} {id}\n"));
                }
                Some(old) if old != item => {
                    changed += 1;
                    let keys = changed_keys(old, item);
                    out.push_str(&format!("~ {section} {id} ({})\n", keys.join(", ")));
                }
                Some(_) => same += 1,
            }
        }
        kept += now.keys().filter(|id| !new.contains_key(*id)).count();
    }
    out.push_str(&format!(
        "\n{added} to add, {changed} to change, {same} the same; {kept} in the running config not in the import (kept).\n"
    ));
    out
}

fn changed_keys(old: &toml::Value, new: &toml::Value) -> Vec<String> {
    let (Some(old), Some(new)) = (old.as_table(), new.as_table()) else {
        return vec!["value".into()];
    };
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    keys.into_iter()
        .filter(|key| old.get(*key) != new.get(*key))
        .cloned()
        .collect()
}

/// The written text as a TOML value, for the plan (the text parses: `check` passed).
pub fn as_value(text: &str) -> Option<toml::Value> {
    toml::from_str(text).ok()
}

/// Stores the resolved overrides, each once: one already stored with the same schedule,
/// person, replaces and times (an earlier run) is left alone. Returns (stored, present).
pub async fn apply_overrides(
    store: &crate::store::Store,
    overrides: &[Resolved],
    actor: &crate::core::audit::Actor,
    now: Timestamp,
) -> Result<(usize, usize), crate::store::StoreError> {
    let (mut stored, mut present) = (0, 0);
    for resolved in overrides {
        let source = &resolved.source;
        let (Ok(start), Ok(end)) = (
            source.start.parse::<Timestamp>(),
            source.end.parse::<Timestamp>(),
        ) else {
            continue;
        };
        let existing = store
            .list_overrides(Some(&source.schedule), start, end)
            .await?;
        for replaces in &resolved.replaces {
            let same = existing.iter().any(|row| {
                row.person == source.person
                    && row.replaces == *replaces
                    && row.start == start
                    && row.end == end
            });
            if same {
                present += 1;
                continue;
            }
            store
                .create_override(
                    &crate::store::oncall::NewOverride {
                        schedule: &source.schedule,
                        person: &source.person,
                        replaces: replaces.as_deref(),
                        start,
                        end,
                        created_by: "import",
                    },
                    now,
                    &|row| {
                        vec![
                            crate::store::audit::NewAudit::new(actor, "override.create", &row.id)
                                .after(row),
                        ]
                    },
                )
                .await?;
            stored += 1;
        }
    }
    Ok((stored, present))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_says_what_is_added_changed_and_kept() {
        let current: toml::Value = toml::from_str(
            r#"
            [[people]]
            id = "alice"
            name = "Alice"
            [[people]]
            id = "zed"
            [[teams]]
            id = "core"
            members = ["alice"]
            "#,
        )
        .unwrap();
        let imported: toml::Value = toml::from_str(
            r#"
            [[people]]
            id = "alice"
            name = "Alice Kim"
            [[people]]
            id = "bob"
            [[teams]]
            id = "core"
            members = ["alice"]
            "#,
        )
        .unwrap();
        let text = plan(Some(&current), &imported);
        assert!(text.contains("~ people alice (name)\n"), "{text}");
        assert!(text.contains("+ people bob\n"), "{text}");
        assert!(
            text.ends_with("1 to add, 1 to change, 1 the same; 1 in the running config not in the import (kept).\n"),
            "{text}"
        );
    }

    #[test]
    fn sample_variables_pass_the_destinations_checks() {
        assert!(
            sample_variable("TWILIO_ACCOUNT_SID")
                .unwrap()
                .starts_with("AC")
        );
        assert!(sample_variable("PAGER_MAIL_FROM").unwrap().contains('@'));
    }
}
