//! One integration-test binary: the real server on a random port, on SQLite and (when
//! FIREWATCH_TEST_POSTGRES_URL is set) PostgreSQL.

// Helpers outside #[test] functions fail tests the same way: a panic with a line number.
#![allow(clippy::unwrap_used)]

mod alertmanager_api;
mod alerts;
mod api;
mod audit;
mod browser;
mod changes;
mod chat;
mod chat_apps;
mod checks;
mod cli;
mod delivery;
mod delivery_loop;
mod digest;
mod edge;
mod email;
mod github;
mod gitlab;
mod grouping;
mod heartbeats;
mod import;
mod incidents;
mod inhibition;
mod intake;
mod jobs;
mod mail;
mod messengers;
mod metrics;
mod noise_report;
mod oidc;
mod oncall;
mod opsgenie;
mod pagerduty;
mod postmortems;
mod process;
mod projector;
mod published;
mod retention;
mod security;
mod silences;
mod statuspage;
mod subscribers;
mod support;
mod templates;
mod web;
