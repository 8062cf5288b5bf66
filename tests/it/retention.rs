//! `[retention]` (issue 37) on both backends, on a controlled clock: the demo's 90 days of
//! history written with everything kept, then the clock moved past each retention. Past
//! `payload_days` the events keep their facts and lose their headers and body (the API says
//! when, the page says why, the download answers 410); past `finished_job_days` the sent
//! notifications go; past `event_days` the events go. Throughout, DORA, the operations
//! report, deployments, changes, incident timelines and post-mortems answer exactly as
//! before, the audit log is whole, the rows pruned are counted in `/metrics`, and SQLite gives
//! the space back.

use std::time::Duration;

use firewatch::store::{EventFilter, NotificationFilter, NotificationState};
use jiff::Timestamp;
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{TestApp, backends};
use crate::web::Browser;

const KEEP_EVERYTHING: &str = "
[retention]
payload_days = 0
event_days = 0
finished_job_days = 0
dead_letter_days = 0
";

const DAY: i64 = 24 * 3600;

/// What the reports and records answer for the history's window.
#[derive(Debug, Clone, PartialEq)]
struct Facts {
    dora: Value,
    ops: Value,
    deployments: Value,
    changes: Value,
    incidents: Vec<(Value, Value, Value)>,
}

impl Facts {
    /// The same answers, but for the lists' `now`; names the first that differs.
    fn assert_same(&self, before: &Facts, when: &str) {
        let (after, before) = (self.without_now(), before.without_now());
        for (name, a, b) in [
            ("dora", &after.dora, &before.dora),
            ("ops", &after.ops, &before.ops),
            ("deployments", &after.deployments, &before.deployments),
            ("changes", &after.changes, &before.changes),
        ] {
            assert_eq!(a, b, "{when}: {name}");
        }
        assert_eq!(after.incidents.len(), before.incidents.len(), "{when}");
        for (a, b) in after.incidents.iter().zip(&before.incidents) {
            assert_eq!(a.0, b.0, "{when}: an incident");
            assert_eq!(a.1, b.1, "{when}: an incident's timeline");
            assert_eq!(a.2, b.2, "{when}: an incident's post-mortem");
        }
    }

    /// Without the lists' `now` (the time of the answer), for answers read minutes apart.
    fn without_now(&self) -> Facts {
        let mut facts = self.clone();
        for list in [&mut facts.changes, &mut facts.deployments] {
            for item in list["items"].as_array_mut().into_iter().flatten() {
                if let Some(object) = item.as_object_mut() {
                    object.remove("now");
                }
            }
        }
        facts
    }

    async fn read(app: &TestApp, from: Timestamp, to: Timestamp) -> Facts {
        let window = format!("from={from}&to={to}");
        let incidents = app.get("/api/v1/incidents?state=all&limit=200").await;
        let mut each = Vec::new();
        for incident in incidents["items"].as_array().expect("incidents") {
            let id = incident["id"].as_str().expect("id");
            let timeline = app.get(&format!("/api/v1/incidents/{id}/timeline")).await;
            let (_, postmortem) = app
                .api(
                    reqwest::Method::GET,
                    &format!("/api/v1/incidents/{id}/postmortem"),
                    Some(&app.admin_token),
                )
                .await;
            each.push((incident.clone(), timeline, postmortem));
        }
        Facts {
            dora: app.get(&format!("/api/v1/metrics/dora?{window}")).await,
            ops: app.get(&format!("/api/v1/metrics/ops?{window}")).await,
            deployments: app.get("/api/v1/deployments?limit=500").await,
            changes: app.get("/api/v1/changes?limit=200").await,
            incidents: each,
        }
    }
}

async fn history_events(app: &TestApp, until: Timestamp) -> Vec<firewatch::store::StoredEvent> {
    let events = app
        .store
        .list_events(&EventFilter {
            limit: 1_000_000,
            ..EventFilter::default()
        })
        .await
        .expect("events");
    events
        .into_iter()
        .filter(|event| event.received_at <= until)
        .collect()
}

/// Waits (the maintenance loop prunes in the background) until `done` holds.
async fn until<F, Fut>(what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !done().await {
        assert!(std::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn pruned_rows(metrics: &str, kind: &str) -> f64 {
    let prefix = format!("firewatch_retention_pruned_rows_total{{kind=\"{kind}\"}} ");
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0.0)
}

/// Notifications the history sent (finished by `until`).
async fn delivered(app: &TestApp, until: Timestamp) -> usize {
    app.store
        .list_notifications(&NotificationFilter {
            state: Some(NotificationState::Delivered),
            limit: 1_000_000,
            ..NotificationFilter::default()
        })
        .await
        .expect("notifications")
        .iter()
        .filter(|notification| notification.finished_at.is_some_and(|at| at <= until))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_each_retention_the_rows_go_and_the_kept_facts_answer_as_before() {
    for backend in backends() {
        let now: Timestamp = "2026-11-30T12:00:00Z".parse().unwrap();
        let sink = firewatch::demo::Sink::start().await.unwrap();
        let demo = firewatch::demo::config_text(&sink.url, "http://firewatch.example");
        let start = firewatch::demo::start_of(now);
        let app = TestApp::spawn_at(backend, &format!("{demo}{KEEP_EVERYTHING}"), start).await;
        let made = firewatch::demo::write_history(&app.store, &app.clock, &app.url, now)
            .await
            .unwrap();
        // A month on with everything kept: the timers due in it fire, and this is what
        // the reports and records say then.
        app.advance(31 * DAY);
        app.idle().await;
        assert!(made.incidents > 0 && made.postmortems > 0 && made.deployments > 0);
        let before = Facts::read(&app, start, now).await;
        let history = history_events(&app, now).await;
        assert!(history.len() > 1000, "{} events", history.len());
        assert!(
            history
                .iter()
                .all(|event| event.payload_pruned_at.is_none())
        );
        let sent = delivered(&app, now).await;
        assert!(sent > 100, "{sent} notifications sent");
        let audit_before = firewatch::accounts::audit::verify(&app.store)
            .await
            .expect("the audit chain");
        let bytes_before = app.store.database_bytes().await.unwrap();

        // The defaults by a reload: payload_days (30) and finished_job_days (7) are past, and
        // the next pass of the store's housekeeping (every 10 minutes) prunes.
        app.set_config(&demo);
        app.advance(11 * 60);
        until("every payload of the history pruned", || async {
            history_events(&app, now)
                .await
                .iter()
                .all(|event| event.payload_pruned_at.is_some())
        })
        .await;
        until("the sent notifications pruned", || async {
            delivered(&app, now).await <= 1
        })
        .await;
        let pruned = history_events(&app, now).await;
        assert_eq!(pruned.len(), history.len(), "the events themselves stay");
        for event in &pruned {
            assert!(event.body.is_empty(), "{}", event.id);
            assert_eq!(event.headers, "{}");
        }
        // The forge facts read from the payloads stay with the events.
        let normalized = |events: &[firewatch::store::StoredEvent]| {
            events.iter().filter(|e| e.normalized.is_some()).count()
        };
        assert_eq!(normalized(&pruned), normalized(&history));
        Facts::read(&app, start, now)
            .await
            .assert_same(&before, "with the payloads and sent notifications pruned");

        // What a person sees of a pruned event.
        let old = &pruned[pruned.len() / 2];
        let detail = app.get(&format!("/api/v1/events/{}", old.id)).await;
        assert_eq!(detail["payload"], Value::Null);
        assert_eq!(detail["headers"], serde_json::json!({}));
        assert!(detail["payload_pruned_at"].is_string(), "{detail}");
        let mut browser = Browser::new(&app);
        let signed = browser
            .sign_in(firewatch::demo::USER, firewatch::demo::PASSWORD)
            .await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
        let page = browser.get(&format!("/events/{}", old.id)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("payload_days = 30 keeps them no longer"),
            "{}",
            page.body
        );
        assert!(
            page.body
                .contains("sent notifications are removed after 7 days"),
            "{}",
            page.body
        );
        let raw = browser.get(&format!("/events/{}/raw", old.id)).await;
        assert_eq!(raw.status, StatusCode::GONE);
        assert!(raw.body.contains("payload_days = 30"), "{}", raw.body);

        if backend == crate::support::Backend::Sqlite {
            // A new database is made with auto_vacuum = incremental: the bodies' pages went
            // back to the file system.
            let bytes_after = app.store.database_bytes().await.unwrap();
            assert!(
                bytes_after < bytes_before,
                "{bytes_after} bytes after pruning, {bytes_before} before"
            );
            println!("SQLite: {bytes_before} bytes before, {bytes_after} after the payloads");
        }

        // Past event_days (365): a pass a year on (its time passed in, the app's clock
        // left where it is) removes the history's events; what was made from them stays.
        let later =
            firewatch::clock::Clock::now(&app.clock) + jiff::SignedDuration::from_hours(24 * 340);
        let retention = firewatch::config::Config::parse(&demo, &|_| None)
            .expect("the demo's config")
            .0
            .retention();
        let pass = firewatch::store::maintenance::prune(&app.store, retention, later)
            .await
            .unwrap();
        // Left: the forge events the incidents' "what changed" lists (a day before each).
        let left = history_events(&app, now).await;
        assert_eq!(pass.events as usize, history.len() - left.len(), "{pass:?}");
        assert!(
            left.len() < history.len() / 2,
            "{} of {} left",
            left.len(),
            history.len()
        );
        assert!(left.iter().all(|event| event.normalized.is_some()));
        println!(
            "{backend:?}: of {} events, {} pruned a year on, {} kept for the incidents",
            history.len(),
            pass.events,
            left.len()
        );
        Facts::read(&app, start, now)
            .await
            .assert_same(&before, "with the history's events pruned");
        let audit_after = firewatch::accounts::audit::verify(&app.store)
            .await
            .expect("the audit chain, whole");
        assert!(
            audit_after >= audit_before,
            "{audit_after} < {audit_before}"
        );

        let metrics = app.metrics().await;
        assert!(pruned_rows(&metrics, "payloads") >= (history.len() - 1) as f64);
        assert!(pruned_rows(&metrics, "finished_jobs") >= (sent - 1) as f64);
        let size = metrics
            .lines()
            .find_map(|line| line.strip_prefix("firewatch_database_bytes "))
            .and_then(|value| value.trim().parse::<f64>().ok())
            .expect("firewatch_database_bytes");
        assert!(size > 0.0);
        drop(sink);
    }
}
