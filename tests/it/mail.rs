//! Alerts by email through the `[email_intake]` listener, with real clients: Python's
//! `smtplib` and `swaks` (Debian). Unknown recipients and senders outside `allow_from` are
//! refused; a failure mail fires an alert and its resolve mail ends it; and after `kill -9` in
//! the middle of a stream of mail, every message that was answered 250 is there.

use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::support::{Destination, TestApp, backends};

fn config(chat: &Destination, listen: &str) -> String {
    format!(
        r#"
[email_intake]
listen = "{listen}"
domain = "alerts.example.com"

[[services]]
id = "db"

[[integrations]]
name = "backups"
kind = "email"
allow_from = ["*@example.com", "veeam@vendor.example"]
service = "db"
resolve_pattern = '(?i)\b(resolved|success)\b'

[[destinations]]
name = "team-chat"
kind = "webhook"
url = "{}"

[[routes]]
match = {{ kind = "alert" }}
to = ["team-chat"]
"#,
        chat.url
    )
}

const SEND: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/clients/smtp_send.py"
);

/// smtplib: whether the message was taken, and what the server said.
fn smtplib(
    port: u16,
    from: &str,
    to: &str,
    subject: &str,
    body: &str,
    html: bool,
) -> (bool, String) {
    let mut command = Command::new("python3");
    command.args([
        SEND,
        "127.0.0.1",
        &port.to_string(),
        from,
        to,
        subject,
        body,
    ]);
    if html {
        command.arg("html");
    }
    let output = command.output().expect("python3 runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
            + &String::from_utf8_lossy(&output.stderr),
    )
}

async fn alerts(app: &TestApp) -> Vec<Value> {
    app.get("/api/v1/alerts?limit=20").await["items"]
        .as_array()
        .cloned()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mail_from_smtplib_and_swaks_fires_and_resolves_and_strangers_are_refused() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat, "127.0.0.1:0")).await;
        let port = app
            .app
            .as_ref()
            .unwrap()
            .mail_address
            .expect("a mail listener")
            .port();

        let (ok, said) = smtplib(
            port,
            "veeam@vendor.example",
            "backups@alerts.example.com",
            "[FIRING] Backup job db-nightly failed",
            "Job db-nightly failed after 41 minutes.\nLog: /var/log/veeam/db-nightly.log",
            false,
        );
        assert!(ok, "{said}");
        app.idle().await;
        let listed = alerts(&app).await;
        assert_eq!(listed.len(), 1, "{listed:?}");
        let alert = &listed[0];
        assert_eq!(alert["state"], "firing");
        assert_eq!(alert["summary"], "[FIRING] Backup job db-nightly failed");
        assert_eq!(alert["service"], "db");
        assert_eq!(alert["integration"], "backups");
        assert!(
            alert["annotations"]["details"]
                .as_str()
                .unwrap()
                .starts_with("Job db-nightly failed after 41 minutes."),
            "{alert}"
        );

        // An HTML-only mail: its text is what the alert shows.
        let (ok, said) = smtplib(
            port,
            "ops@example.com",
            "Backups@Alerts.Example.com",
            "Disk almost full on nas-2",
            "<html><body><h1>nas-2</h1><table><tr><td>Volume</td><td>97%</td></tr></table></body></html>",
            true,
        );
        assert!(ok, "{said}");
        app.idle().await;
        let nas = alerts(&app)
            .await
            .into_iter()
            .find(|a| a["summary"] == "Disk almost full on nas-2")
            .unwrap();
        let details = nas["annotations"]["details"].as_str().unwrap();
        assert!(
            details.contains("nas-2") && details.contains("97%") && !details.contains('<'),
            "{details}"
        );

        // Strangers: an address that is no integration, and a sender outside allow_from.
        let (ok, said) = smtplib(
            port,
            "veeam@vendor.example",
            "nobody@alerts.example.com",
            "x",
            "y",
            false,
        );
        assert!(!ok && said.starts_with("550"), "{said}");
        let (ok, said) = smtplib(
            port,
            "mallory@evil.example",
            "backups@alerts.example.com",
            "x",
            "y",
            false,
        );
        assert!(!ok && said.starts_with("550"), "{said}");
        assert!(said.contains("allow_from"), "{said}");

        // swaks sends the resolve.
        let output = Command::new("swaks")
            .args([
                "--server",
                &format!("127.0.0.1:{port}"),
                "--from",
                "veeam@vendor.example",
                "--to",
                "backups@alerts.example.com",
                "--header",
                "Subject: [RESOLVED] Backup job db-nightly failed",
                "--body",
                "Job db-nightly succeeded on retry",
            ])
            .output()
            .expect("swaks runs (scripts/ensure-test-tools.sh installs it)");
        let transcript = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{transcript}");
        assert!(transcript.contains("<-  250"), "{transcript}");
        app.idle().await;
        let backup = alerts(&app)
            .await
            .into_iter()
            .find(|a| a["rule"] == "Backup job db-nightly failed")
            .unwrap();
        assert_eq!(backup["state"], "resolved", "{backup}");
        // Refused mail never reaches the store: three messages taken, three mail events.
        let mail = app
            .store
            .list_events(&firewatch::store::EventFilter {
                kind: Some("email_alert".into()),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(mail.len(), 3);
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_a_stream_of_mail_loses_none_that_was_answered_250() {
    for backend in backends() {
        let database = crate::support::TestDatabase::new(backend).await;
        let chat = Destination::start().await;
        let dir = tempfile::tempdir().unwrap();
        let mail_port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = dir.path().join("firewatch.toml");
        std::fs::write(&config, config_text(&chat, mail_port)).unwrap();
        let log = dir.path().join("firewatch.log");
        let mut server =
            crate::process::Server::start_on_any_port(&config, &database.url, &log).await;

        let sender = Command::new("python3")
            .args([
                SEND,
                "127.0.0.1",
                &mail_port.to_string(),
                "veeam@vendor.example",
                "backups@alerts.example.com",
                "load",
                "100000",
            ])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        server.child.kill().unwrap(); // SIGKILL, mid-stream.
        server.child.wait().unwrap();
        let output = sender.wait_with_output().unwrap();
        let acknowledged: Vec<String> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.strip_prefix("ACK "))
            .map(|n| format!("Backup {n} failed"))
            .collect();
        assert!(
            acknowledged.len() > 20,
            "too few messages to mean anything: {}",
            acknowledged.len()
        );

        let _server = crate::process::Server::start_on_any_port(&config, &database.url, &log).await;
        let store = database.store().await;
        // What was committed is the event (its alert follows once the killed server's lease
        // on the alert job runs out).
        let subjects: std::collections::HashSet<String> = store
            .list_events(&firewatch::store::EventFilter {
                kind: Some("email_alert".into()),
                limit: 100_000,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_iter()
            .filter_map(|event| {
                let headers: Value = serde_json::from_str(&event.headers).ok()?;
                headers["subject"].as_str().map(str::to_owned)
            })
            .collect();
        let missing = acknowledged
            .iter()
            .filter(|subject| !subjects.contains(*subject))
            .count();
        println!(
            "{backend:?}: {} messages answered 250 before kill -9; missing after restart: {missing}",
            acknowledged.len()
        );
        assert_eq!(missing, 0, "mail answered 250 was lost");
        store.close().await;
    }
}

fn config_text(chat: &Destination, mail_port: u16) -> String {
    config(chat, &format!("127.0.0.1:{mail_port}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_is_offered_with_the_configured_certificate_and_swaks_verifies_it() {
    let backend = backends()[0];
    let dir = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let certificate = dir.path().join("smtp.crt");
    let key = dir.path().join("smtp.key");
    std::fs::write(&certificate, pem("CERTIFICATE", certified.cert.der())).unwrap();
    std::fs::write(
        &key,
        pem("PRIVATE KEY", &certified.key_pair.serialize_der()),
    )
    .unwrap();
    let chat = Destination::start().await;
    let config = config(&chat, "127.0.0.1:0").replace(
        "domain = \"alerts.example.com\"",
        &format!(
            "domain = \"alerts.example.com\"\ntls_certificate = \"{}\"\ntls_key = \"{}\"",
            certificate.display(),
            key.display()
        ),
    );
    let app = TestApp::spawn(backend, &config).await;
    let port = app.app.as_ref().unwrap().mail_address.unwrap().port();
    // `--tls`: STARTTLS is required, and verified against the certificate as the only CA.
    let output = Command::new("swaks")
        .args([
            "--server",
            &format!("localhost:{port}"),
            "--tls",
            "--tls-verify",
            "--tls-ca-path",
            &certificate.display().to_string(),
            "--from",
            "ops@example.com",
            "--to",
            "backups@alerts.example.com",
            "--header",
            "Subject: Replication lag on db-2",
            "--body",
            "lag 45 s",
        ])
        .output()
        .expect("swaks runs");
    let transcript = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{transcript}");
    assert!(
        transcript.contains("STARTTLS") && transcript.contains("<~  250"),
        "{transcript}"
    );
    app.idle().await;
    let stored = app
        .store
        .list_events(&firewatch::store::EventFilter {
            kind: Some("email_alert".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    let headers: Value = serde_json::from_str(&stored[0].headers).unwrap();
    assert_eq!(headers["tls"], true);
    app.stop().await;
}

/// PEM, as an operator's files hold the certificate and key.
fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(64)
        .map(|chunk| std::str::from_utf8(chunk).unwrap_or_default())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}
