//! `firewatch change`: announce a change, approve or reject one, and wait for the answer, so a
//! pipeline can gate its work on a second person's approval.

use std::process::ExitCode;

use super::*;

#[derive(Debug, Subcommand)]
pub enum ChangeCommand {
    /// Tell the service's team before the work starts.
    Announce {
        /// What will change and why, in a sentence.
        summary: String,
        /// The service it changes, from `[[services]]`.
        #[arg(long)]
        service: String,
        /// Where, e.g. production.
        #[arg(long = "env")]
        environment: String,
        /// low, medium or high.
        #[arg(long)]
        risk: String,
        /// How to undo it.
        #[arg(long)]
        rollback: String,
        /// Someone other than you must approve it.
        #[arg(long)]
        needs_approval: bool,
        /// Then wait for the approval, as `change wait` does.
        #[arg(long)]
        wait: bool,
        /// How long --wait waits, e.g. 30m.
        #[arg(long, default_value = "30m")]
        timeout: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Approve a change someone else announced (the token must act as a user).
    Approve {
        /// The change's id, as `firewatch change list` shows it.
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Reject a change someone else announced (the token must act as a user).
    Reject {
        /// The change's id, as `firewatch change list` shows it.
        id: String,
        /// Why not, for the announcer and the channel.
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// The change announcements, newest first: announced, pending_approval, approved, rejected,
    /// expired or all.
    List {
        /// Only changes in this state: announced, pending_approval, approved, rejected or expired.
        #[arg(long, default_value = "all")]
        state: String,
        /// Only this service's changes.
        #[arg(long)]
        service: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Wait for a decision: exits 0 when approved, 1 when rejected, 2 when the timeout passes
    /// (or the approval expired).
    Wait {
        /// The change's id, as `firewatch change announce` printed it.
        id: String,
        /// How long to wait for an approval or a rejection, e.g. 30m (exit 1 when it runs out).
        #[arg(long, default_value = "30m")]
        timeout: String,
        #[command(flatten)]
        client: ClientArgs,
    },
}

fn describe(change: &serde_json::Value) -> String {
    format!(
        "{} {} ({} risk, {} in {}): {}",
        change["id"].as_str().unwrap_or("?"),
        change["state"].as_str().unwrap_or("?"),
        change["risk"].as_str().unwrap_or("?"),
        change["service"].as_str().unwrap_or("?"),
        change["environment"].as_str().unwrap_or("?"),
        change["summary"].as_str().unwrap_or("?"),
    )
}

/// How often `wait` asks.
const POLL: std::time::Duration = std::time::Duration::from_millis(500);

/// Waits on the server's clock: the timeout runs from the server's `now` at the first answer.
async fn wait(api: &ApiClient, id: &str, timeout: &str) -> anyhow::Result<ExitCode> {
    let timeout = crate::core::silence::parse_duration(timeout)
        .map_err(|error| anyhow::anyhow!("--timeout: {error}"))?;
    let path = format!("/api/v1/changes/{}", urlencode(id));
    let mut deadline: Option<jiff::Timestamp> = None;
    loop {
        let change = api.call(reqwest::Method::GET, &path).await?;
        let now: jiff::Timestamp = change["now"]
            .as_str()
            .and_then(|text| text.parse().ok())
            .unwrap_or_else(|| crate::clock::Clock::now(&crate::clock::SystemClock));
        let deadline = *deadline.get_or_insert(now.saturating_add(timeout).unwrap_or(now));
        match change["state"].as_str().unwrap_or_default() {
            "approved" | "announced" => {
                println!("{}", describe(&change));
                return Ok(ExitCode::from(0));
            }
            "rejected" => {
                println!("{}", describe(&change));
                if let Some(reason) = change["reason"].as_str() {
                    println!("reason: {reason}");
                }
                return Ok(ExitCode::from(1));
            }
            "expired" => {
                println!("{}", describe(&change));
                return Ok(ExitCode::from(2));
            }
            _ if now >= deadline => {
                eprintln!("timed out: nobody approved or rejected {id} in time");
                return Ok(ExitCode::from(2));
            }
            _ => tokio::time::sleep(POLL).await,
        }
    }
}

pub(super) async fn change(command: ChangeCommand) -> ExitCode {
    match run(command).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: ChangeCommand) -> anyhow::Result<ExitCode> {
    match command {
        ChangeCommand::Announce {
            summary,
            service,
            environment,
            risk,
            rollback,
            needs_approval,
            wait: then_wait,
            timeout,
            client,
        } => {
            let api = client.api()?;
            let body = serde_json::json!({
                "summary": summary, "service": service, "environment": environment,
                "risk": risk, "rollback": rollback, "needs_approval": needs_approval,
            });
            let change = api
                .send(reqwest::Method::POST, "/api/v1/changes", Some(&body))
                .await?;
            println!("{}", describe(&change));
            println!("{}", change["url"].as_str().unwrap_or_default());
            if then_wait {
                return wait(&api, change["id"].as_str().unwrap_or_default(), &timeout).await;
            }
            Ok(ExitCode::SUCCESS)
        }
        ChangeCommand::Approve { id, client } => {
            let api = client.api()?;
            let path = format!("/api/v1/changes/{}/approve", urlencode(&id));
            println!(
                "{}",
                describe(&api.call(reqwest::Method::POST, &path).await?)
            );
            Ok(ExitCode::SUCCESS)
        }
        ChangeCommand::Reject { id, reason, client } => {
            let api = client.api()?;
            let path = format!("/api/v1/changes/{}/reject", urlencode(&id));
            let body = serde_json::json!({ "reason": reason });
            println!(
                "{}",
                describe(&api.send(reqwest::Method::POST, &path, Some(&body)).await?)
            );
            Ok(ExitCode::SUCCESS)
        }
        ChangeCommand::List {
            state,
            service,
            client,
        } => {
            let api = client.api()?;
            let mut path = String::from("/api/v1/changes");
            let mut query = Vec::new();
            if state != "all" {
                query.push(format!("state={}", urlencode(&state)));
            }
            if let Some(service) = &service {
                query.push(format!("service={}", urlencode(service)));
            }
            if !query.is_empty() {
                path = format!("{path}?{}", query.join("&"));
            }
            let listed = api.call(reqwest::Method::GET, &path).await?;
            let items = listed["items"].as_array().cloned().unwrap_or_default();
            if items.is_empty() {
                println!("no change announcements");
            } else {
                println!("ID STATE (RISK, SERVICE IN ENVIRONMENT): SUMMARY");
                for change in &items {
                    println!("{}", describe(change));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ChangeCommand::Wait {
            id,
            timeout,
            client,
        } => {
            let api = client.api()?;
            wait(&api, &id, &timeout).await
        }
    }
}
