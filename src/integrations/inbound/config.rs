//! The config sections of the inbound kinds (`[[integrations]]`): one variant per kind.

use std::collections::HashSet;

use serde::Deserialize;

use crate::core::problem::{Problems, is_valid_name};

/// The body limit of senders that need no more (and of `/v2/enqueue`; PagerDuty itself takes
/// events of up to 512 KB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// GitHub and GitLab cap webhook payloads at 25 MB; a large push passes 1 MiB.
pub const FORGE_MAX_BODY_BYTES: usize = 25 * 1024 * 1024;

/// Alertmanager and Grafana send every alert of a group in one body (Alertmanager's
/// `max_alerts` is unlimited by default), so a storm's group of thousands passes 1 MiB.
pub const ALERT_GROUP_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

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
    Opsgenie(OpsgenieIntegration),
    Email(EmailIntegration),
    Jenkins(DeployIntegration),
    Argocd(DeployIntegration),
    Terraform(TerraformIntegration),
    Atlantis(AtlantisIntegration),
}

/// HCP Terraform or Terraform Enterprise run notifications (a workspace's notification
/// configuration of destination type "Webhook").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerraformIntegration {
    pub name: String,
    /// The notification configuration's token: each body is signed with it
    /// (`X-TFE-Notification-Signature`, HMAC-SHA512).
    pub token: Option<String>,
    /// The API the runs are confirmed through: `https://app.terraform.io`, or your Terraform
    /// Enterprise host.
    #[serde(default = "terraform_api")]
    pub api_url: String,
    /// A team or user API token allowed to apply and discard the workspaces' runs.
    pub api_token: Option<String>,
    /// A run that waits for confirmation becomes a change needing two-person approval; the
    /// approval applies it, a rejection (or expiry) discards it.
    #[serde(default)]
    pub approve_applies: bool,
    /// The service its applies change; default: the service whose `repos` hold
    /// `ORGANIZATION/WORKSPACE`.
    pub service: Option<String>,
    /// Default: the workspace's name.
    pub environment: Option<String>,
    pub rate_limit: Option<RateLimit>,
    pub max_body_bytes: Option<usize>,
}

fn terraform_api() -> String {
    "https://app.terraform.io".into()
}

/// Atlantis' HTTP webhooks (`webhooks: [{event: apply, kind: http, url: …}]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AtlantisIntegration {
    pub name: String,
    /// Sent by Atlantis as `Authorization: Bearer …` (`--webhook-http-headers`).
    pub token: Option<String>,
    /// Default: the service whose `repos` hold the repository.
    pub service: Option<String>,
    /// Default: the Terraform workspace's name.
    pub environment: Option<String>,
    pub rate_limit: Option<RateLimit>,
    pub max_body_bytes: Option<usize>,
}

/// Which of a CI or CD system's jobs are deployments, and of what (`[[integrations.deploys]]`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DeployRule {
    /// A glob over the job's full name (Jenkins: `folder/job`; GitLab: the pipeline job's name)
    /// or the ArgoCD application's name; `*` matches any run of characters.
    #[serde(rename = "match")]
    pub pattern: String,
    /// Default: the service whose `repos` hold the repository, else the repository's name.
    pub service: Option<String>,
    /// Default: the job's `ENVIRONMENT` (or `ENV`) parameter; the GitLab job's environment;
    /// the application's `environment` (or `env`) label, else its destination namespace.
    pub environment: Option<String>,
    /// `planned` (default), `hotfix`, `rollback` or `revert`; Jenkins also reads a
    /// `DEPLOY_KIND` parameter.
    pub kind: Option<String>,
}

impl DeployRule {
    /// The first rule whose pattern matches the name.
    pub fn find<'r>(rules: &'r [DeployRule], name: &str) -> Option<&'r DeployRule> {
        rules.iter().find(|rule| {
            glob::Pattern::new(&rule.pattern).is_ok_and(|pattern| pattern.matches(name))
        })
    }
}

/// A CI or CD tool that reports deployments: Jenkins (the Notification plugin) or ArgoCD (the
/// notifications engine's webhook service).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeployIntegration {
    pub name: String,
    /// Presented as `Authorization: Bearer …`, or as the password of HTTP basic auth (the
    /// Jenkins plugin sends the URL's `user:token@` that way).
    pub token: Option<String>,
    /// Jenkins: which jobs deploy (the others are builds). ArgoCD: how applications map to
    /// services and environments (every application's sync is a deployment).
    #[serde(default)]
    pub deploys: Vec<DeployRule>,
    pub rate_limit: Option<RateLimit>,
    /// The largest body taken, in bytes; default: the kind's (see `max_body_bytes`).
    pub max_body_bytes: Option<usize>,
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
    /// `alertmanager` only: Prometheus's always-firing alert read as a heartbeat.
    pub watchdog: Option<WatchdogConfig>,
}

/// The watchdog of an `alertmanager` integration: Prometheus's always-firing alert
/// (`alertname`), which must keep arriving, at most `grace` apart.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchdogConfig {
    #[serde(default = "watchdog_alertname")]
    pub alertname: String,
    #[serde(default = "watchdog_grace")]
    pub grace: String,
}

fn watchdog_alertname() -> String {
    "Watchdog".into()
}

impl WatchdogConfig {
    /// The heartbeat it is: a ping at each arrival, due again within `grace`.
    pub fn schedule(&self) -> Result<crate::core::heartbeat::Schedule, String> {
        let grace =
            crate::core::silence::parse_duration(&self.grace).map_err(|error| error.to_string())?;
        if !grace.is_positive() {
            return Err("grace must be more than 0".into());
        }
        Ok(crate::core::heartbeat::Schedule {
            expect: crate::core::heartbeat::Expect::Every(grace),
            grace: jiff::SignedDuration::ZERO,
        })
    }
}

fn watchdog_grace() -> String {
    "5m".into()
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

/// Alerts by email: the address `NAME@` `[email_intake] domain`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailIntegration {
    pub name: String,
    /// Globs (`*@example.com`) the envelope sender or the From address must match; empty:
    /// anyone.
    #[serde(default)]
    pub allow_from: Vec<String>,
    pub service: Option<String>,
    #[serde(default = "default_alert_severity")]
    pub default_severity: crate::core::alert::Severity,
    /// A subject this regex matches resolves the alert (`(?i)^\[?(resolved|ok)\b`).
    pub resolve_pattern: Option<String>,
    pub rate_limit: Option<RateLimit>,
}

impl EmailIntegration {
    /// Whether a sender may mail this integration: the envelope sender or the From address
    /// matches a glob of `allow_from` (compared without case), or the list is empty.
    pub fn allows(&self, senders: &[&str]) -> bool {
        self.allow_from.is_empty()
            || self.allow_from.iter().any(|pattern| {
                glob::Pattern::new(&pattern.to_ascii_lowercase()).is_ok_and(|glob| {
                    senders
                        .iter()
                        .any(|sender| glob.matches(&sender.trim().to_ascii_lowercase()))
                })
            })
    }
}

/// Opsgenie's Alert API, at `/v2/alerts` (and `/hooks/{name}` for a create).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpsgenieIntegration {
    pub name: String,
    /// The API key senders present as `Authorization: GenieKey …`. It is the credential and
    /// names the integration, so treat it as a secret (`${VAR}`).
    pub token: String,
    /// The service an alert belongs to when its details name none (`service`).
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
    /// Pipeline jobs that deploy without a GitLab `environment:` (jobs with one already send
    /// deployment events).
    #[serde(default)]
    pub deploys: Vec<DeployRule>,
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
            IntegrationConfig::Opsgenie(opsgenie) => &opsgenie.name,
            IntegrationConfig::Email(email) => &email.name,
            IntegrationConfig::Jenkins(deploys) | IntegrationConfig::Argocd(deploys) => {
                &deploys.name
            }
            IntegrationConfig::Terraform(terraform) => &terraform.name,
            IntegrationConfig::Atlantis(atlantis) => &atlantis.name,
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
            IntegrationConfig::Opsgenie(_) => "opsgenie",
            IntegrationConfig::Email(_) => "email",
            IntegrationConfig::Jenkins(_) => "jenkins",
            IntegrationConfig::Argocd(_) => "argocd",
            IntegrationConfig::Terraform(_) => "terraform",
            IntegrationConfig::Atlantis(_) => "atlantis",
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
            IntegrationConfig::Opsgenie(opsgenie) => opsgenie.rate_limit,
            IntegrationConfig::Email(email) => email.rate_limit,
            IntegrationConfig::Jenkins(deploys) | IntegrationConfig::Argocd(deploys) => {
                deploys.rate_limit
            }
            IntegrationConfig::Terraform(terraform) => terraform.rate_limit,
            IntegrationConfig::Atlantis(atlantis) => atlantis.rate_limit,
        }
    }

    /// The largest body this integration takes: its own `max_body_bytes`, else the server's
    /// (`[server] max_body_bytes`), else what its sender needs.
    pub fn max_body_bytes(&self, server: Option<usize>) -> usize {
        let own = match self {
            IntegrationConfig::Generic(generic) => generic.max_body_bytes,
            IntegrationConfig::Github(github) => github.max_body_bytes,
            IntegrationConfig::Gitlab(gitlab) => gitlab.max_body_bytes,
            IntegrationConfig::Alertmanager(alerts)
            | IntegrationConfig::Grafana(alerts)
            | IntegrationConfig::Datadog(alerts) => alerts.max_body_bytes,
            IntegrationConfig::Pagerduty(pagerduty) => pagerduty.max_body_bytes,
            IntegrationConfig::Opsgenie(opsgenie) => opsgenie.max_body_bytes,
            // Mail's size limit is the listener's (`[email_intake] max_message_bytes`).
            IntegrationConfig::Email(_) => None,
            IntegrationConfig::Jenkins(deploys) | IntegrationConfig::Argocd(deploys) => {
                deploys.max_body_bytes
            }
            IntegrationConfig::Terraform(terraform) => terraform.max_body_bytes,
            IntegrationConfig::Atlantis(atlantis) => atlantis.max_body_bytes,
        };
        let default = match self {
            IntegrationConfig::Github(_) | IntegrationConfig::Gitlab(_) => FORGE_MAX_BODY_BYTES,
            // ArgoCD's template sends the whole Application, resources and history included.
            IntegrationConfig::Alertmanager(_)
            | IntegrationConfig::Grafana(_)
            | IntegrationConfig::Argocd(_) => ALERT_GROUP_MAX_BODY_BYTES,
            IntegrationConfig::Jenkins(_)
            | IntegrationConfig::Terraform(_)
            | IntegrationConfig::Atlantis(_)
            | IntegrationConfig::Generic(_)
            | IntegrationConfig::Datadog(_)
            | IntegrationConfig::Pagerduty(_)
            | IntegrationConfig::Opsgenie(_)
            | IntegrationConfig::Email(_) => DEFAULT_MAX_BODY_BYTES,
        };
        own.or(server).unwrap_or(default)
    }

    pub const KINDS: &'static [&'static str] = &[
        "generic",
        "github",
        "gitlab",
        "alertmanager",
        "grafana",
        "datadog",
        "pagerduty",
        "opsgenie",
        "email",
        "jenkins",
        "argocd",
        "terraform",
        "atlantis",
    ];

    /// The service an integration's alerts belong to when they name none.
    pub fn default_service(&self) -> Option<&str> {
        match self {
            IntegrationConfig::Alertmanager(alerts)
            | IntegrationConfig::Grafana(alerts)
            | IntegrationConfig::Datadog(alerts) => alerts.service.as_deref(),
            IntegrationConfig::Pagerduty(pagerduty) => pagerduty.service.as_deref(),
            IntegrationConfig::Opsgenie(opsgenie) => opsgenie.service.as_deref(),
            IntegrationConfig::Email(email) => email.service.as_deref(),
            IntegrationConfig::Generic(generic) => generic.service.as_deref(),
            IntegrationConfig::Github(_)
            | IntegrationConfig::Gitlab(_)
            | IntegrationConfig::Jenkins(_)
            | IntegrationConfig::Argocd(_)
            | IntegrationConfig::Terraform(_)
            | IntegrationConfig::Atlantis(_) => None,
        }
    }
}

/// The server's limits an integration's body must fit: `[server] max_body_bytes`, and the most
/// one body may take of `[server] body_bytes_in_flight`.
pub struct ServerBodies {
    pub max_body_bytes: Option<usize>,
    pub one_body: usize,
}

/// Checks every integration; returns their names, for the routes that name them.
pub fn validate<'c>(
    integrations: &'c [IntegrationConfig],
    server: &ServerBodies,
    problems: &mut Problems,
) -> HashSet<&'c str> {
    let mut integration_names = HashSet::new();
    for (index, integration) in integrations.iter().enumerate() {
        let path = format!("integrations[{index}]");
        let name = integration.name();
        if !is_valid_name(name) {
            problems.error(
                format!("{path}.name"),
                format!("\"{name}\" may hold only letters, digits, '-', '_' and '.'"),
            );
        }
        if !integration_names.insert(name) {
            problems.error(
                format!("{path}.name"),
                format!("integration \"{name}\" is defined twice"),
            );
        }
        if name == crate::core::check::CHECK_INTEGRATION {
            problems.error(
                format!("{path}.name"),
                format!("\"{name}\" is reserved for the alerts of [[checks]]"),
            );
        }
        if name == crate::core::heartbeat::HEARTBEAT_INTEGRATION {
            problems.error(
                format!("{path}.name"),
                format!("\"{name}\" is reserved for the alerts of [[heartbeats]]"),
            );
        }
        let limit = integration.max_body_bytes(server.max_body_bytes);
        let takes = server.one_body;
        if limit > takes {
            problems.error(
                format!("{path}.max_body_bytes"),
                format!(
                    "{limit} bytes is more than server.body_bytes_in_flight allows one body ({takes}): raise that or lower this"
                ),
            );
        }
        if limit == 0 {
            problems.error(
                format!("{path}.max_body_bytes"),
                "must be more than 0".into(),
            );
        }
        if let Some(rate_limit) = integration.rate_limit() {
            if rate_limit.per_second.is_nan()
                || rate_limit.per_second <= 0.0
                || rate_limit.burst.is_some_and(|b| b.is_nan() || b < 1.0)
            {
                problems.error(
                    format!("{path}.rate_limit"),
                    "per_second must be more than 0 and burst at least 1".into(),
                );
            }
        }
        if let IntegrationConfig::Alertmanager(alerts)
        | IntegrationConfig::Grafana(alerts)
        | IntegrationConfig::Datadog(alerts) = integration
        {
            if let Some(watchdog) = &alerts.watchdog {
                if !matches!(integration, IntegrationConfig::Alertmanager(_)) {
                    problems.error(
                        format!("{path}.watchdog"),
                        "only an alertmanager integration has a watchdog".into(),
                    );
                } else if let Err(problem) = watchdog.schedule() {
                    problems.error(format!("{path}.watchdog"), problem);
                }
            }
        }
        match integration {
            IntegrationConfig::Generic(generic) => {
                if let Some(key) = &generic.idempotency_key {
                    if !(key.starts_with('/') || key.starts_with("header:")) {
                        problems.error(
                            format!("{path}.idempotency_key"),
                            format!(
                                "\"{key}\" must be a JSON pointer (\"/id\") or \"header:Name\""
                            ),
                        );
                    }
                }
                if let Some(pointer) = &generic.kind_field {
                    if !pointer.starts_with('/') {
                        problems.error(
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
                            problems.error(
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
                        problems.error(format!("{path}.secret"), "the list is empty".into());
                    }
                }
                if generic.token.is_none() && generic.secret.is_none() {
                    problems.warn(path.clone(), format!(
                            "integration \"{name}\" has neither token nor secret: anyone who can reach Firewatch can post to it"
                        ));
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
                    problems.warn(path.clone(), format!(
                            "integration \"{name}\" has no token: anyone who can reach Firewatch can post alerts to it (set one, and {how})"
                        ));
                }
            }
            IntegrationConfig::Pagerduty(pagerduty) => {
                let length = pagerduty.routing_key.chars().count();
                if length != crate::integrations::inbound::pagerduty::ROUTING_KEY_LENGTH {
                    problems.error(
                        format!("{path}.routing_key"),
                        format!(
                            "is {length} characters long; PagerDuty senders require exactly 32 (for example `openssl rand -hex 16`)"
                        ),
                    );
                } else if integrations.iter().any(|other| {
                    other.name() != name
                        && matches!(other, IntegrationConfig::Pagerduty(o) if o.routing_key == pagerduty.routing_key)
                }) {
                    problems.error(
                        format!("{path}.routing_key"),
                        "another pagerduty integration has the same routing_key; each needs its own".into(),
                    );
                }
            }
            IntegrationConfig::Email(email) => {
                if let Some(pattern) = &email.resolve_pattern {
                    if let Err(error) = regex::RegexBuilder::new(pattern).size_limit(1 << 20).build() {
                        problems.error(
                            format!("{path}.resolve_pattern"),
                            format!("is not a regular expression: {error}"),
                        );
                    }
                }
                for (index, pattern) in email.allow_from.iter().enumerate() {
                    if let Err(error) = glob::Pattern::new(pattern) {
                        problems.error(
                            format!("{path}.allow_from[{index}]"),
                            format!("\"{pattern}\" is not a glob: {error}"),
                        );
                    }
                }
                if email.allow_from.is_empty() {
                    problems.warn(path.clone(), format!(
                        "integration \"{name}\" has no allow_from: anyone who can reach the mail listener can raise its alerts"
                    ));
                }
            }
            IntegrationConfig::Opsgenie(opsgenie) => {
                if opsgenie.token.trim().len() < 16 {
                    problems.error(
                        format!("{path}.token"),
                        "is shorter than 16 characters; it is the only credential (for example `uuidgen`, as Opsgenie's keys are)".into(),
                    );
                } else if integrations.iter().any(|other| {
                    other.name() != name
                        && matches!(other, IntegrationConfig::Opsgenie(o) if o.token == opsgenie.token)
                }) {
                    problems.error(
                        format!("{path}.token"),
                        "another opsgenie integration has the same token; each needs its own".into(),
                    );
                }
            }
            IntegrationConfig::Github(github) => match &github.secret {
                None => problems.warn(path.clone(), format!(
                        "integration \"{name}\" has no secret: set the same one in GitHub's webhook settings so deliveries can be verified"
                    )),
                Some(Secrets::Many(secrets)) if secrets.is_empty() => {
                    problems.error(format!("{path}.secret"), "the list is empty".into());
                }
                Some(_) => {}
            },
            IntegrationConfig::Terraform(terraform) => {
                if terraform.token.is_none() {
                    problems.warn(path.clone(), format!(
                        "integration \"{name}\" has no token: set the notification configuration's token here so its signatures are checked"
                    ));
                }
                if !crate::core::problem::is_http_url(&terraform.api_url) {
                    problems.error(
                        format!("{path}.api_url"),
                        format!("\"{}\" is not an http(s) URL", terraform.api_url),
                    );
                }
                if terraform.approve_applies && terraform.api_token.is_none() {
                    problems.error(
                        format!("{path}.api_token"),
                        "approve_applies needs an API token that may apply and discard the workspaces' runs".into(),
                    );
                }
            }
            IntegrationConfig::Atlantis(atlantis) => {
                if atlantis.token.is_none() {
                    problems.warn(path.clone(), format!(
                        "integration \"{name}\" has no token: anyone who can reach Firewatch can post to it (set one, and --webhook-http-headers='{{\"Authorization\":[\"Bearer …\"]}}' on Atlantis)"
                    ));
                }
            }
            IntegrationConfig::Gitlab(gitlab) => {
                if gitlab.token.is_none() {
                    problems.warn(path.clone(), format!(
                            "integration \"{name}\" has no token: set a secret token on the GitLab webhook and here"
                        ));
                }
                check_deploy_rules(&path, &gitlab.deploys, problems);
                for (index, rule) in gitlab.deploys.iter().enumerate() {
                    if rule.environment.is_none() {
                        problems.error(
                            format!("{path}.deploys[{index}].environment"),
                            "is required: the jobs these rules match have no GitLab environment (jobs with one send GitLab's deployment events)".into(),
                        );
                    }
                }
            }
            IntegrationConfig::Jenkins(deploys) | IntegrationConfig::Argocd(deploys) => {
                if deploys.token.is_none() {
                    let how = match integration {
                        IntegrationConfig::Jenkins(_) => {
                            "put it in the Notification plugin's URL as https://jenkins:TOKEN@…"
                        }
                        _ => "send it in the webhook service's Authorization header",
                    };
                    problems.warn(path.clone(), format!(
                            "integration \"{name}\" has no token: anyone who can reach Firewatch can record deployments through it (set one, and {how})"
                        ));
                }
                check_deploy_rules(&path, &deploys.deploys, problems);
            }
        }
    }
    integration_names
}

fn check_deploy_rules(path: &str, rules: &[DeployRule], problems: &mut Problems) {
    for (index, rule) in rules.iter().enumerate() {
        let at = format!("{path}.deploys[{index}]");
        if rule.pattern.trim().is_empty() || glob::Pattern::new(&rule.pattern).is_err() {
            problems.error(
                format!("{at}.match"),
                format!("\"{}\" is not a glob such as \"deploy-*\"", rule.pattern),
            );
        }
        for (key, value) in [
            ("service", &rule.service),
            ("environment", &rule.environment),
        ] {
            if let Some(value) = value.as_ref().filter(|value| !is_valid_name(value)) {
                problems.error(
                    format!("{at}.{key}"),
                    format!("\"{value}\" may hold only letters, digits, '-', '_' and '.'"),
                );
            }
        }
        if let Some(kind) = rule
            .kind
            .as_ref()
            .filter(|kind| crate::core::dora::DeployKind::parse(kind).is_none())
        {
            problems.error(
                format!("{at}.kind"),
                format!("\"{kind}\" is not planned, hotfix, rollback or revert"),
            );
        }
    }
}
