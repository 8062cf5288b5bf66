//! What people do on call, whichever way they do it (a page's link, the UI, the API, the CLI
//! through the API): acknowledge or resolve an escalation, override a schedule, send a test
//! page. Acknowledging from anywhere takes the one path here and records who did it.

use crate::core::audit::{Actor, Channel};
use crate::store::audit::NewAudit;
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::config::oncall::ContactConfig;
use crate::context::Context;
use crate::core::alert::{AlertChange, AlertState};
use crate::i18n::Locale;
use crate::integrations::outbound::page::{PageMessage, PageSubject};
use crate::store::oncall::{Escalation, EscalationState, NewPage, Page, PageLink};
use crate::store::{Store, StoreError};

/// The stored form of a link's token: its SHA-256, so the database never holds a working link.
pub fn link_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new link for a page: 256 random bits, unguessable, expiring, stored only as a hash.
async fn new_link(
    store: &Store,
    config: &Config,
    escalation: &Escalation,
    page: &Page,
    now: Timestamp,
) -> Result<String, StoreError> {
    let mut secret = [0_u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|error| StoreError::Io(std::io::Error::other(error.to_string())))?;
    let token = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, secret);
    store
        .create_page_link(
            &link_hash(&token),
            &PageLink {
                escalation_id: escalation.id.clone(),
                page_id: Some(page.id.clone()),
                person: Some(page.person.clone()),
                expires_at: now
                    .saturating_add(config.paging.link_expiry())
                    .unwrap_or(now),
                used_at: None,
                used_action: None,
            },
        )
        .await?;
    Ok(token)
}

/// What a page says, with fresh acknowledge and resolve links.
pub async fn page_message(
    store: &Store,
    config: &Config,
    page: &Page,
    escalation: Option<&Escalation>,
    now: Timestamp,
) -> Result<PageMessage, StoreError> {
    let base = config.server.base_url();
    let (acknowledge_url, resolve_url) = match escalation {
        Some(escalation) => {
            let token = new_link(store, config, escalation, page, now).await?;
            (
                Some(format!("{base}/a/{token}")),
                Some(format!("{base}/a/{token}?action=resolve")),
            )
        }
        None => (None, None),
    };
    let more = if page.target.as_deref() == Some(FOLD_TARGET) {
        u32::try_from(page.folded).unwrap_or(0)
    } else {
        0
    };
    Ok(PageMessage {
        page_id: page.id.clone(),
        person: page.person.clone(),
        summary: page.summary.clone(),
        severity: escalation.map_or_else(|| "test".to_owned(), |e| e.severity.clone()),
        service: escalation.and_then(|e| e.service.clone()),
        subject: subject(escalation),
        acknowledge_url,
        resolve_url,
        detail_url: escalation.and_then(|e| match (&e.incident_id, &e.alert_id) {
            (Some(incident), _) => Some(format!("{base}/incidents/{incident}")),
            (None, Some(alert)) => Some(format!("{base}/alerts/{alert}")),
            (None, None) => None,
        }),
        more,
        locale: config
            .person(&page.person)
            .and_then(|person| person.locale)
            .unwrap_or(config.server.locale),
    })
}

/// The target a fold page carries.
pub const FOLD_TARGET: &str = "fold";

/// A page the throttle held back: one "…and N more" page per person and minute, sent through
/// the same contact when the minute is over.
pub async fn plan_fold(
    store: &Store,
    page: &Page,
    contact: &ContactConfig,
    now: Timestamp,
) -> Result<(), StoreError> {
    let minute = now.as_second().div_euclid(60);
    // Shadow folds are their own, as their throttle is (`OncallStore::reserve_page`).
    let shadow = if page.shadow { ".shadow" } else { "" };
    let id = format!("fold.{}.{}.{minute}{shadow}", page.person, contact.name());
    let due = Timestamp::from_second((minute + 1) * 60).unwrap_or(now);
    store
        .create_page(
            &NewPage {
                id: id.clone(),
                escalation_id: None,
                person: page.person.clone(),
                contact: Some(contact.name().to_owned()),
                contact_kind: Some(contact.kind_name().to_owned()),
                step: None,
                round: None,
                target: Some(FOLD_TARGET.into()),
                summary:
                    "More pages arrived while you were being paged; open Firewatch for the list"
                        .into(),
                due_at: due,
                shadow: page.shadow,
            },
            now,
        )
        .await?;
    store.count_fold(&id).await
}

/// Acknowledges an escalation for everyone, and the firing alerts that joined it. `None`
/// when it was not active (already acknowledged or resolved).
pub async fn acknowledge(
    state: &Context,
    escalation_id: &str,
    actor: &Actor,
) -> Result<Option<Escalation>, StoreError> {
    let by = actor.by.as_str();
    let now = state.clock.now();
    let Some(escalation) = state
        .store
        .acknowledge_escalation(
            escalation_id,
            by,
            &[NewAudit::new(actor, "page.acknowledge", escalation_id)],
            now,
        )
        .await?
    else {
        return Ok(None);
    };
    tracing::info!(escalation = %escalation.id, by, "escalation acknowledged");
    for alert in &escalation.alerts {
        let current = state.store.get_alert(alert).await?;
        if current.state == AlertState::Firing {
            crate::alerts::ops::change_alert(state, alert, AlertChange::Acknowledged, actor)
                .await?;
        }
    }
    state.jobs_added.notify_one();
    Ok(Some(escalation))
}

/// Resolves every open alert of an escalation, which ends it. `None` when it had ended.
pub async fn resolve(
    state: &Context,
    escalation_id: &str,
    actor: &Actor,
) -> Result<Option<Escalation>, StoreError> {
    let by = actor.by.as_str();
    let escalation = state.store.get_escalation(escalation_id).await?;
    if escalation.state == EscalationState::Resolved {
        return Ok(None);
    }
    for alert in &escalation.alerts {
        let current = state.store.get_alert(alert).await?;
        if matches!(current.state, AlertState::Firing | AlertState::Acknowledged) {
            crate::alerts::ops::change_alert(state, alert, AlertChange::Resolved, actor).await?;
        }
    }
    tracing::info!(escalation = %escalation.id, by, "escalation resolved");
    Ok(Some(state.store.get_escalation(escalation_id).await?))
}

/// "Send me a test page": one page through every contact method the person has, at once.
/// Returns the pages' ids.
pub async fn test_page(state: &Context, person_id: &str) -> Result<Vec<String>, PageError> {
    let config = state.config.current();
    let person = config
        .person(person_id)
        .ok_or_else(|| PageError::UnknownPerson(person_id.to_owned()))?;
    if person.contacts.is_empty() {
        return Err(PageError::NoContact(person_id.to_owned()));
    }
    let now = state.clock.now();
    let batch = crate::store::new_id(now);
    let mut ids = Vec::new();
    for contact in &person.contacts {
        let id = format!("test.{batch}.{}", contact.name());
        state
            .store
            .create_page(
                &NewPage {
                    id: id.clone(),
                    escalation_id: None,
                    person: person.id.clone(),
                    contact: Some(contact.name().to_owned()),
                    contact_kind: Some(contact.kind_name().to_owned()),
                    step: None,
                    round: None,
                    target: None,
                    summary: format!("Test page for {}", person.display_name()),
                    due_at: now,
                    // Asked for by the person: it goes out even in shadow mode.
                    shadow: false,
                },
                now,
            )
            .await?;
        ids.push(id);
    }
    state.jobs_added.notify_one();
    Ok(ids)
}

/// "Escalate now" on an alert: each of its active escalations runs its next step at once,
/// rather than when it is due. How many did.
pub async fn escalate_alert_now(
    state: &Context,
    alert_id: &str,
    by: &str,
) -> Result<usize, StoreError> {
    let mut escalated = 0;
    for escalation in state.store.alert_escalations(alert_id).await? {
        if escalation.state == EscalationState::Active
            && escalate_now(state, &escalation.id, by).await?.is_some()
        {
            escalated += 1;
        }
    }
    Ok(escalated)
}

/// "Escalate now" on a page: its escalation's next step runs at once. `None` when it is not
/// active or has no step left.
pub async fn escalate_now(
    state: &Context,
    escalation_id: &str,
    by: &str,
) -> Result<Option<Escalation>, StoreError> {
    let escalated = state
        .store
        .escalate_now(escalation_id, by, state.clock.now())
        .await?;
    if escalated.is_some() {
        state.jobs_added.notify_one();
        tracing::info!(escalation = escalation_id, by, "escalated now");
    }
    Ok(escalated)
}

/// Pages a person now, by hand (`/fw page`): an escalation of its own whose one step reaches
/// them through their notification rules, acknowledged like any page. Its id.
pub async fn page_person(
    state: &Context,
    person_id: &str,
    message: &str,
    by: &str,
) -> Result<String, PageError> {
    let config = state.config.current();
    let person = config
        .person(person_id)
        .ok_or_else(|| PageError::UnknownPerson(person_id.to_owned()))?;
    if person.contacts.is_empty() {
        return Err(PageError::NoContact(person.display_name().to_owned()));
    }
    let now = state.clock.now();
    let start = crate::store::oncall::EscalationStart {
        key: format!("direct:{}", crate::store::new_id(now)),
        policy: format!("person:{}", person.id),
        service: None,
        summary: format!("{} (paged by {by})", message.trim()),
        // Someone chose to wake this person: it rings like a critical alert.
        severity: "critical".into(),
        alert_id: None,
        incident_id: None,
        first_step_at: now,
    };
    let id = state.store.start_escalation(&start, now).await?;
    state.jobs_added.notify_one();
    tracing::info!(escalation = %id, person = %person.id, by, "a person paged by hand");
    Ok(id)
}

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("no person \"{0}\" in [[people]]")]
    UnknownPerson(String),
    #[error("{0} has no contact method to page")]
    NoContact(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a link can do, once read: the escalation it acts on, or why it cannot.
pub enum LinkState {
    Usable {
        link: PageLink,
        escalation: Box<Escalation>,
    },
    /// Used, expired, or its escalation already over: which.
    Gone(LinkRefusal),
    Unknown,
}

/// Why a page link does nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkRefusal {
    /// Not one Firewatch made, or cut short.
    Unknown,
    /// Used already, `ago` before now.
    Used {
        action: String,
        ago: SignedDuration,
    },
    Expired,
    /// Its incident is no longer open.
    IncidentOver,
    /// Every alert it was about has resolved.
    AlertsResolved,
    /// Someone used it a moment before this request.
    JustUsed,
}

impl LinkRefusal {
    /// The sentence a person reads (or hears on a call), in their language.
    pub fn sentence(&self, locale: Locale) -> String {
        match self {
            LinkRefusal::Unknown => locale.text("page-link-unknown"),
            LinkRefusal::Used { action, ago } => {
                let ago = match locale {
                    Locale::En => crate::core::noise::human_duration(ago.as_secs_f64().max(0.0)),
                    _ => locale.duration(*ago),
                };
                let key = match action.as_str() {
                    "resolve" => "page-link-used-resolve",
                    _ => "page-link-used-acknowledge",
                };
                locale.text_with(key, &[("ago", ago.into())])
            }
            LinkRefusal::Expired => locale.text("page-link-expired"),
            LinkRefusal::IncidentOver => locale.text("page-link-incident-over"),
            LinkRefusal::AlertsResolved => locale.text("page-link-alerts-resolved"),
            LinkRefusal::JustUsed => locale.text("page-link-just-used"),
        }
    }
}

pub async fn read_link(state: &Context, token: &str) -> Result<LinkState, StoreError> {
    let Some(link) = state.store.page_link(&link_hash(token)).await? else {
        return Ok(LinkState::Unknown);
    };
    let now = state.clock.now();
    let escalation = state.store.get_escalation(&link.escalation_id).await?;
    if let (Some(at), Some(action)) = (link.used_at, &link.used_action) {
        return Ok(LinkState::Gone(LinkRefusal::Used {
            action: action.clone(),
            ago: now.duration_since(at).max(SignedDuration::ZERO),
        }));
    }
    if link.expires_at <= now {
        return Ok(LinkState::Gone(LinkRefusal::Expired));
    }
    match escalation.state {
        EscalationState::Resolved if escalation.alerts.is_empty() => {
            Ok(LinkState::Gone(LinkRefusal::IncidentOver))
        }
        EscalationState::Resolved => Ok(LinkState::Gone(LinkRefusal::AlertsResolved)),
        _ => Ok(LinkState::Usable {
            link,
            escalation: Box::new(escalation),
        }),
    }
}

/// The language of the person a link was sent to, when they have one, for what a call or a
/// link's page says back.
pub async fn link_locale(state: &Context, token: &str) -> Option<Locale> {
    let person = match state.store.page_link(&link_hash(token)).await {
        Ok(Some(link)) => link.person,
        _ => None,
    }?;
    state.config.current().person(&person)?.locale
}

/// Acts on a link (once): acknowledge or resolve, as the person it was sent to. `channel`
/// says how: the link's page, or a key pressed on the call that carried it.
pub async fn use_link(
    state: &Context,
    token: &str,
    action: LinkAction,
    channel: Channel,
) -> Result<Result<Escalation, LinkRefusal>, StoreError> {
    let (link, escalation) = match read_link(state, token).await? {
        LinkState::Usable { link, escalation } => (link, escalation),
        LinkState::Gone(refusal) => return Ok(Err(refusal)),
        LinkState::Unknown => return Ok(Err(LinkRefusal::Unknown)),
    };
    let now = state.clock.now();
    if !state
        .store
        .use_page_link(&link_hash(token), action.as_str(), now)
        .await?
    {
        return Ok(Err(LinkRefusal::JustUsed));
    }
    let config = state.config.current();
    let by = link
        .person
        .as_deref()
        .map(|id| {
            config
                .person(id)
                .map_or(id, |p| p.display_name())
                .to_owned()
        })
        .unwrap_or_else(|| "someone with the page's link".into());
    // A key pressed on a call uses the same link: the record names it alike.
    let by = Actor::new(format!("{by} (page link)"), channel);
    match action {
        LinkAction::Acknowledge => {
            if escalation.state == EscalationState::Acknowledged {
                return Ok(Ok(*escalation));
            }
            acknowledge(state, &escalation.id, &by).await?;
        }
        LinkAction::Resolve => {
            resolve(state, &escalation.id, &by).await?;
        }
    }
    Ok(Ok(state.store.get_escalation(&escalation.id).await?))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkAction {
    Acknowledge,
    Resolve,
}

impl LinkAction {
    pub fn parse(text: &str) -> Option<LinkAction> {
        match text {
            "acknowledge" | "ack" => Some(LinkAction::Acknowledge),
            "resolve" => Some(LinkAction::Resolve),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LinkAction::Acknowledge => "acknowledge",
            LinkAction::Resolve => "resolve",
        }
    }
}

/// What a page is about, for its message.
pub fn subject(escalation: Option<&Escalation>) -> PageSubject {
    match escalation {
        Some(escalation) => match (&escalation.incident_id, &escalation.alert_id) {
            (Some(incident), _) => PageSubject::Incident(incident.clone()),
            (None, Some(alert)) => PageSubject::Alert(alert.clone()),
            (None, None) => PageSubject::Test,
        },
        None => PageSubject::Test,
    }
}
