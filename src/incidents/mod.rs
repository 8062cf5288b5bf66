//! Incidents: declared by people or opened by critical alerts, moved through the
//! lifecycle `core::incident` allows, with key times kept in order and one timeline.

pub mod changed;
pub mod config;
pub mod notices;
pub mod ops;
pub mod store;
