//! The configuration file (PRODUCT.md §3): TOML, `${VAR}` read from the environment, every
//! section optional. Loading reports every problem it finds with the key that is wrong.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::core::routing::Route;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://firewatch.db";
pub const DEFAULT_CONFIG_FILE: &str = "firewatch.toml";
/// The body limit of senders that need no more (and of `/v2/enqueue`; PagerDuty itself takes
/// events of up to 512 KB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// GitHub and GitLab cap webhook payloads at 25 MB; a large push passes 1 MiB.
pub const FORGE_MAX_BODY_BYTES: usize = 25 * 1024 * 1024;
/// Alertmanager and Grafana send every alert of a group in one body (Alertmanager's
/// `max_alerts` is unlimited by default), so a storm's group of thousands passes 1 MiB.
pub const ALERT_GROUP_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub delivery: DeliveryConfig,
    #[serde(default)]
    pub alerts: AlertsConfig,
    #[serde(default)]
    pub integrations: Vec<IntegrationConfig>,
    #[serde(default)]
    pub destinations: Vec<DestinationConfig>,
    #[serde(default)]
    pub routes: Vec<Route>,
    pub tickets: Option<TicketsConfig>,
    #[serde(default)]
    pub templates: Vec<TemplateConfig>,
    // Sections of PRODUCT.md §3 that later parts of Firewatch read. They are accepted now so a
    // complete config file loads; `unused_sections` names them in the log.
    #[serde(default)]
    pub people: Vec<toml::Table>,
    #[serde(default)]
    pub schedules: Vec<toml::Table>,
    #[serde(default)]
    pub escalation_policies: Vec<toml::Table>,
    #[serde(default)]
    pub teams: Vec<TeamConfig>,
    #[serde(default)]
    pub services: Vec<ServiceConfig>,
    #[serde(default)]
    pub digests: Vec<DigestConfig>,
    #[serde(default)]
    pub checks: Vec<crate::checks::CheckConfig>,
}

/// How alerts are treated beyond routes: flapping detection.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    /// Firing cycles within `flapping_window` that make an alert flap; 0 turns detection off.
    pub flapping_cycles: u32,
    pub flapping_window: String,
    /// An alert (other than info) still firing unacknowledged this long becomes a task for
    /// its team; "off" turns it off.
    pub task_unacknowledged_after: String,
    /// An alert that fires this many times within `task_recurrence_window` becomes a task; 0
    /// turns it off.
    pub task_recurrences: u32,
    pub task_recurrence_window: String,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        Self {
            flapping_cycles: crate::core::alert::Flapping::DEFAULT.cycles,
            flapping_window: "1h".into(),
            task_unacknowledged_after: "1h".into(),
            task_recurrences: 3,
            task_recurrence_window: "1d".into(),
        }
    }
}

impl AlertsConfig {
    /// The unacknowledged-task threshold, `None` when off.
    pub fn task_after(&self) -> Option<jiff::SignedDuration> {
        match self.task_unacknowledged_after.trim() {
            "off" => None,
            text => crate::core::silence::parse_duration(text).ok(),
        }
    }

    /// Recurrences and their window, `None` when off.
    pub fn task_recurrence(&self) -> Option<(u32, jiff::SignedDuration)> {
        let window = crate::core::silence::parse_duration(&self.task_recurrence_window).ok()?;
        (self.task_recurrences > 0).then_some((self.task_recurrences, window))
    }

    pub fn flapping(&self) -> crate::core::alert::Flapping {
        crate::core::alert::Flapping {
            cycles: self.flapping_cycles,
            window: crate::core::silence::parse_duration(&self.flapping_window)
                .unwrap_or(crate::core::alert::Flapping::DEFAULT.window),
        }
    }
}

/// A team: who is in it, where it talks, and how many pages a week it accepts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamConfig {
    pub id: String,
    pub name: Option<String>,
    #[serde(default)]
    pub members: Vec<String>,
    /// The destination the team's alerts (critical, error, warning) are told in.
    pub channel: Option<String>,
    /// The noise report's budget: pages a week the team considers bearable.
    pub page_budget_per_week: Option<u32>,
}

/// A service: who owns it, and which repositories and alerts are its.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    pub id: String,
    pub name: Option<String>,
    pub team: Option<String>,
    #[serde(default)]
    pub repos: Vec<String>,
    pub escalation_policy: Option<String>,
    /// Alerts without a `service` label whose labels match all of one entry belong to this
    /// service (Alertmanager matcher syntax, e.g. `'{job=~"api|api-canary"}'`).
    #[serde(default)]
    pub alerts: Vec<String>,
}

/// A scheduled summary sent to destinations (PRODUCT.md §2.3).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestConfig {
    /// Names the schedule; keep it stable (the default is the kind and position).
    pub name: Option<String>,
    pub kind: DigestKind,
    /// Five fields (minute hour day month weekday), e.g. `0 10 * * mon-fri`.
    pub cron: String,
    /// IANA time zone the cron expression is read in.
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// Repository globs; empty means all.
    #[serde(default)]
    pub repos: Vec<String>,
    pub to: Vec<String>,
    /// Send a digest even when there is nothing in it.
    #[serde(default)]
    pub send_when_empty: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DigestKind {
    OpenPullRequests,
}

impl DigestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DigestKind::OpenPullRequests => "open_pull_requests",
        }
    }
}

fn default_timezone() -> String {
    "UTC".to_owned()
}

impl DigestConfig {
    /// The digest's stable name.
    pub fn id(&self, index: usize) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("{}-{index}", self.kind.as_str()))
    }

    /// When it next fires strictly after `after`, or `None` if its cron or zone is invalid.
    pub fn next_after(&self, after: jiff::Timestamp) -> Option<jiff::Timestamp> {
        let zone = jiff::tz::TimeZone::get(&self.timezone).ok()?;
        let cron: croner::Cron = self.cron.parse().ok()?;
        cron.find_next_occurrence(&after.to_zoned(zone), false)
            .ok()
            .map(|next| next.timestamp())
    }
}

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
        }
    }
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

/// A message template routes can name (`template = "…"`), in Jinja syntax.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateConfig {
    pub name: String,
    pub title: String,
    /// Lines of the message; `[text](url)`, `**bold**` and `` `code` `` are understood.
    #[serde(default)]
    pub body: String,
}

/// Ticket keys (`CCC-1580`) in messages become links to the tracker.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketsConfig {
    /// The tracker's page for a key, with `{key}` where the key goes.
    pub url: String,
    /// Only these project prefixes count as keys; empty means any.
    #[serde(default)]
    pub projects: Vec<String>,
}

/// One or several secrets (several while rotating).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Secrets {
    One(String),
    Many(Vec<String>),
}

impl Secrets {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            Secrets::One(secret) => vec![secret.clone()],
            Secrets::Many(secrets) => secrets.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: Option<f64>,
}

/// Every kind of inbound integration, one variant each: a new kind is a new variant, and the
/// compiler then shows every place that must handle it.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IntegrationConfig {
    Generic(GenericIntegration),
    Github(GithubIntegration),
    Gitlab(GitlabIntegration),
    Alertmanager(AlertIntegration),
    Grafana(AlertIntegration),
    Datadog(AlertIntegration),
    Pagerduty(PagerdutyIntegration),
}

/// A monitoring tool that posts alerts with a bearer token: Alertmanager (`http_config`'s
/// `authorization`), Grafana (the webhook contact point's authorization header), Datadog (a
/// custom header on the webhook).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertIntegration {
    pub name: String,
    /// The bearer token the sender presents in `Authorization: Bearer …`.
    pub token: Option<String>,
    /// For alerts that carry no severity.
    #[serde(default = "default_alert_severity")]
    pub default_severity: crate::core::alert::Severity,
    /// The service an alert belongs to when it has no `service` label.
    pub service: Option<String>,
    pub rate_limit: Option<RateLimit>,
    /// The largest body taken, in bytes; default: the kind's (see `max_body_bytes`).
    pub max_body_bytes: Option<usize>,
}

/// PagerDuty's Events API v2, at `/hooks/{name}` and `/v2/enqueue`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PagerdutyIntegration {
    pub name: String,
    /// The integration key senders put in the body's `routing_key`: 32 characters, like
    /// PagerDuty's. It is the credential, so treat it as a secret (`${VAR}`).
    pub routing_key: String,
    pub service: Option<String>,
    pub rate_limit: Option<RateLimit>,
    /// The largest body taken, in bytes; default: the kind's (see `max_body_bytes`).
    pub max_body_bytes: Option<usize>,
}

/// How a generic integration's JSON becomes an alert: JSON pointers into the body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertMapping {
    /// Required: the one-line description.
    pub summary: String,
    /// Identifies the alert across reports; default: a hash of the labels and rule.
    pub fingerprint: Option<String>,
    /// Firing or resolved; absent means firing.
    pub status: Option<String>,
    /// Values of `status` that mean resolved (compared without case).
    #[serde(default = "default_resolved_values")]
    pub resolved_values: Vec<String>,
    pub severity: Option<String>,
    /// The rule's name for grouping and the noise report; default: the event's kind.
    pub rule: Option<String>,
    /// An object of strings (or a list of `key:value` strings) that become the labels.
    pub labels: Option<String>,
    pub service: Option<String>,
    pub url: Option<String>,
}

fn default_resolved_values() -> Vec<String> {
    ["resolved", "ok", "recovered", "closed", "inactive"]
        .map(str::to_owned)
        .to_vec()
}

fn default_alert_severity() -> crate::core::alert::Severity {
    crate::core::alert::Severity::Warning
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GitlabIntegration {
    pub name: String,
    /// The "Secret token" set on the GitLab webhook, sent back in `X-Gitlab-Token`.
    pub token: Option<String>,
    pub rate_limit: Option<RateLimit>,
    /// The largest body taken, in bytes; default: the kind's (see `max_body_bytes`).
    pub max_body_bytes: Option<usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenericIntegration {
    pub name: String,
    /// Bearer token the sender must present.
    pub token: Option<String>,
    /// Standard Webhooks secret(s) (`whsec_…`) the body must be signed with.
    pub secret: Option<Secrets>,
    /// Where the deduplication key is: a JSON pointer (`/delivery/id`) or `header:Name`.
    /// Default: the `Idempotency-Key` header, then `webhook-id`, then the body's `id`.
    pub idempotency_key: Option<String>,
    /// JSON pointer to the event's kind; default `/kind`, then `/type`; else `event`.
    pub kind_field: Option<String>,
    /// Makes every event an alert report, read through these pointers.
    pub alert: Option<Box<AlertMapping>>,
    /// For mapped alerts: the severity when none is found, and the default service.
    #[serde(default = "default_alert_severity")]
    pub default_severity: crate::core::alert::Severity,
    pub service: Option<String>,
    pub rate_limit: Option<RateLimit>,
    /// The largest body taken, in bytes; default: the kind's (see `max_body_bytes`).
    pub max_body_bytes: Option<usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GithubIntegration {
    pub name: String,
    /// The webhook secret(s) set in GitHub (several while rotating).
    pub secret: Option<Secrets>,
    pub rate_limit: Option<RateLimit>,
    /// The largest body taken, in bytes; default: the kind's (see `max_body_bytes`).
    pub max_body_bytes: Option<usize>,
}

impl IntegrationConfig {
    pub fn name(&self) -> &str {
        match self {
            IntegrationConfig::Generic(generic) => &generic.name,
            IntegrationConfig::Github(github) => &github.name,
            IntegrationConfig::Gitlab(gitlab) => &gitlab.name,
            IntegrationConfig::Alertmanager(alerts)
            | IntegrationConfig::Grafana(alerts)
            | IntegrationConfig::Datadog(alerts) => &alerts.name,
            IntegrationConfig::Pagerduty(pagerduty) => &pagerduty.name,
        }
    }

    /// The `source` routes match on.
    pub fn kind(&self) -> &'static str {
        match self {
            IntegrationConfig::Generic(_) => "generic",
            IntegrationConfig::Github(_) => "github",
            IntegrationConfig::Gitlab(_) => "gitlab",
            IntegrationConfig::Alertmanager(_) => "alertmanager",
            IntegrationConfig::Grafana(_) => "grafana",
            IntegrationConfig::Datadog(_) => "datadog",
            IntegrationConfig::Pagerduty(_) => "pagerduty",
        }
    }

    pub fn rate_limit(&self) -> Option<RateLimit> {
        match self {
            IntegrationConfig::Generic(generic) => generic.rate_limit,
            IntegrationConfig::Github(github) => github.rate_limit,
            IntegrationConfig::Gitlab(gitlab) => gitlab.rate_limit,
            IntegrationConfig::Alertmanager(alerts)
            | IntegrationConfig::Grafana(alerts)
            | IntegrationConfig::Datadog(alerts) => alerts.rate_limit,
            IntegrationConfig::Pagerduty(pagerduty) => pagerduty.rate_limit,
        }
    }

    /// The largest body this integration takes: its own `max_body_bytes`, else the server's,
    /// else what its sender needs.
    pub fn max_body_bytes(&self, server: &ServerConfig) -> usize {
        let own = match self {
            IntegrationConfig::Generic(generic) => generic.max_body_bytes,
            IntegrationConfig::Github(github) => github.max_body_bytes,
            IntegrationConfig::Gitlab(gitlab) => gitlab.max_body_bytes,
            IntegrationConfig::Alertmanager(alerts)
            | IntegrationConfig::Grafana(alerts)
            | IntegrationConfig::Datadog(alerts) => alerts.max_body_bytes,
            IntegrationConfig::Pagerduty(pagerduty) => pagerduty.max_body_bytes,
        };
        let default = match self {
            IntegrationConfig::Github(_) | IntegrationConfig::Gitlab(_) => FORGE_MAX_BODY_BYTES,
            IntegrationConfig::Alertmanager(_) | IntegrationConfig::Grafana(_) => {
                ALERT_GROUP_MAX_BODY_BYTES
            }
            IntegrationConfig::Generic(_)
            | IntegrationConfig::Datadog(_)
            | IntegrationConfig::Pagerduty(_) => DEFAULT_MAX_BODY_BYTES,
        };
        own.or(server.max_body_bytes).unwrap_or(default)
    }

    pub const KINDS: &'static [&'static str] = &[
        "generic",
        "github",
        "gitlab",
        "alertmanager",
        "grafana",
        "datadog",
        "pagerduty",
    ];

    /// The service an integration's alerts belong to when they name none.
    pub fn default_service(&self) -> Option<&str> {
        match self {
            IntegrationConfig::Alertmanager(alerts)
            | IntegrationConfig::Grafana(alerts)
            | IntegrationConfig::Datadog(alerts) => alerts.service.as_deref(),
            IntegrationConfig::Pagerduty(pagerduty) => pagerduty.service.as_deref(),
            IntegrationConfig::Generic(generic) => generic.service.as_deref(),
            IntegrationConfig::Github(_) | IntegrationConfig::Gitlab(_) => None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DestinationConfig {
    Webhook(WebhookDestination),
    Slack(SlackDestination),
    Mattermost(MattermostDestination),
    Discord(DiscordDestination),
    Teams(TeamsDestination),
    Email(EmailDestination),
}

/// Email over SMTP: a multipart text and HTML message to every address in `to`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailDestination {
    pub name: String,
    pub host: String,
    /// Default: 587 for `starttls`, 465 for `tls`, 25 for `none`.
    pub port: Option<u16>,
    #[serde(default)]
    pub tls: EmailTls,
    pub username: Option<String>,
    pub password: Option<String>,
    /// A mailbox: `alerts@example.com` or `Firewatch <alerts@example.com>`.
    pub from: String,
    pub to: Vec<String>,
    /// Put in brackets before every subject: `[prefix] title`.
    pub subject_prefix: Option<String>,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailTls {
    /// Plain connection upgraded with STARTTLS, which the server must offer (submission, 587).
    #[default]
    Starttls,
    /// TLS from the first byte (submissions, 465).
    Tls,
    /// No encryption: only for a relay on the same machine.
    None,
}

impl EmailDestination {
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            EmailTls::Starttls => 587,
            EmailTls::Tls => 465,
            EmailTls::None => 25,
        })
    }

    /// Every problem with the settings, as (key, message).
    fn problems(&self) -> Vec<(String, String)> {
        let mut problems: Vec<(String, String)> = Vec::new();
        let mut problem = |key: &str, message: String| problems.push((key.to_owned(), message));
        if self.host.trim().is_empty() {
            problem("host", "is empty".to_owned());
        }
        if self.port == Some(0) {
            problem("port", "must be more than 0".to_owned());
        }
        let local = matches!(self.host.as_str(), "localhost" | "127.0.0.1" | "::1");
        if self.tls == EmailTls::None && !local {
            problem(
                "tls",
                format!(
                    "\"none\" is allowed only for a relay on this machine (localhost, 127.0.0.1 or \
                     ::1): over a network it would send every message, and the password, in clear \
                     text; use \"starttls\" or \"tls\" for \"{}\"",
                    self.host
                ),
            );
        }
        match (&self.username, &self.password) {
            (None, Some(_)) => problem(
                "password",
                "is set without a username: SMTP authentication needs both".to_owned(),
            ),
            (Some(_), None) => problem(
                "username",
                "is set without a password: SMTP authentication needs both".to_owned(),
            ),
            _ => {}
        }
        // lettre's own words ("Invalid input") say less than an example does.
        let not_an_address = |address: &str| {
            format!(
                "\"{address}\" is not an email address like ops@example.com or \"Ops <ops@example.com>\""
            )
        };
        if self.from.parse::<lettre::message::Mailbox>().is_err() {
            problem("from", not_an_address(&self.from));
        }
        if self.to.is_empty() {
            problem("to", "names no address".to_owned());
        }
        for (index, address) in self.to.iter().enumerate() {
            if address.parse::<lettre::message::Mailbox>().is_err() {
                problem(&format!("to[{index}]"), not_an_address(address));
            }
        }
        problems
    }
}

/// A Slack incoming webhook. `channel`, `username` and `icon_emoji` are honoured only by
/// legacy webhooks; app webhooks post where they were created.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackDestination {
    pub name: String,
    pub url: String,
    pub channel: Option<String>,
    pub username: Option<String>,
    pub icon_emoji: Option<String>,
}

/// A Mattermost incoming webhook. `channel`, `username` and `icon_url` apply only where the
/// server lets integrations override them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MattermostDestination {
    pub name: String,
    pub url: String,
    pub channel: Option<String>,
    pub username: Option<String>,
    pub icon_url: Option<String>,
}

/// A Discord channel webhook; `username` and `avatar_url` replace the webhook's own.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordDestination {
    pub name: String,
    pub url: String,
    pub username: Option<String>,
    pub avatar_url: Option<String>,
}

/// A Microsoft Teams channel or chat, through a Workflows webhook that posts Adaptive Cards.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamsDestination {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookDestination {
    pub name: String,
    pub url: String,
    pub secret: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

impl DestinationConfig {
    pub fn name(&self) -> &str {
        match self {
            DestinationConfig::Webhook(webhook) => &webhook.name,
            DestinationConfig::Slack(slack) => &slack.name,
            DestinationConfig::Mattermost(mattermost) => &mattermost.name,
            DestinationConfig::Discord(discord) => &discord.name,
            DestinationConfig::Teams(teams) => &teams.name,
            DestinationConfig::Email(email) => &email.name,
        }
    }

    /// The `kind` the config names it by.
    pub fn kind_name(&self) -> &'static str {
        match self {
            DestinationConfig::Webhook(_) => "webhook",
            DestinationConfig::Slack(_) => "slack",
            DestinationConfig::Mattermost(_) => "mattermost",
            DestinationConfig::Discord(_) => "discord",
            DestinationConfig::Teams(_) => "teams",
            DestinationConfig::Email(_) => "email",
        }
    }
}

/// One thing wrong with a config, with the key it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: Option<PathBuf>,
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.problems.len();
        match &self.file {
            Some(file) => write!(f, "{} has {count} problem(s):", file.display())?,
            None => write!(f, "the configuration has {count} problem(s):")?,
        }
        for problem in &self.problems {
            write!(f, "\n  {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// A loaded config and where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    /// `None` when no file was found and the defaults are in use.
    pub file: Option<PathBuf>,
    pub warnings: Vec<Problem>,
}

impl Config {
    /// Reads `path`, or `firewatch.toml` in the working directory when no path is given and that
    /// file exists; otherwise the defaults. A path given explicitly must exist.
    pub fn load(path: Option<&Path>) -> Result<Loaded, ConfigError> {
        let Some((file, text)) = read_file(path)? else {
            return Ok(Loaded {
                config: Config::default(),
                file: None,
                warnings: Vec::new(),
            });
        };
        let (config, warnings) =
            Config::parse(&text, &|name| std::env::var(name).ok()).map_err(|problems| {
                ConfigError {
                    file: Some(file.clone()),
                    problems,
                }
            })?;
        Ok(Loaded {
            config,
            file: Some(file),
            warnings,
        })
    }

    /// Only `server.database_url`, from the file `load` would read: the server-side commands
    /// need nothing else, so a variable the server needs elsewhere (an integration's token,
    /// say) need not be set in the shell that runs `firewatch user add`.
    pub fn load_database_url(path: Option<&Path>) -> Result<String, ConfigError> {
        let Some((file, text)) = read_file(path)? else {
            return Ok(DEFAULT_DATABASE_URL.to_owned());
        };
        let problem = |path: &str, message: String| ConfigError {
            file: Some(file.clone()),
            problems: vec![Problem {
                path: path.to_owned(),
                message,
            }],
        };
        let value: toml::Value = toml::from_str(&text).map_err(|error| {
            problem(
                "",
                format!("not valid TOML: {}", error.to_string().trim_end()),
            )
        })?;
        match value
            .get("server")
            .and_then(|server| server.get("database_url"))
        {
            None => Ok(DEFAULT_DATABASE_URL.to_owned()),
            Some(toml::Value::String(url)) => expand_string(url, &|name| std::env::var(name).ok())
                .map_err(|message| problem("server.database_url", message)),
            Some(_) => Err(problem("server.database_url", "must be a string".into())),
        }
    }

    /// Parses and validates config text. `env` looks up `${VAR}` references.
    pub fn parse(
        text: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(Config, Vec<Problem>), Vec<Problem>> {
        let mut value: toml::Value = toml::from_str(text).map_err(|error| {
            vec![Problem {
                path: String::new(),
                message: format!("not valid TOML: {}", error.to_string().trim_end()),
            }]
        })?;
        let mut problems = Vec::new();
        expand_env(&mut value, &mut String::new(), env, &mut problems);
        if !problems.is_empty() {
            return Err(problems);
        }
        let config: Config = serde_path_to_error::deserialize(value).map_err(|error| {
            vec![Problem {
                path: error.path().to_string().trim_start_matches('.').to_owned(),
                message: error.inner().to_string(),
            }]
        })?;
        let (problems, warnings) = config.validate();
        if problems.is_empty() {
            Ok((config, warnings))
        } else {
            Err(problems)
        }
    }

    /// Every semantic problem (errors) and every suspicious setting (warnings).
    pub fn validate(&self) -> (Vec<Problem>, Vec<Problem>) {
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        let mut error = |path: String, message: String| errors.push(Problem { path, message });

        if self.server.listen.parse::<std::net::SocketAddr>().is_err() {
            error(
                "server.listen".into(),
                format!(
                    "\"{}\" is not an address like 127.0.0.1:8080",
                    self.server.listen
                ),
            );
        }
        if !(self.server.database_url.starts_with("sqlite:")
            || self.server.database_url.starts_with("postgres://")
            || self.server.database_url.starts_with("postgresql://"))
        {
            error(
                "server.database_url".into(),
                "must start with sqlite:, postgres:// or postgresql://".into(),
            );
        }
        if let Some(public_url) = &self.server.public_url {
            if !is_http_url(public_url) {
                error(
                    "server.public_url".into(),
                    format!("\"{public_url}\" is not an http(s) URL"),
                );
            }
        }
        if !(self.server.session_hours > 0.0 && self.server.session_hours <= 24.0 * 30.0) {
            error(
                "server.session_hours".into(),
                "must be more than 0 and at most 720 (30 days)".into(),
            );
        }
        if self.server.max_body_bytes == Some(0) {
            error("server.max_body_bytes".into(), "must be more than 0".into());
        }
        if self.delivery.retry_window_hours.is_nan() || self.delivery.retry_window_hours <= 0.0 {
            error(
                "delivery.retry_window_hours".into(),
                "must be more than 0".into(),
            );
        }
        if self.delivery.lease_seconds <= self.delivery.timeout_seconds {
            error(
                "delivery.lease_seconds".into(),
                format!(
                    "must be longer than delivery.timeout_seconds ({}), or a slow attempt could run twice",
                    self.delivery.timeout_seconds
                ),
            );
        }
        if self.delivery.concurrency == 0 {
            error("delivery.concurrency".into(), "must be at least 1".into());
        }

        let mut integration_names = HashSet::new();
        for (index, integration) in self.integrations.iter().enumerate() {
            let path = format!("integrations[{index}]");
            let name = integration.name();
            if !is_valid_name(name) {
                error(
                    format!("{path}.name"),
                    format!("\"{name}\" may hold only letters, digits, '-', '_' and '.'"),
                );
            }
            if !integration_names.insert(name) {
                error(
                    format!("{path}.name"),
                    format!("integration \"{name}\" is defined twice"),
                );
            }
            if name == crate::core::check::CHECK_INTEGRATION {
                error(
                    format!("{path}.name"),
                    format!("\"{name}\" is reserved for the alerts of [[checks]]"),
                );
            }
            if integration.max_body_bytes(&self.server) == 0 {
                error(
                    format!("{path}.max_body_bytes"),
                    "must be more than 0".into(),
                );
            }
            if let Some(rate_limit) = integration.rate_limit() {
                if rate_limit.per_second.is_nan()
                    || rate_limit.per_second <= 0.0
                    || rate_limit.burst.is_some_and(|b| b.is_nan() || b < 1.0)
                {
                    error(
                        format!("{path}.rate_limit"),
                        "per_second must be more than 0 and burst at least 1".into(),
                    );
                }
            }
            match integration {
                IntegrationConfig::Generic(generic) => {
                    if let Some(key) = &generic.idempotency_key {
                        if !(key.starts_with('/') || key.starts_with("header:")) {
                            error(
                                format!("{path}.idempotency_key"),
                                format!(
                                    "\"{key}\" must be a JSON pointer (\"/id\") or \"header:Name\""
                                ),
                            );
                        }
                    }
                    if let Some(pointer) = &generic.kind_field {
                        if !pointer.starts_with('/') {
                            error(
                                format!("{path}.kind_field"),
                                format!("\"{pointer}\" must be a JSON pointer such as \"/type\""),
                            );
                        }
                    }
                    if let Some(mapping) = &generic.alert {
                        for (key, pointer) in [
                            ("summary", Some(&mapping.summary)),
                            ("fingerprint", mapping.fingerprint.as_ref()),
                            ("status", mapping.status.as_ref()),
                            ("severity", mapping.severity.as_ref()),
                            ("rule", mapping.rule.as_ref()),
                            ("labels", mapping.labels.as_ref()),
                            ("service", mapping.service.as_ref()),
                            ("url", mapping.url.as_ref()),
                        ] {
                            if let Some(pointer) = pointer.filter(|p| !p.starts_with('/')) {
                                error(
                                    format!("{path}.alert.{key}"),
                                    format!(
                                        "\"{pointer}\" must be a JSON pointer such as \"/{key}\""
                                    ),
                                );
                            }
                        }
                    }
                    if let Some(Secrets::Many(secrets)) = &generic.secret {
                        if secrets.is_empty() {
                            error(format!("{path}.secret"), "the list is empty".into());
                        }
                    }
                    if generic.token.is_none() && generic.secret.is_none() {
                        warnings.push(Problem {
                            path: path.clone(),
                            message: format!(
                                "integration \"{name}\" has neither token nor secret: anyone who can reach Firewatch can post to it"
                            ),
                        });
                    }
                }
                IntegrationConfig::Alertmanager(alerts)
                | IntegrationConfig::Grafana(alerts)
                | IntegrationConfig::Datadog(alerts) => {
                    if alerts.token.is_none() {
                        let how = match integration {
                            IntegrationConfig::Grafana(_) => {
                                "the contact point's authorization header, scheme Bearer"
                            }
                            IntegrationConfig::Datadog(_) => {
                                "an \"Authorization: Bearer …\" custom header on the Datadog webhook"
                            }
                            _ => "Alertmanager's http_config.authorization.credentials",
                        };
                        warnings.push(Problem {
                            path: path.clone(),
                            message: format!(
                                "integration \"{name}\" has no token: anyone who can reach Firewatch can post alerts to it (set one, and {how})"
                            ),
                        });
                    }
                }
                IntegrationConfig::Pagerduty(pagerduty) => {
                    let length = pagerduty.routing_key.chars().count();
                    if length != crate::integrations::inbound::pagerduty::ROUTING_KEY_LENGTH {
                        error(
                            format!("{path}.routing_key"),
                            format!(
                                "is {length} characters long; PagerDuty senders require exactly 32 (for example `openssl rand -hex 16`)"
                            ),
                        );
                    } else if self.integrations.iter().any(|other| {
                        other.name() != name
                            && matches!(other, IntegrationConfig::Pagerduty(o) if o.routing_key == pagerduty.routing_key)
                    }) {
                        error(
                            format!("{path}.routing_key"),
                            "another pagerduty integration has the same routing_key; each needs its own".into(),
                        );
                    }
                }
                IntegrationConfig::Github(github) => match &github.secret {
                    None => warnings.push(Problem {
                        path: path.clone(),
                        message: format!(
                            "integration \"{name}\" has no secret: set the same one in GitHub's webhook settings so deliveries can be verified"
                        ),
                    }),
                    Some(Secrets::Many(secrets)) if secrets.is_empty() => {
                        error(format!("{path}.secret"), "the list is empty".into());
                    }
                    Some(_) => {}
                },
                IntegrationConfig::Gitlab(gitlab) => {
                    if gitlab.token.is_none() {
                        warnings.push(Problem {
                            path: path.clone(),
                            message: format!(
                                "integration \"{name}\" has no token: set a secret token on the GitLab webhook and here"
                            ),
                        });
                    }
                }
            }
        }

        let mut destination_names = HashSet::new();
        for (index, destination) in self.destinations.iter().enumerate() {
            let path = format!("destinations[{index}]");
            let name = destination.name();
            if !is_valid_name(name) {
                error(
                    format!("{path}.name"),
                    format!("\"{name}\" may hold only letters, digits, '-', '_' and '.'"),
                );
            }
            if !destination_names.insert(name) {
                error(
                    format!("{path}.name"),
                    format!("destination \"{name}\" is defined twice"),
                );
            }
            match destination {
                DestinationConfig::Webhook(webhook) => {
                    if !is_http_url(&webhook.url) {
                        error(
                            format!("{path}.url"),
                            format!("\"{}\" is not an http(s) URL", webhook.url),
                        );
                    }
                    for header in webhook.headers.keys() {
                        if reqwest::header::HeaderName::from_bytes(header.as_bytes()).is_err() {
                            error(
                                format!("{path}.headers"),
                                format!("\"{header}\" is not a valid header name"),
                            );
                        }
                    }
                }
                DestinationConfig::Slack(slack) => {
                    if !is_http_url(&slack.url) {
                        error(
                            format!("{path}.url"),
                            format!("\"{}\" is not an http(s) URL", slack.url),
                        );
                    }
                }
                DestinationConfig::Mattermost(mattermost) => {
                    for (key, url) in [
                        ("url", Some(&mattermost.url)),
                        ("icon_url", mattermost.icon_url.as_ref()),
                    ] {
                        if let Some(url) = url.filter(|url| !is_http_url(url)) {
                            error(
                                format!("{path}.{key}"),
                                format!("\"{url}\" is not an http(s) URL"),
                            );
                        }
                    }
                }
                DestinationConfig::Discord(discord) => {
                    for (key, url) in [
                        ("url", Some(&discord.url)),
                        ("avatar_url", discord.avatar_url.as_ref()),
                    ] {
                        if let Some(url) = url.filter(|url| !is_http_url(url)) {
                            error(
                                format!("{path}.{key}"),
                                format!("\"{url}\" is not an http(s) URL"),
                            );
                        }
                    }
                    // Discord refuses every message from a webhook named against its rules.
                    if let Some(username) = &discord.username {
                        let lower = username.to_lowercase();
                        if username.trim().is_empty()
                            || username.chars().count() > 80
                            || lower.contains("discord")
                            || lower.contains("clyde")
                        {
                            error(
                                format!("{path}.username"),
                                format!(
                                    "\"{username}\" must be 1 to 80 characters, without \"discord\" or \"clyde\""
                                ),
                            );
                        }
                    }
                }
                DestinationConfig::Teams(teams) => {
                    if !is_http_url(&teams.url) {
                        error(
                            format!("{path}.url"),
                            format!("\"{}\" is not an http(s) URL", teams.url),
                        );
                    }
                }
                DestinationConfig::Email(email) => {
                    for (key, message) in email.problems() {
                        error(format!("{path}.{key}"), message);
                    }
                }
            }
        }

        for (index, route) in self.routes.iter().enumerate() {
            let path = format!("routes[{index}]");
            if route.to.is_empty() {
                error(format!("{path}.to"), "names no destination".into());
            }
            for (to_index, destination) in route.to.iter().enumerate() {
                if !destination_names.contains(destination.as_str()) {
                    error(
                        format!("{path}.to[{to_index}]"),
                        format!("unknown destination \"{destination}\""),
                    );
                }
            }
            for integration in route.matcher.integration.iter().flat_map(|v| &v.0) {
                if !integration_names.contains(integration.as_str()) {
                    error(
                        format!("{path}.match.integration"),
                        format!("unknown integration \"{integration}\""),
                    );
                }
            }
            for source in route.matcher.source.iter().flat_map(|v| &v.0) {
                if !IntegrationConfig::KINDS.contains(&source.as_str()) {
                    error(
                        format!("{path}.match.source"),
                        format!(
                            "unknown source \"{source}\" (known: {})",
                            IntegrationConfig::KINDS.join(", ")
                        ),
                    );
                }
            }
            if let Some(by) = &route.group_by {
                for (label_index, label) in by.iter().enumerate() {
                    if label != "..." && !crate::core::silence::is_label_name(label) {
                        error(
                            format!("{path}.group_by[{label_index}]"),
                            format!("\"{label}\" is not a label name (or \"...\" for every label)"),
                        );
                    }
                }
            }
            for (field, text) in [
                ("group_wait", &route.group_wait),
                ("group_interval", &route.group_interval),
                ("repeat_interval", &route.repeat_interval),
            ] {
                let Some(text) = text else { continue };
                if route.group_by.is_none() {
                    error(
                        format!("{path}.{field}"),
                        "has no effect without group_by".into(),
                    );
                } else if !(field == "group_wait" && matches!(text.trim(), "0" | "0s")) {
                    if let Err(problem) = crate::core::silence::parse_duration(text) {
                        error(format!("{path}.{field}"), problem.to_string());
                    }
                }
            }
            for (field, pattern) in route.matcher.globs() {
                if let Err(problem) = glob::Pattern::new(pattern) {
                    error(
                        format!("{path}.match.{field}"),
                        format!("\"{pattern}\" is not a valid glob: {}", problem.msg),
                    );
                }
            }
        }

        self.validate_teams(&destination_names, &mut error);
        for problem in crate::checks::validate(&self.checks) {
            error(problem.path, problem.message);
        }
        if let Err(problem) = crate::core::silence::parse_duration(&self.alerts.flapping_window) {
            error("alerts.flapping_window".into(), problem.to_string());
        }
        if self.alerts.task_unacknowledged_after.trim() != "off" {
            if let Err(problem) =
                crate::core::silence::parse_duration(&self.alerts.task_unacknowledged_after)
            {
                error(
                    "alerts.task_unacknowledged_after".into(),
                    format!("{problem} (or \"off\")"),
                );
            }
        }
        if let Err(problem) =
            crate::core::silence::parse_duration(&self.alerts.task_recurrence_window)
        {
            error("alerts.task_recurrence_window".into(), problem.to_string());
        }

        let mut template_names = HashSet::new();
        for (index, template) in self.templates.iter().enumerate() {
            let path = format!("templates[{index}]");
            if !template_names.insert(template.name.as_str()) {
                error(
                    format!("{path}.name"),
                    format!("template \"{}\" is defined twice", template.name),
                );
            }
            for (field, source) in [("title", &template.title), ("body", &template.body)] {
                if let Err(problem) = crate::integrations::outbound::template::check(source) {
                    error(
                        format!("{path}.{field}"),
                        format!("the template does not compile: {problem}"),
                    );
                }
            }
        }
        for (index, route) in self.routes.iter().enumerate() {
            if let Some(name) = &route.template {
                if !template_names.contains(name.as_str()) {
                    error(
                        format!("routes[{index}].template"),
                        format!("unknown template \"{name}\""),
                    );
                }
            }
        }
        let mut digest_names = HashSet::new();
        for (index, digest) in self.digests.iter().enumerate() {
            let path = format!("digests[{index}]");
            if let Err(problem) = digest.cron.parse::<croner::Cron>() {
                error(
                    format!("{path}.cron"),
                    format!("\"{}\" is not a cron expression: {problem}", digest.cron),
                );
            }
            if jiff::tz::TimeZone::get(&digest.timezone).is_err() {
                error(
                    format!("{path}.timezone"),
                    format!(
                        "\"{}\" is not an IANA time zone such as Asia/Seoul",
                        digest.timezone
                    ),
                );
            }
            if !digest_names.insert(digest.id(index)) {
                error(
                    format!("{path}.name"),
                    format!("digest \"{}\" is defined twice", digest.id(index)),
                );
            }
            if digest.to.is_empty() {
                error(format!("{path}.to"), "names no destination".into());
            }
            for (to_index, destination) in digest.to.iter().enumerate() {
                if !destination_names.contains(destination.as_str()) {
                    error(
                        format!("{path}.to[{to_index}]"),
                        format!("unknown destination \"{destination}\""),
                    );
                }
            }
            for (repo_index, pattern) in digest.repos.iter().enumerate() {
                if let Err(problem) = glob::Pattern::new(pattern) {
                    error(
                        format!("{path}.repos[{repo_index}]"),
                        format!("\"{pattern}\" is not a valid glob: {}", problem.msg),
                    );
                }
            }
        }
        if let Some(tickets) = &self.tickets {
            if !tickets.url.contains("{key}")
                || !is_http_url(&tickets.url.replace("{key}", "KEY-1"))
            {
                error(
                    "tickets.url".into(),
                    format!(
                        "\"{}\" must be an http(s) URL with {{key}} where the key goes",
                        tickets.url
                    ),
                );
            }
            for (index, project) in tickets.projects.iter().enumerate() {
                let valid = project
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_uppercase())
                    && project
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
                if !valid {
                    error(
                        format!("tickets.projects[{index}]"),
                        format!(
                            "\"{project}\" is not a project key (capital letters and digits, starting with a letter)"
                        ),
                    );
                }
            }
        }
        for (section, entries) in self.unused_sections() {
            warnings.push(Problem {
                path: section.to_owned(),
                message: format!(
                    "{entries} entr{} accepted but not used by this version of Firewatch yet",
                    if entries == 1 { "y is" } else { "ies are" }
                ),
            });
        }
        (errors, warnings)
    }

    fn validate_teams(
        &self,
        destination_names: &HashSet<&str>,
        error: &mut impl FnMut(String, String),
    ) {
        let mut team_ids = HashSet::new();
        for (index, team) in self.teams.iter().enumerate() {
            let path = format!("teams[{index}]");
            if !is_valid_name(&team.id) {
                error(
                    format!("{path}.id"),
                    format!(
                        "\"{}\" may hold only letters, digits, '-', '_' and '.'",
                        team.id
                    ),
                );
            }
            if !team_ids.insert(team.id.as_str()) {
                error(
                    format!("{path}.id"),
                    format!("team \"{}\" is defined twice", team.id),
                );
            }
            if let Some(channel) = &team.channel {
                if !destination_names.contains(channel.as_str()) {
                    error(
                        format!("{path}.channel"),
                        format!("unknown destination \"{channel}\""),
                    );
                }
            }
        }
        let mut service_ids = HashSet::new();
        for (index, service) in self.services.iter().enumerate() {
            let path = format!("services[{index}]");
            if !is_valid_name(&service.id) {
                error(
                    format!("{path}.id"),
                    format!(
                        "\"{}\" may hold only letters, digits, '-', '_' and '.'",
                        service.id
                    ),
                );
            }
            if !service_ids.insert(service.id.as_str()) {
                error(
                    format!("{path}.id"),
                    format!("service \"{}\" is defined twice", service.id),
                );
            }
            if let Some(team) = &service.team {
                if !team_ids.contains(team.as_str()) {
                    error(format!("{path}.team"), format!("unknown team \"{team}\""));
                }
            }
            for (alert_index, text) in service.alerts.iter().enumerate() {
                match crate::core::silence::parse_matchers(text) {
                    Ok(matchers) if matchers.is_empty() => error(
                        format!("{path}.alerts[{alert_index}]"),
                        "names no matcher, so it would take every alert".into(),
                    ),
                    Ok(_) => {}
                    Err(problem) => {
                        error(format!("{path}.alerts[{alert_index}]"), problem.to_string())
                    }
                }
            }
        }
    }

    fn unused_sections(&self) -> Vec<(&'static str, usize)> {
        [
            ("people", self.people.len()),
            ("schedules", self.schedules.len()),
            ("escalation_policies", self.escalation_policies.len()),
        ]
        .into_iter()
        .filter(|(_, entries)| *entries > 0)
        .collect()
    }

    pub fn team(&self, id: &str) -> Option<&TeamConfig> {
        self.teams.iter().find(|team| team.id == id)
    }

    pub fn service(&self, id: &str) -> Option<&ServiceConfig> {
        self.services.iter().find(|service| service.id == id)
    }

    /// The service an alert belongs to: its own `service` label, else the first
    /// `[[services]]` entry whose `alerts` matchers it satisfies, else its integration's
    /// default. `labels` are what silences match on too (`core::alert::matching_labels`).
    pub fn alert_service(
        &self,
        labelled: Option<&str>,
        labels: &BTreeMap<String, String>,
        integration: &str,
    ) -> Option<String> {
        if let Some(service) = labelled {
            return Some(service.to_owned());
        }
        let matched = self.services.iter().find(|service| {
            service.alerts.iter().any(|text| {
                crate::core::silence::parse_matchers(text)
                    .is_ok_and(|matchers| crate::core::silence::all_match(&matchers, labels))
            })
        });
        matched.map(|service| service.id.clone()).or_else(|| {
            self.integration(integration)
                .and_then(IntegrationConfig::default_service)
                .map(str::to_owned)
        })
    }

    /// The destination a service's owning team talks in.
    pub fn team_channel(&self, service: &str) -> Option<&str> {
        let team = self.service(service)?.team.as_deref()?;
        self.team(team)?.channel.as_deref()
    }

    pub fn integration(&self, name: &str) -> Option<&IntegrationConfig> {
        self.integrations.iter().find(|i| i.name() == name)
    }

    pub fn destination(&self, name: &str) -> Option<&DestinationConfig> {
        self.destinations.iter().find(|d| d.name() == name)
    }
}

fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn is_http_url(text: &str) -> bool {
    reqwest::Url::parse(text)
        .map(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
        .unwrap_or(false)
}

/// Replaces `${VAR}` in every string with the variable's value; `$${` stands for a literal `${`.
/// The config file's path and text: `path`, or `firewatch.toml` in the working directory when
/// no path is given and that file exists (`None`: the defaults apply). A path given explicitly
/// must exist.
fn read_file(path: Option<&Path>) -> Result<Option<(PathBuf, String)>, ConfigError> {
    let file = match path {
        Some(path) => Some(path.to_path_buf()),
        None => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|p| p.exists()),
    };
    let Some(file) = file else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&file).map_err(|error| ConfigError {
        file: Some(file.clone()),
        problems: vec![Problem {
            path: String::new(),
            message: format!("cannot read the file: {error}"),
        }],
    })?;
    Ok(Some((file, text)))
}

fn expand_env(
    value: &mut toml::Value,
    path: &mut String,
    env: &dyn Fn(&str) -> Option<String>,
    problems: &mut Vec<Problem>,
) {
    match value {
        toml::Value::String(text) => match expand_string(text, env) {
            Ok(expanded) => *text = expanded,
            Err(message) => problems.push(Problem {
                path: path.clone(),
                message,
            }),
        },
        toml::Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                let length = path.len();
                path.push_str(&format!("[{index}]"));
                expand_env(item, path, env, problems);
                path.truncate(length);
            }
        }
        toml::Value::Table(table) => {
            for (key, item) in table.iter_mut() {
                let length = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                expand_env(item, path, env, problems);
                path.truncate(length);
            }
        }
        _ => {}
    }
}

fn expand_string(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('$') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        if let Some(escaped) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = escaped;
        } else if let Some(reference) = after.strip_prefix("${") {
            let Some(end) = reference.find('}') else {
                return Err("\"${\" has no closing \"}\"".into());
            };
            let name = &reference[..end];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("\"${{{name}}}\" is not a valid variable name"));
            }
            match env(name) {
                Some(value) => out.push_str(&value),
                None => return Err(format!("environment variable {name} is not set")),
            }
            rest = &reference[end + 1..];
        } else {
            out.push('$');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "SECRET" => Some("s3cr\"et".into()),
            "HOOK" => Some("http://127.0.0.1:9/hook".into()),
            _ => None,
        }
    }

    fn problems(text: &str) -> Vec<String> {
        match Config::parse(text, &env) {
            Ok(_) => Vec::new(),
            Err(problems) => problems.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn empty_config_is_all_defaults() {
        let (config, warnings) = Config::parse("", &env).unwrap();
        assert_eq!(config.server.listen, DEFAULT_LISTEN);
        assert_eq!(config.server.database_url, DEFAULT_DATABASE_URL);
        assert!(warnings.is_empty());
    }

    #[test]
    fn expands_environment_variables() {
        let text = r#"
            [[integrations]]
            name = "ingest"
            kind = "generic"
            secret = "${SECRET}"
            token = "$${literal}"
            [[destinations]]
            name = "hook"
            kind = "webhook"
            url = "${HOOK}"
        "#;
        let (config, _) = Config::parse(text, &env).unwrap();
        let IntegrationConfig::Generic(generic) = &config.integrations[0] else {
            panic!("a generic integration")
        };
        assert_eq!(generic.secret, Some(Secrets::One("s3cr\"et".into())));
        assert_eq!(generic.token.as_deref(), Some("${literal}"));
    }

    #[test]
    fn missing_variable_names_the_key_and_variable() {
        let text = "[server]\ndatabase_url = \"${NOPE}\"\n";
        assert_eq!(
            problems(text),
            ["server.database_url: environment variable NOPE is not set"]
        );
    }

    #[test]
    fn reports_every_problem_with_its_key() {
        let text = r#"
            [[integrations]]
            name = "ingest"
            kind = "generic"
            token = "t"
            idempotency_key = "id"
            [[destinations]]
            name = "hook"
            kind = "webhook"
            url = "ftp://example"
            [[routes]]
            to = ["hook"]
            [[routes]]
            to = ["hook"]
            [[routes]]
            match = { integration = "nope" }
            to = ["hook", "eng-chat"]
        "#;
        assert_eq!(
            problems(text),
            [
                "integrations[0].idempotency_key: \"id\" must be a JSON pointer (\"/id\") or \"header:Name\"",
                "destinations[0].url: \"ftp://example\" is not an http(s) URL",
                "routes[2].to[1]: unknown destination \"eng-chat\"",
                "routes[2].match.integration: unknown integration \"nope\"",
            ]
        );
    }

    #[test]
    fn type_errors_name_the_key() {
        let text = "[[routes]]\nto = \"hook\"\n";
        let found = problems(text);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with("routes[0].to: invalid type"),
            "{found:?}"
        );

        let found = problems("[[integrations]]\nname = \"x\"\nkind = \"generic\"\ntokn = \"t\"\n");
        assert!(found[0].contains("unknown field `tokn`"), "{found:?}");

        let found = problems("[[integrations]]\nname = \"x\"\nkind = \"smoke-signal\"\n");
        assert!(found[0].starts_with("integrations[0]"), "{found:?}");
        assert!(found[0].contains("smoke-signal"), "{found:?}");
    }

    #[test]
    fn ticket_settings_are_checked() {
        let text = "[tickets]\nurl = \"https://jira.example.com/browse/\"\nprojects = [\"ccc\"]\n";
        assert_eq!(
            problems(text),
            [
                "tickets.url: \"https://jira.example.com/browse/\" must be an http(s) URL with {key} where the key goes",
                "tickets.projects[0]: \"ccc\" is not a project key (capital letters and digits, starting with a letter)",
            ]
        );
        assert!(
            problems("[tickets]\nurl = \"https://jira.example.com/browse/{key}\"\n").is_empty()
        );
    }

    #[test]
    fn later_sections_load_with_a_warning() {
        let text = "[[people]]\nid = \"andrew\"\n[[teams]]\nid = \"cloud\"\n";
        let (_, warnings) = Config::parse(text, &env).unwrap();
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].path, "people");
    }

    #[test]
    fn teams_services_and_grouping_are_checked() {
        let text = r#"
            [alerts]
            flapping_window = "often"
            [[destinations]]
            name = "chat"
            kind = "webhook"
            url = "http://127.0.0.1:9/"
            [[teams]]
            id = "cloud"
            channel = "nowhere"
            [[services]]
            id = "api"
            team = "platform"
            alerts = ['{job=~"("}', "{}"]
            [[routes]]
            to = ["chat"]
            group_by = ["alertname", "2bad"]
            group_interval = "soon"
            [[routes]]
            to = ["chat"]
            repeat_interval = "1h"
        "#;
        let problems = problems(text);
        let paths: Vec<&str> = problems
            .iter()
            .map(|p| p.split(':').next().unwrap())
            .collect();
        assert_eq!(
            paths,
            [
                "routes[0].group_by[1]",
                "routes[0].group_interval",
                "routes[1].repeat_interval",
                "teams[0].channel",
                "services[0].team",
                "services[0].alerts[0]",
                "services[0].alerts[1]",
                "alerts.flapping_window",
            ],
            "{problems:#?}"
        );
    }

    #[test]
    fn alerts_find_their_service_and_team_channel() {
        let text = r#"
            [[integrations]]
            name = "prometheus"
            kind = "alertmanager"
            service = "platform"
            [[destinations]]
            name = "cloud-chat"
            kind = "webhook"
            url = "http://127.0.0.1:9/"
            [[teams]]
            id = "cloud"
            channel = "cloud-chat"
            [[services]]
            id = "api"
            team = "cloud"
            alerts = ['{job="api"}', 'namespace=~"api-.*"']
        "#;
        let (config, _) = Config::parse(text, &env).unwrap();
        let labels = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let service = |labelled, pairs: &[(&str, &str)]| {
            config.alert_service(labelled, &labels(pairs), "prometheus")
        };
        assert_eq!(
            service(Some("db"), &[("job", "api")]).as_deref(),
            Some("db")
        );
        assert_eq!(service(None, &[("job", "api")]).as_deref(), Some("api"));
        assert_eq!(
            service(None, &[("namespace", "api-eu")]).as_deref(),
            Some("api")
        );
        assert_eq!(service(None, &[("job", "db")]).as_deref(), Some("platform"));
        assert_eq!(config.team_channel("api"), Some("cloud-chat"));
        assert_eq!(config.team_channel("platform"), None);
    }

    #[test]
    fn chat_destinations_check_their_urls_and_names() {
        let text = r#"
            [[destinations]]
            name = "mm"
            kind = "mattermost"
            url = "${HOOK}"
            channel = "town-square"
            icon_url = "icon.png"
            [[destinations]]
            name = "discord"
            kind = "discord"
            url = "discord.com/api/webhooks/1/x"
            username = "Discord Bot"
            [[destinations]]
            name = "teams"
            kind = "teams"
            url = "${HOOK}"
        "#;
        assert_eq!(
            problems(text),
            [
                "destinations[0].icon_url: \"icon.png\" is not an http(s) URL",
                "destinations[1].url: \"discord.com/api/webhooks/1/x\" is not an http(s) URL",
                "destinations[1].username: \"Discord Bot\" must be 1 to 80 characters, without \"discord\" or \"clyde\"",
            ]
        );
        let found = problems(
            "[[destinations]]\nname = \"t\"\nkind = \"teams\"\nurl = \"http://x\"\nchannel = \"c\"\n",
        );
        assert!(found[0].contains("unknown field `channel`"), "{found:?}");
    }

    #[test]
    fn email_destinations_check_addresses_tls_and_credentials() {
        let text = r#"
            [[destinations]]
            name = "mail"
            kind = "email"
            host = "smtp.example.com"
            tls = "none"
            password = "${SECRET}"
            from = "not an address"
            to = []
            [[destinations]]
            name = "relay"
            kind = "email"
            host = "localhost"
            tls = "none"
            from = "Firewatch <fw@example.com>"
            to = ["ops@example.com", "nope"]
        "#;
        assert_eq!(
            problems(text),
            [
                "destinations[0].tls: \"none\" is allowed only for a relay on this machine (localhost, 127.0.0.1 or ::1): over a network it would send every message, and the password, in clear text; use \"starttls\" or \"tls\" for \"smtp.example.com\"",
                "destinations[0].password: is set without a username: SMTP authentication needs both",
                "destinations[0].from: \"not an address\" is not an email address like ops@example.com or \"Ops <ops@example.com>\"",
                "destinations[0].to: names no address",
                "destinations[1].to[1]: \"nope\" is not an email address like ops@example.com or \"Ops <ops@example.com>\"",
            ]
        );
        let text = r#"
            [[destinations]]
            name = "mail"
            kind = "email"
            host = "smtp.example.com"
            username = "firewatch"
            password = "${SECRET}"
            from = "fw@example.com"
            to = ["ops@example.com"]
            subject_prefix = "firewatch"
        "#;
        let (config, _) = Config::parse(text, &env).unwrap();
        let DestinationConfig::Email(email) = &config.destinations[0] else {
            panic!("an email destination")
        };
        assert_eq!((email.tls, email.port()), (EmailTls::Starttls, 587));
        let found = problems(&text.replace("subject_prefix", "subject"));
        assert!(found[0].contains("unknown field `subject`"), "{found:?}");
    }
}

/// The live config, swapped whole on reload so a request sees one version throughout.
#[derive(Debug, Clone)]
pub struct ConfigHandle(std::sync::Arc<std::sync::RwLock<std::sync::Arc<Config>>>);

impl ConfigHandle {
    pub fn new(config: Config) -> Self {
        Self(std::sync::Arc::new(std::sync::RwLock::new(
            std::sync::Arc::new(config),
        )))
    }

    pub fn current(&self) -> std::sync::Arc<Config> {
        // A poisoned lock still holds a complete config: the swap is a single assignment.
        match self.0.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn replace(&self, config: Config) {
        let config = std::sync::Arc::new(config);
        match self.0.write() {
            Ok(mut guard) => *guard = config,
            Err(poisoned) => *poisoned.into_inner() = config,
        }
    }
}
