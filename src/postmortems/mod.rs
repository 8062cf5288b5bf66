//! Post-mortems and their action items: a blameless draft made from the incident's own record
//! when it resolves, edited without losing a concurrent save, reviewed and published; action
//! items that close the incident when every one is done, with reminders when overdue.

pub mod draft;
pub mod notices;
pub mod ops;
pub mod tracker;
