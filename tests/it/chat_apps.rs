//! Chat apps (issue 30, first step): destinations that post through a Slack app
//! (`chat.postMessage`) or a Mattermost bot (`POST /api/v4/posts`) instead of an incoming
//! webhook, keeping each message's id with its notification; Slack's `ok: false` answers
//! sorted into retry and refusal.

use serde_json::Value;

use crate::alerts::{TOKEN, group, post};
use crate::support::chat_apps::{
    MATTERMOST_CHANNEL, MATTERMOST_TEAM, MATTERMOST_TOKEN, Mattermost, SLACK_CHANNELS, SLACK_TOKEN,
    Slack,
};
use crate::support::{TestApp, backends};

fn config(slack: &Slack, mattermost: &Mattermost) -> String {
    format!(
        r#"
[[integrations]]
name = "prometheus"
kind = "alertmanager"
token = "{TOKEN}"
service = "platform"

[[chat_apps]]
name = "slack"
kind = "slack"
bot_token = "{SLACK_TOKEN}"
signing_secret = "8f742231b10e8888abcd99yyyzzz85a5"
api_url = "{slack}"

[[chat_apps]]
name = "mm"
kind = "mattermost"
url = "{mattermost}"
bot_token = "{MATTERMOST_TOKEN}"
command_token = "{MM_COMMAND_TOKEN}"

[[destinations]]
name = "cloud-chat"
kind = "slack"
app = "slack"
channel = "{channel}"

[[destinations]]
name = "ops-mm"
kind = "mattermost"
app = "mm"
channel = "{MATTERMOST_CHANNEL}"

[[routes]]
match = {{ kind = "alert" }}
to = ["cloud-chat", "ops-mm"]
"#,
        slack = slack.api_url,
        mattermost = mattermost.url,
        channel = SLACK_CHANNELS[0],
    )
}

async fn notifications(app: &TestApp, query: &str) -> Vec<Value> {
    app.get(&format!("/api/v1/notifications?{query}")).await["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn an_alert_is_posted_through_the_slack_app_and_the_mattermost_bot_and_each_message_id_is_kept()
 {
    for backend in backends() {
        let slack = Slack::start().await;
        let mattermost = Mattermost::start().await;
        let app = TestApp::spawn(backend, &config(&slack, &mattermost)).await;

        assert_eq!(
            post(&app, &group(&[("f-a", "api-1", "firing")])).await,
            reqwest::StatusCode::ACCEPTED
        );
        app.wait_for_notifications("state=delivered", |items| items.len() == 2)
            .await;

        // Slack: chat.postMessage with the bot token, JSON with its charset, to the channel id.
        let calls = slack.received();
        assert_eq!(calls.len(), 1);
        let call = &calls[0];
        assert_eq!(call.path, "/chat.postMessage");
        assert_eq!(
            call.header("authorization"),
            format!("Bearer {SLACK_TOKEN}")
        );
        assert_eq!(
            call.header("content-type"),
            "application/json; charset=utf-8"
        );
        let body = call.json();
        assert_eq!(body["channel"], SLACK_CHANNELS[0]);
        assert!(
            body["text"].as_str().unwrap().contains("HighLatency"),
            "{body}"
        );
        assert!(!body["blocks"].as_array().unwrap().is_empty(), "{body}");

        // Mattermost: a post in the channel, the text as its message.
        let calls = mattermost.received();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].path, "/api/v4/posts");
        assert_eq!(
            calls[0].header("authorization"),
            format!("Bearer {MATTERMOST_TOKEN}")
        );
        let body = calls[0].json();
        assert_eq!(body["channel_id"], MATTERMOST_CHANNEL);
        let said = format!("{} {}", body["message"], body["props"]);
        assert!(said.contains("HighLatency"), "{body}");

        // Each notification keeps the message it posted, so it can be changed later.
        let delivered = notifications(&app, "state=delivered").await;
        let posted = |destination: &str| {
            delivered
                .iter()
                .find(|n| n["destination"] == destination)
                .map(|n| n["chat_message"].clone())
                .unwrap()
        };
        assert_eq!(
            posted("cloud-chat"),
            format!("{}:1700000000.000100", SLACK_CHANNELS[0])
        );
        assert_eq!(posted("ops-mm"), "00000000000000000000000001");
        app.stop().await;
    }
}

#[tokio::test]
async fn slack_errors_are_retried_when_they_pass_and_refused_when_the_app_must_be_fixed() {
    for backend in backends() {
        let slack = Slack::start().await;
        let mattermost = Mattermost::start().await;
        let app = TestApp::spawn(backend, &config(&slack, &mattermost)).await;

        // Rate limited (HTTP 429, Retry-After: 30), then removed from the channel.
        slack.fail_next(&["ratelimited", "not_in_channel"]);
        post(&app, &group(&[("f-a", "api-1", "firing")])).await;
        app.wait_for_notifications("destination=cloud-chat&state=retrying", |items| {
            items.len() == 1
        })
        .await;
        let waiting = notifications(&app, "destination=cloud-chat&state=retrying").await;
        assert_eq!(waiting[0]["last_status"], 429);
        assert_eq!(
            waiting[0]["next_attempt_at"], "2026-11-02T01:00:30Z",
            "Slack's Retry-After is honoured: {waiting:?}"
        );
        app.advance(31);
        app.wait_for_notifications("destination=cloud-chat&state=dead", |items| {
            items.len() == 1
        })
        .await;
        let dead = notifications(&app, "destination=cloud-chat&state=dead").await;
        assert_eq!(
            dead[0]["last_error"], "refused by the destination: not_in_channel",
            "{dead:?}"
        );
        assert!(dead[0].get("chat_message").is_none());
        assert_eq!(slack.received().len(), 2);
        app.stop().await;
    }
}

#[tokio::test]
async fn an_acknowledge_and_a_resolve_update_the_message_the_fire_posted_and_a_new_fire_posts_again()
 {
    for backend in backends() {
        let slack = Slack::start().await;
        let mattermost = Mattermost::start().await;
        let app = TestApp::spawn(backend, &config(&slack, &mattermost)).await;
        post(&app, &group(&[("f-a", "api-1", "firing")])).await;
        app.wait_for_notifications("state=delivered", |items| items.len() == 2)
            .await;
        let alert = app.get("/api/v1/alerts").await["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let first = format!("{}:1700000000.000100", SLACK_CHANNELS[0]);

        // Acknowledged through the API (as from the UI, a link, the CLI): both messages
        // change in place to say so, and nothing new is posted.
        let (status, _) = app
            .api(
                reqwest::Method::POST,
                &format!("/api/v1/alerts/{alert}/acknowledge"),
                Some(&app.admin_token),
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::OK);
        app.wait_for_notifications("state=delivered", |items| items.len() == 4)
            .await;
        let calls = slack.received();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[1].path, "/chat.update");
        let update = calls[1].json();
        assert_eq!(update["channel"], SLACK_CHANNELS[0]);
        assert_eq!(update["ts"], "1700000000.000100");
        let said = update.to_string().to_lowercase();
        assert!(said.contains("acknowledged"), "{update}");
        let calls = mattermost.received();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[1].method, reqwest::Method::PUT);
        assert_eq!(calls[1].path, "/api/v4/posts/00000000000000000000000001");
        assert_eq!(calls[1].json()["id"], "00000000000000000000000001");

        // Resolved by Alertmanager: the same messages again.
        post(&app, &group(&[("f-a", "api-1", "resolved")])).await;
        app.wait_for_notifications("state=delivered", |items| items.len() == 6)
            .await;
        let calls = slack.received();
        assert_eq!(calls[2].path, "/chat.update");
        assert_eq!(calls[2].json()["ts"], "1700000000.000100");
        assert!(
            calls[2]
                .json()
                .to_string()
                .to_lowercase()
                .contains("resolved")
        );
        assert_eq!(mattermost.received()[2].method, reqwest::Method::PUT);
        let delivered = notifications(&app, "state=delivered&destination=cloud-chat").await;
        assert!(
            delivered
                .iter()
                .all(|n| n["chat_message"] == first.as_str()),
            "every notice of the alert is the one message: {delivered:?}"
        );

        // A new fire is a new cycle: a new message.
        app.advance(60);
        post(&app, &group(&[("f-a", "api-1", "firing")])).await;
        app.wait_for_notifications("state=delivered", |items| items.len() == 8)
            .await;
        let calls = slack.received();
        assert_eq!(calls[3].path, "/chat.postMessage");
        assert_eq!(mattermost.received()[3].method, reqwest::Method::POST);
        app.stop().await;
    }
}

async fn alert_state(app: &TestApp, alert: &str) -> serde_json::Value {
    app.get(&format!("/api/v1/alerts/{alert}")).await["state"].clone()
}

/// The token Mattermost sends with the `/fw` custom command.
const MM_COMMAND_TOKEN: &str = "xr3j5x3p4pfg9m1fc6h9mo3fwr";
const SIGNING_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
const ANN: &str = "U0ANN00001";
const VIC: &str = "U0VIC00001";
/// Mattermost user ids are 26 characters.
const MM_ANN: &str = "mmann0000000000000000000aa";

fn people() -> String {
    format!(
        r#"
[[people]]
id = "ann"
name = "Ann"
user = "ann"
chat = [ {{ app = "slack", user = "{ANN}" }}, {{ app = "mm", user = "{MM_ANN}" }} ]

[[people]]
id = "bo"
name = "Bo"
user = "bo"
email = "bo@acme.example"

[[people]]
id = "vic"
name = "Vic"
user = "vic"
chat = [ {{ app = "slack", user = "{VIC}" }} ]
"#
    )
}

/// A click on a button, as Slack sends it to the interactivity URL: a form whose `payload` is
/// the `block_actions` JSON, signed with the app's signing secret.
fn click(user: &str, action: &str, value: &str) -> String {
    let payload = serde_json::json!({
        "type": "block_actions",
        "user": {"id": user, "username": user.to_lowercase(), "name": user.to_lowercase(), "team_id": "T0ACME0001"},
        "api_app_id": "A0FIREWATCH",
        "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": SLACK_CHANNELS[0], "is_ephemeral": false},
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "team": {"id": "T0ACME0001", "domain": "acme"},
        "channel": {"id": SLACK_CHANNELS[0], "name": "cloud"},
        "message": {"type": "message", "ts": "1700000000.000100", "text": "HighLatency"},
        "response_url": "https://hooks.slack.com/actions/T0ACME0001/1/abc",
        "actions": [{"action_id": action, "block_id": "firewatch", "value": value, "type": "button",
                     "text": {"type": "plain_text", "text": action}, "action_ts": "1700000010.000200"}],
    });
    serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap()
}

fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    use hmac::Mac as _;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("v0:{timestamp}:{body}").as_bytes());
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

async fn send_click(
    app: &TestApp,
    body: &str,
    timestamp: i64,
    signature: &str,
) -> reqwest::StatusCode {
    reqwest::Client::new()
        .post(format!("{}/chat/slack/slack/interactions", app.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", timestamp.to_string())
        .header("x-slack-signature", signature)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .status()
}

/// The stand-ins and a Firewatch posting through both apps (with the people and `extra`),
/// its web UI `users`, and one alert fired and posted to both; the alert's id.
async fn one_alert_posted(
    backend: crate::support::Backend,
    extra: &str,
    users: &[(&str, firewatch::core::role::Role)],
) -> (Slack, Mattermost, TestApp, String) {
    let slack = Slack::start().await;
    let mattermost = Mattermost::start().await;
    let app = TestApp::spawn(
        backend,
        &format!("{}{}{extra}", config(&slack, &mattermost), people()),
    )
    .await;
    for (name, role) in users {
        crate::web::add_user(&app, name, *role).await;
    }
    post(&app, &group(&[("f-a", "api-1", "firing")])).await;
    app.wait_for_notifications("state=delivered", |items| items.len() == 2)
        .await;
    let alert = app.get("/api/v1/alerts").await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (slack, mattermost, app, alert)
}

#[tokio::test]
async fn a_signed_click_acknowledges_as_the_linked_person_and_everything_else_is_refused() {
    use firewatch::clock::Clock as _;
    for backend in backends() {
        use firewatch::core::role::Role;
        let (slack, _mattermost, app, alert) = one_alert_posted(
            backend,
            "",
            &[("ann", Role::Responder), ("vic", Role::Viewer)],
        )
        .await;
        let value = format!("alert:{alert}");

        // The message has the buttons, each action_id once.
        let posted = slack.received()[0].json();
        let blocks = posted["blocks"].as_array().unwrap();
        let actions = blocks.last().unwrap();
        assert_eq!(actions["type"], "actions", "{posted}");
        let ids: Vec<&str> = actions["elements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["ack", "resolve"]);
        assert_eq!(actions["elements"][0]["value"], value.as_str());

        let now = app.clock.now().as_second();

        // Forged, stale and unsigned clicks are refused and change nothing.
        let body = click(ANN, "ack", &value);
        assert_eq!(
            send_click(&app, &body, now, &sign("not-the-secret", now, &body)).await,
            401
        );
        assert_eq!(
            send_click(
                &app,
                &body,
                now - 301,
                &sign(SIGNING_SECRET, now - 301, &body)
            )
            .await,
            401
        );
        assert_eq!(send_click(&app, &body, now, "").await, 401);
        assert_eq!(alert_state(&app, &alert).await, "firing");

        // Someone Firewatch cannot place is told how to be linked, and nothing happens.
        let stranger = click("U0STRANGER", "ack", &value);
        assert_eq!(
            send_click(&app, &stranger, now, &sign(SIGNING_SECRET, now, &stranger)).await,
            200
        );
        // A viewer is told the role it takes.
        let viewer = click(VIC, "ack", &value);
        assert_eq!(
            send_click(&app, &viewer, now, &sign(SIGNING_SECRET, now, &viewer)).await,
            200
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let ephemerals = loop {
            let told: Vec<serde_json::Value> = slack
                .received()
                .iter()
                .filter(|r| r.path == "/chat.postEphemeral")
                .map(|r| r.json())
                .collect();
            if told.len() == 2 || std::time::Instant::now() > deadline {
                break told;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        };
        assert_eq!(ephemerals.len(), 2, "{ephemerals:?}");
        let to = |user: &str| {
            ephemerals
                .iter()
                .find(|e| e["user"] == user)
                .map(|e| e["text"].as_str().unwrap().to_owned())
                .unwrap()
        };
        assert!(
            to("U0STRANGER").contains("chat = [ { app = \"slack\", user = \"U0STRANGER\" } ]"),
            "{ephemerals:?}"
        );
        assert!(
            to(VIC).contains("needs the responder role"),
            "{ephemerals:?}"
        );
        assert_eq!(alert_state(&app, &alert).await, "firing");

        // Ann's click acknowledges it as Ann; the message changes to say so, with Resolve left.
        let mine = click(ANN, "ack", &value);
        let signature = sign(SIGNING_SECRET, now, &mine);
        assert_eq!(send_click(&app, &mine, now, &signature).await, 200);
        let shown = app.get(&format!("/api/v1/alerts/{alert}")).await;
        assert_eq!(shown["state"], "acknowledged");
        assert_eq!(shown["acknowledged_by"], "user:ann");
        let audit = app.get("/api/v1/audit?action=alert.acknowledge").await;
        assert_eq!(audit["items"][0]["actor"], "user:ann");
        assert_eq!(audit["items"][0]["channel"], "chat", "{audit}");
        app.wait_for_notifications("state=delivered", |items| items.len() == 4)
            .await;
        let update = slack
            .received()
            .into_iter()
            .find(|r| r.path == "/chat.update")
            .expect("the message is updated")
            .json();
        let elements = &update["blocks"].as_array().unwrap().last().unwrap()["elements"];
        assert_eq!(elements.as_array().unwrap().len(), 1, "{update}");
        assert_eq!(elements[0]["action_id"], "resolve");
        // The same click again (a replay within the five minutes) is refused, changing nothing.
        assert_eq!(send_click(&app, &mine, now, &signature).await, 401);
        app.idle().await;
        assert_eq!(
            slack
                .received()
                .iter()
                .filter(|r| r.path == "/chat.update")
                .count(),
            1
        );
        app.stop().await;
    }
}

/// A slash command, as Slack posts it to the command's request URL (signed).
fn slash(user: &str, text: &str) -> String {
    serde_urlencoded::to_string([
        ("token", "legacy-verification-token"),
        ("team_id", "T0ACME0001"),
        ("team_domain", "acme"),
        ("channel_id", SLACK_CHANNELS[0]),
        ("channel_name", "cloud"),
        ("user_id", user),
        ("user_name", &user.to_lowercase()),
        ("command", "/fw"),
        ("text", text),
        ("api_app_id", "A0FIREWATCH"),
        ("is_enterprise_install", "false"),
        (
            "response_url",
            "https://hooks.slack.com/commands/T0ACME0001/1/abc",
        ),
        ("trigger_id", "13345224609.738474920.8088930838d88f008e0"),
    ])
    .unwrap()
}

async fn run_slash(app: &TestApp, user: &str, text: &str) -> Value {
    use firewatch::clock::Clock as _;
    let now = app.clock.now().as_second();
    let (status, text) = slack_request(app, "commands", FORM, &slash(user, text), now).await;
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

const FORM: &str = "application/x-www-form-urlencoded";

/// A request to the Slack app's `path` (`commands`, `interactions`, `events`), signed as Slack
/// signs it at `now`; its status and body.
async fn slack_request(
    app: &TestApp,
    path: &str,
    content_type: &str,
    body: &str,
    now: i64,
) -> (reqwest::StatusCode, String) {
    let response = reqwest::Client::new()
        .post(format!("{}/chat/slack/slack/{path}", app.url))
        .header("content-type", content_type)
        .header("x-slack-request-timestamp", now.to_string())
        .header("x-slack-signature", sign(SIGNING_SECRET, now, body))
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

const ON_CALL: &str = r#"
[[teams]]
id = "cloud"

[[schedules]]
id = "cloud-primary"
timezone = "UTC"
[[schedules.layers]]
rotation = "weekly"
handoff = "mon 10:00"
start = "2026-11-02"
members = ["ann", "vic"]

[[escalation_policies]]
id = "cloud-default"
steps = [ { after = "0m", notify = ["schedule:cloud-primary"] } ]

[[services]]
id = "api"
team = "cloud"
escalation_policy = "cloud-default"
"#;

#[tokio::test]
async fn the_fw_command_tells_who_is_on_call_acknowledges_resolves_and_declares_as_the_linked_person()
 {
    for backend in backends() {
        use firewatch::core::role::Role;
        let (_slack, _mattermost, app, alert) = one_alert_posted(
            backend,
            ON_CALL,
            &[("ann", Role::Responder), ("vic", Role::Viewer)],
        )
        .await;

        let help = run_slash(&app, "U0STRANGER", "help").await;
        assert_eq!(help["response_type"], "ephemeral");
        assert!(help["text"].as_str().unwrap().contains("/fw oncall [team]"));

        let on_call = run_slash(&app, VIC, "oncall").await;
        assert_eq!(
            on_call["text"], "*cloud* (cloud-primary): nobody; then Ann from Mon 02 Nov 10:00 UTC",
            "the rotation starts at 10:00; it is 01:00"
        );
        let refused = run_slash(&app, VIC, &format!("ack {alert}")).await;
        assert_eq!(
            refused["text"],
            "That needs the responder role; yours is viewer."
        );
        let stranger = run_slash(&app, "U0STRANGER", &format!("ack {alert}")).await;
        assert!(
            stranger["text"]
                .as_str()
                .unwrap()
                .starts_with("Firewatch does not know who you are here")
        );
        assert_eq!(
            app.get(&format!("/api/v1/alerts/{alert}")).await["state"],
            "firing"
        );

        let declared =
            run_slash(&app, ANN, r#"incident declare "Checkout is down" SEV2 api"#).await;
        assert_eq!(declared["response_type"], "in_channel", "{declared}");
        let said = declared["text"].as_str().unwrap();
        assert!(
            said.starts_with("Incident #1 declared: Checkout is down (SEV2) http")
                && said.ends_with("/incidents/1"),
            "{said}"
        );
        let incident = app.get("/api/v1/incidents/1").await;
        assert_eq!(incident["declared_by"], "user:ann");
        assert_eq!(incident["services"], serde_json::json!(["api"]));

        let acknowledged = run_slash(&app, ANN, "ack #1").await;
        assert_eq!(acknowledged["text"], "Incident #1 is acknowledged now.");
        let resolved = run_slash(&app, ANN, &format!("resolve {alert}")).await;
        assert_eq!(resolved["text"], "HighLatency is resolved now.");
        let shown = app.get(&format!("/api/v1/alerts/{alert}")).await;
        assert_eq!(shown["state"], "resolved");
        let unknown = run_slash(&app, ANN, "frobnicate").await;
        assert!(
            unknown["text"]
                .as_str()
                .unwrap()
                .starts_with("There is no `/fw frobnicate`.")
        );

        // Unsigned, it is refused.
        let refused = reqwest::Client::new()
            .post(format!("{}/chat/slack/slack/commands", app.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(slash(ANN, "ack #1"))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 401);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_click_on_a_mattermost_button_acknowledges_as_the_linked_person_and_forged_or_old_ones_do_not()
 {
    for backend in backends() {
        let (_slack, mattermost, app, alert) = one_alert_posted(
            backend,
            "",
            &[("ann", firewatch::core::role::Role::Responder)],
        )
        .await;

        // The post carries the buttons, each with where to post a click and a signed context.
        let created = mattermost.received()[0].json();
        let actions = created["props"]["attachments"][0]["actions"]
            .as_array()
            .unwrap()
            .clone();
        let ids: Vec<&str> = actions.iter().map(|a| a["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["ack", "resolve"], "{created}");
        let url = actions[0]["integration"]["url"].as_str().unwrap();
        assert!(url.ends_with("/chat/mattermost/mm/actions"), "{url}");
        let context = |index: usize| actions[index]["integration"]["context"].clone();
        assert_eq!(context(0)["value"], format!("alert:{alert}"));

        // Mattermost's request for a click: who clicked, and the context as it was given.
        let click = |user: &str, context: Value| {
            let app = &app;
            let body = serde_json::json!({
                "user_id": user, "user_name": "ann", "channel_id": MATTERMOST_CHANNEL,
                "channel_name": "ops", "team_id": "team0000000000000000000000", "team_domain": "acme",
                "post_id": "00000000000000000000000001", "trigger_id": "trigger", "type": "",
                "data_source": "", "context": context,
            });
            async move {
                let response = reqwest::Client::new()
                    .post(format!("{}/chat/mattermost/mm/actions", app.url))
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                (
                    status,
                    response.json::<Value>().await.unwrap_or(Value::Null),
                )
            }
        };

        // A forged or altered context is refused and changes nothing.
        let mut forged = context(0);
        forged["sig"] = serde_json::json!("00");
        assert_eq!(click(MM_ANN, forged).await.0, 401);
        let mut altered = context(0);
        altered["value"] = serde_json::json!("alert:someone-elses");
        assert_eq!(click(MM_ANN, altered).await.0, 401);
        // A stranger is told how to be linked.
        let (status, answer) = click("mmstranger0000000000000000", context(0)).await;
        assert_eq!(status, 200);
        assert!(
            answer["ephemeral_text"]
                .as_str()
                .unwrap()
                .contains("chat = [ { app = \"mm\", user = \"mmstranger0000000000000000\" } ]"),
            "{answer}"
        );
        assert_eq!(alert_state(&app, &alert).await, "firing");

        // Ann's click acknowledges it as Ann; the post is updated with Resolve alone.
        let (status, answer) = click(MM_ANN, context(0)).await;
        assert_eq!(status, 200);
        assert_eq!(answer, serde_json::json!({}));
        let shown = app.get(&format!("/api/v1/alerts/{alert}")).await;
        assert_eq!(shown["state"], "acknowledged");
        assert_eq!(shown["acknowledged_by"], "user:ann");
        app.wait_for_notifications("state=delivered", |items| items.len() == 4)
            .await;
        let update = mattermost
            .received()
            .into_iter()
            .find(|r| r.method == reqwest::Method::PUT)
            .expect("the post is updated")
            .json();
        let left: Vec<&str> = update["props"]["attachments"][0]["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap())
            .collect();
        assert_eq!(left, ["resolve"], "{update}");

        // A button from a post older than its 30 days is refused.
        app.advance(31 * 24 * 3600);
        assert_eq!(click(MM_ANN, context(1)).await.0, 401);
        assert_eq!(alert_state(&app, &alert).await, "acknowledged");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_person_without_a_chat_entry_is_found_by_email_on_slack_and_mattermost_and_kept() {
    use firewatch::clock::Clock as _;
    for backend in backends() {
        let slack = Slack::start().await;
        let mattermost = Mattermost::start().await;
        let app = TestApp::spawn(
            backend,
            &format!("{}{}", config(&slack, &mattermost), people()),
        )
        .await;
        crate::web::add_user(&app, "bo", firewatch::core::role::Role::Responder).await;
        post(
            &app,
            &group(&[("f-a", "api-1", "firing"), ("f-b", "api-2", "firing")]),
        )
        .await;
        app.wait_for_notifications("state=delivered", |items| items.len() == 4)
            .await;
        // Each alert's id, from the button on its Slack message, in the order they were posted.
        let ids: Vec<String> = slack
            .received()
            .iter()
            .filter(|r| r.path == "/chat.postMessage")
            .map(|r| {
                let body = r.json();
                let value =
                    body["blocks"].as_array().unwrap().last().unwrap()["elements"][0]["value"]
                        .as_str()
                        .unwrap()
                        .to_owned();
                value.trim_start_matches("alert:").to_owned()
            })
            .collect();
        assert_eq!(ids.len(), 2);
        // Bo has no `chat` entry; Slack finds U0BO000001 by his email.
        let now = app.clock.now().as_second();
        let body = click("U0BO000001", "ack", &format!("alert:{}", ids[0]));
        assert_eq!(
            send_click(&app, &body, now, &sign(SIGNING_SECRET, now, &body)).await,
            200
        );
        let shown = app.get(&format!("/api/v1/alerts/{}", ids[0])).await;
        assert_eq!(shown["acknowledged_by"], "user:bo", "{shown}");
        let lookups = slack
            .received()
            .iter()
            .filter(|r| r.path.starts_with("/users.lookupByEmail"))
            .count();
        assert!(lookups >= 1);
        // Kept: the next click asks Slack nothing.
        let body = click("U0BO000001", "resolve", &format!("alert:{}", ids[0]));
        assert_eq!(
            send_click(&app, &body, now, &sign(SIGNING_SECRET, now, &body)).await,
            200
        );
        assert_eq!(
            slack
                .received()
                .iter()
                .filter(|r| r.path.starts_with("/users.lookupByEmail"))
                .count(),
            lookups
        );
        assert_eq!(alert_state(&app, &ids[0]).await, "resolved");

        // On Mattermost, by its users/email.
        let created = mattermost
            .received()
            .into_iter()
            .find(|r| {
                r.method == reqwest::Method::POST
                    && r.json().to_string().contains(&format!("alert:{}", ids[1]))
            })
            .expect("the second alert's post")
            .json();
        let context =
            created["props"]["attachments"][0]["actions"][0]["integration"]["context"].clone();
        let response = reqwest::Client::new()
            .post(format!("{}/chat/mattermost/mm/actions", app.url))
            .json(&serde_json::json!({"user_id": "mmbo00000000000000000000aa", "context": context}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let shown = app.get(&format!("/api/v1/alerts/{}", ids[1])).await;
        assert_eq!(shown["acknowledged_by"], "user:bo", "{shown}");
        assert!(
            mattermost
                .received()
                .iter()
                .any(|r| r.path == "/api/v4/users/email/bo@acme.example"
                    || r.path == "/api/v4/users/email/bo%40acme.example")
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_changes_approve_button_is_refused_to_its_announcer_and_works_for_someone_else() {
    use firewatch::clock::Clock as _;
    use firewatch::core::role::Role;
    for backend in backends() {
        let extra = format!("{ON_CALL}\n[changes]\nchannels = [\"cloud-chat\"]\n");
        let (slack, _mattermost, app, _alert) = one_alert_posted(
            backend,
            &extra,
            &[("ann", Role::Responder), ("bo", Role::Responder)],
        )
        .await;
        let token = app
            .user_token("ann", &[firewatch::core::scope::Scope::ChangesWrite])
            .await;
        let (status, change) = app
            .api_json(
                reqwest::Method::POST,
                "/api/v1/changes",
                &token,
                &serde_json::json!({"summary": "Upgrade api's PostgreSQL to 16", "service": "api",
                        "environment": "production", "risk": "high",
                        "rollback": "fail over to the 15 replica", "needs_approval": true}),
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::CREATED, "{change}");
        let id = change["id"].as_str().unwrap().to_owned();
        app.wait_for_notifications("state=delivered&destination=cloud-chat", |items| {
            items.len() == 2
        })
        .await;
        let posted = slack
            .received()
            .into_iter()
            .filter(|r| r.path == "/chat.postMessage")
            .map(|r| r.json())
            .find(|body| body.to_string().contains("PostgreSQL"))
            .expect("the announcement");
        let elements = &posted["blocks"].as_array().unwrap().last().unwrap()["elements"];
        let ids: Vec<&str> = elements
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["approve", "reject"], "{posted}");
        let value = format!("change:{id}");

        // Ann announced it: her Approve is refused, and she is told why.
        let now = app.clock.now().as_second();
        let mine = click(ANN, "approve", &value);
        assert_eq!(
            send_click(&app, &mine, now, &sign(SIGNING_SECRET, now, &mine)).await,
            200
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let told = loop {
            let told: Vec<Value> = slack
                .received()
                .iter()
                .filter(|r| r.path == "/chat.postEphemeral")
                .map(|r| r.json())
                .collect();
            if !told.is_empty() || std::time::Instant::now() > deadline {
                break told;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        };
        assert_eq!(
            told[0]["text"],
            "Nothing changed: you announced this change: someone else has to approve or reject it."
        );
        assert_eq!(
            app.api(
                reqwest::Method::GET,
                &format!("/api/v1/changes/{id}"),
                Some(&app.admin_token)
            )
            .await
            .1["state"],
            "pending_approval"
        );

        // Bo (found by his email) approves; the announcement says so, its buttons gone.
        let his = click("U0BO000001", "approve", &value);
        assert_eq!(
            send_click(&app, &his, now, &sign(SIGNING_SECRET, now, &his)).await,
            200
        );
        let decided = app
            .api(
                reqwest::Method::GET,
                &format!("/api/v1/changes/{id}"),
                Some(&app.admin_token),
            )
            .await
            .1;
        assert_eq!(decided["state"], "approved", "{decided}");
        assert_eq!(decided["decided_by"], "user:bo");
        app.wait_for_notifications("state=delivered&destination=cloud-chat", |items| {
            items.len() == 3
        })
        .await;
        let update = slack
            .received()
            .into_iter()
            .filter(|r| r.path == "/chat.update")
            .map(|r| r.json())
            .last()
            .expect("the announcement is updated");
        assert_eq!(update["ts"], posted_ts(&slack, "PostgreSQL"));
        assert!(
            update["blocks"]
                .as_array()
                .unwrap()
                .iter()
                .all(|b| b["type"] != "actions"),
            "{update}"
        );
        app.stop().await;
    }
}

/// The `ts` Slack gave the message that said `needle`.
fn posted_ts(slack: &Slack, needle: &str) -> String {
    let posts: Vec<Value> = slack
        .received()
        .into_iter()
        .filter(|r| r.path == "/chat.postMessage")
        .map(|r| r.json())
        .collect();
    let index = posts
        .iter()
        .position(|body| body.to_string().contains(needle))
        .unwrap();
    // The stand-in numbers its messages in order from .000100.
    format!("1700000000.{:06}", 100 + index)
}

/// A signed interactivity request whose `payload` is `payload`; its status and answer.
async fn send_interaction(app: &TestApp, payload: Value) -> (reqwest::StatusCode, Value) {
    use firewatch::clock::Clock as _;
    let body = serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap();
    let now = app.clock.now().as_second();
    let (status, text) = slack_request(app, "interactions", FORM, &body, now).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A modal's submission as Slack sends it: `view.state.values` by block and action id.
fn view_submission(user: &str, metadata: &str, status: &str, message: &str, public: bool) -> Value {
    let chosen: Vec<Value> = if public {
        vec![
            serde_json::json!({"text": {"type": "plain_text", "text": "Also show it"}, "value": "true"}),
        ]
    } else {
        Vec::new()
    };
    serde_json::json!({
        "type": "view_submission",
        "team": {"id": "T0ACME0001", "domain": "acme"},
        "user": {"id": user, "username": "ann", "name": "ann", "team_id": "T0ACME0001"},
        "api_app_id": "A0FIREWATCH",
        "token": "legacy-verification-token",
        "trigger_id": "13345224609.738474920.8088930838d88f008e1",
        "view": {
            "id": "V0FIREWATCH1", "team_id": "T0ACME0001", "type": "modal",
            "callback_id": "incident_update", "private_metadata": metadata,
            "state": {"values": {
                "status": {"status": {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": status}, "value": status}}},
                "message": {"message": {"type": "plain_text_input", "value": message}},
                "public": {"public": {"type": "checkboxes", "selected_options": chosen}},
            }},
            "hash": "156772938.1827394", "app_id": "A0FIREWATCH", "bot_id": "B0FIREWATCH",
        },
    })
}

fn action_ids(body: &Value) -> Vec<String> {
    body["blocks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|block| block["type"] == "actions")
        .flat_map(|block| block["elements"].as_array().cloned().unwrap_or_default())
        .map(|element| element["action_id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn an_incidents_declaration_has_buttons_post_update_opens_a_form_and_the_message_follows_its_state()
 {
    for backend in backends() {
        use firewatch::core::role::Role;
        let (slack, mattermost, app, _alert) = one_alert_posted(
            backend,
            "\n[incidents]\nchannels = [\"cloud-chat\", \"ops-mm\"]\n",
            &[("ann", Role::Responder)],
        )
        .await;
        let declared = run_slash(&app, ANN, r#"incident declare "Checkout is down" SEV2"#).await;
        assert_eq!(declared["response_type"], "in_channel", "{declared}");
        app.wait_for_notifications("state=delivered", |items| items.len() == 4)
            .await;
        let incident = app.get("/api/v1/incidents/1").await;
        let id = incident["id"].as_str().unwrap().to_owned();
        let subject = format!("incident:{id}");

        // The declaration carries Acknowledge, Post update and Resolve, on both platforms.
        let posted = slack
            .received()
            .into_iter()
            .filter(|r| r.path == "/chat.postMessage")
            .map(|r| r.json())
            .find(|body| body.to_string().contains("Checkout is down"))
            .unwrap();
        assert_eq!(
            action_ids(&posted),
            ["ack", "update", "resolve"],
            "{posted}"
        );
        let ts = posted_ts(&slack, "Checkout is down");
        let post = mattermost
            .received()
            .into_iter()
            .map(|r| r.json())
            .find(|body| body.to_string().contains("Checkout is down"))
            .unwrap();
        let actions = post["props"]["attachments"][0]["actions"]
            .as_array()
            .unwrap()
            .clone();
        let ids: Vec<&str> = actions.iter().map(|a| a["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["ack", "update", "resolve"], "{post}");

        // Ann's Acknowledge acknowledges the incident as Ann; both messages say so in place,
        // and keep Post update and Resolve.
        let (status, _) = send_interaction(
            &app,
            serde_json::from_str(&percent_payload(&click(ANN, "ack", &subject))).unwrap(),
        )
        .await;
        assert_eq!(status, 200);
        let shown = app.get("/api/v1/incidents/1").await;
        assert!(!shown["times"]["acknowledged"].is_null(), "{shown}");
        app.wait_for_notifications("state=delivered", |items| items.len() == 6)
            .await;
        let update = slack
            .received()
            .into_iter()
            .find(|r| r.path == "/chat.update")
            .expect("the declaration is updated")
            .json();
        assert_eq!(update["ts"], ts.as_str());
        assert!(
            update.to_string().contains("Acknowledged by") && update.to_string().contains("ann"),
            "{update}"
        );
        assert_eq!(action_ids(&update), ["update", "resolve"], "{update}");
        assert!(
            mattermost
                .received()
                .iter()
                .any(|r| r.method == reqwest::Method::PUT),
            "the Mattermost post is updated too"
        );

        // Post update opens Slack's modal for the incident, on the click's trigger.
        let (status, _) = send_interaction(
            &app,
            serde_json::from_str(&percent_payload(&click(ANN, "update", &subject))).unwrap(),
        )
        .await;
        assert_eq!(status, 200);
        let opened = slack
            .received()
            .into_iter()
            .find(|r| r.path == "/views.open")
            .expect("a modal is opened")
            .json();
        assert_eq!(
            opened["trigger_id"],
            "13345224609.738474920.8088930838d88f008e0"
        );
        assert_eq!(opened["view"]["callback_id"], "incident_update");
        assert_eq!(opened["view"]["private_metadata"], subject.as_str());
        let blocks: Vec<&str> = opened["view"]["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["block_id"].as_str().unwrap())
            .collect();
        assert_eq!(blocks, ["status", "message", "public"]);

        // An empty message keeps the modal open with the reason under the field.
        let (status, answer) = send_interaction(
            &app,
            view_submission(ANN, &subject, "identified", " ", true),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(answer["response_action"], "errors", "{answer}");
        assert_eq!(
            answer["errors"]["message"],
            "Not posted: the update's message is empty."
        );
        // Submitted, it is the incident's update, by Ann, public.
        let (status, answer) = send_interaction(
            &app,
            view_submission(
                ANN,
                &subject,
                "identified",
                "The last deploy broke checkout",
                true,
            ),
        )
        .await;
        assert_eq!(status, 200);
        assert!(
            answer.is_null(),
            "an empty answer closes the modal: {answer}"
        );
        let shown = app.get("/api/v1/incidents/1").await;
        let updates = shown["updates"].as_array().unwrap();
        assert_eq!(updates.len(), 1, "{shown}");
        assert_eq!(updates[0]["status"], "identified");
        assert_eq!(updates[0]["message"], "The last deploy broke checkout");
        assert_eq!(updates[0]["public"], true);
        assert_eq!(updates[0]["actor"], "user:ann");

        // On Mattermost, Post update opens a dialog whose signed state comes back with it.
        let mm_click = |context: Value| {
            serde_json::json!({
                "user_id": MM_ANN, "user_name": "ann", "channel_id": MATTERMOST_CHANNEL,
                "team_id": "team0000000000000000000000", "post_id": "00000000000000000000000002",
                "trigger_id": "mmtrigger1", "type": "", "data_source": "", "context": context,
            })
        };
        let answer = reqwest::Client::new()
            .post(format!("{}/chat/mattermost/mm/actions", app.url))
            .json(&mm_click(actions[1]["integration"]["context"].clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        let opened = mattermost
            .received()
            .into_iter()
            .find(|r| r.path == "/api/v4/actions/dialogs/open")
            .expect("a dialog is opened")
            .json();
        assert_eq!(opened["trigger_id"], "mmtrigger1");
        assert!(
            opened["url"]
                .as_str()
                .unwrap()
                .ends_with("/chat/mattermost/mm/dialogs"),
            "{opened}"
        );
        let state = opened["dialog"]["state"].as_str().unwrap().to_owned();
        let submit = |state: &str, message: &str| {
            let body = serde_json::json!({
                "type": "dialog_submission", "callback_id": "incident_update", "state": state,
                "user_id": MM_ANN, "channel_id": MATTERMOST_CHANNEL,
                "team_id": "team0000000000000000000000",
                "submission": {"status": "monitoring", "message": message, "public": false},
                "cancelled": false,
            });
            let url = format!("{}/chat/mattermost/mm/dialogs", app.url);
            async move {
                let response = reqwest::Client::new()
                    .post(url)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                (response.status(), response.json::<Value>().await.unwrap())
            }
        };
        let forged = state.replacen(':', ":0", 1);
        assert_eq!(submit(&forged, "Forged").await.0, 401);
        let (status, answer) = submit(&state, "A fix is out; watching the error rate").await;
        assert_eq!(status, 200);
        assert_eq!(answer, serde_json::json!({}));
        let shown = app.get("/api/v1/incidents/1").await;
        assert_eq!(shown["updates"].as_array().unwrap().len(), 2, "{shown}");
        assert_eq!(shown["state"], "mitigated");

        // Resolved elsewhere (the API): the declaration says who resolved it, with no buttons.
        let (status, _) = app
            .api(
                reqwest::Method::POST,
                "/api/v1/incidents/1/resolve",
                Some(&app.admin_token),
            )
            .await;
        assert_eq!(status, reqwest::StatusCode::OK);
        app.wait_for_notifications("destination=cloud-chat&state=delivered", |items| {
            items
                .iter()
                .filter(|n| n["chat_message"] == format!("{}:{ts}", SLACK_CHANNELS[0]).as_str())
                .count()
                == 3
        })
        .await;
        let last = slack
            .received()
            .into_iter()
            .filter(|r| r.path == "/chat.update")
            .last()
            .unwrap()
            .json();
        assert_eq!(last["ts"], ts.as_str());
        assert!(last.to_string().contains("Resolved by"), "{last}");
        assert!(action_ids(&last).is_empty(), "{last}");
        app.stop().await;
    }
}

/// The `payload` JSON inside a click's form body.
fn percent_payload(form: &str) -> String {
    let fields: Vec<(String, String)> = serde_urlencoded::from_str(form).unwrap();
    fields.into_iter().find(|(k, _)| k == "payload").unwrap().1
}

#[tokio::test]
async fn a_replayed_command_acts_once_updates_are_posted_from_fw_and_mattermosts_fw_needs_its_token()
 {
    use firewatch::clock::Clock as _;
    for backend in backends() {
        use firewatch::core::role::Role;
        let (_slack, _mattermost, app, _alert) =
            one_alert_posted(backend, "", &[("ann", Role::Responder)]).await;

        // The same signed request twice (a replay inside Slack's five minutes): refused, and
        // one incident.
        let body = slash(ANN, r#"incident declare "Payments are slow" SEV3"#);
        let now = app.clock.now().as_second();
        let send = || async {
            let (status, text) = slack_request(&app, "commands", FORM, &body, now).await;
            (status, serde_json::from_str::<Value>(&text).unwrap())
        };
        assert_eq!(send().await.1["response_type"], "in_channel");
        let (status, again) = send().await;
        assert_eq!(status, 401);
        assert_eq!(again["error"]["code"], "replayed_request");
        let listed = app.get("/api/v1/incidents").await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");

        // With no team paging through a schedule, /fw oncall says what makes one.
        let on_call = run_slash(&app, ANN, "oncall").await;
        assert!(
            on_call["text"]
                .as_str()
                .unwrap()
                .starts_with("No team pages through a schedule yet"),
            "{on_call}"
        );

        // A status update from /fw, public.
        let posted = run_slash(
            &app,
            ANN,
            r#"incident update 1 identified "A slow query on the ledger" public"#,
        )
        .await;
        assert_eq!(
            posted["text"],
            "Posted to incident #1 (identified, on the status page)."
        );
        let wrong = run_slash(&app, ANN, r#"incident update 1 fixed "Done""#).await;
        assert_eq!(
            wrong["text"],
            "\"fixed\" is not a status: investigating, identified, monitoring or resolved."
        );

        // Mattermost's custom command: its token, or 401; then the same commands.
        let mm = |token: &str, text: &str| {
            let body = serde_urlencoded::to_string([
                ("channel_id", MATTERMOST_CHANNEL),
                ("channel_name", "ops"),
                ("command", "/fw"),
                ("response_url", "http://127.0.0.1:9/hooks/commands/abc"),
                ("team_domain", "acme"),
                ("team_id", "team0000000000000000000000"),
                ("text", text),
                ("token", token),
                ("trigger_id", "mmtrigger2"),
                ("user_id", MM_ANN),
                ("user_name", "ann"),
            ])
            .unwrap();
            let url = format!("{}/chat/mattermost/mm/commands", app.url);
            async move {
                let response = reqwest::Client::new()
                    .post(url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                (response.status(), response.json::<Value>().await.unwrap())
            }
        };
        assert_eq!(mm("wrong-token", "help").await.0, 401);
        let (status, help) = mm(MM_COMMAND_TOKEN, "help").await;
        assert_eq!(status, 200);
        assert_eq!(help["response_type"], "ephemeral");
        assert!(
            help["text"]
                .as_str()
                .unwrap()
                .contains("/fw incident update")
        );
        let update = r#"incident update #1 monitoring "The index is back; watching""#;
        let (_, posted) = mm(MM_COMMAND_TOKEN, update).await;
        assert_eq!(posted["text"], "Posted to incident #1 (monitoring).");
        let (status, replayed) = mm(MM_COMMAND_TOKEN, update).await;
        assert_eq!(status, 401, "{replayed}");
        assert_eq!(replayed["error"]["code"], "replayed_request");
        let shown = app.get("/api/v1/incidents/1").await;
        let updates = shown["updates"].as_array().unwrap();
        assert_eq!(updates.len(), 2, "{shown}");
        assert_eq!(updates[1]["actor"], "user:ann");
        assert_eq!(shown["state"], "mitigated");
        app.stop().await;
    }
}

#[tokio::test]
async fn an_unknown_chat_user_gets_a_signed_link_and_once_linked_acts_as_themself() {
    use crate::web::{Browser, PASSWORD};
    for backend in backends() {
        use firewatch::core::role::Role;
        const CY: &str = "mmcy00000000000000000000aa";
        let (_slack, mattermost, app, alert) = one_alert_posted(
            backend,
            "\n[[people]]\nid = \"cy\"\nname = \"Cy\"\nuser = \"cy\"\n",
            &[("cy", Role::Responder), ("ann", Role::Responder)],
        )
        .await;
        let created = mattermost.received()[0].json();
        let context =
            created["props"]["attachments"][0]["actions"][0]["integration"]["context"].clone();
        let click = |user: &str, trigger: &str| {
            let body = serde_json::json!({
                "user_id": user, "channel_id": MATTERMOST_CHANNEL, "trigger_id": trigger,
                "post_id": "00000000000000000000000001", "context": context.clone(),
            });
            let url = format!("{}/chat/mattermost/mm/actions", app.url);
            async move {
                let response = reqwest::Client::new()
                    .post(url)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                response.json::<Value>().await.unwrap()
            }
        };

        // Cy is nobody here yet: nothing changes, and the answer carries a link for a day.
        let answer = click(CY, "t1").await;
        let said = answer["ephemeral_text"].as_str().unwrap().to_owned();
        assert!(
            said.starts_with("Firewatch does not know who you are here"),
            "{said}"
        );
        assert_eq!(alert_state(&app, &alert).await, "firing");
        let start = said.find("http").unwrap();
        let url = said[start..].split_whitespace().next().unwrap().to_owned();
        let path = url
            .strip_prefix(&app.url)
            .expect("the link is Firewatch's own");
        assert!(path.starts_with("/chat-link?"), "{path}");

        // Not signed in, the link leads to the sign-in form and back.
        let mut browser = Browser::new(&app);
        let page = browser.get(path).await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert!(
            page.location
                .as_deref()
                .unwrap()
                .starts_with("/login?next=")
        );
        assert_eq!(browser.sign_in("cy", PASSWORD).await.status, 303);
        // An altered link is refused.
        let altered = path.replace(CY, "mmsomeoneelse0000000000000");
        let page = browser.get(&altered).await;
        assert!(
            page.body.contains("was not made by Firewatch"),
            "{}",
            page.body
        );
        assert!(!page.body.contains("id=\"link\""));

        let page = browser.get(path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("Link to me"), "{}", page.body);
        let form: Vec<(String, String)> = ["_csrf", "app", "user", "expires", "sig"]
            .iter()
            .map(|name| ((*name).to_owned(), page.input(name).unwrap()))
            .collect();
        let fields: Vec<(&str, &str)> =
            form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let linked = browser.post("/chat-link", &fields).await;
        assert_eq!(linked.status, 200, "{}", linked.body);
        assert!(linked.body.contains("id=\"linked\""), "{}", linked.body);

        // Now Cy's click acknowledges the alert as Cy.
        let answer = click(CY, "t2").await;
        assert_eq!(answer, serde_json::json!({}));
        let shown = app.get(&format!("/api/v1/alerts/{alert}")).await;
        assert_eq!(shown["state"], "acknowledged");
        assert_eq!(shown["acknowledged_by"], "user:cy");

        // A signed-in user no [[people]] entry names is told so, and nothing is linked.
        let mut stranger = Browser::new(&app);
        crate::web::add_user(&app, "dee", Role::Responder).await;
        assert_eq!(stranger.sign_in("dee", PASSWORD).await.status, 303);
        let page = stranger.get(path).await;
        assert!(
            page.body.contains("is named by no [[people]] entry"),
            "{}",
            page.body
        );
        // A day later the link is stale.
        app.advance(24 * 60 * 60 + 1);
        assert_eq!(browser.sign_in("cy", PASSWORD).await.status, 303);
        let page = browser.get(path).await;
        assert!(page.body.contains("This link has expired"), "{}", page.body);
        app.stop().await;
    }
}

#[tokio::test]
async fn a_declared_incident_gets_its_own_channels_and_a_marked_message_is_starred_into_the_draft()
{
    use firewatch::clock::Clock as _;
    for backend in backends() {
        use firewatch::core::role::Role;
        let slack = Slack::start().await;
        let mattermost = Mattermost::start().await;
        let config = config(&slack, &mattermost)
            .replace(
                "signing_secret = ",
                "incident_channels = true\nsigning_secret = ",
            )
            .replace(
                "command_token = ",
                &format!(
                    "incident_channels = true\nteam_id = \"{MATTERMOST_TEAM}\"\ncommand_token = "
                ),
            );
        let app = TestApp::spawn(backend, &format!("{config}{}{ON_CALL}", people())).await;
        crate::web::add_user(&app, "ann", Role::Responder).await;
        crate::web::add_user(&app, "vic", Role::Responder).await;
        // Ann's rotation has begun.
        app.advance(10 * 60 * 60);

        let declared =
            run_slash(&app, ANN, r#"incident declare "Checkout is down" SEV2 api"#).await;
        assert_eq!(declared["response_type"], "in_channel", "{declared}");
        app.idle().await;
        let incident = app.get("/api/v1/incidents/1").await;
        let channels = incident["chat_channels"].as_array().unwrap().clone();
        assert_eq!(channels.len(), 2, "{incident}");

        // Slack: a channel named from the number and title, Ann (on call) invited, and a first
        // message saying what the channel is for.
        let made = slack.made_channels();
        assert_eq!(made.len(), 1);
        let (channel, name) = made[0].clone();
        assert_eq!(name, "inc-1-checkout-is-down");
        assert!(
            channels.contains(&Value::from(format!("slack#{channel}"))),
            "{channels:?}"
        );
        let calls = slack.received();
        let invite = calls
            .iter()
            .find(|r| r.path == "/conversations.invite")
            .expect("people are invited")
            .json();
        assert_eq!(invite["channel"], channel.as_str());
        assert_eq!(invite["users"], ANN);
        let intro = calls
            .iter()
            .filter(|r| r.path == "/chat.postMessage")
            .map(|r| r.json())
            .find(|body| body["channel"] == channel.as_str())
            .expect("the channel is told what it is for");
        assert!(
            intro["text"].as_str().unwrap().contains(":pushpin:"),
            "{intro}"
        );

        // Mattermost: a channel in the team, Ann added.
        let calls = mattermost.received();
        let created = calls
            .iter()
            .find(|r| r.path == "/api/v4/channels")
            .expect("a channel is made")
            .json();
        assert_eq!(created["team_id"], MATTERMOST_TEAM);
        assert_eq!(created["name"], "inc-1-checkout-is-down");
        assert_eq!(created["display_name"], "#1 Checkout is down");
        let added = calls
            .iter()
            .find(|r| r.path.ends_with("/members"))
            .expect("Ann is added")
            .json();
        assert_eq!(added["user_id"], MM_ANN);
        let mm_channel = channels
            .iter()
            .filter_map(Value::as_str)
            .find_map(|c| c.strip_prefix("mm#"))
            .unwrap()
            .to_owned();

        // The incident's page names its channels, Slack's as a link into Slack.
        let mut browser = crate::web::signed_in(&app, "viewer", Role::Viewer).await;
        let page = browser.get("/incidents/1").await;
        let named = page
            .testid("chat-channels")
            .expect("the channels are named");
        assert_eq!(
            named,
            format!("Mattermost (mm): channel {mm_channel}, Slack (slack)")
        );
        assert!(
            page.body.contains(&format!(
                "href=\"https:&#x2f;&#x2f;slack.com&#x2f;app_redirect?channel={channel}\""
            )) || page
                .body
                .contains(&format!("https://slack.com/app_redirect?channel={channel}")),
            "{}",
            page.body
        );

        // The incident's updates are posted in its channels.
        let (status, _) = app
            .api_json(
                reqwest::Method::POST,
                "/api/v1/incidents/1/updates",
                &app.admin_token,
                &serde_json::json!({"status": "identified", "message": "The payment provider's API times out", "public": false}),
            )
            .await;
        assert_eq!(status, 201);
        app.idle().await;
        assert!(
            slack
                .received()
                .iter()
                .any(|r| r.path == "/chat.postMessage"
                    && r.json()["channel"] == channel.as_str()
                    && r.json().to_string().contains("times out")),
            "the update is in the Slack channel"
        );
        assert!(
            mattermost
                .received()
                .iter()
                .any(|r| r.path == "/api/v4/posts"
                    && r.json()["channel_id"] == mm_channel.as_str()
                    && r.json().to_string().contains("times out")),
            "the update is in the Mattermost channel"
        );

        // Slack's Events API: the URL is verified with its challenge.
        let event = |body: Value| {
            let now = app.clock.now().as_second();
            let app = &app;
            async move { slack_request(app, "events", "application/json", &body.to_string(), now).await }
        };
        let (status, answer) = event(serde_json::json!({
            "token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }))
        .await;
        assert_eq!(status, 200);
        assert_eq!(
            serde_json::from_str::<Value>(&answer).unwrap()["challenge"],
            "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
        );

        // Vic says something in the channel; Ann marks it with the pushpin.
        let ts = slack.person_says(&channel, VIC, "Rolled back api to v41; errors are falling");
        let reaction = |reaction: &str, id: &str| {
            serde_json::json!({
                "token": "legacy", "team_id": "T0ACME0001", "api_app_id": "A0FIREWATCH",
                "type": "event_callback", "event_id": id, "event_time": 1_793_667_600,
                "event": {
                    "type": "reaction_added", "user": ANN, "reaction": reaction,
                    "item_user": VIC, "item": {"type": "message", "channel": channel, "ts": ts},
                    "event_ts": "1700000600.000100",
                },
            })
        };
        assert_eq!(event(reaction("eyes", "Ev0OTHER")).await.0, 200);
        assert_eq!(event(reaction("pushpin", "Ev0PIN01")).await.0, 200);
        // Slack resends an event it thinks was missed: the same event_id acts once.
        app.advance(1);
        assert_eq!(event(reaction("pushpin", "Ev0PIN01")).await.0, 200);
        let timeline = app.get("/api/v1/incidents/1/timeline").await;
        let starred: Vec<&Value> = timeline["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["starred"] == true)
            .collect();
        assert_eq!(starred.len(), 1, "{timeline}");
        assert_eq!(
            starred[0]["text"],
            "Rolled back api to v41; errors are falling"
        );
        assert_eq!(starred[0]["actor"], "user:vic");

        // On Mattermost, /fw note in the incident's channel does the same.
        let body = serde_urlencoded::to_string([
            ("channel_id", mm_channel.as_str()),
            ("command", "/fw"),
            ("text", r#"note "Paged the payment provider's on-call""#),
            ("token", MM_COMMAND_TOKEN),
            ("trigger_id", "mmtrigger3"),
            ("user_id", MM_ANN),
        ])
        .unwrap();
        let answer: Value = reqwest::Client::new()
            .post(format!("{}/chat/mattermost/mm/commands", app.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer["text"], "On incident #1's timeline, starred.");

        // Resolved, the post-mortem's draft shows the starred moments.
        let (status, _) = app
            .api(
                reqwest::Method::POST,
                "/api/v1/incidents/1/resolve",
                Some(&app.admin_token),
            )
            .await;
        assert_eq!(status, 200);
        app.idle().await;
        let draft = app.get("/api/v1/incidents/1/postmortem").await.to_string();
        assert!(draft.contains("Rolled back api to v41"), "{draft}");
        assert!(draft.contains("Paged the payment provider"), "{draft}");
        app.stop().await;
    }
}

#[tokio::test]
async fn fw_page_pages_a_person_now_through_their_notification_rules() {
    for backend in backends() {
        use firewatch::core::role::Role;
        let phone = crate::support::Destination::start().await;
        let extra = format!(
            "\n[[people]]\nid = \"dan\"\nname = \"Dan\"\ncontacts = [ {{ name = \"phone\", kind = \"webhook\", url = \"{}\" }} ]\n",
            phone.url
        );
        let (_slack, _mattermost, app, _alert) =
            one_alert_posted(backend, &extra, &[("ann", Role::Responder)]).await;

        let answer = run_slash(
            &app,
            ANN,
            r#"page Dan "The ledger is stuck; can you look?""#,
        )
        .await;
        assert_eq!(answer["response_type"], "ephemeral");
        assert_eq!(
            answer["text"],
            "Paging Dan now, through their notification rules, until they acknowledge."
        );
        let page = phone.wait_for(1).await[0].json();
        let said = page.to_string();
        assert!(
            said.contains("The ledger is stuck; can you look? (paged by user:ann)"),
            "{page}"
        );
        assert!(
            said.contains("/a/"),
            "the page carries its acknowledge link: {page}"
        );

        // A mention of a linked user names them; someone with no contact is not paged.
        let answer = run_slash(&app, ANN, &format!(r#"page <@{VIC}|vic> "Hello""#)).await;
        assert_eq!(
            answer["text"],
            "Not paged: Vic has no contact method to page."
        );
        let answer = run_slash(&app, ANN, r#"page nobody "Hello""#).await;
        assert_eq!(
            answer["text"],
            "There is nobody \"nobody\" in [[people]]: name them by id or name."
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_deleted_message_is_said_anew_and_the_next_change_updates_the_new_one() {
    for backend in backends() {
        let (slack, _mattermost, app, alert) = one_alert_posted(backend, "", &[]).await;
        slack.delete_message("1700000000.000100");
        let (status, _) = app
            .api(
                reqwest::Method::POST,
                &format!("/api/v1/alerts/{alert}/acknowledge"),
                Some(&app.admin_token),
            )
            .await;
        assert_eq!(status, 200);
        app.idle().await;
        let paths: Vec<String> = slack.received().iter().map(|r| r.path.clone()).collect();
        assert_eq!(
            paths,
            ["/chat.postMessage", "/chat.update", "/chat.postMessage"],
            "the update finds no message, so it is posted again"
        );
        let delivered = notifications(&app, "destination=cloud-chat&state=delivered").await;
        assert!(
            delivered.iter().any(|n| n["chat_message"]
                == format!("{}:1700000000.000101", SLACK_CHANNELS[0]).as_str()),
            "{delivered:?}"
        );
        post(&app, &group(&[("f-a", "api-1", "resolved")])).await;
        app.idle().await;
        let last = slack.received().last().unwrap().json();
        assert_eq!(last["ts"], "1700000000.000101", "{last}");
        app.stop().await;
    }
}

#[tokio::test]
async fn escalate_now_on_a_paging_alerts_message_pages_the_next_step_at_once() {
    for backend in backends() {
        use firewatch::core::role::Role;
        let first = crate::support::Destination::start().await;
        let second = crate::support::Destination::start().await;
        let extra = format!(
            r#"
[[people]]
id = "dan"
contacts = [ {{ name = "phone", kind = "webhook", url = "{first}" }} ]

[[people]]
id = "eve"
contacts = [ {{ name = "phone", kind = "webhook", url = "{second}" }} ]

[[escalation_policies]]
id = "platform"
steps = [ {{ after = "0m", notify = ["person:dan"] }}, {{ after = "30m", notify = ["person:eve"] }} ]

[[services]]
id = "platform"
escalation_policy = "platform"
"#,
            first = first.url,
            second = second.url,
        );
        let (slack, _mattermost, app, alert) =
            one_alert_posted(backend, &extra, &[("ann", Role::Responder)]).await;
        let posted = slack.received()[0].json();
        assert_eq!(
            action_ids(&posted),
            ["ack", "resolve", "escalate"],
            "{posted}"
        );
        first.wait_for(1).await;

        // Ann escalates: Eve is paged now, not in 30 minutes, and Ann is told so.
        let (status, _) = send_interaction(
            &app,
            serde_json::from_str(&percent_payload(&click(
                ANN,
                "escalate",
                &format!("alert:{alert}"),
            )))
            .unwrap(),
        )
        .await;
        assert_eq!(status, 200);
        let page = second.wait_for(1).await[0].json();
        assert!(
            page.to_string().contains("HighLatency") || page.to_string().contains("p99"),
            "{page}"
        );
        app.idle().await;
        let told = slack
            .received()
            .into_iter()
            .find(|r| r.path == "/chat.postEphemeral")
            .expect("Ann is told")
            .json();
        assert_eq!(
            told["text"],
            "Escalated: the next step of its policy pages now."
        );
        let escalations = app.get(&format!("/api/v1/alerts/{alert}")).await;
        assert!(
            escalations
                .to_string()
                .contains("Escalated now by user:ann"),
            "{escalations}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_page_through_a_chat_app_carries_buttons_that_act_on_its_escalation() {
    for backend in backends() {
        use firewatch::core::role::Role;
        let extra = r#"
[[people]]
id = "dan"
contacts = [ { name = "chat", kind = "chat", destination = "cloud-chat", mention = "<@U0DAN00001>" } ]

[[escalation_policies]]
id = "platform"
steps = [ { after = "0m", notify = ["person:dan"] } ]

[[services]]
id = "platform"
escalation_policy = "platform"
"#;
        let (slack, _mattermost, app, alert) =
            one_alert_posted(backend, extra, &[("ann", Role::Responder)]).await;
        app.idle().await;
        let page = slack
            .received()
            .into_iter()
            .map(|r| r.json())
            .find(|body| body.to_string().contains("U0DAN00001"))
            .expect("Dan is paged in the channel");
        assert_eq!(action_ids(&page), ["ack", "resolve", "escalate"], "{page}");
        let value = page["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["type"] == "actions")
            .unwrap()["elements"][0]["value"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(value.starts_with("escalation:"), "{value}");

        let (status, _) = send_interaction(
            &app,
            serde_json::from_str(&percent_payload(&click(ANN, "ack", &value))).unwrap(),
        )
        .await;
        assert_eq!(status, 200);
        let shown = app.get(&format!("/api/v1/alerts/{alert}")).await;
        assert_eq!(shown["state"], "acknowledged", "{shown}");
        assert_eq!(shown["escalations"][0]["state"], "acknowledged");
        app.idle().await;
        let told = slack
            .received()
            .into_iter()
            .find(|r| r.path == "/chat.postEphemeral")
            .expect("Ann is told")
            .json();
        assert_eq!(
            told["text"],
            "Acknowledged: the escalation stops, and nobody more is paged."
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn acknowledged_through_a_pages_link_the_alerts_slack_and_mattermost_messages_change() {
    for backend in backends() {
        let phone = crate::support::Destination::start().await;
        let extra = format!(
            r#"
[[people]]
id = "dan"
contacts = [ {{ name = "phone", kind = "webhook", url = "{}" }} ]

[[escalation_policies]]
id = "platform"
steps = [ {{ after = "0m", notify = ["person:dan"] }} ]

[[services]]
id = "platform"
escalation_policy = "platform"
"#,
            phone.url
        );
        let (slack, mattermost, app, alert) = one_alert_posted(backend, &extra, &[]).await;
        let page = phone.wait_for(1).await[0].json();
        let path = crate::oncall::link_path(&page);
        let answer = reqwest::Client::new()
            .post(format!("{}{path}", app.url))
            .form(&[("action", "acknowledge")])
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success(), "{}", answer.status());
        assert_eq!(alert_state(&app, &alert).await, "acknowledged");
        app.idle().await;
        let update = slack
            .received()
            .into_iter()
            .find(|r| r.path == "/chat.update")
            .expect("the Slack message changes")
            .json();
        assert_eq!(update["ts"], "1700000000.000100");
        assert!(update.to_string().contains("Acknowledged by"), "{update}");
        let put = mattermost
            .received()
            .into_iter()
            .find(|r| r.method == reqwest::Method::PUT)
            .expect("the Mattermost post changes")
            .json();
        assert!(put.to_string().contains("Acknowledged by"), "{put}");
        app.stop().await;
    }
}
