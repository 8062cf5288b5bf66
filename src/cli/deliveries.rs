//! `firewatch notifications`: dead letters and re-drives, through the API.

use super::*;

#[derive(Debug, Subcommand)]
pub enum NotificationsCommand {
    /// List notifications that gave up (dead letters).
    DeadLetters {
        #[command(flatten)]
        client: ClientArgs,
        /// Only this destination's dead letters.
        #[arg(long)]
        destination: Option<String>,
    },
    /// Put dead letters back in their queues: one by id, or all with --all.
    Redrive {
        /// The dead letter's id, as `firewatch notifications dead-letters` shows it.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<i64>,
        /// Every dead letter (of --destination, when given).
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
}

pub(super) async fn notifications(command: NotificationsCommand) -> anyhow::Result<()> {
    match command {
        NotificationsCommand::DeadLetters {
            client,
            destination,
        } => {
            let api = client.api()?;
            let mut cursor: Option<String> = None;
            let mut rows: Vec<Vec<String>> = Vec::new();
            loop {
                let mut path = "/api/v1/notifications?state=dead&limit=500".to_owned();
                if let Some(destination) = &destination {
                    path.push_str(&format!("&destination={}", urlencode(destination)));
                }
                if let Some(cursor) = &cursor {
                    path.push_str(&format!("&cursor={cursor}"));
                }
                let page = api.call(reqwest::Method::GET, &path).await?;
                for item in page["items"].as_array().into_iter().flatten() {
                    rows.push(vec![
                        item["id"].to_string(),
                        item["destination"].as_str().unwrap_or("-").to_owned(),
                        item["event_id"].as_str().unwrap_or("-").to_owned(),
                        item["attempts"].to_string(),
                        item["last_error"].as_str().unwrap_or("").to_owned(),
                    ]);
                }
                match page["next_cursor"].as_str() {
                    Some(next) => cursor = Some(next.to_owned()),
                    None => break,
                }
            }
            if rows.is_empty() {
                println!("no dead letters");
            } else {
                super::print_table(
                    &["ID", "DESTINATION", "EVENT", "ATTEMPTS", "LAST ERROR"],
                    &rows,
                    &[true, false, false, true],
                );
            }
        }
        NotificationsCommand::Redrive { id, all, client } => {
            let api = client.api()?;
            if all {
                let result = api
                    .call(reqwest::Method::POST, "/api/v1/notifications/redrive")
                    .await?;
                println!("re-driven: {}", result["redriven"]);
            } else if let Some(id) = id {
                api.call(
                    reqwest::Method::POST,
                    &format!("/api/v1/notifications/{id}/redrive"),
                )
                .await?;
                println!("re-driven: {id}");
            }
        }
    }
    Ok(())
}
