//! `firewatch oncall`, `firewatch override` and `firewatch page`: who is on call, changing a
//! schedule for a while, and a test page, through the API.

use super::*;

#[derive(Debug, Args)]
pub struct OncallArgs {
    /// Only this schedule.
    #[arg(long, conflicts_with_all = ["team", "service"])]
    schedule: Option<String>,
    /// Only the schedules this team's services page through.
    #[arg(long, conflicts_with = "service")]
    team: Option<String>,
    /// Only the schedules this service's escalation policy pages through.
    #[arg(long)]
    service: Option<String>,
    /// When (RFC 3339, `now`, or `+2h` from now); default now.
    #[arg(long)]
    at: Option<String>,
    #[command(flatten)]
    client: ClientArgs,
}

#[derive(Debug, Subcommand)]
pub enum OverrideCommand {
    /// Put PERSON on call on a schedule from START to END, replacing `--replaces` wherever
    /// that person is on call then, or beside whoever is.
    Add {
        /// The schedule's id, from `[[schedules]]`.
        #[arg(long)]
        schedule: String,
        /// Who takes over: a person's id from `[[people]]`.
        #[arg(long)]
        person: String,
        /// RFC 3339, `now`, or `+30m` from now.
        #[arg(long)]
        start: String,
        /// RFC 3339, or `+8h` from the start.
        #[arg(long)]
        end: String,
        /// Whom they stand in for; without it they are on call beside whoever is.
        #[arg(long)]
        replaces: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// The overrides of a schedule that are not over yet.
    List {
        /// The schedule's id, from `[[schedules]]`.
        #[arg(long)]
        schedule: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Remove an override.
    Remove {
        /// The override's id, as `firewatch override list` shows it.
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum PageCommand {
    /// Send PERSON a test page through every contact method they have.
    Test {
        /// The person's id, from `[[people]]`.
        person: String,
        #[command(flatten)]
        client: ClientArgs,
    },
}

/// RFC 3339, `now`, or `+DURATION` after `base`.
fn when(text: &str, base: jiff::Timestamp) -> anyhow::Result<jiff::Timestamp> {
    // Whole seconds: the store keeps milliseconds, and people read seconds.
    let base = base.round(jiff::Unit::Second).unwrap_or(base);
    let text = text.trim();
    if text == "now" {
        return Ok(base);
    }
    if let Some(after) = text.strip_prefix('+') {
        let duration = crate::core::silence::parse_duration(after)?;
        return Ok(base.saturating_add(duration)?);
    }
    text.parse::<jiff::Timestamp>().with_context(|| {
        format!("\"{text}\" is not a time; write 2026-11-02T09:00:00Z, now, or +2h")
    })
}

pub(super) async fn oncall(args: OncallArgs) -> anyhow::Result<()> {
    let api = args.client.api()?;
    let mut query = Vec::new();
    for (name, value) in [
        ("schedule", &args.schedule),
        ("team", &args.team),
        ("service", &args.service),
    ] {
        if let Some(value) = value {
            query.push(format!("{name}={}", urlencode(value)));
        }
    }
    if let Some(at) = &args.at {
        let at = when(at, SystemClock.now())?;
        query.push(format!("at={}", urlencode(&at.to_string())));
    }
    let body = api
        .call(
            reqwest::Method::GET,
            &format!("/api/v1/oncall?{}", query.join("&")),
        )
        .await?;
    let entries = body["on_call"].as_array().cloned().unwrap_or_default();
    let dates = args.client.dates();
    if entries.is_empty() {
        println!(
            "{}",
            super::locale().text_with(
                "cli-nobody-on-call",
                &[("at", dates.show(&body["at"]).into())]
            )
        );
        return Ok(());
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|entry| {
            vec![
                super::cell(&entry["schedule"]),
                super::cell(&entry["person"]),
                super::cell(&entry["name"]),
                dates.show(&entry["start"]),
                format!(
                    "{}{}",
                    dates.show(&entry["end"]),
                    if entry["override"].is_string() {
                        super::locale().text("cli-override-mark")
                    } else {
                        String::new()
                    }
                ),
            ]
        })
        .collect();
    super::print_table(
        &["SCHEDULE", "PERSON", "NAME", "SINCE", "UNTIL"],
        &rows,
        &[],
    );
    Ok(())
}

pub(super) async fn override_command(command: OverrideCommand) -> anyhow::Result<()> {
    match command {
        OverrideCommand::Add {
            schedule,
            person,
            start,
            end,
            replaces,
            client,
        } => {
            let api = client.api()?;
            let start = when(&start, SystemClock.now())?;
            let end = when(&end, start)?;
            let mut body = serde_json::json!({
                "person": person,
                "start": start.to_string(),
                "end": end.to_string(),
            });
            if let Some(replaces) = replaces {
                body["replaces"] = serde_json::Value::String(replaces);
            }
            let created = api
                .send(
                    reqwest::Method::POST,
                    &format!("/api/v1/schedules/{}/overrides", urlencode(&schedule)),
                    Some(&body),
                )
                .await?;
            let dates = client.dates();
            println!(
                "{}",
                super::locale().text_with(
                    "cli-override-added",
                    &[
                        ("id", created["id"].as_str().unwrap_or("?").into()),
                        ("person", created["person"].as_str().unwrap_or("?").into()),
                        ("schedule", schedule.as_str().into()),
                        ("start", dates.show(&created["start"]).into()),
                        ("end", dates.show(&created["end"]).into()),
                    ],
                )
            );
        }
        OverrideCommand::List { schedule, client } => {
            let api = client.api()?;
            let body = api
                .call(
                    reqwest::Method::GET,
                    &format!("/api/v1/schedules/{}/overrides", urlencode(&schedule)),
                )
                .await?;
            let items = body["items"].as_array().cloned().unwrap_or_default();
            if items.is_empty() {
                println!(
                    "{}",
                    super::locale().text_with(
                        "cli-no-overrides",
                        &[("schedule", schedule.as_str().into())]
                    )
                );
                return Ok(());
            }
            let dates = client.dates();
            let rows: Vec<Vec<String>> = items
                .iter()
                .map(|item| {
                    vec![
                        super::cell(&item["id"]),
                        super::cell(&item["person"]),
                        super::cell(&item["replaces"]),
                        dates.show(&item["start"]),
                        dates.show(&item["end"]),
                    ]
                })
                .collect();
            super::print_table(&["ID", "PERSON", "REPLACES", "START", "END"], &rows, &[]);
        }
        OverrideCommand::Remove { id, client } => {
            let api = client.api()?;
            api.call(
                reqwest::Method::DELETE,
                &format!("/api/v1/overrides/{}", urlencode(&id)),
            )
            .await?;
            println!(
                "{}",
                super::locale().text_with("cli-override-removed", &[("id", id.as_str().into())])
            );
        }
    }
    Ok(())
}

pub(super) async fn page(command: PageCommand) -> anyhow::Result<()> {
    match command {
        PageCommand::Test { person, client } => {
            let api = client.api()?;
            let body = api
                .call(
                    reqwest::Method::POST,
                    &format!("/api/v1/people/{}/test_page", urlencode(&person)),
                )
                .await?;
            let pages = body["pages"].as_array().cloned().unwrap_or_default();
            println!(
                "{}",
                super::locale().text_with(
                    "cli-test-page",
                    &[
                        ("person", person.as_str().into()),
                        ("count", pages.len().into())
                    ],
                )
            );
        }
    }
    Ok(())
}
