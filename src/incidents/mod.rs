//! Incidents: declared by people or opened by critical alerts, moved through the
//! lifecycle `core::incident` allows, with key times kept in order and one timeline.

pub mod decide;
pub mod notices;
pub mod ops;
pub mod view;
pub mod what_changed;
