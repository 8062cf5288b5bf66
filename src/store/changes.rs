//! What the changes domain keeps: announcements and their decisions.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Why a decision was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("you announced this change: someone else has to approve or reject it")]
    SelfApproval,
    #[error(
        "a token that acts as no user cannot approve or reject: create one with --user, or use the web UI"
    )]
    NoUser,
    #[error(
        "the token was made by the change's announcer: someone else has to approve or reject it, with a token of their own"
    )]
    AnnouncersToken,
    #[error("approving or rejecting a change needs the responder role; {user}'s role is {role}")]
    Role {
        user: String,
        role: crate::core::role::Role,
    },
    #[error("the change is {0}: only a change pending approval can be approved or rejected")]
    NotPending(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeState {
    /// Told; nobody needs to approve it.
    Announced,
    PendingApproval,
    Approved,
    Rejected,
    /// Nobody decided within `[changes] approval_expires`.
    Expired,
}

impl ChangeState {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeState::Announced => "announced",
            ChangeState::PendingApproval => "pending_approval",
            ChangeState::Approved => "approved",
            ChangeState::Rejected => "rejected",
            ChangeState::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<ChangeState> {
        [
            ChangeState::Announced,
            ChangeState::PendingApproval,
            ChangeState::Approved,
            ChangeState::Rejected,
            ChangeState::Expired,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    Low,
    Medium,
    High,
}

impl Risk {
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
        }
    }

    pub fn parse(text: &str) -> Option<Risk> {
        match text {
            "low" => Some(Risk::Low),
            "medium" => Some(Risk::Medium),
            "high" => Some(Risk::High),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    pub id: String,
    pub summary: String,
    pub service: String,
    pub environment: String,
    pub risk: Risk,
    pub rollback: String,
    pub needs_approval: bool,
    pub state: ChangeState,
    /// Who announced it, as the timeline names people (`user:ana`, `api:ci-deploys`).
    pub announced_by: String,
    /// The web UI user behind the announcement, when the token or session has one.
    pub announcer_user: Option<String>,
    pub created_at: Timestamp,
    /// When a pending approval expires.
    pub expires_at: Option<Timestamp>,
    pub decided_at: Option<Timestamp>,
    pub decided_by: Option<String>,
    pub reason: Option<String>,
    /// What it stands for outside Firewatch (`terraform:INTEGRATION:RUN`), whose decision is
    /// carried out there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external: Option<String>,
}

/// Which announcements a list shows.
#[derive(Debug, Clone, Default)]
pub struct ChangeFilter {
    pub state: Option<ChangeState>,
    pub services: Vec<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub limit: i64,
}

/// A decision taken on the announcement as stored, with its row held: the announcement after
/// and the notices it sends, or why not.
/// What a decision makes of the announcement: the announcement after it, its notices, and a
/// person's decision's audit entries.
pub type Decided = (
    Announcement,
    Vec<crate::store::NewEvent>,
    Vec<crate::store::audit::NewAudit>,
);

pub type Decide<'a> = dyn Fn(&Announcement) -> Result<Decided, Refusal> + Send + Sync + 'a;

#[async_trait::async_trait]
pub trait ChangeStore {
    /// Stores it with its notices and its expiry timer, in one transaction.
    async fn create_announcement(
        &self,
        announcement: &Announcement,
        events: &[crate::store::NewEvent],
        timers: &[crate::store::Timer],
        now: Timestamp,
    ) -> crate::store::Result<()>;

    async fn get_announcement(&self, id: &str) -> crate::store::Result<Announcement>;

    /// Newest first.
    async fn list_announcements(
        &self,
        filter: &ChangeFilter,
    ) -> crate::store::Result<Vec<Announcement>>;

    /// Applies `decide` with the row held, and stores what it returns.
    async fn decide_announcement(
        &self,
        id: &str,
        decide: &Decide<'_>,
        now: Timestamp,
    ) -> crate::store::Result<Result<Announcement, Refusal>>;
}
