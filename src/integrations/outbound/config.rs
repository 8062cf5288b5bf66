//! The config sections of outbound delivery: `[[destinations]]` (one variant per kind), `[[templates]]` and `[tickets]`.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;

use crate::core::problem::{Problems, is_http_url, is_valid_name};

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

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DestinationConfig {
    Webhook(WebhookDestination),
    Slack(SlackDestination),
    Mattermost(MattermostDestination),
    Discord(DiscordDestination),
    Teams(TeamsDestination),
    Email(EmailDestination),
    Twilio(TwilioDestination),
}

/// A Twilio account that people's `twilio_sms` and `twilio_voice` contacts page through. It
/// carries pages only: a route that names it is refused, since Twilio needs a phone number to
/// send to, and only a person's contact has one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwilioDestination {
    pub name: String,
    /// `AC` followed by 32 hex digits, from the Twilio Console.
    pub account_sid: String,
    pub auth_token: String,
    /// The Twilio number pages come from, in E.164 (`+15017122661`).
    pub from: String,
    /// The REST API's origin, `https://api.twilio.com` unless set (to a local stand-in in tests).
    pub api_url: Option<String>,
}

impl TwilioDestination {
    pub const DEFAULT_API_URL: &'static str = "https://api.twilio.com";

    /// The API's origin without a trailing `/`, so paths can be appended.
    pub fn api_url(&self) -> &str {
        self.api_url
            .as_deref()
            .unwrap_or(Self::DEFAULT_API_URL)
            .trim_end_matches('/')
    }

    /// Every problem with the settings, as (key, message).
    fn problems(&self) -> Vec<(String, String)> {
        let mut problems: Vec<(String, String)> = Vec::new();
        let mut problem = |key: &str, message: String| problems.push((key.to_owned(), message));
        // The SID goes into the request path, so it must hold nothing a path would read
        // differently.
        let sid = &self.account_sid;
        if sid.trim().is_empty() {
            problem("account_sid", "is empty".to_owned());
        } else if !sid.starts_with("AC") || !sid.chars().all(|c| c.is_ascii_alphanumeric()) {
            problem(
                "account_sid",
                format!("\"{sid}\" is not an account SID (AC followed by 32 hex digits)"),
            );
        }
        if self.auth_token.trim().is_empty() {
            problem("auth_token", "is empty".to_owned());
        }
        if self.from.trim().is_empty() {
            problem(
                "from",
                "is empty: it must be the Twilio number pages come from, like +15017122661"
                    .to_owned(),
            );
        }
        if let Some(url) = self.api_url.as_ref().filter(|url| !is_http_url(url)) {
            problem("api_url", format!("\"{url}\" is not an http(s) URL"));
        }
        problems
    }
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
            DestinationConfig::Twilio(twilio) => &twilio.name,
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
            DestinationConfig::Twilio(_) => "twilio",
        }
    }

    /// Whether events can be sent here: false for a kind that only carries pages to a person's
    /// contact (twilio), which routes, digests and team channels must not name.
    pub fn takes_events(&self) -> bool {
        !matches!(self, DestinationConfig::Twilio(_))
    }
}

/// Checks every destination; returns their names, for what names them.
pub fn validate_destinations<'c>(
    destinations: &'c [DestinationConfig],
    problems: &mut Problems,
) -> HashSet<&'c str> {
    let mut destination_names = HashSet::new();
    for (index, destination) in destinations.iter().enumerate() {
        let path = format!("destinations[{index}]");
        let name = destination.name();
        if !is_valid_name(name) {
            problems.error(
                format!("{path}.name"),
                format!("\"{name}\" may hold only letters, digits, '-', '_' and '.'"),
            );
        }
        if !destination_names.insert(name) {
            problems.error(
                format!("{path}.name"),
                format!("destination \"{name}\" is defined twice"),
            );
        }
        match destination {
            DestinationConfig::Webhook(webhook) => {
                if !is_http_url(&webhook.url) {
                    problems.error(
                        format!("{path}.url"),
                        format!("\"{}\" is not an http(s) URL", webhook.url),
                    );
                }
                for header in webhook.headers.keys() {
                    if reqwest::header::HeaderName::from_bytes(header.as_bytes()).is_err() {
                        problems.error(
                            format!("{path}.headers"),
                            format!("\"{header}\" is not a valid header name"),
                        );
                    }
                }
            }
            DestinationConfig::Slack(slack) => {
                if !is_http_url(&slack.url) {
                    problems.error(
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
                        problems.error(
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
                        problems.error(
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
                        problems.error(
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
                    problems.error(
                        format!("{path}.url"),
                        format!("\"{}\" is not an http(s) URL", teams.url),
                    );
                }
            }
            DestinationConfig::Email(email) => {
                for (key, message) in email.problems() {
                    problems.error(format!("{path}.{key}"), message);
                }
            }
            DestinationConfig::Twilio(twilio) => {
                for (key, message) in twilio.problems() {
                    problems.error(format!("{path}.{key}"), message);
                }
            }
        }
    }
    destination_names
}

/// Checks every template (each compiles); returns their names, for the routes that name them.
pub fn validate_templates<'c>(
    templates: &'c [TemplateConfig],
    problems: &mut Problems,
) -> HashSet<&'c str> {
    let mut template_names = HashSet::new();
    for (index, template) in templates.iter().enumerate() {
        let path = format!("templates[{index}]");
        if !template_names.insert(template.name.as_str()) {
            problems.error(
                format!("{path}.name"),
                format!("template \"{}\" is defined twice", template.name),
            );
        }
        for (field, source) in [("title", &template.title), ("body", &template.body)] {
            if let Err(problem) = crate::integrations::outbound::template::check(source) {
                problems.error(
                    format!("{path}.{field}"),
                    format!("the template does not compile: {problem}"),
                );
            }
        }
    }
    template_names
}

impl TicketsConfig {
    pub fn validate(&self, problems: &mut Problems) {
        let tickets = self;
        {
            if !tickets.url.contains("{key}")
                || !is_http_url(&tickets.url.replace("{key}", "KEY-1"))
            {
                problems.error(
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
                    problems.error(
                        format!("tickets.projects[{index}]"),
                        format!(
                            "\"{project}\" is not a project key (capital letters and digits, starting with a letter)"
                        ),
                    );
                }
            }
        }
    }
}
