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
use crate::core::audit::{Actor, Channel};
use crate::core::role::Role;
use crate::i18n::Locale;
use crate::integrations::inbound::slack_app::{self, Action};
use crate::integrations::outbound::config::{ChatAppConfig, SlackApp};
use crate::integrations::outbound::form::{Field, Form};
use crate::store::StoreError;

/// 401 `invalid_signature`: the request is not shown to come from the platform, or from a
/// button Firewatch made, and nothing is done.
fn unsigned(why: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "invalid_signature", why)
}

/// The Slack app `name`, once the request is known to come from Slack for it.
fn verified_slack_app(
    state: &AppState,
    config: &Config,
    name: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<SlackApp, ApiError> {
    let Some(ChatAppConfig::Slack(app)) = config.chat_app(name) else {
        return Err(ApiError::not_found("slack chat app"));
    };
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let secret = app.signing_secret.as_deref().unwrap_or_default();
    // An app without a signing secret takes no requests: nothing it receives can be trusted.
    if secret.is_empty() {
        return Err(unsigned(
            "the chat app has no signing_secret, so it takes no requests",
        ));
    }
    slack_app::verify(
        secret,
        header("x-slack-request-timestamp"),
        header("x-slack-signature"),
        body,
        state.clock.now(),
    )
    .map_err(unsigned)?;
    Ok(app.clone())
}

pub async fn slack_interactions(
    State(state): State<AppState>,
    PathText(app_name): PathText,
    headers: HeaderMap,
    super::RequestBody(body): super::RequestBody,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse as _;
    let config = state.config.current();
    let app = verified_slack_app(&state, &config, &app_name, &headers, &body)?;
    let payload = slack_app::interaction(&body).map_err(ApiError::bad_parameter)?;
    once(&state, &app_name, slack_mark(&headers)).await?;
    let chat_user = payload.user.id.as_str();
    match (payload.kind.as_str(), &payload.view) {
        ("block_actions", _) => {}
        ("view_submission", Some(view)) if view.callback_id == UPDATE_FORM => {
            let posted = post_update(
                &state,
                &config,
                &app_name,
                chat_user,
                &view.private_metadata,
                &view.values(),
            )
            .await?;
            // Slack shows the errors under their fields and keeps the modal open.
            return Ok(match posted {
                Ok(()) => StatusCode::OK.into_response(),
                Err((field, why)) => axum::Json(serde_json::json!({
                    "response_action": "errors",
                    "errors": { field: why },
                }))
                .into_response(),
            });
        }
        // Other modals and shortcuts are not Firewatch's; Slack wants a 200 either way.
        _ => return Ok(StatusCode::OK.into_response()),
    }
    for action in &payload.actions {
        let said = match act(&state, &config, &app_name, chat_user, action, None).await? {
            Answer::Done => None,
            Answer::Say(said) => Some(said),
            Answer::Form(form, subject) => {
                let trigger = payload.trigger_id.as_deref().unwrap_or_default();
                let view = crate::integrations::outbound::slack::modal(&form, &subject);
                show_form(
                    crate::integrations::outbound::slack::open_view(
                        &form_client(),
                        &app,
                        trigger,
                        &view,
                    ),
                    &app_name,
                )
                .await
            }
        };
        if let (Some(said), Some(channel)) = (said, &payload.channel) {
            tell(app.clone(), channel.id.clone(), chat_user.to_owned(), said);
        }
    }
    Ok(StatusCode::OK.into_response())
}

/// What a click comes to once done: nothing more to say (the message changes when the notice
/// updates it), a sentence for the clicker alone, or a form to show them about a subject.
enum Answer {
    Done,
    Say(String),
    Form(Form, String),
}

impl From<Option<String>> for Answer {
    fn from(said: Option<String>) -> Answer {
        said.map_or(Answer::Done, Answer::Say)
    }
}

/// The form's callback for an incident's status update.
const UPDATE_FORM: &str = "incident_update";

/// Shows a form (`views.open`, `actions/dialogs/open`) while the click's trigger is fresh;
/// what to tell the clicker when the platform refused.
async fn show_form(request: reqwest::RequestBuilder, app: &str) -> Option<String> {
    let failed = match request.send().await {
        Ok(response) if response.status().is_success() => {
            let body = response.text().await.unwrap_or_default();
            // Slack answers 200 with `ok: false`; Mattermost's 200 is success.
            match serde_json::from_str::<serde_json::Value>(&body) {
                Ok(answer) if answer["ok"] == false => answer["error"]
                    .as_str()
                    .unwrap_or("unknown_error")
                    .to_owned(),
                _ => return None,
            }
        }
        Ok(response) => format!("HTTP {}", response.status().as_u16()),
        Err(error) => crate::integrations::outbound::describe_send_error(&error),
    };
    tracing::warn!(app, error = %failed, "a chat platform did not open Firewatch's form");
    Some(format!(
        "The form did not open ({failed}); post the update on the incident's page instead."
    ))
}

/// The client for opening a form: its trigger lives three seconds.
fn form_client() -> reqwest::Client {
    chat_client(Duration::from_secs(2)).unwrap_or_default()
}

/// The language a chat answer is in: the clicker's person's, else `fallback` (a KakaoWork
/// destination's), else the server's.
fn answer_locale(config: &Config, app: &str, chat_user: &str, fallback: Option<Locale>) -> Locale {
    config
        .person_for_chat(app, chat_user)
        .and_then(|person| person.locale)
        .or(fallback)
        .unwrap_or(config.server.locale)
}

/// Does what the button says as the linked person.
async fn act(
    state: &AppState,
    config: &Config,
    app: &str,
    chat_user: &str,
    action: &Action,
    locale: Option<Locale>,
) -> Result<Answer, ApiError> {
    let value = action.value.as_deref().unwrap_or_default();
    let locale = answer_locale(config, app, chat_user, locale);
    let say = |key: &str| Answer::Say(locale.text(key));
    if let Some(change) = value.strip_prefix("change:") {
        return decide_change(
            state,
            config,
            app,
            chat_user,
            &action.action_id,
            change,
            locale,
        )
        .await
        .map(Answer::from);
    }
    // Everything else acts on alerts, pages and incidents: a responder's work.
    let by = match linked_user(state, config, app, chat_user, Role::Responder, locale).await? {
        Ok(linked) => Actor::new(linked.by(), Channel::Chat),
        Err(why) => return Ok(Answer::Say(why)),
    };
    if let Some(escalation) = value.strip_prefix("escalation:") {
        return act_on_escalation(state, &action.action_id, escalation, &by, locale).await;
    }
    if let Some(incident) = value.strip_prefix("incident:") {
        return act_on_incident(state, &action.action_id, incident, &by, locale).await;
    }
    let change = match action.action_id.as_str() {
        "ack" => Some(AlertChange::Acknowledged),
        "resolve" => Some(AlertChange::Resolved),
        "escalate" => None,
        other => {
            return Ok(Answer::Say(
                locale.text_with("chat-answer-no-button", &[("button", other.into())]),
            ));
        }
    };
    let Some(alert) = value.strip_prefix("alert:") else {
        return Ok(say("chat-answer-no-alert"));
    };
    let Some(change) = change else {
        return Ok(
            match crate::oncall::ops::escalate_alert_now(state, alert, &by.by).await? {
                0 => say("chat-answer-nothing-to-escalate"),
                _ => say("chat-answer-escalated"),
            },
        );
    };
    match crate::alerts::ops::change_alert(state, alert, change, &by).await {
        Ok(Some(_)) => {
            tracing::info!(alert = %alert, by = %by, change = change.as_str(), "alert changed from chat");
            Ok(Answer::Done)
        }
        Ok(None) => Ok(say(match change {
            AlertChange::Resolved => "chat-answer-alert-unchanged-resolve",
            _ => "chat-answer-alert-unchanged-acknowledge",
        })),
        Err(StoreError::NotFound) => Ok(say("chat-answer-alert-gone")),
        Err(error) => Err(error.into()),
    }
}

/// Acknowledge, Resolve or Escalate now on a page.
async fn act_on_escalation(
    state: &AppState,
    action: &str,
    escalation: &str,
    by: &Actor,
    locale: Locale,
) -> Result<Answer, ApiError> {
    let say = |key: &str| Answer::Say(locale.text(key));
    let done = match action {
        "ack" => crate::oncall::ops::acknowledge(state, escalation, by).await,
        "resolve" => crate::oncall::ops::resolve(state, escalation, by).await,
        "escalate" => {
            return Ok(
                match crate::oncall::ops::escalate_now(state, escalation, &by.by).await {
                    Ok(Some(_)) => say("chat-answer-escalated"),
                    Ok(None) => say("chat-answer-page-nothing-to-escalate"),
                    Err(StoreError::NotFound) => say("chat-answer-page-gone"),
                    Err(error) => return Err(error.into()),
                },
            );
        }
        other => {
            return Ok(Answer::Say(locale.text_with(
                "chat-answer-no-page-button",
                &[("button", other.into())],
            )));
        }
    };
    // A page's message is not updated in place (each step posts its own), so say what happened.
    match done {
        Ok(Some(_)) if action == "ack" => Ok(say("chat-answer-page-acknowledged")),
        Ok(Some(_)) => Ok(say("chat-answer-page-resolved")),
        Ok(None) => Ok(say("chat-answer-page-unchanged")),
        Err(StoreError::NotFound) => Ok(say("chat-answer-page-gone")),
        Err(error) => Err(error.into()),
    }
}

/// Acknowledge, Resolve or Post update on an incident's declaration.
async fn act_on_incident(
    state: &AppState,
    action: &str,
    incident: &str,
    by: &Actor,
    locale: Locale,
) -> Result<Answer, ApiError> {
    match action {
        "ack" | "resolve" => Ok(match incident_action(state, action, incident, by).await? {
            Ok(_) => Answer::Done,
            Err(why) => Answer::Say(why),
        }),
        "update" => match state.store.get_incident(incident).await {
            Ok(found) if found.state.is_open() => Ok(Answer::Form(
                update_form(&found, locale),
                format!("incident:{}", found.id),
            )),
            Ok(found) => Ok(Answer::Say(
                locale.text_with(
                    "chat-answer-incident-closed",
                    &[
                        ("number", found.number.into()),
                        (
                            "state",
                            locale
                                .text(&format!("state-{}", found.state.as_str()))
                                .into(),
                        ),
                    ],
                ),
            )),
            Err(StoreError::NotFound) => Ok(Answer::Say(locale.text("chat-answer-incident-gone"))),
            Err(error) => Err(error.into()),
        },
        other => Ok(Answer::Say(locale.text_with(
            "chat-answer-no-incident-button",
            &[("button", other.into())],
        ))),
    }
}

/// Acknowledges (with its alerts) or resolves an incident by id or number; the incident, or
/// the sentence that says why nothing changed.
async fn incident_action(
    state: &AppState,
    verb: &str,
    key: &str,
    by: &Actor,
) -> Result<Result<crate::store::incidents::Incident, String>, ApiError> {
    use crate::incidents::ops::IncidentError;
    let done = if verb == "ack" {
        crate::alerts::ops::acknowledge_incident(state, key, by).await
    } else {
        crate::incidents::ops::resolve(state, key, by).await
    };
    match done {
        Ok(incident) => Ok(Ok(incident)),
        Err(IncidentError::Store(StoreError::NotFound)) => {
            let shown = if key.chars().all(|c| c.is_ascii_digit()) {
                format!("#{key}")
            } else {
                key.to_owned()
            };
            Ok(Err(format!("There is no incident {shown}.")))
        }
        Err(IncidentError::Refused(why) | IncidentError::Invalid(why)) => {
            Ok(Err(format!("Nothing changed: {why}.")))
        }
        Err(error) => Err(error.into()),
    }
}

/// The status update form: the public vocabulary's status (the one the incident's state
/// implies at first), the message, and whether the status page shows it.
fn update_form(incident: &crate::store::incidents::Incident, locale: Locale) -> Form {
    use crate::core::incident::{State as IncidentState, UpdateStatus};
    let statuses = [
        UpdateStatus::Investigating,
        UpdateStatus::Identified,
        UpdateStatus::Monitoring,
        UpdateStatus::Resolved,
    ];
    let initial = if incident.state == IncidentState::Mitigated {
        UpdateStatus::Monitoring
    } else {
        UpdateStatus::Investigating
    };
    Form {
        callback: UPDATE_FORM,
        title: locale.text("chat-form-title"),
        submit: locale.text("chat-form-submit"),
        cancel: locale.text("action-cancel"),
        fields: vec![
            Field::Choice {
                name: "status",
                label: locale.text("chat-form-status"),
                options: statuses
                    .iter()
                    .map(|status| {
                        (
                            status.as_str().to_owned(),
                            locale.text(&format!("incident-status-{}", status.as_str())),
                        )
                    })
                    .collect(),
                initial: Some(initial.as_str().to_owned()),
            },
            Field::Text {
                name: "message",
                label: locale.text("chat-form-message"),
                max: UPDATE_LENGTH,
            },
            Field::Check {
                name: "public",
                label: locale.text("nav-status-components"),
                text: locale.text("chat-form-public"),
            },
        ],
    }
}

/// Slack's longest plain text input.
const UPDATE_LENGTH: usize = 3000;

/// A submitted update form, posted as the linked person through `incidents::ops::update`;
/// a refusal names the field to show it under.
async fn post_update(
    state: &AppState,
    config: &Config,
    app: &str,
    chat_user: &str,
    subject: &str,
    values: &std::collections::BTreeMap<String, String>,
) -> Result<Result<(), (&'static str, String)>, ApiError> {
    use crate::incidents::ops::IncidentError;
    let locale = answer_locale(config, app, chat_user, None);
    let by = match linked_user(state, config, app, chat_user, Role::Responder, locale).await? {
        Ok(linked) => linked.by(),
        Err(why) => return Ok(Err(("message", why))),
    };
    let Some(incident) = subject.strip_prefix("incident:") else {
        return Ok(Err(("message", "The form names no incident.".into())));
    };
    let value = |name: &str| values.get(name).map(String::as_str).unwrap_or_default();
    let Some(status) = crate::core::incident::UpdateStatus::parse(value("status")) else {
        return Ok(Err(("status", "Choose a status.".into())));
    };
    let public = value("public") == "true";
    let by = Actor::new(by, Channel::Chat);
    match crate::incidents::ops::update(state, incident, status, value("message"), public, &by)
        .await
    {
        Ok(_) => Ok(Ok(())),
        Err(IncidentError::Invalid(why) | IncidentError::Refused(why)) => {
            Ok(Err(("message", format!("Not posted: {why}."))))
        }
        Err(IncidentError::Store(StoreError::NotFound)) => {
            Ok(Err(("message", "That incident no longer exists.".into())))
        }
        Err(error) => Err(error.into()),
    }
}

/// Approve or Reject on a change's announcement, with the two-person rule: the announcer's
/// own click is refused and told why.
async fn decide_change(
    state: &AppState,
    config: &Config,
    app: &str,
    chat_user: &str,
    action: &str,
    change: &str,
    locale: Locale,
) -> Result<Option<String>, ApiError> {
    use crate::changes::ops::{ChangeError, Decision, Identity};
    let decision = match action {
        "approve" => Decision::Approve,
        "reject" => Decision::Reject { reason: None },
        other => {
            return Ok(Some(locale.text_with(
                "chat-answer-no-change-button",
                &[("button", other.into())],
            )));
        }
    };
    // The role is the two-person rule's to check, with its own sentence.
    let linked = match linked_user(state, config, app, chat_user, Role::Viewer, locale).await? {
        Ok(linked) => linked,
        Err(why) => return Ok(Some(why)),
    };
    let who = Identity {
        by: linked.by(),
        user: Some(linked.name),
        role: Some(linked.role),
        minted_by: None,
        channel: Channel::Chat,
    };
    match crate::changes::ops::decide_change(state, change, decision, &who).await {
        Ok(_) => Ok(None),
        Err(ChangeError::Refused(why)) => Ok(Some(locale.text_with(
            "chat-answer-unchanged-why",
            &[("why", why.to_string().into())],
        ))),
        Err(ChangeError::Invalid(why)) => Ok(Some(
            locale.text_with("chat-answer-unchanged-why", &[("why", why.into())]),
        )),
        Err(ChangeError::Store(StoreError::NotFound)) => {
            Ok(Some(locale.text("chat-answer-change-gone")))
        }
        Err(ChangeError::Store(error)) => Err(error.into()),
    }
}

/// Who a chat user is in Firewatch: `user:NAME` of the web UI user their person names, when
/// that user has at least `needed`; otherwise the sentence that says why Firewatch did nothing.
async fn linked_user(
    state: &AppState,
    config: &Config,
    app: &str,
    chat_user: &str,
    needed: Role,
    locale: Locale,
) -> Result<Result<Linked, String>, ApiError> {
    let person = match config.person_for_chat(app, chat_user) {
        Some(person) => Some(person),
        None => match by_email(state, config, app, chat_user).await? {
            Some(id) => config.person(&id),
            None => None,
        },
    };
    let Some(person) = person else {
        let entry = format!("`chat = [ {{ app = \"{app}\", user = \"{chat_user}\" }} ]`");
        return Ok(Err(
            match crate::accounts::chat_link::url(config, app, chat_user, state.clock.now()) {
                Some(url) => locale.text_with(
                    "chat-answer-unknown-link",
                    &[("url", url.into()), ("entry", entry.into())],
                ),
                None => locale.text_with("chat-answer-unknown", &[("entry", entry.into())]),
            },
        ));
    };
    let Some(user_name) = person.user.as_deref() else {
        return Ok(Err(format!(
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
        return Ok(Err(format!(
            "The web UI user \"{user_name}\" does not exist or is disabled; Firewatch did nothing."
        )));
    };
    let role = user.role.parse::<Role>().unwrap_or(Role::Viewer);
    if !role.allows(needed) {
        return Ok(Err(locale.text_with(
            "chat-answer-role",
            &[
                (
                    "needed",
                    locale.text(&format!("role-{}", needed.as_str())).into(),
                ),
                (
                    "role",
                    locale.text(&format!("role-{}", role.as_str())).into(),
                ),
            ],
        )));
    }
    Ok(Ok(Linked {
        name: user.name,
        role,
    }))
}

/// The web UI user a chat user acts as.
struct Linked {
    name: String,
    role: Role,
}

impl Linked {
    /// How the record names them, as it names a signed-in person: `user:NAME`.
    fn by(&self) -> String {
        format!("user:{}", self.name)
    }
}

/// People matched by email at most this many at a time, so a click is answered in time.
const EMAIL_LOOKUPS: usize = 50;

/// How long the lookups may take together, inside Slack's three seconds.
const EMAIL_LOOKUP_DEADLINE: Duration = Duration::from_millis(1500);

/// The person a chat user is by email: one matched before, or, failing that, the people with
/// an email and no explicit `chat` entry for the app, each looked up on the platform (Slack's
/// `users.lookupByEmail`, Mattermost's `users/email`); every match is kept.
async fn by_email(
    state: &AppState,
    config: &Config,
    app_name: &str,
    chat_user: &str,
) -> Result<Option<String>, ApiError> {
    if let Some(person) = state.store.chat_person(app_name, chat_user).await? {
        return Ok(Some(person));
    }
    use crate::integrations::outbound::config::DestinationConfig;
    let kakaowork = match config.destination(app_name) {
        Some(DestinationConfig::Kakaowork(kakaowork)) => Some(kakaowork),
        _ => None,
    };
    let app = config.chat_app(app_name);
    if app.is_none() && kakaowork.is_none() {
        return Ok(None);
    }
    let Some(client) = chat_client(Duration::from_secs(2)) else {
        return Ok(None);
    };
    let candidates = config
        .people
        .iter()
        .filter(|person| !person.chat.iter().any(|link| link.app == app_name))
        .filter_map(|person| person.email.as_deref().map(|email| (person, email)))
        .take(EMAIL_LOOKUPS);
    // All at once, and no longer than the deadline together: Slack waits three seconds.
    let mut lookups = tokio::task::JoinSet::new();
    for (person, email) in candidates {
        let (request, read): (reqwest::RequestBuilder, fn(&str) -> Option<String>) = match app {
            None => match kakaowork {
                Some(kakaowork) => (
                    crate::integrations::outbound::kakaowork::find_by_email(
                        &client, kakaowork, email,
                    ),
                    crate::integrations::outbound::kakaowork::found,
                ),
                None => continue,
            },
            Some(ChatAppConfig::Slack(slack)) => (
                crate::integrations::outbound::slack::lookup_by_email(&client, slack, email),
                crate::integrations::outbound::slack::looked_up,
            ),
            Some(ChatAppConfig::Mattermost(mattermost)) => (
                crate::integrations::outbound::mattermost::user_by_email(
                    &client, mattermost, email,
                ),
                crate::integrations::outbound::mattermost::looked_up,
            ),
        };
        let person = person.id.clone();
        lookups.spawn(async move {
            let response = request.send().await.ok()?;
            if !response.status().is_success() {
                return None;
            }
            let found = read(&response.text().await.ok()?)?;
            Some((found, person))
        });
    }
    let mut matches = Vec::new();
    let deadline = tokio::time::Instant::now() + EMAIL_LOOKUP_DEADLINE;
    while let Ok(Some(done)) = tokio::time::timeout_at(deadline, lookups.join_next()).await {
        if let Ok(Some(found)) = done {
            matches.push(found);
        }
    }
    if !matches.is_empty() {
        state
            .store
            .remember_chat_users(app_name, &matches, state.clock.now())
            .await?;
    }
    Ok(matches
        .into_iter()
        .find(|(found, _)| found == chat_user)
        .map(|(_, person)| person))
}

/// `POST /chat/slack/{app}/events`: the app's Events API request URL, signed like the rest.
/// It answers Slack's `url_verification` with its challenge; a `reaction_added` of the app's
/// `timeline_reaction` (📌 by default) on a message in an incident's channel puts that
/// message on the incident's timeline, starred, as said by its author. Each event acts once
/// (Slack resends those it thinks were missed).
pub async fn slack_events(
    State(state): State<AppState>,
    PathText(app_name): PathText,
    headers: HeaderMap,
    super::RequestBody(body): super::RequestBody,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse as _;
    let config = state.config.current();
    let app = verified_slack_app(&state, &config, &app_name, &headers, &body)?;
    let envelope: serde_json::Value = super::json_body(&body, "Slack's event")?;
    match envelope["type"].as_str() {
        Some("url_verification") => {
            return Ok(
                axum::Json(serde_json::json!({ "challenge": envelope["challenge"] }))
                    .into_response(),
            );
        }
        Some("event_callback") => {}
        _ => return Ok(StatusCode::OK.into_response()),
    }
    let event = &envelope["event"];
    let reaction = app
        .timeline_reaction
        .as_deref()
        .unwrap_or(crate::oncall::channels::DEFAULT_REACTION);
    let (Some(channel), Some(ts)) = (
        event["item"]["channel"].as_str(),
        event["item"]["ts"].as_str(),
    ) else {
        return Ok(StatusCode::OK.into_response());
    };
    if event["type"] != "reaction_added"
        || event["reaction"] != reaction
        || event["item"]["type"] != "message"
    {
        return Ok(StatusCode::OK.into_response());
    }
    let Some(incident) = state
        .store
        .incident_of_chat_channel(&format!("{app_name}#{channel}"))
        .await?
    else {
        return Ok(StatusCode::OK.into_response());
    };
    let event_id = envelope["event_id"].as_str().unwrap_or_default();
    if !first_time(&state, &app_name, &format!("event:{event_id}")).await? {
        return Ok(StatusCode::OK.into_response());
    }
    // The reaction names the message, not its words: read it (within Slack's 3 seconds).
    let client = form_client();
    let request = crate::integrations::outbound::slack::message_at(&client, &app, channel, ts);
    let answer = match request.send().await {
        Ok(response) => response.text().await.unwrap_or_default(),
        Err(error) => {
            tracing::warn!(app = %app_name, error = %crate::integrations::outbound::describe_send_error(&error), "reading a marked message failed");
            return Ok(StatusCode::OK.into_response());
        }
    };
    let message = crate::integrations::outbound::slack::web_api_answer(&answer)
        .ok()
        .and_then(|answer| {
            answer["messages"]
                .as_array()
                .and_then(|messages| messages.iter().find(|m| m["ts"] == ts).cloned())
        });
    let Some(message) = message else {
        tracing::warn!(app = %app_name, channel, ts, "a marked message could not be read");
        return Ok(StatusCode::OK.into_response());
    };
    let author = message["user"].as_str().unwrap_or_default();
    let by = chat_author(&state, &config, &app_name, author).await?;
    let text = message["text"].as_str().unwrap_or_default();
    let by = Actor::new(by, Channel::Chat);
    match crate::incidents::ops::note(&state, &incident, text, true, &by).await {
        Ok(_) | Err(crate::incidents::ops::IncidentError::Invalid(_)) => {}
        Err(error) => return Err(error.into()),
    }
    Ok(StatusCode::OK.into_response())
}

/// How the timeline names a chat message's author: their web UI user as `user:NAME` when they
/// are linked to a person who has one, else the person, else the chat user itself.
async fn chat_author(
    state: &AppState,
    config: &Config,
    app: &str,
    chat_user: &str,
) -> Result<String, ApiError> {
    let person = match config.person_for_chat(app, chat_user) {
        Some(person) => Some(person),
        None => state
            .store
            .chat_person(app, chat_user)
            .await?
            .and_then(|id| config.person(&id)),
    };
    Ok(match person {
        Some(person) => match &person.user {
            Some(user) => format!("user:{user}"),
            None => person.id.clone(),
        },
        None => format!("{app}:{chat_user}"),
    })
}

/// Refuses a request already acted on (401 `replayed_request`): a replay changes nothing.
async fn once(state: &AppState, app: &str, mark: &str) -> Result<(), ApiError> {
    if first_time(state, app, mark).await? {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::UNAUTHORIZED,
        "replayed_request",
        "this request was acted on when it first came; a replay is refused",
    ))
}

/// Whether a request with this mark is new; a replay of one already acted on is not.
async fn first_time(state: &AppState, app: &str, mark: &str) -> Result<bool, ApiError> {
    let first = state
        .store
        .first_chat_request(app, mark, state.clock.now())
        .await?;
    if !first {
        tracing::warn!(
            app,
            "a chat platform's request came again and was not acted on"
        );
    }
    Ok(first)
}

/// A Slack request's mark: its signature, which covers its timestamp and body.
fn slack_mark(headers: &HeaderMap) -> &str {
    headers
        .get("x-slack-signature")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

/// A Mattermost request's mark: the hash of its body, which names a fresh trigger each time
/// Mattermost sends one, so only a replay repeats it.
fn body_mark(body: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(body))
}

/// `POST /chat/slack/{app}/commands`: the `/fw` slash command, signed like every request from
/// Slack. Its answer is the response itself (Slack shows it within its 3 seconds): only to
/// whoever typed it, except a declaration, which the channel sees.
pub async fn slack_commands(
    State(state): State<AppState>,
    PathText(app_name): PathText,
    headers: HeaderMap,
    super::RequestBody(body): super::RequestBody,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let config = state.config.current();
    verified_slack_app(&state, &config, &app_name, &headers, &body)?;
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|error| ApiError::bad_parameter(format!("the body is not a form: {error}")))?;
    once(&state, &app_name, slack_mark(&headers)).await?;
    let answer = command(&state, &config, &app_name, &Typed::from_form(&form, "*")).await?;
    Ok(axum::Json(answer.json()))
}

/// A typed `/fw`: who typed it, the command as they named it, its words, and how the
/// platform marks bold text (Slack `*`, Mattermost `**`).
struct Typed<'a> {
    user: &'a str,
    /// The channel it was typed in.
    channel: &'a str,
    slash: &'a str,
    text: &'a str,
    strong: &'static str,
}

impl<'a> Typed<'a> {
    /// From the form both platforms post (`user_id`, `command`, `text`).
    fn from_form(form: &'a [(String, String)], strong: &'static str) -> Typed<'a> {
        let field = |name: &str| {
            form.iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
                .unwrap_or_default()
        };
        Typed {
            user: field("user_id"),
            channel: field("channel_id"),
            slash: field("command"),
            text: field("text"),
            strong,
        }
    }

    fn slash(&self) -> &str {
        if self.slash.is_empty() {
            "/fw"
        } else {
            self.slash
        }
    }
}

/// A command's answer: whether the channel sees it, and what it says.
struct Said {
    in_channel: bool,
    text: String,
}

impl Said {
    fn to_them(text: impl Into<String>) -> Said {
        Said {
            in_channel: false,
            text: text.into(),
        }
    }

    /// Both platforms read the same shape.
    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "response_type": if self.in_channel { "in_channel" } else { "ephemeral" },
            "text": self.text,
        })
    }
}

/// `POST /chat/mattermost/{app}/commands`: the `/fw` slash command as a Mattermost custom
/// command posts it, with the command's token (else 401), answered like Slack's.
pub async fn mattermost_commands(
    State(state): State<AppState>,
    PathText(app_name): PathText,
    super::RequestBody(body): super::RequestBody,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    use subtle::ConstantTimeEq as _;
    let config = state.config.current();
    let Some(ChatAppConfig::Mattermost(app)) = config.chat_app(&app_name) else {
        return Err(ApiError::not_found("mattermost chat app"));
    };
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|error| ApiError::bad_parameter(format!("the body is not a form: {error}")))?;
    let expected = app.command_token.as_deref().unwrap_or_default();
    let given = form
        .iter()
        .find(|(key, _)| key == "token")
        .map(|(_, value)| value.as_str())
        .unwrap_or_default();
    if expected.is_empty() || !bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
        return Err(unsigned(
            "the command's token is not the chat app's command_token",
        ));
    }
    once(&state, &app_name, &body_mark(&body)).await?;
    let answer = command(&state, &config, &app_name, &Typed::from_form(&form, "**")).await?;
    Ok(axum::Json(answer.json()))
}

const HELP: &str = "`/fw oncall [team]`: who is on call now and next\n\
`/fw ack ID` and `/fw resolve ID`: an alert's id, or an incident's number (`12` or `#12`)\n\
`/fw incident declare \"title\" [SEV1-SEV4] [service …]`: declare an incident\n\
`/fw incident update NUMBER investigating|identified|monitoring|resolved \"message\" [public]`: \
post a status update\n\
`/fw page PERSON \"message\"`: page someone now, through their notification rules\n\
`/fw note \"text\"`: in an incident's channel, a starred note on its timeline\n\
`/fw help`: this";

/// Runs one `/fw` command as the linked person.
async fn command(
    state: &AppState,
    config: &Config,
    app: &str,
    typed: &Typed<'_>,
) -> Result<Said, ApiError> {
    let words = crate::core::words::split(typed.text);
    let word = |index: usize| words.get(index).map(String::as_str).unwrap_or_default();
    let help = || HELP.replace("/fw", typed.slash());
    let needed = match word(0) {
        "" | "help" => return Ok(Said::to_them(help())),
        "oncall" => Role::Viewer,
        "ack" | "resolve" | "incident" | "note" | "page" => Role::Responder,
        other => {
            return Ok(Said::to_them(format!(
                "There is no `{} {other}`.\n{}",
                typed.slash(),
                help()
            )));
        }
    };
    let locale = answer_locale(config, app, typed.user, None);
    let by = match linked_user(state, config, app, typed.user, needed, locale).await? {
        Ok(linked) => Actor::new(linked.by(), Channel::Chat),
        Err(why) => return Ok(Said::to_them(why)),
    };
    match (word(0), word(1)) {
        ("oncall", team) => Ok(Said::to_them(
            on_call_now(state, config, team, typed.strong).await?,
        )),
        (verb @ ("ack" | "resolve"), "") => Ok(Said::to_them(format!(
            "Which one? `{} {verb} ID`",
            typed.slash()
        ))),
        (verb @ ("ack" | "resolve"), id) => {
            Ok(Said::to_them(ack_or_resolve(state, verb, id, &by).await?))
        }
        ("page", who) if !who.is_empty() && !word(2).is_empty() => {
            let Some(person) = find_person(config, app, who) else {
                return Ok(Said::to_them(format!(
                    "There is nobody \"{who}\" in [[people]]: name them by id or name."
                )));
            };
            let message = words[2..].join(" ");
            match crate::oncall::ops::page_person(state, &person.id, &message, &by.by).await {
                Ok(_) => Ok(Said::to_them(format!(
                    "Paging {} now, through their notification rules, until they acknowledge.",
                    person.display_name()
                ))),
                Err(crate::oncall::ops::PageError::Store(error)) => Err(error.into()),
                Err(refused) => Ok(Said::to_them(format!("Not paged: {refused}."))),
            }
        }
        ("page", _) => Ok(Said::to_them(format!(
            "Who, and why? `{} page PERSON \"message\"`",
            typed.slash()
        ))),
        ("note", "") => Ok(Said::to_them(format!(
            "What should the note say? `{} note \"text\"`",
            typed.slash()
        ))),
        ("note", _) => {
            let channel = format!("{app}#{}", typed.channel);
            let Some(incident) = state.store.incident_of_chat_channel(&channel).await? else {
                return Ok(Said::to_them(
                    "This channel belongs to no incident: type it in the channel Firewatch made \
                     for one.",
                ));
            };
            let text = words[1..].join(" ");
            match crate::incidents::ops::note(state, &incident, &text, true, &by).await {
                Ok(incident) => Ok(Said::to_them(format!(
                    "On incident #{}'s timeline, starred.",
                    incident.number
                ))),
                Err(crate::incidents::ops::IncidentError::Invalid(why)) => {
                    Ok(Said::to_them(format!("Not noted: {why}.")))
                }
                Err(error) => Err(error.into()),
            }
        }
        ("incident", "declare") if !word(2).is_empty() => {
            declare(state, config, &words[2..], &by).await
        }
        ("incident", "update") if !word(4).is_empty() => {
            let Some(status) = crate::core::incident::UpdateStatus::parse(word(3)) else {
                return Ok(Said::to_them(format!(
                    "\"{}\" is not a status: investigating, identified, monitoring or resolved.",
                    word(3)
                )));
            };
            let number = word(2).trim_start_matches('#');
            let public = word(5) == "public";
            let posted =
                crate::incidents::ops::update(state, number, status, word(4), public, &by).await;
            use crate::incidents::ops::IncidentError;
            match posted {
                Ok(incident) => Ok(Said::to_them(format!(
                    "Posted to incident #{} ({}{}).",
                    incident.number,
                    status.as_str(),
                    if public { ", on the status page" } else { "" }
                ))),
                Err(IncidentError::Store(StoreError::NotFound)) => {
                    Ok(Said::to_them(format!("There is no incident #{number}.")))
                }
                Err(IncidentError::Invalid(why) | IncidentError::Refused(why)) => {
                    Ok(Said::to_them(format!("Not posted: {why}.")))
                }
                Err(error) => Err(error.into()),
            }
        }
        _ => Ok(Said::to_them(format!(
            "`{0} incident declare \"title\" [SEV2] [service …]` or \
             `{0} incident update NUMBER STATUS \"message\" [public]`",
            typed.slash()
        ))),
    }
}

/// A person named in a command: by id, by name (any case), or as Slack writes a mention
/// (`<@U024BE7LH>` or `<@U024BE7LH|ann>`) of a linked user.
fn find_person<'c>(
    config: &'c Config,
    app: &str,
    who: &str,
) -> Option<&'c crate::config::oncall::PersonConfig> {
    let who = who.trim_start_matches('@');
    if let Some(mention) = who.strip_prefix("<@").and_then(|m| m.strip_suffix('>')) {
        let user = mention.split('|').next().unwrap_or_default();
        return config.person_for_chat(app, user);
    }
    config.person(who).or_else(|| {
        config
            .people
            .iter()
            .find(|person| person.display_name().eq_ignore_ascii_case(who))
    })
}

/// `incident declare "title" [SEV] [service …]`: the channel is told.
async fn declare(
    state: &AppState,
    config: &Config,
    words: &[String],
    by: &Actor,
) -> Result<Said, ApiError> {
    let mut severity = crate::core::incident::Severity::Sev3;
    let mut services = Vec::new();
    for extra in &words[1..] {
        match crate::core::incident::Severity::parse(extra) {
            Some(given) => severity = given,
            None => services.push(extra.clone()),
        }
    }
    let declared = crate::incidents::ops::declare(
        state,
        crate::incidents::ops::Declaration {
            title: words[0].clone(),
            severity,
            priority: None,
            services,
            summary: None,
            customer_impact: None,
        },
        by,
    )
    .await;
    match declared {
        Ok(incident) => Ok(Said {
            in_channel: true,
            text: format!(
                "Incident #{} declared: {} ({}) {}/incidents/{}",
                incident.number,
                incident.title,
                incident.severity.as_str(),
                config.server.base_url(),
                incident.number
            ),
        }),
        Err(crate::incidents::ops::IncidentError::Invalid(why)) => {
            Ok(Said::to_them(format!("Not declared: {why}.")))
        }
        Err(error) => Err(error.into()),
    }
}

/// `ack ID`/`resolve ID`: a number is an incident's, anything else an alert's id.
async fn ack_or_resolve(
    state: &AppState,
    verb: &str,
    id: &str,
    by: &Actor,
) -> Result<String, ApiError> {
    let number = id.trim_start_matches('#');
    if !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()) {
        return Ok(match incident_action(state, verb, number, by).await? {
            Ok(incident) => format!(
                "Incident #{} is {} now.",
                incident.number,
                if verb == "ack" {
                    "acknowledged"
                } else {
                    "resolved"
                }
            ),
            Err(why) => why,
        });
    }
    let change = if verb == "ack" {
        AlertChange::Acknowledged
    } else {
        AlertChange::Resolved
    };
    match crate::alerts::ops::change_alert(state, id, change, by).await {
        Ok(Some(transition)) => Ok(format!(
            "{} is {} now.",
            transition.alert.rule,
            change.as_str()
        )),
        Ok(None) => Ok(format!(
            "Nothing changed: the alert cannot be {} in its state now.",
            change.as_str()
        )),
        Err(StoreError::NotFound) => Ok(format!("There is no alert {id}.")),
        Err(error) => Err(error.into()),
    }
}

/// Who is on call now and next, per team (or only `team`), as lines.
async fn on_call_now(
    state: &AppState,
    config: &Config,
    team: &str,
    strong: &str,
) -> Result<String, ApiError> {
    use crate::oncall::views::{self, Scope};
    let teams: Vec<&crate::config::org::TeamConfig> = config
        .teams
        .iter()
        .filter(|t| team.is_empty() || t.id == team)
        .collect();
    if !team.is_empty() && teams.is_empty() {
        return Ok(format!("There is no team \"{team}\"."));
    }
    let now = state.clock.now();
    let when = |at: jiff::Timestamp| {
        at.to_zoned(jiff::tz::TimeZone::UTC)
            .strftime("%a %d %b %H:%M UTC")
            .to_string()
    };
    let mut lines = Vec::new();
    for team in teams {
        let schedules =
            match views::now_and_next(&state.store, config, Scope::Team(&team.id), now).await {
                Ok(schedules) => schedules,
                Err(views::ViewError::Store(error)) => return Err(error.into()),
                Err(_) => Vec::new(),
            };
        for o in schedules {
            let now_text = if o.now.is_empty() {
                "nobody".to_owned()
            } else {
                o.now.join(", ")
            };
            let until = o
                .until
                .map(|at| format!(" until {}", when(at)))
                .unwrap_or_default();
            let next = match (&o.next, o.next_at) {
                (Some(next), Some(at)) => format!("; then {next} from {}", when(at)),
                _ => String::new(),
            };
            lines.push(format!(
                "{strong}{}{strong} ({}): {now_text}{until}{next}",
                team.name.as_deref().unwrap_or(&team.id),
                o.schedule_name
            ));
        }
    }
    if lines.is_empty() {
        return Ok(
            "No team pages through a schedule yet: a team's services name an escalation policy, \
             and its steps a schedule."
                .into(),
        );
    }
    Ok(lines.join("\n"))
}

/// What Mattermost posts when a button on a post is clicked (its `PostActionIntegrationRequest`),
/// as much as Firewatch reads of it.
#[derive(Debug, serde::Deserialize)]
struct MattermostClick {
    user_id: String,
    /// Opens a dialog, while fresh.
    #[serde(default)]
    trigger_id: String,
    #[serde(default)]
    context: MattermostContext,
}

#[derive(Debug, Default, serde::Deserialize)]
struct MattermostContext {
    #[serde(default)]
    action: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    expires: i64,
    #[serde(default)]
    sig: String,
}

/// `POST /chat/mattermost/{app}/actions`: a click on a button of a post Firewatch made through
/// the bot. The context must carry Firewatch's own signature and be unexpired (else 401); the
/// click acts as the person the Mattermost user is linked to. A refusal is the answer's
/// `ephemeral_text`, which only that user sees; the post changes when the notice updates it.
pub async fn mattermost_actions(
    State(state): State<AppState>,
    PathText(app_name): PathText,
    super::RequestBody(body): super::RequestBody,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let config = state.config.current();
    let Some(ChatAppConfig::Mattermost(app)) = config.chat_app(&app_name) else {
        return Err(ApiError::not_found("mattermost chat app"));
    };
    let click: MattermostClick = super::json_body(&body, "Mattermost's action request")?;
    let context = &click.context;
    let signed = crate::integrations::outbound::mattermost::context_is_signed(
        app,
        &context.action,
        &context.value,
        context.expires,
        &context.sig,
    );
    if !signed {
        return Err(unsigned(
            "the button's context does not carry Firewatch's signature",
        ));
    }
    if context.expires < state.clock.now().as_second() {
        return Err(unsigned(
            "the button has expired: its post is more than 30 days old",
        ));
    }
    once(&state, &app_name, &body_mark(&body)).await?;
    let action = Action {
        action_id: context.action.clone(),
        value: Some(context.value.clone()),
    };
    let said = match act(&state, &config, &app_name, &click.user_id, &action, None).await? {
        Answer::Done => None,
        Answer::Say(said) => Some(said),
        Answer::Form(form, subject) => {
            let dialog = crate::integrations::outbound::mattermost::dialog(
                &form,
                &format!(
                    "{}/chat/mattermost/{app_name}/dialogs",
                    config.server.base_url()
                ),
                &signed_state(app, &subject, state.clock.now()),
            );
            show_form(
                crate::integrations::outbound::mattermost::open_dialog(
                    &form_client(),
                    app,
                    &click.trigger_id,
                    &dialog,
                ),
                &app_name,
            )
            .await
        }
    };
    Ok(axum::Json(match said {
        Some(text) => serde_json::json!({ "ephemeral_text": text }),
        None => serde_json::json!({}),
    }))
}

/// A dialog's `state`: its subject, signed by Firewatch with an expiry, since Mattermost signs
/// nothing it sends back (`EXPIRES:SIGNATURE:SUBJECT`).
fn signed_state(
    app: &crate::integrations::outbound::config::MattermostApp,
    subject: &str,
    now: jiff::Timestamp,
) -> String {
    let expires = now.as_second() + DIALOG_LIFETIME_SECONDS;
    let signature = crate::integrations::outbound::mattermost::context_signature(
        app,
        UPDATE_FORM,
        subject,
        expires,
    );
    format!("{expires}:{signature}:{subject}")
}

/// An open dialog is submitted within the hour, or not at all.
const DIALOG_LIFETIME_SECONDS: i64 = 60 * 60;

/// What Mattermost posts when a dialog is submitted (its `SubmitDialogRequest`).
#[derive(Debug, serde::Deserialize)]
struct MattermostSubmission {
    #[serde(default)]
    callback_id: String,
    #[serde(default)]
    state: String,
    user_id: String,
    #[serde(default)]
    submission: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    cancelled: bool,
}

/// `POST /chat/mattermost/{app}/dialogs`: a submitted status update dialog. Its state must
/// carry Firewatch's signature and be unexpired (else 401); the update is posted as the linked
/// person, and a refusal comes back as Mattermost's `errors`, shown under the field.
pub async fn mattermost_dialogs(
    State(state): State<AppState>,
    PathText(app_name): PathText,
    super::RequestBody(body): super::RequestBody,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let config = state.config.current();
    let Some(ChatAppConfig::Mattermost(app)) = config.chat_app(&app_name) else {
        return Err(ApiError::not_found("mattermost chat app"));
    };
    let submitted: MattermostSubmission =
        super::json_body(&body, "Mattermost's dialog submission")?;
    let mut parts = submitted.state.splitn(3, ':');
    let (expires, signature, subject) = (
        parts
            .next()
            .and_then(|e| e.parse::<i64>().ok())
            .unwrap_or(0),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let signed = crate::integrations::outbound::mattermost::context_is_signed(
        app,
        UPDATE_FORM,
        subject,
        expires,
        signature,
    );
    if !signed || submitted.callback_id != UPDATE_FORM {
        return Err(unsigned(
            "the dialog's state does not carry Firewatch's signature",
        ));
    }
    if expires < state.clock.now().as_second() {
        return Err(unsigned(
            "the dialog has expired: it was opened more than an hour ago",
        ));
    }
    if submitted.cancelled {
        return Ok(axum::Json(serde_json::json!({})));
    }
    once(&state, &app_name, &body_mark(&body)).await?;
    let values = submitted
        .submission
        .iter()
        .map(|(name, value)| {
            let text = match value {
                serde_json::Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            (name.clone(), text)
        })
        .collect();
    let posted = post_update(
        &state,
        &config,
        &app_name,
        &submitted.user_id,
        subject,
        &values,
    )
    .await?;
    Ok(axum::Json(match posted {
        Ok(()) => serde_json::json!({}),
        Err((field, why)) => serde_json::json!({ "errors": { field: why } }),
    }))
}

/// What KakaoWork posts to a bot's callback URL when a `submit_action` button is clicked, as
/// much as Firewatch reads of it.
#[derive(Debug, serde::Deserialize)]
struct KakaoworkClick {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    action_name: String,
    #[serde(default)]
    value: String,
    /// A number in KakaoWork's JSON.
    react_user_id: serde_json::Value,
    #[serde(default)]
    message: serde_json::Value,
}

/// `POST /chat/kakaowork/{destination}/actions`: the KakaoWork bot's callback URL. KakaoWork
/// signs nothing, so the button's value carries Firewatch's own signature and expiry (else
/// 401); the click acts as the person the KakaoWork user is linked to (`chat` with `app` the
/// destination's name, or found by email), through the same operations as every channel. A
/// refusal is said in the conversation, since KakaoWork has no message only one person sees.
pub async fn kakaowork_actions(
    State(state): State<AppState>,
    PathText(name): PathText,
    super::RequestBody(body): super::RequestBody,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    use crate::integrations::outbound::config::DestinationConfig;
    use crate::integrations::outbound::kakaowork;
    let config = state.config.current();
    let Some(DestinationConfig::Kakaowork(destination)) = config.destination(&name) else {
        return Err(ApiError::not_found("kakaowork destination"));
    };
    let click: KakaoworkClick = super::json_body(&body, "KakaoWork's callback")?;
    if click.kind != "submit_action" {
        return Ok(axum::Json(serde_json::json!({})));
    }
    let subject = kakaowork::clicked(
        destination,
        &click.action_name,
        &click.value,
        state.clock.now(),
    )
    .map_err(unsigned)?;
    once(&state, &name, &body_mark(&body)).await?;
    let user = match &click.react_user_id {
        serde_json::Value::String(id) => id.clone(),
        other => other.to_string(),
    };
    let action = Action {
        action_id: click.action_name.clone(),
        value: Some(subject.to_owned()),
    };
    let locale = destination.locale;
    let said = match act(&state, &config, &name, &user, &action, locale).await? {
        Answer::Done => None,
        Answer::Say(said) => Some(said),
        Answer::Form(..) => {
            Some(answer_locale(&config, &name, &user, locale).text("chat-answer-use-page"))
        }
    };
    let conversation = click.message["conversation_id"].clone();
    if let (Some(said), false) = (said, conversation.is_null()) {
        let destination = destination.clone();
        tokio::spawn(async move {
            let Some(client) = chat_client(Duration::from_secs(10)) else {
                return;
            };
            let body = serde_json::json!({"conversation_id": conversation, "text": said});
            if let Err(error) = kakaowork::send(&client, &destination, &body, false)
                .send()
                .await
            {
                tracing::warn!(destination = %destination.name, error = %crate::integrations::outbound::describe_send_error(&error), "an answer to KakaoWork failed");
            }
        });
    }
    Ok(axum::Json(serde_json::json!({})))
}

/// A client for calls to a chat platform made while answering it: redirects not followed,
/// as for deliveries, and a deadline of its own.
fn chat_client(timeout: Duration) -> Option<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("Firewatch/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .build()
        .ok()
}

/// Says `text` to `user` alone, after the answer (Slack wants one within 3 seconds).
fn tell(app: SlackApp, channel: String, user: String, text: String) {
    tokio::spawn(async move {
        let Some(client) = chat_client(Duration::from_secs(10)) else {
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
