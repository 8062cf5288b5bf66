//! An incident's own chat channel, on each chat app with `incident_channels`: made when the
//! incident is declared (a job, so a platform that is down is retried), named from its number
//! and title, with its commander and whoever is on call for its services invited. The channel
//! is kept on the incident (`APP#CHANNEL`), so its notices are posted there too.

use std::collections::BTreeSet;

use jiff::Timestamp;

use crate::config::Config;
use crate::integrations::outbound::config::ChatAppConfig;
use crate::integrations::outbound::{mattermost, slack};
use crate::store::incidents::{Incident, Role};
use crate::store::{ClaimedJob, Store, StoreError};

#[derive(Debug, serde::Deserialize)]
struct Payload {
    incident: String,
    app: String,
}

/// Why a channel was not made: worth another try (the platform or the store failed), or not
/// until someone fixes the app (a refusal, recorded as a dead job).
#[derive(Debug)]
pub enum ChannelError {
    Retry(String),
    Refused(String),
}

impl From<StoreError> for ChannelError {
    fn from(error: StoreError) -> Self {
        ChannelError::Retry(format!("store error: {error}"))
    }
}

/// The job: makes the channel unless the incident has one on this app already, keeps it on
/// the incident, then invites and says what the channel is for (a failure there is logged: the
/// channel stands).
pub async fn open(
    client: &reqwest::Client,
    store: &Store,
    config: &Config,
    job: &ClaimedJob,
    now: Timestamp,
) -> Result<(), ChannelError> {
    let Ok(payload) = serde_json::from_str::<Payload>(&job.payload) else {
        tracing::warn!(payload = %job.payload, "incident_channel job with an unreadable payload");
        return Ok(());
    };
    let incident = match store.get_incident(&payload.incident).await {
        Ok(incident) => incident,
        Err(StoreError::NotFound) => return Ok(()),
        Err(error) => return Err(error.into()),
    };
    let prefix = format!("{}#", payload.app);
    if incident
        .chat_channels
        .iter()
        .any(|channel| channel.starts_with(&prefix))
    {
        return Ok(());
    }
    let Some(app) = config.chat_app(&payload.app) else {
        return Ok(());
    };
    let channel = create(client, app, &incident).await?;
    store
        .add_incident_chat_channel(&incident.id, &format!("{prefix}{channel}"))
        .await?;
    tracing::info!(incident = %incident.id, app = %payload.app, channel = %channel, "incident channel made");
    let members = members(store, config, app, &incident, now).await?;
    let intro = format!(
        "Incident #{}: {} ({}). Its updates are posted here.{} {}",
        incident.number,
        incident.title,
        incident.severity.as_str(),
        match app {
            ChatAppConfig::Slack(slack) => format!(
                " React to a message with :{}: to put it on the incident's timeline.",
                slack
                    .timeline_reaction
                    .as_deref()
                    .unwrap_or(DEFAULT_REACTION)
            ),
            ChatAppConfig::Mattermost(_) =>
                " `/fw note \"text\"` here puts a note on the incident's timeline.".to_owned(),
        },
        crate::incidents::notices::page_url(config, &incident.id),
    );
    let requests = match app {
        ChatAppConfig::Slack(slack) => {
            let mut requests = Vec::new();
            if !members.is_empty() {
                requests.push(slack::invite(client, slack, &channel, &members));
            }
            requests.push(slack::say(client, slack, &channel, &intro));
            requests
        }
        ChatAppConfig::Mattermost(mm) => members
            .iter()
            .map(|user| mattermost::add_member(client, mm, &channel, user))
            .chain([mattermost::say(client, mm, &channel, &intro)])
            .collect(),
    };
    for request in requests {
        if let Err(why) = send(request, app).await {
            tracing::warn!(incident = %incident.id, app = %payload.app, error = %why.1, "a call to the incident's channel failed");
        }
    }
    Ok(())
}

/// The reaction that marks a Slack message for the timeline when the app names none.
pub const DEFAULT_REACTION: &str = "pushpin";

/// Makes the channel; its id. A name already taken gets the incident's id as a suffix.
async fn create(
    client: &reqwest::Client,
    app: &ChatAppConfig,
    incident: &Incident,
) -> Result<String, ChannelError> {
    let name = slack::channel_name(incident.number, &incident.title);
    let suffix: String = incident
        .id
        .chars()
        .rev()
        .take(6)
        .collect::<String>()
        .to_lowercase();
    let mut last = String::new();
    for name in [
        name.clone(),
        format!("{}-{suffix}", name.chars().take(70).collect::<String>()),
    ] {
        let request = match app {
            ChatAppConfig::Slack(slack) => slack::create_channel(client, slack, &name),
            ChatAppConfig::Mattermost(mm) => mattermost::create_channel(
                client,
                mm,
                &name,
                &format!("#{} {}", incident.number, incident.title),
            ),
        };
        match send(request, app).await {
            Ok(answer) => {
                let id = match app {
                    ChatAppConfig::Slack(_) => answer["channel"]["id"].as_str(),
                    ChatAppConfig::Mattermost(_) => answer["id"].as_str(),
                };
                return id.map(str::to_owned).ok_or_else(|| {
                    ChannelError::Refused("the platform's answer names no channel".into())
                });
            }
            Err((_, code)) if is_taken(&code) => last = code,
            Err((true, why)) => return Err(ChannelError::Retry(why)),
            Err((false, why)) => return Err(ChannelError::Refused(why)),
        }
    }
    Err(ChannelError::Refused(format!(
        "the channel's name is taken: {last}"
    )))
}

fn is_taken(code: &str) -> bool {
    code == "name_taken" || code.contains("exists")
}

/// Sends a call and reads the answer: Slack's `ok` document, or Mattermost's created object;
/// an error is `(worth retrying, what went wrong)`.
async fn send(
    request: reqwest::RequestBuilder,
    app: &ChatAppConfig,
) -> Result<serde_json::Value, (bool, String)> {
    let response = request.send().await.map_err(|error| {
        (
            true,
            crate::integrations::outbound::describe_send_error(&error),
        )
    })?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    match app {
        ChatAppConfig::Slack(_) if status.is_success() => slack::web_api_answer(&body),
        ChatAppConfig::Slack(_) => Err((
            status.as_u16() == 429 || status.is_server_error(),
            format!("HTTP {}", status.as_u16()),
        )),
        ChatAppConfig::Mattermost(_) if status.is_success() => {
            Ok(serde_json::from_str(&body).unwrap_or_default())
        }
        ChatAppConfig::Mattermost(_) => {
            let answer: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            let id = answer["id"].as_str().unwrap_or_default().to_owned();
            Err((
                status.as_u16() == 429 || status.is_server_error(),
                if id.is_empty() {
                    format!("HTTP {}", status.as_u16())
                } else {
                    id
                },
            ))
        }
    }
}

/// The chat users to invite: the commander, and whoever is on call now for the incident's
/// services, each through their `chat` entry or the match kept for them.
async fn members(
    store: &Store,
    config: &Config,
    app: &ChatAppConfig,
    incident: &Incident,
    now: Timestamp,
) -> Result<Vec<String>, StoreError> {
    let mut people = BTreeSet::new();
    for holding in store.incident_roles(&incident.id).await? {
        if holding.role == Role::Commander && holding.until.is_none() {
            people.insert(holding.person);
        }
    }
    for service in &incident.services {
        let on_call = crate::oncall::views::on_call(
            store,
            config,
            crate::oncall::views::Scope::Service(service),
            now,
        )
        .await;
        match on_call {
            Ok(entries) => people.extend(entries.into_iter().map(|entry| entry.person)),
            Err(crate::oncall::views::ViewError::Store(error)) => return Err(error),
            Err(_) => {}
        }
    }
    let mut users = Vec::new();
    for person in people {
        let linked = config.person(&person).and_then(|p| {
            p.chat
                .iter()
                .find(|link| link.app == app.name())
                .map(|link| link.user.clone())
        });
        let user = match linked {
            Some(user) => Some(user),
            None => store.chat_user_of(app.name(), &person).await?,
        };
        users.extend(user);
    }
    Ok(users)
}
