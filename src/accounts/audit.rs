//! Checking and exporting the audit log: walking the chain from its first entry, page by page.

use crate::core::audit::{Broken, Walk};
use crate::store::audit::{AuditEntry, AuditFilter};
use crate::store::{Store, StoreError};

/// Entries read at a time: the walk's memory stays flat however long the log.
const PAGE: i64 = 1000;

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("the audit log is broken at {0}")]
    Broken(Broken),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Every entry in order, through `each`.
async fn walk_entries(
    store: &Store,
    since: Option<jiff::Timestamp>,
    mut each: impl FnMut(&AuditEntry) -> Result<(), VerifyError>,
) -> Result<(), VerifyError> {
    let mut after = None;
    loop {
        let entries = store
            .list_audit(&AuditFilter {
                from: since,
                after_seq: after,
                oldest_first: true,
                limit: PAGE,
                ..AuditFilter::default()
            })
            .await?;
        for entry in &entries {
            each(entry)?;
        }
        match entries.last() {
            Some(last) if entries.len() as i64 == PAGE => after = Some(last.seq),
            _ => return Ok(()),
        }
    }
}

/// Checks the whole chain; how many entries it holds. The first entry that does not check
/// out is named.
pub async fn verify(store: &Store) -> Result<i64, VerifyError> {
    let mut walk = Walk::default();
    walk_entries(store, None, |entry| {
        walk.next(&entry.fields(), &entry.prev_hash, &entry.hash)
            .map_err(VerifyError::Broken)
    })
    .await?;
    let (head_seq, head_hash) = store.audit_head().await?;
    walk.finish(head_seq, &head_hash)
        .map_err(VerifyError::Broken)
}

/// Writes the entries (from `since`, else all) as JSON Lines, oldest first; how many.
pub async fn export(
    store: &Store,
    since: Option<jiff::Timestamp>,
    out: &mut impl std::io::Write,
) -> Result<u64, VerifyError> {
    let mut count = 0;
    walk_entries(store, since, |entry| {
        writeln!(out, "{}", entry.to_json()).map_err(|error| VerifyError::Store(error.into()))?;
        count += 1;
        Ok(())
    })
    .await?;
    Ok(count)
}
