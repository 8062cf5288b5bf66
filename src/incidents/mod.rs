//! Incidents: declared by people (and, next, from critical alerts), moved through the
//! lifecycle `core::incident` allows, with key times kept in order and one timeline.

pub mod ops;
pub mod store;
