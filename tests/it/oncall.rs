//! On-call end to end on a controlled clock: a critical alert from Alertmanager's webhook
//! pages whoever the schedule has on call through their contact methods (a signed webhook,
//! ntfy, Twilio), the page's link shows a confirm page and only its POST acknowledges, which
//! stops the escalation for everyone; unacknowledged, the steps fire at their times, repeat,
//! survive a restart, and move on past a step that reaches nobody. A storm of one group is one
//! escalation, and the per-person throttle folds the rest into "…and N more". Overrides, who
//! is on call, shifts and the iCal feeds through the API.

use reqwest::StatusCode;
use serde_json::{Value, json};

use firewatch::clock::Clock as _;

use crate::alerts::{Alertmanager, TOKEN, prometheus_alert};
use crate::support::standins::{Ntfy, Twilio};
use crate::support::{Destination, TestApp, backends};

const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const TWILIO_TOKEN: &str = "twilio-auth-token";

pub struct Phones {
    pub andrew: Destination,
    pub gyeongjun: Destination,
    pub team: Destination,
    pub ntfy: Ntfy,
    pub twilio: Twilio,
}

impl Phones {
    pub async fn start() -> Phones {
        Phones {
            andrew: Destination::start().await,
            gyeongjun: Destination::start().await,
            team: Destination::start().await,
            ntfy: Ntfy::start().await,
            twilio: Twilio::start().await,
        }
    }

    /// The page notices the team channel got (not the alert notices it also hears).
    fn team_pages(&self) -> usize {
        self.team
            .received()
            .iter()
            .filter(|r| r.json()["data"]["kind"] == "page")
            .count()
    }
}

/// Andrew and Gyeongjun rotate weekly in Seoul from Monday 2 November 10:00 (the tests'
/// start), so Andrew is on call; the policy pages the schedule, then after 10 minutes
/// Gyeongjun and the team channel, twice over. `extra` is appended (more people, `[paging]`).
pub fn config(phones: &Phones, first_step: &str, extra: &str) -> String {
    format!(
        r#"
[[integrations]]
name = "prometheus"
kind = "alertmanager"
token = "{TOKEN}"
service = "api"

[[destinations]]
name = "team-chat"
kind = "webhook"
url = "{team}"

[[destinations]]
name = "twilio"
kind = "twilio"
account_sid = "AC00000000000000000000000000000001"
auth_token = "{TWILIO_TOKEN}"
from = "+15005550006"
api_url = "{twilio}"

[[people]]
id = "andrew"
name = "Andrew"
user = "andrew"
contacts = [
  {{ name = "phone", kind = "webhook", url = "{andrew}", secret = "{WEBHOOK_SECRET}" }},
  {{ name = "push", kind = "ntfy", url = "{ntfy}/andrew-pager" }},
  {{ name = "sms", kind = "twilio_sms", destination = "twilio", to = "+821012345678" }},
]
notify = [ {{ after = "0m", contact = "phone" }}, {{ after = "0m", contact = "push" }}, {{ after = "5m", contact = "sms" }} ]

[[people]]
id = "gyeongjun"
name = "Gyeongjun"
contacts = [ {{ name = "phone", kind = "webhook", url = "{gyeongjun}" }} ]

[[teams]]
id = "cloud"
members = ["andrew", "gyeongjun"]
channel = "team-chat"

[[schedules]]
id = "cloud-primary"
timezone = "Asia/Seoul"
[[schedules.layers]]
rotation = "weekly"
handoff = "mon 10:00"
start = "2026-11-02"
members = ["andrew", "gyeongjun"]

[[schedules]]
id = "weekends"
timezone = "Asia/Seoul"
[[schedules.layers]]
rotation = "daily"
handoff = "00:00"
start = "2026-11-01"
members = ["andrew"]
restrict = [ {{ days = "sat,sun", from = "00:00", to = "24:00" }} ]

[[escalation_policies]]
id = "cloud-default"
repeat = 1
steps = [
  {{ after = "0m", notify = ["{first_step}"] }},
  {{ after_minutes = 10, notify = ["person:gyeongjun", "team:cloud"] }},
]

[[services]]
id = "api"
team = "cloud"
escalation_policy = "cloud-default"
{extra}
"#,
        team = phones.team.url,
        twilio = phones.twilio.api_url,
        andrew = phones.andrew.url,
        gyeongjun = phones.gyeongjun.url,
        ntfy = phones.ntfy.origin,
    )
}

/// An Alertmanager webhook (v4) for one group of `alertname` with `count` firing alerts.
pub fn storm(alertname: &str, count: usize, status: &str) -> String {
    let alerts: Vec<Value> = (0..count)
        .map(|n| {
            json!({
                "status": status,
                "labels": {"alertname": alertname, "instance": format!("api-{n}:9090"), "severity": "critical"},
                "annotations": {"summary": format!("{alertname} on api-{n}")},
                "startsAt": "2026-11-02T00:59:00Z",
                "endsAt": if status == "resolved" { "2026-11-02T01:00:30Z" } else { "0001-01-01T00:00:00Z" },
                "generatorURL": "http://prometheus:9090/graph",
                "fingerprint": format!("{alertname}-{n}"),
            })
        })
        .collect();
    json!({
        "version": "4",
        "groupKey": format!("{{}}:{{alertname=\"{alertname}\"}}"),
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "firewatch",
        "groupLabels": {"alertname": alertname},
        "commonLabels": {"alertname": alertname, "severity": "critical"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "alerts": alerts,
    })
    .to_string()
}

pub async fn fire(app: &TestApp, body: &str) {
    let status = crate::alerts::post(app, body).await;
    assert_eq!(status, StatusCode::ACCEPTED);
}

pub async fn alert_ids(app: &TestApp) -> Vec<String> {
    let listed = app.get("/api/v1/alerts?limit=100").await;
    listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|alert| alert["id"].as_str().unwrap().to_owned())
        .collect()
}

pub async fn escalation(app: &TestApp, alert: &str) -> Value {
    let detail = app.get(&format!("/api/v1/alerts/{alert}")).await;
    detail["escalations"][0].clone()
}

/// The `/a/{token}` path of a page's acknowledge link, for this app's address.
pub fn link_path(page: &Value) -> String {
    let url = page["data"]["acknowledge_url"].as_str().expect("a link");
    url[url.find("/a/").expect("an /a/ link")..].to_owned()
}

#[tokio::test]
async fn a_critical_alert_pages_whoever_is_on_call_and_the_links_confirm_page_stops_it() {
    for backend in backends() {
        let phones = Phones::start().await;
        let app = TestApp::spawn(backend, &config(&phones, "schedule:cloud-primary", "")).await;
        fire(&app, &storm("HighErrorRate", 1, "firing")).await;

        // Andrew's immediate rules: the signed webhook and the ntfy push.
        let page = phones.andrew.wait_for(1).await[0].clone();
        let body = page.json();
        assert_eq!(body["type"], "page");
        assert_eq!(body["data"]["person"], "andrew");
        assert_eq!(body["data"]["severity"], "critical");
        assert_eq!(body["data"]["service"], "api");
        let alert = alert_ids(&app).await.remove(0);
        assert_eq!(body["data"]["alert_id"], alert.as_str());
        assert!(
            body["data"]["resolve_url"]
                .as_str()
                .unwrap()
                .contains("action=resolve")
        );
        firewatch::core::signing::verify(
            &[WEBHOOK_SECRET.to_owned()],
            Some(page.header("webhook-id")),
            Some(page.header("webhook-timestamp")),
            Some(page.header("webhook-signature")),
            &page.body,
            app.clock.now(),
        )
        .expect("the page is signed with the contact's secret");
        let push = phones.ntfy.wait_for(1).await[0].json();
        assert_eq!(push["topic"], "andrew-pager");
        assert_eq!(push["priority"], 5);
        assert_eq!(push["actions"][0]["action"], "http");
        assert_eq!(push["actions"][0]["label"], "Acknowledge");
        assert!(push["actions"][0]["url"].as_str().unwrap().contains("/a/"));

        // The SMS rule waits five minutes; it carries the link too.
        app.advance(300);
        let sms = phones.twilio.wait_for(1).await[0].clone();
        assert_eq!(sms.field("To").as_deref(), Some("+821012345678"));
        assert!(
            sms.field("Body").unwrap().contains("/a/"),
            "{:?}",
            sms.field("Body")
        );

        // Opening the link (as a chat app's preview does) only shows the confirm page.
        let path = link_path(&body);
        let opened = app
            .http
            .get(format!("{}{path}", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(opened.status(), StatusCode::OK);
        let html = opened.text().await.unwrap();
        assert!(html.contains("Acknowledge this page?"), "{html}");
        assert!(html.contains("HighErrorRate on api-0"), "{html}");
        assert_eq!(escalation(&app, &alert).await["state"], "active");

        let confirmed = app
            .http
            .post(format!("{}{path}", app.url))
            .form(&[("action", "acknowledge")])
            .send()
            .await
            .unwrap();
        assert_eq!(confirmed.status(), StatusCode::OK);
        assert!(
            confirmed
                .text()
                .await
                .unwrap()
                .contains("nobody else will be paged")
        );
        let stopped = escalation(&app, &alert).await;
        assert_eq!(stopped["state"], "acknowledged");
        assert_eq!(stopped["acknowledged_by"], "Andrew (page link)");
        let detail = app.get(&format!("/api/v1/alerts/{alert}")).await;
        assert_eq!(detail["state"], "acknowledged");
        assert_eq!(detail["acknowledged_by"], "Andrew (page link)");
        // The audit log has the page's and the alert's acknowledgement, from the link.
        let audit = app.get("/api/v1/audit").await;
        let audit: Vec<(&str, &str, &str)> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["action"].as_str().unwrap(),
                    e["actor"].as_str().unwrap(),
                    e["channel"].as_str().unwrap(),
                )
            })
            .collect();
        assert!(
            audit.contains(&("page.acknowledge", "Andrew (page link)", "link"))
                && audit.contains(&("alert.acknowledge", "Andrew (page link)", "link")),
            "{audit:?}"
        );

        // The next step's time comes and goes: nobody else is paged.
        app.advance(600);
        app.idle().await;
        assert_eq!(phones.gyeongjun.received().len(), 0);
        assert_eq!(phones.team_pages(), 0);
        assert_eq!(phones.andrew.received().len(), 1);

        // A used link is gone, with a sentence.
        let again = app
            .http
            .post(format!("{}{path}", app.url))
            .form(&[("action", "acknowledge")])
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::GONE);
        assert!(again.text().await.unwrap().contains("already used"));
        let unknown = app
            .http
            .get(format!("{}/a/not-a-token", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

        let pages = app.get(&format!("/api/v1/pages?alert={alert}")).await;
        let pages: Vec<String> = pages["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "{} {} step={} {} by={}",
                    p["person"].as_str().unwrap(),
                    p["contact"].as_str().unwrap(),
                    p["step"],
                    p["state"].as_str().unwrap(),
                    p["acknowledged_by"].as_str().unwrap_or("-")
                )
            })
            .collect();
        assert_eq!(
            pages,
            [
                "andrew phone step=0 sent by=Andrew (page link)",
                "andrew push step=0 sent by=Andrew (page link)",
                "andrew sms step=0 sent by=Andrew (page link)",
            ]
        );
        app.stop().await;
    }
}

/// Debian's real Alertmanager (`prometheus-alertmanager`) sends a critical alert to
/// Firewatch's webhook: Andrew, on call, is paged on his signed webhook, his ntfy topic and
/// (five minutes on) by Twilio SMS; opening the page's link only shows the confirm page, POSTing
/// it acknowledges, and the next step's time then pages nobody else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_alertmanager_pages_the_on_call_person_everywhere_until_the_link_is_confirmed() {
    for backend in backends() {
        let phones = Phones::start().await;
        let app = TestApp::spawn(backend, &config(&phones, "schedule:cloud-primary", "")).await;
        let alertmanager = Alertmanager::start(&app.url).await;
        alertmanager
            .push(json!([prometheus_alert("api-1", None)]))
            .await;

        let webhook = phones.andrew.wait_for(1).await[0].json();
        assert_eq!(webhook["type"], "page");
        assert_eq!(webhook["data"]["person"], "andrew");
        assert_eq!(webhook["data"]["severity"], "critical");
        let alert = alert_ids(&app).await.remove(0);
        assert_eq!(webhook["data"]["alert_id"], alert.as_str());
        let detail = app.get(&format!("/api/v1/alerts/{alert}")).await;
        assert_eq!(detail["integration"], "prometheus");
        // Alertmanager's own group and fingerprint identify the alert.
        assert!(
            detail["group_key"]
                .as_str()
                .unwrap()
                .contains("HighLatency")
        );
        assert_eq!(detail["fingerprint"].as_str().unwrap().len(), 16);
        let push = phones.ntfy.wait_for(1).await[0].json();
        assert_eq!(push["topic"], "andrew-pager");
        assert_eq!(push["actions"][0]["label"], "Acknowledge");
        assert!(push["actions"][0]["url"].as_str().unwrap().contains("/a/"));

        // The SMS rule waits five minutes of the app's clock.
        app.idle().await;
        assert_eq!(phones.twilio.received().len(), 0);
        app.advance(300);
        let sms = phones.twilio.wait_for(1).await[0].clone();
        assert!(sms.path.ends_with("/Messages.json"), "{}", sms.path);
        assert_eq!(sms.field("To").as_deref(), Some("+821012345678"));
        assert!(sms.field("Body").unwrap().contains("/a/"));

        // Opening the link shows what would be acknowledged, and acknowledges nothing.
        let path = link_path(&webhook);
        let opened = app
            .http
            .get(format!("{}{path}", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(opened.status(), StatusCode::OK);
        let html = opened.text().await.unwrap();
        assert!(html.contains("Acknowledge this page?"), "{html}");
        assert!(html.contains("p99 above 500 ms on api-1"), "{html}");
        app.idle().await;
        assert_eq!(escalation(&app, &alert).await["state"], "active");
        assert_eq!(
            app.get(&format!("/api/v1/alerts/{alert}")).await["state"],
            "firing"
        );

        let confirmed = app
            .http
            .post(format!("{}{path}", app.url))
            .form(&[("action", "acknowledge")])
            .send()
            .await
            .unwrap();
        assert_eq!(confirmed.status(), StatusCode::OK);
        assert!(
            confirmed
                .text()
                .await
                .unwrap()
                .contains("nobody else will be paged")
        );
        let stopped = escalation(&app, &alert).await;
        assert_eq!(stopped["state"], "acknowledged");
        assert_eq!(stopped["acknowledged_by"], "Andrew (page link)");
        assert_eq!(
            app.get(&format!("/api/v1/alerts/{alert}")).await["state"],
            "acknowledged"
        );

        // Past the second step's time (10 minutes): Gyeongjun and the team are not paged, and
        // Andrew has his three pages, each once.
        app.advance(600);
        app.idle().await;
        assert_eq!(phones.gyeongjun.received().len(), 0);
        assert_eq!(phones.team_pages(), 0);
        assert_eq!(phones.andrew.received().len(), 1);
        assert_eq!(phones.ntfy.received().len(), 1);
        assert_eq!(phones.twilio.received().len(), 1);
        let pages = app.get(&format!("/api/v1/pages?alert={alert}")).await;
        let pages: Vec<String> = pages["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "{} {} {}",
                    p["person"].as_str().unwrap(),
                    p["contact"].as_str().unwrap(),
                    p["state"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(
            pages,
            ["andrew phone sent", "andrew push sent", "andrew sms sent"]
        );
        drop(alertmanager);
        app.stop().await;
    }
}

#[tokio::test]
async fn unacknowledged_steps_fire_at_their_times_repeat_and_survive_a_restart() {
    for backend in backends() {
        let phones = Phones::start().await;
        let app = TestApp::spawn(backend, &config(&phones, "schedule:cloud-primary", "")).await;
        let start = app.clock.now();
        fire(&app, &storm("HighErrorRate", 1, "firing")).await;
        phones.andrew.wait_for(1).await;
        app.idle().await;
        assert_eq!(phones.gyeongjun.received().len(), 0);

        // Down between the steps, back before the second is due.
        let app = app
            .restart_at(start + jiff::SignedDuration::from_mins(4))
            .await;
        app.idle().await;
        assert_eq!(phones.gyeongjun.received().len(), 0);
        app.advance(6 * 60 - 1);
        app.idle().await;
        assert_eq!(
            phones.gyeongjun.received().len(),
            0,
            "not before 10 minutes"
        );
        app.advance(1);
        phones.gyeongjun.wait_for(1).await;
        app.idle().await;
        assert_eq!(phones.team_pages(), 1, "the team channel is told at step 2");

        // Round 2 begins 10 minutes later (the last step's delay), then its second step.
        app.advance(10 * 60);
        app.idle().await;
        let andrew_webhooks = phones.andrew.received().len();
        assert_eq!(andrew_webhooks, 2, "andrew paged again in round 2");
        app.advance(10 * 60);
        app.idle().await;
        assert_eq!(phones.gyeongjun.received().len(), 2);
        // Then the policy is done: nothing more, ever.
        app.advance(3600);
        app.idle().await;
        assert_eq!(phones.andrew.received().len(), 2);
        assert_eq!(phones.gyeongjun.received().len(), 2);

        let alert = alert_ids(&app).await.remove(0);
        let log: Vec<String> = escalation(&app, &alert).await["log"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["kind"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            log,
            ["started", "step", "step", "step", "step", "exhausted"]
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_step_that_reaches_nobody_is_recorded_and_the_next_runs_at_once() {
    for backend in backends() {
        let phones = Phones::start().await;
        // The weekend schedule has nobody on a Monday.
        let app = TestApp::spawn(backend, &config(&phones, "schedule:weekends", "")).await;
        fire(&app, &storm("HighErrorRate", 1, "firing")).await;
        phones.gyeongjun.wait_for(1).await;
        app.idle().await;
        assert_eq!(phones.andrew.received().len(), 0);
        let alert = alert_ids(&app).await.remove(0);
        let log = escalation(&app, &alert).await["log"].clone();
        let empty = log
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["kind"] == "empty_step")
            .expect("the empty step is recorded");
        assert!(
            empty["text"]
                .as_str()
                .unwrap()
                .contains("reached nobody (schedule:weekends)"),
            "{empty}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_storm_of_one_group_is_one_escalation_and_the_throttle_folds_the_rest() {
    for backend in backends() {
        let phones = Phones::start().await;
        // Only the webhook, and at most two pages a minute.
        let extra = "[paging]\nmax_pages_per_minute = 2\n";
        let config = config(&phones, "schedule:cloud-primary", extra)
            .replace(
                r#"notify = [ { after = "0m", contact = "phone" }, { after = "0m", contact = "push" }, { after = "5m", contact = "sms" } ]"#,
                r#"notify = [ { after = "0m", contact = "phone" } ]"#,
            );
        let app = TestApp::spawn(backend, &config).await;
        fire(&app, &storm("HighErrorRate", 50, "firing")).await;
        phones.andrew.wait_for(1).await;
        app.idle().await;
        assert_eq!(
            phones.andrew.received().len(),
            1,
            "50 alerts of one group: one page"
        );
        let alerts = alert_ids(&app).await;
        assert_eq!(alerts.len(), 50);
        assert_eq!(
            escalation(&app, &alerts[0]).await["alerts"]
                .as_array()
                .unwrap()
                .len(),
            50
        );

        // Four more groups within the minute: one more page, then the throttle folds three.
        for name in ["DiskFull", "HighLatency", "QueueBacklog", "CertExpiry"] {
            fire(&app, &storm(name, 1, "firing")).await;
        }
        app.idle().await;
        assert_eq!(phones.andrew.received().len(), 2, "two pages a minute");
        app.advance(60);
        let folded = phones.andrew.wait_for(3).await[2].json();
        assert_eq!(folded["data"]["more"], 3, "{folded}");
        assert!(
            folded["data"]["summary"]
                .as_str()
                .unwrap()
                .contains("More pages")
        );
        app.idle().await;
        assert_eq!(phones.andrew.received().len(), 3);
        app.stop().await;
    }
}

#[tokio::test]
async fn pressing_four_on_the_call_acknowledges_through_the_signed_gather_callback() {
    for backend in backends() {
        let phones = Phones::start().await;
        let config = config(&phones, "person:mina", "")
            .replace(
                "[[teams]]",
                r#"[[people]]
id = "mina"
contacts = [ { name = "call", kind = "twilio_voice", destination = "twilio", to = "+821098765432" } ]

[[teams]]"#,
            );
        let app = TestApp::spawn(backend, &config).await;
        fire(&app, &storm("HighErrorRate", 1, "firing")).await;
        let call = phones.twilio.wait_for(1).await[0].clone();
        assert!(call.path.ends_with("/Calls.json"), "{}", call.path);
        assert_eq!(call.field("To").as_deref(), Some("+821098765432"));
        let twiml = call.field("Twiml").unwrap();
        assert!(twiml.contains("Press 4 to acknowledge"), "{twiml}");

        // A forged press is refused.
        let (status, _) = Twilio::press(&call, "CA1", "4", "not-the-token").await;
        assert_eq!(status, 403);
        let alert = alert_ids(&app).await.remove(0);
        assert_eq!(escalation(&app, &alert).await["state"], "active");
        // Another key acknowledges nothing.
        let (status, reply) = Twilio::press(&call, "CA1", "1", TWILIO_TOKEN).await;
        assert_eq!(status, 200);
        assert!(reply.contains("Nothing was acknowledged"), "{reply}");
        let (status, reply) = Twilio::press(&call, "CA1", "4", TWILIO_TOKEN).await;
        assert_eq!(status, 200);
        assert!(reply.contains("Acknowledged"), "{reply}");
        let stopped = escalation(&app, &alert).await;
        assert_eq!(stopped["state"], "acknowledged");
        assert_eq!(stopped["acknowledged_by"], "mina (page link)");
        app.stop().await;
    }
}

#[tokio::test]
async fn overrides_who_is_on_call_shifts_calendars_and_test_pages_through_the_api() {
    for backend in backends() {
        let phones = Phones::start().await;
        let app = TestApp::spawn(backend, &config(&phones, "schedule:cloud-primary", "")).await;
        let token = &app.admin_token;
        let now = app.clock.now();
        let on_call = |body: &Value| -> Vec<String> {
            body["on_call"]
                .as_array()
                .unwrap()
                .iter()
                .map(|entry| {
                    format!(
                        "{} {}",
                        entry["schedule"].as_str().unwrap(),
                        entry["person"].as_str().unwrap()
                    )
                })
                .collect()
        };
        let body = app.get("/api/v1/oncall?schedule=cloud-primary").await;
        assert_eq!(on_call(&body), ["cloud-primary andrew"]);
        assert_eq!(body["on_call"][0]["start"], "2026-11-02T01:00:00Z");
        assert_eq!(body["on_call"][0]["end"], "2026-11-09T01:00:00Z");
        assert_eq!(body["on_call"][0]["name"], "Andrew");

        let (status, created) = app
            .api_json(
                reqwest::Method::POST,
                "/api/v1/schedules/cloud-primary/overrides",
                token,
                &json!({"person": "gyeongjun", "replaces": "andrew", "start": "2026-11-02T02:00:00Z", "end": "2026-11-02T04:00:00Z"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["id"].as_str().unwrap().to_owned();
        let at = app
            .get("/api/v1/oncall?team=cloud&at=2026-11-02T03:00:00Z")
            .await;
        assert_eq!(on_call(&at), ["cloud-primary gyeongjun"]);
        assert_eq!(at["on_call"][0]["override"], id.as_str());
        let by_service = app
            .get("/api/v1/oncall?service=api&at=2026-11-02T05:00:00Z")
            .await;
        assert_eq!(on_call(&by_service), ["cloud-primary andrew"]);

        let shifts = app
            .get("/api/v1/schedules/cloud-primary/shifts?from=2026-11-02T01:00:00Z&to=2026-11-02T06:00:00Z")
            .await;
        let listed: Vec<String> = shifts["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                format!(
                    "{} {}-{} {}",
                    s["person"].as_str().unwrap(),
                    s["start"].as_str().unwrap(),
                    s["end"].as_str().unwrap(),
                    s["override"].as_str().unwrap_or("-")
                )
            })
            .collect();
        assert_eq!(
            listed,
            [
                "andrew 2026-11-02T01:00:00Z-2026-11-02T02:00:00Z -".to_owned(),
                format!("gyeongjun 2026-11-02T02:00:00Z-2026-11-02T04:00:00Z {id}"),
                "andrew 2026-11-02T04:00:00Z-2026-11-02T06:00:00Z -".to_owned(),
            ]
        );

        // Bad requests say what is wrong.
        for (body, code) in [
            (
                json!({"person": "ghost", "start": "2026-11-02T02:00:00Z", "end": "2026-11-02T04:00:00Z"}),
                404,
            ),
            (
                json!({"person": "andrew", "start": "2026-11-02T04:00:00Z", "end": "2026-11-02T02:00:00Z"}),
                400,
            ),
            (json!({"person": "andrew", "start": "tomorrow"}), 400),
        ] {
            let (status, answer) = app
                .api_json(
                    reqwest::Method::POST,
                    "/api/v1/schedules/cloud-primary/overrides",
                    token,
                    &body,
                )
                .await;
            assert_eq!(status.as_u16(), code, "{body}: {answer}");
            assert!(answer["error"]["message"].is_string(), "{answer}");
        }
        let (status, _) = app
            .api(
                reqwest::Method::GET,
                "/api/v1/oncall?schedule=nope",
                Some(token),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = app
            .api(reqwest::Method::GET, "/api/v1/oncall?at=soon", Some(token))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let reader = app
            .token(&[firewatch::core::scope::Scope::AlertsRead])
            .await;
        let (status, _) = app
            .api(reqwest::Method::GET, "/api/v1/oncall", Some(&reader))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // Calendars: a token in the query, since calendar apps send no headers.
        let calendar_token = app
            .token(&[firewatch::core::scope::Scope::OncallRead])
            .await;
        let feed = app
            .http
            .get(format!(
                "{}/ical/people/gyeongjun.ics?token={calendar_token}",
                app.url
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(feed.status(), StatusCode::OK);
        assert_eq!(
            feed.headers()["content-type"],
            "text/calendar; charset=utf-8"
        );
        let text = feed.text().await.unwrap();
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
        assert!(
            text.contains("DTSTART:20261102T020000Z\r\nDTEND:20261102T040000Z"),
            "{text}"
        );
        let schedule_feed = app
            .http
            .get(format!(
                "{}/ical/schedules/cloud-primary.ics?token={calendar_token}",
                app.url
            ))
            .send()
            .await
            .unwrap();
        assert!(
            schedule_feed
                .text()
                .await
                .unwrap()
                .contains("SUMMARY:On call: Gyeongjun")
        );
        let anonymous = app
            .http
            .get(format!("{}/ical/schedules/cloud-primary.ics", app.url))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        // The admin token, or any token that can do more than read on-call, is refused.
        for broad in [app.admin_token.as_str(), reader.as_str()] {
            let refused = app
                .http
                .get(format!(
                    "{}/ical/schedules/cloud-primary.ics?token={broad}",
                    app.url
                ))
                .send()
                .await
                .unwrap();
            assert!(
                matches!(refused.status(), StatusCode::FORBIDDEN),
                "{}",
                refused.status()
            );
        }

        let (status, _) = app
            .api(
                reqwest::Method::DELETE,
                &format!("/api/v1/overrides/{id}"),
                Some(token),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let after = app
            .get("/api/v1/oncall?schedule=cloud-primary&at=2026-11-02T03:00:00Z")
            .await;
        assert_eq!(on_call(&after), ["cloud-primary andrew"]);

        // A test page goes through every contact method at once and acknowledges nothing.
        let (status, answer) = app
            .api(
                reqwest::Method::POST,
                "/api/v1/people/andrew/test_page",
                Some(token),
            )
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        let test = phones.andrew.wait_for(1).await[0].json();
        assert_eq!(test["data"]["test"], true);
        assert!(test["data"].get("alert_id").is_none());
        phones.ntfy.wait_for(1).await;
        phones.twilio.wait_for(1).await;
        let (status, _) = app
            .api(
                reqwest::Method::POST,
                "/api/v1/people/ghost/test_page",
                Some(token),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let _ = now;
        app.stop().await;
    }
}

fn stdout(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn the_cli_shows_who_is_on_call_adds_an_override_and_sends_a_test_page() {
    for backend in backends() {
        let phones = Phones::start().await;
        let app = TestApp::spawn(backend, &config(&phones, "schedule:cloud-primary", "")).await;
        let client =
            |args: &'static [&'static str]| crate::cli::client(args, &app.url, &app.admin_token);
        let now =
            stdout(&client(&["oncall", "--team", "cloud", "--at", "2026-11-02T03:00:00Z"]).await);
        assert!(
            now.contains("cloud-primary") && now.contains("andrew"),
            "{now}"
        );

        let added = stdout(
            &client(&[
                "override",
                "add",
                "--schedule",
                "cloud-primary",
                "--person",
                "gyeongjun",
                "--start",
                "2026-11-02T02:00:00Z",
                "--end",
                "+2h",
                "--replaces",
                "andrew",
            ])
            .await,
        );
        assert!(
            added.contains(
                "gyeongjun on call on cloud-primary from 2026-11-02 02:00:00 UTC to 2026-11-02 04:00:00 UTC"
            ),
            "{added}"
        );
        let overridden = stdout(
            &client(&[
                "oncall",
                "--schedule",
                "cloud-primary",
                "--at",
                "2026-11-02T03:00:00Z",
            ])
            .await,
        );
        assert!(
            overridden.contains("gyeongjun") && overridden.contains("(override)"),
            "{overridden}"
        );
        let listed = stdout(&client(&["override", "list", "--schedule", "cloud-primary"]).await);
        assert!(listed.contains("andrew"), "{listed}");

        let refused = client(&[
            "override",
            "add",
            "--schedule",
            "nope",
            "--person",
            "andrew",
            "--start",
            "now",
            "--end",
            "+1h",
        ])
        .await;
        assert!(!refused.status.success());
        assert!(String::from_utf8_lossy(&refused.stderr).contains("no schedule \"nope\""));

        let sent = stdout(&client(&["page", "test", "gyeongjun"]).await);
        assert!(sent.contains("1 contact method"), "{sent}");
        let test = phones.gyeongjun.wait_for(1).await[0].json();
        assert_eq!(test["data"]["test"], true);
        app.stop().await;
    }
}

#[tokio::test]
async fn check_config_warns_of_coverage_gaps_ahead() {
    let phones = Phones::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("firewatch.toml");
    // The weekend schedule alone in the first step: five weekdays of nobody, every week.
    std::fs::write(&file, config(&phones, "schedule:weekends", "")).unwrap();
    let output = crate::cli::run(
        vec![
            "check-config".into(),
            "--config".into(),
            file.display().to_string(),
        ],
        Vec::new(),
    )
    .await;
    assert!(output.status.success());
    let warnings = String::from_utf8_lossy(&output.stderr);
    assert!(
        warnings.contains("warning: schedule weekends has nobody on call from"),
        "{warnings}"
    );
    assert!(
        warnings
            .contains("warning: escalation policy cloud-default's first step reaches nobody from"),
        "{warnings}"
    );
    assert!(!warnings.contains("schedule cloud-primary"), "{warnings}");
}

#[tokio::test]
async fn a_chat_contact_mentions_the_person_in_slacks_syntax_and_email_reaches_their_address() {
    for backend in backends() {
        let phones = Phones::start().await;
        let slack = Destination::start().await;
        let smtp = crate::support::smtp::SmtpServer::start(None).await;
        let people = format!(
            r#"[[people]]
id = "mina"
name = "Mina"
email = "mina@example.com"
contacts = [
  {{ name = "chat", kind = "chat", destination = "slack", mention = "<@U024BE7LH>" }},
  {{ name = "mail", kind = "email", destination = "oncall-mail" }},
]

[[destinations]]
name = "slack"
kind = "slack"
url = "{}"

[[destinations]]
name = "oncall-mail"
kind = "email"
host = "127.0.0.1"
port = {}
tls = "none"
from = "Firewatch <pager@example.com>"
to = ["nobody@example.com"]

[[teams]]"#,
            slack.url, smtp.port
        );
        let config = config(&phones, "person:mina", "").replace("[[teams]]", &people);
        let app = TestApp::spawn(backend, &config).await;
        fire(&app, &storm("HighErrorRate", 1, "firing")).await;

        // Slack: the mention exactly as configured, so Slack notifies Mina; links as mrkdwn.
        let message = slack.wait_for(1).await[0].json();
        let text = message.to_string();
        assert!(text.contains("<@U024BE7LH> you are paged."), "{text}");
        assert!(
            text.contains("/a/") && text.contains("|Acknowledge>"),
            "{text}"
        );
        assert!(
            !text.contains("&lt;@U024BE7LH&gt;"),
            "the mention is not escaped: {text}"
        );

        // Email: to the person's own address, not the destination's list.
        let mail = smtp.wait_for(1).await.remove(0);
        assert_eq!(mail.rcpt_to, ["mina@example.com"]);
        assert!(
            mail.data.contains("Page: HighErrorRate on api-0"),
            "{}",
            mail.data
        );
        app.idle().await;
        let alert = alert_ids(&app).await.remove(0);
        let pages = app.get(&format!("/api/v1/pages?alert={alert}")).await;
        let states: Vec<String> = pages["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "{} {}",
                    p["contact"].as_str().unwrap(),
                    p["state"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(states, ["chat sent", "mail sent"]);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_silence_over_every_alert_of_an_escalation_keeps_its_next_steps_quiet() {
    for backend in backends() {
        let phones = Phones::start().await;
        let app = TestApp::spawn(backend, &config(&phones, "schedule:cloud-primary", "")).await;
        fire(&app, &storm("HighErrorRate", 1, "firing")).await;
        phones.andrew.wait_for(1).await;
        let (status, silence) = app
            .api_json(
                reqwest::Method::POST,
                "/api/v1/silences",
                &app.admin_token,
                &json!({
                    "matchers": [{"name": "alertname", "value": "HighErrorRate", "isRegex": false, "isEqual": true}],
                    "startsAt": "2026-11-02T01:01:00Z",
                    "endsAt": "2026-11-02T03:00:00Z",
                    "createdBy": "andrew",
                    "comment": "fixing it",
                }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{silence}");
        app.advance(60);
        app.idle().await;
        let alert = alert_ids(&app).await.remove(0);
        assert_eq!(
            app.get(&format!("/api/v1/alerts/{alert}")).await["state"],
            "silenced"
        );
        app.advance(10 * 60);
        app.idle().await;
        assert_eq!(
            phones.gyeongjun.received().len(),
            0,
            "the silenced step pages nobody"
        );
        assert_eq!(phones.team_pages(), 0);
        let log = escalation(&app, &alert).await["log"].clone();
        assert!(
            log.as_array()
                .unwrap()
                .iter()
                .any(|entry| entry["kind"] == "silenced"),
            "{log}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn resolving_ends_the_escalation_and_a_fire_after_it_starts_over() {
    for backend in backends() {
        let phones = Phones::start().await;
        let app = TestApp::spawn(backend, &config(&phones, "schedule:cloud-primary", "")).await;
        fire(&app, &storm("HighErrorRate", 2, "firing")).await;
        phones.andrew.wait_for(1).await;
        app.idle().await;
        // Alertmanager resolves the group: the escalation ends, its next step never comes.
        fire(&app, &storm("HighErrorRate", 2, "resolved")).await;
        app.idle().await;
        let alert = alert_ids(&app).await.remove(0);
        let ended = escalation(&app, &alert).await;
        assert_eq!(ended["state"], "resolved", "{ended}");
        app.advance(10 * 60);
        app.idle().await;
        assert_eq!(phones.gyeongjun.received().len(), 0);

        // It fires again: a new escalation, paging from its first step.
        fire(&app, &storm("HighErrorRate", 2, "firing")).await;
        phones.andrew.wait_for(2).await;
        app.idle().await;
        let detail = app.get(&format!("/api/v1/alerts/{alert}")).await;
        let states: Vec<&str> = detail["escalations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["state"].as_str().unwrap())
            .collect();
        assert_eq!(states, ["active", "resolved"], "newest first");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_page_to_a_contact_that_is_down_is_retried_until_it_answers() {
    for backend in backends() {
        let phones = Phones::start().await;
        let app = TestApp::spawn(backend, &config(&phones, "person:gyeongjun", "")).await;
        phones.gyeongjun.respond_with(503, &[("retry-after", "30")]);
        fire(&app, &storm("HighErrorRate", 1, "firing")).await;
        phones.gyeongjun.wait_for(1).await;
        app.idle().await;
        let alert = alert_ids(&app).await.remove(0);
        let pending = app.get(&format!("/api/v1/pages?alert={alert}")).await;
        assert_eq!(pending["items"][0]["state"], "pending", "{pending}");
        // Retry-After is honoured; then the page goes out, with the same webhook-id.
        app.advance(30);
        let received = phones.gyeongjun.wait_for(2).await;
        assert_eq!(
            received[0].header("webhook-id"),
            received[1].header("webhook-id")
        );
        app.idle().await;
        let sent = app.get(&format!("/api/v1/pages?alert={alert}")).await;
        assert_eq!(sent["items"][0]["state"], "sent", "{sent}");
        app.stop().await;
    }
}

/// Issue 29: the shift running when a calendar feed starts (a week back) kept the feed's start
/// as its own, so its UID and DTSTART changed on every fetch and calendar apps deleted and
/// re-added it. A shift's UID and DTSTART are its own, whenever the feed is read.
#[tokio::test]
async fn a_calendar_feed_gives_each_shift_its_own_start_and_uid_on_every_fetch() {
    for backend in backends() {
        let config = r#"
[[people]]
id = "andrew"

[[people]]
id = "bo"

[[schedules]]
id = "primary"
timezone = "UTC"
[[schedules.layers]]
rotation = "weekly"
handoff = "mon 09:00"
start = "2026-11-02"
members = ["andrew", "bo"]
"#;
        // A Friday: the feed starts a week back, in bo's week from Monday the 9th, 09:00.
        let app = TestApp::spawn_at(backend, config, "2026-11-20T12:00:00Z".parse().unwrap()).await;
        let token = app
            .token(&[firewatch::core::scope::Scope::OncallRead])
            .await;
        let fetch = |path: &'static str| {
            let (app, token) = (&app, &token);
            async move {
                let answer = app
                    .http
                    .get(format!("{}{path}?token={token}", app.url))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(answer.status(), StatusCode::OK);
                answer.text().await.unwrap()
            }
        };
        let running = "UID:primary-bo-1794214800@firewatch\r\n";
        for day in 0..2 {
            for path in ["/ical/schedules/primary.ics", "/ical/people/bo.ics"] {
                let text = fetch(path).await;
                let at = text
                    .find(running)
                    .unwrap_or_else(|| panic!("day {day}, {path}: {text}"));
                assert!(
                    text[at..].contains("DTSTART:20261109T090000Z\r\nDTEND:20261116T090000Z"),
                    "day {day}, {path}: {text}"
                );
                // Nothing starts at the feed's own start (noon, a week back).
                assert!(!text.contains("T120000Z\r\nDTEND"), "{text}");
            }
            app.advance(24 * 3600);
        }
    }
}
