//! Destinations. Each kind renders a notification into its own request and sends it; the
//! shared part here classifies the answer into delivered / retry / rejected, the same for all.
//! Pages to a person are built here too, as requests the on-call domain sends: what a page
//! says (`page.rs`, and its signed webhook), ntfy push (`ntfy.rs`) and Twilio SMS and voice
//! calls (`twilio.rs`).

pub mod config;
pub mod discord;
pub mod dooray;
pub mod email;
pub mod form;
pub mod guard;
pub mod jandi;
pub mod kakaowork;
pub mod markdown;
pub mod mattermost;
pub mod message;
pub mod ntfy;
pub mod page;
#[cfg(test)]
mod recorder;
pub mod slack;
pub mod teams;
pub mod template;
pub mod twilio;
pub mod webhook;

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Serialize;

use crate::integrations::outbound::config::{ChatAppConfig, DestinationConfig};
use crate::store::StoredEvent;

/// What a destination is sent about an event.
#[derive(Debug, Clone, Serialize)]
pub struct EventMessage {
    pub id: String,
    pub integration: String,
    pub source: String,
    pub kind: String,
    pub received_at: Timestamp,
    /// The sender's body, parsed; `null` if it was not JSON.
    pub payload: serde_json::Value,
    /// The normalized record of a forge event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub normalized: Option<crate::core::forge::ForgeEvent>,
}

impl EventMessage {
    pub fn from_event(event: &StoredEvent) -> Self {
        Self {
            id: event.id.clone(),
            integration: event.integration.clone(),
            source: event.source.clone(),
            kind: event.kind.clone(),
            received_at: event.received_at,
            payload: serde_json::from_slice(&event.body).unwrap_or(serde_json::Value::Null),
            normalized: event.normalized.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryResult {
    Delivered {
        status: u16,
        /// The message posted through a chat app (`CHANNEL:TS`, a Mattermost post id).
        chat_message: Option<String>,
    },
    /// Worth trying again: a network error, a timeout, 408, 425, 429 or a 5xx.
    Retry {
        status: Option<u16>,
        retry_after: Option<SignedDuration>,
        error: String,
    },
    /// The destination refused the message itself; retrying would not help.
    Rejected { status: u16, error: String },
}

/// Where a message goes: the destination, the chat app it posts through when it names one,
/// the message that app posted earlier about the same thing, which this one replaces, and the
/// buttons the app's message carries.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub destination: &'a DestinationConfig,
    pub app: Option<&'a ChatAppConfig>,
    pub replaces: Option<&'a str>,
    pub buttons: &'a [Button],
    /// Where the platform posts a click, for those that take it per message (Mattermost).
    pub callback: Option<&'a str>,
}

/// A button on a message posted through a chat app. `action` is the name the platform sends
/// back on a click (`ack`, `resolve`, …), `value` what it acts on (`alert:ID`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub action: &'static str,
    pub label: String,
    pub value: String,
    pub primary: bool,
}

/// Where a chat app's platform posts a click, for those that take it per message (Mattermost).
pub fn click_callback(base_url: &str, app: Option<&ChatAppConfig>) -> Option<String> {
    match app {
        Some(ChatAppConfig::Mattermost(app)) => {
            Some(format!("{base_url}/chat/mattermost/{}/actions", app.name))
        }
        _ => None,
    }
}

/// Sends one message: the event itself to a webhook, `words` to the others.
/// `idempotency_key` is the same on every retry of the same message.
pub async fn deliver(
    client: &reqwest::Client,
    Target {
        destination,
        app,
        replaces,
        buttons,
        callback,
    }: Target<'_>,
    message: &EventMessage,
    words: &message::Message,
    idempotency_key: &str,
    now: Timestamp,
    timeout: Duration,
) -> DeliveryResult {
    // Whatever a sender or a template put in, only http(s) URLs leave as links.
    let words = &words.http_links_only();
    let request = match destination {
        // SMTP, not HTTP: the email module sends and sorts the answer itself.
        DestinationConfig::Email(email) => {
            return email::deliver(email, words, idempotency_key, now, timeout).await;
        }
        DestinationConfig::Webhook(webhook) => {
            webhook::request(client, webhook, message, idempotency_key, now)
        }
        DestinationConfig::Slack(slack) => match (app, &slack.url) {
            (Some(ChatAppConfig::Slack(app)), _) => {
                let post = || slack::post_message(client, app, slack, words, buttons);
                let Some(posted) = replaces else {
                    return through_app(post(), timeout, now, slack::posted).await;
                };
                let update = slack::update_message(client, app, slack, posted, words, buttons);
                let updated = through_app(update, timeout, now, slack::posted).await;
                // Someone deleted the message: say it anew rather than not at all.
                return match updated {
                    DeliveryResult::Rejected { ref error, .. }
                        if error == "message_not_found" || error == "cant_update_message" =>
                    {
                        through_app(post(), timeout, now, slack::posted).await
                    }
                    other => other,
                };
            }
            (_, Some(url)) => post_json(client, url, &slack::render(words, slack)),
            _ => return no_way(destination),
        },
        DestinationConfig::Mattermost(mattermost) => match (app, &mattermost.url) {
            (Some(ChatAppConfig::Mattermost(app)), _) => {
                let buttons = mattermost::Buttons {
                    list: buttons,
                    callback,
                    now,
                };
                let create = || mattermost::create_post(client, app, mattermost, words, &buttons);
                let Some(post) = replaces else {
                    return through_app(create(), timeout, now, mattermost::posted).await;
                };
                let update =
                    mattermost::update_post(client, app, mattermost, post, words, &buttons);
                let updated = through_app(update, timeout, now, mattermost::posted).await;
                // The post was deleted: say it anew rather than not at all.
                return match updated {
                    DeliveryResult::Rejected { status: 404, .. } => {
                        through_app(create(), timeout, now, mattermost::posted).await
                    }
                    other => other,
                };
            }
            (_, Some(url)) => post_json(client, url, &mattermost::render(words, mattermost)),
            _ => return no_way(destination),
        },
        DestinationConfig::Discord(discord) => {
            post_json(client, &discord.url, &discord::render(words, discord))
        }
        DestinationConfig::Jandi(jandi) => client
            .post(&jandi.url)
            .header(reqwest::header::ACCEPT, jandi::ACCEPT)
            .json(&jandi::render(words, None)),
        DestinationConfig::Kakaowork(kakaowork) => {
            if kakaowork.conversation_id.is_none() {
                return DeliveryResult::Rejected {
                    status: 0,
                    error: format!(
                        "kakaowork destination \"{}\" has no conversation_id: it carries pages \
                         to people only",
                        kakaowork.name
                    ),
                };
            }
            // KakaoWork cannot edit a message: a change is said in a new one.
            let buttons = kakaowork::buttons(kakaowork, buttons, now);
            let body = kakaowork::render(words, kakaowork, buttons);
            let request = kakaowork::send(client, kakaowork, &body, false);
            return through_app(request, timeout, now, kakaowork::sent).await;
        }
        DestinationConfig::Dooray(dooray) => {
            post_json(client, &dooray.url, &dooray::render(words, dooray))
        }
        DestinationConfig::Teams(teams) => {
            post_json(client, &teams.url, &teams::render(words, teams))
        }
        // Twilio needs a phone number to send to, and only a person's contact has one. Config
        // validation refuses a route that names a twilio destination, so only a job queued
        // before a reload changed the destination's kind gets here; retrying would not help.
        DestinationConfig::Twilio(_) => {
            return DeliveryResult::Rejected {
                status: 0,
                error: "a twilio destination carries pages only: name it in a person's \
                        twilio_sms or twilio_voice contact, not in a route"
                    .to_owned(),
            };
        }
    };
    match request.timeout(timeout).send().await {
        Ok(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            classify(status, &headers, now, response.text().await.ok())
        }
        Err(error) => DeliveryResult::Retry {
            status: None,
            retry_after: None,
            error: describe_send_error(&error),
        },
    }
}

/// A post through a chat app: the answer's HTTP status first, as for every destination, then
/// what the platform's own answer says (`read`: the message's id, or why not).
pub(crate) async fn through_app(
    request: reqwest::RequestBuilder,
    timeout: Duration,
    now: Timestamp,
    read: fn(&str) -> Result<String, (bool, String)>,
) -> DeliveryResult {
    let response = match request.timeout(timeout).send().await {
        Ok(response) => response,
        Err(error) => {
            return DeliveryResult::Retry {
                status: None,
                retry_after: None,
                error: describe_send_error(&error),
            };
        }
    };
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.ok();
    match classify(status, &headers, now, body.clone()) {
        DeliveryResult::Delivered { status, .. } => match read(body.as_deref().unwrap_or("")) {
            Ok(posted) => DeliveryResult::Delivered {
                status,
                chat_message: Some(posted),
            },
            Err((true, error)) => DeliveryResult::Retry {
                status: Some(status),
                retry_after: None,
                error,
            },
            Err((false, error)) => DeliveryResult::Rejected { status, error },
        },
        other => other,
    }
}

/// A chat destination whose app is gone (a reload removed it while a job waited), and that
/// has no webhook either: retrying would not help.
fn no_way(destination: &DestinationConfig) -> DeliveryResult {
    DeliveryResult::Rejected {
        status: 0,
        error: format!(
            "destination \"{}\" has no webhook url and its chat app is not configured",
            destination.name()
        ),
    }
}

/// The chat webhooks all take one JSON document by POST.
fn post_json(
    client: &reqwest::Client,
    url: &str,
    body: &serde_json::Value,
) -> reqwest::RequestBuilder {
    client.post(url).json(body)
}

/// Sets the optional settings a destination has (`username`, `channel`…) on its JSON body.
pub(crate) fn set_present(body: &mut serde_json::Value, fields: &[(&str, &Option<String>)]) {
    for (key, value) in fields {
        if let Some(value) = value {
            body[*key] = serde_json::Value::String(value.clone());
        }
    }
}

pub(crate) fn describe_send_error(error: &reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    // reqwest's own text includes the URL, which may carry a webhook secret: leave it out.
    let mut source = std::error::Error::source(error);
    let mut detail = String::new();
    while let Some(cause) = source {
        detail = cause.to_string();
        source = cause.source();
    }
    if detail.is_empty() {
        what.to_owned()
    } else {
        format!("{what}: {detail}")
    }
}

pub fn classify(
    status: StatusCode,
    headers: &HeaderMap,
    now: Timestamp,
    body: Option<String>,
) -> DeliveryResult {
    let code = status.as_u16();
    if status.is_success() {
        return DeliveryResult::Delivered {
            status: code,
            chat_message: None,
        };
    }
    let mut error = format!("HTTP {code}");
    if status.is_redirection() {
        let location = headers
            .get(reqwest::header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("nowhere");
        error = format!(
            "{error}: redirects are not followed; the destination moved to {location}, so set its url there"
        );
    }
    if let Some(body) = body.filter(|b| !b.trim().is_empty()) {
        let snippet: String = body.trim().chars().take(200).collect();
        error = format!("{error}: {snippet}");
    }
    if status.is_server_error() || matches!(code, 408 | 425 | 429) {
        let retry_after = headers
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| parse_retry_after(value, now));
        DeliveryResult::Retry {
            status: Some(code),
            retry_after,
            error,
        }
    } else {
        DeliveryResult::Rejected {
            status: code,
            error,
        }
    }
}

/// `Retry-After` is either seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str, now: Timestamp) -> Option<SignedDuration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u32>() {
        return Some(SignedDuration::from_secs(i64::from(seconds)));
    }
    let date = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    Some(date.duration_since(now).max(SignedDuration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now: Timestamp = "2015-10-21T07:27:00Z".parse().unwrap();
        assert_eq!(
            parse_retry_after("120", now),
            Some(SignedDuration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(SignedDuration::from_secs(60))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn classifies_answers() {
        let now = Timestamp::UNIX_EPOCH;
        let headers = HeaderMap::new();
        assert_eq!(
            classify(StatusCode::NO_CONTENT, &headers, now, None),
            DeliveryResult::Delivered {
                status: 204,
                chat_message: None,
            }
        );
        assert!(matches!(
            classify(StatusCode::BAD_GATEWAY, &headers, now, None),
            DeliveryResult::Retry {
                status: Some(502),
                ..
            }
        ));
        assert!(matches!(
            classify(StatusCode::TOO_MANY_REQUESTS, &headers, now, None),
            DeliveryResult::Retry { .. }
        ));
        assert!(matches!(
            classify(StatusCode::NOT_FOUND, &headers, now, Some("no_such_hook".into())),
            DeliveryResult::Rejected { status: 404, ref error } if error == "HTTP 404: no_such_hook"
        ));
    }
}
