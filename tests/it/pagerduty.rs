//! PagerDuty Events API v2 conformance: PagerDuty's published examples sent to `/v2/enqueue`
//! and `/hooks/{pagerduty integration}` are answered as PagerDuty answers them (202 with
//! `status`, `message`, `dedup_key`; 400 with `errors`), fold into one alert per `dedup_key`,
//! and notify each change once. A real PagerDuty client, Alertmanager's `pagerduty_configs`,
//! pages Firewatch by URL alone.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::alerts::{Alertmanager, prometheus_alert};
use crate::support::{Destination, TestApp, backends};

const ROUTING_KEY: &str = "e93facc04764012d7bfb002500d5d1a6";

fn config(chat: &Destination) -> String {
    format!(
        r#"
[[integrations]]
name = "pd"
kind = "pagerduty"
routing_key = "{ROUTING_KEY}"
service = "datapipe"

[[destinations]]
name = "team-chat"
kind = "webhook"
url = "{}"

[[routes]]
match = {{ kind = "alert", source = "pagerduty" }}
to = ["team-chat"]
"#,
        chat.url
    )
}

/// PagerDuty's "Send an alert event" example, verbatim.
fn trigger() -> Value {
    json!({
      "payload": {
        "summary": "DISK at 99% on machine prod-datapipe03.example.com",
        "timestamp": "2015-07-17T08:42:58.315+0000",
        "severity": "critical",
        "source": "prod-datapipe03.example.com",
        "component": "mysql",
        "group": "prod-datapipe",
        "class": "disk",
        "custom_details": {
          "free space": "1%",
          "ping time": "1500ms",
          "load avg": 0.75
        }
      },
      "routing_key": ROUTING_KEY,
      "dedup_key": "srv01/mysql",
      "event_action": "trigger",
      "client": "Sample Monitoring Service",
      "client_url": "https://monitoring.service.com",
      "links": [
        {
          "href": "http://acme.pagerduty.com",
          "text": "View the incident on PagerDuty"
        }
      ],
      "images": [
        {
          "src": "https://chart.googleapis.com/chart?chs=600x400&chd=t:6,2,9,5,2,5,7,4,8,2,1&cht=lc&chds=a&chxt=y&chm=D,0033FF,0,0,5,1",
          "href": "https://google.com",
          "alt": "An example link with an image"
        }
      ]
    })
}

fn action(event_action: &str, dedup_key: &str) -> Value {
    json!({"routing_key": ROUTING_KEY, "dedup_key": dedup_key, "event_action": event_action})
}

async fn enqueue(app: &TestApp, body: &Value) -> (StatusCode, Value) {
    app.post_json("/v2/enqueue", &body.to_string(), &[]).await
}

/// The change and state of each notice received so far.
fn notices(chat: &Destination) -> Vec<String> {
    chat.received()
        .iter()
        .map(|r| {
            let body = r.json();
            format!(
                "{} {}",
                body["data"]["payload"]["change"].as_str().unwrap_or("?"),
                body["data"]["payload"]["alert"]["summary"]
                    .as_str()
                    .unwrap_or("?")
            )
        })
        .collect()
}

#[tokio::test]
async fn the_documented_events_fold_into_one_alert_and_notify_each_change_once() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat)).await;

        let (status, answer) = enqueue(&app, &trigger()).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        assert_eq!(answer["status"], "success");
        assert_eq!(answer["message"], "Event processed");
        assert_eq!(answer["dedup_key"], "srv01/mysql");
        chat.wait_for(1).await;
        // A repeated trigger is the same alert: answered, not notified again.
        let (status, answer) = enqueue(&app, &trigger()).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        assert_eq!(answer["dedup_key"], "srv01/mysql");

        let (status, answer) = enqueue(&app, &action("acknowledge", "srv01/mysql")).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        assert_eq!(answer["dedup_key"], "srv01/mysql");
        chat.wait_for(2).await;
        let (status, _) = enqueue(&app, &action("resolve", "srv01/mysql")).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        chat.wait_for(3).await;
        // Resolving again, or resolving what never fired, is accepted and changes nothing.
        assert_eq!(
            enqueue(&app, &action("resolve", "srv01/mysql")).await.0,
            StatusCode::ACCEPTED
        );
        assert_eq!(
            enqueue(&app, &action("resolve", "never-fired")).await.0,
            StatusCode::ACCEPTED
        );
        app.idle().await;
        let summary = "DISK at 99% on machine prod-datapipe03.example.com";
        assert_eq!(
            notices(&chat),
            [
                format!("fired {summary}"),
                format!("acknowledged {summary}"),
                format!("resolved {summary}"),
            ]
        );

        let listed = app.get("/api/v1/alerts").await;
        let items = listed["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{listed}");
        let alert = &items[0];
        assert_eq!(alert["fingerprint"], "srv01/mysql");
        assert_eq!(alert["integration"], "pd");
        assert_eq!(alert["state"], "resolved");
        assert_eq!(alert["severity"], "critical");
        assert_eq!(alert["service"], "datapipe");
        assert_eq!(alert["rule"], "disk");
        assert_eq!(alert["labels"]["source"], "prod-datapipe03.example.com");
        assert_eq!(alert["url"], "http://acme.pagerduty.com");
        assert_eq!(alert["acknowledged_by"], "pagerduty:pd");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_trigger_without_a_key_is_given_one_that_resolves_it() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat)).await;
        let mut body = trigger();
        body.as_object_mut().unwrap().remove("dedup_key");
        let (status, first) = enqueue(&app, &body).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let (_, second) = enqueue(&app, &body).await;
        let key = first["dedup_key"].as_str().unwrap();
        assert_eq!(key.len(), 32, "{first}");
        assert_ne!(
            first["dedup_key"], second["dedup_key"],
            "each is a new alert"
        );
        chat.wait_for(2).await;
        let (status, answer) = enqueue(&app, &action("resolve", key)).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        assert_eq!(answer["dedup_key"], key);
        chat.wait_for(3).await;
        let open = app.get("/api/v1/alerts?state=open").await;
        assert_eq!(open["items"].as_array().unwrap().len(), 1, "{open}");
        assert_eq!(open["items"][0]["fingerprint"], second["dedup_key"]);
        app.stop().await;
    }
}

#[tokio::test]
async fn invalid_events_get_pagerdutys_error_answer_and_store_nothing() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat)).await;

        // PagerDuty's documented 400 answer, word for word.
        let mut short_key = trigger();
        short_key["routing_key"] = json!("short");
        let (status, answer) = enqueue(&app, &short_key).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(answer["status"], "invalid event");
        assert_eq!(answer["message"], "Event object is invalid");
        assert_eq!(
            answer["errors"],
            json!(["Length of 'routing_key' is incorrect (should be 32 characters)"])
        );
        assert_eq!(answer["error"]["code"], "invalid_payload");

        let mut unknown = trigger();
        unknown["routing_key"] = json!("0123456789abcdef0123456789abcdef");
        let (status, answer) = enqueue(&app, &unknown).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            answer["errors"][0]
                .as_str()
                .unwrap()
                .contains("does not match any integration"),
            "{answer}"
        );

        let mut bad = trigger();
        bad["payload"]["severity"] = json!("sev1");
        bad["payload"].as_object_mut().unwrap().remove("source");
        bad["event_action"] = json!("trigger");
        let (status, answer) = enqueue(&app, &bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            answer["errors"],
            json!([
                "'payload.source' is missing or blank",
                "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')"
            ])
        );

        let (status, answer) = app.post_json("/v2/enqueue", "{\"routing_key\":", &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(answer["status"], "invalid event");
        assert_eq!(answer["error"]["code"], "invalid_json");

        let (status, answer) = app
            .post_json(
                "/v2/enqueue",
                &trigger().to_string(),
                &[("content-type", "text/plain")],
            )
            .await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(answer["error"]["code"], "unsupported_media_type");

        // The integration's own hook takes the same body and checks the key is its own.
        let (status, answer) = app.post_hook("pd", &unknown.to_string(), &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(answer["status"], "invalid event");
        let (status, answer) = app.post_hook("pd", &trigger().to_string(), &[]).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        assert_eq!(answer["dedup_key"], "srv01/mysql");
        // The worker may already have stored the alert's notice, an event of its own.
        let stored: Vec<String> = app
            .store
            .list_events(&firewatch::store::EventFilter {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_iter()
            .filter(|event| event.kind != firewatch::alerts::notices::NOTICE_KIND)
            .map(|event| format!("{} {}", event.integration, event.kind))
            .collect();
        assert_eq!(
            stored,
            ["pd pagerduty_event"],
            "only the valid event is stored"
        );
        app.stop().await;
    }
}

/// Alertmanager's own PagerDuty notifier, pointed at Firewatch: it triggers one alert per
/// group with its own dedup key, and resolves it when the group resolves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alertmanagers_pagerduty_notifier_pages_firewatch() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat)).await;
        let alertmanager = Alertmanager::start_with(&format!(
            r#"
    pagerduty_configs:
      - routing_key: {ROUTING_KEY}
        url: {}/v2/enqueue
        send_resolved: true
        severity: critical
"#,
            app.url
        ))
        .await;
        alertmanager
            .push(json!([
                prometheus_alert("api-1", None),
                prometheus_alert("api-2", None)
            ]))
            .await;
        chat.wait_for(1).await;
        let alerts = app.get("/api/v1/alerts?state=open").await;
        let items = alerts["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "one alert per Alertmanager group: {alerts}");
        assert_eq!(items[0]["severity"], "critical");
        assert!(
            items[0]["summary"]
                .as_str()
                .unwrap()
                .contains("HighLatency"),
            "{alerts}"
        );

        // The real Alertmanager reads the wall clock, so the resolve time must be real too.
        #[allow(clippy::disallowed_methods)]
        let now = jiff::Timestamp::now();
        alertmanager
            .push(json!([
                prometheus_alert("api-1", Some(now)),
                prometheus_alert("api-2", Some(now))
            ]))
            .await;
        chat.wait_for(2).await;
        let changes: Vec<String> = chat
            .received()
            .iter()
            .map(|r| {
                r.json()["data"]["payload"]["change"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(changes, ["fired", "resolved"]);
        app.stop().await;
    }
}

#[tokio::test]
async fn the_routing_key_is_never_stored_or_shown() {
    for backend in backends() {
        let chat = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&chat)).await;
        let (status, answer) = enqueue(&app, &trigger()).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        let id = answer["id"].as_str().unwrap().to_owned();

        let (status, event) = app
            .api(
                reqwest::Method::GET,
                &format!("/api/v1/events/{id}"),
                Some(&app.admin_token),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(event["payload"]["routing_key"], "[redacted]");
        assert_eq!(event["payload"]["dedup_key"], "srv01/mysql");
        let stored = firewatch::store::EventStore::get_event(&*app.store, &id)
            .await
            .unwrap();
        assert!(!String::from_utf8_lossy(&stored.body).contains(ROUTING_KEY));

        crate::web::add_user(&app, "viewer", firewatch::core::role::Role::Viewer).await;
        let mut browser = crate::web::Browser::new(&app);
        browser.sign_in("viewer", crate::web::PASSWORD).await;
        for path in [format!("/events/{id}"), format!("/events/{id}/raw")] {
            let page = browser.get(&path).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            assert!(!page.body.contains(ROUTING_KEY), "{path}: {}", page.body);
            assert!(page.body.contains("[redacted]"), "{path}");
        }
    }
}
