//! The page frame: the context every signed-in page shares (user, CSRF token, time zone,
//! navigation) around its own data.

use axum::http::HeaderMap;
use axum::response::Html;
use jiff::tz::TimeZone;
use minijinja::{Value, context};
use serde::Serialize;

use super::auth::{self, SignedIn};
use super::render::{PageError, render};
use crate::core::role::Role;
use crate::state::AppState;

/// The navigation, in order: (section, path, label, role needed).
const NAV: &[(&str, &str, &str, Role)] = &[
    ("overview", "/", "Overview", Role::Viewer),
    ("incidents", "/incidents", "Incidents", Role::Viewer),
    ("postmortems", "/postmortems", "Post-mortems", Role::Viewer),
    ("action_items", "/action_items", "Actions", Role::Viewer),
    ("changes", "/changes", "Changes", Role::Viewer),
    ("insights", "/insights", "Metrics", Role::Viewer),
    ("alerts", "/alerts", "Alerts", Role::Viewer),
    ("oncall", "/oncall", "On call", Role::Viewer),
    ("silences", "/silences", "Silences", Role::Viewer),
    ("noise", "/noise", "Noise", Role::Viewer),
    ("checks", "/checks", "Checks", Role::Viewer),
    ("events", "/events", "Events", Role::Viewer),
    ("deliveries", "/deliveries", "Deliveries", Role::Viewer),
    ("tokens", "/tokens", "Tokens", Role::Admin),
    ("users", "/users", "Users", Role::Admin),
];

/// The viewer's time zone: what their browser said (the `fw_tz` cookie set by `app.js`), or
/// UTC until it has.
pub fn viewer_time_zone(headers: &HeaderMap) -> TimeZone {
    auth::cookie(headers, "fw_tz")
        .and_then(|raw| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("tz={raw}")).ok()
        })
        .and_then(|mut pairs| pairs.pop())
        .and_then(|(_, name)| TimeZone::get(&name).ok())
        .unwrap_or(TimeZone::UTC)
}

/// What every page's template gets besides its own data.
pub struct Frame<'a> {
    pub state: &'a AppState,
    pub user: &'a SignedIn,
    pub headers: &'a HeaderMap,
    pub section: &'static str,
}

#[derive(Serialize)]
struct NavItem {
    section: &'static str,
    path: &'static str,
    label: &'static str,
}

impl Frame<'_> {
    pub fn render(&self, template: &str, page: Value) -> Result<Html<String>, PageError> {
        let zone = viewer_time_zone(self.headers);
        let nav: Vec<NavItem> = NAV
            .iter()
            .filter(|(_, _, _, needed)| self.user.role.allows(*needed))
            .map(|&(section, path, label, _)| NavItem {
                section,
                path,
                label,
            })
            .collect();
        let frame = context! {
            user => context! { name => &self.user.user.name, role => self.user.role.as_str() },
            can_respond => self.user.role.allows(Role::Responder),
            is_admin => self.user.role.allows(Role::Admin),
            csrf => &self.user.csrf,
            nav => minijinja::Value::from(minijinja::value::Serde(&nav)),
            section => self.section,
            tz => zone.iana_name().unwrap_or("UTC"),
            now => minijinja::Value::from(minijinja::value::Serde(self.state.clock.now())),
            assets => super::assets::prefix(),
            version => env!("CARGO_PKG_VERSION"),
        };
        render(template, context! { ..frame, ..page })
    }
}
