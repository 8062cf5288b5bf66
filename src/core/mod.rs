//! Decisions as plain data in, plain data out: routing, retry policy, signatures, scopes.
//! Nothing here does I/O or reads the clock; time and randomness come in as arguments.

pub mod alert;
pub mod check;
pub mod digest;
pub mod forge;
pub mod forge_state;
pub mod grouping;
pub mod noise;
pub mod problem;
pub mod retry;
pub mod role;
pub mod routing;
pub mod scope;
pub mod signing;
pub mod silence;
pub mod stats;
pub mod tickets;
