//! The built binary under signals: `kill -9` during a full-speed load loses no acknowledged
//! event and delivers each exactly once by its idempotency key; `SIGTERM` drains; `SIGHUP`
//! reloads. These start `firewatch serve` as a separate process, as an operator would.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use firewatch::store::{NotificationFilter, NotificationState, Store, StoreError};
use tokio::sync::watch;

use crate::cli::BINARY;
use crate::support::{Backend, Destination, TestDatabase, backends};

pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Server {
    pub async fn start(config: &Path, database_url: &str, log: &Path) -> Server {
        Self::start_with_env(config, database_url, log, &[]).await
    }

    async fn start_with_env(
        config: &Path,
        database_url: &str,
        log: &Path,
        env: &[(&str, &str)],
    ) -> Server {
        let port = free_port();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let child = Command::new(BINARY)
            .args(["serve", "--config"])
            .arg(config)
            .args([
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--database-url",
                database_url,
            ])
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("firewatch starts");
        let server = Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        server.ready().await
    }

    /// Starts on a port the process picks itself (`--listen 127.0.0.1:0`), read back from its
    /// log, which must be this server's alone. For tests that start several servers: a port
    /// `free_port` found free can be taken by another test's server before this one binds it,
    /// and the readiness check would then be answered by the wrong server.
    pub async fn start_on_any_port(config: &Path, database_url: &str, log_path: &Path) -> Server {
        let mut command = Command::new(BINARY);
        command.args(["serve", "--config"]).arg(config).args([
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            database_url,
        ]);
        Self::start_listening(command, log_path, Duration::from_secs(20)).await
    }

    /// Runs `command` (a `serve` with `--listen 127.0.0.1:0`) and waits for its log to say
    /// where it listens, for up to `patience`, then for it to be ready.
    async fn start_listening(mut command: Command, log_path: &Path, patience: Duration) -> Server {
        let log = std::fs::File::create(log_path).unwrap();
        let mut child = command
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("firewatch starts");
        let deadline = Instant::now() + patience;
        let url = loop {
            let text = std::fs::read_to_string(log_path).unwrap_or_default();
            let listening = text.lines().find_map(|line| {
                let rest = line.split("listening on ").nth(1)?;
                rest.split_whitespace().next().map(str::to_owned)
            });
            if let Some(url) = listening {
                break url;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("firewatch exited ({status}) before listening: {text}");
            }
            assert!(
                Instant::now() < deadline,
                "firewatch did not listen: {text}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        };
        Server { child, url }.ready().await
    }

    /// Waits until the server answers `/readyz`.
    async fn ready(self) -> Server {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(response) = client.get(format!("{}/readyz", self.url)).send().await {
                if response.status() == 200 {
                    return self;
                }
            }
            assert!(Instant::now() < deadline, "firewatch did not become ready");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

/// A test that fails part-way must not leave its server running.
impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn write_config(dir: &Path, destination: &Destination, extra: &str) -> std::path::PathBuf {
    let path = dir.join("firewatch.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[delivery]
timeout_seconds = 2
lease_seconds = 4

[[integrations]]
name = "load"
kind = "generic"
token = "t"

[[destinations]]
name = "hook"
kind = "webhook"
url = "{}"

[[routes]]
to = ["hook"]
{extra}
"#,
            destination.url
        ),
    )
    .unwrap();
    path
}

/// A config file, a database, a stand-in destination and a log file for one test.
struct Fixture {
    dir: tempfile::TempDir,
    database: TestDatabase,
    destination: Destination,
    config: std::path::PathBuf,
    log: std::path::PathBuf,
}

impl Fixture {
    async fn new(backend: Backend) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let database = TestDatabase::new(backend).await;
        let destination = Destination::start().await;
        let config = write_config(dir.path(), &destination, "");
        let log = dir.path().join("firewatch.log");
        Fixture {
            dir,
            database,
            destination,
            config,
            log,
        }
    }

    async fn start(&self) -> Server {
        Server::start(&self.config, &self.database.url, &self.log).await
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap()
    }
}

/// Keys the server acknowledged, with the event id it answered.
type Acknowledged = Arc<Mutex<HashMap<String, String>>>;

/// Clients that post unique events as fast as they can until `stop`, recording each
/// acknowledged key with the id the server answered.
fn start_load(
    url: &str,
    stop: watch::Receiver<bool>,
    clients: usize,
) -> (Acknowledged, Vec<tokio::task::JoinHandle<()>>) {
    let acknowledged: Acknowledged = Arc::default();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let handles = (0..clients)
        .map(|client| {
            let http = http.clone();
            let url = format!("{url}/hooks/load");
            let acknowledged = acknowledged.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut n = 0;
                while !*stop.borrow() {
                    n += 1;
                    let key = format!("c{client}-{n}");
                    let response = http
                        .post(&url)
                        .bearer_auth("t")
                        .header("content-type", "application/json")
                        .body(format!(
                            r#"{{"id":"{key}","type":"load","pad":"{}"}}"#,
                            "x".repeat(512)
                        ))
                        .send()
                        .await;
                    match response {
                        Ok(response) if response.status() == 202 => {
                            let body: serde_json::Value = response.json().await.unwrap_or_default();
                            if let Some(id) = body["id"].as_str() {
                                acknowledged.lock().unwrap().insert(key, id.to_owned());
                            }
                        }
                        // Refused or cut off by the crash: not acknowledged, so nothing is owed.
                        _ => tokio::time::sleep(Duration::from_millis(5)).await,
                    }
                }
            })
        })
        .collect();
    (acknowledged, handles)
}

/// Every acknowledged event is stored; returns how many were.
async fn check_acknowledged_are_stored(
    store: &Store,
    acknowledged: &HashMap<String, String>,
) -> usize {
    let mut stored = 0;
    for (key, id) in acknowledged {
        match store.get_event(id).await {
            Ok(event) => {
                assert_eq!(&event.dedup_key, key);
                stored += 1;
            }
            Err(StoreError::NotFound) => {}
            Err(error) => panic!("store error: {error}"),
        }
    }
    stored
}

async fn kill_during_load(backend: Backend) {
    let fixture = Fixture::new(backend).await;
    let (database, destination) = (&fixture.database, &fixture.destination);
    let mut server = fixture.start().await;

    let (stop, stopped) = watch::channel(false);
    let (acknowledged, clients) = start_load(&server.url, stopped, 32);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.child.kill().unwrap(); // SIGKILL, mid-load.
    server.child.wait().unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(true).unwrap();
    for client in clients {
        client.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 100,
        "the load was too small to mean anything: {}",
        acknowledged.len()
    );

    let server = fixture.start().await;
    let store = database.store().await;
    let stored = check_acknowledged_are_stored(&store, &acknowledged).await;
    let lost = acknowledged.len() - stored;
    println!(
        "{backend:?}: acknowledged {}, stored {stored}, lost {lost}",
        acknowledged.len()
    );
    assert_eq!(lost, 0, "acknowledged events were lost");

    // Every stored event's notification goes out, the interrupted ones after their lease.
    let total = store.count_events().await.unwrap() as usize;
    let repeated = await_deliveries(destination, &acknowledged, total).await;
    let received = destination.received();
    let distinct: HashSet<&str> = received.iter().map(|r| r.header("webhook-id")).collect();
    println!(
        "{backend:?}: delivered {} distinct events in {} requests; {repeated} sent again after the crash (same idempotency key)",
        distinct.len(),
        received.len()
    );
    // Only deliveries sent but not yet recorded at the kill may go out twice: the one
    // destination's run records its outcomes 16 at a time, plus the one being sent.
    assert!(
        repeated <= 16 + 1,
        "{repeated} events were delivered more than once"
    );
    // A delivery the destination has is recorded a moment later (16 outcomes a commit):
    // wait for the records, then nothing may be left pending.
    let deadline = Instant::now() + Duration::from_secs(20);
    let pending = loop {
        let pending = store
            .list_notifications(&NotificationFilter {
                state: Some(NotificationState::Pending),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        if pending.is_empty() || Instant::now() > deadline {
            break pending;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(pending.is_empty());
    store.close().await;
    server.signal("TERM");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_full_speed_load_loses_no_acknowledged_event() {
    for backend in backends() {
        kill_during_load(backend).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_in_flight_requests_and_stops() {
    // One backend: the drain on SIGTERM is the process's, not the store's, and a second
    // full-speed load would double this test's load on the machine (kill -9 runs on both).
    let fixture = Fixture::new(backends()[0]).await;
    let mut server = fixture.start().await;
    let (stop, stopped) = watch::channel(false);
    let (acknowledged, clients) = start_load(&server.url, stopped, 16);
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.signal("TERM");
    let started = Instant::now();
    let status = tokio::task::spawn_blocking(move || server.child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    stop.send(true).unwrap();
    for client in clients {
        client.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    let store = fixture.database.store().await;
    assert_eq!(
        check_acknowledged_are_stored(&store, &acknowledged).await,
        acknowledged.len()
    );
    store.close().await;
    let log = fixture.log_text();
    assert!(
        log.contains("shutting down") && log.contains("stopped"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_the_config_and_refuses_a_bad_one() {
    // SQLite only: a reload rereads the config file and never touches the store.
    let fixture = Fixture::new(Backend::Sqlite).await;
    let server = fixture.start().await;
    let http = reqwest::Client::new();
    let post = |name: &'static str| {
        let request = http
            .post(format!("{}/hooks/{name}", server.url))
            .bearer_auth("t")
            .header("content-type", "application/json")
            .body("{}");
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(post("late").await, 404);

    write_config(
        fixture.dir.path(),
        &fixture.destination,
        "[[integrations]]\nname = \"late\"\nkind = \"generic\"\ntoken = \"t\"\n",
    );
    server.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(10);
    while post("late").await != 202 {
        assert!(Instant::now() < deadline, "the reload never took effect");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    std::fs::write(&fixture.config, "[[routes]]\nto = [\"nowhere\"]\n").unwrap();
    server.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !fixture.log_text().contains("config reload refused") {
        assert!(Instant::now() < deadline, "the bad reload was not reported");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        fixture
            .log_text()
            .contains("routes[0].to[0]: unknown destination")
    );
    assert_eq!(
        post("late").await,
        202,
        "the running config stays after a bad reload"
    );
    // Both reloads are in the audit log, with the file's hash, and why the second was refused.
    let export = crate::cli::run(
        vec![
            "audit".into(),
            "export".into(),
            "--database-url".into(),
            fixture.database.url.clone(),
        ],
        vec![],
    )
    .await;
    assert!(export.status.success(), "{export:?}");
    let entries: Vec<serde_json::Value> = String::from_utf8_lossy(&export.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let reloads: Vec<&serde_json::Value> = entries
        .iter()
        .filter(|entry| {
            entry["action"]
                .as_str()
                .unwrap()
                .starts_with("config.reload")
        })
        .collect();
    assert_eq!(reloads.len(), 2, "{entries:?}");
    assert_eq!(reloads[0]["action"], "config.reload");
    assert_eq!(reloads[0]["actor"], "signal:SIGHUP");
    assert_eq!(reloads[0]["channel"], "system");
    assert_eq!(reloads[0]["after"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(reloads[1]["action"], "config.reload_refused");
    assert!(
        reloads[1]["after"]["refused"]
            .as_str()
            .unwrap()
            .contains("unknown destination")
    );
    server.signal("TERM");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_are_one_object_per_line() {
    // SQLite only: the log format does not depend on the store.
    let fixture = Fixture::new(Backend::Sqlite).await;
    let mut server = Server::start_with_env(
        &fixture.config,
        &fixture.database.url,
        &fixture.log,
        &[("FIREWATCH_LOG_FORMAT", "json")],
    )
    .await;
    server.signal("TERM");
    tokio::task::spawn_blocking(move || server.child.wait().unwrap())
        .await
        .unwrap();
    let log = fixture.log_text();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    assert!(
        lines.iter().any(|l| l["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("listening on http://127.0.0.1:"))),
        "{log}"
    );
    assert!(
        lines
            .iter()
            .all(|l| l["level"].is_string() && l["timestamp"].is_string()),
        "{log}"
    );
}

/// Signs in through the login form with `password`; returns the status of the POST.
async fn sign_in(url: &str, name: &str, password: &str) -> u16 {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = http.get(format!("{url}/login")).send().await.unwrap();
    let cookie = form.headers()["set-cookie"].to_str().unwrap().to_owned();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let body = form.text().await.unwrap();
    let marker = "name=\"_csrf\" value=\"";
    let start = body.find(marker).unwrap() + marker.len();
    let csrf = &body[start..start + body[start..].find('"').unwrap()];
    http.post(format!("{url}/login"))
        .header("cookie", cookie)
        .form(&[("_csrf", csrf), ("username", name), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_is_never_logged_or_stored_in_clear() {
    const PASSWORD: &str = "plaintext-canary-7f3a9c";
    const TYPED_AS_NAME: &str = "name-canary-51be02";
    // SQLite only: it reads the database and WAL files themselves for the canaries.
    let fixture = Fixture::new(Backend::Sqlite).await;
    let add = vec![
        "user".into(),
        "add".into(),
        "ana".into(),
        "--role".into(),
        "admin".into(),
        "--password-stdin".into(),
        "--database-url".into(),
        fixture.database.url.clone(),
    ];
    let output = crate::cli::run_with_stdin(add, &format!("{PASSWORD}\n")).await;
    assert!(output.status.success(), "{output:?}");
    // Everything the server logs, at the most verbose level.
    let mut server = Server::start_with_env(
        &fixture.config,
        &fixture.database.url,
        &fixture.log,
        &[("RUST_LOG", "trace")],
    )
    .await;
    assert_eq!(sign_in(&server.url, "ana", PASSWORD).await, 303);
    assert_eq!(
        sign_in(&server.url, "ana", &format!("{PASSWORD}-wrong")).await,
        401
    );
    // Someone typing their password into the name field.
    assert_eq!(sign_in(&server.url, TYPED_AS_NAME, PASSWORD).await, 401);
    server.signal("TERM");
    tokio::task::spawn_blocking(move || server.child.wait().unwrap())
        .await
        .unwrap();

    let log = fixture.log_text();
    assert!(log.contains("signed in"), "the log has the sign-in: {log}");
    for secret in [PASSWORD, TYPED_AS_NAME] {
        assert!(!log.contains(secret), "{secret} in the log");
    }
    let path = fixture.database.url.trim_start_matches("sqlite://");
    let mut stored = 0;
    for file in [path.to_owned(), format!("{path}-wal")] {
        if let Ok(bytes) = std::fs::read(&file) {
            stored += bytes.len();
            for secret in [PASSWORD, TYPED_AS_NAME] {
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "{secret} stored in {file}"
                );
            }
        }
    }
    assert!(stored > 0, "the database was read");
}

/// How the server is stopped at the end of a run.
#[derive(Debug, Clone, Copy)]
enum Stop {
    Kill,
    Term,
}

/// Samples the server's open descriptors of the SQLite WAL until told to stop: returns how
/// often a WAL descriptor was seen and the first one seen pointing at an unlinked file.
fn watch_wal_descriptors(
    pid: u32,
    wal: String,
    done: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<(usize, Option<String>)> {
    tokio::task::spawn_blocking(move || {
        let (mut seen, mut deleted) = (0, None);
        while !*done.borrow() {
            let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
                break;
            };
            for entry in entries.flatten() {
                let Ok(target) = std::fs::read_link(entry.path()) else {
                    continue;
                };
                let target = target.display().to_string();
                if target.starts_with(&wal) {
                    seen += 1;
                    if target != wal && deleted.is_none() {
                        deleted = Some(target);
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        (seen, deleted)
    })
}

/// A server-side command's arguments with `--database-url url`.
fn with_database(url: &str, args: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    args.extend(["--database-url".into(), url.to_owned()]);
    args
}

/// A read through the database's own shell: `sqlite3` or `psql`.
pub fn shell_query(backend: Backend, url: &str, sql: &str) -> String {
    let output = match backend {
        Backend::Sqlite => Command::new("sqlite3")
            .arg(url.trim_start_matches("sqlite://"))
            .arg(sql)
            .output(),
        Backend::Postgres => Command::new("psql").args([url, "-Atqc", sql]).output(),
    }
    .expect("the database shell runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Issue 12: the documented server-side commands (docs/cli.md) and a `sqlite3` read, run
/// again and again beside a server taking events at full speed, change nothing for it: its
/// WAL stays the linked file, what the commands write is what it reads, and after `kill -9`
/// (or SIGTERM) and a restart every acknowledged event is stored and delivered.
async fn other_processes_open_the_database_under_load(backend: Backend, stop_with: Stop) {
    let fixture = Fixture::new(backend).await;
    let url = fixture.database.url.clone();
    let mut server = fixture.start().await;
    let wal = format!("{}-wal", url.trim_start_matches("sqlite://"));
    let (done, watching) = watch::channel(false);
    let watcher = (backend == Backend::Sqlite)
        .then(|| watch_wal_descriptors(server.child.id(), wal.clone(), watching));

    let (stop, stopped) = watch::channel(false);
    let (acknowledged, clients) = start_load(&server.url, stopped, 16);
    let http = reqwest::Client::new();
    let server_args = |args: &[&str]| with_database(&url, args);
    for round in 0..4 {
        let added = crate::cli::run_with_stdin(
            server_args(&[
                "user",
                "add",
                &format!("user-{round}"),
                "--role",
                "viewer",
                "--password-stdin",
            ]),
            "a-long-enough-password\n",
        )
        .await;
        assert!(added.status.success(), "{added:?}");

        let created = crate::cli::run(
            server_args(&[
                "token",
                "create",
                "--name",
                &format!("t{round}"),
                "--scopes",
                "admin",
            ]),
            vec![],
        )
        .await;
        assert!(created.status.success(), "{created:?}");
        let secret = String::from_utf8_lossy(&created.stdout).trim().to_owned();
        let stderr = String::from_utf8_lossy(&created.stderr).into_owned();
        let id = stderr
            .split_whitespace()
            .find(|word| word.starts_with("tok_"))
            .unwrap_or_else(|| panic!("no token id in {stderr}"))
            .to_owned();
        // What the command wrote is what the server reads.
        let status = |secret: String| {
            let request = http
                .get(format!("{}/api/v1/events?limit=1", server.url))
                .bearer_auth(secret);
            async move { request.send().await.unwrap().status().as_u16() }
        };
        assert_eq!(
            status(secret.clone()).await,
            200,
            "round {round}: a new token"
        );

        let count = {
            let url = url.clone();
            tokio::task::spawn_blocking(move || {
                shell_query(backend, &url, "select count(*) from events")
            })
            .await
            .unwrap()
        };
        assert!(count.parse::<u64>().is_ok(), "{count}");

        let revoked = crate::cli::run(server_args(&["token", "revoke", &id]), vec![]).await;
        assert!(revoked.status.success(), "{revoked:?}");
        assert_eq!(status(secret).await, 401, "round {round}: a revoked token");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Long enough for the server's background checkpoint to run after the last command.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    // Watched until the stop: a server that closes its last connection removes its WAL.
    let _ = done.send(true);
    match stop_with {
        Stop::Kill => server.child.kill().unwrap(),
        Stop::Term => server.signal("TERM"),
    }
    let status = tokio::task::spawn_blocking(move || server.child.wait().unwrap())
        .await
        .unwrap();
    if let Stop::Term = stop_with {
        assert!(status.success(), "{status:?}");
    }
    stop.send(true).unwrap();
    for client in clients {
        client.await.unwrap();
    }
    let descriptors = match watcher {
        Some(watcher) => Some(watcher.await.unwrap()),
        None => None,
    };
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 100,
        "too small a load: {}",
        acknowledged.len()
    );

    let server = fixture.start().await;
    let store = fixture.database.store().await;
    let stored = check_acknowledged_are_stored(&store, &acknowledged).await;
    println!(
        "{backend:?}, {stop_with:?}: acknowledged {}, stored {stored}",
        acknowledged.len()
    );
    assert_eq!(
        acknowledged.len() - stored,
        0,
        "acknowledged events were lost"
    );
    let total = store.count_events().await.unwrap() as usize;
    let repeated = await_deliveries(&fixture.destination, &acknowledged, total).await;
    match stop_with {
        // Only what was sent but not yet recorded at the kill (see kill_during_load).
        Stop::Kill => assert!(repeated <= 16 + 1, "{repeated} delivered more than once"),
        Stop::Term => assert_eq!(repeated, 0, "a drained server sent events again"),
    }
    store.close().await;
    if let Some((seen, deleted)) = descriptors {
        assert!(seen > 0, "the server's WAL descriptor was never seen");
        assert_eq!(deleted, None, "the server wrote to an unlinked WAL");
    }
    if backend == Backend::Sqlite {
        let url = url.clone();
        let check = tokio::task::spawn_blocking(move || {
            shell_query(backend, &url, "PRAGMA integrity_check")
        })
        .await
        .unwrap();
        assert_eq!(check, "ok");
    }
    server.signal("TERM");
}

/// Waits until the destination has every stored event, checks each acknowledged one is
/// among them, and returns how many were sent more than once (with the same key).
async fn await_deliveries(
    destination: &Destination,
    acknowledged: &HashMap<String, String>,
    total: usize,
) -> usize {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let keys: HashSet<String> = destination
            .received()
            .iter()
            .map(|r| r.header("webhook-id").to_owned())
            .collect();
        if keys.len() >= total {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {total} events were delivered",
            keys.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut per_key: HashMap<String, usize> = HashMap::new();
    for request in &destination.received() {
        *per_key
            .entry(request.header("webhook-id").to_owned())
            .or_default() += 1;
    }
    for id in acknowledged.values() {
        assert!(
            per_key.contains_key(&format!("{id}.hook")),
            "acknowledged event {id} was never delivered"
        );
    }
    per_key.values().filter(|count| **count > 1).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_processes_opening_the_database_lose_nothing_at_kill_9() {
    for backend in backends() {
        other_processes_open_the_database_under_load(backend, Stop::Kill).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_processes_opening_the_database_lose_nothing_at_sigterm() {
    for backend in backends() {
        other_processes_open_the_database_under_load(backend, Stop::Term).await;
    }
}

/// Issue 12: `firewatch backup` under full-speed intake writes a copy that opens, passes the
/// integrity check and holds every event acknowledged before it began; on PostgreSQL it
/// points to `pg_dump` and fails.
/// Issue 37: the demo writes its history through one store and serves through the next;
/// a backup, a reload and the CLI commands open and close the same file beside the server.
/// At no point does the server hold a descriptor on a WAL that was unlinked (one whose
/// fsyncs would make nothing durable).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_close_open_flows_leave_no_descriptor_on_an_unlinked_wal() {
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("demo.db");
    let url = format!("sqlite://{}", database.display());
    let wal = format!("{}-wal", database.display());
    let log = directory.path().join("firewatch.log");
    let mut command = Command::new(BINARY);
    command.current_dir(directory.path()).args([
        "serve",
        "--demo",
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &url,
    ]);
    // The history takes some seconds; a debug build on a busy machine, more.
    let server = Server::start_listening(command, &log, Duration::from_secs(180)).await;
    let (done, watching) = watch::channel(false);
    let watcher = watch_wal_descriptors(server.child.id(), wal, watching);

    let http = reqwest::Client::new();
    for round in 0..3 {
        for n in 0..10 {
            let alert = serde_json::json!({
                "version": "4", "status": "firing", "receiver": "firewatch",
                "groupKey": format!("{{}}:{{alertname=\"Round{round}\"}}"),
                "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
                "externalURL": "http://alertmanager.example:9093",
                "alerts": [{
                    "status": "firing",
                    "labels": {"alertname": format!("Round{round}"), "instance": format!("i{n}"), "service": "checkout"},
                    "annotations": {}, "startsAt": "2026-12-07T10:00:00Z",
                    "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "", "fingerprint": format!("{round:04x}{n:012x}")
                }]
            });
            let response = http
                .post(format!("{}/hooks/prometheus", server.url))
                .bearer_auth("demo-alertmanager-token")
                .json(&alert)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 202, "round {round}");
        }
        let copy = directory.path().join(format!("backup-{round}.db"));
        let backup = crate::cli::run(
            with_database(&url, &["backup", copy.to_str().unwrap()]),
            vec![],
        )
        .await;
        assert!(backup.status.success(), "{backup:?}");
        let name = format!("t{round}");
        let token_args = ["token", "create", "--name", &name, "--scopes", "admin"];
        let token = crate::cli::run(with_database(&url, &token_args), vec![]).await;
        assert!(token.status.success(), "{token:?}");
        server.signal("HUP");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let _ = done.send(true);
    let (seen, deleted) = watcher.await.unwrap();
    assert!(seen > 0, "the server's WAL descriptor was never seen");
    assert_eq!(
        deleted, None,
        "the server held a descriptor on an unlinked WAL"
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        !text.contains("the WAL file was replaced"),
        "the server found its WAL replaced: {text}"
    );
    server.signal("TERM");
    let mut server = server;
    let status = tokio::task::spawn_blocking(move || server.child.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "{status:?}");
    let check = tokio::task::spawn_blocking(move || {
        shell_query(Backend::Sqlite, &url, "PRAGMA integrity_check")
    })
    .await
    .unwrap();
    assert_eq!(check, "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_holds_everything_acknowledged_before_it() {
    for backend in backends() {
        let fixture = Fixture::new(backend).await;
        let server = fixture.start().await;
        let (stop, stopped) = watch::channel(false);
        let (acknowledged, clients) = start_load(&server.url, stopped, 16);
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let before = acknowledged.lock().unwrap().clone();
        let copy = fixture.dir.path().join("backup.db");
        let output = crate::cli::run(
            vec![
                "backup".into(),
                copy.display().to_string(),
                "--database-url".into(),
                fixture.database.url.clone(),
            ],
            vec![],
        )
        .await;
        let during = acknowledged.lock().unwrap().len() - before.len();
        stop.send(true).unwrap();
        for client in clients {
            client.await.unwrap();
        }
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        if backend == Backend::Postgres {
            assert!(!output.status.success(), "{output:?}");
            assert!(stderr.contains("pg_dump"), "{stderr}");
            assert!(!copy.exists());
            server.signal("TERM");
            continue;
        }
        assert!(output.status.success(), "{output:?}");
        assert!(stdout.contains("integrity check ok"), "{stdout}");
        assert!(during > 0, "intake went on during the backup");
        let path = copy.display().to_string();
        let check = tokio::task::spawn_blocking({
            let path = path.clone();
            move || shell_query(Backend::Sqlite, &path, "PRAGMA integrity_check")
        })
        .await
        .unwrap();
        assert_eq!(check, "ok");
        let copy_store = Store::connect(&format!("sqlite://{path}")).await.unwrap();
        let held = check_acknowledged_are_stored(&copy_store, &before).await;
        println!(
            "backup: {} acknowledged before it began, {held} in the copy, {during} more during it",
            before.len()
        );
        assert_eq!(held, before.len());
        copy_store.close().await;

        // A second backup to the same file is refused, and the first is left alone.
        let again = crate::cli::run(
            vec![
                "backup".into(),
                path.clone(),
                "--database-url".into(),
                fixture.database.url.clone(),
            ],
            vec![],
        )
        .await;
        assert!(!again.status.success());
        assert!(
            String::from_utf8_lossy(&again.stderr).contains("exists"),
            "{again:?}"
        );
        server.signal("TERM");
    }
}

/// The people the two-replica tests page, one per step of the policy, each on a stand-in
/// phone of their own.
const RELAY_PEOPLE: [&str; 3] = ["ana", "ben", "cho"];

/// How many escalations the two-replica tests run at once.
const RELAY_ESCALATIONS: usize = 5;

/// Every escalation runs 2 rounds of 3 steps, each paging one person through one contact.
const RELAY_PAGES: usize = RELAY_ESCALATIONS * 2 * RELAY_PEOPLE.len();

/// A policy of three steps, each paging a different person, repeated once. Delays are real
/// seconds, since a real process runs on the wall clock: 0 s, 3 s, 3 s, and 3 s between rounds
/// (the round gap is the first non-zero of the first and last steps' delays), so all six steps
/// take 15 s. Step 2 comes 3 s after step 1: room to kill a replica between them on a busy
/// machine. The lease is 4 s (it must outlast the 2 s send timeout): a job a killed replica held
/// runs again on the other within 4 s. The throttle is raised so no page is folded.
fn relay_config(dir: &Path, phones: &[Destination]) -> std::path::PathBuf {
    let people: String = RELAY_PEOPLE
        .iter()
        .zip(phones)
        .map(|(person, phone)| {
            format!(
                "[[people]]\nid = \"{person}\"\ncontacts = [ {{ name = \"phone\", kind = \"webhook\", url = \"{}\" }} ]\n\n",
                phone.url
            )
        })
        .collect();
    let path = dir.join("firewatch.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[delivery]
timeout_seconds = 2
lease_seconds = 4

[paging]
max_pages_per_minute = 100

[[integrations]]
name = "prometheus"
kind = "alertmanager"
token = "{token}"
service = "api"

{people}
[[escalation_policies]]
id = "relay"
repeat = 1
steps = [
  {{ after = "0s", notify = ["person:ana"] }},
  {{ after = "3s", notify = ["person:ben"] }},
  {{ after = "3s", notify = ["person:cho"] }},
]

[[services]]
id = "api"
escalation_policy = "relay"
"#,
            token = crate::alerts::TOKEN,
        ),
    )
    .unwrap();
    path
}

/// An admin token, made with the CLI against the database as an operator would.
pub async fn admin_token(database_url: &str) -> String {
    let created = crate::cli::run(
        vec![
            "token".into(),
            "create".into(),
            "--name".into(),
            "test".into(),
            "--scopes".into(),
            "admin".into(),
            "--database-url".into(),
            database_url.into(),
        ],
        vec![],
    )
    .await;
    assert!(created.status.success(), "{created:?}");
    String::from_utf8_lossy(&created.stdout).trim().to_owned()
}

async fn api_get(http: &reqwest::Client, url: &str, token: &str, path: &str) -> serde_json::Value {
    let response = http
        .get(format!("{url}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, 200, "GET {url}{path}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// Prints the warnings and errors of the replicas' logs when a test fails part-way, since
/// their processes' output is otherwise lost with the temp dir.
struct LogsOnFailure(Vec<std::path::PathBuf>);

impl Drop for LogsOnFailure {
    fn drop(&mut self) {
        if std::thread::panicking() {
            for log in &self.0 {
                for line in log_lines(log, "") {
                    if line.contains("WARN") || line.contains("ERROR") {
                        eprintln!("{}: {line}", log.display());
                    }
                }
            }
        }
    }
}

/// The kinds of an escalation's log entries, in order.
fn log_kinds(escalation: &serde_json::Value) -> Vec<String> {
    escalation["log"]
        .as_array()
        .map(|log| {
            log.iter()
                .map(|entry| entry["kind"].as_str().unwrap_or("?").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The lines of `log` that contain `text`.
fn log_lines(log: &Path, text: &str) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|line| line.contains(text))
        .map(str::to_owned)
        .collect()
}

/// Two `firewatch serve` processes on one PostgreSQL database run the same escalations; with
/// `kill_between_steps`, the one that ran the first step is killed with SIGKILL once that
/// step's pages are sent, and the other runs the rest. Each page must reach its person exactly
/// once (by `webhook-id`), and each step must be recorded exactly once.
///
/// Why nothing can be sent twice here: a step is a timer job leased by one replica at a time
/// (`FOR UPDATE SKIP LOCKED`), and recording it (`record_escalation_step`) locks the
/// escalation's row and does nothing unless the escalation is still at that step and round, so
/// a step run again after a crash, or by the other replica, records nothing. Its pages have ids
/// made of escalation, round, step, person and contact, inserted with `ON CONFLICT DO NOTHING`,
/// and their `page_send` timers are deduplicated by that id. A send marks its page `sent` before
/// its job's outcome is recorded, and a send job run again finds the page no longer pending and
/// sends nothing. The one window left is a replica killed after the receiver took a page but
/// before the page was marked sent: then the other replica sends it again after the lease, with
/// the same `webhook-id`, for the receiver to drop. The kill below comes after every page of the
/// first step is marked sent, so that window is closed and exactly once is asserted.
async fn two_replicas_run_escalations(kill_between_steps: bool) {
    if !backends().contains(&Backend::Postgres) {
        println!(
            "skipped: two replicas share only a PostgreSQL database; set {} to run this test",
            crate::support::POSTGRES_URL_VAR
        );
        return;
    }
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::new(Backend::Postgres).await;
    let mut phones = Vec::new();
    for _ in RELAY_PEOPLE {
        phones.push(Destination::start().await);
    }
    let config = relay_config(dir.path(), &phones);
    let logs = [
        dir.path().join("replica-0.log"),
        dir.path().join("replica-1.log"),
    ];
    let _logs_on_failure = LogsOnFailure(logs.to_vec());
    // One after the other: the first applies the migrations, the second finds them applied.
    let mut replicas = vec![Server::start_on_any_port(&config, &database.url, &logs[0]).await];
    replicas.push(Server::start_on_any_port(&config, &database.url, &logs[1]).await);
    let token = admin_token(&database.url).await;
    let http = reqwest::Client::new();

    // Distinct Alertmanager groups at once, half to each replica, as behind a load balancer.
    let mut posts = tokio::task::JoinSet::new();
    for n in 0..RELAY_ESCALATIONS {
        let request = http
            .post(format!("{}/hooks/prometheus", replicas[n % 2].url))
            .bearer_auth(crate::alerts::TOKEN)
            .header("content-type", "application/json")
            .body(crate::oncall::storm(&format!("Relay{n}"), 1, "firing"));
        posts.spawn(async move { request.send().await.unwrap().status().as_u16() });
    }
    while let Some(status) = posts.join_next().await {
        assert_eq!(status.unwrap(), 202);
    }
    // Each report is applied by an `alert` job, which starts the escalation in its transaction.
    let deadline = Instant::now() + Duration::from_secs(20);
    let alerts: Vec<String> = loop {
        let listed = api_get(&http, &replicas[0].url, &token, "/api/v1/alerts?limit=100").await;
        let ids: Vec<String> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|alert| alert["id"].as_str().unwrap().to_owned())
            .collect();
        if ids.len() == RELAY_ESCALATIONS {
            break ids;
        }
        assert!(Instant::now() < deadline, "only {} alerts", ids.len());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    let mut survivor = 0;
    if kill_between_steps {
        // Wait until every first-step page is marked sent (not only received), then kill the
        // replica that ran most of the first steps: the timers for the next steps are its own.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let mut sent = 0;
            for alert in &alerts {
                let pages = api_get(
                    &http,
                    &replicas[0].url,
                    &token,
                    &format!("/api/v1/pages?alert={alert}"),
                )
                .await;
                sent += pages["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|p| p["round"] == 0 && p["step"] == 0 && p["state"] == "sent")
                    .count();
            }
            if sent == RELAY_ESCALATIONS {
                break;
            }
            assert!(Instant::now() < deadline, "{sent} first-step pages sent");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let ran = |log: &Path| log_lines(log, "escalation step ran").len();
        let killed = usize::from(ran(&logs[1]) > ran(&logs[0]));
        survivor = 1 - killed;
        replicas[killed].child.kill().unwrap(); // SIGKILL, between steps 1 and 2.
        replicas[killed].child.wait().unwrap();
        assert_eq!(
            phones[1].received().len(),
            0,
            "the kill was meant to land before the second step"
        );
        println!(
            "killed replica {killed} after {} first steps; replica {survivor} ran {}",
            ran(&logs[killed]),
            ran(&logs[survivor])
        );
    }
    let url = replicas[survivor].url.clone();

    // Waits out the policy's real timers (15 s), polling the escalations.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut escalations = Vec::new();
    for alert in &alerts {
        loop {
            let detail = api_get(&http, &url, &token, &format!("/api/v1/alerts/{alert}")).await;
            let escalation = detail["escalations"][0].clone();
            if log_kinds(&escalation)
                .iter()
                .any(|kind| kind == "exhausted")
            {
                escalations.push(escalation);
                break;
            }
            assert!(
                Instant::now() < deadline,
                "alert {alert}'s escalation is not done: {:?}",
                log_kinds(&escalation)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    // The last step's sends run after it is recorded, and a job the killed replica held runs
    // again only when its lease ends: wait until no step or send is pending or held.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&database.url)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let pending: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM jobs WHERE state = 'pending' AND kind IN ('escalation_step', 'page_send')",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        if pending == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{pending} paging jobs still pending"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let dead: i64 = sqlx::query_scalar("SELECT count(*) FROM jobs WHERE state = 'dead'")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert_eq!(dead, 0, "no job gave up");

    // Every page once, by the id the receiver deduplicates on, and to the right person.
    let mut per_id: HashMap<String, usize> = HashMap::new();
    for (person, phone) in RELAY_PEOPLE.iter().zip(&phones) {
        for request in phone.received() {
            assert_eq!(request.json()["type"], "page");
            assert_eq!(request.json()["data"]["person"], *person);
            *per_id
                .entry(request.header("webhook-id").to_owned())
                .or_default() += 1;
        }
    }
    let repeated: Vec<(&String, &usize)> = per_id.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        repeated.is_empty(),
        "pages sent more than once: {repeated:?}"
    );
    let mut expected = HashSet::new();
    for escalation in &escalations {
        let id = escalation["id"].as_str().unwrap();
        assert_eq!(escalation["state"], "active", "exhausted, still open");
        assert_eq!(
            log_kinds(escalation),
            [
                "started",
                "step",
                "step",
                "step",
                "step",
                "step",
                "step",
                "exhausted"
            ],
            "each step recorded once"
        );
        for round in 0..2 {
            for (step, person) in RELAY_PEOPLE.iter().enumerate() {
                expected.insert(format!("page.{id}.{round}.{step}.{person}.phone"));
            }
        }
    }
    let received: HashSet<String> = per_id.keys().cloned().collect();
    assert_eq!(received, expected, "every page arrived, and no other");
    let total: usize = phones.iter().map(|phone| phone.received().len()).sum();
    assert_eq!(total, RELAY_PAGES);
    for alert in &alerts {
        let pages = api_get(&http, &url, &token, &format!("/api/v1/pages?alert={alert}")).await;
        let states: Vec<&str> = pages["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|page| page["state"].as_str().unwrap())
            .collect();
        assert_eq!(states, ["sent"; 6], "alert {alert}");
    }

    // The replicas' own logs agree: each step ran and each page went out on exactly one.
    let steps: Vec<usize> = logs
        .iter()
        .map(|log| log_lines(log, "escalation step ran").len())
        .collect();
    let sends: Vec<usize> = logs
        .iter()
        .map(|log| log_lines(log, "page sent").len())
        .collect();
    println!(
        "steps recorded by replica 0/1: {steps:?}; pages sent: {sends:?}; {} pages in {:?}",
        total,
        started.elapsed()
    );
    assert_eq!(steps.iter().sum::<usize>(), RELAY_ESCALATIONS * 6);
    assert_eq!(sends.iter().sum::<usize>(), RELAY_PAGES);
    if kill_between_steps {
        let killed = &logs[1 - survivor];
        assert!(
            log_lines(killed, "escalation step ran")
                .iter()
                .all(|line| line.contains("step=0 round=0")),
            "the killed replica ran only first steps"
        );
    }
    for replica in &mut replicas {
        if let Ok(None) = replica.child.try_wait() {
            replica.signal("TERM");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_one_postgres_send_every_page_exactly_once() {
    two_replicas_run_escalations(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_one_postgres_send_every_page_exactly_once_also_when_one_is_killed_between_steps()
 {
    two_replicas_run_escalations(true).await;
}

/// A replica started before its PostgreSQL (compose's replicas, a Kubernetes Deployment
/// rolled out beside its database) waits for it, saying why in its log, and serves once the
/// database answers; it does not exit with the pool's bare "timed out".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_waits_for_a_postgresql_that_is_not_up_yet() {
    if !backends().contains(&Backend::Postgres) {
        println!(
            "skipped: needs PostgreSQL; set {} to run this test",
            crate::support::POSTGRES_URL_VAR
        );
        return;
    }
    let database = TestDatabase::new(Backend::Postgres).await;
    let mut url = url::Url::parse(&database.url).unwrap();
    let real = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
    // The database's address, where nothing listens until the forwarder below starts.
    let port = free_port();
    url.set_host(Some("127.0.0.1")).unwrap();
    url.set_port(Some(port)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("firewatch.toml");
    std::fs::write(&config, "").unwrap();
    let log = dir.path().join("server.log");
    let _logs_on_failure = LogsOnFailure(vec![log.clone()]);

    let forwarder = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        loop {
            let (mut inbound, _) = listener.accept().await.unwrap();
            let real = real.clone();
            tokio::spawn(async move {
                if let Ok(mut outbound) = tokio::net::TcpStream::connect(real).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    let server = Server::start_on_any_port(&config, url.as_str(), &log).await;
    let text = std::fs::read_to_string(&log).unwrap();
    let waits: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("cannot reach the database yet"))
        .collect();
    assert!(!waits.is_empty(), "{text}");
    assert!(waits[0].contains("Connection refused"), "{}", waits[0]);
    assert!(waits[0].contains("trying again in 2 s"), "{}", waits[0]);
    let ready = reqwest::get(format!("{}/readyz", server.url))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    drop(server);
    forwarder.abort();
}
