//! Firewatch: a self-hosted engineering-operations hub. See ARCHITECTURE.md for the map.

pub mod accounts;
pub mod alerts;
pub mod app;
pub mod changes;
pub mod checks;
pub mod cli;
pub mod clock;
pub mod config;
pub mod context;
pub mod core;
pub mod demo;
pub mod forge;
pub mod http;
pub mod i18n;
pub mod incidents;
pub mod intake;
pub mod integrations;
pub mod metrics;
pub mod oncall;
pub mod postmortems;
pub mod runner;
pub mod state;
pub mod statuspage;
pub mod store;
pub mod telemetry;
pub mod web;
