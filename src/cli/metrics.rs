//! `firewatch deploy record` for any pipeline, and `firewatch metrics dora` as a table.

use super::*;

#[derive(Debug, Subcommand)]
pub enum DeployCommand {
    /// Record a finished deployment (after it finished, with its outcome).
    Record {
        /// The service deployed, from `[[services]]`.
        #[arg(long)]
        service: String,
        /// Where, e.g. production.
        #[arg(long = "env")]
        environment: String,
        /// The version deployed, e.g. v1.4.2.
        #[arg(long)]
        version: String,
        /// The commit deployed; the changes it ships are found back to the previous deployment.
        #[arg(long, conflicts_with = "commits")]
        commit: Option<String>,
        /// Or every commit it ships, comma-separated.
        #[arg(long, value_delimiter = ',')]
        commits: Vec<String>,
        /// success or failure.
        #[arg(long, default_value = "success")]
        status: String,
        /// planned, hotfix, rollback or revert.
        #[arg(long, default_value = "planned")]
        kind: String,
        /// RFC 3339; default: when the server records it.
        #[arg(long)]
        started_at: Option<String>,
        /// When it finished, RFC 3339 (default: now).
        #[arg(long)]
        finished_at: Option<String>,
        /// Where a person reads more: the pipeline's run.
        #[arg(long = "link", id = "link")]
        link: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum MetricsCommand {
    /// DORA's five keys over the last --days (default 30), with their bands.
    Dora {
        /// Only this service.
        #[arg(long, conflicts_with = "team")]
        service: Option<String>,
        /// Only this team's services.
        #[arg(long)]
        team: Option<String>,
        /// One environment instead of the production ones.
        #[arg(long = "env")]
        environment: Option<String>,
        /// The window: this many days up to now.
        #[arg(long, default_value = "30")]
        days: u32,
        /// The benchmark table: 2024, 2023 or 2021.
        #[arg(long)]
        bands: Option<String>,
        /// Print CSV instead of a table.
        #[arg(long)]
        csv: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Operations over the last --days (default 30): MTTA, MTTR, incidents, pages against
    /// budgets, post-mortems and action items.
    Ops {
        /// Only this service.
        #[arg(long, conflicts_with = "team")]
        service: Option<String>,
        /// Only this team's services.
        #[arg(long)]
        team: Option<String>,
        /// The window: this many days up to now.
        #[arg(long, default_value = "30")]
        days: u32,
        /// Print CSV instead of a table.
        #[arg(long)]
        csv: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
}

pub(super) async fn deploy(command: DeployCommand) -> anyhow::Result<()> {
    let DeployCommand::Record {
        service,
        environment,
        version,
        commit,
        commits,
        status,
        kind,
        started_at,
        finished_at,
        link,
        client,
    } = command;
    let api = client.api()?;
    let mut body = serde_json::json!({
        "service": service, "environment": environment, "version": version,
        "status": status, "kind": kind,
    });
    let fields = [
        ("commit", commit.map(serde_json::Value::from)),
        (
            "commits",
            (!commits.is_empty()).then(|| serde_json::Value::from(commits)),
        ),
        ("started_at", started_at.map(serde_json::Value::from)),
        ("finished_at", finished_at.map(serde_json::Value::from)),
        ("url", link.map(serde_json::Value::from)),
    ];
    for (name, value) in fields {
        if let Some(value) = value {
            body[name] = value;
        }
    }
    let answer = api
        .send(reqwest::Method::POST, "/api/v1/deployments", Some(&body))
        .await?;
    println!(
        "{} recorded: {} {} to {} ({}, {})",
        answer["id"].as_str().unwrap_or("?"),
        answer["service"].as_str().unwrap_or("?"),
        answer["version"].as_str().unwrap_or("?"),
        answer["environment"].as_str().unwrap_or("?"),
        answer["status"].as_str().unwrap_or("?"),
        answer["kind"].as_str().unwrap_or("?"),
    );
    Ok(())
}

pub(super) async fn metrics(command: MetricsCommand) -> anyhow::Result<()> {
    let (report, service, team, environment, days, bands, csv, client) = match command {
        MetricsCommand::Dora {
            service,
            team,
            environment,
            days,
            bands,
            csv,
            client,
        } => ("dora", service, team, environment, days, bands, csv, client),
        MetricsCommand::Ops {
            service,
            team,
            days,
            csv,
            client,
        } => ("ops", service, team, None, days, None, csv, client),
    };
    let api = client.api()?;
    let dates = client.dates();
    let mut query = vec![("days", days.to_string())];
    for (name, value) in [
        ("service", service),
        ("team", team),
        ("environment", environment),
        ("bands", bands),
    ] {
        if let Some(value) = value {
            query.push((name, value));
        }
    }
    if csv {
        query.push(("format", "csv".into()));
    }
    let path = format!(
        "/api/v1/metrics/{report}?{}",
        serde_urlencoded::to_string(&query).unwrap_or_default()
    );
    if csv {
        print!("{}", api.text(&path).await?);
        return Ok(());
    }
    let view = api.call(reqwest::Method::GET, &path).await?;
    if report == "dora" {
        print_dora(&view, &dates);
    } else {
        print_ops(&view, &dates);
    }
    Ok(())
}

fn print_ops(view: &serde_json::Value, dates: &super::Dates) {
    let duration = |value: &serde_json::Value| {
        value
            .as_f64()
            .map(crate::core::noise::human_duration)
            .unwrap_or_else(|| "N/A".into())
    };
    let mtta = &view["mtta"];
    let mttr = &view["mttr"];
    let incidents = &view["incidents"];
    let postmortems = &view["postmortems"];
    let items = &view["action_items"];
    let severities = incidents["by_severity"]
        .as_object()
        .map(|map| {
            map.iter()
                .map(|(severity, count)| format!("{severity} {count}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let mut rows = vec![
        vec![
            "MTTA".into(),
            duration(&mtta["median_seconds"]),
            format!(
                "median of {}, mean {}",
                mtta["count"],
                duration(&mtta["mean_seconds"])
            ),
            mtta["na_reason"].as_str().unwrap_or("").to_owned(),
        ],
        vec![
            "MTTR".into(),
            duration(&mttr["median_seconds"]),
            format!(
                "median of {}, mean {}",
                mttr["count"],
                duration(&mttr["mean_seconds"])
            ),
            mttr["na_reason"].as_str().unwrap_or("").to_owned(),
        ],
        vec![
            "Incidents".into(),
            incidents["total"].to_string(),
            severities,
            String::new(),
        ],
        vec![
            "Post-mortems published".into(),
            postmortems["completion"]
                .as_f64()
                .map(|v| format!("{:.0}%", v * 100.0))
                .unwrap_or_else(|| "N/A".into()),
            format!(
                "{} of {} ({} in review, {} draft, {} missing)",
                postmortems["published"],
                postmortems["required"],
                postmortems["in_review"],
                postmortems["draft"],
                postmortems["missing"]
            ),
            postmortems["na_reason"].as_str().unwrap_or("").to_owned(),
        ],
        vec![
            "Action items overdue".into(),
            items["overdue"].to_string(),
            format!(
                "{} outstanding, {} closed in the window",
                items["outstanding"], items["closed"]
            ),
            String::new(),
        ],
    ];
    for team in view["pages"].as_array().into_iter().flatten() {
        rows.push(vec![
            format!("Pages/week, {}", team["team"].as_str().unwrap_or("?")),
            format!("{:.1}", team["pages_per_week"].as_f64().unwrap_or(0.0)),
            match team["page_budget_per_week"].as_u64() {
                Some(budget) if team["over_budget"] == true => {
                    format!("over the budget of {budget}")
                }
                Some(budget) => format!("budget {budget}"),
                None => "no budget".into(),
            },
            String::new(),
        ]);
    }
    println!(
        "{} to {}",
        dates.show(&view["from"]),
        dates.show(&view["to"])
    );
    print_table(
        &["METRIC", "VALUE", "FROM", "N/A BECAUSE"],
        &rows,
        &[false, true, false, false],
    );
}

fn print_dora(view: &serde_json::Value, dates: &super::Dates) {
    let duration = |value: &serde_json::Value| {
        value
            .as_f64()
            .map(crate::core::noise::human_duration)
            .unwrap_or_else(|| "N/A".into())
    };
    let percent = |value: &serde_json::Value| {
        value
            .as_f64()
            .map(|v| format!("{:.1}%", v * 100.0))
            .unwrap_or_else(|| "N/A".into())
    };
    let band = |name: &str| view["bands"][name].as_str().unwrap_or("").to_owned();
    let score = |name: &str| {
        view["quick_check"][name]
            .as_f64()
            .map(|score| format!("{score:.1}"))
            .unwrap_or_default()
    };
    let reason = |figure: &serde_json::Value| figure["na_reason"].as_str().unwrap_or("").to_owned();
    let frequency = &view["deployment_frequency"];
    let lead = &view["lead_time"];
    let failure = &view["change_failure_rate"];
    let recovery = &view["recovery_time"];
    let rework = &view["rework_rate"];
    let rows = vec![
        vec![
            "Deployment frequency".into(),
            match frequency["per_week"].as_f64() {
                Some(per_week) if frequency["na_reason"].is_null() => {
                    format!("{per_week:.1}/week")
                }
                _ => "N/A".into(),
            },
            band("deployment_frequency"),
            score("deployment_frequency"),
            format!(
                "{} deployments{}",
                frequency["deployments"],
                frequency["class"]
                    .as_str()
                    .map(|class| format!(", {}", class.replace('_', " ")))
                    .unwrap_or_default()
            ),
            reason(frequency),
        ],
        vec![
            "Change lead time".into(),
            duration(&lead["median_seconds"]),
            band("lead_time"),
            score("lead_time"),
            format!(
                "median of {} changes ({} seeds, {} unknown)",
                lead["changes"], lead["seeds"], lead["unknown"]
            ),
            reason(lead),
        ],
        vec![
            "Change failure rate".into(),
            percent(&failure["value"]),
            band("change_failure_rate"),
            score("change_failure_rate"),
            format!("{} of {}", failure["count"], failure["of"]),
            reason(failure),
        ],
        vec![
            "Recovery time".into(),
            duration(&recovery["median_seconds"]),
            band("recovery_time"),
            score("recovery_time"),
            format!(
                "median of {} ({} not recovered)",
                recovery["recovered"], recovery["not_recovered"]
            ),
            reason(recovery),
        ],
        vec![
            "Rework rate".into(),
            percent(&rework["value"]),
            String::new(),
            score("rework_rate"),
            format!("{} of {}", rework["count"], rework["of"]),
            reason(rework),
        ],
    ];
    println!(
        "{} to {}, {}; bands: {}",
        dates.show(&view["from"]),
        dates.show(&view["to"]),
        view["environments"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|e| e.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default(),
        view["bands"]["table"].as_str().unwrap_or("none"),
    );
    print_table(
        &["METRIC", "VALUE", "BAND", "SCORE", "FROM", "N/A BECAUSE"],
        &rows,
        &[false, true, false, true, false, false],
    );
    if let Some(overall) = view["quick_check"]["overall"].as_f64() {
        println!("Quick Check (2025) score: {overall:.1} of 10 (SCORE: each figure's, 0 to 10)");
    }
}
