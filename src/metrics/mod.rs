//! Deployments and the shared metrics read from them: every finished deployment (a forge's
//! deployment event or `POST /api/v1/deployments`) is projected into `deployments` with the
//! changes it shipped, and DORA's five keys are computed over them (`core::dora`).

pub mod bands;
pub mod config;
pub mod dora;
pub mod gauges;
pub mod ops;
pub mod store;
pub mod weekly;
