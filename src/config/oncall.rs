//! `[[people]]`, `[[schedules]]` and `[[escalation_policies]]` (PRODUCT.md §3.1): who can be
//! paged and how, the rotas, and who is told in what order. Each section checks itself, and the
//! names they give each other (and teams, services and destinations) are checked here too, so
//! a typo is refused at load rather than found at 3 a.m.

use std::collections::{HashMap, HashSet};

use jiff::SignedDuration;
use serde::Deserialize;

use crate::core::oncall::{Handoff, Layer, Rotation, Schedule, Window};
use crate::core::problem::{Problems, is_http_url, is_valid_name};
use crate::integrations::outbound::config::DestinationConfig;

/// `[paging]`: how pages behave in a storm, and how long their links work.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PagingConfig {
    /// Pages a person gets in a minute before the rest are folded into one "…and N more".
    pub max_pages_per_minute: u32,
    /// How long an acknowledge link works.
    pub link_expiry: String,
    /// Decide and record every page (state `shadow`) but send none: for a week beside the old
    /// pager before switching.
    pub shadow: bool,
}

impl Default for PagingConfig {
    fn default() -> Self {
        Self {
            max_pages_per_minute: 3,
            link_expiry: "24h".into(),
            shadow: false,
        }
    }
}

impl PagingConfig {
    pub fn link_expiry(&self) -> SignedDuration {
        crate::core::silence::parse_duration(&self.link_expiry)
            .unwrap_or(SignedDuration::from_hours(24))
    }

    pub fn validate(&self, problems: &mut Problems) {
        if self.max_pages_per_minute == 0 {
            problems.error(
                "paging.max_pages_per_minute".into(),
                "must be at least 1, or no page would ever go out".into(),
            );
        }
        if let Err(error) = crate::core::silence::parse_duration(&self.link_expiry) {
            problems.error("paging.link_expiry".into(), error.to_string());
        }
    }
}

/// A person who can be on call.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonConfig {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    /// Where the person lives, for their own view of shifts (an IANA zone).
    pub timezone: Option<String>,
    /// The language of their pages and of the web UI when they are signed in.
    pub locale: Option<crate::i18n::Locale>,
    /// The web UI user who is this person.
    pub user: Option<String>,
    #[serde(default)]
    pub contacts: Vec<ContactConfig>,
    /// When each contact method is used after a page starts. Empty: every contact at once.
    #[serde(default)]
    pub notify: Vec<NotifyRule>,
    /// Who the person is in each chat app: a click or a command from that chat user acts as
    /// this person (as their web UI `user`).
    #[serde(default)]
    pub chat: Vec<ChatLink>,
}

/// A person's user in a chat app (`chat = [ { app = "slack", user = "U024BE7LH" } ]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatLink {
    pub app: String,
    /// The platform's user id (Slack's `U…`, a Mattermost user id).
    pub user: String,
}

impl PersonConfig {
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }

    /// How chat mentions the person: the first chat contact's mention, when it has one.
    pub fn chat_mention(&self) -> Option<&str> {
        self.contacts.iter().find_map(|contact| match contact {
            ContactConfig::Chat { mention, .. } => mention.as_deref(),
            _ => None,
        })
    }

    pub fn contact(&self, name: &str) -> Option<&ContactConfig> {
        self.contacts.iter().find(|contact| contact.name() == name)
    }

    /// The rules in force: the configured ones, or every contact at once.
    pub fn rules(&self) -> Vec<(SignedDuration, &ContactConfig)> {
        if self.notify.is_empty() {
            return self
                .contacts
                .iter()
                .map(|contact| (SignedDuration::ZERO, contact))
                .collect();
        }
        self.notify
            .iter()
            .filter_map(|rule| Some((rule.delay().ok()?, self.contact(&rule.contact)?)))
            .collect()
    }
}

/// One way to reach a person.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ContactConfig {
    /// A mention in a chat destination, in that platform's syntax (`<@U024BE7LH>` on Slack).
    Chat {
        name: String,
        destination: String,
        mention: Option<String>,
    },
    /// Mail through an email destination's SMTP server; `to` defaults to the person's email.
    Email {
        name: String,
        destination: String,
        to: Option<String>,
    },
    /// A signed JSON POST (Standard Webhooks), for any SMS or voice gateway.
    Webhook {
        name: String,
        url: String,
        secret: Option<String>,
    },
    /// A push to a phone through an ntfy server: the topic's URL.
    Ntfy {
        name: String,
        url: String,
        /// An ntfy access token (`tk_…`), for a protected topic.
        token: Option<String>,
        /// 1 (min) to 5 (urgent); by default from the severity.
        priority: Option<u8>,
    },
    /// A message to one member through a JANDI team incoming webhook (`jandi` destination);
    /// `email` (their JANDI account's) defaults to the person's email.
    Jandi {
        name: String,
        destination: String,
        email: Option<String>,
    },
    /// A 1:1 message from a KakaoWork bot (`kakaowork` destination) found by `email`, which
    /// defaults to the person's; it carries Acknowledge and Resolve.
    Kakaowork {
        name: String,
        destination: String,
        email: Option<String>,
    },
    TwilioSms {
        name: String,
        destination: String,
        to: String,
    },
    TwilioVoice {
        name: String,
        destination: String,
        to: String,
    },
}

impl ContactConfig {
    pub fn name(&self) -> &str {
        match self {
            ContactConfig::Chat { name, .. }
            | ContactConfig::Email { name, .. }
            | ContactConfig::Webhook { name, .. }
            | ContactConfig::Ntfy { name, .. }
            | ContactConfig::Jandi { name, .. }
            | ContactConfig::Kakaowork { name, .. }
            | ContactConfig::TwilioSms { name, .. }
            | ContactConfig::TwilioVoice { name, .. } => name,
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self {
            ContactConfig::Chat { .. } => "chat",
            ContactConfig::Email { .. } => "email",
            ContactConfig::Webhook { .. } => "webhook",
            ContactConfig::Ntfy { .. } => "ntfy",
            ContactConfig::Jandi { .. } => "jandi",
            ContactConfig::Kakaowork { .. } => "kakaowork",
            ContactConfig::TwilioSms { .. } => "twilio_sms",
            ContactConfig::TwilioVoice { .. } => "twilio_voice",
        }
    }

    fn destination(&self) -> Option<&str> {
        match self {
            ContactConfig::Chat { destination, .. }
            | ContactConfig::Email { destination, .. }
            | ContactConfig::Jandi { destination, .. }
            | ContactConfig::Kakaowork { destination, .. }
            | ContactConfig::TwilioSms { destination, .. }
            | ContactConfig::TwilioVoice { destination, .. } => Some(destination),
            ContactConfig::Webhook { .. } | ContactConfig::Ntfy { .. } => None,
        }
    }
}

/// When to use one contact method once a page starts: `after = "5m"` (or `after_minutes = 5`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyRule {
    pub after: Option<String>,
    pub after_minutes: Option<u32>,
    pub contact: String,
}

impl NotifyRule {
    pub fn delay(&self) -> Result<SignedDuration, String> {
        delay(self.after.as_deref(), self.after_minutes)
    }
}

/// A delay that may be zero: `after = "0m"`, `"10m"`, `"1h30m"`, or `after_minutes`.
fn delay(after: Option<&str>, after_minutes: Option<u32>) -> Result<SignedDuration, String> {
    match (after, after_minutes) {
        (Some(_), Some(_)) => Err("give `after` or `after_minutes`, not both".into()),
        (None, None) => Ok(SignedDuration::ZERO),
        (None, Some(minutes)) => Ok(SignedDuration::from_mins(i64::from(minutes))),
        (Some(text), None) => {
            let trimmed = text.trim();
            if trimmed.trim_end_matches(['s', 'm', 'h']) == "0" || trimmed == "0" {
                return Ok(SignedDuration::ZERO);
            }
            crate::core::silence::parse_duration(trimmed).map_err(|error| error.to_string())
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    pub id: String,
    pub name: Option<String>,
    /// The IANA zone every handoff and window is read in.
    #[serde(default = "utc")]
    pub timezone: String,
    #[serde(default)]
    pub layers: Vec<LayerConfig>,
}

fn utc() -> String {
    "UTC".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerConfig {
    pub name: Option<String>,
    /// `daily`, `weekly`, or whole hours such as `"12h"`.
    pub rotation: String,
    /// Weekly: `"DAY HH:MM"`; daily and N-hour: `"HH:MM"`.
    pub handoff: String,
    /// The first handoff on or after this date starts `members[0]`.
    pub start: String,
    pub members: Vec<String>,
    #[serde(default)]
    pub restrict: Vec<RestrictConfig>,
}

/// `{ days = "mon-fri", from = "09:00", to = "18:00" }`: on call only inside.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestrictConfig {
    pub days: String,
    pub from: String,
    pub to: String,
}

impl ScheduleConfig {
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }

    /// The schedule as `core::oncall` computes it; the problems, keyed by field, otherwise.
    pub fn compile(&self) -> Result<Schedule, Vec<(String, String)>> {
        let mut problems = Vec::new();
        let time_zone = crate::core::oncall::parse_time_zone(&self.timezone)
            .map_err(|problem| problems.push(("timezone".to_owned(), problem.to_string())))
            .ok();
        let mut layers = Vec::new();
        for (index, layer) in self.layers.iter().enumerate() {
            let path = format!("layers[{index}]");
            let mut fail = |field: &str, message: String| {
                problems.push((format!("{path}.{field}"), message));
            };
            let rotation = Rotation::parse(&layer.rotation)
                .map_err(|problem| fail("rotation", problem.to_string()))
                .ok();
            let handoff = rotation.and_then(|rotation| {
                Handoff::parse(rotation, &layer.handoff)
                    .map_err(|problem| fail("handoff", problem.to_string()))
                    .ok()
            });
            let start = crate::core::oncall::parse_date(&layer.start)
                .map_err(|problem| fail("start", problem.to_string()))
                .ok();
            let mut restrict = Vec::new();
            for (window_index, window) in layer.restrict.iter().enumerate() {
                match Window::parse(&window.days, &window.from, &window.to) {
                    Ok(window) => restrict.push(window),
                    Err(problem) => fail(&format!("restrict[{window_index}]"), problem.to_string()),
                }
            }
            if layer.members.is_empty() {
                fail("members", "names nobody".into());
            }
            if let (Some(rotation), Some(handoff), Some(start)) = (rotation, handoff, start) {
                layers.push(Layer {
                    rotation,
                    handoff,
                    start,
                    members: layer.members.clone(),
                    restrict,
                });
            }
        }
        match time_zone {
            Some(time_zone) if problems.is_empty() => Ok(Schedule { time_zone, layers }),
            _ => Err(problems),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationPolicyConfig {
    pub id: String,
    pub name: Option<String>,
    /// The whole list runs 1 + `repeat` times unless acknowledged.
    #[serde(default)]
    pub repeat: u32,
    /// From the last step to the next round's first; unset, see [`Self::round_gap`].
    pub repeat_after: Option<String>,
    /// Decide and record this policy's pages (state `shadow`) but send none.
    #[serde(default)]
    pub shadow: bool,
    pub steps: Vec<StepConfig>,
}

/// Most rounds a policy may run: past that, more calls wake nobody new.
pub const MAX_REPEAT: u32 = 9;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepConfig {
    /// How long after the previous step (the first: after the page starts) this one runs.
    pub after: Option<String>,
    pub after_minutes: Option<u32>,
    pub notify: Vec<String>,
}

impl StepConfig {
    pub fn delay(&self) -> SignedDuration {
        delay(self.after.as_deref(), self.after_minutes).unwrap_or(SignedDuration::ZERO)
    }

    pub fn targets(&self) -> Vec<Target> {
        self.notify
            .iter()
            .filter_map(|text| Target::parse(text).ok())
            .collect()
    }
}

/// Who a step tells.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    Person(String),
    /// Whoever is on call on the schedule when the step runs.
    Schedule(String),
    /// The team's channel.
    Team(String),
}

impl Target {
    pub fn parse(text: &str) -> Result<Target, String> {
        let (kind, id) = text.split_once(':').ok_or_else(|| {
            format!("\"{text}\" is not a target; write person:ID, schedule:ID or team:ID")
        })?;
        let id = id.trim().to_owned();
        match kind.trim() {
            "person" => Ok(Target::Person(id)),
            "schedule" => Ok(Target::Schedule(id)),
            "team" => Ok(Target::Team(id)),
            _ => Err(format!(
                "\"{text}\" is not a target; write person:ID, schedule:ID or team:ID"
            )),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Person(id) => write!(f, "person:{id}"),
            Target::Schedule(id) => write!(f, "schedule:{id}"),
            Target::Team(id) => write!(f, "team:{id}"),
        }
    }
}

impl EscalationPolicyConfig {
    /// When an escalation started at `now` runs its first step.
    /// The policy of a person paged by hand (`person:ID`, a name no configured policy can
    /// have): one step, now, to that person through their notification rules; no repeat.
    pub fn direct(name: &str) -> Option<EscalationPolicyConfig> {
        let person = name.strip_prefix("person:")?;
        Some(EscalationPolicyConfig {
            id: name.to_owned(),
            name: None,
            repeat: 0,
            repeat_after: None,
            shadow: false,
            steps: vec![StepConfig {
                after: None,
                after_minutes: None,
                notify: vec![format!("person:{person}")],
            }],
        })
    }

    pub fn first_step_at(&self, now: jiff::Timestamp) -> jiff::Timestamp {
        let delay = self
            .steps
            .first()
            .map_or(SignedDuration::ZERO, StepConfig::delay);
        now.saturating_add(delay).unwrap_or(now)
    }

    /// When the next round starts after the last step: `repeat_after`, else the first step's
    /// delay, or the last step's when that is zero, or ten minutes when both are (a single
    /// immediate step would otherwise ring again at once).
    pub fn round_gap(&self) -> SignedDuration {
        if let Some(gap) = self
            .repeat_after
            .as_deref()
            .and_then(|text| delay(Some(text), None).ok())
            .filter(|gap| gap.is_positive())
        {
            return gap;
        }
        let first = self.steps.first().map(StepConfig::delay);
        let last = self.steps.last().map(StepConfig::delay);
        [first, last]
            .into_iter()
            .flatten()
            .find(|gap| gap.is_positive())
            .unwrap_or(SignedDuration::from_mins(10))
    }
}

/// What the on-call sections need from the rest of the config.
pub struct Names<'c> {
    pub teams: &'c [crate::config::org::TeamConfig],
    pub destinations: &'c [DestinationConfig],
    pub services: &'c [crate::config::org::ServiceConfig],
    pub chat_apps: &'c [crate::integrations::outbound::config::ChatAppConfig],
}

const CHAT_KINDS: &[&str] = &[
    "slack",
    "mattermost",
    "discord",
    "teams",
    "jandi",
    "dooray",
    "kakaowork",
    "webhook",
];

/// Checks people, schedules and policies, and every name they give.
pub fn validate(
    people: &[PersonConfig],
    schedules: &[ScheduleConfig],
    policies: &[EscalationPolicyConfig],
    names: &Names<'_>,
    problems: &mut Problems,
) {
    let destination_kinds: HashMap<&str, &str> = names
        .destinations
        .iter()
        .map(|destination| (destination.name(), destination.kind_name()))
        .collect();
    let mut person_ids = HashSet::new();
    for (index, person) in people.iter().enumerate() {
        let path = format!("people[{index}]");
        check_id(&path, "person", &person.id, &mut person_ids, problems);
        if let Some(zone) = &person.timezone {
            if let Err(problem) = crate::core::oncall::parse_time_zone(zone) {
                problems.error(format!("{path}.timezone"), problem.to_string());
            }
        }
        for (link_index, link) in person.chat.iter().enumerate() {
            // A KakaoWork bot is a destination that takes clicks: its users link the same way.
            let kakaowork = destination_kinds.get(link.app.as_str()) == Some(&"kakaowork");
            if !kakaowork && !names.chat_apps.iter().any(|app| app.name() == link.app) {
                problems.error(
                    format!("{path}.chat[{link_index}].app"),
                    format!(
                        "no chat app \"{}\" in [[chat_apps]] (nor a kakaowork destination)",
                        link.app
                    ),
                );
            }
            let linked_twice = people
                .iter()
                .flat_map(|other| other.chat.iter().map(move |l| (other, l)))
                .filter(|(_, l)| l.app == link.app && l.user == link.user)
                .count()
                > 1;
            if linked_twice {
                problems.error(
                    format!("{path}.chat[{link_index}].user"),
                    format!(
                        "chat user \"{}\" of app \"{}\" is linked to more than one person",
                        link.user, link.app
                    ),
                );
            }
        }
        let mut contact_names = HashSet::new();
        for (contact_index, contact) in person.contacts.iter().enumerate() {
            let path = format!("{path}.contacts[{contact_index}]");
            if !contact_names.insert(contact.name()) {
                problems.error(
                    format!("{path}.name"),
                    format!("contact \"{}\" is defined twice", contact.name()),
                );
            }
            check_contact(&path, person, contact, &destination_kinds, problems);
        }
        for (rule_index, rule) in person.notify.iter().enumerate() {
            let path = format!("{path}.notify[{rule_index}]");
            if person.contact(&rule.contact).is_none() {
                problems.error(
                    format!("{path}.contact"),
                    format!("\"{}\" is none of {}'s contacts", rule.contact, person.id),
                );
            }
            if let Err(problem) = rule.delay() {
                problems.error(format!("{path}.after"), problem);
            }
        }
        if person.contacts.is_empty() {
            problems.warn(
                format!("{path}.contacts"),
                format!(
                    "{} has no contact method: a page to them is recorded but reaches nobody",
                    person.id
                ),
            );
        }
    }
    let mut schedule_ids = HashSet::new();
    for (index, schedule) in schedules.iter().enumerate() {
        let path = format!("schedules[{index}]");
        check_id(&path, "schedule", &schedule.id, &mut schedule_ids, problems);
        if schedule.layers.is_empty() {
            problems.error(
                format!("{path}.layers"),
                "has no layer, so nobody is ever on call".into(),
            );
        }
        if let Err(found) = schedule.compile() {
            for (field, message) in found {
                problems.error(format!("{path}.{field}"), message);
            }
        }
        for (layer_index, layer) in schedule.layers.iter().enumerate() {
            for (member_index, member) in layer.members.iter().enumerate() {
                if !person_ids.contains(member.as_str()) {
                    problems.error(
                        format!("{path}.layers[{layer_index}].members[{member_index}]"),
                        format!("unknown person \"{member}\""),
                    );
                }
            }
        }
    }
    let mut policy_ids = HashSet::new();
    for (index, policy) in policies.iter().enumerate() {
        let path = format!("escalation_policies[{index}]");
        check_id(
            &path,
            "escalation policy",
            &policy.id,
            &mut policy_ids,
            problems,
        );
        if policy.steps.is_empty() {
            problems.error(format!("{path}.steps"), "has no step".into());
        }
        if policy.repeat > MAX_REPEAT {
            problems.error(
                format!("{path}.repeat"),
                format!("at most {MAX_REPEAT}: more rounds wake nobody new"),
            );
        }
        if let Some(gap) = &policy.repeat_after {
            match delay(Some(gap), None) {
                Err(problem) => problems.error(format!("{path}.repeat_after"), problem),
                Ok(gap) if !gap.is_positive() => problems.error(
                    format!("{path}.repeat_after"),
                    "must be longer than zero, or the next round would ring at once".into(),
                ),
                Ok(_) => {}
            }
        }
        for (step_index, step) in policy.steps.iter().enumerate() {
            let path = format!("{path}.steps[{step_index}]");
            if let Err(problem) = delay(step.after.as_deref(), step.after_minutes) {
                problems.error(format!("{path}.after"), problem);
            }
            if step.notify.is_empty() {
                problems.error(format!("{path}.notify"), "names nobody".into());
            }
            for (target_index, text) in step.notify.iter().enumerate() {
                let path = format!("{path}.notify[{target_index}]");
                match Target::parse(text) {
                    Err(problem) => problems.error(path, problem),
                    Ok(Target::Person(id)) if !person_ids.contains(id.as_str()) => {
                        problems.error(path, format!("unknown person \"{id}\""))
                    }
                    Ok(Target::Schedule(id)) if !schedule_ids.contains(id.as_str()) => {
                        problems.error(path, format!("unknown schedule \"{id}\""))
                    }
                    Ok(Target::Team(id)) => match names.teams.iter().find(|team| team.id == id) {
                        None => problems.error(path, format!("unknown team \"{id}\"")),
                        Some(team) if team.channel.is_none() => {
                            problems.error(path, format!("team \"{id}\" has no channel to tell"))
                        }
                        Some(_) => {}
                    },
                    Ok(_) => {}
                }
            }
        }
    }
    for (index, service) in names.services.iter().enumerate() {
        if let Some(policy) = &service.escalation_policy {
            if !policy_ids.contains(policy.as_str()) {
                problems.error(
                    format!("services[{index}].escalation_policy"),
                    format!("unknown escalation policy \"{policy}\""),
                );
            }
        }
    }
    if !people.is_empty() {
        for (index, team) in names.teams.iter().enumerate() {
            for (member_index, member) in team.members.iter().enumerate() {
                if !person_ids.contains(member.as_str()) {
                    problems.warn(
                        format!("teams[{index}].members[{member_index}]"),
                        format!("no [[people]] entry \"{member}\", so they cannot be paged"),
                    );
                }
            }
        }
    }
}

fn check_id<'c>(
    path: &str,
    what: &str,
    id: &'c str,
    seen: &mut HashSet<&'c str>,
    problems: &mut Problems,
) {
    if !is_valid_name(id) {
        problems.error(
            format!("{path}.id"),
            format!("\"{id}\" may hold only letters, digits, '-', '_' and '.'"),
        );
    }
    if !seen.insert(id) {
        problems.error(
            format!("{path}.id"),
            format!("{what} \"{id}\" is defined twice"),
        );
    }
}

fn check_contact(
    path: &str,
    person: &PersonConfig,
    contact: &ContactConfig,
    destination_kinds: &HashMap<&str, &str>,
    problems: &mut Problems,
) {
    if let Some(destination) = contact.destination() {
        let wanted: &[&str] = match contact {
            ContactConfig::Chat { .. } => CHAT_KINDS,
            ContactConfig::Email { .. } => &["email"],
            ContactConfig::Jandi { .. } => &["jandi"],
            ContactConfig::Kakaowork { .. } => &["kakaowork"],
            _ => &["twilio"],
        };
        match destination_kinds.get(destination) {
            None => problems.error(
                format!("{path}.destination"),
                format!("unknown destination \"{destination}\""),
            ),
            Some(kind) if !wanted.contains(kind) => problems.error(
                format!("{path}.destination"),
                format!(
                    "destination \"{destination}\" is of kind {kind}; a {} contact needs {}",
                    contact.kind_name(),
                    wanted.join(", ")
                ),
            ),
            Some(_) => {}
        }
    }
    match contact {
        ContactConfig::Email { to: None, .. } if person.email.is_none() => problems.error(
            format!("{path}.to"),
            format!("{} has no email; give `to`", person.id),
        ),
        ContactConfig::Kakaowork { email: None, .. } if person.email.is_none() => problems.error(
            format!("{path}.email"),
            format!(
                "{} has no email; give `email`, their KakaoWork account's",
                person.id
            ),
        ),
        ContactConfig::Jandi { email: None, .. } if person.email.is_none() => problems.error(
            format!("{path}.email"),
            format!(
                "{} has no email; give `email`, their JANDI account's",
                person.id
            ),
        ),
        ContactConfig::Webhook { url, .. } if !is_http_url(url) => problems.error(
            format!("{path}.url"),
            format!("\"{url}\" is not an http(s) URL"),
        ),
        ContactConfig::Ntfy { url, priority, .. } => {
            let topic = url::Url::parse(url).ok().and_then(|parsed| {
                parsed
                    .path_segments()
                    .and_then(|mut segments| segments.next_back().map(str::to_owned))
            });
            if !is_http_url(url) || topic.is_none_or(|topic| topic.is_empty()) {
                problems.error(
                    format!("{path}.url"),
                    format!("\"{url}\" is not an ntfy topic URL such as https://ntfy.example.com/my-pager"),
                );
            }
            if priority.is_some_and(|priority| !(1..=5).contains(&priority)) {
                problems.error(
                    format!("{path}.priority"),
                    "ntfy priorities run from 1 to 5".into(),
                );
            }
        }
        ContactConfig::TwilioSms { to, .. } | ContactConfig::TwilioVoice { to, .. }
            if !is_e164(to) =>
        {
            problems.error(
                format!("{path}.to"),
                format!("\"{to}\" is not a phone number in E.164 form, such as +821012345678"),
            )
        }
        _ => {}
    }
}

/// `+` and 8 to 15 digits, as Twilio wants numbers.
fn is_e164(number: &str) -> bool {
    number.strip_prefix('+').is_some_and(|digits| {
        (8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    fn problems(text: &str) -> (Vec<String>, Vec<String>) {
        match Config::parse(text, &|_| None) {
            Ok((_, warnings)) => (
                Vec::new(),
                warnings.iter().map(ToString::to_string).collect(),
            ),
            Err(problems) => (
                problems.iter().map(ToString::to_string).collect(),
                Vec::new(),
            ),
        }
    }

    const DESTINATIONS: &str = r#"
        [[destinations]]
        name = "cloud-chat"
        kind = "slack"
        url = "http://127.0.0.1:9/slack"
        [[destinations]]
        name = "oncall-mail"
        kind = "email"
        host = "127.0.0.1"
        from = "pager@example.com"
        to = ["ops@example.com"]
        [[teams]]
        id = "cloud"
        members = ["andrew", "gyeongjun"]
        channel = "cloud-chat"
    "#;

    #[test]
    fn a_jandi_contact_needs_a_jandi_destination_and_an_email() {
        let (errors, _) = problems(&format!(
            "{DESTINATIONS}{}",
            r#"
            [[destinations]]
            name = "jandi-team"
            kind = "jandi"
            url = "https://wh.jandi.com/connect-api/webhook/1/abc"
            [[people]]
            id = "andrew"
            contacts = [
              { name = "jandi", kind = "jandi", destination = "jandi-team" },
              { name = "wrong", kind = "jandi", destination = "cloud-chat", email = "a@example.com" },
            ]
            [[people]]
            id = "gyeongjun"
            email = "g@example.com"
            contacts = [ { name = "jandi", kind = "jandi", destination = "jandi-team" } ]
            "#
        ));
        assert_eq!(
            errors,
            [
                "people[0].contacts[0].email: andrew has no email; give `email`, their JANDI account's",
                "people[0].contacts[1].destination: destination \"cloud-chat\" is of kind slack; a jandi contact needs jandi",
            ]
        );
    }

    #[test]
    fn the_products_example_loads() {
        let text = format!(
            "{DESTINATIONS}{}",
            r#"
            [[people]]
            id = "andrew"
            name = "Andrew"
            email = "andrew@example.com"
            timezone = "Asia/Seoul"
            user = "andrew"
            contacts = [
              { name = "chat",  kind = "chat",    destination = "cloud-chat", mention = "<@U024BE7LH>" },
              { name = "mail",  kind = "email",   destination = "oncall-mail", to = "andrew@example.com" },
              { name = "phone", kind = "webhook", url = "https://sms-gateway.example/send", secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" },
              { name = "push",  kind = "ntfy",    url = "https://ntfy.example.com/andrew-pager" },
            ]
            notify = [ { after = "0m", contact = "chat" }, { after = "0m", contact = "push" }, { after = "5m", contact = "phone" } ]
            [[people]]
            id = "gyeongjun"
            contacts = [ { name = "push", kind = "ntfy", url = "https://ntfy.example.com/g" } ]
            [[people]]
            id = "mina"
            contacts = [ { name = "push", kind = "ntfy", url = "https://ntfy.example.com/m" } ]

            [[schedules]]
            id = "cloud-primary"
            timezone = "America/New_York"
            [[schedules.layers]]
            rotation = "weekly"
            handoff = "mon 09:00"
            start = "2026-11-02"
            members = ["andrew", "gyeongjun"]
            [[schedules.layers]]
            rotation = "daily"
            handoff = "09:00"
            start = "2026-11-02"
            members = ["mina"]
            restrict = [ { days = "mon-fri", from = "09:00", to = "18:00" } ]

            [[escalation_policies]]
            id = "cloud-default"
            repeat = 2
            steps = [
              { after = "0m",  notify = ["schedule:cloud-primary"] },
              { after_minutes = 10, notify = ["person:gyeongjun", "team:cloud"] },
            ]

            [[services]]
            id = "api"
            team = "cloud"
            escalation_policy = "cloud-default"
            "#
        );
        assert_eq!(problems(&text), (vec![], vec![]));
        let (config, _) = Config::parse(&text, &|_| None).unwrap();
        let andrew = config.person("andrew").unwrap();
        let rules: Vec<(i64, &str)> = andrew
            .rules()
            .into_iter()
            .map(|(after, contact)| (after.as_secs(), contact.name()))
            .collect();
        assert_eq!(rules, [(0, "chat"), (0, "push"), (300, "phone")]);
        let policy = config.escalation_policy("cloud-default").unwrap();
        assert_eq!(policy.steps[1].delay().as_secs(), 600);
        assert_eq!(policy.round_gap().as_secs(), 600);
        assert_eq!(
            config
                .schedule("cloud-primary")
                .unwrap()
                .compile()
                .unwrap()
                .layers
                .len(),
            2
        );
    }

    #[test]
    fn every_name_and_time_is_checked() {
        let text = format!(
            "{DESTINATIONS}{}",
            r#"
            [[people]]
            id = "andrew"
            timezone = "Asia/Seol"
            contacts = [
              { name = "chat", kind = "chat", destination = "oncall-mail" },
              { name = "mail", kind = "email", destination = "nowhere" },
              { name = "push", kind = "ntfy", url = "https://ntfy.example.com/", priority = 9 },
              { name = "sms", kind = "twilio_sms", destination = "cloud-chat", to = "010-1234" },
            ]
            notify = [ { after = "soon", contact = "chat" }, { contact = "pager" } ]
            [[schedules]]
            id = "primary"
            timezone = "Mars/Olympus"
            [[schedules.layers]]
            rotation = "fortnightly"
            handoff = "09:00"
            start = "2026-13-01"
            members = ["andrew", "ghost"]
            restrict = [ { days = "weekdays", from = "09:00", to = "18:00" } ]
            [[escalation_policies]]
            id = "p"
            repeat = 20
            steps = [ { after = "0m", after_minutes = 1, notify = ["schedule:secondary", "team:nobody", "andrew"] } ]
            [[services]]
            id = "api"
            escalation_policy = "missing"
            "#
        );
        let (errors, _) = problems(&text);
        expect_test::expect![[r#"
            [
                "people[0].timezone: \"Asia/Seol\" is not an IANA time zone (such as \"Asia/Seoul\" or \"America/New_York\")",
                "people[0].contacts[0].destination: destination \"oncall-mail\" is of kind email; a chat contact needs slack, mattermost, discord, teams, jandi, dooray, kakaowork, webhook",
                "people[0].contacts[1].destination: unknown destination \"nowhere\"",
                "people[0].contacts[1].to: andrew has no email; give `to`",
                "people[0].contacts[2].url: \"https://ntfy.example.com/\" is not an ntfy topic URL such as https://ntfy.example.com/my-pager",
                "people[0].contacts[2].priority: ntfy priorities run from 1 to 5",
                "people[0].contacts[3].destination: destination \"cloud-chat\" is of kind slack; a twilio_sms contact needs twilio",
                "people[0].contacts[3].to: \"010-1234\" is not a phone number in E.164 form, such as +821012345678",
                "people[0].notify[0].after: `soon` is not a duration; write it like 90m, 2h, 1h30m, 45s or 3d",
                "people[0].notify[1].contact: \"pager\" is none of andrew's contacts",
                "schedules[0].timezone: \"Mars/Olympus\" is not an IANA time zone (such as \"Asia/Seoul\" or \"America/New_York\")",
                "schedules[0].layers[0].rotation: \"fortnightly\" is not a rotation; write daily, weekly, or a whole number of hours such as \"12h\"",
                "schedules[0].layers[0].start: \"2026-13-01\" is not a date; write \"YYYY-MM-DD\"",
                "schedules[0].layers[0].restrict[0]: \"weekdays\" names no days; write \"mon-fri\", \"sat,sun\" or \"mon,wed-fri\"",
                "schedules[0].layers[0].members[1]: unknown person \"ghost\"",
                "escalation_policies[0].repeat: at most 9: more rounds wake nobody new",
                "escalation_policies[0].steps[0].after: give `after` or `after_minutes`, not both",
                "escalation_policies[0].steps[0].notify[0]: unknown schedule \"secondary\"",
                "escalation_policies[0].steps[0].notify[1]: unknown team \"nobody\"",
                "escalation_policies[0].steps[0].notify[2]: \"andrew\" is not a target; write person:ID, schedule:ID or team:ID",
                "services[0].escalation_policy: unknown escalation policy \"missing\"",
            ]
        "#]]
        .assert_debug_eq(&errors);
    }
}
