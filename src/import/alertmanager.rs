//! `firewatch import alertmanager FILE`: an `alertmanager.yml` read into Firewatch's terms.
//!
//! Receivers become destinations (one per notifier config; secrets and webhook URLs become
//! `${VAR}` references, never values from the file), the route tree becomes the flat ordered
//! `[[routes]]` list, and inhibit rules and time intervals are carried in their own shape.
//!
//! The tree is flattened depth first, children before their parent, each entry matching on
//! every matcher from the root down (`match.matchers`, Alertmanager's syntax and semantics), so
//! the first entry that matches is the route Alertmanager would pick; a receiver with nothing
//! Firewatch sends to gives `to = []`, which takes the alerts and tells no one, as the receiver
//! did. Two things the flat list cannot follow are reported: a `continue: true` route keeps the
//! alerts it matched from its parent's own receiver in Alertmanager but not in Firewatch, and
//! a route that stops the walk under a `continue: true` ancestor stops it for the whole list.
//! Matchers are read with Firewatch's own parser; a route with one it refuses is Skipped.

use std::collections::HashSet;

use yaml_serde::Value as Yaml;

use super::model::{ApiError, Destination, Org, Origin, Route, Skipped, Table, slug, unique};
use crate::core::silence::{MatchOp, Matcher, format_matchers, parse_matchers};

/// Reads `yaml` (the text of `file_name`) into an [`Org`] with destinations, routes, inhibit
/// rules, time intervals and what could not be carried.
pub fn read(yaml: &str, file_name: &str) -> Result<Org, ApiError> {
    let mut root: Yaml = yaml_serde::from_str(yaml)
        .map_err(|error| ApiError(format!("{file_name} is not valid YAML: {error}")))?;
    root.apply_merge()
        .map_err(|error| ApiError(format!("{file_name}: {error}")))?;
    if root.as_mapping().is_none() {
        return Err(ApiError(format!(
            "{file_name} is not an Alertmanager config: its top level is not a mapping with route and receivers"
        )));
    }
    let mut reader = Reader {
        file_name,
        global: root.get("global").cloned().unwrap_or(Yaml::Null),
        org: Org {
            source: "Alertmanager".to_owned(),
            ..Org::default()
        },
        receivers: Vec::new(),
        taken_destinations: HashSet::new(),
        severity_matched: Vec::new(),
        stoppers: Vec::new(),
    };
    reader.top_level(&root);
    reader.global_settings();
    reader.receivers(root.get("receivers"))?;
    reader.time_intervals(&root);
    reader.inhibit_rules(root.get("inhibit_rules"));
    reader.routes(root.get("route"))?;
    reader.severity_note();
    Ok(reader.org)
}

/// Alertmanager's receiver of each destination, by the receiver's name.
struct Receiver {
    name: String,
    destinations: Vec<String>,
}

struct Reader<'a> {
    file_name: &'a str,
    global: Yaml,
    org: Org,
    receivers: Vec<Receiver>,
    taken_destinations: HashSet<String>,
    /// Where a carried route or inhibit rule matches on `severity` (reported once).
    severity_matched: Vec<String>,
    /// Routes that stop the walk, to put just above a parent's entry: (parent's path, the
    /// `continue: true` child's path, its matchers). See `report_parent_fallback`.
    stoppers: Vec<(String, String, Vec<Matcher>)>,
}

// ---------------------------------------------------------------------------------------------
// Matchers
// ---------------------------------------------------------------------------------------------

/// Matchers as Firewatch reads them (`core::silence`, which takes Alertmanager's text form and
/// anchors regexes as Alertmanager does), so what is written is what Firewatch's config loads.
/// Whatever Firewatch's parser refuses comes back as a sentence naming the matcher.
#[derive(Debug, Default)]
struct Matchers {
    read: Vec<Matcher>,
    refused: Vec<String>,
}

impl Matchers {
    /// `matchers`, `match` and `match_re` (Alertmanager's older forms, `=` and `=~`) of
    /// `value`, with `prefix` before the keys (`source_` and `target_` for inhibit rules).
    fn of(value: &Yaml, prefix: &str) -> Matchers {
        let mut matchers = Matchers::default();
        for text in strings_at(value, &format!("{prefix}matchers")) {
            matchers.entry(&text);
        }
        for (suffix, op) in [("match", MatchOp::Equal), ("match_re", MatchOp::Regex)] {
            let key = format!("{prefix}{suffix}");
            let Some(mapping) = value.get(key.as_str()).and_then(Yaml::as_mapping) else {
                continue;
            };
            for (name, label_value) in mapping {
                let (Some(name), Some(label_value)) = (scalar(name), scalar(label_value)) else {
                    continue;
                };
                match Matcher::new(&name, op, &label_value) {
                    Ok(matcher) => matchers.read.push(matcher),
                    Err(error) => matchers
                        .refused
                        .push(format!("`{key}: {{{name}: {label_value}}}`: {error}")),
                }
            }
        }
        matchers
    }

    /// One entry of a `matchers` list: one matcher or several, braces optional. `{}` (no
    /// matcher) matches every alert, as in Alertmanager.
    fn entry(&mut self, text: &str) {
        let trimmed = text.trim();
        let inner = trimmed
            .strip_prefix('{')
            .and_then(|rest| rest.strip_suffix('}'))
            .unwrap_or(trimmed);
        if inner.trim().is_empty() {
            return;
        }
        match parse_matchers(trimmed) {
            Ok(read) => self.read.extend(read),
            Err(error) => self.refused.push(format!("`{text}`: {error}")),
        }
    }

    /// The text form, one matcher per string (`service=~"mysql|cassandra"`).
    fn texts(matchers: &[Matcher]) -> Vec<String> {
        matchers.iter().map(ToString::to_string).collect()
    }

    fn on_severity(matchers: &[Matcher]) -> bool {
        matchers.iter().any(|matcher| matcher.name == "severity")
    }
}

// ---------------------------------------------------------------------------------------------
// YAML helpers
// ---------------------------------------------------------------------------------------------

/// A scalar as text (`2` and `true` are label values too); `None` for maps and lists.
fn scalar(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(text) => Some(text.clone()),
        Yaml::Number(number) => Some(number.to_string()),
        Yaml::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

fn text_at(value: &Yaml, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(scalar)
        .filter(|text| !text.is_empty())
}

fn strings_at(value: &Yaml, key: &str) -> Vec<String> {
    value
        .get(key)
        .and_then(Yaml::as_sequence)
        .map(|items| items.iter().filter_map(scalar).collect())
        .unwrap_or_default()
}

fn keys(value: &Yaml) -> Vec<String> {
    value
        .as_mapping()
        .map(|mapping| mapping.keys().filter_map(scalar).collect())
        .unwrap_or_default()
}

/// A YAML value as TOML; `None` for nulls (left out) and shapes TOML has no form for.
fn to_toml(value: &Yaml) -> Option<toml::Value> {
    Some(match value {
        Yaml::Null => return None,
        Yaml::Bool(flag) => toml::Value::Boolean(*flag),
        Yaml::Number(number) => match number.as_i64() {
            Some(integer) => toml::Value::Integer(integer),
            None => toml::Value::Float(number.as_f64()?),
        },
        Yaml::String(text) => toml::Value::String(text.clone()),
        Yaml::Sequence(items) => toml::Value::Array(items.iter().filter_map(to_toml).collect()),
        Yaml::Mapping(mapping) => {
            let mut table = toml::map::Map::new();
            for (key, item) in mapping {
                if let (Some(key), Some(item)) = (scalar(key), to_toml(item)) {
                    table.insert(key, item);
                }
            }
            toml::Value::Table(table)
        }
        Yaml::Tagged(tagged) => return to_toml(&tagged.value),
    })
}

fn string(text: impl Into<String>) -> toml::Value {
    toml::Value::String(text.into())
}

fn string_array(items: &[String]) -> toml::Value {
    toml::Value::Array(items.iter().cloned().map(toml::Value::String).collect())
}

/// `SLACK_WEBHOOK_URL_` + `team-x-mails` → `SLACK_WEBHOOK_URL_TEAM_X_MAILS`.
fn env_var(prefix: &str, destination: &str) -> String {
    let suffix: String = destination
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("{prefix}_{suffix}")
}

/// A Prometheus duration (`1h30m`, `3d`, `1w`, `500ms`) in the form Firewatch reads; `None` if
/// it is not one.
fn duration(text: &str) -> Option<String> {
    let mut millis: u64 = 0;
    let mut digits = String::new();
    let mut chars = text.trim().chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: u64 = match c {
            'y' => 365 * 86_400_000,
            'w' => 7 * 86_400_000,
            'd' => 86_400_000,
            'h' => 3_600_000,
            's' => 1_000,
            'm' if chars.peek() == Some(&'s') => {
                chars.next();
                1
            }
            'm' => 60_000,
            _ => return None,
        };
        let count: u64 = digits.parse().ok()?;
        digits.clear();
        millis = millis.checked_add(count.checked_mul(unit)?)?;
        any = true;
    }
    if !digits.is_empty() && digits.chars().all(|c| c == '0') && !any {
        return Some("0s".to_owned());
    }
    if !digits.is_empty() || !any {
        return None;
    }
    if millis == 0 {
        return Some("0s".to_owned());
    }
    let mut out = String::new();
    for (size, unit) in [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1_000, "s"),
        (1, "ms"),
    ] {
        if millis >= size {
            out.push_str(&format!("{}{unit}", millis / size));
            millis %= size;
        }
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// Top level, global, templates
// ---------------------------------------------------------------------------------------------

impl Reader<'_> {
    fn origin(&self, what: &str, id: impl Into<String>, name: impl Into<String>) -> Origin {
        Origin {
            what: format!("Alertmanager {what}"),
            id: id.into(),
            name: name.into(),
            url: None,
        }
    }

    fn skip(&mut self, origin: Origin, reason: impl Into<String>, manual_step: impl Into<String>) {
        self.org
            .skipped
            .push(Skipped::new(origin, reason, manual_step));
    }

    fn top_level(&mut self, root: &Yaml) {
        const READ: [&str; 7] = [
            "global",
            "route",
            "receivers",
            "inhibit_rules",
            "time_intervals",
            "mute_time_intervals",
            "templates",
        ];
        for key in keys(root) {
            if READ.contains(&key.as_str()) {
                continue;
            }
            let origin = self.origin("setting", key.clone(), key.clone());
            self.skip(
                origin,
                format!("`{key}` configures Alertmanager itself, not where alerts go."),
                "Nothing to carry: set up the same in Firewatch's own settings if it is needed (see docs/configuration.md).",
            );
        }
        let templates = strings_at(root, "templates");
        if !templates.is_empty() {
            let origin = self.origin("templates", "templates", templates.join(", "));
            self.skip(
                origin,
                format!(
                    "Notification templates ({}) are Go templates; Firewatch words its own messages.",
                    templates.join(", ")
                ),
                "Where the default wording is not enough, write a [[templates]] entry (docs/configuration.md) and name it in the routes' `template`.",
            );
        }
    }

    /// `global` settings feed the receivers; the ones that do not are reported.
    fn global_settings(&mut self) {
        const FEEDS_RECEIVERS: [&str; 8] = [
            "smtp_smarthost",
            "smtp_from",
            "smtp_auth_username",
            "smtp_auth_password",
            "smtp_auth_password_file",
            "smtp_require_tls",
            "slack_api_url",
            "slack_api_url_file",
        ];
        let global = self.global.clone();
        for key in keys(&global) {
            if FEEDS_RECEIVERS.contains(&key.as_str()) {
                continue;
            }
            let origin = self.origin("global setting", format!("global.{key}"), key.clone());
            let (reason, step) = match key.as_str() {
                "resolve_timeout" => (
                    "resolve_timeout applies to alerts sent without an end time; Firewatch keeps an alert open until it is resolved.".to_owned(),
                    "Nothing for alerts from Prometheus (they carry endsAt); other senders must send their resolves.".to_owned(),
                ),
                _ => (
                    format!("global.{key} has no Firewatch equivalent (only the SMTP and Slack settings feed the receivers)."),
                    format!("Check whether the destinations need what global.{key} did, and set it up by hand if so."),
                ),
            };
            self.skip(origin, reason, step);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Receivers
// ---------------------------------------------------------------------------------------------

/// What a receiver's notifier config turned into.
enum Made {
    Destination(Destination),
    Nothing,
}

impl Reader<'_> {
    fn receivers(&mut self, receivers: Option<&Yaml>) -> Result<(), ApiError> {
        let Some(receivers) = receivers else {
            return Err(ApiError(format!(
                "{} has no receivers: an Alertmanager config needs at least the root route's receiver",
                self.file_name
            )));
        };
        let receivers = receivers
            .as_sequence()
            .ok_or_else(|| ApiError(format!("{}: receivers is not a list", self.file_name)))?;
        for (index, receiver) in receivers.iter().enumerate() {
            let name = text_at(receiver, "name").ok_or_else(|| {
                ApiError(format!(
                    "{}: receivers[{index}] has no name",
                    self.file_name
                ))
            })?;
            let mut destinations = Vec::new();
            for key in keys(receiver) {
                if key == "name" {
                    continue;
                }
                let configs: Vec<Yaml> = receiver
                    .get(key.as_str())
                    .and_then(Yaml::as_sequence)
                    .cloned()
                    .unwrap_or_default();
                for (position, config) in configs.iter().enumerate() {
                    let id = format!("receivers[{index}].{key}[{position}]");
                    if let Made::Destination(destination) = self.notifier(&name, &key, &id, config)
                    {
                        destinations.push(destination.name.clone());
                        self.org.destinations.push(destination);
                    }
                }
            }
            self.receivers.push(Receiver { name, destinations });
        }
        Ok(())
    }

    fn new_destination_name(&mut self, receiver: &str) -> String {
        unique(&slug(receiver), &mut self.taken_destinations)
    }

    /// One notifier config (`slack_configs[0]`…) of `receiver`.
    fn notifier(&mut self, receiver: &str, key: &str, id: &str, config: &Yaml) -> Made {
        let origin = self.origin("receiver", id, receiver);
        match key {
            "slack_configs" => self.slack(receiver, origin, config),
            "webhook_configs" => self.webhook(receiver, origin, config),
            "email_configs" => self.email(receiver, origin, config),
            "discord_configs" => self.url_destination(
                receiver,
                origin,
                config,
                ("discord", "webhook_url", "DISCORD_WEBHOOK_URL"),
                &["username", "avatar_url"],
            ),
            "msteamsv2_configs" => self.url_destination(
                receiver,
                origin,
                config,
                ("teams", "webhook_url", "TEAMS_WEBHOOK_URL"),
                &[],
            ),
            "msteams_configs" => {
                let made = self.url_destination(
                    receiver,
                    origin.clone(),
                    config,
                    ("teams", "webhook_url", "TEAMS_WEBHOOK_URL"),
                    &[],
                );
                self.skip(
                    origin,
                    "msteams_configs posts to an Office 365 connector; Firewatch's teams destination posts to a Teams Workflows webhook.",
                    "Create a Workflows webhook (\"Post to a channel when a webhook request is received\") in the channel and use its URL for the variable.",
                );
                made
            }
            "mattermost_configs" => self.url_destination(
                receiver,
                origin,
                config,
                ("mattermost", "webhook_url", "MATTERMOST_WEBHOOK_URL"),
                &["channel", "username", "icon_url"],
            ),
            "pagerduty_configs" | "opsgenie_configs" => {
                let (tool, command) = if key == "pagerduty_configs" {
                    ("PagerDuty", "pagerduty")
                } else {
                    ("Opsgenie", "opsgenie")
                };
                self.skip(
                    origin,
                    format!(
                        "Receiver `{receiver}` pages through {tool}; Firewatch pages people itself, through services, escalation policies and schedules."
                    ),
                    format!(
                        "Import the {tool} account with `firewatch import {command}` and give the services these alerts belong to (their `service` label) escalation policies; no secret from this file was copied."
                    ),
                );
                Made::Nothing
            }
            other => {
                let kind = other.trim_end_matches("_configs");
                self.skip(
                    origin,
                    format!("Firewatch has no {kind} destination (receiver `{receiver}`)."),
                    format!(
                        "Reach {kind} through a webhook destination and a relay, or page people through Firewatch's escalation policies instead; no secret from this file was copied."
                    ),
                );
                Made::Nothing
            }
        }
    }

    /// Reports `send_resolved: false` (explicit or the notifier's default) and keys not
    /// carried; `handled` are the keys the caller translated.
    fn leftovers(
        &mut self,
        origin: &Origin,
        config: &Yaml,
        handled: &[&str],
        resolved_by_default: bool,
    ) {
        let send_resolved = config
            .get("send_resolved")
            .and_then(Yaml::as_bool)
            .unwrap_or(resolved_by_default);
        if !send_resolved {
            self.skip(
                origin.clone(),
                "send_resolved is false here, but Firewatch also tells a route's destinations when an alert is acknowledged or resolved.",
                "Nothing to do unless those follow-up messages are unwanted in this destination.",
            );
        }
        let ignored: Vec<String> = keys(config)
            .into_iter()
            .filter(|key| key != "send_resolved" && !handled.contains(&key.as_str()))
            .collect();
        if !ignored.is_empty() {
            self.skip(
                origin.clone(),
                format!(
                    "Firewatch words and sends its own messages; these settings were not carried: {}.",
                    ignored.join(", ")
                ),
                "Review them; custom wording can be rebuilt as a [[templates]] entry, and http_config proxies or TLS settings have no per-destination equivalent.",
            );
        }
    }

    /// A value that would be rendered as a Go template per notification.
    fn templated(text: &str) -> bool {
        text.contains("{{")
    }

    fn secret_step(
        &mut self,
        origin: &Origin,
        variable: &str,
        what: &str,
        config: &Yaml,
        keys: (&str, &str),
    ) {
        let (key, file_key) = keys;
        // Keys of `global` are spelled with their prefix (`slack_api_url`, `smtp_…`).
        let place = |key: &str| {
            if key.starts_with("slack_") || key.starts_with("smtp_") {
                format!("global.{key}")
            } else {
                format!("`{key}` of {}", origin.id)
            }
        };
        let from = if config.get(key).is_some() {
            format!("the {}", place(key))
        } else if let Some(file) = text_at(config, file_key) {
            format!("the contents of {file} ({})", place(file_key))
        } else {
            format!("the value Alertmanager used for {}", origin.id)
        };
        self.skip(
            origin.clone(),
            format!("{what} is a secret, so it was not copied from the file."),
            format!("Set the environment variable {variable} to {from} where Firewatch runs."),
        );
    }

    fn slack(&mut self, receiver: &str, origin: Origin, config: &Yaml) -> Made {
        let name = self.new_destination_name(receiver);
        let variable = env_var("SLACK_WEBHOOK_URL", &name);
        let global = self.global.clone();
        let source = if config.get("api_url").is_some() || config.get("api_url_file").is_some() {
            config
        } else {
            &global
        };
        let keys = if std::ptr::eq(source, config) {
            ("api_url", "api_url_file")
        } else {
            ("slack_api_url", "slack_api_url_file")
        };
        self.secret_step(&origin, &variable, "The Slack webhook URL", source, keys);
        let mut entries = vec![("url".to_owned(), string(format!("${{{variable}}}")))];
        for key in ["channel", "username", "icon_emoji"] {
            if let Some(value) = text_at(config, key) {
                if Self::templated(&value) {
                    self.skip(
                        origin.clone(),
                        format!("Slack `{key}` is a template ({value}); Firewatch's is a fixed value."),
                        format!("Make one destination per {key} and route to each by label, or leave {key} to the webhook's default."),
                    );
                } else {
                    entries.push((key.to_owned(), string(value)));
                }
            }
        }
        self.leftovers(
            &origin,
            config,
            &[
                "api_url",
                "api_url_file",
                "channel",
                "username",
                "icon_emoji",
            ],
            false,
        );
        Made::Destination(Destination {
            origin,
            name,
            kind: "slack".to_owned(),
            entries,
        })
    }

    fn webhook(&mut self, receiver: &str, origin: Origin, config: &Yaml) -> Made {
        let name = self.new_destination_name(receiver);
        let variable = env_var("WEBHOOK_URL", &name);
        self.secret_step(
            &origin,
            &variable,
            "The webhook URL (it may carry a token)",
            config,
            ("url", "url_file"),
        );
        let mut entries = vec![("url".to_owned(), string(format!("${{{variable}}}")))];
        let mut handled = vec!["url", "url_file"];
        if let Some(http) = config.get("http_config") {
            let token_variable = env_var("WEBHOOK_AUTHORIZATION", &name);
            let header =
                if http.get("authorization").is_some() || http.get("bearer_token").is_some() {
                    let scheme = http
                        .get("authorization")
                        .and_then(|auth| text_at(auth, "type"))
                        .unwrap_or_else(|| "Bearer".to_owned());
                    Some(format!("{scheme} ${{{token_variable}}}"))
                } else if http.get("basic_auth").is_some() {
                    Some(format!("Basic ${{{token_variable}}}"))
                } else {
                    None
                };
            if let Some(header) = header {
                let mut headers = toml::map::Map::new();
                headers.insert("Authorization".to_owned(), string(header));
                entries.push(("headers".to_owned(), toml::Value::Table(headers)));
                self.skip(
                    origin.clone(),
                    "The webhook's http_config credentials are secrets, so they were not copied from the file.",
                    format!(
                        "Set {token_variable} to the credentials of {}.http_config (for basic_auth: base64 of user:password).",
                        origin.id
                    ),
                );
                let others: Vec<String> = keys(http)
                    .into_iter()
                    .filter(|key| {
                        !["authorization", "bearer_token", "basic_auth"].contains(&key.as_str())
                    })
                    .collect();
                if others.is_empty() {
                    handled.push("http_config");
                }
            }
        }
        self.skip(
            origin.clone(),
            "Firewatch's webhook destination POSTs Firewatch's own signed event JSON, not Alertmanager's webhook payload (version 4).",
            "Make the receiving service read Firewatch's event body (docs/integrations), or keep it behind an adapter.",
        );
        self.leftovers(&origin, config, &handled, true);
        Made::Destination(Destination {
            origin,
            name,
            kind: "webhook".to_owned(),
            entries,
        })
    }

    /// Discord, Teams, Mattermost: a webhook URL (as a variable) and a few fixed fields.
    fn url_destination(
        &mut self,
        receiver: &str,
        origin: Origin,
        config: &Yaml,
        (kind, url_key, prefix): (&str, &str, &str),
        copied: &[&str],
    ) -> Made {
        let name = self.new_destination_name(receiver);
        let variable = env_var(prefix, &name);
        let file_key = format!("{url_key}_file");
        self.secret_step(
            &origin,
            &variable,
            &format!("The {kind} webhook URL"),
            config,
            (url_key, &file_key),
        );
        let mut entries = vec![("url".to_owned(), string(format!("${{{variable}}}")))];
        let mut handled = vec![url_key, file_key.as_str()];
        for key in copied {
            if let Some(value) = text_at(config, key).filter(|value| !Self::templated(value)) {
                entries.push(((*key).to_owned(), string(value)));
                handled.push(key);
            }
        }
        self.leftovers(&origin, config, &handled, true);
        Made::Destination(Destination {
            origin,
            name,
            kind: kind.to_owned(),
            entries,
        })
    }

    fn email(&mut self, receiver: &str, origin: Origin, config: &Yaml) -> Made {
        let global = self.global.clone();
        let setting =
            |key: &str| text_at(config, key).or_else(|| text_at(&global, &format!("smtp_{key}")));
        let to = text_at(config, "to").unwrap_or_default();
        let from = setting("from");
        let smarthost = setting("smarthost");
        let (Some(from), Some(smarthost)) = (from, smarthost) else {
            self.skip(
                origin,
                format!("Email receiver `{receiver}` has no from or smarthost here or in global."),
                "Add an email destination by hand with host, from and to (docs/configuration.md).",
            );
            return Made::Nothing;
        };
        if to.is_empty() || Self::templated(&to) || Self::templated(&from) {
            self.skip(
                origin,
                format!("Email receiver `{receiver}` has a templated or empty `to`/`from` ({to}); Firewatch's are fixed addresses."),
                "Add an email destination by hand with the addresses the template gave.",
            );
            return Made::Nothing;
        }
        let (host, port) = split_host_port(&smarthost);
        let name = self.new_destination_name(receiver);
        let require_tls = config
            .get("require_tls")
            .or_else(|| self.global.get("smtp_require_tls"))
            .and_then(Yaml::as_bool)
            .unwrap_or(true);
        let local = matches!(host.as_str(), "localhost" | "127.0.0.1" | "::1");
        let tls = if port == Some(465) {
            "tls"
        } else if require_tls || !local {
            "starttls"
        } else {
            "none"
        };
        if !require_tls && !local {
            self.skip(
                origin.clone(),
                format!("require_tls is false for {host}, which Alertmanager would reach without TLS if the server offered no STARTTLS; Firewatch insists on STARTTLS there."),
                "Make sure the mail server offers STARTTLS, or relay through a server on Firewatch's host.",
            );
        }
        let mut entries = vec![("host".to_owned(), string(host))];
        if let Some(port) = port {
            entries.push(("port".to_owned(), toml::Value::Integer(i64::from(port))));
        }
        entries.push(("tls".to_owned(), string(tls)));
        let username = setting("auth_username");
        let has_password = config.get("auth_password").is_some()
            || config.get("auth_password_file").is_some()
            || self.global.get("smtp_auth_password").is_some()
            || self.global.get("smtp_auth_password_file").is_some();
        if let Some(username) = username.filter(|_| has_password) {
            let variable = env_var("SMTP_PASSWORD", &name);
            let keys = if config.get("auth_password").is_some()
                || config.get("auth_password_file").is_some()
            {
                ("auth_password", "auth_password_file")
            } else {
                ("smtp_auth_password", "smtp_auth_password_file")
            };
            let source = if keys.0 == "auth_password" {
                config.clone()
            } else {
                self.global.clone()
            };
            self.secret_step(&origin, &variable, "The SMTP password", &source, keys);
            entries.push(("username".to_owned(), string(username)));
            entries.push(("password".to_owned(), string(format!("${{{variable}}}"))));
        }
        entries.push(("from".to_owned(), string(from)));
        let addresses: Vec<String> = to
            .split(',')
            .map(str::trim)
            .filter(|address| !address.is_empty())
            .map(str::to_owned)
            .collect();
        entries.push(("to".to_owned(), string_array(&addresses)));
        self.leftovers(
            &origin,
            config,
            &[
                "to",
                "from",
                "smarthost",
                "require_tls",
                "auth_username",
                "auth_password",
                "auth_password_file",
            ],
            false,
        );
        Made::Destination(Destination {
            origin,
            name,
            kind: "email".to_owned(),
            entries,
        })
    }
}

/// `smtp.example.com:587` → (`smtp.example.com`, 587); `[::1]:25` → (`::1`, 25).
fn split_host_port(smarthost: &str) -> (String, Option<u16>) {
    match smarthost.rsplit_once(':') {
        Some((host, port)) if port.parse::<u16>().is_ok() => (
            host.trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
            port.parse().ok(),
        ),
        _ => (smarthost.to_owned(), None),
    }
}

// ---------------------------------------------------------------------------------------------
// Inhibit rules and time intervals
// ---------------------------------------------------------------------------------------------

impl Reader<'_> {
    fn inhibit_rules(&mut self, rules: Option<&Yaml>) {
        let Some(rules) = rules.and_then(Yaml::as_sequence).cloned() else {
            return;
        };
        for (index, rule) in rules.iter().enumerate() {
            let id = format!("inhibit_rules[{index}]");
            let origin = self.origin(
                "inhibit rule",
                id.clone(),
                text_at(rule, "name").unwrap_or_default(),
            );
            let mut entries = Vec::new();
            let mut refused = Vec::new();
            let mut mentions_severity = false;
            for side in ["source", "target"] {
                let matchers = Matchers::of(rule, &format!("{side}_"));
                refused.extend(matchers.refused);
                mentions_severity |= Matchers::on_severity(&matchers.read);
                entries.push((
                    format!("{side}_matchers"),
                    string_array(&Matchers::texts(&matchers.read)),
                ));
            }
            if !refused.is_empty() {
                // Without one of its matchers the rule would inhibit more than it did.
                self.skip(
                    origin,
                    format!(
                        "{id} was not carried: Firewatch cannot read {}.",
                        refused.join("; ")
                    ),
                    "Write the rule by hand under [[inhibit_rules]] with matchers Firewatch reads: label names of letters, digits and underscores, and regular expressions in RE2 syntax, as Alertmanager's.",
                );
                continue;
            }
            if mentions_severity {
                self.severity_matched.push(id.clone());
            }
            let equal = strings_at(rule, "equal");
            if !equal.is_empty() {
                entries.push(("equal".to_owned(), string_array(&equal)));
            }
            const KNOWN: [&str; 8] = [
                "name",
                "source_matchers",
                "target_matchers",
                "source_match",
                "source_match_re",
                "target_match",
                "target_match_re",
                "equal",
            ];
            let unknown: Vec<String> = keys(rule)
                .into_iter()
                .filter(|key| !KNOWN.contains(&key.as_str()))
                .collect();
            if !unknown.is_empty() {
                self.skip(
                    origin.clone(),
                    format!(
                        "Inhibit rule settings Firewatch does not have: {}.",
                        unknown.join(", ")
                    ),
                    "Check that the rule still does what is meant without them.",
                );
            }
            self.org.inhibit_rules.push(Table { origin, entries });
        }
    }

    /// `time_intervals` and the older `mute_time_intervals`, in Firewatch's same shape.
    fn time_intervals(&mut self, root: &Yaml) {
        for key in ["mute_time_intervals", "time_intervals"] {
            let Some(intervals) = root.get(key).and_then(Yaml::as_sequence).cloned() else {
                continue;
            };
            for (index, interval) in intervals.iter().enumerate() {
                let name = text_at(interval, "name").unwrap_or_default();
                let origin = self.origin("time interval", format!("{key}[{index}]"), name.clone());
                let mut specs = Vec::new();
                for (position, spec) in interval
                    .get("time_intervals")
                    .and_then(Yaml::as_sequence)
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    match time_interval_spec(spec) {
                        Ok(table) => specs.push(toml::Value::Table(table)),
                        Err(reason) => self.skip(
                            origin.clone(),
                            format!("{key}[{index}].time_intervals[{position}]: {reason}"),
                            format!("Add that part of `{name}` by hand (docs/configuration.md, [[time_intervals]])."),
                        ),
                    }
                }
                self.org.time_intervals.push(Table {
                    origin,
                    entries: vec![
                        ("name".to_owned(), string(name)),
                        ("time_intervals".to_owned(), toml::Value::Array(specs)),
                    ],
                });
            }
        }
    }
}

/// One `time_interval_spec`: Firewatch takes the same keys; names are lowercased and the
/// machine-dependent `Local` zone is refused.
fn time_interval_spec(spec: &Yaml) -> Result<toml::map::Map<String, toml::Value>, String> {
    let mut table = toml::map::Map::new();
    for key in keys(spec) {
        let value = spec.get(key.as_str()).unwrap_or(&Yaml::Null);
        let converted = match key.as_str() {
            "times" => to_toml(value),
            "weekdays" | "months" => Some(toml::Value::Array(
                value
                    .as_sequence()
                    .map(|items| items.iter().filter_map(scalar))
                    .into_iter()
                    .flatten()
                    .map(|item| string(item.to_lowercase()))
                    .collect(),
            )),
            "days_of_month" | "years" => Some(toml::Value::Array(
                value
                    .as_sequence()
                    .map(|items| items.iter().filter_map(scalar).map(string).collect())
                    .unwrap_or_default(),
            )),
            "location" => {
                let zone = scalar(value).unwrap_or_default();
                if zone.eq_ignore_ascii_case("local") {
                    return Err("location `Local` is the Alertmanager machine's zone, which Firewatch does not guess.".to_owned());
                }
                Some(string(zone))
            }
            other => {
                return Err(format!(
                    "`{other}` is not a time interval field Firewatch has."
                ));
            }
        };
        if let Some(converted) = converted {
            table.insert(key, converted);
        }
    }
    Ok(table)
}

// ---------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------

/// A route's settings after inheritance from its parents.
#[derive(Debug, Clone, Default)]
struct Inherited {
    /// All matchers on the path from the root, root first: Alertmanager ANDs them down the
    /// tree, and so does one Firewatch route's `matchers`.
    matchers: Vec<Matcher>,
    /// Matchers on the path that Firewatch cannot read, as sentences.
    refused: Vec<String>,
    receiver: String,
    /// `None`: never set (Alertmanager then groups every alert of the route together).
    group_by: Option<Vec<String>>,
    group_wait: Option<String>,
    group_interval: Option<String>,
    repeat_interval: Option<String>,
}

/// The route a flattened node hangs under.
#[derive(Debug, Clone)]
struct Parent {
    path: String,
    receiver: String,
    continue_matching: bool,
}

/// Where a route stands in the tree, as flattening reaches it.
#[derive(Debug, Clone, Default)]
struct Place {
    /// `None` for the root.
    parent: Option<Parent>,
    /// The closest route above with `continue: true` and routes after it to try: where
    /// Alertmanager goes on after a route below stops (routes between do not continue).
    continuing_ancestor: Option<String>,
    /// Whether siblings come after this route.
    has_later_siblings: bool,
}

/// One node of the tree, flattened: its entry in Firewatch's list, or why it has none.
struct Flat {
    path: String,
    settings: Inherited,
    continue_matching: bool,
    /// Not inherited: Alertmanager reads these per route.
    mute: Vec<String>,
    active: Vec<String>,
    place: Place,
}

impl Reader<'_> {
    fn routes(&mut self, route: Option<&Yaml>) -> Result<(), ApiError> {
        let route = route.ok_or_else(|| {
            ApiError(format!(
                "{} has no route: an Alertmanager config needs a root route with a receiver",
                self.file_name
            ))
        })?;
        if text_at(route, "receiver").is_none() {
            return Err(ApiError(format!(
                "{}: the root route has no receiver",
                self.file_name
            )));
        }
        let mut flat = Vec::new();
        self.flatten(
            route,
            "route",
            &Inherited::default(),
            Place::default(),
            &mut flat,
        )?;
        for (index, node) in flat.iter().enumerate() {
            self.route_entry(node, &flat[index + 1..]);
        }
        Ok(())
    }

    /// Firewatch reads every alert's severity (for paging) and shows it as the `severity`
    /// label to routes and inhibit rules, so matchers on it see slightly different values.
    fn severity_note(&mut self) {
        if self.severity_matched.is_empty() {
            return;
        }
        let places = self.severity_matched.join(", ");
        let origin = self.origin("matchers on severity", places.clone(), "severity");
        self.skip(
            origin,
            format!(
                "{places} match on `severity`; Firewatch gives every alert a severity label of its own reading: an alert without one has the integration's default_severity (warning unless set), and spellings such as page or P1 also read as critical."
            ),
            "Send alerts with severity critical, error, warning or info, or set the alertmanager integration's default_severity to what alerts without the label should count as.",
        );
    }

    /// Depth first, children before their parent: Firewatch's first matching route wins, and
    /// a parent's own entry after its children's is Alertmanager's fallback to the parent.
    fn flatten(
        &mut self,
        route: &Yaml,
        path: &str,
        parent: &Inherited,
        place: Place,
        out: &mut Vec<Flat>,
    ) -> Result<(), ApiError> {
        let mut settings = parent.clone();
        if let Some(receiver) = text_at(route, "receiver") {
            if !self.receivers.iter().any(|known| known.name == receiver) {
                return Err(ApiError(format!(
                    "{}: {path} names the receiver \"{receiver}\", which receivers does not define",
                    self.file_name
                )));
            }
            settings.receiver = receiver;
        }
        if let Some(group_by) = route.get("group_by").and_then(Yaml::as_sequence) {
            settings.group_by = Some(group_by.iter().filter_map(scalar).collect());
        }
        for (key, slot) in [
            ("group_wait", &mut settings.group_wait),
            ("group_interval", &mut settings.group_interval),
            ("repeat_interval", &mut settings.repeat_interval),
        ] {
            if let Some(text) = text_at(route, key) {
                *slot = Some(duration(&text).ok_or_else(|| {
                    ApiError(format!(
                        "{}: {path}.{key} \"{text}\" is not a duration",
                        self.file_name
                    ))
                })?);
            }
        }
        let own = Matchers::of(route, "");
        settings.matchers.extend(own.read);
        settings
            .refused
            .extend(own.refused.into_iter().map(|why| format!("{path}: {why}")));
        let continue_matching =
            path != "route" && route.get("continue").and_then(Yaml::as_bool) == Some(true);
        self.route_leftovers(route, path);
        // Without routes after it, a continuing route's parent simply returns: the same as
        // not continuing, for the routes below.
        let below = if continue_matching && place.has_later_siblings {
            Some(path.to_owned())
        } else {
            place.continuing_ancestor.clone()
        };
        if let Some(children) = route.get("routes").and_then(Yaml::as_sequence) {
            let me = Parent {
                path: path.to_owned(),
                receiver: settings.receiver.clone(),
                continue_matching,
            };
            for (index, child) in children.iter().enumerate() {
                let place = Place {
                    parent: Some(me.clone()),
                    continuing_ancestor: below.clone(),
                    has_later_siblings: index + 1 < children.len(),
                };
                self.flatten(
                    child,
                    &format!("{path}.routes[{index}]"),
                    &settings,
                    place,
                    out,
                )?;
            }
        }
        out.push(Flat {
            path: path.to_owned(),
            settings,
            continue_matching,
            mute: strings_at(route, "mute_time_intervals"),
            active: strings_at(route, "active_time_intervals"),
            place,
        });
        Ok(())
    }

    fn route_leftovers(&mut self, route: &Yaml, path: &str) {
        const KNOWN: [&str; 13] = [
            "receiver",
            "group_by",
            "group_wait",
            "group_interval",
            "repeat_interval",
            "match",
            "match_re",
            "matchers",
            "continue",
            "routes",
            "mute_time_intervals",
            "active_time_intervals",
            "labels",
        ];
        for key in keys(route) {
            if KNOWN.contains(&key.as_str()) {
                continue;
            }
            let origin = self.origin("route", path, key.clone());
            self.skip(
                origin,
                format!("`{key}` of {path} has no Firewatch route equivalent."),
                "Check whether the route needs it, and set it up by hand if so.",
            );
        }
        if route.get("labels").is_some() {
            let origin = self.origin("route", path, "labels");
            self.skip(
                origin,
                format!("Route labels of {path} feed Alertmanager's templates; Firewatch's routes have none."),
                "Put the wording they gave into a [[templates]] entry if it matters.",
            );
        }
    }

    fn destinations_of(&self, receiver: &str) -> &[String] {
        self.receivers
            .iter()
            .find(|known| known.name == receiver)
            .map(|known| known.destinations.as_slice())
            .unwrap_or_default()
    }

    /// The `[[routes]]` entry for one flattened node (or the Skipped saying why there is none):
    /// `match = { kind = "alert", matchers = [...] }` with every matcher from the root down,
    /// then `to` (`[]` where the receiver has nothing Firewatch sends to: the route still takes
    /// the alerts, as Alertmanager's does), `continue`, grouping and time intervals.
    /// `later` are the nodes after it in the list.
    fn route_entry(&mut self, node: &Flat, later: &[Flat]) {
        self.push_stoppers(&node.path);
        let receiver = node.settings.receiver.clone();
        let matchers = &node.settings.matchers;
        let described = format!(
            "receiver {receiver}, matchers {}",
            format_matchers(matchers)
        );
        let mut origin = self.origin("route", node.path.clone(), described);
        if !node.settings.refused.is_empty() {
            self.skip(
                origin,
                format!(
                    "{} (to {receiver}) was not carried: Firewatch cannot read {}. Alerts it took go on to the routes after it in Firewatch.",
                    node.path,
                    node.settings.refused.join("; ")
                ),
                "Add the route by hand at its place in the list (routes come in the tree's order, children before their parent), with those matchers rewritten in a form Firewatch reads: label names of letters, digits and underscores, and regular expressions in RE2 syntax, as Alertmanager's.",
            );
            return;
        }
        self.report_continue_differences(node, later, &origin);
        if Matchers::on_severity(matchers) {
            self.severity_matched.push(node.path.clone());
        }
        let destinations = self.destinations_of(&receiver).to_vec();
        if destinations.is_empty() {
            origin.name = format!(
                "{} (receiver {receiver} has nothing Firewatch sends to: the route takes these alerts and tells no one)",
                origin.name
            );
        }
        let mut matcher = toml::map::Map::new();
        matcher.insert("kind".to_owned(), string("alert"));
        if !matchers.is_empty() {
            matcher.insert(
                "matchers".to_owned(),
                string_array(&Matchers::texts(matchers)),
            );
        }
        let mut entries = vec![
            ("match".to_owned(), toml::Value::Table(matcher)),
            ("to".to_owned(), string_array(&destinations)),
        ];
        if node.continue_matching {
            entries.push(("continue".to_owned(), toml::Value::Boolean(true)));
        }
        let settings = &node.settings;
        // Alertmanager always groups; without group_by, a route's alerts are one group.
        let group_by = settings.group_by.clone().unwrap_or_default();
        entries.push(("group_by".to_owned(), string_array(&group_by)));
        for (key, value) in [
            ("group_wait", &settings.group_wait),
            ("group_interval", &settings.group_interval),
            ("repeat_interval", &settings.repeat_interval),
        ] {
            if let Some(value) = value {
                entries.push((key.to_owned(), string(value.clone())));
            }
        }
        for (key, names) in [
            ("mute_time_intervals", &node.mute),
            ("active_time_intervals", &node.active),
        ] {
            if !names.is_empty() {
                entries.push((key.to_owned(), string_array(names)));
            }
        }
        self.org.routes.push(Route { origin, entries });
    }
}

impl Reader<'_> {
    /// The stopping routes that belong just above `parent`'s entry: each takes what its
    /// `continue: true` child matched and tells no one, so those alerts never reach the
    /// parent's own receiver, as in Alertmanager (whose parent receiver only takes alerts none
    /// of its children matched).
    fn push_stoppers(&mut self, parent: &str) {
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.stoppers)
            .into_iter()
            .partition(|(path, _, _)| path == parent);
        self.stoppers = rest;
        for (_, child, matchers) in mine {
            let origin = self.origin(
                "route",
                format!("{child} (stop)"),
                format!(
                    "added: alerts {child} took (it continues) stop here, short of {}'s own receiver, as in Alertmanager",
                    route_name(parent)
                ),
            );
            let mut matcher = toml::map::Map::new();
            matcher.insert("kind".to_owned(), string("alert"));
            if !matchers.is_empty() {
                matcher.insert(
                    "matchers".to_owned(),
                    string_array(&Matchers::texts(&matchers)),
                );
            }
            self.org.routes.push(Route {
                origin,
                entries: vec![
                    ("match".to_owned(), toml::Value::Table(matcher)),
                    ("to".to_owned(), string_array(&[])),
                ],
            });
        }
    }
}

/// How a route is named in sentences.
fn route_name(path: &str) -> String {
    if path == "route" {
        "the root route".to_owned()
    } else {
        path.to_owned()
    }
}

impl Reader<'_> {
    /// Where the flat list's `continue` cannot follow Alertmanager's tree exactly.
    fn report_continue_differences(&mut self, node: &Flat, later: &[Flat], origin: &Origin) {
        if node.continue_matching
            && let Some(parent) = &node.place.parent
        {
            self.report_parent_fallback(node, parent, later, origin);
        }
        if !node.continue_matching
            && let Some(ancestor) = &node.place.continuing_ancestor
        {
            let ancestor = &route_name(ancestor);
            self.skip(
                origin.clone(),
                format!(
                    "{} stops the walk in Firewatch, but in Alertmanager {ancestor}, above it, has continue: true, so the routes after {ancestor} are tried as well.",
                    node.path
                ),
                format!("Add continue = true to this route if the routes after {ancestor} must hear of these alerts too (they will then also reach the routes between, up to {ancestor}'s own)."),
            );
        }
    }

    /// A `continue: true` route that matched keeps its alerts from its parent's own receiver
    /// in Alertmanager (a parent's receiver is only the fallback when none of its child routes
    /// matched); Firewatch's flat list goes on past it and may reach the parent's entry.
    fn report_parent_fallback(
        &mut self,
        node: &Flat,
        parent: &Parent,
        later: &[Flat],
        origin: &Origin,
    ) {
        // A route between them that stops the walk and asks nothing this one did not (a
        // sibling with the same matchers, as Alertmanager's docs pair dev-pager and
        // on-call-pager) takes every alert first: no difference.
        let taken_between = later
            .iter()
            .take_while(|other| other.path != parent.path)
            .any(|other| {
                !other.continue_matching
                    && other.settings.refused.is_empty()
                    && other
                        .settings
                        .matchers
                        .iter()
                        .all(|matcher| node.settings.matchers.contains(matcher))
            });
        if taken_between {
            return;
        }
        let own = self.destinations_of(&node.settings.receiver);
        let extra: Vec<String> = self
            .destinations_of(&parent.receiver)
            .iter()
            .filter(|destination| !own.contains(destination))
            .cloned()
            .collect();
        if extra.is_empty() {
            return;
        }
        let parent_name = &route_name(&parent.path);
        let extra = extra.join(", ");
        let fix = if parent.continue_matching {
            format!(
                "Accept the extra messages in {extra}, or give these alerts a label of their own in Prometheus and add a matcher excluding it (name!=\"value\") to the entry of {parent_name}."
            )
        } else {
            // Exact in Firewatch's terms: just above the parent's entry (after every route
            // below the parent), a route with this one's matchers that tells no one and stops.
            self.stoppers.push((
                parent.path.clone(),
                node.path.clone(),
                node.settings.matchers.clone(),
            ));
            return;
        };
        self.skip(
            origin.clone(),
            format!(
                "{} has continue: true; in Alertmanager the alerts it takes never reach {parent_name}'s own receiver {} (a parent's receiver only takes alerts none of its child routes matched), but Firewatch's flat list goes on past it and, unless a route between them takes the alerts, reaches the entry of {parent_name} (which comes after its child routes') and tells {extra}.",
                node.path, parent.receiver
            ),
            fix,
        );
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use jiff::Timestamp;

    use super::*;
    use crate::core::time_interval::NamedTimeInterval;

    const FIXTURE: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/import/alertmanager"
    );

    fn fixture() -> String {
        std::fs::read_to_string(format!("{FIXTURE}/alertmanager.yml")).expect("fixture")
    }

    fn entry<'a>(entries: &'a [(String, toml::Value)], key: &str) -> Option<&'a toml::Value> {
        entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn strings(value: Option<&toml::Value>) -> Vec<String> {
        value
            .and_then(toml::Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Firewatch's routing (core/routing.rs, alerts/notices.rs `plan`) over the imported
    /// routes, for an alert with `labels` at `at`: routes tried in order, each matching when
    /// every one of its `matchers` does (Firewatch's own matchers: anchored regexes, a missing
    /// label empty, `severity` Firewatch's reading of it), telling its `to` unless muted then,
    /// and ending the walk unless `continue`. The destinations told, in order.
    fn firewatch_destinations(org: &Org, labels: &[(&str, &str)], at: Timestamp) -> Vec<String> {
        let mut carried: BTreeMap<String, String> = labels
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        let severity = carried
            .get("severity")
            .map(String::as_str)
            .filter(|v| ["critical", "error", "warning", "info"].contains(v))
            .unwrap_or("warning")
            .to_owned();
        carried.insert("severity".to_owned(), severity);
        let in_force: Vec<String> = org
            .time_intervals
            .iter()
            .map(|table| {
                let value = toml::Value::Table(table.entries.iter().cloned().collect());
                let interval: NamedTimeInterval = value.try_into().expect("a time interval");
                interval
            })
            .filter(|interval| interval.contains(at))
            .map(|interval| interval.name)
            .collect();
        let mut told = Vec::new();
        for route in &org.routes {
            let matcher = entry(&route.entries, "match")
                .and_then(toml::Value::as_table)
                .expect("a match table");
            assert_eq!(matcher.get("kind").and_then(|k| k.as_str()), Some("alert"));
            assert!(matcher.keys().all(|k| k == "kind" || k == "matchers"));
            let matches = strings(matcher.get("matchers")).iter().all(|text| {
                parse_matchers(text)
                    .expect("Firewatch reads the matcher")
                    .iter()
                    .all(|m| m.matches(&carried))
            });
            if !matches {
                continue;
            }
            let mute = strings(entry(&route.entries, "mute_time_intervals"));
            let active = strings(entry(&route.entries, "active_time_intervals"));
            let muted = mute.iter().any(|m| in_force.contains(m))
                || (!active.is_empty() && !active.iter().any(|a| in_force.contains(a)));
            if !muted {
                for destination in strings(entry(&route.entries, "to")) {
                    if !told.contains(&destination) {
                        told.push(destination);
                    }
                }
            }
            if entry(&route.entries, "continue").and_then(toml::Value::as_bool) != Some(true) {
                break;
            }
        }
        told
    }

    #[test]
    fn the_fixture_routes_as_amtool_said_except_where_reported() {
        let org = read(&fixture(), "alertmanager.yml").unwrap();
        let routes: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{FIXTURE}/routes.json")).unwrap(),
        )
        .unwrap();
        let at: Timestamp = routes["at"].as_str().unwrap().parse().unwrap();
        let cases = routes["cases"].as_array().unwrap();
        assert!(cases.len() >= 12);
        for case in cases {
            let labels: Vec<(&str, &str)> = case["labels"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
                .collect();
            let expected: Vec<String> =
                serde_json::from_value(case["firewatch_destinations"].clone()).unwrap();
            assert_eq!(
                firewatch_destinations(&org, &labels, at),
                expected,
                "{case}"
            );
            let same = case["firewatch_destinations"] == case["alertmanager_destinations"];
            assert_eq!(case["exact"] == true, same, "{case}");
            assert!(same || case["why"].is_string(), "{case}");
        }
        // dev-pager continues, but on-call-pager, with the same matchers, stops the walk
        // before the root's entry: nothing to report.
        assert!(!org.skipped.iter().any(|s| s.origin.id == "route.routes[5]"));
        // routes[7] continues to a receiver with nothing to send to; a stop above the root's
        // entry keeps its alerts from the root's receiver, as Alertmanager does: every case
        // is exact, with no report.
        assert!(cases.iter().all(|case| case["exact"] == true));
        assert!(!org.skipped.iter().any(|s| s.origin.id == "route.routes[7]"));
    }

    #[test]
    fn the_fixture_flattens_depth_first_with_every_matcher_from_the_root() {
        let org = read(&fixture(), "alertmanager.yml").unwrap();
        let ids: Vec<&str> = org.routes.iter().map(|r| r.origin.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "route.routes[0].routes[0]",
                "route.routes[0]",
                "route.routes[1].routes[0]",
                "route.routes[1]",
                "route.routes[2].routes[0]",
                "route.routes[2].routes[1]",
                "route.routes[2]",
                "route.routes[3]",
                "route.routes[4]",
                "route.routes[5]",
                "route.routes[6]",
                "route.routes[7]",
                "route.routes[8]",
                "route.routes[7] (stop)",
                "route"
            ]
        );
        let first = &org.routes[0].entries;
        let keys: Vec<&str> = first.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "match",
                "to",
                "group_by",
                "group_wait",
                "group_interval",
                "repeat_interval"
            ]
        );
        assert_eq!(
            matchers_of(&org.routes[0]),
            [r#"service=~"foo1|foo2|baz""#, r#"severity="critical""#]
        );
        assert_eq!(strings(entry(first, "to")), ["team-x-pager"]);
        assert_eq!(
            strings(entry(first, "group_by")),
            ["alertname", "cluster", "service"]
        );
        assert_eq!(
            entry(first, "repeat_interval").unwrap().as_str(),
            Some("3h")
        );
        // The old forms read as matchers: match_re stays anchored as in Alertmanager.
        assert_eq!(matchers_of(&org.routes[11]), [r#"test=~"^[12]$""#]);
        assert_eq!(matchers_of(&org.routes[12]), [r#"test="2""#]);
        // The root matches every alert: no matchers key.
        let root = entry(&org.routes[14].entries, "match").unwrap();
        assert_eq!(root.as_table().unwrap().len(), 1);
        // database-pager: its own group_wait, the root's group_by.
        let database = &org.routes[7].entries;
        assert_eq!(entry(database, "group_wait").unwrap().as_str(), Some("10s"));
        assert_eq!(strings(entry(database, "to")), ["database-pager"]);
        // team-DB-pager has only PagerDuty: `to = []` takes the alerts and tells no one.
        let stopper = &org.routes[6];
        assert_eq!(entry(&stopper.entries, "to"), Some(&string_array(&[])));
        assert!(entry(&stopper.entries, "mute_time_intervals").is_none());
        assert!(stopper.origin.name.contains("tells no one"));
        assert_eq!(
            strings(entry(&stopper.entries, "group_by")),
            ["alertname", "cluster", "database"]
        );
        // test1 has no configs: still a route, continuing.
        let test1 = &org.routes[11].entries;
        assert!(strings(entry(test1, "to")).is_empty());
        assert_eq!(entry(test1, "continue").unwrap().as_bool(), Some(true));
        // dev-pager keeps its continue and mute intervals; on-call-pager its active ones.
        let dev = &org.routes[9].entries;
        assert_eq!(entry(dev, "continue").unwrap().as_bool(), Some(true));
        assert_eq!(
            strings(entry(dev, "mute_time_intervals")),
            ["offhours", "holidays"]
        );
        assert_eq!(
            strings(entry(&org.routes[10].entries, "active_time_intervals")),
            ["offhours", "holidays"]
        );
        // Nothing is skipped for its matchers any more, and no interval is made up.
        assert!(
            !org.skipped
                .iter()
                .any(|s| s.reason.contains("was not carried"))
        );
        assert_eq!(org.time_intervals.len(), 2);
        // Every matcher written reads back as Firewatch's config reads it.
        for route in &org.routes {
            for text in matchers_of(route) {
                assert_eq!(parse_matchers(&text).unwrap()[0].to_string(), text);
            }
        }
    }

    #[test]
    fn no_secret_or_webhook_url_from_the_file_is_in_the_org() {
        let org = read(&fixture(), "alertmanager.yml").unwrap();
        let debug = format!("{org:?}");
        for secret in [
            "mysecret",
            "smtp-password-from-fixture",
            "127.0.0.1:5001",
            "discord-token-from-fixture",
            "team-X-key",
            "team-Y-key",
        ] {
            assert!(!debug.contains(secret), "{secret} leaked");
        }
        let slack = org.destinations.iter().find(|d| d.kind == "slack").unwrap();
        assert_eq!(
            entry(&slack.entries, "url").unwrap().as_str(),
            Some("${SLACK_WEBHOOK_URL_FRONTEND_PAGER}")
        );
        assert!(org.skipped.iter().any(|s| {
            s.manual_step.contains("SLACK_WEBHOOK_URL_FRONTEND_PAGER")
                && s.manual_step.contains("slack_api_url")
        }));
        let mail = org
            .destinations
            .iter()
            .find(|d| d.name == "team-x-mails")
            .unwrap();
        assert_eq!(
            entry(&mail.entries, "password").unwrap().as_str(),
            Some("${SMTP_PASSWORD_TEAM_X_MAILS}")
        );
    }

    #[test]
    fn receivers_become_destinations() {
        let org = read(&fixture(), "alertmanager.yml").unwrap();
        let made: Vec<(&str, &str)> = org
            .destinations
            .iter()
            .map(|d| (d.name.as_str(), d.kind.as_str()))
            .collect();
        assert_eq!(
            made,
            [
                ("team-x-mails", "email"),
                ("team-x-pager", "email"),
                ("team-y-mails", "email"),
                ("database-pager", "webhook"),
                ("frontend-pager", "slack"),
                ("dev-pager", "discord"),
            ]
        );
        let mail = &org.destinations[0].entries;
        let keys: Vec<&str> = mail.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            ["host", "port", "tls", "username", "password", "from", "to"]
        );
        assert_eq!(entry(mail, "host").unwrap().as_str(), Some("localhost"));
        assert_eq!(entry(mail, "port").unwrap().as_integer(), Some(25));
        assert_eq!(entry(mail, "tls").unwrap().as_str(), Some("starttls"));
        assert_eq!(strings(entry(mail, "to")), ["team-X+alerts@example.org"]);
        let slack = &org.destinations[4].entries;
        assert_eq!(
            entry(slack, "channel").unwrap().as_str(),
            Some("#my-channel")
        );
        for kind in ["pagerduty", "opsgenie", "victorops", "pushover"] {
            assert!(
                org.skipped
                    .iter()
                    .any(|s| s.origin.id.contains(&format!("{kind}_configs"))),
                "{kind}"
            );
        }
        let pd = org
            .skipped
            .iter()
            .find(|s| s.origin.id.contains("pagerduty_configs"))
            .unwrap();
        assert!(pd.manual_step.contains("firewatch import pagerduty"));
    }

    #[test]
    fn several_configs_make_numbered_destinations() {
        let yaml = r##"
global: {smtp_smarthost: "smtp.example.com:465", smtp_from: "am@example.com"}
route: {receiver: ops}
receivers:
  - name: Ops
    slack_configs:
      - api_url: https://hooks.slack.com/services/T0/B0/secret1
        channel: "#ops"
      - api_url_file: /etc/am/slack
    email_configs:
      - to: "a@example.com, b@example.com"
        require_tls: false
"##;
        let error = read(yaml, "am.yml").unwrap_err();
        assert!(error.0.contains("\"ops\""), "{error}");
        let org = read(&yaml.replace("receiver: ops", "receiver: Ops"), "am.yml").unwrap();
        let names: Vec<&str> = org.destinations.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["ops", "ops-2", "ops-3"]);
        assert_eq!(
            entry(&org.destinations[1].entries, "url").unwrap().as_str(),
            Some("${SLACK_WEBHOOK_URL_OPS_2}")
        );
        assert!(
            org.skipped
                .iter()
                .any(|s| s.manual_step.contains("contents of /etc/am/slack"))
        );
        let mail = &org.destinations[2].entries;
        assert_eq!(entry(mail, "tls").unwrap().as_str(), Some("tls"));
        assert_eq!(
            strings(entry(mail, "to")),
            ["a@example.com", "b@example.com"]
        );
        assert!(!format!("{org:?}").contains("secret1"));
        assert_eq!(
            strings(entry(&org.routes[0].entries, "to")),
            ["ops", "ops-2", "ops-3"]
        );
    }

    fn routes_of(yaml_routes: &str) -> Org {
        let yaml = format!(
            "route:\n  receiver: a\n{yaml_routes}\nreceivers:\n  - {{name: a, webhook_configs: [{{url: 'http://a'}}]}}\n  - {{name: b, webhook_configs: [{{url: 'http://b'}}]}}\n  - {{name: c, webhook_configs: [{{url: 'http://c'}}]}}\n  - {{name: none}}\n"
        );
        read(&yaml, "am.yml").unwrap()
    }

    fn matchers_of(route: &Route) -> Vec<String> {
        strings(entry(&route.entries, "match").unwrap().get("matchers"))
    }

    fn ids(org: &Org) -> Vec<&str> {
        org.routes.iter().map(|r| r.origin.id.as_str()).collect()
    }

    #[test]
    fn matchers_are_anded_down_the_tree_in_any_form() {
        let org = routes_of(
            r#"  group_by: ['...']
  routes:
    - match_re: {env: '^(prod|dr|dev)$'}
      match: {tier: 1}
      receiver: b
      group_interval: 1w
      routes:
        - matchers: ['{region=~"eu-.*", zone!~"a|b"}', 'host!~db\.1']
        - matchers: ['{}']
          receiver: c"#,
        );
        assert_eq!(
            ids(&org),
            [
                "route.routes[0].routes[0]",
                "route.routes[0].routes[1]",
                "route.routes[0]",
                "route"
            ]
        );
        assert_eq!(
            matchers_of(&org.routes[0]),
            [
                r#"tier="1""#,
                r#"env=~"^(prod|dr|dev)$""#,
                r#"region=~"eu-.*""#,
                r#"zone!~"a|b""#,
                r#"host!~"db\\.1""#,
            ]
        );
        assert_eq!(strings(entry(&org.routes[0].entries, "to")), ["b"]);
        assert_eq!(strings(entry(&org.routes[0].entries, "group_by")), ["..."]);
        assert_eq!(
            entry(&org.routes[0].entries, "group_interval")
                .unwrap()
                .as_str(),
            Some("7d")
        );
        assert_eq!(matchers_of(&org.routes[1]), matchers_of(&org.routes[2]));
        assert!(org.skipped.iter().all(|s| !s.origin.what.contains("route")));
        let at = Timestamp::UNIX_EPOCH;
        let told = |labels: &[(&str, &str)]| firewatch_destinations(&org, labels, at);
        let prod = [("env", "prod"), ("tier", "1")];
        assert_eq!(told(&[("env", "prod")]), ["a"]);
        assert_eq!(told(&[("env", "production"), ("tier", "1")]), ["a"]);
        assert_eq!(told(&[prod[0], prod[1], ("region", "eu-west")]), ["b"]);
        // A missing label reads as empty: `region=~"eu-.*"` needs one, `zone!~` does not.
        assert_eq!(told(&prod), ["c"]);
        assert_eq!(
            told(&[prod[0], prod[1], ("region", "eu-1"), ("zone", "b")]),
            ["c"]
        );
        assert_eq!(
            told(&[prod[0], prod[1], ("region", "eu-1"), ("host", "db.1")]),
            ["c"]
        );
        assert_eq!(
            told(&[prod[0], prod[1], ("region", "eu-1"), ("host", "dbx1")]),
            ["b"]
        );
    }

    #[test]
    fn receivers_with_nothing_to_send_to_take_the_alerts_and_tell_no_one() {
        let org = routes_of(
            r#"  routes:
    - matchers: [team="db"]
      receiver: none
      continue: true
    - matchers: [team="db", env="prod"]
      receiver: none
    - matchers: [team=~"db|web"]
      receiver: b"#,
        );
        // The three, a stop for what routes[0] took, just above the root's entry, the root.
        assert_eq!(org.routes.len(), 5);
        assert!(strings(entry(&org.routes[0].entries, "to")).is_empty());
        assert!(strings(entry(&org.routes[1].entries, "to")).is_empty());
        assert_eq!(org.routes[3].origin.id, "route.routes[0] (stop)");
        assert!(strings(entry(&org.routes[3].entries, "to")).is_empty());
        let at = Timestamp::UNIX_EPOCH;
        let told = |labels: &[(&str, &str)]| firewatch_destinations(&org, labels, at);
        assert_eq!(
            told(&[("team", "db"), ("env", "prod")]),
            Vec::<String>::new()
        );
        assert_eq!(told(&[("team", "db")]), ["b"]);
        assert_eq!(told(&[("team", "web")]), ["b"]);
        assert_eq!(told(&[("team", "ops")]), ["a"]);
        // Exact, so nothing about routes[0] is in the report.
        assert!(!org.skipped.iter().any(|s| s.origin.id == "route.routes[0]"));
    }

    #[test]
    fn a_continuing_route_keeps_its_alerts_from_its_parents_receiver() {
        // Alertmanager: team=db takes routes[0] (b), continues, matches nothing more, and the
        // root's own receiver a is not told (a child matched).
        let org = routes_of(
            r#"  routes:
    - matchers: [team="db"]
      receiver: b
      continue: true
    - matchers: [team="web"]
      receiver: b"#,
        );
        let told =
            |labels: &[(&str, &str)]| firewatch_destinations(&org, labels, Timestamp::UNIX_EPOCH);
        assert_eq!(told(&[("team", "db")]), ["b"]);
        assert_eq!(told(&[("team", "ops")]), ["a"]);
    }

    #[test]
    fn a_stop_under_a_continuing_parent_is_reported() {
        let org = routes_of(
            r#"  routes:
    - matchers: [team="db"]
      receiver: b
      continue: true
      routes:
        - matchers: [team="db"]
          receiver: c
    - matchers: [team=~"db|web"]
      receiver: c"#,
        );
        // Its three routes and the root, and the stop routes[0] asks for above the root.
        assert_eq!(org.routes.len(), 5);
        assert!(
            org.skipped
                .iter()
                .any(|s| s.origin.id == "route.routes[0].routes[0]"
                    && s.reason.contains("stops the walk"))
        );
        // Without routes after the continuing one there is nothing more to try: no report.
        let last = routes_of(
            r#"  routes:
    - matchers: [team="db"]
      receiver: b
      continue: true
      routes:
        - matchers: [env="prod"]
          receiver: c"#,
        );
        assert!(
            !last
                .skipped
                .iter()
                .any(|s| s.origin.id == "route.routes[0].routes[0]")
        );
        // routes[0] continues; its parent, the root, tells a: a stop above the root's entry.
        assert!(
            org.routes
                .iter()
                .any(|route| route.origin.id == "route.routes[0] (stop)")
        );
    }

    #[test]
    fn matchers_firewatch_cannot_read_skip_the_route_and_its_children() {
        let org = routes_of(
            r#"  routes:
    - matchers: ['"k8s.io/app"="web"']
      receiver: b
      routes:
        - matchers: [env="prod"]
          receiver: c
    - match: {team: db}
      match_re: {host: 'db-(\d+'}
      receiver: c
    - matchers: [team=web]
      receiver: c
inhibit_rules:
  - source_matchers: [alertname=Down]
    target_match_re: {"k8s.io/app": ".*"}"#,
        );
        assert_eq!(ids(&org), ["route.routes[2]", "route"]);
        for (id, refused) in [
            ("route.routes[0].routes[0]", r#"`"k8s.io/app"="web"`"#),
            ("route.routes[0]", "not a label name"),
            ("route.routes[1]", "not a valid regular expression"),
        ] {
            let skipped = org
                .skipped
                .iter()
                .find(|s| s.origin.id == id)
                .unwrap_or_else(|| panic!("{id}"));
            assert!(
                skipped.reason.contains("was not carried") && skipped.reason.contains(refused),
                "{skipped:?}"
            );
        }
        assert!(org.inhibit_rules.is_empty());
        assert!(
            org.skipped
                .iter()
                .any(|s| s.origin.id == "inhibit_rules[0]" && s.reason.contains("k8s.io/app"))
        );
    }

    #[test]
    fn inhibit_rules_and_time_intervals_keep_alertmanagers_shape() {
        let org = read(&fixture(), "alertmanager.yml").unwrap();
        assert_eq!(org.inhibit_rules.len(), 2);
        for rule in &org.inhibit_rules {
            assert_eq!(
                strings(entry(&rule.entries, "source_matchers")),
                [r#"severity="critical""#]
            );
            assert_eq!(
                strings(entry(&rule.entries, "target_matchers")),
                [r#"severity="warning""#]
            );
            assert_eq!(
                strings(entry(&rule.entries, "equal")),
                ["alertname", "cluster", "service"]
            );
        }
        let names: Vec<&str> = org
            .time_intervals
            .iter()
            .map(|t| entry(&t.entries, "name").unwrap().as_str().unwrap())
            .collect();
        assert_eq!(names, ["holidays", "offhours"]);
        let offhours = toml::Value::Table(org.time_intervals[1].entries.iter().cloned().collect());
        let text = toml::to_string(&offhours).unwrap();
        assert!(
            text.contains(r#"weekdays = ["saturday", "sunday"]"#),
            "{text}"
        );
        assert!(text.contains(r#"end_time = "24:00""#), "{text}");
        assert!(
            org.skipped
                .iter()
                .any(|s| s.origin.what.contains("severity"))
        );
        assert!(org.skipped.iter().any(|s| s.origin.id == "templates"));
    }

    #[test]
    fn yaml_errors_name_the_line_and_reading_is_deterministic() {
        let error = read("route:\n  receiver: [a\n", "am.yml").unwrap_err();
        assert!(
            error.0.starts_with("am.yml is not valid YAML") && error.0.contains("line"),
            "{error}"
        );
        assert!(read("- 1\n", "am.yml").is_err());
        assert!(
            read("receivers: []\n", "am.yml")
                .unwrap_err()
                .0
                .contains("no route")
        );
        assert_eq!(
            format!("{:?}", read(&fixture(), "a").unwrap()),
            format!("{:?}", read(&fixture(), "a").unwrap())
        );
    }

    #[test]
    fn durations_read_as_firewatch_does() {
        assert_eq!(duration("30s").as_deref(), Some("30s"));
        assert_eq!(duration("1h30m").as_deref(), Some("1h30m"));
        assert_eq!(duration("90m").as_deref(), Some("1h30m"));
        assert_eq!(duration("1y").as_deref(), Some("365d"));
        assert_eq!(duration("0").as_deref(), Some("0s"));
        assert_eq!(duration("250ms").as_deref(), Some("250ms"));
        assert_eq!(duration("5 minutes"), None);
    }
}
