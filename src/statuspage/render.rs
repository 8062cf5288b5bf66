//! The page, a page per incident, and `/status.json` in Statuspage's `summary.json` shape, all
//! made from a `Snapshot`. The templates are compiled into the binary; minijinja escapes
//! every value.

use std::sync::LazyLock;

use minijinja::{Environment, context};
use serde_json::{Value, json};

use crate::i18n::Locale;
use crate::statuspage::snapshot::Snapshot;

/// An instant as people read it, in the page's zone: `3 Nov 2026, 11:00 KST`,
/// `2026년 11월 3일 11:00 KST`.
pub fn when_at(at: jiff::Timestamp, zone: jiff::tz::TimeZone, locale: Locale) -> String {
    locale.date_time_public(&at.to_zoned(zone))
}

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut environment = Environment::new();
    crate::i18n::templates::register(&mut environment);
    environment
        .add_template("status.html", include_str!("templates/status.html"))
        .expect("status.html compiles");
    environment
        .add_template(
            "status_incident.html",
            include_str!("templates/status_incident.html"),
        )
        .expect("status_incident.html compiles");
    environment
        .add_template(
            "status_message.html",
            include_str!("templates/status_message.html"),
        )
        .expect("status_message.html compiles");
    environment
});

fn render(name: &str, context: minijinja::Value) -> String {
    TEMPLATES
        .get_template(name)
        .and_then(|template| template.render(context))
        .unwrap_or_else(|error| {
            tracing::error!(%error, template = name, "the status page did not render");
            "<!doctype html><title>Status</title><p>The status page could not be shown.</p>".into()
        })
}

/// What every status template gets: the snapshot, and the language and zone to write in.
fn base(snapshot: &Snapshot, locale: Locale) -> minijinja::Value {
    context! {
        s => minijinja::Value::from(minijinja::value::Serde(snapshot)),
        locale => locale.code(),
        tz => &snapshot.page.timezone,
    }
}

pub fn page(snapshot: &Snapshot, locale: Locale) -> String {
    render("status.html", base(snapshot, locale))
}

/// The page of one incident shown on the page, or `None`.
pub fn incident(snapshot: &Snapshot, id: &str, locale: Locale) -> Option<String> {
    let incident = snapshot.incidents.iter().find(|i| i.id == id)?;
    Some(render(
        "status_incident.html",
        context! {
            incident => minijinja::Value::from(minijinja::value::Serde(incident)),
            ..base(snapshot, locale)
        },
    ))
}

/// A short page of the subscription flow: what happened, and a button when a step is left.
pub struct MessagePage<'a> {
    pub title: &'a str,
    pub url: &'a str,
    pub heading: &'a str,
    pub text: &'a str,
    /// Where the button posts, and what it says.
    pub form: Option<(&'a str, &'a str)>,
    pub locale: Locale,
}

pub fn message(page: &MessagePage<'_>) -> String {
    render(
        "status_message.html",
        context! {
            title => page.title, url => page.url, heading => page.heading, text => page.text,
            action => page.form.map(|(action, _)| action), button => page.form.map(|(_, button)| button),
            locale => page.locale.code(),
        },
    )
}

/// Statuspage's `/api/v2/summary.json`: `page`, `status`, `components`, `incidents` (the
/// unresolved ones) and `scheduled_maintenances` (upcoming and in progress).
pub fn summary(snapshot: &Snapshot) -> Value {
    let page_id = "firewatch";
    let incident_url =
        |id: &str| format!("{}/incidents/{id}", snapshot.page.url.trim_end_matches('/'));
    // Statuspage lists a group as a component of its own, `"group": true`, naming its
    // members, which name it in `group_id`.
    let group_id = |name: &str| format!("group-{}", crate::config::statuspage::slug(name));
    let mut components: Vec<Value> = snapshot
        .components
        .iter()
        .enumerate()
        .map(|(position, c)| {
            json!({
                "id": c.id, "name": c.name, "status": c.status.as_str(),
                "created_at": snapshot.built_at, "updated_at": snapshot.built_at,
                "position": position + 1, "description": c.description, "showcase": true,
                "start_date": null, "group_id": c.group.as_deref().map(group_id),
                "page_id": page_id, "group": false, "only_show_if_degraded": false,
            })
        })
        .collect();
    for group in &snapshot.groups {
        let Some(name) = &group.name else { continue };
        components.push(json!({
            "id": group_id(name), "name": name, "status": group.status.as_str(),
            "created_at": snapshot.built_at, "updated_at": snapshot.built_at,
            "position": components.len() + 1, "description": null, "showcase": false,
            "start_date": null, "group_id": null, "page_id": page_id, "group": true,
            "only_show_if_degraded": false,
            "components": group.members.iter().map(|&i| snapshot.components[i].id.clone()).collect::<Vec<_>>(),
        }));
    }
    let incidents: Vec<Value> = snapshot
        .incidents
        .iter()
        .filter(|i| i.open)
        .map(|i| {
            let affected: Vec<Value> = snapshot
                .components
                .iter()
                .filter(|c| i.components.contains(&c.id))
                .map(|c| json!({"id": c.id, "name": c.name, "status": c.status.as_str()}))
                .collect();
            json!({
                "id": i.id, "name": i.name, "status": i.status, "impact": i.impact,
                "created_at": i.started_at, "updated_at": i.updated_at, "started_at": i.started_at,
                "monitoring_at": i.updates.iter().find(|u| u.status == "monitoring").map(|u| u.at),
                "resolved_at": i.resolved_at, "shortlink": incident_url(&i.id), "page_id": page_id,
                "incident_updates": i.updates.iter().enumerate().map(|(n, u)| json!({
                    "id": format!("{}-{}", i.id, i.updates.len() - n), "status": u.status, "body": u.body,
                    "incident_id": i.id, "created_at": u.at, "updated_at": u.at, "display_at": u.at,
                    "affected_components": affected, "deliver_notifications": true,
                })).collect::<Vec<_>>(),
                "components": affected,
            })
        })
        .collect();
    let maintenances: Vec<Value> = snapshot
        .maintenances
        .iter()
        .map(|m| {
            json!({
                "id": m.id, "name": m.name, "status": m.status, "impact": "maintenance",
                "created_at": m.created_at, "updated_at": m.updated_at,
                "monitoring_at": null, "resolved_at": null,
                "scheduled_for": m.scheduled_for, "scheduled_until": m.scheduled_until,
                "shortlink": snapshot.page.url, "page_id": page_id, "incident_updates": [],
                "components": snapshot.components.iter().filter(|c| m.components.contains(&c.id))
                    .map(|c| json!({"id": c.id, "name": c.name, "status": c.status.as_str()}))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "page": {
            "id": page_id, "name": snapshot.page.title, "url": snapshot.page.url,
            "time_zone": snapshot.page.timezone, "updated_at": snapshot.built_at,
        },
        "status": { "indicator": snapshot.indicator, "description": snapshot.description },
        "components": components,
        "incidents": incidents,
        "scheduled_maintenances": maintenances,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_in_the_pages_zone_and_language() {
        let at: jiff::Timestamp = "2026-11-03T02:00:00Z".parse().unwrap();
        let seoul = jiff::tz::TimeZone::get("Asia/Seoul").unwrap();
        assert_eq!(
            when_at(at, seoul.clone(), Locale::En),
            "3 Nov 2026, 11:00 KST"
        );
        assert_eq!(when_at(at, seoul, Locale::Ko), "2026년 11월 3일 11:00 KST");
        assert_eq!(
            when_at(at, jiff::tz::TimeZone::UTC, Locale::En),
            "3 Nov 2026, 02:00 UTC"
        );
    }
}
