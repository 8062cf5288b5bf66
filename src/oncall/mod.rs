//! On-call: people and how to reach them, schedules and overrides, escalation policies, and
//! the pages they send.

pub mod channels;
pub mod jobs;
pub mod notices;
pub mod ops;
pub mod send;
pub mod views;
