//! `/chat/…`: what chat platforms send Firewatch. `POST /chat/slack/{app}/interactions` is a
//! Slack app's interactivity URL: a request signed with the app's signing secret (else 401
//! `invalid_signature`), whose button clicks act as the person the Slack user is linked to
//! (`[[people]] chat`), through the same operations and role checks as the web UI. The click
//! is answered at once; the message changes when the alert's notice updates it, and a
//! refusal is said to that user alone (`chat.postEphemeral`).

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

use super::error::ApiError;
use super::{AppState, PathText};
use crate::config::Config;
use crate::core::alert::AlertChange;
use crate::core::role::Role;
use crate::integrations::inbound::slack_app::{self, Action};
use crate::integrations::outbound::config::{ChatAppConfig, SlackApp};
use crate::store::StoreError;

pub async fn slack_interactions(
    State(state): State<AppState>,
    PathText(app_name): PathText,
    headers: HeaderMap,
    super::RequestBody(body): super::RequestBody,
) -> Result<StatusCode, ApiError> {
    let config = state.config.current();
    let Some(ChatAppConfig::Slack(app)) = config.chat_app(&app_name) else {
        return Err(ApiError::not_found("slack chat app"));
    };
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let secret = app.signing_secret.as_deref().unwrap_or_default();
    // An app without a signing secret takes no requests: nothing it receives can be trusted.
    if secret.is_empty() {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_signature",
            "the chat app has no signing_secret, so it takes no requests",
        ));
    }
    slack_app::verify(
        secret,
        header("x-slack-request-timestamp"),
        header("x-slack-signature"),
        &body,
        state.clock.now(),
    )
    .map_err(|why| ApiError::new(StatusCode::UNAUTHORIZED, "invalid_signature", why))?;
    let payload = slack_app::block_actions(&body).map_err(ApiError::bad_parameter)?;
    if payload.kind != "block_actions" {
        // Modals and message shortcuts come later; Slack wants a 200 either way.
        return Ok(StatusCode::OK);
    }
    for action in &payload.actions {
        let said = act(&state, &config, &app_name, &payload.user.id, action).await?;
        if let (Some(said), Some(channel)) = (said, &payload.channel) {
            tell(
                app.clone(),
                channel.id.clone(),
                payload.user.id.clone(),
                said,
            );
        }
    }
    Ok(StatusCode::OK)
}

/// Does what the button says as the linked person; what to tell them when it did not.
async fn act(
    state: &AppState,
    config: &Config,
    app: &str,
    chat_user: &str,
    action: &Action,
) -> Result<Option<String>, ApiError> {
    let change = match action.action_id.as_str() {
        "ack" => AlertChange::Acknowledged,
        "resolve" => AlertChange::Resolved,
        other => return Ok(Some(format!("Firewatch has no button \"{other}\"."))),
    };
    let Some(alert) = action
        .value
        .as_deref()
        .and_then(|value| value.strip_prefix("alert:"))
    else {
        return Ok(Some("That button names no alert.".into()));
    };
    let Some(person) = config.person_for_chat(app, chat_user) else {
        return Ok(Some(format!(
            "Firewatch does not know who you are here, so it did nothing. Ask an admin to add \
             `chat = [ {{ app = \"{app}\", user = \"{chat_user}\" }} ]` to your [[people]] entry."
        )));
    };
    let Some(user_name) = person.user.as_deref() else {
        return Ok(Some(format!(
            "Your [[people]] entry ({}) names no web UI user, so Firewatch cannot tell your role; \
             it did nothing.",
            person.id
        )));
    };
    let users = state.store.list_users().await.map_err(ApiError::from)?;
    let Some(user) = users
        .into_iter()
        .find(|user| user.name == user_name && user.disabled_at.is_none())
    else {
        return Ok(Some(format!(
            "The web UI user \"{user_name}\" does not exist or is disabled; Firewatch did nothing."
        )));
    };
    if !user
        .role
        .parse::<Role>()
        .is_ok_and(|role| role.allows(Role::Responder))
    {
        return Ok(Some(
            "Acknowledging and resolving needs the responder role; yours is viewer.".into(),
        ));
    }
    let by = format!("user:{}", user.name);
    match crate::alerts::ops::change_alert(state, alert, change, &by).await {
        Ok(Some(_)) => {
            tracing::info!(alert = %alert, by = %by, change = change.as_str(), "alert changed from Slack");
            Ok(None)
        }
        Ok(None) => Ok(Some(format!(
            "Nothing changed: the alert cannot be {} in its state now.",
            change.as_str()
        ))),
        Err(StoreError::NotFound) => Ok(Some("That alert no longer exists.".into())),
        Err(error) => Err(error.into()),
    }
}

/// Says `text` to `user` alone, after the answer (Slack wants one within 3 seconds).
fn tell(app: SlackApp, channel: String, user: String, text: String) {
    tokio::spawn(async move {
        let Ok(client) = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
        else {
            return;
        };
        let request = crate::integrations::outbound::slack::post_ephemeral(
            &client, &app, &channel, &user, &text,
        );
        if let Err(error) = request.send().await {
            tracing::warn!(app = %app.name, error = %crate::integrations::outbound::describe_send_error(&error), "an ephemeral answer to Slack failed");
        }
    });
}
