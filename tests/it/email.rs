//! GitHub webhooks through the signed endpoint, out to a stand-in SMTP server: what the
//! message holds (envelope, headers, both alternatives, links, the idempotency key), a 451
//! retried and delivered once, and a 550 or a failed login as a dead letter at once.

use axum::http::StatusCode;

use crate::github::{deliver, fixture};
use crate::support::smtp::{Mail, SmtpServer, Stage};
use crate::support::{TestApp, backends};

const SECRET: &str = "email-secret";
const USER: &str = "firewatch";
const PASSWORD: &str = "correct horse battery staple";

fn config(smtp: &SmtpServer, password: &str) -> String {
    format!(
        r#"
[delivery]
retry_window_hours = 1.0

[[integrations]]
name = "github"
kind = "github"
secret = "{SECRET}"

[tickets]
url = "https://jira.example.com/browse/{{key}}"

[[destinations]]
name = "mail"
kind = "email"
host = "127.0.0.1"
port = {port}
tls = "none"
username = "{USER}"
password = "{password}"
from = "Firewatch <firewatch@example.com>"
to = ["oncall@example.com", "Team Lead <lead@example.com>"]
subject_prefix = "firewatch"

[[routes]]
match = {{ source = "github" }}
to = ["mail"]
"#,
        port = smtp.port
    )
}

/// Posts the pull-request fixture; answers the event id.
async fn post_pull_request(app: &TestApp, delivery: &str) -> String {
    let (status, answer) = deliver(
        app,
        "pull_request",
        &fixture("pull_request.opened"),
        delivery,
        SECRET,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    answer["id"].as_str().unwrap().to_owned()
}

fn subject() -> &'static str {
    "[firewatch] PR #42 opened: CCC-1580 Retry token refresh on 401 <fast path>"
}

#[tokio::test]
async fn a_github_event_becomes_a_multipart_email() {
    for backend in backends() {
        let smtp = SmtpServer::start(Some((USER, PASSWORD))).await;
        let app = TestApp::spawn(backend, &config(&smtp, PASSWORD)).await;
        let event_id = post_pull_request(&app, "email-1").await;

        let mails = smtp.wait_for(1).await;
        let mail: &Mail = &mails[0];
        assert!(mail.accepted());
        assert_eq!(mail.user.as_deref(), Some(USER), "logged in");
        assert_eq!(mail.mail_from, "firewatch@example.com");
        assert_eq!(mail.rcpt_to, ["oncall@example.com", "lead@example.com"]);

        let email = mail.parsed();
        let key = format!("{event_id}.mail");
        assert_eq!(email.header("From"), "Firewatch <firewatch@example.com>");
        assert_eq!(
            email.header("To"),
            "oncall@example.com, \"Team Lead\" <lead@example.com>"
        );
        assert_eq!(email.header("Subject"), subject());
        assert_eq!(email.header("X-Firewatch-Idempotency-Key"), key);
        assert_eq!(
            email.header("Message-ID"),
            format!("<{key}@example.com>"),
            "the same Message-ID on every retry"
        );
        assert_eq!(
            email.header("Date"),
            "Mon, 02 Nov 2026 01:00:00 +0000",
            "the app's clock"
        );
        assert_eq!(email.header("MIME-Version"), "1.0");
        // The whole readable message, reviewed like code.
        let rendered = format!(
            "Subject: {}\n\n--- text/plain ---\n{}\n--- text/html ---\n{}",
            email.header("Subject"),
            email.part("text/plain").body,
            email.part("text/html").body
        );
        expect_test::expect_file!["../snapshots/github_to_email.txt"].assert_eq(&rendered);
        assert!(
            email
                .header("Content-Type")
                .starts_with("multipart/alternative;"),
            "{}",
            email.header("Content-Type")
        );
        assert_eq!(email.parts.len(), 2);

        let text = &email.part("text/plain").body;
        assert!(
            text.starts_with(
                "PR #42 opened: CCC-1580 Retry token refresh on 401 <fast path>\n\
                 https://github.com/acme/api/pull/42\n"
            ),
            "{text}"
        );
        for link in [
            "acme/api <https://github.com/acme/api>",
            "tickets CCC-1580 <https://jira.example.com/browse/CCC-1580>",
        ] {
            assert!(text.contains(link), "{link} in {text}");
        }

        let html = &email.part("text/html").body;
        assert!(
            html.contains(
                "<a href=\"https://github.com/acme/api/pull/42\" style=\"color:#0969da;\
                 text-decoration:underline;\">PR #42 opened: CCC-1580 Retry token refresh on 401 \
                 &lt;fast path&gt;</a>"
            ),
            "{html}"
        );
        assert!(!html.contains("<fast path>"), "{html}");
        for link in [
            "https://github.com/acme/api",
            "https://jira.example.com/browse/CCC-1580",
        ] {
            assert!(
                html.contains(&format!("<a href=\"{link}\"")),
                "{link} in {html}"
            );
        }

        let items = app
            .wait_for_notifications("state=delivered", |items| items.len() == 1)
            .await;
        assert_eq!(items[0]["last_status"], 250);
        assert_eq!(items[0]["attempts"], 1);
        assert_eq!(smtp.mails().len(), 1);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_451_is_retried_and_delivered_once() {
    for backend in backends() {
        let smtp = SmtpServer::start(Some((USER, PASSWORD))).await;
        smtp.respond_with(
            Stage::Data,
            "451 4.3.0 Mail server temporarily rejected message",
        );
        let app = TestApp::spawn(backend, &config(&smtp, PASSWORD)).await;
        post_pull_request(&app, "email-2").await;

        smtp.wait_for(1).await;
        let items = app
            .wait_for_notifications("state=retrying", |items| items.len() == 1)
            .await;
        assert_eq!(items[0]["last_status"], 451);
        assert_eq!(
            items[0]["last_error"],
            "SMTP 451: 4.3.0 Mail server temporarily rejected message"
        );
        // The first retry is due within one second (equal jitter on a 1 s step).
        app.advance(1);
        smtp.wait_for(2).await;
        let items = app
            .wait_for_notifications("state=delivered", |items| items.len() == 1)
            .await;
        assert_eq!(items[0]["attempts"], 2);

        let mails = smtp.mails();
        assert_eq!(mails.len(), 2);
        assert_eq!(smtp.accepted().len(), 1, "delivered once");
        let (first, second) = (mails[0].parsed(), mails[1].parsed());
        for header in ["X-Firewatch-Idempotency-Key", "Message-ID"] {
            assert_eq!(
                first.header(header),
                second.header(header),
                "same {header} on retry"
            );
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn a_550_is_a_dead_letter_at_once() {
    for backend in backends() {
        let smtp = SmtpServer::start(Some((USER, PASSWORD))).await;
        smtp.respond_with(
            Stage::Rcpt,
            "550 5.1.1 <oncall@example.com>: Recipient address rejected",
        );
        let app = TestApp::spawn(backend, &config(&smtp, PASSWORD)).await;
        post_pull_request(&app, "email-3").await;

        let items = app
            .wait_for_notifications("state=dead", |items| items.len() == 1)
            .await;
        assert_eq!(items[0]["last_status"], 550);
        assert_eq!(items[0]["attempts"], 1);
        assert_eq!(
            items[0]["last_error"],
            "refused by the destination: SMTP 550: 5.1.1 <oncall@example.com>: Recipient \
             address rejected"
        );
        assert!(smtp.accepted().is_empty());
        app.stop().await;
    }
}

#[tokio::test]
async fn a_failed_login_is_a_dead_letter_without_the_password() {
    for backend in backends() {
        let smtp = SmtpServer::start(Some((USER, PASSWORD))).await;
        let wrong = "not-the-password";
        let app = TestApp::spawn(backend, &config(&smtp, wrong)).await;
        post_pull_request(&app, "email-4").await;

        let items = app
            .wait_for_notifications("state=dead", |items| items.len() == 1)
            .await;
        assert_eq!(items[0]["last_status"], 535);
        let error = items[0]["last_error"].as_str().unwrap();
        // The stand-in echoes the AUTH line, base64 and all; none of it may be kept.
        assert_eq!(
            error,
            "refused by the destination: SMTP 535: 5.7.8 Authentication credentials invalid: \
             AUTH PLAIN [redacted]"
        );
        assert!(smtp.mails().is_empty(), "no transaction without a login");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_server_without_starttls_is_sent_nothing_in_clear() {
    for backend in backends() {
        let smtp = SmtpServer::start(Some((USER, PASSWORD))).await;
        let config = config(&smtp, PASSWORD).replace("tls = \"none\"", "tls = \"starttls\"");
        let app = TestApp::spawn(backend, &config).await;
        post_pull_request(&app, "email-5").await;

        let items = app
            .wait_for_notifications("state=retrying", |items| items.len() == 1)
            .await;
        assert_eq!(
            items[0]["last_error"],
            "could not send: STARTTLS is not supported on this server"
        );
        assert!(smtp.mails().is_empty());
        app.stop().await;
    }
}

#[tokio::test]
async fn a_server_that_is_down_is_retried() {
    for backend in backends() {
        // A port nothing listens on: bound but not listening, and held to the end, so no
        // other test's server can take it meanwhile (a connection to it is refused).
        let held = tokio::net::TcpSocket::new_v4().unwrap();
        held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let port = held.local_addr().unwrap().port();
        let smtp = SmtpServer::start(None).await;
        let config = config(&smtp, PASSWORD)
            .replace(&format!("port = {}", smtp.port), &format!("port = {port}"));
        let app = TestApp::spawn(backend, &config).await;
        post_pull_request(&app, "email-6").await;

        let items = app
            .wait_for_notifications("state=retrying", |items| items.len() == 1)
            .await;
        let error = items[0]["last_error"].as_str().unwrap();
        assert!(
            error.starts_with("SMTP connection failed: ") && error.contains("refused"),
            "{error}"
        );
        assert_eq!(items[0]["last_status"], serde_json::Value::Null);
        app.stop().await;
        drop(held);
    }
}
