//! Deployments and the shared metrics read from them: every finished deployment (a forge's
//! deployment event or `POST /api/v1/deployments`) is projected into `deployments` with the
//! changes it shipped, and DORA's five keys are computed over them (`core::dora`).

pub mod dora;
pub mod environments;
pub mod operations;
pub mod scrape;
pub mod weekly;
