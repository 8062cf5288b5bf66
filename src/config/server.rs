//! `[server]` and `[delivery]`: where Firewatch listens and stores, and how it delivers.

use serde::Deserialize;

use crate::core::problem::{Problems, is_http_url};

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

pub const DEFAULT_DATABASE_URL: &str = "sqlite://firewatch.db";

/// Bytes of each request's body that cost nothing from `body_bytes_in_flight`: ordinary hooks
/// and forms fit, so they are answered even while large bodies hold all of it.
pub const FREE_BODY_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub listen: String,
    pub public_url: Option<String>,
    pub database_url: String,
    pub log_format: LogFormat,
    /// When set, the body limit of every integration that sets none of its own; otherwise
    /// each kind has a default that fits its sender.
    pub max_body_bytes: Option<usize>,
    /// A web UI session ends this long after its last use.
    pub session_hours: f64,
    /// Connections open at once; past it, new ones wait to be accepted.
    pub max_connections: usize,
    /// A request's head (line and headers) must arrive within this many seconds of its first
    /// byte, and a new connection's first request within this many of connecting.
    pub header_timeout_seconds: f64,
    /// A request's body must arrive within this many seconds of its head.
    pub body_timeout_seconds: f64,
    /// A kept-alive connection with no request is closed after this many seconds.
    pub idle_timeout_seconds: f64,
    /// Proxies (addresses or networks like "10.0.0.0/8") whose `X-Forwarded-For` names the
    /// client, for the sign-in throttle and the status page's subscribe limit.
    pub trusted_proxies: Vec<String>,
    /// Bytes of request bodies all connections together may hold, beyond the first
    /// `FREE_BODY_BYTES` of each; past it a request is answered 503 with `Retry-After`.
    pub body_bytes_in_flight: usize,
    /// The language of pages, messages and the command line when nothing nearer says
    /// (a person's, a destination's or the status page's `locale`, the browser's).
    pub locale: crate::i18n::Locale,
    /// The address the server actually listens on (`listen` may say port 0), set at start:
    /// links use it when `public_url` is not set.
    #[serde(skip)]
    pub bound: Option<String>,
}

impl ServerConfig {
    /// `trusted_proxies` as networks; an address alone is a network of one.
    pub fn trusted_proxy_networks(&self) -> Vec<ipnet::IpNet> {
        self.trusted_proxies
            .iter()
            .filter_map(|text| parse_network(text))
            .collect()
    }

    /// Where links in messages point: `public_url`, or the listen address.
    pub fn base_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.bound.as_deref().unwrap_or(&self.listen)),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: DEFAULT_LISTEN.to_owned(),
            public_url: None,
            database_url: DEFAULT_DATABASE_URL.to_owned(),
            log_format: LogFormat::Text,
            max_body_bytes: None,
            session_hours: 12.0,
            max_connections: 512,
            header_timeout_seconds: 10.0,
            body_timeout_seconds: 60.0,
            idle_timeout_seconds: 75.0,
            body_bytes_in_flight: 48 * 1024 * 1024,
            locale: crate::i18n::Locale::En,
            trusted_proxies: Vec::new(),
            bound: None,
        }
    }
}

fn parse_network(text: &str) -> Option<ipnet::IpNet> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>().ok().or_else(|| {
        text.parse::<std::net::IpAddr>()
            .ok()
            .map(ipnet::IpNet::from)
    })
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryConfig {
    /// How long a failing notification is retried before it becomes a dead letter.
    pub retry_window_hours: f64,
    /// How many jobs one worker runs at once (each on a different destination).
    pub concurrency: usize,
    /// Per-attempt HTTP timeout.
    pub timeout_seconds: u64,
    /// How long a worker holds a job it claimed; a job whose worker died runs again after it.
    pub lease_seconds: u64,
}

impl DeliveryConfig {
    /// How long a notification is retried before it becomes a dead letter.
    pub fn retry_window(&self) -> jiff::SignedDuration {
        jiff::SignedDuration::from_secs_f64(self.retry_window_hours * 3600.0)
    }
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            retry_window_hours: 24.0,
            concurrency: 16,
            timeout_seconds: 15,
            lease_seconds: 120,
        }
    }
}

impl ServerConfig {
    pub fn validate(&self, problems: &mut Problems) {
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            problems.error(
                "server.listen".into(),
                format!("\"{}\" is not an address like 127.0.0.1:8080", self.listen),
            );
        }
        if !(self.database_url.starts_with("sqlite:")
            || self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://"))
        {
            problems.error(
                "server.database_url".into(),
                "must start with sqlite:, postgres:// or postgresql://".into(),
            );
        }
        if let Some(public_url) = &self.public_url {
            if !is_http_url(public_url) {
                problems.error(
                    "server.public_url".into(),
                    format!("\"{public_url}\" is not an http(s) URL"),
                );
            }
        }
        if !(self.session_hours > 0.0 && self.session_hours <= 24.0 * 30.0) {
            problems.error(
                "server.session_hours".into(),
                "must be more than 0 and at most 720 (30 days)".into(),
            );
        }
        if !(1..=100_000).contains(&self.max_connections) {
            problems.error(
                "server.max_connections".into(),
                "must be from 1 to 100000".into(),
            );
        }
        for (key, seconds) in [
            ("header_timeout_seconds", self.header_timeout_seconds),
            ("body_timeout_seconds", self.body_timeout_seconds),
            ("idle_timeout_seconds", self.idle_timeout_seconds),
        ] {
            if !(seconds > 0.0 && seconds <= 3600.0) {
                problems.error(
                    format!("server.{key}"),
                    "must be more than 0 and at most 3600".into(),
                );
            }
        }
        for (index, text) in self.trusted_proxies.iter().enumerate() {
            if parse_network(text).is_none() {
                problems.error(
                    format!("server.trusted_proxies[{index}]"),
                    format!("\"{text}\" is not an address or a network like 10.0.0.0/8"),
                );
            }
        }
        if self.max_body_bytes == Some(0) {
            problems.error("server.max_body_bytes".into(), "must be more than 0".into());
        }
    }
}

impl DeliveryConfig {
    pub fn validate(&self, problems: &mut Problems) {
        if self.retry_window_hours.is_nan() || self.retry_window_hours <= 0.0 {
            problems.error(
                "delivery.retry_window_hours".into(),
                "must be more than 0".into(),
            );
        }
        if self.lease_seconds <= self.timeout_seconds {
            problems.error(
                "delivery.lease_seconds".into(),
                format!(
                    "must be longer than delivery.timeout_seconds ({}), or a slow attempt could run twice",
                    self.timeout_seconds
                ),
            );
        }
        if self.concurrency == 0 {
            problems.error("delivery.concurrency".into(), "must be at least 1".into());
        }
    }
}
