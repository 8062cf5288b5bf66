//! What the audit log keeps: one entry per change a person made, chained by hash
//! (`core::audit`). Entries are written by the store in the change's own transaction: a store
//! method that makes an audited change takes the entries the domain made (`NewAudit`) and
//! appends them before it commits.

use jiff::Timestamp;
use serde::Serialize;

use crate::core::audit::{Actor, Channel};

/// An entry a domain makes for a change; the store gives it its place in the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAudit {
    pub actor: String,
    pub channel: Channel,
    /// `noun.verb`, e.g. `silence.create`, `alert.acknowledge`, `session.sign_in_failed`.
    pub action: &'static str,
    /// What was changed: an id or a name.
    pub target: String,
    /// What it was and what it became, as JSON; never a secret.
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl NewAudit {
    pub fn new(actor: &Actor, action: &'static str, target: impl Into<String>) -> NewAudit {
        NewAudit {
            actor: actor.by.clone(),
            channel: actor.channel,
            action,
            target: target.into(),
            before: None,
            after: None,
        }
    }

    pub fn before(mut self, value: impl Serialize) -> NewAudit {
        self.before = serde_json::to_value(value).ok();
        self
    }

    pub fn after(mut self, value: impl Serialize) -> NewAudit {
        self.after = serde_json::to_value(value).ok();
        self
    }
}

/// The entries for a row a store method made, changed or removed: the domain's rule, run
/// inside the transaction on the row as it is there.
pub type AuditOf<'a, T> = dyn Fn(&T) -> Vec<NewAudit> + Send + Sync + 'a;

/// An entry as stored.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: Timestamp,
    pub actor: String,
    pub channel: String,
    pub action: String,
    pub target: String,
    /// The stored JSON text, as hashed.
    #[serde(skip)]
    pub before_text: Option<String>,
    #[serde(skip)]
    pub after_text: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    pub fn fields(&self) -> crate::core::audit::Fields<'_> {
        crate::core::audit::Fields {
            seq: self.seq,
            at_ms: self.at.as_millisecond(),
            actor: &self.actor,
            channel: &self.channel,
            action: &self.action,
            target: &self.target,
            before: self.before_text.as_deref(),
            after: self.after_text.as_deref(),
        }
    }

    /// The entry as the API, the export and the page show it: before and after as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        let parse = |text: &Option<String>| {
            text.as_deref()
                .map(|text| serde_json::from_str(text).unwrap_or(serde_json::Value::Null))
                .unwrap_or(serde_json::Value::Null)
        };
        serde_json::json!({
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "channel": self.channel,
            "action": self.action,
            "target": self.target,
            "before": parse(&self.before_text),
            "after": parse(&self.after_text),
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        })
    }
}

/// Which entries to list; all filters are ANDed.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Exact, or a prefix when it ends in `*`.
    pub actor: Option<String>,
    /// Exact, or a prefix when it ends in `*` (`silence.*`).
    pub action: Option<String>,
    pub target: Option<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// Entries after this one (export's paging, oldest first).
    pub after_seq: Option<i64>,
    /// Entries before this one (newest first paging).
    pub before_seq: Option<i64>,
    pub oldest_first: bool,
    pub limit: i64,
}

#[async_trait::async_trait]
pub trait AuditStore {
    /// Appends entries that stand alone (a failed sign-in, a config reload), in one
    /// transaction.
    async fn record_audit(&self, entries: &[NewAudit], now: Timestamp) -> crate::store::Result<()>;

    async fn list_audit(&self, filter: &AuditFilter) -> crate::store::Result<Vec<AuditEntry>>;

    /// The chain's head: how many entries were written and the last one's hash.
    async fn audit_head(&self) -> crate::store::Result<(i64, String)>;
}
