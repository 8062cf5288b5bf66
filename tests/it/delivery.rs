//! The delivery engine through the public interfaces: routes, the webhook destination, retries
//! with a controlled clock, dead letters and their re-drive, per-destination order.

use std::time::Duration;

use firewatch::clock::Clock;
use firewatch::core::signing;

use crate::support::{Destination, TestApp, backends};

const AUTH: (&str, &str) = ("authorization", "Bearer t");
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn config(destination: &Destination, extra: &str) -> String {
    format!(
        r#"
[delivery]
retry_window_hours = 1.0
{extra}

[[integrations]]
name = "ingest"
kind = "generic"
token = "t"

[[integrations]]
name = "quiet"
kind = "generic"
token = "t"

[[destinations]]
name = "hook"
kind = "webhook"
url = "{url}"
secret = "{SECRET}"
headers = {{ "X-Team" = "cloud" }}

[[routes]]
match = {{ integration = "ingest" }}
to = ["hook"]
"#,
        url = destination.url
    )
}

#[tokio::test]
async fn routed_event_is_delivered_signed_with_an_idempotency_key() {
    for backend in backends() {
        let destination = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&destination, "")).await;
        let (_, answer) = app
            .post_hook("ingest", r#"{"type":"deploy","service":"api"}"#, &[AUTH])
            .await;
        let event_id = answer["id"].as_str().unwrap().to_owned();
        // An event no route matches goes nowhere.
        app.post_hook("quiet", r#"{"type":"deploy"}"#, &[AUTH])
            .await;

        let received = destination.wait_for(1).await;
        let request = &received[0];
        let key = format!("{event_id}.hook");
        assert_eq!(request.header("webhook-id"), key);
        assert_eq!(request.header("idempotency-key"), key);
        assert_eq!(request.header("x-team"), "cloud");
        assert_eq!(request.header("content-type"), "application/json");
        signing::verify(
            &[SECRET.to_owned()],
            Some(request.header("webhook-id")),
            Some(request.header("webhook-timestamp")),
            Some(request.header("webhook-signature")),
            &request.body,
            app.clock.now(),
        )
        .expect("the signature verifies with the destination's secret");
        let body = request.json();
        assert_eq!(body["type"], "event.received");
        assert_eq!(body["data"]["id"], event_id.as_str());
        assert_eq!(body["data"]["kind"], "deploy");
        assert_eq!(body["data"]["payload"]["service"], "api");

        let items = app
            .wait_for_notifications("state=delivered", |items| items.len() == 1)
            .await;
        assert_eq!(items[0]["attempts"], 1);
        assert_eq!(items[0]["last_status"], 200);
        assert_eq!(destination.received().len(), 1);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_failed_attempt_is_retried_once_and_delivered_once() {
    for backend in backends() {
        let destination = Destination::start().await;
        destination.respond_with(500, &[]);
        let app = TestApp::spawn(backend, &config(&destination, "")).await;
        app.post_hook("ingest", r#"{"n":1}"#, &[AUTH]).await;
        destination.wait_for(1).await;
        let items = app
            .wait_for_notifications("state=retrying", |items| items.len() == 1)
            .await;
        assert_eq!(items[0]["last_status"], 500);
        assert_eq!(items[0]["last_error"], "HTTP 500: ok");
        // The first retry is due within one second (equal jitter on a 1 s step).
        app.advance(1);
        destination.wait_for(2).await;
        app.wait_for_notifications("state=delivered", |items| items.len() == 1)
            .await;
        let received = destination.received();
        assert_eq!(received.len(), 2);
        assert_eq!(
            received[0].header("webhook-id"),
            received[1].header("webhook-id"),
            "same key on retry"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn retry_after_is_honoured() {
    for backend in backends() {
        let destination = Destination::start().await;
        destination.respond_with(429, &[("retry-after", "120")]);
        let app = TestApp::spawn(backend, &config(&destination, "")).await;
        let first_attempt = app.clock.now();
        app.post_hook("ingest", r#"{"n":1}"#, &[AUTH]).await;
        destination.wait_for(1).await;
        let items = app
            .wait_for_notifications("state=retrying", |items| items.len() == 1)
            .await;
        let next: jiff::Timestamp = items[0]["next_attempt_at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            next.duration_since(first_attempt).as_secs() >= 120,
            "next attempt {next} is earlier than asked"
        );
        app.advance(119);
        // Nothing is due yet: once the worker has done all it has due now, nothing more was sent.
        app.idle().await;
        assert_eq!(destination.received().len(), 1);
        app.advance(1);
        destination.wait_for(2).await;
        app.wait_for_notifications("state=delivered", |items| items.len() == 1)
            .await;
        app.stop().await;
    }
}

/// `TestApp::idle` waits for what is due: once it returns, a routed event has reached its
/// destination and the outcome is recorded, with no polling. The destination answers slowly,
/// so a claimed job is seen in hand, not done. A retry due later is a timer: idle does not
/// wait for it, and waits for it again once the clock makes it due.
#[tokio::test]
async fn idle_returns_once_due_work_is_done_and_not_for_later_timers() {
    for backend in backends() {
        let destination = Destination::start().await;
        destination.delay_answers(Duration::from_millis(300));
        let app = TestApp::spawn(backend, &config(&destination, "")).await;
        app.post_hook("ingest", r#"{"n":1}"#, &[AUTH]).await;
        app.idle().await;
        assert_eq!(destination.received().len(), 1);
        let delivered = app.get("/api/v1/notifications?state=delivered").await;
        assert_eq!(
            delivered["items"].as_array().unwrap().len(),
            1,
            "{delivered}"
        );

        // Answered "later": the retry two minutes away does not hold idle up, nor does the
        // event queued behind it for the same destination (it waits for the retry, in order).
        destination.respond_with(429, &[("retry-after", "120")]);
        app.post_hook("ingest", r#"{"n":2}"#, &[AUTH]).await;
        app.idle().await;
        assert_eq!(destination.received().len(), 2);
        app.post_hook("ingest", r#"{"n":3}"#, &[AUTH]).await;
        app.idle().await;
        assert_eq!(destination.received().len(), 2);
        let retrying = app.get("/api/v1/notifications?state=retrying").await;
        assert_eq!(retrying["items"].as_array().unwrap().len(), 1, "{retrying}");
        app.advance(120);
        app.idle().await;
        assert_eq!(destination.received().len(), 4);
        let delivered = app.get("/api/v1/notifications?state=delivered").await;
        assert_eq!(
            delivered["items"].as_array().unwrap().len(),
            3,
            "{delivered}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_destinations_redirect_is_not_followed() {
    for backend in backends() {
        let destination = Destination::start().await;
        let elsewhere = Destination::start().await;
        destination.respond_with(307, &[("location", &elsewhere.url)]);
        let app = TestApp::spawn(backend, &config(&destination, "")).await;
        app.post_hook("ingest", r#"{"n":1}"#, &[AUTH]).await;
        let items = app
            .wait_for_notifications("state=dead", |items| items.len() == 1)
            .await;
        assert_eq!(items[0]["last_status"], 307);
        let error = items[0]["last_error"].as_str().unwrap();
        assert!(error.contains("redirects are not followed"), "{error}");
        assert!(error.contains(&elsewhere.url), "{error}");
        assert!(elsewhere.received().is_empty());
        app.stop().await;
    }
}

#[tokio::test]
async fn a_refusal_is_a_dead_letter_at_once() {
    for backend in backends() {
        let destination = Destination::start().await;
        destination.respond_with(404, &[]);
        let app = TestApp::spawn(backend, &config(&destination, "")).await;
        app.post_hook("ingest", r#"{"n":1}"#, &[AUTH]).await;
        let items = app
            .wait_for_notifications("state=dead", |items| items.len() == 1)
            .await;
        assert_eq!(items[0]["last_status"], 404);
        assert!(
            items[0]["last_error"]
                .as_str()
                .unwrap()
                .starts_with("refused by the destination")
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_destination_down_past_the_window_gets_the_message_after_redrive() {
    for backend in backends() {
        let destination = Destination::start().await;
        for _ in 0..50 {
            destination.respond_with(503, &[]);
        }
        let app = TestApp::spawn(backend, &config(&destination, "")).await;
        app.post_hook("ingest", r#"{"n":1}"#, &[AUTH]).await;
        // Walk the clock through the one-hour window, one retry at a time.
        let mut attempts = 1;
        loop {
            destination.wait_for(attempts).await;
            let items = app
                .wait_for_notifications("", |items| {
                    items.len() == 1 && items[0]["attempts"] == attempts
                })
                .await;
            if items[0]["state"] == "dead" {
                assert!(
                    items[0]["last_error"]
                        .as_str()
                        .unwrap()
                        .starts_with("gave up after"),
                    "{items:?}"
                );
                break;
            }
            assert_eq!(items[0]["state"], "retrying");
            let next: jiff::Timestamp = items[0]["next_attempt_at"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            app.clock.set(next);
            attempts += 1;
            assert!(attempts < 40, "never became a dead letter");
        }
        let seen = destination.received().len();
        // The destination is back; the dead letter goes out on re-drive, via the CLI.
        destination.clear_script();
        let dead = app.get("/api/v1/notifications?state=dead").await;
        let id = dead["items"][0]["id"].as_i64().unwrap();
        let output = crate::cli::client(
            &["notifications", "dead-letters"],
            &app.url,
            &app.admin_token,
        )
        .await;
        assert!(output.status.success(), "{output:?}");
        let listing = String::from_utf8_lossy(&output.stdout);
        assert!(listing.contains("gave up after"), "{listing}");
        let output = crate::cli::client(
            &["notifications", "redrive", &id.to_string()],
            &app.url,
            &app.admin_token,
        )
        .await;
        assert!(output.status.success(), "{output:?}");
        destination.wait_for(seen + 1).await;
        app.wait_for_notifications("state=delivered", |items| items.len() == 1)
            .await;
        // Re-driving something that is not dead is a conflict.
        let (status, body) = app
            .api(
                reqwest::Method::POST,
                &format!("/api/v1/notifications/{id}/redrive"),
                Some(&app.admin_token),
            )
            .await;
        assert_eq!(status, 409, "{body}");
        app.stop().await;
    }
}

#[tokio::test]
async fn order_per_destination_holds_through_retries() {
    for backend in backends() {
        let destination = Destination::start().await;
        destination.respond_with(500, &[]);
        destination.respond_with(500, &[]);
        let app = TestApp::spawn(backend, &config(&destination, "")).await;
        let mut ids = Vec::new();
        for n in 0..5 {
            let (_, answer) = app
                .post_hook("ingest", &format!(r#"{{"n":{n}}}"#), &[AUTH])
                .await;
            ids.push(answer["id"].as_str().unwrap().to_owned());
        }
        destination.wait_for(1).await;
        // While the first message waits to retry, none behind it is sent.
        app.wait_for_notifications("state=retrying", |items| items.len() == 1)
            .await;
        assert_eq!(destination.received().len(), 1);
        app.advance(1);
        destination.wait_for(2).await;
        app.wait_for_notifications("state=retrying", |items| {
            items.len() == 1 && items[0]["attempts"] == 2
        })
        .await;
        app.advance(2);
        destination.wait_for(7).await;
        app.wait_for_notifications("state=delivered", |items| items.len() == 5)
            .await;
        let delivered: Vec<String> = destination
            .received()
            .iter()
            .map(|r| r.json()["data"]["id"].as_str().unwrap().to_owned())
            .collect();
        let mut distinct = delivered.clone();
        distinct.dedup();
        assert_eq!(
            distinct, ids,
            "messages arrive in the order they were accepted"
        );
        assert_eq!(delivered.len(), 7);
        app.stop().await;
    }
}

impl Destination {
    pub fn clear_script(&self) {
        while self.pop_script().is_some() {}
    }
}
