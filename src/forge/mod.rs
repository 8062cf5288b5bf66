//! Forge events turned into state: pull/merge requests and builds, and the digests read
//! from them.

pub mod config;
pub mod digest;
pub mod messages;
pub mod projector;
pub mod store;
