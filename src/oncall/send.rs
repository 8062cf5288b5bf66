//! One page through one contact method: each kind's request from `integrations::outbound`,
//! and the answer sorted into delivered, retry or rejected the same way as every delivery.

use crate::config::Config;
use crate::config::oncall::ContactConfig;
use crate::integrations::outbound::config::DestinationConfig;
use crate::integrations::outbound::message::{Message, Span, bold, link, text};
use crate::integrations::outbound::page::PageMessage;
use crate::integrations::outbound::{self, DeliveryResult, EventMessage};
use crate::store::oncall::Page;
use std::time::Duration;

/// What sending a page needs besides the store and config.
pub struct Sender<'a> {
    pub client: &'a reqwest::Client,
    pub timeout: Duration,
}

pub async fn send(
    sender: &Sender<'_>,
    config: &Config,
    contact: &ContactConfig,
    message: &PageMessage,
    page: &Page,
    now: jiff::Timestamp,
) -> DeliveryResult {
    let client = sender.client;
    let idempotency_key = format!("page.{}", page.id);
    let request = match contact {
        ContactConfig::Webhook { url, secret, .. } => outbound::page::webhook_request(
            client,
            url,
            secret.as_deref(),
            message,
            &idempotency_key,
            now,
        ),
        ContactConfig::Ntfy {
            url,
            token,
            priority,
            ..
        } => {
            let target = outbound::ntfy::NtfyTarget {
                url,
                token: token.as_deref(),
                priority: *priority,
            };
            match outbound::ntfy::request(client, &target, message) {
                Ok(request) => request,
                Err(error) => return rejected(error.to_string()),
            }
        }
        ContactConfig::TwilioSms {
            destination, to, ..
        } => match twilio(config, destination) {
            Ok(twilio) => outbound::twilio::sms_request(client, twilio, to, message),
            Err(error) => return error,
        },
        ContactConfig::TwilioVoice {
            destination, to, ..
        } => match twilio(config, destination) {
            Ok(twilio) => {
                let gather = message
                    .acknowledge_url
                    .as_deref()
                    .map(|url| url.replace("/a/", "/twilio/gather/"))
                    .unwrap_or_else(|| format!("{}/twilio/gather/none", config.server.base_url()));
                let twiml = outbound::twilio::call_twiml(message, &gather);
                outbound::twilio::call_request(client, twilio, to, &twiml, None)
            }
            Err(error) => return error,
        },
        ContactConfig::Chat {
            destination,
            mention,
            ..
        } => {
            let Some(destination) = config.destination(destination) else {
                return rejected(format!("destination \"{destination}\" is not configured"));
            };
            let person = config.person(&page.person);
            let mention = mention
                .clone()
                .map(Span::Mention)
                .unwrap_or_else(|| bold(person.map_or(page.person.as_str(), |p| p.display_name())));
            let words = chat_message(message, mention);
            let event = page_event(message, now);
            let app = destination.app().and_then(|app| config.chat_app(app));
            // Through an app, the page can be acted on where it arrives.
            let buttons = match (app, &page.escalation_id) {
                (Some(_), Some(escalation)) => {
                    crate::oncall::notices::escalation_buttons(escalation, message.locale)
                }
                _ => Vec::new(),
            };
            let callback = outbound::click_callback(&config.server.base_url(), app);
            return outbound::deliver(
                client,
                outbound::Target {
                    destination,
                    app,
                    replaces: None,
                    buttons: &buttons,
                    callback: callback.as_deref(),
                },
                &event,
                &words,
                &idempotency_key,
                now,
                sender.timeout,
            )
            .await;
        }
        ContactConfig::Kakaowork {
            destination, email, ..
        } => {
            let Some(DestinationConfig::Kakaowork(kakaowork)) = config.destination(destination)
            else {
                return rejected(format!(
                    "kakaowork destination \"{destination}\" is not configured"
                ));
            };
            let (address, words) = match addressed(config, page, message, email.as_deref()) {
                Ok(addressed) => addressed,
                Err(refused) => return refused,
            };
            let buttons = page
                .escalation_id
                .as_deref()
                .map(|escalation| {
                    outbound::kakaowork::buttons(
                        kakaowork,
                        &crate::oncall::notices::escalation_buttons(escalation, message.locale),
                        now,
                    )
                })
                .unwrap_or_default();
            let mut body = outbound::kakaowork::render(&words, kakaowork, buttons);
            body["email"] = serde_json::Value::String(address);
            if let Some(body) = body.as_object_mut() {
                body.remove("conversation_id");
            }
            let request = outbound::kakaowork::send(client, kakaowork, &body, true);
            // KakaoWork answers 200 with `success: false` when it did not send.
            return outbound::through_app(request, sender.timeout, now, outbound::kakaowork::sent)
                .await;
        }
        ContactConfig::Jandi {
            destination, email, ..
        } => {
            let Some(DestinationConfig::Jandi(jandi)) = config.destination(destination) else {
                return rejected(format!(
                    "jandi destination \"{destination}\" is not configured"
                ));
            };
            let (address, words) = match addressed(config, page, message, email.as_deref()) {
                Ok(addressed) => addressed,
                Err(refused) => return refused,
            };
            client
                .post(&jandi.url)
                .header(reqwest::header::ACCEPT, outbound::jandi::ACCEPT)
                .json(&outbound::jandi::render(&words, Some(&address)))
        }
        ContactConfig::Email {
            destination, to, ..
        } => {
            let Some(DestinationConfig::Email(email)) = config.destination(destination) else {
                return rejected(format!(
                    "email destination \"{destination}\" is not configured"
                ));
            };
            let address = to
                .clone()
                .or_else(|| config.person(&page.person).and_then(|p| p.email.clone()));
            let Some(address) = address else {
                return rejected(format!("{} has no email address", page.person));
            };
            let mut email = email.clone();
            email.to = vec![address];
            let words = chat_message(
                message,
                bold(
                    config
                        .person(&page.person)
                        .map_or(page.person.as_str(), |p| p.display_name()),
                ),
            );
            return outbound::email::deliver(&email, &words, &idempotency_key, now, sender.timeout)
                .await;
        }
    };
    match request.timeout(sender.timeout).send().await {
        Ok(response) => {
            let status = response.status();
            let headers = response.headers().clone();
            outbound::classify(status, &headers, now, response.text().await.ok())
        }
        Err(error) => DeliveryResult::Retry {
            status: None,
            retry_after: None,
            error: outbound::describe_send_error(&error),
        },
    }
}

/// A page to a member found by email (JANDI, KakaoWork): the contact's `email`, else the
/// person's, and the page's words naming them.
fn addressed(
    config: &Config,
    page: &Page,
    message: &PageMessage,
    email: Option<&str>,
) -> Result<(String, outbound::message::Message), DeliveryResult> {
    let person = config.person(&page.person);
    let address = email
        .map(str::to_owned)
        .or_else(|| person.and_then(|p| p.email.clone()))
        .ok_or_else(|| rejected(format!("{} has no email address", page.person)))?;
    let words = chat_message(
        message,
        bold(person.map_or(page.person.as_str(), |p| p.display_name())),
    )
    .http_links_only();
    Ok((address, words))
}

fn rejected(error: String) -> DeliveryResult {
    DeliveryResult::Rejected { status: 0, error }
}

fn twilio<'c>(
    config: &'c Config,
    destination: &str,
) -> Result<&'c outbound::config::TwilioDestination, DeliveryResult> {
    match config.destination(destination) {
        Some(DestinationConfig::Twilio(twilio)) => Ok(twilio),
        _ => Err(rejected(format!(
            "twilio destination \"{destination}\" is not configured"
        ))),
    }
}

/// A page as a chat or email message: who is paged, what, and the links.
pub fn chat_message(page: &PageMessage, mention: Span) -> Message {
    let locale = page.locale;
    let title = if page.is_test() {
        locale.text("page-chat-test-title")
    } else {
        locale.text_with(
            "page-chat-title",
            &[("summary", page.summary.as_str().into())],
        )
    };
    let mut lines = vec![vec![
        mention,
        text(if page.is_test() {
            locale.text("page-chat-test")
        } else {
            locale.text("page-chat-paged")
        }),
    ]];
    if !page.is_test() {
        let severity = locale.text_or(&format!("severity-{}", page.severity), &page.severity);
        let mut line = vec![bold(severity)];
        if let Some(service) = &page.service {
            line.push(text(locale.text_with(
                "page-chat-on",
                &[("service", service.as_str().into())],
            )));
        }
        lines.push(line);
    }
    if let Some(more) = page.more_line() {
        lines.push(vec![text(more)]);
    }
    let mut actions = Vec::new();
    if let Some(url) = &page.acknowledge_url {
        actions.push(link(locale.text("action-acknowledge"), Some(url)));
    }
    if let Some(url) = &page.resolve_url {
        if !actions.is_empty() {
            actions.push(text(" · "));
        }
        actions.push(link(locale.text("action-resolve"), Some(url)));
    }
    if let Some(url) = &page.detail_url {
        if !actions.is_empty() {
            actions.push(text(" · "));
        }
        actions.push(link(locale.text("page-open"), Some(url)));
    }
    if !actions.is_empty() {
        lines.push(actions);
    }
    Message {
        summary: page.text(),
        title,
        title_url: page.detail_url.clone(),
        lines,
        context: Vec::new(),
        outcome: None,
        locale,
    }
}

/// What a `webhook` destination named by a chat contact receives: the page itself.
fn page_event(page: &PageMessage, now: jiff::Timestamp) -> EventMessage {
    EventMessage {
        id: page.page_id.clone(),
        integration: "oncall".into(),
        source: "oncall".into(),
        kind: "page".into(),
        received_at: now,
        payload: serde_json::to_value(page).unwrap_or_default(),
        normalized: None,
    }
}
