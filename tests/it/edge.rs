//! The edge as an attacker meets it: large unauthenticated bodies from many connections stay
//! within a fixed memory budget, and slow or idle connections are closed in time, while
//! ordinary requests are answered throughout.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::process::Server;
use crate::support::{Backend, TestApp, TestDatabase};

/// The server's resident memory, in MiB.
fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

fn address(url: &str) -> String {
    url.trim_start_matches("http://").to_owned()
}

/// Sends a request head and `body`, then reads the status code, or `None` when the server
/// closed the connection first.
async fn post_raw(address: &str, head: &str, body: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(address).await.ok()?;
    if stream.write_all(head.as_bytes()).await.is_ok() {
        for chunk in body.chunks(256 * 1024) {
            if stream.write_all(chunk).await.is_err() {
                break; // Answered early and closed: read what it said.
            }
        }
    }
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer)).await;
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace().nth(1)?.parse().ok()
}

const SIGNED_CONFIG: &str = r#"
[[integrations]]
name = "github"
kind = "github"
secret = "not-the-senders-secret"

[[integrations]]
name = "ingest"
kind = "generic"
token = "ingest-token"
"#;

#[tokio::test]
async fn forty_large_unsigned_bodies_at_once_stay_within_the_memory_budget() {
    const CONNECTIONS: usize = 40;
    const BODY_MIB: usize = 24;
    // The budget (48 MiB) plus each connection's free 64 KiB, joined copies and the server's
    // own baseline stay well under this.
    const BOUND_MIB: f64 = 256.0;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("firewatch.toml");
    std::fs::write(&config, SIGNED_CONFIG).unwrap();
    let database = TestDatabase::new(Backend::Sqlite).await;
    let server = Server::start_on_any_port(&config, &database.url, &dir.path().join("log")).await;
    let pid = server.child.id();
    let address = address(&server.url);
    let baseline = rss_mib(pid);

    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = tokio::spawn({
        let sampling = sampling.clone();
        async move {
            let mut peak: f64 = 0.0;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(rss_mib(pid));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            peak
        }
    });
    // Ordinary hooks keep coming and are answered throughout.
    let ordinary = tokio::spawn({
        let sampling = sampling.clone();
        let address = address.clone();
        async move {
            let mut answers = Vec::new();
            let mut n = 0;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let body = format!("{{\"n\": {n}}}");
                let head = format!(
                    "POST /hooks/ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ingest-token\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                answers.push(post_raw(&address, &head, body.as_bytes()).await);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            answers
        }
    });

    let body = std::sync::Arc::new(vec![b' '; BODY_MIB * 1024 * 1024]);
    let head = format!(
        "POST /hooks/github HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-GitHub-Event: push\r\nX-Hub-Signature-256: sha256={}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        "0".repeat(64),
        body.len()
    );
    let mut flood = tokio::task::JoinSet::new();
    for _ in 0..CONNECTIONS {
        let (address, head, body) = (address.clone(), head.clone(), body.clone());
        flood.spawn(async move { post_raw(&address, &head, &body).await });
    }
    let mut answers = Vec::new();
    while let Some(answer) = flood.join_next().await {
        answers.push(answer.unwrap());
    }
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.await.unwrap();
    let ordinary = ordinary.await.unwrap();
    eprintln!(
        "RSS baseline {baseline:.1} MiB, peak {peak:.1} MiB; flood answers {answers:?}; ordinary {ordinary:?}"
    );
    assert!(
        peak < BOUND_MIB,
        "peak RSS {peak:.1} MiB (baseline {baseline:.1})"
    );
    // No body was taken as signed; those refused for the budget were told to come back.
    assert!(
        answers
            .iter()
            .all(|answer| matches!(answer, Some(401) | Some(503))),
        "{answers:?}"
    );
    assert!(answers.contains(&Some(503)), "{answers:?}");
    assert!(!ordinary.is_empty());
    assert!(
        ordinary.iter().all(|answer| *answer == Some(202)),
        "{ordinary:?}"
    );
}

const SLOW_CONFIG: &str = r#"
[server]
header_timeout_seconds = 1
body_timeout_seconds = 2
idle_timeout_seconds = 3
max_connections = 8

[[integrations]]
name = "ingest"
kind = "generic"
"#;

/// How long until the server closes `stream` (reading and discarding what it sends), while
/// `feed` trickles bytes in; `None` if it is still open after `most`.
async fn closed_after(
    mut stream: TcpStream,
    feed: &'static [&'static str],
    every: Duration,
    most: Duration,
) -> Option<Duration> {
    let started = Instant::now();
    let (mut reader, mut writer) = stream.split();
    let trickle = async {
        for piece in feed {
            if writer.write_all(piece.as_bytes()).await.is_err() {
                break;
            }
            tokio::time::sleep(every).await;
        }
        std::future::pending::<()>().await;
    };
    let read_until_closed = async {
        let mut buffer = [0_u8; 4096];
        loop {
            match reader.read(&mut buffer).await {
                Ok(0) | Err(_) => break started.elapsed(),
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(most, async {
        tokio::select! {
            () = trickle => unreachable!(),
            closed = read_until_closed => closed,
        }
    })
    .await
    .ok()
}

#[tokio::test]
async fn slow_and_idle_connections_are_closed_in_time_while_others_are_served() {
    let app = TestApp::spawn(Backend::Sqlite, SLOW_CONFIG).await;
    let address = address(&app.url);
    let connect = || TcpStream::connect(address.clone());
    const HEAD_LINES: &[&str] = &[
        "GET /healthz HTTP/1.1\r\n",
        "Host: x\r\n",
        "X-A: 1\r\n",
        "X-B: 2\r\n",
        "X-C: 3\r\n",
        "X-D: 4\r\n",
        "X-E: 5\r\n",
        "X-F: 6\r\n",
        "X-G: 7\r\n",
        "X-H: 8\r\n",
    ];
    const BODY_BYTES: &[&str] = &[
        "POST /hooks/ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{",
        " ",
        " ",
        " ",
        " ",
        " ",
        " ",
        " ",
        " ",
        " ",
        " ",
        " ",
        " ",
        " ",
        " ",
        " ",
        " ",
        " ",
        " ",
    ];
    const KEPT_ALIVE: &[&str] = &["GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"];
    let every = Duration::from_millis(300);
    let most = Duration::from_secs(8);
    let (idle, slow_head, slow_body, kept_alive, served) = tokio::join!(
        async { closed_after(connect().await.unwrap(), &[], every, most).await },
        async { closed_after(connect().await.unwrap(), HEAD_LINES, every, most).await },
        async { closed_after(connect().await.unwrap(), BODY_BYTES, every, most).await },
        async { closed_after(connect().await.unwrap(), KEPT_ALIVE, every, most).await },
        async {
            // Ordinary requests meanwhile, each answered at once.
            let mut slowest = Duration::ZERO;
            for _ in 0..10 {
                let started = Instant::now();
                let (status, _) = app.api(reqwest::Method::GET, "/healthz", None).await;
                assert_eq!(status, reqwest::StatusCode::OK);
                slowest = slowest.max(started.elapsed());
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            slowest
        }
    );
    eprintln!(
        "closed after: idle {idle:?}, slow head {slow_head:?}, slow body {slow_body:?}, kept alive {kept_alive:?}; slowest ordinary request {served:?}"
    );
    let within = |closed: Option<Duration>, low: f64, high: f64| {
        closed.is_some_and(|d| d.as_secs_f64() >= low && d.as_secs_f64() <= high)
    };
    // The head timeout (1 s) for a new connection and for a head sent a line at a time.
    assert!(within(idle, 0.9, 2.5), "idle: {idle:?}");
    assert!(within(slow_head, 0.9, 2.5), "slow head: {slow_head:?}");
    // The body timeout (2 s) from the head.
    assert!(within(slow_body, 1.9, 3.5), "slow body: {slow_body:?}");
    // A kept-alive connection outlives the head timeout and is closed at the idle one (3 s).
    assert!(within(kept_alive, 2.9, 4.5), "kept alive: {kept_alive:?}");
    assert!(served < Duration::from_secs(1), "{served:?}");
}

#[tokio::test]
async fn past_the_connection_cap_a_new_connection_waits_for_a_slot() {
    let app = TestApp::spawn(Backend::Sqlite, SLOW_CONFIG).await;
    let address = address(&app.url);
    // Eight idle connections hold every slot until the head timeout (1 s) closes them.
    let mut held = Vec::new();
    for _ in 0..8 {
        held.push(TcpStream::connect(&address).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let (status, _) = app.api(reqwest::Method::GET, "/healthz", None).await;
    let waited = started.elapsed();
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(
        waited >= Duration::from_millis(600) && waited < Duration::from_secs(4),
        "{waited:?}"
    );
    drop(held);
}
