//! Alert-to-first-page latency of the real binary (run by `bench/paging.sh`): a critical alert
//! posted in Alertmanager's webhook format, to the page's arrival at the on-call person's
//! webhook, first at rest, then while a storm of alerts on another service runs at the highest
//! rate the server takes. Prints p50, p99 and the maximum of each, with the storm's rate.
//!
//!   paging_bench FIREWATCH_BINARY [storm seconds = 10] [storm connections = 32]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "bench_support/mod.rs"]
mod bench_support;
use bench_support::{Storm, alertmanager, free_port, quantiles, wait_ready, work_dir};

const TOKEN: &str = "bench-token";

/// When each storm probe was posted and its page arrived, in Unix milliseconds, to set
/// beside the times the server stored.
static WALL: Mutex<Vec<(String, i64, i64)>> = Mutex::new(Vec::new());

/// The wall clock, in Unix milliseconds: the server's stored times are on the same clock.
#[allow(clippy::disallowed_methods)] // a benchmark compares its own times with the server's
fn wall_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// The slowest answer to a probe's POST so far, in microseconds.
static SLOWEST_ANSWER: AtomicU64 = AtomicU64::new(0);

/// When each page arrived, by its summary.
type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let binary = args.next().ok_or_else(|| {
        anyhow::anyhow!("usage: paging_bench FIREWATCH_BINARY [seconds] [connections]")
    })?;
    let storm_seconds: u64 = args.next().map_or(Ok(10), |s| s.parse())?;
    let connections: usize = args.next().map_or(Ok(32), |s| s.parse())?;

    // The on-call person's phone: records when each probe's page arrives.
    let arrivals: Arrivals = Arc::default();
    let storm_pages = Arc::new(AtomicU64::new(0));
    let receiver = {
        let arrivals = arrivals.clone();
        let storm_pages = storm_pages.clone();
        let seconds = arrivals.clone();
        axum::Router::new()
            .route(
                "/second",
                axum::routing::post(move |body: axum::body::Bytes| {
                    let arrivals = seconds.clone();
                    async move {
                        let at = Instant::now();
                        let page: Value = serde_json::from_slice(&body).unwrap_or_default();
                        let summary = page["data"]["summary"].as_str().unwrap_or_default();
                        arrivals
                            .lock()
                            .expect("no task panics holding the lock")
                            .entry(format!("second {summary}"))
                            .or_insert(at);
                        "ok"
                    }
                }),
            )
            .route(
                "/page",
                axum::routing::post(move |body: axum::body::Bytes| {
                    let arrivals = arrivals.clone();
                    let storm_pages = storm_pages.clone();
                    async move {
                        let at = Instant::now();
                        let page: Value = serde_json::from_slice(&body).unwrap_or_default();
                        let summary = page["data"]["summary"].as_str().unwrap_or_default();
                        match summary
                            .strip_prefix("probe ")
                            .or(summary.strip_prefix("first "))
                        {
                            Some(_) => {
                                let id = summary.to_owned();
                                arrivals
                                    .lock()
                                    .expect("no task panics holding the lock")
                                    .entry(id.to_owned())
                                    .or_insert(at);
                            }
                            None => {
                                storm_pages.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        "ok"
                    }
                }),
            )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let phone = format!("http://{}/page", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let work = work_dir("paging")?;
    let port = free_port()?;
    let config = format!(
        r#"
[server]
listen = "127.0.0.1:{port}"
database_url = "sqlite://{db}"

[delivery]
concurrency = 32

[paging]
# Every probe pages the same person: the throttle would fold them.
max_pages_per_minute = 1000000

[[integrations]]
name = "prometheus"
kind = "alertmanager"
token = "{TOKEN}"

[[people]]
id = "oncall"
contacts = [ {{ name = "phone", kind = "webhook", url = "{phone}" }} ]

[[people]]
id = "second"
contacts = [ {{ name = "phone", kind = "webhook", url = "{second}" }} ]

[[people]]
id = "batch-oncall"
contacts = [ {{ name = "phone", kind = "webhook", url = "{phone}" }} ]

[[escalation_policies]]
id = "api"
steps = [ {{ after = "0m", notify = ["person:oncall"] }} ]

[[escalation_policies]]
id = "batch"
steps = [ {{ after = "0m", notify = ["person:batch-oncall"] }} ]

[[escalation_policies]]
id = "steps"
steps = [ {{ after = "0s", notify = ["person:oncall"] }}, {{ after = "2s", notify = ["person:second"] }} ]

[[services]]
id = "steps"
escalation_policy = "steps"

[[services]]
id = "api"
escalation_policy = "api"

[[services]]
id = "batch"
escalation_policy = "batch"
"#,
        db = work.join("bench.db").display(),
        second = phone.replace("/page", "/second"),
    );
    let config_path = work.join("firewatch.toml");
    std::fs::write(&config_path, config)?;
    let mut server = std::process::Command::new(&binary)
        .args(["serve", "--config"])
        .arg(&config_path)
        .env("RUST_LOG", "warn")
        .stderr(std::fs::File::create(work.join("server.log"))?)
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()?;
    wait_ready(&client, &base).await?;

    let database = work.join("bench.db");
    let result = run(
        &client,
        &base,
        &arrivals,
        &storm_pages,
        storm_seconds,
        connections,
        &database,
    )
    .await;
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&work);
    result
}

async fn run(
    client: &reqwest::Client,
    base: &str,
    arrivals: &Arrivals,
    storm_pages: &Arc<AtomicU64>,
    storm_seconds: u64,
    connections: usize,
    database: &std::path::Path,
) -> anyhow::Result<()> {
    // Warm-up, not measured.
    for n in 0..20 {
        probe(client, base, arrivals, &format!("warm-{n}")).await?;
    }
    let mut at_rest = Vec::new();
    for n in 0..200 {
        at_rest.push(probe(client, base, arrivals, &format!("rest-{n}")).await?);
    }
    report("at rest", &mut at_rest);
    step_lateness(client, base, arrivals).await?;

    let storm = Storm::start(client, base, TOKEN, connections);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started = Instant::now();
    let accepted_before = storm.accepted();
    let mut during = Vec::new();
    let mut n = 0;
    while started.elapsed() < Duration::from_secs(storm_seconds) {
        during.push(probe(client, base, arrivals, &format!("storm-{n}")).await?);
        n += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rate = (storm.accepted() - accepted_before) as f64 / started.elapsed().as_secs_f64();
    let accepted = storm.accepted();
    storm.stop().await;
    println!(
        "storm: {rate:.0} alerts/s accepted on service batch over {storm_seconds} s \
         ({connections} connections, 20 alerts a request), {} storm pages sent",
        storm_pages.load(Ordering::Relaxed)
    );
    report("during the storm", &mut during);
    drain(database, started, accepted).await;
    Ok(())
}

/// Where the slowest storm probes waited: posted → applied (the escalation started) → the
/// step ran (its page made) → the send began → the page arrived.
fn breakdown(database: &std::path::Path) {
    let output = std::process::Command::new("sqlite3")
        .arg(database)
        .arg(
            "SELECT e.summary, e.started_at, p.created_at, p.sent_at FROM escalations e \
             JOIN pages p ON p.escalation_id = e.id WHERE e.summary LIKE 'probe storm-%'",
        )
        .output();
    let Ok(output) = output else {
        return;
    };
    let stored: HashMap<String, (i64, i64, i64)> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let parts: Vec<&str> = line.split('|').collect();
            let number = |i: usize| parts.get(i)?.parse::<i64>().ok();
            Some((
                parts.first()?.to_string(),
                (number(1)?, number(2)?, number(3)?),
            ))
        })
        .collect();
    let mut probes: Vec<(String, i64, i64)> = WALL
        .lock()
        .expect("no task panics holding the lock")
        .iter()
        .filter(|(id, _, _)| id.starts_with("probe storm-"))
        .cloned()
        .collect();
    probes.sort_by_key(|(_, sent, arrived)| std::cmp::Reverse(arrived - sent));
    for (id, sent, arrived) in probes.iter().take(3) {
        if let Some((applied, step, send)) = stored.get(id) {
            println!(
                "  slow probe {id}: {} ms in all = {} to apply, {} to the step, {} to the send, {} sending",
                arrived - sent,
                applied - sent,
                step - applied,
                send - step,
                arrived - send
            );
        }
    }
}

/// How long the storm's reports take to be applied after it stops, read with the `sqlite3`
/// shell (another process on the database, as people run it): the apply rate end to end.
async fn drain(database: &std::path::Path, started: Instant, accepted: u64) {
    let pending = || {
        std::process::Command::new("sqlite3")
            .arg(database)
            .arg("SELECT count(*) FROM jobs WHERE kind = 'alert' AND state = 'pending'")
            .output()
            .ok()
            .and_then(|output| String::from_utf8(output.stdout).ok())
            .and_then(|text| text.trim().parse::<u64>().ok())
    };
    let Some(mut left) = pending() else {
        println!("(no sqlite3 shell: the apply rate is not measured)");
        return;
    };
    let stopped = Instant::now();
    while left > 0 && stopped.elapsed() < Duration::from_secs(300) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        left = pending().unwrap_or(0);
    }
    let total = started.elapsed().as_secs_f64();
    breakdown(database);
    println!(
        "applied: the {accepted} alerts accepted from 1 s before the storm's measured part were \
         all applied {:.1} s after it stopped: about {:.0} alerts/s end to end",
        stopped.elapsed().as_secs_f64(),
        accepted as f64 / (total + 1.0)
    );
}

/// How late a second escalation step fires: 20 escalations at once, whose second step is due
/// 2 s after the first; lateness is the second page's arrival minus the first's, minus 2 s.
async fn step_lateness(
    client: &reqwest::Client,
    base: &str,
    arrivals: &Arrivals,
) -> anyhow::Result<()> {
    for n in 0..20 {
        let body = alertmanager(&format!("Steps-{n}"), "steps", 1, 0)
            .replace(&format!("Steps-{n} 0 on steps"), &format!("first {n}"));
        let response = client
            .post(format!("{base}/hooks/prometheus"))
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "refused: {}",
            response.status()
        );
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut late = Vec::new();
    for n in 0..20 {
        loop {
            let (first, second) = {
                let arrivals = arrivals.lock().expect("no task panics holding the lock");
                (
                    arrivals.get(&format!("first {n}")).copied(),
                    arrivals.get(&format!("second first {n}")).copied(),
                )
            };
            if let (Some(first), Some(second)) = (first, second) {
                late.push(
                    second
                        .duration_since(first)
                        .saturating_sub(Duration::from_secs(2)),
                );
                break;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "escalation {n} did not reach its second step"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    late.sort();
    println!(
        "escalation step lateness (20 due at once): p50={:.0} ms max={:.0} ms (goal: within 1 s)",
        late[late.len() / 2].as_secs_f64() * 1000.0,
        late[late.len() - 1].as_secs_f64() * 1000.0
    );
    Ok(())
}

/// Posts one critical alert on service api in a group of its own, and waits for its page.
async fn probe(
    client: &reqwest::Client,
    base: &str,
    arrivals: &Arrivals,
    id: &str,
) -> anyhow::Result<Duration> {
    let body = alertmanager(&format!("Probe-{id}"), "api", 1, 0)
        .replace(&format!("Probe-{id} 0 on api"), &format!("probe {id}"));
    let sent = Instant::now();
    let sent_wall = wall_ms();
    let response = client
        .post(format!("{base}/hooks/prometheus"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "probe refused: {}",
        response.status()
    );
    // The slowest answer to a probe's POST: what of the latency is intake (commit and fsync).
    let answered = sent.elapsed().as_micros() as u64;
    SLOWEST_ANSWER.fetch_max(answered, Ordering::Relaxed);
    let deadline = sent + Duration::from_secs(30);
    loop {
        if let Some(at) = arrivals
            .lock()
            .expect("no task panics holding the lock")
            .get(&format!("probe {id}"))
        {
            let latency = at.duration_since(sent);
            WALL.lock().expect("no task panics holding the lock").push((
                format!("probe {id}"),
                sent_wall,
                sent_wall + latency.as_millis() as i64,
            ));
            return Ok(latency);
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "no page for probe {id} within 30 s"
        );
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
}

fn report(what: &str, latencies: &mut [Duration]) {
    let slowest_answer = SLOWEST_ANSWER.swap(0, Ordering::Relaxed) as f64 / 1000.0;
    let (p50, p99, max) = quantiles(latencies);
    println!(
        "alert to first page, {what}: n={} p50={p50:.1} ms p99={p99:.1} ms max={max:.1} ms \
         (the slowest intake answer among them: {slowest_answer:.1} ms)",
        latencies.len(),
    );
}
