//! `firewatch incident`: declare, update, acknowledge, resolve, list and show incidents,
//! hand roles and add notes, through the API.

use super::*;

#[derive(Debug, Subcommand)]
pub enum IncidentCommand {
    /// Declare an incident.
    Declare {
        /// What is wrong, as customers would see it.
        title: String,
        /// SEV1 (worst) to SEV4.
        #[arg(long)]
        severity: String,
        /// P1 (most urgent) to P4; default from the severity.
        #[arg(long)]
        priority: Option<String>,
        /// A service it affects; repeat for several.
        #[arg(long = "service")]
        services: Vec<String>,
        /// What is known so far.
        #[arg(long)]
        summary: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Post a status update: investigating, identified, monitoring or resolved.
    Update {
        /// The incident's number or id.
        id: String,
        /// investigating, identified, monitoring or resolved.
        #[arg(long)]
        status: String,
        /// What is known, what is being done, when the next update comes.
        message: String,
        /// For the status page too (not only the team).
        #[arg(long)]
        public: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Acknowledge: someone is on it.
    Ack {
        /// The incident's number or id.
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Resolve: the impact is over (its escalations end; the post-mortem is drafted).
    Resolve {
        /// The incident's number or id.
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Hand a role (commander, communications, scribe) to a person of [[people]].
    Role {
        /// The incident's number or id.
        id: String,
        /// commander, communications or scribe.
        role: String,
        /// The person's id from `[[people]]`.
        person: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Add a note to the timeline.
    Note {
        /// The incident's number or id.
        id: String,
        /// What was tried or seen.
        text: String,
        /// Star it: starred notes lead the post-mortem's timeline.
        #[arg(long)]
        star: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// One incident: roles, what changed and the timeline.
    Show {
        /// The incident's number or id.
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Open incidents (or --state closed|all).
    List {
        /// open (the default), closed, all, or one state: triage, active, mitigated, resolved, learning, closed, declined, merged.
        #[arg(long, default_value = "open")]
        state: String,
        #[command(flatten)]
        client: ClientArgs,
    },
}

fn describe(incident: &serde_json::Value) -> String {
    format!(
        "#{} {} {} {}: {}",
        incident["number"],
        incident["severity"].as_str().unwrap_or("?"),
        incident["priority"].as_str().unwrap_or("?"),
        incident["state"].as_str().unwrap_or("?"),
        incident["title"].as_str().unwrap_or("?"),
    )
}

pub(super) async fn incident(command: IncidentCommand) -> anyhow::Result<()> {
    match command {
        IncidentCommand::Declare {
            title,
            severity,
            priority,
            services,
            summary,
            client,
        } => {
            let api = client.api()?;
            let mut body =
                serde_json::json!({ "title": title, "severity": severity, "services": services });
            if let Some(priority) = priority {
                body["priority"] = priority.into();
            }
            if let Some(summary) = summary {
                body["summary"] = summary.into();
            }
            let created = api
                .send(reqwest::Method::POST, "/api/v1/incidents", Some(&body))
                .await?;
            println!("{}", describe(&created));
            println!("{}", created["url"].as_str().unwrap_or_default());
        }
        IncidentCommand::Update {
            id,
            status,
            message,
            public,
            client,
        } => {
            let api = client.api()?;
            let body =
                serde_json::json!({ "status": status, "message": message, "public": public });
            let updated = api
                .send(
                    reqwest::Method::POST,
                    &format!("/api/v1/incidents/{}/updates", urlencode(&id)),
                    Some(&body),
                )
                .await?;
            println!("{}", describe(&updated));
        }
        IncidentCommand::Ack { id, client } => {
            let api = client.api()?;
            let path = format!("/api/v1/incidents/{}/acknowledge", urlencode(&id));
            println!(
                "{}",
                describe(&api.call(reqwest::Method::POST, &path).await?)
            );
        }
        IncidentCommand::Resolve { id, client } => {
            let api = client.api()?;
            let path = format!("/api/v1/incidents/{}/resolve", urlencode(&id));
            println!(
                "{}",
                describe(&api.call(reqwest::Method::POST, &path).await?)
            );
        }
        IncidentCommand::Role {
            id,
            role,
            person,
            client,
        } => {
            let api = client.api()?;
            let path = format!(
                "/api/v1/incidents/{}/roles/{}",
                urlencode(&id),
                urlencode(&role)
            );
            let body = serde_json::json!({ "person": person });
            let changed = api.send(reqwest::Method::PUT, &path, Some(&body)).await?;
            println!("{}", describe(&changed));
            println!("{role}: {person}");
        }
        IncidentCommand::Note {
            id,
            text,
            star,
            client,
        } => {
            let api = client.api()?;
            let path = format!("/api/v1/incidents/{}/notes", urlencode(&id));
            let body = serde_json::json!({ "text": text, "starred": star });
            println!(
                "{}",
                describe(&api.send(reqwest::Method::POST, &path, Some(&body)).await?)
            );
        }
        IncidentCommand::Show { id, client } => {
            let api = client.api()?;
            let incident = api
                .call(
                    reqwest::Method::GET,
                    &format!("/api/v1/incidents/{}", urlencode(&id)),
                )
                .await?;
            println!("{}", describe(&incident));
            println!("{}", incident["url"].as_str().unwrap_or_default());
            for role in ["commander", "communications", "scribe"] {
                let holder = incident["roles"][role]["person"].as_str().unwrap_or("-");
                println!("  {role}: {holder}");
            }
            let changes = incident["what_changed"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if !changes.is_empty() {
                println!("{}", super::locale().text("cli-what-changed"));
            }
            for change in changes {
                println!(
                    "  {:<12} {}{} ({}) {}",
                    change["before"].as_str().unwrap_or_default(),
                    if change["suspected"] == true {
                        super::locale().text("cli-suspected")
                    } else {
                        String::new()
                    },
                    change["title"].as_str().unwrap_or_default(),
                    change["repository"].as_str().unwrap_or_default(),
                    change["url"].as_str().unwrap_or_default(),
                );
            }
            let timeline = api
                .call(
                    reqwest::Method::GET,
                    &format!("/api/v1/incidents/{}/timeline", urlencode(&id)),
                )
                .await?;
            println!("{}", super::locale().text("cli-timeline"));
            let dates = client.dates();
            for item in timeline["items"].as_array().cloned().unwrap_or_default() {
                println!(
                    "  {} {:<12} {}{}",
                    dates.show(&item["at"]),
                    item["kind"].as_str().unwrap_or_default(),
                    if item["starred"] == true { "★ " } else { "" },
                    item["text"].as_str().unwrap_or_default(),
                );
            }
        }
        IncidentCommand::List { state, client } => {
            let api = client.api()?;
            let body = api
                .call(
                    reqwest::Method::GET,
                    &format!("/api/v1/incidents?state={}", urlencode(&state)),
                )
                .await?;
            let items = body["items"].as_array().cloned().unwrap_or_default();
            if items.is_empty() {
                println!(
                    "{}",
                    super::locale()
                        .text_with("cli-no-incidents", &[("state", state.as_str().into())])
                );
                return Ok(());
            }
            let dates = client.dates();
            let rows: Vec<Vec<String>> = items
                .iter()
                .map(|item| {
                    let services: Vec<&str> = item["services"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|s| s.as_str())
                        .collect();
                    vec![
                        format!("#{}", item["number"]),
                        super::cell(&item["severity"]),
                        super::cell(&item["priority"]),
                        super::cell(&item["state"]),
                        if services.is_empty() {
                            "-".into()
                        } else {
                            services.join(",")
                        },
                        super::cell(&item["commander"]),
                        dates.show(&item["created_at"]),
                        super::cell(&item["title"]),
                    ]
                })
                .collect();
            super::print_table(
                &[
                    "#",
                    "SEV",
                    "PRI",
                    "STATE",
                    "SERVICES",
                    "COMMANDER",
                    "DECLARED",
                    "TITLE",
                ],
                &rows,
                &[true],
            );
        }
    }
    Ok(())
}
