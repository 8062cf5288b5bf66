//! `firewatch serve --demo`: a plausible organisation's last 90 days, so a newcomer sees every
//! page populated with one command. The organisation is `demo.toml` (three teams, eight
//! services, six people on two rotations); its history is generated from a fixed seed and
//! sent through Firewatch's own front doors on a controlled clock, as the senders would have
//! sent it: GitHub's webhooks (pushes, pull requests, reviews, check runs), Alertmanager's,
//! and the API (deployments, incidents and their updates, post-mortems, action items,
//! changes). So every projection, page, escalation and digest is made the way it is in use.
//!
//! Chat, pager and webhook destinations point at a loopback receiver the demo runs beside
//! Firewatch, which answers every message and keeps none. A database that already holds
//! anything is refused: the demo never mixes with real data.

mod script;

pub use script::start_of;

use std::sync::Arc;

use anyhow::{Context, bail};
use axum::response::IntoResponse;
use jiff::Timestamp;

use crate::config::Config;
use crate::store::Store;

/// The web UI's demo user; the password is printed when the demo starts.
pub const USER: &str = "demo";
pub const PASSWORD: &str = "firewatch-demo";

/// The seed every demo is generated from: the same history for the same day (weekends fall
/// where the calendar puts them).
pub const SEED: u64 = 20_261_203;

/// How many days of history.
pub const DAYS: i64 = 90;

const CONFIG: &str = include_str!("demo.toml");

/// The demo's organisation as TOML, with its destinations at `sink` and its links at
/// `public_url`.
pub fn config_text(sink: &str, public_url: &str) -> String {
    CONFIG.replace("SINK", sink).replace("PUBLIC", public_url)
}

pub fn config(sink: &str, public_url: &str) -> anyhow::Result<Config> {
    let (config, _warnings) = Config::parse(&config_text(sink, public_url), &|_| None)
        .map_err(|problems| anyhow::anyhow!("the demo's config: {problems:?}"))?;
    Ok(config)
}

/// Refuses a database that holds events, incidents, users or tokens.
pub async fn ensure_empty(store: &Store) -> anyhow::Result<()> {
    let events = store.count_events().await?;
    let users = store.list_users().await?.len();
    let tokens = store.list_tokens().await?.len();
    let incidents = store
        .list_incidents(&crate::store::incidents::IncidentFilter {
            limit: 1,
            ..Default::default()
        })
        .await?
        .len();
    if events + (users + tokens + incidents) as i64 > 0 {
        bail!(
            "--demo fills an empty database, and this one holds data ({events} events, {users} users, {tokens} tokens, {incidents}+ incidents); give it a database of its own, e.g. --database-url sqlite://firewatch-demo-2.db"
        );
    }
    Ok(())
}

/// The loopback receiver the demo's destinations point at: it answers every request with
/// Slack's "ok" and keeps nothing.
pub struct Sink {
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Sink {
    pub async fn start() -> anyhow::Result<Sink> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("the demo's receiver cannot listen on loopback")?;
        let url = format!("http://{}", listener.local_addr()?);
        let router = axum::Router::new().fallback(|| async { "ok".into_response() });
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Sink { url, task })
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What the demo made.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Made {
    pub pull_requests: usize,
    pub deployments: usize,
    pub rollbacks: usize,
    pub alerts: usize,
    pub incidents: usize,
    pub postmortems: usize,
    pub changes: usize,
}

/// Fills the empty `store` with the history of the `DAYS` before `now`: a Firewatch on the
/// store with a controlled clock is sent the history in order, then stopped.
pub async fn fill(store: &Store, config: &Config, now: Timestamp) -> anyhow::Result<Made> {
    ensure_empty(store).await?;
    let start = script::start_of(now);
    let clock = crate::clock::ManualClock::new(start);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    // The checks start with the real clock once the demo serves; probed on the history's
    // clock, the failing one would have been failing since its first day.
    let mut history_config = config.clone();
    history_config.checks.clear();
    let app = crate::app::App::start(
        listener,
        store.clone(),
        crate::app::Settings {
            config: history_config,
            config_file: None,
            clock: Arc::new(clock.clone()),
            durability: crate::intake::Durability::Store,
            retry_policy: crate::core::retry::RetryPolicy::default(),
        },
    )
    .await?;
    let url = format!("http://{}", app.address);
    let made = write_history(store, &clock, &url, now).await;
    app.shutdown().await;
    made
}

/// Sends the history to the Firewatch at `url`, whose clock is `clock` (at `start_of(now)`),
/// and adds the demo user.
pub async fn write_history(
    store: &Store,
    clock: &crate::clock::ManualClock,
    url: &str,
    now: Timestamp,
) -> anyhow::Result<Made> {
    use crate::clock::Clock as _;
    let start = clock.now();
    // The demo's password is published, so it is stored as is, past the strength check a
    // person's own password must pass.
    let hash = crate::accounts::users::hash_password(PASSWORD)
        .map_err(|error| anyhow::anyhow!("the demo user: {error}"))?;
    store
        .create_user(
            &crate::store::new_id(start),
            USER,
            crate::core::role::Role::Admin.as_str(),
            &hash,
            start,
            &[],
        )
        .await
        .map_err(|error| anyhow::anyhow!("the demo user: {error}"))?;
    let token = crate::accounts::tokens::create(
        store,
        "demo",
        &[crate::core::scope::Scope::Admin],
        Some(USER),
        &crate::store::accounts::TokenCreator::cli(),
        crate::core::audit::Channel::Cli,
        start,
    )
    .await
    .map_err(|error| anyhow::anyhow!("the demo token: {error}"))?;
    script::Script::new(store.clone(), clock.clone(), url.to_owned(), token.token)?
        .run(now)
        .await
}
