//! Status page subscribers: a request sends only a confirmation link; once confirmed, an
//! email or webhook subscriber gets the public updates of incidents on the components they
//! chose, never internal ones; RFC 8058's one-click POST unsubscribes; the answer never
//! says whether an address was subscribed; requests are limited per client address.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::incidents::call;
use crate::statuspage::post_update;
use crate::support::smtp::{Mail, SmtpServer};
use crate::support::{Destination, TestApp, backends};

fn config(smtp: &SmtpServer) -> String {
    format!(
        r#"
[[services]]
id = "api"

[[services]]
id = "search"

[[destinations]]
name = "status-mail"
kind = "email"
host = "127.0.0.1"
port = {port}
tls = "none"
from = "Acme status <status@acme.example>"
to = ["unused@acme.example"]

[status_page]
title = "Acme status"

[status_page.subscribers]
email = "status-mail"
webhooks = true
# The stand-in webhook receiver is on loopback.
allow_private_webhooks = true
per_hour = 6

[[status_page.components]]
name = "Public API"
services = ["api"]
group = "Core"

[[status_page.components]]
name = "Search"
services = ["search"]
"#,
        port = smtp.port
    )
}

async fn subscribe(app: &TestApp, body: Value) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/status/subscribe", app.url))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The first link in a text that starts with `prefix`.
fn link_in(text: &str, prefix: &str) -> String {
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {text}"));
    text[start..]
        .split(|c: char| c.is_whitespace() || c == '>')
        .next()
        .unwrap()
        .to_owned()
}

fn to(mails: &[Mail], address: &str) -> Vec<Mail> {
    mails
        .iter()
        .filter(|m| m.rcpt_to == [address])
        .cloned()
        .collect()
}

async fn post_form(url: &str, body: &str) -> (StatusCode, String) {
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

#[tokio::test]
async fn subscribe_confirm_receive_public_updates_and_unsubscribe_in_one_click() {
    for backend in backends() {
        let smtp = SmtpServer::start(None).await;
        let hook = Destination::start().await;
        let app = TestApp::spawn(backend, &config(&smtp)).await;
        let page = format!("{}/status", app.url);

        // Three requests; each is answered the same, and each gets its confirmation only.
        let (status, answer) = subscribe(
            &app,
            json!({"email": "Ana@Example.com", "components": ["public-api"]}),
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
        let (status, form) = post_form(
            &format!("{page}/subscribe"),
            "email=ben%40example.com&webhook=&components=search",
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{form}");
        assert!(form.contains("Check your inbox"), "{form}");
        // A browser that asks for Korean is answered in Korean.
        let korean = reqwest::Client::new()
            .get(format!("{page}/confirm/some-token"))
            .header("accept-language", "ko-KR,ko;q=0.9")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            korean.contains("구독을 확인하세요") && korean.contains(r#"lang="ko""#),
            "{korean}"
        );
        let (status, _) = subscribe(&app, json!({"webhook": hook.url})).await;
        assert_eq!(status, StatusCode::ACCEPTED);

        let mails = smtp.wait_for(2).await;
        let confirmation = &to(&mails, "ana@example.com")[0];
        let email = confirmation.parsed();
        assert_eq!(
            email.header("Subject"),
            "Confirm your subscription to Acme status"
        );
        assert_eq!(
            email.header("From"),
            "\"Acme status\" <status@acme.example>"
        );
        let text = &email.part("text/plain").body;
        assert!(text.contains("Public API"), "the chosen component: {text}");
        let confirm = link_in(text, &format!("{page}/confirm/"));
        let unsubscribe = email.header("List-Unsubscribe");
        assert!(
            unsubscribe.starts_with(&format!("<{page}/unsubscribe/")) && unsubscribe.ends_with('>'),
            "{unsubscribe}"
        );
        assert_eq!(
            email.header("List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click"
        );
        let ben = to(&mails, "ben@example.com")[0].parsed();
        let ben_confirm = link_in(&ben.part("text/plain").body, &format!("{page}/confirm/"));
        let received = hook.wait_for(1).await;
        let hook_confirm = received[0].json()["subscription"]["confirm_url"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(received[0].json()["meta"]["unsubscribe"].is_string());

        // An update before anyone confirmed reaches nobody.
        let (_, incident) = call(
            &app,
            Method::POST,
            "/api/v1/incidents",
            Some(json!({"title": "Checkout fails for EU customers", "severity": "SEV2", "services": ["api"]})),
        )
        .await;
        let id = incident["id"].as_str().unwrap().to_owned();
        let update = |status: &'static str, message: &'static str, public: bool| {
            post_update(&app, &id, status, message, public)
        };
        update("investigating", "Some payments fail", true).await;
        app.idle().await;
        assert_eq!(smtp.mails().len(), 2, "nothing to an unconfirmed address");
        assert_eq!(hook.received().len(), 1);

        // The link shows a button (a mail scanner opening it confirms nothing); the button
        // confirms.
        let response = reqwest::get(&confirm).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let html = response.text().await.unwrap();
        assert!(html.contains("method=\"post\""), "{html}");
        app.advance(5);
        update(
            "identified",
            "Still failing, but nobody confirmed yet",
            true,
        )
        .await;
        app.idle().await;
        assert_eq!(
            smtp.mails().len(),
            2,
            "following the link is not confirming"
        );
        for link in [&confirm, &ben_confirm, &hook_confirm] {
            let (status, html) = post_form(link, "").await;
            assert_eq!(status, StatusCode::OK, "{html}");
            assert!(html.contains("You are subscribed"), "{html}");
        }

        // A public update reaches Ana and the webhook; an internal one reaches nobody; Ben
        // chose Search only.
        app.advance(60);
        update(
            "identified",
            "INTERNAL: Andrew's chart change capped the pool",
            false,
        )
        .await;
        app.advance(60);
        update("monitoring", "A fix is out; we are watching payments", true).await;
        let mails = smtp.wait_for(3).await;
        app.idle().await;
        assert_eq!(smtp.mails().len(), 3, "{:?}", smtp.mails());
        assert!(
            to(&smtp.mails(), "ben@example.com").len() == 1,
            "Ben chose Search"
        );
        let news = to(&mails, "ana@example.com")[1].parsed();
        assert_eq!(
            news.header("Subject"),
            "Checkout fails for EU customers: Monitoring"
        );
        let body = &news.part("text/plain").body;
        assert!(
            body.contains("A fix is out; we are watching payments"),
            "{body}"
        );
        assert!(
            !body.contains("INTERNAL") && !body.contains("Andrew"),
            "{body}"
        );
        assert!(
            body.contains(&format!("{page}/unsubscribe/")),
            "every message: {body}"
        );
        assert!(news.header("List-Unsubscribe").starts_with('<'));
        let received = hook.wait_for(2).await;
        assert_eq!(received.len(), 2, "one update, one message");
        let sent = received[1].json();
        assert_eq!(sent["incident"]["id"], id.as_str());
        assert_eq!(sent["incident"]["status"], "monitoring");
        assert_eq!(
            sent["incident"]["incident_updates"][0]["body"],
            "A fix is out; we are watching payments"
        );
        assert!(!sent.to_string().contains("INTERNAL"), "{sent}");
        assert_eq!(sent["incident"]["components"][0]["id"], "public-api");
        let hook_unsubscribe = sent["meta"]["unsubscribe"].as_str().unwrap().to_owned();

        // Asking again says the same thing, subscribed or not.
        let (status, again) = subscribe(&app, json!({"email": "ana@example.com"})).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        assert_eq!(
            again, answer,
            "never says whether the address is subscribed"
        );
        // Only the address's owner learns more: a link to confirm the change.
        let mails = smtp.wait_for(4).await;
        assert_eq!(
            to(&mails, "ana@example.com")[2].parsed().header("Subject"),
            "Confirm your subscription to Acme status"
        );

        // RFC 8058: the mail client POSTs List-Unsubscribe=One-Click to the header's URL.
        let one_click = unsubscribe.trim_matches(|c| c == '<' || c == '>');
        let (status, html) = post_form(one_click, "List-Unsubscribe=One-Click").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("You are unsubscribed"), "{html}");
        let (status, _) = post_form(&hook_unsubscribe, "").await;
        assert_eq!(status, StatusCode::OK);
        let before = smtp.mails().len();
        app.advance(60);
        update("resolved", "Payments work again", true).await;
        app.idle().await;
        assert_eq!(smtp.mails().len(), before, "nothing after unsubscribing");
        assert_eq!(hook.received().len(), 2);

        // Bad input is a 400 with a stable code; the sixth request within the hour is 429.
        let (status, refused) = subscribe(&app, json!({"email": "not an address"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            refused["error"]["code"], "invalid_subscription",
            "{refused}"
        );
        let (status, refused) = subscribe(
            &app,
            json!({"email": "x@example.com", "components": ["nope"]}),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        let (status, refused) = subscribe(&app, json!({"email": "limit@example.com"})).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{refused}");
        assert_eq!(refused["error"]["code"], "rate_limited");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_webhook_on_a_private_network_is_refused_unless_allowed() {
    for backend in backends() {
        let smtp = SmtpServer::start(None).await;
        let app = TestApp::spawn(
            backend,
            &config(&smtp).replace("allow_private_webhooks = true", ""),
        )
        .await;
        for url in [
            "http://127.0.0.1:8080/api",
            "http://169.254.169.254/latest",
            "http://localhost/x",
        ] {
            let (status, refused) = subscribe(&app, json!({"webhook": url})).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{url}");
            assert_eq!(refused["error"]["code"], "invalid_subscription");
        }
        // The page offers the form, and draws Core as a group.
        let html = reqwest::get(format!("{}/status", app.url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("id=\"subscribe\""), "{html}");
        assert!(html.contains("group-head"), "{html}");
        let summary: Value = reqwest::get(format!("{}/status.json", app.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let group = summary["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["group"] == true)
            .unwrap();
        assert_eq!(group["id"], "group-core");
        assert_eq!(group["components"], json!(["public-api"]));
        app.stop().await;
    }
}
