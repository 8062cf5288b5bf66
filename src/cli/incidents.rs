//! `firewatch incident`: declare, update, acknowledge, resolve and list incidents, through
//! the API.

use super::*;

#[derive(Debug, Subcommand)]
pub enum IncidentCommand {
    /// Declare an incident.
    Declare {
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
        #[arg(long)]
        summary: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Post a status update: investigating, identified, monitoring or resolved.
    Update {
        id: String,
        #[arg(long)]
        status: String,
        message: String,
        /// For the status page too (not only the team).
        #[arg(long)]
        public: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Acknowledge: someone is on it.
    Ack {
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    Resolve {
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Open incidents (or --state closed|all).
    List {
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
            let api = ApiClient::new(&client.url, &client.token)?;
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
            let api = ApiClient::new(&client.url, &client.token)?;
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
            let api = ApiClient::new(&client.url, &client.token)?;
            let path = format!("/api/v1/incidents/{}/acknowledge", urlencode(&id));
            println!(
                "{}",
                describe(&api.call(reqwest::Method::POST, &path).await?)
            );
        }
        IncidentCommand::Resolve { id, client } => {
            let api = ApiClient::new(&client.url, &client.token)?;
            let path = format!("/api/v1/incidents/{}/resolve", urlencode(&id));
            println!(
                "{}",
                describe(&api.call(reqwest::Method::POST, &path).await?)
            );
        }
        IncidentCommand::List { state, client } => {
            let api = ApiClient::new(&client.url, &client.token)?;
            let body = api
                .call(
                    reqwest::Method::GET,
                    &format!("/api/v1/incidents?state={}", urlencode(&state)),
                )
                .await?;
            let items = body["items"].as_array().cloned().unwrap_or_default();
            if items.is_empty() {
                println!("no {state} incidents");
            }
            for item in items {
                println!("{}", describe(&item));
            }
        }
    }
    Ok(())
}
