//! The post-mortem draft, made from the incident's own record: its key times and how long each
//! took, how it was detected, who responded, the timeline with starred entries first, what
//! changed before it, and the headings a review fills in. The template is Jinja (minijinja);
//! its variables are `DraftInput`'s fields.

use jiff::Timestamp;
use minijinja::Environment;
use serde::Serialize;

use crate::config::Config;
use crate::i18n::Locale;
use crate::incidents::view::IncidentView;
use crate::incidents::what_changed::ChangeEntry;
use crate::store::incidents::{Role, StatusUpdate, TimelineEntry};
use crate::store::postmortems::ActionItem;

/// At most this many timeline rows; the rest are on the incident's page.
const TIMELINE_ROWS: usize = 200;

/// What a template sees.
#[derive(Debug, Clone, Serialize)]
pub struct DraftInput {
    pub incident: DraftIncident,
    /// Each key time as `2026-11-02 01:00` (UTC), or absent.
    pub times: DraftTimes,
    pub durations: Durations,
    /// How it was detected, in a sentence.
    pub detection: String,
    /// Who held each role last, in role order.
    pub roles: Vec<DraftRole>,
    pub pages: usize,
    pub acknowledged_by: Option<String>,
    pub updates: Vec<StatusUpdate>,
    /// Starred entries first, then the rest, oldest first.
    pub timeline: Vec<DraftEntry>,
    pub timeline_omitted: usize,
    pub changes: Vec<ChangeEntry>,
    pub action_items: Vec<ActionItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DraftIncident {
    pub number: i64,
    pub title: String,
    pub severity: String,
    pub priority: String,
    pub services: Vec<String>,
    pub summary: Option<String>,
    pub customer_impact: Option<String>,
    pub url: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DraftTimes {
    pub impact_started: Option<String>,
    pub detected: Option<String>,
    pub acknowledged: Option<String>,
    pub mitigated: Option<String>,
    pub resolved: Option<String>,
}

/// Each measured from impact started, in words ("12m").
#[derive(Debug, Clone, Default, Serialize)]
pub struct Durations {
    pub to_detect: Option<String>,
    pub to_acknowledge: Option<String>,
    pub to_mitigate: Option<String>,
    pub to_resolve: Option<String>,
    /// Impact started to resolved.
    pub impact: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DraftRole {
    pub role: &'static str,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DraftEntry {
    pub at: String,
    pub kind: String,
    pub text: String,
    pub actor: Option<String>,
    pub starred: bool,
}

fn when(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M").to_string()
}

fn since(from: Option<Timestamp>, to: Option<Timestamp>, locale: Locale) -> Option<String> {
    let span = to?.duration_since(from?);
    Some(match locale {
        Locale::En => crate::core::noise::human_duration(span.as_secs_f64().max(0.0)),
        _ if span.as_secs() <= 0 => "0s".to_owned(),
        _ => locale.duration(span),
    })
}

/// The template's input from the incident's record.
pub fn input(
    config: &Config,
    view: &IncidentView,
    timeline: &[TimelineEntry],
    action_items: &[ActionItem],
) -> DraftInput {
    let incident = &view.incident;
    let times = incident.times;
    let start = times.impact_started;
    // The draft's language: the server's, as its template's.
    let locale = config.server.locale;
    let since = |from, to| since(from, to, locale);
    let after_start = |span: Option<String>| {
        span.filter(|d| d != "0s")
            .map(|d| locale.text_with("postmortem-after-start", &[("span", d.into())]))
            .unwrap_or_default()
    };
    let name = |person: &str| {
        config
            .person(person)
            .map_or(person, |p| p.display_name())
            .to_owned()
    };
    let roles = Role::ALL
        .into_iter()
        .filter_map(|role| {
            view.roles
                .get(role.as_str())
                .cloned()
                .flatten()
                .or_else(|| {
                    view.role_history
                        .iter()
                        .rev()
                        .find(|holding| holding.role == role)
                        .cloned()
                })
                .map(|holding| DraftRole {
                    role: role.as_str(),
                    name: name(&holding.person),
                })
        })
        .collect();
    let detection = match view.alerts.first() {
        Some(alert) => {
            let rule = match alert.service.as_deref() {
                Some(service) => locale.text_with(
                    "postmortem-rule-on",
                    &[
                        ("rule", alert.rule.as_str().into()),
                        ("service", service.into()),
                    ],
                ),
                None => alert.rule.clone(),
            };
            let joined = match view.alerts.len() {
                1 => String::new(),
                n => locale.text_with("postmortem-more-alerts", &[("count", (n - 1).into())]),
            };
            locale.text_with(
                "postmortem-detected",
                &[
                    ("rule", rule.into()),
                    ("at", when(alert.joined_at).into()),
                    (
                        "after",
                        after_start(since(start, Some(alert.joined_at))).into(),
                    ),
                    ("joined", joined.into()),
                ],
            )
        }
        None => locale.text_with(
            "postmortem-declared",
            &[
                ("by", incident.declared_by.as_str().into()),
                ("at", when(incident.created_at).into()),
                ("after", after_start(since(start, times.detected)).into()),
            ],
        ),
    };
    let pages = timeline
        .iter()
        .filter(|entry| entry.kind == "page" && entry.text.ends_with("delivered"))
        .count();
    let acknowledged_by = timeline
        .iter()
        .find(|entry| entry.kind == "acknowledged")
        .and_then(|entry| entry.actor.clone());
    let mut ordered: Vec<&TimelineEntry> = timeline.iter().filter(|e| e.starred).collect();
    ordered.extend(timeline.iter().filter(|e| !e.starred));
    let omitted = ordered.len().saturating_sub(TIMELINE_ROWS);
    DraftInput {
        incident: DraftIncident {
            number: incident.number,
            title: incident.title.clone(),
            severity: incident.severity.as_str().into(),
            priority: incident.priority.as_str().into(),
            services: incident.services.clone(),
            summary: incident.summary.clone(),
            customer_impact: incident.customer_impact.clone(),
            url: crate::incidents::notices::page_url(config, &incident.id),
        },
        times: DraftTimes {
            impact_started: times.impact_started.map(when),
            detected: times.detected.map(when),
            acknowledged: times.acknowledged.map(when),
            mitigated: times.mitigated.map(when),
            resolved: times.resolved.map(when),
        },
        durations: Durations {
            to_detect: since(start, times.detected),
            to_acknowledge: since(start, times.acknowledged),
            to_mitigate: since(start, times.mitigated),
            to_resolve: since(start, times.resolved),
            impact: since(start, times.resolved),
        },
        detection,
        roles,
        pages,
        acknowledged_by,
        updates: view.updates.clone(),
        timeline: ordered
            .into_iter()
            .take(TIMELINE_ROWS)
            .map(|entry| DraftEntry {
                at: when(entry.at),
                kind: entry.kind.clone(),
                text: entry.text.clone(),
                actor: entry.actor.clone(),
                starred: entry.starred,
            })
            .collect(),
        timeline_omitted: omitted,
        changes: view.what_changed.clone(),
        action_items: action_items.to_vec(),
    }
}

/// Renders `source` with `input`; the error is worded for people.
pub fn render(source: &str, input: &DraftInput) -> Result<String, String> {
    let mut environment = Environment::new();
    // A table cell holds one line, and a `|` would end it; a sender's `<` is text, not HTML.
    environment.add_filter("cell", |text: String| {
        text.replace('|', "\\|")
            .replace('<', "&lt;")
            .replace(['\n', '\r'], " ")
    });
    environment
        .render_str(
            source,
            minijinja::value::Value::from(minijinja::value::Serde(input)),
        )
        .map(|text| format!("{}\n", text.trim_end()))
        .map_err(|error| format!("the post-mortem template failed: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(detection: &str) -> DraftInput {
        DraftInput {
            incident: DraftIncident {
                number: 7,
                title: "결제 오류".into(),
                severity: "SEV2".into(),
                priority: "P1".into(),
                services: vec!["checkout".into()],
                summary: None,
                customer_impact: None,
                url: "https://firewatch.example.com/incidents/7".into(),
            },
            times: DraftTimes {
                impact_started: Some("2026-11-02 01:00".into()),
                resolved: Some("2026-11-02 01:50".into()),
                ..Default::default()
            },
            durations: Durations {
                impact: Some(Locale::Ko.duration(jiff::SignedDuration::from_mins(50))),
                ..Default::default()
            },
            detection: detection.into(),
            roles: vec![DraftRole {
                role: "commander",
                name: "박민지".into(),
            }],
            pages: 2,
            acknowledged_by: Some("minji".into()),
            updates: Vec::new(),
            timeline: Vec::new(),
            timeline_omitted: 3,
            changes: Vec::new(),
            action_items: Vec::new(),
        }
    }

    /// The Korean template reads in Korean, headings and all, and names the roles in Korean.
    #[test]
    fn the_korean_template_drafts_in_korean() {
        let draft = render(
            crate::config::postmortems::DEFAULT_TEMPLATE_KO,
            &input("2026-11-02 01:03 UTC에 알림 HighErrorRate(으)로 감지."),
        )
        .unwrap();
        for heading in [
            "# 포스트모템: 결제 오류",
            "## 요약",
            "## 영향",
            "## 타임라인",
            "## 후속 조치",
        ] {
            assert!(draft.contains(heading), "{heading} in {draft}");
        }
        assert!(draft.contains("- 지휘자: 박민지"), "{draft}");
        assert!(draft.contains("50분 동안"), "{draft}");
        assert!(draft.contains("호출 2건 발송, minji 님이 확인."), "{draft}");
        assert!(draft.contains("…외 3건"), "{draft}");
        // What the English template says is not in it.
        assert!(!draft.contains("## Summary"), "{draft}");
        // Its own blameless check finds nothing to flag in the template's words.
        assert!(
            crate::core::blameless::check(&draft, &[]).is_empty(),
            "{draft}"
        );
        let english = render(crate::config::postmortems::DEFAULT_TEMPLATE, &input("x")).unwrap();
        assert!(english.contains("## Summary"), "{english}");
    }
}
