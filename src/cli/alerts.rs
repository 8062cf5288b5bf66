//! `firewatch alert` and `firewatch silence`: alerts, tasks, the noise report, silences and
//! maintenance windows, through the API.

use super::*;

#[derive(Debug, Subcommand)]
pub enum AlertCommand {
    /// Open alerts (or those in --state), newest first.
    List {
        /// firing, acknowledged, silenced, resolved or open (the default).
        #[arg(long, default_value = "open")]
        state: String,
        /// Only this service's alerts.
        #[arg(long)]
        service: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Acknowledge an alert: you are on it.
    Ack {
        /// The alert's id, as `firewatch alert list` shows it.
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Resolve an alert by hand.
    Resolve {
        /// The alert's id, as `firewatch alert list` shows it.
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// The noise report: per rule, service or team, how often alerts fired, how many were
    /// acknowledged or went away by themselves, and pages a week against the team's budget.
    Noise {
        /// Group the rows by rule, service or team.
        #[arg(long, default_value = "rule", value_parser = ["rule", "service", "team"])]
        by: String,
        /// The window: the last N days (default 7).
        #[arg(long, conflicts_with = "from")]
        days: Option<u32>,
        /// The window's start (RFC 3339), instead of --days.
        #[arg(long)]
        from: Option<String>,
        /// The window's end (RFC 3339); default now.
        #[arg(long)]
        to: Option<String>,
        /// Resolved by the sender within this many minutes counts as auto-resolved (default 5).
        #[arg(long)]
        auto_resolve_minutes: Option<u32>,
        /// Print the report as CSV instead of a table.
        #[arg(long)]
        csv: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Open tasks for alerts nobody handled (--all: closed ones too), newest first.
    Tasks {
        /// Closed tasks too, with who closed them.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Close a task once its alert is dealt with.
    CloseTask {
        /// The task's id, as `firewatch alert tasks` shows it.
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum SilenceCommand {
    /// Silences and maintenance windows in force or to come (--all: expired ones too).
    List {
        /// Expired silences too.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Silence the alerts that match, e.g. `alertname="DiskFull" instance=~"db-.*"`; with
    /// --service, a maintenance window for that service (--cron makes it recur).
    Add {
        /// Label matchers: name=value, name!=value, name=~regex, name!~regex.
        matchers: Vec<String>,
        /// How long, as 2h or 90m (from --starts, default now).
        #[arg(long)]
        duration: Option<String>,
        /// Start (RFC 3339); default now.
        #[arg(long)]
        starts: Option<String>,
        /// End (RFC 3339), instead of --duration.
        #[arg(long)]
        ends: Option<String>,
        /// Why: shown to whoever finds the alert quiet.
        #[arg(long)]
        comment: String,
        /// Who; default: the token's name.
        #[arg(long)]
        created_by: Option<String>,
        /// Makes it a maintenance window of this service.
        #[arg(long)]
        service: Option<String>,
        /// A recurring window: five cron fields, e.g. "0 2 * * sun".
        #[arg(long, requires = "service")]
        cron: Option<String>,
        /// The IANA time zone --cron is read in.
        #[arg(long, default_value = "UTC")]
        timezone: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// End a silence or maintenance window now.
    Expire {
        /// The silence's id, as `firewatch silence list` shows it.
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
}

pub(super) async fn alert(command: AlertCommand) -> anyhow::Result<()> {
    match command {
        AlertCommand::List {
            state,
            service,
            client,
        } => {
            let api = client.api()?;
            let mut path = format!("/api/v1/alerts?limit=500&state={}", urlencode(&state));
            if let Some(service) = &service {
                path.push_str(&format!("&service={}", urlencode(service)));
            }
            let page = api.call(reqwest::Method::GET, &path).await?;
            let items = page["items"].as_array().cloned().unwrap_or_default();
            if items.is_empty() {
                println!(
                    "no {state} alerts{}",
                    service.map(|s| format!(" on {s}")).unwrap_or_default()
                );
                return Ok(());
            }
            let dates = client.dates();
            let rows: Vec<Vec<String>> = items
                .iter()
                .map(|item| {
                    vec![
                        super::cell(&item["id"]),
                        super::cell(&item["state"]),
                        super::cell(&item["severity"]),
                        super::cell(&item["service"]),
                        dates.show(&item["fired_at"]),
                        super::cell(&item["rule"]),
                        item["summary"].as_str().unwrap_or("").to_owned(),
                    ]
                })
                .collect();
            super::print_table(
                &[
                    "ID", "STATE", "SEVERITY", "SERVICE", "FIRED", "RULE", "SUMMARY",
                ],
                &rows,
                &[],
            );
        }
        AlertCommand::Ack { id, client } => change_alert(&client, &id, "acknowledge").await?,
        AlertCommand::Resolve { id, client } => change_alert(&client, &id, "resolve").await?,
        AlertCommand::Noise {
            by,
            days,
            from,
            to,
            auto_resolve_minutes,
            csv,
            client,
        } => {
            let api = client.api()?;
            let mut path = format!("/api/v1/reports/noise?by={}", urlencode(&by));
            for (name, value) in [
                ("days", days.map(|d| d.to_string())),
                ("from", from),
                ("to", to),
                (
                    "auto_resolve_minutes",
                    auto_resolve_minutes.map(|m| m.to_string()),
                ),
            ] {
                if let Some(value) = value {
                    path.push_str(&format!("&{name}={}", urlencode(&value)));
                }
            }
            if csv {
                print!("{}", api.text(&format!("{path}&format=csv")).await?);
                return Ok(());
            }
            let report = api.call(reqwest::Method::GET, &path).await?;
            print_noise(&report, &client.dates());
        }
        AlertCommand::Tasks { all, client } => {
            let api = client.api()?;
            let path = if all {
                "/api/v1/tasks?state=all"
            } else {
                "/api/v1/tasks"
            };
            let page = api.call(reqwest::Method::GET, path).await?;
            let dates = client.dates();
            if page["items"]
                .as_array()
                .is_none_or(|items| items.is_empty())
            {
                println!("{}", if all { "no tasks" } else { "no open tasks" });
                return Ok(());
            }
            let rows: Vec<Vec<String>> = page["items"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|task| {
                    let state = if task["closed_at"].is_string() {
                        "closed"
                    } else {
                        "open"
                    };
                    let mut row = vec![
                        super::cell(&task["id"]),
                        state.to_owned(),
                        super::cell(&task["reason"]),
                        super::cell(&task["rule"]),
                        super::cell(&task["service"]),
                        super::cell(&task["team"]),
                        dates.show(&task["opened_at"]),
                    ];
                    if all {
                        row.push(super::cell(&task["closed_by"]));
                    }
                    row.push(task["detail"].as_str().unwrap_or("").to_owned());
                    row
                })
                .collect();
            let mut header = vec!["ID", "STATE", "REASON", "RULE", "SERVICE", "TEAM", "OPENED"];
            if all {
                header.push("CLOSED BY");
            }
            header.push("DETAIL");
            print_table(&header, &rows, &[]);
        }
        AlertCommand::CloseTask { id, client } => {
            let api = client.api()?;
            let task = api
                .call(
                    reqwest::Method::POST,
                    &format!("/api/v1/tasks/{}/close", urlencode(&id)),
                )
                .await?;
            println!(
                "closed {}: {} ({}: {})",
                task["id"].as_str().unwrap_or(&id),
                task["rule"].as_str().unwrap_or("-"),
                task["reason"].as_str().unwrap_or("-"),
                task["detail"].as_str().unwrap_or("")
            );
        }
    }
    Ok(())
}

/// The noise report as an aligned table; the window goes to standard error so standard
/// output holds only the table.
pub(super) fn print_noise(report: &serde_json::Value, dates: &super::Dates) {
    let by = report["by"].as_str().unwrap_or("rule").to_uppercase();
    let count = |value: &serde_json::Value| value.as_u64().unwrap_or(0).to_string();
    let share =
        |value: &serde_json::Value| format!("{:.0}%", value.as_f64().unwrap_or(0.0) * 100.0);
    let duration = |value: &serde_json::Value| {
        value
            .as_f64()
            .map_or_else(|| "-".to_owned(), crate::core::noise::human_duration)
    };
    let rows: Vec<Vec<String>> = report["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|row| {
            let fired = row["fires"].as_u64().unwrap_or(0) > 0;
            vec![
                row["key"].as_str().unwrap_or("-").to_owned(),
                count(&row["fires"]),
                count(&row["notifications"]),
                count(&row["acknowledged"]),
                if fired {
                    share(&row["share_acknowledged"])
                } else {
                    "-".into()
                },
                count(&row["auto_resolved"]),
                if fired {
                    share(&row["share_auto_resolved"])
                } else {
                    "-".into()
                },
                count(&row["flapping"]),
                duration(&row["median_seconds_to_acknowledge"]),
                duration(&row["median_seconds_to_resolve"]),
                count(&row["pages"]),
                format!("{:.1}", row["pages_per_week"].as_f64().unwrap_or(0.0)),
                row["page_budget_per_week"]
                    .as_u64()
                    .map_or_else(|| "-".to_owned(), |budget| budget.to_string()),
                if row["over_budget"] == true {
                    "OVER"
                } else {
                    ""
                }
                .to_owned(),
            ]
        })
        .collect();
    eprintln!(
        "from {} to {}; auto-resolved: resolved by the sender within {} min",
        dates.show(&report["from"]),
        dates.show(&report["to"]),
        report["auto_resolve_minutes"]
    );
    if rows.is_empty() {
        eprintln!("no alerts fired, changed or were notified in this window");
    }
    let header = [
        by.as_str(),
        "FIRES",
        "NOTIFIED",
        "ACKED",
        "ACKED%",
        "AUTO",
        "AUTO%",
        "FLAPPING",
        "MEDIAN ACK",
        "MEDIAN RESOLVE",
        "PAGES",
        "PAGES/WEEK",
        "BUDGET",
        "",
    ];
    let mut right = [true; 14];
    right[0] = false;
    right[13] = false;
    print_table(&header, &rows, &right);
}

pub(super) async fn change_alert(client: &ClientArgs, id: &str, verb: &str) -> anyhow::Result<()> {
    let api = client.api()?;
    let alert = api
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/alerts/{}/{verb}", urlencode(id)),
        )
        .await?;
    println!(
        "{} {}: {}",
        alert["state"].as_str().unwrap_or(verb),
        alert["id"].as_str().unwrap_or(id),
        alert["summary"].as_str().unwrap_or("")
    );
    Ok(())
}

pub(super) async fn silence(command: SilenceCommand) -> anyhow::Result<()> {
    match command {
        SilenceCommand::List { all, client } => {
            let api = client.api()?;
            let path = if all {
                "/api/v1/silences?status=all"
            } else {
                "/api/v1/silences"
            };
            let page = api.call(reqwest::Method::GET, path).await?;
            let items = page["items"].as_array().cloned().unwrap_or_default();
            if items.is_empty() {
                println!(
                    "{}",
                    if all {
                        "no silences"
                    } else {
                        "no active or pending silences"
                    }
                );
                return Ok(());
            }
            let dates = client.dates();
            let rows: Vec<Vec<String>> = items
                .iter()
                .map(|item| {
                    vec![
                        super::cell(&item["id"]),
                        super::cell(&item["status"]),
                        super::cell(&item["kind"]),
                        dates.show(&item["starts_at"]),
                        dates.show(&item["ends_at"]),
                        super::cell(&item["created_by"]),
                        format!(
                            "{} {}",
                            item["matchers_text"].as_str().unwrap_or(""),
                            item["comment"].as_str().unwrap_or("")
                        ),
                    ]
                })
                .collect();
            print_table(
                &[
                    "ID",
                    "STATUS",
                    "KIND",
                    "STARTS",
                    "ENDS",
                    "BY",
                    "MATCHERS / COMMENT",
                ],
                &rows,
                &[],
            );
        }
        SilenceCommand::Add {
            matchers,
            duration,
            starts,
            ends,
            comment,
            created_by,
            service,
            cron,
            timezone,
            client,
        } => {
            let api = client.api()?;
            let mut body = serde_json::json!({
                "matchers": matchers.join(", "),
                "comment": comment,
            });
            for (key, value) in [
                ("duration", duration),
                ("startsAt", starts),
                ("endsAt", ends),
                ("createdBy", created_by),
                ("service", service),
            ] {
                if let Some(value) = value {
                    body[key] = value.into();
                }
            }
            if let Some(cron) = cron {
                body["cron"] = cron.into();
                body["timezone"] = timezone.into();
            }
            let created = api
                .send(reqwest::Method::POST, "/api/v1/silences", Some(&body))
                .await?;
            println!(
                "{} {} {} until {}",
                created["id"].as_str().unwrap_or("-"),
                created["status"].as_str().unwrap_or("-"),
                created["matchers_text"].as_str().unwrap_or(""),
                client.dates().show(&created["ends_at"])
            );
        }
        SilenceCommand::Expire { id, client } => {
            let api = client.api()?;
            api.call(
                reqwest::Method::DELETE,
                &format!("/api/v1/silences/{}", urlencode(&id)),
            )
            .await?;
            println!("expired {id}");
        }
    }
    Ok(())
}
