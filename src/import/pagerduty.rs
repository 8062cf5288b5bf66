//! Reads a PagerDuty account through its REST API v2 into an [`Org`]: users and their contact
//! methods and high-urgency notification rules, teams, schedules with their layers and future
//! overrides, escalation policies and services.
//!
//! PagerDuty's schedule layers are rotations anchored at `rotation_virtual_start`, one turn
//! every `rotation_turn_length_seconds`, shown only inside their restrictions: the same model as
//! Firewatch's, so most layers carry over exactly. What does not (turns that are not whole
//! hours or days, layers that start mid-turn in the future, push notifications, low-urgency
//! rules, integration keys...) becomes a [`Skipped`] with the step to take by hand.
//!
//! `GET /schedules/{id}` lists `schedule_layers` highest first: the reverse of the order a
//! schedule is created with (PagerDuty's own support script `schedule_layer_reorganizer`
//! reverses a GET's layers before a PUT for that reason). Firewatch wants the lowest first, so
//! the list is reversed here.

use std::collections::{HashMap, HashSet};

use jiff::civil::{DateTime, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, Zoned};
use serde_json::Value;

use super::model::{
    Api, ApiError, Contact, ContactKind, Notify, Org, Origin, Override, Person, Policy, Restrict,
    Schedule, Service, Skipped, Step, Taken, Team, slug, unique,
};
use super::week::{DAY_NAMES, WeekMask};

/// Items asked for per page; PagerDuty's classic pagination allows up to 100.
const PAGE_SIZE: usize = 100;

/// A bound on the items one list may return, so an API that keeps answering `more: true`
/// cannot hold the import forever (PagerDuty itself stops classic pagination at 10,000).
const MAX_ITEMS: usize = 100_000;

/// Firewatch's most rounds of a policy after the first.
const MAX_REPEAT: u64 = 9;

/// Firewatch's longest N-hour rotation.
const MAX_ROTATION_HOURS: i64 = 168;

const SECONDS_PER_HOUR: i64 = 3_600;
const SECONDS_PER_DAY: i64 = 86_400;
const MINUTES_PER_DAY: i64 = 1_440;
const MINUTES_PER_WEEK: i64 = 7 * MINUTES_PER_DAY;

/// Reads the account behind `api` (base URL `https://api.pagerduty.com`, headers
/// `Authorization: Token token=T` and `Accept: application/vnd.pagerduty+json;version=2`).
/// Overrides are read for `since..until`; only those still running after `since` are kept.
pub async fn read(api: &impl Api, since: Timestamp, until: Timestamp) -> Result<Org, ApiError> {
    let mut reader = Reader {
        org: Org {
            source: "PagerDuty".to_owned(),
            ..Org::default()
        },
        since,
        until,
        people: HashMap::new(),
        teams: HashMap::new(),
        schedules: HashMap::new(),
        policies: HashMap::new(),
        taken: Taken::default(),
    };
    let users = list(
        api,
        "/users?include%5B%5D=contact_methods&include%5B%5D=notification_rules",
        "users",
    )
    .await?;
    for user in &users {
        reader.person(api, user).await?;
    }
    for team in &list(api, "/teams", "teams").await? {
        reader.team(api, team).await?;
    }
    for listed in &list(api, "/schedules", "schedules").await? {
        let id = text(listed, "id");
        let answer = api.get(&format!("/schedules/{id}")).await?;
        let schedule = answer.get("schedule").ok_or_else(|| {
            ApiError(format!(
                "PagerDuty's answer to GET /schedules/{id} holds no \"schedule\" object"
            ))
        })?;
        reader.schedule(api, schedule).await?;
    }
    for policy in &list(api, "/escalation_policies", "escalation_policies").await? {
        reader.policy(policy);
    }
    for service in &list(api, "/services", "services").await? {
        reader.service(service);
    }
    Ok(reader.org)
}

/// The import under way: the org so far and, per kind, PagerDuty id → Firewatch id.
struct Reader {
    org: Org,
    since: Timestamp,
    until: Timestamp,
    people: HashMap<String, String>,
    teams: HashMap<String, String>,
    schedules: HashMap<String, String>,
    policies: HashMap<String, String>,
    taken: Taken,
}

/// Every item of a classic-paginated list (`limit`/`offset`/`more`). An answer without `more`
/// (some endpoints, such as a schedule's overrides, are not paginated) is the whole list.
async fn list(api: &impl Api, path: &str, key: &str) -> Result<Vec<Value>, ApiError> {
    let separator = if path.contains('?') { '&' } else { '?' };
    let mut items: Vec<Value> = Vec::new();
    loop {
        let page_path = format!("{path}{separator}limit={PAGE_SIZE}&offset={}", items.len());
        let mut page = api.get(&page_path).await?;
        let more = page.get("more").and_then(Value::as_bool).unwrap_or(false);
        let Some(Value::Array(batch)) = page.get_mut(key).map(Value::take) else {
            return Err(ApiError(format!(
                "PagerDuty's answer to GET {page_path} holds no \"{key}\" list"
            )));
        };
        let received = batch.len();
        items.extend(batch);
        if !more || received == 0 {
            return Ok(items);
        }
        if items.len() > MAX_ITEMS {
            return Err(ApiError(format!(
                "PagerDuty kept answering GET {path} with more pages past {MAX_ITEMS} items; \
                 stopping rather than reading forever"
            )));
        }
    }
}

/// A string field, or "" when it is missing or not a string.
fn text<'v>(value: &'v Value, key: &str) -> &'v str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

/// A list field, or an empty slice.
fn array<'v>(value: &'v Value, key: &str) -> &'v [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The `html_url` PagerDuty gives most objects, for the report's links.
fn html_url(value: &Value) -> Option<String> {
    value
        .get("html_url")
        .and_then(Value::as_str)
        .filter(|url| !url.is_empty())
        .map(str::to_owned)
}

fn origin(what: &str, value: &Value, name: &str) -> Origin {
    Origin {
        what: what.to_owned(),
        id: text(value, "id").to_owned(),
        name: name.to_owned(),
        url: html_url(value),
    }
}

impl Reader {
    fn skip(&mut self, origin: Origin, reason: impl Into<String>, manual_step: impl Into<String>) {
        self.org
            .skipped
            .push(Skipped::new(origin, reason, manual_step));
    }

    /// The Firewatch person for a PagerDuty user reference, if that user was read.
    fn person_of(&self, reference: &Value) -> Option<&String> {
        self.people.get(text(reference, "id"))
    }

    // ----------------------------------------------------------------------- people

    async fn person(&mut self, api: &impl Api, user: &Value) -> Result<(), ApiError> {
        let user_id = text(user, "id");
        let name = text(user, "name");
        let email = text(user, "email");
        // The email's local part is the name people already know each other by in chat.
        let base = match email.split_once('@') {
            Some((local, _)) if !local.is_empty() => slug(local),
            _ => slug(name),
        };
        let id = unique(&base, &mut self.taken.people);
        self.people.insert(user_id.to_owned(), id.clone());

        let methods = included_or_fetched(
            api,
            user,
            "contact_methods",
            &format!("/users/{user_id}/contact_methods"),
        )
        .await?;
        // The list endpoint answers only high-urgency rules unless asked for any.
        let rules = included_or_fetched(
            api,
            user,
            "notification_rules",
            &format!("/users/{user_id}/notification_rules?urgency=any"),
        )
        .await?;

        let mut person = Person {
            origin: origin("PagerDuty user", user, name),
            id,
            name: name.to_owned(),
            email: (!email.is_empty()).then(|| email.to_owned()),
            timezone: Some(text(user, "time_zone").to_owned()).filter(|zone| !zone.is_empty()),
            contacts: Vec::new(),
            notify: Vec::new(),
        };
        let contact_names = self.contacts(user, &methods, &mut person);
        self.notify_rules(user, &rules, &contact_names, &mut person);
        self.org.people.push(person);
        Ok(())
    }

    /// Fills `person.contacts`; returns contact method id → contact name for the rules.
    fn contacts(
        &mut self,
        user: &Value,
        methods: &[Value],
        person: &mut Person,
    ) -> HashMap<String, String> {
        let mut names = HashSet::new();
        let mut by_method = HashMap::new();
        for method in methods {
            let label = text(method, "label");
            let method_origin = Origin {
                what: "PagerDuty contact method".to_owned(),
                id: text(method, "id").to_owned(),
                name: format!("{}: {label}", person.name),
                url: html_url(user),
            };
            let (base, kind) = match contact_kind(method) {
                Ok(translated) => translated,
                Err((reason, manual_step)) => {
                    let manual_step = manual_step.replace("{person}", &person.id);
                    self.skip(method_origin, reason, manual_step);
                    continue;
                }
            };
            let name = unique(base, &mut names);
            by_method.insert(text(method, "id").to_owned(), name.clone());
            person.contacts.push(Contact { name, kind });
        }
        by_method
    }

    /// Fills `person.notify` from the high-urgency rules, ordered by delay.
    fn notify_rules(
        &mut self,
        user: &Value,
        rules: &[Value],
        contact_names: &HashMap<String, String>,
        person: &mut Person,
    ) {
        let mut high_rules = 0;
        for rule in rules {
            let delay = rule
                .get("start_delay_in_minutes")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            let method = rule.get("contact_method").unwrap_or(&Value::Null);
            let method_label = match text(method, "summary") {
                "" => text(method, "id"),
                summary => summary,
            };
            let urgency = text(rule, "urgency");
            let rule_origin = Origin {
                what: "PagerDuty notification rule".to_owned(),
                id: text(rule, "id").to_owned(),
                name: format!(
                    "{}: {urgency} urgency, {method_label} after {delay} min",
                    person.name
                ),
                url: html_url(user),
            };
            if urgency != "high" {
                self.skip(
                    rule_origin,
                    format!(
                        "A {urgency}-urgency notification rule: Firewatch pages people only for \
                         critical alerts, through their high-urgency path."
                    ),
                    "To keep hearing about low-urgency alerts, route them to a destination \
                     (an email list or a chat channel) with a [[routes]] entry.",
                );
                continue;
            }
            high_rules += 1;
            let Some(contact) = contact_names.get(text(method, "id")) else {
                self.skip(
                    rule_origin,
                    "The rule's contact method was not carried over (see the contact method's \
                     own entry).",
                    format!(
                        "Add the replacement contact to {}'s notify list at {delay} minutes.",
                        person.id
                    ),
                );
                continue;
            };
            person.notify.push(Notify {
                after_minutes: u32::try_from(delay).unwrap_or(u32::MAX),
                contact: contact.clone(),
            });
        }
        person.notify.sort_by_key(|notify| notify.after_minutes);
        if high_rules == 0 {
            self.skip(
                person.origin.clone(),
                "The user has no high-urgency notification rule, so PagerDuty would not notify \
                 them; Firewatch with an empty notify list uses every contact at once.",
                format!(
                    "Give {} a notify list, or leave it empty to be paged on every contact.",
                    person.id
                ),
            );
        }
    }

    // ----------------------------------------------------------------------- teams

    async fn team(&mut self, api: &impl Api, team: &Value) -> Result<(), ApiError> {
        let team_id = text(team, "id");
        let name = text(team, "name");
        let id = unique(&slug(name), &mut self.taken.teams);
        self.teams.insert(team_id.to_owned(), id.clone());
        let mut members = Vec::new();
        for member in list(api, &format!("/teams/{team_id}/members"), "members").await? {
            let user = member.get("user").unwrap_or(&Value::Null);
            match self.person_of(user) {
                Some(person) if !members.contains(person) => members.push(person.clone()),
                Some(_) => {}
                None => self.skip(
                    origin("PagerDuty team member", user, text(user, "summary")),
                    format!("A member of team {name} is not among the users read."),
                    format!("Add this person to team {id} by hand if they should be in it."),
                ),
            }
        }
        self.org.teams.push(Team {
            origin: origin("PagerDuty team", team, name),
            id,
            name: name.to_owned(),
            members,
        });
        Ok(())
    }

    // ----------------------------------------------------------------------- schedules

    async fn schedule(&mut self, api: &impl Api, schedule: &Value) -> Result<(), ApiError> {
        let schedule_id = text(schedule, "id");
        let name = text(schedule, "name");
        let zone_name = text(schedule, "time_zone");
        let schedule_origin = origin("PagerDuty schedule", schedule, name);
        let Ok(zone) = TimeZone::get(zone_name) else {
            self.skip(
                schedule_origin,
                format!("Its time zone \"{zone_name}\" is not an IANA zone this machine knows."),
                "Recreate this schedule by hand in Firewatch.",
            );
            return Ok(());
        };
        let id = unique(&slug(name), &mut self.taken.schedules);
        self.schedules.insert(schedule_id.to_owned(), id.clone());

        let mut layers = Vec::new();
        // Highest first in the API; Firewatch lists the lowest first.
        for raw in array(schedule, "schedule_layers").iter().rev() {
            if let Some(layer) = self.layer(&id, schedule, raw, &zone) {
                layers.push(layer);
            }
        }
        self.org.schedules.push(Schedule {
            origin: schedule_origin,
            id: id.clone(),
            name: name.to_owned(),
            timezone: zone_name.to_owned(),
            layers,
        });

        let path = format!(
            "/schedules/{schedule_id}/overrides?since={}&until={}&overflow=true",
            self.since.strftime("%Y-%m-%dT%H:%M:%SZ"),
            self.until.strftime("%Y-%m-%dT%H:%M:%SZ")
        );
        for raw in list(api, &path, "overrides").await? {
            self.override_(&id, schedule, &raw);
        }
        Ok(())
    }

    fn layer(
        &mut self,
        schedule_id: &str,
        schedule: &Value,
        raw: &Value,
        zone: &TimeZone,
    ) -> Option<super::model::Layer> {
        let layer_name = text(raw, "name");
        let layer_origin = Origin {
            what: "PagerDuty schedule layer".to_owned(),
            id: text(raw, "id").to_owned(),
            name: format!("{}: {layer_name}", text(schedule, "name")),
            url: html_url(schedule),
        };
        let mut members = Vec::new();
        for entry in array(raw, "users") {
            let user = entry.get("user").unwrap_or(entry);
            match self.person_of(user) {
                Some(person) => members.push(person.clone()),
                None => self.skip(
                    layer_origin.clone(),
                    format!(
                        "Layer member {} is not among the users read, so the rotation is one \
                         member shorter.",
                        text(user, "summary")
                    ),
                    format!("Add the right person to this layer of schedule {schedule_id}."),
                ),
            }
        }
        let shape = LayerShape {
            start: parse_time(raw, "start"),
            end: parse_time(raw, "end"),
            virtual_start: parse_time(raw, "rotation_virtual_start"),
            turn_seconds: raw
                .get("rotation_turn_length_seconds")
                .and_then(Value::as_i64)
                .unwrap_or(0),
            restrictions: array(raw, "restrictions"),
        };
        match translate_layer(&shape, layer_name, members, zone, self.since) {
            Ok((layer, notes)) => {
                for (reason, manual_step) in notes {
                    self.skip(layer_origin.clone(), reason, manual_step);
                }
                Some(layer)
            }
            Err((reason, manual_step)) => {
                self.skip(layer_origin, reason, manual_step);
                None
            }
        }
    }

    fn override_(&mut self, schedule_id: &str, schedule: &Value, raw: &Value) {
        let user = raw.get("user").unwrap_or(&Value::Null);
        let override_origin = Origin {
            what: "PagerDuty override".to_owned(),
            id: text(raw, "id").to_owned(),
            name: format!("{}: {}", text(schedule, "name"), text(user, "summary")),
            url: html_url(schedule),
        };
        let (Some(start), Some(end)) = (parse_time(raw, "start"), parse_time(raw, "end")) else {
            self.skip(
                override_origin,
                "The override's start or end is not an RFC 3339 time.",
                format!("Add this override to schedule {schedule_id} by hand."),
            );
            return;
        };
        if end <= self.since {
            return; // Over already: nothing to carry.
        }
        let Some(person) = self.person_of(user).cloned() else {
            self.skip(
                override_origin,
                "The override's user is not among the users read.",
                format!("Add this override to schedule {schedule_id} by hand."),
            );
            return;
        };
        self.org.overrides.push(Override {
            origin: override_origin,
            schedule: schedule_id.to_owned(),
            person,
            start: start.to_string(),
            end: end.to_string(),
            replaces: None,
        });
    }

    // ----------------------------------------------------------------------- policies

    fn policy(&mut self, policy: &Value) {
        let name = text(policy, "name");
        let policy_origin = origin("PagerDuty escalation policy", policy, name);
        let id = unique(&slug(name), &mut self.taken.policies);
        self.policies
            .insert(text(policy, "id").to_owned(), id.clone());

        let rules = array(policy, "escalation_rules");
        let mut steps = Vec::new();
        // Minutes from the last written step: a step left with no target still waits.
        let mut carried = 0u32;
        let mut delay_before = 0u32;
        for (index, rule) in rules.iter().enumerate() {
            let after = carried.saturating_add(delay_before);
            delay_before = rule_delay(rule);
            let notify = self.rule_targets(&id, &policy_origin, index, rule);
            if notify.is_empty() {
                carried = after;
                continue;
            }
            carried = 0;
            steps.push(Step {
                after_minutes: after,
                notify,
            });
        }
        let loops = policy.get("num_loops").and_then(Value::as_u64).unwrap_or(0);
        if loops > MAX_REPEAT {
            self.skip(
                policy_origin.clone(),
                format!(
                    "The policy repeats {loops} times; Firewatch repeats a policy at most \
                     {MAX_REPEAT} times."
                ),
                format!("Check that {MAX_REPEAT} repeats are enough for policy {id}."),
            );
        }
        let repeat = u32::try_from(loops.min(MAX_REPEAT)).unwrap_or(0);
        let handoff = text(policy, "on_call_handoff_notifications");
        if !handoff.is_empty() && handoff != "if_has_services" {
            self.skip(
                policy_origin.clone(),
                format!(
                    "On-call handoff notifications are set to \"{handoff}\"; Firewatch does \
                     not send handoff notices."
                ),
                "Subscribe people to their schedule's iCal feed (/ical/people/ID.ics) to see \
                 their shifts coming.",
            );
        }
        self.org.policies.push(Policy {
            origin: policy_origin,
            id,
            name: name.to_owned(),
            repeat,
            // PagerDuty waits the last rule's delay before starting over.
            repeat_after_minutes: (!rules.is_empty()).then_some(delay_before),
            steps,
        });
    }

    /// A rule's targets as Firewatch targets; what cannot be carried becomes a [`Skipped`].
    fn rule_targets(
        &mut self,
        policy_id: &str,
        policy_origin: &Origin,
        index: usize,
        rule: &Value,
    ) -> Vec<String> {
        let rule_origin = Origin {
            what: "PagerDuty escalation rule".to_owned(),
            id: text(rule, "id").to_owned(),
            name: format!("{}: rule {}", policy_origin.name, index + 1),
            url: policy_origin.url.clone(),
        };
        let strategy = rule
            .get("escalation_rule_assignment_strategy")
            .map(|strategy| text(strategy, "type"))
            .unwrap_or("");
        if strategy == "round_robin" {
            self.skip(
                rule_origin.clone(),
                "The rule assigns round robin, one target at a time; Firewatch pages every \
                 target of a step.",
                format!(
                    "If only one person should be paged at step {} of policy {policy_id}, \
                     put a schedule there instead.",
                    index + 1
                ),
            );
        }
        let mut notify = Vec::new();
        for target in array(rule, "targets") {
            let kind = text(target, "type");
            let translated = match kind.trim_end_matches("_reference") {
                "user" => self
                    .person_of(target)
                    .map(|person| format!("person:{person}")),
                "schedule" => self
                    .schedules
                    .get(text(target, "id"))
                    .map(|schedule| format!("schedule:{schedule}")),
                _ => None,
            };
            match translated {
                Some(target) if !notify.contains(&target) => notify.push(target),
                Some(_) => {}
                None => self.skip(
                    rule_origin.clone(),
                    format!(
                        "Target {} ({kind}) is not a user or schedule that was read.",
                        text(target, "summary")
                    ),
                    format!(
                        "Add the right person or schedule to step {} of policy {policy_id}.",
                        index + 1
                    ),
                ),
            }
        }
        notify
    }

    // ----------------------------------------------------------------------- services

    fn service(&mut self, service: &Value) {
        let name = text(service, "name");
        let service_origin = origin("PagerDuty service", service, name);
        let id = unique(&slug(name), &mut self.taken.services);
        let policy_ref = service.get("escalation_policy").unwrap_or(&Value::Null);
        let escalation_policy = self.policies.get(text(policy_ref, "id")).cloned();
        if escalation_policy.is_none() {
            self.skip(
                service_origin.clone(),
                "The service's escalation policy was not read.",
                format!("Set escalation_policy on service {id}."),
            );
        }
        let teams = array(service, "teams");
        let team = teams
            .first()
            .and_then(|team| self.teams.get(text(team, "id")))
            .cloned();
        if teams.len() > 1 {
            let others: Vec<&str> = teams[1..]
                .iter()
                .map(|team| text(team, "summary"))
                .collect();
            self.skip(
                service_origin.clone(),
                format!(
                    "The service belongs to {} teams; a Firewatch service has one, so only the \
                     first was kept (also: {}).",
                    teams.len(),
                    others.join(", ")
                ),
                format!("Check that team is the right owner of service {id}."),
            );
        }
        self.urgency(&id, &service_origin, service);
        for integration in array(service, "integrations") {
            let summary = text(integration, "summary");
            self.skip(
                Origin {
                    what: "PagerDuty integration".to_owned(),
                    id: text(integration, "id").to_owned(),
                    name: format!("{name}: {summary}"),
                    url: html_url(integration),
                },
                format!(
                    "Integration \"{summary}\" ({}) sends events with a PagerDuty key, which is \
                     a secret and is not copied.",
                    text(integration, "type").trim_end_matches("_reference")
                ),
                format!(
                    "Point this sender at Firewatch: add an [[integrations]] entry for service \
                     {id} (kind \"pagerduty\" takes Events API v2 bodies at /v2/enqueue) and give \
                     the sender its URL and routing key."
                ),
            );
        }
        self.org.services.push(Service {
            origin: service_origin,
            id,
            name: name.to_owned(),
            team,
            escalation_policy,
        });
    }

    /// Services whose incidents are not always high urgency page differently in Firewatch,
    /// which pages on critical alerts whatever the hour.
    fn urgency(&mut self, id: &str, service_origin: &Origin, service: &Value) {
        let rule = service.get("incident_urgency_rule").unwrap_or(&Value::Null);
        let kind = text(rule, "type");
        let reason = match (kind, text(rule, "urgency")) {
            ("", _) | ("constant", "high") => return,
            ("constant", urgency) => {
                format!("Incidents on this service are always {urgency} urgency in PagerDuty.")
            }
            ("use_support_hours", _) => "Incidents' urgency follows support hours (high during \
                them, as set outside); Firewatch pages on critical alerts at any hour."
                .to_owned(),
            (other, _) => format!("Incident urgency is set by \"{other}\"."),
        };
        self.skip(
            service_origin.clone(),
            reason,
            format!(
                "Decide which alerts on service {id} should page: only critical alerts page, so \
                 have the senders mark the rest warning (routes with [[time_intervals]] can \
                 still tell a channel of them by the hour)."
            ),
        );
        if !array(service, "scheduled_actions").is_empty() {
            self.skip(
                service_origin.clone(),
                "The service has scheduled urgency actions.",
                format!(
                    "Page only when it should by the hour with a schedule whose layers are \
                     restricted to those hours, named in service {id}'s escalation policy."
                ),
            );
        }
    }
}

/// The objects under `key` when the user list included them in full, else the per-user list.
async fn included_or_fetched(
    api: &impl Api,
    user: &Value,
    key: &str,
    path: &str,
) -> Result<Vec<Value>, ApiError> {
    match user.get(key).and_then(Value::as_array) {
        // Included objects carry their fields; references carry only id, type and summary.
        Some(items)
            if items
                .iter()
                .all(|item| !text(item, "type").ends_with("_reference")) =>
        {
            Ok(items.clone())
        }
        _ => list(api, path, key).await,
    }
}

/// A contact method as (contact name base, kind), or why not: (reason, manual step with
/// `{person}` for the person's id).
fn contact_kind(method: &Value) -> Result<(&'static str, ContactKind), (String, String)> {
    let address = text(method, "address").trim();
    match text(method, "type") {
        "email_contact_method" => Ok((
            "email",
            ContactKind::Email {
                to: address.to_owned(),
            },
        )),
        kind @ ("sms_contact_method" | "phone_contact_method") => {
            let to = e164(method).ok_or_else(|| {
                (
                    format!("The number \"{address}\" could not be written in E.164 form."),
                    "Add the number to {person}'s contacts in +CCNNN form.".to_owned(),
                )
            })?;
            Ok(if kind == "sms_contact_method" {
                ("sms", ContactKind::Sms { to })
            } else {
                ("voice", ContactKind::Voice { to })
            })
        }
        "push_notification_contact_method" => Err((
            "Push notifications go to PagerDuty's mobile app, which has no Firewatch \
             equivalent."
                .to_owned(),
            "Add an ntfy contact for {person} (the ntfy app on the same phone) and put it in \
             notify where the push was."
                .to_owned(),
        )),
        other => Err((
            format!("Contact method type \"{other}\" has no Firewatch equivalent."),
            "Add a matching contact for {person} by hand (ntfy, webhook, email, SMS or voice)."
                .to_owned(),
        )),
    }
}

/// `+` country code and the national number's digits; an address already in `+` form is kept.
fn e164(method: &Value) -> Option<String> {
    let address = text(method, "address").trim();
    let digits: String = address.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    if address.starts_with('+') {
        return Some(format!("+{digits}"));
    }
    let country = method.get("country_code").and_then(Value::as_u64)?;
    Some(format!("+{country}{digits}"))
}

fn parse_time(value: &Value, key: &str) -> Option<Timestamp> {
    value
        .get(key)
        .and_then(Value::as_str)
        .and_then(|time| time.parse().ok())
}

fn rule_delay(rule: &Value) -> u32 {
    rule.get("escalation_delay_in_minutes")
        .and_then(Value::as_u64)
        .map_or(0, |minutes| u32::try_from(minutes).unwrap_or(u32::MAX))
}

// --------------------------------------------------------------------------- layers

/// The parts of a PagerDuty layer the translation reads.
struct LayerShape<'a> {
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    virtual_start: Option<Timestamp>,
    turn_seconds: i64,
    restrictions: &'a [Value],
}

/// A reason and a manual step.
type Note = (String, String);

/// How a PagerDuty turn length is written in Firewatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Turn {
    /// Daily, each member listed `repeat` times (a turn of `repeat` days).
    Days {
        repeat: usize,
    },
    /// Weekly, each member listed `repeat` times.
    Weeks {
        repeat: usize,
    },
    Hours(i64),
}

impl Turn {
    fn of(seconds: i64) -> Option<Turn> {
        if seconds <= 0 {
            return None;
        }
        if seconds % SECONDS_PER_DAY == 0 {
            let days = usize::try_from(seconds / SECONDS_PER_DAY).ok()?;
            return Some(if days % 7 == 0 {
                Turn::Weeks { repeat: days / 7 }
            } else {
                Turn::Days { repeat: days }
            });
        }
        let hours = seconds / SECONDS_PER_HOUR;
        (seconds % SECONDS_PER_HOUR == 0 && hours <= MAX_ROTATION_HOURS)
            .then_some(Turn::Hours(hours))
    }

    fn repeat(self) -> usize {
        match self {
            Turn::Days { repeat } | Turn::Weeks { repeat } => repeat,
            Turn::Hours(_) => 1,
        }
    }
}

/// A PagerDuty layer as a Firewatch layer plus notes on what is approximate, or why it
/// cannot be carried. `members` are Firewatch person ids in PagerDuty's order.
fn translate_layer(
    shape: &LayerShape,
    name: &str,
    members: Vec<String>,
    zone: &TimeZone,
    since: Timestamp,
) -> Result<(super::model::Layer, Vec<Note>), Note> {
    let mut notes = Vec::new();
    let by_hand = "Recreate this layer by hand in the Firewatch schedule.".to_owned();
    if let Some(end) = shape.end {
        if end <= since {
            return Err((
                format!("The layer ended on {end}; it no longer puts anyone on call."),
                "Nothing to do.".to_owned(),
            ));
        }
        notes.push((
            format!("The layer ends on {end}; Firewatch layers have no end."),
            format!("Delete this layer from the Firewatch schedule on {end}."),
        ));
    }
    if members.is_empty() {
        return Err(("The layer has no member that was read.".to_owned(), by_hand));
    }
    let Some(virtual_start) = shape.virtual_start.or(shape.start) else {
        return Err((
            "The layer has no rotation_virtual_start.".to_owned(),
            by_hand,
        ));
    };
    let Some(turn) = Turn::of(shape.turn_seconds) else {
        return Err((
            format!(
                "Turns of {} seconds are neither whole days nor up to {MAX_ROTATION_HOURS} \
                 whole hours.",
                shape.turn_seconds
            ),
            by_hand,
        ));
    };
    let (anchor, turns_done) = anchor(shape, turn, virtual_start, zone, since)?;
    let wall = anchor.datetime();
    if wall.second() != 0 || wall.subsec_nanosecond() != 0 {
        notes.push((
            format!("Handoffs at {wall} have seconds; Firewatch hands off on the minute."),
            "Check the layer's handoff time.".to_owned(),
        ));
    }
    let (restrict, approximate) =
        restrictions(shape.restrictions).map_err(|reason| (reason, by_hand.clone()))?;
    if approximate {
        notes.push((
            "A restriction starts or lasts a fraction of a minute; it was cut to whole minutes."
                .to_owned(),
            "Check the layer's restrict windows.".to_owned(),
        ));
    }
    let mut expanded: Vec<String> = members
        .iter()
        .flat_map(|member| std::iter::repeat_n(member.clone(), turn.repeat()))
        .collect();
    // The anchor is turn `turns_done` of PagerDuty's rotation, so its member goes first.
    let length = i64::try_from(expanded.len()).unwrap_or(1);
    let shift = turns_done
        .saturating_mul(i64::try_from(turn.repeat()).unwrap_or(1))
        .rem_euclid(length);
    expanded.rotate_left(usize::try_from(shift).unwrap_or(0));
    let clock = format!("{:02}:{:02}", wall.hour(), wall.minute());
    let (rotation, handoff, mut note) = match turn {
        Turn::Days { repeat } => ("daily".to_owned(), clock, format!("{repeat}-day turns")),
        Turn::Weeks { repeat } => (
            "weekly".to_owned(),
            format!("{} {clock}", DAY_NAMES[weekday_index(wall.weekday())]),
            format!("{repeat}-week turns"),
        ),
        Turn::Hours(hours) => (format!("{hours}h"), clock, format!("{hours}-hour turns")),
    };
    note = if turn.repeat() > 1 {
        format!(
            "PagerDuty layer \"{name}\": {note}, written as one turn per {} with each member \
             listed {} times",
            if matches!(turn, Turn::Weeks { .. }) {
                "week"
            } else {
                "day"
            },
            turn.repeat()
        )
    } else {
        format!("PagerDuty layer \"{name}\": {note} from {wall}")
    };
    Ok((
        super::model::Layer {
            name: name.to_owned(),
            rotation,
            handoff,
            start: wall.date().to_string(),
            members: expanded,
            restrict,
            note: Some(note),
        },
        notes,
    ))
}

/// The handoff the Firewatch layer starts from, in the schedule's zone, and how many
/// PagerDuty turns lie between `rotation_virtual_start` and it.
///
/// A layer that starts after `since` must start on one of its handoffs (often its virtual
/// start itself), since a Firewatch layer has nobody before its first handoff. A layer already
/// under way starts from its virtual start, moved back whole turns if that is later than
/// `since`: PagerDuty's turns run both ways from it.
fn anchor(
    shape: &LayerShape,
    turn: Turn,
    virtual_start: Timestamp,
    zone: &TimeZone,
    since: Timestamp,
) -> Result<(Zoned, i64), Note> {
    let turn_seconds = shape.turn_seconds;
    let turns_done = match shape.start {
        Some(start) if start > since => {
            let offset = start.as_second() - virtual_start.as_second();
            let on_handoff = match turn {
                // Day turns keep their wall-clock time across DST changes.
                Turn::Days { .. } | Turn::Weeks { .. } => {
                    let from = virtual_start.to_zoned(zone.clone()).datetime();
                    let to = start.to_zoned(zone.clone()).datetime();
                    let days = i64::from(
                        to.date()
                            .since(from.date())
                            .map_or(0, |span| span.get_days()),
                    );
                    (from.time() == to.time() && (days * SECONDS_PER_DAY) % turn_seconds == 0)
                        .then_some(days * SECONDS_PER_DAY / turn_seconds)
                }
                Turn::Hours(_) => (offset % turn_seconds == 0).then_some(offset / turn_seconds),
            };
            on_handoff.ok_or_else(|| {
                (
                    format!(
                        "The layer starts on {start}, in the middle of a turn; a Firewatch \
                         layer starts at a handoff."
                    ),
                    format!("Add this layer to the Firewatch schedule by hand on {start}."),
                )
            })?
        }
        _ if virtual_start > since => {
            -((virtual_start.as_second() - since.as_second()) / turn_seconds + 1)
        }
        _ => 0,
    };
    let anchor = match turn {
        Turn::Days { .. } | Turn::Weeks { .. } => {
            let days = turns_done.saturating_mul(turn_seconds / SECONDS_PER_DAY);
            let wall: DateTime = virtual_start.to_zoned(zone.clone()).datetime();
            wall.checked_add(days.days())
                .ok()
                .and_then(|wall| wall.to_zoned(zone.clone()).ok())
        }
        Turn::Hours(_) => virtual_start
            .checked_add(turns_done.saturating_mul(turn_seconds).seconds())
            .ok()
            .map(|instant| instant.to_zoned(zone.clone())),
    };
    anchor.map(|anchor| (anchor, turns_done)).ok_or_else(|| {
        (
            "The layer's rotation start is out of range.".to_owned(),
            "Recreate this layer by hand in the Firewatch schedule.".to_owned(),
        )
    })
}

fn weekday_index(day: Weekday) -> usize {
    usize::try_from(day.to_monday_zero_offset()).unwrap_or(0)
}

/// PagerDuty restrictions as Firewatch windows, and whether any was cut to whole minutes.
/// Each restriction is a stretch of the week (`weekly_restriction`, from
/// `start_day_of_week` 1 = Monday) or of every day (`daily_restriction`), marked on a
/// [`WeekMask`] (which writes the windows). A restriction covering the whole period means no
/// restriction: an empty list.
fn restrictions(raw: &[Value]) -> Result<(Vec<Restrict>, bool), String> {
    let mut approximate = false;
    let mut mask = WeekMask::default();
    for restriction in raw {
        let (from, cut_start) =
            time_of_day(text(restriction, "start_time_of_day")).ok_or_else(|| {
                format!(
                    "A restriction's start_time_of_day \"{}\" is not HH:MM:SS.",
                    text(restriction, "start_time_of_day")
                )
            })?;
        let seconds = restriction
            .get("duration_seconds")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        approximate |= cut_start || seconds % 60 != 0;
        let minutes = seconds / 60;
        let (starts, period): (Vec<i64>, i64) = match text(restriction, "type") {
            "daily_restriction" => (
                (0..7).map(|day| day * MINUTES_PER_DAY + from).collect(),
                MINUTES_PER_DAY,
            ),
            "weekly_restriction" => {
                let day = restriction
                    .get("start_day_of_week")
                    .and_then(Value::as_i64)
                    .filter(|day| (1..=7).contains(day))
                    .ok_or_else(|| {
                        "A weekly restriction has no start_day_of_week 1..7.".to_owned()
                    })?;
                (vec![(day - 1) * MINUTES_PER_DAY + from], MINUTES_PER_WEEK)
            }
            other => return Err(format!("Restriction type \"{other}\" is not known.")),
        };
        if minutes >= period {
            return Ok((Vec::new(), approximate));
        }
        if minutes <= 0 {
            continue;
        }
        for start in starts {
            mask.mark(
                usize::try_from(start).unwrap_or(0),
                usize::try_from(minutes).unwrap_or(0),
            );
        }
    }
    Ok((mask.restricts(), approximate))
}

/// "HH:MM:SS" (or "HH:MM") as minutes after midnight, and whether seconds were dropped.
fn time_of_day(text: &str) -> Option<(i64, bool)> {
    let mut parts = text.trim().split(':');
    let hours: i64 = parts.next()?.parse().ok()?;
    let minutes: i64 = parts.next()?.parse().ok()?;
    let seconds: i64 = parts.next().map_or(Some(0), |part| part.parse().ok())?;
    ((0..24).contains(&hours) && (0..60).contains(&minutes) && (0..60).contains(&seconds))
        .then_some((hours * 60 + minutes, seconds != 0))
}

#[cfg(test)]
mod tests;
