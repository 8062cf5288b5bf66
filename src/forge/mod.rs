//! Forge events turned into state: pull/merge requests and builds, and the digests read
//! from them.

pub mod digest;
pub mod notices;
pub mod projector;
