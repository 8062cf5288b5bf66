//! Digests on a schedule. Each occurrence is a job in the durable job table with a key
//! (`digest:<name>:<unix time>`), so scheduling it twice stores one job. When it runs it brings
//! the kept state up to date, stores the digest as an event with the same key (so a re-run
//! after a crash sends nothing twice), routes it to the digest's destinations through the
//! ordinary delivery jobs, and schedules the next occurrence. A restart finds an overdue
//! occurrence in the table and sends it late rather than skipping it.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::projector::StateProjector;
use crate::config::Config;
use crate::config::forge::{DigestConfig, DigestKind};
use crate::core::digest::{DigestChange, DigestData, DigestRepository};
use crate::store::forge::OpenChange;
use crate::store::{EventStatus, NewEvent, NewJob, Store, StoreError};

/// The kind of the event a digest occurrence makes (its job is `JobKind::Digest`).
pub const DIGEST: &str = "digest";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Occurrence {
    digest: String,
    scheduled_for: Timestamp,
}

fn key(name: &str, at: Timestamp) -> String {
    format!("digest:{name}:{}", at.as_second())
}

async fn schedule(
    store: &Store,
    name: &str,
    at: Timestamp,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let payload = serde_json::to_string(&Occurrence {
        digest: name.to_owned(),
        scheduled_for: at,
    })
    .unwrap_or_default();
    let job = NewJob {
        kind: crate::store::JobKind::Digest.as_str().into(),
        queue: Some(format!("digest:{name}")),
        destination: None,
        event_id: None,
        payload,
        run_at: at,
        // A digest that cannot be built within a day is no longer worth sending.
        expires_at: at
            .saturating_add(SignedDuration::from_hours(24))
            .unwrap_or(at),
    };
    store.schedule_job(&job, &key(name, at), now).await
}

/// Makes sure every configured digest has its next occurrence scheduled. Run at start and on
/// reload; occurrences already in the table are left as they are.
pub async fn schedule_all(
    store: &Store,
    config: &Config,
    now: Timestamp,
) -> Result<(), StoreError> {
    for (index, digest) in config.digests.iter().enumerate() {
        let name = digest.id(index);
        if let Some(at) = digest.next_after(now) {
            if schedule(store, &name, at, now).await? {
                tracing::info!(digest = %name, at = %at, "digest scheduled");
            }
        }
    }
    Ok(())
}

/// Runs one occurrence (the job's payload says which).
pub async fn run(
    store: &Store,
    config: &Config,
    now: Timestamp,
    payload: &str,
) -> Result<(), StoreError> {
    let Ok(occurrence) = serde_json::from_str::<Occurrence>(payload) else {
        tracing::warn!(payload, "a digest job this version cannot read; dropped");
        return Ok(());
    };
    let found = config
        .digests
        .iter()
        .enumerate()
        .find(|(index, digest)| digest.id(*index) == occurrence.digest);
    let Some((_, digest)) = found else {
        tracing::info!(digest = %occurrence.digest, "digest no longer configured; occurrence dropped");
        return Ok(());
    };
    // After a config change an occurrence of the old schedule is dropped, not sent.
    let one_second_before = occurrence.scheduled_for - SignedDuration::from_secs(1);
    if digest.next_after(one_second_before) != Some(occurrence.scheduled_for) {
        tracing::info!(digest = %occurrence.digest, "digest schedule changed; old occurrence dropped");
        schedule_all(store, config, now).await?;
        return Ok(());
    }
    StateProjector {
        store: store.clone(),
    }
    .catch_up()
    .await?;
    // The weekly report is a status update: it goes out every week, however quiet.
    let (kind, body, items) = match digest.kind {
        DigestKind::OpenPullRequests => {
            let data = build(&occurrence.digest, digest, store.open_changes().await?, now);
            (DIGEST, serde_json::to_vec(&data), data.total())
        }
        DigestKind::WeeklyReport => {
            let report = crate::metrics::weekly::build(
                store,
                config,
                &occurrence.digest,
                digest,
                occurrence.scheduled_for,
                now,
            )
            .await?;
            (
                crate::metrics::weekly::WEEKLY_REPORT,
                serde_json::to_vec(&report),
                1,
            )
        }
    };
    if items > 0 || digest.send_when_empty {
        let window = config.delivery.retry_window();
        let event = NewEvent {
            id: crate::store::new_id(now),
            integration: format!("digest:{}", occurrence.digest),
            source: "firewatch".into(),
            kind: kind.into(),
            status: EventStatus::Accepted,
            ignored_reason: None,
            dedup_key: Some(key(&occurrence.digest, occurrence.scheduled_for)),
            received_at: now,
            headers: "{}".into(),
            body: body.unwrap_or_default().into(),
            normalized: None,
            repository: None,
            jobs: Vec::new(),
            destinations: digest
                .to
                .iter()
                .map(|destination| crate::core::routing::Target {
                    destination: destination.clone(),
                    template: None,
                })
                .collect(),
            expires_at: now.saturating_add(window).unwrap_or(now),
        };
        store
            .insert_events(std::slice::from_ref(&event), now)
            .await?;
        store.sync_durable().await?;
        tracing::info!(digest = %occurrence.digest, items, "digest sent");
    } else {
        tracing::info!(digest = %occurrence.digest, "digest empty; nothing sent");
    }
    if let Some(next) = digest.next_after(occurrence.scheduled_for) {
        schedule(store, &occurrence.digest, next, now).await?;
    }
    Ok(())
}

fn build(
    name: &str,
    digest: &DigestConfig,
    changes: Vec<OpenChange>,
    now: Timestamp,
) -> DigestData {
    let wanted = |repository: &str| {
        digest.repos.is_empty()
            || digest.repos.iter().any(|pattern| {
                glob::Pattern::new(pattern).is_ok_and(|pattern| pattern.matches(repository))
            })
    };
    let mut repositories: Vec<DigestRepository> = Vec::new();
    for change in changes.into_iter().filter(|c| wanted(&c.repository)) {
        let item = DigestChange {
            source: change.source,
            number: change.number,
            title: change.title,
            url: change.url,
            author: change.author,
            draft: change.draft,
            opened_at: change.opened_at,
            ci: change.ci,
            review_state: change.review_state,
            requested_reviewers: change.requested_reviewers,
        };
        match repositories.last_mut() {
            Some(last) if last.repository == change.repository => last.changes.push(item),
            _ => repositories.push(DigestRepository {
                repository: change.repository,
                changes: vec![item],
            }),
        }
    }
    for repository in &mut repositories {
        repository.changes.sort_by_key(|change| change.opened_at);
    }
    DigestData {
        digest: name.to_owned(),
        kind: digest.kind.as_str().to_owned(),
        generated_at: now,
        timezone: digest.timezone.clone(),
        repositories,
    }
}
