//! Alerts: what monitoring tools report, silences and maintenance windows, notification
//! groups, flapping, and tasks for alerts nobody handled.

pub mod inhibition;
pub mod jobs;
pub mod noise;
pub mod notices;
pub mod ops;
pub mod silences;
