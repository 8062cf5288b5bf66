//! What the post-mortems domain keeps: one post-mortem per incident, and action items.

use jiff::Timestamp;
use serde::Serialize;

use crate::core::incident::Priority;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PostmortemState {
    Draft,
    InReview,
    Published,
}

impl PostmortemState {
    pub fn as_str(self) -> &'static str {
        match self {
            PostmortemState::Draft => "draft",
            PostmortemState::InReview => "in_review",
            PostmortemState::Published => "published",
        }
    }

    pub fn parse(text: &str) -> Option<PostmortemState> {
        match text {
            "draft" => Some(PostmortemState::Draft),
            "in_review" => Some(PostmortemState::InReview),
            "published" => Some(PostmortemState::Published),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Postmortem {
    pub incident_id: String,
    pub state: PostmortemState,
    pub markdown: String,
    /// Counts saves: a save names the version it was made from.
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub updated_by: String,
    pub published_at: Option<Timestamp>,
}

/// A post-mortem in a list, with its incident's number and title.
#[derive(Debug, Clone, Serialize)]
pub struct ListedPostmortem {
    #[serde(flatten)]
    pub postmortem: Postmortem,
    pub incident_number: i64,
    pub incident_title: String,
}

/// Why a save was not stored: someone saved a newer version first.
#[derive(Debug, Clone)]
pub struct EditConflict {
    pub current: Postmortem,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// Lessens the impact when it happens again.
    Mitigate,
    /// Stops it happening again.
    Prevent,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Mitigate => "mitigate",
            ItemKind::Prevent => "prevent",
        }
    }

    pub fn parse(text: &str) -> Option<ItemKind> {
        match text {
            "mitigate" => Some(ItemKind::Mitigate),
            "prevent" => Some(ItemKind::Prevent),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Outstanding,
    Completed,
    NotDoing,
}

impl ItemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Outstanding => "outstanding",
            ItemStatus::Completed => "completed",
            ItemStatus::NotDoing => "not_doing",
        }
    }

    pub fn parse(text: &str) -> Option<ItemStatus> {
        match text {
            "outstanding" => Some(ItemStatus::Outstanding),
            "completed" => Some(ItemStatus::Completed),
            "not_doing" => Some(ItemStatus::NotDoing),
            _ => None,
        }
    }

    pub fn is_done(self) -> bool {
        self != ItemStatus::Outstanding
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionItem {
    pub id: String,
    pub incident_id: String,
    pub title: String,
    /// A person of `[[people]]`.
    pub owner: String,
    /// The due date, `YYYY-MM-DD`.
    pub due: String,
    /// The end of the due date in the owner's zone: overdue from then.
    pub overdue_at: Timestamp,
    pub priority: Priority,
    pub kind: ItemKind,
    pub status: ItemStatus,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub done_at: Option<Timestamp>,
    /// The issue made for it in the tracker, once made.
    pub issue_url: Option<String>,
    pub issue_error: Option<String>,
}

/// Which action items a list shows.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    pub incident: Option<String>,
    pub owner: Option<String>,
    /// Outstanding only.
    pub outstanding: bool,
    /// Outstanding and overdue at this instant.
    pub overdue_at: Option<Timestamp>,
    pub limit: i64,
}

#[async_trait::async_trait]
pub trait PostmortemStore {
    /// Stores the draft unless the incident has a post-mortem already; returns the one stored.
    async fn create_postmortem(
        &self,
        incident_id: &str,
        markdown: &str,
        by: &str,
        now: Timestamp,
    ) -> crate::store::Result<Postmortem>;

    async fn get_postmortem(&self, incident_id: &str) -> crate::store::Result<Postmortem>;

    /// Saves `markdown` if the stored version is still `base_version` (any, when `None`).
    async fn save_postmortem(
        &self,
        incident_id: &str,
        markdown: &str,
        base_version: Option<i64>,
        by: &str,
        now: Timestamp,
    ) -> crate::store::Result<Result<Postmortem, EditConflict>>;

    async fn set_postmortem_state(
        &self,
        incident_id: &str,
        state: PostmortemState,
        by: &str,
        audit: &[crate::store::audit::NewAudit],
        now: Timestamp,
    ) -> crate::store::Result<Postmortem>;

    /// Newest first; `query` matches the text or the incident's title, any case.
    async fn list_postmortems(
        &self,
        state: Option<PostmortemState>,
        query: Option<&str>,
        limit: i64,
    ) -> crate::store::Result<Vec<ListedPostmortem>>;

    /// Stores the item with its timers (the overdue reminder, the tracker issue).
    async fn create_action_item(
        &self,
        item: &ActionItem,
        timers: &[crate::store::Timer],
        now: Timestamp,
    ) -> crate::store::Result<()>;

    async fn get_action_item(&self, id: &str) -> crate::store::Result<ActionItem>;

    /// Oldest first.
    async fn list_action_items(&self, filter: &ItemFilter)
    -> crate::store::Result<Vec<ActionItem>>;

    async fn set_action_item_status(
        &self,
        id: &str,
        status: ItemStatus,
        now: Timestamp,
    ) -> crate::store::Result<ActionItem>;

    /// The tracker's answer: the issue's link, or why it could not be made.
    async fn set_action_item_issue(
        &self,
        id: &str,
        url: Option<&str>,
        error: Option<&str>,
    ) -> crate::store::Result<()>;
}
