//! What the status page keeps of its own: components' statuses set by hand.

use jiff::Timestamp;
use serde::Serialize;

use crate::core::status::ComponentStatus;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusOverride {
    pub component: String,
    pub status: ComponentStatus,
    pub note: Option<String>,
    pub set_by: String,
    pub set_at: Timestamp,
}

#[async_trait::async_trait]
pub trait StatusPageStore {
    async fn status_overrides(&self) -> crate::store::Result<Vec<StatusOverride>>;

    /// Sets it, or clears it with `None`.
    async fn set_status_override(
        &self,
        component: &str,
        set: Option<&StatusOverride>,
        audit: &[crate::store::audit::NewAudit],
        now: jiff::Timestamp,
    ) -> crate::store::Result<()>;
}

/// How a subscriber is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriberKind {
    Email,
    Webhook,
}

impl SubscriberKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriberKind::Email => "email",
            SubscriberKind::Webhook => "webhook",
        }
    }

    pub fn parse(text: &str) -> Option<SubscriberKind> {
        match text {
            "email" => Some(SubscriberKind::Email),
            "webhook" => Some(SubscriberKind::Webhook),
            _ => None,
        }
    }
}

/// Pending until the link sent to the address is followed; nothing but that link is sent
/// before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriberState {
    Pending,
    Confirmed,
    Unsubscribed,
}

impl SubscriberState {
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriberState::Pending => "pending",
            SubscriberState::Confirmed => "confirmed",
            SubscriberState::Unsubscribed => "unsubscribed",
        }
    }

    pub fn parse(text: &str) -> Option<SubscriberState> {
        match text {
            "pending" => Some(SubscriberState::Pending),
            "confirmed" => Some(SubscriberState::Confirmed),
            "unsubscribed" => Some(SubscriberState::Unsubscribed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscriber {
    pub id: String,
    pub kind: SubscriberKind,
    pub address: String,
    /// Component ids; empty for all of them.
    pub components: Vec<String>,
    /// What a confirmed subscriber asked for again, until they confirm it.
    pub pending_components: Option<Vec<String>>,
    #[serde(skip)]
    pub token: String,
    pub state: SubscriberState,
    pub created_at: Timestamp,
    pub confirmed_at: Option<Timestamp>,
}

impl Subscriber {
    /// Whether a notice about these components is theirs.
    pub fn wants(&self, components: &[String]) -> bool {
        self.components.is_empty() || self.components.iter().any(|c| components.contains(c))
    }
}

/// A subscribe request as the store records it.
#[derive(Debug, Clone)]
pub struct SubscribeRequest {
    pub kind: SubscriberKind,
    pub address: String,
    pub components: Vec<String>,
    /// The secret for the links, used when the address is new or had unsubscribed.
    pub token: String,
}

/// How many subscribers are in each state, for the admin page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SubscriberCounts {
    pub pending: i64,
    pub confirmed: i64,
    pub unsubscribed: i64,
}

#[async_trait::async_trait]
pub trait SubscriberStore {
    /// Records the request and, in the same transaction, the job that sends the confirmation
    /// link (`confirm` makes it from the subscriber's id). A new or unsubscribed address is
    /// pending with the request's components; a pending one takes the new components; a
    /// confirmed one keeps its components and holds the new ones until it confirms them.
    async fn request_subscription(
        &self,
        request: &SubscribeRequest,
        confirm: &(dyn for<'s> Fn(&'s str) -> crate::store::Timer + Send + Sync),
        now: Timestamp,
    ) -> crate::store::Result<()>;

    /// Follows a confirmation link: `None` when no pending or confirmed subscriber has it.
    async fn confirm_subscription(
        &self,
        token: &str,
        now: Timestamp,
    ) -> crate::store::Result<Option<Subscriber>>;

    /// Follows an unsubscribe link: `None` when no subscriber has it.
    async fn unsubscribe(
        &self,
        token: &str,
        now: Timestamp,
    ) -> crate::store::Result<Option<Subscriber>>;

    async fn subscriber(&self, id: &str) -> crate::store::Result<Subscriber>;

    async fn confirmed_subscribers(&self) -> crate::store::Result<Vec<Subscriber>>;

    async fn subscriber_counts(&self) -> crate::store::Result<SubscriberCounts>;

    /// Jobs made by a fan-out, in one transaction; a key made before is skipped.
    async fn schedule_timers(
        &self,
        timers: &[crate::store::Timer],
        now: Timestamp,
    ) -> crate::store::Result<()>;
}
