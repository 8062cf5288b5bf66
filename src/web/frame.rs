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
use crate::i18n::Locale;
use crate::state::AppState;

/// The navigation, in order: (section, path, label's message, role needed, menu's message). The responder's pages
/// stand in the bar (menu `""`); the rest are grouped in menus, so the bar is one row on a
/// laptop and one scrolling row on a phone.
const NAV: &[(&str, &str, &str, Role, &str)] = &[
    ("overview", "/", "nav-overview", Role::Viewer, ""),
    ("incidents", "/incidents", "nav-incidents", Role::Viewer, ""),
    ("alerts", "/alerts", "nav-alerts", Role::Viewer, ""),
    ("oncall", "/oncall", "nav-oncall", Role::Viewer, ""),
    ("services", "/services", "nav-services", Role::Viewer, ""),
    ("changes", "/changes", "nav-changes", Role::Viewer, ""),
    (
        "postmortems",
        "/postmortems",
        "nav-postmortems",
        Role::Viewer,
        "nav-menu-learn",
    ),
    (
        "action_items",
        "/action_items",
        "nav-action-items",
        Role::Viewer,
        "nav-menu-learn",
    ),
    (
        "insights",
        "/insights",
        "nav-insights",
        Role::Viewer,
        "nav-menu-learn",
    ),
    (
        "noise",
        "/noise",
        "nav-noise",
        Role::Viewer,
        "nav-menu-learn",
    ),
    (
        "compliance",
        "/compliance",
        "nav-compliance",
        Role::Responder,
        "nav-menu-learn",
    ),
    (
        "silences",
        "/silences",
        "nav-silences",
        Role::Viewer,
        "nav-menu-operate",
    ),
    (
        "checks",
        "/checks",
        "nav-checks",
        Role::Viewer,
        "nav-menu-operate",
    ),
    (
        "pipelines",
        "/pipelines",
        "nav-pipelines",
        Role::Viewer,
        "nav-menu-operate",
    ),
    (
        "environments",
        "/environments",
        "nav-environments",
        Role::Viewer,
        "nav-menu-operate",
    ),
    (
        "status_components",
        "/status-components",
        "nav-status-components",
        Role::Viewer,
        "nav-menu-operate",
    ),
    (
        "events",
        "/events",
        "nav-events",
        Role::Viewer,
        "nav-menu-operate",
    ),
    (
        "deliveries",
        "/deliveries",
        "nav-deliveries",
        Role::Viewer,
        "nav-menu-operate",
    ),
    (
        "tokens",
        "/tokens",
        "nav-tokens",
        Role::Admin,
        "nav-menu-admin",
    ),
    (
        "users",
        "/users",
        "nav-users",
        Role::Admin,
        "nav-menu-admin",
    ),
    (
        "audit",
        "/audit",
        "nav-audit",
        Role::Admin,
        "nav-menu-admin",
    ),
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

/// The language a page is shown in: the signed-in person's `locale`, else the browser's
/// `Accept-Language`, else `[server] locale`.
pub fn viewer_locale(state: &AppState, headers: &HeaderMap, user: Option<&SignedIn>) -> Locale {
    let config = state.config.current();
    user.and_then(|user| user.person(&config))
        .and_then(|person| person.locale)
        .or_else(|| browser_locale(headers))
        .unwrap_or(config.server.locale)
}

/// What the browser's `Accept-Language` asks for, when Firewatch speaks it.
pub fn browser_locale(headers: &HeaderMap) -> Option<Locale> {
    headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .and_then(Locale::from_accept_language)
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
    label: String,
}

/// A menu of the bar, marked when the page shown is one of its items.
#[derive(Serialize)]
struct NavMenu {
    key: &'static str,
    label: String,
    current: bool,
    items: Vec<NavItem>,
}

impl Frame<'_> {
    /// The language this page is shown in.
    pub fn locale(&self) -> Locale {
        viewer_locale(self.state, self.headers, Some(self.user))
    }

    pub fn render(&self, template: &str, page: Value) -> Result<Html<String>, PageError> {
        let zone = viewer_time_zone(self.headers);
        let locale = viewer_locale(self.state, self.headers, Some(self.user));
        let mut nav: Vec<NavItem> = Vec::new();
        let mut menus: Vec<NavMenu> = Vec::new();
        for &(section, path, label, needed, menu) in NAV {
            if !self.user.role.allows(needed) {
                continue;
            }
            let item = NavItem {
                section,
                path,
                label: locale.text(label),
            };
            if menu.is_empty() {
                nav.push(item);
                continue;
            }
            if menus.last().is_none_or(|last| last.key != menu) {
                menus.push(NavMenu {
                    key: menu,
                    label: locale.text(menu),
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
            user => context! {
                name => &self.user.user.name,
                role => locale.text(&format!("role-{}", self.user.role.as_str())),
            },
            locale => locale.code(),
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
