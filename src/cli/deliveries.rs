//! `firewatch notifications`: dead letters and re-drives, through the API.

use super::*;

#[derive(Debug, Subcommand)]
pub enum NotificationsCommand {
    /// List notifications that gave up (dead letters).
    DeadLetters {
        #[command(flatten)]
        client: ClientArgs,
        #[arg(long)]
        destination: Option<String>,
    },
    /// Put dead letters back in their queues: one by id, or all with --all.
    Redrive {
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<i64>,
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
            println!(
                "{:<8} {:<20} {:<38} {:<8} LAST ERROR",
                "ID", "DESTINATION", "EVENT", "ATTEMPTS"
            );
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
                    println!(
                        "{:<8} {:<20} {:<38} {:<8} {}",
                        item["id"],
                        item["destination"].as_str().unwrap_or("-"),
                        item["event_id"].as_str().unwrap_or("-"),
                        item["attempts"],
                        item["last_error"].as_str().unwrap_or("")
                    );
                }
                match page["next_cursor"].as_str() {
                    Some(next) => cursor = Some(next.to_owned()),
                    None => break,
                }
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
