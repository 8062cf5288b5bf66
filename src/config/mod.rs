//! The configuration file (PRODUCT.md §3): TOML, `${VAR}` read from the environment, every
//! section optional. Loading reports every problem it finds with the key that is wrong.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::core::routing::Route;

pub mod alerts;
pub mod auth;
pub mod changes;
pub mod checks;
pub mod ci;
pub mod email;
pub mod forge;
pub mod heartbeats;
pub mod incidents;
mod load;
pub mod metrics;
pub mod oncall;
pub mod org;
pub mod postmortems;
#[cfg(test)]
mod reference;
pub mod retention;
pub mod server;
pub mod statuspage;

use crate::config::alerts::AlertsConfig;
use crate::config::forge::DigestConfig;
use crate::config::oncall::{EscalationPolicyConfig, PagingConfig, PersonConfig, ScheduleConfig};
pub use crate::core::problem::Problem;
use crate::core::problem::Problems;
use crate::integrations::inbound::config::IntegrationConfig;
use crate::integrations::outbound::config::{DestinationConfig, TemplateConfig, TicketsConfig};
use load::{expand_env, expand_string, read_file};
pub use org::{ServiceConfig, TeamConfig};
pub use server::{DEFAULT_DATABASE_URL, DEFAULT_LISTEN, DeliveryConfig, LogFormat, ServerConfig};

pub const DEFAULT_CONFIG_FILE: &str = "firewatch.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub server: ServerConfig,
    /// `[auth.oidc]`: single sign-on.
    #[serde(default)]
    pub auth: crate::config::auth::AuthConfig,
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
    /// Alertmanager's inhibition: a firing source alert keeps matching targets quiet.
    #[serde(default)]
    pub inhibit_rules: Vec<crate::core::inhibit::InhibitRule>,
    /// Named times that routes mute or are active in (`mute_time_intervals`,
    /// `active_time_intervals`), as Alertmanager's `time_intervals`.
    #[serde(default)]
    pub time_intervals: Vec<crate::core::time_interval::NamedTimeInterval>,
    pub tickets: Option<TicketsConfig>,
    #[serde(default)]
    pub templates: Vec<TemplateConfig>,
    #[serde(default)]
    pub people: Vec<PersonConfig>,
    #[serde(default)]
    pub schedules: Vec<ScheduleConfig>,
    #[serde(default)]
    pub escalation_policies: Vec<EscalationPolicyConfig>,
    #[serde(default)]
    pub paging: PagingConfig,
    #[serde(default)]
    pub incidents: crate::config::incidents::IncidentsConfig,
    #[serde(default)]
    pub postmortems: crate::config::postmortems::PostmortemsConfig,
    #[serde(default)]
    pub changes: crate::config::changes::ChangesConfig,
    #[serde(default)]
    pub metrics: crate::config::metrics::MetricsConfig,
    #[serde(default)]
    pub status_page: crate::config::statuspage::StatusPageConfig,
    #[serde(default)]
    pub teams: Vec<TeamConfig>,
    #[serde(default)]
    pub services: Vec<ServiceConfig>,
    #[serde(default)]
    pub digests: Vec<DigestConfig>,
    #[serde(default)]
    pub checks: Vec<crate::config::checks::CheckConfig>,
    #[serde(default)]
    pub heartbeats: Vec<crate::config::heartbeats::HeartbeatConfig>,
    pub email_intake: Option<crate::config::email::EmailIntakeConfig>,
    #[serde(default)]
    pub chat_apps: Vec<crate::integrations::outbound::config::ChatAppConfig>,
    #[serde(default)]
    pub forges: Vec<crate::config::ci::ForgeApiConfig>,
    #[serde(default)]
    pub pr_commands: Vec<crate::config::ci::PrCommandsConfig>,
    #[serde(default)]
    pub ci_targets: Vec<crate::config::ci::CiTargetConfig>,
    pub jira: Option<crate::config::ci::JiraConfig>,
    /// How long events, their payloads and finished jobs are kept.
    #[serde(default)]
    pub retention: crate::config::retention::RetentionConfig,
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

    /// Every semantic problem (errors) and every suspicious setting (warnings). Each section
    /// checks itself; what one section names of another (a route's or digest's destinations,
    /// integrations and template, a team's channel) is checked here, in one place.
    /// `[retention]` as the store's housekeeping applies it.
    pub fn retention(&self) -> crate::core::retention::Retention {
        self.retention
            .retention(self.incidents.what_changed_window())
    }

    pub fn validate(&self) -> (Vec<Problem>, Vec<Problem>) {
        let mut problems = Problems::default();
        // In the order of the file's usual layout, so `check-config` lists them that way.
        self.server.validate(&mut problems);
        self.delivery.validate(&mut problems);
        self.retention.validate(&mut problems);
        let integration_names = crate::integrations::inbound::config::validate(
            &self.integrations,
            &crate::integrations::inbound::config::ServerBodies {
                max_body_bytes: self.server.max_body_bytes,
                one_body: self.server.body_bytes_in_flight + server::FREE_BODY_BYTES,
            },
            &mut problems,
        );
        let chat_apps = crate::integrations::outbound::config::validate_chat_apps(
            &self.chat_apps,
            &mut problems,
        );
        let destination_names = crate::integrations::outbound::config::validate_destinations(
            &self.destinations,
            &chat_apps,
            &mut problems,
        );
        self.validate_routes(&integration_names, &destination_names, &mut problems);
        let team_ids = org::validate_teams(&self.teams, &mut problems);
        for (index, team) in self.teams.iter().enumerate() {
            if let Some(channel) = &team.channel {
                if let Some(problem) = self.event_destination_problem(channel, &destination_names) {
                    problems.error(format!("teams[{index}].channel"), problem);
                }
            }
        }
        org::validate_services(&self.services, &team_ids, &mut problems);
        crate::config::oncall::validate(
            &self.people,
            &self.schedules,
            &self.escalation_policies,
            &crate::config::oncall::Names {
                teams: &self.teams,
                destinations: &self.destinations,
                services: &self.services,
                chat_apps: &self.chat_apps,
            },
            &mut problems,
        );
        self.paging.validate(&mut problems);
        self.incidents.validate(&mut problems);
        self.postmortems.validate(&mut problems);
        self.changes.validate(&mut problems);
        self.metrics.validate(&mut problems);
        self.status_page
            .validate(&self.services, &self.destinations, &mut problems);
        for (index, destination) in self.changes.channels.iter().enumerate() {
            if let Some(problem) = self.event_destination_problem(destination, &destination_names) {
                problems.error(format!("changes.channels[{index}]"), problem);
            }
        }
        for (key, list) in [
            ("channels", &self.incidents.channels),
            ("heads_up", &self.incidents.heads_up),
        ] {
            for (index, destination) in list.iter().enumerate() {
                if let Some(problem) =
                    self.event_destination_problem(destination, &destination_names)
                {
                    problems.error(format!("incidents.{key}[{index}]"), problem);
                }
            }
        }
        for problem in crate::config::checks::validate(&self.checks) {
            problems.error(problem.path, problem.message);
        }
        crate::config::heartbeats::validate(&self.heartbeats, &self.services, &mut problems);
        crate::config::auth::validate(&self.auth, &mut problems);
        crate::config::email::validate(
            self.email_intake.as_ref(),
            &self.integrations,
            &mut problems,
        );
        self.alerts.validate(&mut problems);
        let template_names = crate::integrations::outbound::config::validate_templates(
            &self.templates,
            &mut problems,
        );
        for (index, route) in self.routes.iter().enumerate() {
            if let Some(name) = &route.template {
                if !template_names.contains(name.as_str()) {
                    problems.error(
                        format!("routes[{index}].template"),
                        format!("unknown template \"{name}\""),
                    );
                }
            }
        }
        crate::config::forge::validate(&self.digests, &mut problems);
        crate::config::ci::validate(
            &self.forges,
            &self.pr_commands,
            &self.ci_targets,
            &mut problems,
        );
        if let Some(jira) = &self.jira {
            jira.validate(&mut problems);
        }
        for (index, digest) in self.digests.iter().enumerate() {
            for (to_index, destination) in digest.to.iter().enumerate() {
                if let Some(problem) =
                    self.event_destination_problem(destination, &destination_names)
                {
                    problems.error(format!("digests[{index}].to[{to_index}]"), problem);
                }
            }
            if let Some(team) = &digest.team {
                if !self.teams.iter().any(|known| &known.id == team) {
                    problems.error(
                        format!("digests[{index}].team"),
                        format!("there is no team \"{team}\""),
                    );
                }
            }
        }
        if let Some(tickets) = &self.tickets {
            tickets.validate(&mut problems);
        }
        (problems.errors, problems.warnings)
    }

    /// What is wrong with a destination that events are sent to (a route's, a digest's, a team's
    /// channel): none has that name, or it carries pages only (twilio), which need a person's
    /// phone number that an event does not have.
    fn event_destination_problem(
        &self,
        name: &str,
        destination_names: &HashSet<&str>,
    ) -> Option<String> {
        if !destination_names.contains(name) {
            return Some(format!("unknown destination \"{name}\""));
        }
        match self.destination(name) {
            Some(destination) if !destination.takes_events() => Some(format!(
                "\"{name}\" is a {} destination, which carries pages only: name it in a \
                 person's contacts instead",
                destination.kind_name()
            )),
            _ => None,
        }
    }

    /// Routes name destinations, integrations, sources and templates.
    fn validate_routes(
        &self,
        integration_names: &HashSet<&str>,
        destination_names: &HashSet<&str>,
        problems: &mut Problems,
    ) {
        if let Err(problem) = crate::core::time_interval::check_names(&self.time_intervals) {
            problems.error("time_intervals".into(), problem);
        }
        for (index, route) in self.routes.iter().enumerate() {
            let path = format!("routes[{index}]");
            for (field, names) in [
                ("mute_time_intervals", &route.mute_time_intervals),
                ("active_time_intervals", &route.active_time_intervals),
            ] {
                for name in names {
                    if !self.time_intervals.iter().any(|known| &known.name == name) {
                        problems.error(
                            format!("{path}.{field}"),
                            format!("no [[time_intervals]] is named \"{name}\""),
                        );
                    }
                }
            }
            // An empty `to` is allowed: the route takes what it matches and tells no one
            // (Alertmanager's receiver without configs, kept to stop the walk there).
            for (to_index, destination) in route.to.iter().enumerate() {
                if let Some(problem) =
                    self.event_destination_problem(destination, destination_names)
                {
                    problems.error(format!("{path}.to[{to_index}]"), problem);
                }
            }
            for integration in route.matcher.integration.iter().flat_map(|v| &v.0) {
                if !integration_names.contains(integration.as_str()) {
                    problems.error(
                        format!("{path}.match.integration"),
                        format!("unknown integration \"{integration}\""),
                    );
                }
            }
            for source in route.matcher.source.iter().flat_map(|v| &v.0) {
                if !IntegrationConfig::KINDS.contains(&source.as_str()) {
                    problems.error(
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
                        problems.error(
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
                    problems.error(
                        format!("{path}.{field}"),
                        "has no effect without group_by".into(),
                    );
                } else if !(field == "group_wait" && matches!(text.trim(), "0" | "0s")) {
                    if let Err(problem) = crate::core::silence::parse_duration(text) {
                        problems.error(format!("{path}.{field}"), problem.to_string());
                    }
                }
            }
            for (field, pattern) in route.matcher.globs() {
                if let Err(problem) = glob::Pattern::new(pattern) {
                    problems.error(
                        format!("{path}.match.{field}"),
                        format!("\"{pattern}\" is not a valid glob: {}", problem.msg),
                    );
                }
            }
        }
    }

    pub fn person(&self, id: &str) -> Option<&PersonConfig> {
        self.people.iter().find(|person| person.id == id)
    }

    /// The person whose `user` is this web UI user.
    pub fn person_for_user(&self, user: &str) -> Option<&PersonConfig> {
        self.people
            .iter()
            .find(|person| person.user.as_deref() == Some(user))
    }

    /// The person a web UI user is: `linked`, the one their single sign-on matched by email,
    /// else the one whose `user` names them.
    pub fn person_of(&self, user: &str, linked: Option<&str>) -> Option<&PersonConfig> {
        linked
            .and_then(|id| self.person(id))
            .or_else(|| self.person_for_user(user))
    }

    pub fn schedule(&self, id: &str) -> Option<&ScheduleConfig> {
        self.schedules.iter().find(|schedule| schedule.id == id)
    }

    pub fn escalation_policy(&self, id: &str) -> Option<&EscalationPolicyConfig> {
        self.escalation_policies
            .iter()
            .find(|policy| policy.id == id)
    }

    pub fn team(&self, id: &str) -> Option<&TeamConfig> {
        self.teams.iter().find(|team| team.id == id)
    }

    pub fn service(&self, id: &str) -> Option<&ServiceConfig> {
        self.services.iter().find(|service| service.id == id)
    }

    /// The environments DORA counts for a service: its own `production_environments`, else
    /// `[metrics]`'s.
    pub fn production_environments(&self, service: &str) -> &[String] {
        match self.service(service) {
            Some(service) => service.production_environments(&self.metrics),
            None => &self.metrics.production_environments,
        }
    }

    /// The first service whose `repos` hold the repository.
    /// The `[[pr_commands]]` entry for a repository: the first whose globs match it.
    pub fn pr_commands_for(
        &self,
        repository: &str,
    ) -> Option<&crate::config::ci::PrCommandsConfig> {
        self.pr_commands
            .iter()
            .find(|entry| crate::config::ci::repo_matches(&entry.repos, repository))
    }

    /// The forge API that answers for a repository of `source` (`github`, `gitlab`).
    pub fn forge_api(
        &self,
        source: &str,
        repository: &str,
    ) -> Option<&crate::config::ci::ForgeApiConfig> {
        self.forges.iter().find(|forge| {
            forge.kind.source() == source
                && crate::config::ci::repo_matches(&forge.repos, repository)
        })
    }

    pub fn ci_target(&self, name: &str) -> Option<&crate::config::ci::CiTargetConfig> {
        self.ci_targets.iter().find(|target| target.name == name)
    }

    pub fn repository_service(&self, repository: &str) -> Option<&ServiceConfig> {
        self.services
            .iter()
            .find(|service| service.repos.iter().any(|repo| repo == repository))
    }

    /// The service an alert belongs to: its own `service` label, else the first
    /// `[[services]]` entry whose `alerts` matchers it satisfies, else its integration's
    /// default. `labels` are what silences match on too (`core::alert::matching_labels`).
    /// Gives each signal that names no service the one the config maps it to, as an alert of
    /// `integration` (its `[[services]]` `alerts` matchers, else the integration's default).
    pub fn assign_alert_services(
        &self,
        signals: &mut [crate::core::alert::AlertSignal],
        integration: &str,
    ) {
        for signal in signals.iter_mut().filter(|s| s.service.is_none()) {
            let labels = crate::core::alert::matching_labels(
                &signal.labels,
                &signal.rule,
                signal.severity,
                None,
                integration,
            );
            signal.service = self.alert_service(None, &labels, integration);
        }
    }

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

    /// Where a notification goes: a destination by name, or the channel a chat app gave an
    /// incident (`APP#CHANNEL`, which no configured name can be).
    pub fn delivery_destination(
        &self,
        name: &str,
    ) -> Option<std::borrow::Cow<'_, DestinationConfig>> {
        use crate::integrations::outbound::config::{
            ChatAppConfig, MattermostDestination, SlackDestination,
        };
        if let Some(destination) = self.destination(name) {
            return Some(std::borrow::Cow::Borrowed(destination));
        }
        let (app, channel) = name.split_once('#')?;
        let destination = match self.chat_app(app)? {
            ChatAppConfig::Slack(_) => DestinationConfig::Slack(SlackDestination {
                name: name.to_owned(),
                locale: None,
                url: None,
                app: Some(app.to_owned()),
                channel: Some(channel.to_owned()),
                username: None,
                icon_emoji: None,
            }),
            ChatAppConfig::Mattermost(_) => DestinationConfig::Mattermost(MattermostDestination {
                name: name.to_owned(),
                locale: None,
                url: None,
                app: Some(app.to_owned()),
                channel: Some(channel.to_owned()),
                username: None,
                icon_url: None,
            }),
        };
        Some(std::borrow::Cow::Owned(destination))
    }

    pub fn chat_app(
        &self,
        name: &str,
    ) -> Option<&crate::integrations::outbound::config::ChatAppConfig> {
        self.chat_apps.iter().find(|app| app.name() == name)
    }

    /// The person a chat app's user is (`[[people]] chat`).
    pub fn person_for_chat(&self, app: &str, user: &str) -> Option<&PersonConfig> {
        self.people.iter().find(|person| {
            person
                .chat
                .iter()
                .any(|link| link.app == app && link.user == user)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrations::inbound::config::Secrets;
    use crate::integrations::outbound::config::EmailTls;

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
    fn a_chat_destination_posts_through_a_webhook_or_an_app_of_its_kind_to_a_channel() {
        let apps = r#"
            [[chat_apps]]
            name = "slack"
            kind = "slack"
            bot_token = "xoxb-1"
            signing_secret = "s"
            [[chat_apps]]
            name = "mm"
            kind = "mattermost"
            url = "http://127.0.0.1:9"
            bot_token = "t"
        "#;
        let good = format!(
            "{apps}
            [[destinations]]
            name = \"a\"
            kind = \"slack\"
            app = \"slack\"
            channel = \"C0123456789\"
            [[destinations]]
            name = \"b\"
            kind = \"mattermost\"
            app = \"mm\"
            channel = \"4xp9fdt7pbgium38k9fwmiup3w\"
            [[destinations]]
            name = \"c\"
            kind = \"slack\"
            url = \"http://127.0.0.1:9/hook\""
        );
        let (config, _) = Config::parse(&good, &env).unwrap();
        let slack = config.chat_app("slack").unwrap();
        let crate::integrations::outbound::config::ChatAppConfig::Slack(slack) = slack else {
            panic!("a slack app")
        };
        assert_eq!(
            slack.api_url, "https://slack.com/api",
            "Slack's own by default"
        );
        assert_eq!(config.destination("a").unwrap().app(), Some("slack"));
        let bad = format!(
            "{apps}
            [[destinations]]
            name = \"both\"
            kind = \"slack\"
            app = \"slack\"
            url = \"http://127.0.0.1:9/hook\"
            channel = \"C1\"
            [[destinations]]
            name = \"neither\"
            kind = \"slack\"
            [[destinations]]
            name = \"unknown\"
            kind = \"slack\"
            app = \"nope\"
            channel = \"C1\"
            [[destinations]]
            name = \"other-kind\"
            kind = \"slack\"
            app = \"mm\"
            channel = \"C1\"
            [[destinations]]
            name = \"no-channel\"
            kind = \"mattermost\"
            app = \"mm\""
        );
        assert_eq!(
            problems(&bad),
            [
                "destinations[0].app: give either url (an incoming webhook) or app (a chat app), not both",
                "destinations[1].url: is missing: give url (an incoming webhook) or app (a chat app) and channel",
                "destinations[2].app: no chat app \"nope\" in [[chat_apps]]",
                "destinations[3].app: chat app \"mm\" is a mattermost app; this destination is slack",
                "destinations[4].channel: is missing: an app posts to a channel by its id",
            ]
        );
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
    fn time_intervals_and_inhibit_rules_are_checked() {
        let text = r#"
            [[time_intervals]]
            name = "weekend"
            time_intervals = [ { weekdays = ["saturday", "sunday"] } ]
            [[time_intervals]]
            name = "weekend"
            [[destinations]]
            name = "chat"
            kind = "webhook"
            url = "http://127.0.0.1:9/"
            [[routes]]
            to = ["chat"]
            mute_time_intervals = ["weekend"]
            active_time_intervals = ["nights"]
        "#;
        assert_eq!(
            problems(text),
            [
                "time_intervals: the time interval \"weekend\" is defined more than once; give each a different name",
                "routes[0].active_time_intervals: no [[time_intervals]] is named \"nights\"",
            ]
        );
        let bad = problems(
            "[[time_intervals]]\nname = \"x\"\ntime_intervals = [ { weekdays = [\"someday\"] } ]\n",
        );
        assert_eq!(bad.len(), 1);
        assert!(bad[0].contains("someday"), "{bad:?}");
        let bad = problems("[[inhibit_rules]]\nsource_match = { severity = \"critical\" }\n");
        assert!(bad[0].contains("source_matchers"), "{bad:?}");
    }

    #[test]
    fn heartbeats_and_watchdogs_are_checked() {
        let text = r#"
            [[heartbeats]]
            name = "backup job"
            every = "24h"
            cron = "0 3 * * *"
            service = "nowhere"
            token = "t"
            [[heartbeats]]
            name = "sync"
            cron = "0 3 * *"
            token = "t"
            [[integrations]]
            name = "grafana"
            kind = "grafana"
            token = "t"
            watchdog = { grace = "5m" }
            [[integrations]]
            name = "heartbeats"
            kind = "alertmanager"
            token = "t"
            watchdog = { grace = "never" }
        "#;
        let paths: Vec<String> = problems(text)
            .iter()
            .map(|p| p.split(':').next().unwrap().to_owned())
            .collect();
        assert_eq!(
            paths,
            [
                "integrations[0].watchdog",
                "integrations[1].name",
                "integrations[1].watchdog",
                "heartbeats[0].name",
                "heartbeats[0]",
                "heartbeats[0].service",
                "heartbeats[1]",
            ]
        );
    }

    #[test]
    fn a_person_without_a_contact_method_loads_with_a_warning() {
        let text = "[[people]]\nid = \"andrew\"\n[[teams]]\nid = \"cloud\"\n";
        let (_, warnings) = Config::parse(text, &env).unwrap();
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].path, "people[0].contacts");
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

    #[test]
    fn twilio_destinations_are_checked_and_carry_pages_only() {
        let text = r#"
            [[destinations]]
            name = "twilio"
            kind = "twilio"
            account_sid = "sid-1"
            auth_token = ""
            from = " "
            api_url = "localhost:9"
            [[destinations]]
            name = "chat"
            kind = "webhook"
            url = "${HOOK}"
            [[teams]]
            id = "cloud"
            channel = "twilio"
            [[routes]]
            to = ["chat", "twilio"]
            [[digests]]
            kind = "open_pull_requests"
            cron = "0 9 * * mon"
            to = ["twilio"]
        "#;
        let pages_only = "\"twilio\" is a twilio destination, which carries pages only: name it \
                          in a person's contacts instead";
        assert_eq!(
            problems(text),
            [
                "destinations[0].account_sid: \"sid-1\" is not an account SID (AC followed by 32 hex digits)".to_owned(),
                "destinations[0].auth_token: is empty".to_owned(),
                "destinations[0].from: is empty: it must be the Twilio number pages come from, like +15017122661".to_owned(),
                "destinations[0].api_url: \"localhost:9\" is not an http(s) URL".to_owned(),
                format!("routes[0].to[1]: {pages_only}"),
                format!("teams[0].channel: {pages_only}"),
                format!("digests[0].to[0]: {pages_only}"),
            ]
        );
        let text = r#"
            [[destinations]]
            name = "twilio"
            kind = "twilio"
            account_sid = "AC0123456789abcdef0123456789abcdef"
            auth_token = "${SECRET}"
            from = "+15017122661"
        "#;
        let (config, _) = Config::parse(text, &env).unwrap();
        let DestinationConfig::Twilio(twilio) = &config.destinations[0] else {
            panic!("a twilio destination")
        };
        assert_eq!(twilio.api_url(), "https://api.twilio.com");
        assert!(!config.destinations[0].takes_events());
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
