//! On-call: people and how to reach them, schedules and overrides, escalation policies, and
//! the pages they send.

pub mod config;
