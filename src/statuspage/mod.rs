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
