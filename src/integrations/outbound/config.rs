//! The config sections of outbound delivery: `[[destinations]]` (one variant per kind),
//! `[[chat_apps]]` (the Slack apps and Mattermost bots some destinations post through),
//! `[[templates]]` and `[tickets]`.

use std::collections::{BTreeMap, HashMap, HashSet};

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
    Jandi(JandiDestination),
    Dooray(DoorayDestination),
    Kakaowork(KakaoworkDestination),
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
    /// The language of its messages; unset, `[server] locale`.
    #[serde(default)]
    pub locale: Option<crate::i18n::Locale>,
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

/// A Slack channel: through an incoming webhook (`url`), or through a chat app (`app`, and
/// the `channel` id), which keeps each message's id so it can be updated later. With a
/// webhook, `channel`, `username` and `icon_emoji` are honoured only by legacy webhooks; app
/// webhooks post where they were created.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackDestination {
    pub name: String,
    /// The language of its messages; unset, `[server] locale`.
    #[serde(default)]
    pub locale: Option<crate::i18n::Locale>,
    pub url: Option<String>,
    pub app: Option<String>,
    pub channel: Option<String>,
    pub username: Option<String>,
    pub icon_emoji: Option<String>,
}

/// A Mattermost channel: through an incoming webhook (`url`), or through a chat app (`app`,
/// and the `channel` id). With a webhook, `channel`, `username` and `icon_url` apply only where
/// the server lets integrations override them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MattermostDestination {
    pub name: String,
    /// The language of its messages; unset, `[server] locale`.
    #[serde(default)]
    pub locale: Option<crate::i18n::Locale>,
    pub url: Option<String>,
    pub app: Option<String>,
    pub channel: Option<String>,
    pub username: Option<String>,
    pub icon_url: Option<String>,
}

/// `[[chat_apps]]`: a Slack app or a Mattermost bot account that Firewatch posts through,
/// keeping each message's id.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChatAppConfig {
    Slack(SlackApp),
    Mattermost(MattermostApp),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackApp {
    pub name: String,
    /// The bot's `xoxb-` token: `chat.postMessage`, `chat.update`, `users.lookupByEmail`.
    pub bot_token: String,
    /// Verifies the requests Slack sends (buttons, commands, events).
    pub signing_secret: Option<String>,
    /// Slack's Web API; a stand-in's address in tests.
    #[serde(default = "slack_api_url")]
    pub api_url: String,
    #[serde(default)]
    pub incident_channels: bool,
    pub timeline_reaction: Option<String>,
}

fn slack_api_url() -> String {
    "https://slack.com/api".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MattermostApp {
    pub name: String,
    /// The Mattermost server, e.g. `https://chat.example.com`.
    pub url: String,
    /// A bot account's access token.
    pub bot_token: String,
    /// The slash command's token, which Mattermost sends with each command.
    pub command_token: Option<String>,
    /// Gives each declared incident a channel, in the team `team_id`.
    #[serde(default)]
    pub incident_channels: bool,
    pub team_id: Option<String>,
}

impl ChatAppConfig {
    /// What only Firewatch and the platform know, to key Firewatch's own signatures with:
    /// a Slack app's signing secret (its bot token without one), a Mattermost bot's token.
    pub fn secret(&self) -> &str {
        match self {
            ChatAppConfig::Slack(app) => app
                .signing_secret
                .as_deref()
                .filter(|secret| !secret.is_empty())
                .unwrap_or(&app.bot_token),
            ChatAppConfig::Mattermost(app) => &app.bot_token,
        }
    }

    /// Whether a declared incident gets its own channel here.
    pub fn incident_channels(&self) -> bool {
        match self {
            ChatAppConfig::Slack(app) => app.incident_channels,
            ChatAppConfig::Mattermost(app) => app.incident_channels,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            ChatAppConfig::Slack(app) => &app.name,
            ChatAppConfig::Mattermost(app) => &app.name,
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self {
            ChatAppConfig::Slack(_) => "slack",
            ChatAppConfig::Mattermost(_) => "mattermost",
        }
    }
}

/// Checks every chat app; returns each one's name and kind, for the destinations that post
/// through one.
pub fn validate_chat_apps<'c>(
    apps: &'c [ChatAppConfig],
    problems: &mut Problems,
) -> HashMap<&'c str, &'static str> {
    let mut names = HashMap::new();
    for (index, app) in apps.iter().enumerate() {
        let path = format!("chat_apps[{index}]");
        let name = app.name();
        if !is_valid_name(name) {
            problems.error(
                format!("{path}.name"),
                format!("\"{name}\" may hold only letters, digits, '-', '_' and '.'"),
            );
        }
        if names.insert(name, app.kind_name()).is_some() {
            problems.error(
                format!("{path}.name"),
                format!("chat app \"{name}\" is defined twice"),
            );
        }
        let (url_key, url, token) = match app {
            ChatAppConfig::Slack(slack) => ("api_url", &slack.api_url, &slack.bot_token),
            ChatAppConfig::Mattermost(mattermost) => {
                ("url", &mattermost.url, &mattermost.bot_token)
            }
        };
        if !is_http_url(url) {
            problems.error(
                format!("{path}.{url_key}"),
                format!("\"{url}\" is not an http(s) URL"),
            );
        }
        if token.trim().is_empty() {
            problems.error(
                format!("{path}.bot_token"),
                "is empty: the app posts with its bot token".to_owned(),
            );
        }
        if let ChatAppConfig::Mattermost(mattermost) = app {
            if mattermost.incident_channels
                && mattermost.team_id.as_deref().is_none_or(str::is_empty)
            {
                problems.error(
                    format!("{path}.team_id"),
                    "is missing: incident_channels makes channels in a team, named by its id"
                        .to_owned(),
                );
            }
        }
    }
    names
}

/// A chat destination's `url` or `app`: exactly one, and an app of the destination's kind
/// with the channel it posts to.
fn check_chat_way(
    path: &str,
    kind: &str,
    url: Option<&String>,
    app: Option<&String>,
    channel: Option<&String>,
    apps: &HashMap<&str, &'static str>,
    problems: &mut Problems,
) {
    match (url, app) {
        (Some(_), Some(_)) => problems.error(
            format!("{path}.app"),
            "give either url (an incoming webhook) or app (a chat app), not both".to_owned(),
        ),
        (None, None) => problems.error(
            format!("{path}.url"),
            "is missing: give url (an incoming webhook) or app (a chat app) and channel".to_owned(),
        ),
        (Some(url), None) => {
            if !is_http_url(url) {
                problems.error(
                    format!("{path}.url"),
                    format!("\"{url}\" is not an http(s) URL"),
                );
            }
        }
        (None, Some(app)) => {
            match apps.get(app.as_str()) {
                None => problems.error(
                    format!("{path}.app"),
                    format!("no chat app \"{app}\" in [[chat_apps]]"),
                ),
                Some(app_kind) if *app_kind != kind => problems.error(
                    format!("{path}.app"),
                    format!("chat app \"{app}\" is a {app_kind} app; this destination is {kind}"),
                ),
                Some(_) => {}
            }
            if channel.is_none_or(|channel| channel.trim().is_empty()) {
                problems.error(
                    format!("{path}.channel"),
                    "is missing: an app posts to a channel by its id".to_owned(),
                );
            }
        }
    }
}

/// A Discord channel webhook; `username` and `avatar_url` replace the webhook's own.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordDestination {
    pub name: String,
    /// The language of its messages; unset, `[server] locale`.
    #[serde(default)]
    pub locale: Option<crate::i18n::Locale>,
    pub url: String,
    pub username: Option<String>,
    pub avatar_url: Option<String>,
}

/// A Microsoft Teams channel or chat, through a Workflows webhook that posts Adaptive Cards.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamsDestination {
    pub name: String,
    /// The language of its messages; unset, `[server] locale`.
    #[serde(default)]
    pub locale: Option<crate::i18n::Locale>,
    pub url: String,
}

/// A JANDI topic's incoming webhook, or a team incoming webhook (which also reaches one member
/// by email: a person's `jandi` contact).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JandiDestination {
    pub name: String,
    /// The language of its messages; unset, `[server] locale`.
    #[serde(default)]
    pub locale: Option<crate::i18n::Locale>,
    pub url: String,
}

/// A KakaoWork bot: its app key (`token`), the Web API (`api_url`), and the conversation it
/// posts to; a person's `kakaowork` contact reaches them 1:1 by email through it. Its buttons'
/// clicks come back to `/chat/kakaowork/{name}/actions` (the bot's callback URL).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KakaoworkDestination {
    pub name: String,
    /// The language of its messages; unset, `[server] locale`.
    #[serde(default)]
    pub locale: Option<crate::i18n::Locale>,
    pub token: String,
    #[serde(default = "kakaowork_api_url")]
    pub api_url: String,
    pub conversation_id: Option<i64>,
}

fn kakaowork_api_url() -> String {
    "https://api.kakaowork.com".into()
}

/// A Dooray! Messenger room's incoming hook; `bot_name` and `bot_icon_image` show as its sender.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoorayDestination {
    pub name: String,
    /// The language of its messages; unset, `[server] locale`.
    #[serde(default)]
    pub locale: Option<crate::i18n::Locale>,
    pub url: String,
    pub bot_name: Option<String>,
    pub bot_icon_image: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookDestination {
    pub name: String,
    /// The language of its messages; unset, `[server] locale`.
    #[serde(default)]
    pub locale: Option<crate::i18n::Locale>,
    pub url: String,
    pub secret: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

impl DestinationConfig {
    /// Whether its messages carry buttons: it posts through a chat app, or it is a KakaoWork
    /// bot.
    pub fn takes_clicks(&self) -> bool {
        self.app().is_some() || matches!(self, DestinationConfig::Kakaowork(_))
    }

    /// The chat app it posts through, if it posts through one.
    pub fn app(&self) -> Option<&str> {
        match self {
            DestinationConfig::Slack(slack) => slack.app.as_deref(),
            DestinationConfig::Mattermost(mattermost) => mattermost.app.as_deref(),
            _ => None,
        }
    }

    /// The language it was given, if any (Twilio's pages speak each person's).
    pub fn locale(&self) -> Option<crate::i18n::Locale> {
        match self {
            DestinationConfig::Webhook(d) => d.locale,
            DestinationConfig::Slack(d) => d.locale,
            DestinationConfig::Mattermost(d) => d.locale,
            DestinationConfig::Discord(d) => d.locale,
            DestinationConfig::Teams(d) => d.locale,
            DestinationConfig::Jandi(d) => d.locale,
            DestinationConfig::Dooray(d) => d.locale,
            DestinationConfig::Kakaowork(d) => d.locale,
            DestinationConfig::Email(d) => d.locale,
            DestinationConfig::Twilio(_) => None,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            DestinationConfig::Webhook(webhook) => &webhook.name,
            DestinationConfig::Slack(slack) => &slack.name,
            DestinationConfig::Mattermost(mattermost) => &mattermost.name,
            DestinationConfig::Discord(discord) => &discord.name,
            DestinationConfig::Teams(teams) => &teams.name,
            DestinationConfig::Jandi(jandi) => &jandi.name,
            DestinationConfig::Dooray(dooray) => &dooray.name,
            DestinationConfig::Kakaowork(kakaowork) => &kakaowork.name,
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
            DestinationConfig::Jandi(_) => "jandi",
            DestinationConfig::Dooray(_) => "dooray",
            DestinationConfig::Kakaowork(_) => "kakaowork",
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
    apps: &HashMap<&str, &'static str>,
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
            DestinationConfig::Slack(slack) => check_chat_way(
                &path,
                "slack",
                slack.url.as_ref(),
                slack.app.as_ref(),
                slack.channel.as_ref(),
                apps,
                problems,
            ),
            DestinationConfig::Mattermost(mattermost) => {
                check_chat_way(
                    &path,
                    "mattermost",
                    mattermost.url.as_ref(),
                    mattermost.app.as_ref(),
                    mattermost.channel.as_ref(),
                    apps,
                    problems,
                );
                if let Some(url) = mattermost.icon_url.as_ref().filter(|url| !is_http_url(url)) {
                    problems.error(
                        format!("{path}.icon_url"),
                        format!("\"{url}\" is not an http(s) URL"),
                    );
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
            DestinationConfig::Teams(TeamsDestination { url, .. })
            | DestinationConfig::Jandi(JandiDestination { url, .. }) => {
                if !is_http_url(url) {
                    problems.error(
                        format!("{path}.url"),
                        format!("\"{url}\" is not an http(s) URL"),
                    );
                }
            }
            DestinationConfig::Kakaowork(kakaowork) => {
                if !is_http_url(&kakaowork.api_url) {
                    problems.error(
                        format!("{path}.api_url"),
                        format!("\"{}\" is not an http(s) URL", kakaowork.api_url),
                    );
                }
                if kakaowork.token.trim().is_empty() {
                    problems.error(
                        format!("{path}.token"),
                        "is empty: the bot sends with its app key".to_owned(),
                    );
                }
            }
            DestinationConfig::Dooray(dooray) => {
                for (key, url) in [
                    ("url", Some(&dooray.url)),
                    ("bot_icon_image", dooray.bot_icon_image.as_ref()),
                ] {
                    if let Some(url) = url.filter(|url| !is_http_url(url)) {
                        problems.error(
                            format!("{path}.{key}"),
                            format!("\"{url}\" is not an http(s) URL"),
                        );
                    }
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
