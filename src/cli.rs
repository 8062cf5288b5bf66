//! The command line. Server-side commands read the config and database directly; client-side
//! commands talk to a running Firewatch through its API (`FIREWATCH_URL`, `FIREWATCH_TOKEN`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};

use crate::app::{App, Settings, redact_url};
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, Loaded, LogFormat};
use crate::core::retry::RetryPolicy;
use crate::core::scope;
use crate::intake::Durability;
use crate::store::Store;
use crate::telemetry;

#[derive(Debug, Parser)]
#[command(
    name = "firewatch",
    version,
    about = "Self-hosted engineering-operations hub"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Check a config file and report every problem with its key.
    CheckConfig {
        #[arg(long, env = "FIREWATCH_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Manage API tokens (server side: uses the database directly).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Manage the people who sign in to the web UI (server side: uses the database directly).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Copy the SQLite database to a new file while the server runs (on PostgreSQL, use
    /// pg_dump). To restore, stop the server and put the copy in the database's place.
    Backup {
        /// The file to write; it must not exist.
        path: PathBuf,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Inspect and re-drive notifications through the API of a running Firewatch.
    Notifications {
        #[command(subcommand)]
        command: NotificationsCommand,
    },
    /// List, acknowledge and resolve alerts through the API of a running Firewatch.
    Alert {
        #[command(subcommand)]
        command: AlertCommand,
    },
    /// Silences and maintenance windows, through the API of a running Firewatch.
    Silence {
        #[command(subcommand)]
        command: SilenceCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AlertCommand {
    /// Open alerts (or those in --state), newest first.
    List {
        /// firing, acknowledged, silenced, resolved or open (the default).
        #[arg(long, default_value = "open")]
        state: String,
        #[arg(long)]
        service: Option<String>,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Acknowledge an alert: you are on it.
    Ack {
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Resolve an alert by hand.
    Resolve {
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// The noise report: per rule, service or team, how often alerts fired, how many were
    /// acknowledged or went away by themselves, and pages a week against the team's budget.
    Noise {
        #[arg(long, default_value = "rule", value_parser = ["rule", "service", "team"])]
        by: String,
        /// The window: the last N days (default 7).
        #[arg(long, conflicts_with = "from")]
        days: Option<u32>,
        /// The window's start (RFC 3339), instead of --days.
        #[arg(long)]
        from: Option<String>,
        /// The window's end (RFC 3339); default now.
        #[arg(long)]
        to: Option<String>,
        /// Resolved by the sender within this many minutes counts as auto-resolved (default 5).
        #[arg(long)]
        auto_resolve_minutes: Option<u32>,
        /// Print the report as CSV instead of a table.
        #[arg(long)]
        csv: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Open tasks for alerts nobody handled (--all: closed ones too), newest first.
    Tasks {
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Close a task once its alert is dealt with.
    CloseTask {
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum SilenceCommand {
    /// Silences and maintenance windows in force or to come (--all: expired ones too).
    List {
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// Silence the alerts that match, e.g. `alertname="DiskFull" instance=~"db-.*"`; with
    /// --service, a maintenance window for that service (--cron makes it recur).
    Add {
        /// Label matchers: name=value, name!=value, name=~regex, name!~regex.
        matchers: Vec<String>,
        /// How long, as 2h or 90m (from --starts, default now).
        #[arg(long)]
        duration: Option<String>,
        /// Start (RFC 3339); default now.
        #[arg(long)]
        starts: Option<String>,
        /// End (RFC 3339), instead of --duration.
        #[arg(long)]
        ends: Option<String>,
        /// Why: shown to whoever finds the alert quiet.
        #[arg(long)]
        comment: String,
        /// Who; default: the token's name.
        #[arg(long)]
        created_by: Option<String>,
        /// Makes it a maintenance window of this service.
        #[arg(long)]
        service: Option<String>,
        /// A recurring window: five cron fields, e.g. "0 2 * * sun".
        #[arg(long, requires = "service")]
        cron: Option<String>,
        /// The IANA time zone --cron is read in.
        #[arg(long, default_value = "UTC")]
        timezone: String,
        #[command(flatten)]
        client: ClientArgs,
    },
    /// End a silence or maintenance window now.
    Expire {
        id: String,
        #[command(flatten)]
        client: ClientArgs,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// Config file; default: ./firewatch.toml if it exists, else built-in defaults.
    #[arg(long, env = "FIREWATCH_CONFIG")]
    pub config: Option<PathBuf>,
    /// Overrides server.database_url (sqlite://PATH or postgres://…).
    #[arg(long, env = "FIREWATCH_DATABASE_URL")]
    pub database_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub server: ServerArgs,
    /// Overrides server.listen.
    #[arg(long, env = "FIREWATCH_LISTEN")]
    pub listen: Option<String>,
    /// Benchmarks only: answer intake without storing anything.
    #[arg(long, hide = true)]
    pub bench_discard_events: bool,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; prints it once on standard output.
    Create {
        #[arg(long)]
        name: String,
        /// Comma-separated: events:read, events:write, notifications:read, notifications:write, admin.
        #[arg(long)]
        scopes: String,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// List tokens (never their secrets).
    List {
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Revoke a token by id.
    Revoke {
        id: String,
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user. The password is asked for at the terminal, or read from standard input.
    Add {
        name: String,
        /// viewer (reads), responder (also acts on alerts, incidents, deliveries), admin.
        #[arg(long)]
        role: String,
        /// Read the password from standard input (first line) instead of asking.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        server: ServerArgs,
    },
    /// List users (never their passwords).
    List {
        #[command(flatten)]
        server: ServerArgs,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ClientArgs {
    /// Base URL of a running Firewatch.
    #[arg(long, env = "FIREWATCH_URL")]
    pub url: String,
    /// API token.
    #[arg(long, env = "FIREWATCH_TOKEN", hide_env_values = true)]
    pub token: String,
}

#[derive(Debug, Subcommand)]
pub enum NotificationsCommand {
    /// List notifications that gave up (dead letters).
    DeadLetters {
        #[command(flatten)]
        client: ClientArgs,
        #[arg(long)]
        destination: Option<String>,
    },
    /// Put dead letters back in their queues: one by id, or all with --all.
    Redrive {
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<i64>,
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        client: ClientArgs,
    },
}

pub async fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::CheckConfig { config } => return check_config(config.as_deref()),
        Command::Token { command } => token(command).await,
        Command::User { command } => user(command).await,
        Command::Backup { path, server } => backup(&path, &server).await,
        Command::Notifications { command } => notifications(command).await,
        Command::Alert { command } => alert(command).await,
        Command::Silence { command } => silence(command).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn load_config(server: &ServerArgs) -> anyhow::Result<Loaded> {
    let mut loaded = Config::load(server.config.as_deref())?;
    if let Some(url) = &server.database_url {
        loaded.config.server.database_url = url.clone();
    }
    Ok(loaded)
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut loaded = load_config(&args.server)?;
    if let Some(listen) = &args.listen {
        loaded.config.server.listen = listen.clone();
    }
    let log_format = match std::env::var("FIREWATCH_LOG_FORMAT").as_deref() {
        Ok("json") => LogFormat::Json,
        Ok("text") => LogFormat::Text,
        _ => loaded.config.server.log_format,
    };
    telemetry::init_logging(log_format);
    match &loaded.file {
        Some(file) => tracing::info!(config = %file.display(), "config read"),
        None => tracing::info!("no config file (looked for ./firewatch.toml): running on defaults"),
    }
    for warning in &loaded.warnings {
        tracing::warn!(%warning, "config warning");
    }
    let config = loaded.config;
    let database_url = config.server.database_url.clone();
    let store = Store::connect(&database_url)
        .await
        .with_context(|| format!("cannot open the store at {}", redact_url(&database_url)))?;
    tracing::info!(store = store.backend_name(), database = %redact_url(&database_url), "store ready, migrations applied");
    let listener = tokio::net::TcpListener::bind(&config.server.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.server.listen))?;
    let durability = if args.bench_discard_events {
        tracing::warn!("--bench-discard-events: events are NOT stored (benchmarks only)");
        Durability::Discard
    } else {
        Durability::Store
    };
    if store
        .list_users()
        .await
        .map(|u| u.is_empty())
        .unwrap_or(false)
    {
        tracing::info!(
            "no users yet: create the first admin with `firewatch user add admin --role admin`"
        );
    }
    if store
        .list_tokens()
        .await
        .map(|t| t.is_empty())
        .unwrap_or(false)
    {
        tracing::info!(
            "no API tokens yet: create one with `firewatch token create --name admin --scopes admin`"
        );
    }
    let mut app = App::start(
        listener,
        store,
        Settings {
            config,
            config_file: loaded.file,
            clock: Arc::new(SystemClock),
            durability,
            retry_policy: RetryPolicy::default(),
        },
    )
    .await?;
    tracing::info!(address = %app.address, "listening on http://{}", app.address);
    wait_for_stop(&mut app).await?;
    tracing::info!("shutting down: finishing in-flight requests and jobs");
    app.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

#[cfg(unix)]
async fn wait_for_stop(app: &mut App) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut hangup = signal(SignalKind::hangup())?;
    loop {
        tokio::select! {
            _ = terminate.recv() => return Ok(()),
            _ = interrupt.recv() => return Ok(()),
            _ = hangup.recv() => {
                if let Err(error) = app.reload_config().await {
                    tracing::error!("config reload refused, keeping the running config: {error}");
                }
            }
            task = app.any_task_stopped() => {
                tracing::error!(task, "a part of the server stopped unexpectedly");
                return Ok(());
            }
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_stop(app: &mut App) -> anyhow::Result<()> {
    tokio::select! {
        _ = tokio::signal::ctrl_c() => Ok(()),
        task = app.any_task_stopped() => {
            tracing::error!(task, "a part of the server stopped unexpectedly");
            Ok(())
        }
    }
}

fn check_config(path: Option<&Path>) -> ExitCode {
    match Config::load(path) {
        Ok(loaded) => {
            for warning in &loaded.warnings {
                eprintln!("warning: {warning}");
            }
            let config = &loaded.config;
            let source = loaded
                .file
                .map(|f| f.display().to_string())
                .unwrap_or_else(|| "no config file (defaults)".into());
            let count =
                |n: usize, noun: &str| format!("{n} {noun}{}", if n == 1 { "" } else { "s" });
            let mut parts = vec![
                count(config.integrations.len(), "integration"),
                count(config.destinations.len(), "destination"),
                count(config.routes.len(), "route"),
                count(config.digests.len(), "digest"),
            ];
            // The alerting sections are named only when used, so a forge-only setup reads short.
            for (n, noun) in [
                (config.teams.len(), "team"),
                (config.services.len(), "service"),
                (config.checks.len(), "check"),
            ] {
                if n > 0 {
                    parts.push(count(n, noun));
                }
            }
            println!("{source}: OK ({})", parts.join(", "));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

/// The database the server-side commands open: `--database-url`, else the config's.
fn database_url(server: &ServerArgs) -> anyhow::Result<String> {
    match &server.database_url {
        Some(url) => Ok(url.clone()),
        None => Ok(Config::load_database_url(server.config.as_deref())?),
    }
}

async fn open_store(server: &ServerArgs) -> anyhow::Result<Store> {
    let url = database_url(server)?;
    Store::connect(&url)
        .await
        .with_context(|| format!("cannot open the store at {}", redact_url(&url)))
}

async fn backup(path: &std::path::Path, server: &ServerArgs) -> anyhow::Result<()> {
    let url = database_url(server)?;
    if !url.starts_with("sqlite:") {
        bail!(
            "firewatch backup copies SQLite databases; back up PostgreSQL with its own tools, \
             for example `pg_dump --format=custom --file=firewatch.dump DATABASE_URL`, and \
             restore with `pg_restore`"
        );
    }
    let store = open_store(server).await?;
    let result = store.backup_into(path).await;
    store.close().await;
    let backup = result.with_context(|| format!("cannot back up to {}", path.display()))?;
    if backup.check != "ok" {
        bail!(
            "the copy at {} failed SQLite's integrity check: {}",
            path.display(),
            backup.check
        );
    }
    println!(
        "backed up {} events ({} bytes) to {}; integrity check ok",
        backup.events,
        backup.bytes,
        path.display()
    );
    Ok(())
}

async fn token(command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create {
            name,
            scopes,
            server,
        } => {
            let scopes =
                scope::parse_list(&scopes).map_err(|error| anyhow::anyhow!("--scopes: {error}"))?;
            if name.trim().is_empty() {
                bail!("--name must not be empty");
            }
            let store = open_store(&server).await?;
            let created =
                crate::accounts::tokens::create(&store, name.trim(), &scopes, SystemClock.now())
                    .await?;
            store.close().await;
            eprintln!(
                "Created token {} \"{}\" with scopes {}. It is shown once, below:",
                created.id,
                created.name,
                created.scopes.join(",")
            );
            println!("{}", created.token);
        }
        TokenCommand::List { server } => {
            let store = open_store(&server).await?;
            let tokens = store.list_tokens().await?;
            store.close().await;
            println!("{:<22} {:<20} {:<40} STATE", "ID", "NAME", "SCOPES");
            for token in tokens {
                let state = match token.revoked_at {
                    Some(at) => format!("revoked {at}"),
                    None => "active".into(),
                };
                println!(
                    "{:<22} {:<20} {:<40} {}",
                    token.id,
                    token.name,
                    token.scopes.join(","),
                    state
                );
            }
        }
        TokenCommand::Revoke { id, server } => {
            let store = open_store(&server).await?;
            let result = store.revoke_token(&id, SystemClock.now()).await;
            store.close().await;
            match result {
                Ok(()) => println!("revoked {id}"),
                Err(crate::store::StoreError::NotFound) => bail!("no active token with id {id}"),
                Err(error) => return Err(error.into()),
            }
        }
    }
    Ok(())
}

async fn user(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            name,
            role,
            password_stdin,
            server,
        } => {
            let role: crate::core::role::Role = role
                .parse()
                .map_err(|error| anyhow::anyhow!("--role: {error}"))?;
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                line.trim_end_matches(['\r', '\n']).to_owned()
            } else {
                let first = rpassword::prompt_password(format!("Password for {name}: "))
                    .context("cannot ask for a password here; use --password-stdin")?;
                let again = rpassword::prompt_password("Again: ")?;
                if first != again {
                    bail!("the passwords differ");
                }
                first
            };
            let store = open_store(&server).await?;
            let result =
                crate::accounts::users::add(&store, &name, role, &password, SystemClock.now())
                    .await;
            store.close().await;
            let id = result?;
            println!("added {role} {name} ({id})");
        }
        UserCommand::List { server } => {
            let store = open_store(&server).await?;
            let users = store.list_users().await?;
            store.close().await;
            println!("{:<32} {:<10} STATE", "NAME", "ROLE");
            for user in users {
                let state = if user.disabled_at.is_some() {
                    "disabled"
                } else {
                    "active"
                };
                println!("{:<32} {:<10} {state}", user.name, user.role);
            }
        }
    }
    Ok(())
}

/// A small client for the API, the same one tests use.
pub struct ApiClient {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl ApiClient {
    pub fn new(base: &str, token: &str) -> anyhow::Result<Self> {
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            http: crate::app::http_client()?,
        })
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
    ) -> anyhow::Result<serde_json::Value> {
        self.send(method, path, None).await
    }

    /// Like [`ApiClient::call`], with a JSON body.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> anyhow::Result<serde_json::Value> {
        let url = format!("{}{path}", self.base);
        let mut request = self.http.request(method, &url).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("cannot reach Firewatch at {}", self.base))?;
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        if !status.is_success() {
            bail!("{}", failure(status, &body));
        }
        Ok(body)
    }

    /// A GET whose answer is text (a CSV), not JSON.
    pub async fn text(&self, path: &str) -> anyhow::Result<String> {
        let url = format!("{}{path}", self.base);
        let response = self
            .http
            .get(&url)
            .bearer_auth(&self.token)
            .send()
            .await
            .with_context(|| format!("cannot reach Firewatch at {}", self.base))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            let body = serde_json::from_str(&text).unwrap_or_default();
            bail!("{}", failure(status, &body));
        }
        Ok(text)
    }
}

/// An API error as the CLI reports it: status, stable code, sentence.
fn failure(status: reqwest::StatusCode, body: &serde_json::Value) -> String {
    let code = body["error"]["code"].as_str().unwrap_or("error");
    let message = body["error"]["message"].as_str().unwrap_or("");
    format!("{status}: {code}: {message}")
}

/// Prints rows under a header, each column as wide as its widest cell; columns marked in
/// `right` are aligned right (numbers), the last column is not padded.
fn print_table(header: &[&str], rows: &[Vec<String>], right: &[bool]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        let mut text = String::new();
        for (index, cell) in cells.into_iter().enumerate() {
            let width = widths.get(index).copied().unwrap_or(0);
            let padded = if right.get(index).copied().unwrap_or(false) {
                format!("{cell:>width$}")
            } else if index == last {
                cell.to_owned()
            } else {
                format!("{cell:<width$}")
            };
            if index > 0 {
                text.push_str("  ");
            }
            text.push_str(&padded);
        }
        println!("{}", text.trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

async fn notifications(command: NotificationsCommand) -> anyhow::Result<()> {
    match command {
        NotificationsCommand::DeadLetters {
            client,
            destination,
        } => {
            let api = ApiClient::new(&client.url, &client.token)?;
            let mut cursor: Option<String> = None;
            println!(
                "{:<8} {:<20} {:<38} {:<8} LAST ERROR",
                "ID", "DESTINATION", "EVENT", "ATTEMPTS"
            );
            loop {
                let mut path = "/api/v1/notifications?state=dead&limit=500".to_owned();
                if let Some(destination) = &destination {
                    path.push_str(&format!("&destination={}", urlencode(destination)));
                }
                if let Some(cursor) = &cursor {
                    path.push_str(&format!("&cursor={cursor}"));
                }
                let page = api.call(reqwest::Method::GET, &path).await?;
                for item in page["items"].as_array().into_iter().flatten() {
                    println!(
                        "{:<8} {:<20} {:<38} {:<8} {}",
                        item["id"],
                        item["destination"].as_str().unwrap_or("-"),
                        item["event_id"].as_str().unwrap_or("-"),
                        item["attempts"],
                        item["last_error"].as_str().unwrap_or("")
                    );
                }
                match page["next_cursor"].as_str() {
                    Some(next) => cursor = Some(next.to_owned()),
                    None => break,
                }
            }
        }
        NotificationsCommand::Redrive { id, all, client } => {
            let api = ApiClient::new(&client.url, &client.token)?;
            if all {
                let result = api
                    .call(reqwest::Method::POST, "/api/v1/notifications/redrive")
                    .await?;
                println!("re-driven: {}", result["redriven"]);
            } else if let Some(id) = id {
                api.call(
                    reqwest::Method::POST,
                    &format!("/api/v1/notifications/{id}/redrive"),
                )
                .await?;
                println!("re-driven: {id}");
            }
        }
    }
    Ok(())
}

async fn alert(command: AlertCommand) -> anyhow::Result<()> {
    match command {
        AlertCommand::List {
            state,
            service,
            client,
        } => {
            let api = ApiClient::new(&client.url, &client.token)?;
            let mut path = format!("/api/v1/alerts?limit=500&state={}", urlencode(&state));
            if let Some(service) = &service {
                path.push_str(&format!("&service={}", urlencode(service)));
            }
            let page = api.call(reqwest::Method::GET, &path).await?;
            println!(
                "{:<38} {:<13} {:<9} {:<16} {:<24} SUMMARY",
                "ID", "STATE", "SEVERITY", "SERVICE", "RULE"
            );
            for item in page["items"].as_array().into_iter().flatten() {
                println!(
                    "{:<38} {:<13} {:<9} {:<16} {:<24} {}",
                    item["id"].as_str().unwrap_or("-"),
                    item["state"].as_str().unwrap_or("-"),
                    item["severity"].as_str().unwrap_or("-"),
                    item["service"].as_str().unwrap_or("-"),
                    item["rule"].as_str().unwrap_or("-"),
                    item["summary"].as_str().unwrap_or("")
                );
            }
        }
        AlertCommand::Ack { id, client } => change_alert(&client, &id, "acknowledge").await?,
        AlertCommand::Resolve { id, client } => change_alert(&client, &id, "resolve").await?,
        AlertCommand::Noise {
            by,
            days,
            from,
            to,
            auto_resolve_minutes,
            csv,
            client,
        } => {
            let api = ApiClient::new(&client.url, &client.token)?;
            let mut path = format!("/api/v1/reports/noise?by={}", urlencode(&by));
            for (name, value) in [
                ("days", days.map(|d| d.to_string())),
                ("from", from),
                ("to", to),
                (
                    "auto_resolve_minutes",
                    auto_resolve_minutes.map(|m| m.to_string()),
                ),
            ] {
                if let Some(value) = value {
                    path.push_str(&format!("&{name}={}", urlencode(&value)));
                }
            }
            if csv {
                print!("{}", api.text(&format!("{path}&format=csv")).await?);
                return Ok(());
            }
            let report = api.call(reqwest::Method::GET, &path).await?;
            print_noise(&report);
        }
        AlertCommand::Tasks { all, client } => {
            let api = ApiClient::new(&client.url, &client.token)?;
            let path = if all {
                "/api/v1/tasks?state=all"
            } else {
                "/api/v1/tasks"
            };
            let page = api.call(reqwest::Method::GET, path).await?;
            let text = |value: &serde_json::Value| value.as_str().unwrap_or("-").to_owned();
            let rows: Vec<Vec<String>> = page["items"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|task| {
                    let state = if task["closed_at"].is_string() {
                        "closed"
                    } else {
                        "open"
                    };
                    let mut row = vec![
                        text(&task["id"]),
                        state.to_owned(),
                        text(&task["reason"]),
                        text(&task["rule"]),
                        text(&task["service"]),
                        text(&task["team"]),
                        text(&task["opened_at"]),
                    ];
                    if all {
                        row.push(text(&task["closed_by"]));
                    }
                    row.push(task["detail"].as_str().unwrap_or("").to_owned());
                    row
                })
                .collect();
            let mut header = vec!["ID", "STATE", "REASON", "RULE", "SERVICE", "TEAM", "OPENED"];
            if all {
                header.push("CLOSED BY");
            }
            header.push("DETAIL");
            print_table(&header, &rows, &[]);
        }
        AlertCommand::CloseTask { id, client } => {
            let api = ApiClient::new(&client.url, &client.token)?;
            let task = api
                .call(
                    reqwest::Method::POST,
                    &format!("/api/v1/tasks/{}/close", urlencode(&id)),
                )
                .await?;
            println!(
                "closed {}: {} ({}: {})",
                task["id"].as_str().unwrap_or(&id),
                task["rule"].as_str().unwrap_or("-"),
                task["reason"].as_str().unwrap_or("-"),
                task["detail"].as_str().unwrap_or("")
            );
        }
    }
    Ok(())
}

/// The noise report as an aligned table; the window goes to standard error so standard
/// output holds only the table.
fn print_noise(report: &serde_json::Value) {
    let by = report["by"].as_str().unwrap_or("rule").to_uppercase();
    let count = |value: &serde_json::Value| value.as_u64().unwrap_or(0).to_string();
    let share =
        |value: &serde_json::Value| format!("{:.0}%", value.as_f64().unwrap_or(0.0) * 100.0);
    let duration = |value: &serde_json::Value| {
        value
            .as_f64()
            .map_or_else(|| "-".to_owned(), crate::core::noise::human_duration)
    };
    let rows: Vec<Vec<String>> = report["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|row| {
            let fired = row["fires"].as_u64().unwrap_or(0) > 0;
            vec![
                row["key"].as_str().unwrap_or("-").to_owned(),
                count(&row["fires"]),
                count(&row["notifications"]),
                count(&row["acknowledged"]),
                if fired {
                    share(&row["share_acknowledged"])
                } else {
                    "-".into()
                },
                count(&row["auto_resolved"]),
                if fired {
                    share(&row["share_auto_resolved"])
                } else {
                    "-".into()
                },
                count(&row["flapping"]),
                duration(&row["median_seconds_to_acknowledge"]),
                duration(&row["median_seconds_to_resolve"]),
                count(&row["pages"]),
                format!("{:.1}", row["pages_per_week"].as_f64().unwrap_or(0.0)),
                row["page_budget_per_week"]
                    .as_u64()
                    .map_or_else(|| "-".to_owned(), |budget| budget.to_string()),
                if row["over_budget"] == true {
                    "OVER"
                } else {
                    ""
                }
                .to_owned(),
            ]
        })
        .collect();
    eprintln!(
        "from {} to {}; auto-resolved: resolved by the sender within {} min",
        report["from"].as_str().unwrap_or("?"),
        report["to"].as_str().unwrap_or("?"),
        report["auto_resolve_minutes"]
    );
    if rows.is_empty() {
        eprintln!("no alerts fired, changed or were notified in this window");
    }
    let header = [
        by.as_str(),
        "FIRES",
        "NOTIFIED",
        "ACKED",
        "ACKED%",
        "AUTO",
        "AUTO%",
        "FLAPPING",
        "MEDIAN ACK",
        "MEDIAN RESOLVE",
        "PAGES",
        "PAGES/WEEK",
        "BUDGET",
        "",
    ];
    let mut right = [true; 14];
    right[0] = false;
    right[13] = false;
    print_table(&header, &rows, &right);
}

async fn change_alert(client: &ClientArgs, id: &str, verb: &str) -> anyhow::Result<()> {
    let api = ApiClient::new(&client.url, &client.token)?;
    let alert = api
        .call(
            reqwest::Method::POST,
            &format!("/api/v1/alerts/{}/{verb}", urlencode(id)),
        )
        .await?;
    println!(
        "{} {}: {}",
        alert["state"].as_str().unwrap_or(verb),
        alert["id"].as_str().unwrap_or(id),
        alert["summary"].as_str().unwrap_or("")
    );
    Ok(())
}

async fn silence(command: SilenceCommand) -> anyhow::Result<()> {
    match command {
        SilenceCommand::List { all, client } => {
            let api = ApiClient::new(&client.url, &client.token)?;
            let path = if all {
                "/api/v1/silences?status=all"
            } else {
                "/api/v1/silences"
            };
            let page = api.call(reqwest::Method::GET, path).await?;
            println!(
                "{:<38} {:<8} {:<11} {:<22} {:<22} {:<16} MATCHERS / COMMENT",
                "ID", "STATUS", "KIND", "STARTS", "ENDS", "BY"
            );
            for item in page["items"].as_array().into_iter().flatten() {
                println!(
                    "{:<38} {:<8} {:<11} {:<22} {:<22} {:<16} {} {}",
                    item["id"].as_str().unwrap_or("-"),
                    item["status"].as_str().unwrap_or("-"),
                    item["kind"].as_str().unwrap_or("-"),
                    item["starts_at"].as_str().unwrap_or("-"),
                    item["ends_at"].as_str().unwrap_or("-"),
                    item["created_by"].as_str().unwrap_or("-"),
                    item["matchers_text"].as_str().unwrap_or(""),
                    item["comment"].as_str().unwrap_or("")
                );
            }
        }
        SilenceCommand::Add {
            matchers,
            duration,
            starts,
            ends,
            comment,
            created_by,
            service,
            cron,
            timezone,
            client,
        } => {
            let api = ApiClient::new(&client.url, &client.token)?;
            let mut body = serde_json::json!({
                "matchers": matchers.join(", "),
                "comment": comment,
            });
            for (key, value) in [
                ("duration", duration),
                ("startsAt", starts),
                ("endsAt", ends),
                ("createdBy", created_by),
                ("service", service),
            ] {
                if let Some(value) = value {
                    body[key] = value.into();
                }
            }
            if let Some(cron) = cron {
                body["cron"] = cron.into();
                body["timezone"] = timezone.into();
            }
            let created = api
                .send(reqwest::Method::POST, "/api/v1/silences", Some(&body))
                .await?;
            println!(
                "{} {} {} until {}",
                created["id"].as_str().unwrap_or("-"),
                created["status"].as_str().unwrap_or("-"),
                created["matchers_text"].as_str().unwrap_or(""),
                created["ends_at"].as_str().unwrap_or("-")
            );
        }
        SilenceCommand::Expire { id, client } => {
            let api = ApiClient::new(&client.url, &client.token)?;
            api.call(
                reqwest::Method::DELETE,
                &format!("/api/v1/silences/{}", urlencode(&id)),
            )
            .await?;
            println!("expired {id}");
        }
    }
    Ok(())
}

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("v", text)])
        .map(|encoded| encoded.trim_start_matches("v=").to_owned())
        .unwrap_or_default()
}
