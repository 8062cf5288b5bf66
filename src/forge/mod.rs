//! Forge events turned into state: pull/merge requests and builds, and the digests read
//! from them; and the delivery loop's answers: commands in pull request comments start CI,
//! and Firewatch answers on the pull request.

pub mod api;
pub mod ci;
pub mod commands;
pub mod compliance;
pub mod digest;
pub mod jira;
pub mod notices;
pub mod pipelines;
pub mod projector;
pub mod terraform;
