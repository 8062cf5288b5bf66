//! `firewatch import grafana-oncall`: reads Grafana OnCall's public HTTP API v1 (users, teams,
//! schedules and their shifts, escalation chains and their steps, personal notification rules,
//! integrations and their routes) into an [`Org`].
//!
//! OnCall's web schedules are stacks of rotations (`rolling_users` shifts) with priority
//! levels, the higher level winning, which is Firewatch's layer order. A rotation becomes a
//! layer only where `rotation`, `handoff` and `restrict` say exactly what OnCall renders;
//! anything else is a [`Skipped`] with the step to take by hand. OnCall's API never shows
//! phone numbers, so people arrive with their email, and every SMS or call rule becomes a
//! manual step naming the contact to add.

use std::collections::{HashMap, HashSet};

use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde_json::Value;

mod rotation;

use rotation::{Frequency, Pattern, civil, instant, translate, weekday};

use super::model::{
    Api, ApiError, Contact, ContactKind, Layer, Notify, Org, Origin, Override, Person, Policy,
    Restrict, Schedule, Service, Skipped, Step, Taken, Team, slug, unique,
};

/// A guard against a server whose `next` links never end.
const MAX_PAGES: usize = 10_000;

/// OnCall's `repeat_escalation` step repeats the chain this many times, then moves on.
const ONCALL_REPEATS: u32 = 5;

/// Reads the whole organisation. `since` drops overrides and rotations already over;
/// `until` drops overrides that start after it.
pub async fn read(api: &impl Api, since: Timestamp, until: Timestamp) -> Result<Org, ApiError> {
    let users = list(api, "/api/v1/users/").await?;
    let teams = list(api, "/api/v1/teams/").await?;
    let schedules = list(api, "/api/v1/schedules/").await?;
    let shifts = list(api, "/api/v1/on_call_shifts/").await?;
    let chains = list(api, "/api/v1/escalation_chains/").await?;
    let steps = list(api, "/api/v1/escalation_policies/").await?;
    // OnCall answers this one only for user tokens; without it people still get email.
    let rules = list(api, "/api/v1/personal_notification_rules/").await;
    let integrations = list(api, "/api/v1/integrations/").await?;
    let routes = list(api, "/api/v1/routes/").await?;

    let mut reader = Reader::new(since, until);
    reader.read_people(&users, rules);
    reader.read_teams(&teams);
    reader.read_schedules(&schedules, &shifts);
    reader.read_policies(&chains, &steps);
    reader.read_services(&integrations, &routes);
    Ok(reader.org)
}

/// Every item of a paginated list: OnCall answers `{count, next, previous, results}` and
/// `next` is an absolute URL, passed back as is.
async fn list(api: &impl Api, path: &str) -> Result<Vec<Value>, ApiError> {
    let mut items = Vec::new();
    let mut seen = HashSet::new();
    let mut next = Some(path.to_owned());
    while let Some(url) = next.take() {
        if seen.len() >= MAX_PAGES || !seen.insert(url.clone()) {
            return Err(ApiError(format!(
                "Grafana OnCall's {path} kept pointing `next` at pages already read ({url}); \
                 stopped instead of looping"
            )));
        }
        let page = api.get(&url).await?;
        let Value::Object(mut page) = page else {
            return Err(not_a_list(path, &url));
        };
        let Some(Value::Array(results)) = page.remove("results") else {
            return Err(not_a_list(path, &url));
        };
        items.extend(results);
        next = page
            .get("next")
            .and_then(Value::as_str)
            .filter(|link| !link.is_empty())
            .map(str::to_owned);
    }
    Ok(items)
}

fn not_a_list(path: &str, url: &str) -> ApiError {
    ApiError(format!(
        "Grafana OnCall answered {url} without a `results` list, so {path} could not be read; \
         check that --api-url is the OnCall API URL shown under OnCall → Settings (it ends in /oncall \
         on Grafana Cloud)"
    ))
}

fn text<'a>(item: &'a Value, key: &str) -> &'a str {
    item.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn some_text<'a>(item: &'a Value, key: &str) -> Option<&'a str> {
    Some(text(item, key)).filter(|value| !value.is_empty())
}

fn texts<'a>(item: &'a Value, key: &str) -> Vec<&'a str> {
    item.get(key)
        .and_then(Value::as_array)
        .map(|values| values.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn number(item: &Value, key: &str) -> Option<i64> {
    item.get(key).and_then(Value::as_i64)
}

fn origin(what: &str, id: &str, name: &str) -> Origin {
    Origin {
        what: what.to_owned(),
        id: id.to_owned(),
        name: name.to_owned(),
        url: None,
    }
}

/// Minutes for OnCall's seconds, rounded up so a wait is never shortened.
fn minutes(seconds: i64) -> u32 {
    u32::try_from((seconds.max(0) + 59) / 60).unwrap_or(u32::MAX)
}

/// The org being filled, and the OnCall ids already given Firewatch ids.
struct Reader {
    since: Timestamp,
    until: Timestamp,
    org: Org,
    taken: Taken,
    people: HashMap<String, String>,
    teams: HashMap<String, String>,
    /// OnCall team id → person ids, in the users list's order.
    team_members: HashMap<String, Vec<String>>,
    schedules: HashMap<String, String>,
    policies: HashMap<String, String>,
}

impl Reader {
    fn new(since: Timestamp, until: Timestamp) -> Reader {
        Reader {
            since,
            until,
            org: Org {
                source: "Grafana OnCall".to_owned(),
                ..Org::default()
            },
            taken: Taken::default(),
            people: HashMap::new(),
            teams: HashMap::new(),
            team_members: HashMap::new(),
            schedules: HashMap::new(),
            policies: HashMap::new(),
        }
    }

    fn skip(&mut self, origin: Origin, reason: String, manual_step: String) {
        self.org
            .skipped
            .push(Skipped::new(origin, reason, manual_step));
    }

    fn person(&self, oncall_id: &str) -> Option<&String> {
        self.people.get(oncall_id)
    }

    // ---- people -------------------------------------------------------------------------

    fn read_people(&mut self, users: &[Value], rules: Result<Vec<Value>, ApiError>) {
        for user in users {
            let source_id = text(user, "id");
            let username = text(user, "username");
            let email = some_text(user, "email");
            let base = [Some(username), email, Some(source_id)]
                .into_iter()
                .flatten()
                .find(|name| !name.is_empty())
                .unwrap_or("person");
            let id = unique(&slug(base), &mut self.taken.people);
            self.people.insert(source_id.to_owned(), id.clone());
            for team in texts(user, "teams") {
                self.team_members
                    .entry(team.to_owned())
                    .or_default()
                    .push(id.clone());
            }
            let contacts = email
                .map(|to| Contact {
                    name: "email".to_owned(),
                    kind: ContactKind::Email { to: to.to_owned() },
                })
                .into_iter()
                .collect();
            self.org.people.push(Person {
                origin: origin("Grafana OnCall user", source_id, username),
                id,
                name: username.to_owned(),
                email: email.map(str::to_owned),
                timezone: some_text(user, "timezone").map(str::to_owned),
                contacts,
                notify: Vec::new(),
            });
        }
        match rules {
            Ok(rules) => self.read_rules(users, &rules),
            Err(error) => self.skip(
                origin("Grafana OnCall personal notification rules", "", ""),
                format!(
                    "OnCall did not list personal notification rules ({error}); it shows them \
                     to user API tokens only, so every person gets email at once"
                ),
                "Run the import with a user's OnCall API token, or write each person's `notify` \
                 list by hand"
                    .to_owned(),
            ),
        }
    }

    /// Each person's default rules become `notify`; the important ones are reported.
    fn read_rules(&mut self, users: &[Value], rules: &[Value]) {
        for (index, user) in users.iter().enumerate() {
            let source_id = text(user, "id");
            let mut own: Vec<&Value> = rules
                .iter()
                .filter(|rule| text(rule, "user_id") == source_id)
                .collect();
            own.sort_by_key(|rule| number(rule, "position").unwrap_or(i64::MAX));
            let (important, default): (Vec<&Value>, Vec<&Value>) = own
                .into_iter()
                .partition(|rule| rule.get("important").and_then(Value::as_bool) == Some(true));
            self.default_rules(index, &default);
            if !important.is_empty() {
                let person = &self.org.people[index];
                let kinds: Vec<&str> = important.iter().map(|rule| text(rule, "type")).collect();
                let rule_origin = origin(
                    "Grafana OnCall important notification rules",
                    source_id,
                    &person.name,
                );
                let reason = format!(
                    "{}'s important rules ({}) run only for escalation steps marked important; \
                     a Firewatch person has one way of being paged",
                    person.id,
                    kinds.join(", ")
                );
                let manual = format!(
                    "If {} should be called sooner for important pages, put that contact earlier \
                     in their `notify` list",
                    person.id
                );
                self.skip(rule_origin, reason, manual);
            }
        }
    }

    fn default_rules(&mut self, index: usize, rules: &[&Value]) {
        let person_id = self.org.people[index].id.clone();
        let has_email = !self.org.people[index].contacts.is_empty();
        let mut after = 0;
        let mut notify = Vec::new();
        let mut untranslated = Vec::new();
        for rule in rules {
            let kind = text(rule, "type");
            let rule_origin = origin(
                "Grafana OnCall personal notification rule",
                text(rule, "id"),
                &format!("{person_id}: {kind}"),
            );
            match kind {
                "wait" => after += minutes(number(rule, "duration").unwrap_or(300)),
                "notify_by_email" if has_email => notify.push(Notify {
                    after_minutes: after,
                    contact: "email".to_owned(),
                }),
                "notify_by_sms" | "notify_by_phone_call" => {
                    let (name, firewatch_kind, what) = if kind == "notify_by_sms" {
                        ("sms", "twilio_sms", "an SMS")
                    } else {
                        ("call", "twilio_voice", "a phone call")
                    };
                    untranslated.push(kind);
                    self.skip(
                        rule_origin,
                        format!(
                            "{person_id} gets {what} {after} minutes into a page, but OnCall's API \
                             does not show phone numbers"
                        ),
                        format!(
                            "Add `{{ name = \"{name}\", kind = \"{firewatch_kind}\", destination = \
                             \"twilio\", to = \"+…\" }}` to {person_id}'s contacts and `{{ after = \
                             \"{after}m\", contact = \"{name}\" }}` to their notify list (and, if the \
                             file has none, a [[destinations]] entry named twilio of kind \"twilio\")"
                        ),
                    );
                }
                _ => {
                    untranslated.push(kind);
                    self.skip(
                        rule_origin,
                        format!(
                            "{person_id} is notified by {} {after} minutes into a page; Firewatch \
                             has no such contact",
                            kind.trim_start_matches("notify_by_").replace('_', " ")
                        ),
                        format!(
                            "Add an ntfy (push) or webhook contact to {person_id} and a notify \
                             rule `after = \"{after}m\"` for it"
                        ),
                    );
                }
            }
        }
        if notify.is_empty() && !untranslated.is_empty() {
            self.skip(
                origin(
                    "Grafana OnCall personal notification rules",
                    text(rules.first().copied().unwrap_or(&Value::Null), "user_id"),
                    &person_id,
                ),
                format!(
                    "None of {person_id}'s default rules ({}) could be carried, so Firewatch will \
                     email them at once when paged",
                    untranslated.join(", ")
                ),
                format!("Give {person_id} a phone or push contact and a `notify` list"),
            );
        }
        self.org.people[index].notify = notify;
    }

    fn read_teams(&mut self, teams: &[Value]) {
        for team in teams {
            let source_id = text(team, "id");
            let name = text(team, "name");
            let id = unique(&slug(name), &mut self.taken.teams);
            self.teams.insert(source_id.to_owned(), id.clone());
            self.org.teams.push(Team {
                origin: origin("Grafana OnCall team", source_id, name),
                id,
                name: name.to_owned(),
                members: self
                    .team_members
                    .get(source_id)
                    .cloned()
                    .unwrap_or_default(),
            });
        }
    }

    // ---- schedules ----------------------------------------------------------------------

    fn read_schedules(&mut self, schedules: &[Value], shifts: &[Value]) {
        for schedule in schedules {
            let source_id = text(schedule, "id");
            let name = text(schedule, "name");
            let kind = text(schedule, "type");
            let schedule_origin = origin("Grafana OnCall schedule", source_id, name);
            if kind == "ical" {
                self.skip(
                    schedule_origin,
                    format!(
                        "{name} is read from an iCal URL (possibly a private one, not copied); \
                         Firewatch schedules are rotations"
                    ),
                    "Write the schedule's rotations as Firewatch layers by hand, or keep paging \
                     those people directly"
                        .to_owned(),
                );
                continue;
            }
            if kind == "calendar" && some_text(schedule, "ical_url_overrides").is_some() {
                self.skip(
                    schedule_origin.clone(),
                    format!("{name} takes overrides from an iCal URL, which is not copied"),
                    "Add those overrides with `firewatch override add` as they come".to_owned(),
                );
            }
            let listed = texts(schedule, "shifts");
            let own: Vec<&Value> = shifts
                .iter()
                .filter(|shift| {
                    text(shift, "schedule") == source_id || listed.contains(&text(shift, "id"))
                })
                .collect();
            // Web schedules read a shift without a zone in UTC; calendar ones in their own.
            let fallback_zone = match kind {
                "calendar" => some_text(schedule, "time_zone").unwrap_or("UTC"),
                _ => "UTC",
            };
            let schedule_zone = some_text(schedule, "time_zone").unwrap_or("UTC").to_owned();
            let id = unique(&slug(name), &mut self.taken.schedules);
            self.schedules.insert(source_id.to_owned(), id.clone());
            let (timezone, layers) = self.read_layers(&id, &schedule_zone, fallback_zone, &own);
            self.org.schedules.push(Schedule {
                origin: schedule_origin,
                id,
                name: name.to_owned(),
                timezone,
                layers,
            });
        }
    }

    /// The zone the layers are read in, and the layers, lowest level first (a rotation in
    /// another zone is skipped). Overrides are collected on the way.
    fn read_layers(
        &mut self,
        schedule_id: &str,
        schedule_zone: &str,
        fallback_zone: &str,
        shifts: &[&Value],
    ) -> (String, Vec<Layer>) {
        let mut layers: Vec<(i64, Layer)> = Vec::new();
        // The layers' zone: the schedule's own if any rotation uses it, else the first one's.
        let rotation_zones: Vec<&str> = shifts
            .iter()
            .filter(|shift| text(shift, "type") != "override")
            .map(|shift| some_text(shift, "time_zone").unwrap_or(fallback_zone))
            .collect();
        let zone_name = if rotation_zones.contains(&schedule_zone) || rotation_zones.is_empty() {
            schedule_zone
        } else {
            rotation_zones[0]
        };
        for shift in shifts {
            let shift_origin = origin(
                "Grafana OnCall rotation",
                text(shift, "id"),
                text(shift, "name"),
            );
            let shift_zone = some_text(shift, "time_zone").unwrap_or(fallback_zone);
            let kind = text(shift, "type");
            if kind == "override" {
                self.read_override(schedule_id, shift_zone, shift);
                continue;
            }
            if kind == "single_event" {
                let start = text(shift, "start");
                let hours = number(shift, "duration").unwrap_or(0) as f64 / 3600.0;
                self.skip(
                    shift_origin,
                    format!(
                        "a one-off shift ({start} {shift_zone}, {hours} hours) is not a rotation, \
                         so it has no Firewatch layer"
                    ),
                    format!(
                        "If it is still ahead, add it with `firewatch override add --schedule \
                         {schedule_id}` for those hours"
                    ),
                );
                continue;
            }
            if shift_zone != zone_name {
                self.skip(
                    shift_origin,
                    format!(
                        "this rotation's times are in {shift_zone} while the rest of the schedule's \
                         are in {zone_name}; a Firewatch schedule has one zone"
                    ),
                    format!(
                        "Add the rotation to schedule {schedule_id} with its handoff written in \
                         {zone_name}"
                    ),
                );
                continue;
            }
            match self.layer(shift, zone_name) {
                Ok(Some((layer, notes))) => {
                    for note in notes {
                        self.skip(
                            shift_origin.clone(),
                            note,
                            format!("Check layer \"{}\" of schedule {schedule_id}", layer.name),
                        );
                    }
                    let level = number(shift, "level").unwrap_or(0);
                    layers.push((level, layer));
                }
                Ok(None) => {}
                Err(reason) => self.skip(
                    shift_origin,
                    reason,
                    format!("Write this rotation as layers of schedule {schedule_id} by hand"),
                ),
            }
        }
        // Higher levels win in OnCall; later layers win in Firewatch. The sort is stable.
        layers.sort_by_key(|(level, _)| *level);
        let layers = layers.into_iter().map(|(_, layer)| layer).collect();
        (zone_name.to_owned(), layers)
    }

    /// A layer for a rotation, `None` for one already over, or why it cannot be one.
    fn layer(
        &mut self,
        shift: &Value,
        zone_name: &str,
    ) -> Result<Option<(Layer, Vec<String>)>, String> {
        let zone = TimeZone::get(zone_name)
            .map_err(|_| format!("\"{zone_name}\" is not a time zone Firewatch knows"))?;
        let name = text(shift, "name");
        let pattern = self.pattern(shift)?;
        if let Some(until) = pattern.until {
            let end = instant(&zone, until)?;
            if end <= self.since {
                self.skip(
                    origin("Grafana OnCall rotation", text(shift, "id"), name),
                    format!(
                        "this rotation ended at {end}; OnCall keeps ended versions after an edit"
                    ),
                    "Nothing to do".to_owned(),
                );
                return Ok(None);
            }
        }
        let (mut layer, mut notes) = translate(&pattern)?;
        layer.name = name.to_owned();
        if let Some(until) = pattern.until {
            notes.push(format!(
                "this rotation stops at {until} ({zone_name}); a Firewatch layer does not end"
            ));
        }
        Ok(Some((layer, notes)))
    }

    /// What a `rolling_users` or `recurrent_event` shift says, with person ids.
    fn pattern(&self, shift: &Value) -> Result<Pattern, String> {
        let kind = text(shift, "type");
        let groups: Vec<Vec<&str>> = match kind {
            "rolling_users" => shift
                .get("rolling_users")
                .and_then(Value::as_array)
                .map(|groups| {
                    groups
                        .iter()
                        .map(|group| {
                            group
                                .as_array()
                                .map(|users| users.iter().filter_map(Value::as_str).collect())
                                .unwrap_or_default()
                        })
                        .collect()
                })
                .unwrap_or_default(),
            // Everyone listed is on at every occurrence: one group.
            "recurrent_event" => vec![texts(shift, "users")],
            other => return Err(format!("OnCall shift type \"{other}\" is not known here")),
        };
        if groups.is_empty() || groups.iter().any(Vec::is_empty) {
            return Err("the rotation has an empty turn (nobody listed)".to_owned());
        }
        let mut people = Vec::new();
        for group in &groups {
            let mut ids = Vec::new();
            for user in group {
                let person = self.person(user).ok_or_else(|| {
                    format!("the rotation names user {user}, whom OnCall did not list")
                })?;
                ids.push(person.clone());
            }
            people.push(ids);
        }
        let offset = number(shift, "start_rotation_from_user_index")
            .and_then(|index| usize::try_from(index).ok())
            .unwrap_or(0)
            % people.len();
        people.rotate_left(offset);
        let frequency = match text(shift, "frequency") {
            "hourly" => Frequency::Hourly,
            "daily" => Frequency::Daily,
            "weekly" => Frequency::Weekly,
            "" => return Err("the rotation has no frequency".to_owned()),
            other => {
                return Err(format!(
                    "a {other} rotation has no Firewatch equivalent (rotations are hourly, daily or \
                     weekly)"
                ));
            }
        };
        if !texts(shift, "by_month").is_empty()
            || shift
                .get("by_monthday")
                .is_some_and(|days| days.as_array().is_some_and(|days| !days.is_empty()))
        {
            return Err("the rotation is limited to some months or days of the month".to_owned());
        }
        let start = civil(text(shift, "start"))?;
        let rotation_start = some_text(shift, "rotation_start")
            .map(civil)
            .transpose()?
            .unwrap_or(start);
        let by_day = texts(shift, "by_day")
            .into_iter()
            .map(|day| weekday(day).ok_or_else(|| format!("\"{day}\" is not a weekday")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Pattern {
            frequency,
            interval: number(shift, "interval").unwrap_or(1),
            start,
            rotation_start,
            duration: number(shift, "duration").unwrap_or(0),
            by_day,
            week_start: some_text(shift, "week_start")
                .and_then(weekday)
                .unwrap_or(Weekday::Sunday),
            groups: people,
            until: some_text(shift, "until").map(civil).transpose()?,
        })
    }

    /// A future override: whoever it lists replaces whoever the schedule has on then.
    fn read_override(&mut self, schedule_id: &str, zone_name: &str, shift: &Value) {
        let shift_origin = origin(
            "Grafana OnCall override",
            text(shift, "id"),
            text(shift, "name"),
        );
        let times = TimeZone::get(zone_name)
            .map_err(|_| format!("\"{zone_name}\" is not a time zone"))
            .and_then(|zone| {
                let start = civil(text(shift, "start"))?;
                let seconds = number(shift, "duration").unwrap_or(0);
                let end = start
                    .checked_add(seconds.seconds())
                    .map_err(|_| "the override's end is out of range".to_owned())?;
                Ok((instant(&zone, start)?, instant(&zone, end)?))
            });
        let (start, end) = match times {
            Ok(times) => times,
            Err(reason) => {
                self.skip(
                    shift_origin,
                    reason,
                    format!("Add the override to {schedule_id} with `firewatch override add`"),
                );
                return;
            }
        };
        if end <= self.since || start >= self.until {
            return;
        }
        let users = texts(shift, "users");
        let people: Vec<String> = users
            .iter()
            .filter_map(|user| self.person(user).cloned())
            .collect();
        let Some(person) = people.first() else {
            self.skip(
                shift_origin,
                "the override names nobody OnCall listed".to_owned(),
                format!("Add the override to {schedule_id} with `firewatch override add`"),
            );
            return;
        };
        if people.len() < users.len() || people.len() > 1 {
            self.skip(
                shift_origin.clone(),
                format!(
                    "the override puts {} people on call together; the import keeps {person}",
                    users.len()
                ),
                format!(
                    "Add the others with `firewatch override add --schedule {schedule_id} --start \
                     {start} --end {end}`"
                ),
            );
        }
        self.org.overrides.push(Override {
            origin: shift_origin,
            schedule: schedule_id.to_owned(),
            person: person.clone(),
            start: start.to_string(),
            end: end.to_string(),
            replaces: None,
        });
    }

    // ---- escalation ---------------------------------------------------------------------

    fn read_policies(&mut self, chains: &[Value], steps: &[Value]) {
        for chain in chains {
            let source_id = text(chain, "id");
            let name = text(chain, "name");
            let id = unique(&slug(name), &mut self.taken.policies);
            self.policies.insert(source_id.to_owned(), id.clone());
            let mut own: Vec<&Value> = steps
                .iter()
                .filter(|step| text(step, "escalation_chain_id") == source_id)
                .collect();
            own.sort_by_key(|step| number(step, "position").unwrap_or(i64::MAX));
            let policy = self.policy(
                Policy {
                    origin: origin("Grafana OnCall escalation chain", source_id, name),
                    id,
                    name: name.to_owned(),
                    ..Policy::default()
                },
                &own,
            );
            self.org.policies.push(policy);
        }
    }

    /// Waits add up into the next notify step's delay; notify steps with no wait between them
    /// run together, as in OnCall.
    fn policy(&mut self, mut policy: Policy, steps: &[&Value]) -> Policy {
        let mut pending = 0;
        let mut after_repeat: Vec<&str> = Vec::new();
        for step in steps {
            let kind = text(step, "type");
            let step_origin = origin(
                "Grafana OnCall escalation step",
                text(step, "id"),
                &format!(
                    "{}, step {}: {kind}",
                    policy.name,
                    number(step, "position").unwrap_or(0).saturating_add(1)
                ),
            );
            if policy.repeat > 0 {
                after_repeat.push(kind);
                self.skip(
                    step_origin,
                    "OnCall runs this step only after the chain's 5 repeats are used up; a \
                     Firewatch policy ends with its repeats"
                        .to_owned(),
                    format!(
                        "Add the step to policy {} by hand if it still matters",
                        policy.id
                    ),
                );
                continue;
            }
            let targets = match kind {
                "wait" => {
                    pending += minutes(number(step, "duration").unwrap_or(0));
                    continue;
                }
                "repeat_escalation" => {
                    policy.repeat = ONCALL_REPEATS;
                    // OnCall starts the chain over, its first wait included; Firewatch runs a
                    // round's first step `repeat_after` after the last, without its own delay.
                    let first = policy.steps.first().map_or(0, |step| step.after_minutes);
                    policy.repeat_after_minutes = Some(pending + first);
                    continue;
                }
                _ => self.step_targets(&policy.id, step_origin, step, kind, pending),
            };
            if targets.is_empty() {
                continue;
            }
            match policy.steps.last_mut() {
                Some(last) if pending == 0 => {
                    for target in targets {
                        if !last.notify.contains(&target) {
                            last.notify.push(target);
                        }
                    }
                }
                _ => policy.steps.push(Step {
                    after_minutes: pending,
                    notify: targets,
                }),
            }
            pending = 0;
        }
        if policy.steps.is_empty() {
            self.skip(
                policy.origin.clone(),
                format!(
                    "no step of {} could be carried, so it pages nobody",
                    policy.name
                ),
                format!("Give policy {} a step by hand", policy.id),
            );
        }
        policy
    }

    /// Whom a notify step pages, in Firewatch targets; anything else is reported.
    fn step_targets(
        &mut self,
        policy_id: &str,
        step_origin: Origin,
        step: &Value,
        kind: &str,
        pending: u32,
    ) -> Vec<String> {
        let manual = |what: &str| {
            format!("{what} (policy {policy_id}, {pending} minutes after the previous step)")
        };
        let mut targets = Vec::new();
        match kind {
            "notify_persons" | "notify_person_next_each_time" => {
                let key = if kind == "notify_persons" {
                    "persons_to_notify"
                } else {
                    "persons_to_notify_next_each_time"
                };
                let users = texts(step, key);
                let people: Vec<String> = users
                    .iter()
                    .filter_map(|user| self.person(user).map(|id| format!("person:{id}")))
                    .collect();
                let missing = people.len() < users.len();
                if kind == "notify_persons" {
                    targets = people;
                } else if let Some(first) = people.first() {
                    targets.push(first.clone());
                    self.skip(
                        step_origin.clone(),
                        format!(
                            "OnCall pages the next of {} people each time this step runs; \
                             Firewatch pages the first, {first}, every time",
                            people.len()
                        ),
                        manual("Put those people in a schedule and page `schedule:…` instead"),
                    );
                }
                if missing {
                    self.skip(
                        step_origin.clone(),
                        "the step names users OnCall did not list".to_owned(),
                        manual("Add them to the step by hand"),
                    );
                }
            }
            "notify_on_call_from_schedule" => {
                let schedule = text(step, "notify_on_call_from_schedule");
                match self.schedules.get(schedule) {
                    Some(id) => targets.push(format!("schedule:{id}")),
                    None => self.skip(
                        step_origin.clone(),
                        format!("the step pages schedule {schedule}, which was not carried"),
                        manual("Page the people or schedule that replaces it"),
                    ),
                }
            }
            "notify_team_members" => {
                let team = text(step, "team_to_notify");
                let members = self.team_members.get(team).cloned().unwrap_or_default();
                if members.is_empty() {
                    self.skip(
                        step_origin.clone(),
                        format!("the step pages the members of team {team}, which has none listed"),
                        manual("Page the right people by hand"),
                    );
                }
                // `team:` only tells the team's chat; paging every member needs each person.
                targets = members.iter().map(|id| format!("person:{id}")).collect();
            }
            _ => {
                let (reason, what) = match kind {
                    "trigger_webhook" => (
                        format!(
                            "the step calls outgoing webhook {}",
                            text(step, "action_to_trigger")
                        ),
                        "Declare the webhook as a Firewatch destination and route alerts to it",
                    ),
                    "notify_user_group" => (
                        format!(
                            "the step pages Slack user group {}",
                            text(step, "group_to_notify")
                        ),
                        "Page the group's people, or tell its channel with `team:…`",
                    ),
                    "notify_whole_channel" => (
                        "the step mentions the whole Slack channel".to_owned(),
                        "Tell the channel with a `team:…` target",
                    ),
                    "resolve" => (
                        "the step resolves the alert group on its own".to_owned(),
                        "Nothing in Firewatch resolves a page by itself; drop it or resolve by hand",
                    ),
                    "notify_if_time_from_to" => (
                        format!(
                            "the steps after this one run only between {} and {} UTC; \
                             Firewatch runs them at any hour",
                            text(step, "notify_if_time_from").trim_end_matches('Z'),
                            text(step, "notify_if_time_to").trim_end_matches('Z')
                        ),
                        "Put the steps' people on a schedule whose layers are restricted to those \
                         hours, and name the schedule in the policy instead",
                    ),
                    "notify_if_num_alerts_in_window" => (
                        "the steps after this one run only after several alerts in a window"
                            .to_owned(),
                        "Group alerts in the Firewatch route instead",
                    ),
                    "declare_incident" => (
                        "the step declares an incident".to_owned(),
                        "Set `declare_incident` on the service",
                    ),
                    other => (
                        format!("OnCall step type \"{other}\" has no Firewatch equivalent"),
                        "Recreate it by hand",
                    ),
                };
                self.skip(step_origin, reason, manual(what));
                return targets;
            }
        }
        if step.get("important").and_then(Value::as_bool) == Some(true) && !targets.is_empty() {
            self.skip(
                step_origin,
                "the step is marked important (it uses people's important notification rules); \
                 Firewatch pages everyone the same way"
                    .to_owned(),
                manual("Nothing, unless those people need a faster notify list"),
            );
        }
        targets
    }

    // ---- services -----------------------------------------------------------------------

    fn read_services(&mut self, integrations: &[Value], routes: &[Value]) {
        for integration in integrations {
            let source_id = text(integration, "id");
            let name = text(integration, "name");
            let kind = text(integration, "type");
            let id = unique(&slug(name), &mut self.taken.services);
            let default_chain = integration
                .get("default_route")
                .and_then(|route| route.get("escalation_chain_id"))
                .and_then(Value::as_str)
                .or_else(|| {
                    routes
                        .iter()
                        .find(|route| {
                            text(route, "integration_id") == source_id
                                && route.get("is_the_last_route").and_then(Value::as_bool)
                                    == Some(true)
                        })
                        .and_then(|route| some_text(route, "escalation_chain_id"))
                });
            let service_origin = origin("Grafana OnCall integration", source_id, name);
            // The integration's `link` carries its secret token: never copied.
            self.skip(
                service_origin.clone(),
                format!(
                    "alerts reach {name} through OnCall's {kind} integration URL, which holds a \
                     secret and is not copied"
                ),
                format!("Point the {kind} sender at Firewatch's intake for service {id}"),
            );
            self.org.services.push(Service {
                origin: service_origin,
                id: id.clone(),
                name: name.to_owned(),
                team: some_text(integration, "team_id")
                    .and_then(|team| self.teams.get(team).cloned()),
                escalation_policy: default_chain
                    .and_then(|chain| self.policies.get(chain).cloned()),
            });
            let mut own: Vec<&Value> = routes
                .iter()
                .filter(|route| {
                    text(route, "integration_id") == source_id
                        && route.get("is_the_last_route").and_then(Value::as_bool) != Some(true)
                })
                .collect();
            own.sort_by_key(|route| number(route, "position").unwrap_or(i64::MAX));
            for route in own {
                let chain = text(route, "escalation_chain_id");
                let policy = self.policies.get(chain).map_or("no policy", String::as_str);
                let reason = format!(
                    "alerts to {name} matching `{}` go to {policy} instead of the default",
                    text(route, "routing_regex")
                );
                let manual_step = format!(
                    "Give the matching alerts the label service=ID of a service whose \
                     escalation_policy is {policy} (or list their matchers in that \
                     service's `alerts`)"
                );
                self.skip(
                    origin(
                        "Grafana OnCall route",
                        text(route, "id"),
                        &format!(
                            "{name} route {}",
                            number(route, "position").unwrap_or(0).saturating_add(1)
                        ),
                    ),
                    reason,
                    manual_step,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests;
