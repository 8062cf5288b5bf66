//! Test helpers: the real app on 127.0.0.1:0 over a fresh store (a temp SQLite file, or a fresh
//! PostgreSQL database when FIREWATCH_TEST_POSTGRES_URL is set), a controllable clock, and a
//! stand-in destination that records what it receives.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use firewatch::app::{App, Settings};
use firewatch::clock::{Clock, ManualClock};
use firewatch::config::Config;
use firewatch::core::retry::RetryPolicy;
use firewatch::core::scope::Scope;
use firewatch::intake::Durability;
use firewatch::store::Store;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use tokio::sync::Notify;

pub mod chat_apps;
pub mod messengers;
pub mod oidc;
pub mod smtp;
pub mod sources;
pub mod standins;

pub const POSTGRES_URL_VAR: &str = "FIREWATCH_TEST_POSTGRES_URL";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite always; PostgreSQL too when its URL is in the environment.
pub fn backends() -> Vec<Backend> {
    let mut backends = vec![Backend::Sqlite];
    if std::env::var(POSTGRES_URL_VAR).is_ok_and(|url| !url.is_empty()) {
        backends.push(Backend::Postgres);
    }
    backends
}

/// A fresh, empty database for one test, removed when dropped.
pub struct TestDatabase {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub async fn new(backend: Backend) -> TestDatabase {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("firewatch.db").display());
                TestDatabase {
                    url,
                    _dir: Some(dir),
                    postgres: None,
                }
            }
            Backend::Postgres => {
                let admin_url = std::env::var(POSTGRES_URL_VAR).expect("postgres url");
                let name = format!("fw_test_{}", uuid_simple());
                let admin = sqlx_admin(&admin_url).await;
                sqlx_exec(&admin, &format!("CREATE DATABASE {name}")).await;
                let mut url = reqwest::Url::parse(&admin_url).expect("postgres url parses");
                url.set_path(&name);
                TestDatabase {
                    url: url.to_string(),
                    _dir: None,
                    postgres: Some((admin_url, name)),
                }
            }
        }
    }

    pub async fn store(&self) -> Store {
        Store::connect(&self.url).await.expect("store connects")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.postgres.take() {
            // Drop runs outside async; a plain thread with its own runtime does the cleanup.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                runtime.block_on(async move {
                    let admin = sqlx_admin(&admin_url).await;
                    sqlx_exec(
                        &admin,
                        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                    )
                    .await;
                });
            })
            .join();
        }
    }
}

async fn sqlx_admin(url: &str) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("postgres admin connection")
}

async fn sqlx_exec(pool: &sqlx::PgPool, sql: &str) {
    sqlx::query(sql).execute(pool).await.expect(sql);
}

pub fn uuid_simple() -> String {
    let mut bytes = [0_u8; 8];
    getrandom::fill(&mut bytes).expect("random");
    hex::encode(bytes)
}

/// Firewatch's warnings and errors (a store error behind a 503, a failed job) go to the
/// test's own output, which the harness shows when the test fails.
fn capture_warnings() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
            .with_test_writer()
            .try_init();
    });
}

pub fn start_time() -> Timestamp {
    "2026-11-02T01:00:00Z".parse().expect("timestamp")
}

pub struct TestApp {
    pub app: Option<App>,
    pub url: String,
    pub clock: ManualClock,
    pub store: Store,
    pub http: reqwest::Client,
    /// A token with every scope.
    pub admin_token: String,
    pub config_toml: String,
    /// The test's own connection to the app's database, for [`TestApp::idle`].
    jobs: JobProbe,
    /// Kept so the database outlives the app.
    pub _database: TestDatabase,
}

/// A job the worker has due or in hand (seq, kind, queue, run_at, lease_owner), as
/// [`TestApp::idle`] reports it when it times out.
type BusyJob = (i64, String, Option<String>, i64, Option<String>);

/// Reads the `jobs` table straight from the test database (the store keeps its pools private).
enum JobProbe {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl JobProbe {
    /// Connects on first use, so tests that never wait for the worker open nothing.
    fn new(url: &str) -> JobProbe {
        if url.starts_with("sqlite:") {
            JobProbe::Sqlite(
                sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_lazy(url)
                    .expect("sqlite url parses"),
            )
        } else {
            JobProbe::Postgres(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(1)
                    .connect_lazy(url)
                    .expect("postgres url parses"),
            )
        }
    }

    /// The jobs that keep the worker from being idle at `now_ms` (Unix milliseconds, as the
    /// store keeps times): every pending job a worker holds a lease on (claimed, outcome not yet
    /// recorded), and every pending job it could claim now, i.e. due (`run_at <= now`) and, if it
    /// is in a queue, that queue's oldest pending job (a queue runs one job at a time, in order,
    /// so the jobs behind its head wait for the head, not for the clock). Jobs due later are
    /// timers and do not count. One statement reads one snapshot, and a job's follow-up jobs (an
    /// alert report's notices and their deliveries) are added in the transaction that marks it
    /// done, or earlier while it is still leased: there is no moment at which a job is finished
    /// and what it set off is not yet in the table.
    async fn busy(&self, now_ms: i64) -> Vec<BusyJob> {
        const BUSY: &str = "SELECT j.seq, j.kind, j.queue, j.run_at, j.lease_owner FROM jobs j \
             WHERE j.state = 'pending' \
               AND (j.lease_owner IS NOT NULL \
                    OR (j.run_at <= $1 \
                        AND (j.queue IS NULL \
                             OR j.seq = (SELECT min(h.seq) FROM jobs h \
                                         WHERE h.state = 'pending' AND h.queue = j.queue)))) \
             ORDER BY j.seq LIMIT 20";
        let busy = match self {
            JobProbe::Sqlite(pool) => sqlx::query_as(BUSY).bind(now_ms).fetch_all(pool).await,
            JobProbe::Postgres(pool) => sqlx::query_as(BUSY).bind(now_ms).fetch_all(pool).await,
        };
        busy.expect("reading the jobs table")
    }

    async fn close(&self) {
        match self {
            JobProbe::Sqlite(pool) => pool.close().await,
            JobProbe::Postgres(pool) => pool.close().await,
        }
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend, config_toml: &str) -> TestApp {
        Self::spawn_with(backend, config_toml, None).await
    }

    /// `config_file` lets reload tests point the app at a file they rewrite.
    pub async fn spawn_with(
        backend: Backend,
        config_toml: &str,
        config_file: Option<std::path::PathBuf>,
    ) -> TestApp {
        let database = TestDatabase::new(backend).await;
        Self::start(database, config_toml, config_file, start_time()).await
    }

    /// Starts with the controlled clock at `start`.
    pub async fn spawn_at(backend: Backend, config_toml: &str, start: Timestamp) -> TestApp {
        let database = TestDatabase::new(backend).await;
        Self::start(database, config_toml, None, start).await
    }

    /// Starts on a database something else filled first (a CLI command), the clock at `start`.
    pub async fn start_on(database: TestDatabase, config_toml: &str, start: Timestamp) -> TestApp {
        Self::start(database, config_toml, None, start).await
    }

    /// Stops the app and starts a new one on the same database with the clock at `at`, as a
    /// restart after downtime would.
    pub async fn restart_at(mut self, at: Timestamp) -> TestApp {
        if let Some(app) = self.app.take() {
            app.shutdown().await;
        }
        self.jobs.close().await;
        self.store.close().await;
        let config = self.config_toml.clone();
        Self::start(self._database, &config, None, at).await
    }

    async fn start(
        database: TestDatabase,
        config_toml: &str,
        config_file: Option<std::path::PathBuf>,
        start: Timestamp,
    ) -> TestApp {
        capture_warnings();
        let store = database.store().await;
        let (config, _warnings) = Config::parse(config_toml, &|name| std::env::var(name).ok())
            .unwrap_or_else(|problems| panic!("test config has problems: {problems:?}"));
        let clock = ManualClock::new(start);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let app = App::start(
            listener,
            store.clone(),
            Settings {
                config,
                config_file,
                clock: Arc::new(clock.clone()),
                durability: Durability::Store,
                retry_policy: RetryPolicy::default(),
            },
        )
        .await
        .expect("app starts");
        let url = format!("http://{}", app.address);
        let admin = firewatch::accounts::tokens::create(
            &store,
            "test-admin",
            &[Scope::Admin],
            None,
            &firewatch::store::accounts::TokenCreator::cli(),
            firewatch::core::audit::Channel::Cli,
            clock.now(),
        )
        .await
        .expect("token");
        TestApp {
            app: Some(app),
            url,
            clock,
            store,
            http: reqwest::Client::new(),
            admin_token: admin.token,
            config_toml: config_toml.to_owned(),
            jobs: JobProbe::new(&database.url),
            _database: database,
        }
    }

    /// Puts a new config in place on the running app, as a reload does (what it listens on
    /// stays).
    pub fn set_config(&self, config_toml: &str) {
        let (mut config, _warnings) = Config::parse(config_toml, &|name| std::env::var(name).ok())
            .unwrap_or_else(|problems| panic!("test config has problems: {problems:?}"));
        let state = &self.app.as_ref().expect("running").state;
        config.server.bound = state.config.current().server.bound.clone();
        state.config.replace(config);
    }

    pub async fn token(&self, scopes: &[Scope]) -> String {
        firewatch::accounts::tokens::create(
            &self.store,
            "test",
            scopes,
            None,
            &firewatch::store::accounts::TokenCreator::cli(),
            firewatch::core::audit::Channel::Cli,
            self.clock.now(),
        )
        .await
        .expect("token")
        .token
    }

    /// A token that acts as the web UI user `user`.
    pub async fn user_token(&self, user: &str, scopes: &[Scope]) -> String {
        firewatch::accounts::tokens::create(
            &self.store,
            &format!("{user}-token"),
            scopes,
            Some(user),
            &firewatch::store::accounts::TokenCreator::cli(),
            firewatch::core::audit::Channel::Cli,
            self.clock.now(),
        )
        .await
        .expect("token")
        .token
    }

    /// POSTs a JSON body to a hook with extra headers; returns status and JSON answer.
    pub async fn post_hook(
        &self,
        integration: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        self.post_json(&format!("/hooks/{integration}"), body, headers)
            .await
    }

    /// POSTs a body as JSON (unless `headers` set another content type) to any path.
    pub async fn post_json(
        &self,
        path: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .post(format!("{}{path}", self.url))
            .body(body.to_owned());
        if !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        {
            request = request.header("content-type", "application/json");
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Sends a JSON body to the API with a token.
    pub async fn api_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: &Value,
    ) -> (StatusCode, Value) {
        let response = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// Posts `count` bodies to a hook at once (authorized with `Bearer t`); answers in order.
    pub async fn post_concurrently(
        &self,
        integration: &str,
        count: usize,
        request: impl Fn(usize) -> (String, Vec<(String, String)>),
    ) -> Vec<(StatusCode, Value)> {
        let mut tasks = Vec::new();
        for n in 0..count {
            let (body, headers) = request(n);
            let mut builder = self
                .http
                .post(format!("{}/hooks/{integration}", self.url))
                .header("content-type", "application/json")
                .bearer_auth("t")
                .body(body);
            for (name, value) in headers {
                builder = builder.header(name, value);
            }
            tasks.push(tokio::spawn(async move {
                let response = builder.send().await.expect("request");
                let status = response.status();
                (status, response.json::<Value>().await.unwrap_or_default())
            }));
        }
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.expect("request task"));
        }
        answers
    }

    pub async fn metrics(&self) -> String {
        let response = self
            .http
            .get(format!("{}/metrics", self.url))
            .send()
            .await
            .expect("metrics");
        response.text().await.expect("metrics text")
    }

    pub async fn get(&self, path: &str) -> Value {
        let (status, body) = self
            .api(reqwest::Method::GET, path, Some(&self.admin_token))
            .await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    pub async fn event_count(&self) -> i64 {
        self.store.count_events().await.expect("count")
    }

    pub fn advance(&self, seconds: i64) {
        self.clock.advance(SignedDuration::from_secs(seconds));
    }

    /// Polls the notifications API until `check` holds (the worker runs in the background).
    pub async fn wait_for_notifications(
        &self,
        query: &str,
        check: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            let page = self.get(&format!("/api/v1/notifications?{query}")).await;
            let items = page["items"].as_array().cloned().unwrap_or_default();
            if check(&items) {
                return items;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting on notifications ({query}): {items:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until the worker has nothing due at the clock's current time: no pending job is
    /// leased (claimed, outcome not yet recorded; a delivery's outcome is recorded after the
    /// destination answered), and none could be claimed now (see `JobProbe::busy`). What it would send
    /// at this time has then been sent, so a test may assert that nothing more was. Timers due
    /// later do not count; `advance` the clock to make them due, then wait again.
    pub async fn idle(&self) {
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            let now = self.clock.now();
            let busy = self.jobs.busy(now.as_millisecond()).await;
            if busy.is_empty() {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for the worker to be idle at {now} ({} ms): still due or \
                 leased: {busy:?}",
                now.as_millisecond()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    pub async fn stop(mut self) {
        if let Some(app) = self.app.take() {
            app.shutdown().await;
        }
        self.jobs.close().await;
        self.store.close().await;
    }
}

/// A scripted answer: status and headers.
type Scripted = (u16, Vec<(String, String)>);

/// One request a stand-in destination received.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("received JSON")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// A local HTTP server standing in for a destination. It answers from a script of
/// (status, headers) pairs, then with 200 once the script is used up.
#[derive(Clone)]
pub struct Destination {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<VecDeque<Scripted>>>,
    arrived: Arc<Notify>,
    /// How long each answer is held back after the request is recorded.
    delay: Arc<Mutex<Duration>>,
}

impl Destination {
    pub async fn start() -> Destination {
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let script: Arc<Mutex<VecDeque<Scripted>>> = Arc::default();
        let arrived = Arc::new(Notify::new());
        let delay: Arc<Mutex<Duration>> = Arc::default();
        let handler = {
            let received = received.clone();
            let script = script.clone();
            let arrived = arrived.clone();
            let delay = delay.clone();
            move |headers: HeaderMap, body: Bytes| {
                let received = received.clone();
                let script = script.clone();
                let arrived = arrived.clone();
                let delay = delay.clone();
                async move {
                    received.lock().unwrap().push(Received { headers, body });
                    arrived.notify_waiters();
                    let delay = *delay.lock().unwrap();
                    if !delay.is_zero() {
                        tokio::time::sleep(delay).await;
                    }
                    let (status, headers) = script
                        .lock()
                        .unwrap()
                        .pop_front()
                        .unwrap_or((200, Vec::new()));
                    let mut response = axum::response::Response::new(axum::body::Body::from("ok"));
                    *response.status_mut() = StatusCode::from_u16(status).unwrap();
                    for (name, value) in headers {
                        response.headers_mut().insert(
                            axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                            value.parse().unwrap(),
                        );
                    }
                    response
                }
            }
        };
        let router = axum::Router::new().route("/hook", axum::routing::post(handler));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Destination {
            url,
            received,
            script,
            arrived,
            delay,
        }
    }

    /// Holds each answer back by `by` (a slow destination): the request is recorded at once.
    pub fn delay_answers(&self, by: Duration) {
        *self.delay.lock().unwrap() = by;
    }

    pub fn respond_with(&self, status: u16, headers: &[(&str, &str)]) {
        self.script.lock().unwrap().push_back((
            status,
            headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        ));
    }

    pub fn pop_script(&self) -> Option<Scripted> {
        self.script.lock().unwrap().pop_front()
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until at least `count` requests have arrived.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let notified = self.arrived.notified();
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "timed out: {} of {count} requests arrived",
                    self.received().len()
                );
            }
        }
    }
}
