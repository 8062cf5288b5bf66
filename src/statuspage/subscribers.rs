//! The status page's subscribers: people (by email) and systems (by webhook) told of the
//! public updates of incidents on the components they chose.
//!
//! A request is recorded with the job that sends its confirmation link, in one transaction;
//! nothing else is sent until the link is followed. Every answer to a request is the same,
//! so the form never says whether an address is subscribed. A public update sets a
//! `status_fanout` timer in its incident's transaction; the fan-out makes one `status_send`
//! job per confirmed subscriber who wants it, each keyed so a rerun adds none. Every message
//! carries its unsubscribe link; email also carries `List-Unsubscribe` and
//! `List-Unsubscribe-Post` (RFC 8058), so a mail client's one-click unsubscribe works.

use std::net::IpAddr;
use std::time::Duration;

use axum::http::HeaderMap;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::clock::from_millis;
use crate::config::Config;
use crate::context::Context;
use crate::integrations::inbound::TokenBucket;
use crate::integrations::outbound::config::DestinationConfig;
use crate::integrations::outbound::message::{Message, Span, link, text};
use crate::integrations::outbound::{DeliveryResult, email, guard};
use crate::statuspage::snapshot::{PublicIncident, PublicUpdate, public_incident};
use crate::store::Timer;
use crate::store::statuspage::{SubscribeRequest, Subscriber, SubscriberKind, SubscriberState};
use crate::store::{ClaimedJob, JobKind, Store, StoreError};

/// Addresses longer than this are refused (RFC 5321 allows 254 for a mailbox).
const MAX_ADDRESS: usize = 254;
const MAX_URL: usize = 2000;
/// Subscribers told per transaction of a fan-out.
const FANOUT_CHUNK: usize = 500;

/// What `POST /status/subscribe` takes, as JSON or as the page's form.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub email: Option<String>,
    pub webhook: Option<String>,
    /// Component ids; none for all.
    #[serde(default, deserialize_with = "one_or_many")]
    pub components: Vec<String>,
}

impl Request {
    /// The page's form: empty fields are fields not given; `components` repeats.
    pub fn from_form(fields: Vec<(String, String)>) -> Result<Request, String> {
        let mut request = Request::default();
        for (key, value) in fields {
            let value = value.trim().to_owned();
            if value.is_empty() {
                continue;
            }
            match key.as_str() {
                "email" => request.email = Some(value),
                "webhook" => request.webhook = Some(value),
                "components" => request.components.push(value),
                other => return Err(format!("unknown field \"{other}\"")),
            }
        }
        Ok(request)
    }
}

/// A form sends one checkbox as a string and several as a list.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(one)) => vec![one],
        Some(OneOrMany::Many(many)) => many,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum SubscribeError {
    #[error("this status page takes no subscriptions")]
    Off,
    #[error("{0}")]
    Invalid(String),
    #[error("too many subscribe requests from this address; try again later")]
    RateLimited(SignedDuration),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The client's address: the configured header's last entry (what the proxy in front
/// added), else the connection's.
pub fn client_address(
    config: &Config,
    headers: &HeaderMap,
    peer: Option<IpAddr>,
) -> Option<IpAddr> {
    let Some(name) = &config.status_page.subscribers.client_address_header else {
        return peer;
    };
    headers
        .get(name.as_str())
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.rsplit(',').next())
        .and_then(|last| last.trim().parse().ok())
        .or(peer)
}

fn take_token(
    state: &Context,
    config: &Config,
    client: Option<IpAddr>,
) -> Result<(), SignedDuration> {
    let burst = f64::from(config.status_page.subscribers.per_hour);
    let per_second = burst / 3600.0;
    let now = state.clock.now();
    let key = format!(
        "subscribe:{}",
        client.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
    );
    let mut buckets = state.rate_limits.lock().unwrap_or_else(|p| p.into_inner());
    // Clients come and go: a full bucket is the same as none, so those are dropped.
    if buckets.len() > 10_000 {
        buckets.retain(|key, bucket| {
            !key.starts_with("subscribe:") || !bucket.refilled(per_second, burst, now)
        });
    }
    buckets
        .entry(key)
        .or_insert_with(|| TokenBucket::full(burst, now))
        .take(per_second, burst, now)
}

/// Checks a request and what it names, without saying anything about who is subscribed.
fn check(config: &Config, request: Request) -> Result<SubscribeRequest, SubscribeError> {
    let settings = &config.status_page.subscribers;
    let (kind, address) = match (request.email, request.webhook) {
        (Some(email), None) => {
            if settings.email.is_none() {
                return Err(SubscribeError::Invalid(
                    "this status page takes no email subscriptions".into(),
                ));
            }
            let email = email.trim().to_lowercase();
            if email.len() > MAX_ADDRESS || email.parse::<lettre::Address>().is_err() {
                return Err(SubscribeError::Invalid(format!(
                    "\"{email}\" is not an email address"
                )));
            }
            (SubscriberKind::Email, email)
        }
        (None, Some(webhook)) => {
            if !settings.webhooks {
                return Err(SubscribeError::Invalid(
                    "this status page takes no webhook subscriptions".into(),
                ));
            }
            let webhook = webhook.trim().to_owned();
            let url = reqwest::Url::parse(&webhook)
                .ok()
                .filter(|url| matches!(url.scheme(), "http" | "https") && webhook.len() <= MAX_URL)
                .ok_or_else(|| {
                    SubscribeError::Invalid(format!("\"{webhook}\" is not an http(s) URL"))
                })?;
            if !settings.allow_private_webhooks {
                if let Some(why) = guard::refuse_url(&url) {
                    return Err(SubscribeError::Invalid(format!(
                        "webhooks must be on the public internet: {why}"
                    )));
                }
            }
            (SubscriberKind::Webhook, url.to_string())
        }
        _ => {
            return Err(SubscribeError::Invalid(
                "give either \"email\" or \"webhook\"".into(),
            ));
        }
    };
    let known: Vec<String> = config
        .status_page
        .components
        .iter()
        .map(|c| c.id())
        .collect();
    let mut components = Vec::new();
    for component in request.components {
        let component = component.trim().to_owned();
        if component.is_empty() || components.contains(&component) {
            continue;
        }
        if !known.contains(&component) {
            return Err(SubscribeError::Invalid(format!(
                "no component \"{component}\" on this status page"
            )));
        }
        components.push(component);
    }
    // All of them is the same as none chosen, and follows components added later.
    if components.len() == known.len() {
        components.clear();
    }
    let mut secret = [0u8; 24];
    getrandom::fill(&mut secret)
        .map_err(|error| StoreError::Io(std::io::Error::other(error.to_string())))?;
    Ok(SubscribeRequest {
        kind,
        address,
        components,
        token: secret.iter().map(|b| format!("{b:02x}")).collect(),
    })
}

/// Takes a subscribe request. The answer is the same whether the address is new, pending,
/// confirmed or gone; only the address's owner learns more, from the message sent there.
pub async fn subscribe(
    state: &Context,
    request: Request,
    client: Option<IpAddr>,
) -> Result<(), SubscribeError> {
    let config = state.config.current();
    if !config.status_page.subscribers.enabled() {
        return Err(SubscribeError::Off);
    }
    take_token(state, &config, client).map_err(SubscribeError::RateLimited)?;
    let request = check(&config, request)?;
    let now = state.clock.now();
    let confirm = |subscriber: &str| Timer {
        kind: JobKind::StatusSend,
        payload: json!({ "subscriber": subscriber, "notice": Notice::Confirm }).to_string(),
        at: now,
        key: format!("status-confirm:{subscriber}:{}", now.as_millisecond()),
    };
    state
        .store
        .request_subscription(&request, &confirm, now)
        .await?;
    state.jobs_added.notify_one();
    Ok(())
}

/// What one message tells; kept in the job, so a retry sends the same words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// The link to confirm a subscription (or a change of its components).
    Confirm,
    /// A public update of an incident, or its resolution.
    Incident(Box<IncidentNotice>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentNotice {
    pub incident: String,
    pub name: String,
    pub impact: String,
    pub status: String,
    pub body: String,
    pub at: Timestamp,
    pub started_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    /// (id, name) of the components it affects.
    pub components: Vec<(String, String)>,
    /// Every public update, newest first, for the webhook's Statuspage shape.
    pub updates: Vec<PublicUpdate>,
}

#[derive(Deserialize)]
struct FanoutPayload {
    incident: String,
    at: i64,
}

fn notice_for(config: &Config, public: &PublicIncident, at: Timestamp) -> Option<Notice> {
    let (status, body) = match public.updates.iter().find(|u| u.at == at) {
        Some(update) => (update.status.clone(), update.body.clone()),
        None if public.resolved_at == Some(at) => (
            "resolved".to_owned(),
            "This incident has been resolved.".to_owned(),
        ),
        // An internal update, or a move customers do not see.
        None => return None,
    };
    Some(Notice::Incident(Box::new(IncidentNotice {
        incident: public.id.clone(),
        name: public.name.clone(),
        impact: public.impact.to_owned(),
        status,
        body,
        at,
        started_at: public.started_at,
        resolved_at: public.resolved_at,
        components: config
            .status_page
            .components
            .iter()
            .filter(|c| public.components.contains(&c.id()))
            .map(|c| (c.id(), c.name.clone()))
            .collect(),
        updates: public.updates.clone(),
    })))
}

/// A `status_fanout` job: one `status_send` per confirmed subscriber of the incident's
/// components. An incident with no public update is not on the page and tells nobody.
pub async fn fanout(
    store: &Store,
    config: &Config,
    job: &ClaimedJob,
    now: Timestamp,
) -> Result<usize, StoreError> {
    let Ok(payload) = serde_json::from_str::<FanoutPayload>(&job.payload) else {
        tracing::warn!(payload = %job.payload, "status_fanout job with an unreadable payload");
        return Ok(0);
    };
    let incident = match store.get_incident(&payload.incident).await {
        Ok(incident) => incident,
        Err(StoreError::NotFound) => return Ok(0),
        Err(error) => return Err(error),
    };
    let updates: Vec<PublicUpdate> = store
        .incident_updates(&incident.id)
        .await?
        .into_iter()
        .filter(|u| u.public)
        .map(|u| PublicUpdate {
            status: u.status.as_str().to_owned(),
            body: u.message,
            at: u.at,
        })
        .collect();
    if updates.is_empty() {
        return Ok(0);
    }
    let Some(public) = public_incident(&config.status_page, &incident, updates) else {
        return Ok(0);
    };
    let Some(notice) = notice_for(config, &public, from_millis(payload.at)) else {
        return Ok(0);
    };
    let timers: Vec<Timer> = store
        .confirmed_subscribers()
        .await?
        .iter()
        .filter(|s| s.wants(&public.components))
        .map(|subscriber| Timer {
            kind: JobKind::StatusSend,
            payload: json!({ "subscriber": subscriber.id, "notice": notice }).to_string(),
            at: now,
            key: format!(
                "status-send:{}:{}:{}",
                incident.id, payload.at, subscriber.id
            ),
        })
        .collect();
    for chunk in timers.chunks(FANOUT_CHUNK) {
        store.schedule_timers(chunk, now).await?;
    }
    Ok(timers.len())
}

#[derive(Deserialize)]
struct SendPayload {
    subscriber: String,
    notice: Notice,
}

/// The links a message carries.
#[derive(Debug, Clone)]
pub struct Links {
    pub page: String,
    pub confirm: String,
    pub unsubscribe: String,
}

impl Links {
    pub fn new(config: &Config, token: &str) -> Self {
        let page = crate::statuspage::snapshot::page_url(config);
        Self {
            confirm: format!("{page}/confirm/{token}"),
            unsubscribe: format!("{page}/unsubscribe/{token}"),
            page,
        }
    }
}

fn title_case(status: &str) -> String {
    let mut words = status.replace('_', " ");
    if let Some(first) = words.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    words
}

/// The words of an email, as a platform-neutral message.
pub fn email_message(
    config: &Config,
    subscriber: &Subscriber,
    notice: &Notice,
    links: &Links,
) -> Message {
    let page = &config.status_page.title;
    // Subscribers hear in the page's language: what they read when they subscribed.
    let locale = config.status_page.locale.unwrap_or(config.server.locale);
    let unsubscribe = vec![
        text(locale.text("subscriber-because")),
        link(page.clone(), Some(&links.page)),
        text(". "),
        link(
            locale.text("subscriber-unsubscribe"),
            Some(&links.unsubscribe),
        ),
    ];
    match notice {
        Notice::Confirm => {
            let wanted = subscriber
                .pending_components
                .as_ref()
                .unwrap_or(&subscriber.components);
            let which = if wanted.is_empty() {
                locale.text("subscriber-every-component")
            } else {
                config
                    .status_page
                    .components
                    .iter()
                    .filter(|c| wanted.contains(&c.id()))
                    .map(|c| c.name.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let title = locale.text_with("subscriber-confirm-title", &[("page", page.into())]);
            Message {
                summary: title.clone(),
                title,
                title_url: Some(links.confirm.clone()),
                lines: vec![
                    vec![text(locale.text_with(
                        "subscriber-confirm-asked",
                        &[("page", page.into()), ("which", which.into())],
                    ))],
                    vec![link(
                        locale.text("subscriber-confirm-link"),
                        Some(&links.confirm),
                    )],
                    vec![text(locale.text("subscriber-confirm-ignore"))],
                ],
                context: vec![vec![
                    text(locale.text("subscriber-not-yours")),
                    link(locale.text("subscriber-never"), Some(&links.unsubscribe)),
                ]],
                outcome: None,
                locale,
            }
        }
        Notice::Incident(notice) => {
            let IncidentNotice {
                incident,
                name,
                status,
                body,
                at,
                components,
                ..
            } = notice.as_ref();
            let url = format!("{}/incidents/{incident}", links.page);
            let status = locale.text_or(&format!("incident-status-{status}"), &title_case(status));
            let title = format!("{name}: {status}");
            let affected: Vec<&str> = components.iter().map(|(_, name)| name.as_str()).collect();
            Message {
                summary: format!("{title}. {body}"),
                title,
                title_url: Some(url.clone()),
                lines: vec![
                    vec![Span::Bold(status), text(format!(": {body}"))],
                    vec![text(locale.text_with(
                        "subscriber-affects",
                        &[("components", affected.join(", ").into())],
                    ))],
                    vec![
                        text(
                            locale.text_with(
                                "subscriber-posted",
                                &[(
                                    "at",
                                    crate::statuspage::render::when_at(
                                        *at,
                                        config.status_page.zone(),
                                        locale,
                                    )
                                    .into(),
                                )],
                            ),
                        ),
                        link(locale.text("subscriber-follow"), Some(&url)),
                    ],
                ],
                context: vec![unsubscribe],
                outcome: None,
                locale,
            }
        }
    }
}

/// A webhook's body, shaped as Statuspage's webhooks are (`meta`, `page`, `incident`), so
/// receivers written for it read it; the confirmation carries `confirm_url`.
pub fn webhook_body(config: &Config, notice: &Notice, links: &Links) -> serde_json::Value {
    let meta = json!({ "unsubscribe": links.unsubscribe, "documentation": null });
    let page = json!({ "id": "firewatch", "name": config.status_page.title, "url": links.page });
    match notice {
        Notice::Confirm => json!({
            "meta": meta,
            "page": page,
            "subscription": { "state": "pending", "confirm_url": links.confirm },
        }),
        Notice::Incident(notice) => {
            let IncidentNotice {
                incident,
                name,
                impact,
                status,
                started_at,
                at,
                resolved_at,
                components,
                updates,
                ..
            } = notice.as_ref();
            let affected: Vec<_> = components
                .iter()
                .map(|(id, name)| json!({ "id": id, "name": name }))
                .collect();
            json!({
                "meta": meta,
                "page": page,
                "incident": {
                    "id": incident, "name": name, "status": status, "impact": impact,
                    "created_at": started_at, "updated_at": at, "resolved_at": resolved_at,
                    "shortlink": format!("{}/incidents/{incident}", links.page),
                    "components": affected,
                    "incident_updates": updates.iter().enumerate().map(|(n, u)| json!({
                        "id": format!("{incident}-{}", updates.len() - n), "incident_id": incident,
                        "status": u.status, "body": u.body, "created_at": u.at, "updated_at": u.at,
                        "display_at": u.at,
                    })).collect::<Vec<_>>(),
                },
            })
        }
    }
}

/// Clients for a `status_send`: the public one keeps webhooks off private networks.
pub struct Clients<'a> {
    pub public: &'a reqwest::Client,
    pub any: &'a reqwest::Client,
}

/// A `status_send` job. A subscriber who is gone, or not confirmed for anything but the
/// confirmation, is sent nothing.
pub async fn send(
    clients: &Clients<'_>,
    store: &Store,
    config: &Config,
    job: &ClaimedJob,
    timeout: Duration,
    now: Timestamp,
) -> Result<DeliveryResult, StoreError> {
    let skipped = Ok(DeliveryResult::Delivered {
        status: 0,
        chat_message: None,
    });
    let Ok(payload) = serde_json::from_str::<SendPayload>(&job.payload) else {
        tracing::warn!(payload = %job.payload, "status_send job with an unreadable payload");
        return skipped;
    };
    let subscriber = match store.subscriber(&payload.subscriber).await {
        Ok(subscriber) => subscriber,
        Err(StoreError::NotFound) => return skipped,
        Err(error) => return Err(error),
    };
    let allowed = match payload.notice {
        Notice::Confirm => subscriber.state != SubscriberState::Unsubscribed,
        Notice::Incident(_) => subscriber.state == SubscriberState::Confirmed,
    };
    if !allowed {
        return skipped;
    }
    let links = Links::new(config, &subscriber.token);
    let settings = &config.status_page.subscribers;
    match subscriber.kind {
        SubscriberKind::Email => {
            let destination = settings
                .email
                .as_deref()
                .and_then(|name| config.destination(name));
            let Some(DestinationConfig::Email(destination)) = destination else {
                return Ok(DeliveryResult::Rejected {
                    status: 0,
                    error: "[status_page.subscribers] email names no email destination".into(),
                });
            };
            let message = email_message(config, &subscriber, &payload.notice, &links);
            let rendered = email::render(&message, destination);
            let headers = [
                ("List-Unsubscribe", format!("<{}>", links.unsubscribe)),
                (
                    "List-Unsubscribe-Post",
                    "List-Unsubscribe=One-Click".to_owned(),
                ),
            ];
            let key = format!("status-{}", job.seq);
            let email = match email::build_to(
                destination,
                std::slice::from_ref(&subscriber.address),
                &headers,
                &rendered,
                &key,
                now,
            ) {
                Ok(email) => email,
                Err(error) => return Ok(DeliveryResult::Rejected { status: 0, error }),
            };
            Ok(email::send(destination, email, timeout).await)
        }
        SubscriberKind::Webhook => {
            let Ok(url) = reqwest::Url::parse(&subscriber.address) else {
                return Ok(DeliveryResult::Rejected {
                    status: 0,
                    error: "the webhook address does not parse".into(),
                });
            };
            let client = if settings.allow_private_webhooks {
                clients.any
            } else {
                if let Some(why) = guard::refuse_url(&url) {
                    return Ok(DeliveryResult::Rejected {
                        status: 0,
                        error: format!("refused: {why}"),
                    });
                }
                clients.public
            };
            let body = webhook_body(config, &payload.notice, &links);
            let sent = client
                .post(url)
                .header("Idempotency-Key", format!("status-{}", job.seq))
                .json(&body)
                .timeout(timeout)
                .send()
                .await;
            Ok(match sent {
                Ok(response) => {
                    let status = response.status();
                    let headers = response.headers().clone();
                    crate::integrations::outbound::classify(
                        status,
                        &headers,
                        now,
                        response.text().await.ok(),
                    )
                }
                Err(error) => DeliveryResult::Retry {
                    status: None,
                    retry_after: None,
                    error: crate::integrations::outbound::describe_send_error(&error),
                },
            })
        }
    }
}
