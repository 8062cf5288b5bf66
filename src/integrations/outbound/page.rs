//! What a page says, whichever contact method carries it, and the request for a `webhook`
//! contact. A page tells one person about one alert or incident (or is a test); the on-call
//! domain fills in a `PageMessage` and each sender (`ntfy.rs`, `twilio.rs`, the webhook here)
//! words it in its own format. The webhook body is a public contract (PRODUCT.md §3.1): SMS and
//! voice gateways parse it, so its fields change only with a note there.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::message::clip;
use super::webhook::signed_post;
use crate::i18n::Locale;

/// The Standard Webhooks `type` of a page.
pub const PAGE_TYPE: &str = "page";

/// What a page says, whichever contact method carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageMessage {
    pub page_id: String,
    /// The person's id.
    pub person: String,
    /// One line, e.g. "HighErrorRate on api: 5xx above 5%".
    pub summary: String,
    /// "critical", "error", … or "test".
    pub severity: String,
    pub service: Option<String>,
    pub subject: PageSubject,
    pub acknowledge_url: Option<String>,
    pub resolve_url: Option<String>,
    /// The alert's or incident's page in the web UI.
    pub detail_url: Option<String>,
    /// Pages folded into this one by the storm throttle ("…and N more").
    pub more: u32,
    /// The person's language (else the server's): every sender words the page in it.
    #[serde(default)]
    pub locale: Locale,
}

/// What a page is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum PageSubject {
    Alert(String),
    Incident(String),
    /// "Send me a test page": about nothing, and acknowledging it changes nothing.
    Test,
}

impl PageMessage {
    pub fn is_test(&self) -> bool {
        matches!(self.subject, PageSubject::Test)
    }

    /// "…and N more" when the storm throttle folded other pages into this one.
    pub fn more_line(&self) -> Option<String> {
        (self.more > 0).then(|| super::markdown::more(self.more as usize, self.locale))
    }

    /// The summary, then "…and N more" when pages were folded in: what every sender leads with.
    pub fn headline(&self) -> String {
        match self.more_line() {
            Some(more) => format!("{}\n{more}", self.summary),
            None => self.summary.clone(),
        }
    }

    /// One plain-text paragraph: the summary, "…and N more" when pages were folded in, and the
    /// acknowledge link on a line of its own.
    pub fn text(&self) -> String {
        self.text_within(usize::MAX)
    }

    /// `text` in at most `max` characters. The summary is shortened first, so the acknowledge
    /// link stays whole and still works.
    pub fn text_within(&self, max: usize) -> String {
        let mut tail = String::new();
        if let Some(more) = self.more_line() {
            tail.push('\n');
            tail.push_str(&more);
        }
        if let Some(url) = &self.acknowledge_url {
            tail.push('\n');
            tail.push_str(&self.locale.text("page-sms-acknowledge"));
            tail.push_str(url);
        }
        let summary_budget = max.saturating_sub(tail.chars().count());
        // Cutting the whole only matters when the link alone is longer than `max`.
        clip(
            &format!("{}{tail}", clip(&self.summary, summary_budget)),
            max,
        )
    }
}

/// The page's severity as a word leading a sentence: `Critical`, `심각`.
pub fn severity_word(page: &PageMessage) -> String {
    let severity = page.severity.as_str();
    super::message::capitalize(
        &page
            .locale
            .text_or(&format!("severity-{severity}"), severity),
    )
}

/// The page's Standard Webhooks envelope: `{"type": "page", "timestamp", "data"}`, where `data`
/// names the alert (`alert_id`) or the incident (`incident_id`), or says `"test": true`.
pub fn webhook_body(page: &PageMessage, now: Timestamp) -> Vec<u8> {
    let mut data = json!({
        "page_id": page.page_id,
        "person": page.person,
        "summary": page.summary,
        "severity": page.severity,
        "service": page.service,
        "acknowledge_url": page.acknowledge_url,
        "resolve_url": page.resolve_url,
        "more": page.more,
    });
    // Only the one that applies, so a receiver can tell alerts from incidents by the key.
    match &page.subject {
        PageSubject::Alert(id) => data["alert_id"] = json!(id),
        PageSubject::Incident(id) => data["incident_id"] = json!(id),
        PageSubject::Test => data["test"] = json!(true),
    }
    let envelope = json!({
        "type": PAGE_TYPE,
        "timestamp": now.to_string(),
        "data": data,
    });
    // Serializing a `Value` cannot fail.
    serde_json::to_vec(&envelope).unwrap_or_default()
}

/// The page as a Standard Webhooks POST, signed exactly as the `webhook` destination signs
/// events. `idempotency_key` is the same on every retry of this page to this contact.
pub fn webhook_request(
    client: &reqwest::Client,
    url: &str,
    secret: Option<&str>,
    page: &PageMessage,
    idempotency_key: &str,
    now: Timestamp,
) -> reqwest::RequestBuilder {
    signed_post(
        client,
        url,
        secret,
        idempotency_key,
        now,
        webhook_body(page, now),
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use expect_test::expect;

    use super::*;
    use crate::core::signing;
    use crate::integrations::outbound::recorder::{Recorder, client};

    /// A page about a firing alert, with every link, as the on-call domain would fill it in.
    pub(crate) fn alert_page() -> PageMessage {
        PageMessage {
            page_id: "pg_01".into(),
            person: "andrew".into(),
            summary: "HighErrorRate on api: 5xx above 5%".into(),
            severity: "critical".into(),
            service: Some("api".into()),
            subject: PageSubject::Alert("al_7".into()),
            acknowledge_url: Some("https://fw.example.com/a/ack-token".into()),
            resolve_url: Some("https://fw.example.com/a/resolve-token".into()),
            detail_url: Some("https://fw.example.com/alerts/al_7".into()),
            more: 0,
            locale: crate::i18n::Locale::En,
        }
    }

    pub(crate) fn test_page() -> PageMessage {
        PageMessage {
            page_id: "pg_02".into(),
            summary: "Test page for Andrew".into(),
            severity: "test".into(),
            service: None,
            subject: PageSubject::Test,
            resolve_url: None,
            detail_url: None,
            ..alert_page()
        }
    }

    const NOW: &str = "2026-11-02T09:00:00Z";
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    #[test]
    fn text_is_the_summary_the_storm_count_and_the_acknowledge_link() {
        let page = PageMessage {
            more: 3,
            ..alert_page()
        };
        expect![[r#"
            HighErrorRate on api: 5xx above 5%
            …and 3 more
            Acknowledge: https://fw.example.com/a/ack-token"#]]
        .assert_eq(&page.text());
        let quiet = PageMessage {
            acknowledge_url: None,
            ..alert_page()
        };
        assert_eq!(quiet.text(), "HighErrorRate on api: 5xx above 5%");
    }

    #[test]
    fn a_short_text_cuts_the_summary_and_keeps_the_link_whole() {
        let page = PageMessage {
            summary: "x".repeat(500),
            ..alert_page()
        };
        let text = page.text_within(100);
        assert_eq!(text.chars().count(), 100);
        assert!(
            text.ends_with("…\nAcknowledge: https://fw.example.com/a/ack-token"),
            "{text}"
        );
    }

    #[test]
    fn the_webhook_body_has_the_published_shape() {
        let body = webhook_body(&alert_page(), NOW.parse().unwrap());
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        expect![[r#"
            {
              "data": {
                "acknowledge_url": "https://fw.example.com/a/ack-token",
                "alert_id": "al_7",
                "more": 0,
                "page_id": "pg_01",
                "person": "andrew",
                "resolve_url": "https://fw.example.com/a/resolve-token",
                "service": "api",
                "severity": "critical",
                "summary": "HighErrorRate on api: 5xx above 5%"
              },
              "timestamp": "2026-11-02T09:00:00Z",
              "type": "page"
            }"#]]
        .assert_eq(&serde_json::to_string_pretty(&body).unwrap());
    }

    #[test]
    fn the_webhook_body_names_only_the_subject_that_applies() {
        let data = |page: &PageMessage| -> serde_json::Value {
            let body = webhook_body(page, NOW.parse().unwrap());
            serde_json::from_slice::<serde_json::Value>(&body).unwrap()["data"].clone()
        };
        let incident = data(&PageMessage {
            subject: PageSubject::Incident("inc_3".into()),
            ..alert_page()
        });
        assert_eq!(incident["incident_id"], "inc_3");
        assert!(incident.get("alert_id").is_none() && incident.get("test").is_none());

        let test = data(&test_page());
        assert_eq!(test["test"], true);
        assert!(test.get("alert_id").is_none() && test.get("incident_id").is_none());
        assert_eq!(test["service"], serde_json::Value::Null);
        assert_eq!(test["resolve_url"], serde_json::Value::Null);
    }

    #[tokio::test]
    async fn the_webhook_is_a_signed_standard_webhooks_post() {
        let recorder = Recorder::start(204, "").await;
        let now: Timestamp = NOW.parse().unwrap();
        let url = format!("{}/send?via=sms", recorder.origin);
        let request = webhook_request(
            &client(),
            &url,
            Some(SECRET),
            &alert_page(),
            "pg_01.phone",
            now,
        );
        let (status, received) = recorder.send(request).await;
        assert_eq!(status, 204);
        assert_eq!(received.method, "POST");
        assert_eq!(received.uri, "/send?via=sms");
        assert_eq!(received.header("content-type"), "application/json");
        assert_eq!(received.header("webhook-id"), "pg_01.phone");
        assert_eq!(received.header("idempotency-key"), "pg_01.phone");
        assert_eq!(
            received.header("webhook-timestamp"),
            now.as_second().to_string()
        );
        // The receiver's side of Standard Webhooks accepts it.
        assert_eq!(
            signing::verify(
                &[SECRET.to_owned()],
                Some(received.header("webhook-id")),
                Some(received.header("webhook-timestamp")),
                Some(received.header("webhook-signature")),
                &received.body,
                now,
            ),
            Ok(())
        );
        assert_eq!(received.json()["type"], "page");
        assert_eq!(received.json()["data"]["page_id"], "pg_01");
    }

    #[tokio::test]
    async fn without_a_secret_the_webhook_is_unsigned() {
        let recorder = Recorder::start(200, "").await;
        let request = webhook_request(
            &client(),
            &recorder.origin,
            None,
            &test_page(),
            "pg_02.phone",
            NOW.parse().unwrap(),
        );
        let (_, received) = recorder.send(request).await;
        assert!(received.headers.get("webhook-signature").is_none());
        assert_eq!(received.header("webhook-id"), "pg_02.phone");
        assert_eq!(received.json()["data"]["test"], true);
    }
}
