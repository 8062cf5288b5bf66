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

/// The navigation, in order: (section, path, label, role needed, menu). The responder's pages
/// stand in the bar (menu `""`); the rest are grouped in menus, so the bar is one row on a
/// laptop and one scrolling row on a phone.
const NAV: &[(&str, &str, &str, Role, &str)] = &[
    ("overview", "/", "Overview", Role::Viewer, ""),
    ("incidents", "/incidents", "Incidents", Role::Viewer, ""),
    ("alerts", "/alerts", "Alerts", Role::Viewer, ""),
    ("oncall", "/oncall", "On call", Role::Viewer, ""),
    ("services", "/services", "Services", Role::Viewer, ""),
    ("changes", "/changes", "Changes", Role::Viewer, ""),
    (
        "postmortems",
        "/postmortems",
        "Post-mortems",
        Role::Viewer,
        "Learn",
    ),
    (
        "action_items",
        "/action_items",
        "Action items",
        Role::Viewer,
        "Learn",
    ),
    ("insights", "/insights", "Metrics", Role::Viewer, "Learn"),
    ("noise", "/noise", "Alert noise", Role::Viewer, "Learn"),
    ("silences", "/silences", "Silences", Role::Viewer, "Operate"),
    ("checks", "/checks", "Checks", Role::Viewer, "Operate"),
    (
        "status_components",
        "/status-components",
        "Status page",
        Role::Viewer,
        "Operate",
    ),
    ("events", "/events", "Events", Role::Viewer, "Operate"),
    (
        "deliveries",
        "/deliveries",
        "Deliveries",
        Role::Viewer,
        "Operate",
    ),
    ("tokens", "/tokens", "Tokens", Role::Admin, "Admin"),
    ("users", "/users", "Users", Role::Admin, "Admin"),
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

/// A menu of the bar, marked when the page shown is one of its items.
#[derive(Serialize)]
struct NavMenu {
    label: &'static str,
    current: bool,
    items: Vec<NavItem>,
}

impl Frame<'_> {
    pub fn render(&self, template: &str, page: Value) -> Result<Html<String>, PageError> {
        let zone = viewer_time_zone(self.headers);
        let mut nav: Vec<NavItem> = Vec::new();
        let mut menus: Vec<NavMenu> = Vec::new();
        for &(section, path, label, needed, menu) in NAV {
            if !self.user.role.allows(needed) {
                continue;
            }
            let item = NavItem {
                section,
                path,
                label,
            };
            if menu.is_empty() {
                nav.push(item);
                continue;
            }
            if menus.last().is_none_or(|last| last.label != menu) {
                menus.push(NavMenu {
                    label: menu,
                    current: false,
                    items: Vec::new(),
                });
            }
            if let Some(last) = menus.last_mut() {
                last.current |= section == self.section;
                last.items.push(item);
            }
        }
        let frame = context! {
            user => context! { name => &self.user.user.name, role => self.user.role.as_str() },
            can_respond => self.user.role.allows(Role::Responder),
            is_admin => self.user.role.allows(Role::Admin),
            csrf => &self.user.csrf,
            nav => minijinja::Value::from(minijinja::value::Serde(&nav)),
            menus => minijinja::Value::from(minijinja::value::Serde(&menus)),
            section => self.section,
            tz => zone.iana_name().unwrap_or("UTC"),
            now => minijinja::Value::from(minijinja::value::Serde(self.state.clock.now())),
            assets => super::assets::prefix(),
            version => env!("CARGO_PKG_VERSION"),
        };
        render(template, context! { ..frame, ..page })
    }
}
