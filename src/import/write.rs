//! An [`Org`] as Firewatch config text and as a Markdown report. Both are plain functions of
//! the `Org`, written in its order, so the same source gives byte-identical files.

use std::fmt::Write as _;

use super::model::{Contact, ContactKind, Destination, Layer, Org, Origin, Override, Table};

/// The destination email contacts page through.
pub const MAIL_DESTINATION: &str = "pager-mail";
/// The destination SMS and voice contacts page through.
pub const TWILIO_DESTINATION: &str = "twilio";

/// A TOML string, quoted and escaped; a `${` from the source is written `$${`, so the config
/// loader keeps it as text rather than reading an environment variable.
fn quote(text: &str) -> String {
    toml::Value::String(text.replace("${", "$${")).to_string()
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| quote(item)).collect();
    format!("[{}]", quoted.join(", "))
}

/// A comment line that cannot end the comment early: newlines become spaces.
fn comment(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("# {}\n", flat.trim_end())
}

fn origin_line(origin: &Origin) -> String {
    let mut line = format!("From {} {}", origin.what, origin.id);
    if !origin.name.is_empty() && origin.name != origin.id {
        let _ = write!(line, " \"{}\"", origin.name);
    }
    if let Some(url) = &origin.url {
        let _ = write!(line, " ({url})");
    }
    comment(&line)
}

fn minutes(value: u32) -> String {
    if value > 0 && value % 60 == 0 {
        format!("{}h", value / 60)
    } else {
        format!("{value}m")
    }
}

/// One table's `key = value` lines; nested tables inline.
fn entries(out: &mut String, entries: &[(String, toml::Value)]) {
    for (key, value) in entries {
        let _ = writeln!(out, "{} = {}", bare_key(key), inline(value));
    }
}

fn bare_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        key.to_owned()
    } else {
        quote(key)
    }
}

/// A value on one line (tables inline), in the order given.
fn inline(value: &toml::Value) -> String {
    match value {
        toml::Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", parts.join(", "))
        }
        toml::Value::Table(table) => {
            let parts: Vec<String> = table
                .iter()
                .map(|(key, value)| format!("{} = {}", bare_key(key), inline(value)))
                .collect();
            if parts.is_empty() {
                "{}".to_owned()
            } else {
                format!("{{ {} }}", parts.join(", "))
            }
        }
        other => other.to_string(),
    }
}

fn contact_line(contact: &Contact) -> String {
    let name = quote(&contact.name);
    match &contact.kind {
        ContactKind::Email { to } => format!(
            "{{ name = {name}, kind = \"email\", destination = \"{MAIL_DESTINATION}\", to = {} }}",
            quote(to)
        ),
        ContactKind::Sms { to } => format!(
            "{{ name = {name}, kind = \"twilio_sms\", destination = \"{TWILIO_DESTINATION}\", to = {} }}",
            quote(to)
        ),
        ContactKind::Voice { to } => format!(
            "{{ name = {name}, kind = \"twilio_voice\", destination = \"{TWILIO_DESTINATION}\", to = {} }}",
            quote(to)
        ),
        ContactKind::Webhook { url } => {
            format!(
                "{{ name = {name}, kind = \"webhook\", url = {} }}",
                quote(url)
            )
        }
        ContactKind::Ntfy { url } => {
            format!("{{ name = {name}, kind = \"ntfy\", url = {} }}", quote(url))
        }
    }
}

fn uses(org: &Org, wanted: fn(&ContactKind) -> bool) -> bool {
    org.people
        .iter()
        .flat_map(|person| &person.contacts)
        .any(|contact| wanted(&contact.kind))
}

/// What the written config asks of the environment (`${VAR}`), for the header and report.
pub fn variables(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        // Only lines that are not comments name real variables, and `$${` is text.
        let line_start = rest[..start].rfind('\n').map_or(0, |i| i + 1);
        let escaped = rest[..start].ends_with('$');
        if !escaped
            && !rest[line_start..start].trim_start().starts_with('#')
            && !names.iter().any(|n| n == name)
        {
            names.push(name.to_owned());
        }
        rest = &after[end..];
    }
    names
}

/// The config file.
pub fn config(org: &Org, command: &str, shadow: bool) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "# Firewatch config imported from {} by `{command}`.\n\
         # Every item says where it came from. What could not be carried over is in the report,\n\
         # with the source's ids and what to do by hand. Running the import again writes this\n\
         # file again, byte for byte, while the source is unchanged.\n",
        org.source
    );
    if shadow && !org.policies.is_empty() {
        out.push_str(
            "#\n# The escalation policies below are in shadow mode (`shadow = true`): Firewatch decides\n\
             # and records every page (On-call page, GET /api/v1/pages?shadow=true) and sends none.\n\
             # Run it beside the old pager for a week, compare, then delete those lines to switch.\n",
        );
    }
    destinations_for_contacts(&mut out, org);
    if !org.people.is_empty() {
        out.push_str("\n# ---- People ----\n");
    }
    for person in &org.people {
        out.push('\n');
        out.push_str(&origin_line(&person.origin));
        out.push_str("[[people]]\n");
        let _ = writeln!(out, "id = {}", quote(&person.id));
        let _ = writeln!(out, "name = {}", quote(&person.name));
        if let Some(email) = &person.email {
            let _ = writeln!(out, "email = {}", quote(email));
        }
        if let Some(zone) = &person.timezone {
            let _ = writeln!(out, "timezone = {}", quote(zone));
        }
        if !person.contacts.is_empty() {
            out.push_str("contacts = [\n");
            for contact in &person.contacts {
                let _ = writeln!(out, "  {},", contact_line(contact));
            }
            out.push_str("]\n");
        }
        if !person.notify.is_empty() {
            out.push_str("notify = [\n");
            for rule in &person.notify {
                let _ = writeln!(
                    out,
                    "  {{ after = \"{}\", contact = {} }},",
                    minutes(rule.after_minutes),
                    quote(&rule.contact)
                );
            }
            out.push_str("]\n");
        }
    }
    if !org.teams.is_empty() {
        out.push_str("\n# ---- Teams ----\n");
    }
    for team in &org.teams {
        out.push('\n');
        out.push_str(&origin_line(&team.origin));
        out.push_str("[[teams]]\n");
        let _ = writeln!(out, "id = {}", quote(&team.id));
        let _ = writeln!(out, "name = {}", quote(&team.name));
        let _ = writeln!(out, "members = {}", list(&team.members));
    }
    if !org.schedules.is_empty() {
        out.push_str("\n# ---- Schedules ----\n# Layers: a later layer wins wherever it has someone on call.\n");
    }
    for schedule in &org.schedules {
        out.push('\n');
        out.push_str(&origin_line(&schedule.origin));
        out.push_str("[[schedules]]\n");
        let _ = writeln!(out, "id = {}", quote(&schedule.id));
        let _ = writeln!(out, "name = {}", quote(&schedule.name));
        let _ = writeln!(out, "timezone = {}", quote(&schedule.timezone));
        for layer in &schedule.layers {
            write_layer(&mut out, layer);
        }
    }
    if !org.policies.is_empty() {
        out.push_str("\n# ---- Escalation policies ----\n# `after`: after the step before (the first: after the page starts).\n");
    }
    for policy in &org.policies {
        out.push('\n');
        out.push_str(&origin_line(&policy.origin));
        out.push_str("[[escalation_policies]]\n");
        let _ = writeln!(out, "id = {}", quote(&policy.id));
        let _ = writeln!(out, "name = {}", quote(&policy.name));
        let _ = writeln!(out, "repeat = {}", policy.repeat);
        if let Some(gap) = policy.repeat_after_minutes.filter(|gap| *gap > 0) {
            let _ = writeln!(out, "repeat_after = \"{}\"", minutes(gap));
        }
        if shadow {
            out.push_str("shadow = true\n");
        }
        out.push_str("steps = [\n");
        for step in &policy.steps {
            let _ = writeln!(
                out,
                "  {{ after = \"{}\", notify = {} }},",
                minutes(step.after_minutes),
                list(&step.notify)
            );
        }
        out.push_str("]\n");
    }
    if !org.services.is_empty() {
        out.push_str("\n# ---- Services ----\n# A critical alert labelled `service = \"ID\"` pages through the service's policy.\n");
    }
    for service in &org.services {
        out.push('\n');
        out.push_str(&origin_line(&service.origin));
        out.push_str("[[services]]\n");
        let _ = writeln!(out, "id = {}", quote(&service.id));
        let _ = writeln!(out, "name = {}", quote(&service.name));
        if let Some(team) = &service.team {
            let _ = writeln!(out, "team = {}", quote(team));
        }
        if let Some(policy) = &service.escalation_policy {
            let _ = writeln!(out, "escalation_policy = {}", quote(policy));
        }
    }
    if !org.destinations.is_empty() {
        out.push_str("\n# ---- Destinations ----\n");
    }
    for destination in &org.destinations {
        write_destination(&mut out, destination);
    }
    if !org.routes.is_empty() {
        out.push_str("\n# ---- Routes ----\n# In order: the first that matches stops the walk unless it says `continue`.\n");
    }
    for route in &org.routes {
        write_table(
            &mut out,
            "routes",
            &Table {
                origin: route.origin.clone(),
                entries: route.entries.clone(),
            },
        );
    }
    for rule in &org.inhibit_rules {
        write_table(&mut out, "inhibit_rules", rule);
    }
    for interval in &org.time_intervals {
        write_table(&mut out, "time_intervals", interval);
    }
    if !org.overrides.is_empty() {
        let _ = write!(
            out,
            "\n# ---- Overrides ----\n# {} future override(s) are in the report; `--apply-overrides` stores them in the\n# database (overrides are not config).\n",
            org.overrides.len()
        );
    }
    out
}

fn write_layer(out: &mut String, layer: &Layer) {
    out.push('\n');
    if let Some(note) = &layer.note {
        out.push_str(&comment(note));
    }
    out.push_str("[[schedules.layers]]\n");
    if !layer.name.is_empty() {
        let _ = writeln!(out, "name = {}", quote(&layer.name));
    }
    let _ = writeln!(out, "rotation = {}", quote(&layer.rotation));
    let _ = writeln!(out, "handoff = {}", quote(&layer.handoff));
    let _ = writeln!(out, "start = {}", quote(&layer.start));
    let _ = writeln!(out, "members = {}", list(&layer.members));
    if !layer.restrict.is_empty() {
        out.push_str("restrict = [\n");
        for window in &layer.restrict {
            let _ = writeln!(
                out,
                "  {{ days = {}, from = {}, to = {} }},",
                quote(&window.days),
                quote(&window.from),
                quote(&window.to)
            );
        }
        out.push_str("]\n");
    }
}

fn write_destination(out: &mut String, destination: &Destination) {
    out.push('\n');
    out.push_str(&origin_line(&destination.origin));
    out.push_str("[[destinations]]\n");
    let _ = writeln!(out, "name = {}", quote(&destination.name));
    let _ = writeln!(out, "kind = {}", quote(&destination.kind));
    entries(out, &destination.entries);
}

fn write_table(out: &mut String, section: &str, table: &Table) {
    out.push('\n');
    out.push_str(&origin_line(&table.origin));
    let _ = writeln!(out, "[[{section}]]");
    entries(out, &table.entries);
}

/// The two destinations pages by email and Twilio go through, when some contact needs them.
fn destinations_for_contacts(out: &mut String, org: &Org) {
    let mail = uses(org, |kind| matches!(kind, ContactKind::Email { .. }));
    let twilio = uses(org, |kind| {
        matches!(kind, ContactKind::Sms { .. } | ContactKind::Voice { .. })
    });
    if !mail && !twilio {
        return;
    }
    out.push_str("\n# ---- Where pages go out ----\n# People's email contacts page through the first, SMS and voice through the second.\n# Set the variables (or write the values here) before `firewatch check-config`.\n");
    if mail {
        let _ = write!(
            out,
            "\n[[destinations]]\nname = \"{MAIL_DESTINATION}\"\nkind = \"email\"\nhost = \"${{SMTP_HOST}}\"\nusername = \"${{SMTP_USERNAME}}\"\npassword = \"${{SMTP_PASSWORD}}\"\nfrom = \"${{PAGER_MAIL_FROM}}\"\n# Only for routes that name this destination; a page goes to the person's own address.\nto = [\"${{PAGER_MAIL_FROM}}\"]\n"
        );
    }
    if twilio {
        let _ = write!(
            out,
            "\n[[destinations]]\nname = \"{TWILIO_DESTINATION}\"\nkind = \"twilio\"\naccount_sid = \"${{TWILIO_ACCOUNT_SID}}\"\nauth_token = \"${{TWILIO_AUTH_TOKEN}}\"\nfrom = \"${{TWILIO_FROM}}\"\n"
        );
    }
}

/// How an override was resolved for the database: who it replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub source: Override,
    /// One entry per person it takes over from (`None`: nobody else was on call; it adds).
    pub replaces: Vec<Option<String>>,
    /// The schedule has the override's person on call for some of its time already.
    pub already_on_call: bool,
}

/// The report: what was carried, what was not and why, the overrides, the variables.
pub fn report(org: &Org, command: &str, overrides: &[Resolved], variables: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Import from {}\n", org.source);
    let _ = writeln!(out, "Written by `{command}`.\n");
    out.push_str("| Carried over | Count |\n|---|---|\n");
    let rows = [
        ("People", org.people.len()),
        ("Teams", org.teams.len()),
        ("Schedules", org.schedules.len()),
        (
            "Schedule layers",
            org.schedules.iter().map(|s| s.layers.len()).sum(),
        ),
        ("Escalation policies", org.policies.len()),
        ("Services", org.services.len()),
        ("Destinations", org.destinations.len()),
        ("Routes", org.routes.len()),
        ("Inhibit rules", org.inhibit_rules.len()),
        ("Time intervals", org.time_intervals.len()),
        ("Future overrides", org.overrides.len()),
    ];
    for (what, count) in rows {
        if count > 0 {
            let _ = writeln!(out, "| {what} | {count} |");
        }
    }
    let _ = writeln!(out, "\n## Not carried over ({})\n", org.skipped.len());
    if org.skipped.is_empty() {
        out.push_str("Everything was translated.\n");
    } else {
        out.push_str("| Item | Source id | Why | What to do |\n|---|---|---|---|\n");
        for skipped in &org.skipped {
            let name = if skipped.origin.name.is_empty() {
                skipped.origin.what.clone()
            } else {
                format!("{} \"{}\"", skipped.origin.what, skipped.origin.name)
            };
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} |",
                cell(&name),
                cell(&skipped.origin.id),
                cell(&skipped.reason),
                cell(&skipped.manual_step)
            );
        }
    }
    if !overrides.is_empty() {
        let _ = writeln!(out, "\n## Future overrides ({})\n", overrides.len());
        out.push_str("Stored in the database by `--apply-overrides` (they are not config).\n\n| Schedule | Who | From | To | In place of | Source id |\n|---|---|---|---|---|---|\n");
        for resolved in overrides {
            let replaces: Vec<&str> = resolved
                .replaces
                .iter()
                .map(|person| match person {
                    Some(person) => person.as_str(),
                    None if resolved.already_on_call => "(nobody else on call: adds)",
                    None => "(nobody on call: adds)",
                })
                .collect();
            let o = &resolved.source;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | `{}` |",
                cell(&o.schedule),
                cell(&o.person),
                o.start,
                o.end,
                cell(&replaces.join(", ")),
                cell(&o.origin.id)
            );
        }
    }
    if !variables.is_empty() {
        out.push_str("\n## Variables the config reads\n\nSet these in the environment Firewatch runs in (or write the values into the file):\n\n");
        for name in variables {
            let _ = writeln!(out, "- `{name}`");
        }
    }
    out
}

/// Text fit for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::model::{Notify, Person, Policy, Restrict, Schedule, Skipped, Step, Team};

    fn origin(what: &str, id: &str) -> Origin {
        Origin {
            what: what.into(),
            id: id.into(),
            name: "Name | with a pipe\nand a newline".into(),
            url: None,
        }
    }

    fn org() -> Org {
        Org {
            source: "Test".into(),
            people: vec![Person {
                origin: origin("Test user", "U1"),
                id: "alice".into(),
                name: "Alice \"Al\" Kim".into(),
                email: Some("alice@example.com".into()),
                timezone: Some("Asia/Seoul".into()),
                contacts: vec![
                    Contact {
                        name: "email".into(),
                        kind: ContactKind::Email {
                            to: "alice@example.com".into(),
                        },
                    },
                    Contact {
                        name: "sms".into(),
                        kind: ContactKind::Sms {
                            to: "+15555550101".into(),
                        },
                    },
                ],
                notify: vec![
                    Notify {
                        after_minutes: 0,
                        contact: "email".into(),
                    },
                    Notify {
                        after_minutes: 5,
                        contact: "sms".into(),
                    },
                ],
            }],
            teams: vec![Team {
                origin: origin("Test team", "T1"),
                id: "ops".into(),
                name: "Ops ${HOME}".into(),
                members: vec!["alice".into()],
            }],
            schedules: vec![Schedule {
                origin: origin("Test schedule", "S1"),
                id: "primary".into(),
                name: "Primary".into(),
                timezone: "Asia/Seoul".into(),
                layers: vec![Layer {
                    name: "Days".into(),
                    rotation: "daily".into(),
                    handoff: "09:00".into(),
                    start: "2026-11-02".into(),
                    members: vec!["alice".into()],
                    restrict: vec![Restrict {
                        days: "mon-fri".into(),
                        from: "09:00".into(),
                        to: "18:00".into(),
                    }],
                    note: Some("weekdays\nonly".into()),
                }],
            }],
            policies: vec![Policy {
                origin: origin("Test policy", "P1"),
                id: "default".into(),
                name: "Default".into(),
                repeat: 2,
                repeat_after_minutes: Some(30),
                steps: vec![Step {
                    after_minutes: 0,
                    notify: vec!["schedule:primary".into()],
                }],
            }],
            skipped: vec![Skipped {
                origin: origin("Test layer", "L9"),
                reason: "a | b".into(),
                manual_step: "do it".into(),
            }],
            ..Org::default()
        }
    }

    /// The written file is Firewatch config: it parses and validates, given its variables.
    #[test]
    fn the_config_loads() {
        let text = config(&org(), "firewatch import test", true);
        let env = |name: &str| {
            Some(match name {
                "TWILIO_ACCOUNT_SID" => "AC00000000000000000000000000000000".to_owned(),
                "TWILIO_FROM" => "+15550000000".to_owned(),
                "PAGER_MAIL_FROM" => "pager@example.com".to_owned(),
                _ => "example".to_owned(),
            })
        };
        let (config, _) = crate::config::Config::parse(&text, &env).unwrap_or_else(|problems| {
            panic!("{text}\n{problems:?}");
        });
        assert_eq!(config.people[0].name.as_deref(), Some("Alice \"Al\" Kim"));
        assert!(config.escalation_policies[0].shadow);
        assert_eq!(
            config.escalation_policies[0].repeat_after.as_deref(),
            Some("30m")
        );
        assert_eq!(
            variables(&text),
            [
                "SMTP_HOST",
                "SMTP_USERNAME",
                "SMTP_PASSWORD",
                "PAGER_MAIL_FROM",
                "TWILIO_ACCOUNT_SID",
                "TWILIO_AUTH_TOKEN",
                "TWILIO_FROM"
            ]
        );
        // A `${` in a source's name stays text.
        assert_eq!(config.teams[0].name.as_deref(), Some("Ops ${HOME}"));
        // A newline in a name cannot break out of its comment.
        assert!(text.contains("# From Test user U1 \"Name | with a pipe and a newline\"\n"));
        assert!(text.contains("# weekdays only\n"));
    }

    #[test]
    fn the_report_names_each_skipped_item_in_one_row() {
        let text = report(&org(), "firewatch import test", &[], &[]);
        assert!(text.contains(
            "| Test layer \"Name \\| with a pipe and a newline\" | `L9` | a \\| b | do it |"
        ));
    }
}
