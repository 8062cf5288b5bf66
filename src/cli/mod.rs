//! The command line. Server-side commands read the config and database directly; client-side
//! commands talk to a running Firewatch through its API (`FIREWATCH_URL`, `FIREWATCH_TOKEN`).

mod accounts;
mod alerts;
mod changes;
mod deliveries;
mod import;
mod incidents;
mod metrics;
mod oncall;

pub use accounts::{AuditCommand, TokenCommand, UserCommand};
use accounts::{audit, token, user};
pub use alerts::{AlertCommand, SilenceCommand};
use alerts::{alert, silence};
pub use changes::ChangeCommand;
pub use deliveries::NotificationsCommand;
use deliveries::notifications;
pub use incidents::IncidentCommand;
use incidents::incident;
pub use metrics::{DeployCommand, MetricsCommand};
pub use oncall::{OncallArgs, OverrideCommand, PageCommand};
use oncall::{override_command, page};

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
use crate::i18n::Locale;
use crate::intake::Durability;
use crate::store::Store;
use crate::telemetry;

#[derive(Debug, Parser)]
#[command(
    name = "firewatch",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("FIREWATCH_COMMIT"), ")"),
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
        /// The config file (default: firewatch.toml, or $FIREWATCH_CONFIG).
        #[arg(long, env = "FIREWATCH_CONFIG")]
        config: Option<PathBuf>,
    },
    /// Manage API tokens (server side: uses the database directly).
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Check the audit log's chain, or export it as JSON Lines (server side: uses the database
    /// directly).
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
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
    /// Ask the running server's /readyz on this machine; exit 0 when it is ready. For a
    /// container's HEALTHCHECK, where there is no curl.
    Healthcheck {
        #[command(flatten)]
        server: ServerArgs,
        /// Overrides server.listen.
        #[arg(long, env = "FIREWATCH_LISTEN")]
        listen: Option<String>,
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
    /// Who is on call, per schedule, team or service, now or at --at.
    Oncall(OncallArgs),
    /// Change a schedule for a while: add, list and remove overrides.
    Override {
        #[command(subcommand)]
        command: OverrideCommand,
    },
    /// Pages: `page test PERSON` sends a test page through each contact method.
    Page {
        #[command(subcommand)]
        command: PageCommand,
    },
    /// Declare, update, acknowledge, resolve and list incidents, through the API.
    Incident {
        #[command(subcommand)]
        command: IncidentCommand,
    },
    /// Announce a change, approve or reject one, or wait for its approval.
    Change {
        #[command(subcommand)]
        command: ChangeCommand,
    },
    /// Record a deployment from any pipeline, through the API.
    Deploy {
        #[command(subcommand)]
        command: DeployCommand,
    },
    /// Shared metrics through the API: DORA's five keys, and operations.
    Metrics {
        #[command(subcommand)]
        command: MetricsCommand,
    },
    /// Move in from PagerDuty, Opsgenie, Grafana OnCall or Alertmanager: write Firewatch
    /// config and a report of what could not be carried over (server side; writes files).
    Import {
        #[command(subcommand)]
        source: import::ImportCommand,
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
    /// Fill an empty database with 90 days of a demo organisation, then serve it.
    #[arg(long)]
    pub demo: bool,
    /// Benchmarks only: answer intake without storing anything.
    #[arg(long, hide = true)]
    pub bench_discard_events: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ClientArgs {
    /// Base URL of a running Firewatch.
    #[arg(long, env = "FIREWATCH_URL")]
    pub url: Option<String>,
    /// API token.
    #[arg(long, env = "FIREWATCH_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Show times in UTC rather than this machine's time zone.
    #[arg(long)]
    pub utc: bool,
}

/// `[server] locale` once a server-side command has read the config.
static CONFIG_LOCALE: std::sync::OnceLock<Locale> = std::sync::OnceLock::new();

/// The language the command line writes in: `FIREWATCH_LOCALE`, else the shell's (`LC_ALL`,
/// `LC_MESSAGES`, `LANG`) when Firewatch speaks it, else `[server] locale` when the command
/// read a config, else English.
pub fn locale() -> Locale {
    let from_env = |name: &str| std::env::var(name).ok().and_then(|tag| Locale::parse(&tag));
    from_env("FIREWATCH_LOCALE")
        .or_else(|| {
            // The first of these that is set decides, as the C library does.
            ["LC_ALL", "LC_MESSAGES", "LANG"]
                .into_iter()
                .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
                .and_then(|tag| Locale::parse(&tag))
        })
        .or_else(|| CONFIG_LOCALE.get().copied())
        .unwrap_or_default()
}

/// How a client command writes the API's times: to the second, in this machine's zone (or
/// UTC with `--utc`), with the zone's abbreviation, as the command line's language writes
/// dates.
#[derive(Debug, Clone)]
pub struct Dates {
    zone: jiff::tz::TimeZone,
    locale: Locale,
}

impl Dates {
    pub fn new(utc: bool) -> Dates {
        Dates {
            zone: if utc {
                jiff::tz::TimeZone::UTC
            } else {
                jiff::tz::TimeZone::system()
            },
            locale: locale(),
        }
    }

    /// An API time (`"2026-12-06T21:03:22.766Z"`) as `2026-12-06 22:03:22 CET`; `-` for none,
    /// and anything that is not a time as it is.
    pub fn show(&self, value: &serde_json::Value) -> String {
        let Some(text) = value.as_str() else {
            return "-".into();
        };
        match text.parse::<jiff::Timestamp>() {
            Ok(at) => self.at(at),
            Err(_) => text.to_owned(),
        }
    }

    pub fn at(&self, at: jiff::Timestamp) -> String {
        let at = at.round(jiff::Unit::Second).unwrap_or(at);
        self.locale.date_time_full(&at.to_zoned(self.zone.clone()))
    }
}

impl ClientArgs {
    /// The client for the running Firewatch these name; when one is missing, the error says
    /// both ways to give it, the flag and the environment variable.
    pub fn api(&self) -> anyhow::Result<ApiClient> {
        let url = self.url.as_deref().filter(|url| !url.trim().is_empty()).ok_or_else(|| {
            anyhow::anyhow!(
                "no Firewatch to talk to: set FIREWATCH_URL (or pass --url), e.g. http://127.0.0.1:8080"
            )
        })?;
        let token = self.token.as_deref().filter(|token| !token.trim().is_empty()).ok_or_else(|| {
            anyhow::anyhow!(
                "no API token: set FIREWATCH_TOKEN (or pass --token); `firewatch token create` makes one"
            )
        })?;
        ApiClient::new(url, token)
    }

    pub fn dates(&self) -> Dates {
        Dates::new(self.utc)
    }
}

pub async fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::CheckConfig { config } => return check_config(config.as_deref()).await,
        Command::Token { command } => token(command).await,
        Command::User { command } => user(command).await,
        Command::Audit { command } => audit(command).await,
        Command::Backup { path, server } => backup(&path, &server).await,
        Command::Healthcheck { server, listen } => healthcheck(&server, listen).await,
        Command::Notifications { command } => notifications(command).await,
        Command::Alert { command } => alert(command).await,
        Command::Silence { command } => silence(command).await,
        Command::Oncall(args) => oncall::oncall(args).await,
        Command::Override { command } => override_command(command).await,
        Command::Page { command } => page(command).await,
        Command::Incident { command } => incident(command).await,
        Command::Deploy { command } => metrics::deploy(command).await,
        Command::Metrics { command } => metrics::metrics(command).await,
        // Its own exit codes: 0 approved, 1 rejected, 2 timed out.
        Command::Change { command } => return changes::change(command).await,
        Command::Import { source } => import::import(source).await,
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
    let _ = CONFIG_LOCALE.set(loaded.config.server.locale);
    if let Some(url) = &server.database_url {
        loaded.config.server.database_url = url.clone();
    }
    Ok(loaded)
}

async fn healthcheck(server: &ServerArgs, listen: Option<String>) -> anyhow::Result<()> {
    let listen = match listen {
        Some(listen) => listen,
        None => load_config(server)?.config.server.listen,
    };
    let url = format!("http://{}/readyz", local_address(&listen));
    // No proxy: a proxy from the environment would answer for a server that is not there.
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(std::time::Duration::from_secs(5))
        .build()?;
    let response = client
        .get(&url)
        .send()
        .await
        .with_context(|| format!("{url} did not answer"))?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    if !status.is_success() {
        bail!("{url} answered {status}: {body}");
    }
    println!("{url}: {body}");
    Ok(())
}

/// Where a client on this machine reaches a listen address: one that means every interface
/// is asked on loopback.
fn local_address(listen: &str) -> String {
    match listen.parse::<std::net::SocketAddr>() {
        Ok(address) if address.ip().is_unspecified() => {
            let ip: std::net::IpAddr = if address.is_ipv4() {
                std::net::Ipv4Addr::LOCALHOST.into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            };
            std::net::SocketAddr::new(ip, address.port()).to_string()
        }
        _ => listen.to_owned(),
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut loaded = load_config(&args.server)?;
    if let Some(listen) = &args.listen {
        loaded.config.server.listen = listen.clone();
    }
    // The demo's receiver lives as long as the server.
    let mut _demo_sink = None;
    if args.demo {
        if args.server.config.is_some() {
            bail!(
                "--demo brings its own organisation; drop --config (give --database-url for where it is kept)"
            );
        }
        let sink = crate::demo::Sink::start().await?;
        let listen = loaded.config.server.listen.clone();
        let public = format!("http://{}", local_address(&listen));
        let mut config = crate::demo::config(&sink.url, &public)?;
        config.server.listen = listen;
        config.server.database_url = loaded.config.server.database_url.clone();
        loaded.config = config;
        loaded.file = None;
        loaded.warnings.clear();
        _demo_sink = Some(sink);
    }
    let log_format = match std::env::var("FIREWATCH_LOG_FORMAT").as_deref() {
        Ok("json") => LogFormat::Json,
        Ok("text") => LogFormat::Text,
        _ => loaded.config.server.log_format,
    };
    telemetry::init_logging(log_format);
    match &loaded.file {
        Some(file) => tracing::info!(config = %file.display(), "config read"),
        None if args.demo => tracing::info!(
            "the demo organisation, built in: three teams, eight services, six people on two rotations"
        ),
        None => tracing::info!("no config file (looked for ./firewatch.toml): running on defaults"),
    }
    for warning in &loaded.warnings {
        tracing::warn!(%warning, "config warning");
    }
    let config = loaded.config;
    let database_url = config.server.database_url.clone();
    let mut store = connect_waiting(&database_url)
        .await
        .with_context(|| format!("cannot open the store at {}", redact_url(&database_url)))?;
    tracing::info!(store = store.backend_name(), database = %redact_url(&database_url), "store ready, migrations applied");
    if args.demo {
        crate::demo::ensure_empty(&store).await?;
        tracing::info!("demo: writing 90 days of history (some seconds)");
        let started = std::time::Instant::now();
        let made = crate::demo::fill(&store, &config, SystemClock.now()).await?;
        // The demo's own Firewatch closed the store when it stopped.
        store = Store::connect(&database_url).await?;
        tracing::info!(
            pull_requests = made.pull_requests,
            deployments = made.deployments,
            rollbacks = made.rollbacks,
            alerts = made.alerts,
            incidents = made.incidents,
            postmortems = made.postmortems,
            changes = made.changes,
            seconds = started.elapsed().as_secs(),
            "demo: history written"
        );
        eprintln!(
            "demo: open http://{} and sign in as {} with the password {}",
            local_address(&config.server.listen),
            crate::demo::USER,
            crate::demo::PASSWORD
        );
    }
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
    // Signals are taken before the server answers anything: a SIGTERM that comes as soon as
    // it is ready must drain, not kill.
    let mut stop = Stop::new()?;
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
    stop.wait(&mut app).await;
    tracing::info!("shutting down: finishing in-flight requests and jobs");
    app.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

/// The signals that stop or reload the server.
#[cfg(unix)]
struct Stop {
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Stop {
    fn new() -> anyhow::Result<Stop> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Stop {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
            hangup: signal(SignalKind::hangup())?,
        })
    }

    /// Until SIGTERM or SIGINT, or a part of the server stops; SIGHUP reloads the config.
    async fn wait(&mut self, app: &mut App) {
        loop {
            tokio::select! {
                _ = self.terminate.recv() => return,
                _ = self.interrupt.recv() => return,
                _ = self.hangup.recv() => {
                    if let Err(error) = app.reload_config().await {
                        tracing::error!("config reload refused, keeping the running config: {error}");
                    }
                }
                task = app.any_task_stopped() => {
                    tracing::error!(task, "a part of the server stopped unexpectedly");
                    return;
                }
            }
        }
    }
}

#[cfg(not(unix))]
struct Stop;

#[cfg(not(unix))]
impl Stop {
    fn new() -> anyhow::Result<Stop> {
        Ok(Stop)
    }

    async fn wait(&mut self, app: &mut App) {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            task = app.any_task_stopped() => {
                tracing::error!(task, "a part of the server stopped unexpectedly");
            }
        }
    }
}

async fn check_config(path: Option<&Path>) -> ExitCode {
    match Config::load(path) {
        Ok(loaded) => {
            let _ = CONFIG_LOCALE.set(loaded.config.server.locale);
            let locale = locale();
            for warning in &loaded.warnings {
                eprintln!("warning: {warning}");
            }
            let config = &loaded.config;
            let source = loaded
                .file
                .map(|f| f.display().to_string())
                .unwrap_or_else(|| locale.text("cli-no-config-file"));
            let count = |n: usize, key: &str| locale.text_with(key, &[("count", n.into())]);
            let mut parts = vec![
                count(config.integrations.len(), "cli-count-integrations"),
                count(config.destinations.len(), "cli-count-destinations"),
                count(config.routes.len(), "cli-count-routes"),
                count(config.digests.len(), "cli-count-digests"),
            ];
            // The alerting sections are named only when used, so a forge-only setup reads short.
            for (n, key) in [
                (config.teams.len(), "cli-count-teams"),
                (config.services.len(), "cli-count-services"),
                (config.checks.len(), "cli-count-checks"),
                (config.people.len(), "cli-count-people"),
                (config.schedules.len(), "cli-count-schedules"),
                (config.escalation_policies.len(), "cli-count-policies"),
            ] {
                if n > 0 {
                    parts.push(count(n, key));
                }
            }
            for gap in coverage_warnings(config).await {
                eprintln!("warning: {gap}");
            }
            println!(
                "{}",
                locale.text_with(
                    "cli-config-ok",
                    &[
                        ("source", source.into()),
                        ("parts", parts.join(", ").into())
                    ],
                )
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

/// The coverage gaps of the next 14 days, from the config alone (overrides live in the
/// database, so the server's on-call page may show fewer).
async fn coverage_warnings(config: &Config) -> Vec<String> {
    let now = SystemClock.now();
    let gaps = crate::oncall::views::coverage_gaps(None, config, now)
        .await
        .unwrap_or_default();
    gaps.iter()
        .map(|gap| {
            let (kind, id) = gap.what.split_once(':').unwrap_or(("", &gap.what));
            let whom = match kind {
                "policy" => format!("escalation policy {id}'s first step reaches nobody"),
                _ => format!("schedule {id} has nobody on call"),
            };
            format!(
                "{whom} from {} to {} ({} in the next 14 days)",
                gap.start.strftime("%Y-%m-%d %H:%M UTC"),
                gap.end.strftime("%Y-%m-%d %H:%M UTC"),
                crate::core::noise::human_duration(gap.end.duration_since(gap.start).as_secs_f64())
            )
        })
        .collect()
}

/// The database the server-side commands open: `--database-url`, else the config's.
fn database_url(server: &ServerArgs) -> anyhow::Result<String> {
    match &server.database_url {
        Some(url) => Ok(url.clone()),
        None => Ok(Config::load_database_url(server.config.as_deref())?),
    }
}

/// How long `serve` waits for a database server it cannot reach yet.
const DATABASE_PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

/// The store, for `serve`: a database server that is not reachable yet (started beside
/// Firewatch by compose or Kubernetes, or restarting) is tried again every 2 s for up to
/// `DATABASE_PATIENCE`, saying why each time; any other error, and any SQLite error (a file
/// here does not come later), fails at once. Commands a person runs fail at once instead.
async fn connect_waiting(url: &str) -> Result<Store, crate::store::StoreError> {
    let step = std::time::Duration::from_secs(2);
    let patience = if url.starts_with("sqlite:") {
        std::time::Duration::ZERO
    } else {
        DATABASE_PATIENCE
    };
    let mut waited = std::time::Duration::ZERO;
    loop {
        match Store::connect(url).await {
            Err(error) if error.is_unreachable() && waited < patience => {
                tracing::warn!(
                    database = %redact_url(url),
                    "cannot reach the database yet ({error}); trying again in {} s",
                    step.as_secs()
                );
                tokio::time::sleep(step).await;
                waited += step;
            }
            other => return other,
        }
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

/// Who the audit log says acted at the server's command line: the operating system's user
/// (through sudo, the one who ran sudo), else just the command line.
fn cli_actor() -> crate::core::audit::Actor {
    let user = ["SUDO_USER", "USER", "LOGNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()));
    let by = match user {
        Some(user) => format!("cli:{user}"),
        None => "cli".to_owned(),
    };
    crate::core::audit::Actor::new(by, crate::core::audit::Channel::Cli)
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
        let mut request = self
            .http
            .request(method, &url)
            .bearer_auth(&self.token)
            .header("firewatch-client", "cli");
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
            .header("firewatch-client", "cli")
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

/// A table cell from an API value: its text, or `-` when there is none.
fn cell(value: &serde_json::Value) -> String {
    value.as_str().unwrap_or("-").to_owned()
}

/// Prints rows under a header, each column as wide as its widest cell; columns marked in
/// `right` are aligned right (numbers), the last column is not padded.
/// Columns a terminal gives `text`: Hangul and the CJK ideographs take two.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| match c {
            '\u{1100}'..='\u{115F}'
            | '\u{2E80}'..='\u{A4CF}'
            | '\u{AC00}'..='\u{D7A3}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{FF00}'..='\u{FF60}'
            | '\u{FFE0}'..='\u{FFE6}' => 2,
            _ => 1,
        })
        .sum()
}

/// A table, its header in the command line's language (`SCHEDULE` is `cli-col-schedule`).
fn print_table(header: &[&str], rows: &[Vec<String>], right: &[bool]) {
    let locale = locale();
    let header: Vec<String> = header
        .iter()
        .map(|name| {
            let key = format!("cli-col-{}", name.to_lowercase().replace(' ', "-"));
            if locale.has(&key) {
                locale.text(&key)
            } else {
                (*name).to_owned()
            }
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| display_width(h)).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(display_width(cell));
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        let mut text = String::new();
        for (index, cell) in cells.into_iter().enumerate() {
            let width = widths.get(index).copied().unwrap_or(0);
            let pad = " ".repeat(width.saturating_sub(display_width(cell)));
            let padded = if right.get(index).copied().unwrap_or(false) {
                format!("{pad}{cell}")
            } else if index == last {
                cell.to_owned()
            } else {
                format!("{cell}{pad}")
            };
            if index > 0 {
                text.push_str("  ");
            }
            text.push_str(&padded);
        }
        println!("{}", text.trim_end());
    };
    line(header.iter().map(String::as_str).collect());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("v", text)])
        .map(|encoded| encoded.trim_start_matches("v=").to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// `--help` explains every command and every option a person can type.
    #[test]
    fn every_command_and_option_has_help() {
        fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for sub in command.get_subcommands() {
                let here = format!("{path} {}", sub.get_name());
                if sub.get_about().is_none() {
                    missing.push(here.clone());
                }
                for arg in sub.get_arguments() {
                    if arg.get_help().is_none() && !arg.is_hide_set() {
                        missing.push(format!("{here} {}", arg.get_id()));
                    }
                }
                walk(sub, &here, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&super::Cli::command(), "firewatch", &mut missing);
        assert!(missing.is_empty(), "no help for: {missing:#?}");
    }
}
