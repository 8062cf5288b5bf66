//! `firewatch import opsgenie`: reads an Opsgenie account through its REST API (users and
//! their contacts and notification rules, teams, schedules with their rotations and
//! overrides, escalations, services) and says it in Firewatch's terms, as an [`Org`].
//!
//! Opsgenie's semantics differ from Firewatch's in three places this module handles on purpose:
//! - A schedule's rotations are a UNION: everyone on call in any rotation is notified.
//!   Firewatch's layers are "the later wins". The two agree wherever the rotations never have
//!   someone on call at the same time, so rotations whose (weekly) windows overlap are reported
//!   as a [`Skipped`] with the hours they share.
//! - Escalation rule delays count from the alert's creation; Firewatch's steps count from the
//!   previous step. Rules are sorted by delay and turned into differences.
//! - Services have no escalation of their own, and an escalation rule may notify a team:
//!   Opsgenie then applies the team's routing rules. Both are translated through the routing
//!   rule that takes any alert (the first unconditional one) when every rule before it goes to
//!   the same place: a service gets the escalation it routes to (else the one its team owns,
//!   reported), an escalation step gets the schedule the team routes to.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use serde_json::Value;

use super::model::{
    Api, ApiError, Contact, ContactKind, Layer, Notify, Org, Origin, Override, Person, Policy,
    Schedule, Service, Skipped, Step, Team, slug, unique,
};
use super::week::{DAY_NAMES, MINUTES_PER_DAY, MINUTES_PER_WEEK, WeekMask};

/// The most pages one list may take; a `next` link that never ends is an error, not a hang.
const MAX_PAGES: usize = 1_000;
/// Firewatch runs a policy at most 1 + 9 times.
const MAX_REPEAT: u32 = 9;
/// A rotation turn written as repeated members may not list more than this many entries.
const MAX_MEMBERS: usize = 500;

/// Reads the whole account. `since` drops overrides that have ended; `until` is accepted for
/// symmetry with the other readers (Opsgenie needs no rendering window).
pub async fn read(api: &impl Api, since: Timestamp, until: Timestamp) -> Result<Org, ApiError> {
    let _ = until;
    let mut reader = Reader::default();
    reader.org.source = "Opsgenie".to_owned();
    reader.read_users(api).await?;
    reader.read_teams(api).await?;
    let schedules = list(api, "/v2/schedules?expand=rotation").await?;
    reader.index_schedules(&schedules);
    for schedule in &schedules {
        reader.read_schedule(api, schedule, since).await?;
    }
    let escalations = list(api, "/v2/escalations").await?;
    for escalation in &escalations {
        reader.read_escalation(escalation);
    }
    let services = list(api, "/v1/services?limit=100&offset=0").await?;
    for service in &services {
        reader.read_service(service, &escalations);
    }
    Ok(reader.org)
}

/// The Org being filled, and the maps from Opsgenie ids to Firewatch ids.
#[derive(Default)]
struct Reader {
    org: Org,
    taken: HashSet<String>,
    /// Opsgenie user id and username, both mapped to the person id.
    people: HashMap<String, String>,
    /// Opsgenie team id (and name) → Firewatch team id.
    teams: HashMap<String, String>,
    /// Firewatch team id → its members.
    team_members: HashMap<String, Vec<String>>,
    /// Firewatch team id → where its routing rules send any alert (`Err`: why no one place).
    team_routes: HashMap<String, Result<Route, String>>,
    /// Opsgenie schedule id (and name) → Firewatch schedule id.
    schedules: HashMap<String, String>,
    /// Firewatch team id → the Firewatch ids of the schedules the team owns.
    team_schedules: HashMap<String, Vec<String>>,
    /// Opsgenie escalation id → Firewatch policy id.
    policies: HashMap<String, String>,
}

// ---------------------------------------------------------------------------------------------
// Reading JSON

/// Every item of a list answer's `data`, following `paging.next` (an absolute URL, passed on
/// unchanged) until there is none.
async fn list(api: &impl Api, first: &str) -> Result<Vec<Value>, ApiError> {
    let mut items = Vec::new();
    let mut next = Some(first.to_owned());
    let mut seen = HashSet::new();
    while let Some(path) = next.take() {
        if !seen.insert(path.clone()) || seen.len() > MAX_PAGES {
            return Err(ApiError(format!(
                "Opsgenie kept answering {first} with more pages (at {path}); the import stopped rather than loop"
            )));
        }
        let page = api.get(&path).await?;
        let Some(data) = page.get("data").and_then(Value::as_array) else {
            return Err(ApiError(format!(
                "Opsgenie answered {path} without a \"data\" list; is the base URL an Opsgenie API (https://api.opsgenie.com)?"
            )));
        };
        items.extend(data.iter().cloned());
        next = page
            .pointer("/paging/next")
            .and_then(Value::as_str)
            .filter(|link| !link.is_empty())
            .map(str::to_owned);
    }
    Ok(items)
}

/// The `data` object of a single-item answer.
async fn one(api: &impl Api, path: &str) -> Result<Value, ApiError> {
    let answer = api.get(path).await?;
    match answer.get("data") {
        Some(data) if data.is_object() => Ok(data.clone()),
        _ => Err(ApiError(format!(
            "Opsgenie answered {path} without a \"data\" object"
        ))),
    }
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn number(value: &Value, key: &str) -> Option<u64> {
    value.get(key).and_then(Value::as_u64)
}

/// A path segment with everything but unreserved characters percent-encoded.
fn segment(raw: &str) -> String {
    let mut out = String::new();
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

fn origin(what: &str, id: &str, name: &str) -> Origin {
    Origin {
        what: what.to_owned(),
        id: id.to_owned(),
        name: name.to_owned(),
        url: None,
    }
}

/// A `{timeAmount, timeUnit}` duration in minutes (Opsgenie's default unit).
fn duration_minutes(value: Option<&Value>) -> Option<u64> {
    let value = value?;
    let amount = number(value, "timeAmount")?;
    let factor = match text(value, "timeUnit") {
        "" | "minutes" => 1,
        "hours" => 60,
        "days" => 24 * 60,
        "weeks" => 7 * 24 * 60,
        _ => return None,
    };
    amount.checked_mul(factor)
}

// ---------------------------------------------------------------------------------------------
// People

impl Reader {
    async fn read_users(&mut self, api: &impl Api) -> Result<(), ApiError> {
        let users = list(api, "/v2/users?limit=100&offset=0").await?;
        for user in &users {
            self.read_user(api, user).await?;
        }
        Ok(())
    }

    async fn read_user(&mut self, api: &impl Api, user: &Value) -> Result<(), ApiError> {
        let user_id = text(user, "id");
        let username = text(user, "username");
        let full_name = text(user, "fullName");
        let label = if full_name.is_empty() {
            username
        } else {
            full_name
        };
        let local_part = username.split('@').next().unwrap_or(username);
        let id = unique(
            &slug(if local_part.is_empty() {
                user_id
            } else {
                local_part
            }),
            &mut self.taken,
        );
        for key in [user_id, username] {
            if !key.is_empty() {
                self.people.insert(key.to_owned(), id.clone());
            }
        }
        let mut person = Person {
            origin: origin("Opsgenie user", user_id, label),
            id,
            name: label.to_owned(),
            email: username.contains('@').then(|| username.to_owned()),
            timezone: Some(text(user, "timeZone"))
                .filter(|zone| TimeZone::get(zone).is_ok())
                .map(str::to_owned),
            ..Person::default()
        };
        let base = format!("/v2/users/{}", segment(user_id));
        let contacts = list(api, &format!("{base}/contacts")).await?;
        // (method, to) → contact name, for the notification rule steps.
        let mut by_address = HashMap::new();
        for contact in &contacts {
            self.read_contact(&mut person, contact, &mut by_address);
        }
        let rules = list(api, &format!("{base}/notification-rules")).await?;
        let mut chosen = false;
        for rule in &rules {
            let rule_origin = origin(
                "Opsgenie notification rule",
                text(rule, "id"),
                text(rule, "name"),
            );
            let action = text(rule, "actionType");
            let enabled = rule.get("enabled").and_then(Value::as_bool).unwrap_or(true);
            if action != "create-alert" {
                self.org.skipped.push(Skipped::new(
                    rule_origin,
                    format!("{}'s \"{action}\" notification rule has no Firewatch equivalent: Firewatch's notify list is only the paging path of a new alert.", person.name),
                    "Tell the person to set up the same reminder in Firewatch's web UI or calendar (iCal feed) if they want it.",
                ));
                continue;
            }
            if !enabled {
                self.org.skipped.push(Skipped::new(
                    rule_origin,
                    "This new-alert notification rule is disabled in Opsgenie.",
                    "Nothing to do unless it should be active; then add its steps to the person's notify list.",
                ));
                continue;
            }
            let detail = one(
                api,
                &format!("{base}/notification-rules/{}", segment(text(rule, "id"))),
            )
            .await?;
            if chosen {
                self.org.skipped.push(Skipped::new(
                    rule_origin,
                    format!("{} has more than one new-alert notification rule; Firewatch keeps one paging path per person (the first unconditional one).", person.name),
                    "Merge its steps into the person's notify list by hand if they matter.",
                ));
                continue;
            }
            if let Some(reason) = conditional(&detail) {
                self.org.skipped.push(Skipped::new(
                    rule_origin,
                    format!("This new-alert notification rule applies only {reason}; Firewatch's notify list has no conditions."),
                    "Decide which contacts the person wants at all times and edit their notify list.",
                ));
                continue;
            }
            chosen = true;
            self.read_steps(&mut person, &detail, &by_address, &rule_origin);
        }
        self.org.people.push(person);
        Ok(())
    }

    fn read_contact(
        &mut self,
        person: &mut Person,
        contact: &Value,
        by_address: &mut HashMap<(String, String), String>,
    ) {
        let method = text(contact, "method");
        let to = text(contact, "to");
        let contact_origin = origin(
            "Opsgenie contact",
            text(contact, "id"),
            &format!("{} {method}", person.name),
        );
        let enabled = contact
            .pointer("/status/enabled")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        if !enabled {
            let why = contact
                .pointer("/status/disabledReason")
                .and_then(Value::as_str)
                .unwrap_or("no reason given");
            self.org.skipped.push(Skipped::new(
                contact_origin,
                format!(
                    "{}'s {method} contact {to} is disabled in Opsgenie ({why}).",
                    person.name
                ),
                "Add it to the person's contacts once it works.",
            ));
            return;
        }
        let kind = match method {
            "email" => ContactKind::Email { to: to.to_owned() },
            "sms" | "voice" => {
                let Some(number) = e164(to) else {
                    self.org.skipped.push(Skipped::new(
                        contact_origin,
                        format!("{}'s {method} number \"{to}\" is not a phone number Firewatch can read.", person.name),
                        "Add the number to the person's contacts in E.164 form (+15551234567).",
                    ));
                    return;
                };
                if method == "sms" {
                    ContactKind::Sms { to: number }
                } else {
                    ContactKind::Voice { to: number }
                }
            }
            "mobile" => {
                self.org.skipped.push(Skipped::new(
                    contact_origin,
                    format!("{}'s Opsgenie mobile app push ({to}) has no Firewatch equivalent.", person.name),
                    "Add an ntfy contact (kind = \"ntfy\", a topic URL the person subscribes to in the ntfy app) for push notifications.",
                ));
                return;
            }
            other => {
                self.org.skipped.push(Skipped::new(
                    contact_origin,
                    format!(
                        "{}'s contact method \"{other}\" has no Firewatch equivalent.",
                        person.name
                    ),
                    "Add an equivalent contact to the person by hand.",
                ));
                return;
            }
        };
        let base = match method {
            "email" => "email",
            "sms" => "sms",
            _ => "voice",
        };
        let mut name = base.to_owned();
        let mut n = 2;
        while person.contacts.iter().any(|known| known.name == name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        by_address.insert((method.to_owned(), to.to_owned()), name.clone());
        person.contacts.push(Contact { name, kind });
    }

    /// A rule's steps as the person's notify list: `sendAfter` is minutes after the alert.
    fn read_steps(
        &mut self,
        person: &mut Person,
        rule: &Value,
        by_address: &HashMap<(String, String), String>,
        rule_origin: &Origin,
    ) {
        let steps = rule
            .get("steps")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for step in &steps {
            let method = step
                .pointer("/contact/method")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let to = step
                .pointer("/contact/to")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let after = duration_minutes(step.get("sendAfter")).unwrap_or(0);
            let step_origin = Origin {
                what: "Opsgenie notification rule step".into(),
                ..rule_origin.clone()
            };
            if step.get("enabled").and_then(Value::as_bool) == Some(false) {
                self.org.skipped.push(Skipped::new(
                    step_origin,
                    format!(
                        "The step \"{method} {to} after {after} minutes\" is disabled in Opsgenie."
                    ),
                    "Nothing to do unless it should be active.",
                ));
                continue;
            }
            let Some(contact) = by_address.get(&(method.to_owned(), to.to_owned())) else {
                self.org.skipped.push(Skipped::new(
                    step_origin,
                    format!("The step \"{method} {to} after {after} minutes\" uses a contact that was not carried over."),
                    "Add the replacement contact (for the mobile app: ntfy) to the person's notify list at that delay.",
                ));
                continue;
            };
            person.notify.push(Notify {
                after_minutes: u32::try_from(after).unwrap_or(u32::MAX),
                contact: contact.clone(),
            });
        }
        if rule.pointer("/repeat/enabled").and_then(Value::as_bool) == Some(true) {
            self.org.skipped.push(Skipped::new(
                rule_origin.clone(),
                format!("{}'s notification rule repeats its steps; Firewatch's notify list runs once per page (the policy repeats pages).", person.name),
                "Rely on the escalation policy's repeat, or add later notify entries by hand.",
            ));
        }
    }
}

/// Why a notification rule applies only sometimes (criteria, time restriction), if it does.
fn conditional(rule: &Value) -> Option<String> {
    let criteria = rule
        .pointer("/criteria/type")
        .and_then(Value::as_str)
        .unwrap_or("match-all");
    if criteria != "match-all" {
        return Some("to alerts matching its conditions".to_owned());
    }
    if rule
        .get("timeRestriction")
        .is_some_and(|restriction| !restriction.is_null())
    {
        return Some("inside its time restriction".to_owned());
    }
    None
}

/// Opsgenie writes phone numbers "1-5550100001" (country code, dash, number).
fn e164(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let plausible = raw
        .chars()
        .all(|c| c.is_ascii_digit() || "+-() ".contains(c));
    (plausible && (8..=15).contains(&digits.len())).then(|| format!("+{digits}"))
}

// ---------------------------------------------------------------------------------------------
// Teams

impl Reader {
    async fn read_teams(&mut self, api: &impl Api) -> Result<(), ApiError> {
        let teams = list(api, "/v2/teams").await?;
        for team in &teams {
            let team_id = text(team, "id");
            let name = text(team, "name");
            let detail = one(
                api,
                &format!("/v2/teams/{}?identifierType=id", segment(team_id)),
            )
            .await?;
            let id = unique(&slug(name), &mut self.taken);
            let mut members = Vec::new();
            for member in detail
                .get("members")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let user = member.get("user").unwrap_or(&Value::Null);
                match self.person(user) {
                    Some(person) if !members.contains(&person) => members.push(person),
                    Some(_) => {}
                    None => self.org.skipped.push(Skipped::new(
                        origin(
                            "Opsgenie team member",
                            text(user, "id"),
                            text(user, "username"),
                        ),
                        format!("A member of team {name} is not among the users read."),
                        "Add the person and put them in the team by hand.",
                    )),
                }
            }
            let routing = list(
                api,
                &format!(
                    "/v2/teams/{}/routing-rules?teamIdentifierType=id",
                    segment(team_id)
                ),
            )
            .await?;
            self.team_routes.insert(id.clone(), team_route(&routing));
            self.teams.insert(team_id.to_owned(), id.clone());
            self.teams.insert(name.to_owned(), id.clone());
            self.team_members.insert(id.clone(), members.clone());
            self.org.teams.push(Team {
                origin: origin("Opsgenie team", team_id, name),
                id,
                name: name.to_owned(),
                members,
            });
        }
        Ok(())
    }

    /// The person a `{id, username}` reference names.
    fn person(&self, reference: &Value) -> Option<String> {
        [text(reference, "id"), text(reference, "username")]
            .into_iter()
            .filter(|key| !key.is_empty())
            .find_map(|key| self.people.get(key).cloned())
    }

    fn team(&self, reference: &Value) -> Option<String> {
        [text(reference, "id"), text(reference, "name")]
            .into_iter()
            .filter(|key| !key.is_empty())
            .find_map(|key| self.teams.get(key).cloned())
    }
}

/// Where a team's routing rules send an alert: an Opsgenie schedule or escalation (id, name),
/// or nobody.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Schedule(String, String),
    Escalation(String, String),
    Nobody,
}

/// Where a team routes every alert: the rules in order up to the first that takes any alert at
/// any time; if they all send it to the same place, that place. Otherwise which rule applies
/// depends on the alert or the hour, and there is no one answer.
fn team_route(rules: &[Value]) -> Result<Route, String> {
    let mut ordered: Vec<&Value> = rules.iter().collect();
    ordered.sort_by_key(|rule| number(rule, "order").unwrap_or(u64::MAX));
    let mut found: Option<Route> = None;
    for rule in ordered {
        let notify = rule.get("notify").unwrap_or(&Value::Null);
        let (id, name) = (
            text(notify, "id").to_owned(),
            text(notify, "name").to_owned(),
        );
        let route = match text(notify, "type") {
            "schedule" => Route::Schedule(id, name),
            "escalation" => Route::Escalation(id, name),
            _ => Route::Nobody,
        };
        match &found {
            Some(known) if *known != route => {
                return Err("its routing rules send alerts to different places depending on the alert or the time".to_owned());
            }
            _ => found = Some(route),
        }
        let takes_any = rule
            .pointer("/criteria/type")
            .and_then(Value::as_str)
            .unwrap_or("match-all")
            == "match-all";
        let any_time = rule.get("timeRestriction").is_none_or(Value::is_null);
        if takes_any && any_time {
            return found.ok_or_else(String::new);
        }
    }
    Err("no routing rule of the team takes every alert".to_owned())
}

// ---------------------------------------------------------------------------------------------
// Schedules

/// A reason and a manual step, for a [`Skipped`] about a rotation.
type Note = (String, String);

impl Reader {
    /// Ids for every schedule first, so escalations and team recipients can name them.
    fn index_schedules(&mut self, schedules: &[Value]) {
        for schedule in schedules {
            let id = unique(&slug(text(schedule, "name")), &mut self.taken);
            for key in [text(schedule, "id"), text(schedule, "name")] {
                if !key.is_empty() {
                    self.schedules.insert(key.to_owned(), id.clone());
                }
            }
            if let Some(team) = schedule.get("ownerTeam").and_then(|owner| self.team(owner)) {
                self.team_schedules.entry(team).or_default().push(id);
            }
        }
    }

    async fn read_schedule(
        &mut self,
        api: &impl Api,
        schedule: &Value,
        since: Timestamp,
    ) -> Result<(), ApiError> {
        let schedule_id = text(schedule, "id");
        let name = text(schedule, "name");
        let schedule_origin = origin("Opsgenie schedule", schedule_id, name);
        let id = self
            .schedules
            .get(schedule_id)
            .cloned()
            .unwrap_or_else(|| slug(name));
        let zone_name = text(schedule, "timezone");
        let Ok(zone) = TimeZone::get(zone_name) else {
            self.org.skipped.push(Skipped::new(
                schedule_origin,
                format!(
                    "The schedule's time zone \"{zone_name}\" is not an IANA zone Firewatch knows."
                ),
                "Recreate the schedule by hand with its zone.",
            ));
            return Ok(());
        };
        if schedule.get("enabled").and_then(Value::as_bool) == Some(false) {
            self.org.skipped.push(Skipped::new(
                schedule_origin.clone(),
                "The schedule is disabled in Opsgenie; it is imported anyway.",
                "Remove it from the config if it is no longer used.",
            ));
        }
        // The list was asked with `expand=rotation`; an answer without rotations is read again.
        let rotations = match schedule.get("rotations").and_then(Value::as_array) {
            Some(rotations) => rotations.clone(),
            None => one(
                api,
                &format!("/v2/schedules/{}?identifierType=id", segment(schedule_id)),
            )
            .await?
            .get("rotations")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        };
        let mut layers: Vec<(Layer, WeekMask)> = Vec::new();
        for rotation in &rotations {
            if let Some(layer) = self.read_rotation(rotation, &zone, name, since) {
                layers.push(layer);
            }
        }
        self.report_overlaps(&layers, &schedule_origin);
        // Opsgenie lists rotations with no precedence (they add up); where they overlap despite
        // the report above, the first listed one wins, so it becomes the last layer.
        layers.reverse();
        self.org.schedules.push(Schedule {
            origin: schedule_origin,
            id: id.clone(),
            name: name.to_owned(),
            timezone: zone_name.to_owned(),
            layers: layers.into_iter().map(|(layer, _)| layer).collect(),
        });
        let overrides = list(
            api,
            &format!("/v2/schedules/{}/overrides", segment(schedule_id)),
        )
        .await?;
        for item in &overrides {
            self.read_override(item, &id, name, since);
        }
        Ok(())
    }

    /// One rotation as a layer, with its weekly on-call mask; `None` (and a Skipped) when it
    /// cannot be said in Firewatch's terms.
    fn read_rotation(
        &mut self,
        rotation: &Value,
        zone: &TimeZone,
        schedule: &str,
        since: Timestamp,
    ) -> Option<(Layer, WeekMask)> {
        let rotation_origin = origin(
            "Opsgenie rotation",
            text(rotation, "id"),
            &format!("{schedule} / {}", text(rotation, "name")),
        );
        match self.rotation_layer(rotation, zone, since) {
            Ok((layer, mask, notes)) => {
                for (reason, manual_step) in notes {
                    self.org.skipped.push(Skipped::new(
                        rotation_origin.clone(),
                        reason,
                        manual_step,
                    ));
                }
                Some((layer, mask))
            }
            Err((reason, manual_step)) => {
                self.org
                    .skipped
                    .push(Skipped::new(rotation_origin, reason, manual_step));
                None
            }
        }
    }

    /// The layer, its week mask and notes on what was approximated; `Err`: why it cannot be
    /// imported and what to do instead.
    fn rotation_layer(
        &self,
        rotation: &Value,
        zone: &TimeZone,
        since: Timestamp,
    ) -> Result<(Layer, WeekMask, Vec<Note>), Note> {
        let name = text(rotation, "name");
        let mut notes = Vec::new();
        let end = match rotation.get("endDate").filter(|value| !value.is_null()) {
            None => None,
            Some(value) => match value.as_str().and_then(|end| end.parse::<Timestamp>().ok()) {
                Some(end) => Some(end),
                None => {
                    return Err((
                        format!(
                            "Rotation \"{name}\" has an end date that cannot be read ({value})."
                        ),
                        "Add the layer by hand if it is still in use.".to_owned(),
                    ));
                }
            },
        };
        if let Some(end) = end {
            if end <= since {
                return Err((
                    format!("Rotation \"{name}\" ended at {end}."),
                    "Nothing to do.".to_owned(),
                ));
            }
        }
        let Ok(start) = text(rotation, "startDate").parse::<Timestamp>() else {
            return Err((
                format!("Rotation \"{name}\" has no readable start date."),
                "Add the layer by hand.".to_owned(),
            ));
        };
        let mut members = Vec::new();
        for participant in rotation
            .get("participants")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let kind = text(participant, "type");
            match (kind, self.person(participant)) {
                ("user", Some(person)) => members.push(person),
                _ => {
                    let who = [
                        text(participant, "username"),
                        text(participant, "name"),
                        text(participant, "id"),
                    ]
                    .into_iter()
                    .find(|label| !label.is_empty())
                    .unwrap_or(kind);
                    return Err((format!("Rotation \"{name}\" has a \"{kind}\" participant ({who}); a Firewatch layer rotates people only, and leaving it out would shift every turn after it."), "Recreate the layer by hand: list the people who cover that participant's turns.".to_owned()));
                }
            }
        }
        if members.is_empty() {
            return Err((
                format!("Rotation \"{name}\" has no participants."),
                "Nothing to do.".to_owned(),
            ));
        }
        let length = number(rotation, "length").unwrap_or(1).max(1);
        let kind = text(rotation, "type");
        let Some((rotation_text, repeat, note)) = rotation_kind(kind, length) else {
            return Err((
                format!(
                    "Rotation \"{name}\" turns every {length} {kind} unit(s), which Firewatch cannot say (daily, weekly, or 1 to 168 hours)."
                ),
                "Recreate the layer by hand with the nearest rotation.".to_owned(),
            ));
        };
        let repeat = usize::try_from(repeat).unwrap_or(usize::MAX);
        if members.len().saturating_mul(repeat) > MAX_MEMBERS {
            return Err((
                format!(
                    "Rotation \"{name}\" would list {} turns per cycle; too long to write out.",
                    members.len().saturating_mul(repeat)
                ),
                "Recreate the layer by hand.".to_owned(),
            ));
        }
        let mask = match rotation
            .get("timeRestriction")
            .filter(|value| !value.is_null())
        {
            None => WeekMask::all(),
            Some(restriction) => match week_mask(restriction) {
                Ok(mask) => mask,
                Err(reason) => {
                    return Err((
                        format!("Rotation \"{name}\": {reason}"),
                        "Add the layer by hand with its restriction.".to_owned(),
                    ));
                }
            },
        };
        if mask.is_empty() {
            return Err((
                format!("Rotation \"{name}\" is restricted to no time at all."),
                "Nothing to do.".to_owned(),
            ));
        }
        let local = zone.to_datetime(start);
        let clock = format!("{:02}:{:02}", local.hour(), local.minute());
        let handoff = if rotation_text == "weekly" {
            format!("{} {clock}", weekday(local.weekday()))
        } else {
            clock
        };
        if let Some(end) = end {
            notes.push((
                format!("Rotation \"{name}\" ends at {end}; Firewatch layers have no end date, so it is imported without one."),
                "Remove the layer from the config on that date.".to_owned(),
            ));
        }
        let members = members
            .into_iter()
            .flat_map(|member| std::iter::repeat_n(member, repeat))
            .collect();
        let layer = Layer {
            name: name.to_owned(),
            rotation: rotation_text,
            handoff,
            start: local.date().to_string(),
            members,
            restrict: mask.restricts(),
            note,
        };
        Ok((layer, mask, notes))
    }

    /// Opsgenie puts everyone on call in any rotation on call; Firewatch lets the later layer
    /// win. Where two rotations share hours, one person would be missing: say where.
    fn report_overlaps(&mut self, layers: &[(Layer, WeekMask)], schedule_origin: &Origin) {
        for (index, (lower, lower_mask)) in layers.iter().enumerate() {
            for (upper, upper_mask) in &layers[index + 1..] {
                let shared = lower_mask.shared(upper_mask);
                if shared.is_empty() {
                    continue;
                }
                let hours: Vec<String> = shared
                    .restricts()
                    .iter()
                    .map(|window| format!("{} {}-{}", window.days, window.from, window.to))
                    .collect();
                let hours = if hours.is_empty() {
                    "all week".to_owned()
                } else {
                    hours.join(", ")
                };
                self.org.skipped.push(Skipped::new(
                    schedule_origin.clone(),
                    format!(
                        "Rotations \"{}\" and \"{}\" both have someone on call during {hours}; Opsgenie notifies both, Firewatch's layers only the later one (\"{}\").",
                        lower.name, upper.name, lower.name
                    ),
                    format!("Page the other rotation's person too: split \"{}\" into its own schedule and add it to the same escalation steps.", upper.name),
                ));
            }
        }
    }

    fn read_override(
        &mut self,
        item: &Value,
        schedule: &str,
        schedule_name: &str,
        since: Timestamp,
    ) {
        let alias = text(item, "alias");
        let override_origin = origin("Opsgenie override", alias, schedule_name);
        let (Ok(start), Ok(end)) = (
            text(item, "startDate").parse::<Timestamp>(),
            text(item, "endDate").parse::<Timestamp>(),
        ) else {
            self.org.skipped.push(Skipped::new(
                override_origin,
                "The override has no readable start or end.",
                "Add it by hand with `firewatch override add`.",
            ));
            return;
        };
        if end <= since {
            return;
        }
        let user = item.get("user").unwrap_or(&Value::Null);
        let person = match (text(user, "type"), self.person(user)) {
            ("user" | "", Some(person)) => person,
            (kind, _) => {
                self.org.skipped.push(Skipped::new(
                    override_origin,
                    format!("The override from {start} to {end} puts a \"{kind}\" ({}) on call; Firewatch overrides name a person.", text(user, "name")),
                    "Add it by hand with `firewatch override add` for the person who covers it.",
                ));
                return;
            }
        };
        let rotations: Vec<&str> = item
            .get("rotations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|rotation| {
                if text(rotation, "name").is_empty() {
                    text(rotation, "id")
                } else {
                    text(rotation, "name")
                }
            })
            .collect();
        if !rotations.is_empty() {
            self.org.skipped.push(Skipped::new(
                override_origin.clone(),
                format!("The override by {person} from {start} to {end} applies only to rotation(s) {} in Opsgenie; Firewatch's override replaces whoever the schedule has on call then.", rotations.join(", ")),
                "Check the override in Firewatch after applying it; narrow it with --replaces PERSON if needed.",
            ));
        }
        self.org.overrides.push(Override {
            origin: override_origin,
            schedule: schedule.to_owned(),
            person,
            start: start.to_string(),
            end: end.to_string(),
            replaces: None,
        });
    }
}

/// Opsgenie's `type` and `length` as Firewatch's rotation, how many times each member is
/// listed, and a note for the layer's comment.
fn rotation_kind(kind: &str, length: u64) -> Option<(String, u64, Option<String>)> {
    let note = |text: String| Some(text);
    match (kind, length) {
        ("daily", 1) => Some(("daily".into(), 1, None)),
        ("weekly", 1) => Some(("weekly".into(), 1, None)),
        ("daily", days) if days % 7 == 0 => Some((
            "weekly".into(),
            days / 7,
            note(format!(
                "Opsgenie: daily rotation, {days}-day turns: weekly with each member listed {} times.",
                days / 7
            )),
        )),
        ("daily", days) => Some((
            "daily".into(),
            days,
            note(format!(
                "Opsgenie: {days}-day turns: each member listed {days} times."
            )),
        )),
        ("weekly", weeks) => Some((
            "weekly".into(),
            weeks,
            note(format!(
                "Opsgenie: {weeks}-week turns: each member listed {weeks} times."
            )),
        )),
        ("hourly", hours) if hours <= 168 => Some((format!("{hours}h"), 1, None)),
        ("hourly", hours) if hours % 24 == 0 => Some((
            "daily".into(),
            hours / 24,
            note(format!(
                "Opsgenie: {hours}-hour turns: daily with each member listed {} times.",
                hours / 24
            )),
        )),
        _ => None,
    }
}

fn weekday(day: Weekday) -> &'static str {
    DAY_NAMES[day.to_monday_zero_offset() as usize]
}

fn day_index(name: &str) -> Option<usize> {
    let full = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    full.iter().position(|day| day.eq_ignore_ascii_case(name))
}

/// A `{…Hour, …Min}` pair as minutes after midnight (0 to 1440).
fn clock(value: &Value, hour: &str, minute: &str) -> Result<usize, String> {
    let hours = number(value, hour).unwrap_or(0);
    let minutes = number(value, minute).unwrap_or(0);
    let total = hours * 60 + minutes;
    if hours > 24 || minutes > 59 || total > MINUTES_PER_DAY as u64 {
        return Err(format!(
            "the time restriction has {hour} {hours} and {minute} {minutes}, not a time of day"
        ));
    }
    Ok(total as usize)
}

/// An Opsgenie `timeRestriction` as the minutes of the week it allows.
fn week_mask(restriction: &Value) -> Result<WeekMask, String> {
    let mut mask = WeekMask::default();
    match text(restriction, "type") {
        "time-of-day" => {
            let window = restriction.get("restriction").unwrap_or(restriction);
            let from = clock(window, "startHour", "startMin")?;
            let to = clock(window, "endHour", "endMin")?;
            // An end not after the start runs past midnight (equal: the whole day).
            let length = if to > from {
                to - from
            } else {
                MINUTES_PER_DAY - from + to
            };
            for day in 0..7 {
                mask.mark(day * MINUTES_PER_DAY + from, length);
            }
        }
        "weekday-and-time-of-day" => {
            let windows = restriction
                .get("restrictions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if windows.is_empty() {
                return Err("the weekday time restriction lists no windows".to_owned());
            }
            for window in &windows {
                let (Some(first), Some(last)) = (
                    day_index(text(window, "startDay")),
                    day_index(text(window, "endDay")),
                ) else {
                    return Err(format!(
                        "the time restriction names days \"{}\" and \"{}\"",
                        text(window, "startDay"),
                        text(window, "endDay")
                    ));
                };
                let start = first * MINUTES_PER_DAY + clock(window, "startHour", "startMin")?;
                let end = last * MINUTES_PER_DAY + clock(window, "endHour", "endMin")?;
                // From the start forward to the end, wrapping over Sunday; equal: a whole week.
                let length = (end + MINUTES_PER_WEEK - start) % MINUTES_PER_WEEK;
                mask.mark(
                    start,
                    if length == 0 {
                        MINUTES_PER_WEEK
                    } else {
                        length
                    },
                );
            }
        }
        other => return Err(format!("the time restriction type \"{other}\" is unknown")),
    }
    Ok(mask)
}

// ---------------------------------------------------------------------------------------------
// Escalations and services

/// A rule translated: its delay from the alert's creation and whom it notifies.
struct Rule {
    delay: u64,
    targets: Vec<String>,
}

impl Reader {
    fn read_escalation(&mut self, escalation: &Value) {
        let escalation_id = text(escalation, "id");
        let name = text(escalation, "name");
        let escalation_origin = origin("Opsgenie escalation", escalation_id, name);
        let id = unique(&slug(name), &mut self.taken);
        self.policies.insert(escalation_id.to_owned(), id.clone());
        self.policies.insert(name.to_owned(), id.clone());
        let rules = escalation
            .get("rules")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut translated: Vec<Rule> = Vec::new();
        let mut last_delay = 0;
        for (index, rule) in rules.iter().enumerate() {
            let delay = duration_minutes(rule.get("delay")).unwrap_or(0);
            last_delay = last_delay.max(delay);
            let rule_origin = origin(
                "Opsgenie escalation rule",
                &format!("{escalation_id} rules[{index}]"),
                name,
            );
            if text(rule, "condition") == "if-not-closed" {
                self.org.skipped.push(Skipped::new(
                    rule_origin.clone(),
                    format!("Rule {} of \"{name}\" runs until the alert is closed; Firewatch's steps stop once it is acknowledged.", index + 1),
                    "Nothing to do unless acknowledged alerts must keep escalating; then keep them unacknowledged until resolved.",
                ));
            }
            match self.rule_targets(rule) {
                Ok(targets) => translated.push(Rule { delay, targets }),
                Err(reason) => self.org.skipped.push(Skipped::new(
                    rule_origin,
                    format!(
                        "Rule {} of \"{name}\" (after {delay} minutes) {reason}",
                        index + 1
                    ),
                    "Add an equivalent step to the policy by hand.",
                )),
            }
        }
        // Delays count from the alert; rules with the same delay are one step.
        translated.sort_by_key(|rule| rule.delay);
        let mut steps: Vec<Step> = Vec::new();
        let mut previous = 0;
        for rule in translated {
            match steps.last_mut() {
                Some(step) if rule.delay == previous => {
                    for target in rule.targets {
                        if !step.notify.contains(&target) {
                            step.notify.push(target);
                        }
                    }
                }
                _ => {
                    steps.push(Step {
                        after_minutes: u32::try_from(rule.delay - previous).unwrap_or(u32::MAX),
                        notify: rule.targets,
                    });
                    previous = rule.delay;
                }
            }
        }
        let (repeat, repeat_after_minutes) =
            self.read_repeat(escalation, &steps, previous, last_delay, &escalation_origin);
        self.org.policies.push(Policy {
            origin: escalation_origin,
            id,
            name: name.to_owned(),
            repeat,
            repeat_after_minutes,
            steps,
        });
    }

    /// Whom a rule notifies, as Firewatch targets; `Err` says why it cannot be said.
    fn rule_targets(&self, rule: &Value) -> Result<Vec<String>, String> {
        let recipient = rule.get("recipient").unwrap_or(&Value::Null);
        let kind = text(recipient, "type");
        let notify_type = match text(rule, "notifyType") {
            "" => "default",
            other => other,
        };
        let label = [
            text(recipient, "name"),
            text(recipient, "username"),
            text(recipient, "id"),
        ]
        .into_iter()
        .find(|label| !label.is_empty())
        .unwrap_or_default();
        match (kind, notify_type) {
            ("user", _) => self
                .person(recipient)
                .map(|person| vec![format!("person:{person}")])
                .ok_or_else(|| format!("notifies user {label}, who is not among the users read.")),
            ("schedule", "default") => [text(recipient, "id"), text(recipient, "name")]
                .into_iter()
                .find_map(|key| self.schedules.get(key))
                .map(|schedule| vec![format!("schedule:{schedule}")])
                .ok_or_else(|| format!("notifies schedule {label}, which was not read.")),
            ("schedule", "next" | "previous") => Err(format!(
                "notifies the {notify_type} on-call person of schedule {label}; Firewatch steps notify whoever is on call now."
            )),
            ("team", "all") => {
                let team = self
                    .team(recipient)
                    .ok_or_else(|| format!("notifies team {label}, which was not read."))?;
                let members = self.team_members.get(&team).cloned().unwrap_or_default();
                if members.is_empty() {
                    return Err(format!(
                        "notifies every member of team {label}, which has none."
                    ));
                }
                Ok(members
                    .into_iter()
                    .map(|member| format!("person:{member}"))
                    .collect())
            }
            ("team", "default") => {
                let team = self
                    .team(recipient)
                    .ok_or_else(|| format!("notifies team {label}, which was not read."))?;
                match self.team_routes.get(&team) {
                    Some(Ok(Route::Schedule(id, name))) => [id.as_str(), name.as_str()]
                        .into_iter()
                        .find_map(|key| self.schedules.get(key))
                        .map(|schedule| vec![format!("schedule:{schedule}")])
                        .ok_or_else(|| format!("notifies team {label}, whose routing goes to schedule {name}, which was not read.")),
                    Some(Ok(Route::Escalation(_, name))) => Err(format!(
                        "notifies team {label}, whose routing rules start escalation \"{name}\"; a Firewatch step cannot start another policy."
                    )),
                    Some(Ok(Route::Nobody)) => Err(format!("notifies team {label}, whose routing rules notify nobody.")),
                    Some(Err(why)) => Err(format!("notifies team {label}, and {why}.")),
                    None => Err(format!("notifies team {label}, whose routing rules were not read.")),
                }
            }
            ("team", other) => Err(format!(
                "notifies the \"{other}\" members of team {label}, which Firewatch cannot select."
            )),
            (other, notify) => Err(format!(
                "notifies a \"{other}\" recipient ({label}, {notify}), which Firewatch cannot."
            )),
        }
    }

    /// Opsgenie repeats the rules `count` times, `waitInterval` minutes after its last rule
    /// (the latest delay, translated or not). Firewatch counts from its last step to the next
    /// round's first.
    fn read_repeat(
        &mut self,
        escalation: &Value,
        steps: &[Step],
        last_step_delay: u64,
        last_rule_delay: u64,
        escalation_origin: &Origin,
    ) -> (u32, Option<u32>) {
        let Some(repeat) = escalation.get("repeat").filter(|value| !value.is_null()) else {
            return (0, None);
        };
        let count = number(repeat, "count").unwrap_or(0);
        let wait = number(repeat, "waitInterval").unwrap_or(0);
        if count == 0 || wait == 0 || steps.is_empty() {
            return (0, None);
        }
        let name = &escalation_origin.name;
        if count > u64::from(MAX_REPEAT) {
            self.org.skipped.push(Skipped::new(
                escalation_origin.clone(),
                format!("\"{name}\" repeats {count} times; Firewatch repeats a policy at most {MAX_REPEAT} times."),
                "Nothing to do unless the extra rounds matter; then add steps by hand.",
            ));
        }
        if repeat.get("resetRecipientStates").and_then(Value::as_bool) == Some(true) {
            self.org.skipped.push(Skipped::new(
                escalation_origin.clone(),
                format!("\"{name}\" resets acknowledgements on each repeat (the alert keeps escalating until closed); Firewatch stops repeating once someone acknowledges."),
                "Nothing to do unless responders rely on being paged again after acknowledging.",
            ));
        }
        if repeat.get("closeAlertAfterAll").and_then(Value::as_bool) == Some(true) {
            self.org.skipped.push(Skipped::new(
                escalation_origin.clone(),
                format!(
                    "\"{name}\" closes the alert after the last repeat; Firewatch leaves it open."
                ),
                "Resolve such alerts by hand, or ask for an auto-resolve rule.",
            ));
        }
        let first_delay: u64 = steps
            .first()
            .map(|step| u64::from(step.after_minutes))
            .unwrap_or(0);
        let gap = last_rule_delay + wait + first_delay - last_step_delay;
        (
            u32::try_from(count.min(u64::from(MAX_REPEAT))).unwrap_or(MAX_REPEAT),
            Some(u32::try_from(gap).unwrap_or(u32::MAX)),
        )
    }

    /// A service whose team does not route every alert to one escalation: the escalation the
    /// team owns, reported as a guess (or none, reported).
    fn owned_escalation(
        &mut self,
        service_origin: &mut Origin,
        name: &str,
        team_id: &str,
        escalations: &[Value],
        route: Option<Result<Route, String>>,
    ) -> Option<String> {
        let why = match route {
            Some(Err(why)) => format!("its team's routing: {why}"),
            Some(Ok(Route::Schedule(_, schedule))) => format!(
                "its team routes alerts straight to schedule \"{schedule}\", not an escalation"
            ),
            Some(Ok(Route::Nobody)) => "its team's routing rules notify nobody".to_owned(),
            _ => "its team was not read".to_owned(),
        };
        let owned: Vec<&Value> = escalations
            .iter()
            .filter(|escalation| {
                !team_id.is_empty()
                    && escalation.pointer("/ownerTeam/id").and_then(Value::as_str) == Some(team_id)
            })
            .collect();
        let Some(first) = owned.first() else {
            self.org.skipped.push(Skipped::new(
                service_origin.clone(),
                format!("Service \"{name}\" has no escalation: {why}, and the team owns none."),
                "Set escalation_policy on the service by hand.",
            ));
            return None;
        };
        let chosen = text(first, "name");
        service_origin.what =
            format!("Opsgenie service (paged through its team's escalation \"{chosen}\")");
        self.org.skipped.push(Skipped::new(
            service_origin.clone(),
            format!("Service \"{name}\" has no escalation of its own ({why}); the team's escalation \"{chosen}\" was chosen (of {}).", owned.len()),
            "Check the team's routing rules in Opsgenie and set escalation_policy on the service to the one its alerts use.",
        ));
        self.policies.get(text(first, "id")).cloned()
    }

    fn read_service(&mut self, service: &Value, escalations: &[Value]) {
        let service_id = text(service, "id");
        let name = text(service, "name");
        let team_id = text(service, "teamId");
        let team = self.teams.get(team_id).cloned();
        let mut service_origin = origin("Opsgenie service", service_id, name);
        let route = team
            .as_ref()
            .and_then(|team| self.team_routes.get(team))
            .cloned();
        let escalation_policy = match route {
            Some(Ok(Route::Escalation(escalation_id, escalation_name))) => {
                service_origin.what = format!(
                    "Opsgenie service (its team routes alerts to escalation \"{escalation_name}\")"
                );
                let policy = self
                    .policies
                    .get(&escalation_id)
                    .or_else(|| self.policies.get(&escalation_name))
                    .cloned();
                if policy.is_none() {
                    self.org.skipped.push(Skipped::new(
                        service_origin.clone(),
                        format!("Service \"{name}\" routes to escalation \"{escalation_name}\", which was not read."),
                        "Set escalation_policy on the service by hand.",
                    ));
                }
                policy
            }
            route => self.owned_escalation(&mut service_origin, name, team_id, escalations, route),
        };
        if team.is_none() && !team_id.is_empty() {
            self.org.skipped.push(Skipped::new(
                service_origin.clone(),
                format!("Service \"{name}\"'s team {team_id} was not read."),
                "Set team on the service by hand.",
            ));
        }
        let id = unique(&slug(name), &mut self.taken);
        self.org.services.push(Service {
            origin: service_origin,
            id,
            name: name.to_owned(),
            team,
            escalation_policy,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::model::Restrict;
    use std::path::PathBuf;

    /// Serves the fixture files the way the integration tests' stand-in does: the path (query
    /// and base URL dropped) names `api/<path>.json`, and a top-level `data` list is served two
    /// items a page with an absolute `paging.next`.
    struct FakeApi {
        root: PathBuf,
    }

    const BASE: &str = "http://127.0.0.1:9/opsgenie";

    impl FakeApi {
        fn fixtures() -> FakeApi {
            FakeApi {
                root: PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/fixtures/import/opsgenie/api"),
            }
        }

        fn answer(&self, path_and_query: &str) -> Result<Value, ApiError> {
            let relative = path_and_query.strip_prefix(BASE).unwrap_or(path_and_query);
            let (path, query) = relative.split_once('?').unwrap_or((relative, ""));
            let path = path.trim_end_matches('/');
            let file = self
                .root
                .join(format!("{}.json", path.trim_start_matches('/')));
            let Ok(body) = std::fs::read_to_string(&file) else {
                return Err(ApiError(format!("Opsgenie answered 404 for {path}")));
            };
            let mut value: Value =
                serde_json::from_str(&body).map_err(|error| ApiError(error.to_string()))?;
            let Some(items) = value.get("data").and_then(Value::as_array).cloned() else {
                return Ok(value);
            };
            let offset: usize = query
                .split('&')
                .find_map(|pair| pair.strip_prefix("offset="))
                .and_then(|offset| offset.parse().ok())
                .unwrap_or(0);
            let page: Vec<Value> = items.iter().skip(offset).take(2).cloned().collect();
            let mut paging = serde_json::json!({
                "first": format!("{BASE}{path}?limit=2&offset=0"),
                "last": format!("{BASE}{path}?limit=2&offset={}", items.len().saturating_sub(1) / 2 * 2),
            });
            if offset + 2 < items.len() {
                paging["next"] =
                    Value::String(format!("{BASE}{path}?limit=2&offset={}", offset + 2));
            }
            value["data"] = Value::Array(page);
            value["paging"] = paging;
            Ok(value)
        }
    }

    impl Api for FakeApi {
        fn get(
            &self,
            path_and_query: &str,
        ) -> impl Future<Output = Result<Value, ApiError>> + Send {
            std::future::ready(self.answer(path_and_query))
        }
    }

    fn at(text: &str) -> Timestamp {
        text.parse().expect("a test timestamp")
    }

    fn org() -> Org {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        runtime
            .block_on(read(
                &FakeApi::fixtures(),
                at("2027-01-04T00:00:00Z"),
                at("2027-01-18T00:00:00Z"),
            ))
            .expect("the fixtures read")
    }

    fn window(days: &str, from: &str, to: &str) -> Restrict {
        Restrict {
            days: days.into(),
            from: from.into(),
            to: to.into(),
        }
    }

    fn reasons(org: &Org) -> Vec<String> {
        org.skipped
            .iter()
            .map(|item| format!("{} {}: {}", item.origin.what, item.origin.id, item.reason))
            .collect()
    }

    #[test]
    fn people_contacts_and_their_paging_path() {
        let org = org();
        assert_eq!(org.source, "Opsgenie");
        let ids: Vec<&str> = org.people.iter().map(|person| person.id.as_str()).collect();
        assert_eq!(ids, ["alice", "bob", "carol", "dave", "erin"]);
        let alice = &org.people[0];
        assert_eq!(alice.name, "Alice Kim");
        assert_eq!(alice.email.as_deref(), Some("alice@example.com"));
        assert_eq!(alice.timezone.as_deref(), Some("America/New_York"));
        assert_eq!(
            alice.contacts,
            [
                Contact {
                    name: "email".into(),
                    kind: ContactKind::Email {
                        to: "alice@example.com".into()
                    }
                },
                Contact {
                    name: "sms".into(),
                    kind: ContactKind::Sms {
                        to: "+15550100001".into()
                    }
                },
                Contact {
                    name: "voice".into(),
                    kind: ContactKind::Voice {
                        to: "+15550100001".into()
                    }
                },
            ]
        );
        let notify: Vec<(u32, &str)> = alice
            .notify
            .iter()
            .map(|rule| (rule.after_minutes, rule.contact.as_str()))
            .collect();
        assert_eq!(notify, [(0, "email"), (1, "sms"), (5, "voice")]);
        // Bob's first rule is restricted to nights: the unconditional one is his paging path.
        let bob = &org.people[1];
        let notify: Vec<(u32, &str)> = bob
            .notify
            .iter()
            .map(|rule| (rule.after_minutes, rule.contact.as_str()))
            .collect();
        assert_eq!(notify, [(0, "email"), (1, "sms"), (5, "voice")]);
        // Erin's voice contact is disabled, so her voice step goes too.
        let erin = &org.people[4];
        assert_eq!(erin.contacts.len(), 2);
        assert_eq!(erin.notify.len(), 2);
        let reasons = reasons(&org);
        for expected in [
            "Alice Kim's Opsgenie mobile app push",
            "Dave Choi's Opsgenie mobile app push",
            "applies only inside its time restriction",
            "\"schedule-start\" notification rule",
            "Erin Jung's voice contact 1-5550100005 is disabled",
        ] {
            assert!(
                reasons.iter().any(|reason| reason.contains(expected)),
                "{expected} in {reasons:#?}"
            );
        }
    }

    #[test]
    fn teams_keep_their_members() {
        let org = org();
        let teams: Vec<(&str, Vec<&str>)> = org
            .teams
            .iter()
            .map(|team| {
                (
                    team.id.as_str(),
                    team.members.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            teams,
            [
                ("platform", vec!["alice", "bob", "carol"]),
                ("payments", vec!["dave", "erin", "bob"]),
                ("mobile", vec!["carol", "erin"]),
            ]
        );
    }

    #[test]
    fn rotations_become_layers_with_split_restrictions() {
        let org = org();
        let platform = &org.schedules[0];
        assert_eq!(
            (platform.id.as_str(), platform.timezone.as_str()),
            ("platform-oncall", "America/New_York")
        );
        // Reversed: the first Opsgenie rotation is the last layer.
        let business = &platform.layers[0];
        assert_eq!(
            (
                business.name.as_str(),
                business.rotation.as_str(),
                business.handoff.as_str(),
                business.start.as_str()
            ),
            ("Business hours", "daily", "09:00", "2026-11-02")
        );
        assert_eq!(business.members, ["dave", "erin"]);
        assert_eq!(business.restrict, [window("mon-fri", "09:00", "18:00")]);
        let off_hours = &platform.layers[1];
        assert_eq!(
            (off_hours.rotation.as_str(), off_hours.handoff.as_str()),
            ("weekly", "mon 09:00")
        );
        assert_eq!(off_hours.members, ["alice", "bob", "carol"]);
        assert_eq!(
            off_hours.restrict,
            [
                window("mon", "00:00", "09:00"),
                window("mon-thu", "18:00", "09:00"),
                window("fri", "18:00", "24:00"),
                window("sat,sun", "00:00", "24:00"),
            ]
        );
        let payments = &org.schedules[1];
        assert_eq!(
            (payments.id.as_str(), payments.timezone.as_str()),
            ("payments-oncall", "Asia/Seoul")
        );
        assert_eq!(
            payments.layers.len(),
            2,
            "the ended rotation is not a layer"
        );
        let weekend = &payments.layers[0];
        assert_eq!(
            (
                weekend.rotation.as_str(),
                weekend.handoff.as_str(),
                weekend.start.as_str()
            ),
            ("12h", "09:00", "2026-11-07")
        );
        assert_eq!(
            weekend.restrict,
            [
                window("mon", "00:00", "09:00"),
                window("sat", "09:00", "24:00"),
                window("sun", "00:00", "24:00")
            ]
        );
        let weekdays = &payments.layers[1];
        assert_eq!(
            (weekdays.rotation.as_str(), weekdays.handoff.as_str()),
            ("weekly", "mon 09:00")
        );
        assert_eq!(
            weekdays.members,
            ["bob", "bob", "carol", "carol", "erin", "erin"]
        );
        assert!(
            weekdays
                .note
                .as_deref()
                .is_some_and(|note| note.contains("2-week turns"))
        );
        assert_eq!(
            weekdays.restrict,
            [
                window("mon", "09:00", "24:00"),
                window("tue-fri", "00:00", "24:00"),
                window("sat", "00:00", "09:00")
            ]
        );
        let reasons = reasons(&org);
        assert!(
            reasons
                .iter()
                .any(|reason| reason.contains("\"Launch backstop\" ended")),
            "{reasons:#?}"
        );
        assert!(
            !reasons
                .iter()
                .any(|reason| reason.contains("both have someone on call")),
            "{reasons:#?}"
        );
    }

    #[test]
    fn future_overrides_only() {
        let org = org();
        let overrides: Vec<(&str, &str, &str, &str)> = org
            .overrides
            .iter()
            .map(|item| {
                (
                    item.schedule.as_str(),
                    item.person.as_str(),
                    item.start.as_str(),
                    item.end.as_str(),
                )
            })
            .collect();
        assert_eq!(
            overrides,
            [
                (
                    "platform-oncall",
                    "erin",
                    "2027-01-08T14:00:00Z",
                    "2027-01-09T02:00:00Z"
                ),
                (
                    "payments-oncall",
                    "bob",
                    "2027-02-01T00:00:00Z",
                    "2027-02-03T00:00:00Z"
                ),
            ]
        );
        assert!(org.overrides.iter().all(|item| item.replaces.is_none()));
        assert!(
            reasons(&org)
                .iter()
                .any(|reason| reason.contains("applies only to rotation(s) Weekdays"))
        );
    }

    #[test]
    fn escalations_count_from_the_previous_step() {
        let org = org();
        let platform = &org.policies[0];
        assert_eq!(platform.id, "platform-escalation");
        assert_eq!(
            platform.steps,
            [
                Step {
                    after_minutes: 0,
                    notify: vec!["schedule:platform-oncall".into()]
                },
                Step {
                    after_minutes: 10,
                    notify: vec!["person:bob".into()]
                },
                Step {
                    after_minutes: 10,
                    notify: vec!["schedule:payments-oncall".into()]
                },
            ]
        );
        assert_eq!(
            (platform.repeat, platform.repeat_after_minutes),
            (2, Some(15))
        );
        let payments = &org.policies[1];
        assert_eq!(
            payments.steps,
            [
                Step {
                    after_minutes: 0,
                    notify: vec!["schedule:payments-oncall".into()]
                },
                Step {
                    after_minutes: 5,
                    notify: vec!["person:dave".into()]
                },
                Step {
                    after_minutes: 10,
                    notify: vec!["person:carol".into(), "person:erin".into()]
                },
            ]
        );
        // The last Opsgenie rule (skipped) is at 30 minutes: the next round starts 10 after it.
        assert_eq!(
            (payments.repeat, payments.repeat_after_minutes),
            (1, Some(25))
        );
        let reasons = reasons(&org);
        for expected in [
            "notifies the next on-call person",
            "whose routing rules notify nobody",
            "resets acknowledgements",
        ] {
            assert!(
                reasons.iter().any(|reason| reason.contains(expected)),
                "{expected} in {reasons:#?}"
            );
        }
    }

    #[test]
    fn services_take_the_escalation_their_team_routes_to() {
        let org = org();
        let services: Vec<(&str, Option<&str>, Option<&str>)> = org
            .services
            .iter()
            .map(|service| {
                (
                    service.id.as_str(),
                    service.team.as_deref(),
                    service.escalation_policy.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            services,
            [
                ("api-gateway", Some("platform"), Some("platform-escalation")),
                (
                    "web-frontend",
                    Some("platform"),
                    Some("platform-escalation")
                ),
                ("billing", Some("payments"), Some("payments-escalation")),
                ("mobile-backend", Some("mobile"), None),
            ]
        );
        let reasons = reasons(&org);
        assert!(
            reasons
                .iter()
                .any(|reason| reason
                    .contains("routes alerts straight to schedule \"payments_oncall\"")),
            "{reasons:#?}"
        );
        assert!(
            reasons
                .iter()
                .any(|reason| reason.contains("\"Mobile Backend\" has no escalation")),
            "{reasons:#?}"
        );
    }

    #[test]
    fn two_reads_are_identical() {
        assert_eq!(format!("{:?}", org()), format!("{:?}", org()));
    }

    #[test]
    fn no_secret_or_key_is_copied() {
        let debug = format!("{:?}", org());
        assert!(!debug.contains("GenieKey"));
    }

    #[test]
    fn restrictions_split_and_join() {
        let mask = |restriction: Value| week_mask(&restriction).expect("a restriction");
        // Every day 22:00-07:00 is one overnight window.
        let nightly = mask(
            serde_json::json!({"type": "time-of-day", "restriction": {"startHour": 22, "startMin": 0, "endHour": 7, "endMin": 0}}),
        );
        assert_eq!(nightly.restricts(), [window("mon-sun", "22:00", "07:00")]);
        // Mon 09:00 for four and a half days: per-day windows.
        let long = mask(
            serde_json::json!({"type": "weekday-and-time-of-day", "restrictions": [
            {"startDay": "monday", "startHour": 9, "startMin": 0, "endDay": "friday", "endHour": 21, "endMin": 0}]}),
        );
        assert_eq!(
            long.restricts(),
            [
                window("mon", "09:00", "24:00"),
                window("tue-thu", "00:00", "24:00"),
                window("fri", "00:00", "21:00")
            ]
        );
        // Half hours, a window over Sunday night into Monday.
        let sunday = mask(
            serde_json::json!({"type": "weekday-and-time-of-day", "restrictions": [
            {"startDay": "sunday", "startHour": 20, "startMin": 30, "endDay": "monday", "endHour": 6, "endMin": 0}]}),
        );
        assert_eq!(sunday.restricts(), [window("sun", "20:30", "06:00")]);
        // A whole week needs no restriction; nonsense hours are an error, not a panic.
        let all = mask(
            serde_json::json!({"type": "weekday-and-time-of-day", "restrictions": [
            {"startDay": "monday", "startHour": 0, "startMin": 0, "endDay": "monday", "endHour": 0, "endMin": 0}]}),
        );
        assert!(all.restricts().is_empty());
        assert!(
            week_mask(
                &serde_json::json!({"type": "time-of-day", "restriction": {"startHour": 99}})
            )
            .is_err()
        );
        assert!(week_mask(&serde_json::json!({"type": "weekday-and-time-of-day", "restrictions": [{"startDay": "someday"}]})).is_err());
    }

    #[test]
    fn rotation_lengths() {
        assert_eq!(
            rotation_kind("daily", 3).map(|(rotation, repeat, _)| (rotation, repeat)),
            Some(("daily".into(), 3))
        );
        assert_eq!(
            rotation_kind("daily", 14).map(|(rotation, repeat, _)| (rotation, repeat)),
            Some(("weekly".into(), 2))
        );
        assert_eq!(
            rotation_kind("hourly", 8).map(|(rotation, repeat, _)| (rotation, repeat)),
            Some(("8h".into(), 1))
        );
        assert_eq!(
            rotation_kind("hourly", 336).map(|(rotation, repeat, _)| (rotation, repeat)),
            Some(("daily".into(), 14))
        );
        assert_eq!(rotation_kind("hourly", 200), None);
        assert_eq!(rotation_kind("monthly", 1), None);
    }

    #[test]
    fn overlapping_rotations_are_reported() {
        let mut reader = Reader::default();
        reader.people.insert("u1".into(), "alice".into());
        reader.people.insert("u2".into(), "bob".into());
        let zone = TimeZone::get("Asia/Seoul").expect("a zone");
        let rotation = |name: &str, user: &str, restriction: Value| {
            serde_json::json!({"id": name, "name": name, "type": "daily", "length": 1,
                "startDate": "2026-11-02T00:00:00Z", "participants": [{"type": "user", "id": user}],
                "timeRestriction": restriction})
        };
        let all_day = rotation("all day", "u1", Value::Null);
        let office = rotation(
            "office",
            "u2",
            serde_json::json!({"type": "time-of-day",
            "restriction": {"startHour": 9, "startMin": 0, "endHour": 18, "endMin": 0}}),
        );
        let layers: Vec<(Layer, WeekMask)> = [all_day, office]
            .iter()
            .filter_map(|rotation| {
                reader.read_rotation(rotation, &zone, "s", at("2027-01-01T00:00:00Z"))
            })
            .collect();
        assert_eq!(layers.len(), 2);
        reader.report_overlaps(&layers, &origin("Opsgenie schedule", "s", "s"));
        let reasons = reasons(&reader.org);
        assert_eq!(reasons.len(), 1, "{reasons:#?}");
        assert!(reasons[0].contains("mon-sun 09:00-18:00"), "{reasons:#?}");
    }

    #[test]
    fn a_team_routing_to_a_schedule_or_not() {
        let rule = |order: u64, notify: Value, criteria: &str| serde_json::json!({"order": order, "criteria": {"type": criteria}, "notify": notify});
        let schedule = serde_json::json!({"type": "schedule", "id": "s1", "name": "one"});
        let escalation = serde_json::json!({"type": "escalation", "id": "e1", "name": "esc"});
        assert_eq!(
            team_route(&[rule(0, schedule.clone(), "match-all")]),
            Ok(Route::Schedule("s1".into(), "one".into()))
        );
        // A conditional rule to another place first: no one answer.
        assert!(
            team_route(&[
                rule(1, schedule.clone(), "match-all"),
                rule(0, escalation.clone(), "match-any-condition")
            ])
            .is_err()
        );
        // Rules after the unconditional one never apply.
        assert_eq!(
            team_route(&[
                rule(0, escalation.clone(), "match-all"),
                rule(1, schedule, "match-all")
            ]),
            Ok(Route::Escalation("e1".into(), "esc".into()))
        );
        assert!(team_route(&[]).is_err());
    }

    #[test]
    fn bad_answers_are_errors_not_panics() {
        struct Broken;
        impl Api for Broken {
            fn get(&self, _: &str) -> impl Future<Output = Result<Value, ApiError>> + Send {
                std::future::ready(Ok(serde_json::json!({"message": "nope"})))
            }
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let error = runtime
            .block_on(read(
                &Broken,
                at("2027-01-04T00:00:00Z"),
                at("2027-01-18T00:00:00Z"),
            ))
            .expect_err("no data");
        assert!(error.0.contains("without a \"data\" list"), "{error}");
    }
}
