//! `[status_page]` and `[[status_page.components]]`: the public page's branding and the
//! components customers see, each mapped to services.

use serde::Deserialize;

use crate::core::problem::Problems;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StatusPageConfig {
    pub title: String,
    /// The page's public address, for links in feeds and messages; else the server's.
    pub public_url: Option<String>,
    pub logo_url: Option<String>,
    /// Links in the page's header (the product's home, support).
    pub links: Vec<LinkConfig>,
    /// The zone the 90 days of history are counted in.
    pub timezone: String,
    /// Its own address (e.g. `0.0.0.0:8081`), serving the status page alone.
    pub listen: Option<String>,
    pub components: Vec<ComponentConfig>,
}

impl Default for StatusPageConfig {
    fn default() -> Self {
        Self {
            title: "Status".into(),
            public_url: None,
            logo_url: None,
            links: Vec::new(),
            timezone: "UTC".into(),
            listen: None,
            components: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkConfig {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentConfig {
    pub name: String,
    #[serde(default)]
    pub services: Vec<String>,
    pub group: Option<String>,
    pub description: Option<String>,
}

impl ComponentConfig {
    /// A stable id made from the name: `Public API` → `public-api`.
    pub fn id(&self) -> String {
        let mut id = String::new();
        for c in self.name.chars() {
            if c.is_ascii_alphanumeric() {
                id.push(c.to_ascii_lowercase());
            } else if !id.ends_with('-') && !id.is_empty() {
                id.push('-');
            }
        }
        id.trim_end_matches('-').to_owned()
    }
}

impl StatusPageConfig {
    pub fn zone(&self) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(&self.timezone).unwrap_or(jiff::tz::TimeZone::UTC)
    }

    pub fn validate(&self, services: &[crate::config::ServiceConfig], problems: &mut Problems) {
        if jiff::tz::TimeZone::get(&self.timezone).is_err() {
            problems.error(
                "status_page.timezone".into(),
                format!("\"{}\" is not an IANA time zone", self.timezone),
            );
        }
        for (key, url) in [
            ("public_url", &self.public_url),
            ("logo_url", &self.logo_url),
        ] {
            if let Some(url) = url {
                if !crate::core::problem::is_http_url(url) {
                    problems.error(
                        format!("status_page.{key}"),
                        format!("\"{url}\" is not an http(s) URL"),
                    );
                }
            }
        }
        if let Some(listen) = &self.listen {
            if listen.parse::<std::net::SocketAddr>().is_err() {
                problems.error(
                    "status_page.listen".into(),
                    format!("\"{listen}\" is not an address like 0.0.0.0:8081"),
                );
            }
        }
        for (index, link) in self.links.iter().enumerate() {
            if !crate::core::problem::is_http_url(&link.url) {
                problems.error(
                    format!("status_page.links[{index}].url"),
                    format!("\"{}\" is not an http(s) URL", link.url),
                );
            }
        }
        let mut ids = std::collections::HashSet::new();
        for (index, component) in self.components.iter().enumerate() {
            let path = format!("status_page.components[{index}]");
            if component.id().is_empty() {
                problems.error(format!("{path}.name"), "needs letters or digits".into());
            } else if !ids.insert(component.id()) {
                problems.error(
                    format!("{path}.name"),
                    format!("\"{}\" is named twice", component.name),
                );
            }
            for service in &component.services {
                if !services.iter().any(|s| &s.id == service) {
                    problems.error(
                        format!("{path}.services"),
                        format!("no service \"{service}\" in [[services]]"),
                    );
                }
            }
        }
    }
}
