//! What the benches under `bench/rust/` share: an Alertmanager webhook, waiting for the server,
//! a free port, a scratch folder and quantiles. Included with `#[path]` (a folder without a
//! `main.rs` is not an example of its own).

#![allow(dead_code)] // each bench uses its own part

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

/// An Alertmanager webhook (v4) with `count` firing critical alerts of one group.
pub fn alertmanager(alertname: &str, service: &str, count: usize, round: u64) -> String {
    let alerts: Vec<Value> = (0..count)
        .map(|n| {
            json!({
                "status": "firing",
                "labels": {"alertname": alertname, "service": service, "severity": "critical", "instance": format!("{service}-{n}")},
                "annotations": {"summary": format!("{alertname} {n} on {service}")},
                "startsAt": "2026-11-02T00:59:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus:9090/graph",
                "fingerprint": format!("{alertname}-{n}-{}", round % 4),
            })
        })
        .collect();
    json!({
        "version": "4",
        "groupKey": format!("{{}}:{{alertname=\"{alertname}\"}}"),
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "firewatch",
        "groupLabels": {"alertname": alertname},
        "commonLabels": {"alertname": alertname, "service": service, "severity": "critical"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": alerts,
    })
    .to_string()
}

pub async fn wait_ready(client: &reqwest::Client, base: &str) -> anyhow::Result<()> {
    for _ in 0..200 {
        if let Ok(response) = client.get(format!("{base}/readyz")).send().await {
            if response.status().is_success() {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("the server did not become ready")
}

pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A scratch folder for one bench run, named after the bench and the process.
pub fn work_dir(bench: &str) -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("firewatch-{bench}-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// p50, p99 and the maximum, in milliseconds; the list is sorted in place.
pub fn quantiles(latencies: &mut [Duration]) -> (f64, f64, f64) {
    if latencies.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    latencies.sort();
    let at = |quantile: f64| {
        let index = ((latencies.len() as f64 - 1.0) * quantile).round() as usize;
        latencies[index].as_secs_f64() * 1000.0
    };
    (at(0.50), at(0.99), at(1.0))
}

/// `bench/paging.sh`'s storm: every connection posts groups of 20 critical alerts on service
/// `batch` to `/hooks/prometheus` as fast as it is answered, across 50 groups (so 50
/// escalations, and reports that join them), until stopped.
pub struct Storm {
    stop: Arc<AtomicBool>,
    /// Alerts accepted so far.
    pub accepted: Arc<AtomicU64>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Storm {
    pub fn start(client: &reqwest::Client, base: &str, token: &str, connections: usize) -> Storm {
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicU64::new(0));
        let tasks = (0..connections)
            .map(|connection| {
                let client = client.clone();
                let url = format!("{base}/hooks/prometheus");
                let token = token.to_owned();
                let stop = stop.clone();
                let accepted = accepted.clone();
                tokio::spawn(async move {
                    let mut round = 0_u64;
                    while !stop.load(Ordering::Relaxed) {
                        let group = (connection as u64 * 7 + round) % 50;
                        let body = alertmanager(&format!("Storm{group}"), "batch", 20, round);
                        round += 1;
                        let sent = client
                            .post(&url)
                            .bearer_auth(&token)
                            .header("content-type", "application/json")
                            .body(body)
                            .send()
                            .await;
                        if sent.is_ok_and(|response| response.status().is_success()) {
                            accepted.fetch_add(20, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        Storm {
            stop,
            accepted,
            tasks,
        }
    }

    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }

    /// Stops every connection and waits for them.
    pub async fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}
