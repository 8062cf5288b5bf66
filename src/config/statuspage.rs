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
    /// The page's language for everyone; unset, each visitor's browser chooses.
    pub locale: Option<crate::i18n::Locale>,
    /// Its own address (e.g. `0.0.0.0:8081`), serving the status page alone.
    pub listen: Option<String>,
    pub components: Vec<ComponentConfig>,
    pub subscribers: SubscribersConfig,
}

/// `[status_page.subscribers]`: who may ask to be told of incidents, and how they are told.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SubscribersConfig {
    /// An email destination of `[[destinations]]`: its server and `from` send subscribers'
    /// mail (its `to` is not used). Unset: no email subscriptions.
    pub email: Option<String>,
    /// Whether webhook subscriptions are taken.
    pub webhooks: bool,
    /// Webhooks to loopback and private addresses are refused unless this is set: a public
    /// form must not make the server call its own network.
    pub allow_private_webhooks: bool,
    /// Subscribe requests per client address per hour.
    pub per_hour: u32,
    /// The header a proxy or CDN in front puts the client's address in (`X-Forwarded-For`:
    /// its last entry, the one the proxy added). Unset: the connection's address.
    pub client_address_header: Option<String>,
}

impl Default for SubscribersConfig {
    fn default() -> Self {
        Self {
            email: None,
            webhooks: false,
            allow_private_webhooks: false,
            per_hour: 10,
            client_address_header: None,
        }
    }
}

impl SubscribersConfig {
    pub fn enabled(&self) -> bool {
        self.email.is_some() || self.webhooks
    }
}

impl Default for StatusPageConfig {
    fn default() -> Self {
        Self {
            title: "Status".into(),
            public_url: None,
            logo_url: None,
            links: Vec::new(),
            timezone: "UTC".into(),
            locale: None,
            listen: None,
            components: Vec::new(),
            subscribers: SubscribersConfig::default(),
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
        slug(&self.name)
    }
}

/// Lowercase letters and digits, runs of anything else as one `-`.
pub fn slug(name: &str) -> String {
    let mut id = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if !id.ends_with('-') && !id.is_empty() {
            id.push('-');
        }
    }
    id.trim_end_matches('-').to_owned()
}

impl StatusPageConfig {
    /// The components showing these services.
    pub fn components_of(&self, services: &[String]) -> Vec<String> {
        self.components
            .iter()
            .filter(|c| c.services.iter().any(|s| services.contains(s)))
            .map(|c| c.id())
            .collect()
    }

    /// Whether subscribers hear of an incident on these services: they are on and a
    /// component shows one of them.
    pub fn tells_subscribers(&self, services: &[String]) -> bool {
        self.subscribers.enabled() && !self.components_of(services).is_empty()
    }

    pub fn zone(&self) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(&self.timezone).unwrap_or(jiff::tz::TimeZone::UTC)
    }

    pub fn validate(
        &self,
        services: &[crate::config::org::ServiceConfig],
        destinations: &[crate::integrations::outbound::config::DestinationConfig],
        problems: &mut Problems,
    ) {
        use crate::integrations::outbound::config::DestinationConfig;
        if let Some(email) = &self.subscribers.email {
            match destinations.iter().find(|d| d.name() == email) {
                Some(DestinationConfig::Email(_)) => {}
                Some(_) => problems.error(
                    "status_page.subscribers.email".into(),
                    format!("destination \"{email}\" is not of kind email"),
                ),
                None => problems.error(
                    "status_page.subscribers.email".into(),
                    format!("no destination \"{email}\" in [[destinations]]"),
                ),
            }
        }
        if self.subscribers.per_hour == 0 {
            problems.error(
                "status_page.subscribers.per_hour".into(),
                "must be at least 1".into(),
            );
        }
        if let Some(header) = &self.subscribers.client_address_header {
            if axum::http::HeaderName::try_from(header.as_str()).is_err() {
                problems.error(
                    "status_page.subscribers.client_address_header".into(),
                    format!("\"{header}\" is not a header name"),
                );
            }
        }
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
