//! Built-in checks: HTTP, TCP and TLS probes on an interval, whose failures become alerts.
//! `config` is the `[[checks]]` section, `probe` runs one check, `jobs` runs the `check_run`
//! timers and records results, `summary` is what the page and API show, `store` what is kept.

pub mod config;
pub mod jobs;
pub mod probe;
pub mod store;
pub mod summary;

pub use config::{
    CheckConfig, CheckKind, DEFAULT_EXPIRES_WITHIN_DAYS, DEFAULT_FAILURES_TO_ALERT,
    DEFAULT_INTERVAL, DEFAULT_SEVERITY, DEFAULT_SUCCESSES_TO_RESOLVE, DEFAULT_TIMEOUT,
    JsonCondition, JsonTest, MAX_EXPIRES_WITHIN_DAYS, MIN_INTERVAL, split_host_port, validate,
};
