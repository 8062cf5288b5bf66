//! The on-call timers: an escalation's steps (`escalation_step`) and each page's send
//! (`page_send`). Both are jobs with a due time in the database, so they survive restarts and
//! run once across replicas; each is idempotent, so a step or send run again after a crash
//! makes nothing twice (a page keeps its id; the receiver sees the same `webhook-id`).

use std::collections::BTreeSet;

use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use crate::config::Config;
use crate::config::oncall::{ContactConfig, Target};
use crate::integrations::outbound::DeliveryResult;
use crate::oncall::send::Sender;
use crate::store::oncall::{
    Escalation, EscalationState, NewPage, PageOutcome, PageState, StepPlan,
};
use crate::store::{ClaimedJob, Store, StoreError};

#[derive(Deserialize)]
struct StepPayload {
    escalation: String,
    step: i64,
    round: i64,
}

#[derive(Deserialize)]
struct PagePayload {
    page: String,
}

/// Who a step reaches at `now`: each person with the target that found them, and the team
/// channels it tells.
pub async fn step_targets(
    store: &Store,
    config: &Config,
    targets: &[Target],
    now: Timestamp,
) -> Result<(Vec<(String, String)>, Vec<String>), StoreError> {
    let mut people: Vec<(String, String)> = Vec::new();
    let mut channels = Vec::new();
    let mut seen = BTreeSet::new();
    for target in targets {
        match target {
            Target::Person(id) => {
                if seen.insert(id.clone()) {
                    people.push((id.clone(), target.to_string()));
                }
            }
            Target::Schedule(id) => {
                let on_call = crate::oncall::views::on_call(
                    store,
                    config,
                    crate::oncall::views::Scope::Schedule(id),
                    now,
                )
                .await
                .or_else(|error| match error {
                    // A schedule the config no longer has: nobody, recorded as an empty step.
                    crate::oncall::views::ViewError::Store(error) => Err(error),
                    _ => Ok(Vec::new()),
                })?;
                for entry in on_call {
                    if seen.insert(entry.person.clone()) {
                        people.push((entry.person, target.to_string()));
                    }
                }
            }
            Target::Team(id) => {
                if let Some(channel) = config.team(id).and_then(|team| team.channel.clone()) {
                    if !channels.contains(&channel) {
                        channels.push(channel);
                    }
                }
            }
        }
    }
    Ok((people, channels))
}

/// Runs one step of an escalation: pages whoever its targets reach now (each through their
/// notification rules), tells the team channels, records the step, and plans the next one.
/// A step that reaches nobody is recorded and the next runs at once.
pub async fn run_step(
    store: &Store,
    config: &Config,
    job: &ClaimedJob,
    now: Timestamp,
) -> Result<(), StoreError> {
    let Ok(payload) = serde_json::from_str::<StepPayload>(&job.payload) else {
        tracing::warn!(payload = %job.payload, "escalation_step job with an unreadable payload");
        return Ok(());
    };
    let escalation = match store.get_escalation(&payload.escalation).await {
        Ok(escalation) => escalation,
        Err(StoreError::NotFound) => return Ok(()),
        Err(error) => return Err(error),
    };
    if escalation.state != EscalationState::Active
        || escalation.step != payload.step
        || escalation.round != payload.round
    {
        return Ok(());
    }
    let plan = plan_step(store, config, &escalation, now).await?;
    let recorded = store
        .record_escalation_step(&escalation.id, payload.step, payload.round, plan, now)
        .await?;
    if recorded {
        tracing::info!(escalation = %escalation.id, step = payload.step, round = payload.round, "escalation step ran");
    }
    Ok(())
}

async fn plan_step(
    store: &Store,
    config: &Config,
    escalation: &Escalation,
    now: Timestamp,
) -> Result<StepPlan, StoreError> {
    let mut plan = StepPlan::default();
    let direct = crate::config::oncall::EscalationPolicyConfig::direct(&escalation.policy);
    let Some(policy) = config
        .escalation_policy(&escalation.policy)
        .or(direct.as_ref())
    else {
        plan.log.push((
            "exhausted".into(),
            format!(
                "Escalation policy {} is no longer configured: nobody more is paged",
                escalation.policy
            ),
        ));
        return Ok(plan);
    };
    let index = usize::try_from(escalation.step).unwrap_or(0);
    let Some(step) = policy.steps.get(index) else {
        return Ok(plan);
    };
    // Every alert silenced (a maintenance window, say): the step pages nobody, and the next
    // still comes, so paging resumes if the silence ends first.
    let mut quiet = !escalation.alerts.is_empty();
    for alert in &escalation.alerts {
        match store.get_alert(alert).await {
            Ok(alert) if alert.state != crate::core::alert::AlertState::Silenced => {
                quiet = false;
                break;
            }
            Ok(_) | Err(StoreError::NotFound) => {}
            Err(error) => return Err(error),
        }
    }
    let (people, channels) = if quiet {
        plan.log.push((
            "silenced".into(),
            "Every alert of the escalation is silenced: this step pages nobody".into(),
        ));
        (Vec::new(), Vec::new())
    } else {
        step_targets(store, config, &step.targets(), now).await?
    };
    let step_name = format!(
        "Step {} of {} (round {} of {})",
        index + 1,
        policy.steps.len(),
        escalation.round + 1,
        policy.repeat + 1
    );
    let shadow = config.paging.shadow || policy.shadow;
    let mut reached = Vec::new();
    for (person_id, target) in &people {
        let rules = config
            .person(person_id)
            .map(|person| person.rules())
            .unwrap_or_default();
        let page = |contact: Option<&ContactConfig>, delay: SignedDuration| NewPage {
            id: format!(
                "{}.{}.{}.{}.{}",
                escalation.id,
                escalation.round,
                escalation.step,
                person_id,
                contact.map_or("none", |c| c.name())
            ),
            escalation_id: Some(escalation.id.clone()),
            person: person_id.clone(),
            contact: contact.map(|c| c.name().to_owned()),
            contact_kind: contact.map(|c| c.kind_name().to_owned()),
            step: Some(escalation.step),
            round: Some(escalation.round),
            target: Some(target.clone()),
            summary: escalation.summary.clone(),
            due_at: now.saturating_add(delay).unwrap_or(now),
            shadow,
        };
        if rules.is_empty() {
            plan.pages.push(page(None, SignedDuration::ZERO));
            plan.log.push((
                "empty_step".into(),
                format!("{person_id} has no contact method: the page reaches nobody"),
            ));
            continue;
        }
        reached.push(person_id.clone());
        for (delay, contact) in rules {
            plan.pages.push(page(Some(contact), delay));
        }
    }
    for channel in &channels {
        // A shadow policy tells no channel either; the step's log says it would have.
        if !shadow {
            plan.events.push(crate::oncall::notices::channel_notice(
                config, escalation, channel, now,
            ));
        }
    }
    let empty = reached.is_empty() && channels.is_empty() && !quiet;
    if empty {
        plan.log.push((
            "empty_step".into(),
            format!(
                "{step_name} reached nobody ({}): moving on",
                step.notify.join(", ")
            ),
        ));
    } else if !quiet {
        let mut told: Vec<String> = reached;
        told.extend(channels.iter().map(|channel| format!("#{channel}")));
        let verb = if shadow {
            "would have paged (shadow)"
        } else {
            "paged"
        };
        plan.log.push((
            "step".into(),
            format!("{step_name}: {verb} {}", told.join(", ")),
        ));
    }
    // An empty step moves on at once; otherwise the next waits its delay.
    let wait = |delay: SignedDuration| if empty { SignedDuration::ZERO } else { delay };
    plan.next = if index + 1 < policy.steps.len() {
        let delay = policy.steps[index + 1].delay();
        Some((
            escalation.step + 1,
            escalation.round,
            now.saturating_add(wait(delay)).unwrap_or(now),
        ))
    } else if escalation.round < i64::from(policy.repeat) {
        Some((
            0,
            escalation.round + 1,
            now.saturating_add(wait(policy.round_gap())).unwrap_or(now),
        ))
    } else {
        plan.log.push((
            "exhausted".into(),
            "That was the last step: the policy has paged everyone it names, and pages no one more"
                .into(),
        ));
        None
    };
    Ok(plan)
}

/// Sends one page through its contact method, unless its escalation was acknowledged or
/// resolved meanwhile, or the person's throttle folds it. `Delivered` is recorded here; the
/// runner turns a `Retry` into a retry or, at the end, a failed page.
pub async fn send_page(
    store: &Store,
    config: &Config,
    sender: &Sender<'_>,
    job: &ClaimedJob,
    now: Timestamp,
) -> Result<DeliveryResult, StoreError> {
    let done = DeliveryResult::Delivered {
        status: 0,
        chat_message: None,
    };
    let Ok(payload) = serde_json::from_str::<PagePayload>(&job.payload) else {
        return Ok(done);
    };
    let page = match store.get_page(&payload.page).await {
        Ok(page) => page,
        Err(StoreError::NotFound) => return Ok(done),
        Err(error) => return Err(error),
    };
    if page.state != PageState::Pending {
        return Ok(done);
    }
    let escalation = match &page.escalation_id {
        Some(id) => Some(store.get_escalation(id).await?),
        None => None,
    };
    if escalation
        .as_ref()
        .is_some_and(|escalation| escalation.state != EscalationState::Active)
    {
        store
            .finish_page(&page.id, &PageOutcome::Cancelled, now)
            .await?;
        return Ok(done);
    }
    let contact = config
        .person(&page.person)
        .and_then(|person| person.contact(page.contact.as_deref().unwrap_or_default()));
    let Some(contact) = contact else {
        store
            .finish_page(
                &page.id,
                &PageOutcome::Failed(format!(
                    "{}'s contact \"{}\" is no longer configured",
                    page.person,
                    page.contact.as_deref().unwrap_or_default()
                )),
                now,
            )
            .await?;
        return Ok(done);
    };
    // A storm never rings a phone fifty times: past the limit, pages to the person are folded
    // and told once, as "…and N more", when the minute is over.
    if escalation.is_some() && job.attempts == 0 {
        let window_start = now - SignedDuration::from_mins(1);
        let limit = i64::from(config.paging.max_pages_per_minute);
        if !store
            .reserve_page(&page.id, &page.person, window_start, limit, now)
            .await?
        {
            store
                .finish_page(&page.id, &PageOutcome::Folded, now)
                .await?;
            crate::oncall::ops::plan_fold(store, &page, contact, now).await?;
            return Ok(done);
        }
    }
    if page.shadow {
        store
            .finish_page(&page.id, &PageOutcome::Shadow, now)
            .await?;
        tracing::info!(page = %page.id, person = %page.person, contact = contact.name(), "shadow page recorded, not sent");
        return Ok(done);
    }
    let message =
        crate::oncall::ops::page_message(store, config, &page, escalation.as_ref(), now).await?;
    let result = crate::oncall::send::send(sender, config, contact, &message, &page, now).await;
    if let DeliveryResult::Delivered { .. } = result {
        store.finish_page(&page.id, &PageOutcome::Sent, now).await?;
        tracing::info!(page = %page.id, person = %page.person, contact = contact.name(), "page sent");
    }
    Ok(result)
}
