//! The weekly report (`[[digests]] kind = "weekly_report"`): the week's merged pull requests,
//! production deployments and incidents, the five keys and pages a week against last week,
//! the overdue action items and the noisiest alert rules. It is the seeds' sprint review and
//! regular status update, to chat and email.
//!
//! The week is the seven calendar days before the digest fires, in the digest's time zone, so
//! a week across a daylight-saving change has 167 or 169 hours rather than a shifted start. The
//! report is built when the digest fires and stored as the event's body, so every destination
//! renders the same snapshot however late a retry delivers it.

use jiff::{Timestamp, ToSpan as _};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::config::forge::DigestConfig;
use crate::core::noise::human_duration;
use crate::i18n::Locale;
use crate::integrations::outbound::EventMessage;
use crate::integrations::outbound::message::{
    Line, Message, bold, change_reference, clip, in_zone, link, text,
};
use crate::metrics::dora::{DoraView, Scope, dora, services};
use crate::metrics::operations::ops;
use crate::store::metrics::DeploymentFilter;
use crate::store::{Store, StoreError};

/// The kind of the event a weekly report makes.
pub const WEEKLY_REPORT: &str = "weekly_report";

/// Merged pull requests named one by one; the rest are counted.
const MERGED_LISTED: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeeklyReport {
    pub digest: String,
    pub generated_at: Timestamp,
    pub timezone: String,
    pub from: Timestamp,
    pub to: Timestamp,
    pub team: Option<String>,
    pub merged: Vec<crate::store::forge::MergedChange>,
    pub merged_total: usize,
    pub deployments: usize,
    pub failed_deployments: usize,
    pub unplanned_deployments: usize,
    pub incidents: Vec<IncidentLine>,
    pub figures: Vec<Figure>,
    pub pages: Vec<PagesLine>,
    pub overdue: Vec<OverdueItem>,
    pub noisiest: Vec<NoisyRule>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentLine {
    pub number: i64,
    pub title: String,
    pub severity: String,
    pub state: String,
    pub url: String,
}

/// One of the five keys this week and last; `None` is N/A.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub name: String,
    /// `per_week`, `seconds` or `ratio`.
    pub unit: String,
    pub this_week: Option<f64>,
    pub last_week: Option<f64>,
    pub band: Option<String>,
    /// Why there is no value this week.
    pub na_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PagesLine {
    pub team: String,
    pub this_week: u64,
    pub last_week: u64,
    pub budget: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueItem {
    pub title: String,
    pub owner: String,
    pub due: String,
    pub incident: i64,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoisyRule {
    pub rule: String,
    pub fires: u64,
    pub notifications: u64,
}

/// The seven calendar days before `end` in `zone`.
pub fn week_before(end: Timestamp, zone: &str) -> Timestamp {
    jiff::tz::TimeZone::get(zone)
        .ok()
        .and_then(|zone| end.to_zoned(zone).checked_sub(7.days()).ok())
        .map_or_else(
            || end - jiff::SignedDuration::from_hours(7 * 24),
            |start| start.timestamp(),
        )
}

fn figures(this: &DoraView, last: &DoraView) -> Vec<Figure> {
    let (now, then) = (&this.report, &last.report);
    let band = |pick: fn(&crate::core::bands::Bands) -> &Option<String>| {
        this.bands.as_ref().and_then(|bands| pick(bands).clone())
    };
    let seconds = |value: Option<i64>| value.map(|s| s as f64);
    let frequency = |view: &DoraView| {
        let frequency = &view.report.deployment_frequency;
        frequency.na_reason.is_none().then_some(frequency.per_week)
    };
    vec![
        Figure {
            name: "Deployment frequency".into(),
            unit: "per_week".into(),
            this_week: frequency(this),
            last_week: frequency(last),
            band: band(|b| &b.deployment_frequency),
            na_reason: now.deployment_frequency.na_reason.clone(),
        },
        Figure {
            name: "Change lead time".into(),
            unit: "seconds".into(),
            this_week: seconds(now.lead_time.median_seconds),
            last_week: seconds(then.lead_time.median_seconds),
            band: band(|b| &b.lead_time),
            na_reason: now.lead_time.na_reason.clone(),
        },
        Figure {
            name: "Change failure rate".into(),
            unit: "ratio".into(),
            this_week: now.change_failure_rate.value,
            last_week: then.change_failure_rate.value,
            band: band(|b| &b.change_failure_rate),
            na_reason: now.change_failure_rate.na_reason.clone(),
        },
        Figure {
            name: "Recovery time".into(),
            unit: "seconds".into(),
            this_week: seconds(now.recovery_time.median_seconds),
            last_week: seconds(then.recovery_time.median_seconds),
            band: band(|b| &b.recovery_time),
            na_reason: now.recovery_time.na_reason.clone(),
        },
        Figure {
            name: "Rework rate".into(),
            unit: "ratio".into(),
            this_week: now.rework_rate.value,
            last_week: then.rework_rate.value,
            band: None,
            na_reason: now.rework_rate.na_reason.clone(),
        },
    ]
}

/// The report for the week before `end` (the occurrence the digest fired for).
pub async fn build(
    store: &Store,
    config: &Config,
    name: &str,
    digest: &DigestConfig,
    end: Timestamp,
    now: Timestamp,
) -> Result<WeeklyReport, StoreError> {
    let from = week_before(end, &digest.timezone);
    let before = week_before(from, &digest.timezone);
    let scope = Scope {
        team: digest.team.clone(),
        ..Scope::default()
    };
    let wanted_services = services(config, &scope);
    let in_scope = |service_list: &[String]| {
        wanted_services
            .as_ref()
            .is_none_or(|wanted| service_list.iter().any(|s| wanted.contains(s)))
    };

    let wanted_repo = |repository: &str| {
        digest.repos.is_empty()
            || digest.repos.iter().any(|pattern| {
                glob::Pattern::new(pattern).is_ok_and(|pattern| pattern.matches(repository))
            })
    };
    let merged = store.merged_changes(from, end, 2000).await?;
    let merged: Vec<_> = merged
        .into_iter()
        .filter(|change| wanted_repo(&change.repository))
        .collect();
    let merged_total = merged.len();

    let deployments: Vec<_> = store
        .list_deployments(&DeploymentFilter {
            services: wanted_services.clone(),
            environment: None,
            from: Some(from),
            to: Some(end),
            before: None,
            limit: 10_000,
        })
        .await?
        .into_iter()
        .map(|(_, deployment)| deployment)
        .filter(|deployment| {
            config
                .production_environments(&deployment.service)
                .contains(&deployment.environment)
        })
        .collect();

    let this_week = dora(store, config, &scope, from, end, None).await?;
    let last_week = dora(store, config, &scope, before, from, None).await?;

    let mut incidents: Vec<IncidentLine> = store
        .list_incidents(&crate::store::incidents::IncidentFilter {
            limit: 1000,
            ..Default::default()
        })
        .await?
        .into_iter()
        .filter(|incident| {
            let started = incident
                .times
                .impact_started
                .or(incident.times.detected)
                .unwrap_or(incident.created_at);
            started >= from && started < end && in_scope(&incident.services)
        })
        .map(|incident| IncidentLine {
            number: incident.number,
            title: incident.title,
            severity: incident.severity.as_str().into(),
            state: incident.state.as_str().into(),
            url: crate::incidents::notices::page_url(config, &incident.number.to_string()),
        })
        .collect();
    incidents.sort_by_key(|incident| incident.number);

    // Pages and the noisiest rules are the organisation's; a team's report keeps its own row.
    let whole = Scope::default();
    let now_ops = ops(store, config, &whole, from, end).await?;
    let then_ops = ops(store, config, &whole, before, from).await?;
    let pages = now_ops
        .pages
        .iter()
        .filter(|row| digest.team.as_ref().is_none_or(|team| &row.team == team))
        .map(|row| PagesLine {
            team: row.team.clone(),
            this_week: row.pages,
            last_week: then_ops
                .pages
                .iter()
                .find(|then| then.team == row.team)
                .map_or(0, |then| then.pages),
            budget: row.page_budget_per_week,
        })
        .collect();
    let noisiest = now_ops
        .noisiest_rules
        .iter()
        .map(|row| NoisyRule {
            rule: row.key.clone(),
            fires: row.fires,
            notifications: row.notifications,
        })
        .collect();

    let overdue_items = store
        .list_action_items(&crate::store::postmortems::ItemFilter {
            outstanding: true,
            overdue_at: Some(end),
            limit: 50,
            ..Default::default()
        })
        .await?;
    let mut overdue = Vec::new();
    for item in overdue_items {
        let incident = store.get_incident(&item.incident_id).await?;
        if !in_scope(&incident.services) {
            continue;
        }
        overdue.push(OverdueItem {
            title: item.title,
            owner: item.owner,
            due: item.due,
            incident: incident.number,
            url: crate::incidents::notices::page_url(config, &incident.number.to_string()),
        });
    }

    Ok(WeeklyReport {
        digest: name.to_owned(),
        generated_at: now,
        timezone: digest.timezone.clone(),
        from,
        to: end,
        team: digest.team.clone(),
        merged_total,
        merged: merged.into_iter().take(MERGED_LISTED).collect(),
        deployments: deployments
            .iter()
            .filter(|deployment| deployment.status == "success")
            .count(),
        failed_deployments: this_week.report.change_failure_rate.count,
        unplanned_deployments: deployments
            .iter()
            .filter(|deployment| deployment.kind != "planned")
            .count(),
        figures: figures(&this_week, &last_week),
        incidents,
        pages,
        overdue,
        noisiest,
    })
}

fn value(unit: &str, value: f64, locale: Locale) -> String {
    match unit {
        "per_week" => locale.text_with(
            "weekly-per-week",
            &[("value", format!("{value:.1}").into())],
        ),
        "seconds" => match locale {
            Locale::En => human_duration(value),
            _ => locale.duration(jiff::SignedDuration::from_secs(
                value.max(0.0).round() as i64
            )),
        },
        _ => format!("{:.0}%", value * 100.0),
    }
}

/// "↑ from 2.0/week", "↓ from 25%", "same as last week" or "last week N/A".
fn change(unit: &str, this: f64, last: Option<f64>, locale: Locale) -> String {
    match last {
        None => locale.text("weekly-last-na"),
        Some(last) if value(unit, last, locale) == value(unit, this, locale) => {
            locale.text("weekly-same")
        }
        Some(last) => locale.text_with(
            if this > last {
                "weekly-up"
            } else {
                "weekly-down"
            },
            &[("value", value(unit, last, locale).into())],
        ),
    }
}

/// A figure's stored English name, in the message's language.
fn figure_name(name: &str, locale: Locale) -> String {
    let key = match name {
        "Deployment frequency" => "weekly-deployment-frequency",
        "Change lead time" => "weekly-lead-time",
        "Change failure rate" => "weekly-failure-rate",
        "Recovery time" => "weekly-recovery-time",
        "Rework rate" => "weekly-rework-rate",
        other => return other.to_owned(),
    };
    locale.text(key)
}

/// How a weekly report reads; `None` for other events.
pub fn message(event: &EventMessage, locale: Locale) -> Option<Message> {
    if event.source != "firewatch" || event.kind != WEEKLY_REPORT {
        return None;
    }
    let report: WeeklyReport = serde_json::from_value(event.payload.clone()).ok()?;
    Some(report_message(&report, locale))
}

pub fn report_message(report: &WeeklyReport, locale: Locale) -> Message {
    let zone = report.timezone.as_str();
    let day_format = match locale {
        Locale::En => "%b %-d",
        _ => "%-m월 %-d일",
    };
    let mut args: Vec<(&str, crate::i18n::Arg)> = vec![
        ("from", in_zone(report.from, zone, day_format).into()),
        ("to", in_zone(report.to, zone, day_format).into()),
    ];
    let key = match &report.team {
        Some(team) => {
            args.push(("team", team.as_str().into()));
            "weekly-title-team"
        }
        None => "weekly-title",
    };
    let title = format!("📊 {}", locale.text_with(key, &args));
    let mut lines: Vec<Line> = Vec::new();

    lines.push(vec![bold(locale.text("weekly-delivery"))]);
    let mut deployed = locale.text_with(
        "weekly-deployed",
        &[
            ("merged", report.merged_total.into()),
            ("deployments", report.deployments.into()),
        ],
    );
    if report.failed_deployments > 0 || report.unplanned_deployments > 0 {
        deployed.push_str(&locale.text_with(
            "weekly-deployed-bad",
            &[
                ("failed", report.failed_deployments.into()),
                ("unplanned", report.unplanned_deployments.into()),
            ],
        ));
    }
    lines.push(vec![text(deployed)]);
    for change in &report.merged {
        let number = change_reference(&change.source, change.number);
        let mut line = vec![
            text("• "),
            link(
                format!(
                    "{} {number} {}",
                    change.repository,
                    clip(&change.title, 100)
                ),
                change.url.as_ref(),
            ),
        ];
        if let Some(author) = &change.author {
            line.push(text(format!(" · {author}")));
        }
        lines.push(line);
    }
    if report.merged_total > report.merged.len() {
        lines.push(vec![text(crate::integrations::outbound::markdown::more(
            report.merged_total - report.merged.len(),
            locale,
        ))]);
    }

    lines.push(vec![bold(locale.text("weekly-dora"))]);
    for figure in &report.figures {
        let mut line = vec![text(format!("{}: ", figure_name(&figure.name, locale)))];
        match figure.this_week {
            Some(this) => {
                line.push(bold(value(&figure.unit, this, locale)));
                line.push(text(format!(
                    " ({})",
                    change(&figure.unit, this, figure.last_week, locale)
                )));
                if let Some(band) = &figure.band {
                    line.push(text(format!(" · {band}")));
                }
            }
            None => line.push(text(match &figure.na_reason {
                Some(reason) => format!("N/A ({reason})"),
                None => "N/A".into(),
            })),
        }
        lines.push(line);
    }

    lines.push(vec![bold(locale.text("nav-incidents"))]);
    if report.incidents.is_empty() {
        lines.push(vec![text(locale.text("weekly-no-incidents"))]);
    }
    for incident in &report.incidents {
        lines.push(vec![
            text("• "),
            link(
                format!(
                    "#{} {} {}",
                    incident.number,
                    incident.severity,
                    clip(&incident.title, 100)
                ),
                Some(&incident.url),
            ),
            text(format!(
                " · {}",
                crate::incidents::notices::state_word(&incident.state, locale)
            )),
        ]);
    }

    if !report.pages.is_empty() {
        lines.push(vec![bold(locale.text("weekly-pages"))]);
        for row in &report.pages {
            let mut line = vec![text(locale.text_with(
                "weekly-pages-row",
                &[
                    ("team", row.team.as_str().into()),
                    ("this", row.this_week.into()),
                    ("last", row.last_week.into()),
                ],
            ))];
            if let Some(budget) = row.budget {
                line.push(text(
                    locale.text_with("weekly-budget", &[("budget", budget.into())]),
                ));
                if row.this_week > u64::from(budget) {
                    line.push(text(" · "));
                    line.push(bold(locale.text("weekly-over-budget")));
                }
            }
            lines.push(line);
        }
    }

    lines.push(vec![bold(locale.text("weekly-overdue"))]);
    if report.overdue.is_empty() {
        lines.push(vec![text(locale.text("weekly-none"))]);
    }
    for item in &report.overdue {
        lines.push(vec![
            text("• "),
            link(clip(&item.title, 100), Some(&item.url)),
            text(locale.text_with(
                "weekly-item",
                &[
                    ("owner", item.owner.as_str().into()),
                    ("due", item.due.to_string().into()),
                    ("incident", item.incident.into()),
                ],
            )),
        ]);
    }

    if !report.noisiest.is_empty() {
        lines.push(vec![bold(locale.text("weekly-noisiest"))]);
        for rule in &report.noisiest {
            lines.push(vec![text(locale.text_with(
                "weekly-noisy-rule",
                &[
                    ("rule", rule.rule.as_str().into()),
                    ("fires", rule.fires.into()),
                    ("notices", rule.notifications.into()),
                ],
            ))]);
        }
    }

    Message {
        summary: title.clone(),
        title,
        title_url: None,
        lines,
        context: vec![vec![text(locale.text_with(
            "weekly-context",
            &[
                ("from", weekly_time(report.from, zone, locale).into()),
                ("to", weekly_time(report.to, zone, locale).into()),
                ("zone", zone.into()),
            ],
        ))]],
        outcome: None,
        locale,
    }
}

/// An instant of the report's window: `Mon 2026-11-02 09:00`, `2026년 11월 2일 09:00`.
fn weekly_time(at: jiff::Timestamp, zone: &str, locale: Locale) -> String {
    match (locale, at.in_tz(zone)) {
        (Locale::Ko, Ok(zoned)) => locale.date_time(&zoned),
        _ => in_zone(at, zone, "%a %Y-%m-%d %H:%M"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_week_across_the_end_of_daylight_time_is_seven_calendar_days() {
        // Monday 2 November 2026, 09:00 in New York (EST); the Monday before was EDT.
        let end: Timestamp = "2026-11-02T14:00:00Z".parse().unwrap();
        let start = week_before(end, "America/New_York");
        assert_eq!(start, "2026-10-26T13:00:00Z".parse::<Timestamp>().unwrap());
        assert_eq!(end.duration_since(start).as_hours(), 169);
        assert_eq!(
            week_before(end, "UTC"),
            "2026-10-26T14:00:00Z".parse::<Timestamp>().unwrap()
        );
    }

    #[test]
    fn changes_say_which_way_and_from_what() {
        assert_eq!(
            change("per_week", 4.0, Some(2.0), Locale::En),
            "↑ from 2.0/week"
        );
        assert_eq!(change("ratio", 0.1, Some(0.25), Locale::En), "↓ from 25%");
        assert_eq!(
            change("seconds", 3600.0, Some(3600.4), Locale::En),
            "same as last week"
        );
        assert_eq!(change("ratio", 0.1, Some(0.25), Locale::Ko), "↓ 25%에서");
        assert_eq!(change("seconds", 3600.0, None, Locale::En), "last week N/A");
    }
}
