//! What people and pipelines do with change announcements: announce, approve, reject; and
//! the expiry of an approval nobody gave. The two-person rule is decided here, on the
//! announcement as stored: the approver is a user, and never the one who announced it.

use jiff::Timestamp;

use crate::changes::notices::{self, Told};
use crate::context::Context;
use crate::core::role::Role;
use crate::store::Timer;
pub use crate::store::changes::Refusal;
use crate::store::changes::{Announcement, ChangeState, Risk};
use crate::store::{JobKind, Store, StoreError};

/// Who acts: how the record names them, the web UI user behind them and that user's role, if
/// any, and the person who made the token they act through.
#[derive(Debug, Clone)]
pub struct Identity {
    pub by: String,
    pub user: Option<String>,
    pub role: Option<Role>,
    /// Whoever made the token, when a person did: a token an announcer made for someone else
    /// is still the announcer's hand.
    pub minted_by: Option<String>,
    /// Where they decided from, for the audit log.
    pub channel: crate::core::audit::Channel,
}

impl Identity {
    pub fn of_token(token: &crate::store::accounts::ApiToken) -> Identity {
        Identity {
            by: match &token.user {
                Some(user) => format!("user:{user} (token {})", token.name),
                None => format!("api:{}", token.name),
            },
            user: token.user.clone(),
            // An unreadable role is the least one, as for sessions.
            role: token
                .user
                .as_ref()
                .map(|_| token.user_role.as_deref().and_then(|r| r.parse().ok()))
                .map(|role| role.unwrap_or(Role::Viewer)),
            minted_by: token.created_by_user.clone(),
            channel: crate::core::audit::Channel::Api,
        }
    }

    pub fn of_user(name: &str, role: Role) -> Identity {
        Identity {
            by: format!("user:{name}"),
            user: Some(name.to_owned()),
            role: Some(role),
            minted_by: None,
            channel: crate::core::audit::Channel::Ui,
        }
    }

    /// The same person, deciding from `channel`.
    pub fn via(mut self, channel: crate::core::audit::Channel) -> Identity {
        self.channel = channel;
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone)]
pub struct NewAnnouncement {
    pub summary: String,
    pub service: String,
    pub environment: String,
    pub risk: Risk,
    pub rollback: String,
    pub needs_approval: bool,
}

fn required(value: &str, what: &str, max: usize) -> Result<String, ChangeError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(ChangeError::Invalid(format!(
            "{what} must be 1 to {max} characters"
        )));
    }
    Ok(value.to_owned())
}

pub async fn announce(
    state: &Context,
    new: NewAnnouncement,
    who: &Identity,
) -> Result<Announcement, ChangeError> {
    let config = state.config.current();
    let announcement =
        announce_with(&state.store, &config, state.clock.now(), new, who, None).await?;
    state.jobs_added.notify_one();
    Ok(announcement)
}

/// Announces a change that stands for something outside Firewatch (`external`, such as a
/// Terraform run), or nothing; for callers without a `Context` (a job).
pub async fn announce_with(
    store: &crate::store::Store,
    config: &crate::config::Config,
    now: Timestamp,
    new: NewAnnouncement,
    who: &Identity,
    external: Option<String>,
) -> Result<Announcement, ChangeError> {
    if config.service(new.service.trim()).is_none() {
        return Err(ChangeError::Invalid(format!(
            "no service \"{}\" in [[services]]",
            new.service.trim()
        )));
    }
    let announcement = Announcement {
        id: crate::store::new_id(now),
        summary: required(&new.summary, "the summary", 500)?,
        service: new.service.trim().to_owned(),
        environment: required(&new.environment, "the environment", 100)?,
        risk: new.risk,
        rollback: required(&new.rollback, "the rollback plan", 1000)?,
        needs_approval: new.needs_approval,
        state: if new.needs_approval {
            ChangeState::PendingApproval
        } else {
            ChangeState::Announced
        },
        announced_by: who.by.clone(),
        announcer_user: who.user.clone(),
        created_at: now,
        expires_at: new.needs_approval.then(|| {
            now.saturating_add(config.changes.approval_expires())
                .unwrap_or(now)
        }),
        decided_at: None,
        decided_by: None,
        reason: None,
        external,
    };
    let events: Vec<_> = notices::notice(config, &announcement, Told::Announced, now)
        .into_iter()
        .collect();
    let timers: Vec<Timer> = announcement
        .expires_at
        .map(|at| Timer {
            kind: JobKind::ChangeExpiry,
            payload: serde_json::json!({ "change": announcement.id }).to_string(),
            at,
            key: format!("change-expiry:{}", announcement.id),
        })
        .into_iter()
        .collect();
    store
        .create_announcement(&announcement, &events, &timers, now)
        .await?;
    tracing::info!(change = %announcement.id, by = %who.by, needs_approval = new.needs_approval, "change announced");
    Ok(announcement)
}

/// What a person decides.
#[derive(Debug, Clone)]
pub enum Decision {
    Approve,
    Reject { reason: Option<String> },
}

/// The two-person rule, on the announcement as stored.
pub fn decide(
    current: &Announcement,
    decision: &Decision,
    who: &Identity,
    now: Timestamp,
) -> Result<Announcement, Refusal> {
    if current.state != ChangeState::PendingApproval {
        return Err(Refusal::NotPending(current.state.as_str()));
    }
    let Some(user) = &who.user else {
        return Err(Refusal::NoUser);
    };
    if current.announcer_user.as_deref() == Some(user.as_str()) {
        return Err(Refusal::SelfApproval);
    }
    if current.announcer_user.is_some() && current.announcer_user == who.minted_by {
        return Err(Refusal::AnnouncersToken);
    }
    // The same role the web UI asks for, whichever way the decision comes.
    let role = who.role.unwrap_or(Role::Viewer);
    if !role.allows(Role::Responder) {
        return Err(Refusal::Role {
            user: user.clone(),
            role,
        });
    }
    let mut after = current.clone();
    after.decided_at = Some(now);
    after.decided_by = Some(who.by.clone());
    match decision {
        Decision::Approve => after.state = ChangeState::Approved,
        Decision::Reject { reason } => {
            after.state = ChangeState::Rejected;
            after.reason = reason
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned);
        }
    }
    Ok(after)
}

pub async fn decide_change(
    state: &Context,
    id: &str,
    decision: Decision,
    who: &Identity,
) -> Result<Announcement, ChangeError> {
    let config = state.config.current();
    let now = state.clock.now();
    let decided = state
        .store
        .decide_announcement(
            id,
            &|current| {
                let after = decide(current, &decision, who, now)?;
                let told = if after.state == ChangeState::Approved {
                    Told::Approved
                } else {
                    Told::Rejected
                };
                let events = notices::notice(&config, &after, told, now)
                    .into_iter()
                    .collect();
                let audit = crate::store::audit::NewAudit::new(
                    &crate::core::audit::Actor::new(&who.by, who.channel),
                    match decision {
                        Decision::Approve => "change.approve",
                        Decision::Reject { .. } => "change.reject",
                    },
                    &current.id,
                )
                .before(serde_json::json!({ "state": current.state.as_str(), "summary": current.summary }))
                .after(serde_json::json!({ "state": after.state.as_str(), "reason": after.reason }));
                Ok((after, events, vec![audit]))
            },
            now,
        )
        .await?;
    let announcement = decided?;
    tracing::info!(change = %id, by = %who.by, state = announcement.state.as_str(), "change decided");
    state.jobs_added.notify_one();
    Ok(announcement)
}

/// The `change_expiry` timer: a change still pending approval expires, and is told so.
pub async fn expire(
    store: &Store,
    config: &crate::config::Config,
    job: &crate::store::ClaimedJob,
    now: Timestamp,
) -> Result<(), StoreError> {
    #[derive(serde::Deserialize)]
    struct Payload {
        change: String,
    }
    let Ok(payload) = serde_json::from_str::<Payload>(&job.payload) else {
        tracing::warn!(payload = %job.payload, "change_expiry job with an unreadable payload");
        return Ok(());
    };
    let result = store
        .decide_announcement(
            &payload.change,
            &|current| {
                if current.state != ChangeState::PendingApproval {
                    return Err(Refusal::NotPending(current.state.as_str()));
                }
                let mut after = current.clone();
                after.state = ChangeState::Expired;
                after.decided_at = Some(now);
                after.decided_by = Some("firewatch: nobody decided in time".into());
                let events = notices::notice(config, &after, Told::Expired, now)
                    .into_iter()
                    .collect();
                Ok((after, events, Vec::new()))
            },
            now,
        )
        .await;
    match result {
        Ok(_) | Err(StoreError::NotFound) => Ok(()),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(announcer: Option<&str>) -> Announcement {
        let now: Timestamp = "2026-11-02T01:00:00Z".parse().unwrap();
        Announcement {
            id: "chg_1".into(),
            summary: "Remove the Datadog log filter".into(),
            service: "api".into(),
            environment: "production".into(),
            risk: Risk::Medium,
            rollback: "Restore the filter".into(),
            needs_approval: true,
            state: ChangeState::PendingApproval,
            announced_by: "user:ana".into(),
            announcer_user: announcer.map(str::to_owned),
            created_at: now,
            expires_at: None,
            decided_at: None,
            decided_by: None,
            reason: None,
            external: None,
        }
    }

    #[test]
    fn the_approver_is_a_user_and_never_the_announcer() {
        let now: Timestamp = "2026-11-02T01:05:00Z".parse().unwrap();
        let token = |user: Option<&str>| Identity {
            by: "api:ci".into(),
            user: user.map(str::to_owned),
            role: user.map(|_| Role::Responder),
            minted_by: None,
            channel: crate::core::audit::Channel::Api,
        };
        let approve = Decision::Approve;
        assert_eq!(
            decide(
                &pending(Some("ana")),
                &approve,
                &Identity::of_user("ana", Role::Responder),
                now
            ),
            Err(Refusal::SelfApproval)
        );
        assert_eq!(
            decide(&pending(Some("ana")), &approve, &token(Some("ana")), now),
            Err(Refusal::SelfApproval),
            "a token of the announcer's is the announcer"
        );
        assert_eq!(
            decide(&pending(Some("ana")), &approve, &token(None), now),
            Err(Refusal::NoUser)
        );
        let approved = decide(
            &pending(Some("ana")),
            &approve,
            &Identity::of_user("mina", Role::Responder),
            now,
        )
        .unwrap();
        assert_eq!(approved.state, ChangeState::Approved);
        assert_eq!(approved.decided_by.as_deref(), Some("user:mina"));
        // A pipeline's token announced it: any user may approve.
        assert!(
            decide(
                &pending(None),
                &approve,
                &Identity::of_user("ana", Role::Responder),
                now
            )
            .is_ok()
        );
        assert_eq!(
            decide(
                &approved,
                &Decision::Reject { reason: None },
                &Identity::of_user("gyeongjun", Role::Admin),
                now
            ),
            Err(Refusal::NotPending("approved"))
        );
        let rejected = decide(
            &pending(Some("ana")),
            &Decision::Reject {
                reason: Some("  not during the sale ".into()),
            },
            &Identity::of_user("mina", Role::Responder),
            now,
        )
        .unwrap();
        assert_eq!(rejected.state, ChangeState::Rejected);
        assert_eq!(rejected.reason.as_deref(), Some("not during the sale"));
    }

    #[test]
    fn a_viewer_cannot_decide_and_an_announcers_token_is_the_announcer() {
        let now: Timestamp = "2026-11-02T01:05:00Z".parse().unwrap();
        let approve = Decision::Approve;
        assert_eq!(
            decide(
                &pending(Some("ana")),
                &approve,
                &Identity::of_user("viewer1", Role::Viewer),
                now
            ),
            Err(Refusal::Role {
                user: "viewer1".into(),
                role: Role::Viewer
            })
        );
        // Made by ana for resp2: still ana's hand.
        let minted = Identity {
            by: "user:resp2 (token t)".into(),
            user: Some("resp2".into()),
            role: Some(Role::Responder),
            minted_by: Some("ana".into()),
            channel: crate::core::audit::Channel::Api,
        };
        assert_eq!(
            decide(&pending(Some("ana")), &approve, &minted, now),
            Err(Refusal::AnnouncersToken)
        );
        // The same token on a change someone else announced is fine.
        assert!(decide(&pending(Some("mina")), &approve, &minted, now).is_ok());
        // A token's person with no readable role is a viewer.
        let no_role = Identity {
            role: None,
            ..minted.clone()
        };
        assert!(matches!(
            decide(&pending(Some("mina")), &approve, &no_role, now),
            Err(Refusal::Role { .. })
        ));
    }
}
