//! The public status page (`/status`): components mapped to services, their status from the
//! open public incidents and maintenance windows (`core::status`), public updates only, 90 days
//! of history, a page per incident, Atom and RSS feeds and a Statuspage-shaped
//! `/status.json`. Everything is built from one `Snapshot` of public facts and served from a
//! cache, so a request reads nothing from the database.

pub mod cache;
pub mod feeds;
pub mod render;
pub mod snapshot;
pub mod subscribers;

/// The audit log's entry for a component's status set (or cleared, with `None`) by hand: what
/// it was set to before, and what it is now.
pub async fn audit_entry(
    store: &crate::store::Store,
    actor: &crate::core::audit::Actor,
    component: &str,
    set: Option<&crate::store::statuspage::StatusOverride>,
) -> Result<crate::store::audit::NewAudit, crate::store::StoreError> {
    let before = store
        .status_overrides()
        .await?
        .into_iter()
        .find(|held| held.component == component);
    let action = if set.is_some() {
        "status.set"
    } else {
        "status.clear"
    };
    Ok(crate::store::audit::NewAudit::new(actor, action, component)
        .before(before)
        .after(set))
}
