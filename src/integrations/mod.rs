//! Integrations with the outside world: `inbound` turns a sender's request into events,
//! `outbound` turns a notification into a destination's request.

pub mod inbound;
pub mod outbound;
