//! Built-in checks: HTTP, TCP and TLS probes on an interval, whose failures become alerts.
//! `config::checks` is the `[[checks]]` section, `probe` runs one check, `jobs` runs the `check_run`
//! timers and records results, `summary` is what the page and API show and `store::checks` what is kept.
//! `heartbeats` watches the jobs that ping Firewatch (`[[heartbeats]]`, and watchdogs).

pub mod heartbeats;
pub mod jobs;
pub mod probe;
pub mod summary;
