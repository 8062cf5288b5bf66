//! Wires the parts into a running server: store, intake committers, job runner,
//! housekeeping and the HTTP router, all stopped together by one shutdown token. The server
//! starts from an already-bound listener, so tests can bind port 0.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::clock::SharedClock;
use crate::config::{Config, ConfigError, ConfigHandle};
use crate::context::Context;
use crate::core::retry::RetryPolicy;
use crate::forge::digest;
use crate::forge::projector::StateProjector;
use crate::http;
use crate::intake::{Durability, Intake};
use crate::runner::Runner;
use crate::state::AppState;
use crate::store::Store;
use crate::telemetry::Metrics;

pub struct Settings {
    pub config: Config,
    /// Where the config came from; `None` when running on defaults (reload then does nothing).
    pub config_file: Option<PathBuf>,
    pub clock: SharedClock,
    pub durability: Durability,
    pub retry_policy: RetryPolicy,
}

pub struct App {
    pub address: SocketAddr,
    /// The status page's own listener (`status_page.listen`), when it has one.
    pub status_address: Option<SocketAddr>,
    /// The mail listener's (`[email_intake] listen`), when there is one.
    pub mail_address: Option<SocketAddr>,
    pub state: AppState,
    config_file: Option<PathBuf>,
    shutdown: CancellationToken,
    tasks: JoinSet<&'static str>,
}

impl App {
    pub async fn start(
        listener: TcpListener,
        store: Store,
        settings: Settings,
    ) -> anyhow::Result<App> {
        let address = listener.local_addr()?;
        let shutdown = CancellationToken::new();
        let metrics = Arc::new(Metrics::default());
        let jobs_added = Arc::new(Notify::new());
        let mut config = settings.config;
        config.server.bound = Some(address.to_string());
        let config = ConfigHandle::new(config);
        let mut tasks = JoinSet::new();

        let intake = Intake::start(
            store.clone(),
            settings.clock.clone(),
            metrics.clone(),
            settings.durability,
            jobs_added.clone(),
            &mut tasks,
        );
        let state = AppState::new(Context {
            config: config.clone(),
            store: store.clone(),
            intake,
            clock: settings.clock.clone(),
            metrics: metrics.clone(),
            rate_limits: Arc::new(Mutex::new(Default::default())),
            jobs_added: jobs_added.clone(),
            status_changed: Arc::default(),
        });

        let worker = Runner {
            store: store.clone(),
            config,
            clock: settings.clock.clone(),
            client: http_client()?,
            check_client: crate::checks::probe::client()?,
            public_client: crate::integrations::outbound::guard::public_client()?,
            metrics,
            policy: settings.retry_policy,
            owner: format!("worker-{}", uuid::Uuid::now_v7().simple()),
        };
        tasks.spawn({
            let shutdown = shutdown.clone();
            async move {
                worker.run(jobs_added, shutdown).await;
                "job runner"
            }
        });
        tasks.spawn({
            let shutdown = shutdown.clone();
            let store = store.clone();
            let clock = settings.clock.clone();
            let config = state.config.clone();
            let metrics = state.metrics.clone();
            let housekeeping = crate::store::maintenance::Housekeeping {
                retention: Box::new(move || config.current().retention()),
                pruned: Box::new(move |pruned| metrics.count_pruned(pruned)),
            };
            async move {
                crate::store::maintenance::run(store, clock, housekeeping, shutdown).await;
                "store maintenance"
            }
        });
        tasks.spawn({
            let projector = StateProjector {
                store: store.clone(),
            };
            let shutdown = shutdown.clone();
            async move {
                projector.run(shutdown).await;
                "state projector"
            }
        });
        digest::schedule_all(&store, &state.config.current(), settings.clock.now()).await?;
        // The chain of silence checks is durable; one at start mends it if it ever broke.
        let now = settings.clock.now();
        crate::alerts::jobs::schedule_check(&store, "start", now, now).await?;
        crate::checks::jobs::schedule_all(&store, &state.config.current(), now).await?;
        crate::checks::heartbeats::schedule_all(&store, &state.config.current(), now).await?;
        // Connections and body bytes are bounded across both listeners, before any request
        // is authenticated.
        let limits = http::serve::Limits::of(&state.config.current().server);
        let budget =
            http::serve::BodyBudget::new(state.config.current().server.body_bytes_in_flight);
        // The public status page on its own address, so the admin UI and API need not face
        // the internet.
        let status_address = match &state.config.current().status_page.listen {
            Some(listen) => {
                let status_listener = TcpListener::bind(listen.as_str()).await?;
                let bound = status_listener.local_addr()?;
                tracing::info!(address = %bound, "status page listening on its own address");
                let shutdown = shutdown.clone();
                let router = http::status_routes().with_state(state.clone());
                let budget = budget.clone();
                tasks.spawn(async move {
                    http::serve::serve(status_listener, router, limits, budget, shutdown).await;
                    "status page server"
                });
                Some(bound)
            }
            None => None,
        };
        // Alerts by email, when `[email_intake]` is set.
        let mail_address = match crate::mail::start(state.context.clone(), shutdown.clone()).await?
        {
            Some((bound, serve)) => {
                tracing::info!(
                    address = %bound,
                    addresses = ?crate::mail::addresses(&state.config.current()),
                    "mail listener taking alerts by email"
                );
                tasks.spawn(async move {
                    serve.await;
                    "mail listener"
                });
                Some(bound)
            }
            None => None,
        };
        tasks.spawn({
            let shutdown = shutdown.clone();
            let router = router(state.clone());
            async move {
                http::serve::serve(listener, router, limits, budget, shutdown).await;
                "http server"
            }
        });
        Ok(App {
            address,
            status_address,
            mail_address,
            state,
            config_file: settings.config_file,
            shutdown,
            tasks,
        })
    }

    /// Re-reads the config file. A config with problems is refused and the old one kept.
    /// Settings bound at start (listen address, database) need a restart to change.
    pub async fn reload_config(&self) -> Result<(), ConfigError> {
        let Some(file) = &self.config_file else {
            tracing::info!("no config file to reload; still on defaults");
            return Ok(());
        };
        let loaded = Config::load(Some(file));
        self.audit_reload(file, loaded.as_ref().err()).await;
        let loaded = loaded?;
        for warning in &loaded.warnings {
            tracing::warn!(%warning, "config warning");
        }
        let current = self.state.config.current();
        if loaded.config.server.listen != current.server.listen
            || loaded.config.server.database_url != current.server.database_url
        {
            tracing::warn!(
                "server.listen and server.database_url changes take effect only after a restart"
            );
        }
        let mut config = loaded.config;
        config.server.bound = current.server.bound.clone();
        self.state.config.replace(config);
        tracing::info!(file = %file.display(), "config reloaded");
        let config = self.state.config.current();
        if let Err(error) =
            digest::schedule_all(&self.state.store, &config, self.state.clock.now()).await
        {
            tracing::error!(%error, "could not schedule digests after reload");
        }
        if let Err(error) =
            crate::checks::jobs::schedule_all(&self.state.store, &config, self.state.clock.now())
                .await
        {
            tracing::error!(%error, "could not schedule checks after reload");
        }
        if let Err(error) = crate::checks::heartbeats::schedule_all(
            &self.state.store,
            &config,
            self.state.clock.now(),
        )
        .await
        {
            tracing::error!(%error, "could not schedule heartbeats after reload");
        }
        Ok(())
    }

    /// The audit log's entry for a reload (a signal, so no person is known): the file and the
    /// SHA-256 of its text, and why it was refused when it was.
    async fn audit_reload(&self, file: &std::path::Path, refused: Option<&ConfigError>) {
        use sha2::Digest as _;
        let sha256 = std::fs::read(file)
            .map(|text| hex::encode(sha2::Sha256::digest(text)))
            .ok();
        let mut after = serde_json::json!({ "sha256": sha256 });
        if let Some(error) = refused {
            after["refused"] = serde_json::Value::String(error.to_string());
        }
        let actor =
            crate::core::audit::Actor::new("signal:SIGHUP", crate::core::audit::Channel::System);
        let entry = crate::store::audit::NewAudit::new(
            &actor,
            if refused.is_some() {
                "config.reload_refused"
            } else {
                "config.reload"
            },
            file.display().to_string(),
        )
        .after(after);
        if let Err(error) = self
            .state
            .store
            .record_audit(&[entry], self.state.clock.now())
            .await
        {
            tracing::error!(%error, "the config reload could not be written to the audit log");
        }
    }

    /// Resolves when any task stops on its own, naming it: a server that loses a part stops.
    pub async fn any_task_stopped(&mut self) -> &'static str {
        match self.tasks.join_next().await {
            Some(Ok(name)) => name,
            Some(Err(_)) => "a task that panicked",
            None => "no task",
        }
    }

    /// Stops accepting, finishes in-flight requests (their events are committed) and the
    /// jobs in hand, then closes the store.
    pub async fn shutdown(self) {
        let App {
            state,
            shutdown,
            mut tasks,
            ..
        } = self;
        shutdown.cancel();
        let store = state.store.clone();
        // The intake committers stop once the last handle is gone and their queue is empty.
        drop(state);
        while let Some(result) = tasks.join_next().await {
            if let Ok(name) = result {
                tracing::debug!(task = name, "stopped");
            }
        }
        store.close().await;
    }
}

pub fn http_client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .user_agent(concat!("Firewatch/", env!("CARGO_PKG_VERSION")))
        // A destination that answers with a redirect is not followed wherever it points: the
        // attempt fails with the status, and the operator fixes the URL.
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

/// A database URL fit for logs: any password is replaced.
pub fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("****"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Every route: the hooks, API and operations endpoints (`http`) and the pages (`web`).
pub fn router(state: AppState) -> axum::Router {
    axum::Router::new()
        .merge(http::routes())
        .merge(crate::web::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(|| async {
            http::ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not take that method",
            )
        })
        .with_state(state)
}

/// Browsers get a page, everything else the API's JSON error.
async fn not_found(headers: axum::http::HeaderMap) -> axum::response::Response {
    use axum::response::IntoResponse;
    let wants_html = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html {
        crate::web::PageError::NotFound("page").into_response()
    } else {
        http::ApiError::not_found("no such route;").into_response()
    }
}
